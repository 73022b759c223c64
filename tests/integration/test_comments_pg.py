"""Comments on the production stack: PostgreSQL (window functions, row locks, constraints) and Redis rate limits."""

import threading
import time
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from comments import ratelimit
from comments.models import Comment, ModerationDecision
from comments.selectors import comment_list_public, comment_replies
from comments.services.flags import flag_create
from comments.services.posting import comment_create
from tests.comments.conftest import make_article, new_client

pytestmark = pytest.mark.integration


def test_rate_limit_is_atomic_across_concurrent_clients_in_redis():
    rate = ratelimit.Rate(count=10, seconds=60)
    key = f"itest:{uuid.uuid4().hex}"
    answers: list[int | None] = []
    lock = threading.Lock()
    gate = threading.Barrier(30)

    def hit():
        gate.wait()
        result = ratelimit.hit(key, rate)
        with lock:
            answers.append(result)

    threads = [threading.Thread(target=hit) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers.count(None) == 10
    assert all(1 <= a <= 60 for a in answers if a is not None)


@pytest.mark.django_db
def test_threads_and_first_replies_on_postgresql(django_assert_num_queries):
    article = make_article()
    roots = [
        comment_create(article=article, body=f"root {i}", client=new_client(), author_name="R").comment
        for i in range(3)
    ]
    reply = comment_create(article=article, body="reply", client=new_client(), author_name="R", parent=roots[0]).comment
    deeper = comment_create(article=article, body="deeper", client=new_client(), author_name="R", parent=reply).comment
    with django_assert_num_queries(2):
        page = comment_list_public(article=article, replies=1)
        firsts = [[r.pk for r in c.first_replies] for c in page.comments]
    assert [c.pk for c in page.comments] == [r.pk for r in roots]
    assert firsts == [[reply.pk], [], []] and page.comments[0].more_replies == 1
    assert [c.pk for c in comment_replies(comment=roots[0]).comments] == [reply.pk, deeper.pk]


@pytest.mark.django_db
def test_database_refuses_a_body_over_the_limit():
    article = make_article()
    comment = comment_create(article=article, body="ok", client=new_client(), author_name="R").comment
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(body="x" * 5001)


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_cross_the_threshold_exactly_once(settings):
    settings.NEWSPORTAL_REPORTS_THRESHOLD = 3
    article = make_article()
    comment = comment_create(article=article, body="contested", client=new_client(), author_name="R").comment
    gate = threading.Barrier(8)
    errors: list[Exception] = []

    def report(n):
        try:
            gate.wait()
            flag_create(comment=comment, reason="abuse", client=new_client(f"agent-{n}"))
        except Exception as exc:  # pragma: no cover - shown in the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    comment.refresh_from_db()
    assert comment.flag_count == 8
    assert ModerationDecision.objects.filter(comment=comment, action="report").count() == 1


# --- posting on PostgreSQL: lookups and write as prepared statements, the write in one statement -------------


def _version(article_id: int) -> int:
    from newsportal.models import CommentsVersion

    found = CommentsVersion.objects.filter(article_id=article_id).first()
    return found.version if found else 0


@pytest.mark.django_db
def test_a_post_is_three_statements_and_a_reply_keeps_every_count(django_assert_num_queries):
    from comments.api.selectors import published_article

    article = make_article()
    with django_assert_num_queries(3):  # the article, the lookups, the one write (no BEGIN/COMMIT of its own)
        root = comment_create(
            article=published_article(article_id=article.pk), body="root", client=new_client(), author_name="R"
        ).comment
    reply = comment_create(article=article, body="reply", client=new_client(), author_name="R", parent=root).comment
    root.refresh_from_db()
    article.refresh_from_db()
    stored = Comment.objects.get(pk=reply.pk)
    assert (stored.parent_id, stored.root_id, stored.depth, stored.path) == (root.pk, root.pk, 1, reply.path)
    assert reply.path.startswith(root.path) and len(reply.path) == 2 * len(root.path)
    assert root.reply_count == 1 and article.comment_count == 2 and _version(article.pk) == 2
    assert stored.body == "reply" and stored.signals == {} and stored.hold_reasons == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%comments_comment%%'")
        assert cursor.fetchone()[0] >= 2  # the lookups and the write, prepared on this connection


@pytest.mark.django_db
def test_a_held_comment_moves_no_count_and_no_version():
    from comments.models import ModerationPolicy

    article = make_article()
    ModerationPolicy.objects.create(article=article, mode=ModerationPolicy.Mode.PRE_ALL)
    created = comment_create(article=article, body="held", client=new_client(), author_name="R")
    article.refresh_from_db()
    assert not created.published and created.comment.status == Comment.Status.PENDING
    assert article.comment_count == 0 and _version(article.pk) == 0


@pytest.mark.django_db
def test_another_in_transaction_hook_runs_in_the_posts_transaction():
    """A hook other than the version bump is not in the one statement: it runs, and its failure undoes the post."""
    from comments.services import lifecycle

    article = make_article()
    seen = []

    def failing(article_ids):
        seen.append((set(article_ids), connection.in_atomic_block))
        raise RuntimeError("hook failed")

    lifecycle.on_comments_changing(failing)
    try:
        with pytest.raises(RuntimeError):
            comment_create(article=article, body="undone", client=new_client(), author_name="R")
    finally:
        lifecycle._in_transaction_hooks.remove(failing)
    article.refresh_from_db()
    assert seen == [({article.pk}, True)]
    assert not Comment.objects.filter(article=article).exists() and article.comment_count == 0


@pytest.mark.django_db(transaction=True)
def test_a_post_on_a_connection_the_server_closed_between_requests_still_succeeds():
    """Posting's statements skip Django's SELECT 1 health check: the first, read-only one is the check, and is
    sent again on a new connection when the server had closed the old one."""
    import psycopg

    from comments.api.selectors import _articles as endpoint_articles
    from comments.api.selectors import published_article

    article = make_article()
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]

    def server_closes_the_connection():
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        connection.close_if_unusable_or_obsolete()  # what Django does when the next request starts

    server_closes_the_connection()
    endpoint_articles.clear()
    assert published_article(article_id=article.pk).pk == article.pk

    server_closes_the_connection()
    created = comment_create(article=article, body="after a restart", client=new_client(), author_name="R")
    assert Comment.objects.get(pk=created.comment.pk).body == "after a restart"

    # The next top-level comment on the article is one write statement (the kept copy of its gates): no
    # SELECT 1 before it either; the closed connection is seen on its socket and replaced.
    server_closes_the_connection()
    with CaptureQueriesContext(connection) as sent:
        again = comment_create(article=article, body="and once more", client=new_client(), author_name="R")
    assert len(sent.captured_queries) == 1
    assert Comment.objects.get(pk=again.comment.pk).body == "and once more"


@pytest.mark.django_db(transaction=True)
def test_an_idle_connection_reads_as_closed_only_once_the_server_closed_it():
    """newsportal.db._seems_closed, the check a write gets instead of SELECT 1: nothing to read on a live idle
    connection; the server's FATAL message (or the end of the stream) once it was terminated."""
    import psycopg

    from newsportal.db import _seems_closed

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert not _seems_closed(connection.connection)

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    deadline = time.monotonic() + 5
    while not _seems_closed(connection.connection) and time.monotonic() < deadline:
        time.sleep(0.01)  # the FATAL message crosses the socket
    assert _seems_closed(connection.connection)
    connection.close()
