"""Progress on long builds: shown on a terminal, silent when piped or with -q."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, sitegen, write_site

ARTICLES = 300


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    """A generated site of 300 articles and a few fact sheets, with no warning."""
    root = tmp_path_factory.mktemp("big") / "site"
    files = {
        "sitegen.yaml": "title: Progress test\n",
        "content/people/ada-byron.yaml": "name: Ada Byron\naliases: [Ada]\nsummary: Analyst.\n",
        "content/places/lowtown.yaml": "name: Lowtown\nsummary: A town.\n",
        "content/organisations/engine-society.yaml": "name: Engine Society\nsummary: A society.\n",
    }
    for number in range(ARTICLES):
        day = 1 + number % 28
        files[f"content/articles/report-{number:03d}.md"] = (
            f"---\ntitle: Report number {number}\ndate: 2021-{1 + number % 12:02d}-{day:02d}\ntags: [t{number % 7}]\n---\n"
            f"Ada Byron spoke in Lowtown on day {number} about the Engine Society and report {number}.\n\n"
            f"A second paragraph, {number}, with nothing else in it.\n"
        )
    return write_site(root, files)


def run_on_a_terminal(*args: str, timeout: float = 300) -> tuple[int, str]:
    """Runs sitegen with stdin, stdout and stderr on a pseudo-terminal; returns (exit code, what it showed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        cwd=REPO,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_shows_progress(big_site, tmp_path):
    code, shown = run_on_a_terminal("build", big_site, "-o", tmp_path / "out")
    assert code == 0, shown
    assert "Traceback" not in shown
    assert "\rrendering " in shown
    pages = sum(1 for _ in (tmp_path / "out").rglob("*.html"))
    assert pages > ARTICLES
    last = shown.rsplit("\rrendering ", 1)[1]
    done, _, total = last.split()[0].partition("/")
    assert done == total, "the last progress line shows the whole count"
    assert "\r\x1b[K" in shown, "the progress line is cleared when the build ends"
    assert "built " in shown.rsplit("\r\x1b[K", 1)[1], "the summary follows the cleared line"


def test_piped_output_has_no_progress(big_site, tmp_path):
    run = sitegen("build", big_site, "-o", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "\r" not in run.stdout + run.stderr
    assert "rendering" not in run.stdout + run.stderr
    assert "built " in run.stdout


def test_quiet_is_silent_even_on_a_terminal(big_site, tmp_path):
    code, shown = run_on_a_terminal("build", big_site, "-o", tmp_path / "out", "-q")
    assert code == 0, shown
    assert shown.strip() == ""


def test_quiet_still_shows_problems(big_site, tmp_path):
    site = tmp_path / "site"
    write_site(site, {"content/articles/bad.md": "---\ntitle: Bad\n---\nNo date.\n"})
    code, shown = run_on_a_terminal("build", site, "-q")
    assert code == 1
    assert "content/articles/bad.md" in shown and "error" in shown
    assert "rendering" not in shown


def test_publish_shows_progress_on_a_terminal(big_site, tmp_path):
    code, shown = run_on_a_terminal("publish", tmp_path / "www", big_site)
    assert code == 0, shown
    assert "\rrendering " in shown
    assert "published to" in shown
