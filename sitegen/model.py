"""The data model: plain dataclasses for what sitegen reads from a site.

Loaded objects (`Article`, `Entity`, `Fact`, `Page`, `SiteConfig`) hold what
the files say, with the positions needed for diagnostics. What the link stage
derives from them (mentions, backlinks, verification) lives in `sitegen.link`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sitegen.yamldoc import YamlDoc

KINDS = ("people", "places", "events", "organisations")
"""Entity kinds, named by their content folder."""
KIND_SINGULAR = {"people": "person", "places": "place", "events": "event", "organisations": "organisation"}
KIND_TITLES = {"people": "People", "places": "Places", "events": "Events", "organisations": "Organisations"}
RELATION_FIELDS = ("part_of", "places", "participants", "members", "organisations")
"""Fact-sheet fields whose values are entity ids."""


@dataclass
class SiteConfig:
    """sitegen.yaml, with every default filled in."""

    title: str = "sitegen site"
    description: str = ""
    base_url: str = ""
    """Absolute URL of the published site, '' when unknown."""
    language: str = "en"
    author: str = ""
    autolink: str = "first"
    timezone: str = "UTC"
    search: bool = True
    raw_html: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        """The URL path the site is served under, with leading and trailing '/'."""
        from urllib.parse import urlsplit

        path = urlsplit(self.base_url).path if self.base_url else "/"
        return "/" + path.strip("/") + "/" if path.strip("/") else "/"


@dataclass
class FactSource:
    """One source a fact cites: an article id or a URL, with an optional quote."""

    source: str
    quote: str | None
    source_path: tuple
    """Path of the `source` node in the fact sheet (for positions)."""
    quote_path: tuple
    """Path of the `quote` node in the fact sheet."""

    @property
    def is_url(self) -> bool:
        return "://" in self.source


@dataclass
class Fact:
    """One statement on a fact sheet: a claim, its value, its time and its sources."""

    entity_id: str
    index: int
    """Position in the sheet's `facts` list; with `entity_id` it identifies the fact."""
    claim: str
    value: Any
    value_ref: str | None
    """The entity id when the value is written `[[id]]`."""
    date: dt.date | None
    start: dt.date | None
    end: dt.date | None
    sources: list[FactSource]
    rank: str
    reason: str
    note: str

    @property
    def key(self) -> str:
        return f"{self.entity_id}#{self.index}"

    @property
    def time_range(self) -> tuple[dt.date | None, dt.date | None]:
        """(from, to) of the time the value held; a point in time is a range of one day."""
        if self.date is not None:
            return self.date, self.date
        return self.start, self.end


@dataclass
class Entity:
    """A fact sheet: one person, place, event or organisation."""

    id: str
    kind: str
    """One of KINDS."""
    rel_path: str
    name: str
    aliases: list[str]
    summary: str
    description: str
    links: list[dict]
    autolink: bool
    relations: dict[str, list[str]]
    """Relation field (part_of, places, participants, members, organisations) → entity ids."""
    attributes: dict[str, Any]
    """Kind-specific plain values: born, died, date, start, end, coordinates."""
    facts: list[Fact]
    doc: YamlDoc


@dataclass
class Article:
    """A news article: front matter and Markdown body."""

    id: str
    rel_path: str
    title: str
    date: dt.date | dt.datetime
    updated: dt.date | dt.datetime | None
    authors: list[str]
    publisher: str
    url: str
    summary: str
    tags: list[str]
    about: list[str]
    mentions: list[str]
    draft: bool
    body: str | None
    """The Markdown body; None when a one-time build left it in the file
    until it is linked."""
    body_line: int
    """1-based line of the file where the body starts."""
    doc: YamlDoc


@dataclass
class Page:
    """A free page (about, methodology): front matter and Markdown body."""

    id: str
    rel_path: str
    title: str
    summary: str
    weight: int
    draft: bool
    body: str
    body_line: int
    doc: YamlDoc


@dataclass
class Site:
    """Everything loaded from a site folder."""

    root: str
    config: SiteConfig
    articles: dict[str, Article]
    entities: dict[str, Entity]
    pages: dict[str, Page]
    static_files: list[str]
    """Site-relative paths of files under static/."""
    failed_entities: set[str] = field(default_factory=set)
    """Ids of fact sheets that exist but could not be loaded (their own errors say why)."""
    claimed: dict[str, str] = field(default_factory=dict)
    """'article:<id>', 'entity:<id>' or 'page:<id>', id case-folded → the file that has the id
    (drafts and files that failed to load included)."""
