import io
import json
import logging
import uuid

import pytest

from newsportal.logs import ContextFilter, JsonFormatter, request_id_var

pytestmark = [pytest.mark.urls("tests.newsportal.probe_urls")]


@pytest.fixture
def json_log():
    """What the console handler would print, in production's JSON format, for every logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_sane_incoming_request_id_is_kept_everywhere(client):
    response = client.get("/probe/request-id/", HTTP_X_REQUEST_ID="edge-7f3a.1_b")

    assert response["X-Request-ID"] == "edge-7f3a.1_b"
    assert response.json() == {"request_id": "edge-7f3a.1_b"}


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 65, "has space", "new\nline", "semi;colon", "üñï"],
    ids=["empty", "too long", "space", "newline", "semicolon", "non-ascii"],
)
def test_an_unusable_incoming_request_id_is_replaced_by_a_uuid4(client, incoming):
    response = client.get("/probe/request-id/", HTTP_X_REQUEST_ID=incoming)

    rid = response["X-Request-ID"]
    assert rid != incoming
    assert uuid.UUID(rid).version == 4
    assert response.json() == {"request_id": rid}


def test_every_request_gets_its_own_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert first != second


def test_every_log_line_of_a_request_carries_its_id_and_the_id_is_gone_after(client, json_log):
    client.get("/probe/request-id/", HTTP_X_REQUEST_ID="req-42")
    logging.getLogger("tests.after").info("outside any request")

    lines = _lines(json_log)
    view_line = next(line for line in lines if line["message"] == "inside the view")
    access = next(line for line in lines if line["logger"] == "newsportal.access")
    after = next(line for line in lines if line["message"] == "outside any request")
    assert view_line["request_id"] == access["request_id"] == "req-42"
    assert after["request_id"] == "-"
    assert request_id_var.get() == "-"


def test_the_access_log_line_has_method_path_status_duration_and_view(client, json_log):
    client.get("/healthz", HTTP_X_REQUEST_ID="abc")

    (access,) = [line for line in _lines(json_log) if line["logger"] == "newsportal.access"]
    assert access["method"] == "GET"
    assert access["path"] == "/healthz"
    assert access["status"] == 200
    assert access["view"] == "healthz"
    assert access["request_id"] == "abc"
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert access["level"] == "INFO" and access["time"].endswith("+00:00")


@pytest.mark.django_db  # the 404 page renders the site's frame
def test_user_text_cannot_forge_a_log_line(client, json_log):
    forged = '\n{"level": "ERROR", "logger": "forged", "message": "admin logged in", "request_id": "x"}\n'
    # given: a path and a User-Agent that each try to start a line of their own
    client.get("/no-such-page/%0A%7B%22level%22%3A%22ERROR%22%7D%0D", HTTP_USER_AGENT=forged)

    # then: one JSON object per line, the forged text stays inside string values
    lines = _lines(json_log)
    assert not [line for line in lines if line.get("logger") == "forged"]
    (access,) = [line for line in lines if line["logger"] == "newsportal.access"]
    assert access["status"] == 404
    assert access["path"] == '/no-such-page/\n{"level":"ERROR"}\r'
    assert access["user_agent"] == forged
    raw = json_log.getvalue()
    assert raw.count("\n") == len(lines)
    assert "\u2028" not in raw


def test_celery_task_log_lines_carry_the_task_id(json_log):
    from newsportal.celery import app

    @app.task(name="tests.log_probe")
    def log_probe():
        logging.getLogger("tests.task").info("scoring something")

    result = log_probe.apply(task_id="task-1234")

    assert result.successful()
    (line,) = [line for line in _lines(json_log) if line["message"] == "scoring something"]
    assert line["task_id"] == "task-1234"
    assert line["task_name"] == "tests.log_probe"


def test_the_line_django_writes_after_the_middleware_carries_the_id_too(client, json_log):
    client.get("/probe/db-down/", HTTP_X_REQUEST_ID="req-503")

    (line,) = [line for line in _lines(json_log) if line["logger"] == "django.request"]
    assert line["status_code"] == 503
    assert line["request_id"] == "req-503"
    assert request_id_var.get() == "-"
