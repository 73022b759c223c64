"""Reads behind the comment API, shaped for speed: one indexed keyset query per page, plain dicts, no models.

Cursor pagination is keyset on (created_at, id), oldest first: a page boundary is a position, not an offset,
so comments published while a client pages never shift or repeat what it has already seen.
"""

import base64
import binascii
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from newsportal.db import fetch_one, instance_from_row, select_columns
from newsportal.models import CommentsVersion

PUBLISHED = Comment.Status.PUBLISHED
ROW_FIELDS = (
    "id",
    "article_id",
    "parent_id",
    "author_name",
    "body",
    "created_at",
    "edited_at",
    "reply_count",
    "status",
)
MAX_ID = 2**63 - 1


def api_datetime(value: datetime) -> str:
    """An aware datetime as the API writes every time: ISO 8601 in the current time zone, UTC as "Z".

    What DRF's DateTimeField().to_representation returns (tests compare the two), without its per-call settings
    and time-zone lookups: every comment of a list page and every POST's answer pass through here.
    """
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass(frozen=True)
class Stamp:
    comment_count: int
    updated_at: datetime
    version: int
    changed_at: datetime | None


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Position:
    created_at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> "Position":
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            stamp, _, pk = raw.partition("|")
            created_at, pk = datetime.fromisoformat(stamp), int(pk)
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise BadCursor("Invalid cursor.") from exc
        if created_at.tzinfo is None or not 0 < pk <= MAX_ID or len(cursor) > 200:
            raise BadCursor("Invalid cursor.")
        return cls(created_at, pk)


def comment_item(row: dict) -> dict:
    """The public shape of one comment (CommentOutputSerializer documents it)."""
    return {
        "id": row["id"],
        "article": row["article_id"],
        "parent": row["parent_id"],
        "author_name": row["author_name"],
        "body": row["body"],
        "created_at": api_datetime(row["created_at"]),
        "edited_at": api_datetime(row["edited_at"]) if row["edited_at"] else None,
        "reply_count": row["reply_count"],
        "status": row["status"],
    }


def comment_item_from(comment: Comment) -> dict:
    return comment_item({field: getattr(comment, field) for field in ROW_FIELDS})


def _stamp_sql() -> str:
    article, version = Article._meta.db_table, CommentsVersion._meta.db_table
    return (
        f"SELECT a.comment_count, a.updated_at, v.version, v.changed_at FROM {article} a "
        f"LEFT JOIN {version} v ON v.article_id = a.id "
        "WHERE a.id = %s AND a.status = %s AND a.published_at <= %s"
    )


def comments_stamp(*, article_id: int) -> Stamp | None:
    """What a comment page of a published article depends on (None: no such article).

    Hand-written SQL: this runs on every list request, and building the ORM query costs ten times the query.
    """
    with connection.cursor() as cursor:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(_stamp_sql(), [article_id, Article.Status.PUBLISHED, now])
        row = cursor.fetchone()
    if row is None:
        return None
    count, updated_at, version, changed_at = row
    return Stamp(
        comment_count=count, updated_at=_aware(updated_at), version=version or 0, changed_at=_aware(changed_at)
    )


def _aware(value):
    """SQLite hands raw queries naive UTC datetimes (or text); PostgreSQL aware ones."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def comment_page_rows(*, article_id: int, parent_id: int | None, after: Position | None, limit: int) -> list[dict]:
    """Up to limit + 1 published comments (top-level, or direct replies of parent_id) after `after`."""
    qs = Comment.objects.filter(article_id=article_id, status=PUBLISHED)
    qs = qs.filter(parent_id=parent_id) if parent_id is not None else qs.filter(parent__isnull=True)
    if after is not None:
        qs = qs.filter(Q(created_at__gt=after.created_at) | Q(created_at=after.created_at, id__gt=after.id))
    return list(qs.order_by("created_at", "id").values(*ROW_FIELDS)[: limit + 1])


# Published articles the POST endpoint has seen, per process: {id: (expires at, article)}. Only to answer 404
# before validating a body and to hand the service an article: comment_create reads the article again in its
# own lookup (comments.services.posting), so a cached copy can never let a comment through to an article that
# was since unpublished, closed or moved (that POST gets the 404 or 403 from the fresh row). Unknown and
# unpublished articles are never cached: a newly published article is found at once.
ARTICLE_CACHE_SECONDS = 30
_ARTICLE_CACHE_MAX = 10_000
_articles: dict[int, tuple[float, Article]] = {}


@cache
def _article_sql() -> str:
    table = connection.ops.quote_name(Article._meta.db_table)
    return f"SELECT {select_columns(Article)} FROM {table} WHERE id = %s"


def published_article(*, article_id: int) -> Article | None:
    """The published article a comment is posted to, or None; possibly up to ARTICLE_CACHE_SECONDS old (above).

    Hand-written and prepared (newsportal.db) when it is read: building the ORM query, or even a raw queryset,
    costs more than running it.
    """
    now = time.monotonic()
    cached = _articles.get(article_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = fetch_one(_article_sql(), [article_id], read_only=True)
    article = instance_from_row(Article, row) if row is not None else None
    if article is None or not article.is_published:
        _articles.pop(article_id, None)
        return None
    if len(_articles) >= _ARTICLE_CACHE_MAX:
        _articles.clear()
    _articles[article_id] = (now + ARTICLE_CACHE_SECONDS, article)
    return article


def published_comment(*, comment_id: int, article_id: int | None = None) -> dict | None:
    qs = Comment.objects.filter(pk=comment_id, status=PUBLISHED)
    if article_id is not None:
        qs = qs.filter(article_id=article_id)
    return qs.values("id", "article_id").first()
