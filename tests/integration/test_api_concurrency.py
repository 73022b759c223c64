"""The API's promises under real concurrency, on PostgreSQL and Redis (make test-integration).

- 20 simultaneous POSTs with one Idempotency-Key make exactly one comment; every 2xx carries its id, the
  others are 409 (in flight), none is a 5xx.
- The throttle's fixed window admits exactly `limit` of many simultaneous hits (atomic add/incr in Redis).
- Simultaneous password guesses at a sign-in page get exactly the limit of password checks (the rest 429).
"""

import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from comments.models import Comment
from newsportal import throttling
from newsportal.models import IdempotencyKey
from tests.factories import ArticleFactory, make_moderator

pytestmark = pytest.mark.django_db(transaction=True)


def _post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_twenty_concurrent_sends_with_one_key_make_one_comment(live_server, settings):
    settings.NEWSPORTAL_RATE_LIMITS_ENABLED = False
    settings.NEWSPORTAL_API_RATES = {**settings.NEWSPORTAL_API_RATES, "write": "off"}
    article = ArticleFactory()
    url = f"{live_server.url}/api/v1/articles/{article.pk}/comments/"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"name": "Flaky Phone", "body": "Sent twenty times at once from a train."}
    gate = threading.Barrier(20)
    answers: list = [None] * 20

    def send(i: int) -> None:
        gate.wait()
        answers[i] = _post(url, body, key)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    statuses = sorted(status for status, _ in answers)
    ok_ids = {data["id"] for status, data in answers if 200 <= status < 300}
    assert Comment.objects.filter(article=article).count() == 1, statuses
    assert 201 in statuses and set(statuses) <= {201, 409}, statuses
    assert ok_ids == {Comment.objects.get(article=article).pk}
    assert IdempotencyKey.objects.count() == 1


def test_throttle_admits_exactly_the_limit_under_concurrency():
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    key = f"itest-{uuid.uuid4()}"
    gate = threading.Barrier(40)
    results: list = [None] * 40

    def hit(i: int) -> None:
        gate.wait()
        results[i] = throttling.hit(key, 10, 60)

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(1 for r in results if r is None) == 10
    assert all(isinstance(r, int) and 1 <= r <= 60 for r in results if r is not None)
    cache.delete_pattern("*throttle:itest-*")


def test_parallel_password_guesses_get_exactly_the_limit_of_checks(live_server, settings):
    """The sign-in guard counts each attempt atomically before the password is checked: 12 simultaneous guesses
    at one moderator's password through the real server get 3 answers (the limit) and 9 refusals (429)."""
    settings.NEWSPORTAL_LOGIN_MAX_FAILURES = 3
    username = make_moderator(f"racer{uuid.uuid4().hex[:6]}").username
    url = f"{live_server.url}/moderation/login/"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url, timeout=30) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    gate = threading.Barrier(12)
    answers: list = [None] * 12

    def guess(i: int) -> None:
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": f"guess-{i}"}
        ).encode()
        request = urllib.request.Request(url, data=data, method="POST", headers={"Cookie": cookie, "Referer": url})
        gate.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers[i] = response.status
        except urllib.error.HTTPError as exc:
            answers[i] = exc.code

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(answers) == [200] * 3 + [429] * 9, answers
    cache.delete_pattern("*throttle:login:*")
