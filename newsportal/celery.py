"""The Celery app. Settings come from Django's (CELERY_* names); tasks are found in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")

app = Celery("newsportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task metrics (duration, success/failure/retry) come from Celery signals connected in this module.
import newsportal.metrics  # noqa: E402, F401
