"""Stage 5, write: put the rendered site on disk without ever showing a
half-written one.

A full build assembles the new output in a staging folder beside the output
folder (unchanged files are hard-linked from the previous output, so only
changed bytes are written) and then swaps it into place. Updates in place
(`serve`, `build --watch`) replace each file atomically. A manifest of every
file written lets the next build know what is its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".sitegen-manifest.json"


class OutputError(Exception):
    """The output folder cannot be used or written; the message says why."""


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_output_folder(site_root: Path, out_dir: Path) -> None:
    """Refuse an output folder that is, contains or lies inside the site's sources."""
    site = site_root.resolve()
    out = out_dir.resolve()
    if out == site or site.is_relative_to(out):
        raise OutputError(f"refusing to write to {out_dir}: it is or contains the site folder")
    for source in ("content", "templates", "static"):
        if out.is_relative_to(site / source):
            raise OutputError(f"refusing to write to {out_dir}: it is inside the site's {source}/ folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"refusing to write to {out_dir}: it is a file, not a folder")
    if out_dir.is_dir() and not (out_dir / MANIFEST).exists() and any(out_dir.iterdir()):
        raise OutputError(f"refusing to write to {out_dir}: the folder is not empty and was not made by sitegen")


def read_manifest(out_dir: Path) -> dict[str, str]:
    """Output path → sha256 of what the last build wrote; {} when unknown or unreadable."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text("utf-8"))
        files = data.get("files", {})
        if isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            return files
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def _manifest_bytes(files: dict[str, str]) -> bytes:
    return (json.dumps({"generator": "sitegen", "files": dict(sorted(files.items()))}, indent=0, sort_keys=True) + "\n").encode()


def _safe_relative(rel: str) -> str:
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise OutputError(f"refusing to write outside the output folder: {rel!r}")
    return rel


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.sitegen-tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _io_message(err: OSError, what: Path) -> str:
    if err.errno == errno.ENOSPC:
        return f"no space left on the device while writing {what}"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {what}: permission denied"
    return f"cannot write {what}: {err.strerror or err}"


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def replace_output(out_dir: Path, files: dict[str, bytes]) -> WriteResult:
    """Make `out_dir` hold exactly `files`, all at once.

    If anything fails (or the process is killed) before the final swap, the
    previous output is untouched; leftovers of a killed build are removed by
    the next one.
    """
    out_dir = out_dir.absolute()
    staging = out_dir.with_name(f".{out_dir.name}.sitegen-new")
    retired = out_dir.with_name(f".{out_dir.name}.sitegen-old")
    for leftover in (staging, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    previous = read_manifest(out_dir) if out_dir.is_dir() else {}
    result = WriteResult()
    new_manifest: dict[str, str] = {}
    try:
        staging.mkdir(parents=True)
        for rel in sorted(files):
            data = files[_safe_relative(rel)]
            sha = digest(data)
            new_manifest[rel] = sha
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            old = out_dir / rel
            if previous.get(rel) == sha and old.is_file() and old.stat().st_size == len(data):
                try:
                    os.link(old, target)
                    result.unchanged.append(rel)
                    continue
                except OSError:
                    pass
            with open(target, "wb") as handle:
                handle.write(data)
            result.written.append(rel)
        (staging / MANIFEST).write_bytes(_manifest_bytes(new_manifest))
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(_io_message(err, Path(err.filename or staging))) from None
    result.removed = sorted(set(previous) - set(new_manifest))
    try:
        if out_dir.exists():
            if not _exchange(staging, out_dir):
                os.rename(out_dir, retired)
                os.rename(staging, out_dir)
                staging = retired
            shutil.rmtree(staging, ignore_errors=True)
        else:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging, out_dir)
    except OSError as err:
        raise OutputError(_io_message(err, out_dir)) from None
    return result


def update_output(out_dir: Path, files: dict[str, bytes], removed: set[str] = frozenset()) -> WriteResult:
    """Write changed files into `out_dir` in place, each one atomically, and
    delete files sitegen wrote before that are no longer produced."""
    manifest = read_manifest(out_dir)
    result = WriteResult()
    try:
        for rel in sorted(files):
            data = files[_safe_relative(rel)]
            sha = digest(data)
            if manifest.get(rel) == sha and (out_dir / rel).is_file():
                result.unchanged.append(rel)
                continue
            _write_file(out_dir / rel, data)
            manifest[rel] = sha
            result.written.append(rel)
        for rel in sorted(removed):
            if rel in manifest:
                (out_dir / _safe_relative(rel)).unlink(missing_ok=True)
                del manifest[rel]
                result.removed.append(rel)
                _prune_empty_dirs(out_dir, rel)
        _write_file(out_dir / MANIFEST, _manifest_bytes(manifest))
    except OSError as err:
        raise OutputError(_io_message(err, Path(err.filename or out_dir))) from None
    return result


def _prune_empty_dirs(out_dir: Path, rel: str) -> None:
    parent = (out_dir / rel).parent
    while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
