"""`sitegen check`: the fixture site tests/sites/defects plants one defect of
each class, and check must report exactly those, at the right lines, in both
formats; the example site and the real news corpus with our own fact sheets
pass it cleanly.

Expected positions are computed from the fixture text (the line where the
offending node is written), not copied from sitegen's output.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import REPO, SHARED, copy_example, sitegen, write_site
from html_tools import page

SITES = Path(__file__).parent / "sites"
DEFECTS = SITES / "defects"


def where(rel: str, needle: str, after: str | None = None, root: Path = DEFECTS) -> tuple[int, int]:
    """1-based (line, column) of `needle` in a fixture file, after the text `after`."""
    text = (root / rel).read_text("utf-8")
    start = text.index(after) + len(after) if after else 0
    at = text.index(needle, start)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def fact_position(rel: str, claim: str, occurrence: int = 1) -> tuple[int, int]:
    """Where the mapping of the n-th fact with this claim starts (its 'claim' key)."""
    text = (DEFECTS / rel).read_text("utf-8")
    at = -1
    for _ in range(occurrence):
        at = text.index(f"- claim: {claim}\n", at + 1)
    at += 2  # past "- "
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def expected_defects() -> list[dict]:
    """The planted defects: severity, code, where, and words the message must hold."""
    port = "content/places/port-elm.yaml"
    first_cost_line = fact_position(port, "Bridge cost", 1)[0]
    return [
        {"severity": "error", "code": "quote.not-found", "path": port,
         "at": where(port, '"the bridge carries 12,000 vehicles an hour"'),
         # names the article and the closest passage, as the article writes it
         "words": ["'bridge-opens'", "the bridge carries 12,000 vehicles a day"]},
        {"severity": "error", "code": "source.unknown", "path": port,
         "at": where(port, "bridge-closes"), "words": ["'bridge-closes'"]},
        {"severity": "warning", "code": "fact.disputed", "path": port,
         "at": fact_position(port, "Bridge cost", 2),
         "words": ["Bridge cost", "45 million pounds", "40 million pounds", f"line {first_cost_line}"]},
        {"severity": "warning", "code": "fact.unsourced", "path": "content/people/ada-quill.yaml",
         "at": fact_position("content/people/ada-quill.yaml", "Age"), "words": ["Age"]},
        {"severity": "warning", "code": "alias.ambiguous", "path": "content/people/ben-quill.yaml",
         "at": where("content/people/ben-quill.yaml", "Quill", after="aliases: ["), "words": ["'Quill'", "ada-quill"]},
        {"severity": "warning", "code": "entity.unmentioned", "path": "content/organisations/elm-harbour-trust.yaml",
         "at": where("content/organisations/elm-harbour-trust.yaml", "name:", after="\n"), "words": ["elm-harbour-trust"]},
    ]


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def defects(tmp_path) -> Path:
    site = tmp_path / "defects"
    shutil.copytree(DEFECTS, site)
    return site


# --------------------------------------------------------------------------
# the planted defects


def test_check_reports_exactly_the_planted_defects_as_text(defects):
    run = sitegen("check", defects)
    assert run.code == 1
    expected = expected_defects()
    assert len(run.problems) == len(expected), run.stderr
    for item in expected:
        line, column = item["at"]
        prefix = f"{item['path']}:{line}:{column}: {item['severity']}: "
        matching = [p for p in run.problems if p.startswith(prefix)]
        assert len(matching) == 1, f"{prefix} not in\n{run.stderr}"
        for words in item["words"]:
            assert words in matching[0], (words, matching[0])
    assert run.stderr.strip().splitlines()[-1] == "2 errors, 4 warnings"
    # problems come sorted by file, then line
    keys = [(p.split(":")[0], int(p.split(":")[1])) for p in run.problems]
    assert keys == sorted(keys)


def test_check_reports_exactly_the_planted_defects_as_json(defects):
    run = sitegen("check", defects, "--format", "json")
    assert run.code == 1
    report = json.loads(run.stdout)
    assert set(report) == {"diagnostics", "summary"}
    diagnostics = report["diagnostics"]
    for d in diagnostics:
        assert set(d) == {"severity", "code", "message", "path", "line", "column"}
        assert isinstance(d["line"], int) and isinstance(d["column"], int)
    got = sorted((d["severity"], d["code"], d["path"], d["line"], d["column"]) for d in diagnostics)
    want = sorted((e["severity"], e["code"], e["path"], *e["at"]) for e in expected_defects())
    assert got == want
    for item in expected_defects():
        message = next(d["message"] for d in diagnostics if d["code"] == item["code"])
        for words in item["words"]:
            assert words in message
    assert report["summary"] == {"errors": 2, "warnings": 4, "ok": False}


def test_text_and_json_say_the_same(defects):
    text = sitegen("check", defects)
    report = json.loads(sitegen("check", defects, "--format", "json").stdout)
    as_text = [f"{d['path']}:{d['line']}:{d['column']}: {d['severity']}: {d['message']}" for d in report["diagnostics"]]
    assert as_text == text.problems


def test_each_defect_alone(defects):
    """Fixing the planted defects one by one removes exactly their reports."""
    port = defects / "content" / "places" / "port-elm.yaml"
    port.write_text(port.read_text("utf-8").replace("12,000 vehicles an hour", "12,000 vehicles a day").replace("source: bridge-closes", "source: bridge-opens"), encoding="utf-8")
    run = sitegen("check", defects, "--format", "json")
    codes = sorted(d["code"] for d in json.loads(run.stdout)["diagnostics"])
    assert codes == ["alias.ambiguous", "entity.unmentioned", "fact.disputed", "fact.unsourced"]
    assert run.code == 0  # warnings only
    assert sitegen("check", defects, "--strict").code == 1
    strict = json.loads(sitegen("check", defects, "--strict", "--format", "json").stdout)
    assert strict["summary"]["ok"] is False


def test_check_writes_nothing(defects):
    before = tree_hashes(defects)
    sitegen("check", defects)
    sitegen("check", defects, "--format", "json")
    assert tree_hashes(defects) == before
    assert not (defects / "output").exists()


def test_the_ambiguous_alias_is_not_linked_but_an_id_link_resolves_it(defects):
    # make the site build: fix the two errors, then link 'Quill' explicitly
    port = defects / "content" / "places" / "port-elm.yaml"
    port.write_text(port.read_text("utf-8").replace("an hour", "a day").replace("bridge-closes", "bridge-opens"), encoding="utf-8")
    report = defects / "content" / "articles" / "council-report.md"
    report.write_text(report.read_text("utf-8").replace("Quill declined", "[[ben-quill|Quill]] declined"), encoding="utf-8")
    out = defects.parent / "out"
    run = sitegen("build", defects, "-o", out, "-q")
    assert run.code == 0, run.stderr
    body = page(out, "/articles/council-report/").one("article", cls="article")
    links = [(a.text(), a.get("href")) for a in body.find_all("a", cls="entity")]
    assert ("Quill", "/people/ben-quill/") in links
    assert ("Quill", "/people/ada-quill/") not in links
    opens = page(out, "/articles/bridge-opens/").one("article", cls="article")
    # 'Mayor Quill' is not in the text; 'Ada Quill' is linked by its full name
    assert [(a.text(), a.get("href")) for a in opens.find_all("a", cls="entity") if "quill" in a.get("href")] == [("Ada Quill", "/people/ada-quill/")]


# --------------------------------------------------------------------------
# quote comparison


def test_quotes_are_compared_after_folding(tmp_path):
    root = write_site(tmp_path / "site", {
        "content/articles/a.md": (
            "---\ntitle: Folding\ndate: 2024-01-01\n---\n"
            "The minister said: “It’s a long—and hard—road,” adding\nthat   the  ROAD was open.\n\n"
            "A second paragraph.\n"
        ),
        "content/people/minister.yaml": (
            "name: The Minister\nfacts:\n"
            "  - claim: Said\n    value: x\n    source: a\n    quote: \"\\\"it's a long-and hard-road,\\\" adding that the road\"\n"
            "  - claim: Said\n    value: y\n    date: 2024-01-02\n    source: a\n    quote: \"a long - and hard - road\"\n"
        ),
    })
    run = sitegen("check", root, "--format", "json")
    diagnostics = json.loads(run.stdout)["diagnostics"]
    sheet = (root / "content/people/minister.yaml").read_text("utf-8")
    second_quote_line = sheet[: sheet.index("a long - and hard - road")].count("\n") + 1
    # the first quote differs only in quotes, dashes, case and spacing;
    # the second adds spaces around the dashes, which is a different text
    assert [(d["code"], d["line"]) for d in diagnostics if d["severity"] == "error"] == [("quote.not-found", second_quote_line)]
    assert "closest passage: \"a long—and hard—road,”\"" in next(d["message"] for d in diagnostics if d["code"] == "quote.not-found")


# --------------------------------------------------------------------------
# clean sites


def test_example_site_passes_check_strict():
    run = sitegen("check", REPO, "--strict")
    assert run.code == 0, run.stderr
    assert run.problems == []
    assert run.stderr.strip().splitlines()[-1] == "0 errors, 0 warnings"
    report = json.loads(sitegen("check", REPO, "--strict", "--format", "json").stdout)
    assert report == {"diagnostics": [], "summary": {"errors": 0, "warnings": 0, "ok": True}}


def test_check_reports_what_build_reports(tmp_path):
    site = copy_example(tmp_path / "site")
    sheet = site / "content" / "places" / "kabul.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("name: Kabul", "name: Kabul\nsumary: typo"), encoding="utf-8")
    check = sitegen("check", site)
    build = sitegen("build", site, "-o", tmp_path / "out")
    assert check.code == build.code == 1
    assert check.problems == build.problems == ["content/places/kabul.yaml:2:1: error: unknown field 'sumary' (did you mean 'summary'?)"]


REALNEWS = SHARED / "realnews" / "content"
SHEETS = SITES / "realnews-sheets"


@pytest.mark.skipif(not REALNEWS.is_dir(), reason="../shared/realnews is not available")
def test_realnews_with_our_fact_sheets_is_clean_and_linked(tmp_path):
    site = tmp_path / "realnews"
    shutil.copytree(REALNEWS, site / "content")
    shutil.copytree(SHEETS, site, dirs_exist_ok=True)
    run = sitegen("check", site, "--strict")
    assert run.code == 0, run.stderr
    assert run.problems == []
    report = json.loads(sitegen("check", site, "--strict", "--format", "json").stdout)
    assert report["summary"] == {"errors": 0, "warnings": 0, "ok": True}

    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out, "-q").code == 0
    articles = {}
    for path in sorted((site / "content" / "articles").glob("*.md")):
        text = path.read_text("utf-8")
        articles[path.stem] = text.split("\n---\n", 1)[1]
    facts = json.loads((out / "data" / "facts.json").read_text("utf-8"))["facts"]
    sheets = {}
    for kind in ("people", "places", "events"):
        for path in sorted((SHEETS / "content" / kind).glob("*.yaml")):
            data = yaml.safe_load(path.read_text("utf-8"))
            sheets[path.stem] = (kind, [data["name"], *(data.get("aliases") or [])])
    # which articles name which entity, found independently: whole words,
    # leftmost match first and the longest name where names overlap (so
    # "killing of Qasem Soleimani" names the event, not the man)
    owner = {name: entity_id for entity_id, (_, names) in sheets.items() for name in names}
    scanner = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(owner, key=len, reverse=True)))
    naming: dict[str, set[str]] = {entity_id: set() for entity_id in sheets}
    for stem, body in articles.items():
        for match in scanner.finditer(body):
            naming[owner[match.group(0)]].add(stem)
    for entity_id, (kind, names) in sheets.items():
        pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in names))
        assert naming[entity_id], entity_id
        doc = page(out, f"/{kind}/{entity_id}/")
        section = doc.one("section", **{"aria-labelledby": "mentioned-in"})
        backlinks = {urlsplit(a.get("href")).path.strip("/").split("/")[1] for a in section.find_all("a") if a.parent.tag == "h3"}
        assert backlinks == naming[entity_id], (entity_id, backlinks ^ naming[entity_id])
        for quote in section.find_all("blockquote"):
            assert pattern.search(quote.find("p").text())
        # every fact of the sheet is verified against its article
        statuses = [s["status"] for f in facts if f["entity"] == entity_id for s in f["sources"]]
        assert statuses and set(statuses) == {"verified"}, entity_id
