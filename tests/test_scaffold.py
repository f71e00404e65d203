"""`sitegen init` and `sitegen new`: a skeleton that builds strictly, files to
fill in that are correctly named, carry the schema modeline and are never
overwritten; and the shipped JSON Schemas are usable by a standard validator
(what an editor's YAML language server runs)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO, sitegen, write_site

from sitegen.scaffold import slugify

MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Ben Wallace", "ben-wallace"),
        ("Sir Nick Carter's visit", "sir-nick-carters-visit"),
        ("Kabul: 600 troops — “deployed”", "kabul-600-troops-deployed"),
        ("Zürich Straße Ærø", "zurich-strasse-aero"),
        ("  --Al-Qaeda--  ", "al-qaeda"),
        ("Кабул", ""),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_slugify_cuts_long_titles_at_a_word():
    slug = slugify("word " * 40)
    assert len(slug) <= 80 and not slug.endswith("-") and slug.endswith("word")


# -- init ----------------------------------------------------------------------


def test_init_makes_a_site_that_builds_strictly(tmp_path):
    site = tmp_path / "new-site"
    run = sitegen("init", site)
    assert run.code == 0, run.stderr
    for rel in ("sitegen.yaml", "content/pages/about.md", "content/people/ana-ruiz.yaml", "content/places/riverton.yaml"):
        assert (site / rel).is_file(), rel
    assert list((site / "content" / "articles").glob("*.md"))

    check = sitegen("check", site, "--strict")
    assert check.code == 0, check.stderr
    assert check.problems == []
    build = sitegen("build", site, "--strict")
    assert build.code == 0, build.stderr
    assert build.problems == []
    assert "0 errors, 0 warnings" in build.stderr

    out = site / "output"
    assert (out / "people" / "ana-ruiz" / "index.html").is_file()
    assert (out / "about" / "index.html").is_file()
    facts = json.loads((out / "data" / "facts.json").read_text("utf-8"))["facts"]
    quoted = [s for f in facts if f["entity"] == "ana-ruiz" for s in f["sources"] if s.get("quote")]
    assert quoted and all(s["status"] == "verified" for s in quoted)
    article = next((site / "content" / "articles").glob("*.md")).read_text("utf-8")
    assert "mentions: [ana-ruiz]" in article or "Ana Ruiz" in article


def test_init_writes_schema_modelines(tmp_path):
    site = tmp_path / "s"
    assert sitegen("init", site).code == 0
    for rel in ("sitegen.yaml", "content/people/ana-ruiz.yaml", "content/places/riverton.yaml"):
        match = MODELINE.search((site / rel).read_text("utf-8"))
        assert match, rel
        assert Path(match.group(1)).is_file()


def test_init_refuses_a_non_empty_folder(tmp_path):
    site = write_site(tmp_path / "busy", {"notes.txt": "mine\n"})
    run = sitegen("init", site)
    assert run.code == 1
    assert "not empty" in run.stderr
    assert sorted(p.name for p in site.iterdir()) == ["notes.txt"]
    assert (site / "notes.txt").read_text() == "mine\n"


def test_init_accepts_a_fresh_git_repository(tmp_path):
    site = tmp_path / "repo"
    (site / ".git").mkdir(parents=True)
    assert sitegen("init", site).code == 0
    assert (site / "sitegen.yaml").is_file()


def test_init_refuses_a_file(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    run = sitegen("init", path)
    assert run.code == 1 and "not a folder" in run.stderr


def test_init_needs_a_folder_argument():
    assert sitegen("init").code == 2


# -- new -----------------------------------------------------------------------


@pytest.fixture
def site(tmp_path) -> Path:
    site = tmp_path / "site"
    assert sitegen("init", site).code == 0
    return site


@pytest.mark.parametrize(
    "kind, folder, schema",
    [("person", "people", "person"), ("place", "places", "place"), ("event", "events", "event"), ("organisation", "organisations", "organisation")],
)
def test_new_fact_sheet(site, kind, folder, schema):
    run = sitegen("new", kind, "Général Jane O'Neill", site)
    assert run.code == 0, run.stderr
    path = site / "content" / folder / "general-jane-oneill.yaml"
    assert path.is_file()
    assert str(path) in run.stdout
    text = path.read_text("utf-8")
    modeline = MODELINE.search(text)
    assert modeline and text.startswith("# yaml-language-server:")
    assert Path(modeline.group(1)).name == f"{schema}.schema.json" and Path(modeline.group(1)).is_file()
    data = yaml.safe_load(text)
    assert data == {"name": "Général Jane O'Neill"}
    assert "# facts:" in text and "quote:" in text

    build = sitegen("build", site)
    assert build.code == 0, build.stderr
    assert (site / "output" / folder / "general-jane-oneill" / "index.html").is_file()
    check = sitegen("check", site)
    assert check.code == 0
    assert any("no article mentions 'general-jane-oneill'" in line for line in check.problems)


def test_new_article(site):
    run = sitegen("new", "article", "Work begins: the bridge — at last", site)
    assert run.code == 0, run.stderr
    path = site / "content" / "articles" / "work-begins-the-bridge-at-last.md"
    text = path.read_text("utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"] == "Work begins: the bridge — at last"
    assert front["date"] == dt.date.today()
    build = sitegen("build", site, "--strict")
    assert build.code == 0, build.stderr
    page = site / "output" / "articles" / "work-begins-the-bridge-at-last" / "index.html"
    assert "Work begins: the bridge — at last" in page.read_text("utf-8")


def test_new_page(site):
    assert sitegen("new", "page", "Methodology", site).code == 0
    assert (site / "content" / "pages" / "methodology.md").is_file()
    assert sitegen("build", site, "--strict").code == 0
    assert (site / "output" / "methodology" / "index.html").is_file()
    run = sitegen("new", "page", "Search", site)
    assert run.code == 2 and "reserved" in run.stderr


def test_new_then_build_with_a_filled_in_fact_sheet(site):
    assert sitegen("new", "person", "Tom Baker", site).code == 0
    path = site / "content" / "people" / "tom-baker.yaml"
    path.write_text(
        path.read_text("utf-8")
        + "aliases: [Baker]\nfacts:\n  - claim: Vote\n    value: against\n    source: council-approves-second-bridge\n"
        + '    quote: "nine votes to four"\n',
        encoding="utf-8",
    )
    run = sitegen("build", site)
    assert run.code == 0, run.stderr


def test_new_refuses_to_overwrite(site):
    path = site / "content" / "people" / "ana-ruiz.yaml"
    before = path.read_bytes()
    run = sitegen("new", "person", "Ana Ruiz", site)
    assert run.code == 1
    assert "content/people/ana-ruiz.yaml already exists" in run.stderr
    assert path.read_bytes() == before

    article = next((site / "content" / "articles").glob("*.md"))
    before = article.read_bytes()
    run = sitegen("new", "article", "Council approves second bridge", site)
    assert run.code == 1 and "already exists" in run.stderr
    assert article.read_bytes() == before


def test_new_refuses_an_id_used_by_another_kind(site):
    run = sitegen("new", "organisation", "Riverton", site)
    assert run.code == 1
    assert "already used by content/places/riverton.yaml" in run.stderr
    assert not (site / "content" / "organisations" / "riverton.yaml").exists()


def test_new_with_an_explicit_id(site):
    run = sitegen("new", "place", "Кабул", site)
    assert run.code == 2 and "--id" in run.stderr
    run = sitegen("new", "place", "Кабул", site, "--id", "kabul")
    assert run.code == 0, run.stderr
    assert yaml.safe_load((site / "content" / "places" / "kabul.yaml").read_text("utf-8")) == {"name": "Кабул"}
    assert sitegen("new", "place", "Kabul", site, "--id", "Not An Id").code == 2


def test_new_usage_errors(site, tmp_path):
    assert sitegen("new", "planet", "Mars", site).code == 2
    assert sitegen("new", "person", "   ", site).code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    run = sitegen("new", "person", "Ann", empty)
    assert run.code == 1 and "sitegen init" in run.stderr
    assert not any(empty.iterdir())


# -- the schemas, as an editor uses them ------------------------------------------


def _jsonable(value):
    """YAML as a YAML 1.2 editor sees it: dates are strings."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _validator(schema_file: Path):
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    folder = schema_file.parent

    def retrieve(uri: str):
        name = uri.rsplit("/", 1)[-1]
        return referencing.Resource.from_contents(json.loads((folder / name).read_text("utf-8")))

    registry = referencing.Registry(retrieve=retrieve)
    schema = json.loads(schema_file.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_shipped_schemas_validate_real_content_with_a_standard_validator(site):
    from sitegen.schema import SCHEMA_FILES, schema_path

    for name in SCHEMA_FILES:
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.Draft202012Validator.check_schema(json.loads(Path(schema_path(name)).read_text("utf-8")))

    documents: list[tuple[Path, dict, str]] = []
    for root in (REPO, site):
        for path in sorted((root / "content").rglob("*.yaml")):
            text = path.read_text("utf-8")
            modeline = MODELINE.search(text)
            schema = modeline.group(1) if modeline else schema_path({"people": "person", "places": "place", "events": "event", "organisations": "organisation"}[path.parent.name])
            documents.append((path, yaml.safe_load(text), schema))
        for path in sorted((root / "content" / "articles").rglob("*.md")):
            documents.append((path, _front_matter(path.read_text("utf-8")), schema_path("article")))
        for path in sorted((root / "content" / "pages").glob("*.md")):
            documents.append((path, _front_matter(path.read_text("utf-8")), schema_path("page")))
        config = root / "sitegen.yaml"
        documents.append((config, yaml.safe_load(config.read_text("utf-8")), schema_path("config")))
    assert len(documents) > 10
    for path, data, schema in documents:
        errors = [e.message for e in _validator(Path(schema)).iter_errors(_jsonable(data))]
        assert errors == [], f"{path}: {errors}"


def test_a_standard_validator_rejects_what_sitegen_rejects(tmp_path):
    from sitegen.schema import schema_path

    validator = _validator(Path(schema_path("person")))
    bad = {"name": "X", "facts": [{"claim": "Position", "value": "y", "rank": "best", "colour": "red"}], "born": 1970}
    messages = " ".join(e.message for e in validator.iter_errors(bad))
    assert "'best' is not one of" in messages
    assert "colour" in messages
    assert "is not of type 'string'" in messages
