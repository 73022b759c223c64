"""Who may open /moderation/, and its sign-in page.

Anonymous visitors are sent to the login page, signed-in people without comments.can_moderate get 403.
The sign-in is throttled against guessing like every sign-in of the site (newsportal/login_guard.py): past
NEWSPORTAL_LOGIN_MAX_FAILURES attempts per client IP and username within NEWSPORTAL_LOGIN_WINDOW seconds, 429.
"""

from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from newsportal.login_guard import ThrottledAuthenticationForm, login_throttled

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


class ModerationLoginView(auth_views.LoginView):
    """The moderators' sign-in page; guessing is throttled like every sign-in (newsportal/login_guard.py)."""

    template_name = "moderation/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self):
        return reverse("moderation:index")


login_view = login_throttled(ModerationLoginView.as_view())
