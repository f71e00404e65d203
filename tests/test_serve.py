"""`sitegen serve` and `sitegen build --watch`, run as a user runs them."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from browser import browser, open_page  # noqa: F401 (fixture)
from conftest import copy_example, write_site

ARTICLE = "content/articles/uk-troops-kabul-2021.md"
SHEET = "content/people/ben-wallace.yaml"


class ServeProcess:
    """`sitegen serve SITE --port 0` in a subprocess; knows its URL and log."""

    def __init__(self, site: Path, *extra: str, preexec_fn=None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", str(site), "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=preexec_fn,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.url = ""
        threading.Thread(target=self._read, daemon=True).start()
        assert self.ready.wait(60), "serve did not start:\n" + "\n".join(self.lines)
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            match = re.search(r"at (http://\S+/) ", line)
            if match:
                self.url = match.group(1)
                self.ready.set()

    def get(self, path: str, host: str | None = None, method: str = "GET") -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host or f"127.0.0.1:{self.port}")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), body

    def wait_for(self, path: str, predicate, timeout: float = 20) -> bytes:
        deadline = time.monotonic() + timeout
        body = b""
        while time.monotonic() < deadline:
            _, _, body = self.get(path)
            if predicate(body):
                return body
            time.sleep(0.05)
        raise AssertionError(f"{path} never satisfied the condition; last body:\n{body[:2000]!r}\nlog:\n" + "\n".join(self.lines))

    def rebuilds(self) -> int:
        """Rebuilds done (one whose listing pages are still to follow counts when they are done)."""
        return sum(1 for line in self.lines if line.startswith("rebuilt in") and not line.endswith("more to follow"))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def served(tmp_path):
    site = copy_example(tmp_path / "site")
    server = ServeProcess(site)
    yield site, server
    server.stop()


def test_saved_article_shows_in_the_served_page(served):
    site, server = served
    page = "/articles/uk-troops-kabul-2021/"
    assert b"the government has announced." in server.get(page)[2]
    path = site / ARTICLE
    path.write_text(path.read_text().replace("the government has announced.", "the government announced on Friday."))
    server.wait_for(page, lambda body: b"the government announced on Friday." in body)


def test_new_mention_appears_among_the_backlinks(served):
    site, server = served
    (site / "content/articles/later-report.md").write_text(
        "---\ntitle: A later report\ndate: 2021-08-20\n---\nOn Friday Nick Carter spoke again.\n"
    )
    body = server.wait_for("/people/nick-carter/", lambda body: b"/articles/later-report/" in body)
    assert b"On Friday Nick Carter spoke again." in body


def test_editor_atomic_save_and_delete(served):
    site, server = served
    path = site / ARTICLE
    temp = path.with_name(".uk-troops-kabul-2021.md.swp")
    temp.write_text(path.read_text().replace("the government has announced.", "the government said so."))
    os.replace(temp, path)
    server.wait_for("/articles/uk-troops-kabul-2021/", lambda body: b"the government said so." in body)
    extra = site / "content/articles/to-delete.md"
    extra.write_text("---\ntitle: Short-lived\ndate: 2021-08-14\n---\nGone soon.\n")
    server.wait_for("/articles/to-delete/", lambda body: b"Gone soon." in body)
    extra.unlink()
    server.wait_for("/articles/to-delete/", lambda body: b"Page not found" in body)


def test_broken_file_keeps_last_good_pages_and_reports_errors(served):
    site, server = served
    sheet = site / SHEET
    good = sheet.read_text()
    sheet.write_text(good.replace("name: Ben Wallace", "name: [Ben Wallace"))
    body = server.wait_for("/people/ben-wallace/", lambda body: b"content/people/ben-wallace.yaml:2:8: error" in body)
    assert b"<h1>Ben Wallace</h1>" in body  # the last good page, under the overlay
    assert server.proc.poll() is None
    sheet.write_text(good)
    server.wait_for("/people/ben-wallace/", lambda body: b"ben-wallace.yaml:2:8" not in body)


def test_event_stream_announces_rebuilds_and_errors(served):
    site, server = served
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    sock.sendall(f"GET /_sitegen/events HTTP/1.1\r\nHost: localhost:{server.port}\r\n\r\n".encode())
    received = b""
    while b"retry:" not in received:
        received += sock.recv(4096)
    assert b"text/event-stream" in received
    path = site / ARTICLE
    path.write_text(path.read_text() + "\nA new closing line.\n")
    while b"data:" not in received:
        received += sock.recv(4096)
    event = json.loads(received.split(b"data: ", 1)[1].split(b"\n", 1)[0])
    assert event["epoch"] >= 1 and event["errors"] == []
    sock.close()


def test_reload_script_only_in_served_html_never_in_build_output(served, tmp_path):
    site, server = served
    status, headers, body = server.get("/people/ben-wallace/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"/_sitegen/events" in body
    from conftest import sitegen

    out = tmp_path / "built"
    assert sitegen("build", site, "-o", out, "-q").code == 0
    assert all(b"_sitegen" not in p.read_bytes() for p in out.rglob("*.html"))


def test_content_types_404_and_redirects(served):
    _, server = served
    assert server.get("/assets/style.css")[1]["Content-Type"].startswith("text/css")
    assert server.get("/feed.xml")[1]["Content-Type"].split(";")[0] in ("application/xml", "text/xml", "application/atom+xml")
    assert server.get("/data/facts.json")[1]["Content-Type"].startswith("application/json")
    status, _, body = server.get("/no/such/page/")
    assert status == 404 and b"Page not found" in body
    status, headers, _ = server.get("/people")
    assert status == 301 and headers["Location"] == "/people/"


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/..%2f..%2fetc/passwd",
        "/..\\..\\etc\\passwd",
        "/%5c..%5c..%5cetc%5cpasswd",
        "/people/%00",
    ],
)
def test_path_traversal_is_refused(served, path):
    _, server = served
    status, _, body = server.get(path)
    assert status in (400, 404)
    assert b"root:" not in body


def test_host_header_must_be_loopback(served):
    _, server = served
    assert server.get("/", host="evil.example:80")[0] == 403
    assert server.get("/", host=f"localhost:{server.port}")[0] == 200
    assert server.get("/", host=f"[::1]:{server.port}")[0] == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_only_get_and_head(served, method):
    _, server = served
    assert server.get("/", method=method)[0] == 405
    assert server.get("/", method="HEAD")[0] == 200


def test_burst_of_changes_is_one_rebuild(served):
    site, server = served
    before = server.rebuilds()
    for number in range(300):
        (site / "content/articles" / f"burst-{number}.md").write_text(f"---\ntitle: Burst {number}\ndate: 2021-08-15\n---\nText {number}.\n")
    server.wait_for("/articles/", lambda body: body.count(b"/articles/burst-") == 300, timeout=60)
    time.sleep(0.5)
    assert server.rebuilds() - before <= 2, "\n".join(server.lines)


def test_ctrl_c_exits_cleanly_and_removes_its_folder(tmp_path):
    import tempfile

    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("sitegen-serve-*"))
    site = copy_example(tmp_path / "site")
    server = ServeProcess(site)
    made = set(temp.glob("sitegen-serve-*")) - before
    assert made, "serve should build into a temporary folder"
    assert server.stop() == 0
    assert "Traceback" not in "\n".join(server.lines)
    assert not any(folder.exists() for folder in made)


def test_ctrl_c_stops_serve_started_with_sigint_ignored(tmp_path):
    """A shell starts background jobs with SIGINT ignored, and children inherit
    that; serve still stops on Ctrl-C."""
    site = copy_example(tmp_path / "site")
    server = ServeProcess(site, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert server.stop() == 0
    deadline = time.monotonic() + 5
    while "stopped" not in server.lines and time.monotonic() < deadline:
        time.sleep(0.05)  # the last lines are still being read
    assert "stopped" in server.lines


def test_non_loopback_bind_warns(tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"})
    server = ServeProcess(site, "--host", "0.0.0.0")
    try:
        assert any("reachable from other machines" in line for line in server.lines)
    finally:
        server.stop()


def test_build_watch_rebuilds_the_output(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(site), "-o", str(out), "--watch"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = out / "articles/uk-troops-kabul-2021/index.html"
        deadline = time.monotonic() + 60
        while not page.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert page.exists()
        time.sleep(0.3)
        path = site / ARTICLE
        path.write_text(path.read_text().replace("the government has announced.", "the watch saw this."))
        deadline = time.monotonic() + 20
        while b"the watch saw this." not in page.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b"the watch saw this." in page.read_bytes()
        assert b"_sitegen" not in page.read_bytes()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(15)


def read_events(sock: socket.socket, until, timeout: float = 20) -> list[dict]:
    """Data events of an event stream, up to the first for which `until` holds."""
    received, events = b"", []
    deadline = time.monotonic() + timeout
    while not (events and until(events[-1])) and time.monotonic() < deadline:
        received += sock.recv(4096)
        while b"\n\n" in received:
            block, received = received.split(b"\n\n", 1)
            for line in block.split(b"\n"):
                if line.startswith(b"data: "):
                    events.append(json.loads(line[6:]))
    return events


def test_events_name_the_rewritten_pages_and_the_saved_page_comes_first(served):
    site, server = served
    _, _, body = server.get("/people/ben-wallace/")
    epoch = int(re.search(rb"var epoch = (\d+)", body).group(1))
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    sock.sendall(f"GET /_sitegen/events?since={epoch} HTTP/1.1\r\nHost: localhost:{server.port}\r\n\r\n".encode())
    before = len(server.lines)
    sheet = site / SHEET
    sheet.write_text(sheet.read_text().replace("summary: ", "summary: Edited. ", 1))
    events = read_events(sock, lambda event: event["epoch"] >= epoch + 2)
    sock.close()
    # First the sheet's own page is rebuilt; then the pages that show its
    # card (the article that mentions him, the list of people). An event
    # names the pages rebuilt since the reader's page was served, so that
    # only pages that changed reload.
    rebuilt = [line for line in server.lines[before:] if line.startswith("rebuilt in")]
    first, then = (int(re.search(r": (\d+) pages rendered", line).group(1)) for line in rebuilt[:2])
    assert rebuilt[0].endswith("more to follow") and first < then, rebuilt
    assert "/people/ben-wallace/" in events[0]["pages"]
    assert events[-1]["epoch"] == epoch + 2
    later = set().union(*(event["pages"] for event in events))
    assert {"/people/ben-wallace/", "/articles/uk-troops-kabul-2021/", "/people/"} <= later
    assert all(not page.endswith((".xml", ".json")) for page in later)
    assert "Edited." in server.get("/articles/uk-troops-kabul-2021/")[2].decode()


# --------------------------------------------------------------------------
# in a real browser


def test_browser_reloads_on_save_and_shows_the_overlay(served, browser):  # noqa: F811
    site, server = served
    page = open_page(browser, server.url + "articles/uk-troops-kabul-2021/", width=900, height=500)
    try:
        page.evaluate("window.scrollTo(0, 400)")
        page.wait_for_function("window.scrollY >= 399")
        path = site / ARTICLE
        path.write_text(path.read_text().replace("the government has announced.", "the browser saw this edit."))
        page.wait_for_function("document.body.innerText.includes('the browser saw this edit.')", timeout=20000)
        page.wait_for_function("window.scrollY >= 399", timeout=5000)  # the reload kept the reader's place

        sheet = site / SHEET
        good = sheet.read_text()
        sheet.write_text(good.replace("name: Ben Wallace", "name: [Ben Wallace"))
        overlay = page.locator("#sitegen-overlay")
        overlay.wait_for(state="visible", timeout=20000)
        assert "content/people/ben-wallace.yaml:2:8: error" in overlay.inner_text()
        sheet.write_text(good)
        overlay.wait_for(state="detached", timeout=20000)
    finally:
        page.context.close()


def test_the_watcher_waits_its_patience_for_a_save_then_gives_an_empty_batch(tmp_path):
    from sitegen.watch import ChangeWatcher

    (tmp_path / "content/articles").mkdir(parents=True)
    watcher = ChangeWatcher(tmp_path)
    watcher.start()
    stop = threading.Event()
    try:
        started = time.monotonic()
        assert watcher.next_batch(stop, wait=False, patience=0.3) == set()
        assert time.monotonic() - started >= 0.29
        assert watcher.next_batch(stop, wait=False) == set()  # no patience: at once
        timer = threading.Timer(0.1, lambda: (tmp_path / "content/articles/a.md").write_text("---\ntitle: A\n---\n"))
        timer.start()
        started = time.monotonic()
        assert watcher.next_batch(stop, wait=False, patience=5.0) == {"content/articles/a.md"}
        assert time.monotonic() - started < 4.0
        timer.join()
    finally:
        stop.set()
        watcher.stop()
