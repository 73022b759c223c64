import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached page fragments must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seed_article(db):
    from articles.seed import load_seed_page
    from articles.services import seed_load

    return seed_load(seed=load_seed_page())
