"""The build: runs load → validate → link → render → write over a site.

`Builder` keeps what it parsed between runs (keyed by each file's content
digest), so `serve` and `build --watch` re-read only changed files. It
never prints; callers get a `BuildResult` with the diagnostics.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import jinja2

from sitegen.bodystore import BodyStore
from sitegen.cache import BuildCache, file_digest, input_files, input_fingerprint
from sitegen.data import facts_json_parts, graph_json_parts
from sitegen.diagnostics import ERROR, WARNING, Diagnostic, Diagnostics, Position, by_path
from sitegen.deps import RecordingShaper, key_digests, update_digests
from sitegen.link import Graph, LinkChanges, LinkMemo, link_site, relink
from sitegen.memory import gc_paused, return_free_memory
from sitegen.load import SourceDoc, discover, load_source, marks_to_reread, role_of, walk_files
from sitegen.model import KINDS, Article, Entity, Site
from sitegen.parallel import Workers, map_handed, map_shared
from sitegen.search import index_files
from sitegen.render import PagePlan, Shaper, builtin_templates, make_environment, plan_pages
from sitegen.validate import ReferenceChecker, assemble, file_id, revalidate
from sitegen.yamldoc import YamlDoc
from sitegen.write import OutputError, Staging, StagedFile, WriteResult, check_output_folder

Progress = Callable[[str, int, int], None]
RECENT_NS = 3_000_000_000


@dataclass
class BuildResult:
    """What one build did and found."""

    diagnostics: list[Diagnostic]
    files: dict[str, bytes] = field(default_factory=dict)
    """Output files, path → bytes (empty when the build stopped on errors);
    rendering into a `Staging` leaves the pages out: they are in `staged`."""
    staged: list[StagedFile] = field(default_factory=list)
    """Pages already handed to the `Staging` the build was given."""
    write: WriteResult | None = None
    seconds: float = 0.0
    graph: Graph | None = None
    rendered: list[str] = field(default_factory=list)
    """Pages rendered by this build (the others were unchanged)."""
    removed: set[str] = field(default_factory=set)
    """Pages the previous render made that this one no longer makes."""
    up_to_date: bool = False
    """Nothing had changed since the last build, so nothing was done."""
    source_digests: dict[str, str] = field(default_factory=dict)
    """Site-relative path → SHA-256 of each source as a one-time build read it."""

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == WARNING)

    def failed(self, strict: bool) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


@dataclass
class _Parsed:
    source: SourceDoc | None
    diagnostics: list[Diagnostic]
    mtime_ns: int
    size: int


@dataclass
class _Update:
    """A linked graph and what was found on the way, per file."""

    graph: Graph
    changes: LinkChanges | None
    """What `relink` made anew; None when everything was linked."""
    file_problems: dict[str, list[Diagnostic]]
    """Path → what loading and validating found in it."""
    link_problems: dict[str, list[Diagnostic]]
    """Path → what linking found in it."""


@dataclass
class _Last:
    """What a successful build leaves for the next one to update."""

    paths: list[str]
    graph: Graph
    file_problems: dict[str, list[Diagnostic]]
    link_problems: dict[str, list[Diagnostic]]


class _SourceDigests:
    """Site-relative path → content digest of each parsed file, read from the parse cache."""

    def __init__(self, parsed: dict[str, _Parsed]):
        self._parsed = parsed

    def get(self, rel: str, default: str | None = None) -> str | None:
        parsed = self._parsed.get(rel)
        return parsed.source.digest if parsed is not None else default


class Builder:
    """Builds one site folder, remembering parsed files between builds."""

    def __init__(self, root: Path, base_url: str | None = None, drafts: bool = False, once: bool = False, store: BodyStore | None = None, workers: Workers | None = None):
        """`once`: the builder renders one time only (`sitegen build`), so it
        does not record what each page read, which only later renders use;
        a `store` then holds the linked bodies instead of memory.
        `workers` render the pages and index them for search (by default,
        workers are forked when there are pages enough)."""
        self.root = root
        self.workers = workers
        self.base_url = base_url
        self.drafts = drafts
        self.once = once
        self.store = store if once else None
        self._parsed: dict[str, _Parsed] = {}
        self._listing: tuple[list[str], Diagnostics] | None = None
        """The sources found by the last full look at the site, and what that found wrong."""
        self._models: dict = {}
        """(path, digest) → the file's validated model object and its problems."""
        # State of the previous render, for rebuilding only what changed:
        self._link_memo = LinkMemo()
        self._text_signature: int | None = None
        self._env: jinja2.Environment | None = None
        self._theme: tuple = ()
        self._page_keys: dict[str, frozenset[str]] = {}
        """Output path → the keys its page read when it was last rendered."""
        self._digests: dict[str, int] = {}
        self._outputs: set[str] = set()
        self._data_files: dict[str, bytes] = {}
        self._plans: list[PagePlan] = []
        self._plan_index: dict[str, int] = {}
        """Output path → its place in `_plans`."""
        self._deferred_pages: set[str] = set()
        """Pages a deferring render left to the next one."""
        self._deferred_data: set[str] = set()
        self._cards: tuple[dict, dict] = ({}, {})
        """The entity and article cards of the last render (see `Shaper`)."""
        self._made: dict[str, bytes] = {}
        """The data files and assets of the last render."""
        """Data files a deferring render left to the next one."""
        self._last: _Last | None = None
        """The last successful build, which the next one updates when it can."""
        self._last_texts: Graph | None = None
        """The graph whose linked bodies the next full link may reuse."""
        self._pages_by_key: dict[str, set[str]] = {}
        """Key → outputs whose page read it (the reverse of `_page_keys`)."""
        """Every file the previous render made."""

    # -- load ---------------------------------------------------------------

    def refresh(self, changed: set[str] | None) -> tuple[list[str], Diagnostics, dict[str, str | None]]:
        """Brings the parsed files up to date: (every source path, what listing
        them found wrong, path → digest before for each file parsed anew)."""
        if changed is not None and self._listing is not None and all(self.edited_in_place(rel) for rel in changed):
            paths, found = self._listing
            looked_at = [rel for rel in changed if rel in self._parsed]
        else:
            found = Diagnostics()
            paths = discover(self.root, found)
            self._listing = (paths, found)
            looked_at = paths
        reparsed: dict[str, str | None] = {}
        for stale in set(self._parsed) - set(paths):
            del self._parsed[stale]
        now = time.time_ns()
        to_read = []
        root = str(self.root)
        for rel in looked_at:
            cached = self._parsed.get(rel)
            try:
                stat = os.stat(os.path.join(root, rel))
            except OSError:
                to_read.append(rel)  # reading it reports the problem
                continue
            # A file written twice within the file system's clock tick keeps its
            # time and maybe its size, so recent files are compared by content.
            recent = now - stat.st_mtime_ns < RECENT_NS
            if cached is None or recent or cached.mtime_ns != stat.st_mtime_ns or cached.size != stat.st_size:
                to_read.append(rel)
        for rel, parsed in zip(to_read, map_shared(_read_source, (self.root, self._digests_of(to_read), not self.once), to_read)):
            if parsed.source is None:  # same bytes as before: the earlier parse stands
                self._parsed[rel].mtime_ns, self._parsed[rel].size = parsed.mtime_ns, parsed.size
            else:
                before = self._parsed.get(rel)
                reparsed[rel] = before.source.digest if before is not None else None
                self._parsed[rel] = parsed
        return paths, found, reparsed

    def edited_in_place(self, rel: str) -> bool:
        """Whether a change to `rel` leaves the list of sources as it was: a
        known source still there, or a theme or static file."""
        if rel.startswith(("templates/", "static/")):
            return True
        path = self.root / rel
        if path.is_symlink() or not path.is_file():
            return False  # gone, a folder, or a link: the sources are listed again
        return rel in self._parsed or role_of(rel) is None

    def _digests_of(self, paths: list[str]) -> dict[str, str]:
        return {rel: self._parsed[rel].source.digest for rel in paths if rel in self._parsed}

    def load(self, diagnostics: Diagnostics, changed: set[str] | None = None) -> Site:
        """The whole site, validated (re-parsing only what changed; see `refresh`)."""
        paths, listed, _ = self.refresh(changed)
        return self.assemble(paths, listed, diagnostics)

    def assemble(self, paths: list[str], listed: Diagnostics, diagnostics: Diagnostics) -> Site:
        diagnostics.extend(listed.items)
        sources = []
        for rel in paths:
            cached = self._parsed.get(rel)
            if cached is not None:
                diagnostics.extend(cached.diagnostics)
                sources.append(cached.source)
        site = assemble(str(self.root), sources, diagnostics, drafts=self.drafts, models=self._models)
        if self.base_url is not None:
            site.config.base_url = self.base_url
        site.static_files = walk_files(self.root, "static")
        return site

    def update(self, paths: list[str], reparsed: dict[str, str | None]) -> _Update | None:
        """The last build's graph updated for files edited in place, or None
        when the edits need the whole site loaded and linked again (a file
        added, removed or broken; names, ids, drafts or the config changed;
        the last build failed)."""
        last = self._last
        if last is None or paths != last.paths:
            return None
        site = last.graph.site
        articles, entities = dict(site.articles), dict(site.entities)
        changed: dict[str, Article | Entity] = {}
        file_problems = dict(last.file_problems)
        for rel, digest_before in reparsed.items():
            source = self._parsed[rel].source
            if source.role != "article" and source.role not in KINDS:
                return None  # the config or a free page
            previous = (articles if source.role == "article" else entities).get(file_id(rel))
            if previous is None or previous.rel_path != rel or digest_before is None:
                return None
            found = Diagnostics()
            found.extend(self._parsed[rel].diagnostics)
            model = revalidate(source, previous, self._models, found)
            if model is None:
                return None
            self._models.pop((rel, digest_before), None)
            (articles if source.role == "article" else entities)[model.id] = model
            changed[rel] = model
            file_problems[rel] = found.items
        new_site = dataclasses.replace(site, articles=articles, entities=entities, static_files=walk_files(self.root, "static"))
        checker = ReferenceChecker(new_site, new_site.claimed)
        for rel, model in changed.items():
            found = Diagnostics(list(file_problems[rel]))
            (checker.check_article if isinstance(model, Article) else checker.check_entity)(model, found)
            if found.error_count:
                return None
            file_problems[rel] = found.items
        graph, changes = relink(
            last.graph,
            new_site,
            {m.id for m in changed.values() if isinstance(m, Article)},
            {m.id for m in changed.values() if isinstance(m, Entity)},
            self._link_memo,
        )
        link_problems = {**last.link_problems, **changes.diagnostics}
        if any(d.severity == ERROR for items in changes.diagnostics.values() for d in items):
            return None
        return _Update(graph, changes, file_problems, link_problems)

    # -- whole pipeline -------------------------------------------------------

    def check(self) -> BuildResult:
        """Load, validate and link; writes nothing."""
        started = time.perf_counter()
        diagnostics = Diagnostics()
        site = self.load(diagnostics)
        graph = link_site(site, diagnostics)
        report_unmentioned(graph, diagnostics)
        return BuildResult(diagnostics.sorted(), seconds=time.perf_counter() - started, graph=graph)

    def render(self, progress: Progress | None = None, staging: Staging | None = None, changed: set[str] | None = None, defer: bool = False, budget: Callable[[], bool] | None = None, extra: Callable[[Graph, Progress | None], Iterable[tuple[str, bytes]]] | None = None) -> BuildResult:
        """Everything but committing the output: the output files as bytes, or the diagnostics.

        After the first call, only pages whose dependencies changed since the
        previous call are rendered again; `result.files` then holds just those
        (plus the data files and assets whose bytes changed), and
        `result.removed` what is no longer made.
        With a `staging`, pages are staged as they are rendered instead of
        being kept in `result.files` (see `result.staged`). `changed` is a
        hint from a file watcher (see `refresh`).

        With `defer`, only the pages whose subject changed are rendered; the
        pages that list or draw it, and the data files, wait for the next
        call (see `deferred`): a live preview shows the saved page first.
        With a `budget` (asked between pages whether to go on), rendering
        stops once it says no, and the pages left wait for the next call too,
        so that a save never waits long behind them.

        `extra` makes more output files from the linked graph (the search
        index), before the pages; its files join `result.files`.
        """
        with gc_paused():
            return self._render(progress, staging, changed, defer, budget, extra)

    @property
    def deferred(self) -> bool:
        """Whether the last render succeeded and left pages or data files for
        the next one (after a failed render they wait for a good one)."""
        return self._last is not None and bool(self._deferred_pages or self._deferred_data)

    def _render(self, progress: Progress | None, staging: Staging | None, changed: set[str] | None, defer: bool, budget: Callable[[], bool] | None, extra: Callable[[Graph, Progress | None], Iterable[tuple[str, bytes]]] | None) -> BuildResult:
        started = time.perf_counter()
        paths, listed, reparsed = self.refresh(changed)
        update = self.update(paths, reparsed)
        digests = None  # a one-time build's bodies and fact sheets are read again by these
        if update is None:
            file_problems = Diagnostics()
            site = self.assemble(paths, listed, file_problems)
            if self.once:
                digests = {rel: parsed.source.digest for rel, parsed in self._parsed.items() if parsed.source is not None}
                self.release_parses(site, digests)
            link_problems = Diagnostics()
            graph = link_site(site, link_problems, texts=self.reusable_texts(site), memo=self._link_memo, store=self.store, body_digests=digests, workers=self.workers)
            update = _Update(graph, None, by_path(file_problems.items), by_path(link_problems.items))
        diagnostics = Diagnostics([d for problems in (update.file_problems, update.link_problems) for items in problems.values() for d in items])
        result = BuildResult([], graph=update.graph, source_digests=digests or {})
        if diagnostics.error_count == 0:
            if self.once:
                self.release_sources(update.graph)
            made = self.hand_over(extra(update.graph, progress) if extra is not None else (), staging, result)
            result.files = self.render_files(update, diagnostics, progress, result, staging, defer, budget)
            result.files.update(made)
        result.diagnostics = diagnostics.sorted()
        if result.errors:
            result.files, result.staged = {}, []
            result.removed = set()
            self._last = None
        else:
            self.commit_state(paths, update)
        result.seconds = time.perf_counter() - started
        return result

    def release_parses(self, site: Site, digests: dict[str, str]) -> None:
        """Lets go of what only loading and checking read: the parses and
        the positions of the articles' YAML nodes (linking reports a body's
        problems by its first line), and those of the fact sheets' nodes
        until linking asks for one (see `marks_to_reread`). A one-time build
        links from the models alone. `digests`: path → digest of each file parsed."""
        for entity in site.entities.values():
            entity.doc = marks_to_reread(self.root, entity.rel_path, digests[entity.rel_path])
        self._parsed.clear()
        self._models.clear()
        self._listing = None
        for article in site.articles.values():
            article.doc = YamlDoc(None)
        return_free_memory()

    def release_sources(self, graph: Graph) -> None:
        """Lets go of what only linking read: the positions of the fact
        sheets' YAML nodes, what each body's linking worked out beside its
        mentions (see `ArticleText.forget_linking`) and the link stage's
        indexes. A one-time build renders from the graph alone.
        """
        self._link_memo = LinkMemo()  # the indexes and counts a later update would start from
        for entity in graph.site.entities.values():
            entity.doc = YamlDoc(None)
        for text in graph.texts.values():
            text.forget_linking()
        return_free_memory()

    def reusable_texts(self, site: Site) -> dict:
        """Linked bodies of the last build that are still valid: same body
        and the same names, link settings and URLs to link with."""
        last = self._last_texts
        if last is None or self.link_signature(site) != self._text_signature:
            return {}
        old = last.site.articles
        return {
            article_id: text
            for article_id, text in last.texts.items()
            if article_id in site.articles and article_id in old and site.articles[article_id].body == old[article_id].body
        }

    @staticmethod
    def link_signature(site: Site) -> int:
        config = site.config
        names = tuple(sorted((e.id, e.kind, e.name, tuple(e.aliases), e.autolink) for e in site.entities.values()))
        return hash((names, config.base_path, config.autolink, config.raw_html))

    def commit_state(self, paths: list[str], update: _Update) -> None:
        """Keeps what the next build starts from: this one succeeded."""
        if update.changes is None:  # `update` keeps the names, so the signature stands
            self._text_signature = self.link_signature(update.graph.site)
        self._last = _Last(paths, update.graph, update.file_problems, update.link_problems)
        self._last_texts = update.graph

    def source_digests(self) -> "_SourceDigests":
        return _SourceDigests(self._parsed)

    def theme_signature(self) -> tuple:
        """Every template and theme asset with a digest of its bytes: a change re-renders everything."""
        entries = []
        for base in (builtin_templates(), self.root / "templates"):
            if base.is_dir():
                for path in sorted(base.rglob("*")):
                    if path.is_file():
                        try:
                            entries.append((str(path), _sha(path.read_bytes())))
                        except FileNotFoundError:
                            continue  # deleted since the folder was listed; its deletion brings another rebuild
        return tuple(entries)

    def render_files(self, update: _Update, diagnostics: Diagnostics, progress: Progress | None, result: "BuildResult", staging: Staging | None = None, defer: bool = False, budget: Callable[[], bool] | None = None) -> dict[str, bytes]:
        graph = update.graph
        theme = self.theme_signature()
        if theme != self._theme or self._env is None:
            # Named fallback: a template or theme asset changed, so every page
            # is rendered again (templates include each other).
            self._env = make_environment(self.root)
            self._theme = theme
            self._page_keys = {}
        env = self._env
        changes = update.changes
        if changes is None:
            self._cards = ({}, {})
        else:  # an update keeps names and URLs: only the cards of what changed are made again
            for entity_id in changes.entities:
                self._cards[0].pop(entity_id, None)
            for article_id in changes.articles:
                self._cards[1].pop(article_id, None)
        shaper = Shaper(graph, env) if self.once else RecordingShaper(graph, env, self._cards)
        previous_keys, previous_digests = self._page_keys, self._digests
        if self.once:
            digests, changed_keys = {}, set()  # every page is rendered, and no later build compares
        elif changes is None:
            digests = key_digests(graph, self.source_digests())
            changed_keys = {k for k, v in digests.items() if previous_digests.get(k) != v}
            changed_keys.update(set(previous_digests) - set(digests))
        else:
            digests, changed_keys = update_digests(graph, changes, self.source_digests(), previous_digests, self._last.graph)
        replan = changes is None or changes.order or changes.tags or not self._plans or not previous_keys
        if replan:
            self._plans = plans = plan_pages(graph)
            self._plan_index = {plan.output: index for index, plan in enumerate(plans)}
            outputs = hash(tuple(self._plan_index))
            if digests.get("outputs") != outputs:
                changed_keys.add("outputs")
            digests["outputs"] = outputs
        stale_outputs = {output for key in changed_keys for output in self._pages_by_key.get(key, ())}
        if replan:
            page_keys = {plan.output: previous_keys[plan.output] for plan in plans if plan.output in previous_keys}
            dirty = [index for index, plan in enumerate(plans) if plan.output not in page_keys or plan.output in stale_outputs]
        else:
            # The same pages as the last (successful) build: all have their keys.
            plans, page_keys = self._plans, dict(previous_keys)
            dirty = sorted(self._plan_index[output] for output in stale_outputs)
        dirty = sorted(set(dirty) | {self._plan_index[output] for output in self._deferred_pages if output in self._plan_index})
        if defer:
            waiting = [index for index in dirty if not plans[index].subject & changed_keys]
            self._deferred_pages = {plans[index].output for index in waiting}
            dirty = [index for index in dirty if plans[index].subject & changed_keys]
        else:
            self._deferred_pages = set()
        files: dict[str, bytes] = {}
        failed: dict[tuple, Diagnostic] = {}
        report = (lambda done, total: progress("rendering", done, total)) if progress else None
        rendered = []
        finisher = PageFinisher(self.root, env, staging)
        made: dict[str, bytes] = {}

        def make_data_files() -> None:
            if self.once and staging is not None:  # no later render compares them
                result.staged.extend(self.stage_data_files(graph, staging))
            else:
                made.update(self.data_files(graph, changed_keys, defer or bool(self._deferred_pages)))
            made.update(self.hand_over(self.asset_files(diagnostics).items(), staging, result))

        if budget is None:
            # Pages listing the whole site are the slowest: first, so that
            # none is left for one process while the other has finished.
            dirty.sort(key=lambda index: (bool(plans[index].subject), index))
            # A one-time build's shaper keeps nothing the next render needs,
            # so workers forked late may shape pages themselves.
            pages = map_handed(lambda index: shape_page(shaper, plans[index], self.root), PageFinisher.finish, finisher, dirty, self.workers, progress=report, meanwhile=make_data_files, fork_when_cheap=self.once)
        else:
            # Pages of one article or entity are quick; pages listing the whole
            # site (the article list, the timeline) are not: they come last,
            # so that a save coming in rarely waits behind one.
            dirty.sort(key=lambda index: (not plans[index].subject, index))
            pages = _render_for(budget, shaper, finisher, [plans[index] for index in dirty])
            self._deferred_pages.update(plans[index].output for index in dirty[len(pages) :])
            make_data_files()
        for index, (page, keys, problem) in zip(dirty, pages):
            if problem is not None:
                failed.setdefault((problem.position, problem.message.split(": ", 1)[-1]), problem)
                continue
            output = plans[index].output
            rendered.append(output)
            page_keys[output] = keys
            if isinstance(page, StagedFile):
                result.staged.append(page)
            else:
                files[output] = page
        diagnostics.extend(failed.values())
        result.rendered = sorted(rendered)
        # Data files and assets go out when their bytes changed since the last render.
        files.update({rel: data for rel, data in made.items() if self._made.get(rel) != data})
        if not failed:
            self._made = made
            outputs = set(page_keys) | set(made)
            result.removed = self._outputs - outputs
            self.index_keys(previous_keys, page_keys, [*rendered, *result.removed])
            self._page_keys, self._digests, self._outputs = page_keys, digests, outputs
        return files

    def index_keys(self, previous: dict[str, frozenset[str]], current: dict[str, frozenset[str]], outputs: list[str]) -> None:
        """Keeps `_pages_by_key` (key → the pages that read it) in step with
        the pages' keys, of which only those of `outputs` changed."""
        if not previous:
            self._pages_by_key = {}
            outputs = list(current)
        for output in outputs:
            old, new = previous.get(output, frozenset()), current.get(output, frozenset())
            if old is new:
                continue
            for key in old - new:
                self._pages_by_key[key].discard(output)
            for key in new - old:
                self._pages_by_key.setdefault(key, set()).add(output)

    def hand_over(self, files: Iterable[tuple[str, bytes]], staging: Staging | None, result: BuildResult) -> dict[str, bytes]:
        """`files` (path, bytes), as a dict, or, for a one-time render into a
        staging, nothing: each is staged as it comes (into `result.staged`),
        so that no process holds their bytes while the pages are rendered."""
        if not self.once or staging is None:
            return dict(files)
        result.staged.extend(staging.stage(rel, data) for rel, data in files)
        return {}

    DATA_FILES = {
        "data/facts.json": (facts_json_parts, ("entity:", "checks:", "card:")),
        "data/graph.json": (graph_json_parts, ("card:", "article-entities:", "entity:", "citations:")),
    }
    """Each data file: what makes its bytes (in parts) and the prefixes of
    the keys whose change makes it again."""

    def data_files(self, graph: Graph, changed_keys: set[str], defer: bool = False) -> dict[str, bytes]:
        """data/facts.json and data/graph.json, made again only when what they
        list changed (with `defer`, the last ones stand until the next call)."""
        files = {}
        for output, (make, prefixes) in self.DATA_FILES.items():
            known = output in self._data_files
            if known and output not in self._deferred_data and not any(key.startswith(prefixes) for key in changed_keys):
                pass  # still what the graph says
            elif known and defer:
                self._deferred_data.add(output)
            else:
                self._data_files[output] = b"".join(make(graph))
                self._deferred_data.discard(output)
            files[output] = self._data_files[output]
        return files

    def stage_data_files(self, graph: Graph, staging: Staging) -> list[StagedFile]:
        """The data files of a one-time build, written into `staging` as
        they are made: at 100,000 articles, held whole, they would take
        hundreds of megabytes at the build's busiest moment."""
        return [staging.stage_parts(output, make(graph)) for output, (make, _) in self.DATA_FILES.items()]

    def asset_files(self, diagnostics: Diagnostics) -> dict[str, bytes]:
        """The theme's assets/ (site templates override the built-in ones) and the site's static/."""
        files: dict[str, bytes] = {}
        for base in (builtin_templates(), self.root / "templates"):
            for rel in walk_files(base, "assets"):
                files[rel] = (base / rel).read_bytes()
        for rel in walk_files(self.root, "static"):
            target = rel.removeprefix("static/")
            try:
                files[target] = (self.root / rel).read_bytes()
            except FileNotFoundError:
                continue  # deleted since the folder was listed; its deletion brings another rebuild
            except OSError as err:
                diagnostics.error(Position(rel, 1, 1), "io", f"cannot read the file: {err.strerror or err}")
        return files


def template_diagnostic(root: Path, err: jinja2.TemplateError, template: str, output: str) -> Diagnostic:
    """A template's failure while making `output`, at the template line that failed."""
    filename, line = None, 1
    if isinstance(err, jinja2.TemplateSyntaxError):
        filename, line = err.filename, err.lineno or 1
    else:
        for frame in reversed(traceback.extract_tb(err.__traceback__)):
            if frame.filename.endswith((".html", ".xml", ".txt")):
                filename, line = frame.filename, frame.lineno or 1
                break
    path = template
    if filename:
        try:
            path = Path(filename).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            path = filename
    message = getattr(err, "message", None) or str(err)
    return Diagnostic(Position(path, line, 1), ERROR, "template", f"template error while making {output}: {message}")


class PageFinisher:
    """Renders a page's shaped data with the site's templates and stages
    the bytes: everything that needs no graph, so that a worker can do it
    (it travels there pickled, without its templates: a worker loads its
    own from the same folders)."""

    def __init__(self, root: Path, env: jinja2.Environment, staging: Staging | None):
        self.root, self.env, self.staging = root, env, staging

    def __getstate__(self) -> dict:
        return {"root": self.root, "staging": self.staging}

    def __setstate__(self, state: dict) -> None:
        self.root, self.staging = state["root"], state["staging"]
        self.env = make_environment(self.root)

    def finish(self, shaped: "ShapedPage") -> tuple[bytes | StagedFile | None, frozenset[str] | None, Diagnostic | None]:
        """(The page's bytes, or the staged file when there is a staging;
        the keys it read; a problem)."""
        output, template, context, keys, problem = shaped
        if problem is not None:
            return None, None, problem
        try:
            parts = _encoded_parts(self.env.get_template(template).generate(context))
            first = next(parts, b"")
            if self.staging is None:
                return first + b"".join(parts), keys, None
            following = next(parts, None)
            if following is None:
                return self.staging.stage(output, first), keys, None
            # A page of many megabytes (a large site's timeline) is written
            # as it is made, never held whole, as text and as bytes at once.
            return self.staging.stage_parts(output, itertools.chain((first, following), parts)), keys, None
        except jinja2.TemplateError as err:
            return None, None, template_diagnostic(self.root, err, template, output)


PAGE_PIECES = 1 << 14
"""Pieces of a page's text (Jinja yields one per printed value or run of
markup) encoded and written at a time: a few hundred kilobytes."""


def _encoded_parts(pieces: Iterable[str]) -> Iterator[bytes]:
    """Rendered text as UTF-8, `PAGE_PIECES` pieces at a time (one part for most pages)."""
    pieces = iter(pieces)
    while batch := list(itertools.islice(pieces, PAGE_PIECES)):
        yield "".join(batch).encode("utf-8")


ShapedPage = tuple[str, str, "dict | None", "frozenset[str] | None", "Diagnostic | None"]
"""(output, template, the page's data, the keys it read, a problem)."""


def shape_page(shaper: Shaper, plan: PagePlan, root: Path) -> ShapedPage:
    """One page's data, shaped from the graph (always in the building process)."""
    try:
        context, keys = shaper.shape(lambda: {**plan.context(shaper), "site": shaper.site_data()})
    except jinja2.TemplateError as err:
        return plan.output, plan.template, None, None, template_diagnostic(root, err, plan.template, plan.output)
    return plan.output, plan.template, context, keys, None


def _render_for(budget: Callable[[], bool], shaper: Shaper, finisher: PageFinisher, plans: list[PagePlan]) -> list:
    """Renders pages in this process, in order, while `budget()` says to go on (at least one)."""
    pages = []
    for plan in plans:
        if pages and not budget():
            break
        pages.append(finisher.finish(shape_page(shaper, plan, finisher.root)))
    return pages


def _read_source(shared: tuple[Path, dict[str, str], bool], rel: str) -> _Parsed:
    """Reads and parses one file (in a worker process for large sites).

    When its bytes match the known digest, the result has no source: the
    earlier parse stands. Without `keep_bodies`, an article's body is left
    in its file until it is linked (a one-time build reads each body once).
    """
    root, known_digests, keep_bodies = shared
    diagnostics = Diagnostics()
    try:
        stat = (root / rel).stat()
        data = (root / rel).read_bytes()
    except FileNotFoundError:  # deleted since it was listed: it is just gone
        return _Parsed(SourceDoc(rel, role_of(rel) or "", "", None), [], -1, -1)
    except OSError as err:
        diagnostics.error(Position(rel, 1, 1), "io", f"cannot read the file: {err.strerror or err}")
        return _Parsed(SourceDoc(rel, role_of(rel) or "", "", None), diagnostics.items, -1, -1)
    if known_digests.get(rel) == _sha(data):
        return _Parsed(None, [], stat.st_mtime_ns, stat.st_size)
    source = load_source(root, rel, role_of(rel), data, diagnostics)
    if not keep_bodies and source.role == "article":
        source.body = None
    return _Parsed(source, diagnostics.items, stat.st_mtime_ns, stat.st_size)


def report_unmentioned(graph: Graph, diagnostics: Diagnostics) -> None:
    for entity in graph.site.entities.values():
        if entity.id not in graph.mentions:
            line, column = entity.doc.position(("name",), key=True)
            diagnostics.warning(Position(entity.rel_path, line, column), "entity.unmentioned", f"no article mentions '{entity.id}'")


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _output_problem(out_dir: Path, err: OutputError) -> Diagnostic:
    return Diagnostic(Position(str(out_dir), 1, 1), ERROR, "output", str(err))


def build(root: Path, out_dir: Path, base_url: str | None = None, drafts: bool = False, strict: bool = False, progress: Progress | None = None) -> BuildResult:
    """A full build into `out_dir`; the output is replaced only when the build succeeds.

    When nothing the build reads has changed since the last successful build
    into the same, untouched output folder, it reports that build's
    diagnostics and does nothing else.
    """
    with gc_paused():  # to the end: writing and recording the output make objects beside the whole graph too
        return _build(root, out_dir, base_url, drafts, strict, progress)


def _build(root: Path, out_dir: Path, base_url: str | None, drafts: bool, strict: bool, progress: Progress | None) -> BuildResult:
    started = time.perf_counter()
    try:
        check_output_folder(root, out_dir)
    except OutputError as err:
        return BuildResult([_output_problem(out_dir, err)])
    cache = BuildCache(root)
    options = {"base_url": base_url, "drafts": drafts}
    inputs = input_files(root, builtin_templates())
    cached = cache.lookup(lambda: input_fingerprint(inputs, options), out_dir)
    if cached is not None:
        result = BuildResult(cached, write=WriteResult(), up_to_date=True)
        result.seconds = time.perf_counter() - started
        return result
    try:
        staging = Staging(out_dir)
    except OutputError as err:
        return BuildResult([_output_problem(out_dir, err)])
    # The build reports the digests of the sources it reads; the other
    # inputs (templates, static files, sitegen's code) are read now, before
    # the build does, so that one edited during the build is found changed
    # by the next.
    digests = {(base, rel): file_digest((base, rel)) for base, rel in inputs if base != root or role_of(rel) is None}
    result = BuildResult([])
    try:
        store = BodyStore(staging.scratch())
        # Forked now, while this process is small (see `Workers`).
        workers = Workers()
        try:
            index = functools.partial(index_files, workers=workers)
            result = Builder(root, base_url, drafts, once=True, store=store, workers=workers).render(progress, staging, extra=index)
        finally:
            workers.close()
            store.close()
        if result.failed(strict):
            staging.discard()
            result.files, result.staged = {}, []
            return result
        staged = result.staged + [staging.stage(rel, data) for rel, data in sorted(result.files.items())]
        result.write = staging.commit(staged)
    except OutputError as err:
        staging.discard()
        result.files, result.staged = {}, []
        result.diagnostics.append(_output_problem(out_dir, err))
        return result
    digests.update({(root, rel): digest for rel, digest in result.source_digests.items()})
    cache.store(input_fingerprint(inputs, options, digests), out_dir, result.diagnostics)
    result.seconds = time.perf_counter() - started
    return result
