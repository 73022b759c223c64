from django.apps import AppConfig


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
