"""The Celery settings that keep DESIGN.md's promises (a 201 is never lost, a request never hangs on the broker)."""

from django.conf import settings

from newsportal.celery import app


def test_tasks_are_acknowledged_late_and_handed_back_when_a_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True


def test_redis_visibility_timeout_outlasts_any_task():
    visibility = app.conf.broker_transport_options["visibility_timeout"]

    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert visibility > app.conf.task_time_limit * 10
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry.get("options", {}).get("expires", 0) <= visibility, name


def test_publishing_gives_up_within_about_a_second_on_a_dead_broker():
    transport = app.conf.broker_transport_options
    policy = app.conf.task_publish_retry_policy

    assert app.conf.broker_connection_timeout <= 1
    assert transport["socket_connect_timeout"] <= 1 and transport["socket_timeout"] <= 1
    # kombu's connect-time retries (without max_retries it waits 2 s between attempts)
    assert transport["max_retries"] <= 1 and transport["interval_start"] == 0
    assert policy["max_retries"] <= 1 and policy["interval_max"] <= 0.5


def test_only_json_goes_over_the_wire():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


def test_time_limits_and_reconnects():
    assert app.conf.task_time_limit == 120
    assert app.conf.task_soft_time_limit == 90
    assert app.conf.broker_connection_retry_on_startup is True
    assert app.conf.worker_hijack_root_logger is False  # the worker logs JSON through LOGGING


def test_the_embedded_default_runs_tasks_in_process():
    # No CELERY_BROKER_URL in the unit suite: tasks are eager, so `make run` needs no broker.
    assert settings.CELERY_BROKER_URL is None
    assert app.conf.task_always_eager is True
