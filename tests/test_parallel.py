"""Handing prepared items over to worker processes (`sitegen.parallel.map_handed`)."""

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, sitegen
from sitegen.parallel import Workers, map_handed

two_cores = pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs two cores")


def _where_and_square(parent_pid: int, number: int) -> tuple[bool, int]:
    return os.getpid() != parent_pid, number * number


def _fail_in_a_worker(parent_pid: int, number: int) -> int:
    if os.getpid() != parent_pid:
        raise ValueError(f"item {number} failed in a worker")
    return number


@two_cores
def test_workers_forked_early_finish_jobs_one_after_another_as_the_caller_would():
    me = os.getpid()
    with Workers() as workers:
        for job in range(2):
            items = list(range(job, 3000 + job))
            results = map_handed(lambda n: n + 1, _where_and_square, me, items, workers)
            assert [square for _, square in results] == [(n + 1) ** 2 for n in items]
            in_worker = sum(1 for elsewhere, _ in results if elsewhere)
            assert 0 < in_worker < len(items)  # both processes finished some


@two_cores
def test_a_failure_in_a_worker_is_raised_in_the_caller_and_the_workers_stop():
    me = os.getpid()
    workers = Workers()
    with pytest.raises(ValueError, match="failed in a worker") as raised:
        map_handed(lambda n: n, _fail_in_a_worker, me, range(3000), workers)
    assert "raised in a worker process" in "".join(getattr(raised.value, "__notes__", []))
    assert workers.count == 0 and not workers.processes
    # With its workers gone, a pool's later jobs run in the calling process.
    assert map_handed(lambda n: n, _fail_in_a_worker, me, range(3000), workers) == list(range(3000))


def _where_and_size(parent_pid: int, payload: bytes) -> tuple[bool, int]:
    return os.getpid() != parent_pid, len(payload)


@two_cores
def test_an_item_of_many_megabytes_is_finished_by_the_caller_which_holds_it_already():
    # A worker would hold it pickled and then unpickled, beside the
    # caller's copy: the peak memory of a large site's build.
    from sitegen.parallel import HUGE_ITEM

    me = os.getpid()
    sizes = [100] * 1000 + [HUGE_ITEM + 1] + [100] * 1000
    with Workers() as workers:
        results = map_handed(lambda size: b"x" * size, _where_and_size, me, sizes, workers)
    assert [size for _, size in results] == sizes
    assert results[1000] == (False, HUGE_ITEM + 1)
    assert any(elsewhere for elsewhere, _ in results)  # the workers still took their share


def test_small_jobs_and_one_core_stay_in_the_calling_process():
    me = os.getpid()
    results = map_handed(lambda n: n, _where_and_square, me, range(10))
    assert results == [(False, n * n) for n in range(10)]
    with Workers(count=0) as none:
        assert map_handed(lambda n: n, _where_and_square, me, range(3000), none) == [(False, n * n) for n in range(3000)]


@two_cores
def test_a_template_that_fails_in_a_worker_is_reported_at_its_line(tmp_path):
    # Enough pages that they are rendered by a worker too: the worker loads
    # the site's templates itself, and its failures come back as diagnostics.
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(REPO / "bench/generate.py"), str(site), "--articles", "300", "-q"], check=True, timeout=300)
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates/entity.html").write_text('{% extends "base.html" %}\n{% block main %}\n<p>{{ entity.no_such_field }}</p>\n{% endblock %}\n', encoding="utf-8")
    run = sitegen("build", site, "-o", tmp_path / "out", "-q")
    assert run.code == 1
    problems = [line for line in run.stderr.splitlines() if ": error: " in line]
    assert problems and all(line.startswith("templates/entity.html:3:1: error: template error while making ") for line in problems), run.stderr
    assert not (tmp_path / "out" / "index.html").exists()  # a failed build writes nothing


@two_cores
def test_ctrl_c_stops_a_build_and_its_workers_without_a_traceback(tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(REPO / "bench/generate.py"), str(site), "--articles", "3000", "-q"], check=True, timeout=300)
    for seconds in (0.5, 2.5):  # while it loads, and later
        build = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "build", str(site), "-o", str(tmp_path / "out"), "-q"],
            cwd=REPO, stderr=subprocess.PIPE, text=True, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        time.sleep(seconds)
        os.killpg(build.pid, signal.SIGINT)  # as a terminal sends it: to the build and its workers
        _, err = build.communicate(timeout=120)
        assert build.returncode == 130, err
        assert "Traceback" not in err, err
        assert not (tmp_path / "out" / "index.html").exists()


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory):
    """A generated site of 1,500 articles: enough for workers to take part, and a timeline of megabytes."""
    site = tmp_path_factory.mktemp("generated") / "site"
    subprocess.run([sys.executable, str(REPO / "bench/generate.py"), str(site), "--articles", "1500", "-q"], check=True, timeout=300)
    return site


@two_cores
def test_bodies_linked_by_early_workers_are_read_from_their_files_and_one_changed_since_is_reported(generated_site, tmp_path):
    from sitegen.bodystore import BodyStore
    from sitegen.build import Builder
    from sitegen.diagnostics import Diagnostics
    from sitegen.link import link_site

    site_dir = tmp_path / "site"
    subprocess.run(["cp", "-r", str(generated_site), str(site_dir)], check=True)
    (tmp_path / "store").mkdir()
    with Workers() as workers:  # forked before anything is loaded, as a one-time build forks them
        builder = Builder(site_dir, once=True, store=BodyStore(tmp_path / "store"), workers=workers)
        paths, listed, _ = builder.refresh(None)
        site = builder.assemble(paths, listed, Diagnostics())
        assert all(article.body is None for article in site.articles.values())  # parsed without their bodies
        digests = {a.rel_path: hashlib.sha256((site_dir / a.rel_path).read_bytes()).hexdigest() for a in site.articles.values()}
        changed = sorted(site.articles.values(), key=lambda a: a.id)[-1]  # among the last: a worker's share
        path = site_dir / changed.rel_path
        path.write_text(path.read_text(encoding="utf-8") + "\nA line added while the site was being built.\n", encoding="utf-8")
        found = Diagnostics()
        graph = link_site(site, found, memo=builder._link_memo, store=builder.store, body_digests=digests, workers=workers)
    problems = [d for d in found.items if d.code == "io"]
    assert [(d.position.path, d.message) for d in problems] == [(changed.rel_path, "the file changed while the site was being built; build again")]
    unchanged = next(a for a in site.articles.values() if a.id != changed.id)
    html = graph.article_html(unchanged.id)
    assert '<p id="p-1">' in html and 'class="entity entity-' in html  # linked, numbered, stored and read back
    assert not graph.article_html(changed.id)


@two_cores
def test_a_page_of_megabytes_is_written_as_it_is_made_with_the_bytes_of_a_whole_render(generated_site, tmp_path):
    from sitegen.build import Builder

    run = sitegen("build", generated_site, "-o", tmp_path / "out", "-q")
    assert run.code == 0, run.stderr
    written = (tmp_path / "out/timeline/index.html").read_bytes()
    assert len(written) > 1_000_000
    whole = Builder(generated_site).render().files["timeline/index.html"]  # a live preview's render: one piece
    assert written == whole
    assert written.endswith(b"</html>\n") and written.count(b'<li class="entry ') > 1500


@two_cores
def test_a_template_failing_late_in_a_page_of_megabytes_is_reported_and_nothing_is_written(generated_site, tmp_path):
    site_dir = tmp_path / "site"
    subprocess.run(["cp", "-r", str(generated_site), str(site_dir)], check=True)
    (site_dir / "templates").mkdir(exist_ok=True)
    (site_dir / "templates/timeline.html").write_text(
        '{% extends "base.html" %}\n{% block main %}\n{% include "partials/timeline-list.html" %}\n{{ entries[0].no_such_field }}\n{% endblock %}\n',
        encoding="utf-8",
    )
    run = sitegen("build", site_dir, "-o", tmp_path / "out", "-q")
    assert run.code == 1
    problems = [line for line in run.stderr.splitlines() if ": error: " in line]
    assert problems == ["templates/timeline.html:4:1: error: template error while making timeline/index.html: 'dict object' has no attribute 'no_such_field'"], run.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@two_cores
def test_pages_and_search_index_made_by_workers_forked_late_or_early_are_the_same_bytes(generated_site, tmp_path, monkeypatch):
    # A small building process forks workers that share its graph to render
    # and index; a large one hands their data to the workers forked at the start.
    import sitegen.parallel
    from sitegen.build import build

    assert sitegen.parallel.fork_is_cheap()
    forked = build(generated_site, tmp_path / "forked")
    monkeypatch.setattr(sitegen.parallel, "CHEAP_FORK_MAX", 0)
    assert not sitegen.parallel.fork_is_cheap()
    handed = build(generated_site, tmp_path / "handed")
    assert forked.errors == handed.errors == 0
    files = sorted(p.relative_to(tmp_path / "forked") for p in (tmp_path / "forked").rglob("*") if p.is_file())
    assert len(files) > 2000
    assert files == sorted(p.relative_to(tmp_path / "handed") for p in (tmp_path / "handed").rglob("*") if p.is_file())
    assert all((tmp_path / "forked" / rel).read_bytes() == (tmp_path / "handed" / rel).read_bytes() for rel in files)
