"""Reader reports: one per reader per comment; enough open reports put a published comment in the "reported" queue.

The comment stays published while reported; the moderation helper's "reported" queue selects published comments
with flag_count >= NEWSPORTAL_REPORTS_THRESHOLD (or unresolved flags). Crossing the threshold is audited once,
as a ModerationDecision with action "report" by the system.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from comments.models import Comment, Flag, ModerationDecision
from newsportal.errors import ApplicationError
from newsportal.http import ClientInfo, salted_hash

NOTE_MAX_LENGTH = 500


def reporter_key(*, user=None, client: ClientInfo) -> str:
    """A signed-in reader is their user id; a guest is a salted hash of IP and user agent (no raw data kept)."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "guest:" + salted_hash(f"{client.ip}|{client.user_agent}")


def flag_create(*, comment: Comment, reason: str, note: str = "", user=None, client: ClientInfo) -> Flag:
    """Record a reader's report and count it in the same transaction. Raises ApplicationError: "invalid" (400),
    "not_found" (404, comment not published), "already_reported" (409, this reader reported it before)."""
    if reason not in Flag.Reason.values:
        message = f"Choose a reason: {', '.join(Flag.Reason.values)}."
        raise ApplicationError(message, code="invalid", status=400, errors={"reason": [message]})
    if len(note) > NOTE_MAX_LENGTH or "\x00" in note:
        message = f"A note may have at most {NOTE_MAX_LENGTH} characters, without NUL."
        raise ApplicationError(message, code="invalid", status=400, errors={"note": [message]})
    user = user if user is not None and user.is_authenticated else None
    key = reporter_key(user=user, client=client)
    with transaction.atomic():
        # The row lock serialises reports on one comment, so exactly one report crosses the threshold.
        locked = Comment.objects.select_for_update().filter(pk=comment.pk, status=Comment.Status.PUBLISHED).first()
        if locked is None:
            raise ApplicationError("No such comment.", code="not_found", status=404)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(comment=locked, reason=reason, note=note, user=user, reporter_key=key)
        except IntegrityError as exc:
            raise ApplicationError(
                "You have already reported this comment.", code="already_reported", status=409
            ) from exc
        Comment.objects.filter(pk=locked.pk).update(flag_count=F("flag_count") + 1)
        threshold = settings.NEWSPORTAL_REPORTS_THRESHOLD
        if locked.flag_count < threshold <= locked.flag_count + 1:
            ModerationDecision.objects.create(
                comment=locked,
                actor=None,
                action=ModerationDecision.Action.REPORT,
                reason="reports_threshold",
                note=f"{threshold} open reader reports",
                status_before=locked.status,
                status_after=locked.status,
            )
    return flag
