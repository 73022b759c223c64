"""Atomic fixed-window throttles in the shared cache (Redis in production), keyed by token user or client IP.

DRF's own throttles read a list from the cache, append and write it back: two concurrent requests both see
room and both pass. Here each request does one atomic `add` (first hit of a window) or `incr` (every later
one), so N parallel requests get exactly `limit` passes. The client IP comes from newsportal.http.client_ip,
so rotating X-Forwarded-For does not buy a fresh window. Rates live in settings.NEWSPORTAL_API_RATES.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle

from newsportal.http import client_ip, salted_hash

logger = logging.getLogger(__name__)

PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "60/min" -> (60, 60); empty or "off" -> None (no limit). Anything else is a settings error."""
    if not rate or rate.strip().lower() in ("off", "none"):
        return None
    count, _, unit = rate.partition("/")
    try:
        return int(count), PERIODS[unit.strip().lower()]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"Bad API rate {rate!r}: use N/s, N/min, N/hour, N/day or off.") from None


def hit(key: str, limit: int, period: int, *, now: float | None = None) -> int | None:
    """Count one hit of `key` in the current window; seconds to wait when over `limit`, else None.

    A cache outage lets the request through (logged): throttling must not take the API down with it.
    """
    now = time.time() if now is None else now
    window = int(now // period)
    cache_key = _cache_key(key, window)
    try:
        if cache.add(cache_key, 1, timeout=period + 1):
            count = 1
        else:
            try:
                count = cache.incr(cache_key)
            except ValueError:  # expired between add and incr: this hit opens the window again
                cache.add(cache_key, 1, timeout=period + 1)
                count = 1
    except Exception:
        logger.warning("throttle cache unavailable; letting %s through", key, exc_info=True)
        return None
    if count <= limit:
        return None
    return max(1, int((window + 1) * period - now + 0.999))


def reset(key: str, period: int, *, now: float | None = None) -> None:
    """Forget the hits of `key` in the current window (a successful sign-in clears its guesses)."""
    now = time.time() if now is None else now
    try:
        cache.delete(_cache_key(key, int(now // period)))
    except Exception:
        logger.warning("throttle cache unavailable; %s not reset", key, exc_info=True)


def _cache_key(key: str, window: int) -> str:
    return f"throttle:{key}:{window}"


class FixedWindowThrottle(BaseThrottle):
    """Subclasses set `scope` (a key of NEWSPORTAL_API_RATES) and may narrow `methods`."""

    scope = ""
    methods: frozenset[str] | None = None  # None: every method

    def __init__(self):
        self._wait: int | None = None

    def ident(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{salted_hash(client_ip(request))[:32]}"

    def allow_request(self, request, view) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return True
        rate = parse_rate(settings.NEWSPORTAL_API_RATES.get(self.scope))
        if rate is None:
            return True
        ident = self.ident(request)
        if ident is None:
            return True
        self._wait = hit(f"{self.scope}:{ident}", *rate)
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait


UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WriteThrottle(FixedWindowThrottle):
    scope = "write"
    methods = UNSAFE


class ReadThrottle(FixedWindowThrottle):
    scope = "read"
    methods = frozenset({"GET", "HEAD"})


class AuthIPThrottle(FixedWindowThrottle):
    """Token requests per client IP, whoever is signed in."""

    scope = "auth"

    def ident(self, request) -> str:
        return f"ip:{salted_hash(client_ip(request))[:32]}"


class AuthUsernameThrottle(FixedWindowThrottle):
    """Token requests per username tried, so guessing one account's password from many IPs is slow too."""

    scope = "auth"

    def ident(self, request) -> str | None:
        # A body that does not parse raises its 400/413/415 here, before any counting.
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str) or not username:
            return None
        return f"name:{salted_hash(username.lower())[:32]}"
