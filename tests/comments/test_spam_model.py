"""The text model wrapper, the learning rules (labels, holdout, promotion, backoff) and spam_eval."""

import io

import pytest
from django.core.management import CommandError, call_command

from comments.retry import backoff_seconds
from comments.spam.learning import (
    evaluate,
    in_holdout,
    label_for_decision,
    read_labelled_csv,
    should_promote,
    train_full,
)
from comments.spam.model import HAM, SPAM, TextModel, normalise

HAMS = [
    "I think the rail project deserves more attention",
    "Good reporting, I would like a follow-up next month",
    "Does anyone know when the council will vote on it?",
    "My neighbours have been talking about the bridge for weeks",
    "The photo caption is wrong, that is not the old station",
    "Not sure I agree, this has been debated for years",
]
SPAMS = [
    "Earn $500 a week from home, visit cash-now.biz",
    "CHEAP MEDS WITHOUT PRESCRIPTION order at pills.ru",
    "You have won a cash prize, call 0800 123 4567 to claim",
    "Best casino bonus 200 free spins register at win-big.xyz",
    "Click here to claim your free iPhone at free-prize.top",
    "Buy followers and likes cheapest prices at promo-club.net",
]


@pytest.fixture(scope="module")
def trained() -> TextModel:
    return train_full(HAMS + SPAMS, [HAM] * len(HAMS) + [SPAM] * len(SPAMS))


def test_untrained_model_is_neutral():
    assert TextModel().predict_proba(["anything"]).tolist() == [0.5]


def test_trained_model_separates_spam_from_ham(trained):
    spam, ham = trained.predict_proba(
        ["win a free cash prize, claim at prize-now.biz", "I agree with the council vote"]
    )
    assert spam > 0.5 > ham


def test_normalise_folds_case_digits_and_spaces():
    assert normalise("Call  0800 123\n4567 NOW") == "call 0000 000 0000 now"


def test_partial_fit_moves_the_prediction_towards_the_label(trained):
    model = TextModel.loads(trained.dumps())
    text = "Lovely weather for the harbour festival this weekend"
    before = model.predict_proba([text])[0]
    for _ in range(5):
        model.partial_fit([text], [SPAM])
    assert model.predict_proba([text])[0] > before
    assert model.labels_seen == trained.labels_seen + 5


def test_dumps_and_loads_round_trip(trained):
    copy = TextModel.loads(trained.dumps())
    texts = ["claim your prize", "nice article"]
    assert copy.predict_proba(texts).tolist() == pytest.approx(trained.predict_proba(texts).tolist())


def test_loads_refuses_a_foreign_blob():
    import pickle
    import zlib

    with pytest.raises(ValueError, match="format"):
        TextModel.loads(zlib.compress(pickle.dumps((99, "x"))))


@pytest.mark.parametrize(
    ("action", "before", "expected"),
    [
        ("approve", "pending", (HAM, 1.0)),
        ("spam", "published", (SPAM, 1.0)),
        ("reject", "pending", (HAM, 0.5)),
        ("restore", "spam", (HAM, 1.0)),
        ("restore", "rejected", None),
        ("delete", "published", None),
        ("score", "pending", None),
    ],
)
def test_which_decisions_are_labels(action, before, expected):
    label = label_for_decision(action, before)
    assert (None if label is None else (label.spam, label.weight)) == expected


def test_holdout_is_a_stable_fifth_by_id():
    picks = [in_holdout(i) for i in range(10_000)]
    assert 0.17 < sum(picks) / len(picks) < 0.23
    assert picks == [in_holdout(i) for i in range(10_000)]


def test_promotion_only_when_not_worse():
    current = {"f1": 0.90, "auc": 0.95}
    assert should_promote({"f1": 0.92, "auc": 0.96}, current)
    assert should_promote({"f1": 0.90, "auc": 0.95}, current)
    assert not should_promote({"f1": 0.89, "auc": 0.99}, current)
    assert not should_promote({"f1": 0.95, "auc": 0.94}, current)
    assert should_promote({"f1": 0.1, "auc": 0.2}, None)


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n, base=2, cap=30) for n in range(6)] == [2, 4, 8, 16, 30, 30]


def test_evaluate_reports_precision_recall_f1_auc(trained):
    metrics = evaluate(trained, HAMS + SPAMS, [HAM] * 6 + [SPAM] * 6)
    assert metrics["n"] == 12 and metrics["spam"] == 6
    assert metrics["f1"] == 1.0 and metrics["auc"] == 1.0
    assert evaluate(trained, HAMS, [HAM] * 6)["auc"] is None


def test_csv_reading_tolerates_bom_quotes_extra_columns_and_bad_rows():
    data = (
        "\ufeffid,label,text,extra\n"
        '1,spam,"Win, win, win!\nCall now",x\n'
        "2,HAM,fine article,y\n"
        "3,maybe,unknown label,z\n"
        "4,spam,,z\n"
        "5\n"
        "\n"
    )
    rows = read_labelled_csv(io.StringIO(data))
    assert rows.texts == ["Win, win, win!\nCall now", "fine article"]
    assert rows.labels == [SPAM, HAM]
    assert rows.bad_rows == 3


def test_csv_without_text_and_label_columns_is_refused():
    with pytest.raises(ValueError, match="text and label"):
        read_labelled_csv(io.StringIO("message,class\nhi,ham\n"))


def _write(path, rows):
    path.write_text("text,label\n" + "".join(f'"{t}",{lab}\n' for t, lab in rows), encoding="utf-8")
    return str(path)


def test_spam_eval_trains_on_a_and_reports_on_b(tmp_path):
    train = _write(tmp_path / "a.csv", [(t, "ham") for t in HAMS] + [(t, "spam") for t in SPAMS])
    test = _write(tmp_path / "b.csv", [("I agree with the council", "ham"), ("claim your free cash prize now", "spam")])
    out = io.StringIO()
    call_command("spam_eval", "--train", train, "--test", test, stdout=out)
    text = out.getvalue()
    for name in ("precision:", "recall:", "F1:", "ROC-AUC:", "texts per second:"):
        assert name in text
    assert "F1:        1.0000" in text
    assert "test:  2 rows (1 spam)" in text


def test_spam_eval_needs_both_classes_to_train(tmp_path):
    train = _write(tmp_path / "a.csv", [(t, "ham") for t in HAMS])
    with pytest.raises(CommandError, match="both spam and ham"):
        call_command("spam_eval", "--train", train, "--test", train, stdout=io.StringIO())


def test_spam_eval_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("spam_eval", "--train", str(tmp_path / "none.csv"), "--test", str(tmp_path / "none.csv"))


def test_the_lean_prediction_equals_sklearns(trained):
    texts = HAMS + SPAMS + ["", "!!!", "Ünïcödé 中文 😀 text"]
    expected = trained.clf.predict_proba(trained.transform(texts))[:, 1]
    assert trained.predict_proba(texts).tolist() == pytest.approx(expected.tolist())
