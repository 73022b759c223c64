"""The Celery app. Settings come from Django's (CELERY_* names); tasks are found in each app's tasks.py."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")

app = Celery("newsportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _django_connections_per_task(task=None, **kwargs):
    """What Django does around each request, around each task: drop a broken or expired connection, keep a good
    one (CELERY_DB_REUSE_MAX stops Celery from closing it every time). An eager task (the embedded default) runs
    inside the caller's request or transaction, whose connection is not the task's to close."""
    from django.db import close_old_connections

    if task is not None and task.request.is_eager:
        return

    close_old_connections()


# Task metrics (duration, success/failure/retry) come from Celery signals connected in this module.
import newsportal.metrics  # noqa: E402, F401
