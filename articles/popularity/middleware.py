"""Counts article page views in the middleware layer, so pages served from Django's cache count too.

Place it above (outside) any cache middleware: it runs for every article page response, whether the view ran or
a cached copy was returned (then the view is found by resolving the path). The article id comes from the view
(`request.popular_article_id`, when the view sets it) or from its slug, looked up once per slug per process
and remembered for a few minutes.
"""

import threading
import time

from django.conf import settings
from django.db import DatabaseError
from django.urls import Resolver404, resolve

from articles.models import Article
from articles.popularity.counting import is_countable, set_visitor_cookie, view_record
from articles.popularity.services import popular_rank_if_due

ARTICLE_URL_NAMES = frozenset({"article", "article-page"})
SLUG_TTL_SECONDS = 300
_SLUG_CACHE_SIZE = 10_000

_slug_ids: dict[str, tuple[int | None, float]] = {}
_slug_lock = threading.Lock()


def article_id_for_slug(slug: str) -> int | None:
    now = time.monotonic()
    hit = _slug_ids.get(slug)
    if hit is not None and hit[1] > now:
        return hit[0]
    try:
        article_id = Article.objects.filter(slug=slug).values_list("id", flat=True).first()
    except DatabaseError:  # the page itself already answered; a lost database must not turn it into a 500
        return None
    with _slug_lock:
        if len(_slug_ids) >= _SLUG_CACHE_SIZE:
            _slug_ids.clear()
        _slug_ids[slug] = (article_id, now + SLUG_TTL_SECONDS)
    return article_id


def forget_slugs() -> None:
    """Drop the remembered slug -> id map (tests; an article's slug was reused)."""
    with _slug_lock:
        _slug_ids.clear()


def _article_slug(request) -> str | None:
    match = request.resolver_match
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    if match.url_name not in ARTICLE_URL_NAMES:
        return None
    return match.kwargs.get("slug")


class ViewCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "GET" or response.status_code != 200 or not settings.NEWSPORTAL_COUNT_VIEWS:
            return response
        article_id = getattr(request, "popular_article_id", None)
        if article_id is None:
            slug = _article_slug(request)
            # crawlers are turned away before the slug lookup costs a query
            article_id = article_id_for_slug(slug) if slug and is_countable(request) else None
        if article_id is not None:
            visitor = view_record(request, article_id)
            if visitor is not None and visitor.new:
                set_visitor_cookie(response, visitor)
                popular_rank_if_due()
        return response
