"""comment_create: every gate in order, the policy modes, thread paths, counts, the guest secret, scoring hand-off."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Section
from comments import dispatch
from comments.models import BODY_MAX_LENGTH, Ban, Comment, ModerationPolicy, WordRule, thread_path
from comments.services.posting import comment_create, secret_matches
from newsportal.errors import ApplicationError
from tests.comments.conftest import make_article, new_client

pytestmark = pytest.mark.django_db


def post(article, body="A perfectly ordinary comment.", *, client=None, name="Reader", **kwargs):
    return comment_create(article=article, body=body, client=client or new_client(), author_name=name, **kwargs)


def raises_code(code: str, fn, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        fn(*args, **kwargs)
    assert exc.value.code == code, exc.value.message
    return exc.value


def test_guest_comment_is_published_and_counted_under_post_moderation(article):
    # when
    result = post(article, "Hello 你好 👋 مرحبا {{ 7*7 }} <b>x</b>", name="Zoë")

    # then
    comment = Comment.objects.get(pk=result.comment.pk)
    assert result.published and comment.status == Comment.Status.PUBLISHED
    assert comment.body == "Hello 你好 👋 مرحبا {{ 7*7 }} <b>x</b>"
    assert comment.author_name == "Zoë"
    assert comment.path == thread_path("", comment.pk)
    article.refresh_from_db()
    assert article.comment_count == 1


def test_text_is_stored_exactly_except_crlf(article):
    body = "  leading and trailing spaces  \r\nsecond line\rlone CR\u200b\u202eRTL\n\n"
    result = post(article, body)
    assert Comment.objects.get(pk=result.comment.pk).body == body.replace("\r\n", "\n")


def test_guest_gets_a_secret_stored_only_as_a_hash(article):
    result = post(article)
    assert result.secret and len(result.secret) >= 24
    comment = Comment.objects.get(pk=result.comment.pk)
    assert result.secret not in comment.secret_hash
    assert secret_matches(comment, result.secret)
    assert not secret_matches(comment, result.secret + "x")
    assert not secret_matches(comment, None)


def test_signed_in_reader_posts_under_username_without_secret(article):
    user = get_user_model().objects.create_user("alice", password="pw-alice-123")
    result = comment_create(article=article, body="Signed in.", client=new_client(), user=user, author_name="ignored")
    assert result.secret is None
    assert result.comment.user == user and result.comment.author_name == "alice"


# --- gate 1: the article is open -------------------------------------------------------------------------


def test_unpublished_article_refuses(db):
    draft = make_article(status=Article.Status.DRAFT)
    raises_code("not_found", post, draft)


@pytest.mark.parametrize(
    "setup",
    [
        lambda a: Article.objects.filter(pk=a.pk).update(comments_open=False),
        lambda a: Article.objects.filter(pk=a.pk).update(comments_close_at=timezone.now() - timedelta(minutes=1)),
        lambda a: ModerationPolicy.objects.create(article=a, comments_closed=True),
        lambda a: ModerationPolicy.objects.create(section=a.section, auto_close_days=0),
    ],
    ids=["article-flag", "close-at", "policy-closed", "auto-close"],
)
def test_closed_comments_refuse_with_403(article, setup):
    setup(article)
    article.refresh_from_db()
    error = raises_code("comments_closed", post, article)
    assert error.status == 403 and "closed" in error.message.lower()
    assert not Comment.objects.exists()


def test_auto_close_counts_days_from_publication(db):
    article = make_article(published_at=timezone.now() - timedelta(days=2))
    ModerationPolicy.objects.create(section=article.section, auto_close_days=3)
    assert post(article).published
    old = make_article(published_at=timezone.now() - timedelta(days=4))
    raises_code("comments_closed", post, old)


# --- gate 2: bans ----------------------------------------------------------------------------------------


def test_ip_ban_refuses_and_expired_ban_does_not(article):
    client = new_client()
    ban = Ban.objects.create(kind=Ban.Kind.IP, value=client.ip_hash)
    assert raises_code("banned", post, article, client=client).status == 403
    ban.expires_at = timezone.now() - timedelta(seconds=1)
    ban.save()
    assert post(article, client=client).published


def test_user_and_email_bans(article):
    user = get_user_model().objects.create_user("bob", password="pw-bob-12345")
    Ban.objects.create(kind=Ban.Kind.USER, value=str(user.pk), expires_at=timezone.now() + timedelta(days=1))
    raises_code("banned", comment_create, article=article, body="x y", client=new_client(), user=user)
    Ban.objects.create(kind=Ban.Kind.EMAIL, value="troll@example.org")
    raises_code("banned", post, article, author_email="Troll@Example.org")


# --- gate 3: rate limits ---------------------------------------------------------------------------------


def test_rate_limit_per_client_answers_429_with_retry_after(article, settings):
    settings.NEWSPORTAL_RATE_LIMIT_CLIENT = "2/60"
    client = new_client()
    post(article, "first", client=client)
    post(article, "second", client=client)
    error = raises_code("rate_limited", post, article, "third", client=client)
    assert error.status == 429
    assert 1 <= int(error.headers["Retry-After"]) <= 60
    assert post(article, "another client", client=new_client()).comment.pk  # others are not affected


def test_rate_limit_per_article(article, settings):
    settings.NEWSPORTAL_RATE_LIMIT_ARTICLE = "3/60"
    for i in range(3):
        post(article, f"comment {i}")
    raises_code("rate_limited", post, article, "one too many")
    assert post(make_article(), "other article").comment.pk


def test_default_limits_let_many_distinct_clients_through(article):
    for i in range(40):
        post(article, f"distinct client {i}")
    assert Comment.objects.count() == 40


def test_rate_limits_can_be_switched_off(article, settings):
    settings.NEWSPORTAL_RATE_LIMITS_ENABLED = False
    settings.NEWSPORTAL_RATE_LIMIT_CLIENT = "1/60"
    client = new_client()
    for i in range(3):
        post(article, f"again {i}", client=client)


def test_rate_limit_fails_open_when_the_cache_is_down(article, settings):
    settings.NEWSPORTAL_RATE_LIMIT_CLIENT = "1/60"
    client = new_client()
    with mock.patch("comments.ratelimit.cache.add", side_effect=ConnectionError("redis down")):
        post(article, "one", client=client)
        post(article, "two", client=client)


# --- gate 4: honeypot and time to submit -----------------------------------------------------------------


def test_filled_honeypot_holds_silently(article):
    result = post(article, signals={"honeypot": True, "seconds_to_submit": 30})
    assert not result.published
    assert result.comment.status == Comment.Status.PENDING
    assert "honeypot" in result.comment.hold_reasons


def test_too_fast_holds_with_a_reason(article, settings):
    settings.NEWSPORTAL_FORM_MIN_SECONDS = 3
    result = post(article, signals={"honeypot": False, "seconds_to_submit": 0.4})
    assert result.comment.hold_reasons == ["too_fast"]
    assert post(article, "slow enough", signals={"seconds_to_submit": 8}).published


# --- gates 5 and 6: words, links, repeated text ----------------------------------------------------------


def test_banned_word_rejects_naming_the_word(article):
    WordRule.objects.create(kind=WordRule.Kind.BANNED, word="frobnicate")
    error = raises_code("banned_word", post, article, "Please FROBNICATE this.")
    assert error.status == 400 and "not allowed" in error.message and "FROBNICATE" in error.message
    assert error.errors["body"]
    raises_code("banned_word", post, article, "fine text", name="frobnicate fan")
    assert not Comment.objects.exists()


def test_banned_words_match_whole_words_only(article):
    WordRule.objects.create(kind=WordRule.Kind.BANNED, word="cunt")
    assert post(article, "I grew up in Scunthorpe.").published


def test_suspect_word_holds_with_reason(article):
    WordRule.objects.create(kind=WordRule.Kind.SUSPECT, word="casino")
    result = post(article, "Best Casino offers here")
    assert not result.published and result.comment.hold_reasons == ["suspect_word:casino"]


def test_too_many_links_hold(article, settings):
    settings.NEWSPORTAL_COMMENT_MAX_LINKS = 2
    assert post(article, "see https://a.example and http://b.example").published
    held = post(article, "https://a.example https://b.example https://c.example")
    assert held.comment.hold_reasons == ["too_many_links"]


def test_repeated_text_by_same_client_or_on_other_article_is_held(article):
    client = new_client()
    assert post(article, "Same words   here", client=client).published
    assert post(article, "same WORDS here", client=client).comment.hold_reasons == ["repeated_text"]
    assert post(article, "Same words here").published is True  # another client on the same article: a reply-ish echo
    elsewhere = post(make_article(), "same words here")
    assert elsewhere.comment.hold_reasons == ["repeated_text"]


# --- gate 7: length and required fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, name",
    [("", "Reader"), ("   \n\t ", "Reader"), ("x" * (BODY_MAX_LENGTH + 1), "Reader"), ("ok", ""), ("ok", "  ")],
)
def test_invalid_input_is_a_400_with_field_errors(article, body, name):
    error = raises_code("invalid", post, article, body, name=name)
    assert error.status == 400 and error.errors


def test_body_of_exactly_the_maximum_is_accepted(article):
    body = "語" * BODY_MAX_LENGTH
    assert Comment.objects.get(pk=post(article, body).comment.pk).body == body


def test_crlf_counts_as_one_character_for_the_limit(article):
    body = "a\r\n" * (BODY_MAX_LENGTH // 2)
    assert len(post(article, body).comment.body) == BODY_MAX_LENGTH


@pytest.mark.parametrize("body", ["nul \x00 inside", "lone surrogate \ud800"])
def test_text_the_database_cannot_store_is_refused(article, body):
    raises_code("invalid", post, article, body)


def test_bad_email_is_refused(article):
    error = raises_code("invalid", post, article, author_email="not-an-address")
    assert "author_email" in error.errors


# --- policy modes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, guest_published, user_published",
    [("post", True, True), ("pre_all", False, False), ("pre_guests", False, True)],
)
def test_policy_modes(article, mode, guest_published, user_published):
    ModerationPolicy.objects.create(section=article.section, mode=mode)
    user = get_user_model().objects.create_user("carol", password="pw-carol-123")
    assert post(article).published is guest_published
    signed_in = comment_create(article=article, body="as a user", client=new_client(), user=user)
    assert signed_in.published is user_published


def test_pre_links_holds_only_comments_with_links(article):
    ModerationPolicy.objects.create(article=article, mode="pre_links")
    assert post(article, "no links here").published
    held = post(article, "look at https://example.org/page")
    assert held.comment.hold_reasons == ["policy:pre_links"]


def test_pre_new_holds_until_n_approved_comments_of_the_author(article):
    ModerationPolicy.objects.create(section=article.section, mode="pre_new", new_commenter_threshold=2)
    first = post(article, "first words", author_email="new@example.org")
    assert first.comment.hold_reasons == ["policy:pre_new"]
    Comment.objects.filter(author_email="new@example.org").update(status=Comment.Status.PUBLISHED)
    second = post(article, "second words", author_email="NEW@example.org")
    assert not second.published
    Comment.objects.filter(pk=second.comment.pk).update(status=Comment.Status.PUBLISHED)
    assert post(article, "third words", author_email="new@example.org").published


def test_article_policy_wins_over_nearest_section_ancestor(db):
    parent = Section.objects.create(slug="news", name="News")
    child = Section.objects.create(slug="china", name="China", parent=parent)
    article = make_article(section=child)
    ModerationPolicy.objects.create(section=parent, mode="pre_all")
    assert not post(article, "held by the ancestor").published
    ModerationPolicy.objects.create(section=child, mode="post")
    assert post(article, "published by the nearer section").published
    ModerationPolicy.objects.create(article=article, mode="pre_all")
    assert not post(article, "held by the article's own").published


# --- replies ---------------------------------------------------------------------------------------------


def test_replies_to_any_depth_get_paths_under_their_parent(article):
    root = post(article, "root").comment
    child = post(article, "child", parent=root).comment
    grandchild = post(article, "grandchild", parent=child).comment
    assert (child.root_id, grandchild.root_id) == (root.pk, root.pk)
    assert (child.depth, grandchild.depth) == (1, 2)
    assert grandchild.path.startswith(child.path) and child.path.startswith(root.path)
    assert len(grandchild.path) == 3 * 8
    root.refresh_from_db()
    child.refresh_from_db()
    assert (root.reply_count, child.reply_count) == (1, 1)
    article.refresh_from_db()
    assert article.comment_count == 3


def test_reply_needs_a_published_parent_on_the_same_article(article):
    pending = Comment.objects.get(pk=post(article, "x", signals={"honeypot": True}).comment.pk)
    assert raises_code("invalid", post, article, "reply", parent=pending).errors["parent"]
    other = post(make_article(), "elsewhere").comment
    raises_code("invalid", post, article, "reply", parent=other)


def test_held_reply_does_not_count(article):
    root = post(article, "root").comment
    post(article, "held reply", parent=root, signals={"honeypot": True})
    root.refresh_from_db()
    article.refresh_from_db()
    assert root.reply_count == 0 and article.comment_count == 1


# --- scoring hand-off ------------------------------------------------------------------------------------


@pytest.fixture
def broker(settings):
    """Celery with a broker (not eager): posting hands scoring to the process's outbox (comments.dispatch)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.NEWSPORTAL_SCORING_DISPATCH_SECONDS = 60  # the test flushes; the thread would wait a minute


def test_scoring_is_enqueued_after_commit(article, django_capture_on_commit_callbacks):
    # eager Celery (the embedded default): one score_comment per comment, at commit
    with mock.patch("comments.tasks.score_comment.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            result = post(article)
            delay.assert_not_called()
    delay.assert_called_once_with(result.comment.pk)


def test_with_a_broker_scoring_is_queued_after_commit_and_published_in_a_batch(
    article, broker, django_capture_on_commit_callbacks
):
    with mock.patch("comments.tasks.score_comments.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            first, second = post(article), post(article, "Another ordinary comment.")
            dispatch.flush()
            delay.assert_not_called()  # nothing is queued before the commit
        dispatch.flush()
    assert [i for call in delay.call_args_list for i in call.args[0]] == [first.comment.pk, second.comment.pk]


def test_dead_broker_never_fails_the_post(article, django_capture_on_commit_callbacks, caplog):
    with mock.patch("comments.tasks.score_comment.delay", side_effect=ConnectionError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            result = post(article)
    assert Comment.objects.filter(pk=result.comment.pk).exists()
    assert "sweeper" in caplog.text


def test_dead_broker_never_fails_the_post_through_the_outbox(
    article, broker, django_capture_on_commit_callbacks, caplog
):
    with mock.patch("comments.tasks.score_comments.delay", side_effect=ConnectionError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            result = post(article)
        assert dispatch.flush() == 0
    assert Comment.objects.filter(pk=result.comment.pk).exists()
    assert "sweeper" in caplog.text
