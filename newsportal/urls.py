from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from newsportal import health, views
from newsportal.login_guard import ThrottledAdminAuthenticationForm, login_throttled

# Swagger UI from drf-spectacular-sidecar's static files, its start-up script from a URL of its own and its page
# styles from our static CSS: the page runs under the site's strict Content-Security-Policy, no CDN.
api_docs = SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="newsportal/swagger_ui.html")

handler500 = "newsportal.views.server_error"

# The admin's sign-in counts guesses like every sign-in (newsportal/login_guard.py): its form through the admin's
# own hook, its 429 through the view, mounted ahead of the admin's URLs at the same address.
admin.site.login_form = ThrottledAdminAuthenticationForm

# The API first: its requests are the most frequent (mobile apps poll the lists) and resolving a path tries the
# patterns in order; no other prefix overlaps /api/v1/.
urlpatterns = [
    path("api/v1/", include("newsportal.api_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("admin/login/", login_throttled(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("moderation/", include("comments.moderation_urls")),
    path("accounts/", include("newsportal.accounts_urls")),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]

handler400 = "newsportal.error_views.bad_request"
handler403 = "newsportal.error_views.permission_denied"
handler404 = "newsportal.error_views.page_not_found"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
