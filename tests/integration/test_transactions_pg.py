"""A transaction PostgreSQL cancels to break a deadlock is run again (newsportal.transactions), on a real server."""

import threading

import pytest
from django.db import OperationalError, connection, transaction

from articles.models import Article
from newsportal.transactions import atomic_retried
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def crossed_lockers(first: int, second: int, barrier: threading.Barrier, outcome: dict, name: str, retried: bool):
    """Lock `first`, wait until the other thread holds its row, then lock `second`: one of the two deadlocks."""
    attempts = []

    def work():
        attempts.append(1)
        with transaction.atomic():
            Article.objects.select_for_update().get(pk=first)
            if len(attempts) == 1:
                barrier.wait(timeout=10)
            Article.objects.select_for_update().get(pk=second)
            Article.objects.filter(pk__in=[first, second]).update(comment_count=0)
        return "done"

    try:
        outcome[name] = (atomic_retried(work) if retried else work(), len(attempts))
    except OperationalError as exc:
        outcome[name] = (f"error {getattr(exc.__cause__, 'sqlstate', '')}", len(attempts))
    finally:
        connection.close()


@pytest.mark.parametrize("retried", [True, False])
def test_the_transaction_cancelled_by_a_deadlock_runs_again(retried):
    a, b = ArticleFactory(), ArticleFactory()
    barrier, outcome = threading.Barrier(2), {}
    threads = [
        threading.Thread(target=crossed_lockers, args=(a.pk, b.pk, barrier, outcome, "one", retried)),
        threading.Thread(target=crossed_lockers, args=(b.pk, a.pk, barrier, outcome, "two", retried)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    results = sorted(outcome.values())
    if retried:
        assert results == [("done", 1), ("done", 2)]  # PostgreSQL cancelled one; it ran again and got through
    else:
        assert results == [("done", 1), ("error 40P01", 1)]  # without it the moderator would have seen an error
