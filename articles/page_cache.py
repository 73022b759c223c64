"""Whole article pages for anonymous readers, answered before the session/CSRF/auth/messages middleware.

Why not Django's cache middleware (UpdateCacheMiddleware/FetchFromCacheMiddleware, cache_page):
- its key varies on the response's `Vary` headers, and the article page says `Vary: Cookie` (the session is
  looked at for a guest's own comments). Every reader who carries any cookie (the Most Popular visitor cookie,
  an analytics cookie, a stale csrftoken) would get an entry of their own, and a signed-in reader would be
  told apart only by that header, never by asking "anonymous?" before the session is loaded;
- its key has no version: it serves a page until the timeout, while a new comment, an approval or an edit must
  show at once. Here the key carries the versions the site already keeps (below);
- it sets Expires/Cache-Control max-age, inviting browsers and proxies to keep a page that may change any second.

What is served from here (`PageCacheMiddleware.eligible`): GET/HEAD of `/articles/<slug>/` and
`/articles/<slug>/page/<n>/`, with a query string of the page's own parameters only (comment sort and paging,
reply_to, posted), from a visitor without a session or messages cookie and without an Authorization header.
What is stored: a 200 from the view, without Set-Cookie and not marked private/no-store/no-cache, for a
visitor who was still anonymous. The anonymous page carries no CSRF token (docs/comments.md), so a csrftoken
cookie changes nothing in it and does not stop the cache.

An entry is used only while its version is the page's current version:
- the article row (`updated_at`, moved by every edit of the article or of its pages, photos and links;
  `comment_count`) and the article's `CommentsVersion` (moved after every commit readers can see in its
  comments: the lifecycle's `on_comments_changed` hooks), read in one query per request from the database, so
  every web process sees a change at once even with a per-process cache;
- `articles.caching.SHARED_VERSION_KEY` (moved with every invalidation of the shared blocks: navigation,
  sidebars, Most Popular snapshots) and `comments.caching.POLICY_VERSION_KEY` (moderation policies) from the
  cache: with Redis every process at once, with the local-memory default up to the entry's lifetime late, as
  the fragments themselves.
Entries live NEWSPORTAL_PAGE_CACHE_SECONDS (0 switches the cache off) in each web process's own memory (at most
MAX_ENTRIES): every hit is checked against the versions anyway, and a hit then needs no fetch of the page from
a shared cache and no unpickling (with several processes each renders a page once per lifetime).

The guest form's signed time token in a cached page is at most that much older, far inside
NEWSPORTAL_FORM_TOKEN_MAX_AGE; an older token only makes "sent too fast" less likely. An article's comments
closing by `comments_close_at` shows within the lifetime (posting itself checks it at once).

Place it after SecurityMiddleware and ViewCountMiddleware (which count and secure a cached answer too) and
before SessionMiddleware. The headers the inner middlewares add (Content-Security-Policy, X-Frame-Options,
Vary) are stored with the page; the outer ones (X-Request-ID, HSTS, nosniff, Referrer-Policy) run on each hit.
"""

import logging
import re
import threading
import time
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse

from articles.caching import SHARED_VERSION_KEY
from articles.models import Article
from comments.caching import POLICY_VERSION_KEY
from newsportal.models import CommentsVersion

logger = logging.getLogger(__name__)

ARTICLE_PATH = re.compile(r"^/articles/(?P<slug>[-a-zA-Z0-9_]+)/(?:page/(?P<number>[0-9]+)/)?$")
# The query parameters the article page reads; any other parameter is passed to the view and not cached.
PAGE_PARAMETERS = frozenset({"sort", "cpage", "reply_to", "posted"})
MESSAGES_COOKIE = "messages"
CACHE_CONTROL_REFUSED = ("private", "no-store", "no-cache")
KEY_PREFIX = "page:"
HIT_HEADER = "X-Page-Cache"
MAX_ENTRIES = 1000  # per process; the oldest entry goes first when full

# key -> (expires at, on the monotonic clock; version; entry). In the process's own memory: an entry is checked
# against the versions on every hit anyway, and a hit then costs no fetch and no unpickling of the page.
_entries: dict[str, tuple[float, tuple, dict]] = {}
_entries_lock = threading.Lock()


def page_cache_clear() -> None:
    """Forget every stored page of this process (tests; nothing else needs it: versions do the invalidating)."""
    with _entries_lock:
        _entries.clear()


_version_sql: dict[str, str] = {}


def _sql(vendor: str) -> str:
    """The version query in the driver's own parameter style (run on the DB-API cursor: a hit's only query)."""
    if vendor not in _version_sql:
        q = connection.ops.quote_name
        article, versions = Article._meta.db_table, CommentsVersion._meta.db_table
        sql = (
            f"SELECT a.{q('id')}, a.{q('updated_at')}, a.{q('comment_count')}, v.{q('version')} "
            f"FROM {q(article)} a LEFT JOIN {q(versions)} v ON v.{q('article_id')} = a.{q('id')} "
            f"WHERE a.{q('slug')} = %s"
        )
        _version_sql[vendor] = sql.replace("%s", "?") if vendor == "sqlite" else sql
    return _version_sql[vendor]


def article_version(slug: str) -> tuple[int, tuple] | None:
    """(article id, the database's part of the version) for the article with this slug, None if there is none.

    One row, read on the driver's cursor: Django's cursor wrappers cost more than the query itself here.
    Errors are the driver's own (the caller falls back to the view, which meets the database the usual way).
    """
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_sql(connection.vendor), [slug])
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    article_id, updated_at, comment_count, comments_version = row
    return article_id, (article_id, str(updated_at), comment_count, comments_version or 0)


def page_key(path: str, query: str) -> str | None:
    """The entry's key for this path and query string (parameters sorted), None when it must not be cached."""
    if not query:
        return KEY_PREFIX + path
    try:
        params = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    if len(params) > len(PAGE_PARAMETERS) or any(name not in PAGE_PARAMETERS for name, _ in params):
        return None
    return f"{KEY_PREFIX}{path}?{urlencode(sorted(params))}"


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME

    def eligible(self, request) -> tuple[str, str] | None:
        """(slug, key) when this request may be answered from, or stored in, the page cache."""
        if request.method not in ("GET", "HEAD") or not settings.NEWSPORTAL_PAGE_CACHE_SECONDS:
            return None
        match = ARTICLE_PATH.match(request.path_info)
        if match is None:
            return None
        cookies = request.COOKIES
        if self.session_cookie in cookies or MESSAGES_COOKIE in cookies or "HTTP_AUTHORIZATION" in request.META:
            return None
        key = page_key(request.path_info, request.META.get("QUERY_STRING", ""))
        return (match["slug"], key) if key else None

    def __call__(self, request):
        target = self.eligible(request)
        if target is None:
            return self.get_response(request)
        slug, key = target
        try:
            found = article_version(slug)
            if found is None:
                return self.get_response(request)
            article_id, db_version = found
            shared = cache.get_many([SHARED_VERSION_KEY, POLICY_VERSION_KEY])
        except Exception:  # a lost database or cache: the view answers as it would without this cache
            logger.warning("page cache unavailable", exc_info=True)
            return self.get_response(request)
        version = (db_version, shared.get(SHARED_VERSION_KEY, 0), shared.get(POLICY_VERSION_KEY, 0))
        request.popular_article_id = article_id  # the view counter needs no lookup of its own
        stored = _entries.get(key)
        if stored is not None and stored[1] == version and stored[0] > time.monotonic():
            return self.hit(request, stored[2])
        response = self.get_response(request)
        if request.method == "GET" and self.storable(request, response):
            self.store(key, version, response)
        return response

    @staticmethod
    def hit(request, entry) -> HttpResponse:
        response = HttpResponse(
            b"" if request.method == "HEAD" else entry["content"], status=entry["status"], headers=entry["headers"]
        )
        if request.method == "HEAD":
            response["Content-Length"] = str(len(entry["content"]))
        response[HIT_HEADER] = "hit"
        return response

    @staticmethod
    def storable(request, response) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if any(word in response.get("Cache-Control", "").lower() for word in CACHE_CONTROL_REFUSED):
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated)

    @staticmethod
    def store(key: str, version: tuple, response) -> None:
        headers = {name: value for name, value in response.items() if name.lower() != "set-cookie"}
        entry = {"status": response.status_code, "headers": headers, "content": response.content}
        expires = time.monotonic() + settings.NEWSPORTAL_PAGE_CACHE_SECONDS
        with _entries_lock:
            _entries.pop(key, None)
            while len(_entries) >= MAX_ENTRIES:
                _entries.pop(next(iter(_entries)))
            _entries[key] = (expires, version, entry)
