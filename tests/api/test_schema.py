"""The OpenAPI schema and the interactive docs, as a production server serves them."""

import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_every_endpoint_with_token_auth(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in [
        "/api/v1/articles/",
        "/api/v1/articles/{article_id}/",
        "/api/v1/articles/{article_id}/comments/",
        "/api/v1/comments/{comment_id}/",
        "/api/v1/comments/{comment_id}/replies/",
        "/api/v1/comments/{comment_id}/flags/",
        "/api/v1/popular/",
        "/api/v1/auth/token/",
    ]:
        assert path in paths, path
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"
    post = paths["/api/v1/articles/{article_id}/comments/"]["post"]
    assert post["requestBody"]["content"]["application/json"]["examples"]
    assert {"201", "400", "409", "413", "415", "422", "429"} <= set(post["responses"])


def test_swagger_ui_is_served_from_our_own_static_files(client, settings):
    settings.DEBUG = False
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script")

    html = page.content.decode()
    assert page.status_code == 200 and script.status_code == 200
    assert "cdn." not in html and "<style" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
