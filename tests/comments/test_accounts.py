"""Minimal reader accounts under /accounts/: register (signed in at once), login, logout (POST, confirmed)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-reader-password-1"


def test_register_signs_the_reader_in_and_returns_to_next(article):
    client = Client()
    assert client.get("/accounts/register/").status_code == 200
    response = client.post(
        "/accounts/register/",
        {"username": "hana", "password1": PASSWORD, "password2": PASSWORD, "next": article.get_absolute_url()},
    )
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    assert get_user_model().objects.filter(username="hana").exists()
    assert "Commenting as <strong>hana</strong>" in client.get(article.get_absolute_url()).content.decode()


def test_register_refuses_an_offsite_next():
    response = Client().post(
        "/accounts/register/",
        {"username": "ivan", "password1": PASSWORD, "password2": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_login_and_logout_pages():
    get_user_model().objects.create_user("jo", password=PASSWORD)
    client = Client()
    assert 'type="password"' in client.get("/accounts/login/").content.decode()
    assert client.post("/accounts/login/", {"username": "jo", "password": PASSWORD}).status_code == 302
    assert client.get("/accounts/logout/").status_code == 200  # a confirmation page: GET changes nothing
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
