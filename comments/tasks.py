"""Celery tasks of the comments app. Placeholder until the spam helper's scoring lands: it only records that it ran."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="comments.tasks.score_comment")
def score_comment(comment_id: int) -> None:
    logger.info("score_comment(%s) ran (placeholder: no scoring yet)", comment_id)
