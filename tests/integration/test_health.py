import pytest

pytestmark = pytest.mark.django_db


def test_readyz_reports_every_real_dependency_ok(client):
    # when
    response = client.get("/readyz")

    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


def test_readyz_uses_redis_and_postgres_not_the_embedded_default(settings):
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
