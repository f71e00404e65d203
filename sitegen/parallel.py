"""Running the heavy stages (parsing, linking, rendering) on every core.

Parsing and linking are split into chunks shared out among forked worker
processes and the calling process itself (`map_shared`). Forking lets a
worker use what the parent built (the name index, the site) without
pickling it; only chunk numbers go to the workers and only results come
back. The calling process takes chunks too, instead of waiting: on two
cores that is one worker, not two, and so one copy fewer of the pages a
worker's reference counting copies from its parent. Small jobs run in the calling
process alone, where starting a worker would cost more than it saves.

Work that needs the large structure only to make its input (a page's
data from the linked graph, then its HTML; documents' text, then their
search postings) is handed over instead (`map_handed`): the calling
process prepares every item, and workers forked at the start of the build
(`Workers`), which share nothing of the structure and so copy none of it,
finish them.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import traceback
from typing import Any, Callable, Iterable, Sequence

from sitegen.memory import resident_bytes, return_free_memory

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


def _work(answer: Callable[[Any], Any], tasks, answers) -> None:
    """A worker's life: take tasks until told to stop, send back `answer(task)` for each."""
    try:
        while True:
            task = tasks.get()
            if task is None:
                break
            answers.put((task[0], answer(task), None))
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


class _Pool:
    """Forked workers answering numbered tasks (tuples whose first item is
    the number) from `tasks` with `answer`, and a thread of the calling
    process passing each answer on to `record(number, result)` as it comes,
    so that no worker waits on a full pipe."""

    def __init__(self, context, count: int, answer: Callable[[Any], Any], tasks, record: Callable[[int, Any], None]):
        self.tasks = tasks
        self.answers = context.Queue()
        self.failures: list[BaseException] = []
        self.workers = [context.Process(target=_work, args=(answer, tasks, self.answers), daemon=True) for _ in range(count)]
        for worker in self.workers:
            worker.start()
        self.collector = _collector(self.answers, self.workers, record, self.failures)

    def __enter__(self) -> "_Pool":
        return self

    def __exit__(self, error_type, error, trace) -> None:
        """Waits for the workers to stop, or stops them at once after a
        failure here or in a worker; then raises a worker's failure."""
        try:
            if error_type is None and not self.failures:
                self.collector.join()
        finally:
            for worker in self.workers:
                if self.failures or self.collector.is_alive():
                    worker.terminate()
                worker.join()
            self.tasks.close()
            self.answers.close()
        if self.failures and error_type is None:
            raise self.failures[0]


def _collector(answers, workers: list, record: Callable[[int, Any], None], failures: list[BaseException]) -> threading.Thread:
    """A thread of the calling process passing the workers' answers to
    `record(number, result)`; it ends when every worker has said it is done
    (an answer numbered None), or at the first failure (put in `failures`)."""

    def collect() -> None:
        running = len(workers)
        while running:
            try:
                number, result, error = answers.get(timeout=1.0)
            except queue.Empty:
                if not any(worker.is_alive() for worker in workers):
                    failures.append(WorkerError("a worker process stopped unexpectedly"))
                    return
                continue
            if number is not None:
                record(number, result)
            elif error is not None:
                failures.append(error)
                return
            else:
                running -= 1

    thread = threading.Thread(target=collect, name="sitegen-collect", daemon=True)
    thread.start()
    return thread


CHEAP_FORK_MAX = 512 << 20
"""The building process's size up to which forking it costs little memory."""


def fork_is_cheap() -> bool:
    """Whether a job that reads the building process's large structures may
    run in workers forked from it now (`map_shared`) rather than be handed
    to the workers forked at the start (see `map_handed`). Forked now, workers
    read the structure itself: nothing is pickled, and preparing the items
    is shared out too (a third less time for rendering 10,000 articles'
    pages). But a worker copies every page of memory its reading touches
    (about half of the graph), so past CHEAP_FORK_MAX the memory would cost
    more than the time is worth."""
    size = resident_bytes()
    return size is not None and size <= CHEAP_FORK_MAX


def _prepare_and_finish(job: tuple[Callable[[Any], Any], Callable[[Any, Any], Any], Any], item: Any) -> Any:
    prepare, finish, state = job
    return finish(state, prepare(item))


def _can_fork(items: list[Any], min_items: int) -> bool:
    return worker_count() >= 2 and len(items) >= min_items and "fork" in multiprocessing.get_all_start_methods()


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
    if not _can_fork(items, min_items):
        return _map_here(lambda item: function(shared, item), items, progress, meanwhile)
    processes = worker_count()
    chunks = _chunks(items, processes)
    context = multiprocessing.get_context("fork")
    tasks = context.SimpleQueue()
    for number in range(len(chunks)):
        tasks.put((number,))
    for _ in range(processes):  # a stop for each worker and one for this process
        tasks.put(None)
    done: dict[int, list[Any]] = {}
    lock = threading.Lock()

    def record(number: int, part: list[Any]) -> None:
        with lock:
            done[number] = part
            if progress is not None:
                progress(sum(len(p) for p in done.values()), len(items))

    with _Pool(context, processes - 1, lambda task: _run_chunk(function, shared, chunks[task[0]]), tasks, record) as pool:
        if meanwhile is not None:
            meanwhile()
        while not pool.failures:
            task = tasks.get()
            if task is None:
                break
            record(task[0], _run_chunk(function, shared, chunks[task[0]]))
    return [result for number in range(len(chunks)) for result in done[number]]


def _map_here(function: Callable[[Any], Any], items: list[Any], progress: Callable[[int, int], None] | None, meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """`[function(item) for item in items]` in the calling process, `meanwhile` first."""
    if meanwhile is not None:
        meanwhile()
    results = []
    for item in items:
        results.append(function(item))
        if progress is not None:
            progress(len(results), len(items))
    return results


HANDED_BACKLOG = 32 << 20
HANDED_SHARE = 8
"""Prepared items wait for the workers, before the calling process does
`meanwhile`, until there are 32 MB of them or 1/8 of the job: enough to
keep the workers busy a while, little to hold, and on a small job not all
of it (the calling process would then only prepare)."""
HANDED_STEADY = 64
"""Prepared items waiting per worker, past which the calling process
finishes an item itself: enough that no worker waits for the next while
the threads that pass items and answers wait their turn for the
interpreter (up to its switch interval, 5 ms, each), and at most 1/64 of
the job's items, so that the workers' last items keep no one waiting."""


LARGE_ITEM = 1 << 20
"""Pickled bytes past which a worker hands the memory a batch took back to
the system when done with it (a page listing the whole site, say)."""
HUGE_ITEM = 16 << 20
"""An item whose pickle is past LARGE_ITEM is finished by the calling
process, which holds its payload already, when the workers have as many
pickled bytes waiting (they go on meanwhile), and one past HUGE_ITEM (a
page listing the whole site) always is: a worker would hold it unpickled,
several times its pickled size (hundreds of megabytes at 100,000
articles), beside the calling process's copy, at the build's busiest
moment. Its pickle is made only to weigh it."""
BATCH_ITEMS = 16
BATCH_BYTES = 256 << 10
"""Items travel to a worker in batches of up to 16 items or 256 KB: each
message waits for the interpreter in the threads that pass it on (up to
its switch interval, 5 ms, on each side), a wait a batch shares out."""


def _serve(tasks, answers) -> None:
    """A `Workers` process's life: jobs one after another, each a
    ("job", pickled (finish, state)) message, then ("items", batch number,
    [(item number, pickled payload), ...]) messages, answered with
    (batch number, [(item number, result), ...], None), then ("end",);
    None stops the process.

    Ctrl-C is the building process's to handle (it stops its workers): a
    worker ignores it, so it neither dies mid-answer nor prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    job, failed = None, False
    while True:
        task = tasks.get()
        if task is None:
            break
        if task[0] == "job":
            job, failed = pickle.loads(task[1]), False
        elif task[0] == "end":
            if not failed:
                answers.put((None, None, None))
            job = None
        elif not failed:
            finish, state = job
            try:
                answers.put((task[1], [(number, finish(state, pickle.loads(data))) for number, data in task[2]], None))
                if sum(len(data) for _, data in task[2]) > LARGE_ITEM:
                    return_free_memory()
            except BaseException as err:  # reported to the parent, which raises it
                err.add_note("raised in a worker process:\n" + "".join(traceback.format_exception(err)).rstrip())
                answers.put((None, None, _picklable(err)))
                failed = True
    answers.close()
    answers.join_thread()


class Workers:
    """Worker processes for the jobs that hand their items over
    (`map_handed`), forked once while the building process is small.

    A worker forked from a large process copies every page of it that its
    own allocations land on (a freed slot beside objects it never reads is
    enough): forked at the start of a build, a worker holds little more
    than what it is working on. Without a fork (one core, or a system that
    cannot fork) there are no processes and jobs run in the calling one.
    """

    def __init__(self, count: int | None = None):
        self.count = worker_count() - 1 if count is None else count
        if "fork" not in multiprocessing.get_all_start_methods():
            self.count = 0
        context = multiprocessing.get_context("fork") if self.count else None
        self.tasks = [context.Queue() for _ in range(self.count)]
        self.answers = context.Queue() if self.count else None
        self.processes = [context.Process(target=_serve, args=(tasks, self.answers), daemon=True) for tasks in self.tasks]
        for process in self.processes:
            process.start()

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *error) -> None:
        self.close()

    def close(self, at_once: bool = False) -> None:
        """Stops the processes: after their last job, or `at_once` (a job
        failed, and what they still hold is of no use)."""
        for process, tasks in zip(self.processes, self.tasks):
            if at_once:
                process.terminate()
            else:
                tasks.put(None)
        for process in self.processes:
            process.join()
        for tasks in self.tasks:
            tasks.close()
        if self.answers is not None:
            self.answers.close()
        self.processes, self.tasks, self.answers, self.count = [], [], None, 0


def map_handed(
    prepare: Callable[[Any], Any],
    finish: Callable[[Any, Any], Any],
    state: Any,
    items: Iterable[Any],
    workers: Workers | None = None,
    min_items: int = MIN_ITEMS,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
    fork_when_cheap: bool = False,
) -> list[Any]:
    """`[finish(state, prepare(item)) for item in items]`, with `prepare`
    in the calling process and `finish` on all cores when it pays.

    For work that reads a large structure only to make something small to
    finish (documents' text from the linked graph, then their search
    postings): workers get what `prepare` made, pickled, and never read the
    structure. The calling process finishes items too whenever enough wait
    for the workers.
    `finish` must be a module-level function (or a class's) and `state` picklable: they
    travel to the workers, which may have been forked before either existed
    (`workers`; without them, workers are forked for this call alone).
    `meanwhile` is other work for the calling process, done once enough
    prepared items wait to keep the workers busy a while.
    With `fork_when_cheap`, when forking the calling process costs little
    (`fork_is_cheap`), workers forked now do `prepare` too, from what they
    share with it (`map_shared`): nothing is pickled, and preparing is
    shared out. Only for a `prepare` whose effects the calling process does
    not need.
    """
    items = list(items)
    if fork_when_cheap and fork_is_cheap():
        return map_shared(_prepare_and_finish, (prepare, finish, state), items, min_items, progress, meanwhile)
    if (workers is not None and not workers.count) or not _can_fork(items, min_items):
        return _map_here(lambda item: finish(state, prepare(item)), items, progress, meanwhile)
    if workers is None:
        with Workers() as own:
            return map_handed(prepare, finish, state, items, own, min_items, progress, meanwhile)
    done: dict[int, Any] = {}
    sent: dict[int, tuple[int, int]] = {}  # batch number → (the worker it went to, its bytes), until answered
    loads = [0] * workers.count  # the items handed to each worker and not answered (those in `batches` too)
    batches: list[list[tuple[int, bytes]]] = [[] for _ in range(workers.count)]  # each worker's next batch
    backlog = [0]  # the bytes handed out and not answered, all workers together
    numbers = itertools.count()
    failures: list[BaseException] = []
    steady = max(1, min(HANDED_STEADY, len(items) // 64))
    lock = threading.Lock()

    def record(number: int, result: Any) -> None:
        with lock:
            done[number] = result
            if progress is not None:
                progress(len(done), len(items))

    def record_batch(batch: int, results: list[tuple[int, Any]]) -> None:
        with lock:
            worker, size = sent.pop(batch)
            loads[worker] -= len(results)
            backlog[0] -= size
            done.update(results)
            if progress is not None:
                progress(len(done), len(items))

    def send(worker: int) -> None:
        batch = batches[worker]
        if batch:
            batches[worker] = []
            number = next(numbers)
            with lock:
                sent[number] = (worker, sum(len(data) for _, data in batch))
            workers.tasks[worker].put(("items", number, batch))

    job = pickle.dumps((finish, state), protocol=pickle.HIGHEST_PROTOCOL)
    for tasks in workers.tasks:
        tasks.put(("job", job))
    collector = _collector(workers.answers, workers.processes, record_batch, failures)
    try:
        for number, item in enumerate(items):
            if failures:
                break
            with lock:
                # the workers have enough to go on with while `meanwhile` runs
                enough = backlog[0] >= HANDED_BACKLOG or sum(loads) * HANDED_SHARE >= len(items)
            if meanwhile is not None and (enough or number == len(items) - 1):
                for worker in range(workers.count):
                    send(worker)
                meanwhile()
                meanwhile = None
            payload = prepare(item)
            with lock:
                worker = min(range(workers.count), key=loads.__getitem__)
                handed = loads[worker] < steady or (meanwhile is not None and not enough)
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL) if handed else None
            if data is not None and len(data) > LARGE_ITEM:
                with lock:
                    if len(data) > HUGE_ITEM or backlog[0] >= len(data):
                        data = None  # finished here: see HUGE_ITEM
            if data is None:
                record(number, finish(state, payload))
                del payload  # not held while the next item is prepared (a page's data can be hundreds of megabytes)
                continue
            del payload
            if len(data) > LARGE_ITEM:
                # glibc keeps what pickles of this size took once they are
                # sent, in the middle of the heap, unless told to give it back
                return_free_memory()
            batches[worker].append((number, data))
            with lock:
                loads[worker] += 1
                backlog[0] += len(data)
                idle = loads[worker] == len(batches[worker])  # it has nothing else to do
            del data  # the batch holds it until the queue has pickled it, and no longer
            if idle or len(batches[worker]) >= BATCH_ITEMS or sum(len(d) for _, d in batches[worker]) >= BATCH_BYTES:
                send(worker)
        for worker in range(workers.count):
            send(worker)
        for tasks in workers.tasks:
            tasks.put(("end",))
        if not failures:
            collector.join()
    except BaseException:
        workers.close(at_once=True)
        raise
    if failures:
        workers.close(at_once=True)
        raise failures[0]
    return [done[number] for number in range(len(items))]
