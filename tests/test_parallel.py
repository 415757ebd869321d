"""Rendering on several processes gives the bytes rendering on one gives, and the same errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from primer import parallel
from primer.build import build
from primer.errors import ContentError
from primer.exports import FORMATS
from tools import FORKS_COUNTED, fresh

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is how workers start here")


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_run_keeps_the_order_and_the_values() -> None:
    fresh(
        """
        from primer import parallel
        assert parallel.can_fork(), "a process without threads can fork"
        work = [lambda i=i: (i, "x" * i) for i in range(23)]
        assert parallel.run(work, 3) == [(i, "x" * i) for i in range(23)]
        assert parallel.run(work, 1) == parallel.run(work, 2)
        assert parallel.run([], 4) == []
        """
    )


def test_a_pool_runs_what_is_submitted_on_workers_and_the_rest_here() -> None:
    fresh(
        """
        import os
        from primer import parallel
        here = os.getpid()
        work = [lambda i=i: (i, os.getpid()) for i in range(40)]
        with parallel.Pool(work, 2) as pool:
            pool.submit([0])
            pool.submit([1])
            pool.submit(list(range(2, 18)))
            pool.submit([])
            found = [pool.result(i) for i in range(40)]
        assert [i for i, _ in found] == list(range(40))
        assert all(pid != here for _, pid in found[:18]), "the submitted pieces ran on workers"
        assert all(pid == here for _, pid in found[18:]), "the others ran here, when asked for"
        assert not parallel._WORK, "the pool lets go of its work"
        with parallel.Pool(work, 1) as pool:  # one process: everything here
            pool.submit([3, 4])
            assert pool.result(4) == (4, here)
        """
    )


def test_a_pool_leaves_the_collector_as_it_found_it_without_counting_what_is_set_aside() -> None:
    """A pool sets the objects alive aside before it forks (so that the workers' pages stay shared) and hands
    them back when it closes, unless they were set aside already; it knows which without `gc.get_freeze_count`,
    which counts millions of objects one by one in a large lesson's rebuild."""
    fresh(
        """
        import gc, os
        from primer import parallel
        count = gc.get_freeze_count
        def counted():
            raise AssertionError("counted the objects set aside")
        gc.get_freeze_count = counted
        work = [lambda i=i: (i, os.getpid()) for i in range(4)]
        for before in (False, True):
            if before:
                parallel.freeze()
            with parallel.Pool(work, 2) as pool:
                pool.submit([0, 1])
                assert parallel.frozen() and pool.result(1)[1] != os.getpid(), "forked, the objects set aside"
            assert parallel.frozen() is before, "as it found them"
            gc.get_freeze_count = count
            assert (gc.get_freeze_count() > 0) is before
            gc.get_freeze_count = counted
        parallel.unfreeze()
        gc.get_freeze_count = count
        assert gc.get_freeze_count() == 0 and not parallel.frozen()
        """
    )


def test_a_failure_in_a_pool_is_raised_here_as_a_serial_run_raises_it() -> None:
    fresh(
        """
        from primer import parallel

        def fails():
            raise ValueError("piece 2 is broken")

        work = [lambda: "ok", lambda: "ok", fails, lambda: "ok"]
        with parallel.Pool(work, 2) as pool:
            pool.submit([0, 1, 2, 3])
            assert pool.result(1) == "ok"
            try:
                pool.result(2)
            except ValueError as raised:
                assert raised.__traceback__ is not None and "piece 2" in str(raised)
            else:
                raise AssertionError("the failure was not raised")
            assert pool.result(3) == "ok"
        """
    )


def test_a_failure_in_a_worker_is_raised_as_the_serial_run_raises_it() -> None:
    def fails() -> str:
        raise ValueError("page 5 is broken")

    work = [lambda: "ok"] * 5 + [fails] + [lambda: "ok"] * 5
    with pytest.raises(ValueError, match="page 5 is broken") as raised:
        parallel.run(work, 2)
    assert raised.traceback[-1].name == "fails", "the traceback is this process's own, from the failing piece"


def test_pieces_submitted_with_what_was_made_after_the_fork_are_called_with_it() -> None:
    """A build's teacher pages show the links to the exports, made after the workers forked: they are submitted
    to the same workers with the links (`Pool.submit(…, given)`), and called with them, there or here."""
    fresh(
        """
        import os
        from primer import parallel
        me = os.getpid()
        work = [lambda: (os.getpid(), "first")]
        work += [lambda links, i=i: (os.getpid(), links["made"] + i) for i in range(4)]
        with parallel.Pool(work, 2) as pool:
            pool.submit([0])  # the workers fork now
            links = {"made": 10}  # made after they forked
            pool.submit([1, 2], links)
            pool.submit([3, 4], {"made": 20})
            results = [pool.result(i) for i in range(5)]
        assert [value for _, value in results] == ["first", 10, 11, 22, 23]
        assert me not in {pid for pid, _ in results}, "all made by the workers"
        with parallel.Pool(work, 1) as pool:  # no worker: each is called here, with what it was given
            pool.submit([0])
            pool.submit([1, 2], {"made": 30})
            assert [pool.result(i) for i in range(3)] == [(me, "first"), (me, 30), (me, 31)]
        """
    )


def test_started_work_returns_its_value_or_raises_here() -> None:
    assert parallel.start(lambda: {"a": b"bytes"}, 2).result() == {"a": b"bytes"}

    def fails() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError):
        parallel.start(fails, 2).result()
    assert parallel.start(lambda: 7, 1).result() == 7


def test_started_work_is_prepared_in_its_worker_only() -> None:
    """`prepare` may drop what the parent still needs (a build's exports drop where each item was defined)."""
    fresh(
        """
        from primer import parallel
        held = ["needed here"]
        started = parallel.start(lambda: list(held), 2, prepare=held.clear)
        assert started._process is not None
        assert started.result() == []  # the worker dropped it before it worked
        assert held == ["needed here"]  # this process still has it
        assert parallel.start(lambda: list(held), 1, prepare=held.clear).result() == ["needed here"]  # no worker
        """
    )


def test_what_started_work_leaves_for_once_it_is_sent_does_not_hold_up_its_value(tmp_path: Path) -> None:
    """`once_sent`: in a worker forked by `start`, a step the work leaves (writing what it keeps for the next build)
    runs once the value is sent, so the process that waits for the value goes on meanwhile and waits for the step
    only in `finish_workers` (`reap` does not: a rebuild forks its page workers meanwhile); a step that fails there
    is no error. Without a worker, the step runs at once."""
    fresh(
        f"""
        import time
        from pathlib import Path
        from primer import parallel
        done = Path({str(tmp_path / "done")!r})

        def slow_step():
            time.sleep(1.0)
            done.write_text("written")

        def work(fails=False):
            if fails:
                parallel.once_sent(lambda: 1 / 0)  # fails in the worker: the others still run
            parallel.once_sent(slow_step)
            yield "value"

        asked = time.perf_counter()
        assert parallel.start(lambda: work(fails=True), 2, stream=True).result() == ["value"]
        assert time.perf_counter() - asked < 0.9 and not done.exists(), "the value before the step"
        parallel.reap()
        assert not done.exists(), "reap waits for the workers that are ending, not for those still writing"
        parallel.finish_workers()
        assert done.read_text() == "written"
        done.unlink()
        assert parallel.start(work, 1, stream=True).result() == ["value"] and done.exists(), "no worker: at once"
        """
    )


def test_a_parallel_build_is_byte_identical_to_a_serial_one(mini: Path, tmp_path: Path) -> None:
    serial, forked = tmp_path / "one", tmp_path / "two"
    build(mini, serial, jobs=1, pdf=False)
    fresh(
        f"""
        from pathlib import Path
        from primer import parallel
        from primer.build import build
        from primer.content import library
        assert parallel.can_fork()
        library.AHEAD_BYTES = 0  # its files parsed on two processes too (`read_ahead`), as a large lesson's are
        build(Path({str(mini)!r}), Path({str(forked)!r}), jobs=3, pdf=False)
        """
    )
    one, two = _files(serial), _files(forked)
    assert sorted(one) == sorted(two)
    assert [rel for rel in one if one[rel] != two[rel]] == []


def test_a_lessons_files_parsed_on_two_processes_load_as_on_one(tmp_path: Path) -> None:
    """`_Builder.read_ahead`: with two processes, a worker parses about half of the bytes of a lesson's files (the
    topics first, never the questions) while this process parses the others, each file once; the lesson loads as
    on one process (the same items from the same places, the same warnings, or the same errors), and the parse
    cache on disk takes every file, so that the next load parses none and starts no worker."""
    root = Path(__file__).resolve().parent.parent
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(root / "benchmarks" / "make_corpus.py"), "--realistic", "8", str(corpus)], check=True
    )
    broken = tmp_path / "broken"
    shutil.copytree(corpus, broken)
    for name in ("topics", "questions"):
        first = sorted((broken / name).glob("*.yaml"))[0]
        first.write_text(first.read_text(encoding="utf-8").replace("id:", "id: [\n_:", 1), encoding="utf-8")
    parsed_by = tmp_path / "parsed-by"
    fresh(
        f"""
        import os, pickle
        from pathlib import Path
        from primer import parallel, parsed
        from primer.content import library
        from primer.errors import ContentError
        corpus, broken, parsed_by = Path({str(corpus)!r}), Path({str(broken)!r}), Path({str(parsed_by)!r})
        total = sum(p.stat().st_size for p in corpus.rglob("*.yaml"))
        assert total > library.AHEAD_BYTES // 4
        library.AHEAD_BYTES = total // 4  # a large lesson's, for this one
        validated = library._Builder._validated
        def recorded(self, kind, path, raw):
            with parsed_by.open("a") as log:
                log.write(f"{{os.getpid()}} {{kind}} {{path.name}}\\n")
            return validated(self, kind, path, raw)
        library._Builder._validated = recorded
        def taken():
            lines = parsed_by.read_text().splitlines() if parsed_by.exists() else []
            parsed_by.unlink(missing_ok=True)
            return [line.split(" ", 2) for line in lines]
        def seen(lib):
            tables = ("sources", "points", "terms", "actors", "events", "places", "topics", "questions")
            items = {{t: [(k, v.model_dump()) for k, v in getattr(lib, t).items()] for t in tables}}
            places = {{k: (o.doc.shown, o.loc) for k, o in lib.origins.items()}}
            return items, places, lib.warnings, lib.site.model_dump()
        one = library.load_library(corpus, None, 1)
        alone = taken()
        assert {{pid for pid, _, _ in alone}} == {{str(os.getpid())}}
        two = library.load_library(corpus, None, 2)
        split = taken()
        assert sorted(name for _, _, name in split) == sorted(name for _, _, name in alone), "each file once"
        theirs = [(kind, name) for pid, kind, name in split if pid != str(os.getpid())]
        mine = [(kind, name) for pid, kind, name in split if pid == str(os.getpid())]
        assert theirs and mine, split
        assert {{kind for kind, _ in theirs}} >= {{"topic"}} and "questions" not in {{kind for kind, _ in theirs}}
        assert seen(one) == seen(two)
        errors = []
        for jobs in (1, 2):
            try:
                library.load_library(broken, None, jobs)
            except ContentError as exc:
                errors.append([p.format() for p in exc.problems])
        assert len(errors) == 2 and errors[0] == errors[1] and len(errors[0]) >= 2, errors
        assert any("topics/" in e for e in errors[0]) and any("questions/" in e for e in errors[0])
        taken()
        started = []
        start = parallel.start
        def counted(work, jobs, **kwargs):
            started.append(work)
            return start(work, jobs, **kwargs)
        parallel.start = counted
        first, stored = parsed.load(corpus, 2)
        assert started and stored is not None and len(taken()) == len(alone)
        stored.save()
        started.clear()
        again, stored = parsed.load(corpus, 2)
        assert taken() == [] and started == [] and stored is None, "every file from the cache, no worker"
        assert seen(again) == seen(one)
        """
    )


def test_a_template_error_in_a_worker_is_reported_at_its_line(mini: Path, tmp_path: Path) -> None:
    page = mini / "templates" / "site" / "404.html"
    page.parent.mkdir(parents=True)
    page.write_text('{% extends "default:site/404.html" %}{% block main %}{{ nothing.here() }}{% endblock %}\n')
    with pytest.raises(ContentError) as raised:
        build(mini, tmp_path / "site", jobs=2, pdf=False)
    assert [p.path for p in raised.value.problems] == ["content/templates/site/404.html"]


def test_chunks_cover_the_work_in_order_and_shrink_to_single_pieces() -> None:
    for count in (1, 7, 23, 2063):
        for jobs in (2, 3):
            chunks = parallel.chunks(count, jobs)
            assert [i for start, stop in chunks for i in range(start, stop)] == list(range(count))
            sizes = [stop - start for start, stop in chunks]
            assert sizes[: min(jobs, count)] == [1] * min(jobs, count), "the first piece for each worker alone"
            rest = sizes[jobs:]
            assert rest == sorted(rest, reverse=True), "then the largest first"
            assert sizes[-1] == 1, "the last pieces one by one: no worker waits long for the other"
    assert len(parallel.chunks(2063, 2)) < 80, "few enough to send"


def test_meanwhile_runs_here_while_the_workers_run() -> None:
    fresh(
        """
        import os, time
        from primer import parallel
        me, seen = os.getpid(), []
        def piece(i):
            time.sleep(0.05)
            return (i, os.getpid() != me)
        def meanwhile():
            assert not parallel.forks(2), "nothing forks inside the map"
            seen.append(time.perf_counter())
        began = time.perf_counter()
        results = parallel.run([lambda i=i: piece(i) for i in range(20)], 2, meanwhile)
        assert [i for i, _ in results] == list(range(20)) and all(away for _, away in results)
        assert len(seen) == 1 and seen[0] - began < 0.3, "called once, while the pieces still ran"
        # without workers it is called too, once, first
        order = []
        assert parallel.run([lambda: order.append("piece")], 1, lambda: order.append("meanwhile")) == [None]
        assert order == ["meanwhile", "piece"]
        # its failure is raised, and no worker is left behind
        import multiprocessing
        def broken():
            raise RuntimeError("handouts failed")
        try:
            parallel.run([lambda i=i: piece(i) for i in range(20)], 2, broken)
        except RuntimeError as exc:
            assert str(exc) == "handouts failed"
        else:
            raise AssertionError("not raised")
        assert multiprocessing.active_children() == []
        """
    )


def test_cancel_stops_started_work() -> None:
    fresh(
        """
        import multiprocessing, time
        from primer import parallel
        started = parallel.start(lambda: time.sleep(60), 2)
        began = time.perf_counter()
        started.cancel()
        assert time.perf_counter() - began < 5
        assert multiprocessing.active_children() == []
        parallel.start(lambda: 1, 1).cancel()  # nothing started: nothing to do
        """
    )


def test_a_failed_check_stops_the_exports_it_started(mini: Path, tmp_path: Path) -> None:
    """The exports start in a worker as soon as the questions are derived; a check that then fails leaves
    no worker behind, and writes nothing."""
    fresh(
        f"""
        import multiprocessing
        from pathlib import Path
        from primer import build as build_mod
        from primer.errors import ContentError, Problem
        started = []
        start = build_mod._start_exports
        build_mod._start_exports = lambda *a, **k: started.append(start(*a, **k)) or started[-1]
        def lint(lib, derived):
            raise ContentError([Problem("content/x.yaml", 1, 1, "made to fail", "fix it")])
        build_mod.lint = lint
        try:
            build_mod.build(Path({str(mini)!r}), Path({str(tmp_path / "site")!r}), jobs=2, pdf=False)
        except ContentError:
            pass
        else:
            raise AssertionError("the build did not fail")
        assert len(started) == 1 and started[0].started._process is not None, "the exports had a worker"
        assert multiprocessing.active_children() == []
        assert not Path({str(tmp_path / "site")!r}).exists()
        """
    )


def test_shared_pieces_are_each_taken_once_from_the_first_by_a_worker_and_from_the_last_here() -> None:
    fresh(
        """
        from primer import parallel
        shares = parallel.Shares(5)
        started = parallel.start(lambda: [shares.first(), shares.first()], 2)
        assert started.result() == [0, 1]
        assert [shares.last() for _ in range(4)] == [4, 3, 2, None]
        # the worker's work run again here (it failed there): every piece this process did not take, once
        assert [shares.first() for _ in range(3)] == [0, 1, None]
        """
    )


def test_the_formats_the_exports_worker_has_not_started_are_made_by_the_builds_process(
    mini: Path, tmp_path: Path
) -> None:
    """The build's process, left waiting for the exports, makes the formats their worker has not started, from
    the last: each format once, by one of the two, and the files, the teacher hub's list of formats among them,
    those one process makes. A worker that fails has what it made made again here, with the rest."""
    serial = tmp_path / "one"
    build(mini, serial, jobs=1, pdf=False)
    names = list(FORMATS)
    for fails in (False, True):
        forked, made = tmp_path / f"two-{fails}", tmp_path / f"made-{fails}"
        fresh(
            f"""
            import os, time
            from pathlib import Path
            import primer.exports as exports
            from primer import parallel
            from primer.build import build
            assert parallel.can_fork()
            here, real, fails = os.getpid(), exports.render_export, {fails!r}
            def render_export(lib, derived, fmt, topic, memo=None):
                if topic is None:  # the whole bank's: who made it
                    with Path({str(made)!r}).open("a") as stream:
                        stream.write(f"{{fmt}} {{'here' if os.getpid() == here else 'worker'}}\\n")
                    if os.getpid() != here:
                        # a worker slower than the build's process, which is left waiting for it: it waits, too,
                        # until that process makes a format itself, which on a busy machine may come late
                        deadline = time.monotonic() + 60
                        while not fails and " here" not in Path({str(made)!r}).read_text():
                            assert time.monotonic() < deadline, "the build's process never made a format"
                            time.sleep(0.02)
                        # a failing worker fails on its second format, taken at once after its first, and holds it
                        # while the build's process takes from the last (held after its first, it could find the
                        # build's process had taken the second meanwhile: a lesson's format takes milliseconds)
                        if fails and fmt == {names[1]!r}:
                            time.sleep(0.3)
                            raise MemoryError("a worker stopped halfway")
                        if not fails:
                            time.sleep(0.3)
                return real(lib, derived, fmt, topic, memo)
            exports.render_export = render_export
            build(Path({str(mini)!r}), Path({str(forked)!r}), jobs=2, pdf=False)
            """
        )
        lines = [line.split() for line in made.read_text().splitlines()]
        here = [name for name, by in lines if by == "here"]
        assert here[: len(names) - 2] == names[:1:-1][: len(here)], "the last ones first, made here"
        if fails:  # the worker made the first, failed on the second: both made again here, after the last
            assert [name for name, by in lines if by == "worker"] == names[:2]
            assert sorted(here) == sorted(names) and here[-2:] == names[:2]
        else:
            assert sorted(name for name, _ in lines) == sorted(names), "each format once"
            assert here and here == names[: len(names) - len(here) - 1 : -1]
        one, two = _files(serial), _files(forked)
        assert sorted(one) == sorted(two)
        assert [rel for rel in one if one[rel] != two[rel]] == [], fails


def test_streamed_work_sends_its_items_one_by_one_or_raises_here() -> None:
    fresh(
        """
        import multiprocessing
        from primer import parallel
        def files():
            yield "", {"links": 1}
            for i in range(50):
                yield f"f{i}", bytes([i]) * 100_000  # 5 MB in all: more than a pipe holds at once
        started = parallel.start(files, 2, stream=True)
        assert started._process is not None
        assert started.result() == list(files())
        assert parallel.start(files, 1, stream=True).result() == list(files())  # no worker: made here
        def breaks():
            yield "a", b"1"
            raise KeyError("the third export failed")
        try:
            parallel.start(breaks, 2, stream=True).result()
        except KeyError as exc:
            assert "the third export failed" in str(exc)
        else:
            raise AssertionError("not raised")
        assert multiprocessing.active_children() == []
        """
    )


def test_the_checks_of_the_reports_second_part_its_worker_has_not_started_are_made_by_the_builds_process(
    mini: Path, tmp_path: Path
) -> None:
    """The report's second part (`report.PARTS[1]`) is the longest: its worker makes its checks one by one from the
    first, and the build's process, once it has nothing else to do, takes those the worker has not started, from
    the last (`InParts.finish`). Each check is made once, by one of them; the report is the one a single process
    makes; and what each check keeps of each text (`report-<check>.facts`) is found by the next check whichever
    process makes it then, so that it reads no text again."""
    log = tmp_path / "made.log"
    fresh(
        f"""
        import os, time
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer import build as build_mod, report
        from primer.report import coverage, render, staleness
        here, log, lesson = os.getpid(), Path({str(log)!r}), Path({str(mini)!r})
        slow = [True]
        def note(line):
            with log.open("a") as stream:
                stream.write(line + "\\n")
        def marked(name, check):
            def made(ctx):
                note(f"{{name}} {{os.getpid()}}")
                if name == "provenance" and os.getpid() != here and slow[0]:
                    time.sleep(1.0)  # the worker is still at its first check when the build's process is done
                return check(ctx)
            return made
        for name in report.PARTS[1]:
            report._RETURNING[name] = marked(name, report._RETURNING[name])
        for module, reader in [(staleness, "_as_of_in"), (staleness, "_present_in"), (coverage, "_point_links")]:
            def counted(*args, original=getattr(module, reader), reader=reader):
                note(f"read {{reader}}")
                return original(*args)
            setattr(module, reader, counted)
        finish = report.InParts.finish
        def finishing(self, *args):
            while slow[0] and not any(line.startswith("provenance ") for line in log.read_text().splitlines()):
                time.sleep(0.01)  # the worker has taken its first check
            return finish(self, *args)
        report.InParts.finish = finishing
        log.write_text("")
        shared = render.as_json(build_mod.check(lesson, jobs=2).report)
        lines = log.read_text().splitlines()
        makers = dict(line.split() for line in lines if not line.startswith("read "))
        assert sorted(makers) == sorted(report.PARTS[1]), lines
        assert len(lines) - sum(line.startswith("read ") for line in lines) == 4, "each check made once"
        assert int(makers["provenance"]) != here
        assert {{int(makers[name]) for name in ("coverage", "stats", "staleness-later")}} == {{here}}, lines
        assert any(line.startswith("read ") for line in lines), "a first check reads the texts"
        slow[0] = False
        log.write_text("")
        again = render.as_json(build_mod.check(lesson, jobs=2).report)
        assert not [line for line in log.read_text().splitlines() if line.startswith("read ")], "kept by each check"
        assert shared == again == render.as_json(build_mod.check(lesson, jobs=1).report)
        """
    )


@pytest.mark.parametrize("indexed", [False, True])
def test_a_process_that_checks_again_gets_the_findings_its_last_report_had_from_its_workers_by_index(
    mini: Path, tmp_path: Path, indexed: bool
) -> None:
    """In a process that checks again (memos on: `primer build --watch`), each part of the report made in a worker
    sends, for each finding the last report had, its index there rather than the finding, and so for each row of
    a check's result that equals the last's (`report._sent`): the report is the one a single process makes, after
    an edit too, whose new findings and changed rows are sent whole, and after the edit is undone. `indexed`: the
    last report's findings are indexed once each check is done (`report.index_last`, as `--watch` does once a build
    is written), not by each worker."""
    lesson = tmp_path / "lesson"
    shutil.copytree(mini, lesson)
    topic = lesson / "topics" / "radars.yaml"  # words the first part's checks find (loaded, a figure)
    said = "lede: The regime said 4,200 troops went. "
    topic.write_text(topic.read_text(encoding="utf-8").replace("lede: ", said, 1), encoding="utf-8")
    fresh(
        f"""
        import os, shutil
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = "off"
        from primer import build as build_mod, memo, report
        from primer.report import render
        lesson = Path({str(lesson)!r})
        def alone():  # the report one process makes, with nothing kept
            memo.enable(False)
            return render.as_json(build_mod.check(lesson, jobs=1).report)
        checked = build_mod.check
        def check(lesson, jobs):
            made = checked(lesson, jobs=jobs)
            if {indexed!r}:
                report.index_last()
                assert report._LAST_INDEX or not report._LAST, "indexed once the check is done"
            return made
        build_mod.check = check
        sent, rows = [], []
        received = report._received
        def seen(part):
            sent.append(part.sent)
            rows.extend(row for made in (part.sent_results or {{}}).values() for row in made)
            return received(part)
        report._received = seen
        expected = alone()  # (which leaves no last report: memos off)
        sent.clear()
        memo.enable()
        first = render.as_json(build_mod.check(lesson, jobs=2).report)
        # (two parts in workers: the third is made in the process that checks again, once it is done; and so is
        # the second once it has checked before)
        assert first == expected and sent == [None] * 2, "nothing to send by index yet"
        sent.clear()
        assert render.as_json(build_mod.check(lesson, jobs=2).report) == first
        indices = [f for part in sent for f in part or [] if isinstance(f, int)]
        assert len(sent) == 1 and all(part is not None for part in sent) and indices, sent
        assert all(isinstance(f, int) for part in sent for f in part), "every finding is the last report's"
        assert rows and all(isinstance(row, int) for row in rows), "and every row of the checks' results"
        topic = lesson / "topics" / "radars.yaml"
        text = topic.read_text(encoding="utf-8")
        topic.write_text(text.replace("lede: ", "lede: The regime claimed 3,100 more. ", 1), encoding="utf-8")
        sent.clear()
        rows.clear()
        edited = render.as_json(build_mod.check(lesson, jobs=2).report)
        assert any(not isinstance(row, int) for row in rows), "a row that changed is sent whole"
        new = [f for part in sent for f in part if not isinstance(f, int)]
        assert new and all(isinstance(f, report.Finding) for f in new), "a new finding is sent whole"
        assert edited != first and edited == alone()
        topic.write_text(text, encoding="utf-8")
        memo.enable()  # (`alone` turned the memos off, and with them the last report)
        assert render.as_json(build_mod.check(lesson, jobs=2).report) == first
        topic.write_text(text.replace("lede: ", "lede: The regime claimed 3,100 more. ", 1), encoding="utf-8")
        assert render.as_json(build_mod.check(lesson, jobs=2).report) == edited
        topic.write_text(text, encoding="utf-8")
        assert render.as_json(build_mod.check(lesson, jobs=2).report) == first
        """
    )


def test_a_check_on_two_processes_finds_what_one_finds_and_leaves_nothing_running(mini: Path) -> None:
    """`primer check` makes the report's first two parts in workers (`report.InParts`), as a build does: the
    same warnings, summary and report as on one process; the collector is left as it was found; and a check
    that fails, there or in the workers' parts, leaves no worker behind."""
    root = Path(__file__).resolve().parent.parent
    shipped = mini.parent / "corpus"  # eight topics, whose report warns
    subprocess.run(
        [sys.executable, str(root / "benchmarks" / "make_corpus.py"), "--realistic", "8", str(shipped)], check=True
    )
    broken = mini.parent / "broken"
    shutil.copytree(mini, broken)
    topic = sorted((broken / "topics").glob("*.yaml"))[0]
    topic.write_text(topic.read_text(encoding="utf-8").replace("title:", "title: 7\n_:", 1), encoding="utf-8")
    fresh(
        f"""
        import gc, multiprocessing
        from pathlib import Path
        from primer import build as build_mod, parallel, report
        from primer.errors import ContentError
        from primer.report import render
        forked = []
        start = parallel.start
        def counted(work, jobs, **kwargs):
            forked.append(start(work, jobs, **kwargs))
            return forked[-1]
        parallel.start = counted
        one = build_mod.check(Path({str(shipped)!r}), jobs=1)
        assert not any(s._process for s in forked), "one process: no worker"
        two = build_mod.check(Path({str(shipped)!r}), jobs=2)
        assert sum(s._process is not None for s in forked) == 3, "the report's three parts in workers"
        assert one.summary() == two.summary() and one.warnings == two.warnings and one.warnings
        assert render.as_json(one.report) == render.as_json(two.report)
        assert gc.isenabled() and gc.get_freeze_count() == 0
        assert report.make(Path({str(shipped)!r}), "json", 2)[1] == report.make(Path({str(shipped)!r}), "json", 1)[1]
        assert gc.isenabled() and gc.get_freeze_count() == 0
        failed = []
        for jobs in (1, 2):
            try:
                build_mod.check(Path({str(broken)!r}), jobs=jobs)
            except ContentError as exc:
                failed.append(exc.problems)
        assert len(failed) == 2 and failed[0] == failed[1]
        def lint(lib, derived):
            raise RuntimeError("made to fail beside the report's workers")
        build_mod.lint = lint
        try:
            build_mod.check(Path({str(shipped)!r}), jobs=2)
        except RuntimeError:
            pass
        else:
            raise AssertionError("the check did not fail")
        assert multiprocessing.active_children() == []
        assert gc.isenabled() and gc.get_freeze_count() == 0
        """
    )


def test_the_reports_units_are_made_once_and_let_go_of_when_only_the_render_is_left(mini: Path) -> None:
    """The report's parts share one list of our text's units, made before the first forks (`InParts`); once the
    last has forked, or once a process drops what only the checks read (the exports' worker, forked before the
    last part; the build's process once checked), the list is let go of (each unit holds its file as parsed,
    a large lesson's largest part), and a part made afterwards in this process makes the units again: the same
    report either way."""
    fresh(
        f"""
        from pathlib import Path
        from primer.checks.names import check_term_names
        from primer.content.library import load_library
        from primer.derive import derive
        from primer.report import InParts, let_go_of_units, run_report, units as units_mod
        from primer.report.render import as_json
        made = []
        own_text = units_mod.own_text
        def counted(lib):
            made.append(own_text(lib))
            return made[-1]
        import primer.report as report
        report.own_text = counted
        lib = load_library(Path({str(mini)!r}))
        derived = derive(lib)
        expected = as_json(run_report(lib, derived, Path({str(mini)!r})))
        made.clear()
        for jobs in (2, 1):
            with InParts(lib, Path({str(mini)!r}), jobs) as parts:
                held = parts._units
                assert held.made is made[-1] and len(made) == 1
                parts.derived(derived)
                let_go_of_units()  # as the exports' worker does first thing
                assert held.made is None
                parts.named(check_term_names(lib))
                got = as_json(parts.finish())
            assert got == expected
            # on two processes the first two parts forked with the list, and the last, forked after it was let
            # go of, made it again in its worker (not counted here); on one, each part made here made it again
            assert len(made) == (1 if jobs == 2 else 4), (jobs, len(made))
            made.clear()
        with InParts(lib, Path({str(mini)!r}), 2) as parts:
            held = parts._units
            parts.derived(derived)
            assert held.made is not None
            units = held.made
            parts.named(check_term_names(lib))
            assert held.made is None, "every part forked: let go of"
            # set aside, not freed: that waits until nothing waits for the check
            assert report._ASIDE == [units] and report._ASIDE[0] is units
            assert as_json(parts.finish()) == expected
            let_go_of_units()
            assert report._ASIDE == []
        """
    )


def test_a_rebuild_frees_the_reports_units_once_it_is_written(mini: Path, tmp_path: Path) -> None:
    """The units every part of the report forked with are set aside, not freed, while the check goes on: a
    one-shot rebuild's process ends first, and `primer build --watch` frees them among the steps it runs once
    the build is said to be written (`record_later`), last. A first build frees them before its render."""
    fresh(
        f"""
        from pathlib import Path
        import primer.report as report
        from primer.build import build
        from primer.content.library import ParseCache
        lesson, out = Path({str(mini)!r}), Path({str(tmp_path / "site")!r})
        parsed = ParseCache()
        build(lesson, out, pdf=False, cache=True, parse_cache=parsed, jobs=2)
        assert report._ASIDE == [], "a first build frees them before its render"
        # the lesson edited: a rebuild (the last build's record is there), as the watch makes it
        topic = lesson / "topics" / "radars.yaml"
        topic.write_text(topic.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), "utf-8")
        later = []
        build(lesson, out, pdf=False, cache=True, parse_cache=parsed, jobs=2, record_later=later)
        assert len(report._ASIDE) == 1 and report._ASIDE[0], ("set aside while the build is written", report._ASIDE)
        assert later[-1] is report.let_go_of_units
        for step in later:
            step()
        assert report._ASIDE == []
        """
    )


def test_the_report_needs_its_questions_before_its_last_parts(mini: Path) -> None:
    from primer.content.library import load_library
    from primer.report import InParts

    with pytest.raises(RuntimeError, match="derived"), InParts(load_library(mini), mini, 1) as parts:
        parts.finish()


def test_a_rebuilds_pages_go_to_the_workers_one_at_a_time_first_then_in_growing_chunks() -> None:
    """A rebuild finds its pages as it goes (largest first) and hands them out as it finds them: one at a time
    until each worker has had a few, so that a source edit's twenty pages are shared out, and in chunks of up to
    `_AT_ONCE` once there are many (a term edit's hundreds), so that few messages go."""
    from primer.targets.site import _AT_ONCE, rebuild_chunk

    def tasks(pages: int, jobs: int) -> list[int]:  # as `_Render.submit` hands them out
        sizes, waiting = [], 0
        for found in range(1, pages + 1):
            waiting += 1
            if waiting >= rebuild_chunk(found, jobs):
                sizes.append(waiting)
                waiting = 0
        return sizes + ([waiting] if waiting else [])

    for jobs in (1, 2, 3):
        assert [rebuild_chunk(found, jobs) for found in range(1, 4 * jobs)] == [1] * (4 * jobs - 1)
        sizes = [rebuild_chunk(found, jobs) for found in range(1, 3000)]
        assert sizes == sorted(sizes) and max(sizes) == _AT_ONCE
    source_edit = tasks(20, 2)
    assert sum(source_edit) == 20 and max(source_edit) <= 3 and len(source_edit) >= 10, source_edit
    term_edit = tasks(600, 2)
    assert sum(term_edit) == 600 and len(term_edit) < 80, len(term_edit)


def test_a_process_that_builds_again_imports_the_maps_drawing_once_it_has_written_a_build(
    mini: Path, tmp_path: Path
) -> None:
    """A first build imports what drawing a map takes before its workers fork; a rebuild's workers, forked from a
    process that had not, each imported it again. `primer build --watch` imports it once a build is written
    (among the steps of `record_later`), so that the workers of its next builds have it. (With its memos on, a
    rebuild whose pages weigh little makes them in its own process, maps and all: see `LIGHT`.)"""
    build(mini, tmp_path / "site", pdf=False, cache=True, jobs=2)  # the build a rebuild follows
    fresh(
        f"""
        import sys
        from pathlib import Path
        from primer.build import build
        from primer.content.library import ParseCache
        lesson, out = Path({str(mini)!r}), Path({str(tmp_path / "site")!r})
        topic = lesson / "topics" / "radars.yaml"
        topic.write_text(topic.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), "utf-8")
        later = []
        build(lesson, out, pdf=False, cache=True, parse_cache=ParseCache(), jobs=2, record_later=later)
        assert "primer.maps.draw" not in sys.modules, "the rebuild's workers drew its maps"
        for step in later:
            step()
        assert "primer.maps.draw" in sys.modules
        """
    )


def test_a_rebuild_makes_pages_that_weigh_little_itself_and_gives_the_others_to_workers(
    mini: Path, tmp_path: Path
) -> None:
    """A rebuild in a process that builds again (memos on, as `primer build --watch`) makes its pages in that
    process while the files the last build made of them weigh no more than `LIGHT` (forking workers for a few
    pages cost more than it made), and gives them to workers once they weigh more; a process that builds once
    gives them to workers. The same files each way, as a clean build's."""
    lesson = tmp_path / "lesson"
    shutil.copytree(mini, lesson)
    fresh(
        f"""
        import os
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer import memo, parallel
        from primer.build import build
        from primer.content.library import ParseCache
        import primer.targets.site as site
        lesson, out = Path({str(lesson)!r}), Path({str(tmp_path / "site")!r})
        given = []
        submit = parallel.Pool.submit
        def counted(self, numbers, extra=None):
            given.extend(numbers)
            return submit(self, numbers, extra)
        parallel.Pool.submit = counted
        def files(folder):
            found = sorted(p for p in folder.rglob("*") if p.is_file())
            return {{p.relative_to(folder).as_posix(): p.read_bytes() for p in found}}
        def clean(name):
            os.environ["PRIMER_CACHE_DIR"] = "off"
            try:
                build(lesson, Path({str(tmp_path)!r}) / name, pdf=False, jobs=1)
            finally:
                os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
            return files(Path({str(tmp_path)!r}) / name)
        parsed = ParseCache()
        build(lesson, out, pdf=False, cache=True, jobs=2, parse_cache=parsed)
        assert given, "a first build's pages go to workers"
        topic = lesson / "topics" / "radars.yaml"
        for step, (again, light) in enumerate([(True, site.LIGHT), (True, 0), (False, site.LIGHT)]):
            memo.enable(again)
            site.LIGHT = light
            text = topic.read_text(encoding="utf-8")
            topic.write_text(text.replace("title: ", f"title: Edited {{step}} ", 1), encoding="utf-8")
            given.clear()
            later = []
            kept = parsed if again else None
            build(lesson, out, pdf=False, cache=True, jobs=2, parse_cache=kept, record_later=later)
            for done in later:
                done()
            assert (given == []) is (again and light > 0), (again, light, given)
            memo.enable(False)
            assert files(out) == clean(f"clean-{{step}}")
        """
    )


def test_the_questions_are_hashed_before_the_reports_part_that_reads_them_forks(
    mini: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lint and the report's second part read every question's hash (`Derived.digest`) when results are kept:
    the build's process works them out before that part forks, which then has them rather than hashing each
    question again."""
    from primer import reads
    from primer.build import check
    from primer.report import InParts

    seen: list[tuple[set[str], set[str]]] = []
    told = InParts.derived

    def derived(self: InParts, derived: object) -> None:
        seen.append((set(derived.__dict__.get("_digests", {})), set(derived.bank)))  # type: ignore[attr-defined]
        told(self, derived)  # type: ignore[arg-type]

    monkeypatch.setattr(InParts, "derived", derived)
    check(mini)
    (hashed, bank), *_ = seen
    assert bank and hashed == bank
    hashes = []
    monkeypatch.setattr(reads, "_value_hash", lambda value: hashes.append(value) or "x")
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")  # nothing kept: nothing read them, and nothing hashes them
    seen.clear()
    check(mini)
    assert seen and seen[0][0] == set() and hashes == []


def test_a_workers_value_is_taken_without_waiting_for_it_to_end_and_reaped_before_the_next_fork() -> None:
    """A worker that sent its value ends while this process goes on (it takes 10–30 ms for a large lesson):
    `reap` waits for it, as the next worker's start does, and a build once it is done."""
    fresh(
        """
        import multiprocessing, multiprocessing.util, time
        from primer import parallel
        def slow_to_end():
            # in the worker: it sleeps as it ends, after it sent its value
            multiprocessing.util.Finalize(None, time.sleep, args=(1.0,), exitpriority=10)
            return 42
        began = time.perf_counter()
        assert parallel.start(slow_to_end, 2).result() == 42
        assert time.perf_counter() - began < 0.8, "the value is taken as soon as it is sent"
        assert len(multiprocessing.active_children()) == 1
        parallel.reap()
        assert multiprocessing.active_children() == [] and time.perf_counter() - began >= 1.0
        assert parallel.start(slow_to_end, 2).result() == 42
        again = parallel.start(lambda: 7, 2)  # the last worker is waited for before the next forks
        assert multiprocessing.active_children() == [again._process] and again.result() == 7
        parallel.reap()
        assert multiprocessing.active_children() == []
        """
    )


def test_a_rebuild_in_a_process_that_checks_again_forks_for_the_reports_first_part_and_the_exports(
    mini: Path, tmp_path: Path
) -> None:
    """In a process that checks again (memos on: `primer build --watch`), a rebuild after a source's edit forks a
    worker for the report's first part and one for the exports: its second and third parts are made in the process
    itself, where a worker cost more than it made. The output is a clean build's, and so is the report."""
    out, clean = tmp_path / "out", tmp_path / "clean"
    fresh(
        f"""
        import os
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer import build as build_mod, memo
        from primer.report import render
        lesson, out, clean = Path({str(mini)!r}), Path({str(out)!r}), Path({str(clean)!r})
        memo.enable()
        build_mod.build(lesson, out, jobs=2, pdf=False, cache=True)
        assert "_exports" in forked and forked.count("report_part") == 2, forked  # a first build forks them
        source = lesson / "sources" / "mini-source.yaml"
        text = source.read_text(encoding="utf-8")
        assert "title: " in text
        source.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
        forked.clear()
        rebuilt = build_mod.build(lesson, out, jobs=2, pdf=False, cache=True)[0]
        # (the parse cache's entry for the edited file is written meanwhile, when it is kept on disk)
        assert [name for name in forked if name != "save"] == ["report_part", "_exports"], forked
        memo.enable(False)
        alone = build_mod.build(lesson, clean, jobs=1, pdf=False)[0]
        assert files(out) == files(clean)
        assert render.as_json(rebuilt.report) == render.as_json(alone.report)
        """,
        FORKS_COUNTED,
    )
