"""The seed article in real headless Chromium: the blocks a reader sees, on a desktop and on a phone.

Screenshots go to $NEWSPORTAL_SCREENSHOTS when set (to look at them), else to the test's temporary folder.
"""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

HEADLINE = "Xi: China-Russia ties prioritized in Chinese diplomacy"


@pytest.fixture
def seeded_site(live_server):
    cache.clear()
    call_command("load_seed")
    yield live_server.url
    cache.clear()


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("NEWSPORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_reader_finds_the_seed_article_from_the_home_page(seeded_site, page, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(seeded_site + "/")

    page.get_by_role("link", name=HEADLINE).first.click()

    assert page.locator("h1").inner_text() == HEADLINE
    assert page.locator("time.dateline").inner_text() == "08:01, January 09, 2013"
    caption = page.locator("figure figcaption").inner_text()
    assert caption.startswith("Xi Jinping (R), general secretary of the Communist Party of China Central Committee")
    assert caption.endswith("Jan. 8, 2013. (Xinhua/Lan Hongguang)")
    assert page.locator("nav.pager").inner_text().split()[:3] == ["【1】", "【2】", "【3】"]
    crumbs = page.locator("nav.breadcrumb a")
    assert crumbs.all_inner_texts() == ["English", "Foreign Affairs"]
    assert page.locator("nav.breadcrumb").inner_text().replace("\n", "").replace(" ", "") == "English>>ForeignAffairs"
    assert page.get_by_label("Name").is_visible()
    assert page.locator("figure img").evaluate("img => img.naturalWidth") > 0  # the placeholder loaded
    # Desktop: main column and sidebar side by side.
    main, sidebar = page.locator("main").bounding_box(), page.locator("aside.sidebar").bounding_box()
    assert sidebar["x"] > main["x"] + main["width"] - 1
    assert abs(sidebar["y"] - main["y"]) < 5
    page.screenshot(path=str(_shots(tmp_path) / "article-desktop.png"), full_page=True)
    assert page.script_errors == []


def test_the_seed_article_reads_in_one_column_on_a_phone(seeded_site, page, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(seeded_site + "/articles/xi-china-russia-ties-prioritized-in-chinese-diplomacy/")

    main, sidebar = page.locator("main").bounding_box(), page.locator("aside.sidebar").bounding_box()
    assert sidebar["y"] >= main["y"] + main["height"] - 1  # the sidebar comes after the story
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
    assert page.locator("h1").is_visible()
    page.screenshot(path=str(_shots(tmp_path) / "article-phone-top.png"))
    page.screenshot(path=str(_shots(tmp_path) / "article-phone.png"), full_page=True)
    page.goto(seeded_site + "/")
    page.screenshot(path=str(_shots(tmp_path) / "home-phone.png"), full_page=False)
    assert page.script_errors == []
