"""The ranking pass: read the hourly buckets, keep published articles, rank, store the snapshot.

Run every minute by the beat job (`articles.tasks.rank_popular`) and by `manage.py rank_popular`; in the embedded
default (no Redis, no beat) the web process runs it itself at most once a minute (`popular_rank_if_due`).
"""

import logging
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

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


def _section_scopes() -> dict[int, tuple[str, ...]]:
    """Each section's scopes: its own and its ancestors' (a section's list includes its children's articles)."""
    parents = dict(Section.objects.values_list("id", "parent_id"))
    scopes = {}
    for section_id in parents:
        chain, node = [], section_id
        while node is not None and section_scope(node) not in chain:
            chain.append(section_scope(node))
            node = parents.get(node)
        scopes[section_id] = tuple(chain)
    return scopes


def _published(candidates: set[int]) -> dict[int, tuple[int, int]]:
    """{article_id: (section_id, comment_count)} for the candidates that are published now (one query)."""
    rows = Article.objects.published()
    if len(candidates) <= IN_QUERY_LIMIT:
        rows = rows.filter(id__in=candidates)
    return {
        article_id: (section_id, comments)
        for article_id, section_id, comments in rows.values_list("id", "section_id", "comment_count")
        if article_id in candidates
    }


def popular_rank(*, now: datetime | None = None, store: ViewStore | None = None) -> RankResult:
    now = now or timezone.now()
    store = store or get_view_store()
    buckets = store.buckets(ranking.window(now, settings.NEWSPORTAL_POPULAR_WINDOW_HOURS))
    candidates = {article_id for counts in buckets.values() for article_id in counts}
    published = _published(candidates) if candidates else {}
    section_scopes = _section_scopes()
    groups_of: dict[int, tuple[Hashable, ...]] = {
        article_id: (SITE, *section_scopes.get(section_id, ())) for article_id, (section_id, _) in published.items()
    }
    scores = {
        ranking.MOST_READ: ranking.most_read_scores(
            buckets, now=now, window_hours=settings.NEWSPORTAL_POPULAR_WINDOW_HOURS
        ),
        ranking.TRENDING: ranking.trending_scores(
            buckets,
            now=now,
            half_life_hours=settings.NEWSPORTAL_TRENDING_HALF_LIFE_HOURS,
            window_hours=settings.NEWSPORTAL_POPULAR_WINDOW_HOURS,
            comments={article_id: comments for article_id, (_, comments) in published.items()},
            comment_weight=settings.NEWSPORTAL_POPULAR_COMMENT_WEIGHT,
        ),
    }
    all_scopes = [SITE, *(section_scope(s) for s in section_scopes)]
    lists = {}
    for kind, kind_scores in scores.items():
        ranked = ranking.top_n_by_group(kind_scores, groups_of, SNAPSHOT_SIZE)
        for scope in all_scopes:
            lists[(scope, kind)] = ranked.get(scope, [])
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
