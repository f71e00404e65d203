"""`sitegen build` on the example site and on copies of it: pages exist,
the build is deterministic and atomic, and it refuses dangerous output folders."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_example, sitegen
from html_tools import page, read_page

KINDS = ("people", "places", "events", "organisations")


def tree_hashes(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under `folder` (hidden ones included)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def fact_sheets(root: Path = REPO) -> list[tuple[str, str, Path]]:
    """(kind, id, path) of every fact sheet of a site."""
    return [(kind, p.stem, p) for kind in KINDS for p in sorted((root / "content" / kind).glob("*.yaml"))]


# --------------------------------------------------------------------------
# the example site


def test_example_site_builds_without_any_warning(tmp_path):
    out = tmp_path / "out"
    run = sitegen("build", REPO, "-o", out)
    assert run.code == 0, run.stderr
    assert run.problems == []
    assert "0 errors, 0 warnings" in run.stderr
    assert (out / "index.html").is_file()
    pages = sum(1 for p in out.rglob("*.html"))
    assert f"built {pages} pages into" in run.stdout, run.stdout


def test_python_dash_m_sitegen_and_the_console_script_agree(tmp_path):
    script = Path(sys.executable).parent / "sitegen"
    if not script.exists():
        pytest.skip("the console script is not installed next to this Python")
    proc = subprocess.run([script, "build", REPO, "-o", tmp_path / "out", "-q"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert (tmp_path / "out" / "index.html").is_file()


def test_every_fact_sheet_has_a_page_named_after_it(example_build):
    sheets = fact_sheets()
    assert len(sheets) >= 13
    for kind, entity_id, path in sheets:
        name = yaml.safe_load(path.read_text("utf-8"))["name"]
        html = example_build / kind / entity_id / "index.html"
        assert html.is_file(), f"no page for {path}"
        doc = read_page(html)
        assert doc.one("h1").text() == name
        assert name in doc.one("head").one("title").text()


def test_seed_entities_named_by_the_issue_exist(example_build):
    wanted = {
        "people": ["Ben Wallace", "Nick Carter"],
        "places": ["Afghanistan", "Kabul", "Herat", "Ghazni"],
        "organisations": ["Taliban", "al-Qaeda", "Ministry of Defence", "Foreign Office", "US State Department"],
    }
    for kind, names in wanted.items():
        index = page(example_build, f"/{kind}/")
        listed = index.one("main").text()
        for name in names:
            # the index shows the sheet's name; an alias is enough for the
            # long official names (Foreign Office, US State Department)
            sheets = [yaml.safe_load(p.read_text("utf-8")) for _, _, p in fact_sheets() if p.parent.name == kind]
            sheet = next(s for s in sheets if name == s["name"] or name in (s.get("aliases") or []))
            assert sheet["name"] in listed
    events = [yaml.safe_load(p.read_text("utf-8")) for k, _, p in fact_sheets() if k == "events"]
    assert len(events) >= 2  # the deployment of 600 troops and the Taliban's offensive


def test_every_article_and_index_page_exists(example_build):
    for path in sorted((REPO / "content" / "articles").rglob("*.md")):
        assert (example_build / "articles" / path.stem / "index.html").is_file()
    for rel in ["index.html", "articles/index.html", "timeline/index.html", "404.html", "feed.xml", "sitemap.xml",
                "data/facts.json", "data/graph.json", "about/index.html", "tags/index.html"]:
        assert (example_build / rel).is_file(), rel
    for kind in KINDS:
        assert (example_build / kind / "index.html").is_file()
    for tag in ("afghanistan", "evacuation", "taliban"):
        assert (example_build / "tags" / tag / "index.html").is_file()


def test_seed_article_page_shows_its_front_matter(example_build):
    doc = page(example_build, "/articles/uk-troops-kabul-2021/")
    assert doc.one("h1").text() == "Around 600 troops to be deployed to Afghanistan"
    assert doc.find("time", datetime="2021-08-13") is not None
    assert "The National" in doc.one("main").text()
    assert doc.one("html").get("lang") == "en"


# --------------------------------------------------------------------------
# determinism and atomicity


def test_two_builds_are_byte_identical(tmp_path):
    site = copy_example(tmp_path / "site")
    first, second = tmp_path / "one", tmp_path / "two"
    assert sitegen("build", site, "-o", first, "-q").code == 0
    assert sitegen("build", site, "-o", second, "-q").code == 0
    a, b = tree_hashes(first), tree_hashes(second)
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    # and a rebuild into the same folder changes nothing
    assert sitegen("build", site, "-o", first, "-q").code == 0
    assert tree_hashes(first) == a


def break_a_fact_sheet(site: Path) -> None:
    sheet = site / "content" / "people" / "ben-wallace.yaml"
    sheet.write_text(sheet.read_text("utf-8") + "nationalty: British\n", encoding="utf-8")


def test_failed_build_leaves_the_previous_output_byte_identical(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out, "-q").code == 0
    before = tree_hashes(out)
    assert len(before) > 30

    break_a_fact_sheet(site)
    run = sitegen("build", site, "-o", out, "-q")
    assert run.code == 1
    assert any("content/people/ben-wallace.yaml:" in p and "nationalty" in p for p in run.problems), run.stderr
    assert tree_hashes(out) == before
    # no staging folder or temporary file is left beside or inside the output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


def test_strict_build_with_a_warning_leaves_the_previous_output(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out, "-q").code == 0
    before = tree_hashes(out)
    sheet = site / "content" / "places" / "herat.yaml"
    text = sheet.read_text("utf-8")
    sheet.write_text(text + "  - claim: Nickname\n    value: Pearl of Khorasan\n", encoding="utf-8")
    line = text.count("\n") + 1  # the planted '- claim' line
    run = sitegen("build", site, "-o", out, "--strict", "-q")
    assert run.code == 1
    assert run.problems == [f"content/places/herat.yaml:{line}:5: warning: fact 'Nickname' of 'herat' has no source"]
    assert tree_hashes(out) == before
    # without --strict a warning does not fail the build
    assert sitegen("build", site, "-o", out, "-q").code == 0
    assert "Pearl of Khorasan" in page(out, "/places/herat/").one("main").text()


def test_refuses_the_site_folder_as_output(tmp_path):
    site = copy_example(tmp_path / "site")
    before = tree_hashes(site)
    run = sitegen("build", site, "-o", site)
    assert run.code != 0
    assert "refusing" in run.stderr
    assert tree_hashes(site) == before


def test_refuses_a_folder_that_contains_the_site(tmp_path):
    site = copy_example(tmp_path / "parent" / "site")
    before = tree_hashes(tmp_path / "parent")
    run = sitegen("build", site, "-o", tmp_path / "parent")
    assert run.code != 0
    assert "refusing" in run.stderr
    assert tree_hashes(tmp_path / "parent") == before


@pytest.mark.parametrize("inside", ["content", "content/articles"])
def test_refuses_an_output_folder_inside_content(tmp_path, inside):
    site = copy_example(tmp_path / "site")
    before = tree_hashes(site)
    run = sitegen("build", site, "-o", site / inside / "out")
    assert run.code != 0
    assert "refusing" in run.stderr and "content" in run.stderr
    assert tree_hashes(site) == before


def test_refuses_a_non_empty_folder_it_did_not_make(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.txt").write_text("do not delete", encoding="utf-8")
    run = sitegen("build", site, "-o", out)
    assert run.code != 0
    assert "refusing" in run.stderr
    assert (out / "thesis.txt").read_text("utf-8") == "do not delete"


def test_rebuild_removes_pages_of_deleted_sources(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out, "-q").code == 0
    assert (out / "tags" / "evacuation" / "index.html").is_file()
    article = site / "content" / "articles" / "uk-troops-kabul-2021.md"
    article.write_text(article.read_text("utf-8").replace("tags: [afghanistan, evacuation, taliban]", "tags: [afghanistan, taliban]"), encoding="utf-8")
    assert sitegen("build", site, "-o", out, "-q").code == 0
    assert not (out / "tags" / "evacuation").exists()


# --------------------------------------------------------------------------
# packaging


def test_wheel_ships_the_templates_and_schemas(tmp_path):
    if importlib.util.find_spec("build") is None:
        pytest.skip("the 'build' package (test extras) is not installed")
    # Build from a copy, so that the test never writes into the checkout.
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".git", ".venv", "output", "__pycache__", ".pytest_cache", "bench", "*.egg-info", ".node", "node_modules"))
    args = [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(src)]
    if importlib.util.find_spec("hatchling") is not None:
        args.insert(4, "--no-isolation")  # offline: use the installed backend
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheels = list((tmp_path / "dist").glob("sitegen-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    shipped_templates = {
        "sitegen/templates/" + p.relative_to(REPO / "templates").as_posix()
        for p in (REPO / "templates").rglob("*")
        if p.is_file()
    }
    assert "sitegen/templates/base.html" in names
    assert "sitegen/templates/entity.html" in names
    assert "sitegen/templates/assets/style.css" in names
    assert shipped_templates <= names
    assert {"sitegen/schemas/person.schema.json", "sitegen/schemas/common.schema.json", "sitegen/cli.py"} <= names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "sitegen = sitegen.cli:main" in zipfile.ZipFile(wheels[0]).read(entry_points).decode()


def test_build_and_check_from_inside_the_site_folder(tmp_path):
    """`sitegen build` with no folder argument builds the current folder."""
    site = copy_example(tmp_path / "site")
    run = sitegen("build", "-q", cwd=site)
    assert run.code == 0, run.stderr
    for sheet in (site / "content").glob("*/*.yaml"):
        assert (site / "output" / sheet.parent.name / sheet.stem / "index.html").is_file()
    run = sitegen("check", "--strict", cwd=site)
    assert run.code == 0, run.stderr


def test_unchanged_build_does_nothing_and_any_change_builds(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out).code == 0
    again = sitegen("build", site, "-o", out)
    assert again.code == 0 and "up to date" in again.stdout
    article = site / "content/articles/uk-troops-kabul-2021.md"
    article.write_text(article.read_text().replace("the government has announced.", "the government said."))
    changed = sitegen("build", site, "-o", out)
    assert "up to date" not in changed.stdout
    assert b"the government said." in (out / "articles/uk-troops-kabul-2021/index.html").read_bytes()
    (out / "people/ben-wallace/index.html").unlink()
    assert "up to date" not in sitegen("build", site, "-o", out).stdout
    assert (out / "people/ben-wallace/index.html").is_file()


def test_the_cache_record_covers_every_input_the_build_read(tmp_path):
    # The record's digest of the inputs is made from what the build read as
    # it went; the next build's, from the files: they must agree on each
    # kind of input, and any edit must tell them apart.
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    (site / "static").mkdir(exist_ok=True)
    (site / "static/note.txt").write_text("one\n")
    edits = [
        site / "content/articles/uk-troops-kabul-2021.md",
        next((site / "content/people").glob("*.yaml")),
        site / "sitegen.yaml",
        site / "static/note.txt",
    ]
    assert sitegen("build", site, "-o", out).code == 0
    for path in edits:
        assert "up to date" in sitegen("build", site, "-o", out).stdout, path
        path.write_bytes(path.read_bytes() + b"\n# edited\n")
        assert "up to date" not in sitegen("build", site, "-o", out).stdout, path


def test_a_corrupt_or_foreign_cache_is_ignored(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out).code == 0
    record = site / ".sitegen-cache/build.json"
    for garbage in ("{not json", '{"format": 1, "fingerprint": 5, "diagnostics": "x"}', "[]", "\x00\x01"):
        record.write_text(garbage)
        run = sitegen("build", site, "-o", out)
        assert run.code == 0 and "up to date" not in run.stdout, garbage


@pytest.mark.parametrize("site_name", ["example", "tracker"])
def test_a_one_time_build_makes_what_a_kept_builder_makes(tmp_path, site_name):
    # `sitegen build` lets go of sources, indexes and unshown passages before
    # rendering; `serve` keeps them all. Their output must be the same.
    from sitegen.build import Builder
    from sitegen.search import add_search_index
    from sitegen.write import MANIFEST, write_output

    if site_name == "example":
        site = copy_example(tmp_path / "site")
    else:
        site = Path(shutil.copytree(REPO / "tests/sites/tracker", tmp_path / "site"))
    once = tmp_path / "once"
    assert sitegen("build", site, "-o", once, "-q").code == 0
    result = Builder(site).render()
    add_search_index(result)
    kept = tmp_path / "kept"
    write_output(kept, result.files)
    a = {k: v for k, v in tree_hashes(once).items() if k != MANIFEST}
    b = {k: v for k, v in tree_hashes(kept).items() if k != MANIFEST}
    assert len(a) > 20
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2 or shutil.which("taskset") is None, reason="needs two cores and taskset")
def test_a_build_on_every_core_makes_what_one_core_makes(tmp_path):
    # From a few hundred articles on, parsing, linking, the search index and
    # the pages are shared out among worker processes, and what they make
    # travels back pickled; on one core it is all made in the build's own.
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(REPO / "bench/generate.py"), str(site), "--articles", "2100", "-q"], check=True, timeout=300)
    every, one = tmp_path / "every", tmp_path / "one"
    on_every = sitegen("build", site, "-o", every, "-q")
    core = str(min(os.sched_getaffinity(0)))
    on_one = subprocess.run(["taskset", "-c", core, sys.executable, "-m", "sitegen", "build", str(site), "-o", str(one), "-q"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert on_every.code == on_one.returncode == 0, on_one.stderr
    assert on_every.stderr == on_one.stderr
    a, b = tree_hashes(every), tree_hashes(one)
    assert len(a) > 2800
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def test_a_killed_first_build_leaves_a_folder_the_next_build_takes(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    (out / ".sitegen-staging/articles/x").mkdir(parents=True)
    (out / ".sitegen-staging/articles/x/index.html").write_text("half", encoding="utf-8")
    run = sitegen("build", site, "-o", out, "-q")
    assert run.code == 0, run.stderr
    assert not (out / ".sitegen-staging").exists()
    assert (out / "index.html").is_file()


def test_a_one_time_build_reports_what_check_reports(tmp_path):
    # `sitegen build` looks quotes up, and finds the closest passage to a
    # misquote, in the link workers, before the bodies go to its body store;
    # `sitegen check` keeps every body in memory. They must say the same.
    site = Path(shutil.copytree(REPO / "tests/sites/defects", tmp_path / "site"))
    built = sitegen("build", site, "-o", tmp_path / "out")
    checked = sitegen("check", site)
    assert built.code == checked.code == 1
    errors = [line for line in built.stderr.splitlines() if ": error: " in line]
    assert any('closest passage: "the bridge carries 12,000 vehicles a day' in line for line in errors), built.stderr
    assert errors == [line for line in checked.stderr.splitlines() if ": error: " in line]


def test_a_build_leaves_none_of_its_working_files(tmp_path):
    # The body store lives in the staging folder while the build runs.
    site = copy_example(tmp_path / "site")
    out = tmp_path / "out"
    assert sitegen("build", site, "-o", out, "-q").code == 0
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".sitegen-manifest.json"]


def test_a_body_read_again_must_be_the_one_parsed(tmp_path):
    # A one-time build parses an article without keeping its body and reads
    # it again to link it: a file saved in between is not mixed with its
    # earlier front matter.
    from sitegen.load import read_body

    article = tmp_path / "content/articles/a.md"
    article.parent.mkdir(parents=True)
    article.write_bytes(b"\xef\xbb\xbf---\r\ntitle: A\r\n---\r\nFirst line.\r\nSecond.\r\n")
    digest = hashlib.sha256(article.read_bytes()).hexdigest()
    assert read_body(tmp_path, "content/articles/a.md", digest) == "First line.\nSecond.\n"
    article.write_bytes(b"---\ntitle: A\n---\nEdited.\n")
    assert read_body(tmp_path, "content/articles/a.md", digest) is None
    article.unlink()
    assert read_body(tmp_path, "content/articles/a.md", digest) is None


def test_fact_sheet_positions_let_go_of_are_read_again_from_the_unchanged_file(tmp_path):
    # A one-time build lets go of its fact sheets' YAML marks once they are
    # checked, and parses a sheet again when linking reports a problem in it.
    from sitegen.diagnostics import Diagnostics
    from sitegen.load import load_source, marks_to_reread

    sheet = tmp_path / "content/people/a.yaml"
    sheet.parent.mkdir(parents=True)
    sheet.write_bytes(b"\xef\xbb\xbfname: A\r\nfacts:\r\n  - claim: Age\r\n    value: 40\r\n")
    data = sheet.read_bytes()
    parsed = load_source(tmp_path, "content/people/a.yaml", "people", data, Diagnostics()).doc
    digest = hashlib.sha256(data).hexdigest()
    again = marks_to_reread(tmp_path, "content/people/a.yaml", digest)
    assert again.value is None and not again.value_marks
    for path, key in [(("facts", 0, "value"), False), (("facts", 0, "claim"), True), (("name",), True)]:
        assert again.position(path, key=key) == parsed.position(path, key=key)
    assert again.position(("facts", 0, "value")) == (4, 12)
    sheet.write_bytes(b"name: A\n\n\nfacts: []\n")  # saved since: its positions would be wrong
    assert marks_to_reread(tmp_path, "content/people/a.yaml", digest).position(("facts", 0, "value")) == (1, 1)
