"""The anonymous full-page cache of article pages (articles/page_cache.py) through the whole middleware stack."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, CuratedItem, CuratedList
from articles.page_cache import HIT_HEADER, page_key
from articles.popularity.counting import COOKIE_NAME
from comments import forms
from comments.models import Comment, ModerationPolicy
from comments.services.editing import comment_edit
from comments.services.moderation import comment_decide
from comments.services.posting import comment_create
from newsportal.http import ClientInfo
from tests.articles.popular_support import BROWSER
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(section=SectionFactory(slug="world", name="World"), slug="a-story", headline="A story")


def reader() -> Client:
    return Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="127.20.0.1")


def is_hit(response) -> bool:
    return response.get(HIT_HEADER) == "hit"


def warm(client, url):
    first = client.get(url)
    assert first.status_code == 200 and not is_hit(first)
    return first


def post_guest(article, **client_kw):
    return comment_create(
        article=article,
        body="A new reader's thought.",
        client=ClientInfo(ip="127.30.0.1", user_agent=BROWSER),
        author_name="Guest",
        **client_kw,
    )


def test_a_hit_is_served_without_running_the_view(article):
    url = article.get_absolute_url()
    first = warm(reader(), url)

    with CaptureQueriesContext(connection) as queries:
        second = reader().get(url)

    assert second.status_code == 200 and is_hit(second)
    assert len(queries) == 0  # no ORM query: the view did not run (the version is one driver-level read)
    assert second.templates == []  # nothing was rendered
    assert second.content == first.content


def test_head_is_answered_from_the_cache_without_a_body(article):
    url = article.get_absolute_url()
    first = warm(reader(), url)
    response = reader().head(url)
    assert is_hit(response) and response.content == b""
    assert response["Content-Length"] == str(len(first.content))


def test_a_view_is_still_counted_on_a_hit(article):
    from articles import ranking
    from articles.popularity.store import get_view_store

    url = article.get_absolute_url()
    warm(Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="127.20.0.2"), url)

    response = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="127.20.0.3").get(url)

    assert is_hit(response)
    assert COOKIE_NAME in response.cookies  # the counter ran on the cached answer and knows a new reader
    buckets = get_view_store().buckets(ranking.window(timezone.now(), 2))
    assert sum(int(counts[article.pk]) for counts in buckets.values()) == 2


def test_comment_sort_and_paging_are_separate_entries_and_other_parameters_are_not_cached(article):
    url = article.get_absolute_url()
    warm(reader(), url + "?sort=newest&cpage=1")
    assert is_hit(reader().get(url + "?cpage=1&sort=newest"))  # the same parameters in another order
    assert not is_hit(reader().get(url + "?sort=oldest"))
    assert not is_hit(reader().get(url))
    assert page_key(url, "utm_source=x") is None
    reader().get(url + "?utm_source=x")
    assert not is_hit(reader().get(url + "?utm_source=x"))


def test_a_new_published_comment_shows_at_once(article, django_capture_on_commit_callbacks):
    url = article.get_absolute_url()
    warm(reader(), url)
    with django_capture_on_commit_callbacks(execute=True):
        post_guest(article)

    response = reader().get(url)

    assert not is_hit(response)
    assert "A new reader&#x27;s thought." in response.content.decode() and "1 comment" in response.content.decode()
    assert is_hit(reader().get(url))  # and is cached again


def test_an_approval_shows_at_once(article, django_capture_on_commit_callbacks):
    ModerationPolicy.objects.create(article=article, mode="pre_all")
    with django_capture_on_commit_callbacks(execute=True):
        created = post_guest(article)
    assert created.comment.status == Comment.Status.PENDING
    url = article.get_absolute_url()
    warm(reader(), url)
    assert "A new reader" not in reader().get(url).content.decode()
    moderator = get_user_model().objects.create_superuser("mod", "mod@example.org", "pw-long-enough-1")

    with django_capture_on_commit_callbacks(execute=True):
        comment_decide(comment=created.comment, action="approve", actor=moderator)

    response = reader().get(url)
    assert not is_hit(response) and "A new reader" in response.content.decode()


def test_an_edited_comment_text_shows_at_once(article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = post_guest(article)
    url = article.get_absolute_url()
    warm(reader(), url)

    with django_capture_on_commit_callbacks(execute=True):
        comment_edit(comment=created.comment, body="Second thoughts, written better.", secret=created.secret)

    response = reader().get(url)
    assert not is_hit(response) and "Second thoughts" in response.content.decode()


def test_an_article_edit_shows_at_once(article, django_capture_on_commit_callbacks):
    url = article.get_absolute_url()
    warm(reader(), url)

    with django_capture_on_commit_callbacks(execute=True):
        article.headline = "A story, corrected"
        article.save()

    response = reader().get(url)
    assert not is_hit(response) and "A story, corrected" in response.content.decode()


def test_an_edit_of_the_article_text_shows_at_once(article, django_capture_on_commit_callbacks):
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    url = article.get_absolute_url()
    warm(reader(), url)
    page = article.pages.get(number=1)

    with django_capture_on_commit_callbacks(execute=True):
        page.body = "An entirely new paragraph."
        page.save()

    response = reader().get(url)
    assert not is_hit(response) and "An entirely new paragraph." in response.content.decode()


def test_a_sidebar_change_shows_at_once(article, django_capture_on_commit_callbacks):
    url = article.get_absolute_url()
    other = ArticleFactory(headline="Picked by the editors today")
    warm(reader(), url)

    with django_capture_on_commit_callbacks(execute=True):
        curated = CuratedList.objects.create(slug="selections-for-you", title="Selections for you")
        CuratedItem.objects.create(curated_list=curated, article=other, position=1)

    response = reader().get(url)
    assert not is_hit(response) and "Picked by the editors today" in response.content.decode()


def test_signed_in_readers_never_get_or_make_the_cached_page(article):
    url = article.get_absolute_url()
    warm(reader(), url)
    user = get_user_model().objects.create_user("reader", "r@example.org", "pw-long-enough-1")
    member = Client(HTTP_USER_AGENT=BROWSER)
    member.force_login(user)

    for _ in range(2):
        response = member.get(url)
        assert response.status_code == 200 and not is_hit(response)
        assert "csrfmiddlewaretoken" in response.content.decode() and "Commenting as" in response.content.decode()
    anonymous = reader().get(url).content.decode()
    assert "csrfmiddlewaretoken" not in anonymous and "Commenting as" not in anonymous


def test_a_visitor_with_a_messages_or_session_cookie_never_gets_the_cached_page(article):
    url = article.get_absolute_url()
    warm(reader(), url)
    for name in ("messages", "sessionid"):
        client = reader()
        client.cookies[name] = "anything"
        assert not is_hit(client.get(url))
    client = reader()
    client.cookies["csrftoken"] = "x" * 32  # the guest page has no CSRF token: the cookie changes nothing in it
    assert is_hit(client.get(url))


def test_a_post_is_never_answered_or_stored_by_the_cache(article):
    url = article.get_absolute_url()
    warm(reader(), url)
    response = reader().post(url, {"x": "1"})
    assert not is_hit(response)
    assert response.status_code != 200 or response.templates  # the view (or CSRF) answered, not a stored page


def test_pages_of_other_kinds_and_missing_articles_are_not_cached(article):
    for url in ("/", f"{article.get_absolute_url()}page/9/", "/articles/no-such-story/"):
        reader().get(url)
        assert not is_hit(reader().get(url))


def test_security_headers_are_on_a_hit(article, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    url = article.get_absolute_url()
    warm(reader(), url)

    response = reader().get(url, secure=True)

    assert is_hit(response)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Strict-Transport-Security"].startswith("max-age=3600")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f-]{36}", response["X-Request-ID"])
    assert response["X-Request-ID"] != reader().get(url)["X-Request-ID"]  # a fresh id for every hit
    assert "Set-Cookie" not in response.headers or "sessionid" not in response.headers["Set-Cookie"]


def test_the_cache_can_be_switched_off(article, settings):
    settings.NEWSPORTAL_PAGE_CACHE_SECONDS = 0
    url = article.get_absolute_url()
    reader().get(url)
    assert not is_hit(reader().get(url))


def test_the_guest_form_of_a_cached_page_posts_successfully(article, monkeypatch):
    """The cached form's time token is older than a fresh one: within its max age it passes, never "too fast"."""
    url = article.get_absolute_url()
    made = forms.form_token
    # the page was cached ten minutes ago (a token that old; far beyond the page lifetime, far inside its max age)
    monkeypatch.setattr(forms, "form_token", lambda pk: made(pk, now=time.time() - 600))
    warm(reader(), url)
    monkeypatch.setattr(forms, "form_token", made)

    page = reader().get(url)
    assert is_hit(page)
    html = page.content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    assert forms.seconds_since_render(token, article.pk) >= 600
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)

    guest = reader()
    response = guest.post(
        action,
        {
            "author_name": "Cached Reader",
            "author_email": "",
            "body": "Sent from a cached page.",
            "website": "",
            "parent": "",
            "form_token": token,
        },
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )

    assert response.status_code == 302 and "posted=published" in response["Location"]
    comment = Comment.objects.get(body="Sent from a cached page.")
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.signals["seconds_to_submit"] >= 600
    # the poster now has a session (their edit secret) and sees their own page; everyone else sees the comment
    assert not is_hit(guest.get(response["Location"]))
    assert "Sent from a cached page." in reader().get(url).content.decode()
