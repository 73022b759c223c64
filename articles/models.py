"""Sections, articles and everything printed around them on the article page."""

from django.db import models
from django.urls import reverse
from django.utils import timezone


class Section(models.Model):
    """A section of the site; `parent` gives the breadcrumb ("English >> Foreign Affairs")."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order among its siblings in menus.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return " >> ".join(s.name for s in self.path())

    def get_absolute_url(self) -> str:
        return reverse("section", kwargs={"slug": self.slug})

    def path(self) -> list["Section"]:
        """The section and its ancestors, root first (one query per level; sections are few and shallow)."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    slug = models.SlugField(max_length=200, unique=True)
    headline = models.CharField(max_length=300)
    summary = models.TextField(blank=True, help_text="A sentence or two for lists and link previews.")
    published_at = models.DateTimeField(default=timezone.now, help_text="The dateline.")
    source = models.CharField(max_length=100, blank=True, help_text='Agency or paper, e.g. "Xinhua".')
    byline = models.CharField(max_length=200, blank=True)
    page_total = models.PositiveSmallIntegerField(
        default=0,
        help_text="Pages the original story has, when more than are stored here (0: as many as are stored). "
        "Pages beyond the stored ones are listed in the pager without a link.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    comments_open = models.BooleanField(default=True)
    comments_close_at = models.DateTimeField(null=True, blank=True, help_text="Comments close by themselves then.")
    # Published comments, kept by the comments app in the same transaction as every status change.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_pub"),
            models.Index(fields=["section", "status", "-published_at"], name="article_section_pub"),
        ]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("article", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()


class ArticlePage(models.Model):
    """One page of an article's body (the 【1】【2】【3】 pager); paragraphs are separated by blank lines."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveSmallIntegerField(default=1)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="articlepage_unique_number")]

    def __str__(self) -> str:
        return f"{self.article} [{self.number}]"

    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.replace("\r\n", "\n").split("\n\n") if p.strip()]


class Photo(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="photos/%Y/%m/", blank=True)
    caption = models.TextField(blank=True)
    credit = models.CharField(max_length=200, blank=True, help_text='e.g. "Xinhua/Lan Hongguang".')
    alt = models.CharField(max_length=300, blank=True, help_text="Text for readers who cannot see the image.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["article", "position", "id"]

    def __str__(self) -> str:
        return self.caption[:60] or f"Photo {self.pk}"


class RelatedLink(models.Model):
    """A "We Recommend" entry under an article: another article of ours, or an outside URL."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    target = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=300, blank=True, help_text="Defaults to the target's headline.")
    url = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["article", "position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.title or (self.target.headline if self.target_id else self.url)

    @property
    def href(self) -> str:
        return self.target.get_absolute_url() if self.target_id else self.url


class CuratedList(models.Model):
    """An editor's list shown beside articles: "Selections for you", "What's happening in China"."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    lead = models.TextField(blank=True, help_text="A highlighted line shown above the list.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title


class CuratedItem(models.Model):
    curated_list = models.ForeignKey(CuratedList, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=300, blank=True, help_text="Defaults to the article's headline.")
    url = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["curated_list", "position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.title or (self.article.headline if self.article_id else self.url)

    @property
    def href(self) -> str:
        return self.article.get_absolute_url() if self.article_id else self.url


class PopularSnapshot(models.Model):
    """The last ranking pass's top articles for one scope ("site" or "section:<id>") and kind (most_read|trending).

    Written only by `articles.popularity.services.popular_rank`; pages and the API read it (through the cache) with
    `articles.popular.popular_articles`."""

    scope = models.CharField(max_length=40)
    kind = models.CharField(max_length=20)
    article_ids = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "kind"], name="popularsnapshot_unique_scope_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} @ {self.computed_at:%Y-%m-%d %H:%M}"
