"""The dev server lets no one in: loopback by default, Host checked against
DNS rebinding, no path leaves the preview folder, only GET and HEAD.

tests/test_serve.py covers the basic cases (plain, %2e and %252e traversal,
backslashes, NUL, Host: evil.example, POST/PUT/DELETE/OPTIONS, the 0.0.0.0
warning); this file covers the rest.
"""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest

from conftest import copy_example, write_site
from test_serve import ServeProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = copy_example(tmp_path_factory.mktemp("security") / "site")
    process = ServeProcess(site)
    yield process
    process.stop()


def raw(port: int, request: bytes, host: str = "127.0.0.1") -> bytes:
    """Sends `request` as is (no client-side normalisation) and returns the whole response."""
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(request)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = re.search(rb"content-length: *(\d+)", head, re.I)
            if length and len(body) >= int(length.group(1)):
                break
    return received


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


# --------------------------------------------------------------------------
# Host header (DNS rebinding)


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        "127.0.0.1.evil.com",
        "localhost.evil.com",
        "localhost.evil.com:{port}",
        "127.0.0.1.nip.io:{port}",
        "evil.com:{port}",
        "localhost@evil.com",
        "evil.com#@localhost",
        "[::1].evil.com",
        "[::1]evil",
        "localhost:{port}.evil.com",
        "localhost:evil",
        "",
        " ",
    ],
)
def test_rebinding_host_names_are_refused(server, host):
    request = f"GET / HTTP/1.1\r\nHost: {host.format(port=server.port)}\r\nConnection: close\r\n\r\n".encode()
    response = raw(server.port, request)
    assert status_of(response) == 403, host
    assert b"<html" not in response


def test_missing_or_repeated_host_header_is_refused(server):
    assert status_of(raw(server.port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")) == 403
    twice = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nHost: evil.com\r\nConnection: close\r\n\r\n".encode()
    assert status_of(raw(server.port, twice)) == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:{port}", "LOCALHOST:{port}", "localhost", "[::1]", "[::1]:{port}", "127.0.0.2:{port}"])
def test_loopback_names_and_addresses_are_accepted(server, host):
    assert server.get("/", host=host.format(port=server.port))[0] == 200


def test_the_event_stream_checks_the_host_too(server):
    response = raw(server.port, b"GET /_sitegen/events HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n")
    assert status_of(response) == 403 and b"event-stream" not in response


# --------------------------------------------------------------------------
# paths


@pytest.mark.parametrize(
    "path",
    [
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",  # overlong UTF-8 '.'
        "/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd",  # overlong '.' and '/'
        "/%e0%80%ae%e0%80%ae/etc/passwd",  # three-byte overlong '.'
        "/%c1%9c..%c1%9c..%c1%9cetc%c1%9cpasswd",  # overlong '\\'
        "/%2E%2E/%2E%2E/etc/passwd",
        "/.%2e/.%2e/etc/passwd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/..%255c..%255cetc%255cpasswd",
        "/%25252e%25252e/etc/passwd",
        "/people/../../../../etc/passwd",
        "/./.././../etc/passwd",
        "//../../etc/passwd",
        "/people/..%5c..%5c..%5cetc%5cpasswd",
        "/..;/..;/etc/passwd",
        "/%u002e%u002e/%u002e%u002e/etc/passwd",
        "/%ef%bc%8e%ef%bc%8e/etc/passwd",  # full-width dots are just names
        "http://127.0.0.1/../../etc/passwd",
        "/%0d%0aSet-Cookie:%20pwned=1",
        "/people%0d%0aSet-Cookie:%20pwned=1",
        "/%ff%fe",
    ],
)
def test_path_traversal_variants_are_refused(server, path):
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n\r\n".encode()
    response = raw(server.port, request)
    assert status_of(response) in (400, 404), response[:300]
    assert b"root:" not in response
    head = response.split(b"\r\n\r\n", 1)[0]
    assert b"pwned" not in head


@pytest.mark.parametrize("path", ["/.sitegen-manifest.json", "/.sitegen-journal.json", "/.sitegen-staging/0", "/people/.hidden"])
def test_bookkeeping_files_are_not_served(server, path):
    assert server.get(path)[0] == 404


def test_redirect_location_is_encoded(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/articles/report.md": "---\ntitle: Report\ndate: 2024-01-05\ntags: [\u00e9t\u00e9 news]\n---\nBody.\n",
    })
    process = ServeProcess(site)
    try:
        listing = process.get("/tags/")[2].decode()
        tag_url = re.search(r'href="(/tags/[^"]+/)"', listing).group(1)
        status, headers, _ = process.get(tag_url.rstrip("/"))
        assert status == 301
        location = headers["Location"]
        assert location.isascii() and location.rstrip("/") == tag_url.rstrip("/")
        assert process.proc.poll() is None
    finally:
        process.stop()
    assert "Traceback" not in "\n".join(process.lines)


# --------------------------------------------------------------------------
# methods


@pytest.mark.parametrize("method", ["PATCH", "TRACE", "CONNECT", "PROPFIND", "MKCOL", "FOO"])
def test_methods_other_than_get_and_head(server, method):
    target = "127.0.0.1:80" if method == "CONNECT" else "/"
    request = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Secret: echo-me\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
    response = raw(server.port, request)
    assert status_of(response) == 405, response[:200]
    assert b"allow: get, head" in response.lower()
    assert b"echo-me" not in response and response.split(b"\r\n\r\n", 1)[1] == b""


def test_head_sends_no_body(server):
    response = raw(server.port, f"HEAD /people/ben-wallace/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n\r\n".encode())
    head, _, body = response.partition(b"\r\n\r\n")
    assert status_of(response) == 200 and body == b""
    assert b"nosniff" in head.lower()


# --------------------------------------------------------------------------
# binding


def lan_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.255.255.255", 1))
            address = sock.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_loopback_by_default_and_no_warning(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert not any("reachable from other machines" in line for line in server.lines)
    address = lan_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(OSError):
        socket.create_connection((address, server.port), timeout=5).close()


@pytest.mark.parametrize("host", ["localhost", "::1"])
def test_other_loopback_binds_do_not_warn(tmp_path, host):
    if host == "::1" and not socket.has_ipv6:
        pytest.skip("no IPv6")
    site = write_site(tmp_path / "site", {"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"})
    try:
        process = ServeProcess(site, "--host", host)
    except AssertionError as err:
        if "cannot listen" in str(err):
            pytest.skip(f"cannot bind {host} here")
        raise
    try:
        assert not any("reachable from other machines" in line for line in process.lines)
    finally:
        process.stop()


def test_wildcard_bind_warns_and_still_checks_host(tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"})
    process = ServeProcess(site, "--host", "0.0.0.0")
    try:
        assert any("reachable from other machines" in line for line in process.lines)
        assert process.get("/about/", host="evil.com")[0] == 403
        assert process.get("/about/", host=f"localhost.evil.com:{process.port}")[0] == 403
        address = lan_address() or "127.0.0.1"
        # a colleague who opens http://<this machine's address>:port/ is let in
        assert process.get("/about/", host=f"{address}:{process.port}")[0] == 200
    finally:
        process.stop()


# --------------------------------------------------------------------------
# the error overlay quotes content safely


def test_overlay_messages_cannot_break_out_of_the_script(tmp_path):
    site = copy_example(tmp_path / "site")
    process = ServeProcess(site)
    try:
        sheet = site / "content/people/ben-wallace.yaml"
        sheet.write_text(sheet.read_text() + '"<!--<script>": 1\n"</script><script>alert(1)</script>": 2\n')
        body = process.wait_for("/people/ben-wallace/", lambda b: b"unknown field" in b).decode()
        script = body[body.index("var epoch"):]
        script = script[: script.index("</script>")]
        assert "<!--" not in script and "<script" not in script
        assert "\\u003c!--\\u003cscript\\u003e" in script
        assert body.rstrip().endswith("</html>")
    finally:
        process.stop()
