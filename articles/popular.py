"""Most Popular for pages and the API: reads the snapshot the last ranking pass stored, nothing else.

Cost per call: one cache read (the list of ids; the database row on a miss) and one query for the articles.
"""

from django.conf import settings
from django.core.cache import cache

from articles import ranking
from articles.models import Article, PopularSnapshot, Section
from articles.popularity.services import SITE, section_scope, snapshot_cache_key


def popular_articles(*, section: Section | None = None, kind: str = "most_read", limit: int = 10) -> list[Article]:
    """The top `limit` articles of the last ranking pass, site-wide or for `section` (its child sections
    included); `kind` is "most_read" (views in the last 24 hours) or "trending" (time-decayed views).
    Articles unpublished since the pass are left out."""
    if kind not in ranking.KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {ranking.KINDS}")
    scope = SITE if section is None else section_scope(section.pk)
    key = snapshot_cache_key(scope, kind)
    ids = cache.get(key)
    if ids is None:
        ids = PopularSnapshot.objects.filter(scope=scope, kind=kind).values_list("article_ids", flat=True).first()
        ids = ids or []
        cache.set(key, ids, timeout=settings.NEWSPORTAL_POPULAR_CACHE_SECONDS)
    if not ids or limit <= 0:
        return []
    found = Article.objects.published().select_related("section").in_bulk(ids)
    return [found[article_id] for article_id in ids if article_id in found][:limit]
