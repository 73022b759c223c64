import re
from html import unescape

import pytest
from django.core.cache import cache

from tests.factories import ArticleFactory, PhotoFactory, RelatedLinkFactory, SectionFactory

pytestmark = pytest.mark.django_db

SEED_URL = "/articles/xi-china-russia-ties-prioritized-in-chinese-diplomacy/"
# Cold: the article, its page, photos, related links, the pager, breadcrumb sections, sidebar lists and nav.
COLD_QUERY_LIMIT = 20
# Warm: the article itself; everything else comes from cached fragments.
WARM_QUERY_LIMIT = 1


def _main(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_seed_article_page_has_every_block_of_the_seed(client, seed_article):
    response = client.get(SEED_URL)

    assert response.status_code == 200
    html, text = response.content.decode(), _text(response)
    assert "Latest News:" in text
    assert re.search(r'<nav class="breadcrumb".*?English.*?&gt;&gt;.*?Foreign Affairs', html, re.S)
    assert '<a href="/sections/foreign-affairs/"' in html
    assert re.search(r"<h1[^>]*>Xi: China-Russia ties prioritized in Chinese diplomacy</h1>", html)
    assert "08:01, January 09, 2013" in text
    assert "<figure" in html and "<figcaption>" in html
    assert "Nikolai Patrushev in Beijing, capital of China, Jan. 8, 2013. (Xinhua/Lan Hongguang)" in text
    assert "photo-placeholder.svg" in html
    assert "BEIJING, Jan. 8 (Xinhua) -- Chinese leader Xi Jinping on Tuesday" in text
    assert "mutual respect, equality and mutual trust to a new level." in text
    assert "【1】 【2】 【3】" in text
    assert "/page/2/" not in html  # pages 2 and 3 are not held: listed, not linked
    assert "We Recommend" in text and "S. Korea: Ties with China, US equally important" in text
    assert "Leave your comment" in text and "0 comments" in text
    assert re.search(r'<input[^>]+name="author_name"', html) and 'name="body"' in html  # the comments app's form
    assert f'action="{SEED_URL}comments/"' in html
    assert "Selections for you" in text and "Simply Beautiful Photos: Palette" in text
    assert "Most Popular" in text and "Is there hope for Chinese football?" in text
    assert "What’s happening in China" in text
    assert "Busiest line in Beijing: Subway line 10" in text
    assert "Latest News" in text


def test_home_links_the_seed_article_by_its_headline(client, seed_article):
    response = client.get("/")

    assert response.status_code == 200
    assert (
        f'<a href="{SEED_URL}">Xi: China-Russia ties prioritized in Chinese diplomacy</a>' in response.content.decode()
    )
    assert "Latest News" in _text(response) and "Most Popular" in _text(response)


def test_a_headline_only_article_says_so_and_invents_nothing(client, seed_article):
    response = client.get("/articles/is-there-hope-for-chinese-football/")

    assert response.status_code == 200
    assert "Only this headline is in the seed page" in _text(response)
    assert 'class="story__body"' not in response.content.decode()


def test_headlines_and_captions_are_escaped(client):
    article = ArticleFactory(headline="<script>alert(1)</script> & {{ 7|add:1 }}")
    PhotoFactory(article=article, caption="<b>bold</b>", credit="<i>x</i>")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7|add:1 }}" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


@pytest.mark.parametrize(
    "make, path",
    [
        (lambda: None, "/articles/no-such-article/"),
        (lambda: ArticleFactory(slug="drafted", draft=True), "/articles/drafted/"),
        (lambda: ArticleFactory(slug="scheduled", future=True), "/articles/scheduled/"),
        (lambda: ArticleFactory(slug="one-pager", pages=1), "/articles/one-pager/page/2/"),
        (lambda: ArticleFactory(slug="zero-page", pages=1), "/articles/zero-page/page/0/"),
        (lambda: None, "/sections/no-such-section/"),
    ],
)
def test_what_readers_may_not_see_is_a_real_404(client, make, path):
    make()

    response = client.get(path)

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_pages_two_and_three_of_a_long_article(client):
    article = ArticleFactory(pages=3)

    page2 = client.get(f"/articles/{article.slug}/page/2/")

    assert page2.status_code == 200
    assert "First paragraph of page 2." in page2.content.decode()
    assert f'<a href="/articles/{article.slug}/page/3/">【3】</a>' in page2.content.decode()
    assert "First paragraph of page 1." not in page2.content.decode()


def test_the_article_page_query_count_is_bounded(client, seed_article, django_assert_max_num_queries):
    with django_assert_max_num_queries(COLD_QUERY_LIMIT):
        assert client.get(SEED_URL).status_code == 200
    with django_assert_max_num_queries(WARM_QUERY_LIMIT):
        assert client.get(SEED_URL).status_code == 200


def test_the_query_count_does_not_grow_with_related_links(client, django_assert_max_num_queries):
    article = ArticleFactory()
    for _ in range(12):
        RelatedLinkFactory(article=article)
        PhotoFactory(article=article)

    with django_assert_max_num_queries(COLD_QUERY_LIMIT):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_an_edit_reaches_readers_at_once(client):
    photo = PhotoFactory(caption="Before the edit.")
    url = photo.article.get_absolute_url()
    assert "Before the edit." in client.get(url).content.decode()

    photo.caption = "After the edit."
    photo.save()

    assert "After the edit." in client.get(url).content.decode()


def test_unpublishing_takes_the_page_down_at_once(client):
    article = ArticleFactory()
    assert client.get(article.get_absolute_url()).status_code == 200

    article.status = article.Status.DRAFT
    article.save()

    assert client.get(article.get_absolute_url()).status_code == 404


def test_the_comment_block_is_not_cached(client, seed_article):
    client.get(SEED_URL)
    type(seed_article).objects.filter(pk=seed_article.pk).update(comment_count=3)

    assert "3 comments" in _text(client.get(SEED_URL))


def test_section_page_lists_its_articles_and_its_childrens_with_a_breadcrumb(client):
    root = SectionFactory(name="English", slug="english")
    child = SectionFactory(name="Foreign Affairs", slug="foreign-affairs", parent=root)
    own = ArticleFactory(section=root, headline="Own story")
    nested = ArticleFactory(section=child, headline="Nested story")

    html = _main(client.get("/sections/english/"))
    child_html = _main(client.get("/sections/foreign-affairs/"))

    assert own.headline in html and nested.headline in html
    assert "<h1>English</h1>" in html
    assert nested.headline in child_html and own.headline not in child_html
    assert 'aria-current="page">Foreign Affairs</a>' in child_html


def test_section_pages_are_paged_and_refuse_pages_that_do_not_exist(client):
    section = SectionFactory()
    for _ in range(25):
        ArticleFactory(section=section)

    first = client.get(f"/sections/{section.slug}/")
    second = client.get(f"/sections/{section.slug}/?page=2")

    assert first.status_code == 200 and 'rel="next" href="?page=2"' in first.content.decode()
    assert second.status_code == 200 and "Page 2 of 2" in second.content.decode()
    assert client.get(f"/sections/{section.slug}/?page=3").status_code == 404
    assert client.get(f"/sections/{section.slug}/?page=x").status_code == 404


def test_pages_use_the_one_stylesheet_and_no_inline_styles_or_scripts(client, seed_article):
    for path in ["/", SEED_URL, "/sections/english/", "/articles/nothing/"]:
        html = client.get(path).content.decode()
        assert "/static/css/site.css" in html
        assert "style=" not in html and "<style" not in html
        assert "<script" not in html
        assert not re.search(r"\son[a-z]+=", html)


def test_cache_survives_a_clear_between_requests(client, seed_article):
    first = client.get(SEED_URL).content
    cache.clear()

    second = client.get(SEED_URL).content

    # Only the form's per-render tokens (CSRF, the signed time-to-submit token) differ between two renders.
    strip = re.compile(rb'name="(?:csrfmiddlewaretoken|form_token)" value="[^"]+"')
    assert strip.sub(b"", first) == strip.sub(b"", second)
