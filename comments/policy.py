"""Moderation policy as pure functions of plain values (no ORM): is an article open, and where does a comment start.

`comments.selectors.policy_for_article` finds the effective ModerationPolicy row; these functions decide.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

POST = "post"
PRE_ALL = "pre_all"
PRE_GUESTS = "pre_guests"
PRE_LINKS = "pre_links"
PRE_NEW = "pre_new"

PUBLISHED = "published"
PENDING = "pending"


def closed_reason(
    *,
    now: datetime,
    article_published_at: datetime,
    article_comments_open: bool,
    article_close_at: datetime | None,
    policy_closed: bool,
    auto_close_days: int | None,
) -> str | None:
    """Why comments are closed on an article (a sentence for the reader), or None when they are open."""
    if policy_closed or not article_comments_open:
        return "Comments are closed for this article."
    if article_close_at is not None and now >= article_close_at:
        return "Comments are closed for this article."
    if auto_close_days is not None and now >= article_published_at + timedelta(days=auto_close_days):
        return f"Comments close {auto_close_days} days after publication; they are closed for this article."
    return None


@dataclass(frozen=True)
class InitialStatus:
    status: str
    reasons: list[str] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED


def initial_status(
    *,
    mode: str,
    is_guest: bool,
    has_links: bool,
    approved_count: int,
    new_commenter_threshold: int,
    hold_reasons: list[str],
) -> InitialStatus:
    """Where a new (or edited) comment starts: published under post-moderation unless a gate asked to hold it;
    pending (with the policy's reason added) under a pre-moderation mode that applies to this author/text."""
    reasons = list(hold_reasons)
    if mode == PRE_ALL:
        reasons.append("policy:pre_all")
    elif mode == PRE_GUESTS and is_guest:
        reasons.append("policy:pre_guests")
    elif mode == PRE_LINKS and has_links:
        reasons.append("policy:pre_links")
    elif mode == PRE_NEW and approved_count < new_commenter_threshold:
        reasons.append("policy:pre_new")
    return InitialStatus(status=PENDING if reasons else PUBLISHED, reasons=reasons)
