"""Stage 2, validate: check each parsed file against its schema, turn it into
model objects, and check what spans files (unique ids, known references).

Invalid files are left out of the site (with their diagnostics), so later
stages only see objects that satisfy the schemas.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict

from sitegen.diagnostics import Diagnostic, Diagnostics, Position, did_you_mean
from sitegen.load import SourceDoc
from sitegen.model import (
    KIND_SINGULAR,
    KINDS,
    RELATION_FIELDS,
    Article,
    Entity,
    Fact,
    FactSource,
    Page,
    Site,
    SiteConfig,
)
from sitegen.schema import ID_PATTERN, parse_date, reference_fields, validate
from sitegen.yamldoc import YamlDoc

WIKILINK_VALUE = re.compile(r"^\[\[\s*([^\]|]+?)\s*\]\]$")
RESERVED_PAGE_IDS = {"articles", "tags", "timeline", "search", "data", "graph", "static", "feeds", "assets", *KINDS}


def position(source: SourceDoc | Entity | Article | Page, path: tuple = (), key: bool = False) -> Position:
    doc = source.doc
    line, column = doc.position(path, key=key) if doc is not None else (1, 1)
    return Position(source.rel_path, line, column)


def file_id(rel_path: str) -> str:
    """The id a file gives its article, page or entity: its name without the extension."""
    name = rel_path.rsplit("/", 1)[-1]
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name


_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"})


def suggest_id(name: str) -> str:
    """An id made from a file name: 'Café Opens' → 'cafe-opens' ('' when nothing is left)."""
    ascii_name = unicodedata.normalize("NFKD", name.lower().translate(_LETTERS)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")


def check_id(source: SourceDoc, diagnostics: Diagnostics, clashes: list[str] = ()) -> bool:
    """Whether the file's name is a valid id; `clashes` are the other files
    whose names differ from it only in case."""
    ident = file_id(source.rel_path)
    if ID_PATTERN.match(ident):
        return True
    suggestion = suggest_id(ident)
    hint = f"; rename it to '{suggestion}'" if suggestion and ID_PATTERN.match(suggestion) else ""
    if any("\udc80" <= ch <= "\udcff" for ch in ident):
        hint = " (the file name is not even valid UTF-8)" + hint
    if clashes:
        hint += (
            f" (but {', '.join(clashes)} differs from it only in case: on macOS and Windows the two"
            " are one file, so give them different names)"
        )
    diagnostics.error(
        Position(source.rel_path, 1, 1),
        "id.invalid",
        f"invalid id '{ident}': a file name must be lower-case letters (a-z), digits and hyphens{hint}",
    )
    return False


def mapping_document(source: SourceDoc, what: str, diagnostics: Diagnostics) -> bool:
    """Reports a document that is empty, a list or a scalar instead of a mapping."""
    value = source.doc.value if source.doc else None
    if isinstance(value, dict):
        return True
    if source.doc is not None:
        found = "empty" if value is None else ("a list" if isinstance(value, list) else "a single value")
        diagnostics.error(position(source), "schema.type", f"{what} must be a mapping of fields, but it is {found}")
    return False


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def build_config(source: SourceDoc | None, diagnostics: Diagnostics) -> SiteConfig:
    config = SiteConfig()
    if source is None or source.doc is None:
        return config
    if source.doc.value is None:
        return config
    if not mapping_document(source, "sitegen.yaml", diagnostics) or not validate("config", source.doc, source.rel_path, diagnostics):
        return config
    for key, value in source.doc.value.items():
        if value is not None:
            setattr(config, key, value)
    return config


def build_entity(source: SourceDoc, diagnostics: Diagnostics) -> Entity | None:
    if not mapping_document(source, "a fact sheet", diagnostics):
        return None
    kind = source.role
    if not validate(KIND_SINGULAR[kind], source.doc, source.rel_path, diagnostics):
        return None
    data = source.doc.value
    entity_id = file_id(source.rel_path)
    relations = {name: as_list(data.get(name)) for name in RELATION_FIELDS if data.get(name) is not None}
    attributes = {name: data[name] for name in ("born", "died", "date", "start", "end", "coordinates") if data.get(name) is not None}
    for name in ("born", "died", "date", "start", "end"):
        if name in attributes:
            attributes[name] = parse_date(attributes[name])
    facts = [build_fact(entity_id, index, fact) for index, fact in enumerate(data.get("facts") or [])]
    entity = Entity(
        id=entity_id,
        kind=kind,
        rel_path=source.rel_path,
        name=data["name"].strip(),
        aliases=[a.strip() for a in data.get("aliases") or [] if a.strip()],
        summary=data.get("summary") or "",
        description=data.get("description") or "",
        links=data.get("links") or [],
        autolink=data.get("autolink", True) is not False,
        relations=relations,
        attributes=attributes,
        facts=facts,
        doc=source.doc,
    )
    check_facts(entity, diagnostics)
    return entity


def build_fact(entity_id: str, index: int, data: dict) -> Fact:
    value = data["value"]
    value_ref = None
    if isinstance(value, str):
        match = WIKILINK_VALUE.match(value.strip())
        if match:
            value_ref = match.group(1)
    elif isinstance(value, dt.date):
        value = parse_date(value)
    path = ("facts", index)
    sources = []
    if data.get("source") is not None:
        sources.append(FactSource(str(data["source"]).strip(), data.get("quote"), path + ("source",), path + ("quote",)))
    for number, item in enumerate(data.get("sources") or []):
        item_path = path + ("sources", number)
        sources.append(FactSource(str(item["source"]).strip(), item.get("quote"), item_path + ("source",), item_path + ("quote",)))
    return Fact(
        entity_id=entity_id,
        index=index,
        claim=data["claim"].strip(),
        value=value,
        value_ref=value_ref,
        date=parse_date(data["date"]) if data.get("date") is not None else None,
        start=parse_date(data["start"]) if data.get("start") is not None else None,
        end=parse_date(data["end"]) if data.get("end") is not None else None,
        sources=sources,
        rank=data.get("rank") or "normal",
        reason=data.get("reason") or "",
        note=data.get("note") or "",
    )


def as_day(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def check_facts(entity: Entity, diagnostics: Diagnostics) -> None:
    """Checks within one fact: time fields that exclude each other, quotes without a source."""
    for fact in entity.facts:
        path = ("facts", fact.index)
        raw = entity.doc.value["facts"][fact.index]
        if fact.date is not None and (fact.start is not None or fact.end is not None):
            diagnostics.error(position(entity, path + ("date",)), "fact.time", "a fact has either 'date' or 'start'/'end', not both")
        if fact.start and fact.end and as_day(fact.end) < as_day(fact.start):
            diagnostics.error(position(entity, path + ("end",)), "fact.time", f"'end' ({fact.end}) is before 'start' ({fact.start})")
        if "quote" in raw and "source" not in raw:
            diagnostics.error(position(entity, path + ("quote",), key=True), "fact.quote", "a quote needs a 'source' to be checked against")
        if "source" in raw and "sources" in raw:
            diagnostics.error(position(entity, path + ("sources",), key=True), "fact.source", "use either 'source' or 'sources', not both")


def build_article(source: SourceDoc, diagnostics: Diagnostics) -> Article | None:
    if not mapping_document(source, "the front matter", diagnostics):
        return None
    if not validate("article", source.doc, source.rel_path, diagnostics):
        return None
    data = source.doc.value
    return Article(
        id=file_id(source.rel_path),
        rel_path=source.rel_path,
        title=data["title"].strip(),
        date=parse_date(data["date"]),
        updated=parse_date(data["updated"]) if data.get("updated") is not None else None,
        authors=[a for a in as_list(data.get("author")) if a],
        publisher=data.get("publisher") or "",
        url=data.get("url") or "",
        summary=data.get("summary") or "",
        tags=[str(t).strip() for t in data.get("tags") or []],
        about=list(data.get("about") or []),
        mentions=list(data.get("mentions") or []),
        draft=bool(data.get("draft", False)),
        body=source.body,
        body_line=source.body_line,
        doc=source.doc,
    )


def build_page(source: SourceDoc, diagnostics: Diagnostics) -> Page | None:
    if not mapping_document(source, "the front matter", diagnostics):
        return None
    if not validate("page", source.doc, source.rel_path, diagnostics):
        return None
    data = source.doc.value
    page_id = file_id(source.rel_path)
    if page_id in RESERVED_PAGE_IDS or page_id == "index":
        diagnostics.error(position(source), "id.reserved", f"a free page cannot be called '{page_id}': that URL is used by sitegen")
        return None
    return Page(
        id=page_id,
        rel_path=source.rel_path,
        title=data["title"].strip(),
        summary=data.get("summary") or "",
        weight=data.get("weight", 0),
        draft=bool(data.get("draft", False)),
        body=source.body,
        body_line=source.body_line,
        doc=source.doc,
    )


def file_model(source: SourceDoc) -> tuple[Article | Entity | Page | None, list[Diagnostic]]:
    """The model object of a loaded article, free page or fact sheet, and
    the problems found in the file alone (what `assemble` keeps per file)."""
    local = Diagnostics()
    builder = {"article": build_article, "page": build_page}.get(source.role, build_entity)
    return builder(source, local), local.items


def assemble(root: str, sources: list[SourceDoc], diagnostics: Diagnostics, drafts: bool = False, models: dict | None = None) -> Site:
    """Builds the site model from parsed files and checks cross-file rules.

    `models` keeps each file's model object between builds, keyed by path and
    content digest, so unchanged files are not validated again.
    """
    models = {} if models is None else models
    used: set[tuple[str, str]] = set()

    def model_of(source: SourceDoc):
        key = (source.rel_path, source.digest)
        used.add(key)
        if key not in models:
            models[key] = file_model(source)
        model, problems = models[key]
        diagnostics.extend(problems)
        return model

    config_source = next((s for s in sources if s.role == "config"), None)
    config = build_config(config_source, diagnostics)
    site = Site(root=root, config=config, articles={}, entities={}, pages={}, static_files=[])
    claimed: dict[str, str] = {}  # id, case-folded → the file that has it
    by_lower_path: dict[str, list[str]] = defaultdict(list)
    for source in sources:
        by_lower_path[source.rel_path.lower()].append(source.rel_path)
    for source in sorted(sources, key=lambda s: s.rel_path):
        if source.role == "config":
            continue
        ident = file_id(source.rel_path)
        namespace = "page" if source.role == "page" else ("article" if source.role == "article" else "entity")
        folded = f"{namespace}:{ident.lower()}"
        if source.doc is None:
            # Unreadable: its own error says why; references to it are not "unknown".
            claimed.setdefault(folded, source.rel_path)
            continue
        if not check_id(source, diagnostics, [p for p in by_lower_path[source.rel_path.lower()] if p != source.rel_path]):
            continue
        if folded in claimed:
            diagnostics.error(
                Position(source.rel_path, 1, 1),
                "id.duplicate",
                f"duplicate id '{ident}': {claimed[folded]} has it already",
            )
            model_of(source)  # the file is left out, but its own problems are still reported
            continue
        if source.role == "article":
            article = model_of(source)
            if article is None:
                continue
            claimed[folded] = source.rel_path
            if article.draft and not drafts:
                continue
            site.articles[article.id] = article
        elif source.role == "page":
            page = model_of(source)
            if page is not None and (drafts or not page.draft):
                claimed[folded] = source.rel_path
                site.pages[page.id] = page
        else:
            entity = model_of(source)
            claimed[folded] = source.rel_path
            if entity is not None:
                site.entities[entity.id] = entity
    for stale in set(models) - used:
        del models[stale]
    site.failed_entities = {key.split(":", 1)[1] for key in claimed if key.startswith("entity:")} - {e.lower() for e in site.entities}
    site.claimed = claimed
    check_references(site, claimed, diagnostics)
    return site


def revalidate(source: SourceDoc, previous: Article | Entity, models: dict, diagnostics: Diagnostics) -> Article | Entity | None:
    """The new model of an article or fact sheet edited in place, or None when
    the edit changes more than the file itself: it no longer loads, or it
    changes what other files are checked and linked with (an entity's names,
    an article's draft flag). The caller then assembles the whole site again.

    Reports the file's own problems; the caller checks its references.
    """
    if source.doc is None or not check_id(source, diagnostics):
        return None
    key = (source.rel_path, source.digest)
    if key not in models:
        models[key] = file_model(source)
    model, problems = models[key]
    diagnostics.extend(problems)
    if model is None or type(model) is not type(previous) or model.id != previous.id:
        return None
    if isinstance(model, Article) and model.draft != previous.draft:
        return None
    if isinstance(model, Entity) and (model.kind, model.name, model.aliases, model.autolink) != (previous.kind, previous.name, previous.aliases, previous.autolink):
        return None
    return model


def check_references(site: Site, claimed: dict[str, str], diagnostics: Diagnostics) -> None:
    """Every entity id an article or fact sheet names must exist (and be of the right kind)."""
    checker = ReferenceChecker(site, claimed)
    # Failed references are only reported, never removed: each is an error,
    # so nothing is rendered from them, and the loaded objects stay as their
    # files say (they are reused by later builds while the files are unchanged).
    for article in site.articles.values():
        checker.check_article(article, diagnostics)
    for entity in site.entities.values():
        checker.check_entity(entity, diagnostics)
    for page in site.pages.values():
        checker.check_page(page, diagnostics)


INLINE_WIKILINK = re.compile(r"\[\[([^\[\]]+)\]\]")


class ReferenceChecker:
    """Checks the references of one file's model against the whole site.

    What it reports about a file depends on that file and on which ids the
    site has, so a rebuild that keeps the ids checks only the files that
    changed.
    """

    def __init__(self, site: Site, claimed: dict[str, str]):
        self.known = site.entities
        self.articles = site.articles
        self.claimed = claimed
        self._names: dict[str, str] | None = None

    def names(self) -> dict[str, str]:
        """Case-folded name or alias → entity id (for hints only, so made when first needed)."""
        if self._names is None:
            self._names = {}
            for entity in self.known.values():
                for name in (entity.name, *entity.aliases):
                    self._names.setdefault(name.casefold(), entity.id)
        return self._names

    def check(self, owner, path: tuple, target: str, kind: str | None, diagnostics: Diagnostics) -> bool:
        known = self.known
        if target in known:
            if kind and known[target].kind != kind:
                diagnostics.error(
                    position(owner, path),
                    "ref.kind",
                    f"'{target}' is {KIND_SINGULAR[known[target].kind]}, but this field takes {kind}",
                )
                return False
            return True
        if f"entity:{target.lower()}" in self.claimed:
            return False  # the target exists but failed to load; its own error says why
        diagnostics.error(position(owner, path), "ref.unknown", f"unknown entity '{target}'{did_you_mean(target, known)}")
        return False

    def check_article(self, article: Article, diagnostics: Diagnostics) -> None:
        for field in reference_fields("article"):
            for i, target in enumerate(getattr(article, field)):
                self.check(article, (field, i), target, None, diagnostics)

    def check_entity(self, entity: Entity, diagnostics: Diagnostics) -> None:
        fields = reference_fields(KIND_SINGULAR[entity.kind])
        for field, targets in entity.relations.items():
            single = not isinstance(entity.doc.value.get(field), list)
            for i, target in enumerate(targets):
                path = (field,) if single else (field, i)
                if target == entity.id:
                    diagnostics.error(position(entity, path), "ref.self", f"'{field}' refers to the entity itself")
                else:
                    self.check(entity, path, target, fields.get(field), diagnostics)
        for fact in entity.facts:
            if fact.value_ref is not None:
                self.check(entity, ("facts", fact.index, "value"), fact.value_ref, None, diagnostics)
        self.check_entity_inline_links(entity, diagnostics)
        self.check_sources(entity, diagnostics)

    def check_sources(self, entity: Entity, diagnostics: Diagnostics) -> None:
        for fact in entity.facts:
            for source in fact.sources:
                if source.is_url or source.source in self.articles:
                    continue
                if f"article:{source.source.lower()}" in self.claimed:
                    diagnostics.warning(
                        position(entity, source.source_path),
                        "source.draft",
                        f"source '{source.source}' is a draft, built only with --drafts",
                    )
                    continue
                diagnostics.error(
                    position(entity, source.source_path),
                    "source.unknown",
                    f"unknown article '{source.source}'{did_you_mean(source.source, self.articles)}",
                )

    def scan(self, text: str, at, diagnostics: Diagnostics) -> None:
        """`[[id]]` links in summaries, descriptions, fact values and free pages
        must name an entity by its id (article bodies, which also take names and
        aliases, are checked when they are linked)."""
        for match in INLINE_WIKILINK.finditer(text):
            target = match.group(1).partition("|")[0].strip()
            if target in self.known or f"entity:{target.lower()}" in self.claimed:
                continue
            names = self.names()
            hint = f" (link by id: [[{names[target.casefold()]}]])" if target.casefold() in names else did_you_mean(target, self.known)
            diagnostics.error(at(match.start()), "ref.unknown", f"unknown entity '{target}' in [[...]]{hint}")

    def check_entity_inline_links(self, entity: Entity, diagnostics: Diagnostics) -> None:
        for field in ("summary", "description"):
            text = entity.doc.value.get(field)
            if isinstance(text, str):
                self.scan(text, lambda _, field=field: position(entity, (field,)), diagnostics)
        for fact in entity.facts:
            if isinstance(fact.value, str) and not WIKILINK_VALUE.match(fact.value.strip()):
                self.scan(fact.value, lambda _, fact=fact: position(entity, ("facts", fact.index, "value")), diagnostics)

    def check_page(self, page: Page, diagnostics: Diagnostics) -> None:
        def at(offset: int) -> Position:
            line = page.body.count("\n", 0, offset)
            column = offset - (page.body.rfind("\n", 0, offset) + 1) + 1
            return Position(page.rel_path, page.body_line + line, column)

        self.scan(page.body, at, diagnostics)
