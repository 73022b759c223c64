"""PostgreSQL: a top-level comment after the first on an article is posted with one statement, on the process's
kept copy of the article's gates (comments.services.posting, "a top-level comment in one round trip").

Whatever changed since the copy was read (a word rule, a policy, the article, a ban, the same text again), the
outcome must be the full path's. Runs in the PostgreSQL reruns of `make test` (PG_UNIT_TESTS); skipped on the
embedded SQLite, which has only the full path.
"""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from comments import ratelimit
from comments.models import Ban, Comment, ModerationPolicy, WordRule, thread_path
from comments.services import posting
from comments.services.posting import comment_create
from newsportal.errors import ApplicationError
from newsportal.models import CommentsVersion
from tests.comments.conftest import make_article, new_client

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-round-trip path is PostgreSQL's"),
]


def post(article, body="An ordinary comment.", *, client=None, name="Reader", **kwargs):
    return comment_create(article=article, body=body, client=client or new_client(), author_name=name, **kwargs)


def statements(article, body="Another ordinary comment.", **kwargs):
    """(the result, the statements it sent) of one post."""
    with CaptureQueriesContext(connection) as captured:
        result = post(article, body, **kwargs)
    return result, [query["sql"] for query in captured.captured_queries]


def version(article) -> int:
    row = CommentsVersion.objects.filter(pk=article.pk).first()
    return row.version if row else 0


def refused(code: str, article, body="An ordinary comment.", **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        post(article, body, **kwargs)
    assert exc.value.code == code, exc.value.message
    return exc.value


def test_the_second_top_level_comment_is_one_statement_that_saves_and_counts_it(article):
    post(make_article(), "Another article: the process's one-off reads are done.")
    first, sent = statements(article, "The first one.")
    assert len(sent) == 2  # the lookups, then the write
    before = version(article)

    second, sent = statements(article, "The second one.")

    assert len(sent) == 1
    saved = Comment.objects.get(pk=second.comment.pk)
    assert second.published and saved.status == Comment.Status.PUBLISHED
    assert saved.body == "The second one." and saved.author_name == "Reader"
    assert saved.path == second.comment.path == thread_path("", saved.pk)
    assert saved.parent_id is None and saved.depth == 0 and saved.created_at == second.comment.created_at
    assert not second.comment._state.adding
    assert posting.secret_matches(saved, second.secret)
    article.refresh_from_db()
    assert article.comment_count == 2 and version(article) == before + 1


def test_a_held_comment_is_one_statement_and_counts_nothing(article):
    WordRule.objects.create(kind=WordRule.Kind.SUSPECT, word="casino")
    post(article, "Warms the copy.")
    before = version(article)

    held, sent = statements(article, "Try the casino.")

    assert len(sent) == 1
    assert not held.published and held.comment.hold_reasons == ["suspect_word:casino"]
    assert Comment.objects.get(pk=held.comment.pk).status == Comment.Status.PENDING
    article.refresh_from_db()
    assert article.comment_count == 1 and version(article) == before


@pytest.mark.parametrize("start", [36**5 - 2, 36**8 + 12345])
def test_the_path_made_in_the_statement_is_thread_paths(article, start):
    """Base 36, zero-padded to the segment width; an id past the width keeps all of its digits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('comments_comment', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT last_value FROM " + sequence)
        (last,) = cursor.fetchone()
    post(article, "Warms the copy.")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s)", [sequence, start])
        made = [post(article, f"Comment {n}.") for n in range(3)]
    finally:
        with connection.cursor() as cursor:  # sequences ignore the test's rollback
            cursor.execute("SELECT setval(%s, %s)", [sequence, max(last, 1)])
    for result in made:
        assert Comment.objects.get(pk=result.comment.pk).path == thread_path("", result.comment.pk)
    assert [result.comment.pk for result in made] == [start + 1, start + 2, start + 3]


def test_a_word_rule_added_after_the_copy_applies(article):
    post(article, "Warms the copy.")
    WordRule.objects.create(kind=WordRule.Kind.BANNED, word="verboten")

    error = refused("banned_word", article, "This is verboten here.")

    assert error.errors == {"body": [error.message]}
    assert post(article, "This is fine.").published


def test_a_policy_set_after_the_copy_applies(article):
    post(article, "Warms the copy.")
    ModerationPolicy.objects.create(article=article, mode=ModerationPolicy.Mode.PRE_ALL)

    held, sent = statements(article, "Now held for a moderator.")

    assert not held.published and len(sent) > 1
    assert not post(article, "Held again, now on the new copy.").published


def test_comments_closed_after_the_copy_are_closed_even_for_a_stale_article_object(article):
    post(article, "Warms the copy.")
    Article.objects.filter(pk=article.pk).update(comments_open=False)  # `article` still says open

    assert refused("comments_closed", article).status == 403


def test_an_article_gone_after_the_copy_is_404(article):
    post(article, "Warms the copy.")
    Article.objects.filter(pk=article.pk).delete()

    assert refused("not_found", article).status == 404


def test_a_ban_after_the_copy_refuses_and_leaves_the_rate_limit_count_alone(article, settings):
    settings.NEWSPORTAL_RATE_LIMITS_ENABLED = True
    settings.NEWSPORTAL_RATE_LIMIT_CLIENT = "5/60"
    client = new_client()
    post(article, "Warms the copy.", client=client)
    Ban.objects.create(kind=Ban.Kind.IP, value=client.ip_hash)

    assert refused("banned", article, client=client).status == 403

    rate = ratelimit.Rate.parse("5/60")
    key = ratelimit._cache_key(f"comments:client:{client.ip_hash}", rate, int(time.time() // rate.seconds))
    assert cache.get(key) == 1  # the first post only: a banned attempt is not counted, as on the full path


def test_a_refused_post_on_the_copy_is_counted_once_by_the_full_path(article, settings):
    """A gate that refuses on the kept copy hands over to the full path: the rate-limit hits are not doubled."""
    settings.NEWSPORTAL_RATE_LIMITS_ENABLED = True
    settings.NEWSPORTAL_RATE_LIMIT_CLIENT = "3/60"
    client = new_client()
    post(article, "Warms the copy.", client=client)
    refused("invalid", article, "   ", client=client)  # an empty comment: counted once
    post(article, "The third post.", client=client)

    assert refused("rate_limited", article, "The fourth post.", client=client).status == 429


def test_the_same_text_again_is_held_as_repeated(article):
    client = new_client()
    post(article, "Warms the copy.", client=client)
    post(article, "Say it twice.", client=client)

    again = post(article, "Say it twice.", client=client)

    assert not again.published and again.comment.hold_reasons == ["repeated_text"]


def test_a_user_ban_and_an_email_ban_are_checked_in_the_statement(article, django_user_model):
    user = django_user_model.objects.create_user("carol", password="pw-carol-12345")
    post(article, "Warms the copy.")
    Ban.objects.create(kind=Ban.Kind.USER, value=str(user.pk), expires_at=timezone.now() + timedelta(days=1))
    Ban.objects.create(kind=Ban.Kind.EMAIL, value="troll@example.org")

    with pytest.raises(ApplicationError) as exc:
        comment_create(article=article, body="From a banned user.", client=new_client(), user=user)
    assert exc.value.code == "banned"
    assert refused("banned", article, author_email=" Troll@Example.org").status == 403
