"""Recount Article.comment_count and Comment.reply_count from the rows and report any drift (--fix repairs it).
On PostgreSQL the moderation queue counters (comments/queue_counts.py, per article and per section) too.

Exit status 1 when drift was found and not fixed, so a cron job or CI can alert on it.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from articles.models import Article
from comments import queue_counts
from comments.models import Comment


def _published_count(**outer) -> Coalesce:
    rows = (
        Comment.objects.filter(status=Comment.Status.PUBLISHED, **outer)
        .order_by()
        .values(*outer)
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def count_drift() -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """([(article id, stored, actual)], [(comment id, stored, actual)]) for every count that differs."""
    articles = (
        Article.objects.annotate(actual=_published_count(article=OuterRef("pk")))
        .exclude(comment_count=F("actual"))
        .values_list("pk", "comment_count", "actual")
    )
    comments = (
        Comment.objects.annotate(actual=_published_count(parent=OuterRef("pk")))
        .exclude(reply_count=F("actual"))
        .values_list("pk", "reply_count", "actual")
    )
    return list(articles), list(comments)


class Command(BaseCommand):
    help = (
        "Recount published comments per article, published replies per comment and (PostgreSQL) the moderation "
        "queue counters; report or --fix drift."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Write the recounted values.")

    def handle(self, *args, fix: bool = False, **options):
        with transaction.atomic():
            article_drift, reply_drift = count_drift()
            for pk, stored, actual in article_drift:
                self.stdout.write(f"article {pk}: comment_count {stored}, rows say {actual}")
                if fix:
                    Article.objects.filter(pk=pk).update(comment_count=actual)
            for pk, stored, actual in reply_drift:
                self.stdout.write(f"comment {pk}: reply_count {stored}, rows say {actual}")
                if fix:
                    Comment.objects.filter(pk=pk).update(reply_count=actual)
            queue_drift = queue_counts.drift(connection) if queue_counts.uses_counters(connection) else []
            for level, (key, status, reviewed), stored, actual in queue_drift:
                reviewed_text = " reviewed" if reviewed else ""
                self.stdout.write(f"queue counter {level} {key} {status}{reviewed_text}: {stored}, rows say {actual}")
            if fix and queue_drift:
                queue_counts.recount(connection)  # both levels, comment writes held off meanwhile
        drift = len(article_drift) + len(reply_drift) + len(queue_drift)
        if not drift:
            self.stdout.write(self.style.SUCCESS("counts agree with the rows: no drift"))
        elif fix:
            self.stdout.write(self.style.WARNING(f"fixed {drift} drifting count(s)"))
        else:
            raise CommandError(f"{drift} count(s) drift from the rows; run with --fix to repair them")
