"""PostgreSQL: the trigger-kept queue counters equal COUNT(*) after every kind of write, and the moderation
queue counts read from them are exact."""

import pytest
from django.db import connection
from django.utils import timezone

from comments.models import Comment, QueueCount
from comments.selectors_moderation import (
    QUEUES,
    QueueFilters,
    _filter_q,
    comment_list_moderation_queue,
    moderation_queue_counts,
)
from comments.services.moderation import comment_decide, comments_decide_bulk, comments_lease, decisions_undo
from tests.factories import ArticleFactory, CommentFactory, SectionFactory, make_moderator, report

pytestmark = pytest.mark.django_db


def counters() -> dict:
    return {(row.article_id, row.status, row.reviewed): row.n for row in QueueCount.objects.exclude(n=0)}


def counted() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT article_id, status, reviewed_at IS NOT NULL, COUNT(*) FROM comments_comment GROUP BY 1, 2, 3"
        )
        return {(a, s, r): n for a, s, r, n in cursor.fetchall()}


def test_counters_follow_every_write_and_counts_are_exact():
    assert connection.vendor == "postgresql"
    mod = make_moderator()
    section = SectionFactory()
    article, other = ArticleFactory(section=section), ArticleFactory()
    comments = CommentFactory.create_batch(
        6, article=article, status=Comment.Status.PENDING
    ) + CommentFactory.create_batch(3, article=other, status=Comment.Status.PENDING)
    ids = [c.pk for c in comments]
    assert counters() == counted()

    comment_decide(comment=comments[0], action="approve", actor=mod)
    result = comments_decide_bulk(ids=ids[1:5], action="spam", actor=mod)
    comments_lease(ids=ids, moderator=mod)
    decisions_undo(decision_ids=[d.pk for d in result.decisions[:2]], actor=mod)
    Comment.objects.filter(pk=ids[6]).update(status="published", reviewed_at=timezone.now())
    report(comments[0], 3)
    Comment.objects.filter(pk=ids[8]).delete()
    Comment.objects.filter(pk=ids[7]).update(article=article)

    assert counters() == counted()
    for filters in (QueueFilters(), QueueFilters(section=section.pk), QueueFilters(article=other.pk)):
        counts = moderation_queue_counts(filters=filters)
        assert counts == {q: comment_list_moderation_queue(queue=q, filters=filters).count() for q in QUEUES}


def _plan(queryset) -> str:
    """The plan when nothing but an index matching the WHERE clause may be used (no sequential or plain index scan:
    a bitmap scan needs an index condition), so the answer does not depend on the table's size or statistics."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_text_and_author_filters_are_served_by_their_indexes():
    """Migration 0007's indexes match the SQL the filters write (UPPER(body) LIKE, UPPER(author_*) =), so at a
    million comments a text or author search reads index entries, never every row; the counts stay exact."""
    mod = make_moderator()
    article = ArticleFactory()
    wanted = CommentFactory(article=article, status=Comment.Status.PENDING, body="About the Casino licence")
    CommentFactory(article=article, status=Comment.Status.PUBLISHED, body="casinos again", author_name="Ann")
    CommentFactory.create_batch(5, article=article, status=Comment.Status.PENDING, body="nothing to see")
    by_text, by_author = QueueFilters(q="CASINO"), QueueFilters(author="ANN")

    plan = _plan(Comment.objects.filter(_filter_q(by_text, None)))
    assert "comment_body_trgm" in plan and "Seq Scan" not in plan, plan
    plan = _plan(Comment.objects.filter(_filter_q(by_author, None)))
    assert "comment_author_name_upper" in plan and "comment_author_email_upper" in plan, plan
    assert "Seq Scan" not in plan, plan

    pending = comment_list_moderation_queue(queue="pending", filters=by_text, moderator=mod, skip_leased=True)
    assert [c.pk for c in pending] == [wanted.pk]
    for filters in (by_text, by_author):
        counts = moderation_queue_counts(filters=filters)
        assert counts == {q: comment_list_moderation_queue(queue=q, filters=filters).count() for q in QUEUES}
        assert counts["published"] == 1


@pytest.mark.django_db(transaction=True)  # committed rows: the other connection must see them to lock them
def test_opening_the_pending_page_skips_cards_another_moderator_is_leasing():
    """The page is picked and leased in one statement with FOR UPDATE SKIP LOCKED: rows another transaction holds
    at that instant (a colleague's page being leased) are passed over, not shown to both moderators."""
    import psycopg

    from comments.services.moderation import comments_lease_page

    first, second = make_moderator("first"), make_moderator("second")
    article = ArticleFactory()
    comments = CommentFactory.create_batch(8, article=article, status=Comment.Status.PENDING)
    queue = comment_list_moderation_queue(queue="pending", moderator=second, skip_leased=True)
    order = list(queue.values_list("id", flat=True))
    assert sorted(order) == sorted(c.pk for c in comments)
    settings_db = connection.settings_dict
    other = psycopg.connect(
        host=settings_db["HOST"] or "127.0.0.1",
        port=settings_db["PORT"] or 5432,
        user=settings_db["USER"],
        password=settings_db["PASSWORD"] or None,
        dbname=settings_db["NAME"],
    )
    try:
        # `first` is in the middle of leasing the top three (their transaction has not committed yet).
        other.execute("SELECT id FROM comments_comment WHERE id = ANY(%s) FOR UPDATE", [order[:3]])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # waiting on those rows would fail the test, not hang it

        leased = comments_lease_page(queryset=queue, offset=0, limit=4, moderator=second)

        assert sorted(leased) == sorted(order[3:7])
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert set(Comment.objects.filter(leased_by=second).values_list("id", flat=True)) == set(order[3:7])
    assert not Comment.objects.filter(leased_by=first).exists()
