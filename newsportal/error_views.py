"""Django-level error pages: JSON problem details under /api/, the HTML templates everywhere else.

Wired as handler400/403/404/500 in newsportal/urls.py and as CSRF_FAILURE_VIEW, so an API client never gets an
HTML page, whether the error came from a DRF view, URL resolution, a middleware or Django's CSRF check.
"""

from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

from newsportal.errors import problem_response


def wants_json(request) -> bool:
    return request.path.startswith("/api/")


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


def server_error(request, template_name="500.html"):
    if wants_json(request):
        return problem_response(500, "server_error", "Server error.")
    return defaults.server_error(request, template_name)


def csrf_failure(request, reason="", template_name="403_csrf.html"):
    if wants_json(request):
        return problem_response(403, "csrf_failed", "CSRF verification failed.", f"CSRF failed: {reason}")
    return django_csrf_failure(request, reason, template_name)
