"""Prometheus metrics: HTTP requests, Celery tasks, and the comment queues (computed when scraped).

Under gunicorn (several worker processes) set PROMETHEUS_MULTIPROC_DIR to an empty, writable folder before
the processes start: each process then writes its counters there and /metrics sums them (prometheus-client's
multiprocess mode; gunicorn.conf.py empties the folder at start-up). A Celery worker with
NEWSPORTAL_WORKER_METRICS_PORT set serves its own task metrics on that port the same way. Without the
variable everything lives in the one process (runserver, tests, the embedded default).
"""

import logging
import os
import time

from celery import signals
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Anything else a client sends as a method is folded into "other", so labels stay few.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "newsportal_http_requests_total",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "newsportal_http_request_duration_seconds",
    "Time from the first middleware to the response, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASKS = Counter(
    "newsportal_celery_tasks_total",
    "Celery tasks finished, by task and outcome (success|failure|retry).",
    ["task", "outcome"],
)
TASK_DURATION = Histogram(
    "newsportal_celery_task_duration_seconds",
    "Celery task run time, by task (comments.tasks.score_comment is the scoring latency).",
    ["task"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(view, method if method in METHODS else "other", str(status)).inc()
    HTTP_LATENCY.labels(view).observe(seconds)


# --- Celery: the signals fire in the process that runs the task (a pool process, or the web process when
# tasks are eager), so the counters land in that process's files.
_task_started: dict[str, float] = {}


@signals.task_prerun.connect
def _on_task_prerun(task_id=None, **kwargs):
    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _on_task_postrun(task_id=None, task=None, **kwargs):
    started = _task_started.pop(task_id, None)
    if started is not None and task is not None:
        TASK_DURATION.labels(task.name).observe(time.perf_counter() - started)


@signals.task_success.connect
def _on_task_success(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "unknown"), "success").inc()


@signals.task_failure.connect
def _on_task_failure(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "unknown"), "failure").inc()


@signals.task_retry.connect
def _on_task_retry(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "unknown"), "retry").inc()


@signals.worker_ready.connect
def _serve_worker_metrics(**kwargs):
    """A worker with NEWSPORTAL_WORKER_METRICS_PORT serves its pool's task metrics (compose: worker:9808)."""
    port = int(os.environ.get("NEWSPORTAL_WORKER_METRICS_PORT") or 0)
    if port:
        start_http_server(
            port, addr=os.environ.get("NEWSPORTAL_WORKER_METRICS_ADDR", "0.0.0.0"), registry=_base_registry()
        )
        log.info("worker metrics on port %s", port)


# --- Queues: read when scraped, with indexed queries (comment_queue, comment_unscored) and one LLEN.
class QueueCollector:
    """Pending comments (the moderators' queue), comments not scored yet, and the broker's queue length."""

    def collect(self):
        from django.conf import settings
        from django.db.models import Count, Min
        from django.utils import timezone

        from comments.models import Comment

        now = timezone.now()
        try:
            pending = Comment.objects.filter(status=Comment.Status.PENDING).aggregate(
                n=Count("id"), oldest=Min("created_at")
            )
            unscored = (
                Comment.objects.filter(scored_at__isnull=True)
                .exclude(status=Comment.Status.DELETED)
                .aggregate(n=Count("id"), oldest=Min("created_at"))
            )
        except Exception as exc:  # noqa: BLE001 - a scrape during an outage reports what it can
            log.warning("queue metrics unavailable: %s", exc.__class__.__name__)
        else:
            yield _gauge("newsportal_comments_pending", "Comments held for moderation.", pending["n"])
            yield _gauge(
                "newsportal_comments_oldest_pending_age_seconds",
                "Age of the oldest comment held for moderation (0 when none).",
                (now - pending["oldest"]).total_seconds() if pending["oldest"] else 0,
            )
            yield _gauge("newsportal_comments_unscored", "Comments the spam scorer has not scored yet.", unscored["n"])
            yield _gauge(
                "newsportal_comments_oldest_unscored_age_seconds",
                "Age of the oldest comment not scored yet (0 when none): scoring falling behind.",
                (now - unscored["oldest"]).total_seconds() if unscored["oldest"] else 0,
            )
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            length = _broker_queue_length(settings.CELERY_BROKER_URL)
            if length is not None:
                yield _gauge("newsportal_celery_queue_length", "Messages waiting in the default Celery queue.", length)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _broker_queue_length(url: str | None) -> int | None:
    """LLEN of the default queue on a Redis broker, with a short timeout (None for another broker or when down)."""
    if not url or not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    from newsportal.celery import app

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return int(client.llen(app.conf.task_default_queue))
        finally:
            client.close()
    except redis.RedisError:
        return None


_QUEUES = CollectorRegistry()  # no auto-describe: registering must not query the database
_QUEUES.register(QueueCollector())


def _base_registry():
    if not MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def render() -> bytes:
    """The exposition text for /metrics: this process's (or every process's) counters plus the queues."""
    return generate_latest(_base_registry()) + generate_latest(_QUEUES)
