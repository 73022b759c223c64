"""The one error shape for every 4xx, JSON only, and hostile bodies answered 4xx (never 500)."""

import json
from pathlib import Path

import pytest

from tests.api.conftest import comments_url, post_comment, problem_of

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "data" / "json_bad.txt"


def corpus_bodies() -> list[tuple[int, bytes]]:
    """Bodies of json_bad.txt (bytes, split on 0x0A only, '#' lines skipped), with the key mapping text -> body."""
    lines = CORPUS.read_bytes().split(b"\n")
    return [
        (n, line.replace(b'"text":', b'"body":'))
        for n, line in enumerate(lines, 1)
        if line and not line.startswith(b"#")
    ]


def test_corpus_holds_sixty_bodies():
    assert len(corpus_bodies()) == 60


# The corpus was written for {"article_id", "name", "text"}; with the article in the URL, the one body that
# only lacks article_id is a valid comment. Every other body must be refused.
VALID_UNDER_OUR_CONTRACT = b'{"name":"Reader","body":"Nice article"}'


@pytest.mark.parametrize(("line", "body"), corpus_bodies(), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_every_hostile_json_body_gets_a_4xx_in_the_error_shape(api, article, line, body):
    response = api.generic("POST", comments_url(article.pk), body, content_type="application/json")

    if body == VALID_UNDER_OUR_CONTRACT:
        assert response.status_code == 201
        assert response.json()["body"] == "Nice article"
        return
    assert 400 <= response.status_code < 500, (line, response.status_code)
    problem_of(response, response.status_code)
    assert article.comments.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b'{"name": "R", "body": "x"}', "text/plain"), (b"name=R&body=x", "application/x-www-form-urlencoded")],
)
def test_other_content_types_are_415(api, article, body, content_type):
    response = api.generic("POST", comments_url(article.pk), body, content_type=content_type)

    assert problem_of(response, 415)["code"] == "unsupported_media_type"


def test_a_body_over_the_limit_is_413(api, article, settings):
    body = json.dumps({"name": "R", "body": "A" * (settings.NEWSPORTAL_API_MAX_BODY_BYTES + 10)})

    response = api.generic("POST", comments_url(article.pk), body, content_type="application/json")

    assert problem_of(response, 413)["code"] == "too_large"


def test_a_body_over_djangos_upload_limit_is_413_too(api, article, settings):
    settings.NEWSPORTAL_API_MAX_BODY_BYTES = 10_000_000
    body = json.dumps({"name": "R", "body": "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})

    response = api.generic("POST", comments_url(article.pk), body, content_type="application/json")

    assert problem_of(response, 413)["code"] == "too_large"


def test_an_empty_body_is_400_naming_the_fields(api, article):
    response = api.generic("POST", comments_url(article.pk), b"", content_type="application/json")

    assert "body" in problem_of(response, 400)["errors"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "R", "body": "   \t\n "}, "body"),
        ({"name": "R", "body": True}, "body"),
        ({"name": "R", "body": 5}, "body"),
        ({"name": ["R"], "body": "x"}, "name"),
        ({"name": "R\r\n127.0.0.1 - forged", "body": "x"}, "name"),
        ({"name": "R", "body": "x", "status": "published"}, "status"),
        ({"name": "R", "body": "x", "parent": "1"}, "parent"),
        ({"name": "R", "body": "x", "parent": 999999999}, "parent"),
        ({"body": "x"}, "name"),
    ],
)
def test_field_errors_name_the_field(api, article, payload, field):
    response = post_comment(api, article.pk, **{"name": None, **payload})

    assert field in problem_of(response, 400)["errors"]


def test_unknown_api_route_is_json_404(api):
    problem_of(api.get("/api/v1/no-such-thing/"), 404)


def test_missing_article_is_json_404(api, article):
    problem_of(api.get("/api/v1/articles/999999999/"), 404)
    problem_of(post_comment(api, 999999999), 404)


def test_an_id_too_long_for_the_database_is_404_not_500(api):
    problem_of(api.get("/api/v1/articles/99999999999999999999999/"), 404)


def test_wrong_method_is_405(api, article):
    assert problem_of(api.put(comments_url(article.pk), {}, format="json"), 405)["code"] == "method_not_allowed"


def test_a_bad_token_is_401_with_a_challenge(api, article):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api.get(comments_url(article.pk))

    problem_of(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_html_pages_keep_their_html_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/")


def test_a_session_write_without_csrf_is_403_json(article, reader):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reader)

    response = browser.post(comments_url(article.pk), {"body": "x"}, content_type="application/json")

    assert "CSRF" in problem_of(response, 403)["detail"]
    assert article.comments.count() == 0


def test_csrf_failure_view_answers_json_under_api(rf):
    from newsportal.error_views import csrf_failure

    response = csrf_failure(rf.post("/api/v1/anything/"), reason="no token")

    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "csrf_failed"
