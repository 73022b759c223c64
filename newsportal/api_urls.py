"""Everything under /api/v1/: each app contributes its own routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("articles.api.urls")),
    path("", include("comments.api.urls")),
    path("moderation/", include("comments.api.moderation_urls")),
]
