"""Writes on the project-wide API state."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
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


def comments_version_bump(article_ids) -> None:
    """Move each article's comments version on (cached API pages and ETags of its comments change with it).

    Registered with comments.services.lifecycle.on_comments_changing: it runs inside the transaction that
    changes what readers see, so the new version commits (or rolls back) together with the change and no
    reader can get an old page under a new state. Two statements however many articles a bulk touches.
    """
    ids = sorted(set(article_ids))  # a fixed order: two bulk changes never deadlock on these rows
    now = timezone.now()
    CommentsVersion.objects.bulk_create(
        [CommentsVersion(article_id=article_id, version=0, changed_at=now) for article_id in ids],
        ignore_conflicts=True,
    )
    CommentsVersion.objects.filter(pk__in=ids).update(version=F("version") + 1, changed_at=now)
