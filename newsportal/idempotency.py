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
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.response import Response

from newsportal.db import fetch_one
from newsportal.errors import ApplicationError
from newsportal.models import IdempotencyKey

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
META_KEY = "HTTP_" + HEADER.upper().replace("-", "_")  # how WSGI names the header
MAX_KEY_LENGTH = 255
IN_FLIGHT_SECONDS = 60

Produce = Callable[[], tuple[int, dict]]


def key_from(request) -> str | None:
    """The request's Idempotency-Key, or None; ApplicationError 400 when it is empty or too long.

    Read from META: `request.headers` would build a dict of every header for this one."""
    key = request.META.get(META_KEY)
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


def fingerprint(request, data) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
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


def idempotent_post(request, produce: Produce, *, data=None) -> Response:
    """Run `produce` (it performs the write and returns (status, body)) at most once per Idempotency-Key.
    `data` is the request's parsed body (default: DRF's request.data); the key's fingerprint covers it.

    Without the header it simply runs. `produce` runs inside this function's transaction: anything it writes
    commits together with the stored key, and an exception it raises rolls both back and is re-raised.
    """
    key = key_from(request)
    if key is None:
        status, body = produce()
        return Response(body, status=status)
    scope, fp = scope_of(request), fingerprint(request, request.data if data is None else data)
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
            record_id = _insert_key(scope, key, fp)
            if record_id is None:  # the key's answer is stored (or was, while this INSERT waited for its commit)
                return _replay(IdempotencyKey.objects.get(scope=scope, key=key), fp)
            status, body = produce()
            _store_answer(record_id, status, body)
        return Response(body, status=status)
    finally:
        _release(marker)


# The key's row, claimed with one statement: a row of another request for the same key makes it do nothing
# (after waiting, on PostgreSQL's unique index, for that request's transaction to end), so no savepoint is
# needed to survive a duplicate, and no read comes first. Then its answer, once the write succeeded.
_INSERT_KEY = (
    "INSERT INTO {table} (scope, key, fingerprint, response_status, response_body, created_at) "
    "VALUES (%s, %s, %s, 0, %s, %s) ON CONFLICT (scope, key) DO NOTHING RETURNING id"
)
_STORE_ANSWER = "UPDATE {table} SET response_status = %s, response_body = %s WHERE id = %s RETURNING id"


def _insert_key(scope: str, key: str, fp: str) -> int | None:
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    empty = _json_param({})
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    row = fetch_one(_INSERT_KEY.format(table=table), [scope, key, fp, empty, now])
    return row[0] if row else None


def _store_answer(record_id: int, status: int, body: dict) -> None:
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    fetch_one(_STORE_ANSWER.format(table=table), [status, _json_param(body), record_id])


def _json_param(value):
    return IdempotencyKey._meta.get_field("response_body").get_db_prep_save(value, connection)
