"""Article list (filter, page numbers), detail (pages, photos, section path), Most Popular."""

import pytest

from articles.models import ArticlePage, Photo, Section
from tests.api.conftest import problem_of
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_list_shows_published_articles_newest_first_with_next_link(api):
    articles = [ArticleFactory() for _ in range(3)]
    ArticleFactory(status="draft")

    page = api.get("/api/v1/articles/", {"page_size": 2}).json()

    assert [a["id"] for a in page["results"]] == [articles[2].pk, articles[1].pk]
    assert page["count"] == 3 and page["next"]
    assert [a["id"] for a in api.get(page["next"]).json()["results"]] == [articles[0].pk]


def test_list_filters_by_section_slug_including_subsections(api):
    english = SectionFactory(slug="english")
    foreign = SectionFactory(slug="foreign-affairs", parent=english)
    inside = [ArticleFactory(section=english), ArticleFactory(section=foreign)]
    ArticleFactory()

    ids = {a["id"] for a in api.get("/api/v1/articles/", {"section": "english"}).json()["results"]}

    assert ids == {a.pk for a in inside}


def test_detail_has_pages_photos_section_path_and_comment_count(api):
    root = SectionFactory(name="English")
    article = ArticleFactory(section=SectionFactory(name="Foreign Affairs", parent=root), pages=0)
    ArticlePage.objects.create(article=article, number=1, body="First para.\n\nSecond para.")
    Photo.objects.create(article=article, caption="Xi and Putin", credit="Xinhua")

    data = api.get(f"/api/v1/articles/{article.pk}/").json()

    assert [s["name"] for s in data["section_path"]] == ["English", "Foreign Affairs"]
    assert data["pages"] == [
        {"number": 1, "body": "First para.\n\nSecond para.", "paragraphs": ["First para.", "Second para."]}
    ]
    assert data["photos"][0]["caption"] == "Xi and Putin"
    assert data["comment_count"] == 0 and data["comments_open"] is True


def test_draft_article_is_404(api):
    problem_of(api.get(f"/api/v1/articles/{ArticleFactory(status='draft').pk}/"), 404)


def test_popular_calls_the_snapshot_reader(api, monkeypatch):
    section = SectionFactory(slug="china")
    article = ArticleFactory(section=section)
    calls = []

    def fake_popular(*, section=None, kind="most_read", limit=10):
        calls.append((section, kind, limit))
        return [article]

    monkeypatch.setattr("articles.api.views.popular_articles", fake_popular)
    data = api.get("/api/v1/popular/", {"section": "china", "kind": "trending"}).json()

    assert [a["id"] for a in data["results"]] == [article.pk]
    assert calls == [(Section.objects.get(slug="china"), "trending", 10)]


def test_popular_refuses_unknown_kind_and_section(api):
    problem_of(api.get("/api/v1/popular/", {"kind": "loudest"}), 400)
    problem_of(api.get("/api/v1/popular/", {"section": "nowhere"}), 404)
