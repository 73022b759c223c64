"""Learning from moderators: labels, online updates, full retrains with promotion, hot reload in workers."""

from unittest import mock

import pytest
from django.core.cache import cache

from comments.models import Comment, SpamLabel, SpamModel
from comments.services import spam_models
from comments.services.lifecycle import comment_transition
from comments.services.spam_models import (
    spam_model_bootstrap,
    spam_model_current,
    spam_model_forget_loaded,
    spam_model_learn_pending,
    spam_model_retrain,
)
from comments.spam.learning import in_holdout
from comments.spam.model import TextModel
from comments.tasks import learn_from_decision, learn_pending, retrain_spam_model
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_spam_state():
    spam_model_forget_loaded()
    cache.clear()
    yield
    spam_model_forget_loaded()


@pytest.fixture
def moderator():
    return UserFactory()


def decide(comment, action, actor, to_status):
    return comment_transition(comment=comment, to_status=to_status, action=action, actor=actor).decision


def trained_comment(body: str, *, holdout: bool) -> Comment:
    """A comment whose id falls in (or out of) the frozen holdout."""
    while True:
        comment = CommentFactory(body=body)
        if in_holdout(comment.pk) == holdout:
            return comment
        comment.delete()


def test_a_spam_decision_becomes_a_label_and_the_model_learns_it(moderator):
    comment = trained_comment("Lovely harbour festival photos on my page, have a look", holdout=False)
    before = spam_model_bootstrap()

    learn_from_decision.apply(args=[decide(comment, "spam", moderator, Comment.Status.SPAM).pk])

    label = SpamLabel.objects.get()
    assert (label.is_spam, label.weight, label.applied, label.text) == (True, 1.0, True, comment.body)
    active = SpamModel.objects.get(is_active=True)
    assert active.pk == before.pk and active.revision == 1 and active.labels_seen == 1
    old, new = TextModel.loads(before.blob), TextModel.loads(active.blob)
    assert new.predict_proba([comment.body])[0] > old.predict_proba([comment.body])[0]


def test_learning_a_decision_twice_changes_nothing(moderator):
    comment = trained_comment("Great article, thanks", holdout=False)
    decision = decide(comment, "approve", moderator, Comment.Status.PUBLISHED)

    learn_from_decision.apply(args=[decision.pk])
    learn_from_decision.apply(args=[decision.pk])

    assert SpamLabel.objects.count() == 1
    assert SpamModel.objects.get(is_active=True).revision == 1


def test_a_reject_is_ham_at_half_weight_and_system_decisions_are_not_labels(moderator):
    rejected = trained_comment("You are all idiots", holdout=False)
    learn_from_decision.apply(args=[decide(rejected, "reject", moderator, Comment.Status.REJECTED).pk])
    scored = trained_comment("Something", holdout=False)
    learn_from_decision.apply(args=[decide(scored, "score", None, Comment.Status.PUBLISHED).pk])

    label = SpamLabel.objects.get()
    assert (label.comment_id, label.is_spam, label.weight) == (rejected.pk, False, 0.5)


def test_holdout_labels_are_never_learned_online(moderator):
    comment = trained_comment("Win a prize at prize.biz", holdout=True)

    learn_from_decision.apply(args=[decide(comment, "spam", moderator, Comment.Status.SPAM).pk])

    label = SpamLabel.objects.get()
    assert label.holdout and not label.applied
    assert SpamModel.objects.get(is_active=True).revision == 0


def test_learn_pending_picks_up_decisions_whose_task_was_lost(moderator):
    comment = trained_comment("Buy cheap watches at replica.top", holdout=False)
    decide(comment, "spam", moderator, Comment.Status.SPAM)  # no learn task ran (broker down)

    assert learn_pending.apply().get() == 1
    assert SpamLabel.objects.get().applied


def test_concurrent_learning_applies_each_label_once(moderator):
    for i in range(3):
        decide(trained_comment(f"Approved comment {i}", holdout=False), "approve", moderator, Comment.Status.PUBLISHED)
    spam_models.spam_labels_record_missing()

    assert spam_model_learn_pending() == 3
    assert spam_model_learn_pending() == 0
    assert SpamModel.objects.get(is_active=True).labels_seen == 3


HAM = [
    "I think the {} plan needs more public debate",
    "Thanks for the clear report on the {}",
    "When will the council vote on the {}?",
    "My family has lived near the {} for years",
]
SPAM = [
    "Earn cash fast from home, visit {}-money.biz",
    "Cheap pills without prescription at {}-meds.ru",
    "You won a prize for the {}, call 0800 123 4567",
    "Free spins casino bonus {} at win-big.xyz",
]
TOPICS = ["harbour", "rail", "museum", "bridge", "budget", "school", "river", "hospital", "library", "port"]


def make_labels(moderator, *, flip: bool = False):
    """Decided comments, ~20% in the holdout; `flip` labels everything the wrong way round (a bad teacher)."""
    for topic in TOPICS:
        for templates, is_spam in ((HAM, False), (SPAM, True)):
            for template in templates:
                comment = CommentFactory(body=template.format(topic))
                spam = is_spam != (flip and not in_holdout(comment.pk))
                decide(comment, "spam" if spam else "approve", moderator, Comment.Status.SPAM if spam else "published")
    spam_models.spam_labels_record_missing()


def test_retrain_is_promoted_when_not_worse_on_the_holdout(settings, moderator):
    settings.SPAM_MIN_LABELS = 10
    make_labels(moderator)
    old = spam_model_bootstrap()

    result = retrain_spam_model.apply().get()

    assert result["promoted"], result
    new = SpamModel.objects.get(is_active=True)
    assert (
        new.pk != old.pk and new.kind == "full" and new.labels_seen == SpamLabel.objects.filter(holdout=False).count()
    )
    assert result["candidate"]["f1"] >= result["active"]["f1"]
    assert not SpamLabel.objects.filter(holdout=False, applied=False).exists()


def test_retrain_is_not_promoted_when_worse_on_the_holdout(moderator):
    make_labels(moderator, flip=True)
    old = spam_model_bootstrap()

    result = spam_model_retrain(min_labels=10)

    assert not result["promoted"], result
    assert SpamModel.objects.get(is_active=True).pk == old.pk
    rejected = SpamModel.objects.get(kind="full")
    assert not rejected.is_active and rejected.metrics["promoted"] is False and bytes(rejected.blob) == b""


def test_retrain_waits_for_enough_labels(moderator):
    decide(CommentFactory(), "approve", moderator, Comment.Status.PUBLISHED)
    spam_models.spam_labels_record_missing()
    result = spam_model_retrain(min_labels=5)
    assert not result["promoted"] and "training labels" in result["why"]


def test_workers_pick_up_a_new_model_version_without_restart(settings, moderator, django_capture_on_commit_callbacks):
    settings.SPAM_MODEL_CHECK_SECONDS = 0
    first = spam_model_current()
    assert spam_model_current() is first  # unchanged version: nothing reloaded

    comment = trained_comment("Check my channel for free gift cards", holdout=False)
    with django_capture_on_commit_callbacks(execute=True):
        learn_from_decision.apply(args=[decide(comment, "spam", moderator, Comment.Status.SPAM).pk])

    second = spam_model_current()
    assert second.version != first.version
    assert second.version == SpamModel.objects.get(is_active=True).version
    assert second.labels_seen == 1


def test_the_version_check_is_cheap_between_intervals(settings):
    settings.SPAM_MODEL_CHECK_SECONDS = 3600
    spam_model_current()
    with mock.patch.object(spam_models, "_active_version") as asked:
        spam_model_current()
    asked.assert_not_called()


def test_a_changed_version_in_the_database_is_found_when_the_cache_is_down(settings):
    settings.SPAM_MODEL_CHECK_SECONDS = 0
    first = spam_model_current()
    SpamModel.objects.filter(is_active=True).update(revision=7)
    with mock.patch.object(spam_models.cache, "get", side_effect=ConnectionError("redis down")):
        assert spam_model_current().version != first.version


def test_a_model_stored_by_an_incompatible_version_falls_back_to_bootstrap(settings):
    settings.SPAM_MODEL_CHECK_SECONDS = 0
    spam_model_bootstrap()
    SpamModel.objects.filter(is_active=True).update(blob=b"not a model", revision=3)

    loaded = spam_model_current()

    assert loaded.version.endswith(".3")
    assert 0.0 <= loaded.model.predict_proba(["free prize, call now"])[0] <= 1.0
