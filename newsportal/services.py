"""Writes on the project-wide API state."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from newsportal.models import CommentsVersion, IdempotencyKey

logger = logging.getLogger(__name__)


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

    Registered with comments.services.lifecycle.on_comments_changed, so it runs after the commit that changed
    what readers see; a failure is logged, never raised into the request that already committed.
    """
    ids = sorted(set(article_ids))
    if not ids:
        return
    now = timezone.now()
    try:
        # Two statements whatever the number of articles (a bulk decision touches hundreds): make sure each row
        # exists (a concurrent creator wins harmlessly), then bump them all. Sorted ids: a fixed lock order.
        CommentsVersion.objects.bulk_create(
            [CommentsVersion(article_id=article_id, version=0) for article_id in ids], ignore_conflicts=True
        )
        CommentsVersion.objects.filter(pk__in=ids).update(version=F("version") + 1, changed_at=now)
    except Exception:
        logger.exception("could not bump the comments version of articles %s", ids[:20])
