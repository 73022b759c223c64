import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_chromium_loads_the_home_page(live_server, page):
    response = page.goto(live_server.url + "/")

    assert response.status == 200
    assert page.locator("h2").first.inner_text() == "Latest News"
    assert page.script_errors == []
