"""The Content-Security-Policy header: built once from settings, and still per-view where a view asks."""

import pytest
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path


def plain(request):
    return HttpResponse("ok")


@csp_update({"img-src": ["https://images.example.org"]})
def updated(request):
    return HttpResponse("ok")


@csp_exempt()
def exempt(request):
    return HttpResponse("ok")


def with_nonce(request):
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}" src="/x.js"></script>')
    return HttpResponse(template.render({"request": request}))


urlpatterns = [
    path("csp/plain/", plain),
    path("csp/updated/", updated),
    path("csp/exempt/", exempt),
    path("csp/nonce/", with_nonce),
    path("", include("newsportal.urls")),
]

pytestmark = pytest.mark.urls(__name__)


def test_the_header_is_exactly_what_django_csp_builds_from_settings(client):
    response = client.get("/csp/plain/")

    assert response["Content-Security-Policy"] == build_policy()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_settings_change_is_picked_up(client, settings):
    client.get("/csp/plain/")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}

    assert client.get("/csp/plain/")["Content-Security-Policy"] == "default-src 'none'"


def test_a_view_decorator_still_changes_its_own_header(client):
    updated_header = client.get("/csp/updated/")["Content-Security-Policy"]

    assert "img-src 'self' data: https://images.example.org" in updated_header
    assert "Content-Security-Policy" not in client.get("/csp/exempt/")


def test_a_nonce_used_by_a_template_lands_in_the_header_when_the_policy_asks_for_nonces(client, settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}

    response = client.get("/csp/nonce/")

    nonce = response.content.decode().split('nonce="')[1].split('"')[0]
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_the_api_docs_page_runs_under_the_strict_policy_from_our_own_static_files(client):
    # Swagger UI comes from drf-spectacular-sidecar's static files (the api helper's change): no CDN anywhere.
    response = client.get("/api/docs/")
    docs = response["Content-Security-Policy"]

    assert response.status_code == 200
    assert "script-src 'self';" in docs + ";"
    assert "unsafe-inline" not in docs and "https:" not in docs
    assert "cdn.jsdelivr.net" not in response.content.decode()
