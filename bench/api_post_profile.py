#!/usr/bin/env python3
"""What one API comment POST costs a web worker, in-process and independent of machine load (issue 7).

Calls the project's WSGI application directly (no socket, no gunicorn) with the bench's POST: a guest comment
with unique text on the seed article, rate limits off, scoring enqueued on a Redis broker. Reports per POST:
the process CPU time, the wall time, the PostgreSQL backend's CPU time (read from /proc: same machine), the SQL
statements and the wall time spent in them, in a commit of its own (its fsync; none for a top-level comment on
PostgreSQL, whose write is one statement) and in publishing to the broker: the scoring outbox's thread publishes
one score_comments task per batch (comments/dispatch.py), so that is time of this process but not of a request.
`--profile` adds cProfile's top functions, timed in CPU time (waiting is not work).

`--instructions` counts the machine instructions of this process per POST instead (valgrind's callgrind; about a
minute): unlike CPU time, the count is the same from one run to the next whatever else the machine does, so it
is the figure to compare two versions of the code with (the PostgreSQL backend and the kernel are not in it).
The outbox publishes once before the measured POSTs and not during them (fewer than one batch of them).

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://127.0.0.1:6379/<db> \
        .venv/bin/python bench/api_post_profile.py [-n 300] [--sql] [--profile [--sort tottime]]

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
import re
import shutil
import subprocess
import sys
import tempfile
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


def environ_for(path: str, body: bytes) -> dict:
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


def _timed(func, totals: dict, key: str):
    """func, adding its wall time to totals[key] on every call (the measured process only; nothing else changes)."""

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - started

    return timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="measured POSTs (default 300, after 30 warm-up ones)")
    parser.add_argument("--sql", action="store_true", help="print the statements of one POST")
    parser.add_argument("--profile", action="store_true", help="cProfile over the measured POSTs, in CPU time")
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative (default), tottime, ...")
    parser.add_argument("--filter", default="", help="cProfile: only functions whose file:line(name) matches")
    parser.add_argument("--top", type=int, default=40, help="cProfile: how many functions (default 40)")
    parser.add_argument("--callers", default="", help="cProfile: who calls the functions matching this instead")
    parser.add_argument("--instructions", action="store_true", help="instructions per POST (valgrind callgrind)")
    parser.add_argument("--callgrind-child", help=argparse.SUPPRESS)  # set by --instructions for its own child
    args = parser.parse_args()
    if args.instructions:
        return _count_instructions(args.n)

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
    sent = 0

    def post() -> None:
        nonlocal sent
        sent += 1
        body = json.dumps({"name": "Bench Reader", "body": f"Bench comment {run}-{sent}"}).encode()
        status = []
        chunks = app(environ_for(path, body), lambda s, h, exc_info=None: status.append(s))
        b"".join(chunks)
        chunks.close()
        if not status[0].startswith("201"):
            raise SystemExit(f"POST answered {status[0]}")

    # Wall time in the statements, the commit and the broker publish (wrapped in this process only): one
    # score_comment per POST at commit (no outbox), or the outbox thread's batches of score_comments.
    waits = {"sql": 0.0, "commit": 0.0, "publish": 0.0}
    tasks.score_comment.delay = _timed(tasks.score_comment.delay, waits, "publish")
    tasks.score_comments.delay = _timed(tasks.score_comments.delay, waits, "publish")
    connection._commit = _timed(connection._commit, waits, "commit")

    for _ in range(30):
        post()
    if args.callgrind_child:
        from comments import dispatch

        dispatch.flush()  # the process's first publish (the broker connection) is not one of the measured POSTs
        control = shutil.which("callgrind_control")
        subprocess.run([control, "-z", str(os.getpid())], check=True, capture_output=True)
        for _ in range(args.n):
            post()
        subprocess.run([control, "-d", args.callgrind_child, str(os.getpid())], check=True, capture_output=True)
        return 0
    with CaptureQueriesContext(connection) as one:
        post()
    statements = [query["sql"] for query in one.captured_queries]  # now: the next request empties the log
    if args.sql:
        for sql in statements:
            print(sql[:300])
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    waits.update(sql=0.0, commit=0.0, publish=0.0)
    backend0 = _proc_cpu(backend)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    with connection.execute_wrapper(lambda execute, *a: _timed(execute, waits, "sql")(*a)):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(args.n):
            post()
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0

    def ms(seconds: float) -> str:
        return f"{1000 * seconds / args.n:.2f} ms"

    print(f"{args.n} POSTs: wall {ms(wall)}, CPU {ms(cpu)} per POST")
    if backend0 is not None:
        print(f"  PostgreSQL backend (pid {backend}) CPU: {ms(_proc_cpu(backend) - backend0)} per POST")
    print(f"  SQL: {len(statements)} statements per POST (BEGIN and COMMIT included), wall in them {ms(waits['sql'])}")
    print(f"  COMMIT: wall {ms(waits['commit'])}; broker publish (the outbox thread's too): {ms(waits['publish'])}")
    print(f"  load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
        if args.callers:
            stats.print_callers(args.callers, args.top)
        else:
            stats.print_stats(args.filter, args.top)
        print(out.getvalue())
    return 0


def _count_instructions(n: int) -> int:
    """Run this script under callgrind, the measured POSTs only counted; print instructions per POST."""
    from comments.dispatch import BATCH

    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    n = min(n, BATCH - 1)  # the outbox publishes a full batch at once: keep the broker out of the count
    env = {**os.environ, "NEWSPORTAL_SCORING_DISPATCH_SECONDS": "3600"}  # nor its timer
    with tempfile.TemporaryDirectory() as out:
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p", "--dump-instr=no"]
        argv += [sys.executable, __file__, "-n", str(n), "--callgrind-child", "measured"]
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        # The dump made after the counted POSTs: its header says so ("Trigger: dump measured"). Every dump of the
        # child names "measured" in its command line, the one written at exit (the interpreter's shutdown) too.
        dumps = [
            path for path in Path(out).iterdir() if "Trigger: dump measured" in path.read_text(errors="replace")[:2000]
        ]
        if done.returncode != 0 or not dumps:
            raise SystemExit(f"callgrind run failed:\n{done.stderr[-2000:]}")
        total = int(re.search(r"^(?:summary|totals): (\d+)", dumps[0].read_text(), re.M).group(1))
    print(f"{n} POSTs: {total // n:,} instructions per POST (this process; PostgreSQL and the kernel not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
