import csv
import io
import re

import pytest
from django.core.cache import cache
from django.test import Client

from comments.models import Ban, Comment, ModerationDecision, WordRule
from comments.moderation.csv_export import safe_cell
from tests.factories import CommentFactory, UserFactory, make_moderator, report

pytestmark = pytest.mark.django_db
P = Comment.Status


@pytest.fixture
def mod():
    return make_moderator()


@pytest.fixture
def mod_client(mod):
    client = Client()
    client.force_login(mod)
    return client


def test_queue_page_shows_why_each_card_is_there(mod_client):
    parent = CommentFactory(status=P.PUBLISHED, body="The parent says hello.")
    comment = CommentFactory(
        article=parent.article,
        parent=parent,
        body="<script>alert(1)</script> {{ 7*7 }}\nsecond line",
        spam_score=0.73,
        spam_reasons=[{"code": "links", "detail": "3 links"}],
        hold_reasons=["suspect word: casino"],
        author_email="guest@example.org",
        status=P.PENDING,
    )
    report(comment, 1, note="an advert")
    CommentFactory(author_email="guest@example.org", status=P.SPAM)

    html = mod_client.get("/moderation/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}<br>second line" in html
    assert "<script>alert(1)" not in html
    assert "suspect word: casino" in html
    assert "0.73" in html and "links: 3 links" in html
    assert "an advert" in html
    assert "The parent says hello." in html
    assert re.search(r"published 0 · rejected 0 · spam 1 · pending 1", html)
    assert comment.article.headline in html


def test_card_escapes_every_field_and_its_form_carries_a_working_csrf_token(mod):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mod)
    comment = CommentFactory(user=UserFactory(username="<b>u</b>"), author_name="A & <B>", status=P.PENDING)
    report(comment, 1, note="<i>rude</i>")

    html = client.get("/moderation/").content.decode()
    card = html[html.index(f'id="card-{comment.pk}"') :]
    card = card[: card.index("</article>")]

    assert "A &amp; &lt;B&gt; (user &lt;b&gt;u&lt;/b&gt;)" in card
    assert "Reports (1)" in card and ": &lt;i&gt;rude&lt;/i&gt;" in card and "<i>" not in card
    assert 'value="approve"' in card and "Back to pending" not in card  # a pending card's buttons
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1)
    decided = client.post(
        f"/moderation/comments/{comment.pk}/decide/", {"action": "approve", "csrfmiddlewaretoken": token}
    )
    assert decided.status_code == 303
    comment.refresh_from_db()
    assert comment.status == P.PUBLISHED


def test_pages_have_no_inline_scripts_styles_or_handlers(mod_client):
    CommentFactory(status=P.PENDING)
    for url in (
        "/moderation/",
        "/moderation/audit/",
        "/moderation/words/",
        "/moderation/bans/",
        "/moderation/figures/",
    ):
        html = mod_client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), url


def test_keyboard_script_is_served(mod_client):
    html = mod_client.get("/moderation/").content.decode()
    src = re.search(r'<script src="([^"]+moderation\.js)"', html).group(1)

    response = Client().get(src)

    assert response.status_code == 200
    js = b"".join(response.streaming_content) if response.streaming else response.content
    assert b'case "j"' in js and b'case "a"' in js and b'case "x"' in js


def test_opening_the_pending_page_leases_its_cards(mod, mod_client):
    comment = CommentFactory(status=P.PENDING)
    other = make_moderator("other")
    other_client = Client()
    other_client.force_login(other)

    mod_client.get("/moderation/")

    comment.refresh_from_db()
    assert comment.leased_by == mod
    assert f'id="card-{comment.pk}"' not in other_client.get("/moderation/").content.decode()


def test_decide_without_javascript_redirects_back(mod_client):
    comment = CommentFactory(status=P.PENDING)

    response = mod_client.post(
        f"/moderation/comments/{comment.pk}/decide/", {"action": "approve", "next": "/moderation/"}
    )

    assert response.status_code == 303 and response["Location"] == "/moderation/"
    comment.refresh_from_db()
    assert comment.status == P.PUBLISHED


def test_decide_answers_json_with_counts_for_the_script(mod_client):
    comment = CommentFactory(status=P.PENDING)
    CommentFactory(status=P.PENDING)

    response = mod_client.post(
        f"/moderation/comments/{comment.pk}/decide/",
        {"action": "reject", "reason": "abuse"},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 200
    assert response.json()["queues"]["pending"] == 1 and response.json()["queues"]["rejected"] == 1
    assert ModerationDecision.objects.get(comment=comment).reason == "abuse"


def test_next_must_stay_on_this_site(mod_client):
    comment = CommentFactory(status=P.PENDING)
    response = mod_client.post(
        f"/moderation/comments/{comment.pk}/decide/", {"action": "spam", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/moderation/"


def test_bulk_then_undo_through_the_pages(mod_client):
    comments = CommentFactory.create_batch(3, status=P.PENDING)
    ids = [c.pk for c in comments]

    mod_client.post("/moderation/bulk/", {"ids": ids, "action": "spam", "next": "/moderation/"})
    assert set(Comment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {P.SPAM}
    page = mod_client.get("/moderation/").content.decode()
    assert "Undo" in page

    mod_client.post("/moderation/undo/", {"next": "/moderation/"})

    assert set(Comment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {P.PENDING}
    assert ModerationDecision.objects.filter(action="restore").count() == 3


def test_counts_endpoint_reports_new_pending(mod_client):
    first = CommentFactory(status=P.PENDING)
    CommentFactory.create_batch(2, status=P.PENDING)

    start = mod_client.get("/moderation/counts/").json()
    data = mod_client.get(f"/moderation/counts/?since={first.pk}").json()

    assert start["newest"] == Comment.objects.latest("pk").pk
    assert data["queues"]["pending"] == 3 and data["new"] == 2


def test_audit_csv_is_safe_against_spreadsheet_formulas(mod, mod_client):
    comment = CommentFactory(status=P.PENDING)
    ModerationDecision.objects.create(
        comment=comment,
        actor=mod,
        action="reject",
        reason="other",
        note='=HYPERLINK("http://x","y")',
        status_before="pending",
        status_after="rejected",
        request_id="@req",
    )

    response = mod_client.get("/moderation/audit.csv")

    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["time", "moderator", "action"]
    assert rows[1][4] == '\'=HYPERLINK("http://x","y")'
    assert rows[1][8] == "'@req"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_prefixes_formula_starts(cell):
    assert safe_cell(cell) == "'" + cell
    assert safe_cell("plain") == "plain"


def test_audit_page_filters_and_has_no_edit_or_delete(mod, mod_client):
    CommentFactory(status=P.PENDING)
    a, b = CommentFactory(status=P.PENDING), CommentFactory(status=P.PENDING)
    mod_client.post(f"/moderation/comments/{a.pk}/decide/", {"action": "approve"})
    mod_client.post(f"/moderation/comments/{b.pk}/decide/", {"action": "spam"})

    html = mod_client.get("/moderation/audit/?action=spam").content.decode()

    assert f"#{b.pk}" in html and f"#{a.pk}" not in html
    post_targets = re.findall(r'<form method="post" action="([^"]+)"', html)
    assert post_targets == ["/moderation/logout/"]  # nothing on the page can change or remove a row


def test_ban_from_a_card_and_lift(mod_client):
    user = UserFactory()
    comment = CommentFactory(user=user, status=P.PENDING)
    CommentFactory(user=user, status=P.PENDING)

    assert mod_client.get(f"/moderation/comments/{comment.pk}/ban/").status_code == 200
    mod_client.post(
        f"/moderation/comments/{comment.pk}/ban/", {"kind": "user", "reason": "troll", "reject_pending": "on"}
    )

    ban = Ban.objects.get()
    assert ban.value == str(user.pk)
    assert set(Comment.objects.filter(user=user).values_list("status", flat=True)) == {P.REJECTED}
    mod_client.post(f"/moderation/bans/{ban.pk}/lift/")
    ban.refresh_from_db()
    assert ban.expires_at is not None


def test_word_lists_page_adds_and_removes(mod_client):
    mod_client.post("/moderation/words/", {"kind": "banned", "word": "Scam"})
    rule = WordRule.objects.get()
    assert rule.word == "scam"
    assert "scam" in mod_client.get("/moderation/words/").content.decode()

    mod_client.post(f"/moderation/words/{rule.pk}/remove/")

    assert not WordRule.objects.exists()


def test_figures_page_shows_numbers_and_svg_charts(mod_client):
    comment = CommentFactory(hold_reasons=["new commenter"], status=P.PENDING)
    mod_client.post(f"/moderation/comments/{comment.pk}/decide/", {"action": "approve"})
    CommentFactory(status=P.PENDING)

    html = mod_client.get("/moderation/figures/").content.decode()

    assert "<svg" in html and "<rect" in html
    assert "Median time from posting to decision" in html
    assert "mod" in html  # decisions per moderator


def test_login_is_throttled_after_repeated_failures(settings):
    settings.NEWSPORTAL_LOGIN_MAX_FAILURES = 3
    cache.clear()
    make_moderator("guarded")
    client = Client()
    for _ in range(3):
        assert client.post("/moderation/login/", {"username": "guarded", "password": "wrong"}).status_code == 200

    blocked = client.post("/moderation/login/", {"username": "guarded", "password": "pw-for-tests-1"})

    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    other = Client().post("/moderation/login/", {"username": "someone", "password": "x"})
    assert other.status_code == 200  # another username from the same client is not blocked
    cache.clear()


def test_login_lets_a_moderator_in():
    cache.clear()
    make_moderator("door")
    client = Client()

    response = client.post(
        "/moderation/login/", {"username": "door", "password": "pw-for-tests-1", "next": "/moderation/"}
    )

    assert response.status_code == 302 and response["Location"] == "/moderation/"
    assert client.get("/moderation/").status_code == 200


def test_queue_page_filters_by_section_and_text(mod_client):
    cache.clear()  # the sections menu is cached for a minute
    mine = CommentFactory(body="About the harbour.", status=P.PENDING)
    other = CommentFactory(body="About the harbour too.", status=P.PENDING)

    by_section = mod_client.get(f"/moderation/?section={mine.article.section_id}").content.decode()
    by_text = mod_client.get("/moderation/?q=TOO").content.decode()

    assert f'id="card-{mine.pk}"' in by_section and f'id="card-{other.pk}"' not in by_section
    assert f'id="card-{other.pk}"' in by_text and f'id="card-{mine.pk}"' not in by_text
    assert f'<option value="{mine.article.section_id}" selected>' in by_section
    too_short = mod_client.get("/moderation/?q=to").content.decode()
    assert "Ensure this value has at least 3 characters" in too_short
