"""/accounts/: register, login, logout for readers (Django's auth views and its UserCreationForm); the login is
throttled against guessing (newsportal/login_guard.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from newsportal import accounts
from newsportal.login_guard import ThrottledAuthenticationForm, login_throttled

urlpatterns = [
    path("register/", accounts.register, name="register"),
    path(
        "login/",
        login_throttled(auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm)),
        name="login",
    ),
    path("logout/", accounts.ConfirmLogoutView.as_view(), name="logout"),
]
