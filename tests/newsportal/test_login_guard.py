"""Every HTML sign-in (moderation, accounts, admin) is throttled against guessing by one mechanism
(newsportal/login_guard.py): past the limit, 429 with Retry-After and the message, and no password is checked."""

import time
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from newsportal import throttling
from tests.factories import make_moderator

pytestmark = pytest.mark.django_db

LOGINS = ["/moderation/login/", "/accounts/login/", "/admin/login/"]
PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True)
def small_limit(settings, monkeypatch):
    settings.NEWSPORTAL_LOGIN_MAX_FAILURES = 3
    settings.NEWSPORTAL_LOGIN_WINDOW = 900
    # The counter's windows are fixed (aligned to multiples of 900 s): a test that ran across a boundary would see
    # its attempts split over two windows. The counter's clock stands in the middle of one.
    middle = (time.time() // 900) * 900 + 450
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: middle))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_moderator():
    user = make_moderator("guarded")
    user.is_staff = True  # the admin lets staff in only
    user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize("url", LOGINS)
def test_guessing_is_refused_with_429_even_with_the_right_password(url, staff_moderator):
    client = Client()
    for _ in range(3):
        wrong = client.post(url, {"username": "guarded", "password": "wrong"})
        assert wrong.status_code == 200 and "Too many" not in wrong.content.decode()

    blocked = client.post(url, {"username": "GUARDED ", "password": PASSWORD})  # case and spaces: same pair

    assert blocked.status_code == 429
    assert "Too many failed sign-ins. Wait a few minutes and try again." in blocked.content.decode()
    assert 1 <= int(blocked["Retry-After"]) <= 900
    assert "_auth_user_id" not in client.session
    assert Client().post(url, {"username": "someone", "password": "x"}).status_code == 200  # another username
    elsewhere = Client(REMOTE_ADDR="198.51.100.7").post(url, {"username": "guarded", "password": PASSWORD})
    assert elsewhere.status_code == 302  # the same username from another client: nobody is locked out


@pytest.mark.parametrize("url", LOGINS)
def test_a_successful_sign_in_clears_the_count(url, staff_moderator):
    client = Client()
    for _ in range(2):
        assert client.post(url, {"username": "guarded", "password": "wrong"}).status_code == 200
    assert client.post(url, {"username": "guarded", "password": PASSWORD}).status_code == 302
    client.logout()

    for _ in range(2):
        assert client.post(url, {"username": "guarded", "password": "wrong"}).status_code == 200
    assert client.post(url, {"username": "guarded", "password": PASSWORD}).status_code == 302


def test_a_refused_attempt_does_not_check_the_password(monkeypatch, staff_moderator):
    """Past the limit the password hasher is never run: guessing stops costing us CPU and learning the attacker
    anything."""
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "guarded", "password": "wrong"})
    checked = []
    user_model = get_user_model()
    original = user_model.check_password
    monkeypatch.setattr(user_model, "check_password", lambda self, raw: checked.append(raw) or original(self, raw))

    assert client.post("/accounts/login/", {"username": "guarded", "password": PASSWORD}).status_code == 429
    assert checked == []


def test_an_empty_form_is_not_counted(staff_moderator):
    client = Client()
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "guarded", "password": ""}).status_code == 200
    assert client.post("/accounts/login/", {"username": "guarded", "password": PASSWORD}).status_code == 302
