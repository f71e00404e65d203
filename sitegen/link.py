"""Stage 3, link: connect articles and fact sheets into one graph.

It finds the entities each article mentions (explicit `[[wikilinks]]`,
`about`/`mentions`, and names and aliases found in the text), links them in
the body, verifies quotes against the cited articles, orders each claim's
facts into a series with its current value and conflicts, and gathers every
relation in both directions. The result, `Graph`, is what pages are made of.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import functools
import heapq
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
from markdown_it import MarkdownIt
from markdown_it.token import Token

from sitegen.bodystore import BodyStore, StoredBody
from sitegen.diagnostics import Diagnostics, Position, by_path, did_you_mean
from sitegen.markdown import fold, make_markdown, sentence_at
from sitegen.load import read_body
from sitegen.parallel import Workers, map_handed
from sitegen.model import KIND_SINGULAR, Article, Entity, Fact, FactSource, Site
from sitegen.urls import Urls
from sitegen.validate import as_day, position

RELATION_LABELS = {
    # field: (label on the owner's page, label on the target's page)
    "part_of": ("Part of", "Includes"),
    "places": ("Places", "Events here"),
    "participants": ("Participants", "Took part in"),
    "members": ("Members", "Member of"),
    # a person's `organisations` and an organisation's `members` say the
    # same thing, so they share labels (and a relation stated both ways is
    # listed once)
    "organisations": ("Member of", "Members"),
}


@dataclass(slots=True, frozen=True)  # slots: one per paragraph, millions in a large site
class Passage:
    """A block of article text that a fact can cite."""

    anchor: str | None
    """The HTML id of the block, e.g. 'p-3'; None for table cells."""
    text: str
    """The block's plain text."""


@functools.lru_cache(maxsize=None)
def passage_put_away(anchor: str | None) -> Passage:
    """The passage at `anchor` whose text is in a `BodyStore`: one for all articles."""
    return Passage(anchor, "")


def _passage(anchor: str | None, text: str) -> Passage:
    return Passage(anchor, text) if text else passage_put_away(anchor)


@dataclass
class Problem:
    """A problem found in an article body, relative to the body's first line."""

    body_line: int
    column: int
    code: str
    message: str


@dataclass
class ArticleText:
    """An article body after linking: its HTML and what it mentions where."""

    html: str
    passages: list[Passage]
    first_mentions: dict[str, tuple[int, int]]
    """Entity id → (passage index, offset in its text) of its first mention in the text."""
    explicit: list[str]
    """Entities linked with [[...]], in order."""
    problems: list[Problem] = field(default_factory=list)
    mention_order: list[str] = field(default_factory=list)
    """Entities mentioned in the text, in order of first mention."""
    sentences: dict[str, str] = field(default_factory=dict)
    """Entity id → the sentence of its first mention."""
    quotes: dict[str, int | None] = field(default_factory=dict)
    """Quote → passage where it was found (None: not found); filled as quotes are checked."""
    stored: StoredBody | None = None
    """Where a `BodyStore` keeps the HTML and passage text; `html` is then
    empty and `passages` holds the text of only the ones pages show (see `put_away`)."""
    closest: dict[str, str] = field(default_factory=dict)
    """Quote not found → the stretch of the text most like it, worked out
    before the passages were put away (see `put_away`)."""
    _folded: tuple[str, list[int]] | None = None

    def folded(self) -> tuple[str, list[int]]:
        """The folded plain text (passages joined by a space) and where each passage starts in it."""
        if self._folded is None:
            pieces = [fold(passage.text) for passage in self.passages]
            starts, at = [], 0
            for piece in pieces:
                starts.append(at)
                at += len(piece) + 1
            self._folded = (" ".join(pieces), starts)
        return self._folded

    def forget_folded(self) -> None:
        """Drops the folded text (made again when next asked for)."""
        self._folded = None

    def forget_linking(self) -> None:
        """Drops what only linking reads (the sentences and order of the
        mentions, the quotes looked up, the problems found): for a graph
        that is rendered once, never linked again."""
        self.forget_folded()
        self.mention_order, self.sentences, self.quotes, self.closest, self.problems = [], {}, {}, {}, []

    def put_away(self, store: BodyStore) -> None:
        """Moves the HTML and the text of every passage no page shows into
        `store`. The pages show an article's first passage (as its summary,
        when it has none of its own) and the passages where the quotes
        already looked up were found; for the quotes not found, the closest
        stretch of text is worked out now, while there is text to search."""
        for quote, found in self.quotes.items():
            if found is None:
                self.closest[quote] = closest_passage(self, quote)
        self.stored = store.put(self.html, [passage.text for passage in self.passages])
        self.html = ""
        shown = set(self.quotes.values())
        first = True
        for index, kept in enumerate(self.passages):
            if first and kept.text.strip():
                first = False
            elif index not in shown:
                self.passages[index] = passage_put_away(kept.anchor)  # its anchor stays: mentions link to it

    def __reduce__(self):
        # Link workers send back thousands: passages pickled one by one, as
        # slotted objects, took three times as long as these flat lists.
        # The folded text stays behind (made again when asked for).
        fields = (self.first_mentions, self.explicit, self.problems, self.mention_order, self.sentences, self.quotes, self.stored, self.closest)
        return _article_text, (self.html, [p.anchor for p in self.passages], [p.text for p in self.passages], fields)


def _article_text(html: str, anchors: list[str | None], texts: list[str], fields: tuple) -> ArticleText:
    return ArticleText(html, list(map(_passage, anchors, texts)), *fields)


@dataclass(slots=True)
class Mention:
    """An article that mentions an entity, with the sentence that does."""

    article_id: str
    sentence: str
    """'' when the article lists the entity in `about`/`mentions` only."""
    anchor: str | None


@dataclass(slots=True)
class SourceCheck:
    """What became of one source of one fact."""

    source: FactSource
    status: str
    """'verified' (quote found), 'not-found', 'unquoted' (article, no quote), 'external' (URL)."""
    anchor: str | None = None
    """Anchor of the cited passage in the article."""


@dataclass
class ClaimSeries:
    """The facts of one entity that share a claim, in time order."""

    claim: str
    facts: list[Fact]
    current: Fact
    disputed: set[str]
    """Keys of the facts that conflict with another fact of the series."""


@dataclass(slots=True)
class Relation:
    """A link between two entities, seen from one of them."""

    label: str
    other: str


@dataclass(slots=True)
class Citation:
    """A fact citing an article, seen from the article."""

    fact: Fact
    check: SourceCheck


@dataclass
class Graph:
    """The linked site: everything pages are made of."""

    site: Site
    urls: Urls
    texts: dict[str, ArticleText]
    article_entities: dict[str, list[str]]
    """Article id → entities it mentions: in order of first mention, then about/mentions."""
    mentions: dict[str, list[Mention]]
    """Entity id → articles mentioning it, newest first."""
    relations: dict[str, list[Relation]]
    related: dict[str, list[tuple[str, int]]]
    """Entity id → (other entity, number of shared articles), most shared first."""
    series: dict[str, list[ClaimSeries]]
    checks: dict[str, list[SourceCheck]]
    """Fact key → the check of each of its sources."""
    citations: dict[str, list[Citation]]
    """Article id → the facts that cite it."""
    tags: dict[str, list[str]]
    """Tag → ids of its articles, newest first."""
    articles_by_date: list[str]
    """All article ids, newest first."""
    store: BodyStore | None = None
    """Where the texts' HTML and passages are, when not in `texts` (a one-time build)."""

    def article_html(self, article_id: str) -> str:
        """An article's linked body as HTML."""
        text = self.texts[article_id]
        return text.html if text.stored is None else self.store.get(text.stored)[0]

    def passage_texts(self, article_id: str) -> list[str]:
        """The plain text of each of an article's passages."""
        text = self.texts[article_id]
        return [passage.text for passage in text.passages] if text.stored is None else self.store.get(text.stored)[1]


def text_token(content: str, joined: bool = False) -> Token:
    """A markdown-it text token; `joined` marks one merged from several source lines."""
    token = Token("text", "", 0)
    token.content = content
    if joined:
        token.meta = {"joined": True}
    return token


# --------------------------------------------------------------------------
# names


@dataclass
class NameIndex:
    """Every name and alias that can link an entity."""

    automaton: ahocorasick.Automaton | None
    by_name: dict[str, list[str]]
    """Name or alias → ids of the entities that use it (for autolinking)."""
    lookup: dict[str, list[str]]
    """Case-folded name, alias or id → entity ids (for [[Name]] links)."""

    def ambiguous(self) -> dict[str, list[str]]:
        return {name: ids for name, ids in self.by_name.items() if len(ids) > 1}


def build_name_index(entities: dict[str, Entity]) -> NameIndex:
    by_name: dict[str, list[str]] = defaultdict(list)
    lookup: dict[str, list[str]] = defaultdict(list)
    for entity in sorted(entities.values(), key=lambda e: e.id):
        names = dict.fromkeys([entity.name, *entity.aliases])
        for name in names:
            if entity.id not in lookup[name.casefold()]:
                lookup[name.casefold()].append(entity.id)
            if entity.autolink and len(name) > 1:
                by_name[name].append(entity.id)
    automaton = None
    if by_name:
        automaton = ahocorasick.Automaton()
        for name, ids in by_name.items():
            automaton.add_word(name, (name, tuple(ids)))
        automaton.make_automaton()
    return NameIndex(automaton, dict(by_name), dict(lookup))


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def find_names(index: NameIndex, text: str) -> list[tuple[int, int, str]]:
    """Unambiguous, whole-word name matches in `text` as (start, end, entity id),
    leftmost first and longest where they overlap."""
    if index.automaton is None:
        return []
    candidates = []
    for end_index, (name, ids) in index.automaton.iter(text):
        start = end_index - len(name) + 1
        if start > 0 and _is_word_char(text[start - 1]) and _is_word_char(name[0]):
            continue
        if end_index + 1 < len(text) and _is_word_char(text[end_index + 1]) and _is_word_char(name[-1]):
            continue
        candidates.append((start, end_index + 1, ids))
    candidates.sort(key=lambda c: (c[0], -c[1]))
    matches = []
    covered = 0
    for start, end, ids in candidates:
        if start < covered:
            continue
        covered = end
        if len(ids) == 1:  # an ambiguous name hides shorter names inside it, but links nothing
            matches.append((start, end, ids[0]))
    return matches


# --------------------------------------------------------------------------
# article bodies


def join_wrapped_lines(children: list[Token]) -> list[Token]:
    """Inline tokens with each run of text and soft line breaks made one text
    token (a break becomes '\n', which renders the same), so that names and
    quotes wrapped over two lines of the source are still found."""
    out: list[Token] = []
    for child in children:
        if child.type in ("text", "softbreak") and out and out[-1].type == "text" and (child.type == "softbreak" or out[-1].meta.get("joined")):
            piece = "\n" if child.type == "softbreak" else child.content
            if not out[-1].meta.get("joined"):
                out[-1] = text_token(out[-1].content, joined=True)
            out[-1].content += piece
            continue
        if child.type == "softbreak" and (not out or out[-1].type != "text"):
            out.append(text_token("\n", joined=True))
            continue
        out.append(child)
    return out


@dataclass(slots=True, frozen=True)
class LinkTarget:
    """What linking an article body reads of an entity."""

    kind: str
    name: str


class BodyLinker:
    """Links one article body: resolves wikilinks, links mentions, numbers passages."""

    def __init__(self, md: MarkdownIt, names: NameIndex, entities: dict[str, Entity], urls: Urls, autolink: str, failed: set[str] = frozenset()):
        self.md = md
        self.names = names
        self.entities = entities
        self.urls = urls
        self.autolink = autolink
        self.failed = failed
        """Ids of fact sheets that failed to load: links to them are not reported again."""

    def __getstate__(self) -> dict:
        # A worker gets what linking reads of each entity (its kind and
        # name), not the fact sheets, and makes its own parser.
        state = dict(vars(self), md=None, raw_html=bool(self.md.options.get("html")))
        state["entities"] = {entity_id: LinkTarget(entity.kind, entity.name) for entity_id, entity in self.entities.items()}
        return state

    def __setstate__(self, state: dict) -> None:
        raw_html = state.pop("raw_html")
        vars(self).update(state)
        self.md = make_markdown(raw_html)

    def resolve(self, target: str) -> str | None:
        if target in self.entities:
            return target
        ids = self.names.lookup.get(target.casefold(), [])
        return ids[0] if len(ids) == 1 else None

    def link_tokens(self, entity_id: str, label: str) -> list[Token]:
        entity = self.entities[entity_id]
        opening = Token("link_open", "a", 1)
        opening.attrs = {"href": self.urls.entity(entity.kind, entity_id), "class": f"entity entity-{KIND_SINGULAR[entity.kind]}"}
        return [opening, text_token(label), Token("link_close", "a", -1)]

    def run(self, body: str) -> ArticleText:
        tokens = self.md.parse(body, {})
        result = ArticleText("", [], {}, [])
        lines = body.split("\n")
        linked: set[str] = set()
        heading = False
        container: Token | None = None
        anchor: str | None = None
        anchors = 0
        for token in tokens:
            if token.type == "heading_open":
                heading = True
            elif token.type == "heading_close":
                heading = False
            elif token.type == "list_item_open":
                container = token
            elif token.type == "paragraph_open":
                anchors += 1
                anchor = sys.intern(f"p-{anchors}")  # the same few hundred in every article
                target = container if token.hidden and container is not None else token
                target.attrSet("id", anchor)
            elif token.type == "inline" and token.children is not None:
                # Paragraphs are anchored passages; table cells are
                # passages without an anchor of their own; headings are
                # linked but are not passages.
                self.link_inline(token, heading, anchor, result, linked, lines)
                anchor = None
        result.html = self.md.renderer.render(tokens, self.md.options, {})
        result.mention_order = sorted(result.first_mentions, key=result.first_mentions.__getitem__)
        result.sentences = {
            entity_id: sentence_at(result.passages[index].text, offset) for entity_id, (index, offset) in result.first_mentions.items()
        }
        return result

    @staticmethod
    def wikilink_position(inline: Token, child: Token, lines: list[str], cursor: list[int]) -> tuple[int, int]:
        """1-based (body line, column) of a wikilink token, found in the block's source."""
        first = inline.map[0] if inline.map else 0
        needle = f"[[{child.content}]]"
        at = inline.content.find(needle, cursor[0])
        if at < 0:
            return first + 1, 1
        cursor[0] = at + len(needle)
        index = first + inline.content.count("\n", 0, at)
        column = lines[index].find(needle) + 1 if index < len(lines) else 0
        return index + 1, max(column, 1)

    def link_inline(self, inline: Token, heading: bool, anchor: str | None, result: ArticleText, linked: set[str], lines: list[str]) -> None:
        passage_index = len(result.passages)
        plain: list[str] = []
        plain_length = 0
        children: list[Token] = []
        link_depth = 0
        cursor = [0]

        def note_mention(entity_id: str, offset: int) -> None:
            # A heading is not a passage (it has no sentence to show), so a
            # name in a heading does not count as the article's mention.
            if not heading:
                result.first_mentions.setdefault(entity_id, (passage_index, offset))

        for child in join_wrapped_lines(inline.children):
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth -= 1
            if child.type == "wikilink":
                target, label = child.meta["target"], child.meta["label"]
                entity_id = self.resolve(target)
                if entity_id is None:
                    ids = self.names.lookup.get(target.casefold(), [])
                    why = f"'{target}' names several entities ({', '.join(ids)}); link by id" if ids else f"unknown entity '{target}' in [[...]]{did_you_mean(target, self.entities)}"
                    code = "ref.ambiguous" if ids else "ref.unknown"
                    if ids or target.lower() not in self.failed:
                        result.problems.append(Problem(*self.wikilink_position(inline, child, lines, cursor), code, why))
                    children.append(text_token(label or target))
                    plain.append(label or target)
                    plain_length += len(label or target)
                    continue
                label = label or (target if target != entity_id else self.entities[entity_id].name)
                note_mention(entity_id, plain_length)
                if entity_id not in result.explicit:
                    result.explicit.append(entity_id)
                linked.add(entity_id)
                # Inside a Markdown link the label stays plain text: links do not nest.
                children.extend(self.link_tokens(entity_id, label) if link_depth == 0 else [text_token(label)])
                plain.append(label)
                plain_length += len(label)
                self.wikilink_position(inline, child, lines, cursor)
                continue
            if child.type == "text":
                # a name may be wrapped over two lines: match on spaces
                flat = child.content.replace("\n", " ")
                matches = find_names(self.names, flat)
                if not matches:
                    children.append(child)
                else:
                    children.extend(self.split_text(child.content, matches, plain_length, heading or link_depth > 0, linked, note_mention))
                plain.append(flat)
                plain_length += len(flat)
                continue
            children.append(child)
            if child.type == "code_inline":
                plain.append(child.content)
                plain_length += len(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                plain.append(" ")
                plain_length += 1
        inline.children = children
        if not heading:
            result.passages.append(Passage(anchor, "".join(plain)))

    def split_text(self, text: str, matches, base_offset: int, no_links: bool, linked: set[str], note_mention) -> list[Token]:
        out: list[Token] = []
        position = 0
        for start, end, entity_id in matches:
            note_mention(entity_id, base_offset + start)
            if no_links or self.autolink == "none" or (self.autolink == "first" and entity_id in linked):
                continue
            linked.add(entity_id)
            if start > position:
                out.append(text_token(text[position:start]))
            out.extend(self.link_tokens(entity_id, text[start:end]))
            position = end
        if position < len(text):
            out.append(text_token(text[position:]))
        return out


# --------------------------------------------------------------------------
# facts


def find_quote(text: ArticleText, quote: str) -> int | None:
    """The index of the passage where the quote starts, or None (remembered per body)."""
    if quote not in text.quotes:
        text.quotes[quote] = _find_quote(text, quote)
    return text.quotes[quote]


def _find_quote(text: ArticleText, quote: str) -> int | None:
    folded, starts = text.folded()
    needle = fold(quote)
    if not needle:
        return None
    at = folded.find(needle)
    if at < 0:
        return None
    return bisect.bisect_right(starts, at) - 1


def closest_passage(text: ArticleText, quote: str) -> str:
    """The stretch of the article most like `quote`, to show next to a typo.

    Every run of whole words whose folded length is within a third of the
    quote's is compared with it (so a typo that splits, joins or drops words
    still finds its passage); the most similar wins, completed with the
    words that follow it while it stays no longer than the quote.
    """
    needle = fold(quote)
    if not needle:
        return ""
    low, high = len(needle) * 2 // 3, len(needle) * 4 // 3 + 2
    best, best_ratio = None, -1.0
    for index, passage in enumerate(text.passages):
        words = passage.text.split()
        folded = [fold(word) for word in words]
        for first in range(len(words)):
            length = -1
            for last in range(first, len(words)):
                length += len(folded[last]) + 1
                if length > high:
                    break
                if length < low and last + 1 < len(words):
                    continue
                matcher = difflib.SequenceMatcher(None, needle, " ".join(folded[first : last + 1]), autojunk=False)
                if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
                    continue
                ratio = matcher.ratio()
                if ratio > best_ratio:
                    best, best_ratio = (index, first, last, length), ratio
    if best is None:
        return ""
    index, first, last, length = best
    words = text.passages[index].text.split()
    while last + 1 < len(words) and length + 1 + len(fold(words[last + 1])) <= len(needle):
        last += 1
        length += 1 + len(fold(words[last]))
    return " ".join(words[first : last + 1])


def check_sources(site: Site, texts: dict[str, ArticleText], diagnostics: Diagnostics) -> dict[str, list[SourceCheck]]:
    checks: dict[str, list[SourceCheck]] = {}
    for entity in site.entities.values():
        checks.update(check_entity_sources(entity, texts, diagnostics))
    return checks


def check_entity_sources(entity: Entity, texts: dict[str, ArticleText], diagnostics: Diagnostics) -> dict[str, list[SourceCheck]]:
    """Fact key → the check of each of its sources, for one fact sheet."""
    checks: dict[str, list[SourceCheck]] = {}
    for fact in entity.facts:
        results = []
        for source in fact.sources:
            if source.is_url:
                results.append(SourceCheck(source, "external"))
                continue
            text = texts.get(source.source)
            if text is None:
                continue  # unknown or draft article: reported by validate
            if not source.quote:
                results.append(SourceCheck(source, "unquoted"))
                continue
            found = find_quote(text, source.quote)
            if found is None:
                closest = text.closest.get(source.quote)
                if closest is None:
                    closest = closest_passage(text, source.quote)
                diagnostics.error(
                    position(entity, source.quote_path),
                    "quote.not-found",
                    f"quote not found in article '{source.source}'; closest passage: \"{closest}\"",
                )
                results.append(SourceCheck(source, "not-found"))
            else:
                results.append(SourceCheck(source, "verified", text.passages[found].anchor))
        checks[fact.key] = results
        if not fact.sources:
            diagnostics.warning(position(entity, ("facts", fact.index)), "fact.unsourced", f"fact '{fact.claim}' of '{entity.id}' has no source")
    return checks


def cited_articles(entity: Entity) -> set[str]:
    """Ids of the articles (not URLs) the facts of a sheet cite."""
    return {source.source for fact in entity.facts for source in fact.sources if not source.is_url}


def _sort_time(fact: Fact) -> tuple:
    start, end = fact.time_range
    day = as_day(start) or as_day(end)
    return (day is None, day or dt.date.min, as_day(end) or dt.date.max, fact.index)


def _conflicts(facts: list[Fact], keys: dict[str, str]) -> tuple[list[tuple[Fact, Fact, int]], set[str]]:
    """Facts whose times overlap but whose values differ, found by one sweep
    over start times (a series may hold thousands of facts): (fact, a fact it
    conflicts with, how many it conflicts with) for each, and all their keys.
    Undated facts conflict only with undated ones."""
    def span(fact: Fact) -> tuple[dt.date, dt.date]:
        start, end = (as_day(x) for x in fact.time_range)
        return start or dt.date.min, end or dt.date.max

    found: list[tuple[Fact, Fact, int]] = []
    disputed: set[str] = set()
    for group in ([f for f in facts if f.time_range == (None, None)], [f for f in facts if f.time_range != (None, None)]):
        running: list[tuple[dt.date, int, Fact]] = []  # heap by end
        by_value: dict[str, dict[str, Fact]] = {}  # value → running facts with it
        undisputed: dict[str, Fact] = {}
        for number, fact in enumerate(sorted(group, key=lambda f: (span(f)[0], _sort_time(f)))):
            start, end = span(fact)
            while running and running[0][0] < start:
                gone = heapq.heappop(running)[2]
                same = by_value[keys[gone.key]]
                del same[gone.key]
                if not same:
                    del by_value[keys[gone.key]]
                undisputed.pop(gone.key, None)
            # every running fact holds on `start`: if two values are among them, all are disputed
            others = len(running) - len(by_value.get(keys[fact.key], ()))
            if others:
                partner = next(iter(next(v for k, v in by_value.items() if k != keys[fact.key]).values()))
                found.append((fact, partner, others))
                disputed.update(undisputed)
                disputed.add(fact.key)
                undisputed.clear()
            else:
                undisputed[fact.key] = fact
            heapq.heappush(running, (end, number, fact))
            by_value.setdefault(keys[fact.key], {})[fact.key] = fact
    return found, disputed


def value_key(fact: Fact) -> str:
    return fact.value_ref or fold(str(fact.value))


def build_series(entity: Entity, diagnostics: Diagnostics) -> list[ClaimSeries]:
    by_claim: dict[str, list[Fact]] = {}
    for fact in entity.facts:
        by_claim.setdefault(fact.claim.casefold(), []).append(fact)
    series = []
    for facts in by_claim.values():
        facts.sort(key=_sort_time)
        live = [f for f in facts if f.rank != "deprecated"] or facts
        preferred = [f for f in live if f.rank == "preferred"]
        current = (preferred or live)[-1]
        conflicts, disputed = _conflicts(live, {fact.key: value_key(fact) for fact in live})
        for b, a, count in conflicts:
            more = f" and {count - 1} more" if count > 1 else ""
            diagnostics.warning(
                position(entity, ("facts", b.index)),
                "fact.disputed",
                f"'{facts[0].claim}' of '{entity.id}' is disputed: '{b.value}' here, '{a.value}' at line {entity.doc.position(('facts', a.index))[0]}{more}, for the same time",
            )
        series.append(ClaimSeries(facts[0].claim, facts, current, disputed))
    return series


# --------------------------------------------------------------------------
# the whole graph


def _article_day(article: Article) -> dt.date:
    return as_day(article.date)


def link_site(site: Site, diagnostics: Diagnostics, md: MarkdownIt | None = None, texts: dict[str, ArticleText] | None = None, memo: LinkMemo | None = None, store: BodyStore | None = None, body_digests: dict[str, str] | None = None, workers: Workers | None = None) -> Graph:
    """Links the whole site. `texts` may hold bodies linked earlier with the
    same names; `memo` what an earlier build of the site worked out (and,
    after this, what `relink` needs to update this graph). With a `store`,
    the linked bodies are put away there (see `ArticleText.put_away`): for
    a graph that is rendered once, never updated. The articles parsed
    without their bodies have them read again from their files, which
    `body_digests` (path → digest) says they were parsed from.
    `workers` link bodies too (by default, workers are forked when there
    are bodies enough)."""
    memo = memo or LinkMemo()
    md = md or make_markdown(site.config.raw_html)
    urls = Urls(site.config.base_path)
    names = build_name_index(site.entities)
    name_problems = Diagnostics()
    report_ambiguous_names(site, names, name_problems)
    diagnostics.extend(name_problems.items)
    memo.name_problems = by_path(name_problems.items)
    linker = memo.linker = BodyLinker(md, names, site.entities, urls, site.config.autolink, site.failed_entities)
    texts = dict(texts or {})
    unlinked = [article for article in site.articles.values() if article.id not in texts]
    quotes = quotes_by_article(site)
    digests = body_digests or {}

    def body_to_link(article: Article) -> BodyToLink:
        return article.rel_path, article.body, digests.get(article.rel_path), quotes.get(article.id, ())

    for article, text in zip(unlinked, map_handed(body_to_link, _link_body, (linker, store, Path(site.root)), unlinked, workers)):
        texts[article.id] = text
    for article in site.articles.values():
        report_body_problems(article, texts[article.id], diagnostics)
    articles_by_date = sorted(site.articles, key=lambda a: _date_order(site.articles[a]), reverse=True)
    memo.rank = {article_id: number for number, article_id in enumerate(articles_by_date)}

    article_entities: dict[str, list[str]] = {}
    mentions: dict[str, list[Mention]] = defaultdict(list)
    naming: dict[str, set[str]] = defaultdict(set)
    for article_id in articles_by_date:
        article, text = site.articles[article_id], texts[article_id]
        ordered = article_entities[article_id] = ordered_entities(article, text)
        for entity_id in ordered:
            mentions[entity_id].append(mention_in(article_id, entity_id, text))
            naming[entity_id].add(article_id)
    memo.naming = dict(naming)

    checks = check_sources(site, texts, diagnostics)
    citing: dict[str, set[str]] = defaultdict(set)
    series: dict[str, list[ClaimSeries]] = {}
    for entity in site.entities.values():
        series[entity.id] = memo.series_of(entity, diagnostics)
        for article_id in cited_articles(entity):
            citing[article_id].add(entity.id)
    memo.citing = dict(citing)
    memo.entity_rank = {entity_id: number for number, entity_id in enumerate(site.entities)}
    citations = {}
    for article_id in citing:
        found = citations_of(article_id, citing[article_id], site, checks, memo.entity_rank)
        if found:
            citations[article_id] = found
    memo.forget_missing(site)

    return Graph(
        site=site,
        urls=urls,
        texts=texts,
        article_entities=article_entities,
        mentions=dict(mentions),
        relations=collect_relations(site),
        related=memo.related.update(article_entities),
        series=series,
        checks=checks,
        citations=citations,
        tags=collect_tags(site, articles_by_date),
        articles_by_date=articles_by_date,
        store=store,
    )


@dataclass
class LinkChanges:
    """What `relink` made anew, for deciding which pages to render again."""

    articles: set[str]
    """Articles whose model changed (their text, card and entities are new)."""
    entities: set[str]
    """Fact sheets whose model changed."""
    checked: set[str] = field(default_factory=set)
    """Fact sheets whose source checks were made again."""
    mentioned: set[str] = field(default_factory=set)
    """Entities whose list of mentions was made again."""
    cited: set[str] = field(default_factory=set)
    """Articles whose list of citations was made again."""
    related: set[str] = field(default_factory=set)
    relations: bool = False
    order: bool = False
    """The order of articles by date changed."""
    tags: bool = False
    diagnostics: dict[str, list] = field(default_factory=dict)
    """Path → what linking found in it, for every file linked again."""


def relink(previous: Graph, site: Site, articles: set[str], entities: set[str], memo: LinkMemo) -> tuple[Graph, LinkChanges]:
    """The graph of `site`, updated from `previous` (the graph of the same
    site before the models of `articles` and `entities` changed).

    The caller vouches that the change keeps what every other file was
    linked with: the same ids, the same names and aliases, the same config.
    Only what the changed files touch is worked out again, so a saved file
    costs what it names, not what the site holds.
    """
    old_site = previous.site
    changes = LinkChanges(set(articles), set(entities))
    linker = memo.linker
    linker.entities = site.entities
    texts = dict(previous.texts)
    for article_id in articles:
        article = site.articles[article_id]
        if article.body != old_site.articles[article_id].body:
            texts[article_id] = linker.run(article.body)
        found = Diagnostics()
        report_body_problems(article, texts[article_id], found)
        changes.diagnostics[article.rel_path] = found.items

    articles_by_date = previous.articles_by_date
    if any(_date_order(site.articles[a]) != _date_order(old_site.articles[a]) for a in articles):
        articles_by_date = sorted(site.articles, key=lambda a: _date_order(site.articles[a]), reverse=True)
        if articles_by_date != previous.articles_by_date:
            changes.order = True
            memo.rank = {article_id: number for number, article_id in enumerate(articles_by_date)}

    article_entities = dict(previous.article_entities)
    for article_id in articles:
        before = article_entities[article_id]
        now = article_entities[article_id] = ordered_entities(site.articles[article_id], texts[article_id])
        for entity_id in before:
            memo.naming[entity_id].discard(article_id)
        for entity_id in now:
            memo.naming.setdefault(entity_id, set()).add(article_id)
        old_text, new_text = previous.texts[article_id], texts[article_id]
        changes.mentioned.update(set(before).symmetric_difference(now))
        # where the entities stay, their mention changes if its sentence or place does
        changes.mentioned.update(e for e in set(before) & set(now) if mention_in(article_id, e, old_text) != mention_in(article_id, e, new_text))
    mentions = dict(previous.mentions)
    if changes.order:
        changes.mentioned = set(memo.naming)
    for entity_id in changes.mentioned:
        if not memo.naming.get(entity_id):
            mentions.pop(entity_id, None)
            memo.naming.pop(entity_id, None)
        elif changes.order:
            naming = sorted(memo.naming[entity_id], key=memo.rank.__getitem__)
            mentions[entity_id] = [mention_in(a, entity_id, texts[a]) for a in naming]
        else:
            # The other articles' mentions stand, in the same order.
            kept = [m for m in mentions.get(entity_id, ()) if m.article_id not in articles]
            ranks = [memo.rank[m.article_id] for m in kept]
            for article_id in sorted(memo.naming[entity_id] & articles, key=memo.rank.__getitem__):
                at = bisect.bisect(ranks, memo.rank[article_id])
                kept.insert(at, mention_in(article_id, entity_id, texts[article_id]))
                ranks.insert(at, memo.rank[article_id])
            mentions[entity_id] = kept

    checks = dict(previous.checks)
    series = dict(previous.series)
    changes.checked = set(entities).union(*(memo.citing.get(a, ()) for a in articles))
    for entity_id in changes.checked:
        entity, before = site.entities[entity_id], old_site.entities[entity_id]
        for fact in before.facts:
            checks.pop(fact.key, None)
        found = Diagnostics()
        found.extend(memo.name_problems.get(entity.rel_path, ()))
        checks.update(check_entity_sources(entity, texts, found))
        series[entity_id] = memo.series_of(entity, found)
        changes.diagnostics[entity.rel_path] = found.items
        cited_before, cited_now = cited_articles(before), cited_articles(entity)
        for article_id in cited_before - cited_now:
            memo.citing[article_id].discard(entity_id)
        for article_id in cited_now:
            memo.citing.setdefault(article_id, set()).add(entity_id)
        changes.cited.update(cited_before, cited_now)
    changes.cited.update(articles)
    citations = dict(previous.citations)
    for article_id in changes.cited:
        found = citations_of(article_id, memo.citing.get(article_id, ()), site, checks, memo.entity_rank)
        if found:
            citations[article_id] = found
        else:
            citations.pop(article_id, None)

    relations = previous.relations
    if any(relation_signature(site.entities[e]) != relation_signature(old_site.entities[e]) for e in entities):
        relations = collect_relations(site)
        changes.relations = True
    changes.related = memo.related.apply({a: article_entities[a] for a in articles})
    related = dict(previous.related)
    for entity_id in changes.related:
        ranked = memo.related.ranked(entity_id)
        if ranked is None:
            related.pop(entity_id, None)
        else:
            related[entity_id] = ranked
    tags = previous.tags
    if changes.order or any(site.articles[a].tags != old_site.articles[a].tags for a in articles):
        tags = collect_tags(site, articles_by_date)
        changes.tags = True

    graph = Graph(
        site=site,
        urls=previous.urls,
        texts=texts,
        article_entities=article_entities,
        mentions=mentions,
        relations=relations,
        related=related,
        series=series,
        checks=checks,
        citations=citations,
        tags=tags,
        articles_by_date=articles_by_date,
    )
    return graph, changes


def _date_order(article: Article) -> tuple:
    return (_article_day(article), str(article.date), article.id)


def report_body_problems(article: Article, text: ArticleText, diagnostics: Diagnostics) -> None:
    for problem in text.problems:
        diagnostics.error(Position(article.rel_path, article.body_line + problem.body_line - 1, problem.column), problem.code, problem.message)


def ordered_entities(article: Article, text: ArticleText) -> list[str]:
    """The entities an article names: in order of first mention, then about/mentions."""
    return list(dict.fromkeys([*text.mention_order, *text.explicit, *article.about, *article.mentions]))


def mention_in(article_id: str, entity_id: str, text: ArticleText) -> Mention:
    where = text.first_mentions.get(entity_id)
    if where is None:
        return Mention(article_id, "", None)
    return Mention(article_id, text.sentences[entity_id], text.passages[where[0]].anchor)


def citations_of(article_id: str, citing: set[str] | tuple, site: Site, checks: dict[str, list[SourceCheck]], entity_rank: dict[str, int]) -> list[Citation]:
    """The facts citing one article, in the order of the sheets, their facts and their sources."""
    found = []
    for entity_id in sorted(citing, key=entity_rank.__getitem__):
        for fact in site.entities[entity_id].facts:
            for check in checks.get(fact.key, ()):
                if check.status != "external" and check.source.source == article_id:
                    found.append(Citation(fact, check))
    return found


def collect_tags(site: Site, articles_by_date: list[str]) -> dict[str, list[str]]:
    """Tag → its articles, newest first; tags in alphabetical order."""
    tags: dict[str, list[str]] = defaultdict(list)
    for article_id in articles_by_date:
        for tag in dict.fromkeys(site.articles[article_id].tags):
            tags[tag].append(article_id)
    return dict(sorted(tags.items()))


def relation_signature(entity: Entity) -> tuple:
    """What of a sheet `collect_relations` reads."""
    return (
        tuple((name, tuple(targets)) for name, targets in entity.relations.items()),
        tuple((fact.claim, fact.value_ref) for fact in entity.facts if fact.value_ref),
    )


BodyToLink = tuple[str, "str | None", "str | None", Iterable[str]]
"""(An article's path, its body or None, the digest of the file it was
parsed from when it was parsed without its body, the quotes cited from it)."""


def _link_body(shared: tuple[BodyLinker, BodyStore | None, Path], article: BodyToLink) -> ArticleText:
    """One linked body, with the quotes the fact sheets cite it for looked
    up already: where the body is linked (on every core, for a large site)
    rather than one after another when the sources are checked. With a
    store, its HTML and the passages no page shows go there."""
    linker, store, root = shared
    rel_path, body, digest, quotes = article
    if body is None:
        body = read_body(root, rel_path, digest) if digest is not None else None
    if body is None:
        changed = Problem(1, 1, "io", "the file changed while the site was being built; build again")
        return ArticleText("", [], {}, [], problems=[changed])
    text = linker.run(body)
    for quote in quotes:
        find_quote(text, quote)
    if store is not None:
        text.put_away(store)
    text.forget_folded()
    return text


def quotes_by_article(site: Site) -> dict[str, set[str]]:
    """Article id → the quotes the fact sheets cite it for."""
    quotes: dict[str, set[str]] = defaultdict(set)
    for entity in site.entities.values():
        for fact in entity.facts:
            for source in fact.sources:
                if source.quote and not source.is_url:
                    quotes[source.source].add(source.quote)
    return quotes


def report_ambiguous_names(site: Site, names: NameIndex, diagnostics: Diagnostics) -> None:
    for name, ids in sorted(names.ambiguous().items()):
        for entity_id in ids[1:]:
            entity = site.entities[entity_id]
            path = ("name",) if entity.name == name else ("aliases", entity.aliases.index(name))
            diagnostics.warning(
                position(entity, path),
                "alias.ambiguous",
                f"'{name}' also names '{ids[0]}', so it is not linked automatically; write [[id]] to link it",
            )


def collect_relations(site: Site) -> dict[str, list[Relation]]:
    """Every relation, on both of its entities' pages."""
    relations: dict[str, list[Relation]] = defaultdict(list)
    seen: set[tuple[str, str, str]] = set()

    def add(owner: str, label: str, other: str) -> None:
        if (owner, label, other) not in seen:
            seen.add((owner, label, other))
            relations[owner].append(Relation(label, other))

    for entity in sorted(site.entities.values(), key=lambda e: e.id):
        for field_name, targets in entity.relations.items():
            forward, backward = RELATION_LABELS[field_name]
            for target in targets:
                add(entity.id, forward, target)
                add(target, backward, entity.id)
        for fact in entity.facts:
            if fact.value_ref:
                add(entity.id, fact.claim, fact.value_ref)
                add(fact.value_ref, f"Value of “{fact.claim}” for", entity.id)
    return dict(relations)


RELATED_LIMIT = 12
"""Entities listed as related to one entity, at most."""


class RelatedRanking:
    """Entities ranked by how many articles they share with each entity.

    Kept from build to build: an update recounts only the articles whose
    entities changed and re-ranks only the entities they touch, so a saved
    article costs what it names, not what the site holds.
    """

    def __init__(self) -> None:
        self._articles: dict[str, tuple[str, ...]] = {}
        self._shared: dict[str, Counter] = {}
        self._naming: Counter = Counter()
        self._ranked: dict[str, list[tuple[str, int]]] = {}

    def update(self, article_entities: dict[str, list[str]]) -> dict[str, list[tuple[str, int]]]:
        """Entity id → [(related id, articles shared)], best first, for every entity an article names."""
        touched: set[str] = set()
        for article_id in [a for a in self._articles if a not in article_entities]:
            self._count(self._articles.pop(article_id), -1, touched)
        self._rank(self._recount(article_entities, touched))
        return {entity_id: self._ranked[entity_id] for entity_id in sorted(self._ranked)}

    def apply(self, changed: dict[str, list[str]]) -> set[str]:
        """Takes the new entities of some articles; returns the entities whose ranking may have changed."""
        return self._rank(self._recount(changed, set()))

    def ranked(self, entity_id: str) -> list[tuple[str, int]] | None:
        return self._ranked.get(entity_id)

    def _recount(self, article_entities: dict[str, list[str]], touched: set[str]) -> set[str]:
        for article_id, entity_ids in article_entities.items():
            now, before = tuple(entity_ids), self._articles.get(article_id)
            if now != before:
                if before is not None:
                    self._count(before, -1, touched)
                self._count(now, 1, touched)
                self._articles[article_id] = now
        return touched

    def _rank(self, touched: set[str]) -> set[str]:
        for entity_id in touched:
            counter = self._shared.get(entity_id)
            if counter is None:
                self._ranked.pop(entity_id, None)
            else:
                self._ranked[entity_id] = heapq.nsmallest(RELATED_LIMIT, counter.items(), key=lambda item: (-item[1], item[0]))
        return touched

    def _count(self, entity_ids: tuple[str, ...], step: int, touched: set[str]) -> None:
        for a in entity_ids:
            touched.add(a)
            self._naming[a] += step  # an entity stays listed while an article names it
            counter = self._shared.setdefault(a, Counter())
            for b in entity_ids:
                if a != b:
                    counter[b] += step
                    if step < 0 and counter[b] == 0:
                        del counter[b]
            if self._naming[a] == 0:
                del self._naming[a], self._shared[a]


@dataclass
class LinkMemo:
    """What linking one site worked out, kept for its next build (by `serve`):
    the claim series of fact sheets whose model is the same object as before,
    and the ranking of related entities."""

    series: dict[str, tuple[Entity, list[ClaimSeries], list]] = field(default_factory=dict)
    related: RelatedRanking = field(default_factory=RelatedRanking)
    # Indexes of the last graph, kept up to date by `relink`:
    linker: BodyLinker | None = None
    name_problems: dict[str, list] = field(default_factory=dict)
    """Path → the ambiguous names reported in it."""
    naming: dict[str, set[str]] = field(default_factory=dict)
    """Entity id → ids of the articles that name it."""
    citing: dict[str, set[str]] = field(default_factory=dict)
    """Article id → ids of the sheets whose facts cite it."""
    rank: dict[str, int] = field(default_factory=dict)
    """Article id → its place in `articles_by_date`."""
    entity_rank: dict[str, int] = field(default_factory=dict)
    """Entity id → its place among the site's entities."""

    def series_of(self, entity: Entity, diagnostics: Diagnostics) -> list[ClaimSeries]:
        known = self.series.get(entity.id)
        if known is None or known[0] is not entity:
            found = Diagnostics()
            known = self.series[entity.id] = (entity, build_series(entity, found), found.items)
        diagnostics.extend(known[2])
        return known[1]

    def forget_missing(self, site: Site) -> None:
        for entity_id in [e for e in self.series if e not in site.entities]:
            del self.series[entity_id]
