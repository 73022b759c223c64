"""Every HTML sign-in resists password guessing: /moderation/login/, /accounts/login/ and /admin/login/.

One mechanism for all three (the API's token sign-in has its DRF throttles, newsportal/throttling.py, over the
same counter): each sign-in attempt for a (client IP, username) pair is counted BEFORE its password is checked,
with the atomic fixed-window counter `newsportal.throttling.hit` (Redis SET NX + INCR), so parallel guesses
cannot slip past the limit: at most NEWSPORTAL_LOGIN_MAX_FAILURES passwords are checked per pair within
NEWSPORTAL_LOGIN_WINDOW seconds. A successful sign-in clears the pair's count, so the limit is in effect on
failures. Past it, the form says "Too many failed sign-ins..." (no password is checked) and the response is
429 with Retry-After. Another username from the same client, or the same username from another client, is
not affected (nobody can lock a moderator out from elsewhere). A cache outage lets sign-ins through (logged).

Forms: ThrottledAuthenticationForm (moderation, accounts) and ThrottledAdminAuthenticationForm (the admin's
`login_form`); views: wrap with `login_throttled` for the 429.
"""

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from newsportal.http import client_ip, salted_hash
from newsportal.throttling import hit, reset

THROTTLED_MESSAGE = "Too many failed sign-ins. Wait a few minutes and try again."


def _limit() -> tuple[int, int]:
    return int(settings.NEWSPORTAL_LOGIN_MAX_FAILURES), int(settings.NEWSPORTAL_LOGIN_WINDOW)


def _key(request, username: str) -> str:
    return "login:" + salted_hash(f"{client_ip(request)}|{username.strip().lower()}")[:32]


def attempt(request, username: str) -> int | None:
    """Count one sign-in attempt; None when its password may be checked, else the seconds to wait."""
    return hit(_key(request, username), *_limit())


def succeeded(request, username: str) -> None:
    reset(_key(request, username), _limit()[1])


class ThrottledFormMixin:
    """For AuthenticationForm subclasses (they get the request from LoginView). `throttled_for` is set to the
    seconds to wait when the attempt was refused without checking the password."""

    throttled_for: int | None = None

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not (username and password):
            return super().clean()  # nothing to check, nothing to count: the fields' own errors say why
        self.throttled_for = attempt(self.request, username)
        if self.throttled_for:
            raise forms.ValidationError(THROTTLED_MESSAGE, code="throttled")
        cleaned = super().clean()  # raises for a wrong password (the attempt stays counted)
        succeeded(self.request, username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledFormMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledFormMixin, AdminAuthenticationForm):
    pass


def login_throttled(view):
    """A login view whose form refused the attempt answers 429 with Retry-After (the page shows the message)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if getattr(form, "throttled_for", None):
            response.status_code = 429
            response["Retry-After"] = str(form.throttled_for)
        return response

    return wrapped
