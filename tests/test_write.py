"""The guarded writer."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from primer.write import MARKER, Output, Spool, WriteError, _folders_of, _inside


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b", "", "a//b", "a\\b", "./a"])
def test_paths_outside_the_output_are_refused(bad: str) -> None:
    with pytest.raises(WriteError, match="inside the output folder"):
        Output().add(bad, "x")


def test_a_path_is_inside_exactly_when_none_of_its_parts_is_empty_or_a_dot_or_two() -> None:
    """`_inside` answers at once for a path no part of which can be empty, '.' or '..'; every path of up to six
    characters made of the characters that matter is answered as splitting it into its parts answers."""

    def split(rel: str) -> bool:
        return not (rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in rel.split("/")))

    alphabet = ["a", ".", "/", "\\", "b."]
    paths = [""] + ["".join(chars) for n in range(1, 7) for chars in itertools.product(alphabet, repeat=n)]
    wrong = [rel for rel in paths if _inside(rel) != split(rel)]
    assert not wrong, wrong[:5]
    assert _inside("a/.hidden/b..c.html") and not _inside("a/./b") and not _inside("a/b/")


def test_the_folders_above_files_are_each_folder_a_slash_ends() -> None:
    """`_folders_of` lists, sorted, the text before each '/' of each path: for every path of up to seven
    characters of 'a', 'b' and '/', and for many paths at once."""

    def cut(rel: str) -> set[str]:
        return {rel[:at] for at, char in enumerate(rel) if char == "/"}

    paths = ["".join(chars) for n in range(8) for chars in itertools.product("ab/", repeat=n)]
    assert all(_folders_of([rel]) == sorted(cut(rel)) for rel in paths)
    assert _folders_of(paths) == sorted(set().union(*map(cut, paths)))
    assert _folders_of(["t/x/index.html", "t/y/index.html", "t/index.html", "a.css"]) == ["t", "t/x", "t/y"]


def test_a_path_is_never_written_twice() -> None:
    out = Output()
    out.add("a/index.html", "one")
    with pytest.raises(WriteError, match="twice"):
        out.add("a/index.html", "two")


def test_commit_writes_everything_with_the_marker(tmp_path: Path) -> None:
    out = Output()
    out.add("b/c.html", "c")
    out.add("a.html", b"a")
    out.commit(tmp_path / "site", epoch=1_000_000_000)
    site = tmp_path / "site"
    assert (site / "a.html").read_bytes() == b"a"
    assert (site / "b" / "c.html").read_text() == "c"
    assert (site / MARKER).exists()
    assert (site / "a.html").stat().st_mtime == 1_000_000_000


# --------------------------------------------------------------------------- the spool


def _files(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file and folder under `folder`: its bytes, mode and time."""
    found = {}
    for path in sorted([folder, *folder.rglob("*")]):
        info = path.stat()
        data = path.read_bytes() if path.is_file() else b""
        found[path.relative_to(folder).as_posix()] = (data, info.st_mode & 0o777, int(info.st_mtime))
    return found


def test_a_spooled_build_writes_each_file_as_it_is_added_and_commits_the_same_folder(tmp_path: Path) -> None:
    """With a spool, no file is held in memory: each is written into the folder the commit swaps in, and
    the output is what a build kept in memory writes, to the byte, mode and time."""
    spool = Spool.open(tmp_path / "spooled" / "site", 1_000_000_000)
    assert spool is not None
    spooled, held = Output(spool), Output()
    for out in (spooled, held):
        out.add("index.html", "home")
        out.add("b/c.html", b"c")
    assert (spool.folder / "b" / "c.html").read_bytes() == b"c", "written when added"
    assert spooled.get("b/c.html") == b"c"
    assert spool.folder.parent == tmp_path / "spooled" and spool.folder.name.startswith(".site.new-")
    spooled.commit(tmp_path / "spooled" / "site", epoch=1_000_000_000)
    spool.discard()
    held.commit(tmp_path / "held" / "site", epoch=1_000_000_000)
    assert _files(tmp_path / "spooled" / "site") == _files(tmp_path / "held" / "site")
    assert sorted(p.name for p in (tmp_path / "spooled").iterdir()) == ["site"], "the spool became the site"


def test_a_spool_asks_for_each_folder_once_and_a_worker_for_those_it_did_not_know(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spool makes (or finds) the folder of a file it writes once, not for each file in it; a worker forked from
    the build knows the folders the build's process knew then, and asks for the others; every file is written."""
    import primer.write as write_module

    asked: list[str] = []  # the files written with their folder made (or found) first
    real = write_module._write_file

    def writing(root: Path, rel: str, *args: Any, folder: bool = True, **kwargs: Any) -> None:
        if folder:
            asked.append(rel)
        real(root, rel, *args, folder=folder, **kwargs)

    monkeypatch.setattr(write_module, "_write_file", writing)
    spool = Spool.open(tmp_path / "site", 1_000_000_000)
    assert spool is not None
    out = Output(spool)
    asked.clear()  # (the marker, written as the spool opens)
    rels = [f"{folder}/page-{n}.html" for folder in ("a", "a/b", "c") for n in range(5)] + ["index.html", "top.html"]
    for rel in rels[:10]:
        out.add(rel, rel)
    assert asked == ["a/page-0.html", "a/b/page-0.html"]
    pid = os.fork()
    if pid == 0:  # a worker: writes the rest
        code = 2
        try:
            asked.clear()
            for rel in rels[10:]:
                spool.write(rel, rel.encode())
            code = 0 if asked == ["c/page-0.html", "index.html"] else 3
        finally:
            os._exit(code)
    assert os.waitpid(pid, 0)[1] == 0, "the worker asked for the folders it did not know, once each"
    for rel in rels[10:]:
        out.received(rel, None)
    out.commit(tmp_path / "site", epoch=None)
    assert {rel: (tmp_path / "site" / rel).read_text() for rel in rels} == {rel: rel for rel in rels}


def test_a_folder_of_the_spool_made_with_another_mode_is_readable_by_everyone_once_committed(tmp_path: Path) -> None:
    """A folder in the spool that something else made (a worker under another umask) gets the mode of the build's
    folders when the build is committed; the others keep theirs."""
    spool = Spool.open(tmp_path / "site", 1_000_000_000)
    assert spool is not None
    out = Output(spool)
    out.add("a/b/page.html", "page")
    out.add("c/page.html", "page")
    (spool.folder / "a" / "b").chmod(0o700)
    (spool.folder / "a").chmod(0o711)
    out.commit(tmp_path / "site", epoch=None)
    modes = {rel: (tmp_path / "site" / rel).stat().st_mode & 0o777 for rel in ["a", "a/b", "c"]}
    assert modes == {"a": 0o755, "a/b": 0o755, "c": 0o755}


def test_a_worker_writes_into_the_spool_and_the_output_receives_it(tmp_path: Path) -> None:
    spool = Spool.open(tmp_path / "site", None)
    assert spool is not None
    out = Output(spool)
    pid = os.fork()
    if pid == 0:  # a worker, as the page and export workers are
        try:
            spool.write("exports/all/bank.json", b"{}")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    out.received("exports/all/bank.json", None)
    with pytest.raises(WriteError, match="twice"):
        out.received("exports/all/bank.json", None)
    with pytest.raises(WriteError, match="inside the output folder"):
        spool.write("../escape.html", b"x")
    out.commit(tmp_path / "site")
    spool.discard()
    assert (tmp_path / "site" / "exports" / "all" / "bank.json").read_bytes() == b"{}"
    with pytest.raises(WriteError, match="no spool"):
        Output().received("a.html", None)


def test_another_build_leaves_a_running_builds_spool_alone_and_clears_a_dead_ones(tmp_path: Path) -> None:
    site = tmp_path / "site"
    running = Spool.open(site, None)
    assert running is not None
    mine = Output(running)
    mine.add("index.html", "mine")
    # a build killed while it rendered: its spool stays behind, no longer locked
    script = (
        "import os; from pathlib import Path; from primer.write import Spool\n"
        f"s = Spool.open(Path({str(site)!r}), None); s.write('index.html', b'dead'); os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    dead = [p for p in tmp_path.glob(".site.new-*") if p != running.folder]
    assert len(dead) == 1
    other = Output()
    other.add("index.html", "other")
    other.commit(site)
    assert not dead[0].exists(), "a dead build's spool is cleared"
    assert (running.folder / "index.html").read_text() == "mine", "a running build's spool is left alone"
    mine.commit(site)
    running.discard()
    assert (site / "index.html").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_discarded_spool_leaves_nothing_not_even_the_folders_made_for_it(tmp_path: Path) -> None:
    spool = Spool.open(tmp_path / "new" / "deep" / "site", None)
    assert spool is not None
    Output(spool).add("index.html", "never committed")
    spool.discard()
    spool.discard()  # once is enough; twice does no harm
    assert list(tmp_path.iterdir()) == []


def test_folders_made_ahead_hold_the_build_and_those_left_empty_go_before_the_swap(tmp_path: Path) -> None:
    """A rebuild's spool gets the last build's folders first (`folders_ahead`, by the system's mkdir); the
    output is what a build without them writes, to the byte, mode and time: no folder the new build left
    empty, and a file where the last build had a folder."""
    site, plain = tmp_path / "ahead" / "site", tmp_path / "plain" / "site"
    spool = Spool.open(site, 1_000_000_000)
    assert spool is not None
    spool.folders_ahead(["index.html", "a/b/c.html", "gone/x/index.html", "d/e/index.html", MARKER])
    spooled, held = Output(spool), Output()
    for out in (spooled, held):
        out.add("a/b/c.html", "c")  # into a folder made ahead
        out.add("d/e", "a file where the last build had a folder")
        out.add("new/index.html", "a folder the last build did not have")
    assert spool._ahead is None, "the build waited for them when it needed one"
    assert (spool.folder / "gone" / "x").is_dir()
    spooled.commit(site, epoch=1_000_000_000)
    spool.discard()
    held.commit(plain, epoch=1_000_000_000)
    assert _files(site) == _files(plain)
    assert not (site / "gone").exists()


def test_a_spool_discarded_while_its_folders_are_made_leaves_nothing(tmp_path: Path) -> None:
    spool = Spool.open(tmp_path / "site", None)
    assert spool is not None
    spool.folders_ahead([f"topic-{n}/part-{m}/index.html" for n in range(200) for m in range(3)])
    spool.discard()  # the check failed at once: the mkdir is stopped, or waited for, before the spool goes
    assert list(tmp_path.iterdir()) == []


def test_a_worker_leaves_the_folders_being_made_to_the_build(tmp_path: Path) -> None:
    spool = Spool.open(tmp_path / "site", None)
    assert spool is not None
    spool.folders_ahead(["a/index.html", "b/index.html"])
    out = Output(spool)
    pid = os.fork()
    if pid == 0:  # forked while the folders are made: it writes, and never waits for the build's mkdir
        code = 1
        try:
            spool.write("b/index.html", b"b")
            spool._folders_made()
            code = 0 if spool._ahead is not None else 2
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    out.received("b/index.html", None)
    out.add("a/index.html", "a")
    out.commit(tmp_path / "site")
    spool.discard()
    assert (tmp_path / "site" / "b" / "index.html").read_bytes() == b"b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_output_folder_that_is_a_mount_point_gets_no_spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from primer import write as write_mod

    (tmp_path / "site").mkdir()
    monkeypatch.setattr(write_mod.os.path, "ismount", lambda p: Path(p) == tmp_path / "site")
    assert Spool.open(tmp_path / "site", None) is None  # the commit updates it in place: files stay in memory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# --------------------------------------------------------------------------- the previous build's removal


def test_the_walk_of_an_output_lists_its_files_and_links_as_os_walk_finds_them(tmp_path: Path) -> None:
    """`_walk` (which lists the kinds each folder gives, asking nothing more of the system) finds every file and
    link as `os.walk` does, in the same order: a folder's files and links to files, then its links to folders
    (never followed), then each folder's, by name."""
    from primer.write import _walk

    root = tmp_path / "site"
    for rel in ["index.html", "b/z.html", "b/a.html", "b/c/d/deep.html", "a b/ü.html", ".hidden/x", "e/"]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not rel.endswith("/"):
            path.write_text(rel)
        else:
            path.mkdir()
    (root / "b" / "to-folder").symlink_to(root / "b" / "c")
    (root / "b" / "to-file").symlink_to(root / "index.html")
    (root / "b" / "broken").symlink_to(root / "nowhere")
    (root / "outside").symlink_to(tmp_path)

    def reference() -> list[str]:  # as the writer walked an output before
        found = []
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            prefix = Path(folder).relative_to(root).as_posix()
            for name in sorted(files) + sorted(d for d in dirs if Path(folder, d).is_symlink()):
                found.append(name if prefix == "." else f"{prefix}/{name}")
        return found

    walked = list(_walk(root))
    assert walked == reference()
    assert {"b/to-folder", "b/to-file", "b/broken", "outside", "b/c/d/deep.html"} <= set(walked)
    assert not any(rel.startswith(("b/to-folder/", "outside/")) for rel in walked), "links are not followed"


def _site(folder: Path, text: str, count: int) -> Output:
    out = Output(Spool.open(folder, None))
    out.add("index.html", text)
    for n in range(count):
        out.add(f"p{n % 7}/page-{n}.html", f"{text} {n}")
    return out


@pytest.mark.parametrize("rm", [True, False], ids=["rm", "thread"])
def test_the_previous_build_is_removed_meanwhile_and_gone_when_the_block_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rm: bool
) -> None:
    """Within `removing_meanwhile`, the folder a commit swapped out is removed beside the caller (by the
    system's rm, else a thread), which goes on meanwhile; at the block's end it is gone, and the new build is
    in place, whole."""
    from primer import write as write_mod

    if not rm:
        monkeypatch.setattr(write_mod.shutil, "which", lambda name: None)
    site = tmp_path / "site"
    first = _site(site, "old", 300)
    first.commit(site)
    assert first.spool is not None
    first.spool.discard()
    second = _site(site, "new", 300)
    assert second.spool is not None
    with write_mod.removing_meanwhile():
        second.commit(site)
        assert (site / "p1" / "page-8.html").read_text() == "new 8", "the new build is in place at once"
        assert len(write_mod._REMOVING.get() or []) == 1, "the previous build is being removed"
    second.spool.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "nothing of the previous build is left"
    assert len(list(site.rglob("*.html"))) == 301


def test_a_spool_swapped_in_leaves_the_previous_build_to_its_removal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that waits for the removal later (`primer build --watch`: `removing_meanwhile(later)`) discards
    its spool before the removal ends. The spool's path then holds the previous build, which the removal
    takes away: the discard leaves it alone (it removed it whole in the build's own process, racing the
    removal, for a tenth of a second of each rebuild at 256 topics), and releases the spool's lock."""
    from primer import write as write_mod

    idle_rm = tmp_path / "rm"
    idle_rm.write_text("#!/bin/sh\nexit 0\n")  # an rm that has not got to any file yet when the spool is discarded
    idle_rm.chmod(0o755)
    monkeypatch.setattr(write_mod.shutil, "which", lambda name: str(idle_rm) if name == "rm" else None)
    site = tmp_path / "out" / "site"
    first = _site(site, "old", 40)
    first.commit(site)
    assert first.spool is not None
    first.spool.discard()
    second = _site(site, "new", 40)
    assert second.spool is not None
    later: list[Callable[[], None]] = []
    with write_mod.removing_meanwhile(later):
        second.commit(site)
    second.spool.discard()
    assert len(later) == 1
    previous = second.spool.folder
    assert (previous / "p1" / "page-8.html").read_text() == "old 8", "the discard left the previous build alone"
    assert not write_mod._in_use(previous), "and released its lock"
    for wait in later:
        wait()
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"], "the removal took the previous build away"
    assert (site / "p1" / "page-8.html").read_text() == "new 8"
    assert len(list(site.rglob("*.html"))) == 41


def _keeping(site: Path, files: dict[str, str], epoch: int = 1_000_000_000) -> list[Callable[[], None]]:
    """A build of `files` into `site`, as `primer build --watch` makes it: its spool discarded and the removal
    of the previous build left to the waits it returns."""
    from primer import write as write_mod

    out = Output(Spool.open(site, epoch))
    for rel, text in files.items():
        out.add(rel, text)
    later: list[Callable[[], None]] = []
    with write_mod.removing_meanwhile(later):
        out.commit(site, epoch=epoch)
    assert out.spool is not None
    out.spool.discard()
    return later


@pytest.fixture
def keeping_folders() -> Iterator[None]:
    from primer import write as write_mod

    write_mod.keep_folders()
    try:
        yield
    finally:
        write_mod.keep_folders(False)


@pytest.mark.usefixtures("keeping_folders")
def test_a_process_that_builds_again_makes_its_spool_of_the_last_builds_folders(tmp_path: Path) -> None:
    """With `keep_folders` (`primer build --watch`), the folder a commit swapped out is kept as it is, and the
    next build into the same output takes it as its spool: the folders it shares with the last build are not
    made again, and what it writes replaces the files kept there. The output is what a build in a fresh spool
    writes, to the byte, mode and time: no file or folder the new build did not write, a file where the last
    build had a folder, the user's own files kept. Once the process is done with it, nothing is left beside the
    output."""
    from primer import write as write_mod

    site, plain = tmp_path / "kept" / "site", tmp_path / "plain" / "site"
    old = {"index.html": "1", "a/b/c.html": "c", "gone/x/index.html": "x", "d/e/index.html": "e"}
    for wait in _keeping(site, old) + _keeping(site, {**old, "index.html": "2"}):
        wait()
    (site / "notes").mkdir()
    (site / "notes" / "mine.txt").write_text("the user's own file")
    emptied = [p for p in site.parent.iterdir() if p.name != "site"]
    assert len(emptied) == 1 and (emptied[0] / "gone" / "x").is_dir() and (emptied[0] / "a" / "b").is_dir()
    kept = sorted(p.relative_to(emptied[0]).as_posix() for p in emptied[0].rglob("*") if not p.is_dir())
    assert kept == sorted([*old, MARKER]), "the first build's files, as it left them"
    assert write_mod._in_use(emptied[0]), "held, so that another build's clean-up leaves it alone"

    new = {"index.html": "3", "a/b/c.html": "c2", "d/e": "a file where the last build had a folder", "n/i.html": "n"}
    spool = Spool.open(site, 1_000_000_000)
    assert spool is not None and spool.folder == emptied[0], "the next build's spool is the emptied folder"
    spool.folders_ahead(list(old))
    assert spool._ahead is None, "its folders are there: none is made ahead"
    spooled = Output(spool)
    for rel, text in new.items():
        spooled.add(rel, text)
    later: list[Callable[[], None]] = []
    with write_mod.removing_meanwhile(later):
        spooled.commit(site, epoch=1_000_000_000)
    spool.discard()
    for wait in later:
        wait()
    held = Output()
    for rel, text in new.items():
        held.add(rel, text)
    Output().commit(plain)  # a build before, into which the user put their file
    (plain / "notes").mkdir()
    (plain / "notes" / "mine.txt").write_text("the user's own file")
    held.commit(plain, epoch=1_000_000_000)
    for mine in (site / "notes" / "mine.txt", site / "notes", plain / "notes" / "mine.txt", plain / "notes"):
        os.utime(mine, (1_000_000_000, 1_000_000_000))  # the user's own: their times are not the build's
    assert _files(site) == _files(plain)
    assert not (site / "gone").exists()
    write_mod.keep_folders(False)
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"], "the emptied folder goes as the process ends"


def _rebuild(
    site: Path, written: dict[str, str], linked: list[str], before_commit: Callable[[], None] = lambda: None
) -> None:
    """A build into `site` as `primer build --watch` makes it: `linked` taken from the last build as they are
    (as `primer.reads.Reuse.take` takes them), `written` made anew."""
    from primer import write as write_mod

    out = Output(Spool.open(site, 1_000_000_000))
    for rel in linked:
        assert out.linked(rel, f"{site}/{rel}", write_mod.file_stamp(site / rel)), rel
    for rel, text in written.items():
        out.add(rel, text)
    before_commit()
    later: list[Callable[[], None]] = []
    with write_mod.removing_meanwhile(later):
        out.commit(site, epoch=1_000_000_000)
    assert out.spool is not None
    out.spool.discard()
    for wait in later:
        wait()


def test_a_watch_whose_first_build_had_nothing_to_redo_keeps_a_folder_of_the_output_for_its_first_save(
    tmp_path: Path,
) -> None:
    """`keep_ahead` (`primer build --watch`, when its first build had nothing to redo and so swapped no folder out):
    the output's files are linked, the same files, into a folder kept beside it with its folders, as a commit keeps
    the one it swapped out; the first save's spool is that folder. Its files are taken in place, what it writes
    replaces them without writing into the output's own, and the output is then a fresh build's, to the byte, mode
    and time. Nothing is kept outside a process that keeps folders, for a folder that is not primer's output, or
    where a folder is kept already; once the process is done with it, nothing is left beside the output."""
    from primer import write as write_mod

    site, plain = tmp_path / "kept" / "site", tmp_path / "plain" / "site"
    first = {"index.html": "1", "a/b/c.html": "c", "d/e/index.html": "e", "gone.html": "g"}
    _rebuild(site, first, [])  # a build made before the watch began (no folder kept: keep_folders is off)
    (site / "notes").mkdir()
    (site / "notes" / "mine.txt").write_text("the user's own file")
    assert not write_mod.keep_ahead(site), "outside a process that keeps folders"
    write_mod.keep_folders()
    try:
        theirs = tmp_path / "theirs"
        theirs.mkdir()
        (theirs / "page.html").write_text("not primer's")
        assert not write_mod.keep_ahead(theirs) and sorted(p.name for p in tmp_path.iterdir()) == ["kept", "theirs"]
        assert write_mod.keep_ahead(site)
        beside = [p for p in site.parent.iterdir() if p.name != "site"]
        assert len(beside) == 1 and write_mod._in_use(beside[0]), "kept, and held as a kept folder is"
        for rel in [*first, "notes/mine.txt"]:
            assert (beside[0] / rel).stat().st_ino == (site / rel).stat().st_ino, "the output's files, linked"
        assert not write_mod.keep_ahead(site), "one is kept already"
        taken = (site / "a" / "b" / "c.html").stat().st_ino

        linked = ["a/b/c.html", "d/e/index.html"]
        _rebuild(site, {"index.html": "2", "n/new.html": "n"}, linked)  # the first save
        assert (site / "a" / "b" / "c.html").stat().st_ino == taken, "taken in place, not linked anew"
        Output().commit(plain)  # a build before, into which the user put their file
        (plain / "notes").mkdir()
        (plain / "notes" / "mine.txt").write_text("the user's own file")
        held = Output()
        for rel, text in {"index.html": "2", "n/new.html": "n", "a/b/c.html": "c", "d/e/index.html": "e"}.items():
            held.add(rel, text)
        held.commit(plain, epoch=1_000_000_000)
        for mine in (site / "notes" / "mine.txt", site / "notes", plain / "notes" / "mine.txt", plain / "notes"):
            os.utime(mine, (1_000_000_000, 1_000_000_000))  # the user's own: their times are not the build's
        assert _files(site) == _files(plain)
    finally:
        write_mod.keep_folders(False)
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"], "the kept folder goes as the process ends"


@pytest.mark.usefixtures("keeping_folders")
def test_a_kept_folders_files_are_taken_in_place_replaced_or_removed_never_written_into(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild whose spool is the folder the last commit kept finds there, as the same file, each file that
    the build before it left as it was and that it takes again: it links none of them anew. A file it writes
    replaces the kept one, which may be the output's own (a hard link): the output is not written into before
    the swap. A kept file it takes that changed since is replaced by the output's; one it neither takes nor
    writes is gone from the new output, and so is a folder it leaves empty. The output is a fresh build's, to the
    byte."""
    from primer import write as write_mod

    site, plain = tmp_path / "kept" / "site", tmp_path / "plain" / "site"
    first = {"a.html": "a", "b/i.html": "b", "c.html": "c1", "gone.html": "g", "d/e/i.html": "e", "x": "x"}
    _rebuild(site, first, [])
    _rebuild(site, {"c.html": "c2"}, [rel for rel in first if rel != "c.html"])
    (site / "empty").mkdir()  # the user's, which a build drops as it drops any empty folder
    inodes = {rel: (site / rel).stat().st_ino for rel in ("a.html", "b/i.html", "c.html")}
    linked: list[str] = []
    real_link = os.link

    def counting(source: str, target: str, **kwargs: bool) -> None:
        linked.append(Path(target).name)
        real_link(source, target, **kwargs)

    monkeypatch.setattr(write_mod.os, "link", counting)
    unchanged = {rel: (site / rel).read_bytes() for rel in first}

    def output_unchanged() -> None:
        assert {rel: (site / rel).read_bytes() for rel in unchanged} == unchanged, "not written into"

    _rebuild(site, {"b/i.html": "b3"}, ["a.html", "c.html", "d/e/i.html", "x"], output_unchanged)
    assert linked == ["c.html"], "the kept a.html was taken in place; the kept c.html was the build before's"
    assert (site / "a.html").stat().st_ino == inodes["a.html"]
    assert (site / "c.html").stat().st_ino == inodes["c.html"]
    assert (site / "b/i.html").stat().st_ino != inodes["b/i.html"]
    monkeypatch.undo()
    # "d/e" a file where the last builds had a folder, "x" a folder where they had a file
    _rebuild(site, {"d/e": "a file", "x/y.html": "y"}, ["a.html", "b/i.html", "c.html"])
    fresh = Output()
    for rel, text in {"a.html": "a", "b/i.html": "b3", "c.html": "c2", "d/e": "a file", "x/y.html": "y"}.items():
        fresh.add(rel, text)
    fresh.commit(plain, epoch=1_000_000_000)
    assert _files(site) == _files(plain)


@pytest.mark.usefixtures("keeping_folders")
def test_a_build_whose_kept_folder_was_removed_meanwhile_makes_its_spool_afresh(tmp_path: Path) -> None:
    """A build whose kept folder was removed meanwhile makes a spool afresh, and leaves nothing beside the output."""
    site = tmp_path / "out" / "site"
    for files in ({"a/index.html": "3"}, {"a/index.html": "4"}):
        for wait in _keeping(site, files):
            wait()
    (kept,) = [p for p in site.parent.iterdir() if p.name != "site"]
    shutil.rmtree(kept)
    spool = Spool.open(site, None)
    assert spool is not None and spool.folder.is_dir() and spool.folder != kept
    assert sorted(p.name for p in spool.folder.iterdir()) == [MARKER]
    spool.discard()
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"]
    assert (site / "a" / "index.html").read_text() == "4"


@pytest.mark.parametrize("rm", [True, False], ids=["rm", "thread"])
def test_a_failed_removal_leaves_a_folder_the_next_commit_clears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rm: bool
) -> None:
    """The marker goes last: a removal that fails (rm says so; or, in a thread, a file it cannot unlink)
    leaves a folder that still holds it, which the next commit recognises as primer's own and removes."""
    from primer import write as write_mod

    site = tmp_path / "site"
    first = _site(site, "old", 40)
    first.commit(site)
    assert first.spool is not None
    first.spool.discard()  # as a build does once committed
    real_unlink = Path.unlink
    if rm:
        failing_rm = tmp_path / "rm"
        failing_rm.write_text("#!/bin/sh\nexit 1\n")
        failing_rm.chmod(0o755)
        monkeypatch.setattr(write_mod.shutil, "which", lambda name: str(failing_rm))
    else:

        def failing(self: Path, missing_ok: bool = False) -> None:
            if self.name == "index.html":
                raise PermissionError(13, "Permission denied", str(self))
            real_unlink(self, missing_ok=missing_ok)

        monkeypatch.setattr(write_mod.shutil, "which", lambda name: None)
        monkeypatch.setattr(Path, "unlink", failing)
    second = _site(site, "new", 40)
    with write_mod.removing_meanwhile():
        second.commit(site)
    monkeypatch.undo()
    left = [p for p in tmp_path.iterdir() if p.name not in ("site", "rm")]
    assert len(left) == 1 and (left[0] / MARKER).is_file(), "the half-removed build keeps its marker"
    assert (site / "index.html").read_text() == "new"
    assert second.spool is not None
    os.close(second.spool._lock)  # its build dies, and its lock with it, before it discards its spool
    second.spool._lock = -1
    Output().commit(site)  # the next build
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "rm") == ["site"]
