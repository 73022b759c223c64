"""The scoring outbox: ids queued in the request, published in batches by a thread of the process.

The broker is outside the project: the tasks' `delay` is patched to record what would be published.
"""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from unittest import mock

import pytest

from comments import dispatch
from comments.dispatch import BATCH, ScoringOutbox

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def published():
    """Every score_comments message, as the list of ids it carries."""
    with mock.patch("comments.tasks.score_comments.delay") as delay:
        yield delay


@pytest.fixture
def batched(settings):
    """The production shape: a broker (not eager) and the outbox on."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.NEWSPORTAL_SCORING_DISPATCH_SECONDS = 0.05
    return settings


def messages(delay) -> list[list[int]]:
    return [call.args[0] for call in delay.call_args_list]


def test_queued_ids_go_out_as_one_message_per_batch(published):
    # given an outbox whose thread waits a minute
    outbox = ScoringOutbox()
    for comment_id in range(1, BATCH):
        outbox.submit(comment_id, interval=60)

    # when it is flushed, then the 99 ids are one message
    assert outbox.flush() == BATCH - 1
    assert messages(published) == [list(range(1, BATCH))]
    assert outbox.flush() == 0 and published.call_count == 1


def test_more_than_a_batch_is_split_and_wakes_the_thread_at_once(published):
    outbox = ScoringOutbox()
    ids = list(range(1, 2 * BATCH + 51))

    for comment_id in ids:
        outbox.submit(comment_id, interval=60)  # the interval would not come within the test

    # then a full queue wakes the thread: at most one batch's worth waits for the interval
    wait_for(lambda: sum(len(m) for m in messages(published)) > len(ids) - BATCH)
    outbox.flush()
    sent = messages(published)
    assert [i for message in sent for i in message] == ids  # every id once, in order
    assert all(len(message) <= BATCH for message in sent)


def test_the_thread_publishes_after_the_interval(published):
    outbox = ScoringOutbox()
    for comment_id in (7, 8, 9):
        outbox.submit(comment_id, interval=0.05)

    wait_for(lambda: published.called)

    assert messages(published) == [[7, 8, 9]]
    assert len(outbox) == 0


@pytest.mark.parametrize(
    ("eager", "interval"),
    [(False, 0), (True, 0.05)],  # the outbox off; an eager Celery (the embedded default: runs in the request)
)
def test_submit_publishes_score_comment_at_once_when_the_outbox_is_off_or_celery_eager(
    settings, published, eager, interval
):
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    settings.NEWSPORTAL_SCORING_DISPATCH_SECONDS = interval
    with mock.patch("comments.tasks.score_comment.delay") as one:
        dispatch.submit(41)
    one.assert_called_once_with(41)
    assert not published.called


def test_an_immediate_publish_that_fails_is_logged_not_raised(settings, caplog):
    settings.NEWSPORTAL_SCORING_DISPATCH_SECONDS = 0
    with mock.patch("comments.tasks.score_comment.delay", side_effect=ConnectionError("broker down")):
        dispatch.submit(43)
    assert "sweeper" in caplog.text


def test_submit_queues_in_the_process_outbox_when_batched(batched, published):
    with mock.patch("comments.tasks.score_comment.delay") as one:
        dispatch.submit(44)
        dispatch.submit(45)
        dispatch.flush()  # or the thread, whichever comes first

    wait_for(lambda: published.called)
    assert [i for message in messages(published) for i in message] == [44, 45]
    assert not one.called


def test_a_forked_process_starts_its_own_thread(published):
    # given an outbox whose thread runs
    outbox = ScoringOutbox()
    outbox.submit(1, interval=0.05)
    first = outbox._flusher.thread
    assert first is not None and first.is_alive()

    # when the process is a fork of the one that started it (gunicorn forks its workers after the import)
    outbox._flusher.pid = -1
    outbox.submit(2, interval=0.05)

    # then it starts a thread of its own, which publishes
    second = outbox._flusher.thread
    assert second is not first and second.is_alive()
    assert outbox._flusher.pid == os.getpid()
    wait_for(lambda: sum(len(m) for m in messages(published)) == 2)


def test_a_failing_publish_is_dropped_and_the_thread_goes_on(published, caplog):
    # given a broker that fails the first publish
    def broker(ids):
        if published.call_count == 1:
            raise ConnectionError("broker down")

    published.side_effect = broker
    outbox = ScoringOutbox()

    # when ids are queued, then the failed batch is dropped with a warning (the sweeper will enqueue them)
    outbox.submit(1, interval=0.05)
    outbox.submit(2, interval=0.05)
    wait_for(lambda: "sweeper" in caplog.text)
    failed = messages(published)[0]
    assert len(outbox) == 0

    # and the same thread publishes the next batch
    thread = outbox._flusher.thread
    outbox.submit(3, interval=0.05)
    wait_for(lambda: [3] in messages(published))
    assert outbox._flusher.thread is thread and thread.is_alive()
    assert not set(failed) & {i for message in messages(published)[1:] for i in message}  # dropped, not retried


def test_ids_still_queued_are_published_when_the_process_exits(tmp_path):
    # given a process that queues three ids with an interval it will never reach, then exits normally
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from unittest import mock
        from comments import dispatch
        mock.patch("comments.tasks.score_comments.delay", lambda ids: print("published", ids, flush=True)).start()
        for comment_id in (1, 2, 3):
            dispatch.submit(comment_id)
        print("exiting", flush=True)
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",  # not eager; never contacted (delay is patched)
        "NEWSPORTAL_SCORING_DISPATCH_SECONDS": "3600",
        "NEWSPORTAL_VAR_DIR": str(tmp_path),
    }

    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    # then the exit hook publishes them
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["exiting", "published [1, 2, 3]"], done.stderr


def test_publishing_a_scoring_task_loads_no_spam_model_code(tmp_path):
    # given a fresh web-like process: Django set up and the URLs loaded, as a gunicorn worker has them
    script = textwrap.dedent(
        """
        import sys
        import django
        django.setup()
        from django.urls import resolve
        resolve("/")
        from comments import tasks  # what the outbox imports to publish
        print(sorted({name.split(".")[0] for name in sys.modules} & {"sklearn", "scipy"}))
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsportal.settings", "NEWSPORTAL_VAR_DIR": str(tmp_path)}

    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    # then neither scikit-learn nor SciPy was imported (about two seconds of CPU and their memory in every worker)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
