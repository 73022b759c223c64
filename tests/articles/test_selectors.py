from datetime import timedelta

import pytest
from django.utils import timezone

from articles import selectors
from articles.models import Article
from tests.factories import ArticleFactory, CuratedItemFactory, CuratedListFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_article_get_public_finds_exactly_what_published_finds():
    visible = ArticleFactory()
    ArticleFactory(draft=True, slug="a-draft")
    ArticleFactory(future=True, slug="a-future")
    ArticleFactory(slug="just-now", published_at=timezone.now() - timedelta(seconds=1))

    for slug in Article.objects.values_list("slug", flat=True):
        expected = Article.objects.published().filter(slug=slug).first()
        if expected is None:
            with pytest.raises(Article.DoesNotExist):
                selectors.article_get_public(slug=slug)
        else:
            assert selectors.article_get_public(slug=slug) == expected
    assert selectors.article_get_public(slug=visible.slug).headline == visible.headline


def test_article_get_public_refuses_unknown_slugs():
    with pytest.raises(Article.DoesNotExist):
        selectors.article_get_public(slug="nothing-here")


def test_pager_links_stored_pages_and_lists_missing_ones_unlinked():
    article = ArticleFactory(pages=1, page_total=3)

    pager = selectors.article_pager(article=article, current=1)

    assert [(item.number, item.url, item.current) for item in pager.items] == [
        (1, article.get_absolute_url(), True),
        (2, None, False),
        (3, None, False),
    ]
    assert pager.missing == [2, 3]


def test_pager_is_absent_for_a_single_page():
    assert selectors.article_pager(article=ArticleFactory(pages=1), current=1) is None


def test_pager_of_a_three_page_article_links_every_page():
    article = ArticleFactory(pages=3)

    pager = selectors.article_pager(article=article, current=2)

    assert [item.url for item in pager.items] == [
        article.get_absolute_url(),
        f"/articles/{article.slug}/page/2/",
        f"/articles/{article.slug}/page/3/",
    ]
    assert [item.current for item in pager.items] == [False, True, False]


def test_section_articles_include_children_newest_first_and_only_published():
    parent = SectionFactory()
    child = SectionFactory(parent=parent)
    old = ArticleFactory(section=parent, published_at=timezone.now() - timedelta(days=2))
    new = ArticleFactory(section=child)
    ArticleFactory(section=child, draft=True)
    ArticleFactory()  # elsewhere

    page = selectors.section_articles_page(section=parent)

    assert list(page.object_list) == [new, old]
    assert list(selectors.section_articles_page(section=child).object_list) == [new]


def test_curated_list_hides_unpublished_articles():
    curated = CuratedListFactory(slug=selectors.SELECTIONS)
    shown = CuratedItemFactory(curated_list=curated).article
    CuratedItemFactory(curated_list=curated, article=ArticleFactory(draft=True))

    found = selectors.curated_list_get(slug=selectors.SELECTIONS)

    assert [item.article for item in found.visible_items] == [shown]
    assert selectors.curated_list_get(slug="missing") is None


def test_most_popular_falls_back_to_the_editors_list_while_nothing_is_ranked(monkeypatch):
    editors = CuratedListFactory(slug=selectors.EDITORS_MOST_POPULAR)
    picks = [CuratedItemFactory(curated_list=editors).article for _ in range(3)]

    assert selectors.most_popular() == picks

    ranked = [ArticleFactory()]
    monkeypatch.setattr(selectors, "popular_articles", lambda section=None, limit=10: ranked)
    assert selectors.most_popular() == ranked


def test_latest_articles_are_published_newest_first():
    older = ArticleFactory(published_at=timezone.now() - timedelta(days=1))
    newer = ArticleFactory()
    ArticleFactory(draft=True)
    ArticleFactory(future=True)

    assert selectors.latest_articles() == [newer, older]
