"""Token sign-in, authentication modes and the atomic throttles (real Redis: tests/integration)."""

import pytest

from newsportal import throttling
from tests.api.conftest import comments_url, post_comment, problem_of

pytestmark = pytest.mark.django_db


def test_token_for_username_and_password(api, reader):
    response = api.post("/api/v1/auth/token/", {"username": "reader1", "password": "pw-for-tests-1"}, format="json")

    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get(comments_url(1)).status_code in (200, 404)  # authenticated, not 401


def test_wrong_password_is_400_without_saying_which_part_was_wrong(api, reader):
    response = api.post("/api/v1/auth/token/", {"username": "reader1", "password": "nope"}, format="json")

    assert problem_of(response, 400)["code"] == "invalid_credentials"


def test_password_guessing_is_throttled_with_retry_after(api, reader, settings):
    settings.NEWSPORTAL_API_RATES = {**settings.NEWSPORTAL_API_RATES, "auth": "3/min"}
    answers = [
        api.post("/api/v1/auth/token/", {"username": "reader1", "password": f"guess{i}"}, format="json")
        for i in range(4)
    ]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    problem_of(answers[-1], 429)
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60


def test_rotating_x_forwarded_for_does_not_reset_the_write_throttle(api, article, settings):
    settings.NEWSPORTAL_API_RATES = {**settings.NEWSPORTAL_API_RATES, "write": "2/min"}
    answers = [
        post_comment(api, article.pk, body=f"Comment {i}.", headers={"X-Forwarded-For": f"10.0.0.{i}"})
        for i in range(3)
    ]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert problem_of(answers[-1], 429)["code"] == "throttled"


def test_reads_are_not_throttled_by_default(api, article):
    assert all(api.get(comments_url(article.pk)).status_code == 200 for _ in range(30))


def test_token_users_are_throttled_per_user(reader_api, api, article, settings):
    settings.NEWSPORTAL_API_RATES = {**settings.NEWSPORTAL_API_RATES, "write": "1/min"}

    assert post_comment(reader_api, article.pk, name=None).status_code == 201
    assert post_comment(reader_api, article.pk, name=None, body="Second.").status_code == 429
    assert post_comment(api, article.pk, body="A guest from the same address.").status_code == 201


def test_fixed_window_counts_exactly_and_reopens():
    results = [throttling.hit("unit", 3, 60, now=120.0) for _ in range(4)]

    assert results[:3] == [None, None, None]
    assert results[3] == 60
    assert throttling.hit("unit", 3, 60, now=180.5) is None  # the next window


@pytest.mark.parametrize(
    ("rate", "parsed"), [("60/min", (60, 60)), ("5/s", (5, 1)), ("100/hour", (100, 3600)), ("", None), ("off", None)]
)
def test_parse_rate(rate, parsed):
    assert throttling.parse_rate(rate) == parsed


def test_a_session_user_can_post_with_the_csrf_token(article, reader):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reader)
    browser.get("/accounts/login/")  # any page that sets the CSRF cookie
    token = browser.cookies["csrftoken"].value

    response = browser.post(
        comments_url(article.pk),
        {"body": "From the web."},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201
