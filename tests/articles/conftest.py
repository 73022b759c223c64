import os

import pytest
import redis
from django.core.cache import cache

from tests.conftest import require

REDIS_URL = os.environ.get("NEWSPORTAL_TEST_POPULAR_REDIS_URL", "redis://127.0.0.1:6379/5")


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


@pytest.fixture(scope="session")
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
        reachable = True
    except redis.RedisError:
        reachable = False
    require(reachable, f"Redis is not reachable at {REDIS_URL} (NEWSPORTAL_TEST_POPULAR_REDIS_URL)")
    yield client
    client.close()
