"""Property-based tests (Hypothesis) over the loader and the linker: random
YAML documents and random Markdown bodies either build or give diagnostics,
never an exception.

Each example is a small site on disk (two fact sheets and an article that
always build, plus the random files), built in-process with
`sitegen.build.Builder(root).render()`; a few go through the command line.

CI runs a short run. For the long run (at least 10,000 examples per
property) set SITEGEN_LONG_FUZZ=1, see README.md:

    SITEGEN_LONG_FUZZ=1 .venv/bin/python -m pytest -q tests/test_properties.py --hypothesis-show-statistics
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import REPO, SHARED, sitegen, write_site
from sitegen.build import Builder
from sitegen.diagnostics import Diagnostics
from sitegen.yamldoc import YamlDoc, YamlError, parse_yaml

LONG = os.environ.get("SITEGEN_LONG_FUZZ", "") not in ("", "0")
if LONG:
    pytestmark = pytest.mark.timeout(0)  # a long run takes as long as it takes


def examples(short: int) -> settings:
    return settings(
        max_examples=max(10_000, short) if LONG else short,
        deadline=None,
        derandomize=not LONG,  # CI tries the same examples every run; the long run explores
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


ARTICLE_TEXT = (
    "Ada Quill opened the bridge in Port Elm on Friday. The mayor said: "
    "\u201cThe harbour is open again.\u201d Mayor Quill thanked the crew.\n\n"
    "Traffic resumed at noon; 1,200 cars crossed before dusk.\n"
)

BASE = {
    "content/articles/report.md": f"---\ntitle: Harbour bridge opens\ndate: 2024-01-05\n---\n{ARTICLE_TEXT}",
    "content/people/ada-quill.yaml": "name: Ada Quill\naliases: [Mayor Quill]\n",
    "content/places/port-elm.yaml": "name: Port Elm\n",
}
KNOWN_IDS = ["ada-quill", "port-elm", "report", "fuzz", "nobody", "Ada-Quill", "ada_quill", "", " ", "a/b", "..", "x" * 80]


# --------------------------------------------------------------------------
# strategies

special_text = st.sampled_from([
    "", " ", "\t", "\n", ":", ": ", "- ", "#", "&a", "*a", "!", "!!str", "|", ">", "'", '"', "%", "@", "`", "{", "}", "[", "]", ",", "?",
    "[[ada-quill]]", "[[Ada Quill]]", "[[nobody]]", "[[ada-quill|the mayor]]", "[[", "]]", "[[]]", "[[|]]", "[[a|b|c]]",
    "<script>alert(1)</script>", "&amp;", "&#0;", "\u00e9", "\u201c", "\u2014", "\U0001f600", "\u202e", "\u0301", "\ufeff", "\u2028",
    "2024-01-05", "2024-02-30", "yes", "no", "null", "~", ".nan", ".inf", "-.inf", "0x1F", "1e5", "1_000", "0o17", "+1", "12:30:00",
    "https://example.org/", "javascript:alert(1)", "report", "Ada Quill opened", "ada-quill", "port-elm",
])
text = st.one_of(st.text(max_size=40), special_text, st.lists(special_text, max_size=6).map("".join))
scalar = st.one_of(
    text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
)
values = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)), max_leaves=12)

ENTITY_FIELDS = [
    "name", "aliases", "summary", "description", "links", "autolink", "facts", "part_of", "coordinates", "born", "died",
    "organisations", "date", "start", "end", "places", "participants", "members",
]
FACT_FIELDS = ["claim", "value", "date", "start", "end", "source", "sources", "quote", "rank", "reason", "note"]


@st.composite
def field_value(draw, field: str):
    """Mostly what the field takes, often something else."""
    if draw(st.integers(0, 3)) == 0:
        return draw(values)
    if field in ("name", "summary", "description", "claim", "reason", "note", "title"):
        return draw(text)
    if field == "value":
        return draw(st.one_of(text, st.integers(-10**6, 10**6), st.floats(), st.dates(), st.sampled_from(["[[ada-quill]]", "[[port-elm]]", "[[nobody]]"])))
    if field in ("aliases", "organisations", "places", "participants", "members"):
        return draw(st.lists(st.one_of(st.sampled_from(KNOWN_IDS + ["Mayor Quill", "Ada Quill"]), text), max_size=4))
    if field in ("part_of",):
        return draw(st.sampled_from(KNOWN_IDS))
    if field in ("date", "start", "end", "born", "died"):
        return draw(st.one_of(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2100, 1, 1)), st.sampled_from(["2024-01-05", "2024-13-01", "soon", "2024-01-05T10:00:00Z"])))
    if field == "coordinates":
        return draw(st.lists(st.floats(-200, 200), max_size=3))
    if field == "autolink":
        return draw(st.one_of(st.booleans(), text))
    if field == "links":
        return draw(st.lists(st.fixed_dictionaries({"title": text, "url": st.sampled_from(["https://example.org/", "javascript:x", "ftp://x", "", "https://a.b/c?d=\"<e>"])}), max_size=3))
    if field == "rank":
        return draw(st.sampled_from(["preferred", "normal", "deprecated", "best", ""]))
    if field == "source":
        return draw(st.sampled_from(["report", "nobody", "https://example.org/x", "javascript:alert(1)", "Report", ""]))
    if field == "quote":
        start = draw(st.integers(0, len(ARTICLE_TEXT)))
        return draw(st.one_of(st.just(ARTICLE_TEXT[start : start + draw(st.integers(0, 60))]), text))
    if field == "sources":
        return draw(st.lists(st.fixed_dictionaries({"source": st.sampled_from(["report", "https://example.org/y", "nope"])}, optional={"quote": field_value("quote")}), max_size=3))
    if field == "facts":
        return draw(st.lists(fact(), max_size=6))
    return draw(values)


@st.composite
def fact(draw):
    keys = draw(st.lists(st.sampled_from(FACT_FIELDS), unique=True, max_size=len(FACT_FIELDS)))
    if draw(st.booleans()):
        keys = ["claim", "value"] + [k for k in keys if k not in ("claim", "value")]
    item = {key: draw(field_value(key)) for key in keys}
    if draw(st.integers(0, 5)) == 0:
        item[draw(text)] = draw(values)
    return item


@st.composite
def fact_sheet(draw):
    keys = draw(st.lists(st.sampled_from(ENTITY_FIELDS), unique=True, max_size=8))
    if draw(st.booleans()):
        keys = ["name"] + [k for k in keys if k != "name"]
    data = {key: draw(field_value(key)) for key in keys}
    if draw(st.integers(0, 4)) == 0:
        data[draw(text)] = draw(values)
    return data


def dump(data, draw) -> str:
    try:
        return yaml.safe_dump(
            data,
            default_flow_style=draw(st.sampled_from([False, True, None])),
            allow_unicode=draw(st.booleans()),
            width=draw(st.sampled_from([20, 80, 10**6])),
            sort_keys=False,
        )
    except (yaml.YAMLError, ValueError, TypeError):
        return repr(data)


MUTATION_PIECES = [":", " ", "\n", "\t", "-", "[", "]", "{", "}", "'", '"', "#", "&x", "*x", "!!", "|", ">", "---", "...", "? ", "%YAML 1.1\n", "\ufeff", "\r\n", "\r", "\x00", "\x85", "  "]


@st.composite
def mutated(draw, source: str) -> str:
    """Random edits a hurried writer (or a bad merge) makes to a file."""
    out = source
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["insert", "delete", "duplicate-line", "indent", "dedent", "truncate", "swap-lines"]))
        at = draw(st.integers(0, len(out)))
        lines = out.split("\n")
        line = draw(st.integers(0, max(0, len(lines) - 1)))
        if op == "insert":
            out = out[:at] + draw(st.one_of(st.sampled_from(MUTATION_PIECES), st.text(max_size=3))) + out[at:]
        elif op == "delete":
            out = out[:at] + out[at + draw(st.integers(1, 5)) :]
        elif op == "duplicate-line":
            lines.insert(line, lines[line])
            out = "\n".join(lines)
        elif op == "indent":
            lines[line] = "  " + lines[line]
            out = "\n".join(lines)
        elif op == "dedent":
            lines[line] = lines[line].lstrip()
            out = "\n".join(lines)
        elif op == "truncate":
            out = out[:at]
        elif op == "swap-lines" and len(lines) > 1:
            other = draw(st.integers(0, len(lines) - 1))
            lines[line], lines[other] = lines[other], lines[line]
            out = "\n".join(lines)
    return out


@st.composite
def yaml_document(draw, structure=fact_sheet) -> str:
    text_ = dump(draw(structure()), draw)
    if draw(st.integers(0, 2)) == 0:
        text_ = draw(mutated(text_))
    return text_


# Markdown

NAMES = ["Ada Quill", "Mayor Quill", "Port Elm", "Quill", "ada quill", "ADA QUILL", "Ada\nQuill", "Port  Elm"]
TARGETS = ["ada-quill", "port-elm", "Ada Quill", "Mayor Quill", "nobody", "report", "", " ", "a|b", "Ada\nQuill", "x" * 200, "\u00e9", "<b>"]


@st.composite
def inline(draw) -> str:
    kind = draw(st.integers(0, 14))
    if kind == 0:
        return draw(st.sampled_from(NAMES))
    if kind == 1:
        target = draw(st.one_of(st.sampled_from(TARGETS), text))
        label = draw(st.one_of(st.none(), st.sampled_from(NAMES + ["the mayor", "", " "]), text))
        return f"[[{target}]]" if label is None else f"[[{target}|{label}]]"
    if kind == 2:
        return "`" * draw(st.integers(1, 3)) + draw(st.sampled_from(NAMES + ["[[ada-quill]]", "x"])) + "`" * draw(st.integers(1, 3))
    if kind == 3:
        return f"[{draw(st.sampled_from(NAMES + ['[[ada-quill]]', 'link']))}]({draw(st.sampled_from(['https://example.org/', 'javascript:alert(1)', '/x', '#y', '', 'a b']))})"
    if kind == 4:
        return draw(st.sampled_from(["*", "**", "_", "~~"])) + draw(st.sampled_from(NAMES)) + draw(st.sampled_from(["*", "**", "_", "~~", ""]))
    if kind == 5:
        return draw(st.sampled_from(["<b>", "</b>", "<script>alert(1)</script>", "<!--", "-->", "<a href='x'>", "&amp;", "&#x0;", "&nbsp;", "\\", "\\[[x]]"]))
    if kind == 6:
        return draw(st.sampled_from(["[^1]", "[^note]", "![img](https://example.org/i.png)", "<https://example.org/>", "  \n", "\\\n"]))
    if kind == 7:
        return draw(special_text)
    if kind == 8:
        return draw(st.sampled_from([".", "!", "?", ",", " Gen. ", " U.S. ", " Jan. 5 ", "\u201c", "\u201d", "\u2019", "...", " e.g. "]))
    return draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)) if kind == 9 else draw(st.sampled_from(["the", "bridge", "opened", "said", "and", "in", "on", "Friday", "1,200", "cars"]))


@st.composite
def paragraph(draw) -> str:
    return " ".join(draw(st.lists(inline(), min_size=1, max_size=12)))


@st.composite
def block(draw) -> str:
    kind = draw(st.integers(0, 11))
    if kind == 0:
        return "#" * draw(st.integers(1, 7)) + " " + draw(paragraph())
    if kind == 1:
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        return f"{fence}{draw(st.sampled_from(['', 'python', 'yaml']))}\n{draw(paragraph())}\n{draw(st.sampled_from([fence, '']))}"
    if kind == 2:
        return "    " + draw(paragraph())
    if kind == 3:
        return "\n".join("> " + draw(paragraph()) for _ in range(draw(st.integers(1, 3))))
    if kind == 4:
        return "\n".join(draw(st.sampled_from(["- ", "* ", "1. ", "  - "])) + draw(paragraph()) for _ in range(draw(st.integers(1, 4))))
    if kind == 5:
        cells = draw(st.integers(1, 3))
        rows = ["| " + " | ".join(draw(inline()).replace("|", "/") for _ in range(cells)) + " |" for _ in range(draw(st.integers(1, 3)))]
        return rows[0] + "\n|" + "---|" * cells + ("\n" + "\n".join(rows[1:]) if rows[1:] else "")
    if kind == 6:
        return draw(st.sampled_from(["<div>", "<div>\n[[ada-quill]]\n</div>", "<script>\nalert(1)\n</script>", "<!-- Ada Quill -->", "<table><tr><td>Port Elm</td></tr></table>"]))
    if kind == 7:
        return f"[^{draw(st.sampled_from(['1', 'note']))}]: {draw(paragraph())}"
    if kind == 8:
        return draw(st.sampled_from(["---", "***", "___", "===", "-", "+++"]))
    return draw(paragraph())


@st.composite
def markdown_body(draw) -> str:
    body = draw(st.lists(block(), max_size=8).map(lambda blocks: "\n\n".join(blocks)))
    if draw(st.integers(0, 4)) == 0:
        body = draw(mutated(body))
    return body


@st.composite
def front_matter(draw) -> dict:
    data = {"title": draw(st.one_of(st.just("Fuzzed"), text)), "date": draw(st.one_of(st.just(dt.date(2024, 1, 6)), field_value("date")))}
    for key in draw(st.lists(st.sampled_from(["updated", "author", "publisher", "url", "summary", "tags", "about", "mentions", "draft", "title", "date"]), unique=True, max_size=5)):
        if key in ("about", "mentions"):
            data[key] = draw(st.lists(st.sampled_from(KNOWN_IDS), max_size=3))
        elif key == "tags":
            data[key] = draw(st.lists(st.one_of(text, st.sampled_from(["bridge", "a/b", "?", "#", ""])), max_size=3))
        elif key == "url":
            data[key] = draw(st.sampled_from(["https://example.org/a", "javascript:x", "//x"]))
        elif key == "draft":
            data[key] = draw(st.one_of(st.booleans(), text))
        else:
            data[key] = draw(field_value(key if key in ("date",) else "summary"))
    return data


# --------------------------------------------------------------------------
# the property


_WARM: dict[str, Builder] = {}


def build(files: dict[str, str | bytes], twice: bool = False) -> None:
    """Builds BASE plus `files` in-process: no exception, diagnostics that point
    into the files, and when it builds, complete pages."""
    with tempfile.TemporaryDirectory(prefix="sitegen-fuzz-") as tmp:
        root = Path(tmp)
        all_files = {**BASE, **files}
        for rel, data in all_files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
        result = fresh_builder(root).render()
        lines = {rel: (data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")).count(b"\n") + 2 for rel, data in all_files.items()}
        for diagnostic in result.diagnostics:
            where = diagnostic.position
            assert where.path in lines, diagnostic.format()
            assert 1 <= where.line <= max(lines[where.path], 2), diagnostic.format()
            assert where.column >= 1, diagnostic.format()
            assert "\n" not in diagnostic.format() and "\r" not in diagnostic.format(), diagnostic.format()
        if result.errors:
            assert result.files == {}
            return
        assert result.files
        for rel, data in result.files.items():
            if rel.endswith(".html"):
                assert data.rstrip().endswith(b"</html>"), rel
            elif rel.endswith(".json"):
                json.loads(data)
        if twice:
            again = fresh_builder(root).render()
            assert again.files == result.files, "two builds of the same input differ"


def fresh_builder(root: Path) -> Builder:
    """A new Builder that borrows the compiled theme of a warm one (compiling
    the templates is nine tenths of a small build; the sites here have no
    templates of their own, so the theme is the same)."""
    builder = Builder(root)
    warm = _WARM.get("theme")
    if warm is None:
        with tempfile.TemporaryDirectory(prefix="sitegen-fuzz-warm-") as tmp:
            write_site(Path(tmp), BASE)
            warm = _WARM["theme"] = Builder(Path(tmp))
            warm.render()
    builder._env, builder._theme = warm._env, warm._theme
    return builder


@examples(300)
@given(st.text(max_size=300) | yaml_document())
def test_parse_yaml_gives_a_value_or_a_positioned_error(source):
    try:
        doc = parse_yaml(source, line_offset=0)
    except YamlError as err:
        assert 1 <= err.line <= source.count("\n") + 2 and err.column >= 1, (err.line, err.column, err.message)
        assert "\n" not in err.message and err.message
        return
    assert isinstance(doc, YamlDoc)
    for line, column in list(doc.value_marks.values()) + list(doc.key_marks.values()):
        assert 1 <= line <= source.count("\n") + 1 and column >= 1


@examples(200)
@given(yaml_document(), st.sampled_from(["people", "places", "events", "organisations"]))
def test_random_fact_sheets_build_or_give_diagnostics(sheet, kind):
    build({f"content/{kind}/fuzz.yaml": sheet})


@examples(150)
@given(yaml_document(front_matter), markdown_body())
def test_random_articles_build_or_give_diagnostics(front, body):
    build({"content/articles/fuzz.md": f"---\n{front}---\n{body}\n"}, twice=True)


@examples(100)
@given(markdown_body(), yaml_document(), st.sampled_from(["first", "all", "none"]), st.booleans())
def test_random_bodies_with_random_entities_and_settings(body, sheet, autolink, raw_html):
    build({
        "sitegen.yaml": f"autolink: {autolink}\nraw_html: {str(raw_html).lower()}\n",
        "content/people/fuzz.yaml": sheet,
        "content/articles/fuzz.md": f"---\ntitle: Fuzzed\ndate: 2024-01-06\nmentions: [ada-quill]\n---\n{body}\n",
        "content/pages/fuzz.md": f"---\ntitle: Page\n---\n{body}\n",
    })


@examples(50)
@given(st.binary(max_size=200), st.sampled_from(["content/people/fuzz.yaml", "content/articles/fuzz.md", "sitegen.yaml"]))
def test_random_bytes(data, rel):
    if rel.endswith(".md") and not data.startswith(b"---"):
        data = b"---\n" + data
    build({rel: data})


# --------------------------------------------------------------------------
# a few through the command line


@settings(max_examples=12 if not LONG else 100, deadline=None, derandomize=not LONG, suppress_health_check=list(HealthCheck))
@given(yaml_document(), yaml_document(front_matter), markdown_body())
def test_random_sites_through_the_command_line(sheet, front, body):
    with tempfile.TemporaryDirectory(prefix="sitegen-fuzz-cli-") as tmp:
        root = write_site(Path(tmp) / "site", BASE)
        (root / "content/people/fuzz.yaml").write_text(sheet, "utf-8", errors="surrogatepass")
        (root / "content/articles/fuzz.md").write_text(f"---\n{front}---\n{body}\n", "utf-8", errors="surrogatepass")
        checked = sitegen("check", root)  # asserts no traceback
        assert checked.code in (0, 1), checked.stderr
        out = Path(tmp) / "out"
        built = sitegen("build", root, "-o", out, "-q")
        assert built.code == checked.code, (checked.stderr, built.stderr)
        assert out.exists() == (built.code == 0)
        shutil.rmtree(out, ignore_errors=True)


PASSAGE_ALPHABET = "abcXYZ019 .,\u00a0\u2009'\"\u2018\u2019\u201c\u201d\u00ab\u00bb`-\u2013\u2014\u2212\u2026\n"


@examples(500)
@given(st.text(alphabet=PASSAGE_ALPHABET, max_size=80), st.data())
def test_quote_excerpt_pattern_agrees_with_the_character_walk(text, data):
    """The fast pattern behind cited-passage text fragments finds the same words
    as folding the passage character by character."""
    from sitegen.markdown import fold
    from sitegen.render import _folded_excerpt, passage_excerpt

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    quote = text[start:end] if data.draw(st.booleans()) else data.draw(st.text(alphabet=PASSAGE_ALPHABET, max_size=10))
    needle = fold(quote)
    expected = _folded_excerpt(text, needle) if needle else None
    assert passage_excerpt(text, quote) == expected


MARKDOWN_ALPHABET = "ab Z09.)#=+-*_`\\[]<>&!~|\"' \t\n\u00a0é^:/("


def markdown_it_alone():
    """sitegen's parser with markdown-it's own block stage, for comparison."""
    from markdown_it.rules_core import block

    from sitegen.markdown import make_markdown

    md = make_markdown()
    md.core.ruler.at("block", block)
    return md


def assert_parsed_alike(fast, alone, body: str) -> None:
    assert [t.as_dict() for t in fast.parse(body, {})] == [t.as_dict() for t in alone.parse(body, {})], repr(body)
    assert fast.render(body) == alone.render(body), repr(body)


# Lines of a body: mostly prose (with wikilinks, pipes, emphasis, breaks),
# now and then anything a line can start with.
PROSE_PIECE = st.sampled_from(["Word and more", "text", "[[x]]", "[[a|b]]", "a|b", "*em*", "`c`", "&amp;", "\\", "^[n]", "[^1]", "[l](u)", "\u00a0", "\f", "  ", "\t", "x#", "2021 was"])
ANY_PIECE = st.sampled_from(["", " ", "    ", "\t", "#", "## x ##", "####### ", "#x", ">", "- ", "* ", "+ ", "1. ", "2) ", "---", "***", "___", "===", "```", "~~~", "<div>", "[a]: /u", "[^1]: n", "|", ":-|-:", "|-", "-|", ":-", "\r", "\0"])
BODY_LINE = st.lists(st.one_of(PROSE_PIECE, PROSE_PIECE, PROSE_PIECE, ANY_PIECE), max_size=4).map("".join)


SHORTCUT_EDGES = [
    "a | b\n:-|-:\nc | d", "Text\na | b\n|---|---|\n", "x\n- - -", "Head\n===\n", "Head\n---", "p\n    code\n\n    code",
    "[a]: /u\n\n[b][a]", "[[a|b]]\n\n[^1]\n\n[^1]: note", "p\n1) item", "p\n2. item", "# h #\ntext\n## ##", "#hashtag\n\ntext",
    "  lead\n", "\ttab", "\f\ntext\f", "text  \nbreak\\\nend", "> q\nlazy", "```\n\ncode\n```", "<div>\n\n</div>", "~~~\n",
]


def example_each(bodies):
    def apply(test):
        for body in bodies:
            test = example(body, "")(test)
        return test

    return apply


@examples(1500)
@given(st.lists(BODY_LINE, max_size=8).map("\n".join), st.sampled_from(["", "\n", "\n\n"]))
@example_each(SHORTCUT_EDGES)
def test_block_shortcut_parses_as_markdown_it_does(lines, end):
    """Bodies of plain paragraphs and headings skip markdown-it's block
    rules; whatever the body, the tokens and the HTML are markdown-it's."""
    from sitegen.markdown import make_markdown

    assert_parsed_alike(make_markdown(), markdown_it_alone(), lines + end)


REAL_BODIES = [REPO / "tests" / "sites", REPO / "content", SHARED / "realnews" / "content"]
"""Every article of the test sites and the example site, and the real news
articles where ../shared is there."""


def test_block_shortcut_parses_real_bodies_as_markdown_it_does():
    """The same over every article of the test sites, the example site and
    the real news articles, nearly all of which take the short way."""
    from sitegen.markdown import _plain_blocks, make_markdown
    from markdown_it.rules_core.state_core import StateCore

    fast, alone = make_markdown(), markdown_it_alone()
    bodies = [path.read_text("utf-8").partition("\n---\n")[2] for folder in REAL_BODIES for path in sorted(folder.glob("**/*.md"))]
    assert len(bodies) > 5
    short = sum(_plain_blocks(StateCore(body, fast, {})) for body in bodies)
    assert short > len(bodies) // 2
    for body in bodies:
        assert_parsed_alike(fast, alone, body)


@examples(1500)
@given(st.text(alphabet=MARKDOWN_ALPHABET, max_size=20) | st.from_regex(r"[A-Za-z][a-z ,.'\"]{0,30}", fullmatch=True))
def test_plain_text_shortcut_renders_as_markdown_it_does(text):
    """Names, summaries and values with no Markdown in them skip the parser;
    whenever the shortcut answers, its HTML is markdown-it's."""
    from sitegen.markdown import make_markdown, plain_text_html

    plain = plain_text_html(text)
    if plain is None:
        return
    md = make_markdown()
    assert plain == md.renderInline(text)
    assert f"<p>{plain}</p>\n" == md.render(text)
