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
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import redis
from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.utils import timezone

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


@dataclass(frozen=True)
class Visitor:
    ids: tuple[str, ...]  # every name the view is remembered under; the first is the reader's current one
    new_cookie: str | None  # a cookie id to set on the response (first visit), else None


def visitor_for(request) -> Visitor:
    cookie = request.COOKIES.get(COOKIE_NAME, "")
    if _VALID_VISITOR_ID.match(cookie):
        return Visitor(ids=(f"c:{cookie}",), new_cookie=None)
    ua = request.META.get("HTTP_USER_AGENT", "")[:500]
    fingerprint = salted_hash(f"{client_ip(request)}|{ua}", daily=True)[:24]
    new_cookie = secrets.token_urlsafe(18)
    return Visitor(ids=(f"h:{fingerprint}", f"c:{new_cookie}"), new_cookie=new_cookie)


_last_error_log = 0.0


def view_record(request, article_id: int, *, at: datetime | None = None) -> Visitor | None:
    """Count `request` as a view of `article_id` (at `at`, default now) if it is a reader's. Never raises: counting
    must not break a page (a dead Redis is logged at most once a minute). Returns the visitor when countable."""
    global _last_error_log
    if not settings.NEWSPORTAL_COUNT_VIEWS or not is_countable(request):
        return None
    visitor = visitor_for(request)
    try:
        hour = ranking.hour_of(at or timezone.now())
        get_view_store().record(article_id=article_id, visitor_ids=visitor.ids, hour=hour)
    except (redis.RedisError, OSError) as exc:
        if time.monotonic() - _last_error_log > 60:
            _last_error_log = time.monotonic()
            log.warning("view not counted (store unavailable): %s", exc)
    return visitor


def set_visitor_cookie(response, visitor: Visitor | None) -> None:
    if visitor is not None and visitor.new_cookie:
        response.set_cookie(
            COOKIE_NAME,
            visitor.new_cookie,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
