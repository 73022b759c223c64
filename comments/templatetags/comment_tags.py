"""`{% comment_block article request %}` (the "Leave your comment" block) and `|comment_text` (the one way
comment text becomes HTML)."""

from django import template
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from comments import forms, selectors, text
from comments.models import Comment
from comments.services.editing import EDITABLE, edit_window_open

register = template.Library()

POSTED_MESSAGES = {
    "published": "Thank you: your comment is published.",
    "held": "Thank you: your comment is awaiting moderation and will appear once a moderator approves it.",
    "deleted": "Your comment was deleted.",
}


@register.filter(is_safe=True)
def comment_text(value) -> str:
    """Escape everything, keep line breaks (<p>/<br>), link http(s) URLs with rel="nofollow ugc noopener"."""
    return mark_safe(text.render_html(str(value)))  # noqa: S308 - render_html escapes every character it emits


def _int(value, default: int = 1) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def _editable_ids(request, comments: list[Comment]) -> set[int]:
    """Comments on this page that this reader may still edit or delete (their own, within the window)."""
    user = request.user
    session = getattr(request, "session", None)
    own_secrets = session.get("comment_secrets", {}) if session is not None else {}
    return {
        c.pk
        for c in comments
        if c.status in EDITABLE
        and edit_window_open(c)
        and ((user.is_authenticated and c.user_id == user.pk) or (c.user_id is None and str(c.pk) in own_secrets))
    }


def comment_block_context(article, request) -> dict:
    effective = selectors.policy_for_article(article)
    closed = selectors.article_closed_reason(article, effective=effective)
    page = selectors.comment_list_public(
        article=article, sort=request.GET.get("sort", selectors.DEFAULT_SORT), page=_int(request.GET.get("cpage"))
    )
    reply_to = None
    if not closed and request.GET.get("reply_to"):
        reply_to = selectors.comment_get_visible(comment_id=_int(request.GET["reply_to"], 0))
        if reply_to is not None and (reply_to.article_id != article.pk or reply_to.status != "published"):
            reply_to = None
    form = getattr(request, "comment_form", None)
    if form is None and not closed:
        initial = {"form_token": forms.form_token(article.pk), "parent": reply_to.pk if reply_to else None}
        form = forms.CommentForm(initial=initial, user=request.user)
    shown = [c for root in page.comments for c in [root, *root.first_replies]]
    return {
        "article": article,
        "comment_count": article.comment_count,
        "closed_reason": closed,
        "form": form,
        "page": page,
        "sorts": [("oldest", "Oldest"), ("newest", "Newest"), ("replies", "Most replies")],
        "reply_to": reply_to,
        "posted_message": POSTED_MESSAGES.get(request.GET.get("posted", "")),
        "comment_messages": [m for m in get_messages(request) if "comment-" in m.tags],
        "editable_ids": _editable_ids(request, shown),
        "user": request.user,
        "path": request.path,
        "pre_moderated": effective.mode != "post",
    }


@register.simple_tag
def comment_block(article, request) -> str:
    return render_to_string("comments/_block.html", comment_block_context(article, request), request=request)
