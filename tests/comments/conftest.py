"""Fixtures for the comments tests: a published, open article and a distinct client per test."""

import itertools
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article, Section
from newsportal.http import ClientInfo

_ips = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit windows live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def make_article(**kwargs) -> Article:
    section = kwargs.pop("section", None) or Section.objects.get_or_create(slug="world", defaults={"name": "World"})[0]
    n = next(_ips)
    defaults = {
        "slug": f"article-{n}",
        "headline": f"Article {n}",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    return Article.objects.create(section=section, **{**defaults, **kwargs})


@pytest.fixture
def article(db) -> Article:
    return make_article()


def new_client(ua: str = "pytest-browser/1.0") -> ClientInfo:
    n = next(_ips)
    return ClientInfo(ip=f"127.20.{n // 250 % 250}.{n % 250 + 1}", user_agent=ua)


@pytest.fixture
def client_info() -> ClientInfo:
    return new_client()
