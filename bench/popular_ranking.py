#!/usr/bin/env python3
"""Most Popular: one ranking pass over 100,000 articles and 10,000,000 views (target: under 1 s).

The input is built synthetically as bucket data directly in Redis, in the exact keys the live counting writes
(`RedisViewStore.bucket_replace` writes the counter blocks that BITFIELD INCRBY fills one view at a time): 24
hourly buckets holding 10,000,000 views of 100,000 articles, drawn from a Zipf-like popularity (exponent --zipf,
default 0.8, most articles read in most hours) or, with --uniform, spread evenly so that every article is in
every bucket (2,400,000 entries). Then the pass is timed as the beat job runs
it, minus the database: read the 24 buckets from Redis (two pipelined round trips: the blocks, then their data),
"Most read" and "Trending" scores, top 20 site-wide and for 30 sections (10 with a parent). The database part of
a pass (one query for the published ids, one for sections, the snapshot rows) is not in the figure.

Redis: $NEWSPORTAL_BENCH_REDIS_URL, else a private redis-server on a free port in a temporary folder (stopped
at the end). The last line is the figure; exit status 0 when the pass takes under --target seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")

from articles import ranking  # noqa: E402  (pure: no Django setup needed)
from articles.popularity.store import RedisViewStore  # noqa: E402

HOURS = 24
SECTIONS = 30


def private_redis() -> tuple[str, subprocess.Popen | None, str | None]:
    url = os.environ.get("NEWSPORTAL_BENCH_REDIS_URL")
    if url:
        return url, None, None
    if not shutil.which("redis-server"):
        raise SystemExit("no redis-server (apt-get install redis-server) and no NEWSPORTAL_BENCH_REDIS_URL")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="bench-popular-")
    proc = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0", proc, folder


def build_buckets(articles: int, views: int, *, zipf: float, uniform: bool, seed: int = 6) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if uniform:
        weights = np.ones(articles)
    else:
        weights = 1.0 / np.arange(1, articles + 1) ** zipf
        rng.shuffle(weights)  # popularity unrelated to the id
    weights /= weights.sum()
    per_hour = [views // HOURS + (1 if h < views % HOURS else 0) for h in range(HOURS)]
    if uniform:
        return [np.full(articles, n // articles) + (np.arange(articles) < n % articles) for n in per_hour]
    return [rng.multinomial(n, weights) for n in per_hour]


def ranking_pass(store: RedisViewStore, now: datetime, groups: dict[str, np.ndarray]) -> tuple[float, float, dict]:
    started = time.perf_counter()
    buckets = store.buckets(ranking.window(now, HOURS))
    read = time.perf_counter() - started
    lists = {}
    for kind, scores in (
        (ranking.MOST_READ, ranking.most_read_scores(buckets, now=now, window_hours=HOURS)),
        (ranking.TRENDING, ranking.trending_scores(buckets, now=now, half_life_hours=4.0, window_hours=HOURS)),
    ):
        lists[kind] = ranking.top_n_by_group(scores, groups, 20)
    total = time.perf_counter() - started
    return read, total, lists


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--views", type=int, default=10_000_000)
    parser.add_argument("--zipf", type=float, default=0.8)
    parser.add_argument("--uniform", action="store_true", help="every article in every hour (worst case)")
    parser.add_argument("--repeat", type=int, default=3, help="passes to time; the median is reported")
    parser.add_argument("--target", type=float, default=1.0)
    args = parser.parse_args()

    url, proc, folder = private_redis()
    try:
        store = RedisViewStore.from_url(url, prefix="np:bench:", retention_hours=HOURS + 2)
        store.client.config_set("save", "")
        store.clear()
        now = datetime.now(UTC)
        current = ranking.hour_of(now)
        buckets = build_buckets(args.articles, args.views, zipf=args.zipf, uniform=args.uniform)
        entries = 0
        for age, counts in enumerate(reversed(buckets)):
            entries += int(np.count_nonzero(counts))
            store.bucket_replace(current - age, np.concatenate([[0], counts]))  # article ids start at 1
        total_views = int(sum(int(c.sum()) for c in buckets))
        # 30 sections, 10 of them children of the first 10; a section's list includes its children's articles
        section_of = np.arange(args.articles + 1) % SECTIONS
        groups = {"site": np.arange(args.articles + 1) > 0}
        for s in range(SECTIONS):
            groups[f"section:{s}"] = groups["site"] & (
                (section_of == s) | ((section_of % 10 == s) & (section_of >= 10))
            )

        timings = []
        for _ in range(args.repeat):
            read, total, lists = ranking_pass(store, now, groups)
            timings.append((total, read))
        total, read = sorted(timings)[len(timings) // 2]
        assert len(lists[ranking.MOST_READ]["site"]) == 20
        store.clear()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
            shutil.rmtree(folder, ignore_errors=True)

    shape = "uniform (every article every hour)" if args.uniform else f"Zipf {args.zipf}"
    print(
        f"input: {args.articles:,} articles, {total_views:,} views in {HOURS} hourly Redis buckets, {shape}: "
        f"{entries:,} bucket entries; median of {args.repeat} passes"
    )
    print(
        f"Most Popular ranking pass: {total:.2f} s (Redis read {read:.2f} s, ranking {total - read:.2f} s) "
        f"for {args.articles:,} articles / {total_views:,} views; target < {args.target:g} s"
    )
    return 0 if total < args.target else 1


if __name__ == "__main__":
    sys.exit(main())
