"""The Celery app. Settings come from Django's (CELERY_* names); tasks are found in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")

app = Celery("newsportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
