"""Everything under /api/v1/: each app contributes its own routes."""

from django.urls import include, path

from newsportal import converters  # noqa: F401  (registers the <id:...> converter)
from newsportal.auth_api import TokenApi

urlpatterns = [
    path("auth/token/", TokenApi.as_view(), name="api-auth-token"),
    path("", include("comments.api.urls")),  # the busiest routes first (lists, posts); no path of the two overlaps
    path("", include("articles.api.urls")),
    path("moderation/", include("comments.api.moderation_urls")),
]
