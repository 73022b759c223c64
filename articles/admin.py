"""The editors' desk: sections, articles with their pages, photos and links, and the curated lists."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count

from articles import services
from articles.models import Article, ArticlePage, CuratedItem, CuratedList, Photo, RelatedLink, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "position", "article_total"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]
    ordering = ["parent__name", "position", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_total=Count("articles"))

    @admin.display(description="articles", ordering="_article_total")
    def article_total(self, section):
        return section._article_total


class ArticlePageInline(admin.StackedInline):
    model = ArticlePage
    extra = 0
    fields = ["number", "body"]


class PhotoInline(admin.StackedInline):
    model = Photo
    extra = 0
    fields = ["image", "caption", "credit", "alt", "position"]


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    extra = 0
    fields = ["position", "target", "title", "url"]
    autocomplete_fields = ["target"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    verbose_name = "We Recommend link"
    verbose_name_plural = "We Recommend"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "status", "published_at", "comments_open", "comment_count"]
    list_filter = ["status", "section", "comments_open", ("published_at", admin.DateFieldListFilter)]
    search_fields = ["headline", "slug", "summary", "source", "byline"]
    prepopulated_fields = {"slug": ["headline"]}
    list_select_related = ["section__parent"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["section"]
    readonly_fields = ["comment_count", "created_at", "updated_at"]
    inlines = [ArticlePageInline, PhotoInline, RelatedLinkInline]
    actions = ["publish", "unpublish", "open_comments", "close_comments"]
    show_full_result_count = False  # no COUNT(*) over every article on each list page
    fieldsets = [
        (None, {"fields": ["headline", "slug", "section", "summary", "status", "published_at"]}),
        ("Credits", {"fields": ["source", "byline", "page_total"]}),
        ("Comments", {"fields": ["comments_open", "comments_close_at", "comment_count"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def _done(self, request, changed: int, what: str) -> None:
        self.message_user(request, f"{changed} article(s) {what}.", messages.SUCCESS)

    @admin.action(description="Publish selected articles", permissions=["change"])
    def publish(self, request, queryset):
        ids = queryset.values_list("pk", flat=True)
        self._done(request, services.articles_set_status(article_ids=ids, status=Article.Status.PUBLISHED), "published")

    @admin.action(description="Unpublish selected articles (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        ids = queryset.values_list("pk", flat=True)
        self._done(request, services.articles_set_status(article_ids=ids, status=Article.Status.DRAFT), "unpublished")

    @admin.action(description="Open comments on selected articles", permissions=["change"])
    def open_comments(self, request, queryset):
        ids = queryset.values_list("pk", flat=True)
        self._done(request, services.articles_set_comments_open(article_ids=ids, is_open=True), "opened to comments")

    @admin.action(description="Close comments on selected articles", permissions=["change"])
    def close_comments(self, request, queryset):
        ids = queryset.values_list("pk", flat=True)
        self._done(request, services.articles_set_comments_open(article_ids=ids, is_open=False), "closed to comments")


class CuratedItemInline(admin.TabularInline):
    model = CuratedItem
    extra = 0
    fields = ["position", "article", "title", "url"]
    autocomplete_fields = ["article"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(CuratedList)
class CuratedListAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [CuratedItemInline]
