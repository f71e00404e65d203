"""Scaffolding: `sitegen init DIR` (a working site skeleton) and `sitegen new
KIND "Title"` (one correctly named file to fill in).

Fact sheets and sitegen.yaml start with a yaml-language-server modeline
pointing at the JSON Schema shipped in the package, so editors with a YAML
language server complete and check fields as they are typed. Nothing here
overwrites a file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from sitegen.load import CONFIG_FILE
from sitegen.model import KIND_SINGULAR, KINDS
from sitegen.schema import schema_path
from sitegen.validate import RESERVED_PAGE_IDS

SINGULAR_KIND = {singular: kind for kind, singular in KIND_SINGULAR.items()}
NEW_KINDS = ("article", *SINGULAR_KIND, "page")
"""What `sitegen new` makes: article, person, place, event, organisation, page."""

MAX_SLUG = 80
_TRANSLITERATE = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ð": "d", "ı": "i"})


class ScaffoldError(Exception):
    """The file or site cannot be made; the message says why (exit status 1)."""


class ScaffoldUsageError(ScaffoldError):
    """The request itself is wrong (exit status 2)."""


def slugify(text: str) -> str:
    """A fact-sheet or article id from a title: 'Sir Nick Carter' → 'sir-nick-carter'."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"['’`]", "", text)
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[: MAX_SLUG + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:MAX_SLUG]
    return slug


def schema_comment(name: str) -> str:
    """The yaml-language-server modeline for the shipped schema `name`."""
    return f"# yaml-language-server: $schema={schema_path(name)}\n"


def yaml_string(text: str) -> str:
    """`text` as a YAML scalar: plain when YAML reads it back unchanged, else quoted."""
    import yaml

    try:
        if "#" not in text and yaml.safe_load(f"key: {text}") == {"key": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is valid YAML


# -- sitegen new --------------------------------------------------------------

_KIND_FIELDS = {
    "people": """\
# born: 1970-05-15
# died: 2020-01-31
# organisations: [organisation-id]          # organisations the person belongs to
""",
    "places": """\
# part_of: place-id                         # the place that contains this one
# coordinates: [51.5072, -0.1276]           # [latitude, longitude]
""",
    "events": """\
# date: {today}                         # a one-day event, or
# start: {today}                        # an interval
# end: {today}
# places: [place-id]
# participants: [person-or-organisation-id]
# part_of: event-id                         # a larger event this one belongs to
""",
    "organisations": """\
# part_of: organisation-id                  # a parent organisation
# members: [person-or-organisation-id]
""",
}

_SHEET = """\
{modeline}# {article} {singular} fact sheet; its id is the file name: {id}. Reference: docs/content-format.md
name: {name}
# aliases: [Another name]                   # names that link here when found in articles
# summary: One line of inline Markdown.
# description: |
#   Longer Markdown.
# links:
#   - {{title: Wikipedia, url: "https://en.wikipedia.org/wiki/..."}}
# autolink: false                           # never auto-link this {singular}'s names
{kind_fields}

# facts:
#   - claim: Position                       # what is asserted
#     value: Mayor                          # text, number, date, or [[entity-id]]
#     date: {today}                     # when it held, or start: / end:
#     source: article-id                    # an article id, or an https:// URL
#     quote: "words that appear in that article"
"""

_ARTICLE = """\
---
title: {title}
date: {today}
# updated: {today}
# author: Your Name                         # or a list
# publisher: The original outlet
# url: https://example.org/original-story
# summary: One-line standfirst (default: the first paragraph).
tags: []
about: []                                   # ids of the entities the article is principally about
mentions: []                                # ids to link even if their names are not in the text
# draft: true                               # drafts are built only with --drafts
---
Write the article here, in Markdown. Names and aliases of people, places,
events and organisations are linked to their pages automatically;
`[[entity-id]]` or `[[entity-id|other words]]` link explicitly.
"""

_PAGE = """\
---
title: {title}
# summary: One line for search engines and feeds.
# weight: 10                                # order in the navigation, smallest first
---
Write the page here, in Markdown.
"""


def existing_id(root: Path, new_id: str) -> str | None:
    """The site-relative path of a source that already uses `new_id`, if any."""
    content = root / "content"
    for kind in KINDS:
        for ext in (".yaml", ".yml"):
            if (content / kind / f"{new_id}{ext}").exists():
                return f"content/{kind}/{new_id}{ext}"
    articles = content / "articles"
    if articles.is_dir():
        for match in sorted(articles.rglob(f"{new_id}.md")):
            return match.relative_to(root).as_posix()
    return None


def new_file(root: Path, what: str, title: str, file_id: str | None = None, today: dt.date | None = None) -> Path:
    """Writes a new article, page or fact sheet to fill in; returns its path.

    Refuses to overwrite anything, and refuses an id another source uses.
    """
    if what not in NEW_KINDS:
        raise ScaffoldUsageError(f"cannot make a {what!r}; choose one of: {', '.join(NEW_KINDS)}")
    title = " ".join(title.split())
    if not title:
        raise ScaffoldUsageError("the title or name is empty")
    new_id = file_id if file_id is not None else slugify(title)
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", new_id):
        hint = "give one with --id" if file_id is None else "use lowercase letters, digits and hyphens"
        raise ScaffoldUsageError(f"cannot make an id from {title!r} ({new_id or 'nothing left'}); {hint}")
    if not root.is_dir():
        raise ScaffoldUsageError(f"no such folder: {root}")
    if not (root / CONFIG_FILE).is_file() and not (root / "content").is_dir():
        raise ScaffoldError(f"{root} is not a sitegen site (no {CONFIG_FILE} and no content/ folder); run `sitegen init` first")
    today = today or dt.date.today()

    if what == "article":
        rel = f"content/articles/{new_id}.md"
        text = _ARTICLE.format(title=yaml_string(title), today=today.isoformat())
    elif what == "page":
        if new_id in RESERVED_PAGE_IDS or new_id in ("index", "assets"):
            raise ScaffoldUsageError(f"'{new_id}' is a reserved URL, not a page id; give another with --id")
        rel = f"content/pages/{new_id}.md"
        text = _PAGE.format(title=yaml_string(title))
    else:
        kind = SINGULAR_KIND[what]
        rel = f"content/{kind}/{new_id}.yaml"
        text = _SHEET.format(
            modeline=schema_comment(what),
            singular=what,
            article="An" if what[0] in "aeiou" else "A",
            id=new_id,
            name=yaml_string(title),
            kind_fields=_KIND_FIELDS[kind].format(today=today.isoformat()).rstrip("\n"),
            today=today.isoformat(),
        )

    target = root / rel
    if target.exists():
        raise ScaffoldError(f"{rel} already exists; not overwriting it")
    if what != "page":
        other = existing_id(root, new_id)
        if other is not None:
            raise ScaffoldError(f"the id '{new_id}' is already used by {other}; give another with --id")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite, even in a race
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{rel} already exists; not overwriting it") from None
    return target


# -- sitegen init --------------------------------------------------------------

_CONFIG = """\
{modeline}# Site settings; every key is optional. Reference: docs/content-format.md
title: My tracker
description: A sourced tracker of one unfolding story.
language: en
author: The desk
autolink: first                             # first | all | none
# base_url: https://example.org/tracker/    # where the site is published
# timezone: Europe/London
# search: false                             # turn the search page off
"""

_SAMPLE_ARTICLE = """\
---
title: Council approves a second bridge over the river
date: {today}
author: The desk
publisher: Riverton Gazette
summary: Riverton's council voted to build a second bridge across the Wend after three years of debate.
tags: [transport]
about: [riverton]
mentions: [ana-ruiz]
---
The city council of Riverton voted on Tuesday to build a second bridge
across the river Wend, ending a debate that had lasted three years.

Mayor Ana Ruiz said: “This bridge will cut the morning commute in half for
thousands of families.”

The council approved the plan by nine votes to four. Work is expected to
begin next spring.
"""

_SAMPLE_PERSON = """\
{modeline}name: Ana Ruiz
aliases: [Ruiz, Mayor Ruiz]
summary: Mayor of [[riverton]].
facts:
  - claim: Position
    value: Mayor of Riverton
    date: {today}
    source: council-approves-second-bridge
    quote: "Mayor Ana Ruiz said"
  - claim: Said about the bridge
    value: It will cut the morning commute in half
    date: {today}
    source: council-approves-second-bridge
    quote: "This bridge will cut the morning commute in half"
"""

_SAMPLE_PLACE = """\
{modeline}name: Riverton
summary: A city on the river Wend.
facts:
  - claim: Council vote on a second bridge
    value: 9 for, 4 against
    date: {today}
    source: council-approves-second-bridge
    quote: "approved the plan by nine votes to four"
"""

_SAMPLE_ABOUT = """\
---
title: About
---
This tracker follows one story, article by article. Every person, place,
event and organisation has its own page, and every fact on those pages
cites the article sentence that supports it.

Add an article with `sitegen new article "Title"`, a fact sheet with
`sitegen new person "Name"` (or place, event, organisation), then run
`sitegen serve` to preview the site.
"""

_GITIGNORE = "output/\n"


def init_site(root: Path, today: dt.date | None = None) -> list[Path]:
    """Makes a working site skeleton in `root` (created if missing, must be empty)."""
    if root.exists() and not root.is_dir():
        raise ScaffoldError(f"{root} exists and is not a folder")
    if root.is_dir():
        entries = [p.name for p in root.iterdir() if p.name != ".git"]
        if entries:
            raise ScaffoldError(f"{root} is not empty; `sitegen init` only writes into a new or empty folder")
    today = today or dt.date.today()
    values = {"today": today.isoformat()}
    files = {
        CONFIG_FILE: _CONFIG.format(modeline=schema_comment("config")),
        "content/articles/council-approves-second-bridge.md": _SAMPLE_ARTICLE.format(**values),
        "content/people/ana-ruiz.yaml": _SAMPLE_PERSON.format(modeline=schema_comment("person"), **values),
        "content/places/riverton.yaml": _SAMPLE_PLACE.format(modeline=schema_comment("place"), **values),
        "content/pages/about.md": _SAMPLE_ABOUT,
        ".gitignore": _GITIGNORE,
    }
    written = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(path)
    for folder in ("content/events", "content/organisations", "static"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    return written
