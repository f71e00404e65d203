"""Stage 1, load: find a site's source files and parse each one on its own.

A `SourceDoc` is what one file says (its YAML and, for Markdown, its body),
independent of every other file, so it can be cached by content digest and
re-read alone when the file changes. Unreadable files become diagnostics.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sitegen.diagnostics import Diagnostics, Position
from sitegen.model import KINDS
from sitegen.yamldoc import BAD_CHARACTER, YamlDoc, YamlError, describe_character, parse_yaml

CONFIG_FILE = "sitegen.yaml"


@dataclass
class SourceDoc:
    """One parsed source file."""

    rel_path: str
    """POSIX path relative to the site folder."""
    role: str
    """'article', 'page', 'config', or an entity kind (people, places, ...)."""
    digest: str
    """sha256 of the file's bytes."""
    doc: YamlDoc | None
    """The YAML (front matter for Markdown); None when it could not be read."""
    body: str | None = ""
    """The Markdown body; None when it was left in the file, to be read
    again when it is linked (see `read_body`)."""
    body_line: int = 1


def is_ignored_name(name: str) -> bool:
    """Hidden files, editor swap, backup and temporary files are never content."""
    return (
        name.startswith((".", "#", "~"))
        or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".orig", ".part"))
        or name.startswith(".#")
    )


def role_of(rel_path: str) -> str | None:
    """The role of a site-relative path, or None when it is not a content source."""
    parts = rel_path.split("/")
    if rel_path == CONFIG_FILE:
        return "config"
    if len(parts) < 3 or parts[0] != "content" or is_ignored_name(parts[-1]):
        return None
    folder, name = parts[1], parts[-1]
    if folder == "articles" and name.endswith(".md"):
        return "article"
    if folder == "pages" and len(parts) == 3 and name.endswith(".md"):
        return "page"
    if folder in KINDS and len(parts) == 3 and name.endswith((".yaml", ".yml")):
        return folder
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve(strict=True).relative_to(root)
        return True
    except (ValueError, OSError, RuntimeError):  # outside, dangling, or a loop (RuntimeError before 3.13)
        return False


def walk_files(root: Path, folder: str, skipped: list[str] | None = None) -> list[str]:
    """Site-relative paths of the regular files under `folder`, sorted; hidden
    and editor files are skipped, and links leading outside the site (or
    nowhere) are not followed: their paths are added to `skipped`."""
    real_root = root.resolve()
    base = root / folder
    if base.is_symlink() and not _inside(base, real_root):
        if skipped is not None:
            skipped.append(folder)
        return []
    if not base.is_dir():
        return []
    top = os.path.abspath(root)
    prefix = len(top.rstrip(os.sep)) + 1
    found: list[str] = []
    pending = [os.path.normpath(os.path.join(top, folder))]
    while pending:
        here = pending.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for entry in entries:
            if is_ignored_name(entry.name):
                continue
            # Only links can lead outside the site, so only links are resolved.
            if entry.is_symlink() and not _inside(Path(entry.path), real_root):
                if skipped is not None:
                    skipped.append(entry.path[prefix:].replace(os.sep, "/"))
                continue
            if entry.is_dir():
                pending.append(entry.path)
            elif entry.is_file():
                found.append(entry.path[prefix:].replace(os.sep, "/"))
    return sorted(found)


def discover(root: Path, diagnostics: Diagnostics | None = None) -> list[str]:
    """Every content source of the site (and its config when present).

    Symbolic links that lead outside the site are not followed; each one is
    a warning in `diagnostics`.
    """
    skipped: list[str] = []
    sources = [p for p in walk_files(root, "content", skipped) if role_of(p)]
    config = root / CONFIG_FILE
    if config.is_symlink() and not _inside(config, root.resolve()):
        skipped.insert(0, CONFIG_FILE)
    elif config.is_file():
        sources.insert(0, CONFIG_FILE)
    if diagnostics is not None:
        for rel in skipped:
            diagnostics.warning(Position(rel, 1, 1), "link.outside", _link_message(root, rel))
    return sources


def _link_message(root: Path, rel: str) -> str:
    try:
        target = os.readlink(root / rel)
    except OSError:
        target = "?"
    if not os.path.exists(root / rel):
        return f"not followed: this symbolic link to '{target}' leads nowhere (its target is missing, or it is a loop)"
    return f"not followed: this symbolic link to '{target}' leads outside the site folder; copy what it points to into the site instead"


def _text_of(data: bytes) -> str:
    text = data.decode("utf-8").removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def decode(data: bytes, rel_path: str, diagnostics: Diagnostics) -> str | None:
    """UTF-8 text with the byte-order mark dropped and line ends made '\\n'."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        diagnostics.error(Position(rel_path, 1, 1), "encoding", "the file is saved as UTF-16; save it as UTF-8")
        return None
    try:
        text = _text_of(data)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        column = len(data[line_start : err.start].decode("utf-8", "replace")) + 1
        diagnostics.error(Position(rel_path, line, column), "encoding", f"not valid UTF-8 (byte 0x{data[err.start]:02x}); save the file as UTF-8")
        return None
    bad = BAD_CHARACTER.search(text)
    if bad:
        at = bad.start()
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        diagnostics.error(
            Position(rel_path, line, column),
            "encoding",
            f"control character {describe_character(bad.group())} is not allowed (no web page or feed can carry it); delete it",
        )
        return None
    return text


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, 1-based body line) or None when the file has none."""
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        return None
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = "\n".join(lines[1:index]) + "\n"
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2
    return None


def load_source(root: Path, rel_path: str, role: str, data: bytes, diagnostics: Diagnostics) -> SourceDoc:
    """Parse one file's bytes; problems go to `diagnostics` and leave `doc` None."""
    digest = hashlib.sha256(data).hexdigest()
    source = SourceDoc(rel_path, role, digest, None)
    text = decode(data, rel_path, diagnostics)
    if text is None:
        return source
    yaml_text, line_offset = text, 0
    if role in ("article", "page"):
        parts = split_front_matter(text)
        if parts is None and text.startswith("---\n"):
            diagnostics.error(
                Position(rel_path, 1, 1),
                "front-matter.unclosed",
                "the front matter is never closed: add a '---' line after it",
            )
            return source
        if parts is None:
            diagnostics.error(
                Position(rel_path, 1, 1),
                "front-matter.missing",
                "missing front matter: the file must start with a '---' line, YAML, and a closing '---' line",
            )
            return source
        yaml_text, source.body, source.body_line = parts
        line_offset = 1
    try:
        source.doc = parse_yaml(yaml_text, line_offset)
    except YamlError as err:
        diagnostics.error(Position(rel_path, err.line, err.column), err.code, err.message)
    return source


def read_body(root: Path, rel_path: str, digest: str) -> str | None:
    """The body of a Markdown source read again from its file, or None when
    the file no longer holds the bytes it was parsed from (`digest`)."""
    text = _read_unchanged(root, rel_path, digest)
    parts = split_front_matter(text) if text is not None else None
    return parts[1] if parts is not None else None


def marks_to_reread(root: Path, rel_path: str, digest: str) -> YamlDoc:
    """A document for a fact sheet in place of its parse: no value, and the
    marks parsed again from the file when a position is first asked for.

    A large site's fact sheets hold hundreds of megabytes of marks, and a
    one-time build asks for few positions once its files are checked. When
    the file no longer holds the bytes it was parsed from, positions are
    those of its first line.
    """
    return YamlDoc(None, reread=functools.partial(_reparse_yaml, root, rel_path, digest))


def _reparse_yaml(root: Path, rel_path: str, digest: str) -> YamlDoc:
    text = _read_unchanged(root, rel_path, digest)
    try:
        return parse_yaml(text) if text is not None else YamlDoc(None)
    except YamlError:
        return YamlDoc(None)


def _read_unchanged(root: Path, rel_path: str, digest: str) -> str | None:
    """A source's text read again, or None when it no longer holds the bytes of `digest`."""
    try:
        data = (root / rel_path).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != digest:
        return None
    try:
        return _text_of(data)  # the bytes `decode` found sound when they were parsed: not checked again
    except UnicodeDecodeError:
        return None


def read_source(root: Path, rel_path: str, diagnostics: Diagnostics) -> SourceDoc | None:
    """Read and parse one file; None when it is not a source or cannot be read."""
    role = role_of(rel_path)
    if role is None:
        return None
    try:
        data = (root / rel_path).read_bytes()
    except OSError as err:
        diagnostics.error(Position(rel_path, 1, 1), "io", f"cannot read the file: {err.strerror or err}")
        return None
    return load_source(root, rel_path, role, data, diagnostics)
