"""Public pages: placeholder views until the article pages land."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from articles.models import Article, Section


def home(request):
    latest = Article.objects.published().select_related("section")[:20]
    return render(request, "articles/home.html", {"latest": latest})


def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    return render(request, "articles/home.html", {"latest": section.articles.published()[:20]})


def article_detail(request, slug, number=1):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    page = article.pages.filter(number=number).first()
    if page is None and number != 1:
        raise Http404("No such page")
    return render(request, "articles/home.html", {"latest": [article]})
