import pytest
from django.core.management import call_command

from articles.models import Article, ArticlePage, CuratedItem, CuratedList, Photo, RelatedLink, Section
from articles.selectors import EDITORS_MOST_POPULAR, SELECTIONS, TOP_STORIES, WHATS_HAPPENING

pytestmark = pytest.mark.django_db

SEED_SLUG = "xi-china-russia-ties-prioritized-in-chinese-diplomacy"


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Article, ArticlePage, Photo, RelatedLink, Section, CuratedList, CuratedItem)
    }


def test_load_seed_stores_the_seed_article_exactly():
    call_command("load_seed")

    article = Article.objects.get(slug=SEED_SLUG)
    assert article.headline == "Xi: China-Russia ties prioritized in Chinese diplomacy"
    assert article.is_published
    assert article.source == "Xinhua"
    assert article.page_total == 3
    assert [s.name for s in article.section.path()] == ["English", "Foreign Affairs"]
    page = article.pages.get()
    assert page.number == 1
    assert len(page.paragraphs()) == 9
    assert "Vladimir Putin's proposals" in page.body
    photo = article.photos.get()
    assert photo.credit == "Xinhua/Lan Hongguang"
    assert "(Xinhua" not in photo.caption
    assert photo.caption.endswith("Jan. 8, 2013.")


def test_the_seed_article_is_the_first_row():
    call_command("load_seed")

    assert Article.objects.order_by("pk").first().slug == SEED_SLUG


def test_load_seed_twice_gives_the_same_rows():
    call_command("load_seed")
    first = _snapshot()

    call_command("load_seed")

    assert _snapshot() == first
    assert Article.objects.count() == 1 + 6 + 8 + 10 + 5


def test_the_other_headlines_land_in_their_lists_without_invented_text():
    call_command("load_seed")

    seed = Article.objects.get(slug=SEED_SLUG)
    assert [link.label for link in seed.related_links.all()][:2] == [
        "S. Korea: Ties with China, US equally important",
        "Treat US' rebalance in Asia-Pacific rationally",
    ]
    assert CuratedList.objects.get(slug=SELECTIONS).items.count() == 8
    assert CuratedList.objects.get(slug=EDITORS_MOST_POPULAR).items.count() == 10
    happening = CuratedList.objects.get(slug=WHATS_HAPPENING)
    assert happening.items.count() == 5
    assert happening.lead == (
        "Busiest line in Beijing: Subway line 10 has reached a daily transportation of 1 million passengers on average"
    )
    assert [item.article for item in CuratedList.objects.get(slug=TOP_STORIES).items.all()] == [seed]
    # Only the seed article has a body; the others are headlines.
    assert ArticlePage.objects.exclude(article=seed).count() == 0
