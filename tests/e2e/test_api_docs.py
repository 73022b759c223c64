"""The interactive API docs render in a real browser under the site's strict Content-Security-Policy, from our
own static files (drf-spectacular-sidecar), with nothing fetched from another host."""

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_swagger_ui_renders_every_operation_without_csp_violations(live_server, page, settings):
    settings.DEBUG = False
    violations, foreign = [], []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("request", lambda req: foreign.append(req.url) if not req.url.startswith(live_server.url) else None)

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/articles/{article_id}/comments/" in p for p in paths)
    assert page.locator("text=tokenAuth").count() or page.locator(".authorize").count()
    assert violations == [] and foreign == [] and page.script_errors == []
