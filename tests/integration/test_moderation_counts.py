"""PostgreSQL: the trigger-kept queue counters (per article and per section) equal COUNT(*) after every kind of
write, an article moving section and concurrent transactions, and the moderation queue counts read from them are
exact."""

import random
import threading
import time

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModeratorScope, QueueCount, SectionQueueCount
from comments.selectors_moderation import (
    QUEUES,
    QueueFilters,
    _filter_q,
    comment_list_moderation_queue,
    moderation_queue_counts,
    moderator_section_ids,
)
from comments.services.moderation import comment_decide, comments_decide_bulk, comments_lease, decisions_undo
from newsportal.errors import ApplicationError
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


def section_counters() -> dict:
    """The section level, its stripes summed (as the reader does)."""
    out: dict = {}
    for row in SectionQueueCount.objects.all():
        key = (row.section_id, row.status, row.reviewed)
        out[key] = out.get(key, 0) + row.n
    return {key: n for key, n in out.items() if n}


def section_counted() -> dict:
    """Ground truth: the comment rows, each under its article's section as it is now."""
    section_of = dict(Article.objects.values_list("id", "section_id"))
    out: dict = {}
    for (article_id, status, reviewed), n in counted().items():
        key = (section_of[article_id], status, reviewed)
        out[key] = out.get(key, 0) + n
    return out


def assert_exact() -> None:
    assert counters() == counted()
    assert section_counters() == section_counted()


def assert_counts_match_lists(*filter_sets, sections=None) -> None:
    for filters in filter_sets:
        counts = moderation_queue_counts(filters=filters, sections=sections)
        expected = {
            q: comment_list_moderation_queue(queue=q, filters=filters, sections=sections).count() for q in QUEUES
        }
        assert counts == expected, (filters, sections)


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

    assert_exact()
    assert_counts_match_lists(QueueFilters(), QueueFilters(section=section.pk), QueueFilters(article=other.pk))


@pytest.mark.parametrize(
    ("status", "reviewed"), [("pending", False), ("published", False), ("published", True), ("spam", True)]
)
def test_a_one_row_insert_writes_what_a_many_row_insert_writes(status, reviewed):
    """The INSERT trigger's one-row branch (every posted comment) against its general statements (a bulk insert):
    the same counters, and the stripe's (pending, not reviewed) section row, each section's lock, written even
    when its count does not change."""
    reviewed_at = timezone.now() if reviewed else None
    written = {}
    for rows in (1, 2):
        section = SectionFactory()
        article = ArticleFactory(section=section)
        Comment.objects.bulk_create(
            [
                Comment(article=article, author_name="R", body=f"row {n}", status=status, reviewed_at=reviewed_at)
                for n in range(rows)
            ]
        )
        keys = SectionQueueCount.objects.filter(section_id=section.pk).values_list("status", "reviewed", "n")
        written[rows] = (
            sorted((key_status, key_reviewed, n // rows) for key_status, key_reviewed, n in keys),
            sorted(QueueCount.objects.filter(article_id=article.pk).values_list("status", "reviewed", "n")),
        )
        assert_exact()
    assert written[1][0] == written[2][0]
    assert ("pending", False, 1 if (status, reviewed) == ("pending", False) else 0) in written[1][0]
    assert written[1][1] == [(status, reviewed, 1)] and written[2][1] == [(status, reviewed, 2)]


def test_section_counters_follow_writes_raw_sql_and_article_moves():
    """The section level equals COUNT(*) per (section, status, reviewed) after ORM writes, bulk updates, deletes,
    raw SQL, and articles moving section (one by the ORM, several in one raw UPDATE); the counts the queue reads
    (unfiltered, by section with its sub-sections, by article, under a moderator's scope) match the lists."""
    mod = make_moderator()
    parent, elsewhere = SectionFactory(), SectionFactory()
    child = SectionFactory(parent=parent)
    in_parent, in_child, far = (ArticleFactory(section=s) for s in (parent, child, elsewhere))
    for article, n in ((in_parent, 4), (in_child, 5), (far, 3)):
        for status in (Comment.Status.PENDING, Comment.Status.PUBLISHED, Comment.Status.SPAM):
            CommentFactory.create_batch(n, article=article, status=status)
    assert_exact()
    assert section_counters()[(child.pk, "pending", False)] == 5

    pending = list(Comment.objects.filter(status="pending").order_by("id").values_list("id", flat=True))
    comments_decide_bulk(ids=pending[:6], action="approve", actor=mod)
    Comment.objects.filter(article=far, status="spam").update(status="rejected", reviewed_at=timezone.now())
    Comment.objects.filter(pk=pending[6]).update(article=far)  # a comment moved to an article in another section
    Comment.objects.filter(pk__in=Comment.objects.filter(article=in_child).values("id")[:2]).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE comments_comment SET status = 'spam' WHERE article_id = %s AND status = 'pending'", [far.pk]
        )
        cursor.execute("DELETE FROM comments_comment WHERE id = %s", [pending[-1]])
        cursor.execute(
            "INSERT INTO comments_comment (article_id, depth, path, author_name, author_email, body, status,"
            " created_at, status_changed_at, hold_reasons, reply_count, flag_count, ip_hash, ua_hash, signals,"
            " secret_hash, spam_reasons, model_version, priority, body_hash)"
            " SELECT %s, 0, '', 'Raw', '', 'raw', 'pending', now(), now(), '[]',"
            " 0, 0, '', '', '{}', '', '[]', '', 0, '' FROM generate_series(1, 3)",
            [in_child.pk],
        )
    assert_exact()

    in_child.section = elsewhere  # the ORM's save writes every column: the trigger fires on a real move only
    in_child.save()
    in_parent.save()
    assert_exact()
    with connection.cursor() as cursor:  # several articles in one statement, one back where it was
        cursor.execute(
            "UPDATE articles_article SET section_id = CASE id WHEN %s THEN %s ELSE %s END WHERE id IN (%s, %s)",
            [in_child.pk, child.pk, parent.pk, in_child.pk, far.pk],
        )
    assert_exact()
    assert section_counters().get((elsewhere.pk, "pending", False), 0) == 0

    assert_counts_match_lists(
        QueueFilters(),
        QueueFilters(section=parent.pk),
        QueueFilters(section=child.pk),
        QueueFilters(section=elsewhere.pk),
        QueueFilters(article=far.pk),
        QueueFilters(article=far.pk, section=elsewhere.pk),
    )
    ModeratorScope.objects.create(user=mod, section=parent)
    assert_counts_match_lists(QueueFilters(), QueueFilters(section=child.pk), sections=moderator_section_ids(mod))
    assert moderation_queue_counts(sections=moderator_section_ids(mod)) == moderation_queue_counts()  # all moved in


def test_reconcile_counts_reports_and_repairs_queue_counter_drift(capsys):
    """Counters changed behind the triggers' back (here: by hand) are drift: reported with a failing exit, and
    --fix rebuilds both levels from the rows."""
    section = SectionFactory()
    article = ArticleFactory(section=section)
    CommentFactory.create_batch(3, article=article, status=Comment.Status.PENDING)
    call_command("reconcile_counts")
    SectionQueueCount.objects.filter(section_id=section.pk).update(n=F("n") + 2)
    QueueCount.objects.filter(article_id=article.pk).delete()

    with pytest.raises(CommandError):
        call_command("reconcile_counts")
    out = capsys.readouterr().out
    assert f"queue counter section {section.pk} pending: 5, rows say 3" in out
    assert f"queue counter article {article.pk} pending: 0, rows say 3" in out

    call_command("reconcile_counts", "--fix")
    assert_exact()
    call_command("reconcile_counts")


def _connect():
    settings_db = connection.settings_dict
    return psycopg.connect(
        host=settings_db["HOST"] or "127.0.0.1",
        port=settings_db["PORT"] or 5432,
        user=settings_db["USER"],
        password=settings_db["PASSWORD"] or None,
        dbname=settings_db["NAME"],
    )


def _in_thread(fn):
    def run(*args):
        try:
            fn(*args)
        finally:
            close_old_connections()
            connection.close()

    return run


@pytest.mark.django_db(transaction=True)
def test_section_counters_stay_exact_under_concurrent_writers_and_moves():
    """Several threads post and decide in one section at once (each a transaction of several statements),
    while another moves one of its articles back and forth between two sections: the counters equal COUNT(*)."""
    mod = make_moderator()
    section, other = SectionFactory(), SectionFactory()
    articles = ArticleFactory.create_batch(4, section=section)
    errors: list = []
    moved = []
    stop = threading.Event()

    @_in_thread
    def writer(seed: int) -> None:
        """What readers and moderators do, each its own transaction: post, decide one, decide a few."""
        rng = random.Random(seed)
        for _ in range(30):
            try:
                step = rng.random()
                if step < 0.5:
                    with transaction.atomic():
                        CommentFactory(article=rng.choice(articles), status=Comment.Status.PENDING)
                    continue
                pending = list(
                    Comment.objects.filter(status="pending", article__in=articles).values_list("id", flat=True)[:20]
                )
                chosen = rng.sample(pending, min(3, len(pending)))
                if not chosen:
                    continue
                if step < 0.7:
                    comment_decide(comment=Comment.objects.get(pk=chosen[0]), action="approve", actor=mod)
                elif step < 0.9:
                    comments_decide_bulk(ids=chosen, action=rng.choice(["spam", "reject", "approve"]), actor=mod)
                else:
                    comment_decide(comment=Comment.objects.get(pk=chosen[0]), action="reject", actor=mod)
            except ApplicationError:  # a colleague deleted or decided it first: the service says so
                pass
            except Exception as exc:  # noqa: BLE001 - collected and failed on below
                errors.append(exc)

    @_in_thread
    def mover() -> None:
        article = Article.objects.get(pk=articles[0].pk)
        while not stop.is_set():
            article.section_id = other.pk if article.section_id == section.pk else section.pk
            try:
                with transaction.atomic():
                    Article.objects.filter(pk=article.pk).update(section_id=article.section_id)
                moved.append(article.section_id)
            except OperationalError as exc:  # a writer of that article was in flight: "move it again"
                assert "being written" in str(exc)
                article.section_id = Article.objects.get(pk=article.pk).section_id
            time.sleep(0.005)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    moving = threading.Thread(target=mover)
    for t in [*threads, moving]:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    moving.join()

    assert not errors, errors
    assert moved, "the article never moved"
    assert Comment.objects.count() > 30
    assert_exact()
    assert_counts_match_lists(QueueFilters(), QueueFilters(section=section.pk), QueueFilters(section=other.pk))


@pytest.mark.django_db(transaction=True)
def test_a_move_waits_for_writers_of_its_article_and_writers_wait_for_a_move():
    """Deterministic halves of the race: a move while a writer of that article has not committed fails (55P03) and
    succeeds once it has; a writer while a move of its article has not committed waits and credits the new
    section. Counters exact after each."""
    section, other = SectionFactory(), SectionFactory()
    article = ArticleFactory(section=section)
    CommentFactory.create_batch(3, article=article, status=Comment.Status.PENDING)
    writer = _connect()
    try:
        writer.execute(
            "UPDATE comments_comment SET status = 'spam' WHERE id = (SELECT MIN(id) FROM comments_comment)"
        )  # in flight: not committed
        with pytest.raises(OperationalError, match="being written"):
            with transaction.atomic():
                Article.objects.filter(pk=article.pk).update(section=other)
        writer.commit()
        Article.objects.filter(pk=article.pk).update(section=other)
        assert_exact()

        mover = writer
        mover.execute("UPDATE articles_article SET section_id = %s WHERE id = %s", [section.pk, article.pk])
        done = threading.Event()

        @_in_thread
        def post() -> None:
            CommentFactory(article=Article.objects.get(pk=article.pk), status=Comment.Status.PENDING)
            done.set()

        poster = threading.Thread(target=post)
        poster.start()
        time.sleep(0.5)
        assert not done.is_set(), "the writer did not wait for the move"
        mover.commit()
        poster.join(10)
        assert done.is_set()
    finally:
        writer.rollback()
        writer.close()
    assert_exact()
    assert section_counters()[(section.pk, "pending", False)] == 3  # 2 left pending + the new one, all moved back


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
    from comments.services.moderation import comments_lease_page

    first, second = make_moderator("first"), make_moderator("second")
    article = ArticleFactory()
    comments = CommentFactory.create_batch(8, article=article, status=Comment.Status.PENDING)
    queue = comment_list_moderation_queue(queue="pending", moderator=second, skip_leased=True)
    order = list(queue.values_list("id", flat=True))
    assert sorted(order) == sorted(c.pk for c in comments)
    other = _connect()
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
