"""Writes on the project-wide API state."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from newsportal.models import CommentsVersion, IdempotencyKey


def idempotency_keys_purge(*, older_than: timedelta | None = None, batch: int = 5000) -> int:
    """Delete idempotency keys past their lifetime (NEWSPORTAL_IDEMPOTENCY_TTL_HOURS), in bounded batches."""
    cutoff = timezone.now() - (older_than or timedelta(hours=settings.NEWSPORTAL_IDEMPOTENCY_TTL_HOURS))
    total = 0
    while True:
        ids = list(IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            return total
        total += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]


def comments_version_upsert(rows: str) -> str:
    """The version upsert over `rows` ("(%s, 1, %s), ..." or a SELECT of (article_id, 1, changed_at)): a new row
    starts at 1, an existing one adds 1 (SQLite and PostgreSQL share the syntax). Posting on PostgreSQL puts
    it in the statement that inserts the comment (comments.services.posting)."""
    table = connection.ops.quote_name(CommentsVersion._meta.db_table)
    return (
        f"INSERT INTO {table} (article_id, version, changed_at) {rows} "
        f"ON CONFLICT (article_id) DO UPDATE SET version = {table}.version + 1, changed_at = excluded.changed_at"
    )


def comments_version_bump(article_ids) -> None:
    """Move each article's comments version on (cached API pages and ETags of its comments change with it).

    Registered with comments.services.lifecycle.on_comments_changing: it runs inside the transaction that
    changes what readers see, so the new version commits (or rolls back) together with the change and no
    reader can get an old page under a new state. One statement however many articles a bulk touches.
    """
    ids = sorted(set(article_ids))  # a fixed order: two bulk changes never deadlock on these rows
    if not ids:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = "VALUES " + ", ".join(["(%s, 1, %s)"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(comments_version_upsert(rows), [value for article_id in ids for value in (article_id, now)])
