"""Which requests are reader views, and who the reader is.

A view counts once per visitor per article per hour. The visitor is the first-party cookie `np_vid` (set on the
first counted visit) or, for a request without one, a daily-salted hash of client IP + user agent. The first
visit is remembered under both names, so the cookie-carrying second visit in the same hour is not a new view.
Crawlers (the maintained `crawlerdetect` patterns, and requests with no User-Agent at all), prefetches and
anything but GET/POST-beacon requests are not views.
"""

import logging
import re
import secrets
import time
from datetime import datetime
from functools import lru_cache
from http.cookies import Morsel
from typing import NamedTuple

import redis
from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.utils.http import http_date

from articles import ranking
from articles.popularity.store import get_view_store
from newsportal.http import client_ip, salted_hash

log = logging.getLogger(__name__)

COOKIE_NAME = "np_vid"
COOKIE_MAX_AGE = 365 * 24 * 3600
_VALID_VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Headers browsers send on speculative loads nobody may ever look at (Chrome/Safari, the Fetch standard, Firefox).
PREFETCH_HEADERS = ("HTTP_PURPOSE", "HTTP_SEC_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")
PREFETCH_VALUES = ("prefetch", "preview", "prerender")

_detector = CrawlerDetect()


@lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    """Crawlers, spiders, monitors, HTTP libraries (crawlerdetect's list), and clients that send no User-Agent."""
    if not user_agent.strip():
        return True
    return _detector.is_crawler(user_agent)


def is_prefetch(request) -> bool:
    meta = request.META
    for header in PREFETCH_HEADERS:  # on every counted page: plain loops, most requests have none of them
        value = meta.get(header)
        if value:
            value = value.lower()
            if any(word in value for word in PREFETCH_VALUES):
                return True
    return False


def is_countable(request) -> bool:
    """A reader's own visit: a GET (the page) or POST (the beacon); not HEAD, not a prefetch, not a crawler."""
    if request.method not in ("GET", "POST"):
        return False
    if is_prefetch(request):
        return False
    return not is_bot(request.META.get("HTTP_USER_AGENT", "")[:500])


class Visitor(NamedTuple):  # a tuple, not a dataclass: built on every counted page view
    ids: tuple[str, ...]  # every name the view is remembered under; the first is the reader's current one
    new_cookie: str | None  # a cookie id to set on the response (a new view by a reader without one), else None
    new: bool  # whether the view counted (False: the same reader already read the article this hour)


def fingerprint(ip: str, user_agent: str) -> str:
    """The daily-salted hash of client IP + user agent that names a reader without a cookie."""
    return salted_hash(f"{ip}|{user_agent}", daily=True)[:24]


def _visitor_id(request) -> str:
    """ "c:<cookie id>" for a reader with a valid cookie, else "h:<fingerprint>"."""
    cookie = request.COOKIES.get(COOKIE_NAME, "")
    if _VALID_VISITOR_ID.match(cookie):
        return f"c:{cookie}"
    return f"h:{fingerprint(client_ip(request), request.META.get('HTTP_USER_AGENT', '')[:500])}"


_last_error_log = 0.0


def view_record(request, article_id: int, *, at: datetime | None = None) -> Visitor | None:
    """Count `request` as a view of `article_id` (at `at`, default now) if it is a reader's. Never raises: counting
    must not break a page (a dead Redis is logged at most once a minute). Returns the visitor when countable; its
    `new_cookie` is set only when the view was new (a reader seen before in the hour is not given another id, so
    a client that drops cookies costs no Set-Cookie and no new id on every page)."""
    global _last_error_log
    if not settings.NEWSPORTAL_COUNT_VIEWS or not is_countable(request):
        return None
    hour = ranking.hour_of(at) if at is not None else int(time.time() // 3600)
    store = get_view_store()
    visitor_id = _visitor_id(request)
    # The common case, a reader's reload or page 2 within the hour: known in this process, no I/O, nothing to set.
    if store.known(article_id=article_id, visitor_id=visitor_id, hour=hour):
        return Visitor((visitor_id,), None, False)
    new_cookie = None if visitor_id.startswith("c:") else secrets.token_urlsafe(18)
    ids = (visitor_id, f"c:{new_cookie}") if new_cookie else (visitor_id,)
    try:
        new = store.record(article_id=article_id, visitor_ids=ids, hour=hour)
    except (redis.RedisError, OSError) as exc:
        if time.monotonic() - _last_error_log > 60:
            _last_error_log = time.monotonic()
            log.warning("view not counted (store unavailable): %s", exc)
        new = False
    return Visitor(ids, new_cookie, True) if new else Visitor((visitor_id,), None, False)


class _VisitorCookie(Morsel):
    """The `np_vid` cookie exactly as `HttpResponse.set_cookie(COOKIE_NAME, id, max_age=..., httponly=True,
    samesite="Lax", secure=...)` writes it (a test compares the two), built from one f-string: it is set on every
    new reader's page, and Django's path (attribute checks, an expiry date formatted per call) costs more than
    a cached page hit's own work."""

    header = ""

    def OutputString(self, attrs=None):  # noqa: N802 - the name http.cookies calls
        return self.header


_expires = (0, "")  # (second, its "expires" date one year ahead), formatted once per second


def set_visitor_cookie(response, visitor: Visitor | None) -> None:
    global _expires
    if visitor is None or not visitor.new_cookie:
        return
    now = int(time.time())
    if _expires[0] != now:
        _expires = (now, http_date(now + COOKIE_MAX_AGE))
    secure = settings.SESSION_COOKIE_SECURE
    morsel = _VisitorCookie()
    morsel.set(COOKIE_NAME, visitor.new_cookie, visitor.new_cookie)
    attributes = {"expires": _expires[1], "max-age": COOKIE_MAX_AGE, "path": "/", "httponly": True, "samesite": "Lax"}
    dict.update(morsel, attributes, secure=True if secure else "")
    morsel.header = (
        f"{COOKIE_NAME}={visitor.new_cookie}; expires={_expires[1]}; HttpOnly; Max-Age={COOKIE_MAX_AGE}; Path=/; "
        f"SameSite=Lax{'; Secure' if secure else ''}"
    )
    response.cookies[COOKIE_NAME] = morsel
