import pytest

pytestmark = pytest.mark.django_db


def test_healthz_answers_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_on_the_embedded_default_is_ready_without_a_broker(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
