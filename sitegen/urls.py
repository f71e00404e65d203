"""The URL scheme of a built site, in one place.

Every URL is root-relative and starts with the site's base path, so a site
works at a domain root and under a sub-path alike; output paths are the
matching files under the output folder.
"""

from __future__ import annotations

from urllib.parse import quote


def tag_slug(tag: str) -> str:
    return "-".join(tag.lower().split())


class Urls:
    """URLs and output paths for one base path (e.g. '/' or '/tracker/')."""

    def __init__(self, base_path: str):
        self.base = base_path
        self._made: dict[str, str] = {}
        """Path → URL: every page links the same few thousand URLs."""

    def page(self, path: str) -> str:
        """URL of a site-relative path such as 'people/ben-wallace/'."""
        url = self._made.get(path)
        if url is None:
            url = self._made[path] = self.base + quote(path)
        return url

    def home(self) -> str:
        return self.base

    def article(self, article_id: str) -> str:
        return self.page(f"articles/{article_id}/")

    def entity(self, kind: str, entity_id: str) -> str:
        return self.page(f"{kind}/{entity_id}/")

    def kind_index(self, kind: str) -> str:
        return self.page(f"{kind}/")

    def tag(self, tag: str) -> str:
        return self.page(f"tags/{tag_slug(tag)}/")

    def entity_feed(self, kind: str, entity_id: str) -> str:
        return self.page(f"{kind}/{entity_id}/feed.xml")


def output_path(url_path: str) -> str:
    """Output file for a site-relative URL path: 'people/x/' → 'people/x/index.html'."""
    if url_path == "" or url_path.endswith("/"):
        return url_path + "index.html"
    return url_path
