"""Where a one-time build keeps its linked bodies: on disk, not in memory.

Each article's HTML and the plain text of its passages are what a site's
graph holds most of (two thirds of it at 10,000 articles), yet each is read
only once or twice: the HTML by the article's own page, the text by the
search index. So the link workers write them to files of a scratch folder
as they link, and the search and render workers read each one back when
they need it. The build's own process never holds them, and its forked
workers do not copy them.

Each process appends to a file of its own (named after its process id), so
no two processes ever write to one file; readers use `os.pread`, which
leaves no file position for forked processes to share.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path

StoredBody = tuple[str, int, int]
"""(file name, offset, length) of one stored body."""


class BodyStore:
    """Linked bodies, each written once by any process and read by any other."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._writer: tuple[int, int, int] | None = None
        """(process id, file descriptor, size written so far) of this process's own file."""
        self._readers: dict[str, int] = {}

    def __getstate__(self) -> dict:
        # another process opens files of its own: these descriptors are not its
        return {"folder": self.folder, "_writer": None, "_readers": {}}

    def put(self, html: str, passages: list[str]) -> StoredBody:
        """Stores one body; what it returns finds it again."""
        data = marshal.dumps((html, passages))
        pid = os.getpid()
        if self._writer is None or self._writer[0] != pid:  # a forked process writes a file of its own
            fd = os.open(self.folder / f"{pid}.bodies", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            self._writer = (pid, fd, 0)
        _, fd, size = self._writer
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        self._writer = (pid, fd, size + len(data))
        return (f"{pid}.bodies", size, len(data))

    def get(self, stored: StoredBody) -> tuple[str, list[str]]:
        """(HTML, passage texts) of a stored body."""
        name, offset, length = stored
        fd = self._readers.get(name)
        if fd is None:
            fd = self._readers[name] = os.open(self.folder / name, os.O_RDONLY | os.O_CLOEXEC)
        return marshal.loads(os.pread(fd, length, offset))

    def close(self) -> None:
        """Closes this process's files (the folder is its owner's to remove)."""
        if self._writer is not None and self._writer[0] == os.getpid():
            os.close(self._writer[1])
        self._writer = None
        for fd in self._readers.values():
            os.close(fd)
        self._readers = {}
