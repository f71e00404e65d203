#!/usr/bin/env python3
"""Run one command; print its wall time and peak memory as one JSON line.

    python bench/measure.py [--cwd DIR] -- CMD [ARG...]

Run in a fresh process per measurement (bench/run.py does), so that
getrusage(RUSAGE_CHILDREN) covers exactly this command and its descendants.

Peak memory is reported two ways, and `peak_kb` is the larger:
- `maxrss_kb`: ru_maxrss of RUSAGE_CHILDREN -- the largest resident set of
  any single process of the tree (exact, but not a sum over processes that
  run at the same time);
- `tree_peak_kb`: the largest sum over the whole process tree, sampled from
  /proc every 20 ms (or ten times as long as a sample takes, for large
  processes), of each process's proportional set size (PSS, from
  /proc/PID/smaps_rollup: a page shared by n processes counts 1/n in each),
  so forked workers that share their parent's memory are not counted
  twice; where PSS cannot be read, the resident set size instead.

Output keys: rc, wall_s, user_s, sys_s, maxrss_kb, tree_peak_kb, peak_kb,
stderr_tail (the last 2,000 characters of the command's stderr and stdout).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children_map():
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        rp = data.rfind(b")")
        fields = data[rp + 2:].split()
        try:
            ppid = int(fields[1])
        except (IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(name))
    return children


def tree(root):
    children = _children_map()
    out, stack = [], [root]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, ()))
    return out


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def pss_kb(pid):
    """Proportional set size of one process (its share of pages it shares), or its RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return rss_kb(pid)


class Sampler(threading.Thread):
    def __init__(self, pid, interval=0.02, rescan=0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.rescan = pid, interval, rescan
        self.peak = 0
        self.stop = threading.Event()

    def run(self):
        pids, last_scan = [self.pid], 0.0
        while not self.stop.is_set():
            now = time.monotonic()
            if now - last_scan >= self.rescan:
                pids = tree(self.pid)
                last_scan = now
            started = time.monotonic()
            total = sum(pss_kb(p) for p in pids)
            self.peak = max(self.peak, total)
            # Reading PSS walks the page tables (milliseconds for a process of
            # gigabytes): wait ten times as long as it took, so that the
            # sampler never takes more than a tenth of a core from the build.
            self.stop.wait(max(self.interval, 10 * (time.monotonic() - started)))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    cwd = None
    if argv[:1] == ["--cwd"]:
        cwd, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        except OSError as exc:
            print(json.dumps({"rc": 127, "wall_s": 0.0, "error": str(exc), "stderr_tail": str(exc)}))
            return 0
        sampler = Sampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    maxrss = int(ru.ru_maxrss)
    print(json.dumps({
        "rc": rc, "wall_s": round(wall, 4), "user_s": round(ru.ru_utime, 3), "sys_s": round(ru.ru_stime, 3),
        "maxrss_kb": maxrss, "tree_peak_kb": sampler.peak, "peak_kb": max(maxrss, sampler.peak),
        "stderr_tail": tail,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
