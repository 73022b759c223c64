"""Periodic housekeeping of the project-wide API state (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task
def purge_idempotency_keys() -> int:
    from newsportal.services import idempotency_keys_purge

    return idempotency_keys_purge()
