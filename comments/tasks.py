"""Celery tasks of the comments app: thin, they take ids and call one service each.

`score_comments` is published in batches by the web processes' outbox (comments.dispatch), fed on commit by
comments.services.posting.comment_create; `score_comment` is what the sweeper enqueues (and what posting
publishes when the outbox is off or Celery is eager). `learn_from_decision` is enqueued on commit by the
moderation service. Both survive a lost message: beat's `sweep_unscored` and `learn_pending`
find whatever was committed but never processed.
"""

import logging
import time
from collections.abc import Callable

from celery import shared_task
from django.conf import settings

from comments.retry import TRANSIENT_ERRORS, backoff_seconds

log = logging.getLogger(__name__)


def _give_up(comment_id: int) -> None:
    from comments.services.scoring import comment_hold_unscored

    try:
        comment_hold_unscored(comment_id=comment_id)
    except TRANSIENT_ERRORS:  # the database is still away: the sweeper enqueues it again later
        log.warning("comment %s: could not hold it as not scored either", comment_id, exc_info=True)


def _run_scoring(task, comment_ids: list[int], score: Callable[[int], list[int]]) -> None:
    """The body of both scoring tasks. `score(backlog)` scores and returns the ids it could not score (a bug),
    which go to a person at once. Transient errors retry with exponential backoff; after the last retry, or on
    any other error, every comment of the task is given up (only those still unscored are held)."""
    if settings.SPAM_SCORING_TEST_DELAY:
        time.sleep(settings.SPAM_SCORING_TEST_DELAY)
    try:
        # An eager task (the embedded default) runs inside a web request: that request scores its own comment only.
        failed = score(0 if task.request.is_eager else settings.SPAM_SCORE_BACKLOG)
    except TRANSIENT_ERRORS as exc:
        if task.request.retries < task.max_retries:
            countdown = backoff_seconds(task.request.retries, base=settings.SPAM_RETRY_BACKOFF_SECONDS)
            raise task.retry(exc=exc, countdown=countdown) from exc
        log.error("comments %s not scored after %s retries: %s", comment_ids, task.max_retries, exc)
        failed = comment_ids
    except Exception:
        log.exception("comments %s could not be scored", comment_ids)
        failed = comment_ids
    for comment_id in failed:
        _give_up(comment_id)


SCORING_TASK = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": settings.SPAM_SCORE_MAX_RETRIES,
    "ignore_result": True,
}


@shared_task(**SCORING_TASK)
def score_comment(self, comment_id: int) -> None:
    """Score and route one comment, with up to SPAM_SCORE_BACKLOG others awaiting their score in the same
    transaction; a second run is a no-op."""
    from comments.services.scoring import comment_score

    def score(backlog: int) -> list[int]:
        comment_score(comment_id=comment_id, backlog=backlog)
        return []

    _run_scoring(self, [comment_id], score)


@shared_task(**SCORING_TASK)
def score_comments(self, comment_ids: list[int]) -> None:
    """Score and route a batch of new comments (one message from a web process's outbox) in one transaction,
    filled up to SPAM_SCORE_BACKLOG with others awaiting their score; ids already scored are skipped, so a second
    run is a no-op. A transient error retries the whole batch; a comment that cannot be scored goes to a person
    alone (the service scores each comment of a failing batch by itself first)."""
    from comments.services.scoring import comments_score

    _run_scoring(self, comment_ids, lambda backlog: comments_score(comment_ids=comment_ids, backlog=backlog).failed)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_unscored() -> int:
    """Beat, every minute: enqueue again comments committed but never scored (a bounded batch)."""
    from comments.services.scoring import comments_unscored

    ids = comments_unscored()
    for comment_id in ids:
        score_comment.delay(comment_id)
    if ids:
        log.info("sweeper enqueued %s unscored comments", len(ids))
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def learn_from_decision(decision_id: int) -> None:
    """A person's decision becomes a label and the active model learns it (exactly once)."""
    from comments.models import ModerationDecision
    from comments.services.spam_models import spam_label_record, spam_model_learn_pending

    decision = ModerationDecision.objects.select_related("comment").filter(pk=decision_id).first()
    if decision is None:
        return
    if spam_label_record(decision=decision) is not None:
        spam_model_learn_pending()


@shared_task(acks_late=True, ignore_result=True)
def learn_pending() -> int:
    """Beat: labels for decisions whose learn task was lost, then learn whatever is pending."""
    from comments.services.spam_models import spam_labels_record_missing, spam_model_learn_pending

    spam_labels_record_missing()
    return spam_model_learn_pending()


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=1800, time_limit=1900)
def retrain_spam_model() -> dict:
    """Beat: a full retrain from every label, promoted only if not worse on the frozen holdout."""
    from comments.services.spam_models import spam_model_retrain

    return spam_model_retrain()
