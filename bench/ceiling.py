"""The hello-world ceilings every benchmark is compared with, served by the project's own gunicorn.

A plain Django view (/plaintext) and a DRF APIView answering JSON (/json), configured in this one file with
settings.configure(): DEBUG off, no middleware, no database. The same shape as the black-box checks' ceiling,
so a ratio here means what it means there. Run: gunicorn --pythonpath bench ceiling:application
(with DJANGO_SETTINGS_MODULE empty).
"""

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-ceiling-" + "x" * 50,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    DATABASES={},
    USE_TZ=True,
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "DEFAULT_THROTTLE_CLASSES": [],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "UNAUTHENTICATED_USER": None,
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


def plaintext(request):
    return HttpResponse(b"Hello, World!", content_type="text/plain")


class HelloJSON(APIView):
    def get(self, request):
        return Response({"message": "Hello, World!"})


urlpatterns = [path("plaintext", plaintext), path("json", HelloJSON.as_view())]

application = get_wsgi_application()
