"""Public pages: home, section pages and the article page.

Views only decide what exists (a real 404 otherwise) and hand the templates lazy reads: a read runs only when
its `{% cache %}` fragment is missing, so a warm article page costs one query (the article itself). The blocks
around every page (navigation, ticker, sidebar) come from the tags in articles/templatetags/portal_tags.py.
"""

from functools import partial

from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject

from articles import caching, selectors
from articles.models import Article, Section


def _lazy(read, **kwargs) -> SimpleLazyObject:
    return SimpleLazyObject(partial(read, **kwargs))


def home(request):
    context = {
        "top_stories": _lazy(selectors.curated_list_get, slug=selectors.TOP_STORIES),
        "latest": _lazy(selectors.latest_articles),
        "home_sections": _lazy(selectors.home_sections),
        "shared_timeout": caching.SHARED_TIMEOUT,
    }
    return render(request, "articles/home.html", context)


def section_detail(request, slug):
    section = get_object_or_404(Section.objects.select_related("parent__parent"), slug=slug)
    try:
        page = selectors.section_articles_page(section=section, page_number=request.GET.get("page", 1))
    except InvalidPage as exc:
        raise Http404("No such page of this section") from exc
    return render(request, "articles/section_detail.html", {"section": section, "page_obj": page})


def article_detail(request, slug, number=1):
    try:
        article = selectors.article_get_public(slug=slug)
    except Article.DoesNotExist as exc:
        raise Http404("No such article") from exc
    if number != 1 and not selectors.article_has_page(article=article, number=number):
        raise Http404("No such page of this article")
    context = {
        "article": article,
        "number": number,
        "article_timeout": caching.ARTICLE_TIMEOUT,
        "page": _lazy(selectors.article_page_get, article=article, number=number),
        "pager": _lazy(selectors.article_pager, article=article, current=number),
        "photos": _lazy(selectors.article_photos, article=article),
        "related_links": _lazy(selectors.article_related_links, article=article),
    }
    return render(request, "articles/article_detail.html", context)
