"""Helpers shared by the Most Popular tests: articles made with the ORM, readers with a browser's headers."""

from datetime import timedelta

from django.utils import timezone

from articles.models import Article, Section

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def section_make(slug: str, parent: Section | None = None) -> Section:
    return Section.objects.create(slug=slug, name=slug.title(), parent=parent)


def article_make(section: Section, slug: str, *, status=Article.Status.PUBLISHED, published_at=None) -> Article:
    return Article.objects.create(
        section=section,
        slug=slug,
        headline=f"Headline {slug}",
        status=status,
        published_at=published_at or timezone.now() - timedelta(hours=1),
    )
