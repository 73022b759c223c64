"""The reader-side comment API end to end: posting, lists and cursors, replies, edit/delete, reports."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_offset

import pytest
from django.utils import timezone
from rest_framework.fields import DateTimeField

from comments.api.selectors import api_datetime
from comments.models import Comment, Flag
from comments.services.lifecycle import comment_transition
from tests.api.conftest import comments_url, post_comment, problem_of
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

TRICKY = 'Flow <b>bold?</b> & "quotes" — 你好 👋 {{ 7*7 }}\nsecond line\t  trailing  '


def publish(comment_id: int) -> None:
    comment_transition(comment=Comment.objects.get(pk=comment_id), to_status="published", action=None)


def test_guest_post_answers_201_with_id_status_and_edit_secret(api, article):
    response = post_comment(api, article.pk, body=TRICKY, name="Mobile Reader", email="m@example.org")

    assert response.status_code == 201
    data = response.json()
    comment = Comment.objects.get(pk=data["id"])
    assert data["status"] == comment.status
    assert data["body"] == TRICKY == comment.body
    assert data["author_name"] == "Mobile Reader"
    assert data["article"] == article.pk and data["parent"] is None
    assert len(data["edit_secret"]) >= 20


def test_token_user_needs_no_name_and_gets_no_secret(reader_api, reader, article):
    response = post_comment(reader_api, article.pk, name=None)

    assert response.status_code == 201
    assert "edit_secret" not in response.json()
    assert Comment.objects.get(pk=response.json()["id"]).user == reader


def test_extra_keys_are_refused_and_change_nothing(api, article):
    for extra in (
        {"status": "published"},
        {"spam_score": 0},
        {"created_at": "2000-01-01T00:00:00Z"},
        {"user": 1},
        {"article": 2},
        {"id": 1},
        {"likes": 100000},
    ):
        problem_of(post_comment(api, article.pk, **extra), 400)
    assert Comment.objects.count() == 0


def test_closed_article_refuses_with_403(api):
    closed = ArticleFactory(comments_open=False)

    assert problem_of(post_comment(api, closed.pk), 403)["code"] == "comments_closed"


def test_list_shows_published_top_level_comments_with_reply_counts(api, article):
    top = CommentFactory(article=article, status="published", body=TRICKY)
    CommentFactory(article=article, status="published", parent=top)
    CommentFactory(article=article, status="pending")

    response = api.get(comments_url(article.pk))

    assert response.status_code == 200
    data = response.json()
    assert data["next"] is None
    assert [c["id"] for c in data["results"]] == [top.pk]
    item = data["results"][0]
    assert item["body"] == TRICKY and item["reply_count"] == 1 and item["status"] == "published"
    assert set(item) == {
        "id",
        "article",
        "parent",
        "author_name",
        "body",
        "created_at",
        "edited_at",
        "reply_count",
        "status",
    }


def test_replies_by_parent_param_and_by_replies_endpoint(api, article):
    top = CommentFactory(article=article, status="published")
    replies = [CommentFactory(article=article, status="published", parent=top) for _ in range(3)]

    by_param = api.get(comments_url(article.pk), {"parent": top.pk}).json()["results"]
    by_endpoint = api.get(f"/api/v1/comments/{top.pk}/replies/", {"page_size": 2})

    assert [c["id"] for c in by_param] == [r.pk for r in replies]
    page = by_endpoint.json()
    assert [c["id"] for c in page["results"]] == [r.pk for r in replies[:2]]
    assert [c["id"] for c in api.get(page["next"]).json()["results"]] == [replies[2].pk]


def test_cursor_pages_are_stable_while_new_comments_arrive(api, article):
    first = [CommentFactory(article=article, status="published") for _ in range(5)]
    page1 = api.get(comments_url(article.pk), {"page_size": 2}).json()
    # given: two new comments published between page requests
    late = [CommentFactory(article=article, status="published") for _ in range(2)]

    seen = [c["id"] for c in page1["results"]]
    url = page1["next"]
    while url:
        page = api.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]

    assert seen == [c.pk for c in first + late]


@pytest.mark.parametrize(
    "query", [{"page_size": "0"}, {"page_size": "x"}, {"cursor": "not-a-cursor"}, {"parent": "-1"}]
)
def test_bad_paging_parameters_are_400(api, article, query):
    problem_of(api.get(comments_url(article.pk), query), 400)


def test_page_size_is_capped_at_100(api, article):
    for _ in range(101):
        CommentFactory(article=article, status="published")

    data = api.get(comments_url(article.pk), {"page_size": 500}).json()

    assert len(data["results"]) == 100 and data["next"]


def test_list_etag_gives_304_then_changes_after_an_approval(api, article, django_capture_on_commit_callbacks):
    pending = CommentFactory(article=article, status="pending")
    first = api.get(comments_url(article.pk))
    etag = first["ETag"]

    assert api.get(comments_url(article.pk), HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        publish(pending.pk)
    after = api.get(comments_url(article.pk), HTTP_IF_NONE_MATCH=etag)

    assert after.status_code == 200
    assert after["ETag"] != etag
    assert [c["id"] for c in after.json()["results"]] == [pending.pk]


def test_article_detail_has_etag_and_last_modified(api, article, django_capture_on_commit_callbacks):
    response = api.get(f"/api/v1/articles/{article.pk}/")
    assert response.status_code == 200 and response["Last-Modified"]

    assert api.get(f"/api/v1/articles/{article.pk}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(article=article, status="pending")
        publish(Comment.objects.get().pk)
    changed = api.get(f"/api/v1/articles/{article.pk}/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200 and changed.json()["comment_count"] == 1


def test_guest_edits_and_deletes_own_comment_with_the_secret(api, article, django_capture_on_commit_callbacks):
    created = post_comment(api, article.pk).json()
    url = f"/api/v1/comments/{created['id']}/"

    problem_of(api.patch(url, {"body": "Changed"}, format="json"), 403)
    with django_capture_on_commit_callbacks(execute=True):
        edited = api.patch(
            url, {"body": "Changed"}, format="json", headers={"X-Comment-Secret": created["edit_secret"]}
        )
    assert edited.status_code == 200 and edited.json()["body"] == "Changed" and edited.json()["edited_at"]

    problem_of(api.delete(url, headers={"X-Comment-Secret": "wrong"}), 404 if created["status"] != "published" else 403)
    assert api.delete(url, headers={"X-Comment-Secret": created["edit_secret"]}).status_code == 204
    assert Comment.objects.get(pk=created["id"]).status == "deleted"
    problem_of(api.get(url), 404)


def test_token_user_edit_window_closes(reader_api, article, settings):
    created = post_comment(reader_api, article.pk, name=None).json()
    Comment.objects.filter(pk=created["id"]).update(created_at=timezone.now() - timezone.timedelta(hours=2))

    response = reader_api.patch(f"/api/v1/comments/{created['id']}/", {"body": "late"}, format="json")

    assert problem_of(response, 403)["code"] == "edit_window_closed"


def test_comment_detail_shows_published_comment_to_anyone(api, article):
    comment = CommentFactory(article=article, status="published")

    assert api.get(f"/api/v1/comments/{comment.pk}/").json()["id"] == comment.pk


def test_report_once_then_409(api, article):
    comment = CommentFactory(article=article, status="published")
    url = f"/api/v1/comments/{comment.pk}/flags/"

    first = api.post(url, {"reason": "spam", "note": "ads"}, format="json")
    again = api.post(url, {"reason": "spam"}, format="json")

    assert first.status_code == 201 and first.json()["reason"] == "spam"
    assert problem_of(again, 409)["code"] == "already_reported"
    assert Flag.objects.filter(comment=comment).count() == 1


def test_report_needs_a_known_reason(api, article):
    comment = CommentFactory(article=article, status="published")

    assert (
        "reason"
        in problem_of(api.post(f"/api/v1/comments/{comment.pk}/flags/", {"reason": "meh"}, format="json"), 400)[
            "errors"
        ]
    )


def test_reply_to_a_published_comment(api, article):
    top = CommentFactory(article=article, status="published")

    response = post_comment(api, article.pk, parent=top.pk)

    assert response.status_code == 201 and response.json()["parent"] == top.pk


def test_an_in_place_edit_of_a_published_comment_changes_the_list_and_its_etag(
    api, article, reader, django_capture_on_commit_callbacks
):
    from comments.services.editing import comment_edit

    comment = CommentFactory(article=article, status="published", user=reader, body="Before.")
    first = api.get(comments_url(article.pk))

    with django_capture_on_commit_callbacks(execute=True):
        edited = comment_edit(comment=comment, body="After.", user=reader)  # as the web form does
    after = api.get(comments_url(article.pk), HTTP_IF_NONE_MATCH=first["ETag"])

    assert edited.status == "published"
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert after.json()["results"][0]["body"] == "After."


def test_lists_still_answer_when_the_cache_is_down(api, article, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    CommentFactory(article=article, status="published")

    def down(*args, **kwargs):
        raise RedisConnectionError("cache down")

    monkeypatch.setattr("comments.api.views.cache.get", down)
    monkeypatch.setattr("comments.api.views.cache.set", down)

    response = api.get(comments_url(article.pk))

    assert response.status_code == 200 and len(response.json()["results"]) == 1


def test_a_post_decides_on_the_article_as_it_is_now_not_on_the_endpoints_cached_copy(api, article):
    """The POST endpoint keeps published articles for ARTICLE_CACHE_SECONDS; posting reads the article again, so
    closing, moving or unpublishing it (even by a bulk update that leaves updated_at alone) applies at once."""
    from articles.models import Article, Section
    from comments.models import ModerationPolicy

    assert post_comment(api, article.pk, body="first").status_code == 201  # the endpoint now holds the article

    Article.objects.filter(pk=article.pk).update(comments_open=False)
    assert problem_of(post_comment(api, article.pk, body="closed?"), 403)["code"] == "comments_closed"

    held = Section.objects.create(slug="held", name="Held")
    ModerationPolicy.objects.create(section=held, mode=ModerationPolicy.Mode.PRE_ALL)
    Article.objects.filter(pk=article.pk).update(comments_open=True, section=held)
    moved = post_comment(api, article.pk, body="in the held section")
    assert moved.status_code == 201 and moved.json()["status"] == "pending"

    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert problem_of(post_comment(api, article.pk, body="gone?"), 404)["code"] == "not_found"
    assert list(Comment.objects.filter(article=article).values_list("body", flat=True).order_by("id")) == [
        "first",
        "in the held section",
    ]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/St_Johns"])
@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 28, 13, 5, 18, 719968, tzinfo=UTC),
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # no microseconds; a DST change in St John's
        datetime(2026, 7, 1, 23, 59, 59, 1, tzinfo=fixed_offset(timedelta(hours=-5))),
    ],
)
def test_api_times_are_written_as_drf_writes_them(value, zone):
    with timezone.override(zone):
        assert api_datetime(value) == DateTimeField().to_representation(value)
