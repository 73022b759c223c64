"""Public comment lists: paging, sorting, first replies in thread order, "more replies", tombstones, query counts."""

import pytest

from comments.models import Comment
from comments.selectors import comment_list_public, comment_replies
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_pages_of_top_level_comments_oldest_first(article):
    roots = [CommentFactory(article=article) for _ in range(5)]
    first = comment_list_public(article=article, per_page=2)
    assert [c.pk for c in first.comments] == [roots[0].pk, roots[1].pk]
    assert first.has_next and not first.has_previous
    last = comment_list_public(article=article, per_page=2, page=3)
    assert [c.pk for c in last.comments] == [roots[4].pk] and not last.has_next
    assert comment_list_public(article=article, per_page=2, page=99).comments == []


def test_sorts_newest_and_most_replies(article):
    quiet, busy, middle = (CommentFactory(article=article) for _ in range(3))
    Comment.objects.filter(pk=busy.pk).update(reply_count=5)
    Comment.objects.filter(pk=middle.pk).update(reply_count=2)
    newest = comment_list_public(article=article, sort="newest")
    assert [c.pk for c in newest.comments] == [middle.pk, busy.pk, quiet.pk]
    replies = comment_list_public(article=article, sort="replies")
    assert [c.pk for c in replies.comments] == [busy.pk, middle.pk, quiet.pk]
    assert comment_list_public(article=article, sort="bogus").sort == "oldest"


def test_only_published_comments_and_tombstones_with_replies_are_listed(article):
    shown = CommentFactory(article=article)
    CommentFactory(article=article, status=Comment.Status.PENDING)
    CommentFactory(article=article, status=Comment.Status.SPAM)
    CommentFactory(article=article, status=Comment.Status.DELETED)
    tombstone = CommentFactory(article=article, status=Comment.Status.DELETED)
    CommentFactory(parent=tombstone)
    listed = comment_list_public(article=article).comments
    assert [c.pk for c in listed] == [shown.pk, tombstone.pk]


def test_first_replies_in_thread_order_with_more_count(article):
    root = CommentFactory(article=article)
    a = CommentFactory(parent=root)
    b = CommentFactory(parent=root)
    a1 = CommentFactory(parent=a)
    CommentFactory(parent=root, status=Comment.Status.PENDING)
    CommentFactory(parent=b)
    other_root = CommentFactory(article=article)
    page = comment_list_public(article=article, replies=3)
    first = page.comments[0]
    assert [r.pk for r in first.first_replies] == [a.pk, a1.pk, b.pk]
    assert first.more_replies == 1
    assert [r.depth for r in first.first_replies] == [1, 2, 1]
    assert page.comments[1].pk == other_root.pk and page.comments[1].first_replies == []


def test_a_page_costs_two_queries_however_many_threads(article, django_assert_num_queries):
    for _ in range(20):
        root = CommentFactory(article=article)
        for _ in range(4):
            CommentFactory(parent=CommentFactory(parent=root))
    with django_assert_num_queries(2):
        page = comment_list_public(article=article, per_page=20, replies=3)
        shown = [(r.author_name, r.user_id) for c in page.comments for r in c.first_replies]
    assert len(page.comments) == 20 and len(shown) == 60
    assert all(c.more_replies == 5 for c in page.comments)


def test_replies_page_lists_the_whole_subtree_paged(article):
    root = CommentFactory(article=article)
    a = CommentFactory(parent=root)
    a1 = CommentFactory(parent=a)
    b = CommentFactory(parent=root)
    CommentFactory(article=article)  # another thread
    first = comment_replies(comment=root, per_page=2)
    assert [c.pk for c in first.comments] == [a.pk, a1.pk] and first.has_next
    assert [c.pk for c in comment_replies(comment=root, per_page=2, page=2).comments] == [b.pk]
    assert [c.pk for c in comment_replies(comment=a).comments] == [a1.pk]
