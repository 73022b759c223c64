"""Fixtures for the comments tests: a published, open article, a fresh cache and distinct clients."""

import itertools

import pytest
from django.core.cache import cache

from articles.models import Article
from newsportal.http import ClientInfo
from tests.factories import ArticleFactory, SectionFactory

_ips = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit windows live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def make_article(**kwargs) -> Article:
    """A published, open article (tests.factories.ArticleFactory) in a shared "World" section."""
    section = kwargs.pop("section", None) or SectionFactory(slug="world", name="World")
    return ArticleFactory(section=section, **kwargs)


@pytest.fixture
def article(db) -> Article:
    return make_article()


def new_client(ua: str = "pytest-browser/1.0") -> ClientInfo:
    n = next(_ips)
    return ClientInfo(ip=f"127.20.{n // 250 % 250}.{n % 250 + 1}", user_agent=ua)
