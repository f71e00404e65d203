"""Cross-links of the built site: every internal link resolves to a file of
the output (fragments to an id of the target page), mentions link to the
right entity pages and the entity pages link back with the sentence."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from conftest import REPO, sitegen, write_site
from html_tools import Element, ids, links, page, read_page, url_file

SITES = Path(__file__).parent / "sites"
KINDS = ("people", "places", "events", "organisations")


def sheets(root: Path) -> dict[str, dict]:
    """Entity id → {kind, name, names (name and aliases), data} for a site folder."""
    found = {}
    for kind in KINDS:
        for path in sorted((root / "content" / kind).glob("*.yaml")):
            data = yaml.safe_load(path.read_text("utf-8"))
            found[path.stem] = {"kind": kind, "name": data["name"], "names": [data["name"], *(data.get("aliases") or [])], "data": data}
    return found


def broken_links(out: Path, base: str = "/", origin: str | None = None) -> list[str]:
    """Every href/src of every HTML page that does not lead to a file of the
    output, or whose #fragment is not an id of the target page."""
    problems = []
    id_cache: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in id_cache:
            id_cache[path] = ids(read_page(path))
        return id_cache[path]

    pages = sorted(out.rglob("*.html"))
    assert pages, f"no HTML page in {out}"
    for path in pages:
        rel = path.relative_to(out).as_posix()
        page_url = base + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        for element, attr, url in links(read_page(path)):
            parts = urlsplit(url)
            if parts.scheme in ("mailto", "tel"):
                continue
            if parts.scheme or parts.netloc:
                if origin is None or f"{parts.scheme}://{parts.netloc}" != origin:
                    continue  # another host: not ours to check
                target_url = parts.path
            elif parts.path == "":
                target_url = page_url
            else:
                target_url = urljoin(page_url, parts.path)
            where = f"{rel}: <{element.tag} {attr}={url!r}>"
            if not unquote(target_url).startswith(base):
                problems.append(f"{where} leaves the site's base path {base}")
                continue
            target = url_file(out, target_url, base)
            if not target.is_file():
                problems.append(f"{where} → missing {target.relative_to(out)}")
                continue
            fragment = unquote(parts.fragment.split(":~:")[0])
            if fragment and target.suffix == ".html" and fragment not in ids_of(target):
                problems.append(f"{where} → no id {fragment!r} in {target.relative_to(out)}")
    return problems


# --------------------------------------------------------------------------
# every internal link resolves


def test_every_internal_link_of_the_example_site_resolves(example_build):
    assert broken_links(example_build) == []


def test_every_internal_link_resolves_under_a_sub_path(tmp_path):
    out = tmp_path / "out"
    run = sitegen("build", REPO, "-o", out, "--base-url", "https://example.org/tracker/", "-q")
    assert run.code == 0, run.stderr
    assert broken_links(out, base="/tracker/", origin="https://example.org") == []
    doc = read_page(url_file(out, "/tracker/people/ben-wallace/", base="/tracker/"))
    canonical = doc.one("head").one("link", rel="canonical")
    assert canonical.get("href") == "https://example.org/tracker/people/ben-wallace/"


def test_every_internal_link_of_the_fact_fixture_resolves(tracker_build):
    assert broken_links(tracker_build) == []


def test_the_link_checker_catches_broken_links(tmp_path):
    """The checker itself: a missing page and a missing fragment are found."""
    write_site(tmp_path, {
        "index.html": '<a href="/a/">a</a> <a href="/a/#here">ok</a> <a href="/a/#gone">x</a> <a href="/nope/">y</a> <img src="/i.png"> <a href="https://else.example/">z</a>',
        "a/index.html": '<p id="here">a</p> <a href="../#top">up</a>',
    })
    problems = broken_links(tmp_path)
    assert len(problems) == 4, problems
    assert any("no id 'gone'" in p for p in problems)
    assert any("missing nope/index.html" in p for p in problems)
    assert any("missing i.png" in p for p in problems)
    assert any("no id 'top'" in p for p in problems)


# --------------------------------------------------------------------------
# the seed article's mentions, both ways


SEED = "uk-troops-kabul-2021"
NAMED_IN_THE_SEED = [
    "ben-wallace", "nick-carter", "afghanistan", "kabul", "herat", "ghazni", "taliban", "al-qaeda",
    "ministry-of-defence", "foreign-office", "us-state-department",
]


def body_of(article_page: Element) -> Element:
    return article_page.one("article", cls="article")


def test_seed_mentions_link_to_the_right_entity_pages(example_build):
    entities = sheets(REPO)
    body = body_of(page(example_build, f"/articles/{SEED}/"))
    linked: dict[str, list[str]] = {}
    for link in body.find_all("a", cls="entity"):
        path = urlsplit(link.get("href")).path
        kind, entity_id = path.strip("/").split("/")
        assert entity_id in entities, path
        assert entities[entity_id]["kind"] == kind
        text = link.text()
        # an autolink shows a name or alias of its entity; the one explicit
        # [[nick-carter|Carter]] of the seed shows an alias too
        assert text in entities[entity_id]["names"], (text, entity_id)
        linked.setdefault(entity_id, []).append(text)
        assert not any(a.tag in ("h1", "h2", "h3", "h4", "h5", "h6", "code", "pre") for a in link.ancestors())
        assert not any(a.tag == "a" for a in link.ancestors())
    assert set(NAMED_IN_THE_SEED) <= set(linked), sorted(set(NAMED_IN_THE_SEED) - set(linked))
    # autolink: first — each entity is auto-linked once; Carter is also
    # linked explicitly with [[nick-carter|Carter]]
    assert {e: n for e, n in linked.items() if len(n) > 1} == {"nick-carter": ["General Sir Nick Carter", "Carter"]}


def test_seed_article_lists_its_entities(example_build):
    doc = page(example_build, f"/articles/{SEED}/")
    panel = doc.one("section", **{"aria-labelledby": "in-this-article"})
    listed = {urlsplit(a.get("href")).path for a in panel.find_all("a", cls="entity")}
    entities = sheets(REPO)
    for entity_id in NAMED_IN_THE_SEED + ["uk-troop-deployment-kabul-2021", "taliban-offensive-2021"]:
        assert f"/{entities[entity_id]['kind']}/{entity_id}/" in listed


def test_entity_pages_link_back_with_the_mention_sentence(example_build):
    entities = sheets(REPO)
    article_page = page(example_build, f"/articles/{SEED}/")
    article_text = body_of(article_page).text()
    for entity_id in NAMED_IN_THE_SEED:
        entity = entities[entity_id]
        doc = page(example_build, f"/{entity['kind']}/{entity_id}/")
        section = doc.one("section", **{"aria-labelledby": "mentioned-in"})
        items = section.find_all("li")
        assert len(items) == 1, entity_id
        assert items[0].find("a", href=f"/articles/{SEED}/") is not None
        sentence = items[0].one("blockquote").find("p").text()
        assert sentence in article_text, (entity_id, sentence)
        assert any(name in sentence for name in entity["names"]), (entity_id, sentence)
        assert sentence[0].isupper() and sentence[-1] in ".:”\"", sentence  # a whole sentence
        # "in context" leads to the paragraph that holds the sentence
        context = [a for a in items[0].find_all("a") if "#" in a.get("href", "")]
        assert len(context) == 1
        anchor = urlsplit(context[0].get("href")).fragment
        paragraph = article_page.one(id=anchor)
        assert sentence in paragraph.text()


def test_about_only_entities_are_listed_back_without_a_sentence(example_build):
    doc = page(example_build, "/events/taliban-offensive-2021/")
    section = doc.one("section", **{"aria-labelledby": "mentioned-in"})
    assert section.find("a", href=f"/articles/{SEED}/") is not None


def test_relations_appear_on_both_pages(example_build):
    def related_urls(url: str, label: str) -> set[str]:
        doc = page(example_build, url)
        section = doc.one("section", **{"aria-labelledby": "relations"})
        for dt in section.find_all("dt"):
            if dt.text() == label:
                return {a.get("href") for a in dt.parent.find_all("a")}
        return set()

    # event places / participants
    assert "/places/kabul/" in related_urls("/events/taliban-offensive-2021/", "Places")
    assert "/events/taliban-offensive-2021/" in related_urls("/places/kabul/", "Events here")
    assert "/events/taliban-offensive-2021/" in related_urls("/organisations/taliban/", "Took part in")
    # part_of
    assert "/places/afghanistan/" in related_urls("/places/kabul/", "Part of")
    assert "/places/kabul/" in related_urls("/places/afghanistan/", "Includes")
    # a person's organisations
    assert "/organisations/ministry-of-defence/" in related_urls("/people/ben-wallace/", "Member of")
    assert "/people/ben-wallace/" in related_urls("/organisations/ministry-of-defence/", "Members")
    # a fact whose value is [[id]]
    assert "/places/afghanistan/" in related_urls("/places/kabul/", "Capital of")
    assert "/places/kabul/" in related_urls("/places/afghanistan/", "Value of “Capital of” for")


# --------------------------------------------------------------------------
# autolinking rules, on a small site


AUTOLINK_SITE = {
    "content/people/ben-smith.yaml": "name: Ben Smith\naliases: [Smith]\n",
    "content/people/hidden-hand.yaml": "name: Hidden Hand\nautolink: false\n",
    "content/places/kabul.yaml": "name: Kabul\n",
    "content/places/kabul-airport.yaml": "name: Kabul Airport\n",
    "content/articles/a.md": """
        ---
        title: Autolinking
        date: 2024-01-01
        ---
        # Kabul in a heading

        `Kabul` in code and [Kabul in a link](https://example.org/) come first.

        Then Kabul Airport, then Kabul, then Kabul again; Smithers is not Smith.

        ```
        Kabul in a fence
        ```

        Hidden Hand is not linked but [[hidden-hand]] and [[Ben Smith|him]] are.

        | city |
        | ---- |
        | Kabul |

        Last Kabul.
        """,
}


def article_links(out: Path) -> list[tuple[str, str]]:
    body = body_of(page(out, "/articles/a/"))
    return [(a.text(), a.get("href")) for a in body.find_all("a", cls="entity")]


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("first", [("Kabul Airport", "/places/kabul-airport/"), ("Kabul", "/places/kabul/"), ("Smith", "/people/ben-smith/"),
                   ("Hidden Hand", "/people/hidden-hand/"), ("him", "/people/ben-smith/")]),
        ("all", [("Kabul Airport", "/places/kabul-airport/"), ("Kabul", "/places/kabul/"), ("Kabul", "/places/kabul/"), ("Smith", "/people/ben-smith/"),
                 ("Hidden Hand", "/people/hidden-hand/"), ("him", "/people/ben-smith/"), ("Kabul", "/places/kabul/"), ("Kabul", "/places/kabul/")]),
        ("none", [("Hidden Hand", "/people/hidden-hand/"), ("him", "/people/ben-smith/")]),
    ],
)
def test_autolink_modes_and_where_links_never_go(tmp_path, mode, expected):
    root = write_site(tmp_path / "site", {**AUTOLINK_SITE, "sitegen.yaml": f"autolink: {mode}\n"})
    out = tmp_path / "out"
    run = sitegen("build", root, "-o", out, "-q")
    assert run.code == 0, run.stderr
    assert article_links(out) == expected
    body = body_of(page(out, "/articles/a/"))
    for tag in ("h1", "code", "pre"):
        for element in body.find_all(tag):
            assert element.find("a") is None, tag
    assert body.find("a", href="https://example.org/").find("a") is None


def test_an_entity_named_only_in_code_is_not_mentioned(tmp_path):
    root = write_site(tmp_path / "site", {
        "content/places/kabul.yaml": "name: Kabul\n",
        "content/articles/a.md": "---\ntitle: Code\ndate: 2024-01-01\n---\nRun `Kabul` now.\n\n    Kabul indented code\n",
    })
    run = sitegen("check", root)
    assert run.problems == ["content/places/kabul.yaml:1:1: warning: no article mentions 'kabul'"]


def test_paragraph_anchors_are_unique_and_consecutive(tmp_path):
    root = write_site(tmp_path / "site", AUTOLINK_SITE)
    out = tmp_path / "out"
    assert sitegen("build", root, "-o", out, "-q").code == 0
    body = body_of(page(out, "/articles/a/"))
    anchors = [e.get("id") for e in body.iter() if (e.get("id") or "").startswith("p-")]
    assert anchors == [f"p-{n}" for n in range(1, len(anchors) + 1)]
    assert len(anchors) == 4  # four paragraphs; headings, fences and table cells have none


# --------------------------------------------------------------------------
# the fact fixture site, built once


@pytest.fixture(scope="module")
def tracker_build(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("tracker") / "site"
    shutil.copytree(SITES / "tracker", site)
    out = site.parent / "out"
    run = sitegen("build", site, "-o", out, "-q")
    assert run.code == 0, run.stderr
    return out


def test_backlinks_are_newest_first(tracker_build):
    doc = page(tracker_build, "/people/mara-voss/")
    section = doc.one("section", **{"aria-labelledby": "mentioned-in"})
    order = [a.get("href") for a in section.find_all("a") if a.parent.tag == "h3"]
    assert order == ["/articles/strike-ends/", "/articles/strike-talks/", "/articles/strike-begins/"]
    sentences = [b.find("p").text() for b in section.find_all("blockquote")]
    assert sentences == [
        "Voss, who was re-elected as the union's leader last week, called the deal “a fair one”.",
        "Mara Voss said 2,000 workers were on strike.",
        "Union leader Mara Voss said: “We will stay out until the port authority listens.”",
    ]


def test_related_entities_are_ranked_by_shared_articles(tracker_build):
    doc = page(tracker_build, "/places/port-elm/")
    section = doc.one("section", **{"aria-labelledby": "related"})
    order = [a.get("href") for a in section.find_all("a", cls="entity")]
    # Voss and the union appear in all three articles with Port Elm, the
    # strike in two (about:), the authority in two, the talks in one.
    assert order[:2] == ["/organisations/elm-dockers-union/", "/people/mara-voss/"]
    assert order.index("/events/strike-talks-2024/") == len(order) - 1


def test_mention_sentence_survives_abbreviations_and_initials(tmp_path):
    body = (
        "Earlier, Gen. Ada Quill sent a letter to the U.S. Senate. Nobody replied.\n\n"
        "“We wait,” said J. R. Smith. He met Ben Quill on Jan. 5 at No. 10 Downing Street, then left.\n"
    )
    root = write_site(tmp_path / "site", {
        "content/people/ada-quill.yaml": "name: Ada Quill\n",
        "content/people/ben-quill.yaml": "name: Ben Quill\n",
        "content/articles/a.md": "---\ntitle: Letters\ndate: 2024-01-01\n---\n" + body,
    })
    out = tmp_path / "out"
    assert sitegen("build", root, "-o", out, "-q").code == 0
    for entity_id, sentence in [
        ("ada-quill", "Earlier, Gen. Ada Quill sent a letter to the U.S. Senate."),
        ("ben-quill", "He met Ben Quill on Jan. 5 at No. 10 Downing Street, then left."),
    ]:
        doc = page(out, f"/people/{entity_id}/")
        quote = doc.one("section", **{"aria-labelledby": "mentioned-in"}).one("blockquote")
        assert quote.find("p").text() == sentence


def test_a_name_wrapped_over_two_lines_is_linked_and_mentioned(tmp_path):
    root = write_site(tmp_path / "site", {
        "content/people/ben-wallace.yaml": "name: Ben Wallace\n",
        "content/articles/a.md": "---\ntitle: Wrapped\ndate: 2024-01-01\n---\nThe Defence Secretary Ben\nWallace said it was\ntime.\n",
    })
    out = tmp_path / "out"
    assert sitegen("build", root, "-o", out, "-q").code == 0
    body = body_of(page(out, "/articles/a/"))
    assert [(a.text(), a.get("href")) for a in body.find_all("a", cls="entity")] == [("Ben Wallace", "/people/ben-wallace/")]
    assert body.one("p", id="p-1").text() == "The Defence Secretary Ben Wallace said it was time."
    quote = page(out, "/people/ben-wallace/").one("section", **{"aria-labelledby": "mentioned-in"}).one("blockquote")
    assert quote.find("p").text() == "The Defence Secretary Ben Wallace said it was time."
