"""Moderation queues are selectors over the one `status` field, each served by its own index (see Comment.Meta).

Queues: pending (held; by priority, comments/priority.py), reported (published with at least
NEWSPORTAL_REPORTS_THRESHOLD open reports, default 3), spam (to catch false
positives), unreviewed (published by the system, never seen by a person), rejected, published.

Counts are exact. When the filter is at most a section or an article: on PostgreSQL they are sums of the
counters statement-level triggers keep in the same transaction as every comment write (comments/queue_counts.py):
per section (SectionQueueCount), or per article (QueueCount) when an article is chosen; elsewhere (SQLite)
COUNT queries, with published read from the denormalised Article.comment_count that the lifecycle keeps exact,
and unreviewed = published - published-and-reviewed. Any other filter (author, client, text, dates) counts the
rows. All counts go in one round trip.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from articles.models import Article, Section
from comments import queue_counts
from comments.models import Comment, Flag, ModeratorScope, QueueCount, SectionQueueCount

# The text filter needs 3 characters: the pg_trgm index (migration 0007) matches trigrams, and a shorter text
# would read every comment.
TEXT_MIN_LENGTH = 3
QUEUES = ("pending", "reported", "spam", "unreviewed", "rejected", "published")
PUBLISHED = Comment.Status.PUBLISHED


def reports_threshold() -> int:
    return max(1, int(getattr(settings, "NEWSPORTAL_REPORTS_THRESHOLD", 3)))


def lease_seconds() -> int:
    return int(getattr(settings, "NEWSPORTAL_LEASE_SECONDS", 300))


@dataclass(frozen=True)
class QueueFilters:
    """What a moderator narrows a queue by; every field optional. `author`: a user id, username, name or e-mail."""

    section: int | None = None
    article: int | None = None
    author: str = ""
    client: str = ""
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def only_articles(self) -> bool:
        """True when nothing but a section or an article narrows the queue (counts may use article totals)."""
        return not (self.author or self.client or self.q or self.date_from or self.date_to)

    def as_query(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) not in (None, "")}


def _queue_q(queue: str) -> Q:
    if queue == "pending":
        return Q(status=Comment.Status.PENDING)
    if queue == "reported":
        return Q(status=PUBLISHED, flag_count__gte=reports_threshold())
    if queue == "unreviewed":
        return Q(status=PUBLISHED, reviewed_at__isnull=True)
    if queue in ("spam", "rejected", "published"):
        return Q(status=queue)
    raise ValueError(f"unknown queue {queue!r}")


QUEUE_ORDER = {
    "pending": ("-priority", "id"),
    "reported": ("-flag_count", "-created_at"),
    "unreviewed": ("-created_at",),
    "spam": ("-created_at",),
    "rejected": ("-created_at",),
    "published": ("-created_at",),
}


def moderator_section_ids(user) -> set[int] | None:
    """The sections a moderator may work (their scope and its sub-sections); None: every section."""
    scoped = set(ModeratorScope.objects.filter(user=user).values_list("section_id", flat=True))
    if not scoped:
        return None
    return scoped | set(Section.objects.filter(parent_id__in=scoped).values_list("id", flat=True))


def _article_q(filters: QueueFilters, sections: set[int] | None, prefix: str = "article__") -> Q:
    q = Q()
    if filters.article:
        q &= Q(**{f"{prefix}id" if prefix else "id": filters.article})
    if filters.section:
        q &= Q(**{f"{prefix}section_id": filters.section}) | Q(**{f"{prefix}section__parent_id": filters.section})
    if sections is not None:
        q &= Q(**{f"{prefix}section_id__in": sections})
    return q


def _filter_q(filters: QueueFilters, sections: set[int] | None) -> Q:
    q = _article_q(filters, sections)
    if filters.author:
        author = filters.author.strip()
        # Each arm has its index (UPPER(author_name), UPPER(author_email): migration 0007; user_id), so PostgreSQL
        # ORs bitmaps instead of scanning every comment; the username is looked up first for the same reason
        # (a join in the OR would not use the indexes).
        accounts = list(get_user_model().objects.filter(username__iexact=author).values_list("pk", flat=True))
        if author.isdigit():
            accounts.append(int(author))
        by = Q(author_name__iexact=author) | Q(author_email__iexact=author)
        if accounts:
            by |= Q(user_id__in=accounts)
        q &= by
    if filters.client:
        q &= Q(ip_hash=filters.client.strip())
    if filters.q:
        q &= Q(body__icontains=filters.q)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        q &= Q(created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        q &= Q(created_at__lt=datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz))
    return q


# What a card shows (the queue page's cards, comments/moderation/cards.py, and the API's QueueItemOutput): a
# third of the comment row and of its article, account and parent. Loading and building 25 full rows of each
# (the article's section too) took longer than the query itself.
CARD_FIELDS = (
    *("id", "status", "body", "author_name", "author_email", "user_id", "ip_hash", "created_at"),
    *("spam_score", "spam_reasons", "hold_reasons", "flag_count", "priority", "leased_by_id", "lease_expires_at"),
    *("article_id", "article__slug", "article__headline", "user__username"),
    *("parent_id", "parent__author_name", "parent__body"),
)


def comment_list_moderation_queue(
    *,
    queue: str,
    filters: QueueFilters | None = None,
    sections: set[int] | None = None,
    moderator=None,
    skip_leased: bool = False,
) -> QuerySet[Comment]:
    """One queue in its order. With `skip_leased`, cards other moderators hold under a live lease are left out
    (a lease ends by itself: it is only a time comparison)."""
    filters = filters or QueueFilters()
    qs = Comment.objects.filter(_queue_q(queue), _filter_q(filters, sections))
    if skip_leased and moderator is not None:
        qs = qs.filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=timezone.now()) | Q(leased_by=moderator)
        )
    return qs.select_related("article", "user", "parent").only(*CARD_FIELDS).order_by(*QUEUE_ORDER[queue])


def _scalars(parts: dict[str, tuple[QuerySet, str]]) -> dict[str, int]:
    """Several exact aggregates in ONE round trip, each a scalar subquery that keeps its own index:
    {name: (queryset, "COUNT(*)" or e.g. "SUM(comment_count)")}."""
    selects, params = [], []
    for queryset, aggregate in parts.values():
        sql, sql_params = queryset.query.sql_with_params()
        selects.append(f"(SELECT COALESCE({aggregate}, 0) FROM ({sql}) AS part)")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    return {name: int(value) for name, value in zip(parts, row, strict=True)}


def moderation_queue_counts(*, filters: QueueFilters | None = None, sections: set[int] | None = None) -> dict[str, int]:
    """Exact size of every queue under the same filters, in one round trip (see the module docstring for how the
    large queues stay fast)."""
    filters = filters or QueueFilters()
    where = _filter_q(filters, sections)
    if filters.only_articles and queue_counts.uses_counters(connection):
        return _counts_from_counters(filters, sections, where)
    if filters.author or filters.client or filters.q:
        # A narrow filter with its own index (author, client, text): one pass over its matches counts every
        # queue, instead of one index scan per queue (six trigram scans for a text search).
        aggregates = {queue: Count("pk", filter=_queue_q(queue)) for queue in QUEUES}
        return Comment.objects.filter(where).order_by().aggregate(**aggregates)
    parts = {
        queue: (Comment.objects.filter(_queue_q(queue), where).order_by().values("pk"), "COUNT(*)")
        for queue in QUEUES
        if queue not in ("published", "unreviewed") or not filters.only_articles
    }
    if filters.only_articles:
        articles = Article.objects.filter(_article_q(filters, sections, prefix="")).order_by()
        parts["published"] = (articles.values("comment_count"), "SUM(comment_count)")
        reviewed = Comment.objects.filter(where, status=PUBLISHED, reviewed_at__isnull=False).order_by().values("pk")
        parts["reviewed"] = (reviewed, "COUNT(*)")
    counts = _scalars(parts)
    if filters.only_articles:
        counts["unreviewed"] = counts["published"] - counts.pop("reviewed")
    return {queue: counts[queue] for queue in QUEUES}


def _counts_from_counters(filters: QueueFilters, sections: set[int] | None, where: Q) -> dict[str, int]:
    """PostgreSQL: one scan of the trigger-kept counters, plus the small reported queue, in one round trip. An
    article filter reads that article's QueueCount rows (a few); otherwise the SectionQueueCount rows of the
    sections in view (a few hundred in all, however many articles), sub-sections included as in _article_q."""
    if filters.article:
        counters = QueueCount.objects.order_by().filter(article_id=filters.article)
        if filters.section or sections is not None:
            articles = Article.objects.filter(_article_q(filters, sections, prefix=""))
            counters = counters.filter(article_id__in=articles.values("id"))
    else:
        counters = SectionQueueCount.objects.order_by()
        if filters.section:
            in_section = Section.objects.filter(Q(id=filters.section) | Q(parent_id=filters.section))
            counters = counters.filter(section_id__in=in_section.values("id"))
        if sections is not None:
            counters = counters.filter(section_id__in=sections)
    sums = {
        "pending": "status = 'pending'",
        "spam": "status = 'spam'",
        "rejected": "status = 'rejected'",
        "published": "status = 'published'",
        "unreviewed": "status = 'published' AND NOT reviewed",
    }
    counter_sql, counter_params = counters.values("status", "reviewed", "n").query.sql_with_params()
    reported_sql, reported_params = (
        Comment.objects.filter(_queue_q("reported"), where).order_by().values("pk").query.sql_with_params()
    )
    selects = [f"COALESCE(SUM(n) FILTER (WHERE {condition}), 0)" for condition in sums.values()]
    selects.append(f"(SELECT COUNT(*) FROM ({reported_sql}) AS reported)")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)} FROM ({counter_sql}) AS part", [*reported_params, *counter_params])
        row = cursor.fetchone()
    counts = dict(zip([*sums, "reported"], (int(v) for v in row), strict=True))
    return {queue: counts[queue] for queue in QUEUES}


def comment_flags_open(*, comment_ids: list[int]) -> dict[int, list[Flag]]:
    """Open reader reports (with their notes) for each comment shown."""
    out: dict[int, list[Flag]] = {}
    if not comment_ids:
        return out
    for flag in Flag.objects.filter(comment_id__in=comment_ids, resolved_at__isnull=True).order_by("created_at"):
        out.setdefault(flag.comment_id, []).append(flag)
    return out


@dataclass(frozen=True)
class AuthorHistory:
    published: int = 0
    rejected: int = 0
    spam: int = 0
    pending: int = 0


def author_key(comment: Comment) -> tuple[str, str]:
    """How a comment's author is recognised: the account, else the e-mail, else the client (IP hash)."""
    if comment.user_id:
        return "user", str(comment.user_id)
    if comment.author_email:
        return "email", comment.author_email
    return "ip", comment.ip_hash


def author_history(*, comments: list[Comment]) -> dict[tuple[str, str], AuthorHistory]:
    """Published / rejected / spam / pending counts for each distinct author of `comments`, in one query."""
    keys = {author_key(c) for c in comments}
    values = {kind: {value for k, value in keys if k == kind and value} for kind in ("user", "email", "ip")}
    match = Q(pk__in=[])
    if values["user"]:
        match |= Q(user_id__in=[int(v) for v in values["user"]])
    if values["email"]:
        match |= Q(author_email__in=values["email"])
    if values["ip"]:
        match |= Q(ip_hash__in=values["ip"])
    totals: dict[tuple[str, str], dict[str, int]] = {}
    rows = (
        Comment.objects.filter(match)
        .values("user_id", "author_email", "ip_hash", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        for kind, value in (
            ("user", str(row["user_id"] or "")),
            ("email", row["author_email"]),
            ("ip", row["ip_hash"]),
        ):
            if value in values[kind]:
                bucket = totals.setdefault((kind, value), {})
                bucket[row["status"]] = bucket.get(row["status"], 0) + row["n"]
    return {
        key: AuthorHistory(
            published=t.get("published", 0),
            rejected=t.get("rejected", 0),
            spam=t.get("spam", 0),
            pending=t.get("pending", 0),
        )
        for key, t in ((key, totals.get(key, {})) for key in keys)
    }


def oldest_pending_at(*, sections: set[int] | None = None) -> datetime | None:
    qs = Comment.objects.filter(status=Comment.Status.PENDING)
    if sections is not None:
        qs = qs.filter(article__section_id__in=sections)
    return qs.order_by("created_at").values_list("created_at", flat=True).first()


@dataclass(frozen=True)
class Figures:
    counts: dict[str, int]
    oldest_pending_at: datetime | None
    per_moderator: list[tuple[str, int]]
    median_seconds: float | None
    days: list[date]
    decisions_per_day: list[int]
    median_seconds_per_day: list[float]
    held_per_day: list[int]


FIGURE_SAMPLE = 20000  # the most recent decisions the medians are computed from


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def moderation_figures(*, days: int = 14, sections: set[int] | None = None) -> Figures:
    """The newsroom's numbers: queue sizes, the oldest pending comment, decisions per moderator and the median
    time from posting to a person's decision, overall and per day over the last `days` days."""
    from comments.models import ModerationDecision

    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    day_list = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    since = datetime.combine(day_list[0], time.min, tzinfo=tz)
    decisions = ModerationDecision.objects.filter(
        created_at__gte=since, actor__isnull=False, action__in=["approve", "reject", "spam"]
    )
    held = Comment.objects.filter(created_at__gte=since, hold_reasons__isnull=False).exclude(hold_reasons=[])
    if sections is not None:
        decisions = decisions.filter(comment__article__section_id__in=sections)
        held = held.filter(article__section_id__in=sections)
    per_moderator = [
        (row["actor__username"], row["n"])
        for row in decisions.values("actor__username").annotate(n=Count("id")).order_by("-n", "actor__username")
    ]
    by_day: dict[date, list[float]] = {d: [] for d in day_list}
    rows = decisions.order_by("-created_at").values_list("created_at", "comment__created_at")[:FIGURE_SAMPLE]
    waits = []
    for decided_at, posted_at in rows:
        wait = max((decided_at - posted_at).total_seconds(), 0)
        waits.append(wait)
        by_day.setdefault(timezone.localtime(decided_at, tz).date(), []).append(wait)
    held_days: dict[date, int] = {}
    for posted_at in held.values_list("created_at", flat=True)[:FIGURE_SAMPLE]:
        day = timezone.localtime(posted_at, tz).date()
        held_days[day] = held_days.get(day, 0) + 1
    return Figures(
        counts=moderation_queue_counts(sections=sections),
        oldest_pending_at=oldest_pending_at(sections=sections),
        per_moderator=per_moderator,
        median_seconds=_median(waits),
        days=day_list,
        decisions_per_day=[len(by_day[d]) for d in day_list],
        median_seconds_per_day=[_median(by_day[d]) or 0 for d in day_list],
        held_per_day=[held_days.get(d, 0) for d in day_list],
    )


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    comment: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_query(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) not in (None, "")}


def decision_list(*, filters: AuditFilters | None = None):
    """The audit trail, newest first (append-only: nothing here or anywhere else edits or deletes it)."""
    from comments.models import ModerationDecision

    filters = filters or AuditFilters()
    qs = ModerationDecision.objects.select_related("actor").order_by("-created_at", "-id")
    if filters.actor:
        qs = qs.filter(actor__username__iexact=filters.actor) if filters.actor != "system" else qs.filter(actor=None)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.comment:
        qs = qs.filter(comment_id=filters.comment)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        qs = qs.filter(created_at__lt=datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz))
    return qs


def pending_newer_than(*, since_id: int | None = None, sections: set[int] | None = None) -> QuerySet[Comment]:
    """Pending comments (newer than `since_id`): the "N new" notice and its starting point."""
    qs = Comment.objects.filter(status=Comment.Status.PENDING)
    if since_id is not None:
        qs = qs.filter(pk__gt=since_id)
    if sections is not None:
        qs = qs.filter(article__section_id__in=sections)
    return qs
