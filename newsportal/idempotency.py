"""`Idempotency-Key` for POSTs, with Stripe's semantics.

- The same key with the same body replays the first answer (status and body; header Idempotent-Replayed: true)
  and creates nothing.
- The same key with another body (or another endpoint) is 422.
- While the first request with a key is still running, a duplicate gets 409 (with Retry-After).
- A key longer than 255 characters (or empty) is 400.
- Only successful answers are stored, in the same transaction as what the request created; an error answer
  (validation, closed comments, rate limit) rolls everything back, so the client may retry with the same key.

Concurrency: a unique (scope, key) row is inserted first, inside the request's transaction. A concurrent
duplicate blocks on that insert (PostgreSQL's unique index; SQLite's single writer) until the first commits,
then sees the committed answer and replays it; the in-flight marker in the shared cache turns most of those
waits into an immediate 409. Either way exactly one effect exists.
"""

import hashlib
import json
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import IntegrityError, transaction
from rest_framework.response import Response

from newsportal.errors import ApplicationError
from newsportal.models import IdempotencyKey

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IN_FLIGHT_SECONDS = 60

Produce = Callable[[], tuple[int, dict]]


def key_from(request) -> str | None:
    """The request's Idempotency-Key, or None; ApplicationError 400 when it is empty or too long."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApplicationError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
            code="invalid_idempotency_key",
            status=400,
            errors={HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} printable characters."]},
        )
    return key


def scope_of(request) -> str:
    """Keys are per signed-in user; guests share one global space (use random keys, e.g. UUID4)."""
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else "guest"


def fingerprint(request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _replay(record: IdempotencyKey, fp: str) -> Response:
    if record.fingerprint != fp:
        raise ApplicationError(
            f"This {HEADER} was already used with another request body or endpoint.",
            code="idempotency_key_reused",
            status=422,
        )
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


def _claim_in_flight(marker: str) -> bool:
    try:
        return bool(cache.add(marker, 1, timeout=IN_FLIGHT_SECONDS))
    except Exception:  # no cache: the unique row alone still guarantees one effect
        logger.warning("idempotency marker unavailable", exc_info=True)
        return True


def _release(marker: str) -> None:
    try:
        cache.delete(marker)
    except Exception:
        logger.warning("could not clear idempotency marker", exc_info=True)


def idempotent_post(request, produce: Produce) -> Response:
    """Run `produce` (it performs the write and returns (status, body)) at most once per Idempotency-Key.

    Without the header it simply runs. `produce` runs inside this function's transaction: anything it writes
    commits together with the stored key, and an exception it raises rolls both back and is re-raised.
    """
    key = key_from(request)
    if key is None:
        status, body = produce()
        return Response(body, status=status)
    scope, fp = scope_of(request), fingerprint(request)
    stored = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if stored is not None:
        return _replay(stored, fp)
    marker = "idem:" + hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()
    if not _claim_in_flight(marker):
        stored = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if stored is not None:
            return _replay(stored, fp)
        raise ApplicationError(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            code="idempotency_in_flight",
            status=409,
            headers={"Retry-After": "1"},
        )
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        scope=scope, key=key, fingerprint=fp, response_status=0, response_body={}
                    )
            except IntegrityError:  # a duplicate committed while we waited on the unique index
                return _replay(IdempotencyKey.objects.get(scope=scope, key=key), fp)
            status, body = produce()
            record.response_status, record.response_body = status, body
            record.save(update_fields=["response_status", "response_body"])
        return Response(body, status=status)
    finally:
        _release(marker)
