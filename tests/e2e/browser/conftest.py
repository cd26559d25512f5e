"""The web app in Debian's Chromium (Playwright), against the local stack the e2e tests share.

Nothing leaves the machine: every request that is not to the stack on loopback is answered here
(YouTube's embedded player by a stand-in page that records the player commands it receives) or
aborted. Every test fails on a JavaScript error, a Content-Security-Policy violation or a dialog the
page did not ask for. Screenshots of each screen go to ``test-results/screens/``; pytest-playwright's
own output (``--output``, which it empties when each xdist worker starts) is ``test-results/playwright``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Page, Request, Route, expect

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones Google at start-up; this machine has no network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# YouTube's privacy-enhanced player, played by a page that records the iframe-API commands
# (postMessage) it gets, so a test can see what the note asked the player to do.
FAKE_PLAYER = """<!doctype html><html><head><title>player</title></head>
<body style="margin:0;height:100vh;display:grid;place-items:center;
  background:#202124;color:#bdc1c6;font:14px sans-serif">
<p>YouTube player (a stand-in: the tests have no network)</p>
<p id="state" hidden>ready</p>
<script>
window.commands = [];
window.addEventListener("message", (event) => {
  try { window.commands.push(JSON.parse(event.data)); } catch (e) { window.commands.push(event.data); }
  document.getElementById("state").textContent = JSON.stringify(window.commands);
});
</script></body></html>"""
# Chromium reports every HTTP error status a fetch receives as a console error; those are the API's
# answers the tests provoke on purpose (402, 404, 409...), not faults of the page.
EXPECTED_CONSOLE = ("Failed to load resource: the server responded with a status of",)
JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.")  # a JSON Web Token's header and payload


expect.set_options(timeout=10_000)


def chromium_path() -> str | None:
    return os.environ.get("YTSB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing install step must not pass unnoticed
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def web_url(stack: dict[str, Any]) -> str:
    if stack.get("web_url"):
        return str(stack["web_url"])
    parts = urlsplit(stack["api_url"])
    return f"{parts.scheme}://{parts.netloc}/"


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], web_url: str) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": web_url,
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
        "color_scheme": "light",
    }


class BrowserLog:
    """What the page said on its console, threw, or asked with a dialog, and any token it let out."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.leaks: list[str] = []  # a JWT in a requested URL or in a console message
        self.allowed: tuple[str, ...] = EXPECTED_CONSOLE

    def allow(self, prefix: str) -> None:
        """A console error this test provokes on purpose (e.g. the network cut)."""
        self.allowed += (prefix,)

    def on_console(self, message: ConsoleMessage) -> None:
        if JWT.search(message.text):
            self.leaks.append(f"console: {message.text}")
        if message.type == "error" and not message.text.startswith(self.allowed):
            self.errors.append(message.text)

    def on_request(self, request: Request) -> None:
        if JWT.search(request.url):
            self.leaks.append(f"url: {request.url}")

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


def _offline(route: Route) -> None:
    url = urlsplit(route.request.url)
    if url.hostname in {"127.0.0.1", "localhost"}:
        route.continue_()
    elif url.hostname == "www.youtube-nocookie.com" and url.path.startswith("/embed/"):
        route.fulfill(status=200, content_type="text/html", body=FAKE_PLAYER)
    else:
        route.abort("internetdisconnected")


@pytest.fixture
def context(context: BrowserContext, browser_log: BrowserLog) -> BrowserContext:
    context.route("**/*", _offline)
    context.on("console", browser_log.on_console)
    context.on("request", browser_log.on_request)
    context.on("weberror", lambda error: browser_log.errors.append(f"uncaught: {error.error}"))
    context.on("dialog", browser_log.on_dialog)
    return context


@pytest.fixture
def page(page: Page, browser_log: BrowserLog) -> Iterator[Page]:
    yield page
    # Then: whatever the test did, the page threw nothing, broke no CSP rule, opened no dialog,
    # and put no token in an address or a log.
    assert browser_log.errors == []
    assert browser_log.dialogs == []
    assert browser_log.leaks == []
