"""`primer build --watch`: build into the output folder, then build again each time the lesson changes, until
Ctrl-C. Each build is the one `primer build` makes (checked first, swapped in whole, the PDFs included unless
`--no-pdf`), so the folder always holds the last good build; content errors are shown and the folder is left
as it was. One process makes them all: it keeps the files it parsed and what its checks made (as `primer serve`
does, `primer.memo`), so that a build after a save pays neither primer's start nor the checks of what the save
did not change.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import click

from primer import build as build_mod
from primer import facts, memo, write
from primer import parsed as parse_cache
from primer.cache import Reused
from primer.content.library import ParseCache
from primer.errors import ContentError, bug, no_content_folder
from primer.progress import Progress
from primer.serve import COLLECT_AFTER_BUILDS, COLLECT_AFTER_SECONDS, collect, watched_paths
from primer.write import Output

#: What a build hands on: its check's result, its output, and the files in the folder primer kept.
Built = tuple[build_mod.CheckResult | Reused, Output, list[str]]


def _ignored(out: Path) -> Callable[[Any, str], bool]:
    """A filter for `watchfiles` that leaves out the build's own writes: the output folder, and the folders
    a build makes beside it (`.NAME.new-…`, `.NAME.old-…`), should the output lie inside the lesson."""
    from watchfiles import DefaultFilter

    base = DefaultFilter()
    out = out.absolute()
    ours = f".{out.name}."

    def keep(change: Any, path: str) -> bool:
        where = Path(path).absolute()
        if where.is_relative_to(out.parent) and where != out.parent:
            first = where.relative_to(out.parent).parts[0]
            if first == out.name or first.startswith(ours):
                return False
        return bool(base(change, path))

    return keep


@contextlib.contextmanager
def _holding_ctrl_c() -> Iterator[None]:
    """Within the block, Ctrl-C is held back, and raised at its end (in the main thread, where Python handles
    signals; where Ctrl-C is ignored, as in a background job, nothing changes)."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else signal.SIG_IGN
    if previous in (signal.SIG_IGN, None):
        yield
        return
    pressed: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: pressed.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pressed:
            raise KeyboardInterrupt


def watch(
    content: Path,
    out: Path,
    build: Callable[[ParseCache, Progress, list[Callable[[], None]]], Built],
    *,
    built: Callable[[Built, float], None],
    progress: Callable[[], Progress],
    warm: Callable[[ParseCache], object] | None = None,
    saving: Callable[[], object] | None = None,
    echo: Callable[[str], None] = click.echo,
    debug: bool = False,
    stop: threading.Event | None = None,
) -> None:
    """Build with `build` (given the files parsed so far, a new progress line, and a list to which it appends
    what may wait until the build is said to be written: recording it, removing the folder it replaced), then
    again at each change of the lesson (or of primer's own templates, in an editable install) until Ctrl-C or
    `stop`. `built` hears of each build that succeeded, with its time; a build that fails is shown and the
    output stays as it was. When the first build had nothing to redo (the output was up to date), `warm`
    checks the lesson (given the files parsed so far) before the watch begins, so that the first save finds
    what the checks keep as every later one does. `saving` hears of each save, just before its build: never
    of the first build, nor of the look at the watcher's first quiet moment, which mostly finds nothing to
    redo (the watch's helper, asked for the report's part there, made a part no build took, 0.3-0.45 s of its
    time at 256 topics, and was at times still busy with it when the first save came: that save made the part
    itself)."""
    from watchfiles import watch as changes_of  # imported here: only `serve` and `--watch` need it

    if not content.is_dir():  # nothing to watch: said as `primer build` says it, and nothing is written
        raise no_content_folder(content)
    stop = stop or threading.Event()
    # the files parsed by an earlier command come from the parse cache on disk, and those parsed here go there
    parsed = parse_cache.resident(content)
    building = False  # a Ctrl-C meanwhile says the output was left as it was

    def once(*, said: bool = True, saved: bool = False) -> bool:
        """Build; True when a check ran (the build was not the last one reused). `said`: False to say nothing
        of a build that had nothing to redo; `saved`: the build of a save (`saving` hears of it)."""
        nonlocal building
        started = time.perf_counter()
        made: Built | None = None
        # first once the build is said to be written: the files it parsed, for the watch's helper, which loads them
        # then (after the first build), and for the next command
        later: list[Callable[[], None]] = [partial(parse_cache.written, parsed)]
        building = True
        if saved and saving is not None:
            saving()
        # paused through the build's record too; what the build made and let go of is then freed (`young`)
        with build_mod.collector_paused(young=True):
            try:
                try:
                    made = build(parsed, progress(), later)
                except ContentError as exc:
                    for problem in exc.problems:
                        click.echo(problem.format(), err=True)
                    click.echo(
                        f"Error: {exc.message}; {out} keeps the last good build — fix and save to build again", err=True
                    )
                except click.ClickException as exc:  # the output folder refused, say: said, and the next save tries
                    click.echo(f"Error: {exc.format_message()}", err=True)
                except Exception as exc:  # noqa: BLE001 - a bug must not stop the watch: the next save may build
                    click.echo(f"Error: {bug(exc, debug=debug).format_message()}", err=True)
                building = False  # (still true when Ctrl-C stopped the build)
                if made is not None and (said or not isinstance(made[0], Reused)):
                    built(made, time.perf_counter() - started)
            finally:
                try:
                    with _holding_ctrl_c():  # a Ctrl-C right after "built" still leaves the record for the next build
                        for step in later:  # once the build is said to be written: its record, the old folder's removal
                            step()
                        facts.read_again()  # the files of results the next build's process opens, read now
                except Exception as exc:  # noqa: BLE001 - as a build's: the next save builds (in full, unrecorded)
                    click.echo(f"Error: {bug(exc, debug=debug).format_message()}", err=True)
                memo.release()  # what this build's checks let go of: nothing waits for it now
        return made is None or not isinstance(made[0], Reused)

    memo.enable()  # each save is checked in this process: what the last check made is kept for the next
    write.keep_folders()  # and the last build's folders, emptied, are the next one's
    facts.reading_again()  # and the files of results it opens are read again once a build is written
    try:
        if not once() and warm is not None:
            with contextlib.suppress(ContentError), build_mod.collector_paused():
                warm(parsed)  # changed meanwhile so that it fails: the save that did it builds
            memo.release()
            parse_cache.written(parsed)  # (none, unless the parse cache had lost them)
        echo(f"watching {content} for changes (Ctrl-C to stop)")
        builds, built_at, started = 1, time.perf_counter(), False
        for changes in changes_of(
            *watched_paths(content),
            watch_filter=_ignored(out),
            stop_event=stop,
            debounce=50,
            step=10,
            rust_timeout=500,
            yield_on_timeout=True,
        ):
            if not changes and not started:
                # the watcher runs from its first quiet moment: a save made before it began is seen here, by
                # the build's own look at the lesson (which costs a moment when nothing changed)
                started = True
                once(said=False)
                continue
            started = True
            if not changes:  # a quiet moment: free what earlier builds left, as `primer serve` does
                paused = time.perf_counter() - built_at >= COLLECT_AFTER_SECONDS
                if builds and (paused or builds >= COLLECT_AFTER_BUILDS):
                    collect()
                    builds = 0
                continue
            once(saved=True)
            builds, built_at = builds + 1, time.perf_counter()
    except KeyboardInterrupt:
        if building:
            echo(f"stopped while building: {out} keeps the last build as it was")
    finally:
        memo.enable(False)
        write.keep_folders(False)
        facts.reading_again(False)
