"""Reads for the public pages. Everything a reader may see goes through `Article.objects.published()`."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticlePage, CuratedItem, CuratedList, Photo, RelatedLink, Section
from articles.popular import popular_articles

# Curated lists by slug (load_seed creates them; editors fill them in the admin).
TOP_STORIES = "top-stories"
SELECTIONS = "selections-for-you"
WHATS_HAPPENING = "whats-happening-in-china"
EDITORS_MOST_POPULAR = "most-popular"

LATEST_LIMIT = 10
TICKER_LIMIT = 5
SECTION_PAGE_SIZE = 20
HOME_SECTION_LIMIT = 5


@dataclass(frozen=True)
class PagerItem:
    number: int
    url: str | None  # None: the original has this page but it is not stored here
    current: bool


@dataclass(frozen=True)
class Pager:
    items: list[PagerItem]
    missing: list[int]  # pages of the original that are not stored here


def article_get_public(*, slug: str) -> Article:
    """A published article whose time has come; raises Article.DoesNotExist otherwise.

    Runs on every view of the article page, whose other parts come from cached fragments, so it is one
    single-table query written out: the same filter as `Article.objects.published()` (a test holds them equal)
    without the ORM's query compilation, which costs several times the query itself.
    """
    sql = (
        f"SELECT * FROM {Article._meta.db_table} "  # noqa: S608 - table name from the model, values are parameters
        "WHERE slug = %s AND status = %s AND published_at <= %s"
    )
    found = list(Article.objects.raw(sql, [slug, Article.Status.PUBLISHED, timezone.now()]))
    if not found:
        raise Article.DoesNotExist(f"no published article {slug!r}")
    return found[0]


def article_has_page(*, article: Article, number: int) -> bool:
    return ArticlePage.objects.filter(article=article, number=number).exists()


def article_page_get(*, article: Article, number: int) -> ArticlePage | None:
    """Page `number` of the article; None when not stored (page 1 of an article known only by its headline)."""
    return ArticlePage.objects.filter(article=article, number=number).first()


def article_pager(*, article: Article, current: int) -> Pager | None:
    """The 【1】【2】【3】 pager: stored pages link; pages the original has but we do not store are listed unlinked."""
    stored = set(article.pages.values_list("number", flat=True))
    total = max([article.page_total, *stored], default=0)
    if total <= 1:
        return None
    items = [
        PagerItem(
            number=n,
            url=(article.get_absolute_url() if n == 1 else _page_url(article, n)) if n in stored else None,
            current=n == current,
        )
        for n in range(1, total + 1)
    ]
    return Pager(items=items, missing=[item.number for item in items if item.url is None])


def _page_url(article: Article, number: int) -> str:
    return reverse("article-page", kwargs={"slug": article.slug, "number": number})


def article_photos(*, article: Article) -> list[Photo]:
    return list(article.photos.all())


def article_related_links(*, article: Article) -> list[RelatedLink]:
    """ "We Recommend": links to our own articles show only while the target is published."""
    links = RelatedLink.objects.filter(article=article).select_related("target")
    return [link for link in links if link.target_id is None or link.target.is_published]


def latest_articles(*, limit: int = LATEST_LIMIT, section: Section | None = None) -> list[Article]:
    articles = Article.objects.published().select_related("section")
    if section is not None:
        articles = articles.filter(section_id__in=section_descendant_ids(section=section))
    return list(articles[:limit])


def most_popular(*, section: Section | None = None, limit: int = 10) -> list[Article]:
    """Most Popular for a page: the ranking snapshot; while it is empty, the editors' "most-popular" list.

    Every page calls this one function, so the source of the block can change in one place.
    """
    ranked = popular_articles(section=section, limit=limit)
    if ranked:
        return ranked
    editors = curated_list_get(slug=EDITORS_MOST_POPULAR)
    if editors is None:
        return []
    return [item.article for item in editors.visible_items if item.article is not None][:limit]


def curated_list_get(*, slug: str) -> CuratedList | None:
    """A curated list with its items (unpublished article items left out) as `visible_items`; None if missing."""
    items = CuratedItem.objects.select_related("article").order_by("position", "id")
    curated = CuratedList.objects.filter(slug=slug).prefetch_related(Prefetch("items", queryset=items)).first()
    if curated is None:
        return None
    curated.visible_items = [i for i in curated.items.all() if i.article_id is None or i.article.is_published]
    return curated


def section_roots() -> list[Section]:
    """Top-level sections with their children (for the site navigation), in two queries."""
    return list(Section.objects.filter(parent=None).prefetch_related("children"))


def section_descendant_ids(*, section: Section) -> list[int]:
    """The section and every section under it (sections are few: one query, walked in memory)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Section.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = [], [section.pk]
    while todo:
        pk = todo.pop()
        if pk in found:
            continue
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def section_articles_page(*, section: Section, page_number: int | str = 1, per_page: int = SECTION_PAGE_SIZE) -> Page:
    """One page of the published articles of a section and its children, newest first; raises InvalidPage."""
    articles = (
        Article.objects.published()
        .filter(section_id__in=section_descendant_ids(section=section))
        .select_related("section")
    )
    return Paginator(articles, per_page).page(page_number)


def home_sections(*, limit: int = HOME_SECTION_LIMIT) -> list[tuple[Section, list[Article]]]:
    """Every section that has published articles of its own, with its latest `limit` ones (one query each)."""
    result = []
    for section in Section.objects.select_related("parent"):
        latest = list(Article.objects.published().filter(section=section)[:limit])
        if latest:
            result.append((section, latest))
    return result
