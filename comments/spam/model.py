"""The learned text model: hashed character and word n-grams, TF-IDF weighting, a logistic SGD classifier.

Hashing keeps the feature space fixed, so the model can learn one label at a time (`partial_fit`) without a
vocabulary; the IDF weights are measured at each full training and frozen in between. Serialised with pickle
into bytes (zlib-compressed: most hashed buckets are zero), so a model can live in a database row.
"""

import pickle
import re
import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

SPAM, HAM = 1, 0
FORMAT = 1
_DIGIT_RE = re.compile(r"\d")
_SPACE_RE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, every digit as 0 (prices, phone numbers and short codes look alike), whitespace collapsed."""
    return _SPACE_RE.sub(" ", _DIGIT_RE.sub("0", text.lower())).strip()


class TextModel:
    """A binary spam/ham text classifier that can be trained in full or updated one label at a time."""

    def __init__(
        self,
        *,
        char_features: int = 2**19,
        word_features: int = 2**18,
        alpha: float = 2e-5,
        epochs: int = 20,
        balance: bool = True,
    ):
        self.char = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            n_features=char_features,
            alternate_sign=False,
            norm=None,
            lowercase=False,
            preprocessor=normalise,
            dtype=np.float32,
        )
        self.word = HashingVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            n_features=word_features,
            alternate_sign=False,
            norm=None,
            lowercase=False,
            preprocessor=normalise,
            token_pattern=r"(?u)\b\w+\b|[$£€¥!?%]",
            dtype=np.float32,
        )
        self.alpha = alpha
        self.balance = balance
        self.epochs = epochs
        self.idf: np.ndarray | None = None
        self.clf = self._classifier()
        self.labels_seen = 0

    def _classifier(self) -> SGDClassifier:
        return SGDClassifier(
            loss="log_loss", alpha=self.alpha, max_iter=self.epochs, tol=None, average=False, random_state=0
        )

    @property
    def n_features(self) -> int:
        return self.char.n_features + self.word.n_features

    @property
    def is_fitted(self) -> bool:
        return hasattr(self.clf, "coef_")

    def _counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        counts = sp.hstack([self.char.transform(texts), self.word.transform(texts)], format="csr")
        counts.data = np.log1p(counts.data)  # sublinear term frequency
        return counts

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        if self.idf is not None:
            counts = counts @ sp.diags(self.idf, format="csr")
        return normalize(counts, copy=False)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._weigh(self._counts(texts))

    def fit(
        self, texts: Sequence[str], labels: Sequence[int], sample_weight: Sequence[float] | None = None
    ) -> "TextModel":
        """Train from scratch: measure IDF on these texts, then fit with classes balanced by weight."""
        y = np.asarray(labels, dtype=np.int64)
        counts = self._counts(texts)
        df = np.bincount(counts.indices, minlength=self.n_features)
        self.idf = (np.log((1 + len(y)) / (1 + df)) + 1).astype(np.float32)
        X = self._weigh(counts)
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        for cls in (SPAM, HAM) if self.balance else ():
            share = (y == cls).sum()
            if share:
                weights[y == cls] *= len(y) / (2 * share)
        self.clf = self._classifier()
        self.clf.fit(X, y, sample_weight=weights)
        self.labels_seen = len(y)
        return self

    def partial_fit(
        self, texts: Sequence[str], labels: Sequence[int], sample_weight: Sequence[float] | None = None
    ) -> None:
        """One online step on a few new labels (moderator decisions), keeping the IDF of the last full training."""
        X = self.transform(texts)
        self.clf.partial_fit(X, np.asarray(labels, dtype=np.int64), classes=[HAM, SPAM], sample_weight=sample_weight)
        self.labels_seen += len(texts)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Spam probability per text; 0.5 for every text while the model has never been trained."""
        if not self.is_fitted:
            return np.full(len(texts), 0.5)
        proba = self.clf.predict_proba(self.transform(texts))
        return proba[:, list(self.clf.classes_).index(SPAM)] if SPAM in self.clf.classes_ else np.zeros(len(texts))

    def dumps(self) -> bytes:
        return zlib.compress(pickle.dumps((FORMAT, self), protocol=pickle.HIGHEST_PROTOCOL), 1)

    @staticmethod
    def loads(blob: bytes) -> "TextModel":
        fmt, model = pickle.loads(zlib.decompress(bytes(blob)))  # noqa: S301 - our own blob from our own database
        if fmt != FORMAT or not isinstance(model, TextModel):
            raise ValueError(f"unknown spam model format {fmt!r}")
        return model
