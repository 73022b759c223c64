"""Browser tests: real headless Chromium (Debian's `chromium`) driven by Playwright, against live_server.

Skipped with a reason when Chromium is missing, except under CI=true, where that is a failure.
"""

import os
import shutil

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import require

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    require(path is not None, "Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context per test (own cookies); fails the test on any script error in the page."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.script_errors = errors
    yield page
    # A page's own requests still in flight (the moderation page polls its counts as it loads) must reach the
    # live server before the test's database goes away, or the server thread fails on a closed database.
    try:
        page.wait_for_load_state("networkidle", timeout=5000)
    except PlaywrightError:
        pass  # a page that never goes idle: closed all the same
    context.close()


@pytest.fixture
def dialogs(page):
    """Every alert/confirm/prompt the page opened (an injected script would show up here); dismissed at once."""
    seen: list[str] = []

    def _on_dialog(dialog):
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", _on_dialog)
    return seen
