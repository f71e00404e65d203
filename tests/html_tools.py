"""A tiny DOM over `html.parser`, so tests read built pages as HTML, not as
strings: elements by tag, class or id, their text, and every link."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements whose end tag may be left out; closing a parent closes them too.
LINK_ATTRS = ("href", "src")


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Element | None"):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, id: str | None = None, **attrs) -> list["Element"]:
        found = []
        for element in self.iter():
            if tag is not None and element.tag != tag:
                continue
            if cls is not None and cls not in element.classes:
                continue
            if id is not None and element.get("id") != id:
                continue
            if any(element.get(k) != v for k, v in attrs.items()):
                continue
            found.append(element)
        return found

    def find(self, tag: str | None = None, cls: str | None = None, id: str | None = None, **attrs) -> "Element | None":
        found = self.find_all(tag, cls, id, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, cls: str | None = None, id: str | None = None, **attrs) -> "Element":
        found = self.find_all(tag, cls, id, **attrs)
        assert len(found) == 1, f"expected one <{tag or '*'} class={cls} id={id} {attrs}>, found {len(found)}"
        return found[0]

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def text(self) -> str:
        parts: list[str] = []

        def walk(node: Element) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag not in ("script", "style"):
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(text: str) -> Element:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def read_page(path: Path) -> Element:
    return parse_html(path.read_text("utf-8"))


def page(out: Path, url_path: str) -> Element:
    """The page at a root-relative URL such as '/people/ben-wallace/'."""
    return read_page(url_file(out, url_path))


def url_file(out: Path, url_path: str, base: str = "/") -> Path:
    """The output file a root-relative URL path points at (pretty URLs)."""
    path = unquote(urlsplit(url_path).path)
    assert path.startswith(base), f"{url_path} is not under {base}"
    rel = path[len(base):]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return out / rel


def links(doc: Element) -> list[tuple[Element, str, str]]:
    """(element, attribute, URL) of every href and src in a page."""
    found = []
    for element in doc.iter():
        for attr in LINK_ATTRS:
            value = element.get(attr)
            if value is not None:
                found.append((element, attr, value))
    return found


def ids(doc: Element) -> set[str]:
    return {e.get("id") for e in doc.iter() if e.get("id")}
