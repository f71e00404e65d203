"""Incremental rebuilds: what `serve` and `build --watch` re-render after an
edit, and proof that their output always equals a clean build's."""

from __future__ import annotations

import random
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import copy_example, write_site
from sitegen.build import Builder
from sitegen.write import write_output

BASE_URL = "http://127.0.0.1:8000/"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class Session:
    """A long-lived builder writing in place, as `serve` does; with `hints`,
    each rebuild is told which files changed, as a file watcher tells it."""

    def __init__(self, site: Path, out: Path, hints: bool = False):
        self.site = site
        self.out = out
        self.hints = hints
        self.builder = Builder(site, base_url=BASE_URL)
        result = self.builder.render()
        assert not result.errors, result.diagnostics
        write_output(out, result.files)
        self.files = self.snapshot()

    def snapshot(self) -> dict[str, bytes]:
        return {p.relative_to(self.site).as_posix(): p.read_bytes() for p in self.site.rglob("*") if p.is_file()}

    def rebuild(self):
        now = self.snapshot()
        changed = {rel for rel in set(now) | set(self.files) if now.get(rel) != self.files.get(rel)}
        self.files = now
        if not self.hints:
            result = self.builder.render()
            if not result.errors:
                write_output(self.out, result.files, result.removed)
            return result
        # as `serve` does: the pages of what changed first, then the rest
        result = self.builder.render(changed=changed, defer=True)
        # a failed build leaves nothing to finish, or serve would go round and round
        assert not (result.errors and self.builder.deferred)
        if not result.errors:
            write_output(self.out, result.files, result.removed)
            while self.builder.deferred:  # one page at a time, as if another save could come in
                rest = self.builder.render(changed=set(), budget=lambda: False)
                assert rest.rendered or not self.builder.deferred
                assert not rest.errors
                write_output(self.out, rest.files, rest.removed)
                result.rendered += rest.rendered
        return result


def clean_build(site: Path, out: Path):
    result = Builder(site, base_url=BASE_URL).render()
    if not result.errors:
        if out.exists():
            shutil.rmtree(out)
        write_output(out, result.files)
    return result


SMALL_SITE = {
    "sitegen.yaml": "title: Test tracker\n",
    "content/articles/first.md": """
        ---
        title: First report
        date: 2024-03-01
        summary: The first report.
        ---
        Ada Lovelace spoke in London today.

        A paragraph that names nobody at all.
        """,
    "content/articles/second.md": """
        ---
        title: Second report
        date: 2024-03-02
        summary: The second report.
        ---
        London was quiet.
        """,
    "content/people/ada-lovelace.yaml": """
        name: Ada Lovelace
        summary: Mathematician.
        facts:
          - claim: Spoke in
            value: "[[london]]"
            date: 2024-03-01
            source: first
            quote: spoke in London
        """,
    "content/places/london.yaml": """
        name: London
        summary: Capital.
        """,
    "content/people/charles-babbage.yaml": """
        name: Charles Babbage
        summary: Engineer.
        """,
}


@pytest.fixture
def small(tmp_path):
    site = write_site(tmp_path / "site", SMALL_SITE)
    session = Session(site, tmp_path / "out")
    return site, session


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_nothing_changed_renders_nothing(small):
    site, session = small
    result = session.rebuild()
    assert result.rendered == []
    assert result.removed == set()


def test_article_body_edit_renders_one_page(small):
    site, session = small
    edit(site / "content/articles/first.md", "names nobody at all", "names nobody, still")
    result = session.rebuild()
    assert result.rendered == ["articles/first/index.html"]


def test_fact_sheet_edit_renders_its_page_and_the_pages_showing_the_fact(small):
    site, session = small
    edit(site / "content/people/ada-lovelace.yaml", "date: 2024-03-01", "date: 2024-02-29")
    result = session.rebuild()
    # Her page, the article listing the facts that cite it, and the timeline
    # that shows dated facts; London's page shows the relation, not its date.
    assert set(result.rendered) == {
        "people/ada-lovelace/index.html",
        "articles/first/index.html",
        "timeline/index.html",
    }


def test_new_mention_shows_on_the_entity_page(small):
    site, session = small
    edit(site / "content/articles/second.md", "London was quiet.", "London was quiet, said Charles Babbage.")
    result = session.rebuild()
    rendered = set(result.rendered)
    assert {"articles/second/index.html", "people/charles-babbage/index.html", "people/charles-babbage/feed.xml"} <= rendered
    # Unrelated pages stay as they were.
    assert "articles/first/index.html" not in rendered
    assert "people/ada-lovelace/index.html" not in rendered
    page = (session.out / "people/charles-babbage/index.html").read_text()
    assert "/articles/second/" in page and "said Charles Babbage" in page


def test_removed_article_is_removed_from_the_output(small):
    site, session = small
    (site / "content/articles/second.md").unlink()
    result = session.rebuild()
    assert "articles/second/index.html" in result.removed
    assert not (session.out / "articles/second/index.html").exists()
    assert not (session.out / "articles/second").exists()


def test_a_deferring_render_shows_the_edited_page_first(small, tmp_path):
    site, session = small
    edit(site / "content/places/london.yaml", "summary: Capital.", "summary: The capital.")
    first = session.builder.render(defer=True)
    # London's card shows on the pages that list it: those come next
    assert first.rendered == ["places/london/index.html"] and session.builder.deferred
    write_output(session.out, first.files, first.removed)
    rest = session.builder.render(changed=set())
    assert "articles/first/index.html" in rest.rendered and "places/index.html" in rest.rendered
    assert "places/london/index.html" not in rest.rendered and not session.builder.deferred
    write_output(session.out, rest.files, rest.removed)
    clean_build(site, tmp_path / "clean")
    assert tree(session.out) == tree(tmp_path / "clean")


def test_template_change_renders_everything(small, tmp_path):
    site, session = small
    (site / "templates").mkdir()
    from sitegen.render import builtin_templates

    text = (builtin_templates() / "page.html").read_text()
    (site / "templates/page.html").write_text(text + "\n")
    result = session.rebuild()
    assert len(result.rendered) == len([p for p in tree(session.out) if p.endswith((".html", ".xml", ".txt"))])


# --------------------------------------------------------------------------
# random edit sequences


class Editor:
    """Random but valid-or-deliberately-broken edits of a site, as writers make them."""

    def __init__(self, site: Path, rng: random.Random):
        self.site = site
        self.rng = rng
        self.broken: list[tuple[str, callable]] = []
        """Undo actions for edits that break the site, applied later."""
        self.counter = 0

    def entities(self) -> list[Path]:
        return sorted(p for kind in ("people", "places", "events", "organisations") for p in (self.site / "content" / kind).glob("*.yaml"))

    def articles(self) -> list[Path]:
        return sorted((self.site / "content/articles").rglob("*.md"))

    def name_of(self, sheet: Path) -> str:
        for line in sheet.read_text().splitlines():
            if line.startswith("name:"):
                return line.split(":", 1)[1].strip().strip('"')
        return sheet.stem

    def step(self) -> str:
        self.counter += 1
        if self.broken and self.rng.random() < 0.6:
            what, undo = self.broken.pop()
            undo()
            return f"fix {what}"
        action = self.rng.choice(
            ["body", "body", "mention", "unmention", "add_article", "delete_article", "summary", "add_fact", "rename", "add_entity", "break", "retitle", "tag", "move", "redate", "cite", "requote"]
        )
        return getattr(self, action)()

    def body(self) -> str:
        path = self.rng.choice(self.articles())
        path.write_text(path.read_text() + f"\nAn added paragraph number {self.counter}.\n")
        return f"body {path.name}"

    def mention(self) -> str:
        path = self.rng.choice(self.articles())
        name = self.name_of(self.rng.choice(self.entities()))
        path.write_text(path.read_text() + f"\nLater that day {name} was seen again.\n")
        return f"mention {name} in {path.name}"

    def unmention(self) -> str:
        path = self.rng.choice(self.articles())
        lines = path.read_text().split("\n")
        added = [i for i, line in enumerate(lines) if line.startswith("Later that day")]
        if not added:
            return self.body()
        del lines[self.rng.choice(added)]
        path.write_text("\n".join(lines))
        return f"unmention in {path.name}"

    def add_article(self) -> str:
        name = self.name_of(self.rng.choice(self.entities()))
        path = self.site / "content/articles" / f"added-{self.counter}.md"
        day = 1 + self.rng.randrange(28)
        path.write_text(f"---\ntitle: Added report {self.counter}\ndate: 2021-09-{day:02d}\ntags: [added]\n---\nReporters met {name} in the morning.\n")
        return f"add {path.name}"

    def delete_article(self) -> str:
        candidates = [p for p in self.articles() if p.name.startswith("added-")]
        if not candidates:
            return self.add_article()
        path = self.rng.choice(candidates)
        path.unlink()
        return f"delete {path.name}"

    @staticmethod
    def set_line(path: Path, key: str, line: str) -> None:
        """Replaces the first line that starts with `key`."""
        lines = path.read_text().split("\n")
        for i, old in enumerate(lines):
            if old.startswith(key):
                lines[i] = line
                break
        path.write_text("\n".join(lines))

    def summary(self) -> str:
        sheet = self.rng.choice(self.entities())
        self.set_line(sheet, "summary:", f"summary: Summary revised {self.counter}.")
        return f"summary {sheet.name}"

    @staticmethod
    def put_fact(sheet: Path, fact: str) -> None:
        """Adds a fact (YAML lines) first in the sheet's facts."""
        text = sheet.read_text()
        if "\nfacts:\n" in text:
            text = text.replace("\nfacts:\n", "\nfacts:\n" + fact, 1)
        else:
            text = text.rstrip("\n") + "\nfacts:\n" + fact
        sheet.write_text(text)

    def add_fact(self) -> str:
        sheet = self.rng.choice(self.entities())
        self.put_fact(sheet, f"  - claim: Revision\n    value: {self.counter}\n    date: 2021-08-{1 + self.rng.randrange(28):02d}\n    source: https://example.org/r{self.counter}\n")
        return f"fact {sheet.name}"

    def rename(self) -> str:
        sheet = self.rng.choice(self.entities())
        name = self.name_of(sheet)
        self.set_line(sheet, "name:", f"name: {name} Junior" if self.rng.random() < 0.5 else f"name: {name.removesuffix(' Junior')}")
        return f"rename {sheet.name}"

    def add_entity(self) -> str:
        path = self.site / "content/people" / f"person-{self.counter}.yaml"
        path.write_text(f"name: Person Number{self.counter}\nsummary: Added.\n")
        return f"add entity {path.name}"

    def break_(self) -> str:
        path = self.rng.choice(self.entities() + self.articles())
        text = path.read_text()
        self.broken.append((path.name, lambda: path.write_text(text)))
        path.write_text(text.replace(":", " : [", 1))
        return f"break {path.name}"

    def move(self) -> str:
        """Renames a fact sheet's file, so its id changes (and references to it break)."""
        path = self.rng.choice(self.entities())
        moved = path.with_name(f"{path.stem}-moved.yaml")
        path.rename(moved)
        self.broken.append((moved.name, lambda: moved.rename(path)))
        return f"move {path.name}"

    def retitle(self) -> str:
        path = self.rng.choice(self.articles())
        self.set_line(path, "title:", f"title: Retitled report {self.counter}")
        return f"retitle {path.name}"

    def tag(self) -> str:
        path = self.rng.choice(self.articles())
        text = path.read_text()
        if "\ntags:" in text:
            text = text.replace("\ntags: [", f"\ntags: [t{self.counter % 3}, ", 1)
        else:
            text = text.replace("\ntitle:", f"\ntags: [t{self.counter % 3}]\ntitle:", 1)
        path.write_text(text)
        return f"tag {path.name}"


    def redate(self) -> str:
        path = self.rng.choice(self.articles())
        self.set_line(path, "date:", f"date: 2021-{self.rng.randrange(1, 13):02d}-{self.rng.randrange(1, 29):02d}")
        return f"redate {path.name}"

    def quotable(self, article: Path) -> list[str]:
        """Runs of plain words from an article's body, to quote."""
        body = article.read_text().split("\n---\n", 1)[-1]
        runs = []
        for line in body.split("\n"):
            words = line.split()
            if len(words) >= 6 and all(word.isalpha() for word in words[1:5]):
                runs.append(" ".join(words[1:5]))
        return runs

    def cite(self) -> str:
        """Adds a fact quoting an article: verbatim, or (now and then) misquoted."""
        article = self.rng.choice(self.articles())
        runs = self.quotable(article)
        if not runs:
            return self.body()
        quote = self.rng.choice(runs)
        sheet = self.rng.choice(self.entities())
        self.put_fact(sheet, f"  - claim: Cited\n    value: {self.counter}\n    date: 2021-08-{1 + self.rng.randrange(28):02d}\n    source: {article.stem}\n    quote: \"{quote}\"\n")
        if self.rng.random() < 0.3:
            # the quoted words change in the article: the quote no longer holds
            article.write_text(article.read_text().replace(quote, quote.upper(), 1))
            self.broken.append((article.name, lambda: article.write_text(article.read_text().replace(quote.upper(), quote, 1))))
        return f"cite {article.name} in {sheet.name}"

    def requote(self) -> str:
        """Edits an article that a fact quotes, away from the quoted words."""
        for sheet in self.entities():
            for line in sheet.read_text().split("\n"):
                if line.strip().startswith("source:") and not "://" in line:
                    target = self.site / "content/articles" / f"{line.split(':', 1)[1].strip()}.md"
                    if target.exists():
                        target.write_text(target.read_text() + f"\nA further paragraph, number {self.counter}.\n")
                        return f"requote {target.name}"
        return self.body()


setattr(Editor, "break", Editor.break_)  # "break" is a keyword, so the method is break_


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_edits_incremental_equals_clean(tmp_path, seed):
    site = copy_example(tmp_path / "site")
    session = Session(site, tmp_path / "incremental", hints=seed % 2 == 0)
    editor = Editor(site, random.Random(seed))
    history = []
    for _ in range(30):
        history.append(editor.step())
        incremental = session.rebuild()
        clean = clean_build(site, tmp_path / "clean")
        assert [d.format() for d in incremental.diagnostics] == [d.format() for d in clean.diagnostics], history
        if clean.errors:
            continue
        assert tree(session.out) == tree(tmp_path / "clean"), f"differs after: {history}"
