"""PostgreSQL: the queue-count INSERT trigger gets its one-row branch (comments/queue_counts.py, _NET_ONE_NEW).

The counts it keeps are the same, so nothing is recounted: the trigger functions are replaced in place. Going back
leaves them as they are (the one-row branch writes what the general statements write)."""

from django.db import migrations


def replace_trigger_functions(apps, schema_editor):
    from comments import queue_counts

    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(queue_counts.sql_create())


class Migration(migrations.Migration):
    dependencies = [("comments", "0009_section_queue_counts")]

    operations = [migrations.RunPython(replace_trigger_functions, migrations.RunPython.noop)]
