"""`sitegen publish TARGET`: only a site that passes `check --strict` is
published; a folder or rsync target gets only the changed files and loses
stale ones; a git target gets the site as the whole content of a branch."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import sitegen

from sitegen.publish import Target, TargetError, parse_target

GIT = shutil.which("git")
RSYNC = shutil.which("rsync")


def git(*args, cwd=None) -> str:
    proc = subprocess.run(["git", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def site(tmp_path) -> Path:
    site = tmp_path / "site"
    assert sitegen("init", site).code == 0
    return site


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """rel path → (inode, mtime_ns, bytes) of every file under `folder`."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            files[path.relative_to(folder).as_posix()] = (stat.st_ino, stat.st_mtime_ns, path.read_bytes())
    return files


def built(site: Path, tmp_path: Path, name: str = "reference") -> dict[str, bytes]:
    """What `sitegen build` makes of the site now, without its manifest."""
    out = tmp_path / name
    run = sitegen("build", site, "-o", out, "-q")
    assert run.code == 0, run.stderr
    return {rel: data for rel, (_, _, data) in snapshot(out).items() if rel != ".sitegen-manifest.json"}


def edit_about(site: Path) -> None:
    about = site / "content" / "pages" / "about.md"
    about.write_text(about.read_text("utf-8") + "\nA new closing paragraph.\n", encoding="utf-8")


def break_quote(site: Path) -> None:
    person = site / "content" / "people" / "ana-ruiz.yaml"
    person.write_text(person.read_text("utf-8").replace('quote: "Mayor Ana Ruiz said"', 'quote: "Mayor Ana Ruiz shouted"'), encoding="utf-8")


def add_unsourced_fact(site: Path) -> None:
    place = site / "content" / "places" / "riverton.yaml"
    place.write_text(place.read_text("utf-8") + "  - claim: Population\n    value: 52000\n", encoding="utf-8")


# -- TARGET ------------------------------------------------------------------------


def test_parse_target(tmp_path):
    assert parse_target("public", tmp_path) == Target("folder", "public")
    assert parse_target("/srv/www/site", tmp_path) == Target("folder", "/srv/www/site")
    assert parse_target("./a:b", tmp_path).kind == "folder"
    assert parse_target("web.example.org:/var/www/site", tmp_path) == Target("rsync", "web.example.org:/var/www/site")
    assert parse_target("deploy@web:site/", tmp_path) == Target("rsync", "deploy@web:site/")
    assert parse_target("rsync://host/module/path", tmp_path) == Target("rsync", "rsync://host/module/path")
    assert parse_target("git+https://github.com/o/r.git#gh-pages", tmp_path) == Target("git", "https://github.com/o/r.git", "gh-pages")
    assert parse_target("git+git@github.com:o/r.git#pages", tmp_path) == Target("git", "git@github.com:o/r.git", "pages")
    assert parse_target("git+ssh://git@host/r.git", tmp_path) == Target("git", "ssh://git@host/r.git", "gh-pages")
    bare = tmp_path / "bare.git"
    bare.mkdir()
    assert parse_target(f"git+{bare}#site", tmp_path) == Target("git", str(bare.resolve()), "site")
    with pytest.raises(TargetError):
        parse_target("git+/x#bad..name", tmp_path)
    with pytest.raises(TargetError, match="not in a git repository"):
        parse_target("git:gh-pages", tmp_path)


def test_a_malformed_target_is_a_usage_error(site):
    assert sitegen("publish", "git+#gh-pages", site).code == 2
    assert sitegen("publish", "git:", site).code == 2
    assert sitegen("publish", "git:gh-pages", site).code == 2  # not a git repository


# -- a local folder --------------------------------------------------------------------


def test_publish_to_a_folder_copies_only_what_changed(site, tmp_path):
    target = tmp_path / "www"
    run = sitegen("publish", target, site)
    assert run.code == 0, run.stderr
    assert "published to" in run.stdout
    first = snapshot(target)
    assert {rel: data for rel, (_, _, data) in first.items()} == built(site, tmp_path, "one")
    assert ".sitegen-manifest.json" not in first
    assert "search/meta.json" in first and "assets/search.js" in first
    assert not (site / "output").exists(), "publish builds in a temporary folder"

    # A stale file and folder from an older publish, and one page that changes.
    (target / "old-page").mkdir()
    (target / "old-page" / "index.html").write_text("stale")
    (target / "stale.txt").write_text("stale")
    edit_about(site)
    time.sleep(0.02)
    before = snapshot(target)

    run = sitegen("publish", target, site)
    assert run.code == 0, run.stderr
    after = snapshot(target)
    assert {rel: data for rel, (_, _, data) in after.items()} == built(site, tmp_path, "two")
    assert not (target / "old-page").exists() and not (target / "stale.txt").exists()

    rewritten = {rel for rel in after if rel in before and after[rel][:2] != before[rel][:2]}
    changed = {rel for rel in after if rel in before and after[rel][2] != before[rel][2]}
    assert "about/index.html" in changed
    assert rewritten == changed, "a file was rewritten although its bytes did not change, or the reverse"
    assert "people/ana-ruiz/index.html" in after and "people/ana-ruiz/index.html" not in rewritten

    run = sitegen("publish", target, site)
    assert run.code == 0 and "0 copied, 0 removed" in run.stdout
    assert snapshot(target) == after

    # A page that goes away takes its folder with it.
    (site / "content" / "pages" / "about.md").unlink()
    (site / "content" / "pages" / "colophon.md").write_text("---\ntitle: Colophon\n---\nMade with sitegen.\n")
    run = sitegen("publish", target, site)
    assert run.code == 0, run.stderr
    assert {rel: data for rel, (_, _, data) in snapshot(target).items()} == built(site, tmp_path, "three")
    assert not (target / "about").exists()
    assert (target / "colophon" / "index.html").is_file()


def test_a_site_with_a_warning_is_not_published(site, tmp_path):
    target = tmp_path / "www"
    assert sitegen("publish", target, site).code == 0
    before = snapshot(target)
    edit_about(site)
    add_unsourced_fact(site)
    run = sitegen("publish", target, site)
    assert run.code == 1
    assert "warning:" in run.stderr and "not published" in run.stderr
    assert snapshot(target) == before


def test_a_site_with_an_error_is_not_published(site, tmp_path):
    target = tmp_path / "www"
    break_quote(site)
    run = sitegen("publish", target, site)
    assert run.code == 1
    assert "error:" in run.stderr and "not published" in run.stderr
    assert not target.exists()


def test_publish_refuses_folders_it_must_not_replace(site, tmp_path):
    busy = tmp_path / "documents"
    busy.mkdir()
    (busy / "thesis.txt").write_text("mine")
    run = sitegen("publish", busy, site)
    assert run.code == 1 and "not empty" in run.stderr
    assert [p.name for p in busy.iterdir()] == ["thesis.txt"]

    assert sitegen("publish", site, site).code == 1
    assert sitegen("publish", site / "content" / "www", site).code == 1
    assert not (site / "content" / "www").exists()

    assert sitegen("build", site, "-q").code == 0
    run = sitegen("publish", site / "output", site)
    assert run.code == 1 and "build output folder" in run.stderr


def test_publish_with_a_base_url(site, tmp_path):
    target = tmp_path / "www"
    run = sitegen("publish", target, site, "--base-url", "https://example.org/tracker/")
    assert run.code == 0, run.stderr
    home = (target / "index.html").read_text("utf-8")
    assert 'href="/tracker/assets/style.css"' in home


# -- rsync ------------------------------------------------------------------------------


@pytest.fixture
def rsync_daemon(tmp_path):
    """An rsync daemon on 127.0.0.1 serving module 'site' from a temporary folder."""
    if RSYNC is None:
        pytest.skip("rsync is not installed (scripts/test installs it)")
    dest = tmp_path / "rsync-dest"
    dest.mkdir()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "rsyncd.conf"
    config.write_text(
        f"use chroot = no\npid file = {tmp_path / 'rsyncd.pid'}\nlog file = {tmp_path / 'rsyncd.log'}\n"
        f"uid = {os.getuid()}\ngid = {os.getgid()}\n"
        f"[site]\npath = {dest}\nread only = no\n"
    )
    daemon = subprocess.Popen(
        [RSYNC, "--daemon", "--no-detach", f"--config={config}", f"--port={port}", "--address=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or daemon.poll() is not None:
                    pytest.fail("the rsync daemon did not start")
                time.sleep(0.05)
        yield f"rsync://127.0.0.1:{port}/site/", dest
    finally:
        daemon.terminate()
        daemon.wait(10)


def test_publish_with_rsync(site, tmp_path, rsync_daemon):
    url, dest = rsync_daemon
    run = sitegen("publish", url, site)
    assert run.code == 0, run.stderr
    assert {rel: data for rel, (_, _, data) in snapshot(dest).items()} == built(site, tmp_path, "one")

    (dest / "stale.html").write_text("stale")
    edit_about(site)
    time.sleep(0.02)
    before = snapshot(dest)
    run = sitegen("publish", url, site)
    assert run.code == 0, run.stderr
    after = snapshot(dest)
    assert {rel: data for rel, (_, _, data) in after.items()} == built(site, tmp_path, "two")
    assert "stale.html" not in after
    rewritten = {rel for rel in after if rel in before and after[rel][:2] != before[rel][:2]}
    changed = {rel for rel in after if rel in before and after[rel][2] != before[rel][2]}
    assert "about/index.html" in changed
    assert rewritten == changed


def test_rsync_failure_is_reported(site):
    if RSYNC is None:
        pytest.skip("rsync is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = sitegen("publish", f"rsync://127.0.0.1:{port}/nothing/", site)
    assert run.code == 1
    assert "rsync to" in run.stderr and "failed" in run.stderr


# -- git ---------------------------------------------------------------------------------


@pytest.fixture
def bare(tmp_path) -> Path:
    if GIT is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "remote.git"
    git("init", "-q", "--bare", repo)
    return repo


def clone_files(bare: Path, branch: str, dest: Path) -> dict[str, bytes]:
    git("clone", "-q", "--branch", branch, bare, dest)
    return {rel: data for rel, (_, _, data) in snapshot(dest).items() if not rel.startswith(".git/")}


def test_publish_to_a_git_branch(site, tmp_path, bare):
    run = sitegen("publish", f"git+{bare}#gh-pages", site, "-m", "First publish")
    assert run.code == 0, run.stderr
    assert "published commit" in run.stdout
    expected = built(site, tmp_path, "one")
    files = clone_files(bare, "gh-pages", tmp_path / "clone1")
    assert files == {**expected, ".nojekyll": b""}
    assert git("log", "--format=%s", "gh-pages", cwd=bare).split("\n")[0] == "First publish"

    edit_about(site)
    (site / "content" / "pages" / "colophon.md").write_text("---\ntitle: Colophon\n---\nMade with sitegen.\n")
    run = sitegen("publish", f"git+{bare}#gh-pages", site)
    assert run.code == 0, run.stderr
    expected = built(site, tmp_path, "two")
    files = clone_files(bare, "gh-pages", tmp_path / "clone2")
    assert files == {**expected, ".nojekyll": b""}
    assert len(git("rev-list", "gh-pages", cwd=bare).split()) == 2, "each publish is one commit on top of the last"

    run = sitegen("publish", f"git+{bare}#gh-pages", site)
    assert run.code == 0 and "already up to date" in run.stdout
    assert len(git("rev-list", "gh-pages", cwd=bare).split()) == 2

    (site / "content" / "pages" / "colophon.md").unlink()
    assert sitegen("publish", f"git+{bare}#gh-pages", site).code == 0
    files = clone_files(bare, "gh-pages", tmp_path / "clone3")
    assert "colophon/index.html" not in files and "about/index.html" in files


def test_publish_to_the_branch_of_the_sites_own_origin(site, tmp_path, bare):
    git("init", "-q", site)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "sources", cwd=site)
    git("remote", "add", "origin", bare, cwd=site)
    run = sitegen("publish", "git:pages", site)
    assert run.code == 0, run.stderr
    files = clone_files(bare, "pages", tmp_path / "clone")
    assert files == {**built(site, tmp_path), ".nojekyll": b""}
    assert git("branch", "--list", cwd=site).strip() in ("* master", "* main"), "the site's own branches are untouched"
    subject = git("log", "-1", "--format=%s", "pages", cwd=bare).strip()
    assert subject.startswith("Publish site from ")


def test_a_failing_site_is_not_pushed(site, bare):
    assert sitegen("publish", f"git+{bare}#gh-pages", site).code == 0
    tip = git("rev-parse", "gh-pages", cwd=bare)
    break_quote(site)
    run = sitegen("publish", f"git+{bare}#gh-pages", site)
    assert run.code == 1 and "not published" in run.stderr
    assert git("rev-parse", "gh-pages", cwd=bare) == tip


def test_a_rejected_push_is_reported(site, tmp_path):
    run = sitegen("publish", f"git+{tmp_path / 'no-such-remote.git'}#gh-pages", site)
    assert run.code == 1
    assert "git ls-remote failed" in run.stderr


def test_a_refused_push_is_reported(site, bare):
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed today' >&2\nexit 1\n")
    hook.chmod(0o755)
    run = sitegen("publish", f"git+{bare}#gh-pages", site)
    assert run.code == 1
    assert "git push failed" in run.stderr and "pushes are closed today" in run.stderr
    assert git("branch", "--list", cwd=bare).strip() == ""
