"""The Most Popular formulas (articles/ranking.py): pure, no database."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from articles import ranking

NOW = datetime(2026, 1, 8, 12, 30, tzinfo=UTC)
H = ranking.hour_of(NOW)


def test_hour_of_counts_whole_hours_since_the_epoch():
    assert ranking.hour_of(datetime(1970, 1, 1, 0, 59, tzinfo=UTC)) == 0
    assert ranking.hour_of(datetime(1970, 1, 1, 1, 0, tzinfo=UTC)) == 1
    assert ranking.hour_of(NOW) == ranking.hour_of(NOW.replace(minute=0)) == ranking.hour_of(NOW.replace(minute=59))


def test_window_is_the_current_hour_and_the_ones_before_oldest_first():
    assert ranking.window(NOW, 3) == [H - 2, H - 1, H]
    with pytest.raises(ValueError):
        ranking.window(NOW, 0)


def test_decay_weight_halves_every_half_life():
    assert ranking.decay_weight(0, 4) == 1
    assert ranking.decay_weight(4, 4) == 0.5
    assert ranking.decay_weight(8, 4) == 0.25
    assert ranking.decay_weight(2, 4) == pytest.approx(0.5**0.5)
    with pytest.raises(ValueError):
        ranking.decay_weight(1, 0)


def b(counts: dict[int, int]) -> np.ndarray:
    return ranking.dense(counts)


def scores_of(array) -> dict[int, float]:
    return {int(i): array[i].item() for i in np.flatnonzero(array)}


def test_dense_places_counts_at_their_article_id():
    assert ranking.dense({3: 2, 1: 5}).tolist() == [0, 5, 0, 2]
    assert len(ranking.dense({}, size=4)) == 4


def test_most_read_sums_the_window_and_ignores_older_and_future_hours():
    buckets = {H: b({1: 2, 2: 1}), H - 23: b({1: 1, 3: 5}), H - 24: b({2: 100}), H + 1: b({2: 100})}

    assert scores_of(ranking.most_read_scores(buckets, now=NOW, window_hours=24)) == {1: 3, 2: 1, 3: 5}


def test_buckets_of_different_lengths_line_up_by_article_id():
    buckets = {H: b({1: 1}), H - 1: b({70_000: 2, 1: 1})}

    assert scores_of(ranking.most_read_scores(buckets, now=NOW)) == {1: 2, 70_000: 2}
    assert ranking.most_read_scores({}, now=NOW).tolist() == []


def test_trending_weighs_each_hour_by_its_age():
    buckets = {H: b({1: 4}), H - 4: b({2: 4}), H - 8: b({3: 4})}

    scores = ranking.trending_scores(buckets, now=NOW, half_life_hours=4, window_hours=24)

    assert scores_of(scores) == {1: 4.0, 2: 2.0, 3: 1.0}


def test_trending_prefers_fresh_views_over_more_older_ones():
    buckets = {H: b({1: 10}), H - 12: b({2: 30})}

    trending = ranking.trending_scores(buckets, now=NOW, half_life_hours=4)
    most_read = ranking.most_read_scores(buckets, now=NOW)

    assert ranking.top_n(trending, 2) == [1, 2]
    assert ranking.top_n(most_read, 2) == [2, 1]


def test_comment_weight_blends_comments_into_trending_only_for_read_articles():
    buckets = {H: b({1: 3, 2: 2})}
    comments = b({2: 5, 9: 100})

    plain = ranking.trending_scores(buckets, now=NOW, half_life_hours=4, comments=comments)
    blended = ranking.trending_scores(buckets, now=NOW, half_life_hours=4, comments=comments, comment_weight=0.5)

    assert scores_of(plain) == {1: 3.0, 2: 2.0}
    assert scores_of(blended) == {1: 3.0, 2: 4.5}


def test_top_n_orders_by_score_then_article_id_and_drops_zero_scores():
    scores = b({7: 5, 3: 5, 9: 8, 4: 0, 1: 1})
    eligible = np.zeros(50, dtype=bool)
    eligible[[7, 1, 4, 42]] = True

    assert ranking.top_n(scores, 10) == [9, 3, 7, 1]
    assert ranking.top_n(scores, 2) == [9, 3]
    assert ranking.top_n(scores, 10, eligible=eligible) == [7, 1]
    assert ranking.top_n(scores, 10, eligible=eligible[:5]) == [1]  # ids past a short mask are not eligible


def test_top_n_by_group_lists_an_article_in_each_of_its_groups():
    scores = b({1: 9, 2: 8, 3: 7, 4: 6, 5: 0})
    groups = {
        "site": np.array([False, True, True, True, False, True]),
        "a": np.array([False, True, True]),
        "b": np.array([False, False, True, True, False, True]),
    }

    best = ranking.top_n_by_group(scores, groups, 2)

    assert best == {"site": [1, 2], "a": [1, 2], "b": [2, 3]}


def test_the_same_input_always_gives_the_same_lists():
    buckets = {H - age: b({a: (a * 7 + age) % 5 for a in range(50)}) for age in range(30)}
    later = NOW + timedelta(minutes=20)  # same hour: same scores

    first = ranking.top_n(ranking.trending_scores(buckets, now=NOW, half_life_hours=3), 10)
    second = ranking.top_n(ranking.trending_scores(dict(reversed(buckets.items())), now=later, half_life_hours=3), 10)

    assert first == second
