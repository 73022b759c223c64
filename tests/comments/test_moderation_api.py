import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from comments.models import Comment, ModerationDecision
from comments.selectors_moderation import QUEUES
from tests.factories import CommentFactory, UserFactory, make_moderator, report

pytestmark = pytest.mark.django_db
P = Comment.Status


@pytest.fixture
def mod_api():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_moderator()).key}")
    return client


def test_queue_counts(mod_api):
    CommentFactory.create_batch(2, status=P.PENDING)
    CommentFactory(status=P.SPAM)

    response = mod_api.get("/api/v1/moderation/queues/")

    assert response.status_code == 200
    assert response.json()["queues"] == {
        "pending": 2,
        "reported": 0,
        "spam": 1,
        "unreviewed": 0,
        "rejected": 0,
        "published": 0,
    }


def test_queue_list_items_say_why_they_are_there(mod_api):
    comment = CommentFactory(
        spam_score=0.6, spam_reasons=["link"], hold_reasons=["suspect word: casino"], status=P.PENDING
    )
    report(comment, 1, note="looks like an ad")

    response = mod_api.get("/api/v1/moderation/queues/pending/")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    item = data["results"][0]
    assert item["id"] == comment.pk and item["status"] == "pending" and item["body"] == comment.body
    assert item["spam_score"] == 0.6 and item["spam_reasons"] == ["link"]
    assert item["hold_reasons"] == ["suspect word: casino"]
    assert item["flags"][0]["note"] == "looks like an ad"
    assert item["article"]["id"] == comment.article_id
    assert isinstance(item["priority"], float)


def test_queue_list_pages_with_page_size_capped_at_200(mod_api):
    CommentFactory.create_batch(3, status=P.PENDING)

    first = mod_api.get("/api/v1/moderation/queues/pending/?page_size=2").json()
    capped = mod_api.get("/api/v1/moderation/queues/pending/?page_size=5000")

    assert len(first["results"]) == 2 and first["next"]
    assert capped.status_code == 200 and len(capped.json()["results"]) == 3


def test_every_queue_answers_and_unknown_is_404_in_the_error_shape(mod_api):
    for queue in QUEUES:
        assert mod_api.get(f"/api/v1/moderation/queues/{queue}/").status_code == 200
    response = mod_api.get("/api/v1/moderation/queues/nope/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    bad = mod_api.get("/api/v1/moderation/queues/pending/?article=x")
    assert bad.status_code == 400 and "article" in bad.json()["errors"]
    short = mod_api.get("/api/v1/moderation/queues/pending/?q=ab")  # no trigram in it: it would read every row
    assert short.status_code == 400 and "q" in short.json()["errors"]
    assert mod_api.get("/api/v1/moderation/queues/?q=ab").status_code == 400


def test_lease_parameter_holds_the_page(mod_api):
    comment = CommentFactory(status=P.PENDING)

    mod_api.get("/api/v1/moderation/queues/pending/?lease=1")

    comment.refresh_from_db()
    assert comment.leased_by is not None


def test_two_moderators_leasing_get_different_cards(mod_api):
    CommentFactory.create_batch(3, status=P.PENDING)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_moderator('mod2')).key}")

    first = mod_api.get("/api/v1/moderation/queues/pending/?lease=1&page_size=2").json()["results"]
    second = other.get("/api/v1/moderation/queues/pending/?lease=1&page_size=2").json()["results"]

    assert len(first) == 2 and len(second) == 1
    assert {c["id"] for c in first}.isdisjoint({c["id"] for c in second})
    assert all(c["leased_by"] is not None for c in first + second)


def test_leasing_a_page_that_does_not_exist_is_a_404_and_leases_nothing(mod_api):
    comment = CommentFactory(status=P.PENDING)

    response = mod_api.get("/api/v1/moderation/queues/pending/?lease=1&page=9")

    assert response.status_code == 404 and response.json()["status"] == 404
    comment.refresh_from_db()
    assert comment.leased_by is None


def test_decision_endpoint(mod_api):
    comment = CommentFactory(status=P.PENDING)

    response = mod_api.post(f"/api/v1/moderation/comments/{comment.pk}/decision/", {"action": "approve"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "published"
    comment.refresh_from_db()
    assert comment.status == P.PUBLISHED


def test_decision_endpoint_refuses_bad_input_with_the_one_shape(mod_api):
    comment = CommentFactory(status=P.PENDING)
    url = f"/api/v1/moderation/comments/{comment.pk}/decision/"

    bad_action = mod_api.post(url, {"action": "publish"}, format="json")
    bad_reason = mod_api.post(url, {"action": "reject", "reason": "meh"}, format="json")
    missing = mod_api.post("/api/v1/moderation/comments/99999/decision/", {"action": "approve"}, format="json")
    not_json = mod_api.post(url, "[", content_type="application/json")

    assert bad_action.status_code == 400 and bad_action.json()["code"] == "invalid"
    assert bad_reason.status_code == 400 and "reason" in bad_reason.json()["errors"]
    assert missing.status_code == 404
    assert not_json.status_code == 400
    assert mod_api.get(url).status_code == 405
    comment.refresh_from_db()
    assert comment.status == P.PENDING


def test_bulk_endpoint_with_per_id_results_and_undo(mod_api):
    comments = CommentFactory.create_batch(3, status=P.PENDING)
    ids = [c.pk for c in comments]

    response = mod_api.post("/api/v1/moderation/decisions/", {"ids": ids + [424242], "action": "spam"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["decided"] == 3
    assert body["results"] == {**{str(i): "ok" for i in ids}, "424242": "not_found"}
    assert set(Comment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {P.SPAM}

    undo = mod_api.post("/api/v1/moderation/decisions/undo/", {"decisions": body["decisions"]}, format="json")

    assert undo.status_code == 200 and undo.json()["decided"] == 3
    assert set(Comment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {P.PENDING}


def test_bulk_endpoint_refuses_over_500_ids(mod_api):
    response = mod_api.post(
        "/api/v1/moderation/decisions/", {"ids": list(range(1, 502)), "action": "approve"}, format="json"
    )
    assert response.status_code == 400 and "ids" in response.json()["errors"]


def test_readers_and_anonymous_are_refused():
    comment = CommentFactory(status=P.PENDING)
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    anonymous = APIClient()
    url = f"/api/v1/moderation/comments/{comment.pk}/decision/"

    assert anonymous.get("/api/v1/moderation/queues/").status_code == 401
    assert reader.get("/api/v1/moderation/queues/").status_code == 403
    assert anonymous.post(url, {"action": "approve"}, format="json").status_code == 401
    assert reader.post(url, {"action": "approve"}, format="json").status_code == 403
    assert not ModerationDecision.objects.exists()


def test_schema_documents_the_moderation_api(mod_api):
    response = mod_api.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/moderation/decisions/" in paths
    assert "/api/v1/moderation/comments/{comment_id}/decision/" in paths
