"""Helpers shared by the Most Popular tests: articles from the shared factories, readers with a browser's headers."""

from articles.models import Article, Section
from tests.factories import ArticleFactory, SectionFactory

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def section_make(slug: str, parent: Section | None = None) -> Section:
    return SectionFactory(slug=slug, name=slug.title(), parent=parent)


def article_make(section: Section, slug: str, *, status=Article.Status.PUBLISHED, published_at=None) -> Article:
    """A published article an hour old (the factory's default), with a headline the tests can find."""
    extra = {"published_at": published_at} if published_at else {}
    return ArticleFactory(section=section, slug=slug, headline=f"Headline {slug}", status=status, **extra)


def as_dict(counts) -> dict[int, int]:
    """A bucket's counter array as {article_id: views} (non-zero only)."""
    return {int(i): int(counts[i]) for i in counts.nonzero()[0]}
