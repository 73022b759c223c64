"""Who may open /moderation/, and a login that resists password guessing.

Anonymous visitors are sent to the login page, signed-in people without comments.can_moderate get 403.
Failed logins are counted per client IP and username in the cache; after NEWSPORTAL_LOGIN_MAX_FAILURES within
NEWSPORTAL_LOGIN_WINDOW seconds that pair is refused with 429 until the window passes.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse

from newsportal.http import client_ip

PERMISSION = "comments.can_moderate"


def is_moderator(user) -> bool:
    return bool(user.is_authenticated and user.has_perm(PERMISSION))


def moderator_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("moderation:login"))
        if not is_moderator(request.user):
            return render(request, "moderation/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _max_failures() -> int:
    return int(getattr(settings, "NEWSPORTAL_LOGIN_MAX_FAILURES", 5))


def _window() -> int:
    return int(getattr(settings, "NEWSPORTAL_LOGIN_WINDOW", 900))


def _failure_key(request, username: str) -> str:
    who = f"{client_ip(request)}|{username.strip().lower()}"
    return "modlogin:" + hashlib.sha256(who.encode()).hexdigest()[:32]


def login_failures(request, username: str) -> int:
    return cache.get(_failure_key(request, username), 0)


def record_login_failure(request, username: str) -> None:
    key = _failure_key(request, username)
    if cache.add(key, 1, _window()):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, _window())


class ThrottledLoginView(auth_views.LoginView):
    template_name = "moderation/login.html"
    redirect_authenticated_user = False

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if login_failures(request, username) >= _max_failures():
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many failed sign-ins. Wait a few minutes and try again.")
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(_window())
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        record_login_failure(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_failure_key(self.request, self.request.POST.get("username", "")))
        return super().form_valid(form)

    def get_default_redirect_url(self):
        return reverse("moderation:index")
