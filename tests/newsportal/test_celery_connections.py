"""The worker's database connection check around tasks: at most once a second, and at once after an error."""

import pytest
from django.db import connection

from newsportal import celery

pytestmark = pytest.mark.django_db


@pytest.fixture
def checks(monkeypatch):
    calls = []
    monkeypatch.setattr("django.db.close_old_connections", lambda: calls.append(1))  # Django's own
    monkeypatch.setattr(celery, "_connections_checked_at", 0.0)
    return calls


def test_the_check_runs_at_most_once_a_second_between_tasks(checks, monkeypatch):
    celery._django_connections_per_task()
    celery._django_connections_per_task()
    assert len(checks) == 1

    monkeypatch.setattr(celery, "_connections_checked_at", celery._connections_checked_at - 1.0)
    celery._django_connections_per_task()
    assert len(checks) == 2


def test_the_check_runs_at_once_after_a_connection_error(checks, monkeypatch):
    celery._django_connections_per_task()
    connection.ensure_connection()
    monkeypatch.setattr(connection, "errors_occurred", True)

    celery._django_connections_per_task()

    assert len(checks) == 2
