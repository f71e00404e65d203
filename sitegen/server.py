"""`sitegen serve`: build into a private folder, serve it over HTTP, rebuild
what a change touches and reload open browsers.

Threads: the main thread runs the build loop; watchdog's observer feeds the
`ChangeWatcher`; `ThreadingHTTPServer` answers each request in its own
thread. `LiveState` is the only thing they share. A page is never served
half-written: files are replaced atomically and requests wait while a
rebuild writes. A failed rebuild keeps the last good pages and shows the
problems in an overlay; the server never dies of a content error.
"""

from __future__ import annotations

import gc
import html
import ipaddress
import itertools
import json
import mimetypes
import posixpath
import shutil
import sys
import tempfile
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, quote, unquote, urlsplit

from sitegen.build import Builder
from sitegen.search import add_search_index
from sitegen.diagnostics import Diagnostic, summary_line
from sitegen.watch import ChangeWatcher, stop_on_interrupt
from sitegen.write import OutputError, write_output

EVENTS_PATH = "/_sitegen/events"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
KEEPALIVE_SECONDS = 15.0
MAX_WAIT_FOR_BUILD = 30.0

RELOAD_SCRIPT = """<script>
(function () {
  var epoch = %(epoch)d, key = "sitegen-scroll:" + location.pathname;
  try {
    var saved = sessionStorage.getItem(key);
    if (saved !== null) { sessionStorage.removeItem(key); var xy = JSON.parse(saved); window.scrollTo(xy[0], xy[1]); }
  } catch (e) {}
  function overlay(errors) {
    var old = document.getElementById("sitegen-overlay");
    if (old) { old.remove(); }
    if (!errors.length) { return; }
    var box = document.createElement("div");
    box.id = "sitegen-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "background:#2b0d0d;color:#ffe9e9;font:14px/1.5 ui-monospace,monospace;padding:12px 16px;border-top:4px solid #ff5c5c";
    var title = document.createElement("strong");
    title.textContent = "sitegen: the last change did not build; this is the last good page";
    box.appendChild(title);
    var list = document.createElement("pre");
    list.style.cssText = "margin:8px 0 0;white-space:pre-wrap";
    list.textContent = errors.join("\\n");
    box.appendChild(list);
    document.body.appendChild(box);
  }
  var here = location.pathname.replace(/index\.html$/, "");
  var source = new EventSource("%(events)s?since=" + epoch);
  source.onmessage = function (message) {
    var data = JSON.parse(message.data);
    if (data.errors.length) { overlay(data.errors); return; }
    overlay([]);
    if (data.epoch > epoch) {
      // pages: the pages rebuilt since `epoch`, or null when anything may have changed
      if (data.pages !== null && data.pages.indexOf(here) < 0) { epoch = data.epoch; return; }
      try { sessionStorage.setItem(key, JSON.stringify([window.scrollX, window.scrollY])); } catch (e) {}
      location.reload();
    }
  };
  overlay(%(errors)s);
})();
</script>
"""


@dataclass
class LiveState:
    """What the build loop publishes to request threads."""

    condition: threading.Condition = field(default_factory=threading.Condition)
    # Must hold `condition` to read or change the fields below.
    epoch: int = 0
    """Number of the last build that changed the output."""
    building: bool = False
    errors: list[str] = field(default_factory=list)
    """`path:line:col: error: message` lines of the last build, [] when it succeeded."""
    stopping: bool = False
    history: list[tuple[int, frozenset[str] | None]] = field(default_factory=list)
    """(epoch, URL paths of the pages it rewrote, or None when it rewrote
    something every page may use) for the last HISTORY_LENGTH epochs."""

    def publish(self, written: list[str] | None, errors: list[str]) -> None:
        """Ends a build that rewrote the output files `written` ([]: none; None: unknown)."""
        with self.condition:
            if written is None or written:
                self.epoch += 1
                self.history = [*self.history[-HISTORY_LENGTH + 1 :], (self.epoch, pages_of(written))]
            if written != [] or errors != self.errors:
                self.errors = errors
                self.condition.notify_all()
            self.building = False
            self.condition.notify_all()

    def snapshot(self) -> tuple[int, list[str]]:
        with self.condition:
            return self.epoch, list(self.errors)

    def pages_since(self, epoch: int) -> list[str] | None:
        """URL paths of the pages rewritten after `epoch`, or None when any page may have changed."""
        with self.condition:
            if self.epoch > epoch and not any(number == epoch + 1 for number, _ in self.history):
                return None  # older than the history
            pages: set[str] = set()
            for number, rewritten in self.history:
                if number > epoch:
                    if rewritten is None:
                        return None
                    pages |= rewritten
            return sorted(pages) if len(pages) <= MAX_PAGES_LISTED else None


HISTORY_LENGTH = 64
MAX_PAGES_LISTED = 500
"""Beyond this many rewritten pages an event says 'anything may have changed'."""
PAGE_SUFFIXES = (".html",)
QUIET_SUFFIXES = (".xml", ".json", ".txt")
"""Files no page shows when open in a browser (feeds, data, sitemap): rewriting them reloads nothing."""


def pages_of(written: list[str] | None) -> frozenset[str] | None:
    """The URL paths of the rewritten pages, or None when a stylesheet, script
    or picture every page may use was rewritten too."""
    if written is None:
        return None
    pages = set()
    for rel in written:
        if rel.endswith(PAGE_SUFFIXES):
            pages.add("/" + rel.removesuffix("index.html"))
        elif not rel.endswith(QUIET_SUFFIXES):
            return None
    return frozenset(pages)


def allowed_hosts(bind_host: str, port: int) -> set[str]:
    """Host names accepted besides IP addresses: loopback names, and the bound
    name when it is not a wildcard."""
    names = set(LOOPBACK_NAMES)
    if bind_host not in ("0.0.0.0", "::", ""):
        names.add(bind_host.lower())
    return names


def host_allowed(header: str, hosts: set[str]) -> bool:
    """Whether a Host header names this server: one of `hosts`, or an IP
    address. A DNS rebinding attack comes with the attacker's domain name
    (evil.example, 127.0.0.1.evil.example, localhost.evil.example), which is
    refused; a browser that reached the server by its address sends that address."""
    host = header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        name, rest = host[: end + 1], host[end + 1 :]
        if end < 0 or rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return False
        literal = name[1:-1]
    else:
        name, _, port = host.partition(":")
        if port and not port.isdigit():
            return False
        literal = name
    if name in hosts:
        return True
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        return False
    return True


def safe_path(request_path: str) -> str | None:
    """The site-relative file path a URL path asks for, or None if it tries to leave the site."""
    path = urlsplit(request_path).path
    decoded = unquote(path, errors="strict")
    # A second decoding round must not reveal anything the first hid (double encoding).
    for text in (path, decoded, unquote(decoded)):
        if "\\" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            return None
        if any(part == ".." for part in text.split("/")):
            return None
    normal = posixpath.normpath("/" + decoded.lstrip("/"))
    if decoded.endswith("/") and normal != "/":
        normal += "/"
    return normal.lstrip("/")


class PreviewHandler(BaseHTTPRequestHandler):
    """Serves the preview folder, the event stream, and the reload script in HTML."""

    server_version = "sitegen"
    protocol_version = "HTTP/1.1"

    # set on the class made per server by `make_server`
    root: Path
    state: LiveState
    hosts: set[str]
    quiet: bool = True

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    # An idle connection is closed after this long (the event stream writes
    # every KEEPALIVE_SECONDS), so idle clients cannot hold threads forever.
    timeout = 120

    def host_ok(self) -> bool:
        values = self.headers.get_all("Host") or []
        return len(values) == 1 and host_allowed(values[0], self.hosts)

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def refuse(self, status: HTTPStatus, text: str) -> None:
        body = f"{status.value} {text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self.handle_get()

    def do_HEAD(self) -> None:
        self.handle_get()

    def _not_allowed(self) -> None:
        self.close_connection = True  # a request body, if any, is not read
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    def __getattr__(self, name: str):
        # every other method (POST, TRACE, PROPFIND, ...) is answered 405
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def handle_get(self) -> None:
        if not self.host_ok():
            self.refuse(HTTPStatus.FORBIDDEN, "Forbidden: unexpected Host header")
            return
        if urlsplit(self.path).path == EVENTS_PATH:
            self.stream_events()
            return
        try:
            rel = safe_path(self.path)
        except UnicodeDecodeError:
            rel = None
        if rel is None:
            self.refuse(HTTPStatus.BAD_REQUEST, "Bad Request: path not allowed")
            return
        if any(part.startswith(".") for part in rel.split("/")):
            self.refuse(HTTPStatus.NOT_FOUND, "Not Found")  # sitegen's own bookkeeping files
            return
        self.wait_for_build()
        self.serve_file(rel)

    def wait_for_build(self) -> None:
        with self.state.condition:
            self.state.condition.wait_for(lambda: not self.state.building or self.state.stopping, timeout=MAX_WAIT_FOR_BUILD)

    def locate(self, rel: str) -> tuple[Path | None, bool]:
        """(the file to send or None, whether to redirect to the folder URL)."""
        root = self.root.resolve()
        target = root / rel
        if rel == "" or rel.endswith("/"):
            target = target / "index.html"
        elif target.is_dir():
            return None, (target / "index.html").is_file()
        try:
            if target.is_file() and target.resolve().is_relative_to(root):
                return target, False
        except OSError:
            pass
        return None, False

    def serve_file(self, rel: str) -> None:
        path, redirect = self.locate(rel)
        if redirect:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", quote("/" + rel + "/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = HTTPStatus.OK
        if path is None:
            status = HTTPStatus.NOT_FOUND
            path = self.root / "404.html"
        try:
            body = path.read_bytes()
        except OSError:
            self.refuse(HTTPStatus.NOT_FOUND, "Not Found")
            return
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/xml", "application/json", "application/javascript", "image/svg+xml"):
            content_type += "; charset=utf-8"
        if path.suffix == ".html":
            body = self.inject(body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the reader went away

    def inject(self, body: bytes) -> bytes:
        epoch, errors = self.state.snapshot()
        # the messages quote content: no '<' may end or derail the script element
        errors_json = json.dumps(errors).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        script = RELOAD_SCRIPT % {"epoch": epoch, "events": EVENTS_PATH, "errors": errors_json}
        data = script.encode("utf-8")
        at = body.rfind(b"</body>")
        return body[:at] + data + body[at:] if at >= 0 else body + data

    def stream_events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command == "HEAD":
            return
        state = self.state
        with state.condition:
            seen = (state.epoch, list(state.errors))
        # The page tells which build served it, so that a build that ended
        # between serving it and this request still reaches it.
        since = parse_qs(urlsplit(self.path).query).get("since", [""])[0]
        if since.isdigit() and int(since) < seen[0]:
            seen = (int(since), seen[1])
        try:
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            while True:
                with state.condition:
                    state.condition.wait_for(lambda: state.stopping or (state.epoch, state.errors) != seen and not state.building, timeout=KEEPALIVE_SECONDS)
                    if state.stopping:
                        return
                    current = (state.epoch, list(state.errors))
                if current != seen:
                    pages = state.pages_since(seen[0])
                    seen = current
                    message = json.dumps({"epoch": current[0], "errors": current[1], "pages": pages})
                    self.wfile.write(f"data: {message}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            return


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        # A reader closing its tab mid-response is not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server(root: Path, state: LiveState, host: str, port: int, quiet: bool = True) -> PreviewServer:
    handler = type("Handler", (PreviewHandler,), {"root": root, "state": state, "hosts": allowed_hosts(host, port), "quiet": quiet})
    server_class = PreviewServer
    if ":" in host:
        import socket

        server_class = type("PreviewServer6", (PreviewServer,), {"address_family": socket.AF_INET6})
    return server_class((host, port), handler)


def format_errors(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.format() for d in diagnostics if d.severity == "error"]


FINISHING_SECONDS = 0.1
"""How long the preview renders pages a save left for later before it
publishes them; it stops sooner when another save comes in."""
FINISHING_PAGES = 30
"""At most this many pages go out together: a save that comes in waits
for them to be written, and on a slow disk writing a page can take as
long as rendering it."""
READERS_FIRST_SECONDS = 0.05
"""How long the pages a save left wait after its own pages are published:
rendering them holds the interpreter, which would slow the answers to the
browsers that reload."""
FULL_COLLECTION_EVERY = 25
"""Rebuilds between two collections that walk everything the preview holds."""


class Preview:
    """The build loop of `serve`: one rebuild per batch of changes."""

    def __init__(self, root: Path, out_dir: Path, state: LiveState, base_url: str, drafts: bool, log=print):
        self.root = root
        self.out_dir = out_dir
        self.state = state
        self.builder = Builder(root, base_url=base_url, drafts=drafts)
        self.log = log
        self.built_once = False
        self.rebuilds = 0
        self.full_collection_at = FULL_COLLECTION_EVERY
        """The count of rebuilds at which the next collection walks everything."""
        self.reported: set[Diagnostic] = set()
        """The diagnostics of the last rebuild."""
        self.manifest: dict[str, str] | None = None
        """What the preview folder holds, as the last write left it."""
        self.save_waiting: Callable[[], bool] = lambda: False
        """Whether a change is waiting to be rebuilt (set by `serve` to ask its watcher)."""
        self.finished = [0.0, 0, 0, 0]
        """Seconds, pages, files written and removed of the slices finishing what a save left."""

    def report(self, seconds: float, rendered: list[str], write, finishing: bool) -> None:
        """Logs a rebuild; the slices that finish what a save left are logged as one."""
        counts = [seconds, len(rendered), len(write.written), len(write.removed)]
        if finishing:
            counts = [a + b for a, b in zip(counts, self.finished)]
        self.finished = counts if self.builder.deferred else [0.0, 0, 0, 0]
        if not (finishing and self.builder.deferred):
            later = ", more to follow" if self.builder.deferred else ""
            self.log(f"rebuilt in {counts[0] * 1000:.0f} ms: {counts[1]} pages rendered, {counts[2]} files written, {counts[3]} removed{later}")

    def rebuild(self, paths: set[str] | None = None, defer: bool = False) -> None:
        """One rebuild; `paths` names the files the watcher saw change (None:
        look at all). With `defer`, the pages that only list what changed
        wait for the next call (see `Builder.render`).

        Requests wait while a rebuild writes, so that a reader never sees
        half of a change, except while the pages a deferring rebuild left
        are written: those only list what the reader has already been shown.
        """
        started = time.perf_counter()
        finishing = paths is not None and not paths and self.builder.deferred
        with self.state.condition:
            self.state.building = not finishing
        written: list[str] | None = []
        try:
            deadline = started + FINISHING_SECONDS
            more = itertools.count(1)  # asked before each page but the first
            budget = (lambda: next(more) < FINISHING_PAGES and time.perf_counter() < deadline and not self.save_waiting()) if finishing else None
            result = self.builder.render(changed=paths, defer=defer and self.built_once, budget=budget)
            if not self.built_once:
                # The search index is made from the whole site, so only at the
                # start; restart the preview to search newer pages.
                add_search_index(result)
            errors = format_errors(result.diagnostics)
            # Each problem is printed once, when it appears, not again at every save.
            for diagnostic in result.diagnostics:
                if diagnostic not in self.reported:
                    self.log(diagnostic.format(), file=sys.stderr)
            self.reported = set(result.diagnostics)
            if not result.errors:
                # The preview folder is the process's own: its manifest stays in memory.
                write = write_output(self.out_dir, result.files, result.removed if self.built_once else None, self.manifest, durable=False)
                self.manifest = write.manifest
                self.built_once = True
                # a page removed: any open page may have linked to it, so all reload
                written = [*write.written, *write.removed] if not write.removed else None
                self.report(time.perf_counter() - started, result.rendered, write, finishing)
            else:
                self.log(summary_line(result.errors, result.warnings) + "; serving the last good pages", file=sys.stderr)
        except OutputError as err:
            self.manifest = None  # read it again: the write may have been cut short
            errors = [f"{self.out_dir}: error: {err}"]
            self.log(errors[0], file=sys.stderr)
        except Exception as err:  # the server must survive anything a rebuild throws
            self.manifest = None
            traceback.print_exc()
            errors = [f"sitegen: error: internal error during rebuild: {type(err).__name__}: {err} (see the terminal)"]
        self.state.publish(written, errors)
        # Now that readers have the new pages (see build.gc_paused): collect
        # what this rebuild left, then freeze the survivors, so the next
        # collection walks only what the next rebuild makes, not the whole
        # site's graph again (seconds at 10,000 articles, during which a
        # save would wait).
        if finishing and self.save_waiting():
            return  # the save first; what this slice left is collected after the next rebuild
        if not finishing:  # the slices that finish a save are not counted
            self.rebuilds += 1
            if self.builder.deferred:
                return  # browsers are reloading the save's pages: the slices that follow collect
        if self.rebuilds >= self.full_collection_at:
            gc.unfreeze()  # now and then, cycles that died among the frozen are freed too
            self.full_collection_at = self.rebuilds + FULL_COLLECTION_EVERY
        gc.collect()
        gc.freeze()


def serve(root: Path, args) -> int:
    """`sitegen serve`: runs until Ctrl-C."""
    stop_on_interrupt()
    host, port = args.host, args.port
    if host not in LOOPBACK_NAMES and not host.startswith("127."):
        print(f"warning: serving on {host}, reachable from other machines; the preview is meant for this machine", file=sys.stderr)
    out_dir = Path(tempfile.mkdtemp(prefix="sitegen-serve-")) / "site"
    state = LiveState()
    try:
        server = make_server(out_dir, state, host, port)
    except OSError as err:
        print(f"sitegen: error: cannot listen on {host}:{port}: {err.strerror or err}", file=sys.stderr)
        shutil.rmtree(out_dir.parent, ignore_errors=True)
        return 2
    actual_port = server.server_address[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{actual_port}/"
    preview = Preview(root, out_dir, state, base_url=url, drafts=getattr(args, "drafts", False))
    watcher = ChangeWatcher(root)
    preview.save_waiting = watcher.has_pending
    watcher.start()
    stop = threading.Event()
    try:
        preview.rebuild()
        thread = threading.Thread(target=server.serve_forever, name="sitegen-http", daemon=True)
        thread.start()
        print(f"serving {root} at {url} (Ctrl-C to stop)", flush=True)
        if getattr(args, "open", False):
            webbrowser.open(url)
        batch: set[str] | None = set()
        while True:
            # The pages of what was saved are shown first; the pages that list
            # it follow unless another save comes first (then they go with it).
            # They start a moment after a save's pages are out, so that the
            # browsers reloading those are not answered behind them.
            patience = READERS_FIRST_SECONDS if batch else 0.0
            batch = watcher.next_batch(stop, wait=not preview.builder.deferred, patience=patience)
            if batch is None:
                break
            preview.rebuild(batch, defer=bool(batch))
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        with state.condition:
            state.stopping = True
            state.condition.notify_all()
        watcher.stop()
        server.shutdown()
        server.server_close()
        shutil.rmtree(out_dir.parent, ignore_errors=True)
        print("stopped", flush=True)
    return 0
