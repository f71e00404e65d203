"""Relation graphs: the SVG on each entity page and the /graph/ pages.

On the example site and on a generated 300-entity site (bench/generate.py):
the SVGs are the same byte for byte from one build to the next (whatever
Python's hash seed), every node is a link that resolves, the graph page
lists every entity, an entity's graph is capped, and the pictures carry
their text alternatives. The example's Kabul is checked against its YAML.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from browser import browser, open_page, run_axe, serve_static  # noqa: F401 (fixture)
from conftest import REPO, sitegen
from html_tools import Element, page, read_page, url_file
from sitegen.graphs import BAND_THRESHOLD, MAX_NEIGHBOURS

KINDS = ("people", "places", "events", "organisations")
SINGULAR = {"people": "person", "places": "place", "events": "event", "organisations": "organisation"}
SVG = re.compile(rb"<svg\b.*?</svg>", re.S)


def build(site: Path, out: Path, seed: str = "0") -> None:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    proc = subprocess.run([sys.executable, "-m", "sitegen", "build", str(site), "-o", str(out), "-q"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def entity_pages(out: Path) -> list[Path]:
    return sorted(p for kind in KINDS if (out / kind).is_dir() for p in (out / kind).glob("*/index.html"))


def graph_pages(out: Path) -> list[Path]:
    return sorted((out / "graph").rglob("index.html"))


def svgs(path: Path) -> list[bytes]:
    return SVG.findall(path.read_bytes())


def entity_urls(out: Path) -> set[str]:
    return {"/" + p.parent.relative_to(out).as_posix() + "/" for p in entity_pages(out)}


def graph_svg(doc: Element, cls: str) -> Element:
    return doc.one("svg", cls=cls)


def node_links(svg: Element) -> list[str]:
    return [a.get("href") for a in svg.find_all("a", cls="node")]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated site of 300 fact sheets (900 articles), built once."""
    root = tmp_path_factory.mktemp("generated")
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), str(root / "site"), "--articles", "900", "-q"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    build(root / "site", root / "out")
    return root / "out"


# --------------------------------------------------------------------------
# deterministic


def test_graph_svgs_are_byte_identical_from_one_build_to_the_next(tmp_path, example_build):
    again = tmp_path / "again"
    build(REPO, again, seed="12345")
    pages = entity_pages(example_build) + graph_pages(example_build)
    assert len(graph_pages(example_build)) == 5  # all, and one view per kind
    drawn = 0
    for path in pages:
        twin = again / path.relative_to(example_build)
        assert svgs(path) == svgs(twin), path
        assert path.read_bytes() == twin.read_bytes(), path
        drawn += bool(svgs(path))
    assert drawn >= len(pages) - 1


def test_generated_site_graphs_are_byte_identical_too(generated, tmp_path):
    site = generated.parent / "site"
    again = tmp_path / "again"
    build(site, again, seed="777")
    for path in graph_pages(generated) + entity_pages(generated)[::7]:
        assert svgs(path) == svgs(again / path.relative_to(generated)), path


# --------------------------------------------------------------------------
# every node a link that resolves


@pytest.mark.parametrize("which", ["example", "generated"])
def test_every_node_of_every_graph_links_to_an_existing_entity_page(which, example_build, request):
    out = example_build if which == "example" else request.getfixturevalue("generated")
    known = entity_urls(out)
    checked = 0
    for path in entity_pages(out) + graph_pages(out):
        doc = read_page(path)
        for svg in doc.find_all("svg", cls="graph-svg"):
            hrefs = node_links(svg)
            assert hrefs, path
            for href in hrefs:
                assert href in known and url_file(out, href).is_file(), f"{path}: {href}"
                checked += 1
            # every node is a link: no marker outside one
            assert len(svg.find_all("a")) == len(hrefs)
    assert checked > 50


def test_an_entity_graph_shows_its_relations_and_links_back_to_the_page(example_build):
    doc = page(example_build, "/places/kabul/")
    svg = graph_svg(doc, "entity-graph")
    linked = set(node_links(svg))
    # Kabul's graph: Afghanistan, and every event held in Kabul (read from the fact sheets).
    events = set()
    for sheet in sorted((REPO / "content" / "events").glob("*.yaml")):
        data = yaml.safe_load(sheet.read_text("utf-8"))
        if "kabul" in (data.get("places") or []):
            events.add(f"/events/{sheet.stem}/")
    assert events, "the example site has events in Kabul"
    assert "/places/afghanistan/" in linked
    assert events <= linked
    # The edges are labelled by relation: Afghanistan's row says how Kabul relates to it.
    afghanistan = next(a for a in svg.find_all("a", cls="node") if a.get("href") == "/places/afghanistan/")
    label = afghanistan.one("text", cls="label").text()
    assert "Part of" in label
    for event in events:
        node = next(a for a in svg.find_all("a", cls="node") if a.get("href") == event)
        assert "Events here" in node.one("text", cls="label").text()
    # Kabul itself is the centre, not a link to itself.
    assert "/places/kabul/" not in linked
    assert "Kabul" in svg.one("g", cls="centre").text()


def test_the_relations_next_to_an_entity_graph_name_every_node(example_build, generated):
    for out in (example_build, generated):
        for path in entity_pages(out)[::3]:
            doc = read_page(path)
            svg = doc.find("svg", cls="entity-graph")
            if svg is None:
                continue
            section = doc.one("section", cls="connections")
            listed = {a.get("href") for a in section.find_all("a") if not any(x.tag == "svg" for x in a.ancestors())}
            assert set(node_links(svg)) <= listed, path


# --------------------------------------------------------------------------
# the graph pages


def test_graph_page_is_in_the_navigation_and_lists_every_entity(example_build):
    home = page(example_build, "/")
    nav = home.one("nav", **{"aria-label": "Main"})
    assert nav.find("a", href="/graph/") is not None
    graph = page(example_build, "/graph/")
    known = entity_urls(example_build)
    svg = graph_svg(graph, "site-graph")
    assert set(node_links(svg)) == known
    listed = {a.get("href") for a in graph.find_all("a", cls="entity")}
    assert listed == known
    # one view per kind, each linked from the others
    views = graph.one("nav", **{"aria-label": "Graph views"})
    assert {a.get("href") for a in views.find_all("a")} == {"/graph/"} | {f"/graph/{SINGULAR[k]}/" for k in KINDS}
    for kind in KINDS:
        view = page(example_build, f"/graph/{SINGULAR[kind]}/")
        assert set(node_links(graph_svg(view, "site-graph"))) == known
        current = view.one("nav", **{"aria-label": "Graph views"}).one("a", **{"aria-current": "page"})
        assert current.get("href") == f"/graph/{SINGULAR[kind]}/"


def test_graph_page_at_300_entities_stays_readable(generated):
    known = entity_urls(generated)
    assert len(known) == 300
    graph = page(generated, "/graph/")
    svg = graph_svg(graph, "site-graph")
    assert set(node_links(svg)) == known
    assert {a.get("href") for a in graph.find_all("a", cls="entity")} == known
    # Not a hairball: past BAND_THRESHOLD relations the view of all sums them
    # up by kinds, and each kind's view draws only its own.
    assert not svg.find_all("path", cls="edge")
    bands = svg.find_all("path", cls="band")
    assert 0 < len(bands) <= 10
    width, height = (float(v) for v in svg.get("viewbox").split()[2:])
    assert width <= 1300 and height <= 1350, (width, height)  # fits a laptop screen at 1:1
    edges = {}
    for kind in KINDS:
        view = graph_svg(page(generated, f"/graph/{SINGULAR[kind]}/"), "site-graph")
        edges[kind] = len(view.find_all("path", cls="edge"))
        assert set(node_links(view)) == known
    assert sum(edges.values()) > BAND_THRESHOLD
    # names are cut to fit, never missing: every node has its full name in its <title>
    for node in svg.find_all("a", cls="node"):
        assert node.one("title").text() and node.one("text").text()


def test_entity_graphs_are_capped_on_a_big_site(generated):
    capped = 0
    for path in entity_pages(generated):
        doc = read_page(path)
        svg = doc.find("svg", cls="entity-graph")
        if svg is None:
            continue
        nodes = node_links(svg)
        assert len(nodes) <= MAX_NEIGHBOURS, path
        assert len(nodes) == len(set(nodes)), path
        caption = doc.one("figure", cls="entity-graph-figure").one("figcaption").text()
        if "closest of" in caption:
            capped += 1
            assert len(nodes) == MAX_NEIGHBOURS
    assert capped >= 5  # the hubs of a Zipf-like site


# --------------------------------------------------------------------------
# accessible, no layout shift


def test_graph_svgs_have_a_title_a_description_and_a_size(example_build):
    for path in entity_pages(example_build) + graph_pages(example_build):
        doc = read_page(path)
        for svg in doc.find_all("svg", cls="graph-svg"):
            assert svg.get("role") is None  # it holds links: not an image
            title = svg.one("title", id=svg.get("aria-labelledby"))
            assert title.parent is svg and title.text()
            desc = svg.one("desc", id=svg.get("aria-describedby"))
            assert desc.parent is svg and desc.text()
            assert float(svg.get("width")) > 0 and float(svg.get("height")) > 0
            for node in svg.find_all("a", cls="node"):
                assert node.one("title").text()


def test_infobox_has_every_current_value_and_links_to_its_history(example_build):
    doc = page(example_build, "/places/kabul/")
    infobox = doc.one("aside", cls="infobox")
    claims = {s.one("h3").text(): s.get("id") for s in doc.find_all("section", cls="claim")}
    rows = {d.find("dt").text(): d for d in infobox.find_all("div") if d.find("dt")}
    for claim, anchor in claims.items():
        assert claim in rows
        assert rows[claim].one("dt").one("a").get("href") == f"#{anchor}"
    # Kabul is now controlled by the Taliban: the infobox shows the current value only
    assert rows["Controlled by"].one("dd").find("a", href="/organisations/taliban/") is not None
    assert "Government of the Islamic Republic" not in rows["Controlled by"].text()


SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def served(example_build):
    with serve_static(example_build) as url:
        yield url


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("path", ["graph/", "graph/place/", "places/kabul/"])
def test_axe_finds_nothing_on_the_graphs(browser, served, scheme, path):  # noqa: F811
    page_ = open_page(browser, served + path, color_scheme=scheme)
    try:
        results = run_axe(page_)
    finally:
        page_.context.close()
    assert not results["violations"], [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in results["violations"]]


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_pages_fit_the_window_and_graphs_do_not_shift_the_layout(browser, served, width):  # noqa: F811
    for path in ("", "articles/uk-troops-kabul-2021/", "places/kabul/", "events/uk-troop-deployment-kabul-2021/", "timeline/", "graph/"):
        page_ = open_page(browser, served + path, width=width, height=800)
        try:
            # Nothing wider than the window but the figures that scroll on their own.
            overflow = page_.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path or '/'} at {width}px is {overflow}px too wide"
            # Every SVG has its height before anything loads: the box matches its viewBox.
            ratios = page_.evaluate(
                """() => [...document.querySelectorAll('main svg[viewBox]')].map(s => {
                    const [, , w, h] = s.getAttribute('viewBox').split(/\\s+/).map(Number), r = s.getBoundingClientRect();
                    return [w / h, r.width / r.height];
                })"""
            )
            for want, got in ratios:
                assert abs(want - got) < 0.02, (path, width, want, got)
        finally:
            page_.context.close()


def test_a_kind_left_off_a_capped_ring_draws_no_band(tmp_path):
    """On a site too big for one ring, a kind whose entities are all among
    the less connected has no arc; the graph of all entities still builds
    and every band joins two kinds that are on the ring."""
    from sitegen.graphs import RING_MAX

    people = RING_MAX + 40
    files = {"sitegen.yaml": "title: Ring\n", "content/articles/a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nPerson 0 spoke.\n"}
    for number in range(people):
        ally, rival = (number + 1) % people, (number + 2) % people
        files[f"content/people/p{number}.yaml"] = (
            f"name: Person {number}\nfacts:\n"
            f"  - {{claim: Ally, value: '[[p{ally}]]', source: 'https://example.org/{number}'}}\n"
            f"  - {{claim: Rival, value: '[[p{rival}]]', source: 'https://example.org/{number}'}}\n"
        )
    files["content/events/lonely.yaml"] = "name: Lonely event\nfacts:\n  - {claim: Host, value: '[[p0]]', source: 'https://example.org/e'}\n"
    site = tmp_path / "site"
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    out = tmp_path / "out"
    run = sitegen("build", site, "-o", out, "-q")
    assert run.code == 0, run.stderr
    svg = (out / "graph" / "index.html").read_text("utf-8")
    bands = re.findall(r'class="band from-(\w+) to-(\w+)"', svg)
    assert bands and all(kind == "people" for pair in bands for kind in pair)
    assert "lonely" not in svg.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert (out / "events" / "lonely" / "index.html").is_file()
