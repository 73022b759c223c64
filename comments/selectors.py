"""Public reads of comments (what readers see) and the effective moderation policy of an article.

A page of comments costs two queries whatever the article's size: one for the page of top-level comments, one
for the first replies of all of them together (a window function numbers each thread's replies in path order).
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from articles.models import Article, Section
from comments import policy
from comments.models import Comment, ModerationPolicy

SORTS = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    "replies": ("-reply_count", "created_at", "id"),
}
DEFAULT_SORT = "oldest"
REPLIES_PER_PAGE = 50

# Shown: published comments, and deleted ones that still have published replies (as a "[deleted]" tombstone).
VISIBLE = Q(status=Comment.Status.PUBLISHED) | Q(status=Comment.Status.DELETED, reply_count__gt=0)


# The article's own policy, else the one of the nearest section up its chain of parents: one statement (a
# recursive walk up the sections; SQLite and PostgreSQL alike). MAX_SECTION_DEPTH bounds a corrupt cycle.
# Parameters: the article's section id, then the article id. Posting on PostgreSQL reads the same two parts
# inside its own lookup statement (comments.services.posting).
MAX_SECTION_DEPTH = 32
_SECTION_CHAIN = """chain (id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM {section} WHERE id = {start}
    UNION ALL
    SELECT s.id, s.parent_id, chain.depth + 1 FROM {section} s JOIN chain ON s.id = chain.parent_id
    WHERE chain.depth < {max_depth}
)"""
_NEAREST_POLICY = """SELECT p.* FROM {policy} p LEFT JOIN chain ON p.section_id = chain.id
WHERE p.article_id = %s OR chain.id IS NOT NULL
ORDER BY CASE WHEN p.article_id IS NULL THEN 1 ELSE 0 END, chain.depth
LIMIT 1"""


def policy_sql(start: str = "%s") -> tuple[str, str]:
    """(the recursive CTE `chain` of the article's section and its ancestors, the query of the nearest policy
    over it); together they take (section id, article id). `start`: the SQL of the section id, a parameter by
    default."""
    quote = connection.ops.quote_name
    chain = _SECTION_CHAIN.format(section=quote(Section._meta.db_table), start=start, max_depth=MAX_SECTION_DEPTH)
    return chain, _NEAREST_POLICY.format(policy=quote(ModerationPolicy._meta.db_table))


@cache
def default_policy() -> ModerationPolicy:
    """Where no section up the chain has a policy: post-moderation (an unsaved default, one per process: read
    it, never change it)."""
    return ModerationPolicy(mode=ModerationPolicy.Mode.POST)


def policy_for_article(article: Article) -> ModerationPolicy:
    """The article's own policy, else the nearest section ancestor's, else post-moderation (an unsaved default).

    One query: posting reads it on every comment, so it must not cost a query per section level."""
    chain, nearest = policy_sql()
    for found in ModerationPolicy.objects.raw(
        f"WITH RECURSIVE {chain}\n{nearest}", [article.section_id or 0, article.pk]
    ):
        return found
    return default_policy()


def article_closed_reason(article: Article, *, now=None, effective: ModerationPolicy | None = None) -> str | None:
    """A sentence telling the reader why comments are closed, or None while they are open."""
    effective = effective or policy_for_article(article)
    return policy.closed_reason(
        now=now or timezone.now(),
        article_published_at=article.published_at,
        article_comments_open=article.comments_open,
        article_close_at=article.comments_close_at,
        policy_closed=effective.comments_closed,
        auto_close_days=effective.auto_close_days,
    )


@dataclass(frozen=True)
class CommentPage:
    """One page of top-level comments; each root carries `.first_replies` (list) and `.more_replies` (int)."""

    comments: list[Comment]
    number: int
    per_page: int
    has_next: bool
    sort: str

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _visible(qs):
    return qs.filter(VISIBLE).select_related("user")


def comment_list_public(
    *,
    article: Article,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    per_page: int | None = None,
    replies: int | None = None,
) -> CommentPage:
    """Top-level visible comments of `article` (page `page`, sorted), each with its first `replies` replies of
    any depth in thread order and the number of further replies. Two queries."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    per_page = per_page or settings.NEWSPORTAL_COMMENTS_PER_PAGE
    replies = settings.NEWSPORTAL_REPLIES_PREVIEW if replies is None else replies
    page = max(1, page)
    offset = (page - 1) * per_page
    roots = list(
        _visible(Comment.objects.filter(article=article, parent__isnull=True)).order_by(*SORTS[sort])[
            offset : offset + per_page + 1
        ]
    )
    has_next = len(roots) > per_page
    roots = roots[:per_page]
    for root in roots:
        root.first_replies, root.more_replies = [], 0
    if roots and replies > 0:
        by_root = {root.pk: root for root in roots}
        numbered = _visible(Comment.objects.filter(root_id__in=by_root)).annotate(
            position=Window(RowNumber(), partition_by=[F("root_id")], order_by=[F("path").asc()]),
            in_thread=Window(Count("id"), partition_by=[F("root_id")]),
        )
        for reply in numbered.filter(position__lte=replies).order_by("root_id", "path"):
            root = by_root[reply.root_id]
            reply.indent = min(reply.depth, 5)
            root.first_replies.append(reply)
            root.more_replies = reply.in_thread - reply.position
    return CommentPage(comments=roots, number=page, per_page=per_page, has_next=has_next, sort=sort)


def comment_replies(*, comment: Comment, page: int = 1, per_page: int | None = None) -> CommentPage:
    """Every visible reply under `comment` (any depth), in thread order, a page at a time. One query."""
    per_page = per_page or REPLIES_PER_PAGE
    page = max(1, page)
    offset = (page - 1) * per_page
    thread = comment.root_id or comment.pk  # indexed: the thread's rows, then the subtree by path prefix
    descendants = Comment.objects.filter(root_id=thread, path__startswith=comment.path).exclude(pk=comment.pk)
    rows = list(_visible(descendants).order_by("path")[offset : offset + per_page + 1])
    for reply in rows:
        reply.indent = min(reply.depth - comment.depth, 5)
    return CommentPage(
        comments=rows[:per_page], number=page, per_page=per_page, has_next=len(rows) > per_page, sort="thread"
    )


def comment_get_visible(*, comment_id: int) -> Comment | None:
    return _visible(Comment.objects.filter(pk=comment_id)).select_related("article").first()
