"""Celery tasks of the articles app: thin, each calls one service."""

from celery import shared_task


@shared_task(name="articles.tasks.rank_popular", ignore_result=True)
def rank_popular() -> None:
    """The Most Popular ranking pass (beat runs it every minute; a late run simply expires)."""
    from articles.popularity.services import popular_rank

    popular_rank()
