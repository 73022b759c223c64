from django.apps import AppConfig


class NewsportalConfig(AppConfig):
    name = "newsportal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from comments.services.lifecycle import on_comments_changed
        from newsportal.services import comments_version_bump

        # Cached API comment pages and ETags follow every committed change readers can see.
        on_comments_changed(comments_version_bump)
