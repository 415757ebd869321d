"""The report's first part made at each save by a process of its own (`primer build --watch`).

A rebuild in a process that checks again made the first part in a worker forked at each save. Each fork
leaves every page of the build's process shared with the worker, and each page either of them then writes
to (a count of references that changes is enough) is copied: at 256 topics, that cost the build's process
at least 0.24 s of a source's save, as much as the part itself costs it made there. The helper is
started once, shares no memory with the build's process, and keeps its own load of the lesson, so that a
save costs it the files that changed and the checks that read them (`primer.memo`, as in the build's
process). It answers only for the bytes the build loaded (`Library.files_read`): when it read others (a save
between the two loads), or the lesson failed to load there, or the helper is still busy or gone, the build
makes the part itself, as before. A save asks it first thing (`Helper.begin`), so that it loads the lesson while
the build's process does: it then sends what it read with the part, and the build takes the part when it read the
same.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, cast

from primer import memo, parallel, parsed
from primer.content.library import Library, ParseCache
from primer.errors import ContentError

if TYPE_CHECKING:
    from primer.report import Part


class Helper:
    """A process of its own that makes the report's first part of the lesson in `content` (`first_part`). It
    talks over a socket, and no thread of this process waits on it: a process that runs threads forks no worker (see
    `parallel.can_fork`), and the rest of a rebuild still does."""

    #: How long a build waits for the helper's part before it makes the part itself, and asks it no more (the
    #: part takes it 0.35 s at 256 topics; a stuck helper must not stop the watch).
    PATIENCE = 60.0

    def __init__(self, content: Path) -> None:
        self._content = content
        self._process: subprocess.Popen[bytes] | None = None
        self._pipe: Connection | None = None
        #: what was asked of it and not read back yet (the warm-up, a part whose build did not wait for it)
        self._pending = 0
        self._warmed = False
        #: whether it was asked, as a save began, for the part of the lesson as it found it (`begin`), and the build
        #: has not taken it yet (`ask`)
        self._early = False
        #: whether it was asked for the part of the check running (`ask`): the build forks no worker then
        self.took = False

    def warm(self) -> None:
        """Start the process, which loads the lesson and makes the part once, so that the first save finds its
        memos as every later one does (called once the first build is written; once only)."""
        if self._warmed:
            return
        self._warmed = True
        self._send(None)

    def begin(self) -> None:
        """A save begins: ask for the first part of the lesson as the helper loads it now, while the build's process
        loads it too, rather than once it has (`ask`: 0.11 s into a source's save at 256 topics).
        Nothing is asked of a helper still busy, or not started (its warm-up starts it)."""
        if self._idle():
            self._early = self._send(NOW)

    def ask(self, lib: Library) -> Asked | None:
        """The first part of `lib`, on its way from the helper; None when the helper is busy, or gone. Asked as the
        save began (`begin`), it is the part of what the helper read then, taken only when that is what `lib` read."""
        self.took = False
        if self._early:
            self._early = False
            self.took = True
            return Asked(self, lib.files_read)
        if not self._idle():
            return None  # (the warm-up, or the part of a save whose build failed: the part is made here)
        self.took = self._send(lib.files_read)
        return Asked(self) if self.took else None

    def _idle(self) -> bool:
        """Read what it answered and no one waited for; whether it has nothing left to answer."""
        try:
            while self._pending and self._pipe is not None and self._pipe.poll():
                self._pipe.recv()
                self._pending -= 1
        except (EOFError, OSError):
            self.close()
        return self._pipe is not None and not self._pending

    def _send(self, files: str | None) -> bool:
        try:
            if self._process is None:
                self._start()
            assert self._pipe is not None
            self._pipe.send((self._content, files))
        except (OSError, ValueError):
            self.close()
            return False
        self._pending += 1
        return True

    def _start(self) -> None:
        """Start the process: a new interpreter, with this one's module path (so the same primer), talking over a
        socket; in a session of its own, so that Ctrl-C reaches the watch alone, which then closes the socket."""
        mine, theirs = socket.socketpair()
        try:
            command = [sys.executable, "-c", _BOOT, str(theirs.fileno()), *sys.path]
            self._process = subprocess.Popen(
                command,
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        self._pipe = Connection(mine.detach())

    def answer(self, files: str | None = None) -> Part | None:
        """The part it made for the last `ask` (None: it made none, or it is gone); `files`: asked as the save began
        (`begin`), the files the build read, which the helper must have read for its part to be taken."""
        if self._pipe is None:
            return None
        try:
            while self._pending > 1:  # (answers no one waited for)
                self._pipe.recv()
                self._pending -= 1
            if not self._pipe.poll(self.PATIENCE):
                raise TimeoutError("the helper did not answer")
            found = self._pipe.recv()
        except Exception:  # noqa: BLE001 - gone, stuck or garbled: the build's process makes the part, as it did before
            self.close()
            return None
        self._pending -= 1
        if files is None:
            return cast("Part | None", found)
        if found is None:
            return None
        read, part = cast("tuple[str, Part]", found)
        return part if read == files else None  # (a save between the two loads: the build makes the part)

    def close(self) -> None:
        """Stop the process (a part on its way is dropped)."""
        if self._pipe is not None:
            self._pipe.close()  # it ends once it reads the end of the pipe
        if self._process is not None:
            try:
                self._process.wait(1.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process, self._pipe, self._pending, self._early = None, None, 0, False


class Asked:
    """The first part, asked of the helper: as `parallel.Started` gives a part made by a worker."""

    #: the part is made in another process (see `primer.report.InParts`)
    elsewhere = True

    def __init__(self, helper: Helper, files: str | None = None) -> None:
        self._helper = helper
        #: asked as the save began (`Helper.begin`): the files the build read
        self._files = files
        self.instead: Callable[[], Part] | None = None

    def result(self) -> Part:
        """The part the helper made; made here (`instead`) when it made none."""
        found = self._helper.answer(self._files)
        if found is None:
            if self.instead is None:
                raise RuntimeError("the helper made no report part, and none can be made here")
            return self.instead()
        return found

    def cancel(self) -> None:
        """Drop the part (read and dropped when the helper is next asked)."""


#: The helper of this process's watch (`helping`), if any.
_HELPER: list[Helper] = []


def current() -> Helper | None:
    """The helper of the running `primer build --watch`, if it has one."""
    return _HELPER[0] if _HELPER else None


@contextlib.contextmanager
def helping(content: Path, jobs: int) -> Iterator[Helper | None]:
    """Within the block, the report's first part of each rebuild is made by a helper (`current`), when `jobs`
    allows a process besides this one, and this one would fork its workers (no thread runs)."""
    if jobs < 2 or not parallel.can_fork():
        yield None
        return
    helper = Helper(content)
    _HELPER[:] = [helper]
    try:
        yield helper
    finally:
        _HELPER.clear()
        helper.close()


# --------------------------------------------------------------------------- in the helper's process

#: The files the helper parsed, kept from one save to the next.
_PARSED: list[ParseCache] = []


#: How the helper's interpreter starts: the module path it is given, then `serve` on the socket it is given.
_BOOT = "import sys; sys.path[:] = sys.argv[2:]; from primer.report.helper import serve; serve(int(sys.argv[1]))"


def serve(fd: int) -> None:
    """The helper's loop, on the socket `fd`: each request, `first_part`'s answer, until the build's process closes
    the socket."""
    from primer.build import collector_paused

    pipe = Connection(fd)
    while True:
        try:
            content, files = pipe.recv()
        except (EOFError, OSError):
            return
        # what the part made and let go of is freed, and the rest set aside, once it is sent (0.015 s at 256 topics)
        with collector_paused(young=True):
            try:
                found = part_now(content) if files == NOW else first_part(content, files)
            except Exception:  # noqa: BLE001 - the build's process makes the part itself, and raises there what fails
                found = None
            try:
                pipe.send(found)
            except OSError:
                return


#: What a save asks of the helper as it begins (`Helper.begin`): the part of the lesson as it reads it now, with what it
#: read (never a lesson's `files_read`, which is a hash).
NOW = "now"


def part_now(content: Path) -> tuple[str, Part] | None:
    """In the helper, as a save begins: the files it read (`Library.files_read`) and the report's first part of them;
    None when the lesson did not load."""
    lib = _loaded(content)
    return None if lib is None else (lib.files_read, _part(lib, content))


def first_part(content: Path, files: str | None) -> Part | None:
    """In the helper: load the lesson and make the report's first part; None when the files it read are not
    those the build read (`files`; None: any, for the warm-up), or the lesson did not load."""
    lib = _loaded(content)
    if lib is None or (files is not None and lib.files_read != files):
        return None
    part = _part(lib, content)
    return part if files is not None else None


def _loaded(content: Path) -> Library | None:
    """In the helper: the lesson, loaded with the files parsed before (None when it does not load), in a new round
    of the memos."""
    if not _PARSED:
        memo.enable()  # each save is checked here too: what the last check made is kept for the next
        _PARSED.append(parsed.resident(content, writes=False))  # the watch writes the entries it reads
    memo.new_round()
    try:
        return load(content)
    except ContentError:
        return None


def _part(lib: Library, content: Path) -> Part:
    """In the helper: the report's first part of `lib`."""
    from primer.report import consistency, report_part

    consistency.prepare(lib)
    return report_part(lib, None, 0, content, kept=parsed.place(content))


def load(content: Path) -> Library:
    """The lesson, loaded with the files the helper parsed before."""
    from primer.content.library import load_library

    return load_library(content, _PARSED[0], 1)
