"""The build cache: lets `sitegen build` skip all work when nothing changed.

After a successful build, `.sitegen-cache/build.json` in the site folder
records a digest of every input (sources, templates, static files, the
built-in theme), the build's options, the sitegen version, the digest of the
output manifest it wrote, and its diagnostics. The next build with the same
inputs into an output folder that still holds exactly that result reports
the same diagnostics and writes nothing.

The cache is JSON, never code: a corrupt, foreign or outdated file is
ignored and replaced, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Callable

from sitegen import __version__
from sitegen.diagnostics import Diagnostic, Position
from sitegen.load import CONFIG_FILE, walk_files
from sitegen.write import MANIFEST, read_manifest

CACHE_DIR = ".sitegen-cache"
FORMAT = 1


InputFile = tuple[Path, str]
"""(folder, path inside it) of one file a build reads."""


def input_files(root: Path, theme_dir: Path) -> list[InputFile]:
    """Every file a build reads, in a stable order."""
    files = [(root, rel) for folder in ("content", "templates", "static") for rel in walk_files(root, folder)]
    if (root / CONFIG_FILE).is_file():
        files.append((root, CONFIG_FILE))
    files += [(theme_dir, rel) for rel in walk_files(theme_dir, ".")]
    # sitegen's own code and schemas: a changed checkout builds anew even
    # when its version number stayed the same.
    package = Path(__file__).resolve().parent
    files += [(package, rel) for rel in walk_files(package, ".") if rel.endswith((".py", ".json"))]
    return files


def file_digest(file: InputFile) -> str:
    """The SHA-256 of one input's bytes (hex)."""
    base, rel = file
    try:
        return hashlib.sha256((base / rel).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def input_fingerprint(files: list[InputFile], options: dict, known: dict[InputFile, str] | None = None) -> str:
    """One digest of `files` and of how the build was asked to build.

    It is made of each file's own digest; `known` holds those worked out
    already (a build's, as it read its sources), which are not read again."""
    known = known or {}
    digest = hashlib.sha256()
    digest.update(json.dumps({"version": __version__, "format": FORMAT, "python": sys.version, "options": options}, sort_keys=True).encode())
    for base, rel in files:
        digest.update(f"{base}:{rel}:{known.get((base, rel)) or file_digest((base, rel))}\0".encode())
    return digest.hexdigest()


def manifest_digest(out_dir: Path) -> str | None:
    try:
        return hashlib.sha256((out_dir / MANIFEST).read_bytes()).hexdigest()
    except OSError:
        return None


class BuildCache:
    """The record of the last successful build of one site."""

    def __init__(self, root: Path):
        self.path = root / CACHE_DIR / "build.json"

    def lookup(self, fingerprint: Callable[[], str], out_dir: Path) -> list[Diagnostic] | None:
        """The diagnostics of an identical earlier build whose output is still
        in place, or None. `fingerprint()` (reading every input) is asked
        only when there is such an output to compare the inputs with."""
        try:
            record = json.loads(self.path.read_text("utf-8"))
            if record.get("format") != FORMAT or record.get("output") != str(out_dir.resolve()) or record.get("manifest") != manifest_digest(out_dir):
                return None
            if record.get("fingerprint") != fingerprint():
                return None
            if not all(os.path.isfile(out_dir / rel) for rel in read_manifest(out_dir)):
                return None  # someone removed output files since
            return [
                Diagnostic(Position(str(d["path"]), int(d["line"]), int(d["column"])), str(d["severity"]), str(d["code"]), str(d["message"]))
                for d in record["diagnostics"]
            ]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def store(self, fingerprint: str, out_dir: Path, diagnostics: list[Diagnostic]) -> None:
        record = {
            "format": FORMAT,
            "fingerprint": fingerprint,
            "output": str(out_dir.resolve()),
            "manifest": manifest_digest(out_dir),
            "diagnostics": [d.as_json() for d in diagnostics],
        }
        try:
            self.path.parent.mkdir(exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(record), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only site still builds; it just cannot skip work next time
