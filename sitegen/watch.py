"""Watching a site for changes, and `sitegen build --watch`.

`ChangeWatcher` turns watchdog's file events into batches: a burst of
changes (a `git checkout`, an editor's autosave, a folder copied in) becomes
one batch once the files have been quiet for a moment, so it is rebuilt
once, never queued.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from sitegen.load import CONFIG_FILE, is_ignored_name

WATCHED_FOLDERS = ("content", "templates", "static")
QUIET_SECONDS = 0.02
"""How long the files must be quiet before a batch is taken."""
LONGEST_WAIT = 1.0
"""A batch is taken after this long even if events keep coming."""


def is_watched(rel_path: str) -> bool:
    """Whether a change to this site-relative path can change the site."""
    if rel_path == CONFIG_FILE:
        return True
    parts = rel_path.split("/")
    return parts[0] in WATCHED_FOLDERS and not any(is_ignored_name(p) for p in parts[1:])


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: "ChangeWatcher"):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder whose entries changed: the entries have events of their own
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                self.watcher.notice(os.fsdecode(path), event.is_directory)


class ChangeWatcher:
    """Collects changed site paths from watchdog and hands them out in batches."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._observer = Observer()
        self._condition = threading.Condition()
        # Must hold _condition to touch these two:
        self._pending: set[str] = set()
        self._last_event = 0.0

    def start(self) -> None:
        # The root is watched alone, not recursively, so that output/, .git/
        # or a virtualenv beside the content cost no watches.
        self._handler = _Handler(self)
        self._scheduled: set[str] = set()
        self._observer.schedule(self._handler, str(self.root), recursive=False)
        for folder in WATCHED_FOLDERS:
            self._watch_folder(folder)
        self._observer.start()

    def _watch_folder(self, folder: str) -> None:
        if folder not in self._scheduled and (self.root / folder).is_dir():
            self._scheduled.add(folder)
            self._observer.schedule(self._handler, str(self.root / folder), recursive=True)

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)
        with self._condition:
            self._condition.notify_all()

    def notice(self, path: str, is_directory: bool = False) -> None:
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.root).as_posix()
        except ValueError:
            return
        if is_directory and rel in WATCHED_FOLDERS:
            self._watch_folder(rel)  # a folder made after the start, e.g. by git checkout
        if not is_watched(rel):
            return
        with self._condition:
            self._pending.add(rel)
            self._last_event = time.monotonic()
            self._condition.notify_all()

    def has_pending(self) -> bool:
        """Whether changes have arrived that no batch has taken yet."""
        with self._condition:
            return bool(self._pending)

    def next_batch(self, stop: threading.Event, wait: bool = True, patience: float = 0.0) -> set[str] | None:
        """Blocks until changes arrive and settle; None once `stop` is set.
        Without `wait`, an empty batch when no change has arrived within
        `patience` seconds."""
        give_up = time.monotonic() + patience
        with self._condition:
            while not self._pending:
                if stop.is_set():
                    return None
                left = give_up - time.monotonic()
                if not wait and left <= 0:
                    return set()
                self._condition.wait(timeout=0.2 if wait else left)
            first = time.monotonic()
            while True:
                quiet_for = time.monotonic() - self._last_event
                if quiet_for >= QUIET_SECONDS or time.monotonic() - first >= LONGEST_WAIT:
                    break
                self._condition.wait(timeout=QUIET_SECONDS - quiet_for)
            batch, self._pending = self._pending, set()
            return batch


def stop_on_interrupt() -> None:
    """Makes Ctrl-C (SIGINT) stop a long-running command even when it was
    started with SIGINT ignored, as a shell does for background jobs."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)


def watch_build(root: Path, out_dir: Path, args) -> int:
    """`sitegen build --watch`: build, then rebuild the output in place on every change."""
    stop_on_interrupt()
    from sitegen.build import Builder
    from sitegen.search import add_search_index
    from sitegen.cli import print_diagnostics, print_summary
    from sitegen.write import OutputError, check_output_folder, write_output

    try:
        check_output_folder(root, out_dir)
    except OutputError as err:
        print(f"sitegen: error: {err}", file=sys.stderr)
        return 1
    builder = Builder(root, args.base_url, args.drafts)
    watcher = ChangeWatcher(root)
    watcher.start()
    stop = threading.Event()
    first = True
    batch = None
    try:
        while True:
            result = builder.render(changed=batch)
            if first:
                add_search_index(result)  # made from the whole site: at the start only
            print_diagnostics(result.diagnostics)
            if result.failed(args.strict):
                print_summary(result.errors, result.warnings)
                print("build failed; the output was left as it was", file=sys.stderr)
            else:
                try:
                    # The first build writes the whole site (removing what it no
                    # longer makes); later ones only what changed.
                    write = write_output(out_dir, result.files, None if first else result.removed)
                    first = False
                    if not args.quiet:
                        print(f"rebuilt in {result.seconds * 1000:.0f} ms: {len(result.rendered)} pages rendered, {len(write.written)} files written, {len(write.removed)} removed", flush=True)
                except OutputError as err:
                    print(f"sitegen: error: {err}", file=sys.stderr)
            if not args.quiet:
                print("watching for changes (Ctrl-C to stop)", flush=True)
            batch = watcher.next_batch(stop)
            if batch is None:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
        watcher.stop()
