"""Most Popular formulas: pure functions over hourly view counts (no ORM, no Redis, no clock).

Input everywhere is `buckets`: {hour: {article_id: views}}, where `hour` is a whole hour since the Unix epoch
(`hour_of`) and `views` the number of distinct visitors who read the article in that hour (the counting layer
deduplicates). "Now" is passed in, so the same input always gives the same output.

- Most read: the views of the current hour and the `window_hours - 1` hours before it (hour granularity: the
  window covers between 23 and 24 hours of reading with the default 24).
- Trending: each bucket in the same window weighs `0.5 ** (age / half_life_hours)`, age in whole hours
  (0 for the current hour), so a view loses half its weight every half-life; optionally plus
  `comment_weight * comments` (the article's published comment count).
- Order: score descending, then article id ascending (the older article first), so ties are deterministic.
  Articles with a score of 0 are never listed.

Sums run over the hours in ascending order, so a reference that adds the same numbers in the same order gets
bit-for-bit the same floats.
"""

import heapq
from collections.abc import Iterable, Mapping
from datetime import datetime

MOST_READ = "most_read"
TRENDING = "trending"
KINDS = (MOST_READ, TRENDING)

Buckets = Mapping[int, Mapping[int, int]]
Scores = Mapping[int, float]


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


def most_read_scores(buckets: Buckets, *, now: datetime, window_hours: int = 24) -> dict[int, float]:
    """Views per article in the window."""
    scores: dict[int, float] = {}
    get = scores.get
    for hour in window(now, window_hours):
        for article_id, views in buckets.get(hour, {}).items():
            scores[article_id] = get(article_id, 0) + views
    return scores


def trending_scores(
    buckets: Buckets,
    *,
    now: datetime,
    half_life_hours: float,
    window_hours: int = 24,
    comments: Mapping[int, int] | None = None,
    comment_weight: float = 0.0,
) -> dict[int, float]:
    """Time-decayed views per article in the window, plus `comment_weight` per comment for articles read in it."""
    current = hour_of(now)
    scores: dict[int, float] = {}
    get = scores.get
    for hour in window(now, window_hours):
        weight = decay_weight(current - hour, half_life_hours)
        for article_id, views in buckets.get(hour, {}).items():
            scores[article_id] = get(article_id, 0.0) + views * weight
    if comments and comment_weight:
        for article_id in scores:
            scores[article_id] += comment_weight * comments.get(article_id, 0)
    return scores


def _order_key(scores: Scores):
    return lambda article_id: (-scores[article_id], article_id)


def top_n(scores: Scores, n: int, *, eligible: Iterable[int] | None = None) -> list[int]:
    """The `n` best article ids by score (descending, ties by id ascending), among `eligible` if given."""
    ids = scores.keys() if eligible is None else (a for a in eligible if a in scores)
    return heapq.nsmallest(n, (a for a in ids if scores[a] > 0), key=_order_key(scores))


def top_n_by_group(scores: Scores, groups_of: Mapping[int, Iterable[int]], n: int) -> dict[int, list[int]]:
    """Top `n` per group: `groups_of[article_id]` lists every group the article counts in (its section and the
    section's ancestors). Articles missing from `groups_of` are in no group."""
    best: dict[int, list[int]] = {}
    for article_id in sorted((a for a in scores if scores[a] > 0 and a in groups_of), key=_order_key(scores)):
        for group in groups_of[article_id]:
            ranked = best.setdefault(group, [])
            if len(ranked) < n:
                ranked.append(article_id)
    return best
