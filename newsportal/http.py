"""Request facts every app needs the same way: who the client is, behind a known number of proxies."""

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings


def client_ip(request) -> str:
    """The client's IP: REMOTE_ADDR, or with NEWSPORTAL_TRUSTED_PROXIES = N the Nth address from the right of
    X-Forwarded-For (each trusted proxy appends the address it saw), so a client cannot pick its own IP by
    sending the header, and rotating the header's left part changes nothing."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    proxies = settings.NEWSPORTAL_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return forwarded[0] if forwarded else remote
    return forwarded[-proxies]


_salted: dict[tuple[str, int | None], "hashlib._Hash"] = {}  # (secret, UTC day or None) -> sha256 fed the salt


def salted_hash(value: str, *, daily: bool = False) -> str:
    """A stable pseudonym for an IP or user agent (SECRET_KEY-salted; with daily=True it changes every UTC day):
    sha256 of "<SECRET_KEY><YYYY-MM-DD if daily>|<value>" in hex. The salted state is kept per key and day, so a
    call hashes only `value` (it runs for every new reader's page view)."""
    day = int(time.time() // 86400) if daily else None
    secret = settings.SECRET_KEY
    base = _salted.get((secret, day))
    if base is None:
        date = datetime.fromtimestamp(day * 86400, UTC).date().isoformat() if daily else ""
        base = hashlib.sha256(f"{secret}{date}|".encode())
        if len(_salted) > 8:
            _salted.clear()
        _salted[(secret, day)] = base
    hasher = base.copy()
    hasher.update(value.encode())
    return hasher.hexdigest()


@dataclass(frozen=True)
class ClientInfo:
    ip: str
    user_agent: str

    @classmethod
    def from_request(cls, request) -> "ClientInfo":
        return cls(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:500])

    @property
    def ip_hash(self) -> str:
        return salted_hash(self.ip)

    @property
    def ua_hash(self) -> str:
        return salted_hash(self.user_agent)
