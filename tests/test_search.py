"""Search: sitegen's own static index (sitegen/search.py) and the search page
(templates/search.html, templates/assets/search.js), tried in Chromium."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import browser, open_page, run_axe, serve_static  # noqa: F401 (fixture)
from conftest import REPO, copy_example, sitegen, write_site

from sitegen.build import Builder
from sitegen.search import _WORD, add_search_index, fold, search_files, shard_key, tokens

HOSTILE_TITLE = 'Quotes "double" \'single\' </script><script>alert(1)</script> & <b>bold</b>'

SITE = {
    "sitegen.yaml": "title: Search test\n",
    "content/articles/talks.md": """
        ---
        title: Talks open in Zürich
        date: 2024-03-01
        summary: Delegates gather by the lake.
        ---
        Delegates met in [[zurich]] on Monday. The quartermaster filed a report
        on the harbour, and [[ada-quill]] spoke last.
        """,
    "content/articles/bridge.md": """
        ---
        title: Harbour bridge opens
        date: 2024-01-05
        ---
        Ada Quill opened the bridge. Nobody mentioned the quarterly figures.
        """,
    "content/articles/hostile.md": f"""
        ---
        title: {json.dumps(HOSTILE_TITLE)}
        date: 2024-02-01
        ---
        Plain text with <script>alert(2)</script> and <img src=x onerror=alert(3)> in it,
        "quotes", ‘curly’ ones and a backslash \\ too. Москва, Αθήνα and 東京 are far away.
        """,
    "content/places/zurich.yaml": """
        name: Zürich
        aliases: [Zuerich]
        summary: Largest city of Switzerland, by the lake.
        """,
    "content/people/ada-quill.yaml": """
        name: Ada Quill
        summary: Engineer.
        facts:
          - claim: Occupation
            value: bridge engineer
            source: bridge
            quote: Ada Quill opened the bridge
        """,
    "content/pages/about.md": """
        ---
        title: About this tracker
        ---
        Methodology notes about the xylophone collection.
        """,
}

TRICKY = [
    "Zürich", "ZÜRICH", "Zu\u0308rich", "São Paulo", "Ångström", "Øresund", "Łódź", "İstanbul", "ıi",
    "Straße STRASSE ẞ", "ΟΔΟΣ οδός ΐ ᾈ", "Москва Ёлка", "東京都 北京大学", "한국어", "ไทย", "हिन्दी", "٣٤٥ عربي",
    "ﬁnancial ﬂow", "①②③ ⑴ x²+y³ ½", "㎒ ＦＵＬＬＷＩＤＴＨ", "don't", "O’Brien", "rock ‘n’ roll",
    "state-of-the-art e-mail well—known", "10,000 3.14 2021-08-13", "snake_case C++ C# #tag @user",
    "ǅemal ǰ", "Ꭰꭰᏸ ᲀ", "naïve café Æsir œuvre", "emoji 😀 ok", "tab\there\nnew line", "", "  --  ",
    "𝐁𝐨𝐥𝐝 𝔉𝔯𝔞𝔨𝔱𝔲𝔯", "𐐀𐐨 Deseret", "Ἀθῆναι",
]


def sweep() -> list[str]:
    """Every code point Python's Unicode database knows, in the BMP and a few astral blocks with case or NFKD."""
    ranges = [range(0x20, 0xD800), range(0xE000, 0x10000), range(0x10400, 0x10450), range(0x1D400, 0x1D800), range(0x1E900, 0x1E960), range(0x1F100, 0x1F200)]
    return [chr(c) for r in ranges for c in r if unicodedata.category(chr(c)) != "Cn"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return write_site(tmp_path_factory.mktemp("search") / "site", SITE)


@pytest.fixture(scope="module")
def built(site) -> Path:
    out = site.parent / "out"
    run = sitegen("build", site, "-o", out, "-q")
    assert run.code == 0, run.stderr
    return out


@pytest.fixture(scope="module")
def served(built):
    with serve_static(built) as base:
        yield base


def results(page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#search-results > li')).map(li => ({
            title: li.querySelector('h2 a').textContent, href: li.querySelector('h2 a').getAttribute('href'),
            kind: li.querySelector('.result-kind').textContent, excerpt: (li.querySelector('.summary') || {}).textContent || '',
            marked: Array.from(li.querySelectorAll('mark')).map(m => m.textContent)}))"""
    )


def wait_for_results(page) -> None:
    page.wait_for_function("/result|No results|unavailable/.test(document.getElementById('search-status').textContent)", timeout=10000)


def search(browser, url: str, query: str, typed: bool = False) -> list[dict]:  # noqa: F811 - the fixture
    """Types `query` into the search page at `url`; returns the results shown."""
    page = open_page(browser, url)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}") if response.status >= 400 else None)
    try:
        box = page.get_by_label("Search articles")
        if typed:
            box.press_sequentially(query, delay=20)
        else:
            box.fill(query)
        wait_for_results(page)
        found = results(page)
    finally:
        page.context.close()
    assert not failed, f"requests failed: {failed}"
    return found


# -- the tokenizers ---------------------------------------------------------------------


def test_python_and_javascript_tokenize_alike(browser, served):  # noqa: F811
    """The browser must split and fold a query exactly as the build did the text."""
    page = open_page(browser, served + "search/")
    try:
        texts = TRICKY + sweep()
        in_js = page.evaluate("(texts) => texts.map(t => window.sitegenSearch.tokens(t))", texts)
        keys = page.evaluate("(texts) => texts.map(t => window.sitegenSearch.shardKey(window.sitegenSearch.tokens(t)[0]))", ["Wallace", "東京", "x", "𝐁𝐨𝐥𝐝"])
    finally:
        page.context.close()
    differ = [(text, tokens(text), js) for text, js in zip(texts, in_js) if tokens(text) != js]
    assert not differ, f"{len(differ)} texts tokenized differently, e.g. {differ[:10]}"
    assert tokens("Zürich ZURICH zurich") == ["zurich"] * 3
    assert tokens("don't O’Brien state-of-the-art 2,500") == ["don", "t", "o", "brien", "state", "of", "the", "art", "2", "500"]
    assert keys == ["77-61", "6771-4eac", "78", "62-6f"] == [shard_key(tokens(t)[0]) for t in ("Wallace", "東京", "x", "𝐁𝐨𝐥𝐝")]


def test_the_fast_tokenizer_is_the_reference_one():
    """The index splits ASCII as bytes and folds non-ASCII runs one by one:
    the same words as folding the whole text and splitting it."""
    texts = TRICKY + sweep()
    texts.append("".join(texts))  # every character next to every other kind
    assert [tokens(text) for text in texts] == [_WORD.findall(fold(text)) for text in texts]


# -- finding things -----------------------------------------------------------------------


def test_a_word_from_an_article_body_finds_the_article(browser, served):  # noqa: F811
    found = search(browser, served + "search/", "quartermaster")
    assert [r["title"] for r in found] == ["Talks open in Zürich"], found
    assert found[0]["href"] == "/articles/talks/"
    assert found[0]["kind"] == "article"
    assert found[0]["excerpt"] == "Delegates gather by the lake."


def test_an_entity_name_typed_without_diacritics_finds_it_first(browser, served):  # noqa: F811
    found = search(browser, served + "search/", "zurich")
    assert found[0]["title"] == "Zürich" and found[0]["href"] == "/places/zurich/" and found[0]["kind"] == "place", found
    assert "Talks open in Zürich" in [r["title"] for r in found]
    assert "Zürich" in found[0]["marked"]  # the match is marked in the title


def test_a_prefix_finds_while_typing(browser, served):  # noqa: F811
    found = search(browser, served + "search/", "harbour quarterm", typed=True)
    assert [r["title"] for r in found] == ["Talks open in Zürich"], found  # every word must match
    found = search(browser, served + "search/", "quarter", typed=True)
    assert {r["title"] for r in found} == {"Talks open in Zürich", "Harbour bridge opens"}, found
    assert search(browser, served + "search/", "quarter ") == []


def test_fact_values_aliases_and_free_pages_are_found(browser, served):  # noqa: F811
    assert [r["title"] for r in search(browser, served + "search/", "engineer bridge")][:1] == ["Ada Quill"]
    assert [r["title"] for r in search(browser, served + "search/", "zuerich")] == ["Zürich"]
    page = search(browser, served + "search/", "xylophone")
    assert [(r["title"], r["href"], r["kind"]) for r in page] == [("About this tracker", "/about/", "page")]


def test_results_link_to_pages_that_exist(browser, example_build):  # noqa: F811
    with serve_static(example_build) as base:
        found = search(browser, base + "search/", "kabul")
    assert len(found) > 5
    for result in found:
        target = example_build / unquote(result["href"]).lstrip("/") / "index.html"
        assert target.is_file(), result


def test_the_query_in_the_address_fills_the_search_and_typing_updates_it(browser, served):  # noqa: F811
    page = open_page(browser, served + "search/?q=Z%C3%BCrich")
    try:
        wait_for_results(page)
        assert page.get_by_label("Search articles").input_value() == "Zürich"
        assert results(page)[0]["title"] == "Zürich"
        page.get_by_label("Search articles").fill("quartermaster")
        page.wait_for_function("location.search === '?q=quartermaster'")
        page.wait_for_function("document.querySelectorAll('#search-results > li').length === 1")
    finally:
        page.context.close()


def test_the_keyboard_reaches_the_results(browser, served):  # noqa: F811
    page = open_page(browser, served + "search/")
    try:
        box = page.get_by_label("Search articles")
        box.focus()
        page.keyboard.type("zurich")
        page.keyboard.press("Enter")
        wait_for_results(page)
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.textContent") == "Zürich"
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.textContent") == "Talks open in Zürich"
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        assert page.evaluate("document.activeElement.id") == "search-input"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url("**/places/zurich/")
    finally:
        page.context.close()


def test_more_results_come_on_request(browser, tmp_path):  # noqa: F811
    files = {f"content/articles/note-{n:02}.md": f"---\ntitle: Note {n}\ndate: 2024-01-{n:02}\n---\nThe lantern was lit {n} times.\n" for n in range(1, 26)}
    site = write_site(tmp_path / "site", files)
    run = sitegen("build", site, "-q")
    assert run.code == 0, run.stderr
    with serve_static(site / "output") as base:
        page = open_page(browser, base + "search/?q=lantern")
        try:
            wait_for_results(page)
            assert page.locator("#search-status").inner_text() == "25 results for \u201clantern\u201d."
            assert [r["title"] for r in results(page)] == [f"Note {n}" for n in range(25, 5, -1)]  # newest first on a tie
            page.get_by_role("button", name="More results").click()
            page.wait_for_function("document.querySelectorAll('#search-results > li').length === 25")
            assert page.evaluate("document.activeElement.textContent") == "Note 5"
            assert page.get_by_role("button", name="More results").is_hidden()
        finally:
            page.context.close()


def test_search_works_under_a_sub_path(browser, tmp_path):  # noqa: F811
    out = tmp_path / "site"
    run = sitegen("build", REPO, "-o", out, "-q", "--base-url", "https://example.org/tracker/")
    assert run.code == 0, run.stderr
    page_html = (out / "search" / "index.html").read_text("utf-8")
    assert 'src="/tracker/assets/search.js"' in page_html and 'data-index="/tracker/search/"' in page_html
    requested: list[str] = []
    with serve_static(out, "/tracker/") as base:
        page = open_page(browser, base + "search/")
        page.on("request", lambda request: requested.append(urlsplit(request.url).path))
        try:
            page.get_by_label("Search articles").fill("Nick Carter")
            wait_for_results(page)
            found = results(page)
        finally:
            page.context.close()
    assert ("Nick Carter", "/tracker/people/nick-carter/") in [(r["title"], r["href"]) for r in found], found
    assert requested and all(path.startswith("/tracker/search/") for path in requested), requested


def test_hostile_text_stays_valid_json_and_is_shown_escaped(browser, built, served):  # noqa: F811
    for path in (built / "search").rglob("*.json"):
        json.loads(path.read_text("utf-8"))  # valid JSON, and valid UTF-8
    page = open_page(browser, served + "search/")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        for query in ("alert", "script", "москва", "αθηνα", "東京"):
            page.get_by_label("Search articles").fill(query)
            page.wait_for_function("(q) => document.getElementById('search-status').textContent.includes(q)", arg=query)
            found = results(page)
            assert [r["title"] for r in found] == [HOSTILE_TITLE], (query, found)
            assert page.locator("#search-results script, #search-results img, #search-results b").count() == 0
        assert "<script>alert(2)</script>" in found[0]["excerpt"]
    finally:
        page.context.close()
    assert not dialogs


# -- the index files ------------------------------------------------------------------------


def test_the_index_holds_content_pages_only(built):
    meta = json.loads((built / "search" / "meta.json").read_text("utf-8"))
    assert meta["count"] == 3 + 2 + 1  # articles, entities, free pages
    docs = [record for path in sorted((built / "search" / "docs").iterdir()) for record in json.loads(path.read_text("utf-8"))]
    assert [(r[0], r[1], r[2]) for r in docs] == [
        ("Talks open in Zürich", "articles/talks/", "article"),  # articles newest first
        (HOSTILE_TITLE, "articles/hostile/", "article"),
        ("Harbour bridge opens", "articles/bridge/", "article"),
        ("Ada Quill", "people/ada-quill/", "person"),
        ("Zürich", "places/zurich/", "place"),
        ("About this tracker", "about/", "page"),
    ]
    assert len(meta["lengths"]) == meta["count"]
    for key in meta["shards"]:
        terms = json.loads((built / "search" / "terms" / f"{key}.json").read_text("utf-8"))
        assert terms and all("-".join(f"{ord(c):x}" for c in term[:2]) == key for term in terms)


def test_the_index_is_made_from_the_graph_not_the_pages():
    result = Builder(REPO).render()
    result.files = {"index.html": result.files["index.html"]}  # the pages are gone
    add_search_index(result)
    meta = json.loads(result.files["search/meta.json"])
    assert meta["count"] == len(result.graph.site.articles) + len(result.graph.site.entities) + len(result.graph.site.pages)


def test_worker_processes_make_the_same_bytes(site):
    """Large sites are tokenized on every core, in batches: the same index."""
    graph = Builder(site).render().graph
    alone = search_files(graph, parallel=False)
    assert search_files(graph, parallel=True, batch=1) == alone
    assert search_files(graph, parallel=False, batch=2) == alone


def test_the_search_index_is_reproducible(tmp_path, example_build):
    out = tmp_path / "again"
    run = sitegen("build", REPO, "-o", out, "-q")
    assert run.code == 0, run.stderr
    first = {p.relative_to(example_build): p.read_bytes() for p in (example_build / "search").rglob("*") if p.is_file()}
    second = {p.relative_to(out): p.read_bytes() for p in (out / "search").rglob("*") if p.is_file()}
    assert len(first) > 10 and first == second


def test_search_false_makes_no_index(tmp_path):
    site = copy_example(tmp_path / "site")
    config = site / "sitegen.yaml"
    config.write_text(config.read_text("utf-8") + "search: false\n", encoding="utf-8")
    run = sitegen("build", site, "-q")
    assert run.code == 0, run.stderr
    out = site / "output"
    assert not (out / "search").exists()
    assert "/search/" not in (out / "index.html").read_text("utf-8")


# -- the page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_search_page_with_results_is_accessible(browser, served, scheme):  # noqa: F811
    page = open_page(browser, served + "search/?q=zurich", color_scheme=scheme)
    try:
        wait_for_results(page)
        violations = [v for v in run_axe(page)["violations"] if v["impact"] in ("serious", "critical")]
    finally:
        page.context.close()
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
