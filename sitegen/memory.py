"""How a build treats its process's memory: the cycle collector paused
while a build makes and drops millions of objects beside a large graph, and
memory freed inside the C heap handed back to the system."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os


@contextlib.contextmanager
def gc_paused():
    """Pauses Python's cycle collector for the length of a build.

    A build makes millions of short-lived objects while holding a large
    graph; the collector would walk that graph again and again (half the
    time of a rebuild at 10,000 articles). Callers with time to spare, like
    the dev server after it has answered, collect afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def return_free_memory() -> None:
    """Hands memory freed inside the C heap back to the system (glibc keeps
    it otherwise), so that it is neither counted nor copied by forked workers."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (or no C library to open by that name)
        return
    trim(0)


def resident_bytes() -> int | None:
    """The memory this process holds now (its resident set), or None where
    the system does not tell (it is read from /proc)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
