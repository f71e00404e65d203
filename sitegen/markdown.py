"""Markdown: the markdown-it-py parser sitegen uses, its `[[wikilink]]`
syntax, and text folding for quote comparison.

Parsing is separate from rendering: the link stage walks the token stream
to resolve wikilinks and link mentions, then renders it.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_core import block as parse_blocks
from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    """`[[target]]` or `[[target|label]]` becomes a `wikilink` token."""
    src, pos = state.src, state.pos
    if not src.startswith("[[", pos):
        return False
    end = src.find("]]", pos + 2)
    if end < 0:
        return False
    inner = src[pos + 2 : end]
    if not inner.strip() or "\n\n" in inner or "[" in inner:
        return False
    if not silent:
        target, _, label = inner.partition("|")
        token = state.push("wikilink", "", 0)
        token.meta = {"target": " ".join(target.split()), "label": " ".join(label.split()) or None}
        token.content = inner
    state.pos = end + 2
    return True


_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
LINK_SCHEMES = {"http", "https", "mailto", "tel"}
"""What a Markdown link or image may point to, besides relative addresses."""


def is_safe_link(url: str) -> bool:
    """True for relative addresses and http(s), mailto and tel URLs; a
    `[x](javascript:...)` or `![x](data:...)` stays plain text."""
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in LINK_SCHEMES


_NOT_IN_PLAIN_PARAGRAPH = re.compile(r"[ \t#>*+\-=_`~<|:]|\d{1,9}[.)]")
"""How a line starts that may open or end a block other than a paragraph
(indented code, headings, quotes, lists, rules, setext underlines, fences,
HTML, the delimiter row that makes the line above a table's head), or
lazily continue one."""
_ATX_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")


def _normalize(state: StateCore) -> None:
    """markdown-it's `normalize` rule (line ends made '\n', NUL made U+FFFD)
    by plain replacement: its regular expression substitutes every line
    end, a sixth of the time of parsing a body."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


def _blocks(state: StateCore) -> None:
    """The block stage of parsing, with a short way for the common body:
    paragraphs of plain lines and `#` headings, which make the same tokens
    as markdown-it's block rules for a fraction of the time (each line
    there is tried against every rule). Anything else goes to those rules."""
    if state.inlineMode or not _plain_blocks(state):
        parse_blocks(state)


def _plain_blocks(state: StateCore) -> bool:
    src = state.src
    if "]:" in src:  # a link reference definition may be in it
        return False
    lines = src.split("\n")
    tokens: list[Token] = []
    start = None
    for number, line in enumerate(lines):
        if not line.strip(" \t"):
            if start is not None:
                tokens += _paragraph(lines, start, number)
                start = None
        elif _ATX_HEADING.match(line):  # one line, and it ends a paragraph
            if start is not None:
                tokens += _paragraph(lines, start, number)
                start = None
            heading: list[Token] = []
            state.md.block.parse(line, state.md, state.env, heading)
            for token in heading:
                token.map = [number, number + 1] if token.map else None
            tokens += heading
        elif _NOT_IN_PLAIN_PARAGRAPH.match(line):
            return False
        elif start is None:
            start = number
    if start is not None:
        tokens += _paragraph(lines, start, len(lines))
    state.tokens.extend(tokens)
    return True


def _paragraph(lines: list[str], start: int, end: int) -> tuple[Token, Token, Token]:
    """The tokens markdown-it's paragraph rule makes for lines start..end-1."""
    inline = Token("inline", "", 0, map=[start, end], level=1, children=[], content=mdTrim("\n".join(lines[start:end])), block=True)
    return (Token("paragraph_open", "p", 1, map=[start, end], block=True), inline, Token("paragraph_close", "p", -1, block=True))


def make_markdown(raw_html: bool = False) -> MarkdownIt:
    """The parser for article bodies, pages and descriptions.

    Raw HTML is escaped unless the site turns `raw_html` on; links and
    images go only to relative, http(s), mailto and tel addresses.
    """
    md = MarkdownIt("commonmark", {"html": raw_html, "linkify": False, "typographer": False})
    md.validateLink = is_safe_link
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.core.ruler.at("normalize", _normalize)
    md.core.ruler.at("block", _blocks)
    return md


_MARKUP = re.compile(r"[\\`*_\[\]<>&!~|\n\r\t\0]|^(?:[#=+\-]|\d+[.)])")
"""What can make one line of text more than a paragraph of plain text."""


def plain_text_html(text: str) -> str | None:
    """How markdown-it renders `text` inline when `text` is a single line that
    no Markdown rule can touch (most names, summaries and values), without
    running the parser; None for anything else."""
    if not text or _MARKUP.search(text) is not None or text != text.strip():
        return None
    return text.replace('"', "&quot;")


_FOLD_TABLE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2026": "...",
    }
)


def fold(text: str) -> str:
    """Text as quotes are compared: case, typographic quotes, dashes and
    whitespace folded away."""
    # Only a backquote among ASCII characters folds, and translate() is slow;
    # split() without arguments splits on exactly the whitespace `\s` matches.
    if "`" in text or not text.isascii():
        text = text.translate(_FOLD_TABLE)
    return " ".join(text.casefold().split())


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?(\w))")
# A period after these does not end a sentence ("Gen. Carter", "the U.S. Senate").
_ABBREVIATIONS = {
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Gen", "Sen", "Rep", "Gov", "Pres", "Lt", "Col", "Sgt", "Capt",
    "Cmdr", "Adm", "Maj", "Jr", "Sr", "Rev", "Hon", "Inc", "Co", "Corp", "Ltd", "No", "Nos", "vs", "Mt", "Ft",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "approx", "cf",
}
_WORD_WINDOW = 64
_INITIALS = re.compile(r"(?:^|[\s(\"'\u201c\u2018])(?:[A-Za-z]\.)+$|(?:^|[\s(\"'\u201c\u2018])(\w+)\.$")


def _ends_sentence(text: str, match: re.Match) -> bool:
    """True when the next sentence starts (a capital or a digit follows) and
    the period before is not that of an abbreviation or initials."""
    following = match.group(1)
    if not (following.isupper() or following.isdigit()):
        return False
    end = match.start()  # just after the [.!?] (or the closing quotes after it)
    if text[end - 1] != ".":
        return True  # a closing quote or bracket after the period, or ! and ?
    # The word before the period starts after the last space or opening
    # mark, nearly always within a few characters: searching the whole text
    # before it, at every candidate, made a paragraph's sentences quadratic.
    window = max(0, end - _WORD_WINDOW)
    found = _INITIALS.search(text, window, end)
    if found is None and window:
        found = _INITIALS.search(text, 0, end)  # no space or opening mark in the window: a very long word
    if found is None:
        return True
    if found.group(1) is None:
        return False  # U.S., J., e.g.
    return found.group(1) not in _ABBREVIATIONS


def sentence_at(text: str, offset: int) -> str:
    """The sentence of `text` that contains the character at `offset`."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if not _ends_sentence(text, match):
            continue
        if match.end() > offset:
            return text[start : match.start() + len(match.group(0).rstrip())].strip()
        start = match.end()
    return text[start:].strip()
