"""Ensure the demo moderator exists: group "Moderators" (can_moderate), user `moderator`, staff. Idempotent.

The embedded default (DEBUG on) uses the documented demo password; with DJANGO_DEBUG=0 a password must be given
(--password or NEWSPORTAL_MODERATOR_PASSWORD), so no deployment ever runs with a password printed in a README.
"""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_PASSWORD = "moderator-demo-password"
PASSWORD_ENV = "NEWSPORTAL_MODERATOR_PASSWORD"
GROUP = "Moderators"
# What a moderator may do in /admin/ besides the queues: read comments and reports, keep bans and word lists.
ADMIN_PERMISSIONS = [
    ("comments", "can_moderate"),
    ("comments", "view_comment"),
    ("comments", "change_comment"),
    ("comments", "view_flag"),
    ("comments", "view_moderationdecision"),
    ("comments", "view_ban"),
    ("comments", "add_ban"),
    ("comments", "change_ban"),
    ("comments", "delete_ban"),
    ("comments", "view_wordrule"),
    ("comments", "add_wordrule"),
    ("comments", "change_wordrule"),
    ("comments", "delete_wordrule"),
]


class Command(BaseCommand):
    help = 'Create or update the moderator account (group "Moderators", staff) and print how to log in.'

    def add_arguments(self, parser):
        parser.add_argument("--username", default="moderator")
        parser.add_argument("--password", help=f"default: ${PASSWORD_ENV}, or the demo password when DEBUG is on")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="printed in the login instructions")

    def handle(self, *args, **options):
        password = options["password"] or os.environ.get(PASSWORD_ENV)
        if not password:
            if settings.PRODUCTION:
                raise CommandError(f"DJANGO_DEBUG=0: give the moderator's password with --password or ${PASSWORD_ENV}.")
            password = DEMO_PASSWORD
        username = options["username"]

        with transaction.atomic():
            group, _ = Group.objects.get_or_create(name=GROUP)
            for app_label, codename in ADMIN_PERMISSIONS:
                permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
                if permission is not None:
                    group.permissions.add(permission)
            user, created = get_user_model().objects.get_or_create(username=username)
            user.is_staff = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.add(group)

        base = options["base_url"].rstrip("/")
        self.stdout.write(
            f"Moderator {'created' if created else 'ready'}. Log in at {base}/moderation/ (queues) "
            f"or {base}/admin/ with\n  username: {username}\n"
            f"  password: {password if password == DEMO_PASSWORD else '(the one you gave)'}"
        )
