from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, ModeratorScope
from comments.priority import priority_at, stored_priority
from comments.selectors_moderation import (
    QUEUES,
    QueueFilters,
    author_history,
    author_key,
    comment_list_moderation_queue,
    moderation_queue_counts,
    moderator_section_ids,
)
from comments.services.moderation import comment_decide, comments_lease
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


def pending_ids(**kwargs):
    return list(comment_list_moderation_queue(queue="pending", **kwargs).values_list("id", flat=True))


def test_stored_priority_is_the_reference_formula():
    article = ArticleFactory(comment_count=99)
    comment = CommentFactory(article=article, spam_score=0.7, status=P.PENDING)
    report(comment, 2)

    expected = stored_priority(spam_score=0.7, flag_count=2, article_comments=99, created_at=comment.created_at)
    comment.refresh_from_db()
    assert comment.priority == pytest.approx(expected, abs=1e-6)
    assert priority_at(comment.priority, comment.created_at) == pytest.approx(40 * 0.7 + 30 + 20, abs=0.1)


def test_pending_queue_puts_spammy_reported_busy_and_old_comments_first():
    now = timezone.now()
    quiet = ArticleFactory()
    busy = ArticleFactory(comment_count=999)
    plain = CommentFactory(article=quiet, spam_score=0.1, created_at=now, status=P.PENDING)
    spammy = CommentFactory(article=quiet, spam_score=0.9, created_at=now, status=P.PENDING)
    reported = CommentFactory(article=quiet, spam_score=0.1, created_at=now, status=P.PENDING)
    report(reported, 3)
    on_busy = CommentFactory(article=busy, spam_score=0.1, created_at=now, status=P.PENDING)
    old = CommentFactory(article=quiet, spam_score=0.1, created_at=now - timedelta(hours=3), status=P.PENDING)

    order = pending_ids()

    assert order.index(reported.pk) < order.index(plain.pk)
    assert order.index(spammy.pk) < order.index(plain.pk)
    assert order.index(on_busy.pk) < order.index(plain.pk)
    assert order.index(old.pk) < order.index(plain.pk)
    assert order[-1] == plain.pk


def test_a_new_report_moves_a_comment_up_without_anyone_recomputing():
    first = CommentFactory(spam_score=0.5, status=P.PENDING)
    second = CommentFactory(spam_score=0.5, article=first.article, created_at=first.created_at, status=P.PENDING)
    assert pending_ids()[0] == first.pk or pending_ids()[0] == second.pk

    Comment.objects.filter(pk=second.pk).update(flag_count=4)

    assert pending_ids()[0] == second.pk


def test_each_queue_holds_its_statuses():
    mod = make_moderator()
    pending = CommentFactory(status=P.PENDING)
    published = CommentFactory(status=P.PUBLISHED)
    reviewed = CommentFactory(status=P.PUBLISHED, reviewed_at=timezone.now(), reviewed_by=mod)
    reported = CommentFactory(status=P.PUBLISHED, reviewed_at=timezone.now())
    report(reported, 3, note="rude")  # NEWSPORTAL_REPORTS_THRESHOLD defaults to 3
    spam = CommentFactory(status=P.SPAM)
    rejected = CommentFactory(status=P.REJECTED)
    CommentFactory(status=P.DELETED, body="")

    members = {q: set(comment_list_moderation_queue(queue=q).values_list("id", flat=True)) for q in QUEUES}

    assert members == {
        "pending": {pending.pk},
        "reported": {reported.pk},
        "spam": {spam.pk},
        "unreviewed": {published.pk},
        "rejected": {rejected.pk},
        "published": {published.pk, reviewed.pk, reported.pk},
    }


def test_reports_threshold_setting(settings):
    settings.NEWSPORTAL_REPORTS_THRESHOLD = 3
    twice = CommentFactory(status=P.PUBLISHED)
    report(twice, 2)
    thrice = CommentFactory(status=P.PUBLISHED)
    report(thrice, 3)

    assert list(comment_list_moderation_queue(queue="reported")) == [thrice]


def test_counts_are_exact_under_every_filter_and_match_the_lists():
    section = SectionFactory()
    child = SectionFactory(parent=section)
    article = ArticleFactory(section=child)
    other = ArticleFactory()
    mod = make_moderator()
    for status in (P.PENDING, P.PUBLISHED, P.SPAM, P.REJECTED):
        CommentFactory.create_batch(2, article=article, status=status)
        CommentFactory.create_batch(3, article=other, status=status)
    reviewed = CommentFactory(article=article, status=P.PENDING)
    comment_decide(comment=reviewed, action="approve", actor=mod)
    report(CommentFactory(article=other, status=P.PUBLISHED), 1)

    for filters in (QueueFilters(), QueueFilters(section=section.pk), QueueFilters(article=other.pk)):
        counts = moderation_queue_counts(filters=filters)
        for queue in QUEUES:
            assert counts[queue] == comment_list_moderation_queue(queue=queue, filters=filters).count(), (
                filters,
                queue,
            )
    assert moderation_queue_counts(filters=QueueFilters(section=section.pk))["published"] == 3
    assert moderation_queue_counts(filters=QueueFilters(section=section.pk))["unreviewed"] == 2
    assert moderation_queue_counts()["published"] == 3 + 4


def test_filters_by_author_client_text_and_date():
    user = UserFactory(username="alice")
    by_user = CommentFactory(user=user, author_name="Alice", status=P.PENDING)
    by_email = CommentFactory(author_email="Bob@Example.org", author_name="Bob", status=P.PENDING)
    by_client = CommentFactory(ip_hash="c" * 64, status=P.PENDING)
    text = CommentFactory(body="The minister's INTERVIEW was long.", status=P.PENDING)
    old = CommentFactory(created_at=timezone.now() - timedelta(days=10), status=P.PENDING)

    assert pending_ids(filters=QueueFilters(author="alice")) == [by_user.pk]
    assert pending_ids(filters=QueueFilters(author=str(user.pk))) == [by_user.pk]
    assert pending_ids(filters=QueueFilters(author="bob@example.org")) == [by_email.pk]
    assert pending_ids(filters=QueueFilters(client="c" * 64)) == [by_client.pk]
    assert pending_ids(filters=QueueFilters(q="interview")) == [text.pk]
    assert old.pk not in pending_ids(filters=QueueFilters(date_from=timezone.localdate() - timedelta(days=2)))
    assert pending_ids(filters=QueueFilters(date_to=timezone.localdate() - timedelta(days=9))) == [old.pk]
    counts = moderation_queue_counts(filters=QueueFilters(q="interview"))
    assert counts["pending"] == 1 and counts["published"] == 0


def test_leases_hide_cards_from_other_moderators_until_they_expire():
    first, second = make_moderator("first"), make_moderator("second")
    a, b, c = CommentFactory(status=P.PENDING), CommentFactory(status=P.PENDING), CommentFactory(status=P.PENDING)

    assert comments_lease(ids=[a.pk, b.pk], moderator=first) == 2
    assert comments_lease(ids=[a.pk], moderator=second) == 0  # first holds it

    assert set(pending_ids(moderator=second, skip_leased=True)) == {c.pk}
    assert set(pending_ids(moderator=first, skip_leased=True)) == {a.pk, b.pk, c.pk}
    Comment.objects.filter(pk=a.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert set(pending_ids(moderator=second, skip_leased=True)) == {a.pk, c.pk}


def test_lease_length_comes_from_settings(settings):
    settings.NEWSPORTAL_LEASE_SECONDS = 60
    mod = make_moderator()
    comment = CommentFactory(status=P.PENDING)

    comments_lease(ids=[comment.pk], moderator=mod)

    comment.refresh_from_db()
    assert timedelta(seconds=55) < comment.lease_expires_at - timezone.now() <= timedelta(seconds=60)


def test_moderator_scope_limits_sections_and_includes_sub_sections():
    mod = make_moderator()
    section, elsewhere = SectionFactory(), SectionFactory()
    child = SectionFactory(parent=section)
    assert moderator_section_ids(mod) is None

    ModeratorScope.objects.create(user=mod, section=section)
    scope = moderator_section_ids(mod)

    assert scope == {section.pk, child.pk}
    mine = CommentFactory(article=ArticleFactory(section=child), status=P.PENDING)
    CommentFactory(article=ArticleFactory(section=elsewhere), status=P.PENDING)
    assert pending_ids(sections=scope) == [mine.pk]
    assert moderation_queue_counts(sections=scope)["pending"] == 1


def test_author_history_counts_by_account_email_and_client():
    user = UserFactory()
    CommentFactory.create_batch(2, user=user, status=P.PUBLISHED)
    CommentFactory(user=user, status=P.SPAM)
    current = CommentFactory(user=user, status=P.PENDING)
    guest = CommentFactory(author_email="g@example.org", status=P.REJECTED)
    anon = CommentFactory(ip_hash="f" * 64, status=P.PENDING)

    history = author_history(comments=[current, guest, anon])

    assert history[author_key(current)].published == 2
    assert history[author_key(current)].spam == 1
    assert history[author_key(current)].pending == 1
    assert history[author_key(guest)].rejected == 1
    assert history[author_key(anon)].pending == 1
