"""Stage 4, render: plan the pages of the site and render each with Jinja2.

`plan_pages` lists every output file with the template that makes it and a
function that shapes the template's data from the linked graph; templates
get plain, ready-to-print values and hold no logic of their own. Each page
also names the inputs it depends on, so that a rebuild re-renders only the
pages a change touches.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, unquote, urlsplit

import jinja2
from markupsafe import Markup

from sitegen import __version__
from sitegen.graphs import BAND_THRESHOLD, entity_graph, kind_links, relation_rows, ring_entities, ring_order, site_edges, site_graph_svg
from sitegen.jinjacode import InlineCodeGenerator
from sitegen.link import ClaimSeries, Graph, SourceCheck
from sitegen.markdown import fold, make_markdown, plain_text_html
from sitegen.model import KIND_SINGULAR, KIND_TITLES, KINDS, Article, Entity, Fact
from sitegen.timeline import TimelineSvg, timeline_entries
from sitegen.urls import output_path, tag_slug
from sitegen.validate import as_day

SCHEMA_TYPES = {"people": "Person", "places": "Place", "events": "Event", "organisations": "Organization"}
RECENT_ON_HOME = 20
FEED_ENTRIES = 50
WIKILINK = re.compile(r"\[\[([^\[\]]+)\]\]")


def builtin_templates() -> Path:
    """The default theme: inside the installed package, or the checkout's templates/."""
    packaged = resources.files("sitegen").joinpath("templates")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "templates"


class ShapedDataEnvironment(jinja2.Environment):
    """A Jinja environment for data shaped as plain dicts.

    `card.name` in a template looks the key up first: Jinja's own order (an
    attribute, then the key) raises and catches an AttributeError for every
    dict key read, a good share of rendering time. Templates compile to
    code that does the same inline (`sitegen.jinjacode`).
    """

    code_generator_class = InlineCodeGenerator

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def make_environment(site_root: Path) -> jinja2.Environment:
    """Site templates first, then the built-in theme, file by file."""
    search = [str(site_root / "templates"), str(builtin_templates())]
    env = ShapedDataEnvironment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    # '<' '>' '&' as JSON escapes: no '</script' or '<!--' can end or derail the script element
    env.filters["tojson_ld"] = lambda value: Markup(json.dumps(value, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return env


@dataclass
class PagePlan:
    """One output file: where it goes, what makes it, and what it depends on."""

    output: str
    """Path relative to the output folder, POSIX."""
    template: str
    context: Callable[["Shaper"], dict]
    """Makes the page's data with the shaper of the build that renders it."""
    subject: frozenset[str] = field(default_factory=frozenset)
    """Keys of what the page is about ('article:<id>', 'mentions:<id>', ...);
    empty for pages that list or draw the whole site. A live preview shows
    the pages whose subject changed first, and those that merely list it a
    moment later."""


# --------------------------------------------------------------------------
# small formatters


@functools.lru_cache(maxsize=1 << 14)
def display_date(value: dt.date | dt.datetime | None) -> str:
    # Cached: a site prints the same few thousand days on page after page.
    if value is None:
        return ""
    day = as_day(value)
    return f"{day.day} {day.strftime('%B')} {day.year}"


def iso(value: dt.date | dt.datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def atom_time(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat()
    return f"{value.isoformat()}T00:00:00Z"


def time_text(fact: Fact) -> str:
    if fact.date is not None:
        return display_date(fact.date)
    if fact.start and fact.end:
        return f"{display_date(fact.start)} – {display_date(fact.end)}"
    if fact.start:
        return f"since {display_date(fact.start)}"
    if fact.end:
        return f"until {display_date(fact.end)}"
    return ""


def text_fragment(quote_text: str) -> str:
    """A `:~:text=` directive that makes browsers scroll to and highlight the quote."""
    encoded = quote(" ".join(quote_text.split()), safe="")
    return ":~:text=" + encoded.replace("-", "%2D").replace(",", "%2C").replace("&", "%26")


_FOLDED_CLASSES = {" ": r"\s+", "'": "['\u2018\u2019\u201a\u201b\u2032`]", '"': '["\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]', "-": "[-\u2010-\u2015\u2212]", "\u2026": r"(?:\.\.\.|\u2026)"}
"""What each folded character may have been in the text (see markdown.fold)."""


def passage_excerpt(text: str, quote_text: str) -> str | None:
    """The words of `text` that `quote_text` matches once folded (case, quotes,
    dashes, spaces), exactly as `text` spells them: what a browser's text
    fragment must name to find them. None when the quote is not in `text`."""
    needle = fold(quote_text)
    if not needle:
        return None
    # Most quotes are verbatim: then the first verbatim occurrence is the
    # answer unless the folded text already has one that ends sooner.
    verbatim = quote_text.strip()
    at = text.find(verbatim)
    if at >= 0 and needle not in fold(text[: at + len(verbatim) - 1]):
        return verbatim
    # A pattern that undoes the folding finds the others at C speed; folding
    # that changes length (ß → ss) falls back to the character walk.
    pieces = (_FOLDED_CLASSES.get(char) or re.escape(char) for char in needle.replace("...", "\u2026"))
    found = re.search("".join(pieces), text, re.IGNORECASE)
    if found is not None:
        return found.group(0)
    return _folded_excerpt(text, needle)


def _folded_excerpt(text: str, needle: str) -> str | None:
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = "" if char.isspace() else fold(char)
        if not piece:
            if folded and folded[-1] != " ":
                folded.append(" ")
                origin.append(index)
            continue
        for folded_char in piece:
            folded.append(folded_char)
            origin.append(index)
    at = "".join(folded).find(needle)
    if at < 0:
        return None
    return text[origin[at] : origin[at + len(needle) - 1] + 1]


def url_title(url: str) -> str:
    """A readable title from a URL's last path segment."""
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return " ".join(segment.replace("_", " ").replace("-", " ").split()) or urlsplit(url).netloc


class Shaper:
    """Turns the linked graph into the plain data templates print."""

    def __init__(self, graph: Graph, env: jinja2.Environment, cards: tuple[dict, dict] | None = None):
        """`cards`: (entity id → card, article id → card) made by an earlier
        shaper and still true of this graph, to go on with."""
        self.graph = graph
        self.site = graph.site
        self.config = graph.site.config
        self.urls = graph.urls
        self.md = make_markdown(self.config.raw_html)
        self.entity_linker = None
        self.env = env
        # Cards are the same on every page of one build, so each is made once.
        self._entity_cards, self._article_cards = cards if cards is not None else ({}, {})
        self._site_data: dict | None = None

    # -- shared pieces ------------------------------------------------------

    def record(self, *keys: str) -> None:
        """Notes pieces of the graph a page reads directly (see deps.RecordingShaper)."""

    def shape(self, context_fn: Callable[[], dict]) -> tuple[dict, frozenset[str]]:
        """Runs a page's context function: (its data, the keys it read; none are recorded here)."""
        return context_fn(), frozenset()

    def absolute(self, url: str) -> str:
        """An absolute URL when base_url is set, else the root-relative one."""
        if not self.config.base_url:
            return url
        origin = urlsplit(self.config.base_url)
        return f"{origin.scheme}://{origin.netloc}{url}"

    def site_data(self) -> dict:
        """What every page shows of the site as a whole (made once a build)."""
        if self._site_data is None:
            self._site_data = self._make_site_data()
        return self._site_data

    def _make_site_data(self) -> dict:
        nav = [{"title": "Articles", "url": self.urls.page("articles/")}]
        nav += [{"title": KIND_TITLES[k], "url": self.urls.kind_index(k)} for k in KINDS]
        nav += [{"title": "Timeline", "url": self.urls.page("timeline/")}]
        nav += [{"title": "Graph", "url": self.urls.page("graph/")}]
        nav += [
            {"title": p.title, "url": self.urls.page(f"{p.id}/")}
            for p in sorted(self.site.pages.values(), key=lambda p: (p.weight, p.title))
        ]
        if self.config.search:
            nav.append({"title": "Search", "url": self.urls.page("search/")})
        return {
            "title": self.config.title,
            "description": self.config.description,
            "language": self.config.language,
            "author": self.config.author,
            "base_path": self.urls.base,
            "home_url": self.urls.home(),
            "feed_url": self.urls.page("feed.xml"),
            "tags_url": self.urls.page("tags/"),
            "stylesheet": self.urls.page("assets/style.css"),
            "nav": nav,
            "extra": self.config.extra,
            "generator": f"sitegen {__version__}",
            "version": __version__,
        }

    def page_data(self, title: str, url_path: str, description: str = "", jsonld: dict | None = None, kind: str = "website", og_extra: list[dict] | None = None, indexable: bool = True) -> dict:
        """What base.html puts in <head>: title, canonical link, Open Graph and JSON-LD."""
        url = self.urls.page(url_path)
        return {
            "title": title,
            "url": url,
            "canonical": self.absolute(url) if self.config.base_url and indexable else "",
            "description": description or self.config.description,
            "og_type": kind,
            "og_extra": og_extra or [],
            "robots": "" if indexable else "noindex",
            "jsonld": jsonld,
        }

    def collection_jsonld(self, name: str, url_path: str, schema_type: str = "CollectionPage") -> dict:
        return {
            "@context": "https://schema.org",
            "@type": schema_type,
            "name": name,
            "url": self.absolute(self.urls.page(url_path)),
            "isPartOf": {"@type": "WebSite", "name": self.config.title, "url": self.absolute(self.urls.home())},
        }

    def inline_markdown(self, text: str) -> Markup:
        if not text:
            return Markup("")
        plain = plain_text_html(text)
        return Markup(plain if plain is not None else self.md.renderInline(self.resolve_wikilinks(text)))

    def block_markdown(self, text: str) -> Markup:
        if not text:
            return Markup("")
        plain = plain_text_html(text)
        return Markup(f"<p>{plain}</p>\n" if plain is not None else self.md.render(self.resolve_wikilinks(text)))

    def resolve_wikilinks(self, text: str) -> str:
        """[[id]] and [[id|label]] in summaries and descriptions become Markdown links."""
        def replace(match: re.Match) -> str:
            target, _, label = match.group(1).partition("|")
            entity = self.site.entities.get(target.strip())
            label = label.strip() or (entity.name if entity else target.strip())
            if entity is None:
                return label
            return f"[{label}]({self.urls.entity(entity.kind, entity.id)})"

        return WIKILINK.sub(replace, text)

    def entity_card(self, entity_id: str) -> dict:
        """Name, link, kind and summary of an entity; shared by every page that lists it."""
        card = self._entity_cards.get(entity_id)
        if card is None:
            card = self._entity_cards[entity_id] = self._make_entity_card(entity_id)
        return card

    def _make_entity_card(self, entity_id: str) -> dict:
        entity = self.site.entities[entity_id]
        return {
            "id": entity.id,
            "name": entity.name,
            "url": self.urls.entity(entity.kind, entity.id),
            "kind": KIND_SINGULAR[entity.kind],
            "summary": self.inline_markdown(entity.summary),
        }

    def article_card(self, article_id: str) -> dict:
        """Title, link, date and summary of an article; shared by every page that lists it."""
        card = self._article_cards.get(article_id)
        if card is None:
            card = self._article_cards[article_id] = self._make_article_card(article_id)
        return card

    def _make_article_card(self, article_id: str) -> dict:
        article = self.site.articles[article_id]
        return {
            "id": article.id,
            "title": article.title,
            "url": self.urls.article(article.id),
            "date": display_date(article.date),
            "date_iso": iso(article.date),
            "summary": self.article_summary(article),
            "publisher": article.publisher,
        }

    def article_summary(self, article: Article) -> str:
        if article.summary:
            return article.summary
        text = self.graph.texts[article.id]
        for passage in text.passages:
            if passage.text.strip():
                words = passage.text.split()
                return " ".join(words[:60]) + (" …" if len(words) > 60 else "")
        return ""

    def value_data(self, fact: Fact) -> dict:
        """`text` is plain; `html` is the value ready to print, its [[id]] links resolved."""
        if fact.value_ref and fact.value_ref in self.site.entities:
            card = self.entity_card(fact.value_ref)
            return {"text": card["name"], "url": card["url"], "html": Markup('<a href="{}">{}</a>').format(card["url"], card["name"])}
        value = fact.value
        if isinstance(value, (dt.date, dt.datetime)):
            text = display_date(value)
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, (int, float)):
            text = f"{value:,}" if abs(value) >= 10000 else str(value)
        else:
            return {"text": self.linked_text(str(value), plain=True), "url": "", "html": self.linked_text(str(value))}
        return {"text": text, "url": "", "html": Markup.escape(text)}

    def linked_text(self, text: str, plain: bool = False) -> Any:
        """Plain text whose [[id]] / [[id|label]] become links (or, with `plain`, just their labels)."""
        parts: list[Any] = []
        last = 0
        for match in WIKILINK.finditer(text):
            parts.append(Markup.escape(text[last : match.start()]))
            target, _, label = match.group(1).partition("|")
            card = self.entity_card(target.strip()) if target.strip() in self.site.entities else None
            label = label.strip() or (card["name"] if card else target.strip())
            if card is None or plain:
                parts.append(Markup.escape(label))
            else:
                parts.append(Markup('<a href="{}">{}</a>').format(card["url"], label))
            last = match.end()
        parts.append(Markup.escape(text[last:]))
        html = Markup("").join(parts)
        return html.unescape() if plain else html

    def source_data(self, entity: Entity, check: SourceCheck) -> dict:
        source = check.source
        if check.status == "external":
            titles = {link["url"]: link["title"] for link in entity.links}
            return {
                "url": source.source,
                "label": titles.get(source.source) or url_title(source.source),
                "domain": urlsplit(source.source).netloc,
                "status": "external",
                "quote": source.quote or "",
            }
        article = self.site.articles[source.source]
        url = self.urls.article(article.id)
        if check.anchor:
            url += "#" + check.anchor
            if source.quote:
                passage = next((p.text for p in self.graph.texts[article.id].passages if p.anchor == check.anchor), "")
                url += text_fragment(passage_excerpt(passage, source.quote) or source.quote)
        return {
            "url": url,
            "label": article.title,
            "domain": article.publisher,
            "date": display_date(article.date),
            "status": check.status,
            "quote": source.quote or "",
        }

    def fact_data(self, entity: Entity, fact: Fact, series: ClaimSeries) -> dict:
        checks = self.graph.checks.get(fact.key, [])
        return {
            "id": f"fact-{fact.index + 1}",
            "claim": fact.claim,
            "value": self.value_data(fact),
            "time": time_text(fact),
            "time_iso": iso(fact.date or fact.start),
            "rank": fact.rank,
            "reason": fact.reason,
            "note": fact.note,
            "current": fact is series.current,
            "disputed": fact.key in series.disputed,
            "unsourced": not fact.sources,
            "sources": [self.source_data(entity, check) for check in checks],
        }

    # -- pages --------------------------------------------------------------

    def home(self) -> dict:
        counts = [
            {"title": KIND_TITLES[k], "url": self.urls.kind_index(k), "count": sum(1 for e in self.site.entities.values() if e.kind == k)}
            for k in KINDS
        ]
        most_mentioned = sorted(self.graph.mentions, key=lambda e: (-len(self.graph.mentions[e]), e))[:12]
        return {
            "page": self.page_data(self.config.title, "", jsonld=self.website_jsonld()),
            "recent": [self.article_card(a) for a in self.graph.articles_by_date[:RECENT_ON_HOME]],
            "counts": counts,
            "featured": [self.entity_card(e) | {"mentions": len(self.graph.mentions[e])} for e in most_mentioned if e in self.site.entities],
            "article_count": len(self.site.articles),
        }

    def website_jsonld(self) -> dict:
        data = {"@context": "https://schema.org", "@type": "WebSite", "name": self.config.title, "url": self.absolute(self.urls.home()), "inLanguage": self.config.language}
        if self.config.description:
            data["description"] = self.config.description
        if self.config.author:
            data["publisher"] = {"@type": "Organization", "name": self.config.author}
        return data

    def article_index(self) -> dict:
        return {
            "page": self.page_data("Articles", "articles/", jsonld=self.collection_jsonld("Articles", "articles/")),
            "heading": "Articles",
            "articles": [self.article_card(a) for a in self.graph.articles_by_date],
        }

    def article(self, article_id: str) -> dict:
        article = self.site.articles[article_id]
        citations = self.graph.citations.get(article_id, [])
        cited = {c.check.anchor for c in citations if c.check.anchor}
        html = self.graph.article_html(article_id)
        for anchor in sorted(cited):
            html = html.replace(f' id="{anchor}">', f' id="{anchor}" class="cited">', 1)
        entity_ids = [e for e in self.graph.article_entities.get(article_id, []) if e in self.site.entities]
        cards = [self.entity_card(e) for e in entity_ids]
        summary = self.article_summary(article)
        jsonld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": iso(article.date),
            "url": self.absolute(self.urls.article(article_id)),
            "mainEntityOfPage": self.absolute(self.urls.article(article_id)),
            "inLanguage": self.config.language,
            "about": [self.entity_jsonld_ref(e) for e in article.about if e in self.site.entities],
            "mentions": [self.entity_jsonld_ref(e) for e in entity_ids],
        }
        if article.updated:
            jsonld["dateModified"] = iso(article.updated)
        if article.authors:
            jsonld["author"] = [{"@type": "Person", "name": a} for a in article.authors]
        if article.publisher:
            jsonld["publisher"] = {"@type": "Organization", "name": article.publisher}
        if article.url:
            jsonld["isBasedOn"] = article.url
        if summary:
            jsonld["description"] = summary
        if article.tags:
            jsonld["keywords"] = list(article.tags)
        og_extra = [{"property": "article:published_time", "content": iso(article.date)}]
        if article.updated:
            og_extra.append({"property": "article:modified_time", "content": iso(article.updated)})
        og_extra += [{"property": "article:tag", "content": t} for t in article.tags]
        return {
            "page": self.page_data(article.title, f"articles/{article_id}/", summary, jsonld, kind="article", og_extra=og_extra),
            "article": {
                "title": article.title,
                "date": display_date(article.date),
                "date_iso": iso(article.date),
                "updated": display_date(article.updated),
                "updated_iso": iso(article.updated),
                "authors": article.authors,
                "publisher": article.publisher,
                "original_url": article.url,
                "summary": article.summary,
                "tags": [{"name": t, "url": self.urls.tag(t)} for t in article.tags],
                "body": Markup(html),
            },
            "entities": cards,
            "citations": [
                {
                    "entity": self.entity_card(c.fact.entity_id),
                    "claim": c.fact.claim,
                    "value": self.value_data(c.fact),
                    "quote": c.check.source.quote or "",
                    "anchor": c.check.anchor or "",
                    "status": c.check.status,
                    "fact_url": self.urls.entity(self.site.entities[c.fact.entity_id].kind, c.fact.entity_id) + f"#fact-{c.fact.index + 1}",
                }
                for c in citations
            ],
        }

    def entity_jsonld_ref(self, entity_id: str) -> dict:
        entity = self.site.entities[entity_id]
        return {"@type": SCHEMA_TYPES[entity.kind], "name": entity.name, "url": self.absolute(self.urls.entity(entity.kind, entity_id))}

    def kind_index(self, kind: str) -> dict:
        entities = sorted((e for e in self.site.entities.values() if e.kind == kind), key=lambda e: (e.name.casefold(), e.id))
        return {
            "page": self.page_data(KIND_TITLES[kind], f"{kind}/", jsonld=self.collection_jsonld(KIND_TITLES[kind], f"{kind}/")),
            "heading": KIND_TITLES[kind],
            "entities": [self.entity_card(e.id) | {"mentions": len(self.graph.mentions.get(e.id, []))} for e in entities],
        }

    def entity(self, entity_id: str) -> dict:
        entity = self.site.entities[entity_id]
        series = self.graph.series.get(entity_id, [])
        claims = []
        for number, item in enumerate(series, 1):
            facts = [self.fact_data(entity, f, item) for f in item.facts]
            current = next(f for f in facts if f["current"])
            claims.append({
                "id": f"claim-{number}",
                "claim": item.claim,
                "current": current,
                "disputed": bool(item.disputed),
                "alternatives": [f for f in facts if f["disputed"] and not f["current"]],
                "facts": facts,
            })
        relations: dict[str, list[dict]] = {}
        for relation in self.graph.relations.get(entity_id, []):
            relations.setdefault(relation.label, []).append(self.entity_card(relation.other))
        mentions = [
            self.article_card(m.article_id) | {"sentence": m.sentence, "anchor_url": self.urls.article(m.article_id) + (f"#{m.anchor}" if m.anchor else "")}
            for m in self.graph.mentions.get(entity_id, [])
        ]
        related = [self.entity_card(other) | {"shared": count} for other, count in self.graph.related.get(entity_id, []) if other in self.site.entities]
        attributes = self.entity_attributes(entity)
        return {
            "page": self.page_data(entity.name, f"{entity.kind}/{entity_id}/", Markup(self.inline_markdown(entity.summary)).striptags(), self.entity_jsonld(entity), kind="profile" if entity.kind == "people" else "website"),
            "entity": {
                "id": entity.id,
                "name": entity.name,
                "kind": KIND_SINGULAR[entity.kind],
                "kind_title": KIND_TITLES[entity.kind],
                "kind_url": self.urls.kind_index(entity.kind),
                "aliases": entity.aliases,
                "summary": self.inline_markdown(entity.summary),
                "description": self.block_markdown(entity.description),
                "links": [{"title": link["title"], "url": link["url"]} for link in entity.links],
                "attributes": attributes,
                "feed_url": self.urls.entity_feed(entity.kind, entity.id),
            },
            "claims": claims,
            "relations": [{"label": label, "entities": cards} for label, cards in relations.items()],
            "mentions": mentions,
            "related": related,
            "timeline": self.event_timeline(entity) if entity.kind == "events" else None,
            "graph": self.entity_graph(entity_id),
        }

    def entity_graph(self, entity_id: str) -> dict | None:
        """The SVG of an entity's connections: {"svg", "shown", "total"}, or None."""
        return entity_graph(self, entity_id)

    def graph_page(self, focus: str | None = None) -> dict:
        """`/graph/` (every relation) or `/graph/<kind>/` (the relations of one kind)."""
        path = f"graph/{KIND_SINGULAR[focus]}/" if focus else "graph/"
        title = f"Graph: {KIND_TITLES[focus]}" if focus else "Graph"
        order = ring_order(self)
        kinds = [k for k in KINDS if any(self.site.entities[e].kind == k for e in order)]
        views = [{"title": "All", "url": self.urls.page("graph/"), "current": focus is None}]
        views += [{"title": KIND_TITLES[k], "url": self.urls.page(f"graph/{KIND_SINGULAR[k]}/"), "current": focus == k} for k in kinds]
        listed = [k for k in kinds if focus in (None, k)]
        bands = focus is None and len(site_edges(self)) > BAND_THRESHOLD
        links = [] if focus else [
            {"a": KIND_TITLES[link["a"]], "b": KIND_TITLES[link["b"]], "count": link["count"], "labels": [{"label": label, "count": n} for label, n in link["labels"]], "url": self.urls.page(f"graph/{KIND_SINGULAR[link['a']]}/")}
            for link in kind_links(self)
        ]
        return {
            "page": self.page_data(title, path, jsonld=self.collection_jsonld(title, path)),
            "heading": title,
            "focus": KIND_TITLES[focus].lower() if focus else "",
            "bands": bands,
            "views": views,
            "svg": site_graph_svg(self, focus),
            "links": links,
            "groups": [
                {"id": k, "title": KIND_TITLES[k], "url": self.urls.page(f"graph/{KIND_SINGULAR[k]}/"), "rows": relation_rows(self, [e for e in order if self.site.entities[e].kind == k], with_relations=not bands)}
                for k in listed
            ],
            "count": len(order),
            "shown": len(ring_entities(self)),
        }

    def entity_attributes(self, entity: Entity) -> list[dict]:
        labels = {"born": "Born", "died": "Died", "date": "Date", "start": "Start", "end": "End", "coordinates": "Coordinates"}
        rows = []
        for key, value in entity.attributes.items():
            if key == "coordinates":
                text = f"{value[0]:.4f}, {value[1]:.4f}"
            else:
                text = display_date(value)
            rows.append({"label": labels[key], "text": text, "iso": iso(value) if key != "coordinates" else ""})
        return rows

    def entity_jsonld(self, entity: Entity) -> dict:
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": SCHEMA_TYPES[entity.kind],
            "name": entity.name,
            "url": self.absolute(self.urls.entity(entity.kind, entity.id)),
        }
        if entity.summary:
            data["description"] = str(Markup(self.inline_markdown(entity.summary)).striptags())
        if entity.aliases:
            data["alternateName"] = entity.aliases
        if entity.links:
            data["sameAs"] = [link["url"] for link in entity.links]
        attrs = entity.attributes
        if entity.kind == "places" and "coordinates" in attrs:
            lat, lon = attrs["coordinates"]
            data["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
        if entity.kind == "people":
            if "born" in attrs:
                data["birthDate"] = iso(attrs["born"])
            if "died" in attrs:
                data["deathDate"] = iso(attrs["died"])
        if entity.kind == "events":
            start = attrs.get("date") or attrs.get("start")
            if start:
                data["startDate"] = iso(start)
            if attrs.get("end"):
                data["endDate"] = iso(attrs["end"])
            places = [p for p in entity.relations.get("places", []) if p in self.site.entities]
            if places:
                data["location"] = [self.entity_jsonld_ref(p) for p in places] if len(places) > 1 else self.entity_jsonld_ref(places[0])
        if entity.kind in ("places", "organisations") and entity.relations.get("part_of"):
            target = entity.relations["part_of"][0]
            data["containedInPlace" if entity.kind == "places" else "parentOrganization"] = self.entity_jsonld_ref(target)
        return data

    def event_timeline(self, entity: Entity) -> dict:
        entries = timeline_entries(self, only=entity.id)
        return {"entries": entries, "svg": TimelineSvg(entries)}

    def timeline(self) -> dict:
        entries = timeline_entries(self)
        return {
            "page": self.page_data("Timeline", "timeline/", jsonld=self.collection_jsonld("Timeline", "timeline/")),
            "entries": entries,
            "svg": TimelineSvg(entries),
        }

    def tag(self, tag: str) -> dict:
        return {
            "page": self.page_data(f"Tagged “{tag}”", f"tags/{tag_slug(tag)}/", jsonld=self.collection_jsonld(f"Tagged “{tag}”", f"tags/{tag_slug(tag)}/")),
            "heading": f"Tagged “{tag}”",
            "articles": [self.article_card(a) for a in self.graph.tags[tag]],
        }

    def tag_index(self) -> dict:
        return {
            "page": self.page_data("Tags", "tags/", jsonld=self.collection_jsonld("Tags", "tags/")),
            "tags": [{"name": t, "url": self.urls.tag(t), "count": len(ids)} for t, ids in self.graph.tags.items()],
        }

    def free_page(self, page_id: str) -> dict:
        page = self.site.pages[page_id]
        return {
            "page": self.page_data(page.title, f"{page_id}/", page.summary, self.collection_jsonld(page.title, f"{page_id}/", "WebPage")),
            "body": self.block_markdown(page.body),
            "heading": page.title,
        }

    def search(self) -> dict:
        return {"page": self.page_data("Search", "search/", jsonld=self.collection_jsonld("Search", "search/", "SearchResultsPage"))}

    def not_found(self) -> dict:
        return {"page": self.page_data("Page not found", "404.html", jsonld={"@context": "https://schema.org", "@type": "WebPage", "name": "Page not found"}, indexable=False)}

    def feed(self, title: str, url_path: str, article_ids: list[str]) -> dict:
        """An Atom feed; `url_path` is 'feed.xml' or '<kind>/<id>/feed.xml' (its page is then the entity's)."""
        page_path = url_path[: -len("feed.xml")]
        entries = []
        for article_id in article_ids[:FEED_ENTRIES]:
            article = self.site.articles[article_id]
            entries.append({
                "title": article.title,
                "url": self.absolute(self.urls.article(article_id)),
                "id": self.absolute(self.urls.article(article_id)) if self.config.base_url else f"tag:sitegen,{as_day(article.date).isoformat()}:{article_id}",
                "updated": atom_time(article.updated or article.date),
                "published": atom_time(article.date),
                "summary": self.article_summary(article),
                "authors": article.authors or ([self.config.author] if self.config.author else []),
            })
        updated = max((e["updated"] for e in entries), default="1970-01-01T00:00:00Z")
        feed_id = self.absolute(self.urls.page(url_path)) if self.config.base_url else f"tag:sitegen,1970:{url_path}"
        return {
            "feed": {
                "title": title,
                "id": feed_id,
                "self_url": self.absolute(self.urls.page(url_path)),
                "site_url": self.absolute(self.urls.page(page_path)),
                "updated": updated,
                "author": self.config.author or self.config.title,
            },
            "entries": entries,
        }

    def entity_feed(self, entity_id: str) -> dict:
        entity = self.site.entities[entity_id]
        mentioning = [m.article_id for m in self.graph.mentions.get(entity_id, [])]
        return self.feed(f"{self.config.title}: {entity.name}", f"{entity.kind}/{entity_id}/feed.xml", mentioning)

    def sitemap(self, pages: list[PagePlan]) -> dict:
        urls = []
        for plan in pages:
            if plan.output.endswith("index.html"):
                urls.append(self.absolute(self.urls.page(plan.output[: -len("index.html")])))
        return {"urls": sorted(urls)}


def plan_pages(graph: Graph) -> list[PagePlan]:
    """Every page of the site, in a stable order.

    A plan reads the graph only when rendered (through the shaper it is
    given), so a rebuild that keeps the same pages keeps the same plans.
    """
    site = graph.site
    plans: list[PagePlan] = []

    def add(url_path: str, template: str, context: Callable[[Shaper], dict], subject: tuple[str, ...] = ()) -> None:
        plans.append(PagePlan(output_path(url_path), template, context, frozenset(subject)))

    add("", "home.html", lambda s: s.home())
    add("articles/", "list.html", lambda s: s.article_index())
    for article_id in graph.articles_by_date:
        add(f"articles/{article_id}/", "article.html", lambda s, a=article_id: s.article(a), (f"article:{article_id}", f"article-entities:{article_id}", f"citations:{article_id}"))
    for kind in KINDS:
        add(f"{kind}/", "kind.html", lambda s, k=kind: s.kind_index(k))
    for entity in sorted(site.entities.values(), key=lambda e: e.id):
        add(f"{entity.kind}/{entity.id}/", "entity.html", lambda s, e=entity.id: s.entity(e), (f"entity:{entity.id}", f"mentions:{entity.id}", f"checks:{entity.id}"))
        add(f"{entity.kind}/{entity.id}/feed.xml", "feed.xml", lambda s, e=entity.id: s.entity_feed(e))
    add("tags/", "tags.html", lambda s: s.tag_index())
    for tag in graph.tags:
        add(f"tags/{tag_slug(tag)}/", "list.html", lambda s, t=tag: s.tag(t))
    for page_id in sorted(site.pages):
        add(f"{page_id}/", "page.html", lambda s, p=page_id: s.free_page(p), (f"page:{page_id}",))
    add("timeline/", "timeline.html", lambda s: s.timeline())
    add("graph/", "graph.html", lambda s: s.graph_page())
    for kind in KINDS:
        if any(e.kind == kind for e in site.entities.values()):
            add(f"graph/{KIND_SINGULAR[kind]}/", "graph.html", lambda s, k=kind: s.graph_page(k))
    if site.config.search:
        add("search/", "search.html", lambda s: s.search())
    add("404.html", "404.html", lambda s: s.not_found())
    add("feed.xml", "feed.xml", lambda s: s.feed(site.config.title, "feed.xml", s.graph.articles_by_date))
    html_pages = list(plans)
    add("sitemap.xml", "sitemap.xml", lambda s: s.sitemap([p for p in html_pages if p.output != "404.html"]))
    add("robots.txt", "robots.txt", lambda s: {"sitemap_url": s.absolute(s.urls.page("sitemap.xml")) if s.config.base_url else ""})
    return plans
