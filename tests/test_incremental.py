"""A build that reuses the last one writes exactly what a clean build writes, and trusts no stranger's cache.

Each step below edits the content (or the output, or nothing), then builds twice: once with the cache
into the same folder as every step before, once clean into a new folder; the two must hold the same bytes."""

from __future__ import annotations

import contextlib
import pickle
import random
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import primer
import primer.build
import primer.targets.site
import primer.write
from primer import cache, memo, reads
from primer.build import LIBRARY_ITEMS, build
from primer.cache import REUSED, BuildCache, CheckRecord, ReportRecord, Reused
from primer.checks import readability
from primer.content.library import ParseCache
from primer.errors import ContentError
from tools import Invoke, files_read

#: The shipped lesson: six topics whose pages read each other's items in every way a lesson can.
SHIPPED = Path(__file__).parent.parent / "content"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of primer's own files, for the build key: it changes only when a test changes it."""
    copy = tmp_path_factory.mktemp("primer") / "primer"
    shutil.copytree(cache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package: Path) -> Path:
    """Every test gets an empty cache folder of its own, and a key that edits to primer's source tree
    made meanwhile (by someone else) do not change."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache, "PACKAGE", package)
    return folder


def _files(out: Path) -> dict[str, bytes | None]:
    """Every file under `out` with its bytes, and every folder (None)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() if p.is_file() else None for p in sorted(out.rglob("*"))}


def _set_line(path: Path, prefix: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(f"{prefix}{value}\n" if line.startswith(prefix) else line for line in lines), "utf-8")


def test_a_random_sequence_of_edits_builds_what_a_clean_build_builds(mini: Path, tmp_path: Path) -> None:
    rng = random.Random(16)
    words = ["amber", "coastal", "radar", "signal", "quiet", "harbor", "lattice", "relay", "northern", "beacon"]
    override = mini / "templates" / "site" / "404.html"
    out = tmp_path / "site"

    def edit(step: int) -> str:
        kind = rng.choice(["site-title", "topic-title", "template", "no-template", "same-bytes", "output", "none"])
        phrase = " ".join(rng.sample(words, 3)).capitalize()
        if kind == "site-title":
            _set_line(mini / "site.yaml", "title: ", phrase)
        elif kind == "topic-title":
            _set_line(mini / "topics" / "radars.yaml", "title: ", phrase)
        elif kind == "template":
            override.parent.mkdir(parents=True, exist_ok=True)
            override.write_text(
                f'{{% extends "default:site/404.html" %}}{{% block main %}}<p>{phrase}</p>{{% endblock %}}'
            )
        elif kind == "no-template" and override.exists():
            override.unlink()
        elif kind == "same-bytes":  # saved again unchanged: a new time, the same content
            path = mini / "glossary.yaml"
            path.write_bytes(path.read_bytes())
        elif kind == "output" and out.exists():
            pages = sorted(out.rglob("*.html"))
            rng.choice(pages).write_text("edited by hand")
        return kind

    kinds = []
    for step in range(9):
        kind = edit(step)
        kinds.append(kind)
        result, _, _ = build(mini, out, pdf=False, cache=True)
        clean = tmp_path / f"clean-{step}"
        build(mini, clean, pdf=False)
        assert _files(out) == _files(clean), f"step {step} ({kind}) differs from a clean build"
        if step and kind in ("none", "same-bytes"):
            assert isinstance(result, Reused), f"step {step} ({kind}) had nothing to redo"
        if kind in ("site-title", "topic-title", "template", "output"):
            assert not isinstance(result, Reused), f"step {step} ({kind}) must rebuild"
    assert len(set(kinds)) >= 4, kinds


def test_a_deleted_file_comes_back_and_a_new_one_is_kept(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(mini, out, pdf=False, cache=True)
    (out / "404.html").unlink()
    result, _, kept = build(mini, out, pdf=False, cache=True)
    assert not isinstance(result, Reused) and (out / "404.html").exists()
    (out / "notes.txt").write_text("mine")
    result, output, kept = build(mini, out, pdf=False, cache=True)
    assert isinstance(result, Reused) and kept == ["notes.txt"]
    assert output.get("404.html") == (out / "404.html").read_bytes()
    result, _, kept = build(mini, out, pdf=False, cache=True, clean=True)
    assert isinstance(result, Reused) and kept == [] and not (out / "notes.txt").exists(), "--clean still holds"


def test_a_build_with_nothing_to_redo_writes_nothing(mini: Path, tmp_path: Path) -> None:
    """Reused, the output folder stays as the last build left it: no file is written again (each keeps its
    inode and time), and what an interrupted build left beside it is cleared as a commit clears it."""
    out = tmp_path / "site"
    build(mini, out, pdf=False, cache=True)

    def stamps() -> dict[Path, tuple[int, ...]]:
        found = {path: path.lstat() for path in sorted(out.rglob("*"))}
        return {path: (s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_mode) for path, s in found.items()}

    before = stamps()
    stale = tmp_path / ".site.new-interrupted"
    stale.mkdir()
    (stale / ".primer-output").write_text("{}")
    result, output, kept = build(mini, out, pdf=False, cache=True)
    assert isinstance(result, Reused) and kept == []
    assert stamps() == before
    assert output.paths() and all(output.get(rel) == (out / rel).read_bytes() for rel in output.paths())
    assert not stale.exists()


def test_a_build_with_nothing_to_redo_reads_no_page(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Invoke
) -> None:
    """It tells the pages are as the last build left them by their size, time and inode: reading them all
    back cost a 1,024-topic lesson's no-op build 700 MiB and most of its 4 s."""
    out = tmp_path / "site"
    build(mini, out, pdf=False, cache=True)
    real_open = Path.open
    opened: list[Path] = []

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        if path.is_relative_to(out):
            opened.append(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting)
    result = cli("build", "--content", mini, "--out", out, "--no-pdf", "--verbose")
    assert result.exit_code == 0 and REUSED in result.output, result.output
    assert [path.name for path in opened] == [primer.write.MARKER], "the marker alone: it lists the build's files"
    (out / "notes.txt").write_text("mine")
    assert cli("build", "--content", mini, "--out", out, "--no-pdf", "--clean").exit_code == 0
    assert not (out / "notes.txt").exists() and len(opened) > 1, "--clean wrote the build again: its pages were read"


def test_a_page_changed_while_a_reused_build_is_written_again_is_one_line_and_nothing_changes(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    build(mini, out, pdf=False, cache=True)
    (out / "notes.txt").write_text("mine")  # --clean has a file to remove: the build is written again
    page = out / "index.html"
    original = page.read_bytes()
    real_stamp = cache.file_stamp

    def then_edited(path: Any) -> list[int]:
        stamp = real_stamp(path)
        if Path(path) == page:  # checked: now an editor saves it, the same size
            with page.open("r+b") as stream:
                stream.write(b"<" if original[:1] != b"<" else b" ")
        return stamp

    monkeypatch.setattr(cache, "file_stamp", then_edited)
    with pytest.raises(primer.write.OutputFolderError, match=r"index\.html changed while primer was writing"):
        build(mini, out, pdf=False, cache=True, clean=True)
    assert (out / "notes.txt").read_text() == "mine" and len(page.read_bytes()) == len(original)


def test_a_new_primer_version_or_template_rebuilds(mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    package = tmp_path / "package"
    shutil.copytree(cache.PACKAGE, package)
    monkeypatch.setattr(cache, "PACKAGE", package)
    build(mini, out, pdf=False, cache=True)
    assert isinstance(build(mini, out, pdf=False, cache=True)[0], Reused)
    base = package / "templates" / "site" / "base.html"
    base.write_text(base.read_text() + "\n")
    assert not isinstance(build(mini, out, pdf=False, cache=True)[0], Reused), "primer's template changed"
    assert isinstance(build(mini, out, pdf=False, cache=True)[0], Reused)
    monkeypatch.setattr(primer, "__version__", primer.__version__ + ".post1")
    assert not isinstance(build(mini, out, pdf=False, cache=True)[0], Reused), "primer's version changed"
    assert not isinstance(build(mini, out, pdf=True, cache=True)[0], Reused), "another option"


def test_a_corrupt_or_foreign_cache_is_ignored_with_a_warning(
    mini: Path, tmp_path: Path, own_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    build(mini, out, pdf=False, cache=True)
    clean = _files(out)
    store = BuildCache(own_cache / "builds", out)
    record = store.record.read_bytes()

    store.record.write_bytes(b"not a record")
    assert not isinstance(build(mini, out, pdf=False, cache=True)[0], Reused)
    assert "ignoring the build cache" in capsys.readouterr().err
    assert _files(out) == clean

    # A record signed elsewhere (another secret), even one that names this very build, is not trusted.
    (own_cache / "builds" / "secret").write_bytes(b"x" * 32)
    store.record.write_bytes(record)
    assert not isinstance(build(mini, out, pdf=False, cache=True)[0], Reused)
    assert "not written by primer on this machine" in capsys.readouterr().err
    assert isinstance(build(mini, out, pdf=False, cache=True)[0], Reused), "the rebuild recorded itself anew"

    # A damaged map of what the pages read: the pages are all rendered again, after a warning.
    questions = mini / "questions" / "radars.yaml"

    def edit(word: str) -> None:
        questions.write_text(questions.read_text().replace("explanation: ", f"explanation: {word} ", 1))

    edit("Notably,")
    before = _inodes(out)
    build(mini, out, pdf=False, cache=True)
    assert set(before.items()) & set(_inodes(out).items()), "with the map, pages are taken"
    edit("Quietly,")
    store.pages.write_bytes(b"not a map")
    before = _inodes(out)
    build(mini, out, pdf=False, cache=True)
    assert "its map of what the pages read was not written by primer" in capsys.readouterr().err
    assert not set(before.items()) & set(_inodes(out).items()), "nothing taken from the last build"
    # signed here, but not a map this primer reads (cut short, or of another shape)
    good = pickle.dumps(("a key", reads.nothing_read()))
    for n, body in enumerate([good[:-9], pickle.dumps({"key": "a key", "map": {}}), pickle.dumps(("a key", {}))]):
        edit(f"Still{n},")
        store.pages.write_bytes(cache.seal(store.root, body))
        before = _inodes(out)
        build(mini, out, pdf=False, cache=True)
        assert "ignoring the build cache" in (err := capsys.readouterr().err) and "it is damaged" in err, body
        assert not set(before.items()) & set(_inodes(out).items()), "nothing taken from the last build"
    clean = _files(out)

    shutil.rmtree(store.folder)
    store.folder.write_text("a file where the cache's folder goes")
    assert not isinstance(build(mini, out, pdf=False, cache=True)[0], Reused)
    assert "not a folder primer made" in capsys.readouterr().err
    assert store.folder.read_text() == "a file where the cache's folder goes", "left alone"
    assert _files(out) == clean


def test_caching_off_and_a_failed_build_leave_no_record(
    mini: Path, tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    build(mini, out, pdf=False, cache=True)
    (mini / "topics" / "radars.yaml").write_text("id: [broken\n")
    with pytest.raises(Exception):  # noqa: B017 - whichever error the broken file gives
        build(mini, out, pdf=False, cache=True)
    assert not BuildCache(own_cache / "builds", out).record.exists()
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    assert BuildCache.open(out) is None


def test_each_cache_has_a_folder_of_its_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The PDF cache's clean-up removes old folders from its own folder, so it must never share one
    with the build records (with PRIMER_CACHE_DIR set it once did)."""
    from primer import cache
    from primer.handouts import pdf

    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path))
    assert pdf.cache_dir() == tmp_path / "pdf"
    assert cache.cache_root() == tmp_path / "builds"
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    assert pdf.cache_dir() is None and cache.cache_root() is None


class _Counted:
    """A module's function `name`, counting its calls (`ran`): `primer.build.check`, which a check its record
    answers does not call, or `primer.report.make`, which a report its record answers does not."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
        self.ran = 0
        self._function = getattr(module, name)
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.ran += 1
        return self._function(*args, **kwargs)


#: An objective no question of the mini lesson serves: a warning (an error with --strict).
_OBJECTIVE = "  - {id: radars-compare, text: Students can compare two radars.}\n"


def _add_objective(mini: Path, line: str = _OBJECTIVE) -> None:
    topic = mini / "topics" / "radars.yaml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(text.replace("takeaways:", line + "takeaways:", 1), encoding="utf-8")


def test_a_check_of_a_lesson_that_has_not_changed_prints_the_last_ones_result_again(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`primer check` records what a passing check printed; the next check of the same bytes, checked the same
    way from the same folder, prints it again without loading the lesson. Any edit, --strict, a failed check
    or --explain-generated checks in full."""
    checks = _Counted(monkeypatch, primer.build, "check")
    _add_objective(mini)
    first = cli("check", "--content", mini)
    assert first.exit_code == 0 and "P301" in first.stderr and "1 warning" in first.stdout, first.output
    again = cli("check", "--content", mini)
    assert (again.exit_code, again.stdout, again.stderr) == (0, first.stdout, first.stderr)
    assert checks.ran == 1, "the record answered the second check"

    _add_objective(mini, "  - {id: radars-rank, text: Students can rank the radars by range.}\n")
    edited = cli("check", "--content", mini)
    assert edited.exit_code == 0 and "2 warnings" in edited.stdout and "radars-rank" in edited.stderr
    assert checks.ran == 2, "an edit is checked"

    for _ in range(2):  # a failed check is not recorded
        strict = cli("check", "--strict", "--content", mini)
        assert strict.exit_code == 1 and "radars-rank" in strict.stderr
    assert checks.ran == 4, "--strict is checked, and fails each time"
    explained = cli("check", "--explain-generated", "--content", mini)
    assert explained.exit_code == 0 and explained.stdout != edited.stdout
    assert checks.ran == 5, "--explain-generated reads the lesson itself"
    assert cli("check", "--content", mini).stdout == edited.stdout
    assert checks.ran == 5

    # a build checks the lesson too, and records that check for `primer check`
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("by range", "by reach"), encoding="utf-8")
    built, _, _ = build(mini, tmp_path / "site", pdf=False, cache=True)
    after_build = cli("check", "--content", mini)
    assert checks.ran == 5 and "2 warnings" in after_build.stdout
    assert after_build.stderr.splitlines() == [w.format() for w in built.warnings]

    # the warnings' paths are shown relative to the working folder: from another, the lesson is checked
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cli("check", "--content", mini)
    assert checks.ran == 6
    cli("check", "--content", mini)
    assert checks.ran == 6


def test_a_damaged_or_foreign_check_record_is_ignored_with_a_warning(
    mini: Path, own_cache: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = _Counted(monkeypatch, primer.build, "check")
    clean = cli("check", "--content", mini)
    record = CheckRecord.open(mini, strict=False)
    assert record is not None and record.path.is_file()
    signed = record.path.read_bytes()

    record.path.write_bytes(b"not a record")
    damaged = cli("check", "--content", mini)
    assert "ignoring the check record" in damaged.stderr and damaged.stdout == clean.stdout
    assert checks.ran == 2
    cli("check", "--content", mini)
    assert checks.ran == 2, "the check recorded itself anew"

    # a record signed elsewhere (another secret), even one that names this very check, is not trusted
    (own_cache / "checks" / "secret").write_bytes(b"x" * 32)
    record.path.write_bytes(signed)
    foreign = cli("check", "--content", mini)
    assert "not written by primer on this machine" in foreign.stderr and foreign.stdout == clean.stdout
    assert checks.ran == 3

    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    assert CheckRecord.open(mini, strict=False) is None
    for _ in range(2):
        assert cli("check", "--content", mini).stdout == clean.stdout
    assert checks.ran == 5, "with caching off, each check runs"


def test_a_report_on_a_lesson_that_has_not_changed_is_printed_again_from_its_record(
    tmp_path: Path, own_cache: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`primer report` records what it printed, one record a format; the next report in that format on the same
    bytes, from the same folder, prints it again without loading the lesson, and `--strict` fails on its
    error-level findings as the first did. An edit, or another working folder, makes the report again."""
    import primer.report
    from test_report import seeded_tree

    reports = _Counted(monkeypatch, primer.report, "make")
    content = seeded_tree(tmp_path / "content")  # a lesson with error-level findings
    first = {fmt: cli("report", "--content", content, "--format", fmt) for fmt in ("text", "html", "json")}
    assert all(result.exit_code == 0 for result in first.values()) and reports.ran == 3
    for fmt, made in first.items():
        again = cli("report", "--content", content, "--format", fmt)
        assert (again.exit_code, again.stdout, again.stderr) == (0, made.stdout, made.stderr), fmt
    assert reports.ran == 3, "each format's record answered"
    strict = cli("report", "--content", content, "--strict")
    assert strict.exit_code == 1 and "error-level finding" in strict.stderr
    assert strict.stdout == first["text"].stdout and reports.ran == 3, "--strict fails on the recorded report"

    topic = content / "topics" / "seeded.yaml"
    topic.write_text("# each finding in this file moves a line down\n" + topic.read_text(encoding="utf-8"), "utf-8")
    edited = cli("report", "--content", content)
    assert edited.exit_code == 0 and edited.stdout != first["text"].stdout and reports.ran == 4
    assert cli("report", "--content", content).stdout == edited.stdout and reports.ran == 4

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cli("report", "--content", content)
    assert reports.ran == 5, "the paths it prints are relative to the working folder"

    record = ReportRecord.open(content, "text")
    assert record is not None and record.path.is_file()
    record.path.write_bytes(b"not a record")
    damaged = cli("report", "--content", content)
    assert "ignoring the report record" in damaged.stderr and damaged.stdout == edited.stdout
    assert reports.ran == 6
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    assert ReportRecord.open(content, "text") is None
    cli("report", "--content", content)
    cli("report", "--content", content)
    assert reports.ran == 8, "with caching off, each report is made"


def _inodes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.lstat().st_ino for p in sorted(out.rglob("*.html"))}


def _every_inode(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.lstat().st_ino for p in sorted(out.rglob("*")) if p.is_file()}


#: Lines whose value is prose: an edit there changes what pages show, never what the lesson's ids mean.
_PROSE = ("text", "title", "definition", "explanation", "name", "summary", "description", "body", "stem", "label")


@contextlib.contextmanager
def _memos_off() -> Iterator[None]:
    """The memos ignored meanwhile, and kept: a clean build beside a resident process's builds."""
    was = memo._ON
    memo._ON = False
    try:
        yield
    finally:
        memo._ON = was


@pytest.mark.parametrize("resident", [False, True], ids=["a build each", "one process (--watch)"])
def test_pages_whose_reads_did_not_change_are_taken_from_the_last_build(tmp_path: Path, resident: bool) -> None:
    """The dependency map (`primer.reads`): after each random edit (of a prose line anywhere in the shipped
    lesson, of a topic's place in the order, of the events a place lists, of the output by hand), the build
    renders again only some pages and takes the others from the last build (the same file: its inode stays),
    and every file holds what a clean build writes. The views a page reads in place of many items (the
    topics' order and headings, the glossary's names, which places list which events) change with them.
    `resident`: the builds are made in one process that keeps the files it parsed and what its checks made,
    as `primer build --watch` does (the clean builds beside them keep nothing)."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    parsed = ParseCache() if resident else None
    memo.enable(resident)
    try:
        _edits_against_clean_builds(tmp_path, lesson, out, parsed)
    finally:
        memo.enable(False)


def _built_as_watched(lesson: Path, out: Path, parsed: ParseCache | None) -> None:
    """A build, as `primer build --watch` makes it when `parsed` (its record made once it is written)."""
    later: list[Any] | None = [] if parsed is not None else None
    try:
        build(lesson, out, pdf=False, cache=True, parse_cache=parsed, record_later=later)
    finally:
        for step in later or []:
            step()


def _edits_against_clean_builds(tmp_path: Path, lesson: Path, out: Path, parsed: ParseCache | None) -> None:
    _built_as_watched(lesson, out, parsed)
    rng = random.Random(2026)
    files = sorted(lesson.rglob("*.yaml"))
    prose = [
        (path, number)
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines())
        if line.lstrip(" -").split(":")[0] in _PROSE and line.split(": ", 1)[-1][:1].isalpha()
    ]
    glossary = lesson / "glossary.yaml"
    places = lesson / "places.yaml"
    taken_total, remade_total, edits = 0, 0, 0
    kinds: list[str] = []
    for step in range(12):
        kind = rng.choice(["prose", "prose", "prose", "alias", "order", "place", "output", "deleted"])
        undo: tuple[Path, str] | None = None
        if kind == "alias":  # pages that never linked the term may link it now
            text = glossary.read_text(encoding="utf-8")
            word = rng.choice(["Japan", "China", "Seoul", "radar", "ship", "treaty", "range"])
            glossary.write_text(text.replace("    aliases:\n", f"    aliases:\n      - {word}\n", 1), "utf-8")
            undo = (glossary, text)
        elif kind == "prose":
            path, number = rng.choice(prose)
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines(keepends=True)
            key, value = lines[number].split(": ", 1)
            lines[number] = f"{key}: {rng.choice(['Quietly', 'Briefly', 'Notably'])} {value[0].lower()}{value[1:]}"
            path.write_text("".join(lines), encoding="utf-8")
            undo = (path, text)
        elif kind == "place":  # a map shows the place for one more event, or one fewer
            text = places.read_text(encoding="utf-8")
            listed, unlisted = "    events: [thaad-arrives-osan]\n", "    events: []\n"
            if listed in text:
                places.write_text(text.replace(listed, unlisted, 1), "utf-8")
            else:
                places.write_text(text.replace(unlisted, listed, 1), "utf-8")
        elif kind == "order":
            topic = rng.choice(sorted((lesson / "topics").glob("*.yaml")))
            _set_line(topic, "order: ", str(rng.randint(1, 9)))
        elif kind == "output":
            rng.choice(sorted(out.rglob("*.html"))).write_text("edited by hand")
        else:
            rng.choice(sorted(out.rglob("*.html"))).unlink()
        before = _inodes(out)
        try:
            _built_as_watched(lesson, out, parsed)
        except ContentError:  # an edit the lesson's checks refuse (a question's answer must match): undone
            assert undo is not None, kind
            kinds.append(f"{kind} refused")
            undo[0].write_text(undo[1], encoding="utf-8")
            continue
        clean = tmp_path / f"clean-{step}"
        with _memos_off():
            build(lesson, clean, pdf=False)
        assert _files(out) == _files(clean), f"step {step} ({kind}) differs from a clean build"
        after = _inodes(out)
        taken = sum(1 for rel, inode in after.items() if before.get(rel) == inode)
        taken_total += taken
        remade_total += len(after) - taken
        edits += kind in ("prose", "alias")
        kinds.append(kind)
        shutil.rmtree(clean)
    assert edits >= 4 and {"alias", "order", "place"} <= set(kinds), kinds
    assert taken_total > remade_total > 0, (taken_total, remade_total)


def test_a_process_that_builds_again_keeps_the_record_it_wrote_while_its_files_are_as_it_left_them(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """While the memos are on (`primer build --watch`), the record and map a build saved are kept in the process:
    the next build takes them from there, equal to what reading the files back gives, without reading them;
    once a file is not as the process wrote it, it is read (and checked) again."""
    out = tmp_path / "site"
    memo.enable(True)
    try:
        build(mini, out, pdf=False, cache=True)
        store = BuildCache.open(out)
        assert store is not None
        with _memos_off():
            on_file = store._read()
            assert on_file is not None
            map_on_file = store._pages_of(on_file["key"])
        assert map_on_file.entries and any(entry.result for entry in map_on_file.entries.values())

        def unread(*args: object, **kwargs: object) -> None:
            raise AssertionError("read back from its file")

        with monkeypatch.context() as patched:
            patched.setattr(cache, "unsealed", unread)
            assert store._read() == on_file
            assert store._pages_of(on_file["key"]) == map_on_file
            assert store._pages_of("another build's key") == reads.nothing_read()

        store.record.write_bytes(store.record.read_bytes().replace(b'"summary":"', b'"summary":"X', 1))
        assert store._read() is None  # read from the file: its signature no longer holds
        assert "ignoring the build cache" in capsys.readouterr().err
    finally:
        memo.enable(False)


def test_a_process_that_builds_again_carries_the_digests_of_what_its_last_map_read(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a process that builds again (`primer build --watch`), a rebuild's map takes the digests on record for
    the derived questions its last map read and the lesson still holds (`reads.PageMap.hand_on`), rather than
    working them out again; a build that hands on no record (none saved) leaves the next one to digest them."""
    out = tmp_path / "site"
    warmed: list[reads.PageMap] = []
    warm, save = reads.PageMap.warm, BuildCache.save

    def warming(pagemap: reads.PageMap) -> None:
        warm(pagemap)
        warmed.append(pagemap)

    monkeypatch.setattr(reads.PageMap, "warm", warming)
    topic = mini / "topics" / "radars.yaml"
    parsed = ParseCache()
    memo.enable(True)
    try:
        _built_as_watched(mini, out, parsed)
        for n in range(2):
            topic.write_text(topic.read_text().replace("body: |\n      ", f"body: |\n      Edit {n}. ", 1))
            _built_as_watched(mini, out, parsed)
            read = warmed[-1]._read
            assert read is not None
            carried = {token for token in read if token[0].startswith("derived.") and warmed[-1]._carries(token)}
            assert carried and carried.isdisjoint(warmed[-1]._changed)
            every = set(read)  # told apart collection by collection as token by token
            assert warmed[-1]._not_carried(every) == {token for token in every if not warmed[-1]._carries(token)}
        monkeypatch.setattr(BuildCache, "save", lambda store, *a, **k: save(store, *a, **k) and None)
        topic.write_text(topic.read_text().replace("body: |\n      ", "body: |\n      Edit 2. ", 1))
        _built_as_watched(mini, out, parsed)  # its record saved, and none handed on
        monkeypatch.setattr(BuildCache, "save", save)
        topic.write_text(topic.read_text().replace("body: |\n      ", "body: |\n      Edit 3. ", 1))
        _built_as_watched(mini, out, parsed)
        assert warmed[-1]._then is None and not any(map(warmed[-1]._carries, warmed[-1]._read or ()))
    finally:
        memo.enable(False)
    with _memos_off():
        build(mini, tmp_path / "clean", pdf=False)
    assert _files(out) == _files(tmp_path / "clean")


def test_a_watch_that_starts_on_an_output_up_to_date_hands_its_first_save_the_last_build_map(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`primer build --watch` started on an output up to date checks the lesson before the first save
    (`check_for_watch`): with the output folder, it also checks the last build's map against the lesson and hands
    it on, so that the first save carries the digests on record of the derived questions, as every later save
    does; the record and its map are then taken as read (a process that builds again reads neither again), and
    the build writes what a clean build writes. A collection changed since the record is not handed on."""
    out = tmp_path / "site"
    with _memos_off():  # the build another process made
        build(mini, out, pdf=False, cache=True)
    warmed: list[reads.PageMap] = []
    warm = reads.PageMap.warm

    def warming(pagemap: reads.PageMap) -> None:
        warm(pagemap)
        warmed.append(pagemap)

    monkeypatch.setattr(reads.PageMap, "warm", warming)
    store = BuildCache.open(out)
    assert store is not None
    topic = mini / "topics" / "radars.yaml"
    parsed = ParseCache()
    memo.enable(True)
    try:
        reads._HANDED.clear()
        cache._SAVED.clear()
        readability._dictionary.cache_clear()
        primer.build.check_for_watch(mini, False, 1, parsed, out, pdf=False)
        assert readability._dictionary.cache_info().currsize == 1, "the hyphenation dictionary is read"
        checked = warmed[-1]
        assert not checked._changed - {t for t in checked._changed if t[0] == "downloads.handouts"}
        handed, digests = reads._HANDED[-1]
        assert digests is checked._stored and any(name.startswith("derived.") for name in handed)
        assert {str(store.record), str(store.pages)} <= cache._SAVED.keys()
        read_back = cache.unsealed
        unsealed: list[Path] = []

        def counted(path: Path, *args: Any, **kwargs: Any) -> bytes | None:
            unsealed.append(path)
            return read_back(path, *args, **kwargs)

        monkeypatch.setattr(cache, "unsealed", counted)
        topic.write_text(topic.read_text().replace("body: |\n      ", "body: |\n      Edit 0. ", 1))
        _built_as_watched(mini, out, parsed)
        assert store.record not in unsealed and store.pages not in unsealed, "taken as read before the save"
        first = warmed[-1]
        read = first._read
        assert first is not checked and read is not None
        carried = {token for token in read if token[0].startswith("derived.") and first._carries(token)}
        assert carried and carried.isdisjoint(first._changed)
        with _memos_off():
            build(mini, tmp_path / "clean", pdf=False)
        assert _files(out) == _files(tmp_path / "clean")
        # a lesson changed since its last build (here, by a save the watch has not built yet): what changed is
        # digested again by the next build, not carried
        question = mini / "questions" / "radars.yaml"
        question.write_text(question.read_text().replace("explanation: ", "explanation: Notably, ", 1))
        primer.build.check_for_watch(mini, False, 1, parsed, out, pdf=False)
        changed = {name for name, _ in warmed[-1]._changed}
        assert changed - {"downloads.handouts"}
        assert reads._HANDED and changed.isdisjoint(reads._HANDED[-1][0])
        _built_as_watched(mini, out, parsed)
        assert not any(warmed[-1]._carries(token) for token in warmed[-1]._read or () if token[0] in changed)
    finally:
        memo.enable(False)
    with _memos_off():
        build(mini, tmp_path / "clean", pdf=False)
    assert _files(out) == _files(tmp_path / "clean")


def test_an_edit_renders_again_the_pages_that_read_what_it_changed(tmp_path: Path) -> None:
    """A question's explanation is read by its topic's pages, handouts and teacher pages, not by another
    topic's page or by the glossary; and a page edited by hand is rendered again, not taken."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    build(lesson, out, pdf=False, cache=True)
    before = _inodes(out)
    before_all = {p: p.lstat().st_ino for p in out.rglob("*") if p.is_file()}
    (out / "glossary" / "index.html").write_text("edited by hand")
    questions = lesson / "questions" / "thaad-south-korea.yaml"
    questions.write_text(questions.read_text().replace("explanation: ", "explanation: Notably, ", 1))
    messages: list[str] = []
    build(lesson, out, pdf=False, cache=True, progress=messages.append)
    after = _inodes(out)
    remade = {rel for rel, inode in after.items() if before.get(rel) != inode}
    assert {"topics/thaad-south-korea/quiz.html", "teacher/topics/thaad-south-korea.html"} <= remade
    assert "handouts/thaad-south-korea/thaad-south-korea-teacher.html" in remade
    assert "glossary/index.html" in remade, "edited by hand: rendered again"
    assert "topics/japan-aegis-ashore/quiz.html" not in remade
    assert "handouts/japan-aegis-ashore/japan-aegis-ashore-teacher.html" not in remade
    # the edited topic's handouts have new version codes, which only its own teacher page (and the hub) show
    assert "teacher/topics/japan-aegis-ashore.html" not in remade
    assert "Notably" in (out / "topics" / "thaad-south-korea" / "quiz.html").read_text()
    kept = [p for p in out.rglob("*") if p.is_file() and p.lstat().st_ino in set(before_all.values())]
    assert any(f"{len(kept)} of the files as the last build made them" in m for m in messages), messages
    assert any(p.name.endswith("-moodle.xml") for p in kept), "an export whose questions did not change is taken"
    assert (out / "exports" / "thaad-south-korea" / "thaad-south-korea-moodle.xml").lstat().st_ino not in set(
        before_all.values()
    ), "the edited topic's exports are made again"
    clean = tmp_path / "clean"
    build(lesson, clean, pdf=False)
    assert _files(out) == _files(clean)


def test_a_topic_s_text_is_read_by_its_pages_and_its_neighbours_not_by_what_lists_the_topics(tmp_path: Path) -> None:
    """A topic's pages read where the others stand (the view of the topics' order) and the topics before and
    after it, not every topic's text; the exports of the whole bank, the glossary and the sources' pages read
    the topics' headings, not their sections. So a section's edit renders again the topic's pages and its
    neighbours', not another topic's page or export, the whole bank's exports, the glossary or a source's
    page; and the site is what a clean build writes."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    build(lesson, out, pdf=False, cache=True)
    before = _every_inode(out)
    topic = lesson / "topics" / "thaad-south-korea.yaml"  # third of six: after japan-aegis-ashore, before trilateral-…
    text = topic.read_text(encoding="utf-8")
    assert "\n    body: |\n      [" in text
    topic.write_text(text.replace("\n    body: |\n      [", "\n    body: |\n      Notably, [", 1), encoding="utf-8")
    build(lesson, out, pdf=False, cache=True)
    after = _every_inode(out)
    remade = {rel for rel, inode in after.items() if before.get(rel) != inode}
    assert "topics/thaad-south-korea/index.html" in remade
    assert {"topics/japan-aegis-ashore/index.html", "topics/trilateral-cooperation/index.html"} <= remade, "neighbours"
    assert "topics/how-missile-defense-works/index.html" not in remade
    assert "topics/two-articles-two-framings/index.html" not in remade
    assert "exports/japan-aegis-ashore/japan-aegis-ashore.json" not in remade
    assert not {rel for rel in remade if rel.startswith("exports/all/")}, "the whole bank's exports read no section"
    assert "timeline/index.html" not in remade, "the timeline reads the events a topic cites, not its text"
    # the pages that name topics read their headings: the glossary's "appears in", a source's "tested in"
    named = {"glossary/index.html"} | {rel for rel in after if rel.startswith("sources/") and "compare" not in rel}
    assert not named & remade, sorted(named & remade)
    assert "Notably" in (out / "topics" / "thaad-south-korea" / "index.html").read_text(encoding="utf-8")
    clean = tmp_path / "clean"
    build(lesson, clean, pdf=False)
    assert _files(out) == _files(clean)


@pytest.mark.parametrize("layout", ["small", "large"])
def test_the_lists_of_topics_and_sources_read_their_cards_and_the_quizzes_sizes(
    layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home page, the list of topics and the comparison of the sources show each topic's card (its title,
    lede and icon); the list of sources, the about page and the comparison show each source's card (its names,
    date, outlet, framing, and how many of its points have each status); the list of topics shows how many
    questions each quiz holds. An edit of anything else leaves them as they were, an edit of what they show makes
    them again, and the site is what a clean build writes. A small lesson's comparison shows the points the topics
    share side by side; a large lesson's (laid out so here) links each topic's comparison, and reads no point."""
    if layout == "large":
        monkeypatch.setattr(primer.targets.site, "SIDE_BY_SIDE", 1)
        monkeypatch.setattr(primer.targets.site, "SHARED_ON_PAGE", 0)
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    build(lesson, out, pdf=False, cache=True)
    topics, sources = {"index.html", "topics/index.html"}, {"sources/index.html", "about/index.html"}
    compared = "sources/compare.html"

    def edited(path: Path, old: str, new: str) -> set[str]:
        before = _every_inode(out)
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        build(lesson, out, pdf=False, cache=True)
        return {rel for rel, inode in _every_inode(out).items() if before.get(rel) != inode}

    topic = lesson / "topics" / "thaad-south-korea.yaml"
    remade = edited(topic, "\n    body: |\n      [", "\n    body: |\n      Notably, [")
    assert not (topics | sources | {compared}) & remade, sorted(remade)
    remade = edited(topic, "title: THAAD in South Korea", "title: THAAD in the South")
    assert topics | {compared} <= remade and not sources & remade
    assert "THAAD in the South" in (out / "topics" / "index.html").read_text(encoding="utf-8")
    source = lesson / "sources" / "japan-aegis-ashore-2017.yaml"
    remade = edited(source, "\n    text: Japan intends", "\n    text: Notably, Japan intends")
    assert not (topics | sources) & remade, sorted(remade)
    assert (compared in remade) == (layout == "small")
    remade = edited(source, "  conclusion: >-\n    ", "  conclusion: >-\n    Notably, ")
    assert sources | {compared} <= remade and not (topics - {"index.html"}) & remade  # the home page counts them
    remade = edited(topic, "  - thaad-15\n", "")  # one question fewer in its quiz
    assert "topics/index.html" in remade and not (sources | {compared}) & remade
    clean = tmp_path / "clean"
    build(lesson, clean, pdf=False)
    assert _files(out) == _files(clean)


def test_a_point_is_read_by_the_pages_that_show_it_not_by_the_timeline(tmp_path: Path) -> None:
    """The timeline names the sources and places their dates (a view of the sources' headings), and shows no
    point; a page that cites a point names its source by the source's heading: a point's edit renders again
    its source's page, not the timeline, nor a quiz page that cites other points of the same source."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    build(lesson, out, pdf=False, cache=True)
    before = _every_inode(out)
    source = lesson / "sources" / "japan-aegis-ashore-2017.yaml"
    text = source.read_text(encoding="utf-8")
    assert "\n    text: Japan intends" in text
    source.write_text(text.replace("\n    text: Japan intends", "\n    text: Notably, Japan intends", 1), "utf-8")
    build(lesson, out, pdf=False, cache=True)
    after = _every_inode(out)
    remade = {rel for rel, inode in after.items() if before.get(rel) != inode}
    assert "sources/japan-aegis-ashore-2017.html" in remade
    assert "timeline/index.html" not in remade
    assert "topics/thaad-south-korea/quiz.html" not in remade
    clean = tmp_path / "clean"
    build(lesson, clean, pdf=False)
    assert _files(out) == _files(clean)


def test_a_definition_is_read_by_the_pages_that_link_its_term_not_by_every_page_that_links_terms(
    tmp_path: Path,
) -> None:
    """A page's glossary links read the glossary's names (a view of its own), and the definition of each term
    they link: a definition's edit renders again the pages that link that term, and takes the other pages
    that link terms from the last build."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    build(lesson, out, pdf=False, cache=True)
    before = _inodes(out)
    glossary = lesson / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    term = text.split("  - id: ", 1)[1].split("\n", 1)[0].strip()
    assert "\n    definition: >-\n      " in text
    glossary.write_text(
        text.replace("\n    definition: >-\n      ", "\n    definition: >-\n      Notably, ", 1), encoding="utf-8"
    )
    build(lesson, out, pdf=False, cache=True)
    after = _inodes(out)
    linking = {rel for rel in after if rel.endswith(".html") and f'id="def-{term}"' in (out / rel).read_text("utf-8")}
    others = {
        rel
        for rel in after
        if rel.startswith("topics/") and rel.endswith("index.html") and 'class="term"' in (out / rel).read_text("utf-8")
    } - linking
    assert linking and others, (term, linking, others)
    assert all(before.get(rel) != after[rel] for rel in linking), "a page that links the term is made again"
    assert any(before.get(rel) == after[rel] for rel in others), "a page that links other terms alone is taken"
    clean = tmp_path / "clean"
    build(lesson, clean, pdf=False)
    assert _files(out) == _files(clean)


def test_a_rebuild_digests_again_only_the_items_of_the_files_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item read from a file whose path and bytes did not change is the item it was: the rebuild takes its
    digest from the last build's record rather than work it out from the item again (`PageMap.warm`). After a
    point's edit, the items of the lesson digested again are those of the point's source file (and a few
    more, below)."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    build(lesson, out, pdf=False, cache=True)
    source = lesson / "sources" / "japan-aegis-ashore-2017.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("\n    text: Japan intends", "\n    text: Notably, Japan intends", 1), "utf-8")
    digested: list[object] = []
    warming = [False]
    warm, value_bytes = reads.PageMap.warm, reads.value_bytes

    def watched_warm(self: reads.PageMap) -> None:
        warming[0] = True
        try:
            warm(self)
        finally:
            warming[0] = False

    def watched_bytes(value: Any) -> bytes:
        if warming[0]:
            digested.append(value)
        return value_bytes(value)

    monkeypatch.setattr(reads.PageMap, "warm", watched_warm)
    monkeypatch.setattr(reads, "value_bytes", watched_bytes)
    result, _, _ = build(lesson, out, pdf=False, cache=True)
    lib = result.library
    items = {id(item): (name, key) for name in LIBRARY_ITEMS for key, item in getattr(lib, name).items()}
    again = {items[id(value)] for value in digested if id(value) in items}
    edited = {("sources", "japan-aegis-ashore-2017")} | {
        ("points", pid) for pid, sid in lib.point_source.items() if sid == "japan-aegis-ashore-2017"
    }
    # and the few points no page reads but as part of all the points (the sources' comparison reads them
    # whole), whose digests make the collection's, and which the record does not keep one by one
    whole = {(name, key) for name, key in again - edited if name == "points"}
    # and the questions of the quizzes, a list that the check derives (of no file): its digest is made of
    # its questions' digests
    quizzed = {("questions", q.id) for quiz in result.derived.quizzes.values() for q in quiz}
    assert again and again <= edited | whole | quizzed, again - edited
    assert not any(name in ("topics", "terms", "events", "places", "actors") for name, _ in again - edited)
    assert len(whole) < len(lib.points) / 10, whole
    assert len({name for name, _ in items.values()}) > 5, "the lesson has items of many kinds"
    clean = tmp_path / "clean"
    build(lesson, clean, pdf=False)
    assert _files(out) == _files(clean)


def test_the_files_of_the_items_are_worked_out_again_only_for_the_files_that_changed(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file each item was read from (`_origins`), by its token: in a process that builds again, worked out
    again only for a file whose document is new (a changed file), and always what the items' origins give."""
    import hashlib

    from primer.content.library import load_library
    from primer.content.load import Document

    def expected(lib: Any) -> dict[reads.Token, str]:
        kinds = {name.removesuffix("s"): (name,) for name in LIBRARY_ITEMS}
        kinds.update(point=("points", "point_source"), objective=("objectives", "objective_topic"))
        found = {}
        for (kind, item_id), origin in lib.origins.items():
            key = hashlib.blake2b(f"{origin.doc.path}\0{origin.doc.digest}".encode(), digest_size=12).hexdigest()
            found.update({(name, item_id): key for name in kinds.get(kind, ())})
        return found

    made: list[Document] = []
    real = primer.build._file_tokens
    monkeypatch.setattr(primer.build, "_file_tokens", lambda doc, items: made.append(doc) or real(doc, items))
    parsed = ParseCache()
    memo.enable(True)
    try:
        first = load_library(mini, parsed)
        assert primer.build._origins(first) == expected(first) and len(made) == len(first.origin_files) > 3
        glossary = mini / "glossary.yaml"
        glossary.write_text(glossary.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        made.clear()
        memo.new_round()
        again = load_library(mini, parsed)
        assert primer.build._origins(again) == expected(again)
        assert [doc.path for doc in made] == [glossary], "the glossary's file alone"
        # the same, by file: each file's tokens, exactly those `_origins` gives it
        origins, files = primer.build._origins_by_file(again)
        assert origins == expected(again) and files is not None
        inverse: dict[str, set[reads.Token]] = {}
        for token, key in origins.items():
            inverse.setdefault(key, set()).add(token)
        assert {key: set(tokens) for key, tokens in files.items()} == inverse
        assert sum(map(len, files.values())) == len(origins)
        # a token read from two files (a lesson that fails its load): the map groups them itself, by `_origins`
        doc, items = again.origin_files[0]
        twice = SimpleNamespace(origin_files=[*again.origin_files, (replace(doc, path=doc.path.with_name("x")), items)])
        origins, files = primer.build._origins_by_file(twice)  # type: ignore[arg-type]
        assert files is None and len(origins) == len(expected(again))
        again.forget_origins()
        assert primer.build._origins(again) == {}
        assert primer.build._origins_by_file(again) == ({}, {})
    finally:
        memo.enable(False)


def test_a_rebuilds_map_sets_aside_the_same_items_whether_it_is_given_their_files_or_groups_them_itself(
    mini: Path, tmp_path: Path
) -> None:
    """`PageMap.warm` sets aside the items of the files that did not change: given each file's tokens
    (`origin_files`), as a build gives them, it finds what grouping the tokens by their files finds."""
    from primer.build import build, page_map
    from primer.cache import BuildCache, base_key

    out = tmp_path / "site"
    build(mini, out, jobs=1, pdf=False, cache=True)
    source = sorted((mini / "sources").glob("*.yaml"))[0]
    source.write_text(
        source.read_text(encoding="utf-8").replace("    text: ", "    text: Edited, ", 1), encoding="utf-8"
    )
    result = primer.build.check(mini)
    earlier = BuildCache.open(out).earlier(base_key(mini, {"strict": False, "pdf": False}))
    assert earlier is not None
    given = page_map(result.library, result.derived, earlier).pagemap
    assert given._origin_files is not None
    grouped = page_map(result.library, result.derived, earlier).pagemap
    grouped._origin_files = None
    given.warm()
    grouped.warm()
    assert given._read == grouped._read and given._changed == grouped._changed
    assert given._changed and len(given._changed) < len(given._read), "a few items changed, most did not"


def test_the_report_page_is_taken_while_the_report_is_the_same(tmp_path: Path) -> None:
    """The report's page holds the report: a rebuild whose report came out the same takes the page from the
    last build; one whose report changed renders it again, as a clean build does."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    build(lesson, out, pdf=False, cache=True)
    report = "teacher/report.html"
    (out / "glossary" / "index.html").write_text("edited by hand")  # a build that redoes something
    before = _inodes(out)
    build(lesson, out, pdf=False, cache=True)
    after = _inodes(out)
    assert after["glossary/index.html"] != before["glossary/index.html"]
    assert after[report] == before[report], "the report is the same: its page is taken"
    topic = lesson / "topics" / "two-articles-two-framings.yaml"
    text = topic.read_text(encoding="utf-8")
    assert "\nignore:\n" in text
    topic.write_text(text.replace("\nignore:\n", "\nignore:\n  P901: a silencing that silences nothing\n"), "utf-8")
    build(lesson, out, pdf=False, cache=True)
    assert _inodes(out)[report] != after[report], "the report changed: its page is rendered again"
    page = (out / report).read_text(encoding="utf-8")
    assert "P901 silences nothing" in page
    clean = tmp_path / "clean"
    build(lesson, clean, pdf=False)
    assert _files(out) == _files(clean)


def test_no_page_is_taken_across_options_or_with_a_lessons_own_templates(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(mini, out, pdf=False, cache=True, strict=False)
    before = _inodes(out)
    _set_line(mini / "site.yaml", "title: ", "Another title")
    build(mini, out, pdf=False, cache=True, strict=True)  # another option: nothing of the last build is taken
    assert not set(before.items()) & set(_inodes(out).items())
    template = mini / "templates" / "site" / "404.html"
    template.parent.mkdir(parents=True)
    template.write_text('{% extends "default:site/404.html" %}{% block main %}<p>Lost?</p>{% endblock %}')
    build(mini, out, pdf=False, cache=True, strict=True)
    before = _inodes(out)
    _set_line(mini / "site.yaml", "title: ", "A third title")
    build(mini, out, pdf=False, cache=True, strict=True)
    assert not set(before.items()) & set(_inodes(out).items()), "a lesson's own templates may read anything"


def test_the_map_of_the_last_build_is_read_once_the_lesson_is_checked(
    mini: Path, tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The map of what the last build's pages read is the largest file a rebuild reads: it is read once the
    lesson is checked (while the build waits for the report's workers), once, and never by a build whose
    check fails."""
    out = tmp_path / "site"
    build(mini, out, pdf=False, cache=True)
    reads: list[object] = []
    original = BuildCache._pages_of

    def counted(self: BuildCache, key: object) -> Any:
        reads.append(key)
        return original(self, key)

    monkeypatch.setattr(BuildCache, "_pages_of", counted)
    radars = mini / "topics" / "radars.yaml"
    text = radars.read_text()
    radars.write_text(text.replace("title: ", "title: [", 1))  # a file that does not parse
    with pytest.raises(ContentError):
        build(mini, out, pdf=False, cache=True)
    assert reads == [], "the check failed: the map is never read"
    radars.write_text(text)
    build(mini, out, pdf=False, cache=True)  # the last build's record went when the failed build started
    radars.write_text(text.replace("title: ", "title: Edited, ", 1))
    reads.clear()
    build(mini, out, pdf=False, cache=True)
    assert len(reads) == 1, "read once, by the rebuild"


def test_a_rebuild_starts_the_exports_early_only_when_the_whole_banks_are_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild checks, once the questions are derived, whether the whole bank's exports would be taken from
    the last build: after a question's edit they would not (their worker starts then), after a section's
    they would (it starts once the lesson is checked, the exports being mostly taken)."""
    import primer.build as build_mod

    decided: list[bool] = []
    real = build_mod.whole_bank_taken
    monkeypatch.setattr(build_mod, "whole_bank_taken", lambda *a: decided.append(real(*a)) or decided[-1])
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    out = tmp_path / "site"
    build(lesson, out, pdf=False, cache=True)
    assert decided == [], "a first build has no last one to take from: its exports start at once"
    topic = lesson / "topics" / "thaad-south-korea.yaml"
    topic.write_text(topic.read_text("utf-8").replace("\n    body: |\n      [", "\n    body: |\n      So [", 1))
    build(lesson, out, pdf=False, cache=True)
    questions = lesson / "questions" / "thaad-south-korea.yaml"
    questions.write_text(questions.read_text("utf-8").replace("explanation: ", "explanation: Notably, ", 1))
    build(lesson, out, pdf=False, cache=True)
    assert decided == [True, False]


def test_a_build_reads_the_lesson_primers_files_and_the_secret_once_for_its_keys(
    mini: Path, own_cache: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build works out the lesson's digest three times and its base key seven (`primer.cache`): a file is read
    again only when its status changed, as `primer serve`'s saves are keyed; the cache folder's secret, which
    each entry of the parse cache is checked with, is read again only when it was replaced."""
    monkeypatch.setattr(cache.Seen, "RACY_NS", -(10**18))  # as if every file was written long before
    monkeypatch.setattr(cache, "_SEEN", cache.Seen())
    monkeypatch.setattr(cache, "_SECRETS", {})
    read = files_read(monkeypatch)
    first = cache.content_digest(mini)
    assert sorted(read) == sorted(p.name for p in mini.rglob("*") if p.is_file())
    read.clear()
    assert cache.content_digest(mini) == first and read == []
    base = cache.base_key(mini, {"pdf": False})
    assert len(read) == sum(1 for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    read.clear()
    assert cache.base_key(mini, {"pdf": True}) != base and cache.base_key(mini, {"pdf": False}) == base and read == []
    (package / "templates" / "site" / "base.html").write_text("changed")
    assert cache.base_key(mini, {"pdf": False}) != base and read == ["base.html"]
    glossary = mini / "glossary.yaml"
    glossary.write_text(glossary.read_text() + "\n")
    read.clear()
    assert cache.content_digest(mini) != first and read == ["glossary.yaml"]

    root = own_cache / "builds"
    made = cache.secret(root, create=True)
    read.clear()
    assert cache.secret(root, create=False) == made and read == ["secret"], "read once"
    read.clear()
    assert cache.secret(root, create=False) == made and read == []
    other = root / "other"
    other.write_bytes(b"y" * 32)
    other.replace(root / "secret")  # another secret: read, never the one this process kept
    assert cache.secret(root, create=False) == b"y" * 32 and read == ["secret"]


def test_a_build_looks_at_primers_files_once_for_its_keys_and_the_next_build_again(
    mini: Path, tmp_path: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within a build, every key that holds primer's files (`base_key`, `own_key`) takes one look at them; the next
    build looks again, and a template changed between the two builds is seen by the second, which is not the first's
    output taken whole."""
    looked: list[str] = []
    tree = cache._hash_tree

    def counted(digest: Any, root: Path, *args: Any, **kwargs: Any) -> None:
        looked.append(str(root))
        tree(digest, root, *args, **kwargs)

    monkeypatch.setattr(cache, "_hash_tree", counted)
    out = tmp_path / "site"
    build(mini, out, jobs=1, pdf=False, cache=True)
    assert looked.count(str(package)) == 1, looked
    looked.clear()
    assert isinstance(build(mini, out, jobs=1, pdf=False, cache=True)[0], Reused)
    assert looked.count(str(package)) == 1, looked
    base = (package / "templates" / "site" / "base.html").read_text(encoding="utf-8")
    (package / "templates" / "site" / "base.html").write_text(base + "<!-- changed -->")
    looked.clear()
    assert not isinstance(build(mini, out, jobs=1, pdf=False, cache=True)[0], Reused), "a template changed"
    assert looked.count(str(package)) == 1, looked
    assert cache.base_key(mini, {}) is not None and cache.base_key(mini, {}) is not None
    assert looked.count(str(package)) == 3, "outside a build, each key looks again"


def test_two_processes_that_make_the_cache_s_secret_at_once_keep_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers of one command may each find no secret and make one: the second keeps the one the first made,
    so that what the first signed is not taken by the next command for a file primer did not write."""
    root = tmp_path / "cache"
    theirs = b"t" * 32
    ours = b"o" * 32

    def meanwhile(n: int) -> bytes:  # the other process makes its secret between our look and our write
        root.mkdir(parents=True, exist_ok=True)
        (root / "secret").write_bytes(theirs)
        return ours

    monkeypatch.setattr(cache.secrets, "token_bytes", meanwhile)
    assert cache.secret(root, create=True) == theirs
    assert (root / "secret").read_bytes() == theirs
    assert sorted(p.name for p in root.iterdir()) == ["secret"], "no file left beside it"
    (root / "secret").unlink()
    (root / "secret").symlink_to(tmp_path / "elsewhere")
    monkeypatch.setattr(cache.secrets, "token_bytes", lambda n: ours)
    assert cache.secret(root, create=True) == ours and not (root / "secret").is_symlink()
