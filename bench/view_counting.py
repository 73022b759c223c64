#!/usr/bin/env python3
"""Most Popular: what counting views costs the article page (issue 6: counting on >= 95% of off, same run).

    python bench/view_counting.py [--seconds 5] [--rounds 5] [--conns 16] [--redis-url redis://...]

Three gunicorn servers (-w 2, production settings, one SQLite database with the seed) serve the seed article
page: counting off, counting on with the in-process store (the embedded default) and counting on with the
Redis store (production; `--redis-url`, default $NEWSPORTAL_BENCH_REDIS_URL or redis://127.0.0.1:6379/7,
left out when unreachable). wrk loads them in turn, round after round (off, memory, Redis, off, ...), so all
three see the same machine, in two traffic shapes:

- "returning readers": one browser User-Agent and no cookie kept, so after the first request every view is the
  same reader's repeat within the hour (reloads, pages 2 and 3), which the counter must recognise;
- "new readers": every request from a client address never seen before (the servers trust one proxy, as behind
  a load balancer, and wrk sends a new X-Forwarded-For each time), with the same browser User-Agent, so every
  request is a new view that is recorded and given a cookie: the most expensive case, a rush of new readers
  from a link on a front page.

Each round's ratio is taken against the "off" figure of the same round, and the median of the rounds is the
figure (a round that another process on the machine disturbed does not decide it). The last line is the figure;
exit status 0 when every "counting on" server reaches --target of "off" in every traffic shape.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    ROOT,
    WORK,
    Context,
    ensure_wrk,
    exit_cleanly_on_sigterm,
    machine,
    prepare_database,
    production_env,
    project_server,
    say,
    write_between_markers,
    wrk,
)

DOC = ROOT / "docs" / "benchmarks.md"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
# A client address never seen before on every request (behind the one trusted proxy): a new reader.
NEW_READERS_LUA = (
    """
request = function()
  local ip = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format("GET", nil, {["X-Forwarded-For"] = ip, ["User-Agent"] = "%s"})
end
"""
    % BROWSER
)  # wrk.format's headers replace wrk's -H ones


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--conns", type=int, default=16)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    exit_cleanly_on_sigterm()
    ensure_wrk()

    redis_url = args.redis_url or os.environ.get("NEWSPORTAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        say(f"Redis at {redis_url} is unreachable: the Redis store is left out")
        redis_url = None

    WORK.mkdir(parents=True, exist_ok=True)
    dbfile = WORK / "view-counting.sqlite3"
    dbfile.unlink(missing_ok=True)
    env = production_env(
        f"sqlite:///{dbfile}",
        {"NEWSPORTAL_POPULAR_MEMORY_FILE": str(WORK / "views.json"), "NEWSPORTAL_TRUSTED_PROXIES": "1"},
    )
    say("preparing the database (migrate, load_seed, seed_demo) ...")
    prepare_database(env, articles=50, comments=200)

    variants = {"off": {"NEWSPORTAL_COUNT_VIEWS": "0"}, "on, memory store": {"NEWSPORTAL_COUNT_VIEWS": "1"}}
    if redis_url:
        variants["on, Redis store"] = {"NEWSPORTAL_COUNT_VIEWS": "1", "NEWSPORTAL_POPULAR_REDIS_URL": redis_url}
    servers = {name: project_server({**env, **extra}, f"views-{i}") for i, (name, extra) in enumerate(variants.items())}
    path = Context(next(iter(servers.values())).base, env).seed_article_path()
    script = WORK / "new-readers.lua"
    script.write_text(NEW_READERS_LUA)
    shapes = {"returning readers": ({"User-Agent": BROWSER}, None), "new readers": ({"User-Agent": BROWSER}, script)}

    rps: dict[tuple[str, str], list[float]] = {}
    try:
        for shape, (headers, lua) in shapes.items():
            for server in servers.values():  # warm: the page cache, the slug map, Redis's script cache
                wrk(server.base + path, 2, args.conns, headers, lua)
            for _ in range(args.rounds):
                for name, server in servers.items():
                    result = wrk(server.base + path, args.seconds, args.conns, headers, lua)
                    if result.non_2xx or result.errors:
                        raise SystemExit(f"{name}, {shape}: {result.non_2xx} non-2xx answers, {result.errors} errors")
                    rps.setdefault((shape, name), []).append(result.rps)
    finally:
        for server in servers.values():
            server.stop()

    lines = [
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}, load average {load_average()}: "
        f"`python bench/view_counting.py`, gunicorn -w 2, wrk -c{args.conns}, {args.rounds} rounds of "
        f"{args.seconds} s per server and shape.",
        "",
        f"| traffic | {' | '.join(servers)} |",
        f"|---|{'---:|' * len(servers)}",
    ]
    worst = None
    for shape in shapes:
        off = rps[(shape, "off")]
        cells = []
        for name in servers:
            mean = statistics.mean(rps[(shape, name)])
            rounds = "/".join(f"{x:.0f}" for x in rps[(shape, name)])
            if name == "off":
                cells.append(f"{mean:,.0f} req/s ({rounds})")
                continue
            ratio = statistics.median(on / base for on, base in zip(rps[(shape, name)], off, strict=True))
            worst = ratio if worst is None else min(worst, ratio)
            cells.append(f"{mean:,.0f} req/s, median round **{100 * ratio:.1f}%** of off ({rounds})")
        lines.append(f"| {shape} | {' | '.join(cells)} |")
    met = worst is not None and worst >= args.target
    figure = f"view counting on = at least {100 * worst:.1f}% of off (target {100 * args.target:.0f}%)"
    lines += ["", figure + "."]
    say("\n" + "\n".join(lines))
    if not args.no_write:
        write_between_markers(DOC, "\n".join(lines), start="<!-- views:start -->", end="<!-- views:end -->")
    say(figure)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
