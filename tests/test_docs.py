"""The docs stay in line with the code: every schema field and config key is
in the content-format reference, every command and option in the CLI
reference, and every link between docs resolves."""

from __future__ import annotations

import argparse
import re

import pytest
from conftest import REPO

from sitegen.cli import make_parser
from sitegen.schema import SCHEMA_FILES, load_schema

DOCS = REPO / "docs"
PAGES = ("content-format.md", "fact-tracking.md", "deploy.md", "cli.md")


def _fields(name: str) -> set[str]:
    schema = load_schema(name)
    fields = set(schema.get("properties", {}))
    if name == "common":
        fields |= set(schema["$defs"]["sheet-properties"]["properties"]) | set(schema["$defs"]["fact"]["properties"])
    return fields


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_schema_field_is_documented(name):
    text = (DOCS / "content-format.md").read_text("utf-8")
    missing = sorted(f for f in _fields(name) if f"`{f}`" not in text)
    assert missing == [], f"{name}.schema.json fields missing from docs/content-format.md: {missing}"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = make_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_option_is_documented():
    text = (DOCS / "cli.md").read_text("utf-8")
    for name, sub in _subcommands().items():
        assert f"## sitegen {name}" in text, name
        section = text.split(f"## sitegen {name}", 1)[1].split("\n## ", 1)[0]
        for action in sub._actions:
            for option in action.option_strings:
                if option in ("-h", "--help"):
                    continue
                assert option in section or option in text.split("## ", 1)[0], f"{name} {option}"


def test_exit_codes_are_documented():
    text = (DOCS / "cli.md").read_text("utf-8")
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in text


def _anchors(text: str) -> set[str]:
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


@pytest.mark.parametrize("page", ("README.md", *(f"docs/{p}" for p in PAGES)))
def test_links_between_docs_resolve(page):
    path = REPO / page
    text = path.read_text("utf-8")
    # Links shown as examples in code are not links of the page.
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL))
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file) if file else path
        assert linked.is_file(), f"{page}: broken link {target}"
        if anchor:
            assert anchor in _anchors(linked.read_text("utf-8")), f"{page}: no heading for #{anchor} in {linked.name}"


def test_readme_links_every_doc():
    readme = (REPO / "README.md").read_text("utf-8")
    assert "## Documentation" in readme
    for page in PAGES:
        assert f"(docs/{page})" in readme
