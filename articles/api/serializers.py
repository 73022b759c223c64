"""What the article API shows. Read-only: articles are written by editors in the admin."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import Article, ArticlePage, Photo, RelatedLink, Section


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["slug", "name"]


class ArticleListItemSerializer(serializers.ModelSerializer):
    section = SectionSerializer(read_only=True)
    url = serializers.SerializerMethodField(help_text="The article's web page (for sharing).")
    comments_open = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "slug",
            "headline",
            "summary",
            "section",
            "published_at",
            "updated_at",
            "source",
            "byline",
            "comments_open",
            "comment_count",
            "url",
        ]

    def get_url(self, article: Article) -> str:
        request = self.context.get("request")
        path = article.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path

    def get_comments_open(self, article: Article) -> bool:
        """Open by the article's own switch and closing time (a section policy may still refuse a post)."""
        return article.comments_open and (
            article.comments_close_at is None or article.comments_close_at > timezone.now()
        )


class ArticlePageSerializer(serializers.ModelSerializer):
    paragraphs = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ArticlePage
        fields = ["number", "body", "paragraphs"]


class PhotoSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["image", "caption", "credit", "alt"]

    def get_image(self, photo: Photo) -> str | None:
        if not photo.image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(photo.image.url) if request is not None else photo.image.url


class RelatedLinkSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="label", read_only=True)
    url = serializers.CharField(source="href", read_only=True)
    article = serializers.IntegerField(source="target_id", read_only=True, allow_null=True)

    class Meta:
        model = RelatedLink
        fields = ["title", "url", "article"]


class ArticleDetailSerializer(ArticleListItemSerializer):
    section_path = serializers.SerializerMethodField(help_text="Breadcrumb, root section first.")
    pages = ArticlePageSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    related = RelatedLinkSerializer(many=True, read_only=True, source="related_links")

    class Meta(ArticleListItemSerializer.Meta):
        fields = ArticleListItemSerializer.Meta.fields + ["section_path", "pages", "photos", "related"]

    @extend_schema_field(SectionSerializer(many=True))
    def get_section_path(self, article: Article) -> list[dict]:
        return SectionSerializer(article.section.path(), many=True).data
