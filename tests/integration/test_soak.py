"""bench/soak.py at CI size: 20 guests for 10 s through gunicorn with a real worker, on a database of its own."""

import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings

from tests.conftest import require
from tests.integration.spam_processes import ROOT

pytestmark = [pytest.mark.integration]


@pytest.fixture
def soak_database_url():
    """A fresh PostgreSQL database on the test server (dropped afterwards): the soak migrates and fills it."""
    db = settings.DATABASES["default"]
    host, port, user = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432, db["USER"]
    password = db.get("PASSWORD") or ""
    name = f"np_soak_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(host=host, port=port, user=user, password=password, dbname="postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    auth = user + (f":{password}" if password else "")
    yield f"postgres://{auth}@{host}:{port}/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_guests_posting_and_reading_lose_nothing_and_counts_stay_exact(soak_database_url):
    require(shutil.which("redis-server") is not None, "redis-server is not installed")

    result = subprocess.run(
        [sys.executable, "bench/soak.py", "--guests", "20", "--seconds", "10", "--workers", "2", "--concurrency", "1",
         "--database-url", soak_database_url],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    figure = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert ", 0 5xx, 0 errors;" in figure
    assert "missing 0, duplicated 0, unscored 0; count drift none" in figure
    accepted = int(figure.split(" comments 201")[0].rsplit(" ", 1)[1])
    assert accepted >= 10, figure  # the guests really posted
