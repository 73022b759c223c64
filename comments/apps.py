from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


def _comments_table(using: str):
    from django.db import connections

    connection = connections[using]
    return connection if "comments_comment" in connection.introspection.table_names() else None


def drop_sqlite_priority_trigger(sender, using="default", **kwargs) -> None:
    """Before migrating on SQLite: drop the priority triggers. SQLite rebuilds a table to alter it, and renaming
    the rebuilt articles_article fails while a trigger names it; post_migrate puts them back."""
    from comments import priority

    connection = _comments_table(using)
    if connection is None or connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in priority.SQL_SQLITE_DROP:
            cursor.execute(statement)


def ensure_priority_trigger(sender, using="default", **kwargs) -> None:
    """(Re)create the pending queue's priority trigger after every migrate (and test flush): on SQLite it is
    only ever created here, so the queue order never depends on which migrations rebuilt which table."""
    from comments import priority

    connection = _comments_table(using)
    if connection is None:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(priority.SQL_POSTGRESQL)
        elif connection.vendor == "sqlite":
            for statement in priority.SQL_SQLITE:
                cursor.execute(statement)
            # Rows written while the trigger was down: touching an input column fires it (pending ones matter).
            cursor.execute("UPDATE comments_comment SET flag_count = flag_count WHERE status = 'pending'")


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments and moderation"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from comments import caching
        from comments.models import ModerationPolicy
        from comments.services.lifecycle import on_comments_changed

        # Cached thread lists follow every visible change; their keys hold the article's published count, so a
        # new published comment (the count moves) needs no new version, and posting makes no Redis round trip.
        on_comments_changed(caching.list_versions_bump, when_counted=False)
        for signal in (post_save, post_delete):
            signal.connect(caching.policies_changed, sender=ModerationPolicy, dispatch_uid=f"policies-{signal}")
        pre_migrate.connect(drop_sqlite_priority_trigger, sender=self, dispatch_uid="comments_priority_trigger_drop")
        post_migrate.connect(ensure_priority_trigger, sender=self, dispatch_uid="comments_priority_trigger")
