"""Scoring a new comment for spam and routing it: publish, hold for a moderator, or spam.

Called by the `score_comment` task, possibly more than once for one comment (redelivery after a worker died,
the sweeper): the row lock and the `scored_at` guard make every run after the first a no-op, and a person's
decision (`reviewed_at`) is never overridden.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, WordRule
from comments.selectors import policy_for_article
from comments.services.lifecycle import comment_transition
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


# The hot path of every score (a few hundred a second per worker): one hand-written aggregate, since compiling the
# equivalent ORM expression costs more CPU than PostgreSQL needs to answer it. Each branch of the WHERE has its
# index: (body_hash, created_at), ip_hash, (user, status).
_CONTEXT_SQL = """
SELECT
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


def scoring_context(comment: Comment) -> Context:
    """What the database says around this comment: the same text elsewhere, posting velocity, author history."""
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
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = [value or 0 for value in cursor.fetchone()]
    names = ("same_text_articles", "client_recent", "author_recent", "author_published", "author_rejected")
    counts = dict(zip((*names, "author_spam"), row, strict=True))
    counts["same_text_articles"] = max(1, counts["same_text_articles"])
    signals = comment.signals if isinstance(comment.signals, dict) else {}
    time_to_submit = signals.get("seconds_to_submit", signals.get("time_to_submit"))
    return Context(
        honeypot=bool(signals.get("honeypot")) if "honeypot" in signals else None,
        time_to_submit=float(time_to_submit) if isinstance(time_to_submit, int | float) else None,
        velocity_minutes=minutes,
        **counts,
    )


def score_text(comment: Comment) -> tuple[Score, str]:
    """The combined score of a comment (rules + text model) and the model version used."""
    loaded = spam_model_current()
    features = text_features(comment.body, suspect_words())
    signals = rule_signals(features, scoring_context(comment))
    probability = float(loaded.model.predict_proba([comment.body])[0])
    cold = loaded.labels_seen < settings.SPAM_MIN_LABELS
    weight = settings.SPAM_COLD_START_MODEL_WEIGHT if cold else 1.0
    return combine(signals, probability, model_weight=weight), loaded.version


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


def comment_score(*, comment_id: int) -> ScoreOutcome | None:
    """Score one comment and route it by its section's thresholds; None when there was nothing to do.

    Only a comment still awaiting its score (scored_at empty) is scored. One that a person already decided on,
    or that is no longer pending/published (deleted by its author, ...), gets its score recorded but keeps its
    status.
    """
    with transaction.atomic():
        _relax_commit_durability()
        comment = Comment.objects.select_for_update().filter(pk=comment_id).order_by().first()
        if comment is None or comment.scored_at is not None:
            return None
        score, version = score_text(comment)
        fields = {
            "spam_score": round(score.probability, 4),
            "spam_reasons": score.reasons,
            "scored_at": timezone.now(),
            "model_version": version,
        }
        before = comment.status
        if comment.reviewed_at is not None or before not in (PENDING, PUBLISHED):
            Comment.objects.filter(pk=comment.pk).update(**fields)
            return ScoreOutcome(comment.pk, score, version, before, before)
        hold, spam = thresholds_for(comment)
        after = route(status=before, probability=score.probability, hold_threshold=hold, spam_threshold=spam)
        comment_transition(
            comment=comment,
            to_status=after,
            action="score",
            actor=None,
            reason=f"spam score {score.probability:.2f}",
            note="; ".join(score.reasons),
            reviewed=False,
            extra_fields=fields,
        )
    return ScoreOutcome(comment.pk, score, version, before, after)


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
        Comment.objects.filter(
            scored_at__isnull=True,
            reviewed_at__isnull=True,
            status__in=(PENDING, PUBLISHED),
            created_at__lt=timezone.now() - timedelta(seconds=older),
        )
        .exclude(decisions__action="score", decisions__reason=NOT_SCORED)
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
