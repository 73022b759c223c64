"""How many stripes the section-level queue counters need: concurrent posters in ONE section on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/np_bench_stripes .venv/bin/python bench/counter_stripes.py
        [--writers 8] [--posts 150] [--rounds 3] [--stripes 1,4,8,16]

Each writer (its own connection) posts held comments on the articles of one section, one transaction per post as
comments/services/posting.py does it: the INSERT (the counting trigger), the UPDATE of its path (counts nothing),
then the commit, with synchronous_commit on. With one counter row per (section, status, reviewed), every poster
holds the section's pending row from its INSERT to its commit, so posters queue behind each other's commits; with
stripes they spread over several rows. Compared in the same run, alternating, with the triggers installed as:
`articles` (the article level only: no section row at all, the ceiling), then each stripe count asked for.
Prints posts per second and the median / 95th percentile time of a post's transaction.

--deadlocks measures the other risk of a shared row instead: each writer owns 100 held comments of the section
and runs transactions of TWO counting statements (each sets 3 of its comments to a random status, as an undo
with several target statuses does), so two transactions can take counter rows in opposite orders. It prints how
many PostgreSQL cancelled as deadlocks (each after deadlock_timeout, 1 s) for each trigger variant.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/np_bench_stripes")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")

INSERT = """
INSERT INTO comments_comment (article_id, depth, path, author_name, author_email, body, status, created_at,
    status_changed_at, hold_reasons, reply_count, flag_count, ip_hash, ua_hash, signals, secret_hash, spam_reasons,
    model_version, priority, body_hash)
VALUES (%s, 0, '', 'Bench', '', 'A held comment.', 'pending', now(), now(), '[]', 0, 0, '', '', '{}', '', '[]', '',
    0, '') RETURNING id
"""


def writer(dsn: str, articles: list[int], posts: int, seed: int, gate: threading.Barrier, out: list) -> None:
    import psycopg

    rng = random.Random(seed)
    with psycopg.connect(dsn) as conn:
        gate.wait()
        for _ in range(posts):
            start = time.perf_counter()
            with conn.transaction():
                cid = conn.execute(INSERT, [rng.choice(articles)]).fetchone()[0]
                conn.execute("UPDATE comments_comment SET path = %s WHERE id = %s", [f"{cid:010d}", cid])
            out.append(time.perf_counter() - start)


def two_statements(dsn: str, owned: list[int], count: int, seed: int, out: list) -> None:
    import psycopg

    rng = random.Random(seed)
    statuses = ["pending", "published", "spam", "rejected"]
    with psycopg.connect(dsn) as conn:
        for _ in range(count):
            ids = rng.sample(owned, 6)
            try:
                with conn.transaction():
                    for part in (ids[:3], ids[3:]):
                        conn.execute(
                            "UPDATE comments_comment SET status = %s WHERE id = ANY(%s)", [rng.choice(statuses), part]
                        )
                out.append("ok")
            except psycopg.errors.DeadlockDetected:
                out.append("deadlock")


def deadlocks(dsn: str, articles: list[int], writers: int, count: int) -> tuple[int, int]:
    import psycopg

    rng = random.Random(1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        owned = [
            [conn.execute(INSERT, [rng.choice(articles)]).fetchone()[0] for _ in range(100)] for _ in range(writers)
        ]
    out: list[str] = []
    threads = [threading.Thread(target=two_statements, args=(dsn, owned[i], count, i, out)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out.count("deadlock"), len(out)


def run(dsn: str, articles: list[int], writers: int, posts: int) -> tuple[float, float, float]:
    gate = threading.Barrier(writers + 1)
    times: list[float] = []
    threads = [threading.Thread(target=writer, args=(dsn, articles, posts, i, gate, times)) for i in range(writers)]
    for t in threads:
        t.start()
    gate.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    times.sort()
    return len(times) / elapsed, statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--posts", type=int, default=150, help="posts per writer per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stripes", default="1,4,8,16", help="stripe counts to compare")
    parser.add_argument("--deadlocks", action="store_true", help="count deadlocks of two-statement transactions")
    args = parser.parse_args()

    from moderation_queue import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article, Section
    from comments import queue_counts

    call_command("migrate", verbosity=0)
    section, _ = Section.objects.get_or_create(slug="stripes-bench", defaults={"name": "Stripes bench"})
    if Article.objects.filter(section=section).count() < 50:
        Article.objects.bulk_create(
            [Article(section=section, slug=f"stripes-{i}", headline=f"Stripes {i}") for i in range(50)]
        )
    articles = list(Article.objects.filter(section=section).values_list("id", flat=True))
    s = connection.settings_dict
    dsn = f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} user={s['USER']} dbname={s['NAME']}"
    configs = {"articles": queue_counts.sql_create(sections=False)}
    for n in (int(x) for x in args.stripes.split(",")):
        configs[f"{n} stripe{'s' if n > 1 else ''}"] = queue_counts.sql_create(stripes=n)
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in configs}
    load = os.getloadavg()[0]
    if args.deadlocks:
        try:
            for name, sql in configs.items():
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                dead, total = deadlocks(dsn, articles, args.writers, args.posts)
                print(f"{name}: {dead} of {total} two-statement transactions cancelled as deadlocks", flush=True)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(queue_counts.sql_create())
                cursor.execute("DELETE FROM comments_comment")
                queue_counts.recount(connection)
        print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
        return
    try:
        for _ in range(args.rounds):
            for name, sql in configs.items():
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                results[name].append(run(dsn, articles, args.writers, args.posts))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(queue_counts.sql_create())  # what the migration installs
            cursor.execute("DELETE FROM comments_comment")
            queue_counts.recount(connection)
    print(
        f"{args.writers} writers x {args.posts} posts in one section, {args.rounds} rounds alternating; "
        f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    print("| triggers | posts/s (median of rounds) | post median | post p95 |")
    print("|---|---:|---:|---:|")
    for name, rows in results.items():
        rate = statistics.median(r[0] for r in rows)
        med = statistics.median(r[1] for r in rows)
        p95 = statistics.median(r[2] for r in rows)
        print(f"| {name} | {rate:.0f} | {med:.1f} ms | {p95:.1f} ms |")


if __name__ == "__main__":
    main()
