import pytest

from articles.models import Article
from tests.factories import ArticleFactory, CuratedItemFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_every_editor_page_loads_for_a_superuser(admin_client):
    article = ArticleFactory(pages=2)
    PhotoFactory(article=article)
    item = CuratedItemFactory()
    section = SectionFactory()

    for url in [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/?status__exact=draft",
        "/admin/articles/article/?q=headline",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/section/",
        f"/admin/articles/section/{section.pk}/change/",
        "/admin/articles/curatedlist/",
        f"/admin/articles/curatedlist/{item.curated_list.pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_the_article_form_has_the_inlines(admin_client):
    article = ArticleFactory(pages=2)

    html = admin_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()

    assert 'name="pages-TOTAL_FORMS"' in html
    assert 'name="photos-TOTAL_FORMS"' in html
    assert 'name="related_links-TOTAL_FORMS"' in html


@pytest.mark.parametrize(
    "action, field, before, after",
    [
        ("publish", "status", Article.Status.DRAFT, Article.Status.PUBLISHED),
        ("unpublish", "status", Article.Status.PUBLISHED, Article.Status.DRAFT),
        ("close_comments", "comments_open", True, False),
        ("open_comments", "comments_open", False, True),
    ],
)
def test_bulk_actions(admin_client, action, field, before, after):
    articles = [ArticleFactory(**{field: before}) for _ in range(2)]
    untouched = ArticleFactory(**{field: before})

    response = admin_client.post(
        "/admin/articles/article/", {"action": action, "_selected_action": [a.pk for a in articles]}
    )

    assert response.status_code == 302
    assert [getattr(Article.objects.get(pk=a.pk), field) for a in articles] == [after, after]
    assert getattr(Article.objects.get(pk=untouched.pk), field) == before


def test_readers_cannot_reach_the_editors_desk(client):
    assert client.get("/admin/articles/article/").status_code == 302
