"""The "Leave your comment" form through the test client: PRG messages, errors keeping input, CSRF, honeypot,
the time token, replies, reports, own-comment pages and the comment block on the article page."""

import re
import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments import forms
from comments.models import Comment, Flag, ModerationPolicy, WordRule
from comments.services.editing import comment_edit
from comments.services.lifecycle import comment_transition
from comments.services.posting import comment_create
from tests.comments.conftest import new_client
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    """A browser-like client on its own address, so rate limits and duplicates see distinct readers."""
    return Client(REMOTE_ADDR=new_client().ip)


def page_form_token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def form_data(article, **overrides) -> dict:
    return {
        "author_name": "Form Reader",
        "author_email": "",
        "body": "Posted through the page's own form.",
        "website": "",
        "form_token": forms.form_token(article.pk, now=time.time() - 30),
        **overrides,
    }


def post_url(article) -> str:
    return f"/articles/{article.slug}/comments/"


def test_article_page_shows_the_block_without_csrf_token_for_guests(article, browser):
    response = browser.get(article.get_absolute_url())
    html = response.content.decode()
    assert "Leave your comment" in html and "0 comments" in html
    assert 'name="author_name"' in html and "<textarea" in html and 'name="form_token"' in html
    assert 'class="hp-field"' in html and "Leave this field empty" in html and 'style="' not in html
    assert "csrfmiddlewaretoken" not in html and "csrftoken" not in response.cookies


def test_guest_post_redirects_back_saying_published_and_shows_the_comment(article, browser):
    response = browser.post(post_url(article), form_data(article, body="Hello <b>world</b>\r\n{{ 7*7 }}"))
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?posted=published#comment-status"
    comment = Comment.objects.get()
    assert comment.body == "Hello <b>world</b>\n{{ 7*7 }}" and comment.status == "published"
    assert comment.signals["honeypot"] is False and comment.signals["seconds_to_submit"] >= 29
    html = browser.get(response["Location"]).content.decode()
    assert "your comment is published" in html and "1 comment" in html
    assert "Hello &lt;b&gt;world&lt;/b&gt;<br>{{ 7*7 }}" in html
    assert "edit your comment" in html and f"/comments/{comment.pk}/edit/?secret=" in html


def test_held_comment_says_awaiting_moderation(article, browser):
    ModerationPolicy.objects.create(article=article, mode="pre_all")
    response = browser.post(post_url(article), form_data(article), follow=True)
    assert "awaiting moderation" in response.content.decode()
    assert "Posted through" not in response.content.decode().split("comment-list")[-1]


def test_errors_rerender_the_article_page_with_the_input_kept(article, browser):
    response = browser.post(post_url(article), form_data(article, author_name="", body="Keep this <text> 你好"))
    html = response.content.decode()
    assert response.status_code == 400
    assert article.headline in html and ("Please give a name." in html or "This field is required." in html)
    assert "Keep this &lt;text&gt; 你好</textarea>" in html
    assert not Comment.objects.exists()


def test_banned_word_error_is_shown_on_the_form(article, browser):
    WordRule.objects.create(kind="banned", word="frobnicate")
    response = browser.post(post_url(article), form_data(article, body="so frobnicate"))
    assert response.status_code == 400 and "is not allowed" in response.content.decode()


def test_rate_limit_rerenders_with_429_and_retry_after(article, browser, settings):
    settings.NEWSPORTAL_RATE_LIMIT_CLIENT = "1/60"
    browser.post(post_url(article), form_data(article, body="first"))
    response = browser.post(post_url(article), form_data(article, body="second"))
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "Too many comments" in response.content.decode()


def test_filled_honeypot_is_held_silently(article, browser):
    response = browser.post(post_url(article), form_data(article, website="http://spam.example"))
    assert response["Location"].endswith("?posted=held#comment-status")
    assert Comment.objects.get().hold_reasons == ["honeypot"]


def test_fast_submit_is_held_not_rejected(article, browser, settings):
    settings.NEWSPORTAL_FORM_MIN_SECONDS = 3
    response = browser.post(post_url(article), form_data(article, form_token=forms.form_token(article.pk)))
    assert response.status_code == 302 and Comment.objects.get().hold_reasons == ["too_fast"]


@pytest.mark.parametrize("token", ["garbage", "EXPIRED", "OTHER-ARTICLE"])
def test_expired_or_altered_token_asks_to_resubmit_keeping_input(article, browser, token):
    if token == "EXPIRED":
        token = forms.form_token(article.pk, now=time.time() - 2 * 24 * 3600)
    elif token == "OTHER-ARTICLE":
        token = forms.form_token(article.pk + 1000, now=time.time() - 30)
    response = browser.post(post_url(article), form_data(article, body="my careful words", form_token=token))
    html = response.content.decode()
    assert response.status_code == 400 and "send it again" in html and "my careful words</textarea>" in html
    resubmit = browser.post(post_url(article), form_data(article, body="my careful words"))
    assert resubmit.status_code == 302


def test_cross_site_guest_post_is_refused(article, browser):
    response = browser.post(post_url(article), form_data(article), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403 and not Comment.objects.exists()
    response = browser.post(post_url(article), form_data(article), HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    same = browser.post(post_url(article), form_data(article), HTTP_ORIGIN="http://testserver")
    assert same.status_code == 302


def test_signed_in_reader_posts_without_name_and_csrf_protects_them(article):
    user = get_user_model().objects.create_user("gina", password="pw-gina-1234")
    reader = Client(enforce_csrf_checks=True, REMOTE_ADDR=new_client().ip)
    reader.force_login(user)
    page = reader.get(article.get_absolute_url())
    assert "Cookie" in page["Vary"]  # a shared cache never serves this page (and its token) to anyone else
    html = page.content.decode()
    assert 'name="author_name"' not in html and "Commenting as <strong>gina</strong>" in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    forged = reader.post(post_url(article), form_data(article, body="forged"))
    assert forged.status_code == 403 and not Comment.objects.exists()
    assert "send it again" in forged.content.decode()

    ok = reader.post(post_url(article), {**form_data(article, body="mine"), "csrfmiddlewaretoken": token})
    assert ok.status_code == 302
    comment = Comment.objects.get()
    assert comment.user == user and comment.author_name == "gina"


def test_reply_link_prefills_parent_and_reply_is_threaded(article, browser):
    root = comment_create(article=article, body="root", client=new_client(), author_name="Root").comment
    html = browser.get(f"{article.get_absolute_url()}?reply_to={root.pk}").content.decode()
    assert "Replying to Root" in html and f'name="parent" value="{root.pk}"' in html
    browser.post(post_url(article), form_data(article, body="a reply", parent=root.pk))
    reply = Comment.objects.get(body="a reply")
    assert reply.parent == root and reply.status == "published"


def test_comment_block_paging_sorting_more_replies_and_tombstone(article, browser, settings):
    settings.NEWSPORTAL_COMMENTS_PER_PAGE = 2
    roots = [CommentFactory(article=article, body=f"root {i}") for i in range(3)]
    for i in range(5):
        CommentFactory(parent=roots[0], body=f"reply {i}")
    comment_transition(comment=roots[1], to_status="deleted", action=None)
    CommentFactory(parent=roots[1], body="reply under deleted")
    html = browser.get(article.get_absolute_url()).content.decode()
    assert "root 0" in html and "[deleted]" in html and "root 2" not in html
    assert "reply 2" in html and "reply 3" not in html and "(2 more)" in html
    assert f"/comments/{roots[0].pk}/replies/" in html
    assert "?sort=oldest&amp;cpage=2#comments" in html and "?sort=newest#comments" in html
    page2 = browser.get(f"{article.get_absolute_url()}?cpage=2").content.decode()
    assert "root 2" in page2 and "root 0" not in page2
    replies = browser.get(f"/comments/{roots[0].pk}/replies/").content.decode()
    assert all(f"reply {i}" in replies for i in range(5))


def test_closed_article_says_so_and_has_no_form(article, browser):
    ModerationPolicy.objects.create(article=article, comments_closed=True)
    html = browser.get(article.get_absolute_url()).content.decode()
    assert "Comments are closed" in html and 'id="comment-form"' not in html
    response = browser.post(post_url(article), form_data(article))
    assert response.status_code == 403 and not Comment.objects.exists()


def test_report_form_records_one_report_per_reader(article):
    comment = CommentFactory(article=article)
    reader = Client(enforce_csrf_checks=True, REMOTE_ADDR="127.30.0.1")
    html = reader.get(f"/comments/{comment.pk}/report/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert reader.post(f"/comments/{comment.pk}/report/", {"reason": "spam"}).status_code == 403  # no CSRF token
    data = {"reason": "abuse", "note": "rude", "csrfmiddlewaretoken": token}
    done = reader.post(f"/comments/{comment.pk}/report/", data, follow=True)
    assert "your report was received" in done.content.decode()
    again = reader.post(f"/comments/{comment.pk}/report/", data)
    assert again.status_code == 409 and "already reported" in again.content.decode()
    assert Flag.objects.count() == 1


def test_guest_edits_and_deletes_through_the_pages_with_the_session_secret(article, browser):
    browser.post(post_url(article), form_data(article, body="first draft"))
    comment = Comment.objects.get()
    html = browser.get(article.get_absolute_url()).content.decode()
    assert f"/comments/{comment.pk}/edit/" in html and f"/comments/{comment.pk}/delete/" in html
    edited = browser.post(f"/comments/{comment.pk}/edit/", {"body": "second draft"})
    assert edited.status_code == 302
    assert Comment.objects.get().body == "second draft"
    stranger = Client(REMOTE_ADDR="127.30.0.2")
    assert stranger.get(f"/comments/{comment.pk}/edit/").status_code == 403
    assert stranger.post(f"/comments/{comment.pk}/delete/").status_code == 403
    assert browser.post(f"/comments/{comment.pk}/delete/").status_code == 302
    assert Comment.objects.get().status == "deleted"


def test_private_edit_link_works_in_another_browser(article):
    posted = comment_create(article=article, body="from my phone", client=new_client(), author_name="G")
    other = Client()
    page = other.get(f"/comments/{posted.comment.pk}/edit/?secret={posted.secret}")
    assert page.status_code == 200 and "from my phone</textarea>" in page.content.decode()
    assert other.post(f"/comments/{posted.comment.pk}/edit/", {"body": "edited"}).status_code == 302
    assert Comment.objects.get().body == "edited"


def test_thread_list_is_cached_for_anonymous_readers_and_follows_every_change(
    article, browser, django_capture_on_commit_callbacks
):
    def say(body, **kwargs):  # scoring is another app's business here: posts stay where posting put them
        with mock.patch("comments.tasks.score_comment.delay"), django_capture_on_commit_callbacks(execute=True):
            return comment_create(article=article, body=body, client=new_client(), author_name="A", **kwargs)

    posted = say("first text")
    assert "first text" in browser.get(article.get_absolute_url()).content.decode()

    # when: another post (the count moves), an edit (no count moves), a policy change
    say("second text")
    assert "second text" in browser.get(article.get_absolute_url()).content.decode()
    with mock.patch("comments.tasks.score_comment.delay"), django_capture_on_commit_callbacks(execute=True):
        comment_edit(comment=posted.comment, body="edited text", secret=posted.secret)
    html = browser.get(article.get_absolute_url()).content.decode()
    assert "edited text" in html and "first text" not in html
    ModerationPolicy.objects.create(article=article, comments_closed=True)
    assert "Comments are closed" in browser.get(article.get_absolute_url()).content.decode()


def test_a_warm_article_page_reads_no_comments(article, browser):
    for i in range(5):
        CommentFactory(article=article, body=f"cached {i}")
    browser.get(article.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        html = browser.get(article.get_absolute_url()).content.decode()
    assert "cached 4" in html
    assert not [q for q in queries.captured_queries if 'FROM "comments_' in q["sql"]]


def test_rate_limit_sees_the_real_client_behind_trusted_proxies(article, settings):
    settings.NEWSPORTAL_TRUSTED_PROXIES = 1
    settings.NEWSPORTAL_RATE_LIMIT_CLIENT = "2/60"
    proxy = Client(REMOTE_ADDR="10.0.0.1")  # the reverse proxy appends the address it saw last

    def send(forged: str, real: str, body: str) -> int:
        xff = f"{forged}, {real}"
        return proxy.post(post_url(article), form_data(article, body=body), HTTP_X_FORWARDED_FOR=xff).status_code

    assert send("1.1.1.1", "203.0.113.7", "one") == 302
    assert send("2.2.2.2", "203.0.113.7", "two") == 302
    assert send("3.3.3.3", "203.0.113.7", "three") == 429  # rotating the client-chosen part changes nothing
    assert send("3.3.3.3", "198.51.100.9", "another reader") == 302
