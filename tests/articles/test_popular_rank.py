"""The ranking pass (services.popular_rank, `manage.py rank_popular`, the beat task) and reading its snapshot."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from articles import ranking
from articles.models import Article, PopularSnapshot
from articles.popular import popular_articles
from articles.popularity.services import popular_rank
from articles.popularity.store import get_view_store
from articles.seed import SEED_FILE, load_seed_page
from articles.tasks import rank_popular
from tests.articles.popular_support import BROWSER, article_make, section_make

pytestmark = pytest.mark.django_db


def views(article, readers: int, *, hours_ago: int = 0) -> None:
    hour = ranking.hour_of(timezone.now()) - hours_ago
    for n in range(readers):
        get_view_store().record(article_id=article.pk, visitor_ids=[f"r{n}"], hour=hour)


@pytest.fixture
def world():
    world = section_make("world")
    return world, section_make("asia", parent=world), section_make("sport")


def test_most_read_ranks_published_articles_by_views_and_never_shows_drafts_or_future_ones(world):
    section = world[0]
    a, b, c = (article_make(section, slug) for slug in "abc")
    draft = article_make(section, "draft", status=Article.Status.DRAFT)
    future = article_make(section, "future", published_at=timezone.now() + timedelta(hours=2))
    for article, readers in [(a, 2), (b, 5), (c, 3), (draft, 50), (future, 40)]:
        views(article, readers)

    popular_rank()

    assert popular_articles() == [b, c, a]
    assert popular_articles(limit=2) == [b, c]


def test_views_older_than_the_window_do_not_count_for_most_read(world):
    fresh, old = article_make(world[0], "fresh"), article_make(world[0], "old")
    views(fresh, 2)
    views(old, 10, hours_ago=settings.NEWSPORTAL_POPULAR_WINDOW_HOURS)

    popular_rank()

    assert popular_articles() == [fresh]


def test_trending_favours_recent_reading(world):
    recent, yesterday = article_make(world[0], "recent"), article_make(world[0], "yesterday")
    views(recent, 5)
    views(yesterday, 8, hours_ago=20)

    popular_rank()

    assert popular_articles(kind="most_read") == [yesterday, recent]
    assert popular_articles(kind="trending") == [recent, yesterday]


def test_a_sections_list_includes_its_child_sections(world):
    top, child, other = world
    in_top, in_child, in_other = article_make(top, "t"), article_make(child, "c"), article_make(other, "o")
    for article, readers in [(in_top, 1), (in_child, 3), (in_other, 2)]:
        views(article, readers)

    popular_rank()

    assert popular_articles(section=top) == [in_child, in_top]
    assert popular_articles(section=child) == [in_child]
    assert popular_articles(section=other) == [in_other]
    assert popular_articles() == [in_child, in_other, in_top]


def test_ties_go_to_the_lower_article_id(world):
    first, second = article_make(world[0], "first"), article_make(world[0], "second")
    views(second, 2)
    views(first, 2)

    popular_rank()

    assert popular_articles() == [first, second]


def test_pages_read_the_stored_snapshot_with_one_query_when_cached(world, django_assert_num_queries):
    article = article_make(world[0], "a")
    views(article, 1)
    popular_rank()
    assert PopularSnapshot.objects.get(scope="site", kind="most_read").article_ids == [article.pk]

    with django_assert_num_queries(1):
        assert popular_articles() == [article]
    cache.clear()
    with django_assert_num_queries(2):  # the snapshot row, then the articles
        assert popular_articles() == [article]


def test_nothing_is_listed_before_the_first_pass_and_unknown_kinds_are_refused(world):
    assert popular_articles() == []
    assert popular_articles(section=world[0], kind="trending") == []
    with pytest.raises(ValueError):
        popular_articles(kind="most_commented")


def test_an_article_unpublished_after_the_pass_disappears_at_once(world):
    a, b = article_make(world[0], "a"), article_make(world[0], "b")
    views(a, 2)
    views(b, 1)
    popular_rank()

    Article.objects.filter(pk=a.pk).update(status=Article.Status.DRAFT)

    assert popular_articles() == [b]


def test_comment_weight_blends_comments_into_trending(world, settings):
    quiet, talked_about = article_make(world[0], "quiet"), article_make(world[0], "talked")
    Article.objects.filter(pk=talked_about.pk).update(comment_count=10)
    views(quiet, 3)
    views(talked_about, 2)

    settings.NEWSPORTAL_POPULAR_COMMENT_WEIGHT = 0.5
    popular_rank()

    assert popular_articles(kind="trending") == [talked_about, quiet]
    assert popular_articles(kind="most_read") == [quiet, talked_about]


def test_the_command_and_the_beat_task_run_one_pass(world, capsys):
    article = article_make(world[0], "a")
    views(article, 1)

    call_command("rank_popular")
    assert "most read: [%d]" % article.pk in capsys.readouterr().out

    PopularSnapshot.objects.all().delete()
    cache.clear()
    rank_popular.apply(throw=True)
    assert popular_articles() == [article]


def test_beat_ranks_every_minute_and_drops_late_runs():
    entry = settings.CELERY_BEAT_SCHEDULE["rank-popular"]

    assert entry["task"] == rank_popular.name == "articles.tasks.rank_popular"
    assert entry["schedule"] == 60.0
    assert 0 < entry["options"]["expires"] <= 60


def test_a_new_pass_shows_on_pages_at_once(world, django_capture_on_commit_callbacks):
    a, b = article_make(world[0], "a"), article_make(world[0], "b")
    views(a, 2)
    popular_rank()
    client = Client(HTTP_USER_AGENT="")
    assert most_popular_block(client.get("/").content.decode()) == [a.headline]

    views(b, 5)
    with django_capture_on_commit_callbacks(execute=True):
        popular_rank()

    assert most_popular_block(client.get("/").content.decode()) == [b.headline, a.headline]


def most_popular_block(html: str) -> list[str]:
    block = re.search(r'<h2 id="most-popular">Most Popular</h2>(.*?)</section>', html, re.S)
    assert block, "no Most Popular block on the page"
    return re.findall(r"<li><a [^>]*>([^<]*)</a></li>", block.group(1))


def test_the_demo_views_rank_the_seed_pages_most_popular_in_its_order():
    call_command("load_seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_views", stdout=open("/dev/null", "w"))  # noqa: SIM115
    seed = Article.objects.get(headline=load_seed_page(SEED_FILE).headline)
    expected = load_seed_page(SEED_FILE).most_popular.items

    assert [a.headline for a in popular_articles()] == expected
    assert [a.headline for a in popular_articles(kind="trending")] == expected
    page = Client(HTTP_USER_AGENT=BROWSER).get(seed.get_absolute_url())
    assert page.status_code == 200
    assert most_popular_block(page.content.decode()) == [h.replace("'", "&#x27;") for h in expected]
