"""Scoring a comment end to end on the database: signals, routing by thresholds, the status guard, the task."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import DataError, OperationalError, connection
from django.utils import timezone

from comments.models import Comment, ModerationDecision, ModerationPolicy, WordRule
from comments.services import scoring
from comments.services.lifecycle import comment_transition
from comments.services.scoring import comment_score, comments_score, comments_unscored, route
from comments.services.spam_models import spam_model_forget_loaded
from comments.tasks import score_comment, score_comments, sweep_unscored
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

HAM_TEXT = "Interesting piece on the harbour expansion, but the numbers in paragraph three look off to me."
SPAM_TEXT = "URGENT! You have won a 5000 cash prize. Call 0800 123 4567 now to claim http://bit.ly/xyz123"

PENDING, PUBLISHED, SPAM = Comment.Status.PENDING, Comment.Status.PUBLISHED, Comment.Status.SPAM


@pytest.fixture(autouse=True)
def fresh_spam_state():
    spam_model_forget_loaded()
    scoring._suspect_cache = (0.0, ())
    scoring._thresholds_cache.clear()
    cache.clear()
    yield
    spam_model_forget_loaded()


def test_route_rules():
    kw = {"hold_threshold": 0.5, "spam_threshold": 0.9}
    assert route(status=PUBLISHED, probability=0.1, **kw) == PUBLISHED
    assert route(status=PENDING, probability=0.1, **kw) == PENDING  # a score never publishes what the policy held
    assert route(status=PUBLISHED, probability=0.5, **kw) == PENDING
    assert route(status=PENDING, probability=0.95, **kw) == SPAM
    assert route(status=PUBLISHED, probability=0.9, **kw) == SPAM


def test_ham_stays_published_and_is_scored_with_reasons_and_version():
    comment = CommentFactory(body=HAM_TEXT)

    outcome = comment_score(comment_id=comment.pk)

    comment.refresh_from_db()
    assert comment.status == PUBLISHED
    assert comment.scored_at is not None
    assert comment.spam_score == pytest.approx(outcome.score.probability, abs=1e-4) and comment.spam_score < 0.5
    assert any(r.startswith("text model ") for r in comment.spam_reasons)
    assert comment.model_version == outcome.model_version != ""
    assert comment.reviewed_at is None  # the system is not a person: it stays "unreviewed"
    decision = ModerationDecision.objects.get(comment=comment)
    assert (decision.action, decision.actor, decision.status_after) == ("score", None, PUBLISHED)


def test_spam_is_routed_to_spam_and_leaves_the_published_count():
    comment = CommentFactory(body=SPAM_TEXT)
    assert comment.article.comment_count == 1

    comment_score(comment_id=comment.pk)

    comment.refresh_from_db()
    comment.article.refresh_from_db()
    assert comment.status == SPAM
    assert comment.spam_score >= 0.9
    assert "link shortener (bit.ly)" in comment.spam_reasons and "phone number in text" in comment.spam_reasons
    assert comment.article.comment_count == 0


def test_a_second_run_is_a_no_op():
    comment = CommentFactory(body=SPAM_TEXT)
    comment_score(comment_id=comment.pk)
    scored = Comment.objects.get(pk=comment.pk)

    assert comment_score(comment_id=comment.pk) is None

    again = Comment.objects.get(pk=comment.pk)
    assert (again.scored_at, again.status, again.spam_score) == (scored.scored_at, scored.status, scored.spam_score)
    assert ModerationDecision.objects.filter(comment=comment).count() == 1


def test_a_backlog_is_scored_in_the_same_transaction_and_its_own_tasks_then_do_nothing():
    # given comments awaiting their score on one article, one given up as "not scored", one decided by a person
    article = ArticleFactory()
    first = CommentFactory(article=article, body=HAM_TEXT)
    spam = CommentFactory(article=article, body=SPAM_TEXT)
    held = CommentFactory(article=article, body=HAM_TEXT)
    scoring.comment_hold_unscored(comment_id=held.pk)
    decided = CommentFactory(article=article, body=SPAM_TEXT)
    comment_transition(comment=decided, to_status=PUBLISHED, action="approve", actor=UserFactory())
    later = CommentFactory(article=article, body=HAM_TEXT)
    article.refresh_from_db()
    assert article.comment_count == 4  # first, spam, decided, later

    # when the first comment's task scores it with a backlog
    outcome = comment_score(comment_id=first.pk, backlog=10)

    # then the comments awaiting a score are scored and routed too, counts exact, one audit row each
    assert outcome.comment_id == first.pk and outcome.after == PUBLISHED
    rows = {c.pk: c for c in Comment.objects.filter(article=article)}
    assert rows[spam.pk].status == SPAM and rows[spam.pk].scored_at is not None
    assert rows[later.pk].status == PUBLISHED and rows[later.pk].scored_at is not None
    assert rows[first.pk].scored_at == rows[spam.pk].scored_at  # one transaction
    # a person's comments are left to the person
    assert rows[held.pk].scored_at is None and rows[held.pk].status == PENDING
    assert rows[decided.pk].scored_at is None and rows[decided.pk].status == PUBLISHED
    article.refresh_from_db()
    assert article.comment_count == 3
    decisions = ModerationDecision.objects.filter(action="score").exclude(reason="not scored")
    assert sorted(decisions.values_list("comment_id", flat=True)) == sorted([first.pk, spam.pk, later.pk])
    # and their own tasks find nothing to do
    assert comment_score(comment_id=spam.pk, backlog=10) is None
    assert comment_score(comment_id=later.pk, backlog=10) is None
    assert decisions.count() == 3


def test_the_backlog_is_bounded_and_oldest_first():
    comments = [CommentFactory(body=HAM_TEXT) for _ in range(4)]

    comment_score(comment_id=comments[3].pk, backlog=2)

    scored = [Comment.objects.get(pk=c.pk).scored_at is not None for c in comments]
    assert scored == [True, True, False, True]


def test_a_backlog_that_fails_leaves_this_comment_scored_alone_and_the_others_to_their_tasks():
    # given a backlog comment whose text trips a bug in scoring
    good = CommentFactory(body=HAM_TEXT)
    poison = CommentFactory(body="a text that trips a bug")
    real = scoring.text_features

    def buggy(text, words=()):
        if text == poison.body:
            raise ZeroDivisionError("a bug")
        return real(text, words)

    with mock.patch.object(scoring, "text_features", buggy):
        outcome = comment_score(comment_id=good.pk, backlog=10)

    assert outcome is not None and Comment.objects.get(pk=good.pk).scored_at is not None
    assert Comment.objects.get(pk=poison.pk).scored_at is None  # not given up: its own task decides


# --- batches (the outbox's score_comments) ---------------------------------------------------------------


def failing_statements(error: Exception, *, when):
    """Make the database fail every statement `when(sql, params)` picks, as an outage or a bug would (Django's
    execute_wrapper: the project's code runs unchanged)."""

    def wrapper(execute, sql, params, many, context):
        if when(sql, params or ()):
            raise error
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


def batch_lock(sql, params) -> bool:
    return '"comments_comment"."id" IN (' in sql and sql.lstrip().startswith("SELECT")


def test_a_batch_is_scored_and_routed_in_one_transaction():
    article = ArticleFactory()
    ham, spam, other = (CommentFactory(article=article, body=body) for body in (HAM_TEXT, SPAM_TEXT, HAM_TEXT))

    outcome = comments_score(comment_ids=[ham.pk, spam.pk, other.pk])

    assert sorted(o.comment_id for o in outcome.scored) == sorted([ham.pk, spam.pk, other.pk]) and not outcome.failed
    rows = {c.pk: c for c in Comment.objects.filter(article=article)}
    assert (rows[ham.pk].status, rows[spam.pk].status, rows[other.pk].status) == (PUBLISHED, SPAM, PUBLISHED)
    assert len({c.scored_at for c in rows.values()}) == 1  # one transaction
    article.refresh_from_db()
    assert article.comment_count == 2
    assert ModerationDecision.objects.filter(action="score").count() == 3


def test_a_batch_skips_comments_scored_gone_given_up_or_deleted():
    # given a batch where only one comment still awaits its score
    waiting = CommentFactory(body=HAM_TEXT)
    scored = CommentFactory(body=SPAM_TEXT)
    comment_score(comment_id=scored.pk)
    held = CommentFactory(body=HAM_TEXT)
    scoring.comment_hold_unscored(comment_id=held.pk)
    deleted = CommentFactory(body=SPAM_TEXT, status=Comment.Status.DELETED)
    gone = CommentFactory(body=HAM_TEXT)
    Comment.objects.filter(pk=gone.pk).delete()
    before = Comment.objects.get(pk=scored.pk)

    # when the batch is scored (a redelivered message, say)
    outcome = comments_score(comment_ids=[scored.pk, held.pk, deleted.pk, gone.pk, waiting.pk])

    # then only that one is scored; the others are left as they were
    assert [o.comment_id for o in outcome.scored] == [waiting.pk] and not outcome.failed
    assert Comment.objects.get(pk=scored.pk).scored_at == before.scored_at
    assert Comment.objects.get(pk=held.pk).scored_at is None
    assert Comment.objects.get(pk=deleted.pk).scored_at is None
    assert ModerationDecision.objects.filter(comment_id=scored.pk).count() == 1
    # and a second run is a no-op
    assert comments_score(comment_ids=[waiting.pk]).scored == []


def test_a_batch_is_filled_up_to_the_backlog_with_others_awaiting_their_score():
    older = [CommentFactory(body=HAM_TEXT) for _ in range(3)]
    batch = [CommentFactory(body=HAM_TEXT) for _ in range(2)]

    outcome = comments_score(comment_ids=[c.pk for c in batch], backlog=4)

    assert len(outcome.scored) == 4  # the batch and the two oldest others
    scored = [Comment.objects.get(pk=c.pk).scored_at is not None for c in [*older, *batch]]
    assert scored == [True, True, False, True, True]


def test_a_batch_that_fails_is_scored_comment_by_comment_and_only_the_culprit_fails():
    # given a batch with a comment whose write the database refuses (a bug only its data triggers)
    good, poison, other = (CommentFactory(body=HAM_TEXT) for _ in range(3))

    def touches_poison(sql, params):
        return sql.lstrip().startswith("UPDATE comments_comment") and poison.pk in params

    with failing_statements(DataError("a bug"), when=touches_poison):
        outcome = comments_score(comment_ids=[good.pk, poison.pk, other.pk])

    assert sorted(o.comment_id for o in outcome.scored) == sorted([good.pk, other.pk])
    assert outcome.failed == [poison.pk]
    assert Comment.objects.get(pk=poison.pk).scored_at is None
    assert Comment.objects.get(pk=good.pk).scored_at is not None


def test_the_batch_task_gives_the_culprit_alone_to_a_person():
    good, poison = CommentFactory(body=SPAM_TEXT), CommentFactory(body=HAM_TEXT)

    def touches_poison(sql, params):
        return sql.lstrip().startswith("UPDATE comments_comment") and poison.pk in params

    with failing_statements(DataError("a bug"), when=touches_poison):
        score_comments.apply(args=[[good.pk, poison.pk]])

    good.refresh_from_db()
    poison.refresh_from_db()
    assert good.status == SPAM and good.scored_at is not None
    assert poison.status == PENDING and poison.spam_reasons == ["not scored"]


def test_the_batch_task_retries_transient_errors_then_holds_every_unscored_comment(settings):
    first, second = CommentFactory(body=HAM_TEXT), CommentFactory(body=HAM_TEXT)
    scored = CommentFactory(body=HAM_TEXT)
    comment_score(comment_id=scored.pk)
    calls = []

    def lock(sql, params):
        if batch_lock(sql, params):
            calls.append(sql)
            return True
        return False

    with (
        mock.patch.object(score_comments, "max_retries", 2),
        failing_statements(OperationalError("server closed the connection unexpectedly"), when=lock),
    ):
        score_comments.apply(args=[[first.pk, second.pk, scored.pk]])

    assert len(calls) == 3  # the first try and two retries
    rows = {c.pk: c for c in Comment.objects.filter(pk__in=[first.pk, second.pk, scored.pk])}
    assert rows[first.pk].spam_reasons == ["not scored"] and rows[second.pk].spam_reasons == ["not scored"]
    assert rows[scored.pk].status == PUBLISHED and rows[scored.pk].scored_at is not None  # not given up


def test_a_transient_error_in_a_batch_that_clears_is_retried_into_scores():
    comments = [CommentFactory(body=HAM_TEXT) for _ in range(3)]
    calls = []

    def first_lock(sql, params):
        if batch_lock(sql, params):
            calls.append(sql)
            return len(calls) == 1
        return False

    with failing_statements(OperationalError("deadlock detected"), when=first_lock):
        score_comments.apply(args=[[c.pk for c in comments]])

    assert len(calls) == 2
    assert all(c.scored_at is not None for c in Comment.objects.filter(pk__in=[c.pk for c in comments]))


def test_a_moderators_decision_is_never_overridden():
    moderator = UserFactory()
    comment = CommentFactory(body=SPAM_TEXT)
    comment_transition(comment=comment, to_status=PUBLISHED, action="approve", actor=moderator)

    comment_score(comment_id=comment.pk)

    comment.refresh_from_db()
    assert comment.status == PUBLISHED
    assert comment.spam_score >= 0.9  # recorded for the moderator to see, not acted on
    assert not ModerationDecision.objects.filter(comment=comment, action="score").exists()


def test_a_deleted_comment_keeps_its_status():
    comment = CommentFactory(body=SPAM_TEXT, status=Comment.Status.DELETED)
    comment_score(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED and comment.scored_at is not None


def test_a_pre_moderated_comment_stays_pending_when_clean():
    comment = CommentFactory(body=HAM_TEXT, status=PENDING)
    comment_score(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == PENDING and comment.scored_at is not None


def test_a_pre_moderated_comment_goes_to_spam_when_spam():
    comment = CommentFactory(body=SPAM_TEXT, status=PENDING)
    comment_score(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == SPAM


def test_section_thresholds_hold_a_published_comment():
    article = ArticleFactory()
    ModerationPolicy.objects.create(section=article.section, spam_hold_threshold=0.0, spam_threshold=1.01)
    comment = CommentFactory(article=article, body=HAM_TEXT)

    comment_score(comment_id=comment.pk)

    comment.refresh_from_db()
    article.refresh_from_db()
    assert comment.status == PENDING
    assert article.comment_count == 0


def test_an_articles_own_policy_wins_over_its_sections():
    article = ArticleFactory()
    ModerationPolicy.objects.create(section=article.section, spam_hold_threshold=0.0, spam_threshold=1.01)
    ModerationPolicy.objects.create(article=article, spam_hold_threshold=1.01, spam_threshold=1.01)
    comment = CommentFactory(article=article, body=SPAM_TEXT)

    comment_score(comment_id=comment.pk)

    comment.refresh_from_db()
    assert comment.status == PUBLISHED


def test_same_text_on_many_articles_in_the_last_hour():
    text = "Totally agree with this, well said."
    for _ in range(4):
        CommentFactory(body=text)
    old = CommentFactory(body=text)
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    comment = CommentFactory(body=text)

    comment_score(comment_id=comment.pk)

    comment.refresh_from_db()
    assert "same text on 5 articles in the last hour" in comment.spam_reasons


def test_a_backlog_larger_than_one_statement_gets_each_comment_its_own_signals(monkeypatch):
    monkeypatch.setattr(scoring, "STATEMENT_ROWS", 2)
    text = "Totally agree with this, well said."
    same = [CommentFactory(body=text) for _ in range(4)]  # four articles
    other = CommentFactory(body=HAM_TEXT)

    comment_score(comment_id=other.pk, backlog=10)

    for i, comment in enumerate(same, start=1):
        reasons = Comment.objects.get(pk=comment.pk).spam_reasons
        if i == 1:
            assert not any(r.startswith("same text") for r in reasons)
        else:  # each sees the copies posted before it
            assert f"same text on {i} articles in the last hour" in reasons
    assert not any(r.startswith("same text") for r in Comment.objects.get(pk=other.pk).spam_reasons)


def test_posting_velocity_per_client_and_author():
    user = UserFactory()
    for i in range(6):
        CommentFactory(ip_hash="same-client", user=user, body=f"Comment number {i} on the council budget.")
    comment = CommentFactory(ip_hash="same-client", user=user, body=HAM_TEXT)

    comment_score(comment_id=comment.pk)

    comment.refresh_from_db()
    assert "7 comments from this client in 10 minutes" in comment.spam_reasons
    assert "7 comments from this author in 10 minutes" in comment.spam_reasons


def test_author_history_counts_spam_and_published():
    spammer = UserFactory()
    CommentFactory(user=spammer, status=SPAM)
    CommentFactory(user=spammer, status=SPAM)
    regular = UserFactory()
    for _ in range(4):
        CommentFactory(user=regular)
    bad, good = CommentFactory(user=spammer, body=HAM_TEXT), CommentFactory(user=regular, body=HAM_TEXT)

    comment_score(comment_id=bad.pk)
    comment_score(comment_id=good.pk)

    bad.refresh_from_db()
    good.refresh_from_db()
    assert "author has 2 comments marked spam" in bad.spam_reasons
    assert "author has 4 published comments" in good.spam_reasons
    assert bad.spam_score > good.spam_score


def test_guest_history_follows_the_email_address():
    CommentFactory(author_email="Spammer@Example.com", status=SPAM)
    comment = CommentFactory(author_email="spammer@example.com", body=HAM_TEXT)
    comment_score(comment_id=comment.pk)
    comment.refresh_from_db()
    assert "author has 1 comment marked spam" in comment.spam_reasons


def test_posting_signals_honeypot_and_time_to_submit():
    comment = CommentFactory(body=HAM_TEXT, signals={"honeypot": True, "seconds_to_submit": 0.8})
    comment_score(comment_id=comment.pk)
    comment.refresh_from_db()
    assert "hidden honeypot field filled in" in comment.spam_reasons
    assert "sent 0.8 s after the form loaded" in comment.spam_reasons
    assert comment.status == SPAM


def test_suspect_words_from_the_word_list():
    WordRule.objects.create(kind=WordRule.Kind.SUSPECT, word="crypto")
    comment = CommentFactory(body="Everyone should read about crypto before the vote.")
    comment_score(comment_id=comment.pk)
    comment.refresh_from_db()
    assert "suspect words: crypto" in comment.spam_reasons


def test_the_task_scores_a_comment():
    comment = CommentFactory(body=SPAM_TEXT)
    score_comment.apply(args=[comment.pk])
    comment.refresh_from_db()
    assert comment.status == SPAM


def test_a_worker_task_scores_a_backlog_and_an_eager_one_only_its_own_comment(settings):
    settings.SPAM_SCORE_BACKLOG = 10
    first, second = CommentFactory(body=HAM_TEXT), CommentFactory(body=SPAM_TEXT)

    score_comment.apply(args=[second.pk])  # eager: inside the caller's request
    assert Comment.objects.get(pk=first.pk).scored_at is None

    third = CommentFactory(body=HAM_TEXT)
    score_comment.push_request(is_eager=False)  # as a worker runs it
    try:
        score_comment.run(third.pk)
    finally:
        score_comment.pop_request()
    assert Comment.objects.get(pk=first.pk).scored_at is not None


def test_the_task_shrugs_off_a_deleted_row():
    score_comment.apply(args=[987654])  # no exception, nothing to do


def test_transient_errors_retry_then_hold_the_comment_as_not_scored(settings):
    settings.SPAM_SCORE_MAX_RETRIES = 3
    comment = CommentFactory(body=HAM_TEXT)
    calls = []

    def failing(*, comment_id, **kwargs):
        calls.append(comment_id)
        raise OperationalError("server closed the connection unexpectedly")

    with mock.patch.object(score_comment, "max_retries", 3), mock.patch.object(scoring, "comment_score", failing):
        score_comment.apply(args=[comment.pk])

    comment.refresh_from_db()
    comment.article.refresh_from_db()
    assert len(calls) == 4  # the first try and three retries
    assert comment.status == PENDING
    assert comment.spam_reasons == ["not scored"] and "not scored" in comment.hold_reasons
    assert comment.scored_at is None
    assert comment.article.comment_count == 0
    assert ModerationDecision.objects.get(comment=comment).reason == "not scored"


def test_a_transient_error_that_clears_is_retried_into_a_score():
    comment = CommentFactory(body=HAM_TEXT)
    real, calls = scoring.comment_score, []

    def flaky(*, comment_id, **kwargs):
        calls.append(comment_id)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        return real(comment_id=comment_id)

    with mock.patch.object(scoring, "comment_score", flaky):
        score_comment.apply(args=[comment.pk])

    comment.refresh_from_db()
    assert len(calls) == 2 and comment.scored_at is not None and comment.status == PUBLISHED


def test_a_bug_is_not_retried_and_goes_to_a_person():
    comment = CommentFactory(body=HAM_TEXT)
    with mock.patch.object(scoring, "comment_score", side_effect=ZeroDivisionError):
        score_comment.apply(args=[comment.pk])
    comment.refresh_from_db()
    assert comment.status == PENDING and comment.spam_reasons == ["not scored"]


def test_the_task_backs_off_exponentially():
    comment = CommentFactory(body=HAM_TEXT)
    with (
        mock.patch.object(scoring, "comment_score", side_effect=OperationalError("down")),
        mock.patch.object(score_comment, "retry", side_effect=RuntimeError("retry")) as retry,
    ):
        score_comment.push_request(retries=3)
        try:
            with pytest.raises(RuntimeError):
                score_comment.run(comment.pk)
        finally:
            score_comment.pop_request()
    assert retry.call_args.kwargs["countdown"] == 16.0


def _age(comment, seconds):
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_the_sweeper_finds_committed_but_unscored_comments_once():
    lost = CommentFactory(body=HAM_TEXT)
    _age(lost, 120)
    fresh = CommentFactory(body=HAM_TEXT)  # its task is probably still on its way
    scored = CommentFactory(body=HAM_TEXT)
    _age(scored, 120)
    comment_score(comment_id=scored.pk)
    given_up = CommentFactory(body=HAM_TEXT)
    _age(given_up, 120)
    scoring.comment_hold_unscored(comment_id=given_up.pk)

    assert comments_unscored() == [lost.pk]
    assert comments_unscored(older_than_seconds=0) == [fresh.pk]  # `lost` is offered once per two minutes


def test_the_sweeper_task_gets_the_comment_scored():
    lost = CommentFactory(body=SPAM_TEXT)
    _age(lost, 120)

    assert sweep_unscored.apply().get() == 1  # eager: the enqueued score_comment runs in-process

    lost.refresh_from_db()
    assert lost.status == SPAM and lost.scored_at is not None
