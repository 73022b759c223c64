"""Property tests: random reading (visitors with and without cookies, crawlers, HEADs, prefetches, repeat views in
the same hour, timestamps across hour boundaries, ties) goes through the real counting code into the Redis store
(a real Redis) and the memory store; the top 10s they give must equal a plain-Python reference's.

Redis: NEWSPORTAL_TEST_POPULAR_REDIS_URL, default redis://127.0.0.1:6379/5 (skipped when unreachable, a failure
under CI=true). Every example writes under its own key prefix and deletes it afterwards.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import ranking
from articles.popularity import counting
from articles.popularity.store import MemoryViewStore, RedisViewStore, use_view_store
from tests.articles.popular_support import GOOGLEBOT, as_dict

START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # on an hour boundary
SPAN_MINUTES = 30 * 60  # 30 hours of reading: the 24-hour window cuts some of it off
NOW = START + timedelta(minutes=SPAN_MINUTES)
HALF_LIFE = 3.0


@dataclass
class Person:
    ip: str
    user_agent: str
    keeps_cookies: bool
    cookie: str | None = field(default=None)


@st.composite
def readings(draw):
    n_people = draw(st.integers(1, 12))
    people = [
        (draw(st.booleans()), draw(st.sampled_from(["reader", "reader", "reader", "googlebot"])))
        for _ in range(n_people)
    ]
    events = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_people - 1),
                st.integers(1, 14),  # article ids: few, so ties and repeats are common
                st.one_of(
                    st.integers(0, SPAN_MINUTES),
                    st.integers(1, 30).map(lambda h: h * 60 - 1),  # the last minute of an hour
                    st.integers(0, 29).map(lambda h: h * 60),  # the first minute of an hour
                ),
                st.sampled_from(["GET", "GET", "GET", "GET", "HEAD", "prefetch"]),
            ),
            max_size=150,
        )
    )
    return people, sorted(events, key=lambda e: e[2])


def people_from(spec) -> list[Person]:
    return [
        Person(
            ip=f"127.10.{i // 250}.{i % 250 + 1}",
            user_agent=GOOGLEBOT if kind == "googlebot" else f"Mozilla/5.0 (X11; Linux x86_64; rv:{100 + i}.0) Firefox",
            keeps_cookies=keeps,
        )
        for i, (keeps, kind) in enumerate(spec)
    ]


def simulate(store, spec, events, *, processes=()) -> None:
    """Every event through the counting code, as the middleware calls it, into `store`; with `processes` (more
    stores over the same data, as other web processes would hold them), the events go round all of them."""
    people = people_from(spec)
    factory = RequestFactory()
    stores = [store, *processes]
    try:
        for index, (person_index, article_id, minute, how) in enumerate(events):
            use_view_store(stores[index % len(stores)])
            person = people[person_index]
            headers = {"HTTP_USER_AGENT": person.user_agent, "REMOTE_ADDR": person.ip}
            if how == "prefetch":
                headers["HTTP_SEC_PURPOSE"] = "prefetch"
            request = factory.generic("HEAD" if how == "HEAD" else "GET", "/", **headers)
            if person.cookie:
                request.COOKIES[counting.COOKIE_NAME] = person.cookie
            visitor = counting.view_record(request, article_id, at=START + timedelta(minutes=minute))
            if visitor is not None and visitor.new_cookie and person.keeps_cookies:
                person.cookie = visitor.new_cookie
    finally:
        use_view_store(None)
        for each in stores:  # what each process's flusher does on its own within NEWSPORTAL_POPULAR_FLUSH_SECONDS
            each.flush()


def reference_buckets(spec, events) -> dict[int, dict[int, int]]:
    """Distinct (reader, article, hour) triples of real page views: the definition, written plainly."""
    seen = {
        (person_index, article_id, ranking.hour_of(START + timedelta(minutes=minute)))
        for person_index, article_id, minute, how in events
        if how == "GET" and spec[person_index][1] != "googlebot"
    }
    buckets: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for _, article_id, hour in seen:
        buckets[hour][article_id] += 1
    return {hour: dict(counts) for hour, counts in buckets.items()}


def reference_top10(buckets, *, decayed: bool) -> list[int]:
    current = ranking.hour_of(NOW)
    scores: dict[int, float] = {}
    for hour in sorted(buckets):  # ascending, as the ranking adds them
        if current - 24 < hour <= current:
            for article_id, views in buckets[hour].items():
                weight = ranking.decay_weight(current - hour, HALF_LIFE) if decayed else 1
                scores[article_id] = scores.get(article_id, 0) + views * weight
    ranked = sorted((a for a in scores if scores[a] > 0), key=lambda a: (-scores[a], a))
    return ranked[:10]


def ranked_top10(store) -> dict[str, list[int]]:
    buckets = store.buckets(ranking.window(NOW, 24))
    return {
        "most_read": ranking.top_n(ranking.most_read_scores(buckets, now=NOW, window_hours=24), 10),
        "trending": ranking.top_n(
            ranking.trending_scores(buckets, now=NOW, half_life_hours=HALF_LIFE, window_hours=24), 10
        ),
    }


def assert_same_as_reference(store, spec, events, *, processes=()) -> None:
    simulate(store, spec, events, processes=processes)
    expected = reference_buckets(spec, events)
    hours = range(ranking.hour_of(START) - 1, ranking.hour_of(NOW) + 2)

    assert {hour: as_dict(counts) for hour, counts in store.buckets(hours).items()} == expected
    assert ranked_top10(store) == {
        "most_read": reference_top10(expected, decayed=False),
        "trending": reference_top10(expected, decayed=True),
    }


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(readings())
def test_redis_counting_and_ranking_equal_the_reference(redis_client, reading):
    store = RedisViewStore(redis_client, prefix=f"np:test:{uuid.uuid4().hex}:")
    try:
        assert_same_as_reference(store, *reading)
    finally:
        store.clear()


@PROPERTY
@given(readings())
def test_memory_counting_and_ranking_equal_the_reference(reading):
    assert_same_as_reference(MemoryViewStore(), *reading)


@pytest.mark.parametrize("flush_seconds", [0, 30])
@PROPERTY
@given(reading=readings())
def test_web_processes_sharing_one_redis_count_as_one(redis_client, reading, flush_seconds):
    """Each process skips the round trip for repeat views it has already seen, and queues the others (flushed at
    the end here, long before their interval); Redis stays the authority."""
    prefix = f"np:test:{uuid.uuid4().hex}:"
    stores = [RedisViewStore(redis_client, prefix=prefix, flush_seconds=flush_seconds) for _ in range(3)]
    first, *others = stores
    try:
        assert_same_as_reference(first, *reading, processes=others)
    finally:
        first.clear()


@PROPERTY
@given(readings())
def test_both_stores_rank_alike(redis_client, reading):
    redis_store = RedisViewStore(redis_client, prefix=f"np:test:{uuid.uuid4().hex}:")
    memory_store = MemoryViewStore()
    try:
        simulate(redis_store, *reading)
        simulate(memory_store, *reading)
        assert ranked_top10(redis_store) == ranked_top10(memory_store)
    finally:
        redis_store.clear()
