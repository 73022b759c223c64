"""Transactions that PostgreSQL may cancel to break a deadlock or a serialization conflict are run again.

A moderator's bulk decision or undo changes several statuses in one transaction, and the count triggers lock
counter rows per statement; two such transactions over overlapping sections can deadlock. PostgreSQL then
cancels one (SQLSTATE 40P01; 40001 for a serialization failure). Nothing of the cancelled transaction was kept,
so running it again is safe and is what the moderator would do by hand; only an outermost transaction can be
run again (inside another one the whole outer transaction is lost, so the error goes up).
"""

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRIED_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


def is_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the database cancelled the transaction, retrying it may succeed."""
    return getattr(exc.__cause__, "sqlstate", None) in RETRIED_SQLSTATES


def atomic_retried(work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run `work` (which opens its own transaction.atomic()) again when the database cancelled it in a conflict,
    up to `attempts` times, after a short random pause so the two sides do not meet again."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DatabaseError as exc:
            if not is_conflict(exc) or connection.in_atomic_block or attempt == attempts:
                raise
            log.warning(
                "transaction cancelled by a conflict (%s), attempt %s of %s", exc.__cause__.sqlstate, attempt, attempts
            )
            time.sleep(random.uniform(0.005, 0.05) * attempt)
    raise AssertionError("unreachable")
