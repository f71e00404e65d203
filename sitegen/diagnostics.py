"""Diagnostics: every problem sitegen reports about a site, as data.

A diagnostic carries a position (`path:line:col`, path relative to the site
folder, line and column 1-based), a severity, a stable dotted code and a
message. Stages return diagnostics; only the command line prints them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable

ERROR = "error"
WARNING = "warning"
_ONE_LINE = {code: repr(chr(code))[1:-1] for code in [*range(32), 127, 0x85, 0x2028, 0x2029]}


def printable(text: str) -> str:
    """`text` as valid Unicode: the bytes of a file name that is not UTF-8
    (which Python keeps as lone surrogates) are shown as \\xNN."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        data = text.encode("utf-8", "backslashreplace")
    return data.decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """Where a problem is: a site-relative POSIX path and a 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the site's sources."""

    position: Position
    severity: str
    """`error` or `warning`."""
    code: str
    """Stable dotted identifier, e.g. `yaml.syntax`, `ref.unknown`, `quote.not-found`."""
    message: str

    def sort_key(self) -> tuple:
        return (self.position.path, self.position.line, self.position.column, self.code, self.message)

    def format(self) -> str:
        """The one-line form: line breaks and other control characters quoted
        from content are shown escaped (\\n), so a problem is always one line."""
        return printable(f"{self.position}: {self.severity}: {self.message}".translate(_ONE_LINE))

    def as_json(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": printable(self.message),
            "path": printable(self.position.path),
            "line": self.position.line,
            "column": self.position.column,
        }


@dataclass
class Diagnostics:
    """A collector that stages append to; sorted and de-duplicated on the way out."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, position: Position, code: str, message: str) -> None:
        self.items.append(Diagnostic(position, ERROR, code, message))

    def warning(self, position: Position, code: str, message: str) -> None:
        self.items.append(Diagnostic(position, WARNING, code, message))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items), key=Diagnostic.sort_key)

    @property
    def error_count(self) -> int:
        return sum(1 for d in set(self.items) if d.severity == ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for d in set(self.items) if d.severity == WARNING)


def by_path(items: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    """The diagnostics grouped by the file they are about."""
    grouped: dict[str, list[Diagnostic]] = {}
    for item in items:
        grouped.setdefault(item.position.path, []).append(item)
    return grouped


def summary_line(errors: int, warnings: int) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` suffix naming the closest candidate, or ''."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
