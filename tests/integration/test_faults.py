"""Faults in the production shape, through gunicorn, against private services this module starts and stops.

- PostgreSQL stopped: pages answer a plain 503 page, the API and /readyz the JSON error, no traceback anywhere;
  after PostgreSQL is back the same processes serve again (no restart).
- Redis stopped (cache and broker at once, as in docker-compose.yml) while readers post and read: every answer
  within 2 s, posts accepted; after Redis is back every accepted comment is scored exactly once.

The worker SIGKILLed mid-task is tests/integration/test_spam_durability.py (the spam helper's), not repeated here.
"""

import json
import shutil

import pytest

from newsportal.celery import app as celery_app
from tests.conftest import require
from tests.integration.ops_processes import (
    Gunicorn,
    PrivatePostgres,
    manage,
    postgres_available,
    production_env,
    request,
)
from tests.integration.spam_processes import PrivateRedis, Worker, _wait, current_database_url

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def private_redis():
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(scope="module")
def pg_stack(private_redis):
    """A private PostgreSQL cluster with the seed loaded, and gunicorn on it."""
    require(postgres_available(), "PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    pg = PrivatePostgres()
    try:
        env = production_env(pg.url, private_redis.url)
        manage(env, "migrate", "--noinput")
        manage(env, "load_seed")
        server = Gunicorn(env)
        yield pg, server
        server.stop()
    finally:
        pg.destroy()


def _article_path(port: int) -> str:
    status, _, body, _ = request(port, "GET", "/api/v1/articles/")
    assert status == 200, body
    data = json.loads(body)
    items = data["results"] if isinstance(data, dict) else data
    return f"/articles/{items[0]['slug']}/" if "slug" in items[0] else "/"


def test_postgres_outage_answers_503_without_a_traceback_and_recovers_without_a_restart(pg_stack):
    pg, server = pg_stack
    port = server.port
    page = _article_path(port)
    assert request(port, "GET", page, headers={"Accept": "text/html"})[0] == 200
    pids_before = server.proc.pid

    # when PostgreSQL stops
    pg.stop()
    try:
        html_status, html_headers, html, html_seconds = request(port, "GET", page, headers={"Accept": "text/html"})
        api_status, api_headers, api, _ = request(port, "GET", "/api/v1/articles/")
        post_status, _, post, _ = request(
            port, "POST", "/api/v1/articles/1/comments/", {"name": "Reader", "body": "Is anyone there?"}
        )
        ready_status, _, ready, _ = request(port, "GET", "/readyz")
        alive_status = request(port, "GET", "/healthz")[0]
    finally:
        pg.start()

    # then readers get a plain page, API clients the one JSON error, and nobody a traceback
    assert html_status == 503 and html_headers["Content-Type"].startswith("text/html")
    assert html_headers["Retry-After"] == "5"
    assert b"briefly unavailable" in html
    assert html_seconds < 10
    for status, body in ((api_status, api), (post_status, post)):
        assert status == 503, body
        problem = json.loads(body)
        assert problem["code"] == "service_unavailable" and problem["status"] == 503
    assert api_headers["Content-Type"] == "application/problem+json"
    readiness = json.loads(ready)
    assert ready_status == 503 and readiness["checks"]["database"].startswith("error")
    assert readiness["checks"]["cache"] == "ok"
    assert alive_status == 200  # liveness does not depend on the database: no restart loop
    for body in (html, api, post):
        assert b"Traceback" not in body and b"OperationalError" not in body and b"5432" not in body
    assert b"Traceback" not in ready  # /readyz names the failing check's exception class, nothing more
    assert "Traceback" not in server.tail(400)

    # and after PostgreSQL is back, the same processes serve again
    _wait(lambda: request(port, "GET", page, headers={"Accept": "text/html"})[0] == 200, 30, "page back")
    assert request(port, "GET", "/api/v1/articles/")[0] == 200
    assert request(port, "GET", "/readyz")[0] == 200
    assert server.proc.poll() is None and server.proc.pid == pids_before


@pytest.mark.django_db(transaction=True)
def test_redis_outage_while_readers_post_and_read(private_redis, settings, monkeypatch):
    from django.core.cache import cache

    from comments.models import Comment, ModerationDecision
    from comments.tasks import sweep_unscored
    from tests.factories import ArticleFactory
    from tests.integration.test_spam_durability import _use_broker

    # given the production shape on one private Redis (cache and broker) with a real worker
    article = ArticleFactory()
    env = production_env(current_database_url(), private_redis.url, DJANGO_CONN_MAX_AGE="0")
    server = Gunicorn(env, workers=1)  # one process, warmed below: no cold start inside the timed phase
    worker = Worker("faults", f"{private_redis.url}/1", database_url=current_database_url())
    ip = iter(f"127.30.{n // 250}.{n % 250 + 1}" for n in range(1000))
    posted: list[tuple[str, int, int | None, float]] = []  # (phase, status, comment id, seconds)

    def post(i: int, phase: str) -> None:
        body = {"name": f"Reader {phase} {i}", "body": f"Comment {phase}-{i} about the harbour plan and our street."}
        status, _, raw, seconds = request(
            server.port, "POST", f"/api/v1/articles/{article.pk}/comments/", body, source_ip=next(ip)
        )
        posted.append((phase, status, json.loads(raw).get("id") if status == 201 else None, seconds))

    try:
        _use_broker(f"{private_redis.url}/1", monkeypatch)
        worker.wait_ready(celery_app)
        for i in range(3):
            post(i, "up")
        for _ in range(3):  # the page path is warm too
            request(server.port, "GET", f"/articles/{article.slug}/", headers={"Accept": "text/html"})

        # when Redis stops while readers keep posting and reading
        private_redis.stop()
        reads = []
        for i in range(8):
            post(i, "down")
            status, _, _, seconds = request(
                server.port, "GET", f"/articles/{article.slug}/", headers={"Accept": "text/html"}, source_ip=next(ip)
            )
            reads.append((status, seconds))

        # then every answer came within 2 s, every post was accepted, and pages still served
        down = [row for row in posted if row[0] == "down"]
        assert max(seconds for *_, seconds in down) < 2.0, down
        assert [status for _, status, _, _ in posted] == [201] * len(posted), (posted, server.tail())
        assert max(seconds for _, seconds in reads) < 2.0, reads
        assert {status for status, _ in reads} <= {200, 503}, reads

        # and when Redis is back (empty: the queued tasks are gone), the sweeper gets every comment scored once
        private_redis.start()
        settings.SPAM_SWEEP_AFTER_SECONDS = 0
        ids = [cid for _, _, cid, _ in posted]
        unscored = Comment.objects.filter(pk__in=ids, scored_at__isnull=True).count()
        assert unscored >= len(down) - 1  # the broker took nothing while it was down (one may have slipped in)
        cache.delete_many([f"spam:swept:{cid}" for cid in ids])  # marks an earlier run may have left (same ids)
        assert sweep_unscored.apply().get() == unscored
        _wait(
            lambda: not Comment.objects.filter(pk__in=ids, scored_at__isnull=True).exists(),
            60,
            f"every accepted comment scored (the worker reconnects by itself): {worker.tail()}",
        )
        scored_once = [ModerationDecision.objects.filter(comment_id=cid, action="score").count() for cid in ids]
        assert scored_once == [1] * len(ids)
        assert Comment.objects.filter(pk__in=ids).count() == len(ids)
    finally:
        worker.stop()
        server.stop()
        if not private_redis._answers():
            private_redis.start()
