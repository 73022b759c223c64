"""Most Popular on the production shape: readers' page views counted in Redis, ranked on PostgreSQL, the snapshot
read back through the Redis cache."""

import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from articles import ranking
from articles.models import Article
from articles.popular import popular_articles
from articles.popularity.services import popular_rank
from articles.popularity.store import RedisViewStore, use_view_store
from tests.articles.popular_support import BROWSER, GOOGLEBOT, article_make, section_make

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["queued", "per view"])
def redis_store(request):
    """The web processes' store (views queued, sent by a background thread; the pass sends the queue first), and
    one that calls Redis from the request."""
    flush = settings.NEWSPORTAL_POPULAR_FLUSH_SECONDS if request.param == "queued" else 0
    store = RedisViewStore.from_url(settings.REDIS_URL, prefix=f"np:itest:{uuid.uuid4().hex}:", flush_seconds=flush)
    use_view_store(store)
    yield store
    store.clear()


def test_readers_views_in_redis_rank_published_articles_and_crawlers_do_not_count(redis_store):
    world = section_make("world")
    asia = section_make("asia", parent=world)
    most, second, crawled = article_make(asia, "most"), article_make(world, "second"), article_make(world, "crawled")
    draft = article_make(world, "draft", status=Article.Status.DRAFT)
    for article, readers in [(most, 3), (second, 2), (crawled, 1)]:
        for n in range(readers):
            client = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=f"127.10.1.{n + 1}")
            assert client.get(article.get_absolute_url()).status_code == 200
            client.get(article.get_absolute_url())  # the same reader again, now with its cookie
    for n in range(10):
        Client(HTTP_USER_AGENT=GOOGLEBOT, REMOTE_ADDR=f"127.10.2.{n + 1}").get(crawled.get_absolute_url())
    now_hour = ranking.hour_of(timezone.now())
    redis_store.add_counts(now_hour, {draft.pk: 50})  # never ranked, whatever its views

    popular_rank()

    assert popular_articles() == [most, second, crawled]
    assert popular_articles(section=world) == [most, second, crawled]
    assert popular_articles(section=asia, kind="trending") == [most]


def test_many_candidates_are_filtered_to_published_in_one_query(redis_store, monkeypatch):
    from articles.popularity import services

    monkeypatch.setattr(services, "IN_QUERY_LIMIT", 1)  # the path for more candidates than one statement's parameters
    world = section_make("world")
    published = [article_make(world, f"p{n}") for n in range(3)]
    draft = article_make(world, "draft", status=Article.Status.DRAFT)
    hour = ranking.hour_of(timezone.now())
    redis_store.add_counts(hour, {published[0].pk: 1, published[1].pk: 5, published[2].pk: 3, draft.pk: 9})

    popular_rank()

    assert popular_articles() == [published[1], published[2], published[0]]
