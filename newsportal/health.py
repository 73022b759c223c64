"""Liveness and readiness for load balancers and the compose health checks."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from newsportal.celery import app as celery_app
from newsportal.errors import PROBLEM_CONTENT_TYPE, problem


@require_safe
@never_cache
def healthz(request):
    """The process is up and serving; it touches nothing else, so a database outage does not restart it."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    cache.set("readyz", "1", timeout=5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not return what was written")


def _check_broker() -> None:
    """One connection attempt, no retry: bounded by the broker's socket timeouts (about 1 s), so a dead or hung
    broker makes /readyz answer 503 quickly instead of outliving the load balancer's probe timeout."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded default: tasks run in-process, there is no broker to reach
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=1)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@require_safe
@never_cache
def readyz(request):
    """Ready to take traffic: every dependency answers. Otherwise 503 in the one JSON error shape, with the
    per-dependency results as the extension member `checks`."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; the reason is reported
            results[name] = f"error: {exc.__class__.__name__}"
    if all(value == "ok" for value in results.values()):
        return JsonResponse({"status": "ok", "checks": results})
    failing = ", ".join(name for name, value in results.items() if value != "ok")
    body = problem(503, "not_ready", "Not ready: a dependency is unreachable.", f"Failing: {failing}.")
    response = JsonResponse({**body, "checks": results}, status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = "5"
    return response
