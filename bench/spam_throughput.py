#!/usr/bin/env python3
"""Spam scoring speed: one worker process end to end on PostgreSQL, the text model alone, the worker's memory.

    python bench/spam_throughput.py [--database-url postgres://...] [--comments 3000] [--no-write]

1. A fresh PostgreSQL database (default np_spam_bench on 127.0.0.1; dropped and created), migrated; a private
   redis-server on a free port as the broker; one `celery worker --pool solo` (a single process).
2. N comments are committed (synthetic ham and spam from bench/spam_corpus.py), then one score_comment task each
   is enqueued; measured from the first enqueue to the last comment routed (scored_at): comments per second;
   and to the queue empty (a task may score others awaiting their score; theirs then find nothing to do). CPU
   time per comment of the worker, the PostgreSQL backend serving it and the broker, for the whole run.
3. Every measured comment is enqueued a second time: the rate at which the worker drains those no-op tasks is
   the ceiling of this worker and broker for a task that finds its work done. The run fails unless every comment
   has exactly one score audit row and every article's published count matches its rows.
4. The active model alone scores texts one at a time, as the worker does (texts per second), and in a batch.
5. The worker's resident memory with its model loaded (/proc).
Targets: >= 200 comments/s, >= 2,000 texts/s, < 300 MB. The last line is the figure; exit 0 when all are met.
Writes a "Spam scoring" section into docs/benchmarks.md (between <!-- spam:start --> and <!-- spam:end -->).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_RATE, TARGET_MODEL, TARGET_RSS = 200, 2000, 300


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """CPU time of the PostgreSQL server processes serving other clients of this database (the worker), so the
    database's share of a comment can be counted: load on the machine stretches waits, not CPU time."""

    def __init__(self) -> None:
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def sample(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
            pids = [row[0] for row in cursor.fetchall()]
        for pid in pids:
            seconds = process_cpu_seconds(pid)
            self.start.setdefault(pid, seconds if not self.last else 0.0)
            self.last[pid] = max(seconds, self.last.get(pid, 0.0))

    def seconds(self) -> float:
        return sum(self.last[pid] - self.start[pid] for pid in self.last)


def write_doc(lines: list[str]) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    start, end = "<!-- spam:start -->", "<!-- spam:end -->"
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    block = f"{start}\n" + "\n".join(lines) + f"\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n## Spam scoring\n\n" + block + "\n"
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/np_spam_bench")
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    from bench.harness import fresh_database

    fresh_database(args.database_url)
    var = tempfile.mkdtemp(prefix="np-spam-bench-")
    os.environ.update(
        DATABASE_URL=args.database_url,
        NEWSPORTAL_VAR_DIR=var,
        DJANGO_SETTINGS_MODULE="newsportal.settings",
        NEWSPORTAL_RATE_LIMITS_ENABLED="0",
    )
    os.environ.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    from tests.integration.spam_processes import PrivateRedis, Worker

    redis = PrivateRedis()
    redis.start()
    os.environ["CELERY_BROKER_URL"] = f"{redis.url}/1"
    import django

    django.setup()
    import redis as redis_client
    from django.db.models import Count, Q
    from django.utils import timezone

    from articles.models import Article, Section
    from bench.spam_corpus import rows
    from comments.models import Comment, ModerationDecision, SpamModel
    from comments.services.spam_models import spam_model_bootstrap
    from comments.spam.model import TextModel
    from comments.tasks import score_comment
    from comments.text import fingerprint
    from newsportal.celery import app

    worker = None
    try:
        section = Section.objects.create(slug="bench", name="Bench")
        articles = [
            Article.objects.create(section=section, slug=f"bench-{i}", headline=f"Bench {i}", status="published")
            for i in range(20)
        ]
        texts = [text for text, _ in rows(["news", "sms", "video", "email"], args.comments + 100, seed=7)]
        now = timezone.now()
        comments = Comment.objects.bulk_create(
            Comment(
                article=articles[i % len(articles)],
                author_name=f"Reader {i}",
                body=text,
                body_hash=fingerprint(text),
                status=Comment.Status.PUBLISHED,
                ip_hash=f"ip-{i}",
                created_at=now,
                path=f"{i:08d}",
            )
            for i, text in enumerate(texts)
        )
        for article in articles:
            Article.objects.filter(pk=article.pk).update(comment_count=article.comments.count())
        spam_model_bootstrap()
        worker = Worker("spam-bench", f"{redis.url}/1", pool="solo", database_url=args.database_url)
        worker.wait_ready(app)
        warm, measured = comments[:100], comments[100:]
        for c in warm:
            score_comment.delay(c.pk)
        while Comment.objects.filter(pk__in=[c.pk for c in warm], scored_at__isnull=True).exists():
            time.sleep(0.2)

        cpu_before, broker_before = worker.cpu_seconds(), process_cpu_seconds(redis.proc.pid)
        backends = BackendCpu()
        backends.sample()
        started = timezone.now()
        for c in measured:
            score_comment.delay(c.pk)
        enqueued_in = (timezone.now() - started).total_seconds()
        ids = [c.pk for c in measured]
        while Comment.objects.filter(pk__in=ids, scored_at__isnull=True).exists():
            backends.sample()
            time.sleep(0.2)
        last = max(Comment.objects.filter(pk__in=ids).values_list("scored_at", flat=True))
        rate = len(ids) / (last - started).total_seconds()
        # A task may score other comments than its own: the run is over when the worker has taken every task.
        broker = redis_client.Redis.from_url(f"{redis.url}/1")
        while broker.llen("celery") or broker.hlen("unacked"):
            backends.sample()
            time.sleep(0.05)
        drained_rate = len(ids) / (timezone.now() - started).total_seconds()
        backends.sample()
        rss = worker.rss_mb()
        cpu_ms = (worker.cpu_seconds() - cpu_before) / len(ids) * 1000
        db_cpu_ms = backends.seconds() / len(ids) * 1000
        broker_cpu_ms = (process_cpu_seconds(redis.proc.pid) - broker_before) / len(ids) * 1000
        load = os.getloadavg()[0]
        routed = dict(
            (status, Comment.objects.filter(pk__in=ids, status=status).count())
            for status in ("published", "pending", "spam")
        )
        t0 = time.perf_counter()
        for c in measured:
            score_comment.delay(c.pk)
        while broker.llen("celery") or broker.hlen("unacked"):
            time.sleep(0.05)
        noop_rate = len(ids) / (time.perf_counter() - t0)
        audit_rows = ModerationDecision.objects.filter(comment_id__in=ids, action="score").count()
        if audit_rows != len(ids):
            raise SystemExit(f"{audit_rows} score audit rows for {len(ids)} comments: a second run was not a no-op")
        published = Count("comments", filter=Q(comments__status="published"))
        drifted = [a.pk for a in Article.objects.annotate(n=published) if a.n != a.comment_count]
        if drifted:
            raise SystemExit(f"published counts drifted on articles {drifted}")
    finally:
        if worker is not None:
            worker.stop()
        redis.stop()

    model = TextModel.loads(SpamModel.objects.get(is_active=True).blob)
    sample = texts[:2000]
    t0 = time.perf_counter()
    for text in sample:
        model.predict_proba([text])
    single = len(sample) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    model.predict_proba(sample)
    batch = len(sample) / (time.perf_counter() - t0)

    ok = rate >= TARGET_RATE and single >= TARGET_MODEL and rss < TARGET_RSS
    lines = [
        f"Measured by `python bench/spam_throughput.py` on {time.strftime('%Y-%m-%d')} "
        f"({os.cpu_count()} cores, PostgreSQL, Redis broker, one `celery worker --pool solo` process).",
        "",
        "| what | measured | target |",
        "|---|---|---|",
        f"| end to end, committed to routed ({len(ids)} comments) | {rate:.0f} comments/s | >= {TARGET_RATE} |",
        f"| text model alone, one text at a time | {single:.0f} texts/s | >= {TARGET_MODEL} |",
        f"| text model alone, one batch of {len(sample)} | {batch:.0f} texts/s | |",
        f"| end to end, committed to every task taken off the queue | {drained_rate:.0f} comments/s | |",
        f"| the same tasks again, each a no-op (ceiling of worker + broker) | {noop_rate:.0f} tasks/s | |",
        f"| worker resident memory with its model | {rss:.0f} MB | < {TARGET_RSS} |",
        f"| CPU per comment (user + system): worker, its PostgreSQL backend, broker | {cpu_ms:.1f} + "
        f"{db_cpu_ms:.1f} + {broker_cpu_ms:.1f} = {cpu_ms + db_cpu_ms + broker_cpu_ms:.1f} ms | |",
        "",
        f"Routed: {routed['published']} published, {routed['pending']} held, {routed['spam']} spam; "
        f"enqueueing took {enqueued_in:.1f} s of the run. Load average during the run: {load:.1f} on "
        f"{os.cpu_count()} cores (other work on the machine slows every database round trip).",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_doc(lines)
    print(
        f"spam scoring: {rate:.0f} comments/s end to end (one worker process), model {single:.0f} texts/s, "
        f"worker RSS {rss:.0f} MB{'' if ok else ' (below target)'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
