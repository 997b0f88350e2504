"""A real Chromium for the browser tests, driven by Playwright's sync API.

Needs the `playwright` package and a system Chromium at /usr/bin/chromium (.ci/browser-deps
installs it); `playwright install` is never run. Set BROWSER_SHOTS_DIR to keep screenshots.
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started

CHROMIUM = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1366, "height": 768}

# Playwright's sync API runs an event loop in the test's thread; the test's own ORM calls are
# still synchronous, so Django's async-safety guard would refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright")


def _unavailable(reason: str):
    """CI (REQUIRE_BROWSER=1) must run these tests: there a missing browser is a failure, not a skip."""
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"browser tests are required here but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"there is no Chromium at {CHROMIUM} (run .ci/browser-deps)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(15_000)
    yield context
    context.close()


class _ServerRequests:
    """Requests the live server (a thread of this process) is still handling."""

    def __init__(self):
        self.active = 0
        self.lock = threading.Lock()

    def started(self, **kwargs):
        with self.lock:
            self.active += 1

    def finished(self, **kwargs):
        with self.lock:
            self.active -= 1


@pytest.fixture
def page(browser_context):
    requests = _ServerRequests()
    request_started.connect(requests.started, dispatch_uid="browser-requests-started")
    request_finished.connect(requests.finished, dispatch_uid="browser-requests-finished")
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    # Stop the page's timers, then let the server finish what it was doing before the test's
    # database is flushed: a save landing mid-flush would break the next test, not this one.
    page.goto("about:blank")
    deadline = time.monotonic() + 10
    while requests.active > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    request_started.disconnect(dispatch_uid="browser-requests-started")
    request_finished.disconnect(dispatch_uid="browser-requests-finished")
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shot():
    """shot(page, name): a screenshot in BROWSER_SHOTS_DIR, when it is set."""
    directory = os.environ.get("BROWSER_SHOTS_DIR")

    def take(page, name: str, **kwargs):
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}.png"), **kwargs)

    return take
