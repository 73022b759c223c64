from django.urls import path

from comments.api import views

urlpatterns = [
    path("articles/<id:article_id>/comments/", views.ArticleCommentsApi.as_view(), name="api-article-comments"),
    path("comments/<id:comment_id>/", views.CommentDetailApi.as_view(), name="api-comment-detail"),
    path("comments/<id:comment_id>/replies/", views.CommentRepliesApi.as_view(), name="api-comment-replies"),
    path("comments/<id:comment_id>/flags/", views.CommentFlagsApi.as_view(), name="api-comment-flags"),
]
