"""A moderator works the pending queue with the keyboard in real Chromium: j selects a card, a approves it."""

import pytest

from comments.models import Comment
from tests.factories import CommentFactory, make_moderator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def sign_in(page, live_server):
    page.csp_violations = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_violations.append(msg.text))
    page.goto(live_server.url + "/moderation/")
    page.fill("input[name=username]", "keyboardmod")
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_selector("#tabs")


def test_moderator_approves_with_the_keyboard(live_server, page):
    make_moderator("keyboardmod")
    first = CommentFactory(
        body="Keyboard approval: the interview was thorough.", spam_score=0.9, status=Comment.Status.PENDING
    )
    second = CommentFactory(
        article=first.article, body="Another held comment.", spam_score=0.1, status=Comment.Status.PENDING
    )
    sign_in(page, live_server)
    count = page.locator('[data-count="pending"]')
    assert count.inner_text() == "2"

    page.keyboard.press("j")
    assert page.locator(".card.is-current").get_attribute("data-id") == str(first.pk)
    page.keyboard.press("a")

    page.locator(f"#card-{first.pk}").wait_for(state="detached")
    page.wait_for_function("document.querySelector('[data-count=\"pending\"]').textContent === '1'")
    assert page.locator('[data-count="published"]').inner_text() == "1"
    assert Comment.objects.get(pk=first.pk).status == Comment.Status.PUBLISHED
    assert Comment.objects.get(pk=second.pk).status == Comment.Status.PENDING
    assert page.locator(".card.is-current").get_attribute("data-id") == str(second.pk)
    assert page.script_errors == [] and page.csp_violations == []

    # the approved comment is on the article page for readers
    page.goto(live_server.url + first.article.get_absolute_url())
    assert "Keyboard approval: the interview was thorough." in page.content()
    assert "Another held comment." not in page.content()


def test_select_with_x_and_bulk_reject_then_undo(live_server, page):
    make_moderator("keyboardmod")
    first = CommentFactory(spam_score=0.9, status=Comment.Status.PENDING)
    second = CommentFactory(article=first.article, spam_score=0.1, status=Comment.Status.PENDING)
    sign_in(page, live_server)

    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.click("#bulk-form button[value=reject]")
    page.wait_for_selector("form.undo")

    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.REJECTED}
    page.click("form.undo button")
    page.wait_for_selector("form.undo", state="detached")
    assert {Comment.objects.get(pk=c.pk).status for c in (first, second)} == {Comment.Status.PENDING}
    assert page.script_errors == [] and page.csp_violations == []
