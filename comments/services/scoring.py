"""Scoring a new comment for spam and routing it: publish, hold for a moderator, or spam.

Called by the `score_comments` task (a batch from a web process's outbox) and `score_comment` (one comment: the
sweeper, an eager Celery), possibly more than once for one comment (redelivery after a worker died, the
sweeper): the row lock and the `scored_at` guard make every run after the first a no-op, and a person's
decision (`reviewed_at`) is never overridden.
"""

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationDecision, WordRule
from comments.retry import TRANSIENT_ERRORS
from comments.selectors import policy_for_article
from comments.services.lifecycle import apply_count_deltas, comment_transition, published_delta
from comments.services.spam_models import spam_model_current
from comments.spam.combine import Score, combine
from comments.spam.features import text_features
from comments.spam.rules import Context, rule_signals
from comments.text import fingerprint

log = logging.getLogger(__name__)

PENDING, PUBLISHED, SPAM = Comment.Status.PENDING, Comment.Status.PUBLISHED, Comment.Status.SPAM
NOT_SCORED = "not scored"
SAME_TEXT_WINDOW = timedelta(hours=1)
SUSPECT_WORDS_TTL = 60.0
POLICY_TTL = 30.0
_suspect_cache: tuple[float, tuple[str, ...]] = (0.0, ())
_thresholds_cache: dict[int, tuple[float, tuple[float, float]]] = {}


@dataclass(frozen=True)
class ScoreOutcome:
    comment_id: int
    score: Score
    model_version: str
    before: str
    after: str


@dataclass(frozen=True)
class BatchOutcome:
    scored: list[ScoreOutcome]
    failed: list[int]  # ids that could not be scored even alone (a bug): the task gives them up to a person


def suspect_words() -> tuple[str, ...]:
    """The suspect word list, re-read at most once a minute per process."""
    global _suspect_cache
    fetched_at, words = _suspect_cache
    if time.monotonic() - fetched_at > SUSPECT_WORDS_TTL:
        words = tuple(WordRule.objects.filter(kind=WordRule.Kind.SUSPECT).values_list("word", flat=True))
        _suspect_cache = (time.monotonic(), words)
    return words


def thresholds_for(comment: Comment) -> tuple[float, float]:
    """(hold, spam) thresholds of the article's effective policy (its own, else its section's or an ancestor's,
    else the settings' defaults); remembered per article for a short while, as policies change rarely."""
    now = time.monotonic()
    cached = _thresholds_cache.get(comment.article_id)
    if cached is not None and now - cached[0] < POLICY_TTL:
        return cached[1]
    policy = policy_for_article(Article.objects.select_related("section").get(pk=comment.article_id))
    if policy.pk is None:
        value = (settings.SPAM_HOLD_THRESHOLD, settings.SPAM_THRESHOLD)
    else:
        value = (policy.spam_hold_threshold, policy.spam_threshold)
    if len(_thresholds_cache) > 10_000:
        _thresholds_cache.clear()
    _thresholds_cache[comment.article_id] = (now, value)
    return value


# The hot path of every score (a few hundred a second per worker): one hand-written aggregate per comment, since
# compiling the equivalent ORM expression costs more CPU than PostgreSQL needs to answer it. Each branch of the
# WHERE has its index: (body_hash, created_at), ip_hash, (user, status).
_CONTEXT_SQL = """
SELECT
  %(id)s,
  COUNT(DISTINCT article_id) FILTER (WHERE {same}),
  COUNT(*) FILTER (WHERE {client} AND id <> %(id)s AND created_at > %(since_velocity)s AND created_at <= %(at)s),
  COUNT(*) FILTER (WHERE {author} AND id <> %(id)s AND created_at > %(since_velocity)s AND created_at <= %(at)s),
  COUNT(*) FILTER (WHERE {author} AND id <> %(id)s AND status = 'published'),
  COUNT(*) FILTER (WHERE {author} AND id <> %(id)s AND status = 'rejected'),
  COUNT(*) FILTER (WHERE {author} AND id <> %(id)s AND status = 'spam')
FROM comments_comment
WHERE ({same}) OR ({client}) OR ({author})
"""
_SAME = "body_hash = %(body_hash)s AND created_at > %(since_hour)s AND created_at <= %(at)s"
_CLIENT = "ip_hash = %(ip_hash)s"
_USER = "user_id = %(user_id)s"
_EMAIL = "user_id IS NULL AND UPPER(author_email) = UPPER(%(email)s)"
_NOBODY = "1 = 0"
# Comments per hand-written statement: far below SQLite's 500 arms of a compound SELECT and both databases'
# limits on parameters, whatever SPAM_SCORE_BACKLOG is.
STATEMENT_ROWS = 100
_COUNTS = ("same_text_articles", "client_recent", "author_recent", "author_published", "author_rejected", "author_spam")


def _context_query(comment: Comment, prefix: str) -> tuple[str, dict]:
    """One comment's aggregate, its parameter names prefixed so that several can share one statement."""
    minutes = settings.SPAM_VELOCITY_MINUTES
    adapt = connection.ops.adapt_datetimefield_value
    if comment.user_id:
        author = _USER
    elif comment.author_email:
        author = _EMAIL
    else:
        author = _NOBODY
    sql = _CONTEXT_SQL.format(same=_SAME, client=_CLIENT if comment.ip_hash else _NOBODY, author=author)
    params = {
        "id": comment.pk,
        "at": adapt(comment.created_at),
        "since_hour": adapt(comment.created_at - SAME_TEXT_WINDOW),
        "since_velocity": adapt(comment.created_at - timedelta(minutes=minutes)),
        "body_hash": comment.body_hash or fingerprint(comment.body),
        "ip_hash": comment.ip_hash,
        "user_id": comment.user_id,
        "email": comment.author_email,
    }
    return sql.replace("%(", f"%({prefix}"), {prefix + name: value for name, value in params.items()}


def scoring_contexts(comments: Sequence[Comment]) -> dict[int, Context]:
    """What the database says around each comment: the same text elsewhere, posting velocity, author history.

    One round trip per STATEMENT_ROWS comments: each comment's aggregate is its own arm of a UNION ALL, planned
    with its own constants (so each still uses its indexes)."""
    rows = {}
    with connection.cursor() as cursor:
        for start in range(0, len(comments), STATEMENT_ROWS):
            arms, params = [], {}
            for i, comment in enumerate(comments[start : start + STATEMENT_ROWS]):
                sql, arm_params = _context_query(comment, f"c{i}_")
                arms.append(sql)
                params.update(arm_params)
            cursor.execute(" UNION ALL ".join(arms), params)
            rows.update((row[0], [value or 0 for value in row[1:]]) for row in cursor.fetchall())
    return {comment.pk: _context(comment, rows[comment.pk]) for comment in comments}


def _context(comment: Comment, row: list[int]) -> Context:
    counts = dict(zip(_COUNTS, row, strict=True))
    counts["same_text_articles"] = max(1, counts["same_text_articles"])
    signals = comment.signals if isinstance(comment.signals, dict) else {}
    time_to_submit = signals.get("seconds_to_submit", signals.get("time_to_submit"))
    return Context(
        honeypot=bool(signals.get("honeypot")) if "honeypot" in signals else None,
        time_to_submit=float(time_to_submit) if isinstance(time_to_submit, int | float) else None,
        velocity_minutes=settings.SPAM_VELOCITY_MINUTES,
        **counts,
    )


def score_texts(comments: Sequence[Comment]) -> tuple[list[Score], str]:
    """The combined score of each comment (rules + text model, the model run once over all texts) and the model
    version used."""
    loaded = spam_model_current()
    words = suspect_words()
    contexts = scoring_contexts(comments)
    probabilities = loaded.model.predict_proba([comment.body for comment in comments])
    cold = loaded.labels_seen < settings.SPAM_MIN_LABELS
    weight = settings.SPAM_COLD_START_MODEL_WEIGHT if cold else 1.0
    scores = [
        combine(rule_signals(text_features(comment.body, words), contexts[comment.pk]), float(p), model_weight=weight)
        for comment, p in zip(comments, probabilities, strict=True)
    ]
    return scores, loaded.version


def route(*, status: str, probability: float, hold_threshold: float, spam_threshold: float) -> str:
    """Where a scored comment goes. A score never publishes what the policy held: pending stays pending unless spam."""
    if probability >= spam_threshold:
        return SPAM
    if probability >= hold_threshold:
        return PENDING
    return status


def _relax_commit_durability() -> None:
    """PostgreSQL: this transaction's COMMIT does not wait for the WAL flush (a few ms each on slow disks).

    Safe because a score can be recomputed: a crash in the next fraction of a second loses the whole transaction
    (status, counts, audit row together), the comment is unscored again and the sweeper re-enqueues it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def comment_score(*, comment_id: int, backlog: int = 0) -> ScoreOutcome | None:
    """Score one comment and route it by its article's thresholds; None when there was nothing to do.

    Only a comment still awaiting its score (scored_at empty) is scored. One that a person already decided on,
    or that is no longer pending/published (deleted by its author, ...), gets its score recorded but keeps its
    status.

    With `backlog`, up to that many other comments awaiting their score (oldest first; rows another transaction
    holds are skipped, not waited for) are scored in the same transaction: under load one transaction serves
    many comments, and their own tasks then find them scored and return after one indexed read. Should the
    batch fail other than transiently (a bug one text triggers), this comment is scored alone, so no comment
    is given up because of another.
    """
    with connection.cursor() as cursor:  # hand-written: most tasks under load stop here, compiling would dominate
        cursor.execute("SELECT 1 FROM comments_comment WHERE id = %s AND scored_at IS NULL", [comment_id])
        if cursor.fetchone() is None:
            # Scored already (a redelivery, a duplicate, or another comment's backlog), or gone. No lock is needed
            # to see it: scored_at is cleared only by an author's edit, which enqueues a task of its own.
            return None
    try:
        return _score_locked(comment_id, backlog)
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        if not backlog:
            raise
        log.exception("comment %s: scoring it with a backlog failed, scoring it alone", comment_id)
        return _score_locked(comment_id, 0)


def _score_locked(comment_id: int, backlog: int) -> ScoreOutcome | None:
    with transaction.atomic():
        _relax_commit_durability()
        comment = Comment.objects.select_for_update().filter(pk=comment_id).order_by().first()
        if comment is None or comment.scored_at is not None:
            return None
        comments = [comment, *_claim_backlog([comment_id], backlog)] if backlog else [comment]
        return _score_and_route(comments)[0]


def comments_score(*, comment_ids: Sequence[int], backlog: int = 0) -> BatchOutcome:
    """Score a batch of comments (one outbox message) in one transaction and route each by its article's
    thresholds.

    Ids already scored (a redelivery, another task's backlog), gone, decided by a person or given up as "not
    scored" are skipped. The others are locked in id order, waiting for a row another transaction holds (two
    batches sharing ids then never deadlock; a row scored meanwhile is skipped). With `backlog`, other comments
    awaiting their score fill the transaction up to `backlog` comments in all, as in `comment_score`.

    Should the batch fail other than transiently (a bug one text triggers), each comment is scored alone, so no
    comment is given up because of another; those that fail alone too are returned as `failed`. Transient
    errors propagate: the task retries the whole batch, whose scored part is then skipped.
    """
    try:
        return BatchOutcome(scored=_score_batch_locked(comment_ids, backlog), failed=[])
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        log.exception("comments %s: scoring them together failed, scoring each alone", list(comment_ids))
    scored, failed = [], []
    for comment_id in comment_ids:
        try:
            outcome = comment_score(comment_id=comment_id)
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            log.exception("comment %s could not be scored", comment_id)
            failed.append(comment_id)
            continue
        if outcome is not None:
            scored.append(outcome)
    return BatchOutcome(scored=scored, failed=failed)


def _score_batch_locked(comment_ids: Sequence[int], backlog: int) -> list[ScoreOutcome]:
    with transaction.atomic():
        _relax_commit_durability()
        locked = _awaiting_score().filter(pk__in=comment_ids).select_for_update(of=("self",)).order_by("id")
        comments = [comment for comment in locked if comment.scored_at is None]
        if not comments:
            return []
        if backlog > len(comments):
            comments += _claim_backlog(comment_ids, backlog - len(comments))
        return _score_and_route(comments)


def _awaiting_score():
    """Comments not scored yet that scoring may still route: pending or published, not decided by a person, not
    given up as "not scored" (a person decides those)."""
    given_up = ModerationDecision.objects.filter(comment_id=OuterRef("pk"), action="score", reason=NOT_SCORED)
    return Comment.objects.filter(
        scored_at__isnull=True, reviewed_at__isnull=True, status__in=(PENDING, PUBLISHED)
    ).exclude(Exists(given_up))


def _claim_backlog(exclude: Sequence[int], limit: int) -> list[Comment]:
    """Lock up to `limit` other comments awaiting their score, skipping rows that another transaction holds."""
    return list(
        _awaiting_score()
        .exclude(pk__in=exclude)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("id")[:limit]
    )


# One UPDATE for every scored row, hand-written for the same reason as the aggregate above: bulk_update compiles
# a CASE WHEN per row and field, which took a third of a worker's CPU. VALUES columns are column1..4 in both
# PostgreSQL and SQLite; status_changed_at moves only where the status does.
_WRITE_SQL = """
UPDATE comments_comment SET
  status_changed_at = CASE WHEN comments_comment.status <> v.column2 THEN %s
                      ELSE comments_comment.status_changed_at END,
  status = v.column2, spam_score = v.column3, spam_reasons = {reasons}, scored_at = %s, model_version = %s
FROM (VALUES {rows}) AS v
WHERE comments_comment.id = v.column1
"""


def _write_scores(rows: list[tuple[int, str, float, list[str]]], *, now, version: str) -> None:
    """Store (id, status, score, reasons) for locked rows; `now` becomes scored_at (and status_changed_at)."""
    adapt = connection.ops.adapt_datetimefield_value
    reasons = "CAST(v.column4 AS jsonb)" if connection.vendor == "postgresql" else "v.column4"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), STATEMENT_ROWS):
            chunk = rows[start : start + STATEMENT_ROWS]
            sql = _WRITE_SQL.format(reasons=reasons, rows=", ".join(["(%s, %s, %s, %s)"] * len(chunk)))
            params = [adapt(now), adapt(now), version]
            for comment_id, status, score, why in chunk:
                params += [comment_id, status, score, json.dumps(why)]
            cursor.execute(sql, params)


def _score_and_route(comments: list[Comment]) -> list[ScoreOutcome]:
    """Score locked, unscored comments and route them together, as the bulk moderation path does: one UPDATE
    for the rows, counts through apply_count_deltas, one INSERT for the audit rows ("score", no actor).
    Call inside a transaction holding every row's lock."""
    scores, version = score_texts(comments)
    now = timezone.now()
    deltas: dict[tuple[int, int | None], int] = {}
    decisions, outcomes = [], []
    rows = []
    for comment, score in zip(comments, scores, strict=True):
        before = after = comment.status
        if comment.reviewed_at is None and before in (PENDING, PUBLISHED):
            hold, spam = thresholds_for(comment)
            after = route(status=before, probability=score.probability, hold_threshold=hold, spam_threshold=spam)
            if after != before:
                key = (comment.article_id, comment.parent_id)
                deltas[key] = deltas.get(key, 0) + published_delta(before, after)
            decisions.append(
                ModerationDecision(
                    comment_id=comment.pk,
                    action="score",
                    reason=f"spam score {score.probability:.2f}",
                    note="; ".join(score.reasons),
                    status_before=before,
                    status_after=after,
                    created_at=now,
                )
            )
        rows.append((comment.pk, after, round(score.probability, 4), score.reasons))
        outcomes.append(ScoreOutcome(comment.pk, score, version, before, after))
    _write_scores(rows, now=now, version=version)
    apply_count_deltas(deltas)
    ModerationDecision.objects.bulk_create(decisions)
    return outcomes


def comment_hold_unscored(*, comment_id: int) -> bool:
    """After the last retry: hold the comment for a person with the reason "not scored" (it stays unscored)."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None or comment.scored_at is not None or comment.reviewed_at is not None:
            return False
        if comment.status not in (PENDING, PUBLISHED):
            return False
        hold_reasons = list(comment.hold_reasons) if isinstance(comment.hold_reasons, list) else []
        comment_transition(
            comment=comment,
            to_status=PENDING,
            action="score",
            actor=None,
            reason=NOT_SCORED,
            reviewed=False,
            extra_fields={"spam_reasons": [NOT_SCORED], "hold_reasons": [*hold_reasons, NOT_SCORED]},
        )
    log.warning("comment %s held for a person: not scored after every retry", comment_id)
    return True


def comments_unscored(*, older_than_seconds: float | None = None, limit: int | None = None) -> list[int]:
    """Comments committed a while ago and never scored (their task was lost): the sweeper enqueues them again.

    Skips those already held as "not scored" (a person decides them) and those a person already decided.
    Each id is offered at most once per two minutes (a cache mark), so a backlog is not enqueued twice over.
    """
    older = settings.SPAM_SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    ids = list(
        _awaiting_score()
        .filter(created_at__lt=timezone.now() - timedelta(seconds=older))
        .order_by("id")
        .values_list("id", flat=True)[: limit or settings.SPAM_SWEEP_BATCH]
    )
    fresh = []
    for cid in ids:
        try:
            if not cache.add(f"spam:swept:{cid}", 1, timeout=120):
                continue
        except Exception:  # cache down: enqueue anyway, a duplicate task is a no-op
            pass
        fresh.append(cid)
    return fresh
