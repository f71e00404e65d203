"""Progress on a terminal for long builds: one line, rewritten in place."""

from __future__ import annotations

import sys
import time


class TerminalProgress:
    """Prints 'rendering 1234/13339' at most ten times a second, to stderr."""

    def __init__(self, stream=sys.stderr, min_total: int = 200):
        self.stream = stream
        self.min_total = min_total
        self.last = 0.0
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if total < self.min_total or (now - self.last < 0.1 and done != total):
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\r{stage} {done}/{total}")
        self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
