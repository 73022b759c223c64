"""A mobile client's whole flow through the API, as the app would drive it.

A guest posts to a pre-moderated article with an Idempotency-Key, retries after a "lost" answer (same key:
same comment), polls the list with If-None-Match (304: held comments are not public), a moderator's token
approves it through the moderation API, the list shows it (new ETag) with the text exactly as sent, and a
reader reports it.
"""

import pytest

from comments.models import Comment, Flag, ModerationPolicy
from tests.api.conftest import comments_url, post_comment

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Good reporting <i>for once</i> — 谢谢 👍 {{ 7*7 }}\nSecond line."


def test_guest_posts_retries_lists_gets_approved_and_is_reported(api, article, moderator_api):
    ModerationPolicy.objects.create(article=article, mode=ModerationPolicy.Mode.PRE_ALL)
    key = {"Idempotency-Key": "f47ac10b-58cc-4372-a567-0e02b2c3d479"}

    # the guest posts; the answer is "lost" and the phone retries with the same key
    first = post_comment(api, article.pk, body=TEXT, name="Phone Reader", headers=key)
    retry = post_comment(api, article.pk, body=TEXT, name="Phone Reader", headers=key)
    assert first.status_code == 201 and first.json()["status"] == "pending"
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert Comment.objects.filter(article=article).count() == 1
    cid = first.json()["id"]

    # the app polls the list: the held comment is not public, and nothing changed -> 304
    listed = api.get(comments_url(article.pk))
    assert listed.json()["results"] == []
    etag = listed["ETag"]
    assert api.get(comments_url(article.pk), HTTP_IF_NONE_MATCH=etag).status_code == 304

    # a moderator's token approves it through the moderation API
    decided = moderator_api.post(f"/api/v1/moderation/comments/{cid}/decision/", {"action": "approve"}, format="json")
    assert decided.status_code in (200, 201), decided.content

    # the list shows it exactly as sent, under a new ETag
    after = api.get(comments_url(article.pk), HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag
    (item,) = after.json()["results"]
    assert item["id"] == cid and item["body"] == TEXT and item["status"] == "published"

    # another reader reports it
    reporter = type(api)()
    report = reporter.post(f"/api/v1/comments/{cid}/flags/", {"reason": "abuse", "note": "rude"}, format="json")
    assert report.status_code == 201
    assert Flag.objects.get().comment_id == cid
