"""/accounts/: register, login, logout for readers (Django's auth views and its UserCreationForm)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from newsportal import accounts

urlpatterns = [
    path("register/", accounts.register, name="register"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", accounts.ConfirmLogoutView.as_view(), name="logout"),
]
