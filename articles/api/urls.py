from django.urls import path

from articles.api import views

urlpatterns = [
    path("articles/", views.ArticleListApi.as_view(), name="api-article-list"),
    path("articles/<id:article_id>/", views.ArticleDetailApi.as_view(), name="api-article-detail"),
    path("popular/", views.PopularApi.as_view(), name="api-popular"),
]
