from django.apps import AppConfig


class NewsportalConfig(AppConfig):
    name = "newsportal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.conf import settings

        from comments.services.lifecycle import on_comments_changing
        from newsportal.services import comments_version_bump
        from newsportal.throttling import parse_rate

        for rate in settings.NEWSPORTAL_API_RATES.values():
            parse_rate(rate)  # a mistyped rate fails at start-up, not on every request

        # Cached API comment pages and ETags follow every change readers can see, in the same transaction.
        on_comments_changing(comments_version_bump)
