"""Where the spam text model lives: the active version, learning from moderators' labels, full retrains.

Workers keep the loaded model in process memory and ask at most every SPAM_MODEL_CHECK_SECONDS whether the
active version changed (one cache read; the database when the cache is down), so a newly promoted or updated
model is picked up without a restart.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.models import ModerationDecision, SpamLabel, SpamModel
from comments.spam.learning import (
    evaluate,
    in_holdout,
    label_for_decision,
    read_labelled_csv,
    should_promote,
    train_full,
)
from comments.spam.model import SPAM, TextModel

log = logging.getLogger(__name__)

BOOTSTRAP_CSV = Path(__file__).resolve().parent.parent / "spam" / "data" / "bootstrap.csv"
ACTIVE_VERSION_KEY = "spam:model:active-version"
LABELLED_ACTIONS = ("approve", "reject", "spam", "restore")


@dataclass
class LoadedModel:
    version: str
    model: TextModel
    labels_seen: int  # moderators' labels behind it (0 for the bootstrap model): decides cold start
    checked_at: float


_loaded: LoadedModel | None = None
_load_lock = threading.Lock()


def _publish_version(version: str) -> None:
    try:
        cache.set(ACTIVE_VERSION_KEY, version, timeout=300)
    except Exception:  # the cache (Redis) is down: workers fall back to the database
        log.warning("could not publish the active spam model version to the cache", exc_info=True)


def _active_version() -> str | None:
    try:
        version = cache.get(ACTIVE_VERSION_KEY)
    except Exception:
        version = None
    if version is None:
        row = SpamModel.objects.filter(is_active=True).values_list("pk", "revision").first()
        if row is None:
            return None
        version = f"{row[0]}.{row[1]}"
        _publish_version(version)
    return version


@lru_cache(maxsize=1)
def _bootstrap_blob() -> bytes:
    with BOOTSTRAP_CSV.open(encoding="utf-8-sig", newline="") as f:
        data = read_labelled_csv(f)
    return train_full(data.texts, data.labels).dumps()


def load_model(blob: bytes) -> TextModel:
    """The model in a stored blob; one written by an incompatible older version of the code is replaced by the
    bootstrap model (logged), so an upgrade never stops scoring. The next full retrain stores a current one."""
    try:
        return TextModel.loads(blob)
    except Exception:
        log.exception("stored spam model unreadable by this version: using the bootstrap model")
        return TextModel.loads(_bootstrap_blob())


def spam_model_bootstrap() -> SpamModel:
    """The active model, creating the bootstrap one (trained on the project's synthetic corpus) if none is."""
    active = SpamModel.objects.filter(is_active=True).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            active = SpamModel.objects.create(
                kind=SpamModel.Kind.BOOTSTRAP,
                is_active=True,
                blob=_bootstrap_blob(),
                metrics={"corpus": BOOTSTRAP_CSV.name},
            )
    except IntegrityError:  # another worker created it first
        return SpamModel.objects.get(is_active=True)
    transaction.on_commit(lambda: _publish_version(active.version))
    return active


def spam_model_current() -> LoadedModel:
    """The active model as loaded in this process, reloaded when the active version changed."""
    global _loaded
    now = time.monotonic()
    loaded = _loaded
    if loaded is not None and now - loaded.checked_at < settings.SPAM_MODEL_CHECK_SECONDS:
        return loaded
    with _load_lock:
        version = _active_version()
        if version is None:
            version = spam_model_bootstrap().version
        if _loaded is not None and _loaded.version == version:
            _loaded.checked_at = now
            return _loaded
        row = SpamModel.objects.filter(is_active=True).first() or spam_model_bootstrap()
        _loaded = LoadedModel(row.version, load_model(row.blob), row.labels_seen, now)
        log.info("spam model %s loaded", row.version)
        return _loaded


def spam_model_forget_loaded() -> None:
    """Drop this process's loaded model (tests; a fresh database)."""
    global _loaded
    _loaded = None


def spam_label_record(*, decision: ModerationDecision) -> SpamLabel | None:
    """Turn one person's decision into a training label, once (a second call returns the same label)."""
    if decision.actor_id is None:
        return None
    label = label_for_decision(decision.action, decision.status_before)
    text = decision.comment.body
    if label is None or not text.strip():
        return None
    obj, _ = SpamLabel.objects.get_or_create(
        decision=decision,
        defaults={
            "comment_id": decision.comment_id,
            "text": text,
            "is_spam": label.spam == SPAM,
            "weight": label.weight,
            "holdout": in_holdout(decision.comment_id),
        },
    )
    return obj


def spam_labels_record_missing(*, since_days: int = 7, limit: int = 1000) -> int:
    """Labels for recent decisions whose learn task never ran (a broker outage): nothing a person decided is lost."""
    decisions = (
        ModerationDecision.objects.filter(
            actor__isnull=False,
            action__in=LABELLED_ACTIONS,
            spam_label__isnull=True,
            created_at__gte=timezone.now() - timedelta(days=since_days),
        )
        .select_related("comment")
        .order_by("id")[:limit]
    )
    return sum(1 for d in decisions if spam_label_record(decision=d) is not None)


def spam_model_learn_pending(*, limit: int = 500) -> int:
    """Apply every label the active model has not learned yet (online partial_fit), then save a new revision.

    Runs under the active row's lock, so concurrent calls learn each label exactly once. Holdout labels are
    never learned. Returns how many labels were applied.
    """
    spam_model_bootstrap()
    with transaction.atomic():
        row = SpamModel.objects.select_for_update().get(is_active=True)
        pending = list(SpamLabel.objects.filter(applied=False, holdout=False).order_by("id")[:limit])
        if not pending:
            return 0
        model = load_model(row.blob)
        model.partial_fit([p.text for p in pending], [int(p.is_spam) for p in pending], [p.weight for p in pending])
        row.blob = model.dumps()
        row.revision += 1
        row.labels_seen += len(pending)
        row.updated_at = timezone.now()
        row.save(update_fields=["blob", "revision", "labels_seen", "updated_at"])
        SpamLabel.objects.filter(pk__in=[p.pk for p in pending]).update(applied=True)
        version = row.version
        transaction.on_commit(lambda: _publish_version(version))
    return len(pending)


def _latest_labels() -> tuple[list[dict], int]:
    """One label per comment (a later decision overrides an earlier one), and the highest label id seen."""
    by_comment: dict[int, dict] = {}
    max_id = 0
    for row in SpamLabel.objects.order_by("id").values("id", "comment_id", "text", "is_spam", "weight", "holdout"):
        by_comment[row["comment_id"]] = row
        max_id = row["id"]
    return list(by_comment.values()), max_id


def spam_model_retrain(*, min_labels: int | None = None, min_holdout: int = 10) -> dict:
    """Train a fresh model on every non-holdout label; promote it only if not worse on the frozen holdout.

    Returns what happened ({"promoted": bool, "why": ..., metrics}). Labels that arrived while training are
    marked not applied on promotion, so online learning teaches them to the new model.
    """
    min_labels = settings.SPAM_MIN_LABELS if min_labels is None else min_labels
    labels, max_id = _latest_labels()
    train = [r for r in labels if not r["holdout"]]
    holdout = [r for r in labels if r["holdout"]]
    if len(train) < min_labels or len({r["is_spam"] for r in train}) < 2:
        return {"promoted": False, "why": f"{len(train)} training labels, need {min_labels} of both kinds"}
    if len(holdout) < min_holdout or len({r["is_spam"] for r in holdout}) < 2:
        return {"promoted": False, "why": f"{len(holdout)} holdout labels, need {min_holdout} of both kinds"}
    candidate = train_full([r["text"] for r in train], [int(r["is_spam"]) for r in train], [r["weight"] for r in train])
    h_texts, h_labels = [r["text"] for r in holdout], [int(r["is_spam"]) for r in holdout]
    candidate_metrics = evaluate(candidate, h_texts, h_labels)
    spam_model_bootstrap()
    with transaction.atomic():
        active = SpamModel.objects.select_for_update().get(is_active=True)
        active_metrics = evaluate(load_model(active.blob), h_texts, h_labels)
        promoted = should_promote(candidate_metrics, active_metrics)
        result = {
            "promoted": promoted,
            "candidate": candidate_metrics,
            "active": active_metrics,
            "replaces": active.version,
        }
        new = SpamModel.objects.create(
            kind=SpamModel.Kind.FULL,
            labels_seen=len(train),
            metrics=result,
            blob=candidate.dumps() if promoted else b"",
        )
        if promoted:
            SpamModel.objects.filter(pk=active.pk).update(is_active=False)
            SpamModel.objects.filter(pk=new.pk).update(is_active=True)
            SpamLabel.objects.filter(holdout=False, id__lte=max_id).update(applied=True)
            SpamLabel.objects.filter(holdout=False, id__gt=max_id).update(applied=False)
            version = f"{new.pk}.0"
            transaction.on_commit(lambda: _publish_version(version))
        result["why"] = "not worse on the holdout" if promoted else "worse on the holdout than the active model"
        result["version"] = new.version
    log.info("spam model retrain: %s", result)
    return result
