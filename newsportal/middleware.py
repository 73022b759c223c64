"""Project-wide middleware: the request id, the access log and request metrics, and outage answers.

Order in settings.MIDDLEWARE: RequestIdMiddleware first (so everything after it logs with the id and it sees
the final status of every response), ServiceOutageMiddleware last (so it sees a view's exception first).
"""

import logging
import re
import time
import uuid

from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.core.signals import request_finished
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from newsportal import metrics
from newsportal.errors import problem_response
from newsportal.logs import request_id_var

access_log = logging.getLogger("newsportal.access")
outage_log = logging.getLogger("newsportal.outage")

REQUEST_ID_HEADER = "X-Request-ID"
# An id a proxy or client sent is kept only when it is short and harmless in logs and headers.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
USER_AGENT_LOG_CHARS = 200


def _request_id(request) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if VALID_REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())


def _view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else "unmatched"


class RequestIdMiddleware:
    """Gives every request an id (a sane incoming X-Request-ID, else a uuid4) as `request.request_id`, in the
    X-Request-ID response header and on every log line written while it runs; then writes one access-log
    line and records the request in the metrics."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = rid = _request_id(request)
        # Kept until the response is finished (request_finished, below), so the lines Django's handler writes
        # after the middleware (django.request's 5xx line) carry the id too.
        request_id_var.set(rid)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        duration = time.perf_counter() - started
        view = _view_label(request)
        metrics.observe_request(view=view, method=request.method, status=response.status_code, seconds=duration)
        if settings.NEWSPORTAL_ACCESS_LOG and access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 2),
                    "view": view,
                    "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LOG_CHARS],
                },
            )
        return response


@receiver(request_finished, dispatch_uid="newsportal.request_id_reset")
def _forget_request_id(**kwargs):
    request_id_var.set("-")


# Per-response overrides set by django-csp's decorators (csp_update, csp_replace, csp_exempt...).
_CSP_RESPONSE_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(_CSPMiddleware):
    """django-csp's middleware, with the settings' policy built once instead of on every response.

    django-csp rebuilds both header strings from settings for each response (deep-copying the policy), a fifth
    of the time of a hello-world request. The result only differs when a view used a nonce or a csp_* decorator:
    those responses take the library's own path unchanged.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self._cache_key = None
        self._headers: tuple[str, str] = ("", "")

    def _default_headers(self) -> tuple[str, str]:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        policy_ro = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        key = (id(policy), id(policy_ro))  # override_settings swaps the objects: rebuilt then
        if key != self._cache_key:
            self._headers = (build_policy(), build_policy(report_only=True))
            self._cache_key = key
        return self._headers

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, attr, None) is not None for attr in _CSP_RESPONSE_OVERRIDES
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's debug pages, as the library does
        header, header_ro = self._default_headers()
        for name, value, exempt, setting in (
            (CSP_HEADER, header, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (CSP_HEADER_REPORT_ONLY, header_ro, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            excluded = bool(prefixes) and request.path_info.startswith(prefixes)
            if value and name not in response and not getattr(response, exempt, False) and not excluded:
                response[name] = value
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


# The exceptions that mean "a backing service is unreachable", not "this code is wrong".
OUTAGE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"
JSON_PATHS = (API_PREFIX, "/readyz", "/healthz", "/metrics")


def wants_json(request) -> bool:
    """API routes and machine endpoints answer JSON; a browser asking for a page gets HTML."""
    if request.path.startswith(JSON_PATHS):
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return "json" in accept and "text/html" not in accept


def service_unavailable(request) -> HttpResponse:
    """503 + Retry-After: the one JSON error shape for API clients, a plain page for readers. It renders no
    template that could reach the database (no context processors)."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json(request):
        return problem_response(
            503,
            "service_unavailable",
            "The service is temporarily unavailable.",
            "A backing service (database or cache) is unreachable; try again shortly.",
            headers=headers,
        )
    response = HttpResponse(render_to_string("503.html"), status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = headers["Retry-After"]
    return response


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


class MessageMiddleware(_MessageMiddleware):
    """Django's, minus the API: a JSON answer never shows a flash message, so a request under /api/ gets no
    message storage (building one, a cookie store and a session store, was 4% of a cached comment list)."""

    def process_request(self, request):
        if not request.path_info.startswith(API_PREFIX):
            super().process_request(request)


class ServiceOutageMiddleware:
    """A lost database (or Redis) answers 503 with Retry-After instead of a 500 with a logged traceback.

    Nothing is kept between requests: with CONN_HEALTH_CHECKS the next request after PostgreSQL is back opens
    a fresh connection, so the process recovers without a restart. Exceptions raised outside the view (in a
    middleware's response phase) reach handler500 (newsportal.views.server_error), which answers the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        outage_log.warning(
            "backing service unavailable: %s", exception.__class__.__name__, extra={"path": request.path}
        )
        return service_unavailable(request)
