"""A reader's own comment: edit (moderated again) or delete within the window; guests by their secret."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from comments.models import Comment, ModerationDecision, ModerationPolicy, WordRule
from comments.selectors import comment_list_public
from comments.services.editing import comment_delete, comment_edit
from comments.services.posting import comment_create
from newsportal.errors import ApplicationError
from tests.comments.conftest import new_client

pytestmark = pytest.mark.django_db


def guest_post(article, body="Original words.", **kwargs):
    return comment_create(article=article, body=body, client=new_client(), author_name="Guest", **kwargs)


def code_of(fn, **kwargs) -> str:
    with pytest.raises(ApplicationError) as exc:
        fn(**kwargs)
    return exc.value.code


def test_guest_edits_with_secret_and_stays_published_under_post_moderation(article):
    posted = guest_post(article)
    edited = comment_edit(comment=posted.comment, body="Better words.\r\nTwo lines.", secret=posted.secret)
    assert edited.status == Comment.Status.PUBLISHED
    stored = Comment.objects.get(pk=posted.comment.pk)
    assert stored.body == "Better words.\nTwo lines." and stored.edited_at is not None
    assert stored.scored_at is None
    assert ModerationDecision.objects.filter(comment=stored, action="edit").count() == 1
    article.refresh_from_db()
    assert article.comment_count == 1


def test_edit_is_moderated_again_when_the_policy_or_a_gate_says_so(article):
    WordRule.objects.create(kind=WordRule.Kind.SUSPECT, word="casino")
    posted = guest_post(article)
    edited = comment_edit(comment=posted.comment, body="Visit my casino", secret=posted.secret)
    assert edited.status == Comment.Status.PENDING and edited.hold_reasons == ["suspect_word:casino"]
    article.refresh_from_db()
    assert article.comment_count == 0  # it left the published count with the edit

    ModerationPolicy.objects.create(article=article, mode="pre_all")
    other = guest_post(article)
    held = comment_edit(comment=other.comment, body="Innocent change", secret=other.secret)
    assert held.status == Comment.Status.PENDING


def test_banned_word_in_an_edit_is_refused(article):
    WordRule.objects.create(kind=WordRule.Kind.BANNED, word="frobnicate")
    posted = guest_post(article)
    assert code_of(comment_edit, comment=posted.comment, body="frobnicate", secret=posted.secret) == "banned_word"
    assert Comment.objects.get(pk=posted.comment.pk).body == "Original words."


def test_wrong_secret_or_other_user_is_forbidden(article):
    posted = guest_post(article)
    assert code_of(comment_edit, comment=posted.comment, body="x y", secret="guess") == "forbidden"
    assert code_of(comment_delete, comment=posted.comment, secret=None) == "forbidden"
    users = get_user_model().objects
    owner, other = users.create_user("erin", password="pw-erin-1234"), users.create_user("finn", password="pw-fi-1234")
    mine = comment_create(article=article, body="mine", client=new_client(), user=owner).comment
    assert code_of(comment_edit, comment=mine, body="hijack", user=other) == "forbidden"
    assert comment_edit(comment=mine, body="still mine", user=owner).body == "still mine"


def test_window_closes(article, settings):
    settings.NEWSPORTAL_EDIT_WINDOW_MINUTES = 15
    posted = guest_post(article)
    Comment.objects.filter(pk=posted.comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    comment = Comment.objects.get(pk=posted.comment.pk)
    assert code_of(comment_edit, comment=comment, body="late", secret=posted.secret) == "edit_window_closed"
    assert code_of(comment_delete, comment=comment, secret=posted.secret) == "edit_window_closed"


def test_delete_uncounts_and_leaves_a_tombstone_when_replied_to(article):
    posted = guest_post(article)
    comment_create(article=article, body="a reply", client=new_client(), author_name="R", parent=posted.comment)
    comment_delete(comment=posted.comment, secret=posted.secret)
    stored = Comment.objects.get(pk=posted.comment.pk)
    assert stored.status == Comment.Status.DELETED
    assert ModerationDecision.objects.filter(comment=stored, action="delete").exists()
    article.refresh_from_db()
    assert article.comment_count == 1
    listed = comment_list_public(article=article).comments
    assert [c.pk for c in listed] == [stored.pk] and listed[0].status == "deleted"
    assert code_of(comment_edit, comment=stored, body="back", secret=posted.secret) == "not_editable"


def test_deleted_comment_without_replies_disappears(article):
    posted = guest_post(article)
    comment_delete(comment=posted.comment, secret=posted.secret)
    assert comment_list_public(article=article).comments == []
