"""A per-process background flusher: what a web request queues in memory, a daemon thread sends in batches.

Used where a request must not pay for a round trip (views counted in Redis, spam scoring handed to Celery): the
request appends to an in-process queue and returns; a daemon thread calls the owner's `flush` to send it.
"""

import atexit
import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class BackgroundFlusher:
    """Calls `flush` from a daemon thread every `interval` seconds, sooner after `wake()`, and once more at
    interpreter exit (a gracefully stopped gunicorn worker sends what it still holds).

    The thread starts lazily on the first `ensure_running()` of each process: gunicorn forks its workers, and a
    fork copies the memory but not the threads, so the pid of the process that started the thread is kept and a
    forked child starts its own. `flush` should catch and log the errors it expects (Redis or the broker down);
    anything else is logged here and the thread carries on: it never dies.

    `lock` is for the owner: hold it while draining the queue, so the thread, the exit hook and an explicit
    flush never drain at once. A forked child gets a new one (the parent's thread may have held it at the fork).
    """

    def __init__(self, flush: Callable[[], object], *, name: str, interval: float):
        self.name = name
        self.interval = interval
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self._flush = flush
        self._wake = threading.Event()
        self._start_lock = threading.Lock()
        self._exit_hook = False

    def ensure_running(self) -> None:
        """Start this process's thread unless it runs already (one pid comparison on the hot path)."""
        if self.pid != os.getpid():
            self._start()

    def wake(self) -> None:
        """Flush now rather than at the end of the interval (a full batch is waiting)."""
        self._wake.set()

    def _start(self) -> None:
        with self._start_lock:
            if self.pid == os.getpid():
                return
            if self.pid:
                self.lock = threading.Lock()
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self.thread.start()
            if not self._exit_hook:  # a forked child inherits the hook, which then flushes the child's queue
                self._exit_hook = True
                atexit.register(self._flush_logged)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            self._flush_logged()

    def _flush_logged(self) -> None:
        try:
            self._flush()
        except Exception:
            log.exception("%s: flush failed; the thread carries on", self.name)
