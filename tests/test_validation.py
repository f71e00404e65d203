"""Every class of content error is one `path:line:col: error: message` line
at the offending YAML node or Markdown line, exit code 1, no traceback, and
every problem of a run is reported.

Expected positions are computed from the fixture text itself (the line and
column where the offending key or value is written), never copied from
sitegen's output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import sitegen, write_site

BASE = {
    "content/articles/report.md": """
        ---
        title: Harbour bridge opens
        date: 2024-01-05
        ---
        Ada Quill opened the bridge in Port Elm.
        """,
    "content/people/ada-quill.yaml": """
        name: Ada Quill
        aliases: [Mayor Quill]
        """,
    "content/places/port-elm.yaml": """
        name: Port Elm
        """,
}


def where(root: Path, rel: str, needle: str, after: str | None = None, skip: int = 0) -> tuple[int, int]:
    """1-based (line, column) of `needle` in the file (of its first occurrence
    after the text `after`, plus `skip` characters)."""
    text = (root / rel).read_text("utf-8")
    start = text.index(after) + len(after) if after else 0
    at = text.index(needle, start) + skip
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, column


def site_with(tmp_path: Path, files: dict[str, str], base: bool = True) -> Path:
    root = tmp_path / "site"
    write_site(root, {**(BASE if base else {}), **files})
    return root


def check(root: Path):
    run = sitegen("check", root)
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    return run


def errors(run) -> list[str]:
    return [p for p in run.problems if ": error: " in p]


def assert_problem(run, rel: str, line: int, column: int, *fragments: str, severity: str = "error") -> str:
    prefix = f"{rel}:{line}:{column}: {severity}: "
    matching = [p for p in run.problems if p.startswith(prefix) and all(f in p for f in fragments)]
    assert matching, f"no problem {prefix}…{fragments} in:\n{run.stderr}"
    return matching[0]


def test_the_base_fixture_is_clean(tmp_path):
    root = site_with(tmp_path, {})
    run = sitegen("check", root)
    assert run.code == 0, run.stderr
    assert run.problems == []


# --------------------------------------------------------------------------
# YAML syntax


def test_malformed_yaml_in_a_fact_sheet(tmp_path):
    rel = "content/people/ben-quill.yaml"
    root = site_with(tmp_path, {rel: "name: Ben Quill\nsummary: Treasurer: of the council\n"})
    run = check(root)
    # the second ':' on the summary line is where the mapping breaks
    assert_problem(run, rel, *where(root, rel, ": of the council"), "mapping values are not allowed")


def test_unclosed_quote_points_at_where_it_opens(tmp_path):
    rel = "content/people/ben-quill.yaml"
    root = site_with(tmp_path, {rel: 'name: Ben Quill\nsummary: "Treasurer of the council\naliases: [Quill]\n'})
    run = check(root)
    assert_problem(run, rel, *where(root, rel, '"Treasurer'), "never closed")


def test_malformed_front_matter_counts_lines_from_the_top_of_the_file(tmp_path):
    rel = "content/articles/broken.md"
    root = site_with(tmp_path, {rel: "---\ntitle: [Harbour bridge\ndate: 2024-01-06\n---\nBody.\n"})
    run = check(root)
    line, column = where(root, rel, "[Harbour")
    problem = assert_problem(run, rel, line + 1, *[where(root, rel, ":", after="[Harbour bridge\ndate")[1]])
    assert f"starts at line {line}, column {column}" in problem


def test_missing_front_matter(tmp_path):
    rel = "content/articles/no-front-matter.md"
    root = site_with(tmp_path, {rel: "Just a body, no front matter.\n"})
    assert_problem(check(root), rel, 1, 1, "front matter")


def test_unclosed_front_matter(tmp_path):
    rel = "content/articles/open.md"
    root = site_with(tmp_path, {rel: "---\ntitle: Open\ndate: 2024-01-06\nBody without a closing line.\n"})
    assert_problem(check(root), rel, 1, 1, "never closed")


def test_duplicate_key(tmp_path):
    rel = "content/places/harbour.yaml"
    root = site_with(tmp_path, {rel: "name: Harbour\nsummary: One.\nname: Old harbour\n"})
    run = check(root)
    assert_problem(run, rel, *where(root, rel, "name:", after="summary"), "duplicate key 'name'")


def test_tab_indentation(tmp_path):
    rel = "content/places/harbour.yaml"
    root = site_with(tmp_path, {rel: "name: Harbour\nfacts:\n  - claim: Depth\n\tvalue: 12\n"})
    run = check(root)
    assert_problem(run, rel, *where(root, rel, "\t"), "tab")


def test_yaml_tags_are_refused(tmp_path):
    rel = "content/places/harbour.yaml"
    root = site_with(tmp_path, {rel: "name: !!python/object:os.system Harbour\n"})
    run = check(root)
    assert_problem(run, rel, *where(root, rel, "!!python"), "tag")


# --------------------------------------------------------------------------
# schemas


def test_missing_required_field_in_a_fact_sheet(tmp_path):
    rel = "content/places/harbour.yaml"
    root = site_with(tmp_path, {rel: "aliases: [Old harbour]\nsummary: The harbour.\n"})
    assert_problem(check(root), rel, 1, 1, "missing required field 'name'")


def test_missing_required_fields_of_an_article(tmp_path):
    rel = "content/articles/untitled.md"
    root = site_with(tmp_path, {rel: "---\npublisher: The Elm Gazette\n---\nBody.\n"})
    run = check(root)
    # the front matter mapping starts on line 2, below the '---'
    assert_problem(run, rel, 2, 1, "missing required field 'title'")
    assert_problem(run, rel, 2, 1, "missing required field 'date'")


def test_missing_required_field_of_a_fact(tmp_path):
    rel = "content/places/harbour.yaml"
    root = site_with(tmp_path, {rel: "name: Harbour\nfacts:\n  - claim: Depth\n    source: report\n"})
    run = check(root)
    assert_problem(run, rel, *where(root, rel, "claim: Depth"), "missing required field 'value'", "facts[0]")


@pytest.mark.parametrize(
    "rel, text, needle, fragment",
    [
        ("content/people/ben-quill.yaml", "name: Ben Quill\naliases: BQ\n", "BQ", "'aliases' must be a list"),
        ("content/places/harbour.yaml", "name: Harbour\ncoordinates: north\n", "north", "'coordinates' must be a list"),
        ("content/places/harbour.yaml", "name: Harbour\nfacts:\n  - claim: Depth\n    value: {metres: 12}\n", "{metres", "'facts[0].value' must be text or a number"),
        ("content/places/harbour.yaml", "name: Harbour\nautolink: sometimes\n", "sometimes", "'autolink' must be true or false"),
        ("content/places/harbour.yaml", "name: Harbour\nfacts:\n  - claim: Depth\n    value: .nan\n", ".nan", "not a finite number"),
        ("content/places/harbour.yaml", "name: 2024-01-05\n", "2024-01-05", "'name' must be text, not a date"),
        ("content/articles/late.md", "---\ntitle: Late\ndate: 2024-01-06\ntags: [2024-01-06]\n---\nBody.\n", "2024-01-06]", "'tags[0]' must be text, not a date"),
        ("content/articles/late.md", "---\ntitle: Late\ndate: 2024-01-06\ntags: bridges\n---\nBody.\n", "bridges", "'tags' must be a list"),
        ("content/articles/late.md", "---\ntitle: [Late, news]\ndate: 2024-01-06\n---\nBody.\n", "[Late", "'title' must be text"),
    ],
)
def test_wrong_type(tmp_path, rel, text, needle, fragment):
    root = site_with(tmp_path, {rel: text})
    assert_problem(check(root), rel, *where(root, rel, needle), fragment)


@pytest.mark.parametrize(
    "rel, text, key, suggestion",
    [
        ("content/people/ben-quill.yaml", "name: Ben Quill\nsumary: Treasurer.\n", "sumary", "summary"),
        ("content/people/ben-quill.yaml", "name: Ben Quill\nfacts:\n  - claim: Post\n    value: Treasurer\n    qoute: Treasurer\n", "qoute", "quote"),
        ("content/articles/late.md", "---\ntitle: Late\ndate: 2024-01-06\nauthors: [Jo]\n---\nBody.\n", "authors", "author"),
        ("content/events/opening.yaml", "name: Opening\nparticipant: [ada-quill]\n", "participant", "participants"),
        ("sitegen.yaml", "title: Tracker\nautolnk: all\n", "autolnk", "autolink"),
    ],
)
def test_unknown_field_with_did_you_mean(tmp_path, rel, text, key, suggestion):
    root = site_with(tmp_path, {rel: text})
    assert_problem(check(root), rel, *where(root, rel, key + ":"), f"unknown field '{key}'", f"did you mean '{suggestion}'?")


def test_kind_specific_field_on_the_wrong_kind(tmp_path):
    rel = "content/people/ben-quill.yaml"
    root = site_with(tmp_path, {rel: "name: Ben Quill\ncoordinates: [1, 2]\n"})
    assert_problem(check(root), rel, *where(root, rel, "coordinates"), "unknown field 'coordinates'")


def test_bad_config_value(tmp_path):
    root = site_with(tmp_path, {"sitegen.yaml": "title: Tracker\nautolink: alll\nbase_url: ftp://example.org/\n"})
    run = check(root)
    assert_problem(run, "sitegen.yaml", *where(root, "sitegen.yaml", "alll"), "'autolink' must be one of first, all, none", "did you mean 'all'?")
    assert_problem(run, "sitegen.yaml", *where(root, "sitegen.yaml", "ftp://"), "http(s) URL")


# --------------------------------------------------------------------------
# ids and references


@pytest.mark.parametrize("name", ["Ben_Quill.yaml", "ben quill.yaml", "-ben.yaml", "Ben.yaml"])
def test_invalid_id(tmp_path, name):
    rel = f"content/people/{name}"
    root = site_with(tmp_path, {rel: "name: Ben Quill\n"})
    problem = assert_problem(check(root), rel, 1, 1, "invalid id")
    assert Path(name).stem in problem


def test_invalid_article_id(tmp_path):
    rel = "content/articles/Bridge Opens.md"
    root = site_with(tmp_path, {rel: "---\ntitle: Bridge\ndate: 2024-01-06\n---\nBody.\n"})
    assert_problem(check(root), rel, 1, 1, "invalid id 'Bridge Opens'", "bridge-opens")


def test_duplicate_id_across_kinds(tmp_path):
    root = site_with(tmp_path, {"content/organisations/port-elm.yaml": "name: Port Elm town council\n"})
    run = check(root)
    # files are taken in path order: organisations/ before places/
    problem = assert_problem(run, "content/places/port-elm.yaml", 1, 1, "duplicate id 'port-elm'")
    assert "content/organisations/port-elm.yaml" in problem


def test_duplicate_id_still_reports_the_files_own_problems(tmp_path):
    rel = "content/places/port-elm.yaml"
    root = site_with(tmp_path, {"content/organisations/port-elm.yaml": "name: Port Elm town council\n", rel: "name: Port Elm\nsumary: A town.\n"})
    run = check(root)
    assert_problem(run, rel, 1, 1, "duplicate id")
    assert_problem(run, rel, *where(root, rel, "sumary"), "unknown field 'sumary'")


def test_unknown_references(tmp_path):
    article = "content/articles/opening.md"
    event = "content/events/opening.yaml"
    root = site_with(tmp_path, {
        article: "---\ntitle: Opening\ndate: 2024-01-06\nabout: [port-elm, bridge-opening]\nmentions: [ada-quil]\n---\nBody.\n",
        event: "name: Bridge opening\ndate: 2024-01-05\nplaces: [port-elm, harbour]\nparticipants: [ada-quill]\nfacts:\n  - claim: Opened by\n    value: \"[[ada-quil]]\"\n    source: opening\n",
    })
    run = check(root)
    assert_problem(run, article, *where(root, article, "bridge-opening"), "unknown entity 'bridge-opening'")
    assert_problem(run, article, *where(root, article, "ada-quil"), "unknown entity 'ada-quil'", "did you mean 'ada-quill'?")
    assert_problem(run, event, *where(root, event, "harbour"), "unknown entity 'harbour'")
    assert_problem(run, event, *where(root, event, '"[[ada-quil]]"'), "unknown entity 'ada-quil'")
    assert len(errors(run)) == 4, run.stderr


def test_reference_of_the_wrong_kind(tmp_path):
    event = "content/events/opening.yaml"
    place = "content/places/harbour.yaml"
    root = site_with(tmp_path, {
        event: "name: Bridge opening\ndate: 2024-01-05\nplaces: [port-elm, ada-quill]\n",
        place: "name: Harbour\npart_of: ada-quill\n",
    })
    run = check(root)
    assert_problem(run, event, *where(root, event, "ada-quill"), "'ada-quill' is person", "place")
    assert_problem(run, place, *where(root, place, "ada-quill"), "'ada-quill' is person", "place")


def test_unknown_wikilink_in_a_body(tmp_path):
    rel = "content/articles/opening.md"
    body = (
        "---\ntitle: Opening\ndate: 2024-01-06\n---\n"
        "The bridge opened.\n\n"
        "It was opened by [[Ada Quill]] and\n"
        "[[Ben Quil|the treasurer]] of [[port-elm]].\n\n"
        "> Quoted [[nobody-at-all]].\n"
    )
    root = site_with(tmp_path, {rel: body})
    run = check(root)
    assert_problem(run, rel, *where(root, rel, "[[Ben Quil|"), "unknown entity 'Ben Quil'")
    assert_problem(run, rel, *where(root, rel, "[[nobody-at-all]]"), "unknown entity 'nobody-at-all'")
    assert len(errors(run)) == 2, run.stderr


def test_unknown_wikilinks_in_fact_sheets_and_pages(tmp_path):
    sheet = "content/places/harbour.yaml"
    page_rel = "content/pages/about.md"
    root = site_with(tmp_path, {
        sheet: (
            "name: Harbour\n"
            "summary: The harbour of [[port-elmm]].\n"
            "description: |\n  Run by [[Ada Quill|the mayor]].\n"
            "facts:\n  - claim: Owner\n    value: \"[[nobody]]\"\n    source: report\n"
            "  - claim: Operator\n    value: the council of [[port-elm]] and [[elm-council]]\n    source: report\n"
        ),
        page_rel: "---\ntitle: About\n---\nWe follow [[port-elm]].\n\nAnd [[atlantis|a lost city]] too.\n",
    })
    run = check(root)
    assert_problem(run, sheet, *where(root, sheet, "The harbour"), "unknown entity 'port-elmm'", "did you mean 'port-elm'?")
    assert_problem(run, sheet, *where(root, sheet, "|"), "unknown entity 'Ada Quill'", "[[ada-quill]]")
    assert_problem(run, sheet, *where(root, sheet, '"[[nobody]]"'), "unknown entity 'nobody'")
    assert_problem(run, sheet, *where(root, sheet, "the council"), "unknown entity 'elm-council'")
    assert_problem(run, page_rel, *where(root, page_rel, "[[atlantis"), "unknown entity 'atlantis'")
    assert len(errors(run)) == 5, run.stderr


def test_wikilink_to_an_ambiguous_name_asks_for_an_id(tmp_path):
    rel = "content/articles/opening.md"
    root = site_with(tmp_path, {
        "content/people/ben-quill.yaml": "name: Ben Quill\naliases: [Mayor Quill]\n",
        rel: "---\ntitle: Opening\ndate: 2024-01-06\n---\nBen Quill and Ada Quill came; [[Mayor Quill]] spoke.\n",
    })
    run = check(root)
    problem = assert_problem(run, rel, *where(root, rel, "[[Mayor Quill]]"), "'Mayor Quill' names several entities", "ada-quill", "ben-quill")
    report = json.loads(sitegen("check", root, "--format", "json").stdout)
    assert [d["code"] for d in report["diagnostics"] if d["severity"] == "error"] == ["ref.ambiguous"]


@pytest.mark.parametrize(
    "rel, text, needle",
    [
        ("content/articles/late.md", "---\ntitle: Late\ndate: 2024-02-30\n---\nBody.\n", "2024-02-30"),
        ("content/articles/late.md", "---\ntitle: Late\ndate: yesterday\n---\nBody.\n", "yesterday"),
        ("content/articles/late.md", "---\ntitle: Late\ndate: 2024-01-06\nupdated: 06/01/2024\n---\nBody.\n", "06/01/2024"),
        ("content/people/ben-quill.yaml", "name: Ben Quill\nborn: 1970-13-01\n", "1970-13-01"),
        ("content/people/ben-quill.yaml", "name: Ben Quill\nfacts:\n  - claim: Post\n    value: Treasurer\n    start: 2024-01-32\n", "2024-01-32"),
        ("content/events/opening.yaml", "name: Opening\ndate: \"January 5\"\n", '"January 5"'),
    ],
)
def test_bad_date(tmp_path, rel, text, needle):
    root = site_with(tmp_path, {rel: text})
    problem = assert_problem(check(root), rel, *where(root, rel, needle), "must be a date")
    assert needle.strip('"') in problem


def test_fact_time_errors(tmp_path):
    rel = "content/people/ben-quill.yaml"
    root = site_with(tmp_path, {rel: (
        "name: Ben Quill\nfacts:\n"
        "  - claim: Post\n    value: Treasurer\n    start: 2024-03-01\n    end: 2024-01-01\n"
        "  - claim: Post\n    value: Clerk\n    date: 2023-01-01\n    start: 2022-01-01\n"
    )})
    run = check(root)
    assert_problem(run, rel, *where(root, rel, "2024-01-01"), "'end'", "before 'start'")
    assert_problem(run, rel, *where(root, rel, "2023-01-01"), "either 'date' or 'start'/'end'")


@pytest.mark.parametrize(
    "rel, text, needle, fragment",
    [
        ("content/people/ben-quill.yaml", "name: Ben Quill\nfacts:\n  - claim: Post\n    value: Treasurer\n    source: \"javascript:alert(1)\"\n", '"javascript', "article id or an http(s) URL"),
        ("content/people/ben-quill.yaml", "name: Ben Quill\nfacts:\n  - claim: Post\n    value: Treasurer\n    sources:\n      - {source: \"data:text/html,<script>alert(1)</script>\"}\n", '"data:', "article id or an http(s) URL"),
        ("content/people/ben-quill.yaml", "name: Ben Quill\nlinks:\n  - {title: Home, url: \"javascript:alert(1)\"}\n", '"javascript', "http(s) URL"),
        ("content/articles/late.md", "---\ntitle: Late\ndate: 2024-01-06\nurl: ftp://example.org/late\n---\nBody.\n", "ftp://", "http(s) URL"),
    ],
)
def test_non_http_url(tmp_path, rel, text, needle, fragment):
    root = site_with(tmp_path, {rel: text})
    problem = assert_problem(check(root), rel, *where(root, rel, needle), fragment)
    assert "javascript:" in problem or "data:" in problem or "ftp:" in problem


def test_reserved_page_id(tmp_path):
    rel = "content/pages/timeline.md"
    root = site_with(tmp_path, {rel: "---\ntitle: My timeline\n---\nBody.\n"})
    assert_problem(check(root), rel, 2, 1, "timeline")


def test_not_utf8(tmp_path):
    root = site_with(tmp_path, {})
    rel = "content/places/caf.yaml"
    (root / rel).write_bytes(b"name: Caf\xe9\n")
    assert_problem(check(root), rel, 1, 10, "UTF-8")


# --------------------------------------------------------------------------
# a whole run


def test_every_problem_of_a_run_is_reported_and_the_build_fails_without_a_traceback(tmp_path):
    planted = {
        "content/people/tab.yaml": ("name: Tab\nfacts:\n\t- claim: x\n", "\t"),
        "content/people/dup-key.yaml": ("name: A\nname: B\n", "name: B"),
        "content/people/no-name.yaml": ("summary: nameless\n", None),
        "content/people/typo.yaml": ("name: Typo\nsumary: x\n", "sumary"),
        "content/people/Bad_Id.yaml": ("name: Bad\n", None),
        "content/places/wrong-type.yaml": ("name: Wrong\naliases: one\n", "one"),
        "content/events/bad-ref.yaml": ("name: Bad ref\nplaces: [atlantis]\n", "atlantis"),
        "content/events/bad-kind.yaml": ("name: Bad kind\nplaces: [ada-quill]\n", "ada-quill"),
        "content/events/bad-date.yaml": ("name: Bad date\ndate: 2024-02-31\n", "2024-02-31"),
        "content/people/bad-url.yaml": ("name: Bad URL\nfacts:\n  - claim: x\n    value: y\n    source: \"javascript:alert(1)\"\n", '"javascript'),
        "content/articles/bad-link.md": ("---\ntitle: Bad link\ndate: 2024-01-07\n---\nSee [[atlantis]].\n", "[[atlantis]]"),
    }
    root = site_with(tmp_path, {rel: text for rel, (text, _) in planted.items()})
    out = tmp_path / "out"
    for command in (["check", root], ["build", root, "-o", out]):
        run = sitegen(*command)
        assert run.code == 1
        assert "Traceback" not in run.stderr
        paths = sorted({p.split(":")[0] for p in errors(run)})
        assert paths == sorted(planted), run.stderr
        for rel, (_, needle) in planted.items():
            line, column = where(root, rel, needle) if needle else (1, 1)
            assert any(p.startswith(f"{rel}:{line}:{column}: error: ") for p in run.problems), (rel, run.stderr)
        assert len(errors(run)) == len(planted), run.stderr
        assert re.search(rf"^{len(planted)} errors, \d+ warnings?$", run.stderr, re.M)
        for line in run.problems:
            assert re.match(r"^[^:]+:\d+:\d+: (error|warning): \S", line), line
    assert not out.exists()


def test_usage_errors_exit_2(tmp_path):
    assert sitegen("check", tmp_path / "missing").code == 2
    assert sitegen("build", "--no-such-option").code == 2
    assert sitegen("check", tmp_path, "--format", "xml").code == 2
