"""Fixtures for the API tests: a published article open for comments, clients, and posting helpers."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import ArticleFactory, UserFactory, make_moderator


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Every test starts with empty throttle windows and page caches, and without the posting rate limits
    (tests that need a limit switch it back on)."""
    settings.NEWSPORTAL_RATE_LIMITS_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def reader(db):
    return UserFactory(username="reader1")


@pytest.fixture
def reader_api(reader):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reader)}")
    return client


@pytest.fixture
def moderator_api(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(make_moderator())}")
    return client


def token_for(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def comments_url(article_id) -> str:
    return f"/api/v1/articles/{article_id}/comments/"


def post_comment(client, article_id, body="A thoughtful comment.", name="Guest Reader", headers=None, **extra):
    payload = {"body": body, **({"name": name} if name is not None else {}), **extra}
    return client.post(comments_url(article_id), payload, format="json", headers=headers or {})


def problem_of(response, status: int) -> dict:
    """The one error shape, asserted: problem+json with type/title/status/code/detail/errors."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    data = response.json()
    assert set(data) == {"type", "title", "status", "code", "detail", "errors"}, data
    assert data["status"] == status
    return data
