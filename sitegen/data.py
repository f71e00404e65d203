"""The site's machine-readable data: `data/facts.json` and `data/graph.json`.

Both formats are documented in docs/data.md; keys are stable and sorted so
two builds of the same input are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from sitegen.link import RELATION_LABELS, Graph
from sitegen.model import KIND_SINGULAR

FORMAT_VERSION = 1


def _value(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _dump_parts(data: dict) -> Iterator[bytes]:
    """`data` as `json.dumps(data, ensure_ascii=False, sort_keys=True)`
    writes it, in UTF-8 (joined as bytes: as one text, a single character
    beyond Latin-1 would take two or four bytes for every character), in
    parts; a value that is an iterator is written
    as a list, an item at a time, so that a large site's facts and edges
    are never all held at once, as dicts or as text (a one-time build
    writes the parts straight to the file)."""
    for number, key in enumerate(sorted(data)):
        value = data[key]
        yield (b"{" if number == 0 else b", ") + _encode(key).encode("utf-8") + b": "
        if isinstance(value, Iterator):
            yield b"["
            for index, item in enumerate(value):
                yield (b"" if index == 0 else b", ") + _encode(item).encode("utf-8")
            yield b"]"
        else:
            yield _encode(value).encode("utf-8")
    yield b"}\n" if data else b"{}\n"


def facts_json_parts(graph: Graph) -> Iterator[bytes]:
    """data/facts.json, in parts (see `_dump_parts`)."""
    return _dump_parts({"version": FORMAT_VERSION, "facts": _facts(graph)})


def _facts(graph: Graph) -> Iterator[dict]:
    site, urls = graph.site, graph.urls
    for entity in sorted(site.entities.values(), key=lambda e: e.id):
        disputed = set().union(*(s.disputed for s in graph.series.get(entity.id, []))) if graph.series.get(entity.id) else set()
        current = {s.current.key for s in graph.series.get(entity.id, [])}
        for fact in entity.facts:
            sources = []
            for check in graph.checks.get(fact.key, []):
                item = {"source": check.source.source, "quote": check.source.quote, "status": check.status}
                if check.status == "external":
                    item["url"] = check.source.source
                else:
                    item["url"] = urls.article(check.source.source) + (f"#{check.anchor}" if check.anchor else "")
                sources.append(item)
            yield {
                "entity": entity.id,
                "entity_name": entity.name,
                "kind": KIND_SINGULAR[entity.kind],
                "index": fact.index,
                "claim": fact.claim,
                "value": _value(fact.value),
                "value_entity": fact.value_ref,
                "date": _value(fact.date),
                "start": _value(fact.start),
                "end": _value(fact.end),
                "rank": fact.rank,
                "reason": fact.reason or None,
                "note": fact.note or None,
                "current": fact.key in current,
                "disputed": fact.key in disputed,
                "sources": sources,
                "url": urls.entity(entity.kind, entity.id) + f"#fact-{fact.index + 1}",
            }


def graph_json_parts(graph: Graph) -> Iterator[bytes]:
    """data/graph.json, in parts (see `_dump_parts`)."""
    return _dump_parts({"version": FORMAT_VERSION, "nodes": _nodes(graph), "edges": _edges(graph)})



def _nodes(graph: Graph) -> Iterator[dict]:
    site, urls = graph.site, graph.urls
    for entity in sorted(site.entities.values(), key=lambda e: e.id):
        yield {"id": entity.id, "type": KIND_SINGULAR[entity.kind], "name": entity.name, "url": urls.entity(entity.kind, entity.id)}
    for article_id in sorted(site.articles):
        article = site.articles[article_id]
        yield {"id": f"article:{article_id}", "type": "article", "name": article.title, "date": _value(article.date), "url": urls.article(article_id)}


def _edges(graph: Graph) -> Iterator[dict]:
    site = graph.site
    for article_id in sorted(graph.article_entities):
        text, article = graph.texts[article_id], site.articles[article_id]
        for entity_id in graph.article_entities[article_id]:
            # how the article names it: in its text (a name, an alias or a
            # [[link]]), or only in its front matter's about/mentions
            via = "text" if entity_id in text.first_mentions or entity_id in text.explicit else ("about" if entity_id in article.about else "mentions")
            yield {"source": f"article:{article_id}", "target": entity_id, "type": "mentions", "via": via}
    # Relations once each, in the direction a fact sheet states them (the
    # pages show them both ways); a fact whose value is [[id]] is one too.
    for entity in sorted(site.entities.values(), key=lambda e: e.id):
        for field_name, targets in sorted(entity.relations.items()):
            for target in targets:
                yield {"source": entity.id, "target": target, "type": "relation", "field": field_name, "label": RELATION_LABELS[field_name][0]}
        for fact in entity.facts:
            if fact.value_ref:
                yield {"source": entity.id, "target": fact.value_ref, "type": "relation", "field": "facts", "label": fact.claim, "fact": fact.index}
    for article_id in sorted(graph.citations):
        for citation in graph.citations[article_id]:
            yield {
                "source": citation.fact.entity_id,
                "target": f"article:{article_id}",
                "type": "cites",
                "claim": citation.fact.claim,
                "fact": citation.fact.index,
                "status": citation.check.status,
            }
