"""Accessibility of the default theme, checked in a real browser.

axe-core (installed with npm into tests/.node on first use) runs in headless
Chromium on a home, article, entity and index page, in the light and the dark
colour scheme; plus what axe cannot judge alone: a working skip link,
landmarks, the page language, and a visible focus ring on every control.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import browser, open_page, run_axe, serve_static  # noqa: F401 (fixture)
from conftest import REPO, sitegen

PAGES = {
    "home": "",
    "article": "articles/uk-troops-kabul-2021/",
    "person": "people/ben-wallace/",
    "place": "places/kabul/",
    "event": "events/uk-troop-deployment-kabul-2021/",
    "kind index": "people/",
    "article index": "articles/",
    "timeline": "timeline/",
    "free page": "about/",
    "not found": "404.html",
}
SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The example site, built for a sub-path and served under it."""
    out = tmp_path_factory.mktemp("a11y") / "site"
    run = sitegen("build", REPO, "-o", out, "-q", "--base-url", "https://example.org/tracker/")
    assert run.code == 0, run.stderr
    with serve_static(out, "/tracker/") as url:
        yield url


@pytest.fixture(params=SCHEMES)
def scheme(request) -> str:
    return request.param


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_violation(browser, served, scheme, name):  # noqa: F811
    page = open_page(browser, served + PAGES[name], color_scheme=scheme)
    try:
        # The page really is in that scheme (the dark palette is a different one).
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
        results = run_axe(page)
    finally:
        page.context.close()
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name} ({scheme}):\n" + describe(serious)
    # Lesser findings are worth fixing too; none is expected from the theme.
    assert not results["violations"], f"{name} ({scheme}):\n" + describe(results["violations"])


def test_the_colour_schemes_differ(browser, served):  # noqa: F811
    colours = {}
    for scheme in SCHEMES:
        page = open_page(browser, served, color_scheme=scheme)
        colours[scheme] = page.evaluate("[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
        page.context.close()
    assert colours["light"] != colours["dark"]


@pytest.mark.parametrize("name", ["home", "article", "person", "kind index"])
def test_landmarks_language_and_title(browser, served, name):  # noqa: F811
    page = open_page(browser, served + PAGES[name])
    try:
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.title()
        assert page.get_by_role("banner").count() == 1
        assert page.get_by_role("main").count() == 1
        assert page.get_by_role("contentinfo").count() == 1
        assert page.get_by_role("navigation", name="Main").count() == 1
        assert page.locator("h1").count() == 1
        # Every bit of text sits in a landmark.
        outside = page.evaluate(
            """() => [...document.body.querySelectorAll('*')].filter(e =>
                e.children.length === 0 && e.textContent.trim() && !e.closest('header, nav, main, footer, aside, .skip-link')
            ).map(e => e.outerHTML)"""
        )
        assert not outside, outside
    finally:
        page.context.close()


@pytest.mark.parametrize("scheme_name", SCHEMES)
def test_the_skip_link_is_first_visible_on_focus_and_reaches_main(browser, served, scheme_name):  # noqa: F811
    page = open_page(browser, served + PAGES["article"], color_scheme=scheme_name)
    try:
        link = page.locator("a.skip-link")
        box = link.bounding_box()
        assert box is None or box["y"] + box["height"] <= 0 or box["x"] + box["width"] <= 0, "hidden until focused"
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
        assert focused == ["skip-link", "#main"]
        box = link.bounding_box()
        assert box is not None and box["y"] >= 0 and box["x"] >= 0 and box["width"] > 20, box
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        # The next Tab continues inside the main content, past the navigation.
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('main')")
    finally:
        page.context.close()


@pytest.mark.parametrize("scheme_name", SCHEMES)
def test_focus_is_visible_on_every_control(browser, served, scheme_name):  # noqa: F811
    """Tabbing through a page, every focused element draws an outline that
    differs from the page background."""
    page = open_page(browser, served + PAGES["person"], color_scheme=scheme_name)
    try:
        count = page.evaluate("document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]').length")
        seen = 0
        for _ in range(min(count, 60)):
            page.keyboard.press("Tab")
            style = page.evaluate(
                """() => {
                    const e = document.activeElement, s = getComputedStyle(e);
                    return {tag: e.tagName, text: e.textContent.trim().slice(0, 40), style: s.outlineStyle,
                            width: parseFloat(s.outlineWidth), colour: s.outlineColor,
                            background: getComputedStyle(document.body).backgroundColor};
                }"""
            )
            if style["tag"] == "BODY":
                break
            seen += 1
            assert style["style"] not in ("none", "hidden") and style["width"] >= 2, style
            assert style["colour"] != style["background"], style
        assert seen >= 10
    finally:
        page.context.close()


def test_pages_are_readable_without_javascript(browser, served):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for name in ("home", "article", "person", "timeline"):
            page.goto(served + PAGES[name])
            assert page.locator("main h1").inner_text().strip()
            assert len(page.locator("main").inner_text()) > 200
    finally:
        context.close()
