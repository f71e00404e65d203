"""Fact tracking on the built pages: history, current value, ranks,
disputes, provenance and verification; data/facts.json and data/graph.json;
per-entity Atom feeds; the timeline.

The fixture site tests/sites/tracker plants each case; the expectations
below are read from its YAML and Markdown, not from sitegen's output.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
import yaml

from conftest import REPO, sitegen
from html_tools import Element, page

SITE = Path(__file__).parent / "sites" / "tracker"
KINDS = ("people", "places", "events", "organisations")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("facts") / "site"
    shutil.copytree(SITE, site)
    out = site.parent / "out"
    run = sitegen("build", site, "-o", out, "-q")
    assert run.code == 0, run.stderr
    # the fixture builds, with exactly its two planted warnings
    assert [p.split(": warning: ")[0] for p in run.problems] == [
        "content/places/port-elm.yaml:20:5",  # 'Workers on strike' disputed
        "content/places/port-elm.yaml:35:5",  # 'Twinned with' unsourced
    ], run.stderr
    return out


def sheet(entity_id: str) -> dict:
    for kind in KINDS:
        path = SITE / "content" / kind / f"{entity_id}.yaml"
        if path.exists():
            return yaml.safe_load(path.read_text("utf-8"))
    raise KeyError(entity_id)


def claim_section(doc: Element, claim: str) -> Element:
    for section in doc.find_all("section", cls="claim"):
        if section.one("h3").text() == claim:
            return section
    raise AssertionError(f"no claim {claim!r}")


def history(doc: Element, claim: str) -> list[Element]:
    return claim_section(doc, claim).one("ol", cls="history").find_all("li", cls="fact")


def value_text(item: Element) -> str:
    value = item.one("p", cls="value")
    return "".join(c if isinstance(c, str) else c.text() for c in value.children if isinstance(c, str) or c.tag in ("del", "a")).strip()


def fold(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.casefold().split())


# --------------------------------------------------------------------------
# history, current value, ranks


def test_history_is_in_time_order_with_dates_and_sources(out):
    doc = page(out, "/people/mara-voss/")
    items = history(doc, "Position")
    assert [value_text(i) for i in items] == ["Union organiser", "Union secretary", "Union leader"]
    # an interval shows both ends, a point in time its date
    assert items[0].one("time").get("datetime") == "2015-01-01"
    assert "31 December 2023" in items[0].one("span", cls="when").text()
    assert items[2].one("time").get("datetime") == "2024-02-01"
    for item in items:
        assert item.find("ul", cls="sources") is not None


def test_current_value_is_the_latest(out):
    doc = page(out, "/people/mara-voss/")
    items = history(doc, "Position")
    assert ["current" in i.classes for i in items] == [False, False, True]
    assert items[2].find(cls="badge-current") is not None
    infobox = doc.one("aside", cls="infobox")
    row = next(d for d in infobox.find_all("div") if d.find("dt") and d.find("dt").text() == "Position")
    assert row.one("dd").text().startswith("Union leader")
    # the harbour reopened after it was closed: the latest value is current
    port = page(out, "/places/port-elm/")
    status = history(port, "Harbour status")
    assert [value_text(i) for i in status] == ["Closed to cargo ships", "Open"]
    assert "current" in status[1].classes and "current" not in status[0].classes


def test_preferred_value_is_current_even_when_older(out):
    doc = page(out, "/places/port-elm/")
    items = history(doc, "Population")
    assert [value_text(i) for i in items] == ["48,000", "50,500"]
    assert "current" in items[0].classes and "current" not in items[1].classes
    assert items[0].find(cls="badge-preferred") is not None
    assert "Census count." in items[0].text()


def test_deprecated_value_is_struck_through_with_its_reason(out):
    doc = page(out, "/people/mara-voss/")
    deprecated = history(doc, "Position")[1]
    assert "rank-deprecated" in deprecated.classes
    assert deprecated.one("del").text() == "Union secretary"
    assert deprecated.find(cls="badge-deprecated") is not None
    assert sheet("mara-voss")["facts"][1]["reason"] in deprecated.text()
    assert "current" not in deprecated.classes


def test_disputed_values_are_side_by_side_with_their_sources(out):
    doc = page(out, "/places/port-elm/")
    section = claim_section(doc, "Workers on strike")
    assert "disputed" in section.classes
    sides = section.one(cls="side-by-side").find_all("div", cls="side")
    assert len(sides) == 2
    values = [s.one("p", cls="value").text() for s in sides]
    assert [v.split(" (")[0] for v in values] == ["2000", "1500"]
    quotes = [s.one("q").text() for s in sides]
    assert quotes == [f["quote"] for f in sheet("port-elm")["facts"][2:4]]
    for side in sides:
        href = side.one("ul", cls="sources").find("a").get("href")
        assert urlsplit(href).path == "/articles/strike-talks/"
    # both facts are marked disputed in the history, and in the infobox
    assert all("disputed" in i.classes for i in history(doc, "Workers on strike"))
    assert doc.one("aside", cls="infobox").find("div", cls="disputed") is not None
    # claims that do not conflict are not
    assert "disputed" not in claim_section(doc, "Population").classes


def test_unsourced_fact_is_marked(out):
    doc = page(out, "/places/port-elm/")
    item = history(doc, "Twinned with")[0]
    assert item.find(cls="badge-unsourced") is not None
    assert item.find("ul", cls="sources") is None
    assert history(doc, "Population")[0].find(cls="badge-unsourced") is None


def test_verified_quotes_are_marked_and_link_to_the_cited_passage(out):
    doc = page(out, "/people/mara-voss/")
    leader = history(doc, "Position")[2]
    source = leader.one("ul", cls="sources").one("li")
    assert source.find(cls="badge-verified") is not None
    quote = sheet("mara-voss")["facts"][2]["quote"]
    assert source.one("q").text() == quote
    href = source.one("a").get("href")
    parts = urlsplit(href)
    assert parts.path == "/articles/strike-begins/"
    anchor, _, directive = parts.fragment.partition(":~:")
    assert directive.startswith("text=") and unquote(directive[len("text="):]) == quote
    article = page(out, "/articles/strike-begins/")
    passage = article.one(id=anchor)
    assert fold(quote) in fold(passage.text())
    assert "cited" in passage.classes


def test_url_source_shows_its_domain_and_title(out):
    doc = page(out, "/people/mara-voss/")
    source = history(doc, "Position")[0].one("ul", cls="sources").one("li")
    link = source.one("a")
    assert link.get("href") == "https://example.org/unions/mara-voss"
    assert link.text() == "Union profile"  # the title given under links:
    assert "example.org" in source.one(cls="domain").text()
    assert source.find(cls="badge-verified") is None


def test_article_page_marks_cited_passages_and_lists_the_facts_citing_it(out):
    doc = page(out, "/articles/strike-talks/")
    body = doc.one("article", cls="article")
    cited = [e for e in body.iter() if "cited" in e.classes]
    assert [e.get("id") for e in cited] == ["p-2"]
    assert "2,000 workers were on strike" in cited[0].text()
    assert "cited" not in body.one(id="p-1").classes
    panel = doc.one("section", **{"aria-labelledby": "facts-citing"})
    items = panel.find_all("li")
    fact_links = sorted(a.get("href") for li in items for a in li.find_all("a") if "/#fact-" in a.get("href"))
    # the union's fact 1, Port Elm's facts 3 and 4 cite this article
    assert fact_links == ["/organisations/elm-dockers-union/#fact-1", "/places/port-elm/#fact-3", "/places/port-elm/#fact-4"]
    assert all(li.find("a", href="#p-2") is not None for li in items)
    assert all(li.find(cls="badge-verified") is not None for li in items)
    # and the fact anchors exist on the entity pages
    assert page(out, "/places/port-elm/").find("li", id="fact-4") is not None


def test_entity_value_links_to_the_entity_and_back(out):
    doc = page(out, "/people/mara-voss/")
    item = history(doc, "Re-elected")[0]
    assert item.one("p", cls="value").find("a", href="/organisations/elm-dockers-union/") is not None
    union = page(out, "/organisations/elm-dockers-union/")
    relations = union.one("section", **{"aria-labelledby": "relations"})
    row = next(d for d in relations.find_all("dt") if "Re-elected" in d.text())
    assert row.parent.find("a", href="/people/mara-voss/") is not None


# --------------------------------------------------------------------------
# data/facts.json and data/graph.json


def test_facts_json_lists_every_fact_with_its_sources(out):
    data = json.loads((out / "data" / "facts.json").read_text("utf-8"))
    assert data["version"] == 1
    facts = data["facts"]
    expected = sorted(
        (path.stem, i)
        for kind in KINDS
        for path in (SITE / "content" / kind).glob("*.yaml")
        for i, _ in enumerate(yaml.safe_load(path.read_text("utf-8")).get("facts") or [])
    )
    assert sorted((f["entity"], f["index"]) for f in facts) == expected
    by_key = {(f["entity"], f["index"]): f for f in facts}

    leader = by_key[("mara-voss", 2)]
    assert leader | {"sources": None} == {
        "entity": "mara-voss", "entity_name": "Mara Voss", "kind": "person", "index": 2, "claim": "Position", "value": "Union leader",
        "value_entity": None, "date": "2024-02-01", "start": None, "end": None, "rank": "normal", "reason": None,
        "note": None, "current": True, "disputed": False, "sources": None, "url": "/people/mara-voss/#fact-3",
    }
    assert leader["sources"] == [{"source": "strike-begins", "quote": "Union leader Mara Voss said", "status": "verified", "url": "/articles/strike-begins/#p-2"}]

    organiser = by_key[("mara-voss", 0)]
    assert (organiser["start"], organiser["end"], organiser["date"]) == ("2015-01-01", "2023-12-31", None)
    assert organiser["sources"] == [{"source": "https://example.org/unions/mara-voss", "quote": None, "status": "external", "url": "https://example.org/unions/mara-voss"}]
    assert by_key[("mara-voss", 1)]["rank"] == "deprecated"
    assert by_key[("mara-voss", 1)]["reason"] == "An early wire report gave the wrong title."
    assert by_key[("mara-voss", 3)]["value_entity"] == "elm-dockers-union"
    assert by_key[("port-elm", 0)]["rank"] == "preferred" and by_key[("port-elm", 0)]["current"] is True
    assert by_key[("port-elm", 1)]["current"] is False
    assert by_key[("port-elm", 0)]["value"] == 48000
    assert [by_key[("port-elm", i)]["disputed"] for i in range(7)] == [False, False, True, True, False, False, False]
    assert by_key[("port-elm", 6)]["sources"] == []
    assert by_key[("elm-dockers-union", 0)]["sources"][0]["status"] == "verified"


def test_graph_json_has_entities_articles_and_their_links(out):
    data = json.loads((out / "data" / "graph.json").read_text("utf-8"))
    assert data["version"] == 1
    nodes = {n["id"]: n for n in data["nodes"]}
    entity_ids = {p.stem for kind in KINDS for p in (SITE / "content" / kind).glob("*.yaml")}
    article_ids = {f"article:{p.stem}" for p in (SITE / "content" / "articles").glob("*.md")}
    assert set(nodes) == entity_ids | article_ids
    assert nodes["mara-voss"] == {"id": "mara-voss", "type": "person", "name": "Mara Voss", "url": "/people/mara-voss/"}
    assert nodes["article:strike-talks"]["type"] == "article" and nodes["article:strike-talks"]["date"] == "2024-02-10"
    edges = data["edges"]
    for edge in edges:
        assert edge["source"] in nodes and edge["target"] in nodes, edge
        assert edge["type"] in ("mentions", "relation", "cites")
    triples = {(e["source"], e["type"], e["target"]) for e in edges}
    # mentions: found in the text, and from `about:`
    mentions = {(e["source"], e["target"]): e["via"] for e in edges if e["type"] == "mentions"}
    assert mentions[("article:strike-talks", "mara-voss")] == "text"
    assert mentions[("article:strike-talks", "strike-talks-2024")] == "about"
    assert mentions[("article:strike-begins", "harbour-strike-2024")] == "about"
    assert ("article:strike-ends", "port-authority") not in mentions
    # relations once each, as the fact sheets state them
    relations = [(e["source"], e["field"], e["label"], e["target"]) for e in edges if e["type"] == "relation"]
    assert len(relations) == len(set(relations))
    assert ("harbour-strike-2024", "places", "Places", "port-elm") in relations
    assert ("strike-talks-2024", "part_of", "Part of", "harbour-strike-2024") in relations
    assert ("mara-voss", "organisations", "Member of", "elm-dockers-union") in relations
    assert ("elm-dockers-union", "members", "Members", "mara-voss") in relations
    assert ("mara-voss", "facts", "Re-elected", "elm-dockers-union") in relations
    assert not any(source == "port-elm" for source, *_ in relations)  # Port Elm's sheet states none
    expected_relations = 0
    for kind in KINDS:
        for path in (SITE / "content" / kind).glob("*.yaml"):
            data = yaml.safe_load(path.read_text("utf-8"))
            for field in ("part_of", "places", "participants", "members", "organisations"):
                value = data.get(field)
                expected_relations += len(value) if isinstance(value, list) else int(value is not None)
            expected_relations += sum(1 for f in data.get("facts") or [] if re.fullmatch(r"\[\[[a-z0-9-]+\]\]", str(f["value"])))
    assert len(relations) == expected_relations
    # citations, with their verification status
    cites = [e for e in edges if e["type"] == "cites"]
    assert {(e["source"], e["target"], e["claim"], e["fact"], e["status"]) for e in cites} >= {
        ("port-elm", "article:strike-talks", "Workers on strike", 2, "verified"),
        ("port-elm", "article:strike-talks", "Workers on strike", 3, "verified"),
        ("mara-voss", "article:strike-begins", "Position", 2, "verified"),
    }
    article_sources = sum(
        1
        for kind in KINDS
        for path in (SITE / "content" / kind).glob("*.yaml")
        for f in yaml.safe_load(path.read_text("utf-8")).get("facts") or []
        for src in ([f["source"]] if "source" in f else [x["source"] for x in f.get("sources") or []])
        if not src.startswith("http")
    )
    assert len(cites) == article_sources
    assert not any(e["target"].startswith("https:") for e in cites)  # URL sources are not nodes


def test_data_files_of_the_example_site(example_build):
    facts = json.loads((example_build / "data" / "facts.json").read_text("utf-8"))["facts"]
    article_sources = [s for f in facts for s in f["sources"] if not s["source"].startswith("http")]
    assert article_sources
    # every quote of the example site is verified, and anchored
    assert {s["status"] for s in article_sources if s["quote"]} == {"verified"}
    assert all(re.fullmatch(r"/articles/uk-troops-kabul-2021/#p-\d+", s["url"]) for s in article_sources if s["quote"])
    assert not any(f["disputed"] for f in facts)


# --------------------------------------------------------------------------
# per-entity feeds


def test_entity_feed_lists_the_mentioning_articles_newest_first(out):
    feed = feedparser.parse(str(out / "people" / "mara-voss" / "feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert "Mara Voss" in feed.feed.title
    titles = [e.title for e in feed.entries]
    articles = {}
    for path in (SITE / "content" / "articles").glob("*.md"):
        front = yaml.safe_load(path.read_text("utf-8").split("---")[1])
        articles[front["title"]] = (front["date"], path.stem)
    assert titles == sorted(articles, key=lambda t: articles[t][0], reverse=True)
    assert [urlsplit(e.link).path for e in feed.entries] == [f"/articles/{articles[t][1]}/" for t in titles]
    assert all(e.published.startswith(str(articles[e.title][0])) for e in feed.entries)
    # the entity page points to its feed
    doc = page(out, "/people/mara-voss/")
    assert doc.one("head").find("link", type="application/atom+xml", href="/people/mara-voss/feed.xml") is not None


def test_feed_of_an_entity_named_in_one_article(out):
    feed = feedparser.parse(str(out / "events" / "strike-talks-2024" / "feed.xml"))
    assert not feed.bozo
    assert [urlsplit(e.link).path for e in feed.entries] == ["/articles/strike-talks/"]


def test_every_entity_of_the_example_has_a_valid_feed(example_build):
    for kind in KINDS:
        for path in (REPO / "content" / kind).glob("*.yaml"):
            feed = feedparser.parse(str(example_build / kind / path.stem / "feed.xml"))
            assert not feed.bozo, (path, feed.bozo_exception)
            assert [urlsplit(e.link).path for e in feed.entries] == ["/articles/uk-troops-kabul-2021/"], path


# --------------------------------------------------------------------------
# timeline


def timeline_rows(doc: Element) -> list[tuple[str, str, str]]:
    rows = []
    for item in doc.one("ol", cls="timeline").find_all("li"):
        lane = next(c.removeprefix("entry-") for c in item.classes if c.startswith("entry-"))
        rows.append((item.one("time").get("datetime"), lane, item.find("a").get("href")))
    return rows


def test_timeline_lists_events_facts_and_articles_in_order(out):
    doc = page(out, "/timeline/")
    rows = timeline_rows(doc)
    dates = [r[0] for r in rows]
    assert dates == sorted(dates)
    lanes = {r[1] for r in rows}
    assert lanes == {"event", "fact", "article"}
    urls = [r[2] for r in rows]
    # the events at their dates
    assert ("2024-02-01", "event", "/events/harbour-strike-2024/") in rows
    assert ("2024-02-10", "event", "/events/strike-talks-2024/") in rows
    # every article, at its date
    for stem, day in (("strike-begins", "2024-02-01"), ("strike-talks", "2024-02-10"), ("strike-ends", "2024-02-20")):
        assert (day, "article", f"/articles/{stem}/") in rows
    # dated facts link to their fact; undated ones are not on the timeline
    assert ("2024-02-13", "fact", "/people/mara-voss/#fact-4") in rows
    assert ("2015-01-01", "fact", "/people/mara-voss/#fact-1") in rows
    assert "/places/port-elm/#fact-7" not in urls  # 'Twinned with' has no date
    assert "/people/mara-voss/#fact-2" not in urls  # deprecated
    # the picture is an inline SVG drawn at build time, with a mark per row
    figure = doc.one("figure", cls="timeline-figure")
    svg = figure.one("svg")
    assert len(svg.find_all("a")) == len(rows)
    assert doc.find("script") is None or all(s.get("type") == "application/ld+json" for s in doc.find_all("script"))


def test_event_page_has_its_own_timeline(out):
    doc = page(out, "/events/harbour-strike-2024/")
    section = doc.one("section", **{"aria-labelledby": "event-timeline"})
    assert section.find("svg") is not None
    rows = timeline_rows(section)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    # the event, its part (the talks), its fact and the articles about it
    assert ("2024-02-01", "event", "/events/harbour-strike-2024/") in rows
    assert ("2024-02-10", "event", "/events/strike-talks-2024/") in rows
    assert ("2024-02-20", "fact", "/events/harbour-strike-2024/#fact-1") in rows
    assert ("2024-02-01", "article", "/articles/strike-begins/") in rows
    assert ("2024-02-20", "article", "/articles/strike-ends/") in rows
    assert not any(r[2].startswith("/people/") for r in rows)


def test_example_timeline(example_build):
    doc = page(example_build, "/timeline/")
    rows = timeline_rows(doc)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert ("2021-08-13", "article", "/articles/uk-troops-kabul-2021/") in rows
    assert ("2021-05-01", "event", "/events/taliban-offensive-2021/") in rows
    assert doc.one("figure", cls="timeline-figure").find("svg") is not None
