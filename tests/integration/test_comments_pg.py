"""Comments on the production stack: PostgreSQL (window functions, row locks, constraints) and Redis rate limits."""

import threading
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

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
