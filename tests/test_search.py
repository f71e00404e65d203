"""Search: a Pagefind index made at build time, usable offline in the static output."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import browser, open_page, serve_static  # noqa: F401 (fixture)
from conftest import REPO, copy_example, sitegen

from sitegen.search import indexed_pages, pagefind_executable


def search_results(browser, url: str, query: str) -> list[tuple[str, str]]:  # noqa: F811 - the fixture
    """Types `query` into the search page at `url`; returns (title, href) of the results."""
    page = open_page(browser, url)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page.locator(".pagefind-ui__search-input").fill(query)
        page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
        links = page.locator(".pagefind-ui__result-title .pagefind-ui__result-link")
        results = [(link.inner_text().strip(), link.get_attribute("href")) for link in links.all()]
    finally:
        page.context.close()
    assert not failed, f"requests failed: {failed}"
    return results


def test_pagefind_binary_ships_with_the_package():
    binary = pagefind_executable()
    assert binary is not None and binary.is_file()


def test_the_index_covers_content_pages_only():
    files = {
        name: b""
        for name in (
            "index.html", "404.html", "search/index.html", "timeline/index.html", "articles/index.html",
            "articles/a/index.html", "people/index.html", "people/ben/index.html", "tags/index.html",
            "tags/x/index.html", "about/index.html", "feed.xml", "assets/style.css",
        )
    }
    assert indexed_pages(files) == ["about/index.html", "articles/a/index.html", "people/ben/index.html"]


def test_build_writes_the_search_bundle(example_build):
    bundle = example_build / "pagefind"
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"):
        assert (bundle / name).is_file(), name
    assert any((bundle / "fragment").iterdir())
    search_page = (example_build / "search" / "index.html").read_text("utf-8")
    assert 'src="/pagefind/pagefind-ui.js"' in search_page
    assert "data-pagefind-body" in (example_build / "people" / "ben-wallace" / "index.html").read_text("utf-8")


def test_search_finds_a_person_offline(browser, example_build):  # noqa: F811
    with serve_static(example_build) as base:
        results = search_results(browser, base + "search/", "Wallace")
    assert ("Ben Wallace", "/people/ben-wallace/") in results, results


def test_search_works_under_a_sub_path(browser, tmp_path):  # noqa: F811
    out = tmp_path / "site"
    run = sitegen("build", REPO, "-o", out, "-q", "--base-url", "https://example.org/tracker/")
    assert run.code == 0, run.stderr
    assert 'src="/tracker/pagefind/pagefind-ui.js"' in (out / "search" / "index.html").read_text("utf-8")
    with serve_static(out, "/tracker/") as base:
        results = search_results(browser, base + "search/", "Nick Carter")
    assert ("Nick Carter", "/tracker/people/nick-carter/") in results, results


def test_the_search_index_is_reproducible(tmp_path, example_build):
    out = tmp_path / "again"
    run = sitegen("build", REPO, "-o", out, "-q")
    assert run.code == 0, run.stderr
    first = {p.relative_to(example_build): p.read_bytes() for p in (example_build / "pagefind").rglob("*") if p.is_file()}
    second = {p.relative_to(out): p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file()}
    assert first == second


def test_search_false_turns_search_off(tmp_path):
    site = copy_example(tmp_path / "site")
    config = site / "sitegen.yaml"
    config.write_text(config.read_text("utf-8") + "search: false\n", encoding="utf-8")
    run = sitegen("build", site, "-q")
    assert run.code == 0, run.stderr
    out = site / "output"
    assert not (out / "pagefind").exists()
    assert not (out / "search").exists()
    assert "/search/" not in (out / "index.html").read_text("utf-8")


def test_a_missing_pagefind_fails_the_build_cleanly(tmp_path, monkeypatch):
    site = copy_example(tmp_path / "site")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    run = sitegen("build", site, "-q")
    assert run.code == 1
    assert "Pagefind is not installed" in run.stderr
    assert "search: false" in run.stderr
    assert not (site / "output").exists()
