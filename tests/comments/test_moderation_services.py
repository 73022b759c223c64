from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from comments.models import Ban, Comment, Flag, ModerationDecision, ModeratorScope, WordRule
from comments.services.moderation import (
    BULK_LEARNING,
    ban_create,
    ban_lift,
    comment_decide,
    comments_decide_bulk,
    decisions_undo,
    word_rule_add,
    word_rule_remove,
)
from newsportal.errors import ApplicationError
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    SectionFactory,
    UserFactory,
    make_moderator,
    report,
)

pytestmark = pytest.mark.django_db
P = Comment.Status


@pytest.fixture
def mod():
    return make_moderator()


def published_rows(article) -> int:
    return Comment.objects.filter(article=article, status=P.PUBLISHED).count()


def assert_counts_exact(article):
    article.refresh_from_db()
    assert article.comment_count == published_rows(article)


@pytest.mark.parametrize(
    ("start", "action", "after"),
    [
        (P.PENDING, "approve", P.PUBLISHED),
        (P.PENDING, "reject", P.REJECTED),
        (P.PENDING, "spam", P.SPAM),
        (P.PUBLISHED, "spam", P.SPAM),
        (P.SPAM, "approve", P.PUBLISHED),
        (P.REJECTED, "restore", P.PENDING),
        (P.PUBLISHED, "restore", P.PENDING),
    ],
)
def test_each_action_moves_the_comment_writes_one_audit_row_and_keeps_counts(mod, start, action, after):
    comment = CommentFactory(status=start)

    decision = comment_decide(comment=comment, action=action, actor=mod, reason="", request_id="req-1")

    comment.refresh_from_db()
    assert comment.status == after
    assert comment.reviewed_by == mod and comment.reviewed_at is not None
    rows = list(ModerationDecision.objects.filter(comment=comment))
    assert rows == [decision]
    assert (decision.actor, decision.action, decision.status_before, decision.status_after, decision.request_id) == (
        mod,
        action,
        start,
        after,
        "req-1",
    )
    assert_counts_exact(comment.article)


def test_reject_takes_a_reason_code_from_the_fixed_list(mod):
    comment = CommentFactory(status=P.PENDING)

    with pytest.raises(ApplicationError) as exc:
        comment_decide(comment=comment, action="reject", actor=mod, reason="because")
    assert exc.value.errors["reason"]
    assert comment_decide(comment=comment, action="reject", actor=mod, reason="personal_data").reason == "personal_data"
    assert comment_decide(comment=CommentFactory(status=P.PENDING), action="reject", actor=mod).reason == "other"


def test_unknown_action_and_deleted_comment_are_refused(mod):
    with pytest.raises(ApplicationError):
        comment_decide(comment=CommentFactory(status=P.PENDING), action="publish", actor=mod)
    with pytest.raises(ApplicationError) as exc:
        comment_decide(comment=CommentFactory(status=P.DELETED, body=""), action="approve", actor=mod)
    assert exc.value.status == 409
    assert not ModerationDecision.objects.exists()


def test_approving_a_reported_comment_resolves_its_reports(mod):
    comment = CommentFactory(status=P.PUBLISHED)
    report(comment, 3, note="insulting")

    comment_decide(comment=comment, action="approve", actor=mod)

    comment.refresh_from_db()
    assert comment.flag_count == 0
    assert not Flag.objects.filter(comment=comment, resolved_at__isnull=True).exists()
    assert Flag.objects.filter(comment=comment).count() == 3
    assert_counts_exact(comment.article)


def test_a_decision_releases_the_lease(mod):
    comment = CommentFactory(leased_by=mod, lease_expires_at=timezone.now() + timedelta(minutes=5), status=P.PENDING)

    comment_decide(comment=comment, action="approve", actor=mod)

    comment.refresh_from_db()
    assert comment.leased_by is None and comment.lease_expires_at is None


def test_bulk_decides_in_one_go_with_one_audit_row_each_and_exact_counts(mod):
    article = ArticleFactory()
    comments = CommentFactory.create_batch(5, article=article, status=P.PENDING)
    published = CommentFactory(article=article, status=P.PUBLISHED)
    deleted = CommentFactory(article=article, status=P.DELETED, body="")
    ids = [c.pk for c in comments] + [published.pk, deleted.pk, 999999]

    result = comments_decide_bulk(ids=ids, action="approve", actor=mod, request_id="bulk-req")

    assert result.results == {
        **{c.pk: "ok" for c in comments},
        published.pk: "ok",
        deleted.pk: "deleted",
        999999: "not_found",
    }
    assert ModerationDecision.objects.filter(request_id="bulk-req").count() == 6
    assert set(Comment.objects.filter(pk__in=ids[:6]).values_list("status", flat=True)) == {P.PUBLISHED}
    assert_counts_exact(article)
    article.refresh_from_db()
    assert article.comment_count == 6


def test_bulk_spam_of_published_replies_keeps_reply_counts(mod):
    parent = CommentFactory(status=P.PUBLISHED)
    replies = CommentFactory.create_batch(3, article=parent.article, parent=parent, status=P.PUBLISHED)

    comments_decide_bulk(ids=[r.pk for r in replies[:2]], action="spam", actor=mod)

    parent.refresh_from_db()
    assert parent.reply_count == 1
    assert_counts_exact(parent.article)


def test_bulk_refuses_more_than_500_and_empty(mod):
    with pytest.raises(ApplicationError):
        comments_decide_bulk(ids=list(range(1, 502)), action="approve", actor=mod)
    with pytest.raises(ApplicationError):
        comments_decide_bulk(ids=[], action="approve", actor=mod)


def test_undo_restores_each_previous_status_audited(mod):
    article = ArticleFactory()
    pending = CommentFactory(article=article, status=P.PENDING)
    published = CommentFactory(article=article, status=P.PUBLISHED)
    spam = CommentFactory(article=article, status=P.SPAM)
    result = comments_decide_bulk(ids=[pending.pk, published.pk, spam.pk], action="reject", actor=mod)

    undone = decisions_undo(decision_ids=[d.pk for d in result.decisions], actor=mod)

    assert undone.decided == 3
    statuses = dict(Comment.objects.filter(article=article).values_list("id", "status"))
    assert statuses == {pending.pk: P.PENDING, published.pk: P.PUBLISHED, spam.pk: P.SPAM}
    restores = ModerationDecision.objects.filter(action="restore")
    assert restores.count() == 3 and {r.status_before for r in restores} == {P.REJECTED}
    assert_counts_exact(article)


def test_undo_leaves_alone_a_comment_decided_again_since(mod):
    comment = CommentFactory(status=P.PENDING)
    result = comments_decide_bulk(ids=[comment.pk], action="reject", actor=mod)
    comment_decide(comment=comment, action="approve", actor=mod)

    undone = decisions_undo(decision_ids=[result.decisions[0].pk], actor=mod)

    assert undone.results == {comment.pk: "changed"}
    comment.refresh_from_db()
    assert comment.status == P.PUBLISHED


def test_scoped_moderator_cannot_decide_outside_their_sections(mod):
    ModeratorScope.objects.create(user=mod, section=SectionFactory())
    outside = CommentFactory(status=P.PENDING)

    with pytest.raises(ApplicationError) as exc:
        comment_decide(comment=outside, action="approve", actor=mod)
    assert exc.value.status == 403
    assert comments_decide_bulk(ids=[outside.pk], action="approve", actor=mod).results == {outside.pk: "out_of_scope"}
    outside.refresh_from_db()
    assert outside.status == P.PENDING


@pytest.fixture
def learning(monkeypatch):
    """Stand-ins for the spam helper's tasks: record what was sent, or raise like a dead broker."""
    import comments.tasks

    calls: list = []

    class Task:
        broken = False

        def __init__(self, name):
            self.name = name

        def delay(self, *args):
            if self.broken:
                raise ConnectionError("broker down")
            calls.append((self.name, *args))

    single, batch = Task("learn_from_decision"), Task("learn_pending")
    monkeypatch.setattr(comments.tasks, "learn_from_decision", single, raising=False)
    monkeypatch.setattr(comments.tasks, "learn_pending", batch, raising=False)
    return calls, single


def test_people_s_decisions_are_sent_to_the_spam_model_after_commit(mod, learning, django_capture_on_commit_callbacks):
    calls, _ = learning
    with django_capture_on_commit_callbacks(execute=True):
        one = comment_decide(comment=CommentFactory(status=P.PENDING), action="spam", actor=mod)
        bulk = comments_decide_bulk(
            ids=[CommentFactory(status=P.PENDING).pk, CommentFactory(status=P.PENDING).pk], action="approve", actor=mod
        )
        comment_decide(comment=CommentFactory(status=P.SPAM), action="restore", actor=mod)
        assert calls == []  # nothing before the commit

    assert calls == [("learn_from_decision", one.pk)] + [("learn_from_decision", d.pk) for d in bulk.decisions]


def test_a_large_bulk_sends_one_batch_learning_task(mod, learning, django_capture_on_commit_callbacks):
    calls, _ = learning
    first = CommentFactory(status=P.PENDING)
    ids = [first.pk] + [CommentFactory(article=first.article, status=P.PENDING).pk for _ in range(BULK_LEARNING)]

    with django_capture_on_commit_callbacks(execute=True):
        comments_decide_bulk(ids=ids, action="reject", actor=mod)

    assert calls == [("learn_pending",)]


def test_a_dead_broker_does_not_fail_the_decision(mod, learning, django_capture_on_commit_callbacks):
    _, task = learning
    task.broken = True
    comment = CommentFactory(status=P.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        comment_decide(comment=comment, action="approve", actor=mod)

    comment.refresh_from_db()
    assert comment.status == P.PUBLISHED


def test_missing_learning_task_is_skipped_quietly(mod, monkeypatch, django_capture_on_commit_callbacks):
    import comments.tasks

    for name in ("learn_from_decision", "learn_pending"):
        monkeypatch.delattr(comments.tasks, name, raising=False)
    comment = CommentFactory(status=P.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        comment_decide(comment=comment, action="approve", actor=mod)

    comment.refresh_from_db()
    assert comment.status == P.PUBLISHED


def test_ban_user_rejects_their_pending_comments_audited(mod):
    user = UserFactory()
    theirs = CommentFactory.create_batch(3, user=user, status=P.PENDING)
    published = CommentFactory(user=user, status=P.PUBLISHED)
    someone_else = CommentFactory(status=P.PENDING)

    result = ban_create(kind="user", comment=theirs[0], actor=mod, reason="troll", reject_pending=True)

    assert (result.ban.kind, result.ban.value, result.ban.created_by) == ("user", str(user.pk), mod)
    assert sorted(result.rejected) == sorted(c.pk for c in theirs)
    assert set(Comment.objects.filter(user=user).exclude(pk=published.pk).values_list("status", flat=True)) == {
        P.REJECTED
    }
    someone_else.refresh_from_db()
    assert someone_else.status == P.PENDING
    assert ModerationDecision.objects.filter(action="reject", comment__user=user).count() == 3
    assert ModerationDecision.objects.filter(action="ban", comment=theirs[0]).count() == 1


def test_ban_by_ip_hash_and_email_with_expiry(mod):
    comment = CommentFactory(author_email="Troll@Example.org", ip_hash="a" * 64, status=P.PENDING)
    until = timezone.now() + timedelta(days=7)

    by_ip = ban_create(kind="ip", comment=comment, actor=mod, expires_at=until).ban
    by_email = ban_create(kind="email", comment=comment, actor=mod).ban

    assert (by_ip.value, by_ip.expires_at) == ("a" * 64, until)
    assert by_email.value == "troll@example.org"
    assert Comment.objects.get(pk=comment.pk).status == P.PENDING  # reject_pending defaults to off
    with pytest.raises(ApplicationError):
        ban_create(kind="ip", value="x", actor=mod, expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ApplicationError):
        ban_create(kind="user", comment=comment, actor=mod)  # a guest has no account to ban


def test_ban_lift_ends_it_now(mod):
    ban = ban_create(kind="ip", value="b" * 64, actor=mod).ban

    ban_lift(ban=ban, actor=mod)

    assert Ban.objects.get(pk=ban.pk).expires_at <= timezone.now()


def test_word_rules_add_normalised_refuse_duplicates_and_remove(mod):
    rule = word_rule_add(kind="suspect", word="  Casino   Bonus ", actor=mod)
    assert (rule.kind, rule.word, rule.created_by) == ("suspect", "casino bonus", mod)

    with pytest.raises(ApplicationError) as exc:
        word_rule_add(kind="suspect", word="casino bonus", actor=mod)
    assert exc.value.status == 409
    word_rule_add(kind="banned", word="casino bonus", actor=mod)
    word_rule_remove(rule=rule, actor=mod)
    assert list(WordRule.objects.values_list("kind", flat=True)) == ["banned"]


def test_counts_never_drift_over_a_mixed_sequence(mod):
    article = ArticleFactory()
    comments = CommentFactory.create_batch(6, article=article, status=P.PENDING)
    ids = [c.pk for c in comments]
    comments_decide_bulk(ids=ids[:4], action="approve", actor=mod)
    comment_decide(comment=comments[0], action="spam", actor=mod)
    last = comments_decide_bulk(ids=ids, action="reject", actor=mod)
    decisions_undo(decision_ids=[d.pk for d in last.decisions], actor=mod)
    comment_decide(comment=comments[5], action="approve", actor=mod)

    assert Article.objects.get(pk=article.pk).comment_count == published_rows(article) == 4
