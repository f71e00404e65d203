"""Shared helpers: run the real `sitegen` command on real folders."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def problems(self) -> list[str]:
        """The `path:line:col: severity: message` lines of stderr."""
        return [line for line in self.stderr.splitlines() if ": error: " in line or ": warning: " in line]


def sitegen(*args: str, cwd: Path | None = None, timeout: float = 300) -> Run:
    """Runs `python -m sitegen ARGS` as a user would and captures its output."""
    proc = subprocess.run(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


def write_site(root: Path, files: dict[str, str]) -> Path:
    """Writes a site from {relative path: dedented text}."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def copy_example(dest: Path) -> Path:
    """A copy of the repository's example site (config and content only)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "content", dest / "content")
    shutil.copy(REPO / "sitegen.yaml", dest / "sitegen.yaml")
    return dest


@pytest.fixture(scope="session")
def example_build(tmp_path_factory) -> Path:
    """The example site built once per test session; returns its output folder."""
    out = tmp_path_factory.mktemp("example") / "site"
    run = sitegen("build", REPO, "-o", out, "-q")
    assert run.code == 0, run.stderr
    return out
