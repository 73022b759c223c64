"""Moderation at newsroom volume on PostgreSQL: the pending queue's first page with its counts, and a bulk decision.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/np_bench_moderation .venv/bin/python bench/moderation_queue.py
        [--comments 1000000] [--pending 100000] [--articles 100000] [--repeat 30] [--write-docs] [--explain]

Builds the data once (COPY; skipped when the database already holds that many comments, e.g. from
`seed_demo --comments 1000000 --pending 100000`), then measures, as medians over repeated runs:
  - selectors: every queue's exact count + the first page of pending (25 cards) with reports and authors' history,
  - page: GET /moderation/ through the Django test client (view, template, lease) as a moderator,
  - the same page with a text search (the pg_trgm index),
  - API: GET /api/v1/moderation/queues/ and /queues/pending/?page_size=50,
  - bulk: comments_decide_bulk on 500 pending comments (one transaction), then its undo.
Targets (docs/benchmarks.md, "Moderation"): page with counts < 50 ms median, bulk of 500 < 1 s.
Each row also gives this process's median CPU time, which other work on the machine disturbs far less.
--explain prints the page's queries with EXPLAIN ANALYZE instead (where the database's time goes).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/np_bench_moderation"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
# A real broker, as in production: each decision of a bulk enqueues comments.tasks.learn_from_decision after
# commit (500 publishes are part of what the moderator waits for). No worker consumes them; the queue is
# emptied at the end. Without Redis the publishes fail fast and are logged (the decision never fails).
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/10")


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    admin = f"host={cfg['HOST']} port={cfg['PORT'] or 5432} user={cfg['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def build(n_comments: int, n_pending: int, n_articles: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from articles.models import Article, Section

    have = Article.objects.count()
    sections = [Section.objects.get_or_create(slug=f"bench-{i}", defaults={"name": f"Bench {i}"})[0] for i in range(10)]
    now = timezone.now()
    Article.objects.bulk_create(
        [
            Article(
                section=sections[i % 10],
                slug=f"bench-article-{i}",
                headline=f"Bench article {i}",
                status="published",
                published_at=now - timezone.timedelta(hours=i),
            )
            for i in range(have, n_articles)
        ],
        batch_size=2000,
    )
    article_ids = list(Article.objects.values_list("id", flat=True))
    rng = random.Random(7)
    # Status mix: the pending share as asked, then mostly published, some spam and rejected.
    n_spam, n_rejected = n_comments // 20, n_comments // 50
    statuses = ["pending"] * n_pending + ["spam"] * n_spam + ["rejected"] * n_rejected
    statuses += ["published"] * (n_comments - len(statuses))
    rng.shuffle(statuses)
    columns = (
        "article_id, depth, path, author_name, author_email, body, status, created_at, status_changed_at, "
        "reviewed_at, hold_reasons, reply_count, flag_count, ip_hash, ua_hash, signals, secret_hash, spam_score, "
        "spam_reasons, model_version, priority, body_hash"
    )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(f"COPY comments_comment ({columns}) FROM STDIN") as copy:
            for i, status in enumerate(statuses):
                created = now - timezone.timedelta(seconds=rng.randint(0, 30 * 86400))
                reviewed = created if status != "pending" and rng.random() < 0.1 else None
                flags = 1 + rng.randint(0, 3) if status == "published" and rng.random() < 0.01 else 0
                score = round(rng.random(), 3) if rng.random() < 0.9 else None
                hold = '["suspect word: casino"]' if status == "pending" and rng.random() < 0.2 else "[]"
                copy.write_row(
                    (
                        rng.choice(article_ids),
                        0,
                        "",
                        f"Reader {i % 50000}",
                        f"reader{i % 50000}@example.org" if i % 3 == 0 else "",
                        f"Bench comment {i}: what the minister said about the interview deserves a closer look.",
                        status,
                        created,
                        created,
                        reviewed,
                        hold,
                        0,
                        flags,
                        f"{i % 80000:064x}",
                        "",
                        "{}",
                        "",
                        score,
                        "[]",
                        "",
                        0.0,
                        "",
                    )
                )
        print(f"  copied {n_comments:,} comments in {time.perf_counter() - start:.0f} s", flush=True)
        cursor.execute(
            """UPDATE articles_article a SET comment_count = c.n
               FROM (SELECT article_id, COUNT(*) n FROM comments_comment WHERE status = 'published'
                     GROUP BY article_id) c WHERE a.id = c.article_id"""
        )
        # The priority reads the article's traffic: fire the trigger again now that the counts are in.
        # (The QueueCount counters were kept by their statement trigger during the COPY itself.)
        cursor.execute("UPDATE comments_comment SET flag_count = flag_count WHERE status = 'pending'")
    with connection.cursor() as cursor:
        connection.set_autocommit(True)
        cursor.execute("VACUUM ANALYZE comments_comment")
        cursor.execute("VACUUM ANALYZE articles_article")


def vacuum() -> None:
    """Clear what earlier runs left (each bulk and its undo rewrite 1,000 comments and their counter rows, each page
    view re-leases 25), as autovacuum does on a production server; a server with autovacuum off (this shared
    build machine's) would otherwise measure a little more bloat on every run."""
    from django.db import connection

    with connection.cursor() as cursor:
        tables = ("comments_comment", "comments_queuecount", "comments_sectionqueuecount", "articles_article")
        for table in (*tables, "comments_moderationdecision"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def median_ms(fn, repeat: int) -> tuple[float, float, float]:
    """Median and max wall time, and the median CPU time of this process (Python's share: the database's own
    work is not in it), which moves far less than wall time when other work shares the machine."""
    fn()  # warm: connections, caches, plans
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(times), max(times), statistics.median(cpu)


def explain_page(client) -> None:
    """--explain: the page's queries with their plans and actual times (EXPLAIN ANALYZE, rolled back)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/moderation/")
    print(f"GET /moderation/: {len(queries.captured_queries)} queries")
    for query in queries.captured_queries:
        sql = query["sql"]
        print(f"\n-- {sql[:400]}")
        if not sql.startswith(("SELECT", "UPDATE")):
            continue
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()))
            cursor.execute("ROLLBACK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--write-docs", action="store_true", help="rewrite the Moderation table in docs/benchmarks.md")
    parser.add_argument("--explain", action="store_true", help="the page's queries with EXPLAIN ANALYZE")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from comments.models import Comment
    from comments.selectors_moderation import (
        author_history,
        comment_flags_open,
        comment_list_moderation_queue,
        moderation_queue_counts,
    )
    from comments.services.moderation import comments_decide_bulk, decisions_undo
    from tests.factories import make_moderator

    call_command("migrate", verbosity=0)
    total = Comment.objects.count()
    if total < args.comments:
        print(
            f"building {args.comments:,} comments ({args.pending:,} pending) on {args.articles:,} articles", flush=True
        )
        Comment.objects.all().delete()
        build(args.comments, args.pending, args.articles)
    vacuum()
    total = Comment.objects.count()
    pending = Comment.objects.filter(status="pending").count()
    mod = make_moderator("benchmod")

    def selectors():
        moderation_queue_counts()
        cards = list(comment_list_moderation_queue(queue="pending", moderator=mod, skip_leased=True)[:25])
        comment_flags_open(comment_ids=[c.pk for c in cards])
        author_history(comments=cards)

    client = Client()
    client.force_login(mod)
    from rest_framework.authtoken.models import Token

    token = Token.objects.get_or_create(user=mod)[0].key
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")

    if args.explain:
        explain_page(client)
        return

    def page():
        assert client.get("/moderation/").status_code == 200

    def text_search():
        # A few matches among a million bodies: the pg_trgm index (migration 0007), never a scan of every row.
        assert client.get("/moderation/?q=comment+4242:").status_code == 200

    def api_counts():
        assert api.get("/api/v1/moderation/queues/").status_code == 200

    def api_page():
        assert api.get("/api/v1/moderation/queues/pending/?page_size=50").status_code == 200

    rows = []
    load_start = os.getloadavg()[0]
    for label, fn in (
        ("selectors: all 6 exact counts + first pending page (25) with reports and history", selectors),
        ("page: GET /moderation/ (counts, 25 cards, lease) via the Django test client", page),
        ("page with a text search: GET /moderation/?q=comment+4242: (counts and cards filtered)", text_search),
        ("API: GET /api/v1/moderation/queues/ (counts)", api_counts),
        ("API: GET /api/v1/moderation/queues/pending/?page_size=50", api_page),
    ):
        med, worst, cpu = median_ms(fn, args.repeat)
        rows.append((label, med, worst, cpu, None if fn is text_search else 50))
        print(f"{label}: median {med:.1f} ms (max {worst:.1f}, CPU {cpu:.1f})", flush=True)

    bulk_times, undo_times, bulk_cpu, undo_cpu = [], [], [], []
    # One bulk and its undo first, untimed, as the page is warmed: the first decision of a process imports the
    # learning task's module and opens the broker connection (once per worker process in production).
    warm = comment_list_moderation_queue(queue="pending").values_list("id", flat=True)[2000:2500]
    warm_result = comments_decide_bulk(ids=list(warm), action="approve", actor=mod, request_id="bench-warm")
    decisions_undo(decision_ids=[d.pk for d in warm_result.decisions], actor=mod, request_id="bench-warm")
    for _ in range(5):
        ids = list(comment_list_moderation_queue(queue="pending").values_list("id", flat=True)[1000:1500])
        start, start_cpu = time.perf_counter(), time.process_time()
        result = comments_decide_bulk(ids=ids, action="approve", actor=mod, request_id="bench")
        bulk_times.append((time.perf_counter() - start) * 1000)
        bulk_cpu.append((time.process_time() - start_cpu) * 1000)
        assert result.decided == 500
        start, start_cpu = time.perf_counter(), time.process_time()
        decisions_undo(decision_ids=[d.pk for d in result.decisions], actor=mod, request_id="bench-undo")
        undo_times.append((time.perf_counter() - start) * 1000)
        undo_cpu.append((time.process_time() - start_cpu) * 1000)
    for label, times, cpu in (
        ("bulk: approve 500 pending comments (one transaction)", bulk_times, bulk_cpu),
        ("bulk: undo those 500 decisions", undo_times, undo_cpu),
    ):
        med = statistics.median(times)
        rows.append((label, med, max(times), statistics.median(cpu), 1000))
        print(f"{label}: median {med:.0f} ms (max {max(times):.0f})", flush=True)

    from django.db import connection

    pg_version = connection.cursor().connection.info.server_version
    table = [
        f"Data: {total:,} comments, {pending:,} pending, on PostgreSQL {pg_version // 10000}.{pg_version % 100}; "
        f"medians of {args.repeat} runs (bulk: 5 runs); {os.cpu_count()} CPUs, load average "
        f"{load_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end of the run. CPU: this process's "
        "CPU time (Python: Django, the ORM, templates; not PostgreSQL's), median.",
        "",
        "| measurement | median | max | CPU | target |",
        "|---|---:|---:|---:|---:|",
    ]
    table += [
        f"| {label} | {med:.1f} ms | {worst:.1f} ms | {cpu:.1f} ms | {f'< {target} ms' if target else '-'} |"
        for label, med, worst, cpu, target in rows
    ]
    print("\n".join(table))
    if args.write_docs:
        write_docs("\n".join(table))
    drain_broker()
    page_ms, bulk_ms = rows[1][1], rows[5][1]
    ok = page_ms < 50 and bulk_ms < 1000
    print(
        f"moderation at {total:,} comments / {pending:,} pending: first pending page with counts {page_ms:.0f} ms "
        f"median (target < 50), bulk decision on 500 {bulk_ms:.0f} ms (target < 1000)"
    )
    sys.exit(0 if ok else 1)


def drain_broker() -> None:
    """Drop the learn_from_decision messages this run published (nobody consumes them here)."""
    try:
        from newsportal.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(app.conf.task_default_queue)
    except Exception as exc:  # no broker: nothing was queued
        print(f"(broker not drained: {exc})")


START, END = "<!-- moderation:start -->", "<!-- moderation:end -->"


def write_docs(table: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START not in text:
        text += f"\n## Moderation\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"{head}{START}\n{table}\n{END}{tail}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
