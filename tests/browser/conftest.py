"""A real Chromium for the browser tests, driven by Playwright's sync API.

Needs the `playwright` package and a system Chromium at /usr/bin/chromium (.ci/browser-deps
installs it); `playwright install` is never run. Set BROWSER_SHOTS_DIR to keep screenshots.
"""

import io
import json
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
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
QUIET_SECONDS = 0.5  # no request for this long: the page's last requests are done

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
    # Whatever the Content-Security-Policy blocks (an inline script or style, eval) is an error too.
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    # Stop the page's timers, then let the server finish what it was doing before the test's
    # database is flushed: a save landing mid-flush would break the next test, not this one.
    # Leaving the workspace sends its last events with a keepalive request, which can reach the
    # server just after the navigation: wait until no request has run for a moment, not just now.
    page.goto("about:blank")
    deadline = time.monotonic() + 10
    quiet_since = None
    while time.monotonic() < deadline:
        if requests.active > 0:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_SECONDS:
            break
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


@pytest.fixture
def invitations(live_server):
    """The demo organisation's candidate links, by exercise title."""
    out = io.StringIO()
    # The candidate tests need the links only; the scored demo attempts cost seconds per test.
    call_command("seed_demo", "--json", "--no-scored-attempts", "--base-url", live_server.url, stdout=out)
    return {
        invitation["exercise"]: invitation["url"] for invitation in json.loads(out.getvalue())["invitations"]
    }


def start_exercise(page, url):
    """Open an invitation link, start the exercise and wait for the workspace."""
    page.goto(url)
    page.get_by_role("button", name="Start exercise").click()
    page.wait_for_url(re.compile(r"/attempt/[^/]+/"))
    page.wait_for_selector("#app[data-ready='true']")
