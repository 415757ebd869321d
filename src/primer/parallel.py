"""Run independent parts of a build on several processes, with results in the order a serial run gives.

The workers are forked, so they share the validated content (and the compiled templates) with the
parent without copying or serialising it; only their results (page text, file bytes) travel back.
Where fork is unavailable, or the parent runs other threads (a forked child of a threaded parent can
deadlock: `primer serve`, a test session driving a browser), or one job is asked for, the work runs
in this process, one piece after the other. A piece that fails in a worker is run again here, so that
the error raised is the one a serial build raises, with its traceback (template errors are reported
from it at the template's line).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

#: The work of the running map, inherited by the forked workers (never pickled).
_WORK: list[Callable[..., object]] = []
#: Whether this process set the objects alive aside from the collector (`freeze`) and has not handed them back
#: (`unfreeze`). `gc.get_freeze_count()` would tell, but it counts them one by one: 0.1 s of a rebuild's process
#: at 256 topics, where it asked before every render.
_FROZEN = False


def freeze() -> None:
    """`gc.freeze()`, remembered (`frozen`): primer sets objects aside through this alone."""
    global _FROZEN
    gc.freeze()
    _FROZEN = True


def unfreeze() -> None:
    """`gc.unfreeze()`, remembered (`frozen`)."""
    global _FROZEN
    gc.unfreeze()
    _FROZEN = False


def frozen() -> bool:
    """Whether objects are set aside from the collector (by `freeze`), without counting them."""
    return _FROZEN


def cores() -> int:
    """How many processors this process may use: the default of `--jobs`."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def give_back_memory() -> None:
    """Hand the memory freed so far back to the system (glibc's allocator keeps it otherwise), so that
    this process, and each worker forked from it next, is that much smaller."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
            ctypes.CDLL(None).malloc_trim(0)


def can_fork() -> bool:
    """True when workers can be forked safely from this process."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def run(work: Sequence[Callable[[], T]], jobs: int, meanwhile: Callable[[], None] | None = None) -> list[T]:
    """Call each of `work` (functions without arguments, returning picklable values) and return their
    results in order, on up to `jobs` forked processes (a `Pool` given all of it at once, in `chunks`).
    `meanwhile` is called in this process while the workers run (first, when there are none); it must not
    fork (it cannot: `forks` is False then)."""
    with Pool(work, jobs) as pool:
        for start, stop in chunks(len(work), pool.jobs):
            pool.submit(range(start, stop))
        if meanwhile is not None:
            meanwhile()
        return [pool.result(number) for number in range(len(work))]


class Pool:
    """`run` for work chosen as it goes: the workers are forked, inheriting every piece of `work`, when the
    first pieces are `submit`ted, and run the pieces submitted (a few at a time, by their numbers) while this
    process goes on; `result` gives a piece's value, run here when no worker ran it (one process, or it
    failed there: its own error is then raised here). Use it as a context manager: it stops the workers on
    leaving."""

    def __init__(self, work: Sequence[Callable[..., T]], jobs: int) -> None:
        self._work = work
        #: how many processes it may use (no more than there are pieces)
        self.jobs = min(jobs, len(work))
        #: each submitted piece: the task that runs it, and its place among that task's pieces
        self._futures: dict[int, tuple[concurrent.futures.Future[list[object]], int]] = {}
        #: what the pieces submitted with something `given` are called with
        self._given: dict[int, object] = {}
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._frozen: bool | None = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, numbers: Sequence[int], given: object = None) -> None:
        """Start the pieces `numbers` as one task of a worker (forking the workers first), when workers can
        be forked; else they run here when asked for. With `given` (picklable: it is sent to the worker), each
        of the pieces is called with it: what they need that was made after the workers forked."""
        if not numbers:
            return
        if given is not None:
            self._given.update(dict.fromkeys(numbers, given))
        if self._frozen is None:
            self._frozen = frozen()  # the build froze the content already: leave it so
            if forks(self.jobs):
                reap()
                _WORK.extend(self._work)
                freeze()  # the workers' collector leaves the shared objects alone, so their pages stay shared
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    self.jobs, mp_context=multiprocessing.get_context("fork")
                )
        if self._pool is not None:
            try:
                task = self._pool.submit(_run_some, list(numbers), given)
            except Exception:  # noqa: BLE001 - no worker could start: the pieces run here
                return
            for place, number in enumerate(numbers):
                self._futures[number] = (task, place)

    def here(self, numbers: Sequence[int], given: object = None) -> None:
        """Make the pieces `numbers` here when their values are asked for (`result`), called with `given` (see
        `submit`) when there is one."""
        if given is not None:
            self._given.update(dict.fromkeys(numbers, given))

    def result(self, number: int) -> Any:
        """The value of the piece `number` (submitted or not)."""
        given = self._given.pop(number, None)
        submitted = self._futures.pop(number, None)
        if submitted is not None:
            task, place = submitted
            try:
                return task.result()[place]
            except Exception:  # noqa: BLE001 - a failed piece, or a dead worker: run it here to raise its error
                pass
        return self._work[number]() if given is None else self._work[number](given)

    def close(self) -> None:
        """Stop the workers (pieces not yet asked for are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            _WORK.clear()
            if not self._frozen:
                unfreeze()


def _run_some(numbers: list[int], given: object = None) -> list[object]:
    if given is not None:
        return [_WORK[i](given) for i in numbers]
    return [_WORK[i]() for i in numbers]


def chunks(count: int, jobs: int) -> list[tuple[int, int]]:
    """`range(count)` cut into chunks that shrink as the work runs out (each a quarter of what is left over
    the workers): few chunks to send, and at the end the workers finish within a piece or two of each other
    however much the pieces differ in cost (a chunk of equal size left one worker alone for 2 s of a
    256-topic build). The first piece for each worker is a chunk of its own: a caller that knows which
    pieces cost most puts them first."""
    chunks: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = 1 if len(chunks) < jobs else max(1, (count - start) // (jobs * 4))
        chunks.append((start, start + size))
        start += size
    return chunks


class Started:
    """One piece of work started by `start`: `result()` waits for it."""

    def __init__(
        self,
        work: Callable[[], object],
        process: multiprocessing.process.BaseProcess | None,
        pipe: object,
        stream: bool = False,
    ):
        self._work = work
        self._process = process
        self._pipe = pipe
        self._stream = stream

    @property
    def elsewhere(self) -> bool:
        """Whether the work runs in a worker (else it runs here, when its result is asked for)."""
        return self._process is not None

    def result(self) -> Any:
        """The work's value (for streamed work, the list of what it yielded); when it failed in the worker,
        it runs again here to raise its own error."""
        if self._process is None:
            return self._value()
        pipe: Any = self._pipe
        items: list[object] = []
        ok = False
        try:
            while (message := pipe.recv())[0] == _ITEM:
                items.append(message[1])
            ok = message[0] == _DONE
        except (EOFError, OSError):
            pass
        finally:
            pipe.close()
            if ok:  # it is ending, or doing what its work left for then: this process goes on meanwhile
                (_FINISHING if message[1] else _ENDING).append(self._process)
            else:
                self._process.join()
        if not ok:
            return self._value()
        return items if self._stream else items[0]

    def _value(self) -> Any:
        value = self._work()
        return list(value) if self._stream else value  # type: ignore[call-overload]

    def cancel(self) -> None:
        """Stop the work if it still runs in its worker (its result is not wanted)."""
        if self._process is None:
            return
        pipe: Any = self._pipe
        with contextlib.suppress(OSError):
            pipe.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


#: The workers that sent their work's value and are ending, not waited for yet (`reap`).
_ENDING: list[multiprocessing.process.BaseProcess] = []
#: The workers that sent their work's value and still do what it left for then (`once_sent`): waited for by
#: `finish_workers` alone.
_FINISHING: list[multiprocessing.process.BaseProcess] = []
#: In a worker forked by `start`, while its work runs: what the work left for once its value is sent (`once_sent`).
_AFTER: list[Callable[[], None]] | None = None


def once_sent(step: Callable[[], None]) -> None:
    """Do `step`, which the work's value does not depend on (writing what it keeps for the next build), once the
    value is delivered: in a worker forked by `start`, once the worker has sent it (the process waiting for it goes
    on meanwhile, and waits for the step only in `finish_workers`); else at once."""
    if _AFTER is not None:
        _AFTER.append(step)
    else:
        step()


def finish_workers() -> None:
    """Wait for every worker that sent its value to end, those doing what their work left for then too
    (`once_sent`)."""
    reap()
    while _FINISHING:
        _FINISHING.pop().join()


def reap() -> None:
    """Wait for the workers that sent their values to end. `Started.result` does not: a worker forked from the
    process of a large lesson takes 10–30 ms to end (its memory is let go of page by page), which that process
    spends on its next step instead (at 256 topics, 0.06–0.1 s of a rebuild's waits). Called before any worker
    is forked, and by `primer.build.build` once it is done."""
    while _ENDING:
        _ENDING.pop().join()


#: What a worker sends: each item (the value, or each item of streamed work), then whether it finished
#: (`_DONE`) or failed.
_ITEM, _DONE, _FAILED = "item", "done", "failed"


def _send(work: Callable[[], Any], stream: bool, pipe: Any, prepare: Callable[[], None] | None = None) -> None:
    global _AFTER
    _WORK.append(work)  # this worker makes no workers of its own
    after: list[Callable[[], None]] = []
    _AFTER = after
    try:
        if prepare is not None:
            prepare()
        for item in work() if stream else [work()]:
            pipe.send((_ITEM, item))
        pipe.send((_DONE, bool(after)))  # (whether it goes on with what the work left for then: `once_sent`)
    except BaseException:  # noqa: BLE001 - the parent runs it again to raise the error itself
        pipe.send((_FAILED, None))
        after.clear()
    finally:
        pipe.close()
    for step in after:
        with contextlib.suppress(Exception):  # (what is kept for the next build: not written is not an error)
            step()


def forks(jobs: int) -> bool:
    """Whether `start` and `run` fork workers for `jobs` processes here (never inside a worker: _WORK)."""
    return jobs >= 2 and can_fork() and not _WORK


def start(
    work: Callable[[], object], jobs: int, *, stream: bool = False, prepare: Callable[[], None] | None = None
) -> Started:
    """Start `work` in a forked process when `jobs` > 1 allows it (else it runs when its result is asked for).
    With `stream`, `work` returns an iterable whose items the worker sends one by one, so that neither
    side holds the whole result pickled (the exports of a large lesson are 90 MB). `prepare` is called
    first in the worker, and only there: it may drop what this process still needs but the work does not."""
    if not forks(jobs):
        return Started(work, None, None, stream)
    reap()
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_send, args=(work, stream, sending, prepare), daemon=True)
    process.start()
    sending.close()
    return Started(work, process, receiving, stream)


class Shares:
    """Pieces of work numbered 0 … `count` - 1, shared by a worker forked after this is made, which takes them
    from the first (`first`), and the process that made it, which may take them from the last (`last`) once it
    has nothing else to do: each piece is taken once, by one of the two. (The exports: the worker makes one
    format's files after another while the build checks and renders; what it has not started when the build's
    process is left waiting for it, the build's process makes, from the last.) Should the worker fail, and its
    work run again in the process that made this (`Started.result`), `first` there gives every piece that
    process did not take itself."""

    #: How long a taker waits for the other's hold on the counts: they are held for a few instructions, so only
    #: a process stopped while it held them makes anyone wait; the other then takes nothing more.
    WAIT = 10.0

    def __init__(self, count: int) -> None:
        self._bounds: Any = multiprocessing.get_context("fork").Array("i", [0, count])
        self._count = count
        self._owner = os.getpid()
        #: the pieces `last` gave in this process, and those `first` gave here (a failed worker's work run again)
        self._mine: set[int] = set()
        self._again: set[int] = set()

    def first(self) -> int | None:
        """The number of the first piece no one has taken (taken now), or None when none is left."""
        if os.getpid() == self._owner:  # the worker's work, run again here
            left = [n for n in range(self._count) if n not in self._mine and n not in self._again]
            if not left:
                return None
            self._again.add(left[0])
            return left[0]
        return self._take(front=True)

    def last(self) -> int | None:
        """The number of the last piece no one has taken (taken now), or None when none is left."""
        number = self._take(front=False)
        if number is not None:
            self._mine.add(number)
        return number

    def _take(self, *, front: bool) -> int | None:
        lock = self._bounds.get_lock()
        if not lock.acquire(timeout=self.WAIT):
            return None
        try:
            start, end = self._bounds[0], self._bounds[1]
            if start >= end:
                return None
            if front:
                self._bounds[0] = start + 1
                return int(start)
            self._bounds[1] = end - 1
            return int(end - 1)
        finally:
            lock.release()
