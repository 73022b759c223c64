"""The ranking pass: read the hourly buckets, keep published articles, rank, store the snapshot.

Run every minute by the beat job (`articles.tasks.rank_popular`) and by `manage.py rank_popular`; in the embedded
default (no Redis, no beat) the web process runs it itself at most once a minute (`popular_rank_if_due`).
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from articles import ranking
from articles.caching import shared_fragments_invalidate
from articles.models import Article, PopularSnapshot, Section
from articles.popularity.store import ViewStore, get_view_store

log = logging.getLogger(__name__)

SNAPSHOT_SIZE = 20  # kept per list, so an article unpublished between passes leaves 19, not 9, to show
SITE = "site"
# Above this many candidates the published ids are read whole (one query without a parameter per id: SQLite and
# PostgreSQL both limit the parameters of one statement).
IN_QUERY_LIMIT = 5000


def section_scope(section_id: int) -> str:
    return f"section:{section_id}"


def snapshot_cache_key(scope: str, kind: str) -> str:
    return f"popular:v1:{kind}:{scope}"


@dataclass(frozen=True)
class RankResult:
    computed_at: datetime
    candidates: int
    published: int
    lists: int
    site: dict[str, list[int]]


def _section_descendants() -> dict[int, set[int]]:
    """Each section id -> itself and every section below it (a section's list includes its children's articles)."""
    parents = dict(Section.objects.values_list("id", "parent_id"))
    below: dict[int, set[int]] = {section_id: set() for section_id in parents}
    for section_id in parents:
        node, seen = section_id, set()
        while node is not None and node not in seen:
            seen.add(node)
            below.setdefault(node, set()).add(section_id)
            node = parents.get(node)
    return below


def _published(candidates: np.ndarray) -> dict[int, tuple[int, int]]:
    """{article_id: (section_id, comment_count)} for the candidate ids that are published now (one query)."""
    wanted = set(candidates.tolist())
    rows = Article.objects.published()
    if len(wanted) <= IN_QUERY_LIMIT:
        rows = rows.filter(id__in=wanted)
    return {
        article_id: (section_id, comments)
        for article_id, section_id, comments in rows.values_list("id", "section_id", "comment_count")
        if article_id in wanted
    }


def popular_rank(*, now: datetime | None = None, store: ViewStore | None = None) -> RankResult:
    now = now or timezone.now()
    store = store or get_view_store()
    hours = settings.NEWSPORTAL_POPULAR_WINDOW_HOURS
    buckets = store.buckets(ranking.window(now, hours))
    most_read = ranking.most_read_scores(buckets, now=now, window_hours=hours)
    candidates = np.flatnonzero(most_read > 0)
    published = _published(candidates) if len(candidates) else {}

    size = len(most_read)
    ids = np.fromiter(published, dtype=np.int64, count=len(published))
    section_of = np.full(size, -1, dtype=np.int64)
    section_of[ids] = [section_id for section_id, _ in published.values()]
    comments = np.zeros(size, dtype=np.float64)
    comments[ids] = [count for _, count in published.values()]
    groups = {SITE: section_of >= 0}
    for section_id, below in _section_descendants().items():
        groups[section_scope(section_id)] = np.isin(section_of, list(below))

    scores = {
        ranking.MOST_READ: most_read,
        ranking.TRENDING: ranking.trending_scores(
            buckets,
            now=now,
            half_life_hours=settings.NEWSPORTAL_TRENDING_HALF_LIFE_HOURS,
            window_hours=hours,
            comments=comments,
            comment_weight=settings.NEWSPORTAL_POPULAR_COMMENT_WEIGHT,
        ),
    }
    lists = {}
    for kind, kind_scores in scores.items():
        for scope, ranked in ranking.top_n_by_group(kind_scores, groups, SNAPSHOT_SIZE).items():
            lists[(scope, kind)] = ranked
    _snapshot_store(lists, now)
    if hasattr(store, "save"):
        store.save()
    return RankResult(
        computed_at=now,
        candidates=len(candidates),
        published=len(published),
        lists=len(lists),
        site={kind: lists[(SITE, kind)][:10] for kind in ranking.KINDS},
    )


def _snapshot_store(lists: dict[tuple[str, str], list[int]], now: datetime) -> None:
    """Replace the snapshot; when any list changed, drop the cached page blocks that show it."""
    rows = [PopularSnapshot(scope=s, kind=k, article_ids=ids, computed_at=now) for (s, k), ids in lists.items()]
    with transaction.atomic():
        before = {(s, k): ids for s, k, ids in PopularSnapshot.objects.values_list("scope", "kind", "article_ids")}
        PopularSnapshot.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["scope", "kind"], update_fields=["article_ids", "computed_at"]
        )
        PopularSnapshot.objects.exclude(scope__in={scope for scope, _ in lists}).delete()
        if before != lists:
            shared_fragments_invalidate()
    # after the commit (the pass is its own transaction): readers never see lists the database does not hold
    cache.set_many(
        {snapshot_cache_key(scope, kind): ids for (scope, kind), ids in lists.items()},
        timeout=settings.NEWSPORTAL_POPULAR_CACHE_SECONDS,
    )


_last_pass = time.monotonic()
_pass_lock = threading.Lock()


def popular_rank_if_due() -> None:
    """The embedded default's stand-in for the beat job: rank in this process at most once per
    NEWSPORTAL_POPULAR_RANK_IN_PROCESS_SECONDS (0 = never; production leaves it to beat)."""
    global _last_pass
    every = settings.NEWSPORTAL_POPULAR_RANK_IN_PROCESS_SECONDS
    if every <= 0 or time.monotonic() - _last_pass < every or not _pass_lock.acquire(blocking=False):
        return
    try:
        _last_pass = time.monotonic()
        popular_rank()
    except Exception:  # a failed pass must not fail the page that happened to trigger it
        log.exception("in-process ranking pass failed")
    finally:
        _pass_lock.release()
