"""newsportal.api.GuestJSONPostMixin: a guest's JSON POST skips DRF's dispatch, and answers exactly as DRF does.

Most API tests post as guests and so run on this path; these tests pin which requests take it, and that its
answers (successes and errors) are the ones DRF's dispatch gives for the same request.
"""

import json

import pytest
from django.test import RequestFactory
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from comments.models import Comment
from newsportal import api as api_module
from newsportal.api import GuestJSONPostMixin
from tests.api.conftest import comments_url, problem_of

# Headers whose values differ from one request to the next whatever the path.
VARYING = {"X-Request-ID", "Content-Length"}


@pytest.fixture
def drf_calls(monkeypatch):
    """How many requests went through DRF's own dispatch (its `initial`)."""
    calls = []
    original = APIView.initial

    def spy(self, request, *args, **kwargs):
        calls.append(request.method)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "initial", spy)
    return calls


def _post(client, article_id, payload, **extra):
    return client.post(comments_url(article_id), json.dumps(payload), content_type="application/json", **extra)


def _stable_headers(response) -> dict:
    return {name: value for name, value in response.headers.items() if name not in VARYING}


def test_a_guest_json_post_skips_drf_dispatch(api, article, drf_calls):
    answer = _post(api, article.pk, {"name": "Guest", "body": "Straight through."})

    assert answer.status_code == 201, answer.content
    assert drf_calls == []
    assert answer["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert Comment.objects.get(pk=answer.json()["id"]).body == "Straight through."


def test_charset_utf8_is_fast_and_another_charset_goes_to_drf(api, article, drf_calls):
    fast = api.post(
        comments_url(article.pk),
        json.dumps({"name": "Guest", "body": "utf-8 declared"}),
        content_type="application/json; charset=UTF-8",
    )
    assert fast.status_code == 201 and drf_calls == []

    latin = api.post(
        comments_url(article.pk),
        json.dumps({"name": "Guest", "body": "latin-1 declared"}),
        content_type="application/json; charset=latin-1",
    )
    assert problem_of(latin, 400)["detail"] == "JSON bodies must be UTF-8."
    assert drf_calls == ["POST"]


@pytest.mark.parametrize(
    "body, extra",
    [
        ('{"name": "Guest", "body": "x",}', {}),  # not JSON: DRF's parser answers
        ('["a list"]', {}),  # JSON, not an object
        ('{"name": "Guest", "body": "with a session"}', {"HTTP_COOKIE": "sessionid=abc"}),
        ('{"name": "Guest", "body": "with a token"}', {"HTTP_AUTHORIZATION": "Token nope"}),
    ],
)
def test_everything_else_goes_through_drf(api, article, drf_calls, body, extra):
    api.post(comments_url(article.pk), body, content_type="application/json", **extra)

    assert drf_calls == ["POST"]


def test_a_body_over_the_limit_goes_to_drf_and_is_413(api, article, drf_calls, settings):
    settings.NEWSPORTAL_API_MAX_BODY_BYTES = 64
    answer = _post(api, article.pk, {"name": "Guest", "body": "x" * 100})

    problem_of(answer, 413)
    assert drf_calls == ["POST"]


@pytest.mark.parametrize(
    "payload, article_exists",
    [
        ({"name": "Guest", "body": "A fine comment."}, True),
        ({"name": "Guest"}, True),  # body missing: 400 with field errors
        ({"name": "Guest", "body": "x", "status": "published"}, True),  # mass assignment: 400
        ({"name": "  ", "body": "A guest without a name."}, True),
        ({"name": "Guest", "body": "A reply.", "parent": 999999}, True),
        ({"name": "Guest", "body": "Nowhere."}, False),  # 404
    ],
)
def test_fast_and_drf_paths_answer_alike(api, article, monkeypatch, payload, article_exists):
    article_id = article.pk if article_exists else article.pk + 1000
    fast = _post(api, article_id, payload)
    monkeypatch.setattr(api_module, "_guest_json", lambda request: None)  # every request through DRF now
    if "body" in payload and fast.status_code == 201:
        payload = {**payload, "body": payload["body"] + " (again)"}  # not held back as a repeated text
    drf = _post(api, article_id, payload)

    assert fast.status_code == drf.status_code
    assert _stable_headers(fast) == _stable_headers(drf)
    fast_body, drf_body = fast.json(), drf.json()
    if fast.status_code == 201:
        assert set(fast_body) == set(drf_body)
        for varying in ("id", "created_at", "edit_secret", "body"):
            fast_body.pop(varying), drf_body.pop(varying)
    assert fast_body == drf_body


def test_the_write_throttle_counts_each_fast_post_once(api, article, settings, drf_calls):
    settings.NEWSPORTAL_API_RATES = {**settings.NEWSPORTAL_API_RATES, "write": "2/min"}
    answers = [_post(api, article.pk, {"name": "Guest", "body": f"Post {i}."}) for i in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert problem_of(answers[-1], 429)["code"] == "throttled"
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert drf_calls == []
    assert Comment.objects.filter(article=article).count() == 2


def test_an_idempotency_key_replays_on_the_fast_path(api, article, drf_calls):
    key = {"HTTP_IDEMPOTENCY_KEY": "fast-path-key-1"}
    first = _post(api, article.pk, {"name": "Guest", "body": "Once only."}, **key)
    again = _post(api, article.pk, {"name": "Guest", "body": "Once only."}, **key)
    other = _post(api, article.pk, {"name": "Guest", "body": "Another text."}, **key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    problem_of(other, 422)
    assert drf_calls == []
    assert Comment.objects.filter(article=article).count() == 1


class _MembersOnly(GuestJSONPostMixin, APIView):
    permission_classes = [IsAuthenticated]
    created: list = []

    def create(self, request, *, data, user):
        self.created.append(data)
        raise AssertionError("a refused guest must not reach create")

    def post(self, request):
        return self.create(request, data=request.data, user=request.user)


def test_a_view_that_refuses_guests_answers_through_drf(db):
    request = RequestFactory().post("/members/", json.dumps({"a": 1}), content_type="application/json")
    answer = _MembersOnly.as_view()(request)
    answer.render()

    assert answer.status_code in (401, 403)
    assert json.loads(answer.content)["status"] == answer.status_code
    assert _MembersOnly.created == []
