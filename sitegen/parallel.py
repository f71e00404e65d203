"""Running the heavy stages (parsing, linking, rendering) on every core.

Work is split into chunks shared out among forked worker processes and the
calling process itself. Forking lets a worker use what the parent built
(the name index, the linked graph, the Jinja environment) without pickling
it; only chunk numbers go to the workers and only results come back. The
calling process takes chunks too, instead of waiting: on two cores that is
one worker, not two, and so one copy fewer of the pages a worker's
reference counting copies from its parent. Small jobs run in the calling
process alone, where starting a worker would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from typing import Any, Callable, Iterable, Sequence

from sitegen.memory import return_free_memory

MIN_ITEMS = 400
"""Below this many items a job runs in the calling process."""
SMALLEST_CHUNK_SHARE = 64
"""The last chunks hold 1/64 of each process's share of the items: small
enough that no process waits long at the end for another's last chunk."""


class WorkerError(Exception):
    """A worker process failed; the message holds its traceback."""


def worker_count() -> int:
    """Processes to compute with, the calling one included."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def _work(function: Callable[[Any, Any], Any], shared: Any, chunks: Sequence[Sequence[Any]], tasks, answers) -> None:
    """A worker's life: take chunk numbers until told to stop, send back each chunk's results."""
    try:
        while True:
            number = tasks.get()
            if number is None:
                break
            answers.put((number, _run_chunk(function, shared, chunks[number]), None))
    except BaseException as err:  # reported to the parent, which raises it
        err.add_note("raised in a worker process:\n" + "".join(traceback.format_exception(err)).rstrip())
        answers.put((None, None, _picklable(err)))
    else:
        answers.put((None, None, None))
    finally:
        answers.close()
        answers.join_thread()


def _chunks(items: list[Any], processes: int) -> list[list[Any]]:
    """Items cut into chunks that shrink as they go (each a quarter of what
    is left per process): few messages, and the slow items that often come
    last in a list (the pages of the most mentioned entities, say) are
    shared out finely."""
    smallest = max(1, len(items) // (processes * SMALLEST_CHUNK_SHARE))
    chunks, start = [], 0
    while start < len(items):
        size = max(smallest, (len(items) - start) // (processes * 4))
        chunks.append(items[start : start + size])
        start += size
    return chunks


def _run_chunk(function: Callable[[Any, Any], Any], shared: Any, chunk: Sequence[Any]) -> list[Any]:
    results = [function(shared, item) for item in chunk]
    # What the chunk freed goes back to the system before the next chunk
    # reuses it: a page written to again would be copied from the other
    # process (they share what they had before the fork) or kept by this one.
    return_free_memory()
    return results


def _picklable(err: BaseException) -> BaseException:
    """`err` itself when it can travel to the parent, else its traceback as a WorkerError."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:
        return WorkerError("".join(traceback.format_exception(err)))


def map_shared(
    function: Callable[[Any, Any], Any],
    shared: Any,
    items: Iterable[Any],
    min_items: int = MIN_ITEMS,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[Any]:
    """`[function(shared, item) for item in items]`, on all cores when it pays.

    `function` must be a module-level function; `function`, `shared` and the
    items reach the workers by fork, so they may be anything. An exception
    raised in a worker is raised here.

    `meanwhile` is other work for the calling process, done before it takes
    its share of the items (the workers take more of them in the meantime).
    """
    items = list(items)
    processes = worker_count()
    if processes < 2 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        if meanwhile is not None:
            meanwhile()
        results = []
        for item in items:
            results.append(function(shared, item))
            if progress is not None:
                progress(len(results), len(items))
        return results
    chunks = _chunks(items, processes)
    context = multiprocessing.get_context("fork")
    tasks, answers = context.SimpleQueue(), context.Queue()
    for number in range(len(chunks)):
        tasks.put(number)
    for _ in range(processes):  # a stop for each worker and one for this process
        tasks.put(None)
    workers = [context.Process(target=_work, args=(function, shared, chunks, tasks, answers), daemon=True) for _ in range(processes - 1)]
    for worker in workers:
        worker.start()
    done: dict[int, list[Any]] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()

    def record(number: int, part: list[Any]) -> None:
        with lock:
            done[number] = part
            count = sum(len(p) for p in done.values())
            if progress is not None:
                progress(count, len(items))

    def collect() -> None:
        # Takes the workers' answers while this process computes, so that no
        # worker waits on a full pipe; ends when every worker has stopped.
        running = len(workers)
        while running:
            try:
                number, part, error = answers.get(timeout=1.0)
            except queue.Empty:
                if not any(worker.is_alive() for worker in workers):
                    failures.append(WorkerError("a worker process stopped unexpectedly"))
                    return
                continue
            if number is not None:
                record(number, part)
            elif error is not None:
                failures.append(error)
                return
            else:
                running -= 1

    collector = threading.Thread(target=collect, name="sitegen-collect", daemon=True)
    collector.start()
    try:
        if meanwhile is not None:
            meanwhile()
        while not failures:
            number = tasks.get()
            if number is None:
                break
            record(number, _run_chunk(function, shared, chunks[number]))
        collector.join()
    finally:
        for worker in workers:
            if failures or collector.is_alive():
                worker.terminate()
            worker.join()
        tasks.close()
        answers.close()
    if failures:
        raise failures[0]
    return [result for number in range(len(chunks)) for result in done[number]]
