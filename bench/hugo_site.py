#!/usr/bin/env python3
"""Convert a sitegen site into an equivalent Hugo site (the benchmark's baseline).

    python bench/hugo_site.py SITE_DIR HUGO_DIR

- every article becomes content/articles/YYYY/MM/<id>.md with YAML front
  matter (title, date, author, tags, slug) plus four taxonomies -- people,
  places, events, organisations -- listing the entities the article names
  (found in its text the way sitegen finds them: names and aliases, longest
  match first, plus [[id]] links and the about/mentions front matter);
  [[id|text]] links become ordinary Markdown links;
- every fact sheet becomes the term page content/<kind>/<id>/_index.md whose
  front matter carries the entity's summary, relations (both directions,
  resolved here) and facts (with sources and quotes), and whose body is the
  sheet's description;
- a minimal theme written here (layouts/): base, home, article, section list
  (paginated), taxonomy and term pages; term pages list the entity's facts and
  every article that names it, newest first.

Also importable: load_site() and Matcher are used by bench/run.py and
bench/validate.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys

import yaml

try:
    Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    Loader = yaml.SafeLoader

KINDS = ("people", "places", "events", "organisations")
TOKEN_RE = re.compile(r"\w+")
WIKILINK_RE = re.compile(r"\[\[([^\]|\n]+)(?:\|([^\]\n]*))?\]\]")


# ---------------------------------------------------------------- loading

def read_article(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if not text.startswith("---\n"):
        return {}, text
    end = text.index("\n---\n", 4)
    fm = yaml.load(text[4:end], Loader=Loader) or {}
    return fm, text[end + 5:]


def load_site(site, with_bodies=True):
    """Entities and articles of a sitegen site (as written by bench/generate.py)."""
    content = os.path.join(site, "content")
    ents = {}
    for kind in KINDS:
        d = os.path.join(content, kind)
        if not os.path.isdir(d):
            continue
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".yaml"):
                continue
            with open(os.path.join(d, fn), encoding="utf-8") as fh:
                data = yaml.load(fh, Loader=Loader) or {}
            eid = fn[:-5]
            ents[eid] = {"id": eid, "kind": kind, "name": data.get("name", eid),
                         "aliases": list(data.get("aliases") or []), "data": data,
                         "path": os.path.join(content, kind, fn)}
    arts = []
    root = os.path.join(content, "articles")
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            if not fn.endswith(".md"):
                continue
            path = os.path.join(dirpath, fn)
            fm, body = read_article(path)
            arts.append({"id": fn[:-3], "path": path, "rel": os.path.relpath(path, root),
                         "fm": fm, "body": body if with_bodies else None})
    return ents, arts


class Matcher:
    """Finds entity names and aliases in text: case-sensitive, whole tokens, longest first."""

    def __init__(self, ents):
        self.index = {}
        self.by_name = {}
        for eid, e in ents.items():
            if e["data"].get("autolink") is False:
                continue
            for name in [e["name"], *e["aliases"]]:
                toks = tuple(TOKEN_RE.findall(name))
                if toks:
                    self.index.setdefault(toks[0], []).append((toks, eid))
                self.by_name[name] = eid
        for lst in self.index.values():
            lst.sort(key=lambda t: -len(t[0]))
        self.ids = set(ents)

    def find(self, body):
        found = []
        seen = set()
        for m in WIKILINK_RE.finditer(body):
            target = m.group(1).strip()
            eid = target if target in self.ids else self.by_name.get(target)
            if eid and eid not in seen:
                seen.add(eid)
                found.append(eid)
        toks = TOKEN_RE.findall(body)
        index = self.index
        i, n = 0, len(toks)
        while i < n:
            cands = index.get(toks[i])
            if cands:
                for tt, eid in cands:
                    k = len(tt)
                    if k == 1 or tuple(toks[i:i + k]) == tt:
                        if eid not in seen:
                            seen.add(eid)
                            found.append(eid)
                        i += k
                        break
                else:
                    i += 1
            else:
                i += 1
        return found


def article_mentions(art, matcher):
    """Entity ids an article mentions: in its body, or in about/mentions."""
    ids = matcher.find(art["body"])
    fm = art["fm"]
    for key in ("about", "mentions"):
        for eid in fm.get(key) or []:
            if eid in matcher.ids and eid not in ids:
                ids.append(eid)
    return ids


# -------------------------------------------------------------- conversion

def _iso(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _yaml(obj):
    """YAML front matter, one `key: <JSON value>` line per key (JSON is valid YAML flow)."""
    return "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in obj.items())


CONFIG = """baseURL = "https://tracker.example.org/"
defaultContentLanguage = "en"
title = {title}
enableRobotsTXT = false

[taxonomies]
  tag = "tags"
  person = "people"
  place = "places"
  event = "events"
  organisation = "organisations"

[permalinks.page]
  articles = "/articles/:slug/"

[pagination]
  pagerSize = 50

[services.rss]
  limit = 20

[markup.goldmark.renderer]
  unsafe = false
"""

LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} | {{ site.Title }}{{ end }}</title>
<link rel="canonical" href="{{ .Permalink }}">
<link rel="stylesheet" href="{{ "style.css" | relURL }}">
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav><a href="{{ "/articles/" | relURL }}">Articles</a> <a href="{{ "/people/" | relURL }}">People</a>
<a href="{{ "/places/" | relURL }}">Places</a> <a href="{{ "/events/" | relURL }}">Events</a>
<a href="{{ "/organisations/" | relURL }}">Organisations</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "home.html": """{{ define "main" }}
<h1>{{ site.Title }}</h1>
<ul>{{ range first 20 (where site.RegularPages "Section" "articles") }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>{{ end }}
</ul>
{{ end }}
""",
    "page.html": """{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ with .Params.author }} by {{ delimit (slice | append .) ", " }}{{ end }}</p>
{{ .Content }}
</article>
<aside>
{{ range $tax := slice "people" "places" "events" "organisations" "tags" }}
{{ with $.GetTerms $tax }}<h2>{{ $tax | title }}</h2>
<ul>{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ with .Params.summary }} &mdash; {{ . }}{{ end }}</li>{{ end }}</ul>{{ end }}
{{ end }}
</aside>
{{ end }}
""",
    "section.html": """{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ $pager := .Paginate .RegularPagesRecursive }}
<ul>{{ range $pager.Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>{{ end }}
</ul>
{{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}
{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Pages.ByTitle }}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> ({{ len .Pages }})</li>{{ end }}
</ul>
{{ end }}
""",
    "term.html": """{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ with .Params.summary }}<p class="summary">{{ . | markdownify }}</p>{{ end }}
{{ with .Params.aka }}<p>Also known as: {{ delimit . ", " }}</p>{{ end }}
{{ .Content }}
{{ with .Params.relations }}<h2>Related</h2><dl>{{ range . }}
<dt>{{ .label }}</dt><dd>{{ range $i, $r := .items }}{{ if $i }}, {{ end }}<a href="{{ $r.url | relURL }}">{{ $r.name }}</a>{{ end }}</dd>{{ end }}
</dl>{{ end }}
{{ with .Params.facts }}<h2>Facts</h2>
<table><tr><th>Claim</th><th>Value</th><th>When</th><th>Sources</th></tr>
{{ range . }}<tr{{ with .rank }} class="{{ . }}"{{ end }}><td>{{ .claim }}</td>
<td>{{ if .url }}<a href="{{ .url | relURL }}">{{ .value }}</a>{{ else }}{{ .value }}{{ end }}{{ with .reason }} <small>({{ . }})</small>{{ end }}</td>
<td>{{ with .date }}{{ . }}{{ end }}{{ with .start }}{{ . }} &ndash; {{ end }}{{ with .end }}{{ . }}{{ end }}</td>
<td>{{ range .sources }}<a href="{{ .url | relURL }}">{{ .title }}</a>{{ with .quote }}: &ldquo;{{ . }}&rdquo;{{ end }}<br>{{ else }}unsourced{{ end }}</td></tr>
{{ end }}</table>{{ end }}
<h2>Articles ({{ len .Pages }})</h2>
<ul>{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>{{ end }}
</ul>
{{ end }}
""",
}

STYLE = "body{font-family:sans-serif;max-width:50rem;margin:auto}.deprecated{text-decoration:line-through}\n"

KIND_LABELS = {"people": "People", "places": "Places", "events": "Events", "organisations": "Organisations"}


def convert(site, out, quiet=False):
    ents, arts = load_site(site)
    matcher = Matcher(ents)
    titles = {a["id"]: a["fm"].get("title", a["id"]) for a in arts}

    def url(eid):
        return f"/{ents[eid]['kind']}/{eid}/"

    def link(eid):
        return {"name": ents[eid]["name"], "url": url(eid)} if eid in ents else {"name": eid, "url": "/"}

    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "content", "articles"))
    os.makedirs(os.path.join(out, "layouts"))
    os.makedirs(os.path.join(out, "static"))
    cfg = {}
    try:
        with open(os.path.join(site, "sitegen.yaml"), encoding="utf-8") as fh:
            cfg = yaml.load(fh, Loader=Loader) or {}
    except FileNotFoundError:
        pass
    with open(os.path.join(out, "hugo.toml"), "w", encoding="utf-8") as fh:
        fh.write(CONFIG.format(title=json.dumps(cfg.get("title", "Tracker"))))
    for name, text in LAYOUTS.items():
        with open(os.path.join(out, "layouts", name), "w", encoding="utf-8") as fh:
            fh.write(text)
    with open(os.path.join(out, "static", "style.css"), "w", encoding="utf-8") as fh:
        fh.write(STYLE)
    with open(os.path.join(out, "content", "_index.md"), "w", encoding="utf-8") as fh:
        fh.write("---\ntitle: Home\n---\n")
    with open(os.path.join(out, "content", "articles", "_index.md"), "w", encoding="utf-8") as fh:
        fh.write("---\ntitle: Articles\n---\n")

    def relink(m):
        target = m.group(1).strip()
        eid = target if target in ents else matcher.by_name.get(target)
        text = m.group(2) if m.group(2) is not None else (ents[eid]["name"] if eid else target)
        return f"[{text}]({url(eid)})" if eid else text

    n_mentions = 0
    for a in arts:
        fm = a["fm"]
        ids = article_mentions(a, matcher)
        n_mentions += len(ids)
        hfm = {"title": fm.get("title", a["id"]), "date": _iso(fm.get("date")), "slug": a["id"]}
        if fm.get("updated"):
            hfm["lastmod"] = _iso(fm["updated"])
        if fm.get("author"):
            hfm["author"] = fm["author"]
        if fm.get("tags"):
            hfm["tags"] = fm["tags"]
        for kind in KINDS:
            terms = [eid for eid in ids if ents[eid]["kind"] == kind]
            if terms:
                hfm[kind] = terms
        body = WIKILINK_RE.sub(relink, a["body"])
        dest = os.path.join(out, "content", "articles", a["rel"])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as fh:
            fh.write("---\n" + _yaml(hfm) + "---\n" + body)

    # relations, both directions
    rel = {eid: {} for eid in ents}

    def add(src, label, dst):
        if src in rel and dst in ents:
            lst = rel[src].setdefault(label, [])
            if dst not in lst:
                lst.append(dst)
    for eid, e in ents.items():
        d = e["data"]
        k = e["kind"]
        if d.get("part_of"):
            add(eid, "Part of", d["part_of"])
            add(d["part_of"], "Includes", eid)
        for key, fwd, back in (("places", "Places", "Events held here"),
                               ("participants", "Participants", "Took part in"),
                               ("members", "Members", "Member of"),
                               ("organisations", "Organisations", "Members")):
            if key == "places" and k != "events":
                continue
            for other in d.get(key) or []:
                add(eid, fwd, other)
                add(other, back, eid)
        for f in d.get("facts") or []:
            v = f.get("value")
            if isinstance(v, str):
                m = WIKILINK_RE.fullmatch(v.strip())
                if m and m.group(1) in ents:
                    add(eid, str(f.get("claim")), m.group(1))
                    add(m.group(1), f"{f.get('claim')} of", eid)

    for kind in KINDS:
        os.makedirs(os.path.join(out, "content", kind), exist_ok=True)
        with open(os.path.join(out, "content", kind, "_index.md"), "w", encoding="utf-8") as fh:
            fh.write(f"---\ntitle: {KIND_LABELS[kind]}\n---\n")
    for eid, e in ents.items():
        d = e["data"]
        facts = []
        for f in d.get("facts") or []:
            v = f.get("value")
            item = {"claim": str(f.get("claim"))}
            m = WIKILINK_RE.fullmatch(v.strip()) if isinstance(v, str) else None
            if m and m.group(1) in ents:
                item["value"] = ents[m.group(1)]["name"]
                item["url"] = url(m.group(1))
            else:
                item["value"] = str(_iso(v))
            for key in ("date", "start", "end", "rank", "reason", "note"):
                if f.get(key) is not None:
                    item[key] = str(_iso(f[key]))
            srcs = f.get("sources") or ([{"source": f["source"], "quote": f.get("quote")}] if f.get("source") else [])
            item["sources"] = []
            for s in srcs:
                src = str(s.get("source"))
                if src in titles:
                    entry = {"url": f"/articles/{src}/", "title": titles[src]}
                else:
                    entry = {"url": src, "title": src}
                if s.get("quote"):
                    entry["quote"] = s["quote"]
                item["sources"].append(entry)
            facts.append(item)
        fm = {"title": e["name"], "summary": d.get("summary", "")}
        if e["aliases"]:
            fm["aka"] = e["aliases"]
        if rel[eid]:
            fm["relations"] = [{"label": label, "items": [link(x) for x in items]}
                               for label, items in rel[eid].items()]
        fm["facts"] = facts
        dest = os.path.join(out, "content", e["kind"], eid)
        os.makedirs(dest, exist_ok=True)
        with open(os.path.join(dest, "_index.md"), "w", encoding="utf-8") as fh:
            fh.write("---\n" + _yaml(fm) + "---\n" + (d.get("description") or ""))
    if not quiet:
        print(f"hugo site: {len(arts)} articles, {len(ents)} term pages, "
              f"{n_mentions} article-entity links -> {out}")
    return {"articles": len(arts), "entities": len(ents), "mentions": n_mentions}


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Convert a sitegen site into a Hugo site.")
    ap.add_argument("site")
    ap.add_argument("out")
    args = ap.parse_args(argv)
    convert(args.site, args.out)


if __name__ == "__main__":
    main()
