"""Hostile content: markup and quotes in every YAML field are escaped in
every page, feed and data file; scripts cannot break out of JSON-LD;
non-http(s) URLs are refused; raw HTML in Markdown follows `raw_html`.

A unique marker carrying `<script>`, both quote characters, an attribute
injection and an HTML comment opener is planted in each field; the test
then walks every output file.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import sitegen, write_site
from test_validation import assert_problem, check, where

PAYLOAD = "<script>alert(1)</script>\"' onmouseover=alert(1) x=\"<!--<script>"


def marker(field: str) -> str:
    payload = PAYLOAD.replace("</script>", "") if field == "article.tag" else PAYLOAD  # no '/' in a tag
    return f"M{field.upper().replace('.', '').replace('_', '')}Q{payload}"


def yaml_str(text: str) -> str:
    """A double-quoted YAML scalar holding `text`."""
    return json.dumps(text)


FIELDS = [
    "config.title", "config.description", "config.author",
    "article.title", "article.author", "article.publisher", "article.summary", "article.tag", "article.url", "article.body",
    "person.name", "person.alias", "person.summary", "person.description", "person.linktitle", "person.linkurl",
    "fact.claim", "fact.value", "fact.note", "fact.reason", "fact.quote", "fact.sourceurl",
    "place.name", "event.name", "organisation.name",
    "page.title", "page.summary", "page.body",
]


def hostile_site(root: Path, raw_html: bool = False) -> Path:
    m = {field: marker(field) for field in FIELDS}
    if raw_html:
        # raw HTML in bodies is the writer's own choice then: keep the scripts out of them
        for field in ("article.body", "page.body", "fact.quote"):
            m[field] = f"M{field.upper().replace('.', '')}Q\"' plain"
    url = "https://example.org/story?a=1&b=\"><script>alert(1)</script>"
    write_site(root, {
        "sitegen.yaml": (
            f"title: {yaml_str(m['config.title'])}\n"
            f"description: {yaml_str(m['config.description'])}\n"
            f"author: {yaml_str(m['config.author'])}\n"
            + ("raw_html: true\n" if raw_html else "")
        ),
        "content/articles/report.md": (
            "---\n"
            f"title: {yaml_str(m['article.title'])}\n"
            "date: 2024-01-05\n"
            f"author: [{yaml_str(m['article.author'])}]\n"
            f"publisher: {yaml_str(m['article.publisher'])}\n"
            f"url: {yaml_str(url + 'ARTICLEURL')}\n"
            f"summary: {yaml_str(m['article.summary'])}\n"
            f"tags: [{yaml_str(m['article.tag'])}, plain]\n"
            "about: [hostile-person]\n"
            "---\n"
            f"The hostile person spoke. {m['article.body']}\n\n"
            f"They said {m['fact.quote']} to the crowd.\n\n"
            "A [bad link](javascript:alert(1)) and ![bad image](javascript:alert(1)) "
            "and <javascript:alert(1)> and <a href=\"javascript:alert(1)\">raw</a>.\n\n"
            "<div onclick=\"alert(1)\">RAWDIV</div>\n"
        ),
        "content/people/hostile-person.yaml": (
            f"name: {yaml_str(m['person.name'])}\n"
            f"aliases: [{yaml_str(m['person.alias'])}, The hostile person]\n"
            f"summary: {yaml_str(m['person.summary'])}\n"
            f"description: {yaml_str(m['person.description'])}\n"
            "links:\n"
            f"  - {{title: {yaml_str(m['person.linktitle'])}, url: {yaml_str(url + 'LINKURL')}}}\n"
            "organisations: [hostile-org]\n"
            "facts:\n"
            f"  - claim: {yaml_str(m['fact.claim'])}\n"
            f"    value: {yaml_str(m['fact.value'])}\n"
            "    date: 2024-01-05\n"
            "    source: report\n"
            f"    quote: {yaml_str(m['fact.quote'])}\n"
            f"    note: {yaml_str(m['fact.note'])}\n"
            f"  - claim: {yaml_str(m['fact.claim'])}\n"
            "    value: an older value\n"
            "    date: 2023-01-05\n"
            "    rank: deprecated\n"
            f"    reason: {yaml_str(m['fact.reason'])}\n"
            f"    source: {yaml_str(url + 'SOURCEURL')}\n"
        ),
        "content/places/hostile-place.yaml": f"name: {yaml_str(m['place.name'])}\ncoordinates: [51.5, -0.1]\n",
        "content/events/hostile-event.yaml": f"name: {yaml_str(m['event.name'])}\ndate: 2024-01-04\nplaces: [hostile-place]\nparticipants: [hostile-person]\n",
        "content/organisations/hostile-org.yaml": f"name: {yaml_str(m['organisation.name'])}\nmembers: [hostile-person]\n",
        "content/pages/about.md": (
            f"---\ntitle: {yaml_str(m['page.title'])}\nsummary: {yaml_str(m['page.summary'])}\n---\n"
            f"{m['page.body']}\n\n<b onclick=\"alert(1)\">RAWBOLD</b>\n"
        ),
    })
    return root


class Scan(HTMLParser):
    """Collects what a browser would make of a page: elements, attributes,
    the contents of script elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str | None]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.append((tag, name, value))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


def scan_html(data: str) -> Scan:
    scan = Scan()
    scan.feed(data)
    scan.close()
    return scan


def assert_safe_html(rel: str, data: str, raw_html: bool) -> None:
    assert "<script>alert" not in data, rel
    scan = scan_html(data)
    for tag, name, value in scan.attributes:
        assert name != "onmouseover", (rel, tag, name)
        if not raw_html:
            assert not name.startswith("on"), (rel, tag, name, value)
        if name in ("href", "src", "action", "formaction") and value:
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")) or raw_html and "raw" in data, (rel, tag, name, value)
    for attrs, text in scan.scripts:
        assert "alert(1)" not in text or attrs.get("type") == "application/ld+json", (rel, text[:200])
        if attrs.get("type") == "application/ld+json":
            # the HTML parser ends a script at '</script' and changes state at '<!--';
            # the JSON must not contain either, and must parse
            lowered = text.lower()
            assert "</script" not in lowered and "<!--" not in lowered and "<script" not in lowered, (rel, text[:300])
            json.loads(text)


def walk(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    root = hostile_site(tmp_path_factory.mktemp("hostile") / "site")
    out = root.parent / "out"
    run = sitegen("build", root, "-o", out, "-q")
    assert run.code == 0, run.stderr
    return out, walk(out)


def test_every_output_file_escapes_every_field(hostile):
    out, files = hostile
    kinds = {"html": 0, "xml": 0, "json": 0}
    for rel, data in files.items():
        if rel.endswith(".html"):
            kinds["html"] += 1
            assert_safe_html(rel, data.decode("utf-8"), raw_html=False)
        elif rel.endswith(".xml"):
            kinds["xml"] += 1
            text = data.decode("utf-8")
            assert "<script>alert" not in text, rel
            tree = ET.fromstring(data)  # well-formed
            assert not any(el.tag.endswith("script") for el in tree.iter()), rel
        elif rel.endswith(".json"):
            kinds["json"] += 1
            json.loads(data)
        elif rel.endswith((".js", ".css", ".txt", ".svg")):
            assert b"<script>alert" not in data, rel
    assert kinds["html"] >= 10 and kinds["xml"] >= 2 and kinds["json"] >= 2, kinds


def test_every_field_is_shown_somewhere(hostile):
    """The markers did reach the output (escaped): otherwise the test above proves nothing."""
    _, files = hostile
    text = "\n".join(data.decode("utf-8", "replace") for data in files.values())
    for field in FIELDS:
        if field in ("article.url", "person.linkurl", "fact.sourceurl"):
            continue
        tag = marker(field).split("<")[0]
        assert tag in text, field
    for url_tag in ("ARTICLEURL", "LINKURL", "SOURCEURL"):
        assert url_tag in text, url_tag


def test_markers_survive_as_text(hostile):
    """Escaped, not mangled: the browser shows the writer's exact text."""
    out, files = hostile
    page = scan_html(files["people/hostile-person/index.html"].decode("utf-8"))
    shown = "".join(page.text)
    for field in ("person.name", "person.summary", "fact.claim", "fact.value", "fact.note"):
        assert marker(field) in shown, field


def test_json_files_hold_the_exact_values(hostile):
    _, files = hostile
    facts = json.loads(files["data/facts.json"])
    dumped = json.dumps(facts, ensure_ascii=False)
    assert marker("fact.value").replace('"', '\\"') in dumped
    graph = json.loads(files["data/graph.json"])
    assert marker("person.name").replace('"', '\\"') in json.dumps(graph, ensure_ascii=False)


def test_feeds_are_well_formed_and_escaped(hostile):
    feedparser = pytest.importorskip("feedparser")
    _, files = hostile
    feeds = [rel for rel in files if rel.endswith(".xml") and b"<feed" in files[rel]]
    assert "feed.xml" in feeds and len(feeds) >= 2
    for rel in feeds:
        parsed = feedparser.parse(files[rel])
        assert not parsed.bozo, (rel, parsed.get("bozo_exception"))
    entry = feedparser.parse(files["feed.xml"]).entries[0]
    assert marker("article.title") in entry.title


def test_javascript_links_in_markdown_are_not_links(hostile):
    _, files = hostile
    page = files["articles/report/index.html"].decode("utf-8")
    assert "javascript:" not in " ".join(v or "" for _, n, v in scan_html(page).attributes if n in ("href", "src"))
    assert "RAWDIV" in page and "&lt;div onclick" in page


MARKDOWN_FIELDS = {"article.body", "page.body", "person.summary", "person.description", "fact.quote"}
"""Fields written in Markdown: with `raw_html: true` their HTML is the writer's."""


def test_raw_html_switch_on_passes_html_through(tmp_path):
    root = hostile_site(tmp_path / "site", raw_html=True)
    out = tmp_path / "out"
    run = sitegen("build", root, "-o", out, "-q")
    assert run.code == 0, run.stderr
    article = (out / "articles/report/index.html").read_text("utf-8")
    assert '<div onclick="alert(1)">RAWDIV</div>' in article
    assert '<a href="javascript:alert(1)">raw</a>' in article
    assert '<b onclick="alert(1)">RAWBOLD</b>' in (out / "about/index.html").read_text("utf-8")
    assert "<script>alert(1)</script>" in (out / "people/hostile-person/index.html").read_text("utf-8")  # its summary
    # fields that are not Markdown are text, whatever the switch says
    for rel, data in walk(out).items():
        if rel.endswith((".html", ".xml")):
            text = data.decode("utf-8")
            for field in FIELDS:
                if field not in MARKDOWN_FIELDS:
                    assert marker(field) not in text, (rel, field)
            for attrs, script in scan_html(text).scripts:
                if attrs.get("type") == "application/ld+json":
                    json.loads(script)
                    assert "</script" not in script.lower() and "<!--" not in script


def test_raw_html_switch_off_by_default_escapes(tmp_path):
    root = write_site(tmp_path / "site", {
        "content/articles/raw.md": "---\ntitle: Raw\ndate: 2024-01-05\n---\nText.\n\n<iframe src=\"https://evil.example/\"></iframe>\n\nInline <img src=x onerror=alert(1)> too.\n",
    })
    out = tmp_path / "out"
    assert sitegen("build", root, "-o", out, "-q").code == 0
    page = (out / "articles/raw/index.html").read_text("utf-8")
    assert "<iframe" not in page and "&lt;iframe" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_hostile_base_url(tmp_path):
    root = hostile_site(tmp_path / "site")
    out = tmp_path / "out"
    run = sitegen("build", root, "-o", out, "-q", "--base-url", 'https://example.org/a"b\'c<d>/')
    if run.code != 0:
        assert "Traceback" not in run.stderr and "base" in run.stderr.lower()
        return
    for rel, data in walk(out).items():
        if rel.endswith(".html"):
            assert_safe_html(rel, data.decode("utf-8"), raw_html=False)
            assert 'c<d>' not in data.decode("utf-8")
        elif rel.endswith(".xml"):
            ET.fromstring(data)
        elif rel.endswith(".json"):
            json.loads(data)


# --------------------------------------------------------------------------
# URLs that are not http(s) are refused


@pytest.mark.parametrize(
    "url",
    [
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
        "//evil.example/x",
        "https:/evil.example",
        "https://",
        "mailto:a@example.org",
        "http://exa mple.org/",
    ],
)
@pytest.mark.parametrize("field", ["link", "source", "article url", "base_url"])
def test_non_http_urls_are_refused(tmp_path, url, field):
    quoted = yaml_str(url)
    rel, text = {
        "link": ("content/people/ben-quill.yaml", f"name: Ben Quill\nlinks:\n  - {{title: Home, url: {quoted}}}\n"),
        "source": ("content/people/ben-quill.yaml", f"name: Ben Quill\nfacts:\n  - claim: Post\n    value: Treasurer\n    source: {quoted}\n"),
        "article url": ("content/articles/late.md", f"---\ntitle: Late\ndate: 2024-01-06\nurl: {quoted}\n---\nBody.\n"),
        "base_url": ("sitegen.yaml", f"title: Tracker\nbase_url: {quoted}\n"),
    }[field]
    from test_validation import site_with

    root = site_with(tmp_path, {rel: text})
    run = check(root)
    line, column = where(root, rel, quoted)
    assert any(p.startswith(f"{rel}:{line}:{column}: error: ") for p in run.problems), run.stderr


def test_non_http_base_url_on_the_command_line(tmp_path):
    root = write_site(tmp_path / "site", {"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"})
    run = sitegen("build", root, "-o", tmp_path / "out", "--base-url", "javascript:alert(1)//")
    assert run.code in (1, 2) and "Traceback" not in run.stderr
    assert "base" in run.stderr.lower() and "http" in run.stderr.lower(), run.stderr
    assert not (tmp_path / "out").exists()


def test_markdown_links_only_to_safe_schemes(tmp_path):
    bad = ["javascript:alert(1)", "JavaScript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "data:image/svg+xml,x", "file:///etc/passwd", "ftp://example.org/f"]
    good = ["https://example.org/ok", "http://example.org/ok", "mailto:desk@example.org", "/articles/", "#notes", "../about/"]
    body = "\n\n".join(f"[bad {i}]({url}) ![bad image {i}]({url}) <{url}>" for i, url in enumerate(bad))
    body += "\n\n" + "\n\n".join(f"[good {i}]({url})" for i, url in enumerate(good))
    root = write_site(tmp_path / "site", {"content/articles/links.md": f"---\ntitle: Links\ndate: 2024-01-05\n---\n{body}\n"})
    out = tmp_path / "out"
    assert sitegen("build", root, "-o", out, "-q").code == 0
    page = (out / "articles/links/index.html").read_text("utf-8")
    targets = [value for _, name, value in scan_html(page).attributes if name in ("href", "src") and value]
    for url in bad:
        assert not any(t.startswith(url.split(":")[0] + ":") or t.lower().startswith(url.split(":")[0].lower() + ":") for t in targets), url
    for url in good:
        assert url in targets, url
