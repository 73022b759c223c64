from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_priority_trigger(sender, using="default", **kwargs) -> None:
    """(Re)create the pending queue's priority trigger after every migrate: SQLite drops a table's triggers when a
    migration rebuilds the table, and the queue order must not silently depend on migration history."""
    from django.db import connections

    from comments import priority

    connection = connections[using]
    if "comments_comment" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(priority.SQL_POSTGRESQL)
        elif connection.vendor == "sqlite":
            for statement in priority.SQL_SQLITE:
                cursor.execute(statement)


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments and moderation"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from comments import caching
        from comments.models import ModerationPolicy
        from comments.services.lifecycle import on_comments_changed

        on_comments_changed(caching.list_versions_bump)  # cached thread lists follow every visible change
        for signal in (post_save, post_delete):
            signal.connect(caching.policies_changed, sender=ModerationPolicy, dispatch_uid=f"policies-{signal}")
        post_migrate.connect(ensure_priority_trigger, sender=self, dispatch_uid="comments_priority_trigger")
