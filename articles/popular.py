"""Most Popular: reads the stored ranking snapshot (placeholder until view counting and ranking land)."""

from articles.models import Article, Section


def popular_articles(*, section: Section | None = None, kind: str = "most_read", limit: int = 10) -> list[Article]:
    return []
