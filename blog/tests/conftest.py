"""Fixtures for the browser tests: Playwright driving Debian's Chromium.

One Chromium serves the whole session; each test gets a fresh context (fresh
localStorage, cookies and cache). Playwright must never download a browser.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Installed from package-lock.json by `make test` (npm ci).
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Long enough for a slow CI machine, short enough that a wrong wait fails fast.
TIMEOUT_MS = 10_000


def skip_or_fail(reason):
    """Skip when a browser-test tool is missing, but fail on CI, where that is a broken setup."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last.

    Once Playwright's sync API has started, its event loop counts as running in
    this thread for the rest of the session, and Django refuses ORM calls beside
    a running loop. Last, the browser tests cannot affect how the others run.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: install Debian's chromium (`make test` does).")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API keeps an event loop running in this thread until it
        # stops, and Django refuses ORM calls beside a running loop: the tests' own
        # (factories) and pytest-django's (creating the test database, flushing it
        # after each transactional test). A function-scoped setenv is undone before
        # that flush, so the switch lives exactly as long as the loop, and the
        # browser tests run last (see above) so no other test runs with it.
        # https://docs.djangoproject.com/en/5.2/topics/async/#envvar-DJANGO_ALLOW_ASYNC_UNSAFE
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_script():
    """The path of axe-core's script, to inject into a page under test."""
    if not AXE_SCRIPT.exists():
        skip_or_fail(f"{AXE_SCRIPT} is missing: run `npm ci` (`make test` does).")
    return AXE_SCRIPT


@pytest.fixture
def browser_context_args():
    """Options for each test's browser context; a test module overrides this to change them."""
    return {}


@pytest.fixture
def page(browser, browser_context_args, live_server):
    """A page in a new browser context (fresh storage), relative URLs going to the live server."""
    context = browser.new_context(base_url=live_server.url, **browser_context_args)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()
