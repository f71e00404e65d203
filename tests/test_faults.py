"""Faults: a build killed at any moment, an output folder that cannot be
written, a full disk; and in `serve`, files that vanish while being read,
editor droppings, a thousand files changed at once, fifty live-reload
clients reading pages during rebuilds.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_example, sitegen, write_site
from test_serve import ARTICLE, SHEET, ServeProcess

STAGING = ".sitegen-staging"
JOURNAL = ".sitegen-journal.json"


def published(out: Path) -> dict[str, str]:
    """What a web server would publish from the folder: every file but
    sitegen's own bookkeeping (manifest, journal, staging, temporary files),
    path → sha256."""
    files = {}
    for path in out.rglob("*"):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and not rel.startswith((STAGING, ".sitegen-")) and ".sitegen-tmp" not in rel:
            files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


# --------------------------------------------------------------------------
# kill -9 at any moment


def start_build(site: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sitegen", "build", str(site), "-o", str(out), "-q"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its workers
    except ProcessLookupError:
        pass
    proc.wait(30)


def set_title(site: Path, title: str) -> None:
    config = site / "sitegen.yaml"
    config.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", config.read_text("utf-8")), "utf-8")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("generated") / "site"
    subprocess.run([sys.executable, str(REPO / "bench/generate.py"), str(site), "--articles", "2000", "--seed", "7", "-q"], check=True, timeout=600)
    return site


@pytest.mark.timeout(1500)
def test_kill_minus_nine_at_any_moment_loses_nothing(generated, tmp_path):
    """Kill a build of a 2,000-article site at random moments and at the two
    moments that matter most (while it stages files, just after it commits);
    each time the output is the previous build's (or the new one whole, when
    the kill came after the commit), or the commit was made and
    the next build completes it; the next build always succeeds."""
    site, out = generated, tmp_path / "out"
    rng = random.Random(int(os.environ.get("SITEGEN_KILL_SEED", "2024")))
    expected: dict[str, dict[str, str]] = {}
    for title in ("Tracker A", "Tracker B"):  # one title changes every page
        set_title(site, title)
        started = time.monotonic()
        run = sitegen("build", site, "-o", out, "-q", timeout=900)
        assert run.code == 0, run.stderr[-2000:]
        build_seconds = time.monotonic() - started
        expected[title] = published(out)
    assert expected["Tracker A"] != expected["Tracker B"] and len(expected["Tracker A"]) > 3000
    previous = "Tracker B"
    moments = ["staging", "journal"] + [rng.uniform(0.5, build_seconds) for _ in range(3)]
    rng.shuffle(moments)
    log = []
    for moment in moments:
        target = "Tracker A" if previous == "Tracker B" else "Tracker B"
        set_title(site, target)
        proc = start_build(site, out)
        started = time.monotonic()
        if isinstance(moment, float):
            while proc.poll() is None and time.monotonic() - started < moment:
                time.sleep(0.01)
        else:
            marker = out / (STAGING if moment == "staging" else JOURNAL)
            while proc.poll() is None and not marker.exists():
                time.sleep(0.001)
            if moment == "staging":
                time.sleep(0.05)  # some files staged
        finished_before_kill = proc.poll() is not None
        kill_group(proc)
        committed = (out / JOURNAL).exists()
        log.append((moment, round(time.monotonic() - started, 2), "finished" if finished_before_kill else ("committed" if committed else "not committed")))
        now = published(out)
        if finished_before_kill:
            assert now == expected[target], log
        elif not committed:
            # byte for byte the previous build, or the new one whole: a kill
            # just after the commit (its journal gone) while the build exits
            assert now in (expected[previous], expected[target]), log
        run = sitegen("build", site, "-o", out, "-q", timeout=900)
        assert run.code == 0, (log, run.stderr[-2000:])
        assert published(out) == expected[target], log
        assert not (out / JOURNAL).exists() and not (out / STAGING).exists()
        previous = target
    print("kills:", log)
    assert any(state == "committed" for *_, state in log) or any(m == "journal" for m, *_ in log)


# --------------------------------------------------------------------------
# output folder that cannot be written, full disk


SMALL_SITE = {
    "content/articles/report.md": "---\ntitle: Harbour bridge opens\ndate: 2024-01-05\n---\nAda Quill opened the bridge.\n",
    "content/people/ada-quill.yaml": "name: Ada Quill\n",
}


@pytest.mark.parametrize(
    "where",
    ["under /proc", "under a file", "a file itself", "under /sys"],
)
def test_unwritable_output_folder_is_a_clear_error(tmp_path, where):
    site = write_site(tmp_path / "site", SMALL_SITE)
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder\n")
    out = {
        "under /proc": Path("/proc/sitegen-cannot-write-here/out"),
        "under a file": blocker / "out",
        "a file itself": blocker,
        "under /sys": Path("/sys/sitegen-cannot-write-here"),
    }[where]
    run = sitegen("build", site, "-o", out)
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    message = [line for line in run.stderr.splitlines() if "error" in line]
    assert message and str(out) in message[0], run.stderr
    assert any(word in message[0] for word in ("cannot write", "permission denied", "not a folder", "Not a directory", "No such file", "refusing")), message
    assert blocker.read_text() == "not a folder\n"


def test_read_only_output_folder(tmp_path):
    """chmod does not stop root: an immutable folder (chattr +i) does, where the
    file system has it; otherwise this is covered by the /proc and /sys cases."""
    site = write_site(tmp_path / "site", SMALL_SITE)
    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out, "-q").code == 0
    before = published(out)
    (site / "content/articles/report.md").write_text(SMALL_SITE["content/articles/report.md"] + "\nMore.\n")
    locked = False
    if os.geteuid() != 0:
        out.chmod(0o555)
        locked = True
    elif shutil.which("chattr") and subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode == 0:
        locked = True
    if not locked:
        pytest.skip("running as root on a file system without chattr +i: no way to make a folder read-only")
    try:
        run = sitegen("build", site, "-o", out)
    finally:
        if os.geteuid() != 0:
            out.chmod(0o755)
        else:
            subprocess.run(["chattr", "-i", str(out)], capture_output=True)
    assert run.code == 1 and "Traceback" not in run.stderr
    assert "permission denied" in run.stderr or "cannot write" in run.stderr, run.stderr
    assert published(out) == before


def limit_file_size(megabytes: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (megabytes * 2**20, megabytes * 2**20))

    return apply


@pytest.mark.parametrize("search", ["on", "off"])
def test_full_disk_is_a_clear_error_and_the_output_is_untouched(tmp_path, search):
    """A file-size limit (ulimit -f) makes writes fail with EFBIG, as a full
    disk fails them with ENOSPC, while the pages are staged in the output
    folder; with the search index on or off."""
    paragraph = "Ada Quill opened the bridge and the crowd cheered for a long while. " * 20 + "\n\n"
    site = write_site(tmp_path / "site", {
        **SMALL_SITE,
        "content/pages/about.md": "---\ntitle: About\n---\nShort.\n",
        "sitegen.yaml": f"search: {'true' if search == 'on' else 'false'}\n",
    })
    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out, "-q").code == 0
    before = published(out)
    (site / "content/pages/about.md").write_text("---\ntitle: About\n---\n" + paragraph * 3000)  # a 4 MB page
    proc = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", str(site), "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, preexec_fn=limit_file_size(2), timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"no space left|too large|disk", proc.stderr, re.I), proc.stderr
    assert published(out) == before
    assert not (out / STAGING).exists()
    assert sitegen("build", site, "-o", out, "-q").code == 0  # room again: it builds


# --------------------------------------------------------------------------
# serve


def test_a_file_that_vanishes_between_listing_and_reading_is_just_gone(tmp_path, monkeypatch):
    """The build lists the files, then reads them: one deleted in between is
    treated as deleted, not as an error (the watcher's next batch says so)."""
    import sitegen.build as build_module

    site = copy_example(tmp_path / "site")
    listed = build_module.discover

    def discover_then_delete(root, *args, **kwargs):
        paths = listed(root, *args, **kwargs)
        return paths + ["content/articles/vanished.md", "content/people/vanished.yaml"]

    monkeypatch.setattr(build_module, "discover", discover_then_delete)
    result = build_module.Builder(site).render()
    assert result.errors == 0, [d.format() for d in result.diagnostics if d.severity == "error"]
    assert "articles/vanished/index.html" not in result.files


def test_files_deleted_while_serve_reads_them(tmp_path):
    site = copy_example(tmp_path / "site")
    server = ServeProcess(site)
    try:
        stop = time.monotonic() + 8
        number = 0
        while time.monotonic() < stop:
            path = site / "content/articles" / f"flicker-{number % 7}.md"
            temp = path.with_name(f".{path.name}.tmp")  # saved as editors save: whole, then renamed
            temp.write_text(f"---\ntitle: Flicker {number}\ndate: 2021-08-15\n---\nNick Carter, take {number}.\n")
            os.replace(temp, path)
            extras = [site / "static" / f"flicker-{number % 5}.txt", site / "templates" / f"flicker-{number % 3}.html"]
            for extra in extras:
                extra.parent.mkdir(exist_ok=True)
                extra.write_text(f"take {number}\n")
            time.sleep(random.uniform(0, 0.03))
            path.unlink()
            for extra in extras:
                extra.unlink()
            number += 1
        time.sleep(1.5)
        assert server.proc.poll() is None
        status, _, body = server.get("/people/nick-carter/")
        assert status == 200 and b"flicker-" not in body
        assert server.get("/articles/flicker-1/")[0] == 404
        log = "\n".join(server.lines)
        assert "Traceback" not in log and "internal error" not in log, log[-3000:]
        assert not any(": error: " in line and "flicker" in line for line in server.lines), log[-3000:]
    finally:
        server.stop()


EDITOR_FILES = [
    ".uk-troops-kabul-2021.md.swp", ".uk-troops-kabul-2021.md.swx", "uk-troops-kabul-2021.md~", "#uk-troops-kabul-2021.md#",
    ".#uk-troops-kabul-2021.md", "uk-troops-kabul-2021.md.tmp", "uk-troops-kabul-2021.md.bak", "uk-troops-kabul-2021.md.orig",
    "4913", ".DS_Store", "uk-troops-kabul-2021.md.part", "~$troops.md",
]


def test_editor_swap_and_backup_files_are_ignored(tmp_path):
    site = copy_example(tmp_path / "site")
    server = ServeProcess(site)
    try:
        page = "/articles/uk-troops-kabul-2021/"
        before = server.get(page)[2]
        for folder in ("content/articles", "content/people", "templates", "static"):
            (site / folder).mkdir(parents=True, exist_ok=True)
            for name in EDITOR_FILES:
                (site / folder / name.replace("uk-troops-kabul-2021", "x")).write_bytes(b"---\ntitle: [broken\n\x00\xff garbage {{ nope }")
        os.symlink("root@host.1234", site / "content/people/.#ben-wallace.yaml")  # an Emacs lock file
        time.sleep(1.5)
        assert server.proc.poll() is None
        status, _, after = server.get(page)
        assert status == 200
        strip = lambda body: re.sub(rb"var epoch = \d+", b"", body)
        assert strip(after) == strip(before)
        assert not any(": error: " in line or ": warning: " in line for line in server.lines), "\n".join(server.lines)
        # still live: a real save shows up
        path = site / ARTICLE
        path.write_text(path.read_text().replace("the government has announced.", "the editor saved for real."))
        server.wait_for(page, lambda body: b"the editor saved for real." in body)
    finally:
        server.stop()
    assert "Traceback" not in "\n".join(server.lines)


def test_a_thousand_files_changed_at_once(tmp_path):
    site = copy_example(tmp_path / "site")
    articles = site / "content/articles"
    for number in range(500):  # already there when serve starts
        (articles / f"old-{number}.md").write_text(f"---\ntitle: Old {number}\ndate: 2021-08-15\n---\nOld text {number}.\n")
    server = ServeProcess(site)
    try:
        before = server.rebuilds()
        # like a `git checkout`: 500 files rewritten, 250 deleted, 250 added
        for number in range(500):
            path = articles / f"old-{number}.md"
            if number % 2:
                path.unlink()
            else:
                path.write_text(f"---\ntitle: Old {number}\ndate: 2021-08-15\n---\nRewritten text {number} by Ben Wallace.\n")
        for number in range(250):
            (articles / f"new-{number}.md").write_text(f"---\ntitle: New {number}\ndate: 2021-08-16\n---\nNew text {number}.\n")
        body = server.wait_for("/articles/", lambda body: body.count(b"/articles/new-") == 250 and body.count(b"/articles/old-") == 250, timeout=120)
        time.sleep(1.5)
        assert server.rebuilds() - before <= 2, "\n".join(server.lines[-20:])
        assert b"Rewritten text 0 by" in server.get("/articles/old-0/")[2]
        assert server.get("/articles/old-1/")[0] == 404
        assert server.proc.poll() is None
    finally:
        server.stop()
    assert "Traceback" not in "\n".join(server.lines)


def test_fifty_live_clients_reading_during_rebuilds(tmp_path):
    site = copy_example(tmp_path / "site")
    for number in range(60):
        (site / "content/articles" / f"extra-{number}.md").write_text(f"---\ntitle: Extra {number}\ndate: 2021-08-15\n---\nBen Wallace and Nick Carter, note {number}.\n")
    server = ServeProcess(site)
    pages = ["/", "/articles/", "/people/ben-wallace/", "/people/nick-carter/", "/articles/uk-troops-kabul-2021/", "/timeline/", "/articles/extra-7/"]
    problems: list[str] = []
    responses = [0]
    events = [0] * 50
    stop = threading.Event()

    def live_client(index: int) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
            sock.sendall(f"GET /_sitegen/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            sock.settimeout(1)
            received = b""
            while not stop.is_set():
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    problems.append(f"event stream {index} closed")
                    return
                received += chunk
                events[index] = received.count(b"\ndata: ") + received.startswith(b"data: ")
            sock.close()
        except OSError as err:
            problems.append(f"event stream {index}: {err}")

    def reader(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        while not stop.is_set():
            page = rng.choice(pages)
            try:
                connection.request("GET", page, headers={"Host": f"127.0.0.1:{server.port}"})
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as err:
                problems.append(f"{page}: {type(err).__name__}: {err}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                continue
            responses[0] += 1
            if response.status != 200:
                problems.append(f"{page}: status {response.status}")
            elif not body.startswith(b"<!DOCTYPE html>") or not body.rstrip().endswith(b"</html>"):
                problems.append(f"{page}: incomplete page ({len(body)} bytes)")
            elif body.count(b"/_sitegen/events") != 1 or body.rfind(b"/_sitegen/events") > body.rfind(b"</body>"):
                problems.append(f"{page}: reload script missing or misplaced")
        connection.close()

    threads = [threading.Thread(target=live_client, args=(i,), daemon=True) for i in range(50)]
    threads += [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(50)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(1)
        sheet = site / SHEET
        article = site / ARTICLE
        good = sheet.read_text()
        assert re.search(r"(?m)^summary: ", good)
        for round_ in range(8):
            sheet.write_text(re.sub(r"(?m)^summary: .*$", f"summary: Defence Secretary, round {round_}.", good))
            article.write_text(article.read_text() + f"\nEdit number {round_}.\n")
            (site / "content/articles" / f"extra-{round_}.md").write_text(f"---\ntitle: Extra {round_} edited\ndate: 2021-08-15\n---\nEdited {round_}.\n")
            time.sleep(1.0)
        server.wait_for("/articles/uk-troops-kabul-2021/", lambda body: b"Edit number 7." in body, timeout=60)
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        alive = server.proc.poll() is None
        server.stop()
    log = "\n".join(server.lines)
    assert alive
    assert not problems, problems[:20]
    assert responses[0] > 200, responses
    assert server.rebuilds() >= 3, log[-2000:]
    assert min(events) >= 3, events  # every live client heard the reloads
    assert "Traceback" not in log and "internal error" not in log, log[-3000:]
