"""The watch's helper makes the report's first part at each save, in a process of its own, for the bytes the
build loaded and no others; a save whose helper is busy, gone or of another mind makes the part itself."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools import FORKS_COUNTED, fresh

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is how workers start here")


def test_a_rebuild_whose_first_part_the_helper_makes_forks_nothing_and_builds_what_a_clean_build_does(
    mini: Path, tmp_path: Path
) -> None:
    """With a warm helper (`primer build --watch`), a rebuild after a source's edit forks no worker: the helper
    makes the report's first part, and the build's process the rest, the exports too. The output is a clean
    build's, and so is the report."""
    out, clean = tmp_path / "out", tmp_path / "clean"
    fresh(
        f"""
        import os
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer import build as build_mod, memo
        from primer.report import helper, render
        lesson, out, clean = Path({str(mini)!r}), Path({str(out)!r}), Path({str(clean)!r})
        source = lesson / "sources" / "mini-source.yaml"
        text = source.read_text(encoding="utf-8")
        with helper.helping(lesson, 2) as helping:
            assert helping is not None and helper.current() is helping
            memo.enable()
            build_mod.build(lesson, out, jobs=2, pdf=False, cache=True)
            assert not helping.took, "a first build forks its workers"
            helping.warm()
            assert helping.answer() is None, "the warm-up sends no part"
            made = []
            for number in range(3):  # the last as a save asks it (`begin`): it loads the lesson as the build does
                source.write_text(text.replace("title: ", f"title: Edited {{number}} ", 1), encoding="utf-8")
                forked.clear()
                if number == 2:
                    helping.begin()
                rebuilt = build_mod.build(lesson, out, jobs=2, pdf=False, cache=True)[0]
                assert helping.took
                assert [name for name in forked if name != "save"] == [], forked
                made.append((files(out), render.as_json(rebuilt.report)))
            memo.enable(False)
        assert helper.current() is None
        for number, (output, report) in enumerate(made):  # each as a clean build on one process makes it
            source.write_text(text.replace("title: ", f"title: Edited {{number}} ", 1), encoding="utf-8")
            alone = build_mod.build(lesson, clean, jobs=1, pdf=False)[0]
            assert output == files(clean)
            assert report == render.as_json(alone.report)
        """,
        FORKS_COUNTED,
    )


def test_the_helper_answers_only_for_the_bytes_the_build_loaded(mini: Path, tmp_path: Path) -> None:
    """The helper's part is the one the build's process makes of the same files; it makes none when it read
    other bytes (a save between the two loads), or when the lesson does not load."""
    fresh(
        f"""
        import os
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer.content.library import load_library
        from primer.derive import derive
        from primer.report import helper, report_part, _received
        lesson = Path({str(mini)!r})
        lib = load_library(lesson)
        assert len(lib.files_read) == 32 and load_library(lesson).files_read == lib.files_read
        here = report_part(lib, None, 0, lesson)
        made = helper.first_part(lesson, lib.files_read)
        assert made is not None
        assert made.findings == here.findings and made.results == here.results
        assert helper.first_part(lesson, None) is None, "the warm-up's part is not sent"
        assert helper.first_part(lesson, "0" * 32) is None
        (lesson / "sources" / "mini-source.yaml").rename(lesson / "sources" / "renamed.yaml")
        renamed = load_library(lesson)
        assert renamed.files_read != lib.files_read, "a file's name counts, not only its bytes"
        (lesson / "sources" / "renamed.yaml").rename(lesson / "sources" / "mini-source.yaml")
        source = lesson / "sources" / "mini-source.yaml"
        source.write_text(source.read_text(encoding="utf-8") + "\\ntitle: [", encoding="utf-8")
        assert helper.first_part(lesson, lib.files_read) is None
        """
    )


def test_a_save_asks_the_helper_as_it_begins_and_takes_its_part_only_for_the_bytes_the_build_read(
    mini: Path, tmp_path: Path
) -> None:
    """Asked as a save begins (`begin`), the helper loads the lesson while the build's process does, and its part is
    the build's when both read the same bytes; when a save came between the two loads, the build makes the part. A
    part asked for that no build took (a lesson that failed to load) is dropped at the next save."""
    fresh(
        f"""
        import os
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer.content.library import load_library
        from primer.report import helper, report_part
        lesson = Path({str(mini)!r})
        source = lesson / "sources" / "mini-source.yaml"
        text = source.read_text(encoding="utf-8")
        with helper.helping(lesson, 2) as helping:
            helping.begin()
            assert not helping._early and helping._pending == 0, "nothing is asked before the warm-up"
            helping.warm()
            assert helping.answer() is None
            helping.begin()
            lib = load_library(lesson)
            asked = helping.ask(lib)
            assert asked is not None and helping.took
            asked.instead = lambda: "made here"
            made, here = asked.result(), report_part(lib, None, 0, lesson)
            assert made != "made here" and made.findings == here.findings and made.results == here.results
            helping.begin()
            assert helping._pipe.poll(60), "the helper answers"  # (it read the lesson before the save below)
            source.write_text(text.replace("title: ", "title: Saved meanwhile ", 1), encoding="utf-8")
            saved = load_library(lesson)
            asked = helping.ask(saved)
            assert asked is not None
            asked.instead = lambda: "made here"
            assert asked.result() == "made here", "the helper read other bytes: the build makes the part"
            helping.begin()  # and no build takes it
            assert helping._pipe.poll(60)
            helping.begin()
            assert helping._early and helping._pending == 1, "the part no build took is dropped, and one asked anew"
            asked = helping.ask(saved)
            asked.instead = lambda: "made here"
            assert asked.result().findings == report_part(saved, None, 0, lesson).findings
        source.write_text(text, encoding="utf-8")
        """
    )


def test_a_helper_that_is_busy_or_gone_leaves_the_part_to_the_build(mini: Path, tmp_path: Path) -> None:
    """Asked while it still makes an earlier part (its warm-up), the helper takes nothing; gone, or stuck past its
    patience, its part is made by the build's process (`instead`), and it is asked no more."""
    fresh(
        f"""
        import os, signal
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer.content.library import load_library
        from primer.report import helper
        lesson = Path({str(mini)!r})
        lib = load_library(lesson)
        with helper.helping(lesson, 2) as helping:
            helping.warm()
            assert helping.ask(lib) is None and not helping.took, "busy with its warm-up"
            assert helping.answer() is None
            asked = helping.ask(lib)
            assert asked is not None and helping.took
            assert asked.result().findings is not None
            os.kill(helping._process.pid, signal.SIGSTOP)  # asked, and gone before it answers
            asked = helping.ask(lib)
            assert asked is not None
            helping._process.kill()
            asked.instead = lambda: "made here"
            assert asked.result() == "made here"
            assert helping.ask(lib) is None and not helping.took, "gone"
        with helper.helping(lesson, 2) as helping:
            helping.warm()
            assert helping.answer() is None
            helping.PATIENCE = 0.5  # (after the warm-up, which starts an interpreter: on a busy machine, past 0.5 s)
            os.kill(helping._process.pid, signal.SIGSTOP)  # asked, and stuck
            asked = helping.ask(lib)
            asked.instead = lambda: "made here"
            assert asked.result() == "made here"
            assert helping.ask(lib) is None and helping._process is None, "stopped, and asked no more"
        with helper.helping(lesson, 1) as helping:
            assert helping is None, "one process: no helper"
        """
    )


def test_the_check_before_watching_makes_the_reports_later_parts_in_its_own_process(mini: Path, tmp_path: Path) -> None:
    """The check that `primer build --watch` makes before it watches (its first build had nothing to redo) forks a
    worker for the report's first part alone, and makes the second and third in its own process, as every later
    check does: its memos then hold what they read for the first save. Its report is a plain check's."""
    out = tmp_path / "out"
    fresh(
        f"""
        import os
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer import build as build_mod, memo
        from primer.content.library import ParseCache
        from primer.report import render
        lesson, out = Path({str(mini)!r}), Path({str(out)!r})
        build_mod.build(lesson, out, jobs=2, pdf=False, cache=True)
        forked.clear()
        plain = build_mod.check(lesson, jobs=2)
        assert forked.count("report_part") == 3, forked  # (every part, each in a worker)
        memo.enable()
        forked.clear()
        warm = build_mod.check_for_watch(lesson, False, 2, ParseCache(), out, pdf=False)
        assert forked.count("report_part") == 1, forked
        memo.enable(False)
        assert render.as_json(warm.report) == render.as_json(plain.report)
        """,
        FORKS_COUNTED,
    )


def test_the_watch_asks_its_helper_as_a_save_begins_and_not_at_the_look_when_the_watcher_starts(
    mini: Path, tmp_path: Path
) -> None:
    """`primer build --watch` asks the helper for its part as each save's build begins (`Helper.begin`), and not
    for the look at the watcher's first quiet moment, which finds nothing to redo: a part asked for there kept
    the helper busy when the first save came, which then made the part itself."""
    fresh(
        f"""
        import os
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        import watchfiles
        from click.testing import CliRunner
        from primer.cli import main
        from primer.report import helper
        lesson, out = Path({str(mini)!r}), Path({str(tmp_path / "out")!r})
        source = lesson / "sources" / "mini-source.yaml"
        text = source.read_text(encoding="utf-8")
        asked = []
        begin = helper.Helper.begin
        def begun(self):
            asked.append(self)
            begin(self)
        helper.Helper.begin = begun
        def changes(*paths, stop_event, **options):
            yield set()  # the first quiet moment: the look
            source.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
            yield {{("modified", str(source))}}
            stop_event.set()
        watchfiles.watch = changes
        result = CliRunner().invoke(
            main, ["build", "--content", str(lesson), "--out", str(out), "--no-pdf", "--jobs", "2", "--watch"]
        )
        source.write_text(text, encoding="utf-8")
        said = result.output.splitlines()
        assert result.exit_code == 0, result.output
        assert sum(line.startswith("built ") for line in said) == 2, said  # the first build, and the save's
        assert len(asked) == 1, "the save's build alone asks"
        assert any("Edited" in page.read_text(encoding="utf-8") for page in out.rglob("*.html")), "the save is built"
        """
    )


def test_the_helpers_first_load_reads_the_parse_cache_and_it_writes_none(mini: Path, tmp_path: Path) -> None:
    """The helper starts once the watch's first build is written: its first load reads the files' entries that the
    build wrote to the parse cache on disk (parsing a 256-topic lesson again took it 2.5 s, against 0.5 s), and a
    save's file it parses goes there from the watch, not from the helper."""
    fresh(
        f"""
        import os
        from pathlib import Path
        os.environ["PRIMER_CACHE_DIR"] = {str(tmp_path / "cache")!r}
        from primer import memo
        from primer.build import check
        from primer.content import library
        from primer.report import helper
        parsed = []
        _validated = library._Builder._validated
        def counted(self, kind, path, raw):
            parsed.append(path.name)
            return _validated(self, kind, path, raw)
        library._Builder._validated = counted
        lesson = Path({str(mini)!r})
        check(lesson)
        entries = lambda: sorted((Path({str(tmp_path / "cache")!r}) / "parsed").glob("*/*/*.pickle"))
        written = entries()
        assert len(written) == len(parsed) >= 7
        parsed.clear()
        assert helper._loaded(lesson) is not None
        assert parsed == [], parsed
        topic = lesson / "topics" / "radars.yaml"
        topic.write_text(topic.read_text(encoding="utf-8").replace("title: ", "title: Notably, ", 1), encoding="utf-8")
        assert helper._loaded(lesson) is not None
        assert parsed == ["radars.yaml"] and not helper._PARSED[0].pending()
        assert entries() == written
        memo.enable(False)
        """
    )
