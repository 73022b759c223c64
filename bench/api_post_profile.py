#!/usr/bin/env python3
"""What one API comment POST costs a web worker, in-process and independent of machine load (issue 7).

Calls the project's WSGI application directly (no socket, no gunicorn) with the bench's POST: a guest comment
with unique text on the seed article, rate limits off, scoring enqueued on a Redis broker. Reports per POST:
the process CPU time, the wall time, the SQL statements and the wall time spent in them (the database's own
work and the commit's fsync included), and the time spent publishing to the broker. `--profile` adds the
cProfile top functions.

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://127.0.0.1:6379/<db> \
        .venv/bin/python bench/api_post_profile.py [-n 300] [--profile]

The database must have been migrated and have the seed article (manage.py migrate && manage.py load_seed).
The POSTed comments stay in the database; the broker queue fills with their scoring tasks (no worker reads it:
empty it with `redis-cli -n <db> del celery` afterwards).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "s" * 60)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("NEWSPORTAL_RATE_LIMITS_ENABLED", "0")
os.environ.setdefault("NEWSPORTAL_API_RATE_WRITE", "off")


def environ_for(path: str, body: bytes, n: int) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_ACCEPT": "application/json",
        "HTTP_USER_AGENT": "wrk",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _proc_cpu(pid: int | None) -> float | None:
    """user + system CPU seconds of a local process (the PostgreSQL backend serving this connection)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="measured POSTs (default 300, after 30 warm-up ones)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions (cumulative)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--pyinstrument", action="store_true", help="print pyinstrument's call tree (if installed)")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one POST")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article
    from bench.harness import SEED_HEADLINE
    from comments import tasks

    if not os.environ.get("CELERY_BROKER_URL"):
        print("note: no CELERY_BROKER_URL: scoring runs inline (the embedded default), not enqueued")
    app = get_wsgi_application()
    article = Article.objects.published().filter(headline=SEED_HEADLINE).first()
    if article is None:
        raise SystemExit("no seed article: run manage.py load_seed first")
    path = f"/api/v1/articles/{article.pk}/comments/"
    run = f"{os.getpid()}-{int(time.time())}"
    counter = 0

    def post() -> int:
        nonlocal counter
        counter += 1
        body = json.dumps({"name": "Bench Reader", "body": f"Bench comment {run}-{counter}"}).encode()
        status = []
        chunks = app(environ_for(path, body, counter), lambda s, h, exc_info=None: status.append(s))
        b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(status[0].split()[0])

    sql_seconds = 0.0

    def timed_sql(execute, sql, params, many, context):
        nonlocal sql_seconds
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds += time.perf_counter() - t

    publish_seconds = 0.0
    delay = tasks.score_comment.delay

    def timed_delay(*a, **kw):
        nonlocal publish_seconds
        t = time.perf_counter()
        try:
            return delay(*a, **kw)
        finally:
            publish_seconds += time.perf_counter() - t

    tasks.score_comment.delay = timed_delay

    commit_seconds = 0.0
    commits = 0
    real_commit = connection._commit

    def timed_commit():
        nonlocal commit_seconds, commits
        commits += 1
        t = time.perf_counter()
        try:
            return real_commit()
        finally:
            commit_seconds += time.perf_counter() - t

    connection._commit = timed_commit

    for _ in range(30):
        code = post()
        if code != 201:
            raise SystemExit(f"warm-up POST answered {code}")
    with CaptureQueriesContext(connection) as one:
        post()
    queries = len(one.captured_queries)
    commits, commit_seconds, publish_seconds = 0, 0.0, 0.0
    if args.sql:
        for q in one.captured_queries:
            print(q["sql"][:300])

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()") if connection.vendor == "postgresql" else None
        backend = cursor.fetchone()[0] if connection.vendor == "postgresql" else None
    backend0 = _proc_cpu(backend)
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU time, not waiting
    with connection.execute_wrapper(timed_sql):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        if args.pyinstrument:
            from pyinstrument import Profiler

            sampler = Profiler(interval=0.0002)
            sampler.start()
        for _ in range(args.n):
            code = post()
            if code != 201:
                raise SystemExit(f"POST answered {code}")
        if profiler:
            profiler.disable()
        if args.pyinstrument:
            sampler.stop()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = args.n
    print(f"{n} POSTs: wall {1000 * wall / n:.2f} ms, CPU {1000 * cpu / n:.2f} ms per POST")
    if backend0 is not None:
        backend_cpu = _proc_cpu(backend) - backend0
        print(f"  PostgreSQL backend (pid {backend}) CPU: {1000 * backend_cpu / n:.2f} ms per POST")
    print(f"  SQL: {queries} statements per POST, wall in them {1000 * sql_seconds / n:.2f} ms")
    print(f"  COMMIT: {commits / n:.1f} per POST, wall in them {1000 * commit_seconds / n:.2f} ms")
    print(f"  broker publish (score_comment.delay): wall {1000 * publish_seconds / n:.2f} ms")
    print(f"  load average: {Path('/proc/loadavg').read_text().split()[:3]}")
    if args.pyinstrument:
        print(sampler.output_text(show_all=False, color=False, short_mode=False))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(os.environ.get("PROFILE_FILTER", ""), args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
