"""The integration suite runs against real PostgreSQL, Redis and (where a test asks) a real Celery worker.

`make test-integration` points DATABASE_URL, REDIS_URL and CELERY_BROKER_URL at this machine's services.
"""

import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

from tests.conftest import require


def _reachable(url: str | None, default_port: int) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def real_services():
    """Every integration test needs PostgreSQL and Redis: refuse to run on the embedded default."""
    db = settings.DATABASES["default"]
    require(db["ENGINE"].endswith("postgresql"), "integration tests need DATABASE_URL=postgres://...")
    require(
        _reachable(f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}", 5432),
        "PostgreSQL is not reachable",
    )
    require(_reachable(settings.REDIS_URL, 6379), "Redis is not reachable (REDIS_URL)")
    require(_reachable(settings.CELERY_BROKER_URL, 6379), "the Celery broker is not reachable (CELERY_BROKER_URL)")
