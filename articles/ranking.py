"""Most Popular formulas: pure functions over hourly view counts (no ORM, no Redis, no clock).

Input everywhere is `buckets`: {hour: counts}, where `hour` is a whole hour since the Unix epoch (`hour_of`) and
`counts` a 1-D integer array indexed by article id: the number of distinct visitors who read that article in
that hour (the counting layer deduplicates). Arrays, not dicts, because one pass covers 100,000 articles x 24
hours: whole-array arithmetic keeps it well under a second. "Now" is passed in, so the same input always gives
the same output.

- Most read: the views of the current hour and the `window_hours - 1` hours before it (hour granularity: the
  window covers between 23 and 24 hours of reading with the default 24).
- Trending: each bucket in the same window weighs `0.5 ** (age / half_life_hours)`, age in whole hours
  (0 for the current hour), so a view loses half its weight every half-life; optionally plus
  `comment_weight * comments` (the article's published comment count) for articles read in the window.
- Order: score descending, then article id ascending (the older article first), so ties are deterministic.
  Articles with a score of 0 are never listed.

Trending adds the weighted hours one by one in ascending hour order (`score += views * weight`), so a reference
that adds the same numbers in the same order gets bit-for-bit the same floats.
"""

from collections.abc import Hashable, Mapping
from datetime import datetime

import numpy as np

MOST_READ = "most_read"
TRENDING = "trending"
KINDS = (MOST_READ, TRENDING)

Buckets = Mapping[int, np.ndarray]


def hour_of(moment: datetime) -> int:
    """The whole hour since the Unix epoch that `moment` (timezone-aware) falls in."""
    return int(moment.timestamp() // 3600)


def window(now: datetime, window_hours: int) -> list[int]:
    """The hours a pass reads, oldest first: the current hour and the `window_hours - 1` before it."""
    if window_hours < 1:
        raise ValueError("window_hours must be at least 1")
    current = hour_of(now)
    return list(range(current - window_hours + 1, current + 1))


def decay_weight(age_hours: float, half_life_hours: float) -> float:
    """The weight of a view `age_hours` old: 1 now, 1/2 after one half-life, 1/4 after two."""
    if half_life_hours <= 0:
        raise ValueError("half_life_hours must be positive")
    return 0.5 ** (max(age_hours, 0) / half_life_hours)


def dense(counts: Mapping[int, int], size: int = 0) -> np.ndarray:
    """{article_id: views} as the array the functions here take (at least `size` long)."""
    array = np.zeros(max([size, *(a + 1 for a in counts)]), dtype=np.int64)
    for article_id, views in counts.items():
        array[article_id] = views
    return array


def _in_window(buckets: Buckets, now: datetime, window_hours: int) -> tuple[list[tuple[int, np.ndarray]], int]:
    hours = [(hour, buckets[hour]) for hour in window(now, window_hours) if hour in buckets]
    return hours, max((len(counts) for _, counts in hours), default=0)


def _padded(counts: np.ndarray, size: int) -> np.ndarray:
    return counts if len(counts) == size else np.pad(counts, (0, size - len(counts)))


def most_read_scores(buckets: Buckets, *, now: datetime, window_hours: int = 24) -> np.ndarray:
    """Views per article id in the window."""
    hours, size = _in_window(buckets, now, window_hours)
    scores = np.zeros(size, dtype=np.int64)
    for _, counts in hours:
        scores += _padded(counts.astype(np.int64, copy=False), size)
    return scores


def trending_scores(
    buckets: Buckets,
    *,
    now: datetime,
    half_life_hours: float,
    window_hours: int = 24,
    comments: np.ndarray | None = None,
    comment_weight: float = 0.0,
) -> np.ndarray:
    """Time-decayed views per article id in the window, plus `comment_weight` per comment for articles read in it."""
    current = hour_of(now)
    hours, size = _in_window(buckets, now, window_hours)
    scores = np.zeros(size, dtype=np.float64)
    for hour, counts in hours:
        scores += _padded(counts, size) * decay_weight(current - hour, half_life_hours)
    if comments is not None and comment_weight:
        blend = _padded(np.asarray(comments, dtype=np.float64)[:size], size) * comment_weight
        scores += np.where(scores > 0, blend, 0.0)
    return scores


def ranked_ids(scores: np.ndarray) -> np.ndarray:
    """Every article id with a positive score, best first: score descending, then id ascending."""
    ids = np.flatnonzero(scores > 0)
    return ids[np.lexsort((ids, -scores[ids]))]


def top_n(scores: np.ndarray, n: int, *, eligible: np.ndarray | None = None) -> list[int]:
    """The `n` best article ids, among those where the boolean array `eligible` is true if given."""
    ranked = ranked_ids(scores)
    if eligible is not None:
        ranked = ranked[_padded(eligible, max(len(scores), len(eligible)))[ranked]]
    return ranked[:n].tolist()


def top_n_by_group(scores: np.ndarray, groups: Mapping[Hashable, np.ndarray], n: int) -> dict[Hashable, list[int]]:
    """Top `n` per group; `groups[g]` is a boolean array over article ids (true = the article counts in g, e.g.
    its section and the section's ancestors). One sort serves every group."""
    ranked = ranked_ids(scores)
    size = len(scores)
    return {group: ranked[_padded(mask[:size], size)[ranked]][:n].tolist() for group, mask in groups.items()}
