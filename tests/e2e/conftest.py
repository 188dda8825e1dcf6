import os

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from tests.e2e.live import FAKE_SERVER_PORTS, free_port, live_panoconfig

# pytest-django's live server (used with the fake API) inside this branch's port range.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", f"127.0.0.1:{free_port(FAKE_SERVER_PORTS)}")


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module, closed with it: Playwright's sync API keeps an event loop
    running on this thread, so the ORM calls made meanwhile must be allowed explicitly, and only
    while the browser is open (Django's deploy checks refuse the variable)."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture(scope="session")
def live_var(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e-live")


@pytest.fixture(scope="session")
def live_url(live_var):
    """Base URL of a live web server + Celery worker seeded by tests/e2e/seed.py."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with live_panoconfig(live_var) as base:
        yield base


@pytest.fixture
def kiosk_key(live_url, live_var):
    """A valid API key of the `e2e` tenant (the seed writes it beside the database)."""
    return (live_var / "kiosk-key").read_text().strip()
