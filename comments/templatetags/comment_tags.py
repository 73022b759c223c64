"""`{% comment_block article request %}` (the "Leave your comment" block) and `|comment_text` (the one way
comment text becomes HTML)."""

import functools

from django import template
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.safestring import mark_safe

from comments import caching, forms, selectors, text
from comments.models import BODY_MAX_LENGTH, NAME_MAX_LENGTH, Comment
from comments.services.editing import EDITABLE, edit_window_open

register = template.Library()

SORTS = [("oldest", "Oldest"), ("newest", "Newest"), ("replies", "Most replies")]

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


@functools.cache
def _comments_css() -> str:
    return static("comments/comments.css")


def _own_secrets(request) -> dict:
    session = getattr(request, "session", None)
    return session.get("comment_secrets", {}) if session is not None else {}


def _editable_ids(request, comments: list[Comment]) -> set[int]:
    """Comments on this page that this reader may still edit or delete (their own, within the window)."""
    user, own_secrets = request.user, _own_secrets(request)
    return {
        c.pk
        for c in comments
        if c.status in EDITABLE
        and edit_window_open(c)
        and ((user.is_authenticated and c.user_id == user.pk) or (c.user_id is None and str(c.pk) in own_secrets))
    }


def _thread(article, request, *, closed: bool) -> str:
    """The sort links, the page of comments and the paging links; cached for visitors who own no comment."""
    sort, number = request.GET.get("sort", selectors.DEFAULT_SORT), _int(request.GET.get("cpage"))
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT

    def render(editable: bool = False) -> str:
        page = selectors.comment_list_public(article=article, sort=sort, page=number)
        shown = [c for root in page.comments for c in [root, *root.first_replies]]
        context = {
            "article": article,
            "page": page,
            "sorts": SORTS,
            "closed_reason": closed,
            "editable_ids": _editable_ids(request, shown) if editable else set(),
        }
        return render_to_string("comments/_thread.html", context)

    if request.user.is_authenticated or _own_secrets(request):
        return render(editable=True)
    return caching.thread_html(article=article, sort=sort, page=number, closed=closed, render=render)


def comment_block_context(article, request) -> dict:
    effective = caching.policy_cached(article, lambda: selectors.policy_for_article(article))
    closed = selectors.article_closed_reason(article, effective=effective)
    reply_to = None
    if not closed and request.GET.get("reply_to"):
        reply_to = selectors.comment_get_visible(comment_id=_int(request.GET["reply_to"], 0))
        if reply_to is not None and (reply_to.article_id != article.pk or reply_to.status != "published"):
            reply_to = None
    form = getattr(request, "comment_form", None)
    if form is None and not closed:
        initial = {"form_token": forms.form_token(article.pk), "parent": reply_to.pk if reply_to else None}
        form = forms.CommentForm(initial=initial, user=request.user)
    return {
        "article": article,
        "comment_count": article.comment_count,
        "closed_reason": closed,
        "form": form,
        "reply_to": reply_to,
        "posted_message": POSTED_MESSAGES.get(request.GET.get("posted", "")),
        "comment_messages": [m for m in get_messages(request) if "comment-" in m.tags],
        "user": request.user,
        "pre_moderated": effective.mode != "post",
        "name_max": NAME_MAX_LENGTH,
        "body_max": BODY_MAX_LENGTH,
        "comments_css": _comments_css(),
        "thread": mark_safe(_thread(article, request, closed=bool(closed))),  # noqa: S308 - a rendered template
    }


@register.simple_tag
def comment_block(article, request) -> str:
    return render_to_string("comments/_block.html", comment_block_context(article, request), request=request)
