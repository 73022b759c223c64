"""Idempotency-Key with Stripe's semantics, on the embedded default (the threaded race is in tests/integration)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from comments.models import Comment, Flag
from newsportal.models import IdempotencyKey
from newsportal.services import idempotency_keys_purge
from tests.api.conftest import post_comment, problem_of
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def key(value="3f1c0a7e-5b7d-4b1e-9a55-0d8c2b7f6a11"):
    return {"Idempotency-Key": value}


def test_same_key_same_body_replays_the_first_answer_and_creates_nothing(api, article):
    first = post_comment(api, article.pk, headers=key())
    again = post_comment(api, article.pk, headers=key())

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Comment.objects.count() == 1
    assert IdempotencyKey.objects.get().response_body["id"] == first.json()["id"]


def test_same_key_other_body_is_422(api, article):
    post_comment(api, article.pk, headers=key())

    response = post_comment(api, article.pk, body="Something else entirely.", headers=key())

    assert problem_of(response, 422)["code"] == "idempotency_key_reused"
    assert Comment.objects.count() == 1


def test_same_key_other_endpoint_is_422(api, article):
    comment = CommentFactory(article=article, status="published")
    post_comment(api, article.pk, headers=key())

    response = api.post(f"/api/v1/comments/{comment.pk}/flags/", {"reason": "spam"}, format="json", headers=key())

    problem_of(response, 422)
    assert Flag.objects.count() == 0


@pytest.mark.parametrize("bad", ["k" * 256, "   "])
def test_overlong_or_empty_key_is_400_and_nothing_created(api, article, bad):
    problem_of(post_comment(api, article.pk, headers=key(bad)), 400)
    assert Comment.objects.count() == 0


def test_a_key_of_255_characters_is_fine(api, article):
    assert post_comment(api, article.pk, headers=key("k" * 255)).status_code == 201


def test_a_validation_error_is_not_stored_so_the_key_can_be_retried(api, article):
    problem_of(post_comment(api, article.pk, body="   ", headers=key()), 400)

    assert IdempotencyKey.objects.count() == 0
    assert post_comment(api, article.pk, headers=key()).status_code == 201


def test_a_refusal_by_the_service_is_not_stored(api, article):
    article.comments_open = False
    article.save()
    problem_of(post_comment(api, article.pk, headers=key()), 403)
    article.comments_open = True
    article.save()

    assert post_comment(api, article.pk, headers=key()).status_code == 201


def test_a_duplicate_while_the_first_is_in_flight_is_409(api, article):
    from newsportal import idempotency

    # given: the first request with this key holds the in-flight marker and has not committed yet
    marker = "idem:" + idempotency.hashlib.sha256(b"guest\n" + key()["Idempotency-Key"].encode()).hexdigest()
    cache.add(marker, 1, timeout=60)

    response = post_comment(api, article.pk, headers=key())

    assert problem_of(response, 409)["code"] == "idempotency_in_flight"
    assert response["Retry-After"] == "1"
    assert Comment.objects.count() == 0


def test_keys_are_scoped_per_user(reader_api, api, article):
    mine = post_comment(reader_api, article.pk, name=None, headers=key())
    guest = post_comment(api, article.pk, headers=key())

    assert guest.status_code == mine.status_code == 201
    assert guest.json()["id"] != mine.json()["id"]


def test_flags_honour_the_key(api, article):
    comment = CommentFactory(article=article, status="published")
    url = f"/api/v1/comments/{comment.pk}/flags/"

    first = api.post(url, {"reason": "abuse"}, format="json", headers=key())
    again = api.post(url, {"reason": "abuse"}, format="json", headers=key())

    assert first.status_code == again.status_code == 201 and first.json() == again.json()


def test_purge_drops_keys_older_than_a_day(api, article):
    post_comment(api, article.pk, headers=key("old"))
    post_comment(api, article.pk, body="Another one.", headers=key("new"))
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_the_purge_runs_from_beat(settings):
    from newsportal.tasks import purge_idempotency_keys

    entry = settings.CELERY_BEAT_SCHEDULE["purge-idempotency-keys"]
    assert entry["task"] == purge_idempotency_keys.name
    assert purge_idempotency_keys() == 0
