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
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

SPAM, HAM = 1, 0
FORMAT = 2
_DIGIT_RE = re.compile(r"\d")
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+|[$£€¥!?%]")


def normalise(text: str) -> str:
    """Lower-case, every digit as 0 (prices, phone numbers and short codes look alike), whitespace collapsed."""
    return _SPACE_RE.sub(" ", _DIGIT_RE.sub("0", text.lower())).strip()


class NgramAnalyzer:
    """Tokens of one text: character n-grams inside word boundaries (char_wb) and word uni- and bigrams.

    Word features carry a prefix so they never share a hash bucket with the same characters on purpose.
    A class (not a closure) so that the model pickles.
    """

    def __init__(self, char_range: tuple[int, int] = (2, 5), word_range: tuple[int, int] = (1, 2)):
        self.char_range = char_range
        self.word_range = word_range
        self._char = HashingVectorizer(analyzer="char_wb", ngram_range=char_range, lowercase=False).build_analyzer()

    def __call__(self, text: str) -> list[str]:
        text = normalise(text)
        tokens = self._char(text)
        words = _WORD_RE.findall(text)
        lo, hi = self.word_range
        for n in range(lo, hi + 1):
            tokens.extend(["w:" + " ".join(words[i : i + n]) for i in range(len(words) - n + 1)])
        return tokens


class TextModel:
    """A binary spam/ham text classifier that can be trained in full or updated one label at a time."""

    def __init__(self, *, n_features: int = 2**20, alpha: float = 2e-5, epochs: int = 20, balance: bool = True):
        self.vectorizer = HashingVectorizer(
            analyzer=NgramAnalyzer(), n_features=n_features, alternate_sign=False, norm=None, dtype=np.float64
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
        return self.vectorizer.n_features

    @property
    def is_fitted(self) -> bool:
        return hasattr(self.clf, "coef_")

    def _weighted(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sublinear term frequency times IDF, not yet normalised."""
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            counts = self.vectorizer.transform(texts)
        counts.data = np.log1p(counts.data)
        if self.idf is not None:
            counts.data *= self.idf[counts.indices]
        return counts

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return normalize(self._weighted(texts), copy=False)

    def fit(
        self, texts: Sequence[str], labels: Sequence[int], sample_weight: Sequence[float] | None = None
    ) -> "TextModel":
        """Train from scratch: measure IDF on these texts, then fit with classes balanced by weight."""
        y = np.asarray(labels, dtype=np.int64)
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            counts = self.vectorizer.transform(texts)
        df = np.bincount(counts.indices, minlength=self.n_features)
        self.idf = np.log((1 + len(y)) / (1 + df)) + 1
        X = self.transform(texts)
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
        """Spam probability per text; 0.5 for every text while the model has never been trained.

        Computes the logistic model's probability directly (l2 norm, dot product, sigmoid): the same numbers
        as SGDClassifier.predict_proba without its per-call validation, which dominates for one short text.
        """
        if not self.is_fitted:
            return np.full(len(texts), 0.5)
        X = self._weighted(texts)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        coef = self.clf.coef_.ravel()
        margin = (X @ coef) / norms + self.clf.intercept_[0]
        spam = 1.0 / (1.0 + np.exp(-margin))
        return spam if list(self.clf.classes_) == [HAM, SPAM] else 1.0 - spam

    def dumps(self) -> bytes:
        return zlib.compress(pickle.dumps((FORMAT, self), protocol=pickle.HIGHEST_PROTOCOL), 1)

    @staticmethod
    def loads(blob: bytes) -> "TextModel":
        fmt, model = pickle.loads(zlib.decompress(bytes(blob)))  # noqa: S301 - our own blob from our own database
        if fmt != FORMAT or not isinstance(model, TextModel):
            raise ValueError(f"unknown spam model format {fmt!r}")
        return model
