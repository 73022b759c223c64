"""Probe views for the middleware tests (mounted with @pytest.mark.urls), plus the project's own routes."""

import logging

from django.db import OperationalError
from django.http import JsonResponse
from django.urls import include, path
from redis.exceptions import ConnectionError as RedisConnectionError

log = logging.getLogger("tests.probe")


def echo_request_id(request):
    log.info("inside the view")
    return JsonResponse({"request_id": request.request_id})


def database_down(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def redis_down(request):
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def broken(request):
    raise ValueError("a bug, not an outage")


urlpatterns = [
    path("probe/request-id/", echo_request_id, name="probe-request-id"),
    path("probe/db-down/", database_down),
    path("api/probe/db-down/", database_down),
    path("probe/redis-down/", redis_down),
    path("api/probe/broken/", broken),
    path("probe/broken/", broken),
    path("", include("newsportal.urls")),
]
handler500 = "newsportal.views.server_error"
