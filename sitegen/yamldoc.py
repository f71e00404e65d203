"""Safe YAML reading that keeps the position of every key and value.

Fact sheets and front matter are parsed to a node tree (libyaml when
available) and converted to plain Python values here, so that every later
stage can point a diagnostic at `line:col` of the offending node. This is
also where hostile YAML is refused: tags other than the plain YAML types,
duplicate keys, and alias expansions that would blow up memory.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader

PathKey = tuple  # ("facts", 0, "quote") addresses a node in a document

_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {
    _STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}
# Alias expansion is bounded so that a "billion laughs" document is refused
# long before it is expanded: nodes and characters reached again through an
# alias count against these budgets (a document without aliases has no limit
# but its size). Real fact sheets stay far below them.
MAX_ALIAS_NODES = 100_000
MAX_ALIAS_CHARS = 1_000_000
MAX_DEPTH = 100
# Flow collections ([[[[...) are counted before parsing, so that no parser
# recurses into them; the converter refuses anything deeper than MAX_DEPTH.
# The pre-check counts every bracket, quoted or not, so its bar is higher.
MAX_BRACKETS = 1000
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters no page, feed or sitemap can carry (XML 1.0 forbids them):
C0 control characters other than tab and line ends, surrogates, U+FFFE/U+FFFF."""


def describe_character(char: str) -> str:
    names = {"\x00": "NUL", "\x1b": "ESC", "\x0c": "form feed", "\x08": "backspace", "\x0b": "vertical tab"}
    return f"U+{ord(char):04X}" + (f" ({names[char]})" if char in names else "")


_TAG_NAMES = {"int": "whole number", "float": "number", "bool": "true/false value", "timestamp": "date", "map": "mapping", "seq": "list", "null": "empty value"}


class YamlError(Exception):
    """A document that cannot be read; line and column are 1-based."""

    def __init__(self, message: str, line: int, column: int, code: str = "yaml.syntax"):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.code = code
        """yaml.syntax, yaml.tab, yaml.duplicate-key, yaml.tag, yaml.value or yaml.too-large."""


@dataclass
class YamlDoc:
    """A parsed YAML document: its plain value and where each node stands."""

    value: Any
    value_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    """Path of a node → 1-based (line, column) of the value."""
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    """Path of a mapping entry → 1-based (line, column) of its key."""
    reread: Callable[[], YamlDoc] | None = None
    """Parses the document again, the first time a position is asked for,
    when the marks were let go of (see `load.marks_to_reread`)."""

    def position(self, path: PathKey, key: bool = False) -> tuple[int, int]:
        """The position of the node at `path`, or of its nearest ancestor."""
        if self.reread is not None:
            again, self.reread = self.reread(), None
            self.value_marks, self.key_marks = again.value_marks, again.key_marks
        marks = self.key_marks if key else self.value_marks
        while path:
            if path in marks:
                return marks[path]
            if not key and path in self.key_marks:
                return self.key_marks[path]
            path = path[:-1]
        return self.value_marks.get((), (1, 1))


def _scalar_constructor() -> yaml.constructor.SafeConstructor:
    return yaml.constructor.SafeConstructor()


class _Lines:
    """1-based (line, column) of a parser's marks, lines ending at '\\n' only.

    libyaml also ends lines at '\\r', NEL, LS and PS; where the text has one
    of those, positions are counted from the mark's character index instead,
    so that they agree with every other position sitegen reports.
    """

    def __init__(self, text: str, line_offset: int):
        self.text = text
        self.line_offset = line_offset
        self.last_line = text.count("\n")  # 0-based number of the last line
        self.starts: list[int] | None = None
        if any(ch in text for ch in "\r\x85\u2028\u2029"):
            self._count_lines()

    def _count_lines(self) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def __call__(self, mark) -> tuple[int, int]:
        if self.starts is None and mark.line <= self.last_line:
            return mark.line + 1 + self.line_offset, mark.column + 1
        if self.starts is None:
            self._count_lines()  # a mark past the end of the text: count from its index
        index = min(max(mark.index, 0), len(self.text))
        line = bisect.bisect_right(self.starts, index)
        return line + self.line_offset, index - self.starts[line - 1] + 1


def _check_nesting(text: str, line_offset: int) -> None:
    """Refuse absurdly nested flow collections before a parser recurses into them."""
    depth = 0
    line = 1
    for ch in text:
        if ch == "[" or ch == "{":
            depth += 1
            if depth > MAX_BRACKETS:
                raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", line + line_offset, 1, "yaml.too-large")
        elif ch == "]" or ch == "}":
            depth = max(0, depth - 1)
        elif ch == "\n":
            line += 1


def parse_yaml(text: str, line_offset: int = 0) -> YamlDoc:
    """Parse one YAML document; raises YamlError with a 1-based position.

    `line_offset` shifts reported lines (front matter starts below `---`).
    An empty document gives the value None.
    """
    if text.count("[") + text.count("{") > MAX_BRACKETS:
        _check_nesting(text, line_offset)
    lines = _Lines(text, line_offset)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        _raise_if_tab_indented(text, line_offset)
        mark = err.problem_mark or err.context_mark
        problem = err.problem or "invalid YAML"
        context = err.context_mark
        if err.context and context is not None and mark is not None and "end of stream" in problem:
            # An unclosed quote or bracket is only noticed at the end of the
            # document: point at where it was opened instead.
            opened = err.context.removeprefix("while scanning ").removeprefix("while parsing ")
            problem = f"{opened} is never closed ({problem})"
            mark = context
        elif err.context and context is not None and mark is not None and (context.line, context.column) != (mark.line, mark.column):
            context_line, context_column = lines(context)
            problem = f"{problem} ({err.context} that starts at line {context_line}, column {context_column})"
        elif err.context:
            problem = f"{problem} ({err.context})"
        if mark is None:
            raise YamlError(problem, 1 + line_offset, 1) from None
        raise YamlError(problem, *lines(mark)) from None
    except yaml.reader.ReaderError as err:
        # a character YAML does not allow; `position` counts characters of `text`
        at = min(max(err.position, 0), len(text))
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        char = err.character if isinstance(err.character, int) else ord(err.character or "\0")
        raise YamlError(f"character U+{char:04X} is not allowed in YAML ({err.reason}); delete it", line + line_offset, column, "yaml.character") from None
    except yaml.YAMLError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else "cannot be read"
        raise YamlError(f"invalid YAML: {first}", 1 + line_offset, 1) from None
    except RecursionError:
        raise YamlError("document nested too deeply", 1 + line_offset, 1, "yaml.too-large") from None
    doc = YamlDoc(None)
    if node is None:
        return doc
    converter = _Converter(doc, lines)
    doc.value = converter.convert(node, ())
    return doc


def _raise_if_tab_indented(text: str, line_offset: int) -> None:
    """Name the real cause when a document fails because a line is indented with a tab."""
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            raise YamlError(
                "tab character used for indentation (YAML allows spaces only)",
                number + line_offset,
                len(line) - len(stripped) + 1,
                "yaml.tab",
            )


class _Converter:
    """Turns a composed node tree into plain values, recording marks."""

    def __init__(self, doc: YamlDoc, lines: _Lines):
        self.doc = doc
        self.lines = lines
        self.constructor = _scalar_constructor()
        self.seen: set[int] = set()
        self.open: set[int] = set()
        """Collections being converted: reaching one again is an alias loop."""
        self.alias_nodes = MAX_ALIAS_NODES
        self.alias_chars = MAX_ALIAS_CHARS

    def mark(self, node: yaml.Node) -> tuple[int, int]:
        return self.lines(node.start_mark)

    def convert(self, node: yaml.Node, path: PathKey, depth: int = 0) -> Any:
        if id(node) in self.open:
            raise YamlError("an alias (*name) refers to a value that contains it, a loop", *self.mark(node), "yaml.alias-loop")
        if id(node) in self.seen:
            # reached again through an alias: what it expands to is budgeted
            self.alias_nodes -= 1
            if isinstance(node, yaml.ScalarNode):
                self.alias_chars -= len(node.value)
            if self.alias_nodes < 0 or self.alias_chars < 0:
                raise YamlError(
                    "aliases (*name) expand this document too much (more than "
                    f"{MAX_ALIAS_NODES} values or {MAX_ALIAS_CHARS} characters); write the values out instead",
                    *self.mark(node),
                    "yaml.too-large",
                )
        else:
            self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", *self.mark(node), "yaml.too-large")
        if node.tag not in _PLAIN_TAGS:
            raise YamlError(f"YAML tag '{node.tag}' is not allowed", *self.mark(node), "yaml.tag")
        self.doc.value_marks[path] = self.mark(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        self.open.add(id(node))
        try:
            return self.collection(node, path, depth)
        finally:
            self.open.discard(id(node))

    def collection(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlError("merge keys ('<<') are not supported", *self.mark(key_node), "yaml.tag")
            key = self.convert(key_node, path + ("<key>",), depth + 1)
            if isinstance(key, (list, dict)):
                raise YamlError("a mapping key must be a plain value", *self.mark(key_node))
            if not isinstance(key, str):
                key = key_node.value  # as written: '~', 'yes', '1'
            if key in result:
                raise YamlError(f"duplicate key '{key}'", *self.mark(key_node), "yaml.duplicate-key")
            self.doc.key_marks[path + (key,)] = self.mark(key_node)
            result[key] = self.convert(value_node, path + (key,), depth + 1)
        self.doc.value_marks.pop(path + ("<key>",), None)
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _STR_TAG:  # most values: what the constructor would return, without its dispatch
            value = node.value
        else:
            value = self.construct(node)
        if isinstance(value, str):
            bad = BAD_CHARACTER.search(value)
            if bad:
                raise YamlError(
                    f"character {describe_character(bad.group())} is not allowed in a value; delete it",
                    *self.mark(node),
                    "yaml.character",
                )
        return value

    def construct(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError, ArithmeticError, LookupError, AttributeError, TypeError) as err:
            # (PyYAML's constructors fail in many ways on odd explicit tags: `!!bool maybe`, `!!timestamp`)
            if node.tag == "tag:yaml.org,2002:timestamp" and not node.style:
                # A plain scalar that looks like a date but is not one
                # (2021-13-45): keep the text so the schema reports it as a
                # bad date at this node, and the rest of the file is checked.
                return node.value
            kind = node.tag.rsplit(":", 1)[-1]
            if kind == "int" and len(node.value) > 100:
                problem = f"the number has {len(node.value)} digits, too many to read; put it in quotes to keep it as text"
            else:
                shown = node.value if len(node.value) <= 60 else node.value[:57] + "..."
                problem = f"'{shown}' is not a valid {_TAG_NAMES.get(kind, kind)}"
            raise YamlError(f"invalid value: {problem}", *self.mark(node), "yaml.value") from None
