"""The Redis view store's queue: views sent by a background thread, Redis deciding, nothing raised when it is down."""

import logging
import time
import uuid

import pytest

from articles.popularity.store import RedisViewStore
from tests.articles.popular_support import as_dict

HOUR = 500_000


@pytest.fixture
def prefix():
    return f"np:test:{uuid.uuid4().hex}:"


def counts(store, hour=HOUR) -> dict[int, int]:
    return {h: as_dict(c) for h, c in store.buckets([hour]).items()}.get(hour, {})


def test_queued_views_reach_redis_by_themselves_within_the_interval(redis_client, prefix):
    store = RedisViewStore(redis_client, prefix=prefix, flush_seconds=0.05)
    reader = RedisViewStore(redis_client, prefix=prefix)  # another process, reading Redis only
    try:
        assert store.record(article_id=7, visitor_ids=["h:a", "c:a"], hour=HOUR)
        assert store.record(article_id=7, visitor_ids=["h:b", "c:b"], hour=HOUR)
        assert not store.record(article_id=7, visitor_ids=["h:a", "c:x"], hour=HOUR)  # known here: no queueing

        deadline = time.monotonic() + 5
        while counts(reader) != {7: 2} and time.monotonic() < deadline:
            time.sleep(0.02)

        assert counts(reader) == {7: 2}
    finally:
        reader.clear()


def test_the_same_reader_queued_by_two_processes_counts_once_and_keeps_both_cookies(redis_client, prefix):
    one, two = (RedisViewStore(redis_client, prefix=prefix, flush_seconds=30) for _ in range(2))
    try:
        # both processes see the reader (no cookie yet) before either has sent its queue: both give a cookie
        assert one.record(article_id=3, visitor_ids=["h:r", "c:first"], hour=HOUR)
        assert two.record(article_id=3, visitor_ids=["h:r", "c:second"], hour=HOUR)
        one.flush()
        two.flush()
        # whichever cookie the browser kept, its next view (in a third process) is a repeat
        third = RedisViewStore(redis_client, prefix=prefix)

        assert not third.record(article_id=3, visitor_ids=["c:first"], hour=HOUR)
        assert not third.record(article_id=3, visitor_ids=["c:second"], hour=HOUR)
        assert counts(third) == {3: 1}
    finally:
        one.clear()


def test_a_dead_redis_loses_the_queued_views_quietly_and_forgets_them(caplog):
    store = RedisViewStore.from_url("redis://127.0.0.1:1/0", flush_seconds=0.05)

    with caplog.at_level(logging.WARNING, logger="articles.popularity.store"):
        assert store.record(article_id=1, visitor_ids=["h:a"], hour=HOUR)  # queued: the page does not wait
        deadline = time.monotonic() + 5
        while store.known(article_id=1, visitor_id="h:a", hour=HOUR) and time.monotonic() < deadline:
            time.sleep(0.02)

    assert not store.known(article_id=1, visitor_id="h:a", hour=HOUR)  # the reader's next view tries again
    assert caplog.text.count("views not counted (Redis unavailable)") == 1  # not once per flush


def test_views_are_bucketed_by_hour(redis_client, prefix):
    store = RedisViewStore(redis_client, prefix=prefix, flush_seconds=30)
    try:
        store.record(article_id=5, visitor_ids=["h:a"], hour=HOUR)
        store.record(article_id=5, visitor_ids=["h:a"], hour=HOUR + 1)  # a new hour: a new view

        assert counts(store, HOUR) == {5: 1}
        assert counts(store, HOUR + 1) == {5: 1}
    finally:
        store.clear()
