"""Running the heavy stages (parsing, linking, rendering) on every core.

Work is split into chunks handed to forked worker processes. Forking lets a
worker use what the parent built (the name index, the linked graph, the
Jinja environment) without pickling it: the shared object is given to each
worker once, when it starts, and kept there for the chunks it runs. Small
jobs run in the calling process, where starting workers would cost more
than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any, Callable, Iterable, Sequence

MIN_ITEMS = 400
"""Below this many items a job runs in the calling process."""

_worker_shared: Any = None
"""In a worker process only: the object its jobs share (set once at start)."""


def _start_worker(shared: Any) -> None:
    global _worker_shared
    _worker_shared = shared


def _run_chunk(job: tuple[Callable[[Any, Any], Any], Sequence[Any]]) -> list[Any]:
    function, chunk = job
    return [function(_worker_shared, item) for item in chunk]


def worker_count() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def map_shared(
    function: Callable[[Any, Any], Any],
    shared: Any,
    items: Iterable[Any],
    min_items: int = MIN_ITEMS,
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """`[function(shared, item) for item in items]`, on all cores when it pays.

    `function` must be a module-level function (it is sent to workers by
    name); `shared` reaches them by fork, so it may be anything.
    """
    items = list(items)
    workers = worker_count()
    if workers < 2 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        results = []
        for item in items:
            results.append(function(shared, item))
            if progress is not None:
                progress(len(results), len(items))
        return results
    chunk_size = max(1, len(items) // (workers * 8))
    chunks = [items[i : i + chunk_size] for i in range(0, len(items), chunk_size)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start_worker, initargs=(shared,)) as pool:
        results: list[Any] = []
        for part in pool.imap(_run_chunk, [(function, chunk) for chunk in chunks]):
            results.extend(part)
            if progress is not None:
                progress(len(results), len(items))
    return results
