"""SQLite rebuilds comments_comment to add a NOT NULL column (0002_body_hash...), which drops the triggers that
0002_moderation created when that ran first. Create them again; PostgreSQL keeps its trigger and needs nothing."""

from django.db import migrations


def restore_trigger(apps, schema_editor):
    """Now a no-op: on SQLite the comments app drops the priority triggers before every migrate and creates them
    after it (comments/apps.py), because a mid-plan trigger breaks later table rebuilds (articles_article)."""


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_merge_20261128_1349")]

    operations = [migrations.RunPython(restore_trigger, migrations.RunPython.noop)]
