"""Stage 5, write: put the rendered site on disk without ever leaving a
half-written one.

Only files whose bytes changed are written, and never in place: the new
files go to a staging folder inside the output folder first; then a journal
naming every file to move and every stale file to delete is committed with
one atomic rename; then the moves are made. A build killed before the
commit leaves the previous output as it was (the staging folder is thrown
away next time); one killed after it is completed by the next run, which
finds the journal. Each move replaces one file atomically, so a web server
reading the folder never sees a torn file. A manifest of everything written
tells later builds which files are sitegen's to replace or delete.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

MANIFEST = ".sitegen-manifest.json"
JOURNAL = ".sitegen-journal.json"
STAGING = ".sitegen-staging"
SCRATCH = ".sitegen-scratch"
"""Inside the staging folder: see `Staging.scratch`."""


class OutputError(Exception):
    """The output folder cannot be used or written; the message says why."""


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    manifest: dict[str, str] | None = None
    """Output path → sha256 of every file the output holds after the write."""


def _make_folder(folder: str) -> None:
    """`os.makedirs(folder, exist_ok=True)` in one system call when the parent exists, as it nearly always does."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        if not os.path.isdir(folder):
            raise
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


WRITE_CHUNK = 1 << 18
"""Bytes of a file written at a time when it comes in parts."""


def _coalesced(parts: Iterable[bytes]) -> Iterator[bytes]:
    """`parts` joined into chunks of at least WRITE_CHUNK bytes (the last
    one excepted): a data file comes an item at a time, a million items on
    a large site, and a system call and a digest update for each showed."""
    pending: list[bytes] = []
    size = 0
    for part in parts:
        pending.append(part)
        size += len(part)
        if size >= WRITE_CHUNK:
            yield b"".join(pending)
            pending.clear()
            size = 0
    if pending:
        yield b"".join(pending)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unsafe_target(site_root: Path, target: Path) -> str | None:
    """Why a built site must not be put in `target` (it overlaps the sources,
    or is a file), or None when it may."""
    site = site_root.resolve()
    resolved = target.resolve()
    if resolved == site or site.is_relative_to(resolved):
        return "it is or contains the site folder"
    for source in ("content", "templates", "static"):
        if resolved.is_relative_to(site / source):
            return f"it is inside the site's {source}/ folder"
    if target.exists() and not target.is_dir():
        return "it is a file, not a folder"
    return None


def check_output_folder(site_root: Path, out_dir: Path) -> None:
    """Refuse an output folder that is, contains or lies inside the site's sources,
    or that holds files sitegen did not make."""
    reason = unsafe_target(site_root, out_dir)
    # A staging folder alone is what a first build that was killed leaves.
    made_by_sitegen = any((out_dir / name).exists() for name in (MANIFEST, JOURNAL, STAGING))
    if reason is None and out_dir.is_dir() and not made_by_sitegen and any(out_dir.iterdir()):
        reason = "the folder is not empty and was not made by sitegen"
    if reason is not None:
        raise OutputError(f"refusing to write to {out_dir}: {reason}")


def read_manifest(out_dir: Path) -> dict[str, str]:
    """Output path → sha256 of what the last build wrote; {} when unknown or unreadable."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text("utf-8"))
        files = data.get("files", {})
        if isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            return {k: v for k, v in files.items() if _is_safe_relative(k)}
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def _manifest_bytes(files: dict[str, str]) -> bytes:
    return (json.dumps({"generator": "sitegen", "files": files}, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _is_safe_relative(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and not any(p in ("", ".", "..") for p in parts) and parts[0] not in (STAGING, MANIFEST, JOURNAL, SCRATCH)


def _safe_relative(rel: str) -> str:
    if not _is_safe_relative(rel):
        raise OutputError(f"refusing to write outside the output folder: {rel!r}")
    return rel


def _io_message(err: OSError, what: Path | str) -> str:
    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"no space left on the device (or a quota or file-size limit reached) while writing {what}: {err.strerror}"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {what}: permission denied"
    return f"cannot write {what}: {err.strerror or err}"


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.sitegen-tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def recover(out_dir: Path) -> None:
    """Finish or discard what a killed write left behind."""
    journal_path = out_dir / JOURNAL
    if journal_path.is_file():
        try:
            journal = json.loads(journal_path.read_text("utf-8"))
            moves, deletions = journal["moves"], journal["delete"]
            # Applying the changes again to a manifest that has them is harmless.
            # (Older journals held the whole new manifest.)
            manifest = dict(journal["manifest"]) if "manifest" in journal else read_manifest(out_dir) | dict(journal["written"])
        except (OSError, ValueError, KeyError, TypeError):
            journal_path.unlink(missing_ok=True)  # a torn journal was never committed
        else:
            for rel in deletions:
                manifest.pop(rel, None)
            _apply(out_dir, moves, deletions, manifest)
    if (out_dir / STAGING).exists():
        shutil.rmtree(out_dir / STAGING, ignore_errors=True)


def _apply(out_dir: Path, moves: list[list[str]], deletions: list[str], manifest: dict[str, str] | None) -> None:
    """Carry out a committed journal; safe to run again after an interruption.

    A move names a staged file or folder and its place in the output (the
    staging folder mirrors the output's layout). `manifest` None leaves the
    manifest file as it is."""
    staging = os.path.join(out_dir, STAGING)
    made_dirs: set[str] = set()
    for staged, rel in moves:
        source = os.path.join(staging, _safe_relative(staged))
        if not os.path.lexists(source):
            continue  # moved before the interruption
        target = os.path.join(out_dir, _safe_relative(rel))
        parent = os.path.dirname(target)
        if parent not in made_dirs:
            os.makedirs(parent, exist_ok=True)
            made_dirs.add(parent)
        os.replace(source, target)
    for rel in deletions:
        target = out_dir / _safe_relative(rel)
        target.unlink(missing_ok=True)
        _prune_empty_dirs(out_dir, rel)
    if manifest is not None:
        _write_atomically(out_dir / MANIFEST, _manifest_bytes(manifest))
    (out_dir / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def _whole_folders(out_dir: Path, paths: list[str]) -> list[str]:
    """The staged paths to move: a folder the output does not have yet moves
    whole (a cold build is a handful of renames, not one per page), every
    other file alone."""
    exists: dict[str, bool] = {}
    moves: dict[str, None] = {}
    for rel in paths:
        parts = rel.split("/")
        move = rel
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder not in exists:
                exists[folder] = os.path.isdir(os.path.join(out_dir, folder))
            if not exists[folder]:
                move = folder
                break
        moves[move] = None
    return list(moves)


@dataclass(frozen=True)
class StagedFile:
    """One output file handed to a `Staging`."""

    rel: str
    sha: str
    changed: bool
    """False when the output already holds these bytes (nothing was staged);
    staged files sit at the same path under the staging folder."""


class Staging:
    """An output folder being brought up to date: files are staged one at a
    time, from any process (render workers stage the pages they make, so no
    process holds the whole site), then committed all at once.

    Nothing in the output changes before `commit`; `discard` throws the
    staged files away.
    """

    def __init__(self, out_dir: Path, manifest: dict[str, str] | None = None, durable: bool = True):
        """`manifest` spares reading the output's manifest: the one the last
        commit into the same folder made (see `WriteResult.manifest`).

        `durable=False` is for a folder that lives and dies with its process
        (the preview's): each file is still replaced atomically, but there is
        no journal to finish an interrupted commit, and the manifest stays in
        memory (the caller passes it back) instead of being written out.
        """
        self.out_dir = out_dir
        self.durable = durable
        self.created = not out_dir.exists()
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            if manifest is None or (out_dir / JOURNAL).exists() or (out_dir / STAGING).exists():
                recover(out_dir)
                manifest = read_manifest(out_dir)
            self.manifest = manifest
            self.folder = out_dir / STAGING
            self.folder.mkdir(exist_ok=True)
            self._folders: set[str] = set()
            """Folders of the staging folder made so far (by this process)."""
        except OSError as err:
            raise OutputError(_io_message(err, err.filename or out_dir)) from None

    def scratch(self) -> Path:
        """A folder for the build's own working files, removed with the
        staged files (by `commit`, `discard`, or `recover` after a killed
        build); no output file is ever staged in it."""
        folder = self.folder / SCRATCH
        try:
            folder.mkdir(exist_ok=True)
        except OSError as err:
            raise OutputError(_io_message(err, err.filename or folder)) from None
        return folder

    def stage(self, rel: str, data: bytes) -> StagedFile:
        """Stages one file unless the output already has exactly these bytes."""
        sha = digest(data)
        if self._unchanged(rel, sha):
            return StagedFile(rel, sha, False)
        with self._staged_file(rel) as write:
            write(data)
        return StagedFile(rel, sha, True)

    def stage_parts(self, rel: str, parts: Iterable[bytes]) -> StagedFile:
        """Stages one file made of `parts`, written as they come (the whole
        is never held), unless the output already has exactly these bytes."""
        sha = hashlib.sha256()
        with self._staged_file(rel) as write:
            for chunk in _coalesced(parts):
                sha.update(chunk)
                write(chunk)
        if self._unchanged(rel, sha.hexdigest()):
            os.unlink(os.path.join(self.folder, rel))
            return StagedFile(rel, sha.hexdigest(), False)
        return StagedFile(rel, sha.hexdigest(), True)

    def _unchanged(self, rel: str, sha: str) -> bool:
        return self.manifest.get(_safe_relative(rel)) == sha and os.path.isfile(os.path.join(self.out_dir, rel))

    @contextlib.contextmanager
    def _staged_file(self, rel: str) -> Iterator[Callable[[bytes], None]]:
        """A function writing to the staged file `rel`; an OS error is an OutputError.

        A bare descriptor, not a Python file: a build stages a file for
        every page, and each system call fewer (a file object asks whether
        it is a terminal and for its block size) shows on a large site."""
        path = os.path.join(self.folder, rel)
        folder = os.path.dirname(path)
        try:
            if folder not in self._folders:  # asked once per folder: most pages have a folder of their own
                _make_folder(folder)
                self._folders.add(folder)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
            try:
                yield functools.partial(_write_all, fd)
            finally:
                os.close(fd)
        except OSError as err:
            raise OutputError(_io_message(err, self.out_dir / rel)) from None

    def commit(self, staged: list[StagedFile], removed: set[str] | None = None) -> WriteResult:
        """Makes the output hold the staged files, all or nothing.

        `removed=None` means `staged` is the whole site: any file a previous
        build made that is not among them is deleted. Otherwise only the
        paths in `removed` are deleted (an incremental update passes just
        what changed).
        """
        result = WriteResult()
        new_manifest = dict(self.manifest)
        for item in sorted(staged, key=lambda f: f.rel):
            if not item.changed:
                result.unchanged.append(item.rel)
            else:
                result.written.append(item.rel)
                new_manifest[item.rel] = item.sha
        moves = [[rel, rel] for rel in _whole_folders(self.out_dir, result.written)]
        made = {item.rel for item in staged}
        if removed is None:
            stale = set(self.manifest) - made
        else:  # a folder without a durable manifest may hold files its manifest lost
            stale = {r for r in removed if (r in self.manifest or not self.durable) and r not in made}
        for rel in stale:
            new_manifest.pop(rel, None)
        result.removed = sorted(stale)
        result.manifest = new_manifest
        try:
            if (moves or stale) and not self.durable:
                _apply(self.out_dir, moves, result.removed, None)
            elif moves or stale:
                written = {rel: new_manifest[rel] for rel in result.written}
                journal = json.dumps({"moves": moves, "delete": result.removed, "written": written}).encode()
                _write_atomically(self.out_dir / JOURNAL, journal)  # the commit point
                _apply(self.out_dir, moves, result.removed, new_manifest)
            else:
                shutil.rmtree(self.folder, ignore_errors=True)
        except OSError as err:
            if not (self.out_dir / JOURNAL).exists():
                self.discard()
            raise OutputError(_io_message(err, err.filename or self.out_dir)) from None
        return result

    def discard(self) -> None:
        """Throws the staged files away; the output stays as it was."""
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.created:
            with contextlib.suppress(OSError):
                self.out_dir.rmdir()


def write_output(out_dir: Path, files: dict[str, bytes], removed: set[str] | None = None, manifest: dict[str, str] | None = None, durable: bool = True) -> WriteResult:
    """Bring `out_dir` up to date with `files`, all or nothing (see
    `Staging.commit`); `manifest` and `durable` as for `Staging`."""
    staging = Staging(out_dir, manifest, durable)
    try:
        staged = [staging.stage(rel, files[rel]) for rel in sorted(files)]
    except OutputError:
        staging.discard()
        raise
    return staging.commit(staged, removed)


def _prune_empty_dirs(out_dir: Path, rel: str) -> None:
    parent = (out_dir / rel).parent
    try:
        while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    except OSError:
        pass
