"""Dependencies of pages on inputs, for rebuilding only what a change touches.

While a page's data is shaped, `RecordingShaper` notes every piece of the
linked graph it reads as a key ('article:<id>', 'entity:<id>',
'mentions:<id>', 'kind:people', ...). `key_digests` gives each key a digest of
the data behind it; after a change, a page is re-rendered only when one of
its keys has a new digest. Keys are coarse on purpose: a key covers all a
page may show of that piece (an article's card and its body alike), so a
missed detail costs an extra render, never a stale page.

Digests are Python hashes of the data (cheap, and cached by strings), valid
within one process: they are compared only between rebuilds of one `serve`
or `build --watch` run.
"""

from __future__ import annotations

import re

from sitegen.link import Graph, LinkChanges
from sitegen.render import Shaper

WIKILINK = re.compile(r"\[\[([^\[\]]+)\]\]")
ALL = "all"
"""A key every page has: the config, the navigation and the theme."""


class RecordingShaper(Shaper):
    """A Shaper that records which pieces of the graph each page reads."""

    def __init__(self, graph, env, cards=None):
        super().__init__(graph, env, cards)
        self.recorded: set[str] | None = None

    def record(self, *keys: str) -> None:
        if self.recorded is not None:
            self.recorded.update(keys)

    def shape(self, context_fn) -> tuple[dict, frozenset[str]]:
        """Runs a page's context function and returns its data and the keys it read."""
        self.recorded = {ALL}
        try:
            return context_fn(), frozenset(self.recorded)
        finally:
            self.recorded = None

    # -- the accessors pages read the graph through --------------------------

    def entity_card(self, entity_id):
        self.record(f"card:{entity_id}")
        return super().entity_card(entity_id)

    def article_card(self, article_id):
        self.record(f"card:{article_id}")
        return super().article_card(article_id)

    def article_summary(self, article):
        self.record(f"card:{article.id}")
        return super().article_summary(article)

    def value_data(self, fact):
        self.record(f"entity:{fact.entity_id}")
        if fact.value_ref:
            self.record(f"card:{fact.value_ref}")
        return super().value_data(fact)

    def source_data(self, entity, check):
        self.record(f"entity:{entity.id}", f"checks:{entity.id}")
        if check.status != "external":
            # The link quotes the cited paragraph, so that paragraph counts.
            self.record(f"card:{check.source.source}", f"passage:{check.source.source}#{check.anchor}")
        return super().source_data(entity, check)

    def resolve_wikilinks(self, text):
        # A [[link]] in a summary or description shows another entity's URL and
        # name, and turns into a link when that entity appears.
        for match in WIKILINK.finditer(text):
            self.record(f"card:{match.group(1).partition('|')[0].strip()}")
        return super().resolve_wikilinks(text)

    def site_data(self):
        self.record("pages")
        return super().site_data()

    # -- pages --------------------------------------------------------------

    def home(self):
        self.record("articles", "kinds", "mention-counts")
        return super().home()

    def article_index(self):
        self.record("articles")
        return super().article_index()

    def article(self, article_id):
        self.record(f"article:{article_id}", f"article-entities:{article_id}", f"citations:{article_id}")
        return super().article(article_id)

    def kind_index(self, kind):
        self.record(f"kind:{kind}", "mention-counts")
        return super().kind_index(kind)

    def entity(self, entity_id):
        self.record(
            f"entity:{entity_id}",
            f"checks:{entity_id}",
            f"mentions:{entity_id}",
            f"relations:{entity_id}",
            f"related:{entity_id}",
        )
        return super().entity(entity_id)

    def event_timeline(self, entity):
        # An event's timeline shows the events its relations name, its own
        # facts (its `entity:` key) and the articles that mention it.
        for relation in self.graph.relations.get(entity.id, ()):
            self.record(f"entity:{relation.other}")
        for mention in self.graph.mentions.get(entity.id, ()):
            self.record(f"card:{mention.article_id}")
        return super().event_timeline(entity)

    def timeline(self):
        self.record("timeline")
        return super().timeline()

    def tag(self, tag):
        self.record(f"tag:{tag}")
        return super().tag(tag)

    def tag_index(self):
        self.record("tags")
        return super().tag_index()

    def free_page(self, page_id):
        self.record(f"page:{page_id}")
        return super().free_page(page_id)

    def feed(self, title, url_path, article_ids):
        self.record(f"feed:{url_path}")
        for article_id in article_ids:
            self.record(f"card:{article_id}")
        return super().feed(title, url_path, article_ids)

    def sitemap(self, pages):
        self.record("outputs")
        return super().sitemap(pages)


def key_digests(graph: Graph, source_digests: dict[str, str]) -> dict[str, int]:
    """A digest for every key a page can record, from the linked graph.

    `source_digests` maps site-relative source paths to their content digests.
    """
    digests: dict[str, int] = {}
    for article in graph.site.articles.values():
        article_digests(graph, article.id, source_digests, digests)
    for entity in graph.site.entities.values():
        entity_digests(graph, entity.id, source_digests, digests)
    digests.update(site_digests(graph, source_digests, digests))
    return digests


def update_digests(graph: Graph, changes: LinkChanges, source_digests: dict[str, str], previous: dict[str, int], previous_graph: Graph) -> tuple[dict[str, int], set[str]]:
    """The digests of `previous` (made from `previous_graph`) brought up to
    date after `relink` made `changes`: (all digests, the keys whose digest changed)."""
    fresh: dict[str, int] = {}
    for article_id in changes.articles | changes.cited:
        if article_id in graph.site.articles:  # a sheet may cite a draft
            article_digests(graph, article_id, source_digests, fresh)
    entity_ids = changes.entities | changes.checked | changes.mentioned | changes.related
    if changes.relations:
        entity_ids = graph.site.entities.keys()
    for entity_id in entity_ids:
        if entity_id in graph.site.entities:
            entity_digests(graph, entity_id, source_digests, fresh)
    digests = dict(previous)
    digests.update(fresh)
    # `relink` keeps the config, the ids and the free pages: the other parts
    # of the site are worked out again when what they are made of changed.
    parts = set()
    if changes.order:
        parts.update(("order", "timeline"))
    if changes.tags:
        parts.add("tags")
    if any(len(graph.mentions.get(e, ())) != len(previous_graph.mentions.get(e, ())) for e in changes.mentioned):
        parts.add("counts")
    timeline_inputs = sorted((key, value) for key, value in fresh.items() if previous.get(key) != value and (key.startswith("entity:") or key.startswith("card:") and key[5:] in graph.site.articles))
    fresh.update(site_digests(graph, source_digests, digests, frozenset(parts)))
    if timeline_inputs and "timeline" not in fresh:
        # What the timeline is made of changed: a digest chained from the last
        # one and the changed inputs is enough to render it again, and spares
        # hashing every card and sheet of the site at each save.
        fresh["timeline"] = hash((previous.get("timeline"), tuple(timeline_inputs)))
    digests.update(fresh)
    # Keys made per citation or per tag may be gone.
    gone = {
        f"passage:{article_id}#{citation.check.anchor}"
        for article_id in changes.cited
        for citation in previous_graph.citations.get(article_id, ())
    }
    gone.update(f"tag:{tag}" for tag in previous_graph.tags if tag not in graph.tags)
    gone.difference_update(fresh)
    for key in gone:
        digests.pop(key, None)
    changed = {key for key, value in fresh.items() if previous.get(key) != value} | gone
    return digests, changed


def article_digests(graph: Graph, article_id: str, source_digests: dict[str, str], digests: dict[str, int]) -> None:
    """The keys of one article: its page, card, entities, cited passages and citations."""
    site = graph.site
    article = site.articles[article_id]
    text = graph.texts[article_id]
    digests[f"article:{article_id}"] = hash((source_digests.get(article.rel_path), graph.article_html(article_id)))
    first_passage = next((p.text for p in text.passages if p.text.strip()), "")
    digests[f"card:{article_id}"] = hash(
        (article.title, str(article.date), str(article.updated), article.publisher, tuple(article.authors), article.summary or first_passage)
    )
    # Which entities an article names, and how (in its text or its front matter).
    digests[f"article-entities:{article_id}"] = hash(
        (tuple(graph.article_entities.get(article_id, ())), tuple(text.first_mentions), tuple(text.explicit), tuple(article.about))
    )
    citations = graph.citations.get(article_id, ())
    for citation in citations:
        anchor = citation.check.anchor
        passage = next((p.text for p in text.passages if p.anchor == anchor), "") if anchor else ""
        digests[f"passage:{article_id}#{anchor}"] = hash(passage)
    digests[f"citations:{article_id}"] = hash(
        tuple((c.fact.key, source_digests.get(site.entities[c.fact.entity_id].rel_path), c.check.status, c.check.anchor) for c in citations)
    )


def entity_digests(graph: Graph, entity_id: str, source_digests: dict[str, str], digests: dict[str, int]) -> None:
    """The keys of one entity: its sheet, card, checks, mentions, relations, related entities and feed."""
    entity = graph.site.entities[entity_id]
    digests[f"entity:{entity_id}"] = hash((source_digests.get(entity.rel_path), entity.kind))
    digests[f"card:{entity_id}"] = hash((entity.kind, entity.name, entity.summary))
    digests[f"checks:{entity_id}"] = hash(
        tuple(tuple((c.status, c.anchor) for c in graph.checks.get(fact.key, ())) for fact in entity.facts)
    )
    mentions = digests[f"mentions:{entity_id}"] = hash(tuple((m.article_id, m.sentence, m.anchor) for m in graph.mentions.get(entity_id, ())))
    digests[f"relations:{entity_id}"] = hash(tuple((r.label, r.other) for r in graph.relations.get(entity_id, ())))
    digests[f"related:{entity_id}"] = hash(tuple(graph.related.get(entity_id, ())))
    # An entity's feed is titled with its name.
    digests[f"feed:{entity.kind}/{entity_id}/feed.xml"] = hash((mentions, entity.name))


SITE_PARTS = frozenset({"structure", "order", "tags", "counts", "timeline"})


def site_digests(graph: Graph, source_digests: dict[str, str], cards: dict[str, int], parts: frozenset[str] = SITE_PARTS) -> dict[str, int]:
    """The keys of what spans the site, for the `parts` asked for: the config,
    kinds and free pages ('structure'), the order of articles ('order'), the
    tags, the mention counts ('counts') and the timeline, whose digest is made
    of the article cards' digests, read from `cards`."""
    site = graph.site
    digests: dict[str, int] = {}
    if "structure" in parts:
        digests[ALL] = hash((repr(site.config),))
        digests["pages"] = hash(tuple((p.id, p.title, p.weight) for p in site.pages.values()))
        by_kind: dict[str, list[str]] = {}
        for entity in site.entities.values():
            by_kind.setdefault(entity.kind, []).append(entity.id)
        for kind, ids in by_kind.items():
            digests[f"kind:{kind}"] = hash(tuple(sorted(ids)))
        digests["kinds"] = hash(tuple(sorted((k, len(v)) for k, v in by_kind.items())))
        for page in site.pages.values():
            digests[f"page:{page.id}"] = hash(source_digests.get(page.rel_path))
    if "order" in parts or "timeline" in parts:
        digests["articles"] = digests["feed:feed.xml"] = hash(tuple(graph.articles_by_date))
    if "counts" in parts:
        digests["mention-counts"] = hash(tuple(sorted((e, len(m)) for e, m in graph.mentions.items())))
    if "tags" in parts:
        for tag, ids in graph.tags.items():
            digests[f"tag:{tag}"] = hash(tuple(ids))
        digests["tags"] = hash(tuple((t, len(ids)) for t, ids in graph.tags.items()))
    if "timeline" in parts:
        digests["timeline"] = hash(
            (
                digests["articles"],
                tuple(cards[f"card:{a}"] for a in graph.articles_by_date),
                tuple(sorted((e.id, source_digests.get(e.rel_path)) for e in site.entities.values())),
            )
        )
    return digests
