import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_creates_a_staff_moderator_with_the_demo_password_and_prints_the_login(capsys):
    call_command("create_moderator")

    out = capsys.readouterr().out
    user = get_user_model().objects.get(username="moderator")
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("comments.can_moderate")
    assert user.groups.filter(name="Moderators").exists()
    assert authenticate(username="moderator", password="moderator-demo-password") == user
    assert "/moderation/" in out and "/admin/" in out
    assert "username: moderator" in out and "password: moderator-demo-password" in out


def test_running_it_twice_changes_nothing():
    call_command("create_moderator")
    call_command("create_moderator")

    assert get_user_model().objects.filter(username="moderator").count() == 1
    assert get_user_model().objects.get(username="moderator").groups.count() == 1


def test_production_requires_a_password(settings, monkeypatch):
    settings.PRODUCTION = True
    monkeypatch.delenv("NEWSPORTAL_MODERATOR_PASSWORD", raising=False)

    with pytest.raises(CommandError):
        call_command("create_moderator")

    monkeypatch.setenv("NEWSPORTAL_MODERATOR_PASSWORD", "a-strong-one-42")
    call_command("create_moderator")
    assert authenticate(username="moderator", password="a-strong-one-42") is not None
