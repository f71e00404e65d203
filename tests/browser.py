"""Reusable test helpers for built sites: a static server and a headless Chromium.

Import what a test module needs::

    from browser import browser, open_page, serve_static  # noqa: F401 (fixture)

- `serve_static(folder, prefix="/")` serves a folder on 127.0.0.1 under a
  URL prefix (so a site built for `/tracker/` can be served as it will be
  published) and yields the base URL, e.g. `http://127.0.0.1:PORT/tracker/`.
- `browser` is a session-scoped Playwright Chromium (the system's
  /usr/bin/chromium; `playwright install` is never run). Tests using it are
  skipped when Chromium or Playwright is missing.
- `open_page(browser, url, color_scheme="light"|"dark")` opens a page in a
  fresh context that emulates that colour scheme and blocks every request
  to another host.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NODE_DIR = Path(__file__).resolve().parent / ".node"
AXE_JS = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under `prefix`; anything outside the prefix is a 404."""

    prefix = "/"

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    def end_headers(self):
        # LinkChecker rate-limits a host to ~3 requests a second unless the
        # server answers with this header (a test server may be crawled fast).
        self.send_header("LinkChecker", "welcome")
        super().end_headers()

    def translate_path(self, path: str) -> str:
        route = urlsplit(path).path
        if not route.startswith(self.prefix):
            return os.path.join(self.directory, "\0missing")
        return super().translate_path("/" + route[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        # Like a static host: the site's own 404.html for pages that do not exist.
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


@contextlib.contextmanager
def serve_static(folder: Path, prefix: str = "/") -> Iterator[str]:
    """Serves `folder` at http://127.0.0.1:PORT<prefix> in a thread; yields that URL."""
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    handler = type("Handler", (_QuietHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


_shared: dict = {}


def _close_shared() -> None:
    if "browser" in _shared:
        _shared.pop("browser").close()
        _shared.pop("playwright").stop()


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright, shared by the whole session.

    Every test module that imports this fixture gets its own copy of it, yet
    only one Playwright may run per thread: so all copies share one browser,
    started on first use and closed when the test process exits.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (scripts/test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    if "browser" not in _shared:
        playwright = sync_api.sync_playwright().start()
        try:
            _shared["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Exception:
            playwright.stop()
            raise
        _shared["playwright"] = playwright
        atexit.register(_close_shared)
    yield _shared["browser"]


def open_page(browser, url: str, color_scheme: str = "light", width: int = 1280, height: int = 900):
    """Opens `url` in a new context (its own cookies and cache) with that colour scheme.

    Requests to any host but the page's own are aborted, so a page that needs
    the network shows it. Close the page's context when done:
    `page.context.close()`.
    """
    context = browser.new_context(color_scheme=color_scheme, viewport={"width": width, "height": height}, service_workers="block")
    origin = urlsplit(url).netloc

    def route(request_route):
        if urlsplit(request_route.request.url).netloc in (origin, "") or request_route.request.url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(url, wait_until="load")
    return page


def axe_source() -> str:
    """The axe-core script, installed once with npm into tests/.node (git-ignored)."""
    if not AXE_JS.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is needed to install axe-core")
        proc = subprocess.run(
            [npm, "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", "--no-save", "axe-core@4"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0 or not AXE_JS.is_file():
            pytest.fail(f"npm install axe-core failed:\n{proc.stderr}")
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page) -> dict:
    """Injects axe-core into `page` and returns its results (violations, passes, ...)."""
    page.add_script_tag(content=axe_source())
    return page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
