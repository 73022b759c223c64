"""How moderators' decisions become labels, how a model is judged, and when a retrained model may replace one.

Labels: approve = ham; spam = spam; reject = ham at half weight (a person chose "reject" over "spam": the text
is unwanted for another reason, abuse or off-topic, and teaching the *spam* model otherwise would make it
confuse rudeness with advertising); restore of a comment that was spam = ham (a false positive corrected).
"""

import csv
import io
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from comments.spam.model import HAM, SPAM, TextModel

HOLDOUT_PERCENT = 20
REJECT_WEIGHT = 0.5


@dataclass(frozen=True)
class Label:
    spam: int  # SPAM (1) or HAM (0)
    weight: float


def label_for_decision(action: str, status_before: str) -> Label | None:
    """The training label a person's decision gives, or None when it says nothing about spam."""
    if action == "approve":
        return Label(HAM, 1.0)
    if action == "spam":
        return Label(SPAM, 1.0)
    if action == "reject":
        return Label(HAM, REJECT_WEIGHT)
    if action == "restore" and status_before == "spam":
        return Label(HAM, 1.0)
    return None


def in_holdout(key: int | str, percent: int = HOLDOUT_PERCENT) -> bool:
    """The frozen holdout: a fixed ~20% of labels chosen by a hash of the comment id, never trained on."""
    return zlib.crc32(str(key).encode()) % 100 < percent


def train_full(
    texts: Sequence[str], labels: Sequence[int], weights: Sequence[float] | None = None, **params
) -> TextModel:
    """A fresh model from labels alone: production's periodic retrain and `spam_eval` both come through here."""
    return TextModel(**params).fit(texts, labels, weights)


def evaluate(model: TextModel, texts: Sequence[str], labels: Sequence[int], threshold: float = 0.5) -> dict:
    y = np.asarray(labels)
    proba = model.predict_proba(texts) if len(texts) else np.zeros(0)
    predicted = (proba >= threshold).astype(int)
    both = len(set(y.tolist())) == 2
    return {
        "n": len(y),
        "spam": int((y == SPAM).sum()),
        "precision": float(precision_score(y, predicted, zero_division=0)),
        "recall": float(recall_score(y, predicted, zero_division=0)),
        "f1": float(f1_score(y, predicted, zero_division=0)),
        "auc": float(roc_auc_score(y, proba)) if both else None,
    }


def should_promote(candidate: dict, current: dict | None, *, tolerance: float = 0.0) -> bool:
    """Promote a retrained model only if it is not worse than the active one on the frozen holdout (F1 and AUC)."""
    if current is None or current.get("f1") is None:
        return True
    if candidate["f1"] + tolerance < current["f1"]:
        return False
    if candidate.get("auc") is not None and current.get("auc") is not None:
        return candidate["auc"] + tolerance >= current["auc"]
    return True


@dataclass
class CsvLabels:
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    bad_rows: int = 0


LABEL_WORDS = {"spam": SPAM, "ham": HAM, "1": SPAM, "0": HAM}


def read_labelled_csv(lines: Iterable[str] | io.TextIOBase) -> CsvLabels:
    """Rows with columns `text,label` (label spam|ham), in any column order; other columns are ignored.

    Quoted fields with commas and newlines are fine (csv module); a UTF-8 BOM on the header is dropped; rows
    without a usable text or label are counted in `bad_rows` and skipped.
    """
    out = CsvLabels()
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return out
    names = [h.lstrip("\ufeff").strip().lower() for h in header]
    if "text" not in names or "label" not in names:
        raise ValueError(f"the CSV header must name the columns text and label, got {header!r}")
    ti, li = names.index("text"), names.index("label")
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) <= max(ti, li):
            out.bad_rows += 1
            continue
        text, label = row[ti], LABEL_WORDS.get(row[li].strip().lower())
        if label is None or not text.strip():
            out.bad_rows += 1
            continue
        out.texts.append(text)
        out.labels.append(label)
    return out
