"""/metrics: Prometheus text, closed to strangers, with request, task and queue figures."""

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from articles.models import Article, Section
from comments.models import Comment

pytestmark = pytest.mark.django_db


def _samples(response) -> dict:
    """{(name, frozenset(labels.items())): value} of an exposition."""
    out = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _scrape(client, **extra):
    return client.get("/metrics", REMOTE_ADDR="127.0.0.1", **extra)


def _comment(article, *, status, minutes_old, scored=True):
    created = timezone.now() - dt.timedelta(minutes=minutes_old)
    return Comment.objects.create(
        article=article,
        author_name="Reader",
        body="A thought.",
        status=status,
        created_at=created,
        scored_at=timezone.now() if scored else None,
    )


@pytest.fixture
def article():
    section = Section.objects.create(slug="world", name="World")
    return Article.objects.create(section=section, slug="a", headline="A", status=Article.Status.PUBLISHED)


def test_metrics_from_loopback_is_prometheus_text(client):
    response = _scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "# TYPE newsportal_http_request_duration_seconds histogram" in response.content.decode()


def test_requests_are_counted_by_view_method_and_status(client):
    before = _samples(_scrape(client))
    client.get("/healthz")
    client.get("/healthz")
    client.post("/healthz")
    client.get("/no-such-page/")

    after = _samples(_scrape(client))

    def delta(**labels):
        key = ("newsportal_http_requests_total", frozenset(labels.items()))
        return after.get(key, 0) - before.get(key, 0)

    assert delta(view="healthz", method="GET", status="200") == 2
    assert delta(view="healthz", method="POST", status="405") == 1
    assert delta(view="unmatched", method="GET", status="404") == 1
    count = ("newsportal_http_request_duration_seconds_count", frozenset({("view", "healthz")}))
    assert after[count] - before.get(count, 0) == 3


def test_odd_methods_are_folded_so_labels_stay_few(client):
    client.generic("BREW", "/healthz")

    samples = _samples(_scrape(client))

    assert _value(samples, "newsportal_http_requests_total", view="healthz", method="other", status="405") >= 1


@pytest.mark.parametrize("remote", ["10.0.0.7", "192.0.2.1", "2001:db8::1"])
def test_metrics_is_closed_to_other_addresses(client, remote):
    response = client.get("/metrics", REMOTE_ADDR=remote)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "newsportal_" not in response.content.decode()


def test_a_forwarded_for_header_does_not_open_metrics_without_trusted_proxies(client):
    response = client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 403


def test_the_bearer_token_opens_metrics_from_anywhere(client, settings):
    settings.NEWSPORTAL_METRICS_TOKEN = "s3cret-token"

    good = client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer s3cret-token")
    wrong = client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer s3cret-tokeN")
    other_scheme = client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Token s3cret-token")

    assert good.status_code == 200
    assert wrong.status_code == 403
    assert other_scheme.status_code == 403


def test_queue_gauges_count_pending_and_unscored_comments_and_their_oldest_age(client, article):
    _comment(article, status=Comment.Status.PENDING, minutes_old=30)
    _comment(article, status=Comment.Status.PENDING, minutes_old=5)
    _comment(article, status=Comment.Status.PUBLISHED, minutes_old=90)  # not pending, scored
    _comment(article, status=Comment.Status.PUBLISHED, minutes_old=20, scored=False)
    _comment(article, status=Comment.Status.DELETED, minutes_old=600, scored=False)  # gone: not waiting

    samples = _samples(_scrape(client))

    assert _value(samples, "newsportal_comments_pending") == 2
    assert 30 * 60 <= _value(samples, "newsportal_comments_oldest_pending_age_seconds") < 31 * 60
    assert _value(samples, "newsportal_comments_unscored") == 1
    assert 20 * 60 <= _value(samples, "newsportal_comments_oldest_unscored_age_seconds") < 21 * 60


def test_queue_gauges_are_zero_when_nothing_waits(client):
    samples = _samples(_scrape(client))

    assert _value(samples, "newsportal_comments_pending") == 0
    assert _value(samples, "newsportal_comments_oldest_pending_age_seconds") == 0


def test_task_outcomes_and_durations_are_counted(client):
    from newsportal.celery import app

    @app.task(name="tests.metrics_probe")
    def metrics_probe(fail):
        if fail:
            raise RuntimeError("boom")

    before = _samples(_scrape(client))
    metrics_probe.apply(args=[False])
    metrics_probe.apply(args=[False])
    metrics_probe.apply(args=[True])
    after = _samples(_scrape(client))

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("newsportal_celery_tasks_total", task="tests.metrics_probe", outcome="success") == 2
    assert delta("newsportal_celery_tasks_total", task="tests.metrics_probe", outcome="failure") == 1
    assert delta("newsportal_celery_task_duration_seconds_count", task="tests.metrics_probe") == 3
