"""Where views are counted: one small interface, two backends (Redis in production, memory for the embedded default).

A view is stored as "one distinct visitor read article A in hour H": the backend keeps, per (hour, article), the
set of visitor ids seen, and per hour a counter per article. `buckets()` returns exactly what `articles.ranking`
takes ({hour: counts indexed by article id}), so the ranking reads both backends the same way.
"""

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import redis
from django.conf import settings

from articles import ranking
from newsportal.background import BackgroundFlusher

log = logging.getLogger(__name__)

SEEN_TTL_SECONDS = 2 * 3600  # the dedup set of an hour outlives the hour (clocks of web servers differ a little)


class ViewStore(Protocol):
    def record(self, *, article_id: int, visitor_ids: Sequence[str], hour: int) -> bool:
        """Count one view of `article_id` in `hour` unless one of `visitor_ids` (the same reader under another
        name, e.g. its new cookie and its IP/user-agent hash) was already counted for it in that hour; the ids of a
        counted view are remembered for the hour. Returns whether it counted (the Redis store with a flush interval:
        whether the view is new to this process; Redis decides when the queue is sent)."""

    def known(self, *, article_id: int, visitor_id: str, hour: int) -> bool:
        """Whether this process already knows, without any I/O, that `visitor_id` was counted for `article_id` in
        `hour` (False means "ask `record`", not "new")."""

    def buckets(self, hours: Iterable[int]) -> dict[int, np.ndarray]:
        """{hour: distinct visitors per article id (an integer array)} for the given hours that have views."""

    def flush(self) -> None:
        """Send views still queued in this process to the store (a no-op for a store without a queue)."""

    def add_counts(self, hour: int, counts: Mapping[int, int]) -> None:
        """Add already-deduplicated counts to a bucket (demo data and benchmarks; not for live views)."""

    def clear(self) -> None:
        """Forget every view (tests and demo resets)."""


# Views in one round trip, each atomic: every id of a view is added to its (hour, article) set; the view counts when
# none of them was there before. Returns how many of the views counted, one 0/1 digit per view.
# KEYS, per view: its (hour, article) dedup set, the hour's counter block, the hour's set of blocks in use.
# ARGV: the sets' TTL, the counters' TTL, then per view: its offset in the block, the block, n, and its n ids.
RECORD_SCRIPT = """
local a, counted, touched = 3, {}, {}
for v = 0, #KEYS / 3 - 1 do
  local seen, counters = KEYS[v * 3 + 1], KEYS[v * 3 + 2]
  local n, new = tonumber(ARGV[a + 2]), 1
  for i = a + 3, a + 2 + n do
    if redis.call('SADD', seen, ARGV[i]) == 0 then new = 0 end
  end
  if new == 1 then  -- a set is born with a new view: its TTL is set then
    redis.call('EXPIRE', seen, ARGV[1])
    redis.call('BITFIELD', counters, 'OVERFLOW', 'SAT', 'INCRBY', 'u32', '#' .. ARGV[a], 1)
    touched[counters] = {KEYS[v * 3 + 3], ARGV[a + 1]}
  end
  counted[#counted + 1] = tostring(new)
  a = a + 3 + n
end
for counters, blocks in pairs(touched) do  -- once per counter block of the batch, not once per view
  redis.call('EXPIRE', counters, ARGV[2])
  redis.call('SADD', blocks[1], blocks[2])
  redis.call('EXPIRE', blocks[1], ARGV[2])
end
return table.concat(counted)
"""
# (article id, visitor id) pairs this process knows are in Redis's set for the current hour: a reader's reloads,
# pages 2 and 3 and returns within the hour then cost no round trip; Redis stays the authority.
KNOWN_MAX = 200_000
FLUSH_BATCH = 500  # views per script call
BLOCK_BITS = 16
BLOCK_SIZE = 1 << BLOCK_BITS  # article ids per counter block: 65,536 x 4 bytes = 256 KiB at most


class RedisViewStore:
    """Keys: `<prefix>seen:<hour>:<article>` (SET of visitor ids, 2 h TTL); per hour, counter blocks
    `<prefix>v:<hour>:<block>` (a string of big-endian u32 counters, one per article id in the block, written
    with BITFIELD) and `<prefix>blocks:<hour>` (the blocks in use), kept `retention_hours`. Dense counters make
    the ranking read one string per block instead of one field per article: a 24-hour pass over 100,000
    articles reads 24 x 2 strings.

    With `flush_seconds` > 0 (the web processes: NEWSPORTAL_POPULAR_FLUSH_SECONDS) a view the process does not
    know yet is queued and a background thread sends the queue every `flush_seconds` (or at FLUSH_BATCH views)
    in one script call, so a page never waits for Redis; `record` then answers "new here" (True) before Redis
    has decided, and Redis, which keeps every id of every view, still counts each reader once across processes.
    Views still queued when a process dies are lost (at most `flush_seconds` of them); `buckets` and `flush`
    send the queue first. With 0, `record` calls Redis itself and answers what Redis decided."""

    def __init__(
        self, client: redis.Redis, *, prefix: str = "np:pop:", retention_hours: int = 26, flush_seconds: float = 0.0
    ):
        self.client = client
        self.prefix = prefix
        self.retention_seconds = retention_hours * 3600
        self.flush_seconds = flush_seconds
        self._record = client.register_script(RECORD_SCRIPT)
        self._known_hour = -1
        self._known: set[tuple[int, str]] = set()
        self._queue: deque[tuple[int, tuple[str, ...], int]] = deque()
        self._flusher = BackgroundFlusher(self._flush_quietly, name="view-flusher", interval=flush_seconds)
        self._last_error_log = -60.0

    @classmethod
    def from_url(cls, url: str, **kwargs) -> "RedisViewStore":
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2, health_check_interval=30)
        return cls(client, **kwargs)

    def _block_key(self, hour: int, block: int) -> str:
        return f"{self.prefix}v:{hour}:{block}"

    def _blocks_key(self, hour: int) -> str:
        return f"{self.prefix}blocks:{hour}"

    def known(self, *, article_id: int, visitor_id: str, hour: int) -> bool:
        return hour == self._known_hour and (article_id, visitor_id) in self._known

    def _remember(self, article_id: int, visitor_ids: Sequence[str], hour: int) -> None:
        if hour > self._known_hour or len(self._known) >= KNOWN_MAX:  # a new hour (or too many): start afresh
            self._known_hour, self._known = hour, set()
        if hour == self._known_hour:
            self._known.update((article_id, visitor_id) for visitor_id in visitor_ids)

    def record(self, *, article_id: int, visitor_ids: Sequence[str], hour: int) -> bool:
        if self.known(article_id=article_id, visitor_id=visitor_ids[0], hour=hour):
            return False
        view = (article_id, tuple(visitor_ids), hour)
        if self.flush_seconds <= 0:
            counted = self._send([view])
            self._remember(article_id, visitor_ids, hour)  # Redis now holds every id of the view
            return counted[0]
        self._remember(article_id, visitor_ids, hour)  # queued: this process's next views of it are repeats
        self._queue.append(view)
        self._flusher.ensure_running()
        if len(self._queue) >= FLUSH_BATCH:
            self._flusher.wake()
        return True

    def _send(self, views: list[tuple[int, tuple[str, ...], int]]) -> list[bool]:
        keys: list[str] = []
        args: list = [SEEN_TTL_SECONDS, self.retention_seconds]
        for article_id, visitor_ids, hour in views:
            block, offset = divmod(article_id, BLOCK_SIZE)
            keys += [f"{self.prefix}seen:{hour}:{article_id}", self._block_key(hour, block), self._blocks_key(hour)]
            args += [offset, block, len(visitor_ids), *visitor_ids]
        counted = self._record(keys=keys, args=args)
        counted = counted.decode() if isinstance(counted, bytes) else str(counted)
        return [digit == "1" for digit in counted]

    def flush(self) -> None:
        """Send every queued view now (the flusher does it every `flush_seconds`; `buckets` calls it first)."""
        with self._flusher.lock:
            while self._queue:
                views = []
                while self._queue and len(views) < FLUSH_BATCH:
                    views.append(self._queue.popleft())
                try:
                    self._send(views)
                except (redis.RedisError, OSError):
                    for article_id, visitor_ids, _ in views:  # lost: let the readers' next views try again
                        self._known.difference_update((article_id, visitor_id) for visitor_id in visitor_ids)
                    raise

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except (redis.RedisError, OSError) as exc:
            if time.monotonic() - self._last_error_log > 60:  # every 0.2 s while Redis is down: once a minute
                self._last_error_log = time.monotonic()
                log.warning("views not counted (Redis unavailable): %s", exc)

    def buckets(self, hours: Iterable[int]) -> dict[int, np.ndarray]:
        self._flush_quietly()
        hours = list(hours)
        pipe = self.client.pipeline(transaction=False)
        for hour in hours:
            pipe.smembers(self._blocks_key(hour))
        wanted = [(hour, int(b)) for hour, blocks in zip(hours, pipe.execute(), strict=True) for b in blocks]
        for hour, block in wanted:
            pipe.get(self._block_key(hour, block))
        result: dict[int, np.ndarray] = {}
        for (hour, block), raw in zip(wanted, pipe.execute(), strict=True):
            if not raw:
                continue
            counts = np.frombuffer(raw[: len(raw) // 4 * 4], dtype=">u4")
            start = block * BLOCK_SIZE
            bucket = result.get(hour)
            if bucket is None or len(bucket) < start + len(counts):
                grown = np.zeros(start + len(counts), dtype=np.uint32)
                if bucket is not None:
                    grown[: len(bucket)] = bucket
                bucket = result[hour] = grown
            bucket[start : start + len(counts)] += counts
        return result

    def add_counts(self, hour: int, counts: Mapping[int, int]) -> None:
        pipe = self.client.pipeline(transaction=False)
        by_block: dict[int, list] = {}
        for article_id, views in counts.items():
            block, offset = divmod(article_id, BLOCK_SIZE)
            by_block.setdefault(block, []).extend(["INCRBY", "u32", f"#{offset}", views])
        for block, ops in by_block.items():
            key = self._block_key(hour, block)
            for start in range(0, len(ops), 4000):
                pipe.execute_command("BITFIELD", key, "OVERFLOW", "SAT", *ops[start : start + 4000])
            pipe.expire(key, self.retention_seconds)
            pipe.sadd(self._blocks_key(hour), block)
        pipe.expire(self._blocks_key(hour), self.retention_seconds)
        pipe.execute()

    def bucket_replace(self, hour: int, counts: np.ndarray) -> None:
        """Write a whole hour's counters at once (synthetic benchmark input), replacing what was there."""
        pipe = self.client.pipeline(transaction=False)
        pipe.delete(self._blocks_key(hour))
        for block, start in enumerate(range(0, len(counts), BLOCK_SIZE)):
            part = np.asarray(counts[start : start + BLOCK_SIZE], dtype=">u4")
            pipe.set(self._block_key(hour, block), part.tobytes(), ex=self.retention_seconds)
            pipe.sadd(self._blocks_key(hour), block)
        pipe.expire(self._blocks_key(hour), self.retention_seconds)
        pipe.execute()

    def clear(self) -> None:
        self._queue.clear()
        self._known = set()
        for key in self.client.scan_iter(match=f"{self.prefix}*", count=1000):
            self.client.delete(key)


class MemoryViewStore:
    """The embedded default: one process's memory (thread-safe), optionally saved to a JSON file by `save()` so
    `seed_views`, `rank_popular` and `runserver` (separate processes) see the same counts."""

    def __init__(self, *, path: Path | None = None, retention_hours: int = 26):
        self.path = path
        self.retention_hours = retention_hours
        self._lock = threading.Lock()
        self._seen: dict[tuple[int, int], set[str]] = {}
        self._views: dict[int, dict[int, int]] = {}
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text())
            self._views = {int(h): {int(a): int(n) for a, n in counts.items()} for h, counts in data.items()}
        except (OSError, ValueError, AttributeError):
            log.warning("ignoring unreadable view counts in %s", path)

    def save(self) -> None:
        if self.path is None:
            return
        with self._lock:
            data = {str(h): {str(a): n for a, n in counts.items()} for h, counts in self._views.items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.path)

    def _forget_before(self, hour: int) -> None:
        oldest = hour - self.retention_hours
        for old in [h for h in self._views if h < oldest]:
            del self._views[old]
        for key in [k for k in self._seen if k[0] < hour - 1]:
            del self._seen[key]

    def known(self, *, article_id: int, visitor_id: str, hour: int) -> bool:
        seen = self._seen.get((hour, article_id))  # a read of a dict and a set: safe without the lock
        return seen is not None and visitor_id in seen

    def record(self, *, article_id: int, visitor_ids: Sequence[str], hour: int) -> bool:
        with self._lock:
            seen = self._seen.get((hour, article_id))
            if seen is None:
                seen = self._seen[(hour, article_id)] = set()
            else:
                for visitor_id in visitor_ids:
                    if visitor_id in seen:
                        return False
            seen.update(visitor_ids)
            counts = self._views.setdefault(hour, {})
            counts[article_id] = counts.get(article_id, 0) + 1
            if len(self._views) > self.retention_hours + 2:
                self._forget_before(hour)
            return True

    def flush(self) -> None:
        pass  # counted in place

    def buckets(self, hours: Iterable[int]) -> dict[int, np.ndarray]:
        with self._lock:
            return {h: ranking.dense(self._views[h]) for h in hours if self._views.get(h)}

    def add_counts(self, hour: int, counts: Mapping[int, int]) -> None:
        with self._lock:
            bucket = self._views.setdefault(hour, {})
            for article_id, views in counts.items():
                bucket[article_id] = bucket.get(article_id, 0) + views

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
            self._views.clear()


_store: ViewStore | None = None
_store_lock = threading.Lock()


def build_view_store() -> ViewStore:
    retention = settings.NEWSPORTAL_POPULAR_WINDOW_HOURS + 2
    url = settings.NEWSPORTAL_POPULAR_REDIS_URL
    if url:
        return RedisViewStore.from_url(
            url, retention_hours=retention, flush_seconds=settings.NEWSPORTAL_POPULAR_FLUSH_SECONDS
        )
    path = settings.NEWSPORTAL_POPULAR_MEMORY_FILE
    return MemoryViewStore(path=Path(path) if path else None, retention_hours=retention)


def get_view_store() -> ViewStore:
    """The process's store, built from settings on first use."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                _store = build_view_store()
    return _store


def use_view_store(store: ViewStore | None) -> None:
    """Replace the process's store (tests); None rebuilds it from settings on next use."""
    global _store
    _store = store
