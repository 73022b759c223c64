"""Django-level error pages: JSON problem details under /api/, the HTML templates everywhere else.

Wired as handler400/403/404 in newsportal/urls.py (handler500 is newsportal.views.server_error, which also
turns a backing-service outage into a 503) and as CSRF_FAILURE_VIEW, so an API client never gets an
HTML page, whether the error came from a DRF view, URL resolution, a middleware or Django's CSRF check.
"""

from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

from newsportal.errors import problem_response
from newsportal.middleware import wants_json


def bad_request(request, exception, template_name="400.html"):
    if wants_json(request):
        return problem_response(400, "bad_request", "Bad request.")
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name="403.html"):
    if wants_json(request):
        return problem_response(403, "permission_denied", "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name="404.html"):
    if wants_json(request):
        return problem_response(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception, template_name)


def csrf_failure(request, reason="", template_name="403_csrf.html"):
    if wants_json(request):
        return problem_response(403, "csrf_failed", "CSRF verification failed.", f"CSRF failed: {reason}")
    return django_csrf_failure(request, reason, template_name)
