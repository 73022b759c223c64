import pytest
from django.db import connection

from comments.apps import ensure_priority_trigger
from comments.models import Comment
from comments.priority import stored_priority
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def drop_trigger():
    from comments import priority

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in priority.SQL_SQLITE_DROP:
                cursor.execute(statement)
        else:
            cursor.execute(priority.SQL_POSTGRESQL_DROP)


def test_post_migrate_restores_a_dropped_priority_trigger():
    # given a table rebuild that dropped the trigger (SQLite does this when a migration alters the table)
    drop_trigger()
    ensure_priority_trigger(sender=None, using="default")

    comment = CommentFactory(spam_score=1.0, status=Comment.Status.PENDING)
    Comment.objects.filter(pk=comment.pk).update(flag_count=2)

    comment.refresh_from_db()
    expected = stored_priority(spam_score=1.0, flag_count=2, article_comments=0, created_at=comment.created_at)
    assert comment.priority == pytest.approx(expected, abs=1e-6)
