"""PostgreSQL only: indexes behind the moderation queue's filters at newsroom volume (a no-op on SQLite).

- text (`q`): body__icontains is `UPPER(body) LIKE UPPER('%...%')`; a pg_trgm GIN index on UPPER(body) serves it
  (any substring of 3 characters or more) instead of a scan of every comment.
- author (name or e-mail): __iexact is `UPPER(x) = UPPER(...)`; btree indexes on UPPER(author_name) and
  UPPER(author_email) serve it (the plain author_email index does not).

The indexes are not in Comment.Meta because SQLite has neither pg_trgm nor a use for them; they are built
CONCURRENTLY (this migration is not atomic), so comments keep being posted while a large table is indexed.
pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it without superuser.
"""

from django.db import migrations

INDEXES = {
    "comment_body_trgm": "USING gin (UPPER(body) gin_trgm_ops)",
    "comment_author_name_upper": "(UPPER(author_name))",
    "comment_author_email_upper": "(UPPER(author_email))",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON comments_comment {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("comments", "0006_queue_counts")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
