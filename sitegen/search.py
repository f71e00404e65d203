"""Full-text search: sitegen's own static index, made from the linked graph.

Why not Pagefind any more: Pagefind reads the rendered HTML. On the
benchmark site (10,000 articles, 3,333 fact sheets) it took 42 s and 3.7 GB
of memory on its own, twice the time and six times the memory the whole
build may use, and the build is moving towards not holding every page in
memory. The graph already has every article's plain text, block by block
(`graph.passage_texts(id)`), so the index is made from that, in Python: no
HTML is parsed, no binary is run, nothing is written to a temporary folder.

What is indexed, one *document* each: every article (its title; its
standfirst, text, tags, authors and publisher), every entity (its name and
aliases as its title; its kind, summary, description, fact claims and
values), every free page (its title; its summary and text). Not the
listings: they only repeat those titles.

Tokens. Text is folded as `sitegen.markdown.fold` folds quotes (case folded;
the typographic quotes, dashes and spaces it maps all separate words here
anyway), and further: NFKD, Unicode case folding, NFKD again, and every
combining mark dropped, so "Zürich", "ZURICH" and "zurich" are one word.
Words are the runs of letters and digits; anything else separates them
("don't" is "don" and "t", "2,500" is "2" and "500"). `search.js` folds and
splits a query in exactly the same way (tests/test_search.py feeds both the
same tricky text). Scripts written without spaces (Chinese, Japanese, Thai)
are indexed as whole runs, so they are found by the start of a run only.

Files, all under `search/` next to the search page, compact JSON, the same
bytes for the same site:

- `search/meta.json`: `{"version", "count" (documents), "chunk" (documents
  per record file), "average" and "title_average" (mean length in words of
  a text and of a title), "shards" (the term files that exist), "lengths"
  and "titles" (each document's text and title length, for BM25)}`.
- `search/terms/<key>.json`: `{term: postings}` for the terms whose first
  two characters make `<key>`: their code points in hex joined by "-"
  ("wa" → `77-61`; a one-character term has a one-part key). Any script
  makes a safe file name, and the last word of a query, as typed so far,
  is matched as a prefix from one file.
- `search/docs/<n>.json`: `[[title, path, kind, ISO date, date, excerpt],
  ...]` for documents `n * chunk` onwards; the browser fetches only the
  files holding the results it shows. `path` is relative to the site's base
  path, so the index does not change with `base_url`.

A posting is one integer per (term, document): `delta << 5 | title << 4 |
tf`, where `delta` is the document number minus the previous posting's
(the first one's is the number itself), `title` says the term is in the
title, name or an alias, and `tf` is how often it is in the text (at most
15: the score saturates well before). Documents are numbered articles
first, newest first, then entities, then pages, so a tie goes to the newer
article. The browser scores each term with BM25 (k1 = 1.2, b = 0.75) over
the text, plus the same over the title (tf 1, normalised by the title's
length, weighted 2): a name finds its own page before the articles that
mention it, and a short title that is all query before a long one.

Speed and memory. A site of 10,000 articles has about 3.5 million postings,
and pure Python spends about a microsecond on each (counting, grouping,
encoding), too slow for one core. So on large sites batches of documents
also go to worker processes that tokenize them, count, group by term and
encode the postings, while the build indexes other batches itself; the
batches are joined in order (only the first delta of each term in a batch
changes). The batches are handed out by `sitegen.parallel.map_handed`, as
the pages are: the build's process describes each batch (it reads the
graph), and the workers, which never see the graph, index its text. ASCII text is
lowered and split as bytes (`bytes.translate`), several times faster than
a regular expression; only runs of other characters go through Unicode's
tables, each distinct run once. Postings are `array('I')`, one per term
and batch, and go straight to their JSON text.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import unicodedata
from array import array
from collections import Counter
from itertools import islice, repeat
from operator import and_, sub
from typing import Callable, Iterator

from sitegen.memory import gc_paused
from sitegen.parallel import Workers, map_handed

INDEX_DIR = "search"
"""Where the index goes in the output: next to the search page (`search/index.html`)."""

FORMAT = 1
CHUNK = 250
"""Documents per record file (`search/docs/<n>.json`)."""
EXCERPT = 200
"""Characters of a document's excerpt, at most (then cut at a word)."""
TF_MAX = 15
TITLE_BIT = 16
SHIFT = 5
BATCH = 500
"""Documents tokenized together (in one process)."""
PARALLEL_DOCS = 2000
"""Sites with fewer documents are indexed in the build's own process."""

Progress = Callable[[str, int, int], None]

# -- tokens -------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
"""A run of letters and digits: Python's \\w is exactly Unicode's L and N
categories plus '_' (checked over every code point)."""

_WORD_BYTES = bytes(
    byte + 32 if 65 <= byte <= 90 else byte if (48 <= byte <= 57 or 97 <= byte <= 122 or byte >= 128) else 32
    for byte in range(256)
)
"""For UTF-8 text whose non-ASCII characters are all letters or digits:
ASCII letters lowered, digits and non-ASCII bytes kept, the rest a space."""

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_chars: dict[str, str] = {}
_runs: dict[str, str] = {}
_mark_patterns: dict[str, re.Pattern] = {}


def _char(char: str) -> str:
    """A folded character as a word holds it: itself (a letter or digit), '' (a mark), ' ' (anything else)."""
    kept = _chars.get(char)
    if kept is None:
        category = unicodedata.category(char)[0]
        kept = _chars[char] = char if category in "LN" else "" if category == "M" else " "
    return kept


def _fold_run(match: re.Match) -> str:
    """A run of non-ASCII characters, folded, with anything but letters and digits a space."""
    run = match.group()
    folded = _runs.get(run)
    if folded is None:
        if len(_runs) > 100_000:
            _runs.clear()
        folded = _runs[run] = "".join(map(_char, unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", run).casefold())))
    return folded


def fold(text: str) -> str:
    """Text as the index compares it: NFKD, case folded, NFKD, combining marks dropped."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    marks = "".join(sorted(char for char in set(text) if _char(char) == ""))
    if not marks:
        return text
    pattern = _mark_patterns.get(marks)
    if pattern is None:
        pattern = _mark_patterns[marks] = re.compile("[" + re.escape(marks) + "]+")
    return pattern.sub("", text)


def _terms(text: str) -> list[bytes]:
    """The words of `text`, folded, as UTF-8 bytes: `_WORD.findall(fold(text))`, faster.

    Folding and splitting are done on characters independently, so only the
    runs of non-ASCII characters need Unicode's tables (each distinct run
    once); the rest is lowered and split as bytes.
    """
    if not text.isascii():
        text = _NON_ASCII.sub(_fold_run, text)
        return text.encode("utf-8").translate(_WORD_BYTES).split()
    return text.encode("ascii").translate(_WORD_BYTES).split()


def tokens(text: str) -> list[str]:
    """The words of `text` as the index holds them (`tokens` in search.js is the same)."""
    return [word.decode("utf-8") for word in _terms(text)]


def shard_key(term: str) -> str:
    """The shard of a term: the code points of its first two characters in hex, joined by '-'."""
    return "-".join(f"{ord(char):x}" for char in term[:2])


# -- documents ----------------------------------------------------------------

_WIKILINK = re.compile(r"\[\[([^\[\]]+)\]\]")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\n]*\)")
_TAG = re.compile(r"<[^>\n]*>")
_BLOCK_MARKS = re.compile(r"(?m)^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,9}[.)][ \t]+)")
_EMPHASIS = re.compile(r"\*+|`+|~~|(?<!\w)_+|_+(?!\w)")


def plain(markdown: str, entities: dict) -> str:
    """Markdown (a summary, a description, a page) as plain words: good
    enough to index and to quote in an excerpt, without a Markdown parser."""

    def wikilink(match: re.Match) -> str:
        target, _, label = match.group(1).partition("|")
        if label.strip():
            return label.strip()
        entity = entities.get(target.strip())
        return entity.name if entity is not None else target.strip()

    text = markdown
    if "[[" in text:
        text = _WIKILINK.sub(wikilink, text)
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "#" in text or ">" in text or "\n" in text or text[:1] in "-*+0123456789":
        text = _BLOCK_MARKS.sub("", text)
    if "*" in text or "_" in text or "`" in text or "~" in text:
        text = _EMPHASIS.sub("", text)
    return html.unescape(text) if "&" in text else text


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of `text`, whitespace folded, cut at a word near `limit` characters."""
    text = " ".join(text[: limit * 2].split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:.-–—") + "…"


class _Describer:
    """Turns the graph's articles, entities and pages into documents."""

    def __init__(self, graph):
        from sitegen.model import KIND_SINGULAR
        from sitegen.render import display_date

        self.graph = graph
        self.entities = graph.site.entities
        self.base = len(graph.urls.base)
        self.singular = KIND_SINGULAR
        self.display_date = display_date
        self.dates: dict = {}

    def keys(self) -> list[tuple[str, str]]:
        """Every document as (what, id), in document-number order: articles
        newest first, then entities by kind and id, then free pages."""
        site = self.graph.site
        keys = [("article", article_id) for article_id in self.graph.articles_by_date if article_id in site.articles]
        keys += [("entity", entity.id) for entity in sorted(site.entities.values(), key=lambda e: (e.kind, e.id))]
        keys += [("page", page_id) for page_id in sorted(site.pages)]
        return keys

    def date(self, value) -> tuple[str, str]:
        """(ISO, as the pages print it) for a date or datetime; ('', '') otherwise."""
        if not isinstance(value, (dt.date, dt.datetime)):
            return "", ""
        known = self.dates.get(value)
        if known is None:
            known = self.dates[value] = (value.isoformat(), self.display_date(value))
        return known

    def value_text(self, fact) -> str:
        if fact.value_ref:
            entity = self.entities.get(fact.value_ref)
            return entity.name if entity is not None else fact.value_ref
        value = fact.value
        if isinstance(value, (dt.date, dt.datetime)):
            return " ".join(self.date(value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, (int, float)):
            return f"{value} {value:,}" if abs(value) >= 1000 else str(value)
        return plain(str(value), self.entities)

    def describe(self, key: tuple[str, str]) -> tuple[list, tuple[str, str, str]]:
        """One document: its record for the browser, and its (title, other names, body) text."""
        graph, entities = self.graph, self.entities
        what, ident = key
        if what == "article":
            article = graph.site.articles[ident]
            passages = graph.passage_texts(ident) if ident in graph.texts else []
            first = article.summary or next((p for p in passages if p.strip()), "")
            body = "\n".join([article.summary, *passages, " ".join(article.tags), " ".join(article.authors), article.publisher])
            url = graph.urls.article(ident)
            record = [article.title, url[self.base :], "article", *self.date(article.date), excerpt(first)]
            return record, (article.title, "", body)
        if what == "entity":
            entity = entities[ident]
            summary = plain(entity.summary, entities) if entity.summary else ""
            description = plain(entity.description, entities) if entity.description else ""
            facts = [f"{fact.claim}: {self.value_text(fact)}" for fact in entity.facts]
            singular = self.singular.get(entity.kind, entity.kind)
            body = "\n".join([entity.name, singular, summary, description, *facts])
            when = self.date(entity.attributes.get("date") or entity.attributes.get("start"))
            url = graph.urls.entity(entity.kind, ident)
            record = [entity.name, url[self.base :], singular, *when, excerpt(summary or description)]
            return record, (entity.name, " ".join(entity.aliases), body)
        page = graph.site.pages[ident]
        text = plain(page.body, entities)
        url = graph.urls.page(f"{ident}/")
        record = [page.title, url[self.base :], "page", "", "", excerpt(page.summary or text)]
        return record, (page.title, "", "\n".join([page.summary, text]))


# -- postings -----------------------------------------------------------------

_DOC_MASK = ~((1 << SHIFT) - 1)


def index_batch(start: int, texts: list[tuple[str, str, str]]) -> tuple[array, array, dict[str, tuple[int, int, str]]]:
    """Tokenizes documents `start`, `start + 1`, ... given as (title, other names, body).

    Returns the length in words of their bodies and of their titles, and for
    each term `(first posting, its last document, ",delta,delta..." for the
    other postings)`: the first posting carries its absolute document number
    until the batches are joined.
    """
    index: dict[bytes, array] = {}
    get = index.get
    lengths = array("I")
    titles = array("I")
    for doc, (title, names, body) in enumerate(texts, start):
        title_terms = _terms(title)
        body_terms = _terms(body)
        titles.append(len(title_terms))
        lengths.append(len(body_terms))
        if names:
            title_terms += _terms(names)
        head = doc << SHIFT
        for term, tf in Counter(body_terms).items():
            value = head | (tf if tf < TF_MAX else TF_MAX)
            postings = get(term)
            if postings is None:
                index[term] = array("I", (value,))
            else:
                postings.append(value)
        for term in set(title_terms):
            postings = get(term)
            if postings is None:
                index[term] = array("I", (head | TITLE_BIT,))
            elif postings[-1] >> SHIFT == doc:
                postings[-1] |= TITLE_BIT
            else:
                postings.append(head | TITLE_BIT)
    encoded = {}
    for term, postings in index.items():
        rest = ""
        if len(postings) > 1:
            deltas = map(sub, islice(postings, 1, None), map(and_, postings, repeat(_DOC_MASK)))
            rest = "," + repr(list(deltas))[1:-1].replace(" ", "")
        encoded[term.decode("utf-8")] = (postings[0], postings[-1] >> SHIFT, rest)
    return lengths, titles, encoded


class _Postings:
    """The encoded postings of every term, joined batch after batch."""

    def __init__(self):
        self.parts: dict[str, list[str]] = {}
        self.last: dict[str, int] = {}
        self.lengths = array("I")
        self.titles = array("I")

    def add(self, batch: tuple[array, array, dict[str, tuple[int, int, str]]]) -> None:
        lengths, titles, encoded = batch
        self.lengths.extend(lengths)
        self.titles.extend(titles)
        parts, last = self.parts, self.last
        for term, (first, last_doc, rest) in encoded.items():
            previous = last.get(term)
            if previous is None:
                parts[term] = [str(first), rest]
            else:
                parts[term] += ("," + str(first - (previous << SHIFT)), rest)
            last[term] = last_doc

    def shards(self) -> Iterator[tuple[str, bytes]]:
        """(shard key, file bytes) for every shard, in key order; empties the postings."""
        grouped: dict[str, list[str]] = {}
        for term in self.parts:
            grouped.setdefault(shard_key(term), []).append(term)
        self.last = {}
        for key in sorted(grouped):
            entries = []
            for term in sorted(grouped[key]):
                entries.append(f"{_dumps(term)}:[{''.join(self.parts.pop(term))}]")
            yield key, ("{" + ",".join(entries) + "}").encode("utf-8")


# -- the index files ----------------------------------------------------------


def _dumps(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _describe_range(describer: "_Describer", keys: list[tuple[str, str]], bounds: tuple[int, int]) -> tuple[int, list[list], list[tuple[str, str, str]]]:
    """(first document number, records, texts) of documents `bounds[0]` to `bounds[1]`."""
    start, end = bounds
    records, texts = [], []
    for key in keys[start:end]:
        record, text = describer.describe(key)
        records.append(record)
        texts.append(text)
    return start, records, texts


def _index_described(_: None, described: tuple[int, list[list], list[tuple[str, str, str]]]) -> tuple[list[list], tuple]:
    """The records of a range of documents and `index_batch` of their texts (in a worker on large sites)."""
    start, records, texts = described
    return records, index_batch(start, texts)


def search_files(graph, progress: Progress | None = None, parallel: bool | None = None, batch: int = BATCH, workers: Workers | None = None) -> dict[str, bytes]:
    """The search index of a linked site, as {'search/...': bytes} (see `search_file_parts`)."""
    return dict(search_file_parts(graph, progress, parallel, batch, workers))


def search_file_parts(graph, progress: Progress | None = None, parallel: bool | None = None, batch: int = BATCH, workers: Workers | None = None) -> Iterator[tuple[str, bytes]]:
    """The search index of a linked site, one ('search/...', bytes) file
    after another: each can be written out and let go before the next.

    Batches of `batch` documents are indexed on every core on sites of at
    least PARALLEL_DOCS documents (`parallel` True or False decides
    instead), by `workers` when given (or by workers forked now: see
    `map_handed`). The bytes are the same whatever the
    batches and processes.
    """
    describer = _Describer(graph)
    keys = describer.keys()
    count = len(keys)
    ranges = [(start, min(start + batch, count)) for start in range(0, count, batch)]
    if parallel is None:
        parallel = count >= PARALLEL_DOCS
    report = (lambda done, total: progress("indexing for search", min(done * batch, count), count)) if progress else None
    if progress is not None:
        progress("indexing for search", 0, count)
    describe = functools.partial(_describe_range, describer, keys)
    batches = map_handed(describe, _index_described, None, ranges, workers, min_items=1 if parallel else len(ranges) + 1, progress=report, fork_when_cheap=True)
    records: list[list] = []
    postings = _Postings()
    for batch_records, batch_postings in batches:
        postings.add(batch_postings)
        records += batch_records
    del batches
    for number in range(0, count, CHUNK):
        yield f"{INDEX_DIR}/docs/{number // CHUNK}.json", _dumps(records[number : number + CHUNK]).encode("utf-8")
    del records
    lengths, titles = postings.lengths, postings.titles
    shard_keys = []
    for key, data in postings.shards():
        yield f"{INDEX_DIR}/terms/{key}.json", data
        shard_keys.append(key)
    meta = {
        "version": FORMAT,
        "count": count,
        "chunk": CHUNK,
        "average": round(sum(lengths) / count, 2) if count else 0,
        "title_average": round(sum(titles) / count, 2) if count else 0,
        "shards": shard_keys,
        "lengths": lengths.tolist(),
        "titles": titles.tolist(),
    }
    yield f"{INDEX_DIR}/meta.json", _dumps(meta).encode("utf-8")


def index_files(graph, progress: Progress | None = None, parallel: bool | None = None, workers: Workers | None = None) -> Iterator[tuple[str, bytes]]:
    """The search index of a linked site (see `search_file_parts`), or
    nothing when the site turns search off."""
    if not graph.site.config.search:
        return
    with gc_paused():  # millions of small objects next to a large graph: the collector would only walk it
        yield from search_file_parts(graph, progress, parallel, workers=workers)


def add_search_index(result, progress: Progress | None = None) -> None:
    """Adds the search index to a rendered `BuildResult` (in place).

    Made from `result.graph`, never from the rendered pages (which need
    not be in `result.files`). Does nothing when the build stopped on
    errors or the site turns search off.
    """
    if result.graph is None or result.errors:
        return
    result.files.update(index_files(result.graph, progress))
