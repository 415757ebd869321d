"""The one guarded writer: stays inside the output folder, never writes a path twice, never
deletes a file it did not write, and swaps the finished build in whole so that a failed or
interrupted build leaves the previous output untouched.

How the swap works, and what holds where:

- The build is written into a staging folder beside the output folder (`.NAME.new-RANDOM`),
  together with copies of every file in the old output that primer did not write (the marker
  lists the files primer wrote). A build (`primer.build`) writes each file there as soon as it is
  made, from whichever process made it (`Spool`); other writers fill it at the commit. On Linux
  the two folders are then exchanged in one atomic step (`renameat2(RENAME_EXCHANGE)`); elsewhere
  the old folder is renamed aside and the new one renamed in, a window of two renames. A build
  that finds no output folder but an old one set aside by an interrupted build puts it back
  first; stale staging folders are removed at the start of every commit, except those a running
  build holds locked.
- An output folder that cannot be renamed (a mount point such as the root of a USB stick or a
  Docker volume, or one whose parent is read-only) is updated in place instead: every new file
  replaces its old version atomically, then files of the previous build that the new one no
  longer has are removed. Readers may see a mix of old and new pages while that runs.
- A symlinked output folder is written through: the link stays, its target is updated.
- Once swapped out, the previous build is removed. Within `removing_meanwhile`, that removal runs beside
  the caller (the system's `rm` in a process of its own, else a thread) while the caller goes on (a build
  records what it wrote meanwhile), and the block waits for it at its end. Should it fail, or the process
  die first, what is left is a folder holding the marker, which the next commit removes like any stale
  staging folder.
- A rebuild's spool gets the last build's folders before anything is written into it (`Spool.folders_ahead`:
  the system's `mkdir`, in a process of its own, while the build loads its lesson); those the new build
  leaves empty are removed before the swap.
- A process that builds into the same output again and again (`primer build --watch`: `keep_folders`) keeps
  the folder it swapped out, files and folders, and the next build's spool is that folder: it makes none of
  the folders the last build had, and a file that build left as it was is the same file in both folders (a
  hard link), which the next build finds in place rather than linking it again (`Spool.link`). What it
  writes replaces a kept file rather than writing into it, and the kept files it neither takes nor writes
  are removed before the swap. The kept folder holds the marker and stays locked until then; the process
  removes it when it ends, and should it die first, the next commit removes it as a stale staging folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path

import click

#: Written into every output folder: it lists the files primer wrote, so that a later build
#: replaces those and keeps everything else.
MARKER = ".primer-output"
#: Permissions of what primer writes: readable by everyone, whatever the umask.
FILE_MODE = 0o644
DIR_MODE = 0o755
#: How long a commit waits for another build's hold on the output's parent folder before it gives up (a build
#: holds it while it swaps its output in: well under a second with a spool, a few seconds when it writes a
#: large lesson's files there from memory).
LOCK_WAIT = 60.0
_LOCK_POLL = 0.05
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


#: What waits for the removal of each build that a commit swapped out, within `removing_meanwhile` (else None).
_REMOVING: ContextVar[list[Callable[[], None]] | None] = ContextVar("removing", default=None)
#: Whether a commit keeps the folder it swapped out for the next build into the same output (`keep_folders`).
_KEEP_FOLDERS = False
#: The folders kept for the next build, by the output folder (`_target`): each with the lock held on it, the
#: folders in it (relative, sorted), and the files in it (relative).
_KEPT: dict[Path, tuple[Path, int, list[str], frozenset[str]]] = {}


def keep_folders(on: bool = True) -> None:
    """In a process that builds into the same output again and again (`primer build --watch`): within
    `removing_meanwhile`, a commit keeps the folder it swapped out as it is (`_keeping`), and the next build into
    that output makes its spool of it (`Spool.open`), so that it makes none of the folders the last build had:
    787 at 256 topics, which cost 0.17 s of a processor in the kernel each rebuild (ext4 without a journal
    searches past every inode freed in the last seconds for each new one), and finds in place the files that
    the last build left as they were. Off (as such a process ends), the folders kept are removed."""
    global _KEEP_FOLDERS
    _KEEP_FOLDERS = on
    if not on:
        for kept in list(_KEPT.values()):
            _drop_kept(kept)
        _KEPT.clear()


def _marked(folder: Path) -> bool:
    """Whether `folder` is a folder (not a link to one) that holds primer's marker: an output, staging folder or
    spool of primer's own, which it may remove whole."""
    return folder.is_dir() and not folder.is_symlink() and (folder / MARKER).exists()


def _drop_kept(kept: tuple[Path, int, list[str], frozenset[str]]) -> None:
    """Remove a folder kept for a next build that does not take it, and release its lock."""
    folder, lock, _, _ = kept
    try:
        if _marked(folder):
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(lock)


@contextlib.contextmanager
def removing_meanwhile(later: list[Callable[[], None]] | None = None) -> Iterator[None]:
    """Within the block, a commit removes the folder it swapped out beside this process (the files of a
    256-topic site take 0.1–0.5 s to unlink), and the block waits for each removal at its end (with `later`,
    the waits are appended to it instead, for the caller to make)."""
    waits: list[Callable[[], None]] = []
    token = _REMOVING.set(waits)
    try:
        yield
    finally:
        _REMOVING.reset(token)
        if later is not None:
            later.extend(waits)
        else:
            for wait in waits:
                wait()


def _remove(
    folder: Path, out: Path | None = None, files: frozenset[str] | None = None, folders: list[str] | None = None
) -> None:
    """Remove the folder of a build that was swapped out: now, or beside this process (`removing_meanwhile`):
    by the system's `rm` in a process of its own, which shares no lock with this one (a thread of this
    process would take turns with it for each file), else in a thread. The marker goes last: a failure
    leaves a folder that holds it, which the next commit removes (`_Commit._recover`). `out`: the output folder,
    when `folder` is a staging folder's (`.NAME.new-…`) that the next build into `out` may take (`keep_folders`):
    as it is (`files`, `folders`: every file and folder in it)."""
    waits = _REMOVING.get()
    if waits is None:
        shutil.rmtree(folder)
        return
    if (
        out is not None
        and _KEEP_FOLDERS
        and files is not None
        and folders is not None
        and _keeping(folder, out, files, folders)
    ):
        return
    try:
        with os.scandir(folder) as entries:
            inside = sorted(entry.path for entry in entries if entry.name != MARKER)
        rm = shutil.which("rm")
        if rm is None:
            raise FileNotFoundError("rm")
        # the system's rm, on the folders of primer's own old build (`--`: no path is an option)
        removing = subprocess.Popen(
            [rm, "-rf", "--", *inside], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    except OSError:
        thread = threading.Thread(target=_remove_marker_last, args=(folder,))
        thread.start()
        waits.append(thread.join)
        return

    def wait() -> None:
        if removing.wait() == 0:
            _remove_marker_last(folder)  # what is left: the marker and the folder

    waits.append(wait)


def _keeping(folder: Path, out: Path, files: frozenset[str], folders: list[str]) -> bool:
    """Keep `folder`, which holds `files` and `folders` (sorted), as it is for the next build into `out`
    (`keep_folders`), locked: that build's spool is made of it. A rebuild at 256 topics takes 6,170 files as the
    last build left them: linking each into an emptied folder cost it 0.03–0.04 s, and emptying the folder
    (each file unlinked) as much again of the other core's time in the kernel. False, and nothing kept, where it
    cannot be."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return False
    try:
        lock = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another build's clean-up leaves it alone
    except OSError:
        os.close(lock)
        return False
    earlier = _KEPT.pop(out, None)
    if earlier is not None:  # not taken by a build (which failed before its spool was opened)
        _drop_kept(earlier)
    _KEPT[out] = (folder, lock, folders, files)
    return True


def keep_ahead(out: Path) -> bool:
    """In a process that keeps folders (`keep_folders`), where none is kept for `out` (a watch whose first build
    had nothing to redo, and so swapped nothing out): keep one now, as a commit would have, of the output's files
    linked into a new folder beside it with its folders, so that the first save's spool is made of it as every
    later one is. Without it, that save made the output's 787 folders at 256 topics and linked its 6,170 files
    anew, 0.1-0.15 s more than the next save. False, and nothing kept, where it cannot be (the output is not one of
    primer's, or a file cannot be linked: a file system without hard links). The spool's build stamps its marker
    and folders with its own time (`Spool._of_kept`, the commit)."""
    if not _KEEP_FOLDERS:
        return False
    out = _target(out)
    if out in _KEPT or not _marked(out) or os.path.ismount(out):
        return False
    try:
        folder = Path(_mkdtemp(out.parent, f".{out.name}.new-"))
    except OSError:
        return False
    try:
        _write_file(folder, MARKER, _marker_text([]), None)  # first: a folder left by a Ctrl-C is primer's to remove
        folders: list[str] = []
        files = list(_walk(out, folders))
        for rel in folders:  # (in the walk's order: each after the folder that holds it)
            made = folder / rel
            made.mkdir(DIR_MODE)
            made.chmod(DIR_MODE)  # whatever the umask
        for rel in files:
            if rel != MARKER:
                os.link(f"{out}/{rel}", f"{folder}/{rel}", follow_symlinks=False)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return False
    if not _keeping(folder, out, frozenset(files), sorted(folders)):
        shutil.rmtree(folder, ignore_errors=True)
        return False
    return True


def _remove_marker_last(folder: Path) -> None:
    """Remove `folder`, the marker last, so that it holds the marker until it is gone (any failure stops it:
    see `_remove`)."""
    try:
        with os.scandir(folder) as entries:
            for entry in [entry for entry in entries if entry.name != MARKER]:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    Path(entry.path).unlink()
        (folder / MARKER).unlink(missing_ok=True)
        folder.rmdir()
    except OSError:
        return


class WriteError(Exception):
    """A target tried to write outside the output folder, or twice to one path (a bug in primer)."""


class OutputFolderError(click.ClickException):
    """The output cannot be written safely; nothing was changed."""


class _Written:
    """A file of the output folder as the last build left it (`stamp`: see `file_stamp`), read only when its
    bytes are asked for: a build that reuses the last one whole holds none of them."""

    __slots__ = ("path", "stamp")

    def __init__(self, path: Path, stamp: list[int]) -> None:
        self.path = path
        self.stamp = stamp

    def read(self) -> bytes:
        with self.path.open("rb") as stream:
            if stamp_of(os.fstat(stream.fileno())) != self.stamp:
                raise OutputFolderError(
                    f"{self.path} changed while primer was writing its folder again — build again (the output "
                    "is unchanged)"
                )
            return stream.read()


class Output:
    """Files a build produces, kept until `commit` writes them all at once: in memory, or, with a `spool`,
    in the folder that `commit` swaps in (see `Spool`), each written as soon as it is added."""

    def __init__(self, spool: Spool | None = None) -> None:
        #: path → its bytes, None for a file in the spool, or a file of the output folder as it is (`_Written`)
        self._files: dict[str, bytes | _Written | None] = {}
        self.spool = spool

    @staticmethod
    def _clean(rel: str) -> str:
        if not _inside(rel):
            raise WriteError(f"refusing to write '{rel}': paths must stay inside the output folder")
        if rel == MARKER:
            raise WriteError(f"refusing to write '{rel}': the marker is primer's own")
        return rel

    def _new(self, rel: str) -> str:
        rel = self._clean(rel)
        if rel in self._files:
            raise WriteError(f"refusing to write '{rel}' twice")
        return rel

    def add(self, rel: str, data: str | bytes) -> None:
        """Queue `data` for `rel` (a '/'-separated path inside the output folder)."""
        rel = self._new(rel)
        data = data.encode("utf-8") if isinstance(data, str) else data
        if self.spool is None:
            self._files[rel] = data
        else:
            self.spool.write(rel, data)
            self._files[rel] = None

    def received(self, rel: str, data: bytes | None) -> None:
        """Queue what a worker made for `rel`: its bytes, or None when it wrote them into the spool itself
        (`Spool.write`)."""
        if data is not None:
            self.add(rel, data)
            return
        rel = self._new(rel)
        if self.spool is None:
            raise WriteError(f"refusing to adopt '{rel}': this output has no spool")
        self._files[rel] = None

    def linked(self, rel: str, source: str | Path, stamp: list[int]) -> bool:
        """Queue the last build's file `source` for `rel` as it is (see `Spool.link`); False, and nothing
        queued, when it cannot be (no spool, or the file changed)."""
        rel = self._new(rel)
        if self.spool is None or not self.spool.link(rel, source, stamp):
            return False
        self._files[rel] = None
        return True

    def same_as(self, rel: str, existing: str) -> None:
        """Queue for `rel` the bytes queued for `existing` (whose bytes must be there): in the spool, the same
        file under a second name (a hard link), not a copy (the whole bank's JSON, 7 MB at 256 topics, is the
        site's question bank as well)."""
        spool = self.spool
        if spool is not None and self._files.get(existing, b"") is None and spool.alias(self._new(rel), existing):
            self._files[rel] = None
            return
        data = self.get(existing)
        if data is None:
            raise KeyError(existing)
        self.add(rel, data)

    def written(self, rel: str, path: Path, stamp: list[int]) -> None:
        """Queue the file `path` that the last build wrote for `rel`, as it is now (its `file_stamp` is
        `stamp`: the caller has checked it), without reading it: its bytes are read if they are asked for, and
        must then be as they were."""
        self._files[self._new(rel)] = _Written(path, stamp)

    def __contains__(self, rel: object) -> bool:
        """Whether `rel` is queued."""
        return rel in self._files

    def paths(self) -> list[str]:
        """Every queued path, sorted."""
        return sorted(self._files)

    def take(self, rel: str) -> bytes:
        """The queued bytes of `rel`, no longer held here (a worker that sends its files one by one)."""
        data = self.get(rel)
        if data is None:
            raise KeyError(rel)
        del self._files[rel]
        return data

    def get(self, rel: str) -> bytes | None:
        """The queued bytes of `rel`, or None (`primer serve` serves them from memory)."""
        if rel not in self._files:
            return None
        data = self._files[rel]
        if data is None and self.spool is not None:
            return self.spool.read(rel)
        if isinstance(data, _Written):
            return data.read()
        return data

    def unchanged(self, out: Path, *, clean: bool = False) -> list[str] | None:
        """The files in `out` that primer did not write (as `commit` returns them), without writing anything,
        when `out` holds exactly these files as the build that wrote them left them (the caller has checked
        each one: see `primer.cache`); None when a commit has work to do (`clean`, and files to remove)."""
        commit = _Commit(self, out, None, clean=False)  # to find every file primer did not write
        with commit._lock():
            commit._recover()  # what an interrupted build left beside it
            previous = commit._previous()
            if previous != set(self._files):
                return None  # the marker names other files
            kept = commit._kept(previous)
        if clean and not all(map(_is_dotted, kept)):
            return None  # files for `clean` to remove (dotfiles are never removed)
        return kept

    def commit(self, out: Path, epoch: int | None = None, *, clean: bool = False) -> list[str]:
        """Write everything into `out`, keeping files primer did not write (`clean` drops those that
        are not dotfiles). Returns the kept files. Any failure leaves the previous output as it was."""
        try:
            return _Commit(self, out, epoch, clean).run()
        except OSError as exc:
            raise _cannot_write(f"{out.name or out}/", exc) from exc


def _cannot_write(shown: str, exc: OSError) -> OutputFolderError:
    """The one line a failed write of the output folder `shown` gives (a full disk, a read-only place)."""
    reason = exc.strerror or str(exc)
    return OutputFolderError(f"cannot write {shown}: {reason} — the previous output is unchanged")


def _target(out: Path) -> Path:
    """The folder a build into `out` writes: absolute, and through a symlink (the link stays)."""
    out = out.absolute()
    return out.resolve() if out.is_symlink() else out


class Spool:
    """The folder a build writes its files into as they are made, so that no process holds them all in
    memory; `commit` then swaps it in as the new output, as it does its own staging folder. It lies beside
    the output folder (`.NAME.new-RANDOM`, like a staging folder), holds the marker from the start (so that
    it is recognised after a crash) and is locked while its build runs, so that another build's clean-up
    leaves it alone. Forked workers write into it too (`write`); only the build that made it removes it
    (`discard`)."""

    def __init__(self, folder: Path, epoch: int | None, lock: int, made: list[Path], shown: str) -> None:
        self.folder = folder
        self.epoch = epoch
        self.shown = shown  # the output folder, as errors name it
        self._lock = lock
        self._made = made  # parent folders made for it, removed again with it
        self._folders: set[str] = set()  # the folders this process has made in it, or found there (`link`)
        #: the process making the last build's folders in it (`folders_ahead`), the folders it makes, and the
        #: process that started it (a worker forked meanwhile leaves it alone)
        self._ahead: subprocess.Popen[bytes] | None = None
        self._ahead_folders: list[str] = []
        self._owner = os.getpid()
        #: whether a commit swapped the spool in: its folder then holds the previous build, which the commit
        #: removes (beside the build, within `removing_meanwhile`), not the spool
        self._swapped = False
        #: the files in it, when it is a folder a commit kept for this build (`keep_folders`: its folders in place),
        #: as that commit left it, which this build takes, replaces or removes (None: a spool of its own, or once
        #: `settle` removed those it did not take)
        self._kept: frozenset[str] | None = None

    @classmethod
    def open(cls, out: Path, epoch: int | None) -> Spool | None:
        """A spool for a build into `out`, or None where `commit` would not swap a folder in (an output
        folder that is a mount point, a read-only parent, a system without folder locks): such a build
        keeps its files in memory."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX
            return None
        out = _target(out)
        if out.is_dir() and os.path.ismount(out):
            return None
        kept = _KEPT.pop(out, None)
        if kept is not None:
            spool = cls._of_kept(kept, out, epoch)
            if spool is not None:
                return spool
        made = [folder for folder in (out.parent, *out.parent.parents) if not folder.exists()]
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            folder = Path(_mkdtemp(out.parent, f".{out.name}.new-"))
        except OSError:
            _remove_made(made)
            return None
        lock = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            spool = cls(folder, epoch, lock, made, f"{out.name}/")
            _write_file(folder, MARKER, _marker_text([]), epoch)
        except OSError:
            os.close(lock)
            shutil.rmtree(folder, ignore_errors=True)
            _remove_made(made)
            return None
        return spool

    @classmethod
    def _of_kept(cls, kept: tuple[Path, int, list[str], frozenset[str]], out: Path, epoch: int | None) -> Spool | None:
        """A spool made of the folder the last commit into `out` kept (`keep_folders`): its folders are the
        spool's as if made ahead (`folders_ahead`: those the build leaves empty go before the swap), and its
        files, when it kept them, are the spool's to take (`link`), replace (`write`) or remove (`settle`).
        None, and the folder removed, when it is no longer as the commit left it."""
        folder, lock, folders, files = kept
        try:
            if folder.parent == out.parent and _marked(folder):
                _write_file(folder, MARKER, _marker_text([]), epoch, replace=True)
                spool = cls(folder, epoch, lock, [], f"{out.name}/")
                spool._kept = files
                spool._ahead_folders = folders
                spool._folders.update(f"{folder}/{rel}" for rel in folders)
                return spool
        except OSError:
            pass
        _drop_kept(kept)
        return None

    def folders_ahead(self, files: Iterable[str]) -> None:
        """Start making the folders that hold `files` (the last build's: a rebuild's are nearly all the same),
        by the system's `mkdir` in a process of its own: a rebuild at 256 topics links its unchanged files
        into 787 folders, and making them took 0.06-0.17 s of this process's time in the kernel, while a
        core idles as the lesson loads. Nothing is made where there is no `mkdir`; a folder the build leaves
        empty is removed before the swap (`settle`); one where a file is to go, when the file is written
        (`_write_file`)."""
        folders = [folder for folder in _folders_of(files) if _inside(folder)]
        mkdir = shutil.which("mkdir")
        if not folders or mkdir is None or self._ahead is not None or self.replacing():
            return  # (a kept folder's are there: those missing are made as files go in)
        try:
            # relative to the spool, which this build made and only it writes into; parents listed first, so
            # that each folder gets the mode (`_stamp` sets it again at the commit); `--`: no name is an option
            self._ahead = subprocess.Popen(
                [mkdir, "-p", "-m", f"{DIR_MODE:o}", "--", *folders],
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return
        self._ahead_folders = folders

    def _folders_made(self) -> None:
        """Wait for the folders made ahead (`folders_ahead`), and know them made (in the process that started
        their making only)."""
        ahead = self._ahead
        if ahead is None or self._owner != os.getpid():
            return
        self._ahead = None
        if ahead.wait() == 0:
            self._folders.update(f"{self.folder}/{folder}" for folder in self._ahead_folders)

    def settle(self, needed: set[str], files: Iterable[str] = ()) -> None:
        """Before the spool is swapped in: remove the files kept in it that the build did not take or write
        (`files`: those it holds now), then the folders made ahead that hold nothing the build wrote (`needed`:
        the folders it needs, as `_folders_of` gives them), deepest first."""
        if self._kept is not None:
            for rel in sorted(self._kept.difference(files)):
                _unlink_file(self.folder / rel)
            self._kept = None
        self._folders_made()
        for folder in sorted(set(self._ahead_folders) - needed, key=lambda rel: rel.count("/"), reverse=True):
            with contextlib.suppress(OSError):  # not empty: a kept file is in it
                (self.folder / folder).rmdir()
        self._ahead_folders = []

    def write(self, rel: str, data: bytes) -> None:
        """Write the file `rel` (checked like `Output.add`) into the spool, from this process or a worker.
        A failure (a full disk) is the commit's: the previous output is unchanged."""
        rel = Output._clean(rel)
        if self._ahead is not None:
            self._folders_made()
        parent = f"{self.folder}/{rel}".rpartition("/")[0]
        made = parent in self._folders  # made or found by this process: not asked for again (a few hundred in all)
        try:
            _write_file(self.folder, rel, data, self.epoch, replace=self.replacing(), folder=not made)
        except OSError as exc:
            raise _cannot_write(self.shown, exc) from exc
        self._folders.add(parent)

    def link(self, rel: str, source: str | Path, stamp: list[int]) -> bool:
        """Put the file `source` (the last build's `rel`, which had the stamp `stamp` when that build left it:
        see `stamp`) into the spool as `rel` without writing it again: a hard link, checked once made.
        False, and nothing done, when it cannot be made or the file is no longer as that build left it. `rel` is
        checked by the caller (`Output.linked`, once: a rebuild links thousands of files)."""
        target = f"{self.folder}/{rel}"  # plain strings: a rebuild links thousands of files
        if self._kept is not None and rel in self._kept:  # the same file in place (see the module), or one to replace
            try:
                if _as_left(target, stamp):
                    return True
            except FileNotFoundError:
                pass
            except OSError:
                return False
        parent = target.rpartition("/")[0]
        if parent not in self._folders and self._ahead is not None:
            self._folders_made()
        try:
            if parent not in self._folders:  # a page's folder, once: thousands of files share a few hundred
                _makedirs(Path(parent), self.folder, replace=self.replacing())
                self._folders.add(parent)
            os.link(source, target, follow_symlinks=False)
        except OSError:
            return False
        try:
            return _as_left(target, stamp)
        except OSError:
            return False

    def alias(self, rel: str, existing: str) -> bool:
        """Put the spool's file `existing` into it as `rel` too, as a hard link (see `Output.same_as`); False,
        and nothing done, when the link cannot be made."""
        rel = Output._clean(rel)
        target = self.folder / rel
        try:
            _makedirs(target.parent, self.folder, replace=self.replacing())
            if self.replacing():
                _unlink_file(target)
            os.link(self.folder / existing, target, follow_symlinks=False)
        except OSError:
            return False
        return True

    def read(self, rel: str) -> bytes:
        """The bytes of `rel` in the spool."""
        return (self.folder / rel).read_bytes()

    def replacing(self) -> bool:
        """Whether the spool holds files kept from the last build, which a file written into it replaces."""
        return self._kept is not None

    def swapped_in(self) -> None:
        """The commit swapped the spool in as the output: `discard` leaves what is now at its path (the previous
        build, which the commit removes) alone."""
        self._swapped = True

    def discard(self) -> None:
        """Remove the spool unless `commit` swapped it in (then its path holds the previous build, which the
        commit removes: within `removing_meanwhile`, beside the build, and a removal here would only race it),
        and release its lock."""
        if self._lock < 0:
            return
        ahead = self._ahead if self._owner == os.getpid() else None
        if ahead is not None:  # the build failed, or was stopped, before it needed them
            with contextlib.suppress(OSError):
                ahead.kill()
            ahead.wait()
            self._ahead = None
        if not self._swapped:
            if _marked(self.folder):
                shutil.rmtree(self.folder, ignore_errors=True)
            _remove_made(self._made)
        os.close(self._lock)
        self._lock = -1


def _as_left(target: str, stamp: list[int]) -> bool:
    """Whether the file `target` in a spool is a plain file with the stamp `stamp` and primer's mode; else it is
    removed (raises OSError: none at `target`, say)."""
    info = os.lstat(target)
    if stamp_of(info) == stamp and stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == FILE_MODE:
        return True
    Path(target).unlink()
    return False


def _remove_made(made: list[Path]) -> None:
    """Remove the folders in `made` (deepest first) that are still empty."""
    for folder in made:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _in_use(folder: Path) -> bool:
    """True when a running build holds `folder` (its spool: see `Spool`)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return False
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:  # pragma: no cover - a filesystem without locks
        return False
    finally:
        os.close(fd)  # also releases the lock taken
    return False


def outputs_within(content: str | os.PathLike[str]) -> frozenset[str]:
    """The names of the folders directly in the lesson's folder `content` that are primer's output folders
    (they hold the marker, as a build's new and old folders beside its output do): `primer build --content .`
    writes its output into the lesson, and the lesson's checks and digest leave it out. A folder primer reads
    content from is never one."""
    from primer.content import LESSON_FOLDERS

    try:
        entries = list(os.scandir(content))
    except OSError:
        return frozenset()
    return frozenset(
        entry.name
        for entry in entries
        if entry.name not in LESSON_FOLDERS
        and entry.is_dir(follow_symlinks=False)
        and (Path(entry.path) / MARKER).is_file()
    )


def file_stamp(path: str | os.PathLike[str]) -> list[int]:
    """What tells whether a file primer wrote is still as it left it: its size, modification time and inode."""
    return stamp_of(os.lstat(path))


def stamp_of(info: os.stat_result) -> list[int]:
    """`file_stamp`, from a status read already."""
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def _write_file(
    root: Path, rel: str, data: bytes, epoch: int | None, *, replace: bool = False, folder: bool = True
) -> None:
    """Write `data` to `root/rel`, readable by everyone, with the build's time when it has one. `replace`: into
    a new file, never into one that is there (a folder kept for the build, whose files may be the output's own:
    see `keep_folders`), and in place of a file where a folder is wanted. `folder`: make its folder first, when
    it is not there (False: the caller knows it is)."""
    target = root / rel
    if folder:
        _makedirs(target.parent, root, replace=replace)
    if replace:
        fd = _new_file(target)
    else:
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        except IsADirectoryError:
            # an empty folder made ahead where this build has a file (`Spool.folders_ahead`): in primer's own
            # staging folder, so it goes; a folder that holds anything stays, and the write fails
            target.rmdir()
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask must not make a page unreadable to a web server
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    if epoch is not None:
        os.utime(target, (epoch, epoch))


def _marker_text(files: list[str]) -> bytes:
    data = {
        "written-by": "primer",
        "note": "primer replaces the files listed here on the next build and keeps every other file",
        "files": files,
    }
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _walk(root: Path, folders: list[str] | None = None) -> Iterator[str]:
    """Every file (and symlink) under `root` as 'a/b.html', not following links: in each folder its files and
    links to files, sorted, then its links to folders, sorted, then what each of its folders holds, in the
    order of their names (by plain string work and the kinds the folder lists: an output of thousands of files
    is walked on every build, and asking the system about each of its 787 folders at 256 topics, as `os.walk`
    does, took half of the walk's 0.02 s). A folder that cannot be read is passed over. `folders`: each folder
    under `root` is added to it as the walk reaches it."""
    return _walk_in(os.fspath(root), "", folders)


def _walk_in(folder: str, prefix: str, found: list[str] | None = None) -> Iterator[str]:
    try:
        with os.scandir(folder) as listed:
            entries = list(listed)
    except OSError:
        return
    files, links, folders = [], [], []
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            folders.append(entry.name)
        elif entry.is_symlink() and entry.is_dir():
            links.append(entry.name)
        else:
            files.append(entry.name)
    for name in sorted(files) + sorted(links):
        yield prefix + name
    for name in sorted(folders):
        if found is not None:
            found.append(prefix + name)
        yield from _walk_in(f"{folder}/{name}", f"{prefix}{name}/", found)


def _changed(path: Path) -> int:
    """When `path` last changed (0 when it is gone meanwhile)."""
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def _is_dotted(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # the filesystem cannot exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


class _Commit:
    """One commit of a build into an output folder."""

    def __init__(self, output: Output, out: Path, epoch: int | None, clean: bool) -> None:
        self.output = output
        self.files = output._files
        self.epoch = epoch
        self.clean = clean
        self.out = _target(out)  # write through a symlink: the link stays, its target is updated
        self.shown = f"{self.out.name}/"
        spool = output.spool
        #: the spool is the staging folder when it lies beside the output (it does, unless the output moved)
        self.spool = spool.folder if spool is not None and spool.folder.parent == self.out.parent else None
        #: every file and folder in the output before the swap (`_kept`): what the folder swapped out holds
        self.walked: frozenset[str] | None = None
        self.walked_folders: list[str] | None = None

    def run(self) -> list[str]:
        out = self.out
        out.parent.mkdir(parents=True, exist_ok=True)
        with self._lock():
            self._recover()
            if out.exists() and not out.is_dir():
                raise OutputFolderError(f"refusing to write into {self.shown}: it is a file — choose a folder")
            previous = self._previous()
            kept = self._kept(previous)
            if out.is_dir() and os.path.ismount(out):
                self._in_place(previous, kept)
                return kept
            try:
                staging = self.spool or Path(_mkdtemp(out.parent, f".{out.name}.new-"))
            except PermissionError:
                if not out.is_dir():
                    raise
                self._in_place(previous, kept)  # the parent is read-only, the folder itself is not
                return kept
            try:
                self._fill(staging, kept)
                self._swap(staging)
                if staging == self.spool and self.output.spool is not None:
                    self.output.spool.swapped_in()
            except OSError as exc:
                if exc.errno in (errno.EBUSY, errno.EXDEV) and out.is_dir():
                    try:
                        self._in_place(previous, kept)  # reads what was spooled from the staging folder
                    finally:
                        shutil.rmtree(staging, ignore_errors=True)
                    return kept
                shutil.rmtree(staging, ignore_errors=True)
                raise
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            return kept

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Hold a lock on the output's parent folder so that two builds never swap at once (nor clean up
        beside each other). A build that finds it held waits for it, up to `LOCK_WAIT` seconds: the other
        build holds it while it swaps its output in, a moment, and it may be writing another folder of the
        same parent (two lessons built side by side into `out/a` and `out/b`)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX: no lock, the swap still guards
            yield
            return
        fd = os.open(self.out.parent, os.O_RDONLY)
        try:
            deadline = time.monotonic() + LOCK_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OutputFolderError(
                            f"another primer build kept the folder that holds {self.shown} busy for "
                            f"{LOCK_WAIT:g} s — wait for it to finish, then build again (the output is unchanged)"
                        ) from None
                    time.sleep(_LOCK_POLL)
                    continue
                except OSError:  # pragma: no cover - a filesystem without locks: go on unguarded
                    pass
                break
            yield
        finally:
            os.close(fd)

    def _ours(self, folder: Path) -> bool:
        """True when `folder` is one of primer's own (holds the marker, or is still empty)."""
        return _marked(folder) or (folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()))

    def _recover(self) -> None:
        """Undo what an interrupted build left: restore a set-aside output, remove staging folders. The build
        that swapped a folder out may be removing it still (`_remove`, after its lock is released): what
        vanishes meanwhile is gone already, and what cannot be removed is left for the next build."""
        parent, name = self.out.parent, self.out.name
        stale_new = sorted(parent.glob(f".{name}.new-*"))
        stale_old = sorted(parent.glob(f".{name}.old-*"), key=_changed, reverse=True)
        if not self.out.exists() and not self.out.is_symlink() and stale_old and self._ours(stale_old[0]):
            stale_old[0].rename(self.out)  # the build died between its two renames: put the old site back
            stale_old = stale_old[1:]
        for folder in [*stale_new, *stale_old]:
            with contextlib.suppress(FileNotFoundError):
                if folder != self.spool and self._ours(folder) and not _in_use(folder):  # not a running build's spool
                    shutil.rmtree(folder, ignore_errors=True)
        if self.out.is_dir():
            for folder in sorted(self.out.glob(".primer-new-*")):
                if folder.is_dir():
                    shutil.rmtree(folder)

    def _previous(self) -> set[str]:
        """The files the previous build wrote (from its marker); refuse a folder primer did not write."""
        out = self.out
        if not out.is_dir():
            return set()
        marker = out / MARKER
        if not marker.is_file():
            if any(out.iterdir()):
                raise OutputFolderError(
                    f"refusing to replace {self.shown}: it holds files primer did not write — "
                    "choose another output folder, or empty this one first"
                )
            return set()
        try:
            listed = json.loads(marker.read_text(encoding="utf-8"))["files"]
            return {str(rel) for rel in listed}
        except (ValueError, KeyError, TypeError):
            # A marker from before primer listed its files: that build promised to replace the
            # folder whole, so its files are the ones that are not dotfiles.
            return {rel for rel in _walk(out) if not _is_dotted(rel)}

    def _kept(self, previous: set[str]) -> list[str]:
        """Files in the output that primer did not write, which the new build must keep (every file in the output
        is noted, `walked`: what the folder swapped out will hold)."""
        if not self.out.is_dir():
            return []
        folders: list[str] = []
        walked = list(_walk(self.out, folders))
        self.walked = frozenset(walked)
        self.walked_folders = sorted(folders)
        kept = [rel for rel in walked if rel != MARKER and rel not in previous and not rel.startswith(".primer-new-")]
        if self.clean:
            kept = [rel for rel in kept if _is_dotted(rel)]  # dotfiles are never deleted
        if not kept:
            return kept
        new_dirs = set(_folders_of(self.files))
        clash = [rel for rel in kept if rel in self.files or rel in new_dirs]
        if clash:
            listed = ", ".join(clash[:5]) + (f" and {len(clash) - 5} more" if len(clash) > 5 else "")
            if not self.clean:
                raise OutputFolderError(
                    f"refusing to overwrite files in {self.shown} that primer did not write: {listed} — "
                    "move them away, or build with --clean to replace them"
                )
            kept = [rel for rel in kept if rel not in clash]
        return kept

    def _write(self, root: Path, rel: str, data: bytes) -> None:
        _write_file(root, rel, data, self.epoch, replace=self._replacing(root))

    def _replacing(self, root: Path) -> bool:
        """Whether `root` is a spool that holds files kept from the last build (see `keep_folders`)."""
        spool = self.output.spool
        return spool is not None and root == self.spool and spool.replacing()

    def _data(self, rel: str) -> bytes:
        data = self.output.get(rel)
        assert data is not None
        return data

    def _fill(self, staging: Path, kept: list[str]) -> None:
        """Write the new build and copies of the kept files into `staging` (the spooled files are there
        already when it is the spool)."""
        # The marker first: a staging folder holding it is recognised (and removed) after a crash.
        self._write(staging, MARKER, _marker_text(sorted(self.files)))
        for rel in sorted(self.files):
            if staging != self.spool or self.files[rel] is not None:
                self._write(staging, rel, self._data(rel))
        replace = self._replacing(staging)
        for rel in kept:
            source = self.out / rel
            target = staging / rel
            _makedirs(target.parent, staging, replace=replace)
            if replace:
                _unlink_file(target)
            shutil.copy2(source, target, follow_symlinks=False)
        if self.output.spool is not None and staging == self.spool:
            self.output.spool.settle(set(_folders_of([*self.files, *kept])), [MARKER, *self.files, *kept])
        self._stamp(staging)

    def _stamp(self, root: Path, *, only_root: bool = False) -> None:
        """Give every folder primer made the build's time and mode (files have theirs); `only_root`: `root` alone."""
        folders = {""} if only_root else {"", *_folders_of(self.files)}
        top = str(root)  # each folder's path as text, and its mode set only where it differs (1,800 at 256 topics)
        for rel in sorted(folders, key=lambda rel: rel.count("/") + (rel != ""), reverse=True):  # deepest first
            folder = f"{top}/{rel}" if rel else top
            try:
                info = os.lstat(folder)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(info.st_mode):  # a folder, not a link to one
                if stat.S_IMODE(info.st_mode) != DIR_MODE:
                    Path(folder).chmod(DIR_MODE)
                if self.epoch is not None:
                    os.utime(folder, (self.epoch, self.epoch))

    def _swap(self, staging: Path) -> None:
        out = self.out
        previous = None  # the folder that holds the previous build once the new one is in
        if not out.exists():
            staging.rename(out)
        elif _exchange(staging, out):
            previous = staging
        else:
            previous = Path(_unused(out.parent, f".{out.name}.old-"))
            out.rename(previous)
            staging.rename(out)  # an interruption between these two renames is undone by the next build
        # the swap renamed the output folder itself, which a file system may stamp with the time: the folders in it
        # are as `_fill` left them (787 at 256 topics, each stamped again for nothing)
        self._stamp(out, only_root=True)
        if previous is not None:
            _remove(previous, out if previous == staging else None, self.walked, self.walked_folders)

    def _in_place(self, previous: set[str], kept: list[str]) -> None:
        """Update a folder that cannot be renamed: replace each file atomically, then drop stale ones."""
        out = self.out
        staging = Path(_mkdtemp(out, ".primer-new-"))
        try:
            for rel in sorted(self.files):
                self._write(staging, rel, self._data(rel))
            drop = [rel for rel in _walk(out) if rel not in kept and rel != MARKER and not rel.startswith(".primer-")]
            for rel in sorted(self.files):
                target = out / rel
                _makedirs(target.parent, out)
                (staging / rel).replace(target)
            self._write(out, MARKER, _marker_text(sorted(self.files)))
            for rel in drop:
                if rel not in self.files and rel in previous:
                    (out / rel).unlink(missing_ok=True)
            self._stamp(out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _prune_empty(out)


def _prune_empty(root: Path) -> None:
    """Remove folders left empty under `root` (after stale files were dropped)."""
    for folder, dirs, files in os.walk(root, topdown=False):
        path = Path(folder)
        if path != root and not dirs and not files and not path.name.startswith("."):
            with contextlib.suppress(OSError):
                path.rmdir()


def _folders_of(files: Iterable[str]) -> list[str]:
    """The folders above each of `files` ("a/b/c.html": "a", "a/b"), sorted (a folder before those in it)."""
    folders: set[str] = set()
    # each file's folder once, then the folders above it up to one found already (6,185 files at 256 topics, in
    # 1,800 folders: a third of the time of taking each file's path apart)
    for folder in {rel.rpartition("/")[0] for rel in files if "/" in rel}:
        while folder not in folders:
            folders.add(folder)
            if "/" not in folder:
                break
            folder = folder.rpartition("/")[0]
    return sorted(folders)


def _inside(rel: str) -> bool:
    """Whether the relative path `rel` ('a/b.html') stays inside the folder it is relative to."""
    # a part that is empty, '.' or '..' starts the path, ends it, or follows a '/' (each file a rebuild links is
    # checked twice: 9,556 paths at 256 topics, a third of the time of splitting each into its parts)
    if rel and rel[0] not in "/." and rel[-1] != "/" and "//" not in rel and "/." not in rel and "\\" not in rel:
        return True
    return not (rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in rel.split("/")))


def _makedirs(folder: Path, root: Path, *, replace: bool = False) -> None:
    """Make `folder` (inside `root`) and its parents, each readable by everyone (a worker writing into the
    same spool may make one at the same moment). `replace`: a file in the way goes (in a folder kept for the
    build, a file of the last build's where this one has a folder)."""
    if folder.is_dir():
        return
    _makedirs(folder.parent, root, replace=replace)
    try:
        folder.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if folder.is_dir():
            return
        if not replace or folder == root:
            raise
        _unlink_file(folder)
        folder.mkdir(mode=DIR_MODE)
    folder.chmod(DIR_MODE)


def _new_file(target: Path) -> int:
    """A new file at `target`, open for writing, in place of what was there: in a folder kept for the build,
    the last build's file (which may be the output's own, linked: never written into) or folder goes."""
    _unlink_file(target)
    try:
        return os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if target.is_symlink() or not target.is_dir():
            raise
    shutil.rmtree(target)
    return os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)


def _unlink_file(path: Path) -> None:
    """Remove `path` if it is a file or a link (not a folder), in a folder of primer's own."""
    with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        path.unlink()


def _unused(parent: Path, prefix: str) -> str:
    """A path in `parent` that does not exist yet, with a random name (never one a PID decides)."""
    while True:
        candidate = parent / f"{prefix}{secrets.token_hex(6)}"
        if not candidate.exists():
            return str(candidate)


def _mkdtemp(parent: Path, prefix: str) -> str:
    """A new private folder with a random name in `parent`."""
    return tempfile.mkdtemp(prefix=prefix, dir=parent)


def write_file(path: Path, data: str | bytes) -> None:
    """Write one file the user named, whole or not at all: into a temporary file beside it, then
    renamed over it, so that a reader never sees half of it."""
    path = path.absolute()
    if path.is_dir():
        raise OutputFolderError(f"refusing to write {path.name}: it is a folder — name a file instead")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.new-", dir=path.parent)
    except OSError as exc:
        raise OutputFolderError(f"cannot write {path.name}: {exc.strerror or exc} — nothing was written") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        Path(temporary).chmod(FILE_MODE)  # mkstemp makes it private; an export is for sharing
        Path(temporary).replace(path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutputFolderError(f"cannot write {path.name}: {exc.strerror or exc} — nothing was written") from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
