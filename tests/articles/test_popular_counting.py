"""Counting article views: one per visitor per article per hour, readers only (through the real article page)."""

from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from articles import ranking
from articles.models import Article
from articles.popularity import counting
from articles.popularity.middleware import ViewCountMiddleware
from articles.popularity.store import RedisViewStore, get_view_store, use_view_store
from tests.articles.popular_support import BROWSER, GOOGLEBOT, article_make, as_dict, section_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return article_make(section_make("world"), "a-story")


def views_of(article) -> int:
    buckets = get_view_store().buckets(ranking.window(timezone.now(), 2))
    return sum(as_dict(counts).get(article.pk, 0) for counts in buckets.values())


def reader(ip="127.10.0.1", ua=BROWSER) -> Client:
    return Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)


def test_a_readers_page_view_counts_once_and_gives_a_first_party_cookie(article):
    response = reader().get(article.get_absolute_url())

    assert response.status_code == 200
    assert views_of(article) == 1
    cookie = response.cookies[counting.COOKIE_NAME]
    assert len(cookie.value) >= 16
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_same_reader_again_within_the_hour_is_not_a_new_view(article):
    client = reader()
    client.get(article.get_absolute_url())  # no cookie yet: known by IP + user agent, given a cookie

    again = client.get(article.get_absolute_url())  # now with the cookie
    page_two = client.get(article.get_absolute_url())

    assert again.status_code == page_two.status_code == 200
    assert counting.COOKIE_NAME not in again.cookies
    assert views_of(article) == 1


def test_a_reader_who_refuses_cookies_is_known_by_ip_and_user_agent(article):
    responses = [reader().get(article.get_absolute_url()) for _ in range(3)]  # a fresh client: no cookie sent back

    assert views_of(article) == 1
    # offered a cookie with the new view only: a repeat view sets nothing (and a cached page stays cheap)
    assert [counting.COOKIE_NAME in r.cookies for r in responses] == [True, False, False]


def test_distinct_readers_count_separately(article):
    reader("127.10.0.1").get(article.get_absolute_url())
    reader("127.10.0.2").get(article.get_absolute_url())
    reader("127.10.0.2", BROWSER.replace("128.0", "129.0")).get(article.get_absolute_url())

    assert views_of(article) == 3


def test_the_cookie_identifies_the_reader_even_from_another_address(article):
    first = reader("127.10.0.1")
    first.get(article.get_absolute_url())
    moved = reader("127.10.9.9")
    moved.cookies = first.cookies

    moved.get(article.get_absolute_url())

    assert views_of(article) == 1


def test_the_same_reader_counts_again_in_the_next_hour(article):
    request = RequestFactory().get("/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="127.10.0.1")
    now = timezone.now()

    counting.view_record(request, article.pk, at=now)
    counting.view_record(request, article.pk, at=now)
    counting.view_record(request, article.pk, at=now + timedelta(hours=1))

    buckets = get_view_store().buckets([ranking.hour_of(now), ranking.hour_of(now) + 1])
    assert [as_dict(b) for b in buckets.values()] == [{article.pk: 1}, {article.pk: 1}]


@pytest.mark.parametrize("ua", [GOOGLEBOT, "curl/8.5.0", "python-requests/2.32", ""])
def test_crawlers_and_clients_without_a_user_agent_do_not_count(article, ua):
    response = reader(ua=ua).get(article.get_absolute_url())

    assert response.status_code == 200
    assert views_of(article) == 0
    assert counting.COOKIE_NAME not in response.cookies


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_X_MOZ": "prefetch"},
        {"HTTP_X_PURPOSE": "preview"},
    ],
)
def test_prefetches_do_not_count(article, header):
    response = reader().get(article.get_absolute_url(), **header)

    assert response.status_code == 200
    assert views_of(article) == 0


def test_head_requests_do_not_count(article):
    response = reader().head(article.get_absolute_url())

    assert response.status_code == 200
    assert views_of(article) == 0


def test_only_article_pages_that_exist_count(article):
    section = article.section
    draft = article_make(section, "a-draft", status=Article.Status.DRAFT)
    client = reader()

    assert client.get("/").status_code == 200
    assert client.get(section.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/articles/no-such-story/").status_code == 404

    assert get_view_store().buckets(ranking.window(timezone.now(), 2)) == {}


def test_counting_can_be_switched_off(article, settings):
    settings.NEWSPORTAL_COUNT_VIEWS = False

    response = reader().get(article.get_absolute_url())

    assert response.status_code == 200
    assert views_of(article) == 0
    assert counting.COOKIE_NAME not in response.cookies


def test_a_page_answered_from_a_cache_without_running_the_view_is_counted(article):
    # what a cache middleware below ours returns on a hit: a stored 200, no view run, no resolver match
    cached_page = HttpResponse("<html>cached article page</html>")
    middleware = ViewCountMiddleware(lambda request: cached_page)
    request = RequestFactory().get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="127.10.0.7")
    assert request.resolver_match is None

    response = middleware(request)

    assert response is cached_page
    assert views_of(article) == 1
    assert counting.COOKIE_NAME in response.cookies


def test_a_dead_redis_never_breaks_the_page(article):
    use_view_store(RedisViewStore.from_url("redis://127.0.0.1:1/0"))

    response = reader().get(article.get_absolute_url())

    assert response.status_code == 200


@pytest.mark.parametrize("secure", [False, True])
def test_the_visitor_cookie_is_written_as_djangos_set_cookie_writes_it(settings, secure):
    settings.SESSION_COOKIE_SECURE = secure
    ours, django = HttpResponse(), HttpResponse()

    counting.set_visitor_cookie(ours, counting.Visitor(("h:x", "c:abc"), "abcdefghijklmnopqrstuvwx", True))
    django.set_cookie(
        counting.COOKIE_NAME,
        "abcdefghijklmnopqrstuvwx",
        max_age=counting.COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )

    assert ours.cookies.output() == django.cookies.output()
    assert dict(ours.cookies[counting.COOKIE_NAME]) == dict(django.cookies[counting.COOKIE_NAME])
    assert ours.cookies[counting.COOKIE_NAME].value == django.cookies[counting.COOKIE_NAME].value
