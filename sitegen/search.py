"""Full-text search: a Pagefind index over the built HTML, made at build time.

Pagefind (PyPI `pagefind[bin]`, which ships the binary) reads HTML files and
writes a static index plus its search UI under `pagefind/`; the browser
loads only those files, so `/search/` works offline and from any host.

The build keeps its output in memory until it swaps it into place, so the
index is made from that: the pages to index are written to a temporary
folder, Pagefind writes its bundle into another one, and the bundle comes
back as `{output path: bytes}` for the build to write with everything else
(atomically, and only when the build succeeds).

Only content pages are indexed (articles, fact sheets, free pages): the
listings (home, indexes, tags, timeline) would only echo their titles. The
theme marks `<main>` with `data-pagefind-body`, so navigation and footers
stay out of the index, and the parts of a page that repeat other pages
(quoted mentions, related entities, the infobox) are left out too, so a
name finds its own page first and the index stays small.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

from sitegen.diagnostics import ERROR, Diagnostic, Position
from sitegen.model import KINDS

BUNDLE_DIR = "pagefind"
"""Where the index and UI go in the output (the search page loads them from there)."""

LISTINGS = {"index.html", "404.html", "search/index.html", "timeline/index.html", "articles/index.html", "tags/index.html"}
TIMEOUT = 900
EXCLUDED = (
    "blockquote.mention",  # an entity page quotes the sentences that mention it: already indexed with their article
    ".related",  # entities sharing articles: names of other entities, not this page's content
    ".infobox",  # the current values, repeated from the facts
    "section[aria-labelledby='in-this-article']",  # an article's list of the entities it names
    ".feed-link",  # "Follow ... (Atom feed)"
    ".graph-figure",  # the picture of an entity's connections: names of other entities
    ".visually-hidden",
)
"""Parts of the default theme's pages that only repeat what other pages say."""

Progress = Callable[[str, int, int], None]


class SearchError(Exception):
    """Pagefind is missing or failed; the message says what to do."""


def pagefind_executable() -> Path | None:
    """The Pagefind binary: $PAGEFIND_BINARY_PATH, the one in `pagefind[bin]`, or one on PATH."""
    env = os.environ.get("PAGEFIND_BINARY_PATH")
    if env:
        return Path(env)
    try:
        from pagefind_bin import get_executable  # the binary shipped by `pagefind[bin]`

        return Path(get_executable())
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(found) if found else None


def indexed_pages(files: dict[str, bytes]) -> list[str]:
    """The output HTML files worth searching: articles, entities, free pages."""
    pages = []
    for rel in sorted(files):
        if not rel.endswith(".html") or rel in LISTINGS or rel.startswith((BUNDLE_DIR + "/", "tags/", "graph/")):
            continue
        if rel.count("/") == 1 and rel.split("/")[0] in KINDS:  # people/index.html
            continue
        pages.append(rel)
    return pages


def search_files(files: dict[str, bytes], language: str | None = None) -> dict[str, bytes]:
    """The Pagefind bundle for these output files, as {'pagefind/...': bytes}.

    Raises SearchError when Pagefind is missing or fails.
    """
    binary = pagefind_executable()
    if binary is None or not binary.is_file():
        raise SearchError("Pagefind is not installed (pip install 'pagefind[bin]'), or set `search: false` in sitegen.yaml")
    try:
        return _run_pagefind(binary, files, language)
    except OSError as err:  # a full disk, a temporary folder that cannot be written
        where = f" ({err.filename})" if err.filename else ""
        full = " (is the disk full?)" if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else ""
        raise SearchError(f"cannot make the search index in a temporary folder: {err.strerror or err}{where}{full}") from None


def _run_pagefind(binary: Path, files: dict[str, bytes], language: str | None) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="sitegen-search-") as tmp:
        site = Path(tmp) / "site"
        bundle = Path(tmp) / "bundle"
        site.mkdir()
        for rel in indexed_pages(files):
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[rel])
        command = [str(binary), "--site", str(site), "--output-path", str(bundle), "--silent", "--exclude-selectors", ", ".join(EXCLUDED)]
        if language:
            command += ["--force-language", language.split("-")[0].lower()]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise SearchError(f"Pagefind could not run: {err}") from None
        if proc.returncode != 0 or not bundle.is_dir():
            output = " ".join((proc.stderr + proc.stdout).split())[-400:]
            raise SearchError(f"Pagefind failed (exit {proc.returncode}): {output or 'no output'}")
        bundle_files = {}
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                bundle_files[f"{BUNDLE_DIR}/{path.relative_to(bundle).as_posix()}"] = path.read_bytes()
        return bundle_files


def add_search_index(result, progress: Progress | None = None) -> None:
    """Adds the search bundle to a rendered `BuildResult` (in place).

    Does nothing when the build produced no files (it failed) or the site
    turns search off; a Pagefind failure becomes an error diagnostic, which
    fails the build and leaves the previous output untouched.
    """
    if not result.files or result.graph is None:
        return
    config = result.graph.site.config
    if not config.search:
        return
    pages = len(indexed_pages(result.files))
    if progress is not None:
        progress("indexing for search", 0, pages)
    try:
        result.files.update(search_files(result.files, config.language))
    except SearchError as err:
        result.diagnostics.append(Diagnostic(Position("sitegen.yaml", 1, 1), ERROR, "search", str(err)))
        result.files = {}
    if progress is not None:
        progress("indexing for search", pages, pages)
