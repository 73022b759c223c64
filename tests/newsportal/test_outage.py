"""A lost backing service answers 503 + Retry-After: the JSON error for API clients, a plain page for readers."""

import sys

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from newsportal.views import server_error

pytestmark = [pytest.mark.urls("tests.newsportal.probe_urls")]


def test_api_request_during_a_database_outage_gets_503_json_with_retry_after(client):
    response = client.get("/api/probe/db-down/")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["status"] == 503 and body["code"] == "service_unavailable"
    assert set(body) == {"type", "title", "status", "code", "detail", "errors"}
    assert "Traceback" not in response.content.decode() and "5432" not in response.content.decode()


def test_page_during_a_database_outage_gets_a_plain_503_page(client):
    response = client.get("/probe/db-down/", HTTP_ACCEPT="text/html")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "briefly unavailable" in html
    assert "Traceback" not in html and "OperationalError" not in html


def test_a_client_asking_for_json_gets_json_on_any_path(client):
    response = client.get("/probe/db-down/", HTTP_ACCEPT="application/json")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_redis_outage_in_a_view_is_a_503_too(client):
    response = client.get("/probe/redis-down/")

    assert response.status_code == 503


def test_an_outage_is_logged_as_one_warning_without_a_traceback(client, caplog):
    client.get("/probe/db-down/")

    (record,) = [r for r in caplog.records if r.name == "newsportal.outage"]
    assert record.levelname == "WARNING"
    assert record.exc_info is None
    assert "OperationalError" in record.getMessage()


def test_a_bug_is_not_mistaken_for_an_outage():
    client = Client(raise_request_exception=False)

    api = client.get("/api/probe/broken/")
    page = client.get("/probe/broken/")

    assert api.status_code == 500
    assert api.json()["code"] == "server_error"
    assert "ValueError" not in api.content.decode()
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


def test_handler500_turns_an_outage_raised_outside_the_view_into_503():
    request = RequestFactory().get("/api/v1/articles/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = server_error(request)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
