"""Writes for articles: the seed loader and the editors' bulk actions."""

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.caching import shared_fragments_invalidate
from articles.models import Article, ArticlePage, CuratedItem, CuratedList, Photo, RelatedLink, Section
from articles.seed import SeedPage
from articles.selectors import EDITORS_MOST_POPULAR, SELECTIONS, TOP_STORIES, WHATS_HAPPENING

# Where the page's other headlines go: an editor's placement (the seed gives only their text).
SEED_SECTIONS = [
    ("world", "World"),
    ("opinion", "Opinion"),
    ("business", "Business"),
    ("society", "Society"),
    ("sports", "Sports"),
    ("life", "Life"),
    ("photos", "Photos"),
]
SEED_HEADLINE_SECTIONS = {
    "S. Korea: Ties with China, US equally important": "world",
    "Treat US' rebalance in Asia-Pacific rationally": "opinion",
    "New Japanese leaders should rethink ties with China": "opinion",
    "Russia: Great potential exist in economic co-op with China": "foreign-affairs",
    "China urges Japan to properly handle tricky issues": "foreign-affairs",
    "Human rights paradox makes the US very helpless": "opinion",
    "APF soldiers in anti-terrorism training": "photos",
    "Armored regiment in drill on plateau": "photos",
    "Selected Xinhua int'l news pictures of the year 2012": "photos",
    "Busiest subway line in Beijing": "photos",
    "New Year Wishes from left-behind children": "photos",
    "Family firms look to world future": "business",
    "Take a bite of delicious specials in China": "life",
    "Simply Beautiful Photos: Palette": "photos",
    "Is there hope for Chinese football?": "sports",
    "Men to wives: Earn more, but still less than I do": "society",
    "Foreign aid,NOT enough for Chinese soccer": "sports",
    "Reliance on land sales 'must be reformed'": "business",
    "Heroism, a matter unrelated to wealth": "opinion",
    "'Chinese Fortune Grandpa' VS 'Santa Claus'": "society",
    "China Voice: Blind eyes are deadlier than blazes": "opinion",
    "Light amidst global gloom": "opinion",
    "Where should China's badminton head for?": "sports",
    "Why ‘Chinese style road crossing’ occurs": "society",
}
DEFAULT_SECTION = "society"


def _section(*, slug: str, name: str, parent: Section | None, position: int) -> Section:
    section, _ = Section.objects.update_or_create(
        slug=slug, defaults={"name": name, "parent": parent, "position": position}
    )
    return section


def _headline_article(*, headline: str, section: Section, published_at) -> Article:
    """An article the seed knows only by its headline: no body (its page says so)."""
    article, _ = Article.objects.update_or_create(
        slug=slugify(headline)[:200],
        defaults={
            "headline": headline,
            "section": section,
            "published_at": published_at,
            "status": Article.Status.PUBLISHED,
        },
    )
    return article


def _curated(*, slug: str, title: str, lead: str, position: int, articles: list[Article]) -> CuratedList:
    curated, _ = CuratedList.objects.update_or_create(
        slug=slug, defaults={"title": title, "lead": lead, "position": position}
    )
    for index, article in enumerate(articles):
        CuratedItem.objects.update_or_create(
            curated_list=curated, position=index, defaults={"article": article, "title": "", "url": ""}
        )
    CuratedItem.objects.filter(curated_list=curated, position__gte=len(articles)).delete()
    return curated


@transaction.atomic
def seed_load(*, seed: SeedPage) -> Article:
    """Store the seed page: its article (first row on an empty database) and every list on it. Idempotent.

    The seed holds page 1 of a 3-page story: page 1 is stored and `page_total` keeps the original's count, so
    the pager lists 【2】【3】 without links (they 404). The other headlines become articles without a body,
    dated a minute apart just before the seed article, in the sections of SEED_HEADLINE_SECTIONS.
    """
    parent = None
    for depth, name in enumerate(seed.breadcrumb):
        parent = _section(slug=slugify(name), name=name, parent=parent, position=depth)
    root, home_section = Section.objects.get(slug=slugify(seed.breadcrumb[0])), parent

    article, _ = Article.objects.update_or_create(
        slug=slugify(seed.headline),
        defaults={
            "section": home_section,
            "headline": seed.headline,
            "published_at": seed.published_at,
            "source": seed.source,
            "page_total": seed.page_total,
            "status": Article.Status.PUBLISHED,
            "comments_open": True,
        },
    )
    ArticlePage.objects.update_or_create(article=article, number=1, defaults={"body": "\n\n".join(seed.paragraphs)})
    ArticlePage.objects.filter(article=article, number__gt=1).delete()
    Photo.objects.update_or_create(
        article=article, position=0, defaults={"caption": seed.caption, "credit": seed.credit, "image": ""}
    )

    sections = {home_section.slug: home_section}
    for position, (slug, name) in enumerate(SEED_SECTIONS, start=1):
        sections[slug] = _section(slug=slug, name=name, parent=root, position=position)

    headlines = [
        *seed.we_recommend,
        *seed.selections.items,
        *seed.most_popular.items,
        *seed.whats_happening.items,
    ]
    by_headline: dict[str, Article] = {}
    for minutes, headline in enumerate(dict.fromkeys(headlines), start=1):
        section = sections[SEED_HEADLINE_SECTIONS.get(headline, DEFAULT_SECTION)]
        by_headline[headline] = _headline_article(
            headline=headline, section=section, published_at=seed.published_at - timedelta(minutes=minutes)
        )

    for position, headline in enumerate(seed.we_recommend):
        RelatedLink.objects.update_or_create(
            article=article, position=position, defaults={"target": by_headline[headline], "title": "", "url": ""}
        )
    RelatedLink.objects.filter(article=article, position__gte=len(seed.we_recommend)).delete()

    _curated(slug=TOP_STORIES, title="Top Stories", lead="", position=0, articles=[article])
    for position, (slug, seed_list) in enumerate(
        [
            (SELECTIONS, seed.selections),
            (EDITORS_MOST_POPULAR, seed.most_popular),
            (WHATS_HAPPENING, seed.whats_happening),
        ],
        start=1,
    ):
        _curated(
            slug=slug,
            title=seed_list.title,
            lead=seed_list.lead,
            position=position,
            articles=[by_headline[headline] for headline in seed_list.items],
        )
    return article


def articles_set_status(*, article_ids: Iterable[int], status: str) -> int:
    """Publish or unpublish articles (admin action); readers see the change at once."""
    changed = Article.objects.filter(pk__in=list(article_ids)).update(status=status, updated_at=timezone.now())
    shared_fragments_invalidate()
    return changed


def articles_set_comments_open(*, article_ids: Iterable[int], is_open: bool) -> int:
    changed = Article.objects.filter(pk__in=list(article_ids)).update(comments_open=is_open, updated_at=timezone.now())
    shared_fragments_invalidate()
    return changed
