"""Bad input beyond tests/test_validation.py: encodings, line ends, empty and
non-mapping documents, hostile YAML (tags, alias bombs, deep nesting), very
large files, awkward file names and symbolic links.

Each class is answered by a `path:line:col: error|warning: message` line
(positions computed from the fixture text), exit code 1 for errors, no
traceback, and a failed build leaves the previous output as it was, byte
for byte.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, sitegen, write_site
from test_validation import BASE, assert_problem, check, errors, site_with, where


def write_bytes(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every output file's bytes and modification time."""
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(out.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------
# every bad input leaves the previous output byte-identical

BILLION_LAUGHS = (
    'lol0: &l0 "lol"\n'
    + "".join(f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10))
    + "name: Laughs\n"
)

BAD_INPUTS = {
    "tab": ("content/people/tab.yaml", b"name: Tab\nfacts:\n\t- claim: x\n"),
    "unclosed quote": ("content/people/quote.yaml", b'name: "Quote\n'),
    "unclosed bracket": ("content/people/bracket.yaml", b"name: Bracket\naliases: [one, two\n"),
    "duplicate key": ("content/people/dup.yaml", b"name: A\nname: B\n"),
    "bad indentation": ("content/people/indent.yaml", b"name: Indent\n  summary: x\n"),
    "stray colon": ("content/people/colon.yaml", b"name: A: B\n"),
    "two documents": ("content/people/two.yaml", b"name: One\n---\nname: Two\n"),
    "unknown alias": ("content/people/alias.yaml", b"name: *nowhere\n"),
    "bad directive": ("content/people/directive.yaml", b"%YAML 9.9\n---\nname: X\n"),
    "non-UTF-8": ("content/people/latin1.yaml", b"name: Caf\xe9\n"),
    "UTF-16": ("content/people/utf16.yaml", "name: Wide\n".encode("utf-16")),
    "NUL byte": ("content/people/nul.yaml", b"name: N\x00ul\n"),
    "control character in a body": ("content/articles/bell.md", b"---\ntitle: Bell\ndate: 2024-01-06\n---\nDing\x07 dong.\n"),
    "control character escape": ("content/people/escape.yaml", b'name: "Bell\\a"\n'),
    "empty fact sheet": ("content/people/empty.yaml", b""),
    "empty article": ("content/articles/empty.md", b""),
    "list fact sheet": ("content/people/list.yaml", b"- name: A\n- name: B\n"),
    "scalar fact sheet": ("content/people/scalar.yaml", b"Just a name\n"),
    "list front matter": ("content/articles/list.md", b"---\n- title: A\n---\nBody.\n"),
    "scalar front matter": ("content/articles/scalar.md", b"---\nA title\n---\nBody.\n"),
    "python tag": ("content/people/tag.yaml", b"name: !!python/object/apply:os.system ['touch /tmp/sitegen-pwned']\n"),
    "alias bomb": ("content/people/bomb.yaml", BILLION_LAUGHS.encode()),
    "deep flow nesting": ("content/people/deep.yaml", b"name: Deep\nfacts: " + b"[" * 100_000 + b"]" * 100_000 + b"\n"),
    "deep block nesting": ("content/people/deep.yaml", b"name: Deep\nfacts:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 3000))),
    "huge number": ("content/people/number.yaml", b"name: Number\nfacts:\n  - claim: c\n    value: 1" + b"0" * 5000 + b"\n"),
    "bad date": ("content/articles/date.md", b"---\ntitle: Date\ndate: 2024-02-30\n---\nBody.\n"),
    "unknown config key": ("sitegen.yaml", b"title: Tracker\nbase-url: https://example.org/\n"),
    "config is a list": ("sitegen.yaml", b"- title: Tracker\n"),
    "file name with a space": ("content/people/ben quill.yaml", b"name: Ben Quill\n"),
    "non-ASCII file name": ("content/people/zo\xc3\xab.yaml", b"name: Zo\xc3\xab\n"),
    "case-only twin": ("content/people/Ada-Quill.yaml", b"name: Ada Quill again\n"),
    "javascript URL": ("content/people/js.yaml", b'name: JS\nlinks:\n  - {title: Home, url: "javascript:alert(1)"}\n'),
}


def test_bad_inputs_fail_and_leave_the_previous_output_byte_identical(tmp_path):
    root = site_with(tmp_path, {})
    out = tmp_path / "out"
    assert sitegen("build", root, "-o", out, "-q").code == 0
    before = snapshot(out)
    assert before
    for label, (rel, data) in BAD_INPUTS.items():
        path = root / rel
        old = path.read_bytes() if path.exists() else None
        write_bytes(root, rel, data)
        started = time.monotonic()
        run = sitegen("build", root, "-o", out)
        assert run.code == 1, (label, run.stderr)
        assert time.monotonic() - started < 30, label
        assert errors(run), (label, run.stderr)
        for line in run.problems:
            # one line per problem, positions 1-based
            assert line.split(": ")[0].count(":") >= 2 and ":0:" not in line.split(": ")[0], (label, line)
        assert snapshot(out) == before, label
        if old is None:
            path.unlink()
        else:
            path.write_bytes(old)
    assert not Path("/tmp/sitegen-pwned").exists()
    assert sitegen("build", root, "-o", out, "-q").code == 0


# --------------------------------------------------------------------------
# encodings and line ends


def test_byte_order_mark_is_dropped_and_positions_ignore_it(tmp_path):
    rel = "content/people/ben-quill.yaml"
    root = site_with(tmp_path, {})
    write_bytes(root, rel, "\ufeffname: Ben Quill\nsumary: Treasurer.\n".encode())
    assert_problem(check(root), rel, 2, 1, "unknown field 'sumary'")
    write_bytes(root, rel, "\ufeffname: Ben Quill\n".encode())
    write_bytes(root, "content/articles/bom.md", "\ufeff---\ntitle: Bom\ndate: 2024-01-06\n---\nBen Quill spoke.\n".encode())
    out = tmp_path / "out"
    assert sitegen("build", root, "-o", out, "-q").code == 0
    page = (out / "people/ben-quill/index.html").read_text("utf-8")
    assert "<h1>Ben Quill</h1>" in page and "\ufeff" not in page
    assert "\ufeff" not in (out / "articles/bom/index.html").read_text("utf-8")


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_windows_and_old_mac_line_ends(tmp_path, newline):
    rel = "content/articles/crlf.md"
    root = site_with(tmp_path, {})
    text = b"---\ntitle: Line ends\ndate: 2024-01-06\n---\nAda Quill spoke.\n\nThen [[nobody]] did.\n"
    write_bytes(root, rel, text.replace(b"\n", newline))
    assert_problem(check(root), rel, 7, 6, "unknown entity 'nobody'")
    write_bytes(root, rel, text.replace(b"[[nobody]]", b"[[port-elm]]").replace(b"\n", newline))
    sheet = "content/places/port-elm.yaml"
    write_bytes(root, sheet, b"name: Port Elm\ndescription: |\n  First line.\n  Second line.\n".replace(b"\n", newline))
    out = tmp_path / "out"
    assert sitegen("build", root, "-o", out, "-q").code == 0
    for page in ("articles/crlf/index.html", "places/port-elm/index.html"):
        assert b"\r" not in (out / page).read_bytes()


def test_not_utf8_column_counts_characters(tmp_path):
    rel = "content/articles/latin.md"
    root = site_with(tmp_path, {})
    write_bytes(root, rel, "---\ntitle: Café\ndate: 2024-01-06\n---\nZoë and the café\n".encode().replace("café".encode(), b"caf\xe9"))
    # 'Zoë and the caf' is 15 characters (16 bytes) before the bad byte
    assert_problem(check(root), rel, 5, 16, "not valid UTF-8", "0xe9")


def test_utf16_is_named(tmp_path):
    rel = "content/people/wide.yaml"
    root = site_with(tmp_path, {})
    write_bytes(root, rel, "name: Wide\n".encode("utf-16"))
    assert_problem(check(root), rel, 1, 1, "UTF-16", "save it as UTF-8")


@pytest.mark.parametrize(
    "rel, data, line, column, fragment",
    [
        ("content/people/nul.yaml", b"name: Ben\nsummary: A\x00B\n", 2, 11, "U+0000"),
        ("content/people/esc.yaml", b"name: Ben\nsummary: A\x1b[31mB\n", 2, 11, "U+001B"),
        ("content/articles/bell.md", b"---\ntitle: Bell\ndate: 2024-01-06\n---\nOne.\n\nDing\x07 dong.\n", 7, 5, "U+0007"),
        ("content/articles/ff.md", b"---\ntitle: Form feed\ndate: 2024-01-06\n---\nOne.\x0c\n", 5, 5, "U+000C"),
    ],
)
def test_control_characters_in_files(tmp_path, rel, data, line, column, fragment):
    root = site_with(tmp_path, {})
    write_bytes(root, rel, data)
    run = check(root)
    assert_problem(run, rel, line, column, fragment, "not allowed")
    assert len(run.stderr.splitlines()) == 2, run.stderr  # one line for the problem, one for the summary


@pytest.mark.parametrize("escape, name", [("\\0", "U+0000"), ("\\a", "U+0007"), ("\\x1b", "U+001B"), ("\\uFFFE", "U+FFFE")])
def test_control_characters_from_yaml_escapes(tmp_path, escape, name):
    rel = "content/articles/escaped.md"
    root = site_with(tmp_path, {rel: f'---\ntitle: "Bridge{escape}opens"\ndate: 2024-01-06\n---\nBody.\n'})
    assert_problem(check(root), rel, *where(root, rel, '"Bridge'), name, "not allowed")


# --------------------------------------------------------------------------
# empty documents, and documents that are not a mapping


@pytest.mark.parametrize(
    "rel, text, line, found",
    [
        ("content/people/empty.yaml", "", 1, "empty"),
        ("content/people/blank.yaml", "\n\n   \n", 1, "empty"),
        ("content/people/comment.yaml", "# to do\n", 1, "empty"),
        ("content/people/list.yaml", "- name: A\n- name: B\n", 1, "a list"),
        ("content/people/scalar.yaml", "Ben Quill\n", 1, "a single value"),
        ("content/people/number.yaml", "42\n", 1, "a single value"),
        ("content/articles/empty-front.md", "---\n---\nBody.\n", 1, "empty"),
        ("content/articles/list-front.md", "---\n- title: A\n- date: 2024-01-06\n---\nBody.\n", 2, "a list"),
        ("content/articles/scalar-front.md", "---\nA title\n---\nBody.\n", 2, "a single value"),
        ("content/pages/list-page.md", "---\n[a, b]\n---\nBody.\n", 2, "a list"),
        ("sitegen.yaml", "- title: Tracker\n", 1, "a list"),
        ("sitegen.yaml", "Tracker\n", 1, "a single value"),
    ],
)
def test_document_that_is_not_a_mapping(tmp_path, rel, text, line, found):
    root = site_with(tmp_path, {})
    write_bytes(root, rel, text.encode())
    assert_problem(check(root), rel, line, 1, "must be a mapping of fields", found)


def test_empty_article_file_needs_front_matter(tmp_path):
    rel = "content/articles/empty.md"
    root = site_with(tmp_path, {})
    write_bytes(root, rel, b"")
    assert_problem(check(root), rel, 1, 1, "missing front matter")


@pytest.mark.parametrize("text", ["", "# nothing set yet\n"])
def test_empty_config_means_defaults(tmp_path, text):
    root = site_with(tmp_path, {})
    write_bytes(root, "sitegen.yaml", text.encode())
    run = sitegen("check", root)
    assert run.code == 0, run.stderr


# --------------------------------------------------------------------------
# hostile YAML


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['touch /tmp/sitegen-pwned']",
        "!!python/object:builtins.dict {}",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!custom value",
        "!<tag:example.org,2024:thing> value",
    ],
)
@pytest.mark.parametrize("where_", ["sheet", "front matter", "config"])
def test_yaml_tags_are_refused_everywhere(tmp_path, value, where_):
    rel, text = {
        "sheet": ("content/people/tagged.yaml", f"name: Tagged\nsummary: {value}\n"),
        "front matter": ("content/articles/tagged.md", f"---\ntitle: Tagged\ndate: 2024-01-06\nsummary: {value}\n---\nBody.\n"),
        "config": ("sitegen.yaml", f"title: Tracker\ndescription: {value}\n"),
    }[where_]
    root = site_with(tmp_path, {rel: text})
    assert_problem(check(root), rel, *where(root, rel, "!"), "tag")
    assert not Path("/tmp/sitegen-pwned").exists()


def test_tag_shorthand_through_a_tag_directive_is_refused(tmp_path):
    rel = "content/people/tagged.yaml"
    root = site_with(tmp_path, {rel: "%TAG !p! tag:yaml.org,2002:python/\n---\nname: !p!object/apply:os.system [x]\n"})
    assert_problem(check(root), rel, *where(root, rel, "!p!object"), "tag")


def run_measured(*args: str, limit_mb: int = 1024) -> tuple[int, str, float, int]:
    """Runs sitegen with its address space capped; (exit code, stderr, seconds, peak RSS in MB)."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 2**20, limit_mb * 2**20))

    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", *args], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=cap)
    stderr = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, stderr, time.monotonic() - started, usage.ru_maxrss // 1024


@pytest.mark.parametrize(
    "text",
    [
        BILLION_LAUGHS,
        # the same with mappings
        "a0: &a0 {x: lol, y: lol}\n" + "".join(f"a{i}: &a{i} {{{', '.join(f'k{j}: *a{i - 1}' for j in range(10))}}}\n" for i in range(1, 10)) + "name: Laughs\n",
        # few nodes, but each a megabyte of text
        "quote: &q " + "x" * 1_000_000 + "\nname: Wide\nfacts:\n" + "".join(f"  - {{claim: c{i}, value: *q}}\n" for i in range(200)),
    ],
    ids=["sequences", "mappings", "wide-strings"],
)
def test_alias_bomb_fails_fast_in_small_memory(tmp_path, text):
    rel = "content/people/laughs.yaml"
    root = site_with(tmp_path, {rel: text})
    code, stderr, seconds, peak_mb = run_measured("check", str(root), limit_mb=1024)
    assert "Traceback" not in stderr and "MemoryError" not in stderr, stderr
    assert code == 1, stderr
    assert f"{rel}:" in stderr and "aliases (*name) expand this document too much" in stderr, stderr
    assert seconds < 15, seconds
    assert peak_mb < 400, peak_mb


def test_a_few_aliases_are_fine(tmp_path):
    rel = "content/people/ben-quill.yaml"
    root = site_with(tmp_path, {
        rel: (
            "name: Ben Quill\nfacts:\n"
            "  - {claim: Post, value: Treasurer, date: 2024-01-05, source: report, quote: &q Ada Quill opened}\n"
            "  - {claim: Party, value: Elm Party, date: 2024-01-05, source: report, quote: *q}\n"
        ),
        "content/articles/report.md": "---\ntitle: Harbour bridge opens\ndate: 2024-01-05\n---\nAda Quill opened the bridge in Port Elm with Ben Quill.\n",
    })
    assert sitegen("check", root).code == 0


def test_recursive_alias(tmp_path):
    rel = "content/people/loop.yaml"
    root = site_with(tmp_path, {rel: "name: Loop\naliases: &a [*a]\n"})
    assert_problem(check(root), rel, *where(root, rel, "&a"), "a loop")


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("facts: " + "[" * 100_000 + "]" * 100_000, "nesting deeper"),
        ("facts: " + "{a: " * 50_000 + "}" * 50_000, "nesting deeper"),
        ("facts: " + "[" * 150 + "]" * 150, "nesting deeper"),
        ("facts:\n" + "".join(" " * i + "-\n" for i in range(1, 5000)), "nesting"),
        ("facts:\n" + "".join(" " * i + "a:\n" for i in range(1, 5000)), "nesting"),
        ("facts:\n" + "".join(" " * i + "- a:\n" for i in range(1, 300, 2)), "nesting"),
        ("facts: " + "- " * 20_000 + "x", "not allowed"),
    ],
    ids=["flow-sequences", "flow-mappings", "flow-150", "block-sequences", "block-mappings", "block-mixed", "dashes-on-one-line"],
)
def test_deeply_nested_documents(tmp_path, body, fragment):
    rel = "content/people/deep.yaml"
    root = site_with(tmp_path, {rel: "name: Deep\n" + body + "\n"})
    code, stderr, seconds, peak_mb = run_measured("check", str(root), limit_mb=1024)
    assert code == 1 and "Traceback" not in stderr and "RecursionError" not in stderr, stderr
    assert f"{rel}:" in stderr and fragment in stderr, stderr
    assert seconds < 15 and peak_mb < 400, (seconds, peak_mb)


def test_many_brackets_in_a_quoted_value_are_just_text(tmp_path):
    rel = "content/places/brackets.yaml"
    text = "[" * 150 + "{" * 150
    root = site_with(tmp_path, {rel: f'name: Brackets\nsummary: "{text}"\n'})
    out = tmp_path / "out"
    run = sitegen("build", root, "-o", out, "-q")
    assert run.code == 0, run.stderr
    assert text in (out / "places/brackets/index.html").read_text("utf-8")


def test_huge_number(tmp_path):
    rel = "content/people/number.yaml"
    root = site_with(tmp_path, {rel: "name: Number\nfacts:\n  - claim: c\n    value: 1" + "0" * 5000 + "\n"})
    problem = assert_problem(check(root), rel, *where(root, rel, "10000"), "number", "too many")
    assert "set_int_max_str_digits" not in problem


@pytest.mark.parametrize("key, shown", [("~", "~"), ("1", "1"), ("yes", "yes"), ("2024-01-05", "2024-01-05")])
def test_unknown_key_that_is_not_text_is_named_as_written(tmp_path, key, shown):
    rel = "content/people/keys.yaml"
    root = site_with(tmp_path, {rel: f"name: Keys\n{key}: value\n"})
    assert_problem(check(root), rel, 2, 1, f"unknown field '{shown}'")


# --------------------------------------------------------------------------
# size


def test_five_megabyte_article(tmp_path):
    paragraph = "Ada Quill opened the bridge in Port Elm, and the crowd cheered for a long time. " * 12 + "\n\n"
    body = paragraph * (5_000_000 // len(paragraph) + 1)
    root = site_with(tmp_path, {"content/articles/long.md": f"---\ntitle: Long\ndate: 2024-01-06\n---\n{body}"})
    out = tmp_path / "out"
    started = time.monotonic()
    run = sitegen("build", root, "-o", out, "-q")
    assert run.code == 0, run.stderr
    assert time.monotonic() - started < 60
    page = (out / "articles/long/index.html").read_bytes()
    assert len(page) > 5_000_000 and page.rstrip().endswith(b"</html>")


@pytest.mark.parametrize("layout", ["one series", "many claims", "all at one time"])
def test_fact_sheet_with_ten_thousand_facts(tmp_path, layout):
    start = dt.date(1990, 1, 1)

    def fact(i: int) -> str:
        claim = {"one series": "Population", "many claims": f"Claim {i % 500}", "all at one time": "Population"}[layout]
        day = start if layout == "all at one time" else start + dt.timedelta(days=i)
        return f"  - claim: {claim}\n    value: {i}\n    date: {day}\n    source: report\n    quote: Ada Quill opened\n"

    rel = "content/places/port-elm.yaml"
    root = site_with(tmp_path, {rel: "name: Port Elm\nfacts:\n" + "".join(fact(i) for i in range(10_000))})
    out = tmp_path / "out"
    started = time.monotonic()
    run = sitegen("build", root, "-o", out, "-q", timeout=120)
    seconds = time.monotonic() - started
    assert run.code == 0, run.stderr[-2000:]
    assert seconds < 60, seconds
    page = (out / "places/port-elm/index.html").read_text("utf-8")
    assert page.count('class="fact') >= 10_000 or page.count("<li") >= 10_000
    if layout == "all at one time":
        # each fact after the first is disputed: one warning each, not one per pair
        assert sum("is disputed" in p for p in run.problems) == 9_999


# --------------------------------------------------------------------------
# file names


@pytest.mark.parametrize(
    "name, suggestion",
    [
        ("zoë-quill.yaml", "zoe-quill"),
        ("Straße.yaml", "strasse"),
        ("José Álvarez.yaml", "jose-alvarez"),
        ("ben  quill .yaml", "ben-quill"),
    ],
)
def test_non_ascii_file_name_gets_an_ascii_suggestion(tmp_path, name, suggestion):
    rel = f"content/people/{name}"
    root = site_with(tmp_path, {rel: "name: Someone\n"})
    assert_problem(check(root), rel, 1, 1, "invalid id", f"rename it to '{suggestion}'")


def test_file_name_with_no_usable_letters(tmp_path):
    rel = "content/places/москва.yaml"
    root = site_with(tmp_path, {rel: "name: Moscow\n"})
    problem = assert_problem(check(root), rel, 1, 1, "invalid id 'москва'", "lower-case letters (a-z)")
    assert "rename it to" not in problem


@pytest.mark.parametrize(
    "files, invalid, twin",
    [
        ({"content/people/Ada-Quill.yaml": "name: Ada Q\n"}, "content/people/Ada-Quill.yaml", "content/people/ada-quill.yaml"),
        ({"content/articles/Report.md": "---\ntitle: Twin\ndate: 2024-01-06\n---\nBody.\n"}, "content/articles/Report.md", "content/articles/report.md"),
    ],
)
def test_names_that_differ_only_in_case(tmp_path, files, invalid, twin):
    root = site_with(tmp_path, files)
    problem = assert_problem(check(root), invalid, 1, 1, "invalid id", "differs from it only in case")
    assert twin in problem


# --------------------------------------------------------------------------
# symbolic links


def test_symlinks_leading_outside_the_site_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    write_site(outside, {
        "secret.yaml": "name: Secret Agent\n",
        "secret.md": "---\ntitle: Secret\ndate: 2024-01-06\n---\nTOP-SECRET-TEXT\n",
        "folder/hidden.md": "---\ntitle: Hidden\ndate: 2024-01-06\n---\nTOP-SECRET-TEXT\n",
        "sitegen.yaml": "title: TOP-SECRET-TITLE\n",
    })
    root = site_with(tmp_path, {})
    links = {
        "content/people/secret.yaml": outside / "secret.yaml",
        "content/articles/secret.md": outside / "secret.md",
        "content/articles/folder": outside / "folder",
        "content/people/passwd.yaml": Path("/etc/passwd"),
        "content/people/dangling.yaml": Path("nowhere.yaml"),
        "content/people/loop.yaml": Path("loop.yaml"),
        "content/pages": outside,
        "sitegen.yaml": outside / "sitegen.yaml",
    }
    for rel, target in links.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / rel)
    os.symlink(root / "content/places/port-elm.yaml", root / "content/places/port-elm-link.yaml")  # inside: followed
    out = tmp_path / "out"
    run = sitegen("build", root, "-o", out)
    assert run.code == 0, run.stderr
    for rel in links:
        assert_problem(run, rel, 1, 1, "not followed", severity="warning")
    assert (out / "places/port-elm-link/index.html").exists()
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"TOP-SECRET" not in data and b"Secret Agent" not in data and b"root:x:" not in data, path
    assert sitegen("build", root, "-o", out, "--strict").code == 1


@pytest.mark.parametrize(
    "value, fragment",
    [
        ('!!timestamp "x"', "'x' is not a valid date"),
        ("!!bool maybe", "'maybe' is not a valid true/false value"),
        ("!!int twelve", "'twelve' is not a valid whole number"),
        ("!!float x", "'x' is not a valid number"),
        ("!!map x", "not a valid mapping"),
        ("!!seq x", "not a valid list"),
    ],
)
def test_explicit_standard_tags_on_the_wrong_value(tmp_path, value, fragment):
    rel = "content/places/tagged.yaml"
    root = site_with(tmp_path, {rel: f"name: Tagged\nfacts:\n  - claim: Depth\n    value: {value}\n"})
    run = sitegen("check", root)
    assert run.code == 1
    assert_problem(run, rel, *where(root, rel, "!!"), fragment)


@pytest.mark.parametrize(
    "line, key, suggestion",
    [("Title: Tracker", "Title", "title"), ("base-url: https://example.org/", "base-url", "base_url"), ("autolinks: all", "autolinks", "autolink"), ("lang: en", "lang", "language"), ("raw-html: true", "raw-html", "raw_html")],
)
def test_unknown_config_keys_suggest_the_known_one(tmp_path, line, key, suggestion):
    root = site_with(tmp_path, {"sitegen.yaml": f"description: A tracker.\n{line}\n"})
    assert_problem(check(root), "sitegen.yaml", 2, 1, f"unknown field '{key}'", f"did you mean '{suggestion}'?")


@pytest.mark.parametrize("loader", ["libyaml", "pure Python"])
@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 990 + "]" * 990,
        "a: " + "[" * 5000,
        "a:\n" + "".join(" " * i + "- \n" for i in range(1, 3000)),
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3000)),
        "a: &x [" + ", ".join(["*x"] * 3) + "]",
    ],
    ids=["flow-990", "flow-unclosed-5000", "block-seq-3000", "block-map-3000", "self-alias"],
)
def test_deep_documents_never_crash_either_parser(monkeypatch, loader, text):
    """In-process, with libyaml and with PyYAML's pure-Python parser (used
    when PyYAML is built without libyaml): an error, never a crash."""
    import yaml

    from sitegen import yamldoc

    if loader == "pure Python":
        monkeypatch.setattr(yamldoc, "_Loader", yaml.SafeLoader)
    elif not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    with pytest.raises(yamldoc.YamlError) as raised:
        yamldoc.parse_yaml(text)
    assert raised.value.line >= 1 and raised.value.column >= 1


def test_file_name_that_is_not_utf8(tmp_path):
    root = site_with(tmp_path, {})
    folder = os.fsencode(root / "content/people")
    with open(os.path.join(folder, b"caf\xe9.yaml"), "wb") as handle:
        handle.write(b"name: Cafe\n")
    run = check(root)
    problem = next(p for p in run.problems if "invalid id" in p)
    assert problem.startswith("content/people/caf") and "not even valid UTF-8" in problem and "rename it to 'caf'" in problem
    report = sitegen("check", root, "--format", "json")
    assert report.code == 1 and '"code": "id.invalid"' in report.stdout


def test_output_piped_into_a_closed_reader(tmp_path):
    root = site_with(tmp_path, {f"content/people/p{i}.yaml": "name: P\nsumary: x\n" for i in range(300)})
    proc = subprocess.run(f"{sys.executable} -m sitegen check {root} --format json | head -c 10", shell=True, cwd=REPO, capture_output=True, text=True)
    assert "Traceback" not in proc.stderr and "Broken pipe" not in proc.stderr, proc.stderr
