"""`primer build --watch`: the first build, then one each time the lesson changes, in one process; errors are
shown and leave the output as it was; Ctrl-C ends it. Run as a user runs it: the `primer` program in a process
of its own, edited from here."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from primer.errors import ContentError
from primer.quiz.lint import _digest_of
from primer.watch import _ignored
from primer.write import MARKER

#: How long a build of the small example may take before a test gives up on it (a busy CI machine).
PATIENCE = 120.0


def _interruptible() -> None:
    """Ctrl-C's signal as a terminal delivers it: a test run started in the background by a shell without job
    control (as a CI script may) has it ignored, and a child would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Watching:
    """`primer build --watch` running in a process of its own, its lines read as they come."""

    def __init__(self, content: Path, out: Path, env: dict[str, str]) -> None:
        args = [sys.executable, "-m", "primer", "build", "--content", str(content), "--out", str(out), "--no-pdf"]
        self.process = subprocess.Popen(
            [*args, "--watch"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            preexec_fn=_interruptible,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert self.process.stdout is not None
        stream = self.process.stdout
        self.reader = threading.Thread(
            target=lambda: [self.lines.put(line.rstrip("\n")) for line in stream], daemon=True
        )
        self.reader.start()

    def until(self, start: str) -> list[str]:
        """The lines up to and with the first that starts with `start`."""
        found: list[str] = []
        deadline = time.monotonic() + PATIENCE
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            found.append(line)
            self.seen.append(line)
            if line.startswith(start):
                return found

    def quiet_for(self, seconds: float) -> list[str]:
        """What it says in the next `seconds` (nothing, when nothing changed)."""
        found: list[str] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                found.append(self.lines.get(timeout=left))
            except queue.Empty:
                break
        return found

    def stop(self) -> int:
        """Ctrl-C, as a terminal sends it; the exit status."""
        self.process.send_signal(signal.SIGINT)
        return self.close()

    def close(self) -> int:
        """Wait for the process to end (killed if it still runs), and close what it wrote to."""
        try:
            status = self.process.wait(timeout=PATIENCE)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.reader.join(PATIENCE)
            assert self.process.stdout is not None
            self.process.stdout.close()
        return status


@pytest.fixture
def watching(mini: Path, tmp_path: Path) -> Iterator[tuple[Watching, Path, Path]]:
    """The small example built with --watch into `site/`, its first build done."""
    out = tmp_path / "site"
    env = {**os.environ, "PRIMER_CACHE_DIR": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    running = Watching(mini, out, env)
    try:
        first = running.until("watching ")
        assert any(line.startswith("built ") and f"files into {out} in " in line for line in first), first
        yield running, mini, out
    finally:
        if running.process.poll() is None:
            running.process.kill()
        running.close()


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _clean_build(content: Path, out: Path, tmp_path: Path) -> dict[str, bytes]:
    env = {**os.environ, "PRIMER_CACHE_DIR": str(tmp_path / "clean-cache")}
    args = [sys.executable, "-m", "primer", "build", "--content", str(content), "--out", str(out), "--no-pdf", "-q"]
    subprocess.run(args, check=True, env=env, capture_output=True)
    return _files(out)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_each_save_builds_again_and_errors_leave_the_last_good_build(
    watching: tuple[Watching, Path, Path], tmp_path: Path
) -> None:
    running, content, out = watching
    topic = content / "topics" / "radars.yaml"
    title = next(line for line in topic.read_text(encoding="utf-8").splitlines() if line.startswith("title: "))

    _replace(topic, title, "title: Radars Seen From the Coast")
    said = running.until("built ")
    assert said[-1].startswith("built ") and " in " in said[-1], said
    page = (out / "topics" / "radars" / "index.html").read_text(encoding="utf-8")
    assert "Radars Seen From the Coast" in page
    assert _files(out) == _clean_build(content, tmp_path / "clean-1", tmp_path), "the same as a clean build"

    good = _files(out)
    _replace(topic, "title: Radars Seen From the Coast", "title: [unclosed")
    said = running.until("Error: ")
    assert re.match(r"content/topics/radars\.yaml:\d+:\d+: YAML syntax error", said[0]), said
    assert "keeps the last good build" in said[-1], said
    assert "Traceback" not in "\n".join(said)
    assert _files(out) == good, "a build that failed changes nothing"

    _replace(topic, "title: [unclosed", "title: Radars Along the Coast")
    running.until("built ")
    assert "Radars Along the Coast" in (out / "topics" / "radars" / "index.html").read_text(encoding="utf-8")
    assert _files(out) == _clean_build(content, tmp_path / "clean-2", tmp_path)

    topic.write_bytes(topic.read_bytes())  # saved again unchanged
    said = running.until("nothing changed")
    # the folder the last build swapped out, kept as it is for the next build (`write.keep_folders`)
    beside = [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]
    assert len(beside) == 1 and beside[0].name.startswith(".site.new-"), beside
    kept = {rel: data for rel, data in _files(beside[0]).items() if rel != MARKER}
    assert kept == {rel: data for rel, data in good.items() if rel != MARKER}, "the build before, as it was"
    assert running.stop() == 0, "Ctrl-C ends it, as the way to stop it"
    assert not list(tmp_path.glob(".site.*")), "and removed as it ends"
    assert not [line for line in running.seen if "Traceback" in line or "bug" in line], running.seen


def test_its_own_writes_are_not_changes(tmp_path: Path) -> None:
    """An output folder inside the content folder (`--content . --out site`): the build's writes there, and
    the folders it makes beside the output, are left out of what starts a build; the lesson's files are not."""
    from watchfiles import Change

    content = tmp_path / "lesson"
    keep = _ignored(content / "site")
    for path in ["site/index.html", "site/topics/a/index.html", ".site.new-x1/a.html", ".site.old-y/b.html", "site"]:
        assert not keep(Change.added, str(content / path)), path
    for path in ["topics/a.yaml", "sites.yaml", "site.yaml", ".sitemap/x.yaml"]:
        assert keep(Change.modified, str(content / path)), path
    assert not keep(Change.modified, str(content / "topics" / ".a.yaml.swp")), "an editor's own files, as ever"


class _Counted(frozenset[str]):
    """A set of ids that counts how often it is compared with another."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        type(self).compared += 1
        return frozenset.__eq__(self, other)

    __hash__ = frozenset.__hash__


def test_the_ids_digest_is_kept_by_the_sets_identity() -> None:
    """A process that builds again (`--watch`) makes an equal set of ids at each build: the digest kept for
    the last one must not be found by comparing the two sets, id by id, at each of the lesson's questions."""
    ids = [f"topic-{n}-point-{k}" for n in range(50) for k in range(20)]
    first, second = _Counted(ids), _Counted(ids)
    digest = _digest_of(first)
    _Counted.compared = 0
    assert all(_digest_of(second) == digest for _ in range(100))
    assert _digest_of(first) == digest
    assert _Counted.compared == 0


@pytest.mark.parametrize("first", ["reused", "built"])
def test_an_output_up_to_date_at_the_start_is_checked_before_the_first_save(tmp_path: Path, first: str) -> None:
    """The first build reuses the last (nothing changed since): the lesson is checked into the process's parse
    cache and memos before the watch begins, so that the first save costs what every later one does; a first
    build that checked needs no second check."""
    from primer.cache import Reused
    from primer.watch import watch
    from primer.write import Output

    content = tmp_path / "lesson"
    content.mkdir()
    order: list[str] = []
    stop = threading.Event()

    def build(parsed: object, progress: object, later: object) -> tuple[object, Output, list[str]]:
        order.append("build")
        return (Reused([], "ok") if first == "reused" else object()), Output(), []

    def warm(parsed: object) -> None:
        order.append("warm")

    def echo(line: str) -> None:
        order.append(line.split()[0])
        if line.startswith("watching"):
            stop.set()  # the watch ends at its first look for changes

    watch(
        content, tmp_path / "site", build, built=lambda made, took: None, progress=lambda: None,  # type: ignore[arg-type,return-value]
        warm=warm, echo=echo, stop=stop,
    )  # fmt: skip
    assert order == (["build", "warm", "watching"] if first == "reused" else ["build", "watching"])


def test_a_content_folder_that_does_not_exist_is_one_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from primer.cli import main

    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--content", str(tmp_path / "nope"), "--out", str(out), "--watch"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].endswith("nope:1:1: the content folder does not exist — pass --content DIR")
    assert not out.exists()


@pytest.mark.parametrize("saved", [True, False], ids=["saved meanwhile", "nothing saved"])
def test_a_save_made_while_the_watcher_starts_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, saved: bool
) -> None:
    """The watcher sees changes from its first quiet moment on: there the lesson is looked at once more (the
    build's own look, which finds nothing to redo when nothing changed), so a save made between the first
    build and that moment is built, and one not made says nothing. Only a save seen by the watcher is said to be
    one (`saving`, which asks the watch's helper for its part as the build begins): the look is not, so that the
    helper is not busy with a part no build takes when the first save comes."""
    import watchfiles

    from primer.cache import Reused
    from primer.watch import watch
    from primer.write import Output

    content = tmp_path / "lesson"
    content.mkdir()

    def changes(*paths: object, stop_event: threading.Event, **options: object) -> Iterator[set[object]]:
        yield set()  # the first quiet moment, with no change seen
        yield set()  # a later one
        yield {("modified", str(content / "glossary.yaml"))}  # a save
        stop_event.set()

    monkeypatch.setattr(watchfiles, "watch", changes)
    builds: list[str] = []
    said: list[object] = []

    def build(parsed: object, progress: object, later: object) -> tuple[object, Output, list[str]]:
        builds.append("build")
        reused = len(builds) == 2 and not saved
        return (Reused([], "ok") if reused else object()), Output(), []

    watch(
        content, tmp_path / "site", build, built=lambda made, took: said.append(made[0]),  # type: ignore[arg-type]
        progress=lambda: None, echo=lambda line: None,  # type: ignore[arg-type,return-value]
        saving=lambda: builds.append("saving"),
    )  # fmt: skip
    assert builds == ["build", "build", "saving", "build"], "the first build, the look, and the save's"
    assert len(said) == (3 if saved else 2), "a look that found nothing to redo says nothing"


def test_a_build_is_said_to_be_written_before_it_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the build leaves for later (its record, the removal of the folder it replaced) runs once the build
    is said to be written, in order, also after a build that failed; a bug there is one line, and the watch goes
    on to the next save. Then the files of results the build opened are read for the next (`facts.read_again`)."""
    import watchfiles

    from primer import facts
    from primer.watch import watch
    from primer.write import Output

    content = tmp_path / "lesson"
    content.mkdir()

    def changes(*paths: object, stop_event: threading.Event, **options: object) -> Iterator[set[object]]:
        yield {("modified", "a")}
        yield {("modified", "b")}
        stop_event.set()

    monkeypatch.setattr(watchfiles, "watch", changes)
    order: list[str] = []
    monkeypatch.setattr(facts, "read_again", lambda: order.append("read again"))

    def build(parsed: object, progress: object, later: list[Callable[[], None]]) -> tuple[object, Output, list[str]]:
        n = sum(step.startswith("build") for step in order) + 1
        order.append(f"build {n}")
        assert facts._OPENED is not None, "the files of results opened are noted"
        later.append(lambda: order.append(f"record {n}"))
        if n == 2:
            later.append(lambda: 1 / 0)
            later.append(lambda: order.append("never"))
        if n == 3:
            raise ContentError([])
        return object(), Output(), []

    said: list[str] = []
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # the bug's traceback is saved there
    monkeypatch.setattr("click.echo", lambda message="", err=False, **kw: said.append(str(message)))
    watch(
        content, tmp_path / "site", build, built=lambda made, took: order.append("said"),
        progress=lambda: None, echo=lambda line: None,  # type: ignore[arg-type,return-value]
    )  # fmt: skip
    assert order == [
        *("build 1", "said", "record 1", "read again"),
        *("build 2", "said", "record 2"),
        *("build 3", "record 3", "read again"),
    ]
    assert facts._OPENED is None, "no longer once the watch ends"
    assert [line for line in said if "bug" in line.casefold()] and not any("Traceback" in line for line in said)


def test_ctrl_c_right_after_a_build_is_said_to_be_written_still_records_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An author who stops the watch as soon as it says "built" finds the build recorded: the next `primer build`
    has nothing to redo. Ctrl-C is held back while the record is written, then ends the watch as usual."""
    import watchfiles

    from primer.watch import watch
    from primer.write import Output

    content = tmp_path / "lesson"
    content.mkdir()

    def changes(*paths: object, stop_event: threading.Event, **options: object) -> Iterator[set[object]]:
        yield {("modified", "a")}
        raise AssertionError("the watch went on after Ctrl-C")

    monkeypatch.setattr(watchfiles, "watch", changes)
    order: list[str] = []

    def record() -> None:
        order.append("recording")
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, while the record is written
        time.sleep(0.05)
        order.append("recorded")

    def build(parsed: object, progress: object, later: list[Callable[[], None]]) -> tuple[object, Output, list[str]]:
        order.append("build")
        if len(order) > 1:
            later.append(record)
        return object(), Output(), []

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal delivers it
    try:
        watch(
            content, tmp_path / "site", build, built=lambda made, took: order.append("said"),
            progress=lambda: None, echo=lambda line: None,  # type: ignore[arg-type,return-value]
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)
    assert order == ["build", "said", "build", "said", "recording", "recorded"]


def test_a_watch_lets_go_of_each_lesson_once_it_builds_the_next(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """Each save's lesson is freed once the next save is built, and what else a save let go of in cycles (the
    render's templates hold each page's context) is collected at its end: none of it is set aside with what
    lives on (`gc.freeze`) until the collector's full run at a quiet moment, which took 2.3 s after 20 saves at
    256 topics, mostly for garbage."""
    import gc
    import weakref

    import watchfiles

    from primer import build as build_mod
    from primer.cache import Reused
    from primer.content.library import ParseCache
    from primer.progress import Progress
    from primer.watch import Built, watch

    topic = mini / "topics" / "radars.yaml"
    text = topic.read_text()
    assert "lede: " in text
    lessons: list[weakref.ref[object]] = []
    kept: list[int] = []
    frozen: list[int] = []

    def changes(*paths: object, stop_event: threading.Event, **options: object) -> Iterator[set[object]]:
        for n in range(3):
            topic.write_text(text.replace("lede: ", f"lede: Edited {n}. ", 1))
            yield {("modified", str(topic))}
            kept.append(sum(lesson() is not None for lesson in lessons[:-1]))
            frozen.append(gc.get_freeze_count())
        stop_event.set()

    monkeypatch.setattr(watchfiles, "watch", changes)

    def one(parsed: ParseCache, progress: Progress, later: list[Callable[[], None]]) -> Built:
        made = build_mod.build(
            mini, tmp_path / "site", progress=progress, jobs=1, pdf=False, cache=True, parse_cache=parsed,
            record_later=later,
        )  # fmt: skip
        if not isinstance(made[0], Reused):
            lessons.append(weakref.ref(made[0].library))
        return made

    watch(
        mini, tmp_path / "site", one, built=lambda made, took: None, progress=lambda: Progress("quiet"),
        echo=lambda line: None,
    )  # fmt: skip
    assert len(lessons) == 4 and kept == [0, 0, 0]
    # and nothing else that a save let go of is set aside for the full run: a save of this lesson left 2,700
    # objects that only the collector frees (in cycles), set aside with the rest until it ran
    assert frozen[-1] - frozen[0] < 1_000, frozen


def test_a_watch_whose_first_build_had_nothing_to_redo_makes_its_first_saves_spool_before_it_watches(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the output is up to date at the start, the check before the watch begins (`check_for_watch`) also
    keeps a folder of the output's files for the first save's spool (`write.keep_ahead`), as the commit of any
    later save keeps the folder it swapped out: the first save takes its unchanged files in place, and writes what
    a clean build writes."""
    from primer import build as build_mod
    from primer import write as write_mod
    from primer.content.library import ParseCache

    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "site"
    build_mod.build(mini, out, jobs=1, pdf=False, cache=True)
    write_mod.keep_folders()
    try:
        build_mod.check_for_watch(mini, False, 1, ParseCache(), out, pdf=False)
        kept = write_mod._KEPT.get(out.absolute())
        assert kept is not None and kept[0].parent == out.parent, "a folder kept beside the output"
        page = next(rel for rel in sorted(kept[3]) if rel.startswith("glossary/"))
        inode = (out / page).stat().st_ino
        assert (kept[0] / page).stat().st_ino == inode
        _replace(mini / "sources" / "mini-source.yaml", "title: ", "title: Edited ")
        linked: list[str] = []
        link = os.link
        monkeypatch.setattr(
            os, "link", lambda source, target, **kw: linked.append(str(target)) or link(source, target, **kw)
        )
        build_mod.build(mini, out, jobs=1, pdf=False, cache=True)
        monkeypatch.setattr(os, "link", link)
        assert (out / page).stat().st_ino == inode, "an unchanged page taken"
        assert not [target for target in linked if target.endswith(page)], "in place: not linked anew"
    finally:
        write_mod.keep_folders(False)
    assert _files(out) == _clean_build(mini, tmp_path / "clean", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


def test_the_watch_writes_what_it_parses_to_the_parse_cache(
    watching: tuple[Watching, Path, Path], tmp_path: Path
) -> None:
    """The watch's first load reads what an earlier command parsed, and what it parses goes to the parse cache on disk
    once each build is written (`primer.parsed.resident`): its helper's first load, the next command and the next
    start of the watch read it rather than parse every file again. The entry of a file's older version goes."""
    from primer.parsed import Stored

    running, content, _ = watching
    topic = content / "topics" / "radars.yaml"

    def entries() -> set[str]:
        return {p.name for p in (tmp_path / "cache" / "parsed").glob("*/*/*.pickle")}

    def until_written(name: str, gone: str = "") -> set[str]:
        deadline = time.monotonic() + PATIENCE  # (an entry is written before the older ones are removed)
        while (name not in (found := entries()) or gone in found) and time.monotonic() < deadline:
            time.sleep(0.05)
        return found

    old = Stored._name("topic", topic, topic.read_bytes())
    first = until_written(old)
    assert old in first and len(first) >= 7, "the first build's files"
    _replace(topic, "title: ", "title: Notably, ")
    running.until("built ")
    new = Stored._name("topic", topic, topic.read_bytes())
    after = until_written(new, old)
    assert new in after and old not in after and len(after) == len(first)
    assert running.stop() == 0
