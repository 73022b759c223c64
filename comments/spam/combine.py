"""One probability from the rule signals and the text model: a logistic sum of log-odds, with its reasons."""

import math
from dataclasses import dataclass

from comments.spam.rules import Signal

_EPS = 1e-3


@dataclass(frozen=True)
class Score:
    probability: float
    reasons: list[str]


def logit(p: float) -> float:
    p = min(1 - _EPS, max(_EPS, p))
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def combine(
    signals: list[Signal], model_probability: float | None, *, model_weight: float = 1.0, prior_log_odds: float = 0.0
) -> Score:
    """Spam probability = sigmoid(prior + sum of rule weights + model_weight * logit(model probability)).

    `model_weight` < 1 lets the rules carry the decision while the model has seen few labels (cold start).
    Reasons are listed strongest first; the text model's own reason always shows its raw probability.
    """
    total = prior_log_odds + sum(s.weight for s in signals)
    weighted = sorted(signals, key=lambda s: -abs(s.weight))
    if model_probability is not None:
        model_term = model_weight * logit(model_probability)
        total += model_term
        weighted.insert(
            sum(1 for s in weighted if abs(s.weight) > abs(model_term)),
            Signal(model_term, f"text model {model_probability:.2f}"),
        )
    return Score(probability=sigmoid(total), reasons=[s.reason for s in weighted])
