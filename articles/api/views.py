"""Article API: thin read views (lists with django-filter and page numbers, a detail with ETag)."""

import django_filters
from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.api.serializers import ArticleDetailSerializer, ArticleListItemSerializer
from articles.models import Article, Section
from articles.popular import popular_articles
from newsportal.api import ERROR_RESPONSES, StrictChoiceField
from newsportal.conditional import make_etag, not_modified, validators
from newsportal.throttling import ReadThrottle


class ArticleFilter(django_filters.FilterSet):
    section = django_filters.CharFilter(
        method="in_section", help_text="Section slug; articles of its direct subsections are included."
    )

    class Meta:
        model = Article
        fields = ["section"]

    def in_section(self, queryset, name, value):
        return queryset.filter(Q(section__slug=value) | Q(section__parent__slug=value))


@extend_schema(
    tags=["articles"],
    summary="Published articles, newest first",
    responses={200: ArticleListItemSerializer(many=True), **ERROR_RESPONSES},
)
class ArticleListApi(generics.ListAPIView):
    serializer_class = ArticleListItemSerializer
    filterset_class = ArticleFilter
    throttle_classes = [ReadThrottle]

    def get_queryset(self):
        return Article.objects.published().select_related("section")


@extend_schema(
    tags=["articles"],
    summary="One published article with its pages, photos and related links",
    description="Answers with an ETag and Last-Modified; send If-None-Match to get 304 when nothing changed.",
    responses={200: ArticleDetailSerializer, 304: None, **ERROR_RESPONSES},
)
class ArticleDetailApi(APIView):
    throttle_classes = [ReadThrottle]

    def get(self, request, article_id: int):
        article = (
            Article.objects.published()
            .select_related("section", "section__parent", "comments_version")
            .prefetch_related("pages", "photos", "related_links__target")
            .filter(pk=article_id)
            .first()
        )
        if article is None:
            raise Http404
        version = getattr(getattr(article, "comments_version", None), "version", 0)
        etag = make_etag("article", article.pk, article.updated_at.isoformat(), article.comment_count, version)
        changed = getattr(getattr(article, "comments_version", None), "changed_at", None)
        last_modified = max(filter(None, [article.updated_at, changed]))
        headers = validators(etag=etag, last_modified=last_modified)
        unchanged = not_modified(request, etag=etag, last_modified=last_modified)
        if unchanged is not None:
            for name, value in headers.items():
                unchanged[name] = value
            return unchanged
        data = ArticleDetailSerializer(article, context={"request": request}).data
        return Response(data, headers=headers)


class PopularQuerySerializer(serializers.Serializer):
    section = serializers.SlugField(required=False, help_text="Section slug; site-wide when absent.")
    kind = StrictChoiceField(choices=["most_read", "trending"], default="most_read")


@extend_schema(
    tags=["articles"],
    summary="Most Popular (the stored ranking snapshot)",
    parameters=[
        OpenApiParameter("section", str, description="Section slug; site-wide when absent."),
        OpenApiParameter("kind", str, enum=["most_read", "trending"], description="Ranking; default most_read."),
    ],
    responses={
        200: inline_serializer("PopularList", {"results": ArticleListItemSerializer(many=True)}),
        **ERROR_RESPONSES,
    },
)
class PopularApi(APIView):
    throttle_classes = [ReadThrottle]

    def get(self, request):
        query = PopularQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        section = None
        if slug := query.validated_data.get("section"):
            section = Section.objects.filter(slug=slug).first()
            if section is None:
                raise Http404
        articles = popular_articles(section=section, kind=query.validated_data["kind"], limit=10)
        data = ArticleListItemSerializer(articles, many=True, context={"request": request}).data
        return Response({"results": data})
