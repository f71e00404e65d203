"""The build: runs load → validate → link → render → write over a site.

`Builder` keeps what it parsed between runs (keyed by each file's content
digest), so `serve` and `build --watch` re-read only changed files. It
never prints; callers get a `BuildResult` with the diagnostics.
"""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import jinja2

from sitegen.data import facts_json, graph_json
from sitegen.diagnostics import ERROR, WARNING, Diagnostic, Diagnostics, Position
from sitegen.link import Graph, link_site
from sitegen.load import SourceDoc, discover, load_source, role_of, walk_files
from sitegen.model import Site
from sitegen.render import PagePlan, Shaper, builtin_templates, make_environment, plan_pages, render_page
from sitegen.validate import assemble
from sitegen.write import OutputError, WriteResult, check_output_folder, replace_output, update_output

Progress = Callable[[str, int, int], None]


@dataclass
class BuildResult:
    """What one build did and found."""

    diagnostics: list[Diagnostic]
    files: dict[str, bytes] = field(default_factory=dict)
    """Every output file, path → bytes (empty when the build stopped on errors)."""
    write: WriteResult | None = None
    seconds: float = 0.0
    graph: Graph | None = None

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
    source: SourceDoc
    diagnostics: list[Diagnostic]
    mtime_ns: int
    size: int


class Builder:
    """Builds one site folder, remembering parsed files between builds."""

    def __init__(self, root: Path, base_url: str | None = None, drafts: bool = False):
        self.root = root
        self.base_url = base_url
        self.drafts = drafts
        self._parsed: dict[str, _Parsed] = {}

    # -- load ---------------------------------------------------------------

    def read_sources(self, diagnostics: Diagnostics) -> list[SourceDoc]:
        """Every source, re-parsing only files whose size, time or bytes changed."""
        paths = discover(self.root)
        for stale in set(self._parsed) - set(paths):
            del self._parsed[stale]
        sources = []
        for rel in paths:
            full = self.root / rel
            try:
                stat = full.stat()
            except OSError as err:
                diagnostics.error(Position(rel, 1, 1), "io", f"cannot read the file: {err.strerror or err}")
                continue
            cached = self._parsed.get(rel)
            if cached is None or cached.mtime_ns != stat.st_mtime_ns or cached.size != stat.st_size:
                try:
                    data = full.read_bytes()
                except OSError as err:
                    diagnostics.error(Position(rel, 1, 1), "io", f"cannot read the file: {err.strerror or err}")
                    continue
                local = Diagnostics()
                if cached is not None and cached.source.digest == _sha(data):
                    cached.mtime_ns, cached.size = stat.st_mtime_ns, stat.st_size
                else:
                    source = load_source(self.root, rel, role_of(rel), data, local)
                    cached = _Parsed(source, local.items, stat.st_mtime_ns, stat.st_size)
                    self._parsed[rel] = cached
            diagnostics.extend(cached.diagnostics)
            sources.append(cached.source)
        return sources

    def load(self, diagnostics: Diagnostics) -> Site:
        site = assemble(str(self.root), self.read_sources(diagnostics), diagnostics, drafts=self.drafts)
        if self.base_url is not None:
            site.config.base_url = self.base_url
        site.static_files = walk_files(self.root, "static")
        return site

    # -- whole pipeline -------------------------------------------------------

    def check(self) -> BuildResult:
        """Load, validate and link; writes nothing."""
        started = time.perf_counter()
        diagnostics = Diagnostics()
        site = self.load(diagnostics)
        graph = link_site(site, diagnostics)
        report_unmentioned(graph, diagnostics)
        return BuildResult(diagnostics.sorted(), seconds=time.perf_counter() - started, graph=graph)

    def render(self, progress: Progress | None = None) -> BuildResult:
        """Everything but writing: the output files as bytes, or the diagnostics."""
        started = time.perf_counter()
        diagnostics = Diagnostics()
        site = self.load(diagnostics)
        graph = link_site(site, diagnostics)
        result = BuildResult([], graph=graph)
        if diagnostics.error_count == 0:
            result.files = self.render_files(graph, diagnostics, progress)
        result.diagnostics = diagnostics.sorted()
        if result.errors:
            result.files = {}
        result.seconds = time.perf_counter() - started
        return result

    def render_files(self, graph: Graph, diagnostics: Diagnostics, progress: Progress | None) -> dict[str, bytes]:
        try:
            env = make_environment(self.root)
        except jinja2.TemplateError as err:  # pragma: no cover - environment creation does not parse
            diagnostics.error(Position("templates", 1, 1), "template", str(err))
            return {}
        shaper = Shaper(graph, env)
        plans = plan_pages(graph, shaper)
        files: dict[str, bytes] = {}
        failed_templates: set[str] = set()
        for number, plan in enumerate(plans, 1):
            if plan.template in failed_templates:
                continue
            try:
                files[plan.output] = render_page(env, shaper, plan)
            except jinja2.TemplateError as err:
                failed_templates.add(plan.template)
                diagnostics.items.append(self.template_diagnostic(err, plan))
            if progress is not None:
                progress("rendering", number, len(plans))
        files["data/facts.json"] = facts_json(graph)
        files["data/graph.json"] = graph_json(graph)
        files.update(self.asset_files(diagnostics))
        return files

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
            except OSError as err:
                diagnostics.error(Position(rel, 1, 1), "io", f"cannot read the file: {err.strerror or err}")
        return files

    def template_diagnostic(self, err: jinja2.TemplateError, plan: PagePlan) -> Diagnostic:
        filename, line = None, 1
        if isinstance(err, jinja2.TemplateSyntaxError):
            filename, line = err.filename, err.lineno or 1
        else:
            for frame in reversed(traceback.extract_tb(err.__traceback__)):
                if frame.filename.endswith((".html", ".xml", ".txt")):
                    filename, line = frame.filename, frame.lineno or 1
                    break
        path = plan.template
        if filename:
            try:
                path = Path(filename).resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                path = filename
        message = getattr(err, "message", None) or str(err)
        return Diagnostic(Position(path, line, 1), ERROR, "template", f"template error while making {plan.output}: {message}")


def report_unmentioned(graph: Graph, diagnostics: Diagnostics) -> None:
    for entity in graph.site.entities.values():
        if entity.id not in graph.mentions:
            diagnostics.warning(Position(entity.rel_path, 1, 1), "entity.unmentioned", f"no article mentions '{entity.id}'")


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def build(root: Path, out_dir: Path, base_url: str | None = None, drafts: bool = False, strict: bool = False, progress: Progress | None = None) -> BuildResult:
    """A full build into `out_dir`; the output is replaced only when the build succeeds."""
    builder = Builder(root, base_url, drafts)
    try:
        check_output_folder(root, out_dir)
    except OutputError as err:
        return BuildResult([Diagnostic(Position(str(out_dir), 1, 1), ERROR, "output", str(err))])
    result = builder.render(progress)
    if result.failed(strict):
        result.files = {}
        return result
    try:
        result.write = replace_output(out_dir, result.files)
    except OutputError as err:
        result.diagnostics.append(Diagnostic(Position(str(out_dir), 1, 1), ERROR, "output", str(err)))
    return result
