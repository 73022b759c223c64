"""SQLite rebuilds comments_comment to add a NOT NULL column (0002_body_hash...), which drops the triggers that
0002_moderation created when that ran first. Create them again; PostgreSQL keeps its trigger and needs nothing."""

from django.db import migrations


def restore_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from comments import priority

    for statement in priority.SQL_SQLITE:
        schema_editor.execute(statement)
    # Rows written while the trigger was missing: touching an input column fires it.
    schema_editor.execute("UPDATE comments_comment SET flag_count = flag_count")


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_merge_20261128_1349")]

    operations = [migrations.RunPython(restore_trigger, migrations.RunPython.noop)]
