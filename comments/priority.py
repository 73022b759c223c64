"""The pending queue's priority: which held comment a moderator should see first. Pure, no ORM.

    priority = 40 * spam score (0..1; unscored counts as 0.5)
             + 15 * open reader reports (at most 5 count)
             + 10 * log10(1 + the article's published comments)   (traffic: a busy article's readers are waiting)
             + 1 per 10 minutes the comment has waited             (age)

The age term grows with the clock at the same rate for every comment, so ordering by the priority *now* is
ordering by a stored value without the clock: `stored = static part - created_at_epoch / 600`. The database
keeps `Comment.priority` (stored) up to date with a trigger on the inputs (comments/migrations/0002_...), so
the queue pages through one partial index whatever code changed a spam score or a report count. The article's
traffic is read when the comment's inputs change (a comment's own snapshot, not re-ranked on every new comment);
the article's denormalised comment_count stands in for traffic because it is exact and costs one primary-key read.
"""

import math
from datetime import datetime

SPAM_WEIGHT = 40.0
UNSCORED_SPAM = 0.5
REPORT_WEIGHT = 15.0
MAX_REPORTS = 5
TRAFFIC_WEIGHT = 10.0
AGE_SECONDS_PER_POINT = 600.0


def stored_priority(*, spam_score: float | None, flag_count: int, article_comments: int, created_at: datetime) -> float:
    """What the database trigger stores (the Python reference of the SQL in the migration)."""
    spam = UNSCORED_SPAM if spam_score is None else spam_score
    return (
        SPAM_WEIGHT * spam
        + REPORT_WEIGHT * min(flag_count, MAX_REPORTS)
        + TRAFFIC_WEIGHT * math.log10(1 + max(article_comments, 0))
        - created_at.timestamp() / AGE_SECONDS_PER_POINT
    )


def priority_at(stored: float, now: datetime) -> float:
    """The priority as a person reads it at `now` (the stored value plus the age term's clock part)."""
    return round(stored + now.timestamp() / AGE_SECONDS_PER_POINT, 1)


# The trigger's expression in each dialect; `NEW` is the comment row. Kept here next to the formula it mirrors.
SQL_POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION comments_comment_priority() RETURNS trigger AS $$
BEGIN
    NEW.priority := {SPAM_WEIGHT} * COALESCE(NEW.spam_score, {UNSCORED_SPAM})
        + {REPORT_WEIGHT} * LEAST(NEW.flag_count, {MAX_REPORTS})
        + {TRAFFIC_WEIGHT} * LOG(1 + GREATEST(COALESCE(
            (SELECT comment_count FROM articles_article WHERE id = NEW.article_id), 0), 0))
        - EXTRACT(EPOCH FROM NEW.created_at) / {AGE_SECONDS_PER_POINT};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS comments_comment_priority ON comments_comment;
CREATE TRIGGER comments_comment_priority
    BEFORE INSERT OR UPDATE OF spam_score, flag_count, status, created_at, article_id ON comments_comment
    FOR EACH ROW EXECUTE FUNCTION comments_comment_priority();
"""
SQL_POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS comments_comment_priority ON comments_comment;
DROP FUNCTION IF EXISTS comments_comment_priority();
"""

_SQLITE_EXPR = f"""
    {SPAM_WEIGHT} * COALESCE(NEW.spam_score, {UNSCORED_SPAM})
    + {REPORT_WEIGHT} * MIN(NEW.flag_count, {MAX_REPORTS})
    + {TRAFFIC_WEIGHT} * LOG10(1 + MAX(COALESCE(
        (SELECT comment_count FROM articles_article WHERE id = NEW.article_id), 0), 0))
    - (JULIANDAY(NEW.created_at) - 2440587.5) * 86400.0 / {AGE_SECONDS_PER_POINT}
"""
SQL_SQLITE = [
    "DROP TRIGGER IF EXISTS comments_comment_priority_ins",
    "DROP TRIGGER IF EXISTS comments_comment_priority_upd",
    f"""CREATE TRIGGER comments_comment_priority_ins AFTER INSERT ON comments_comment
    BEGIN UPDATE comments_comment SET priority = {_SQLITE_EXPR} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER comments_comment_priority_upd
    AFTER UPDATE OF spam_score, flag_count, status, created_at, article_id ON comments_comment
    BEGIN UPDATE comments_comment SET priority = {_SQLITE_EXPR} WHERE id = NEW.id; END""",
]
SQL_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS comments_comment_priority_ins",
    "DROP TRIGGER IF EXISTS comments_comment_priority_upd",
]
