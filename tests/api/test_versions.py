"""The per-article comments version behind API ETags and cached pages moves with the change, atomically."""

import pytest
from django.db import transaction

from comments.models import Comment
from comments.services.lifecycle import apply_count_deltas, comment_transition
from newsportal.models import CommentsVersion
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def version(article) -> int:
    row = CommentsVersion.objects.filter(pk=article.pk).first()
    return row.version if row else 0


def test_publishing_bumps_the_version_in_the_same_transaction(article):
    comment = CommentFactory(article=article, status="pending")
    before = version(article)

    comment_transition(comment=comment, to_status="published", action=None)

    assert version(article) == before + 1


def test_a_rolled_back_change_leaves_the_version_alone(article):
    comment = CommentFactory(article=article, status="pending")
    before = version(article)

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            comment_transition(comment=comment, to_status="published", action=None)
            raise RuntimeError("the request failed after the change")

    assert version(article) == before
    assert Comment.objects.get(pk=comment.pk).status == "pending"


def test_a_bulk_change_bumps_every_article_it_touches_once():
    articles = [ArticleFactory() for _ in range(3)]

    apply_count_deltas({(a.pk, None): 1 for a in articles} | {(articles[0].pk, 99): 0})

    assert [version(a) for a in articles] == [1, 1, 1]


def test_a_held_comment_does_not_move_the_public_version(api, article):
    before = version(article)

    CommentFactory(article=article, status="pending")

    assert version(article) == before
