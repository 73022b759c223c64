"""A reader's own comment: edit or delete it within NEWSPORTAL_EDIT_WINDOW_MINUTES of posting.

The author is the signed-in user who posted it, or whoever holds the guest's edit secret. An edit is moderated
again: the new text passes the word gates, and it stays (or becomes) published only when the policy would
publish it as a new comment and no gate asks to hold it; otherwise it goes back to pending. Either way it is
scored again after commit.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comments import text
from comments.models import Comment, ModerationDecision
from comments.services.lifecycle import comment_transition
from comments.services.posting import (
    check_banned_words,
    enqueue_scoring_on_commit,
    hold_reasons_for_text,
    policy_decision,
    secret_matches,
    validate_body,
    word_patterns,
)
from newsportal.errors import ApplicationError

EDITABLE = {Comment.Status.PENDING, Comment.Status.PUBLISHED}


def is_author(comment: Comment, *, user=None, secret: str | None = None) -> bool:
    if user is not None and user.is_authenticated and comment.user_id is not None:
        return comment.user_id == user.pk
    return comment.user_id is None and secret_matches(comment, secret)


def edit_window_open(comment: Comment, *, now=None) -> bool:
    window = timedelta(minutes=settings.NEWSPORTAL_EDIT_WINDOW_MINUTES)
    return (now or timezone.now()) <= comment.created_at + window


def can_change(comment: Comment, *, user=None, secret: str | None = None) -> bool:
    """True when this reader may still edit or delete the comment (author, window open, not already removed)."""
    return comment.status in EDITABLE and edit_window_open(comment) and is_author(comment, user=user, secret=secret)


def _check_may_change(comment: Comment, *, user, secret: str | None) -> None:
    if not is_author(comment, user=user, secret=secret):
        raise ApplicationError("Only the author can change this comment.", code="forbidden", status=403)
    if comment.status not in EDITABLE:
        raise ApplicationError("This comment can no longer be changed.", code="not_editable", status=409)
    if not edit_window_open(comment):
        minutes = settings.NEWSPORTAL_EDIT_WINDOW_MINUTES
        raise ApplicationError(
            f"Comments can be changed for {minutes} minutes after posting.", code="edit_window_closed", status=403
        )


def comment_edit(*, comment: Comment, body: str, user=None, secret: str | None = None, request_id: str = "") -> Comment:
    """Replace the text of the author's own comment and moderate it again (see the module docstring)."""
    _check_may_change(comment, user=user, secret=secret)
    body = text.normalise_body(body)
    validate_body(body)
    patterns = word_patterns()
    check_banned_words(body, patterns=patterns)
    author = user if user is not None and user.is_authenticated else None
    decision = policy_decision(
        article=comment.article,
        body=body,
        user=author,
        email=comment.author_email,
        hold_reasons=hold_reasons_for_text(body, patterns=patterns),
    )
    with transaction.atomic():
        result = comment_transition(
            comment=comment,
            to_status=decision.status,
            action=ModerationDecision.Action.EDIT,
            actor=author,
            reason="edited_by_author",
            request_id=request_id,
            reviewed=False,
            extra_fields={
                "body": body,
                "body_hash": text.fingerprint(body),
                "edited_at": timezone.now(),
                "hold_reasons": decision.reasons,
                "reviewed_at": None,
                "reviewed_by": None,
                "spam_score": None,
                "spam_reasons": [],
                "scored_at": None,
            },
        )
        enqueue_scoring_on_commit(comment.pk)
    return result.comment


def comment_delete(*, comment: Comment, user=None, secret: str | None = None, request_id: str = "") -> Comment:
    """Delete the author's own comment (status "deleted"; with published replies it shows as a tombstone)."""
    _check_may_change(comment, user=user, secret=secret)
    author = user if user is not None and user.is_authenticated else None
    result = comment_transition(
        comment=comment,
        to_status=Comment.Status.DELETED,
        action=ModerationDecision.Action.DELETE,
        actor=author,
        reason="deleted_by_author",
        request_id=request_id,
        reviewed=False,
    )
    return result.comment
