"""Fixed-window rate limits kept in the Django cache (Redis via django-redis when REDIS_URL is set).

Each window is one cache key created with `add` (SET NX EX) and counted with `incr` (INCRBY): both atomic in
Redis, so concurrent web workers share one count. A cache that is down lets the request through (logged): a
rate limit must never turn an outage of Redis into lost comments.
"""

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """ "5/60" = 5 per 60 seconds."""
        try:
            count, seconds = (int(part) for part in text.split("/"))
        except ValueError as exc:
            raise ImproperlyConfigured(f"A rate limit must look like '5/60' (count/seconds), not {text!r}.") from exc
        if count < 1 or seconds < 1:
            raise ImproperlyConfigured(f"A rate limit needs a positive count and window, not {text!r}.")
        return cls(count, seconds)


def hit(key: str, rate: Rate, *, now: float | None = None) -> int | None:
    """Count one hit on `key`; None while within `rate`, else the seconds until the window resets (Retry-After)."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    cache_key = _cache_key(key, rate, window)
    retry_after = max(1, int((window + 1) * rate.seconds - now + 0.999))
    try:
        count = _incr(cache_key, timeout=retry_after + 1)
    except Exception:  # the cache is down or refused: fail open, the other gates still apply
        logger.warning("rate limit cache unavailable; letting %s through", key, exc_info=True)
        return None
    return retry_after if count > rate.count else None


def take_back(key: str, rate: Rate, *, now: float) -> None:
    """Undo one `hit(key, rate, now=now)`: its window's count goes down by one (nothing when the window is gone)."""
    try:
        cache.decr(_cache_key(key, rate, int(now // rate.seconds)))
    except ValueError:  # the window expired meanwhile: nothing left to undo
        pass
    except Exception:
        logger.warning("rate limit cache unavailable; could not take back a hit on %s", key, exc_info=True)


def _cache_key(key: str, rate: Rate, window: int) -> str:
    return f"rl:{key}:{rate.seconds}:{window}"


def _incr(cache_key: str, *, timeout: int) -> int:
    for _ in range(2):
        cache.add(cache_key, 0, timeout=timeout)
        try:
            return cache.incr(cache_key)
        except ValueError:  # expired between add and incr: start the window again
            continue
    return 1
