from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from newsportal import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("newsportal.api_urls")),
    path("moderation/", include("comments.moderation_urls")),
    path("accounts/", include("newsportal.accounts_urls")),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]

handler400 = "newsportal.error_views.bad_request"
handler403 = "newsportal.error_views.permission_denied"
handler404 = "newsportal.error_views.page_not_found"
handler500 = "newsportal.error_views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
