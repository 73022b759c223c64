"""Nothing is lost: a real Redis broker (private, stopped and restarted) and real worker processes (SIGKILLed).

Each test starts its own redis-server on a free port and points this process's Celery app at it, so stopping
the broker never disturbs the shared one.
"""

import shutil
import time
from unittest import mock

import pytest
from django.conf import settings

from comments import dispatch
from comments.models import Comment, ModerationDecision
from newsportal.celery import app
from tests.conftest import require
from tests.factories import ArticleFactory
from tests.integration.spam_processes import PrivateRedis, Worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _use_broker(url: str | None, monkeypatch) -> None:
    """Point this process's Celery app at `url`, dropping pooled connections to the previous broker.

    Celery reads CELERY_BROKER_URL from the environment before its configuration, so both change.
    """
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_broker(monkeypatch):
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    before = app.conf.broker_url
    _use_broker(f"{redis.url}/1", monkeypatch)
    yield redis
    _use_broker(before, monkeypatch)
    redis.stop()


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


@pytest.fixture
def api_settings(settings):
    settings.NEWSPORTAL_RATE_LIMITS_ENABLED = False
    settings.SPAM_SWEEP_AFTER_SECONDS = 0
    settings.NEWSPORTAL_SCORING_DISPATCH_SECONDS = 0.05  # posting goes through the outbox, as in production
    return settings


def start_worker(workers, redis, name, **env) -> Worker:
    worker = Worker(name, f"{redis.url}/1", **env)
    workers.append(worker)
    worker.wait_ready(app)
    return worker


def post(client, article, i: int):
    """One guest comment through the real API; returns (status code, comment id, seconds taken)."""
    started = time.monotonic()
    response = client.post(
        f"/api/v1/articles/{article.pk}/comments/",
        {"name": f"Reader {i}", "body": f"Comment {i}: what does the harbour plan mean for our street?"},
        content_type="application/json",
        REMOTE_ADDR=f"127.10.0.{i + 1}",
    )
    return response.status_code, response.json().get("id"), time.monotonic() - started


def wait_scored(ids, timeout: float) -> list[Comment]:
    deadline = time.monotonic() + timeout
    while True:
        rows = list(Comment.objects.filter(pk__in=ids))
        if all(c.scored_at is not None for c in rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.25)


def score_decisions(comment_id: int) -> int:
    return ModerationDecision.objects.filter(comment_id=comment_id, action="score").count()


def test_broker_down_while_posting_then_the_sweeper_gets_every_comment_scored_once(
    client, api_settings, redis_broker, workers
):
    from comments.tasks import sweep_unscored

    # given a worker on a live broker
    worker = start_worker(workers, redis_broker, "spam-a")
    article = ArticleFactory()
    up = [post(client, article, i) for i in range(3)]
    assert [status for status, _, _ in up] == [201] * 3
    wait_scored([cid for _, cid, _ in up], 30)

    # when the broker dies, posting still answers at once
    redis_broker.stop()
    down = [post(client, article, i) for i in range(3, 8)]
    assert [status for status, _, _ in down] == [201] * 5
    assert max(seconds for _, _, seconds in down) < 2.0, down  # no hang on a dead broker (the 2 s promise)
    down_ids = [cid for _, cid, _ in down]
    assert dispatch.flush() == 0  # the outbox's publish failed (after any in flight): the ids are dropped
    assert not Comment.objects.filter(pk__in=down_ids, scored_at__isnull=False).exists()

    # and when it comes back (empty), the sweeper enqueues what was never scored
    redis_broker.start()
    worker.wait_ready(app)
    assert sweep_unscored.apply().get() == len(down_ids)
    rows = wait_scored(down_ids + [cid for _, cid, _ in up], 60)

    # then every comment is scored, exactly once
    assert all(c.scored_at is not None for c in rows), worker.tail()
    assert [score_decisions(c.pk) for c in rows] == [1] * len(rows)


def test_a_worker_killed_mid_task_is_redelivered_and_the_comment_scored_once(
    client, api_settings, redis_broker, workers
):
    # given a slow worker, and a short visibility timeout so the broker redelivers within the test
    slow = {"NEWSPORTAL_SCORING_TEST_DELAY": "3", "NEWSPORTAL_BROKER_VISIBILITY_TIMEOUT": "5"}
    first = start_worker(workers, redis_broker, "spam-b1", **slow)
    article = ArticleFactory()
    status, comment_id, _ = post(client, article, 0)
    assert status == 201

    # when it is SIGKILLed while the task runs
    deadline = time.monotonic() + 20
    while not (app.control.inspect(destination=[first.name], timeout=0.5).active() or {}).get(first.name):
        assert time.monotonic() < deadline, first.tail()
    first.kill()
    assert Comment.objects.get(pk=comment_id).scored_at is None
    # Kombu's Redis transport restores unacked messages older than the visibility timeout in a scan that runs on a
    # worker's first restore cycle and then only every tenth (~100 s): let the message age past the timeout first,
    # as it would in production (where the timeout is an hour), so the new worker's first scan returns it.
    time.sleep(6)

    # then a new worker gets the task again (late ack) and scores the comment exactly once
    second = start_worker(
        workers, redis_broker, "spam-b2", NEWSPORTAL_SCORING_TEST_DELAY="0", NEWSPORTAL_BROKER_VISIBILITY_TIMEOUT="5"
    )
    (comment,) = wait_scored([comment_id], 90)
    assert comment.scored_at is not None, second.tail()
    assert score_decisions(comment_id) == 1


def test_a_task_delivered_twice_scores_once(client, api_settings, redis_broker, workers):
    from comments.tasks import score_comment

    start_worker(workers, redis_broker, "spam-c")
    article = ArticleFactory()
    _, comment_id, _ = post(client, article, 0)
    for _ in range(3):
        score_comment.delay(comment_id)

    (comment,) = wait_scored([comment_id], 30)
    time.sleep(1)  # let the duplicates run too

    assert comment.scored_at is not None
    assert score_decisions(comment_id) == 1
    assert settings.CELERY_TASK_ACKS_LATE and score_comment.acks_late and score_comment.reject_on_worker_lost


def test_comments_posted_through_the_outbox_are_published_in_batches_and_all_scored(
    client, api_settings, redis_broker, workers
):
    from comments.tasks import score_comment, score_comments

    # given a worker on a live broker and the outbox on (a broker, not eager)
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    start_worker(workers, redis_broker, "spam-d")
    article = ArticleFactory()

    # when 30 comments are posted through the API (the publish is watched, not replaced)
    with (
        mock.patch.object(score_comments, "delay", wraps=score_comments.delay) as batches,
        mock.patch.object(score_comment, "delay", wraps=score_comment.delay) as singles,
    ):
        posted = [post(client, article, i) for i in range(30)]
        started = time.monotonic()
        ids = [cid for _, cid, _ in posted]
        rows = wait_scored(ids, 15)
        dispatch.flush()

    # then every comment is scored within seconds, once, from fewer messages than comments
    assert [status for status, _, _ in posted] == [201] * 30
    assert all(c.scored_at is not None for c in rows), workers[0].tail()
    assert time.monotonic() - started < 10
    assert [score_decisions(cid) for cid in ids] == [1] * 30
    sent = [call.args[0] for call in batches.call_args_list]
    assert sorted(i for batch in sent for i in batch) == sorted(ids)
    assert len(sent) < 30 and not singles.called
