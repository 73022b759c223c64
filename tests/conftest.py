"""Fixtures every test may use. Services a test needs but cannot reach: skipped with a reason, failed under CI=true."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip the calling test when `condition` is false, except in CI, where a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _popular_isolated(settings):
    """Most Popular keeps per-process state (the view store, remembered slug ids): every test starts with an empty
    in-memory store that is never saved to a file, and the web process never runs a ranking pass by itself. The
    embedded local-memory cache (which would carry one test's snapshot into the next) starts empty too."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    from articles.page_cache import page_cache_clear
    from articles.popularity.middleware import forget_slugs
    from articles.popularity.store import MemoryViewStore, use_view_store

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
    page_cache_clear()  # whole article pages are kept in the process's memory (articles/page_cache.py)

    settings.NEWSPORTAL_POPULAR_RANK_IN_PROCESS_SECONDS = 0
    use_view_store(MemoryViewStore())
    forget_slugs()
    yield
    use_view_store(None)
