"""The scoring outbox: new comments reach the spam scorer in batches, published off the request path.

Publishing one Celery message costs about a millisecond of CPU (a Redis client and two round trips), the largest
single cost of a comment POST. So `submit` (called on commit) only appends the id to this process's queue, and a
daemon thread publishes one `score_comments` task per up to BATCH ids every NEWSPORTAL_SCORING_DISPATCH_SECONDS.

Nothing is lost that the sweeper would not find: ids whose publish fails (broker down) are dropped with a
warning, as are ids still queued in a process that is SIGKILLed; the comments are committed and unscored, so
beat's `sweep_unscored` enqueues them again (docs/spam.md, "Nothing lost"). A process that exits normally
publishes what it still holds (atexit).
"""

import logging
from collections import deque

from django.conf import settings

from newsportal.background import BackgroundFlusher

log = logging.getLogger(__name__)

BATCH = 100  # ids per score_comments message; a queue this long wakes the thread at once


class ScoringOutbox:
    """One per process. The queue is a deque: appends and pops are atomic, so `submit` takes no lock; the
    flusher's lock keeps two drains (the thread, the exit hook, `flush`) apart."""

    def __init__(self, *, interval: float = 0.25):
        self._queue: deque[int] = deque()
        self._flusher = BackgroundFlusher(self.flush, name="scoring-outbox", interval=interval)

    def submit(self, comment_id: int, *, interval: float) -> None:
        """Queue `comment_id` for the next batch; microseconds, never any I/O."""
        self._queue.append(comment_id)
        self._flusher.interval = interval
        self._flusher.ensure_running()
        if len(self._queue) >= BATCH:
            self._flusher.wake()

    def flush(self) -> int:
        """Publish every queued id now, one message per BATCH ids; returns how many ids were published.

        When a publish fails, the whole queue is dropped rather than tried batch after batch against a dead
        broker (about a second each): the sweeper enqueues those comments later."""
        if not self._queue:  # the common case at exit: no import of the tasks (sklearn) during shutdown
            return 0
        from comments.tasks import score_comments

        published = 0
        with self._flusher.lock:
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
                try:
                    score_comments.delay(batch)
                except Exception:
                    dropped = len(batch) + len(self._queue)
                    self._queue.clear()
                    log.warning("%s comments not enqueued for scoring; the sweeper will retry", dropped, exc_info=True)
                    break
                published += len(batch)
        return published

    def __len__(self) -> int:
        return len(self._queue)


_outbox = ScoringOutbox()


def submit(comment_id: int) -> None:
    """Hand a committed comment to spam scoring; never raises.

    With an eager Celery (the embedded default, the unit tests) or NEWSPORTAL_SCORING_DISPATCH_SECONDS <= 0 the
    `score_comment` task is published (or run) here, as before the outbox; otherwise the id joins this process's
    outbox."""
    interval = settings.NEWSPORTAL_SCORING_DISPATCH_SECONDS
    if interval > 0 and not settings.CELERY_TASK_ALWAYS_EAGER:
        _outbox.submit(comment_id, interval=interval)
        return
    from comments.tasks import score_comment

    try:
        score_comment.delay(comment_id)
    except Exception:
        log.warning("could not enqueue score_comment(%s); the sweeper will retry", comment_id, exc_info=True)


def flush() -> int:
    """Publish what this process's outbox holds now (tests, and whoever must not wait for the interval)."""
    return _outbox.flush()
