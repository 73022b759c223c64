"""Conditional GET for API reads: strong-enough weak ETags from what the answer depends on, 304 when unchanged."""

import hashlib
from datetime import datetime

from django.utils.cache import get_conditional_response
from django.utils.http import http_date


def make_etag(*parts) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def not_modified(request, *, etag: str, last_modified: datetime | None = None):
    """A 304 response when the client's If-None-Match / If-Modified-Since still hold, else None."""
    return get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp()) if last_modified else None
    )


def validators(*, etag: str, last_modified: datetime | None = None) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    return headers
