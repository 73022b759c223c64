#!/usr/bin/env python3
"""Soak: many guests read and post through gunicorn for a while, with a real Celery worker; then check the books.

    .venv/bin/python bench/soak.py                       # 200 guests for 60 s (by hand)
    .venv/bin/python bench/soak.py --guests 20 --seconds 10 --database-url postgres://...   (CI size)

Production shape on this machine: the project under gunicorn (DJANGO_DEBUG=0), one Celery worker, a private
redis-server (cache and broker) unless --redis-url is given, and a database prepared with migrate + load_seed
(a fresh SQLite file unless --database-url names a PostgreSQL database, which is migrated as it is).
Each guest connects from its own loopback address (127.40.x.y), reads the seed article's page and its comment
list, and posts a guest comment through the API every few seconds (paced below the per-client rate limit).

Afterwards, once the worker has drained: no 5xx and no connection errors; every comment answered 201 exists
exactly once (by its unique text) and is scored; `manage.py reconcile_counts` finds no drift. The last line is
the figure; the exit status is 0 only when all of that holds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    WORK,
    Context,
    Gunicorn,
    exit_cleanly_on_sigterm,
    free_port,
    manage,
    production_env,
    say,
    spawn,
    stop_group,
    venv_bin,
)

POST_EVERY_SECONDS = 13  # the per-client limit is 5 posts a minute (NEWSPORTAL_RATE_LIMIT_CLIENT)
TOPICS = ["the harbour plan", "night trains", "the school reform", "water prices", "the new museum", "bus lanes"]


class Tally:
    """What the guests saw, shared between their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.accepted: dict[int, str] = {}  # comment id -> body, for every 201

    def answer(self, kind: str, status: int) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1

    def error(self, kind: str, exc: Exception) -> None:
        with self.lock:
            self.errors[(kind, exc.__class__.__name__)] += 1


def _request(port: int, source_ip: str, method: str, path: str, body: dict | None = None, timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source_ip, 0))
    headers = {"Accept": "application/json" if path.startswith("/api/") else "text/html"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def guest(n: int, port: int, article_id: int, page: str, nonce: str, until: float, tally: Tally) -> None:
    ip = f"127.40.{n // 250}.{n % 250 + 1}"
    rng = random.Random(n)
    next_post = time.monotonic() + rng.uniform(0, POST_EVERY_SECONDS)
    posted = 0
    while time.monotonic() < until:
        for kind, path in (("page", page), ("list", f"/api/v1/articles/{article_id}/comments/")):
            try:
                tally.answer(kind, _request(port, ip, "GET", path)[0])
            except Exception as exc:  # noqa: BLE001 - a timeout or reset is a result, counted
                tally.error(kind, exc)
        if time.monotonic() >= next_post:
            posted += 1
            text = f"Soak {nonce} guest {n} comment {posted}: what does {rng.choice(TOPICS)} mean for us?"
            try:
                status, raw = _request(
                    port, ip, "POST", f"/api/v1/articles/{article_id}/comments/", {"name": f"Guest {n}", "body": text}
                )
                tally.answer("post", status)
                if status == 201:
                    with tally.lock:
                        tally.accepted[json.loads(raw)["id"]] = text
            except Exception as exc:  # noqa: BLE001
                tally.error("post", exc)
            next_post += POST_EVERY_SECONDS
        time.sleep(rng.uniform(0.5, 1.5))


BOOKS = """
import json
from comments.models import Comment
rows = list(Comment.objects.filter(body__contains={nonce!r}).values_list("id", "body", "scored_at"))
print(json.dumps([[i, b, s is not None] for i, b, s in rows]))
"""


def books(ctx: Context, nonce: str) -> list[tuple[int, str, bool]]:
    return [tuple(row) for row in json.loads(ctx.shell(BOOKS.format(nonce=nonce)).splitlines()[-1])]


def start_redis() -> tuple[subprocess.Popen, str]:
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed (apt-get install redis-server) and no --redis-url was given")
    port = free_port()
    proc = spawn(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        "soak-redis",
        cwd=WORK,
    )
    time.sleep(0.5)
    return proc, f"redis://127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument("--database-url", help="PostgreSQL database to use (migrated); default a fresh SQLite file")
    parser.add_argument("--redis-url", help="Redis to use for cache (/0) and broker (/1); default a private one")
    parser.add_argument("--drain-seconds", type=int, default=180, help="how long the worker may take to catch up")
    args = parser.parse_args(argv)
    exit_cleanly_on_sigterm()
    WORK.mkdir(parents=True, exist_ok=True)

    if args.database_url:
        database_url = args.database_url
    else:
        dbfile = WORK / "soak.sqlite3"
        dbfile.unlink(missing_ok=True)
        database_url = f"sqlite:///{dbfile}"
    redis_proc, redis_url = (None, args.redis_url) if args.redis_url else start_redis()
    env = production_env(
        database_url,
        {"REDIS_URL": f"{redis_url}/0", "CELERY_BROKER_URL": f"{redis_url}/1", "DJANGO_LOG_LEVEL": "WARNING"},
    )
    for step in (["migrate", "--noinput"], ["load_seed"]):
        r = manage(step, env)
        if r.returncode != 0:
            raise SystemExit(f"manage.py {step[0]} failed: {(r.stderr or r.stdout)[-800:]}")

    worker = spawn(
        [venv_bin("celery"), "-A", "newsportal", "worker", "-l", "warning", "--concurrency", str(args.concurrency)],
        "soak-worker",
        env=env,
    )
    server = Gunicorn("newsportal.wsgi:application", "soak-gunicorn", env, args.workers)
    server.wait("/healthz")
    ctx = Context(server.base, env)
    try:
        article_id, page = ctx.seed_article_id(), ctx.seed_article_path()
        nonce = uuid.uuid4().hex[:8]
        tally = Tally()
        say(f"soak: {args.guests} guests for {args.seconds} s on {server.base} (gunicorn -w {args.workers})")
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=guest, args=(n, server.port, article_id, page, nonce, until, tally), daemon=True)
            for n in range(args.guests)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)

        # the worker catches up: every accepted comment scored, or the drain time is spent
        deadline = time.monotonic() + args.drain_seconds
        while True:
            rows = books(ctx, nonce)
            scored = {i for i, _, s in rows if s}
            if set(tally.accepted) <= scored or time.monotonic() > deadline:
                break
            time.sleep(2)
        reconcile = manage(["reconcile_counts"], env)
    finally:
        server.stop()
        stop_group(worker)
        if redis_proc is not None:
            stop_group(redis_proc)

    by_body = Counter(body for _, body, _ in rows)
    ids = {i for i, _, _ in rows}
    missing = sum(1 for cid in tally.accepted if cid not in ids)
    duplicated = sum(1 for body in tally.accepted.values() if by_body[body] > 1)
    unscored = sum(1 for cid in tally.accepted if cid in ids and cid not in scored)
    five_xx = sum(n for (_, status), n in tally.statuses.items() if status >= 500)
    errors = sum(tally.errors.values())
    drift = "none" if reconcile.returncode == 0 else (reconcile.stdout + reconcile.stderr).strip()[-300:]
    requests = sum(tally.statuses.values())
    say("answers: " + ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(tally.statuses.items())))
    if tally.errors:
        say("errors: " + ", ".join(f"{kind} {name}: {n}" for (kind, name), n in sorted(tally.errors.items())))
    ok = five_xx == 0 and errors == 0 and missing == 0 and duplicated == 0 and unscored == 0 and drift == "none"
    print(
        f"soak: {args.guests} guests {args.seconds} s: {requests} answers, {five_xx} 5xx, {errors} errors; "
        f"{len(tally.accepted)} comments 201: missing {missing}, duplicated {duplicated}, unscored {unscored}; "
        f"count drift {drift}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
