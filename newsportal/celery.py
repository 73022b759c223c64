"""The Celery app. Settings come from Django's (CELERY_* names); tasks are found in each app's tasks.py."""

import os
import time

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")

app = Celery("newsportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Django's per-request connection check (close_old_connections, and with CONN_HEALTH_CHECKS a "SELECT 1" before
# the next query) costs a database round trip: most of a task that finds its work done. A worker runs it after
# any task whose connection saw an error, and otherwise at most this often.
CONNECTION_CHECK_SECONDS = 1.0
_connections_checked_at = 0.0


@signals.task_prerun.connect
@signals.task_postrun.connect
def _django_connections_per_task(task=None, **kwargs):
    """What Django does around each request, around tasks: drop a broken or expired connection, keep a good one
    (CELERY_DB_REUSE_MAX stops Celery from closing it every time). An eager task (the embedded default) runs
    inside the caller's request or transaction, whose connection is not the task's to close.

    A connection that breaks while idle (the database restarted) is then found by the next task's first query:
    that task fails with a transient error and is retried, and the error makes the next check run at once."""
    global _connections_checked_at
    from django.db import close_old_connections, connections

    if task is not None and task.request.is_eager:
        return
    now = time.monotonic()
    errors = any(conn.errors_occurred for conn in connections.all(initialized_only=True))
    if errors or now - _connections_checked_at >= CONNECTION_CHECK_SECONDS:
        _connections_checked_at = now
        close_old_connections()


# Task metrics (duration, success/failure/retry) come from Celery signals connected in this module.
import newsportal.metrics  # noqa: E402, F401
