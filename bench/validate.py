#!/usr/bin/env python3
"""Check a generated benchmark site against what bench/generate.py promises.

    python bench/validate.py SITE_DIR

Checks: ids match ^[a-z0-9][a-z0-9-]*$ and are unique across kinds; no name or
alias is shared by two entities (case-insensitively); every referenced id
exists; every fact quote is a verbatim substring of the cited article's body;
front matter has title and date. Prints sizes and the popularity
distribution (articles naming each entity). Exit 1 on any problem.
"""

from __future__ import annotations

import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hugo_site import WIKILINK_RE, Matcher, article_mentions, load_site  # noqa: E402

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__)
        return 2
    site = argv[0]
    ents, arts = load_site(site)
    problems = []
    art_by_id = {}
    for a in arts:
        if a["id"] in art_by_id:
            problems.append(f"duplicate article id {a['id']}")
        art_by_id[a["id"]] = a
        if not ID_RE.match(a["id"]):
            problems.append(f"bad article id {a['id']}")
        if not a["fm"].get("title") or not a["fm"].get("date"):
            problems.append(f"{a['id']}: missing title/date")
        for key in ("about", "mentions"):
            for eid in a["fm"].get(key) or []:
                if eid not in ents:
                    problems.append(f"{a['id']}: {key} names unknown id {eid}")
    names = {}
    for eid, e in ents.items():
        if not ID_RE.match(eid):
            problems.append(f"bad entity id {eid}")
        if eid in art_by_id:
            problems.append(f"entity id {eid} is also an article id")
        for n in [e["name"], *e["aliases"]]:
            key = n.lower()
            if key in names and names[key] != eid:
                problems.append(f"name/alias {n!r} shared by {names[key]} and {eid}")
            names[key] = eid
    n_facts = n_quotes = n_series = n_unsourced = 0
    for eid, e in ents.items():
        d = e["data"]
        if not d.get("summary"):
            problems.append(f"{eid}: no summary")
        for key in ("part_of",):
            if d.get(key) and d[key] not in ents:
                problems.append(f"{eid}: {key} unknown {d[key]}")
        for key in ("places", "participants", "members", "organisations"):
            for x in d.get(key) or []:
                if x not in ents:
                    problems.append(f"{eid}: {key} unknown {x}")
        claims = {}
        facts = d.get("facts") or []
        if not 2 <= len(facts) <= 6:
            problems.append(f"{eid}: {len(facts)} facts")
        for f in facts:
            n_facts += 1
            claims[f["claim"]] = claims.get(f["claim"], 0) + 1
            v = f.get("value")
            if isinstance(v, str):
                m = WIKILINK_RE.fullmatch(v)
                if m and m.group(1) not in ents:
                    problems.append(f"{eid}: value links unknown {v}")
            srcs = f.get("sources") or ([{"source": f["source"], "quote": f.get("quote")}] if f.get("source") else [])
            if not srcs:
                n_unsourced += 1
            for s in srcs:
                src = s["source"]
                if str(src).startswith("http"):
                    continue
                if src not in art_by_id:
                    problems.append(f"{eid}: source {src} is not an article")
                    continue
                q = s.get("quote")
                if q:
                    n_quotes += 1
                    if q not in art_by_id[src]["body"]:
                        problems.append(f"{eid}: quote {q!r} not in {src}")
        n_series += sum(1 for c in claims.values() if c > 1)
    matcher = Matcher(ents)
    counts = {eid: 0 for eid in ents}
    for a in arts:
        for eid in article_mentions(a, matcher):
            counts[eid] += 1
    body_bytes = sum(len(a["body"].encode("utf-8")) for a in arts)
    total = 0
    for dirpath, _, files in os.walk(site):
        if "/output" in dirpath or ".sitegen-cache" in dirpath:
            continue
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    words = sum(len(a["body"].split()) for a in arts) / max(1, len(arts))
    ranked = sorted(counts.values(), reverse=True)
    print(f"{len(arts)} articles, {len(ents)} fact sheets "
          + ", ".join(f"{k}={sum(1 for e in ents.values() if e['kind'] == k)}"
                      for k in ("people", "places", "events", "organisations")))
    print(f"input {total / 1e6:.1f} MB, bodies {body_bytes / 1e6:.1f} MB, {words:.0f} words per article")
    print(f"facts {n_facts} ({n_quotes} quotes checked verbatim, {n_unsourced} unsourced, "
          f"{n_series} dated series)")
    print(f"articles naming an entity: top10 {ranked[:10]}, median {statistics.median(ranked)}, "
          f"entities in <=3 articles {sum(1 for c in ranked if c <= 3)}, in 0 {sum(1 for c in ranked if c == 0)}")
    for p in problems[:50]:
        print("PROBLEM:", p)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
