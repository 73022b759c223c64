"""Project-level views: the Prometheus endpoint and the last-resort error handler."""

import hmac
import sys

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import server_error as django_server_error

from newsportal import metrics
from newsportal.errors import problem_response
from newsportal.http import client_ip
from newsportal.middleware import is_outage, service_unavailable, wants_json


def _metrics_allowed(request) -> bool:
    token = settings.NEWSPORTAL_METRICS_TOKEN
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, sent = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
            return True
    return client_ip(request) in settings.NEWSPORTAL_METRICS_ALLOWED_IPS


@require_safe
@never_cache
def metrics_view(request):
    """Prometheus text exposition; open to NEWSPORTAL_METRICS_ALLOWED_IPS (loopback by default) or a bearer token."""
    if not _metrics_allowed(request):
        return problem_response(
            403,
            "forbidden",
            "Metrics are not available to this client.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)


def server_error(request):
    """handler500: an exception no view handled. A backing-service outage raised outside the view (a
    middleware's response phase) still answers 503; API clients get the one JSON error shape, never HTML."""
    if is_outage(sys.exc_info()[1]):
        return service_unavailable(request)
    if wants_json(request):
        return problem_response(500, "server_error", "Server error.", "Something went wrong on our side.")
    return django_server_error(request)
