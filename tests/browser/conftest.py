"""Browser tests: Debian's Chromium driven by Playwright against a live panel.

Playwright's own browser download does not work on these machines, so the tests use
``/usr/bin/chromium`` (``make test`` installs it). The panel runs in a thread on a free
127.0.0.1 port, against the same test database as the other tests.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def live_server(make_app, app) -> Iterator[str]:
    """URL of the panel served on a free port for the whole test run."""
    served = make_app()
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium shared by the browser tests."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page_as(browser, live_server):
    """``page_as("suporte")`` opens a new browser page logged in as that role's user."""
    from tests.conftest import PASSWORD

    contexts = []

    def make(username: str):
        context = browser.new_context(locale="pt-BR")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        return page

    yield make
    for context in contexts:
        context.close()
