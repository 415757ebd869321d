"""Handout HTML → PDF with WeasyPrint: in parallel across cores, and cached by what goes in.

One task renders one topic on one paper size: each version's student sheet, and the teacher
edition, which reuses the student sheets' laid-out pages instead of laying them out again (they are
the very sheets the students get, each numbered on its own). A task's PDFs are cached under
`cache_dir()`, keyed by a hash of every input (the HTML, the paper, the creation date, WeasyPrint's
version), so an unchanged topic is never rendered twice; since the output is deterministic, a
cached PDF is byte-identical to a fresh one.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import gc
import hashlib
import importlib.metadata
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from primer.cache import CACHE_OFF as CACHE_OFF  # PRIMER_CACHE_DIR=off turns the PDF cache off
from primer.cache import user_cache

#: Paper sizes: the name on the command line → the CSS page size.
PAPERS = {"a4": "A4", "letter": "letter"}
#: Bump when the way PDFs are made changes without the HTML changing, to retire cached PDFs.
RENDERER_VERSION = "3"
#: Fewer tasks than this are rendered in the build's own process: a forked worker starts at once, with the
#: WeasyPrint this process loaded (one topic's two papers: a rebuild after its edit took 4.3–5.2 s instead of
#: 7.0–8.3 s on two cores), but a spawned one loads primer and WeasyPrint first, about a second.
MIN_PARALLEL = 2
MIN_SPAWNED = 4
#: Told, as they are laid out, how many of the PDFs to lay out are (`primer build` shows it on a terminal: a
#: large lesson's first build lays PDFs out for minutes).
LAID_OUT: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar("laid_out", default=None)


@dataclass(frozen=True)
class Task:
    """The PDFs of one topic on one paper size: student sheets, and optionally the teacher edition."""

    paper: str
    #: (file name, HTML) of each version's student sheet
    students: tuple[tuple[str, str], ...]
    #: (file name, HTML of the teacher's own pages: a cover page first, then key, answers and plan), or None
    teacher: tuple[str, str] | None = None

    def key(self, engine: str) -> str:
        """A hash of every input of the task."""
        digest = hashlib.sha256(f"{RENDERER_VERSION}\0{engine}\0{self.paper}\0".encode())
        for name, html in [*self.students, *([self.teacher] if self.teacher else [])]:
            digest.update(f"{name}\0{len(html)}\0{html}\0".encode())
        return digest.hexdigest()

    def names(self) -> list[str]:
        """The file names the task writes."""
        return [name for name, _ in self.students] + ([self.teacher[0]] if self.teacher else [])


def cache_dir() -> Path | None:
    """Where rendered PDFs are kept between builds (`primer.cache.user_cache`: `$PRIMER_CACHE_DIR/pdf`,
    else `$XDG_CACHE_HOME/primer/pdf` or `~/.cache/primer/pdf`); None when PRIMER_CACHE_DIR is 'off'."""
    return user_cache("pdf")


def engine() -> str | None:
    """WeasyPrint's installed version (read without importing it, which takes a second), or None."""
    try:
        return importlib.metadata.version("weasyprint")
    except importlib.metadata.PackageNotFoundError:
        return None


def loads() -> bool:
    """True when WeasyPrint and the Pango and HarfBuzz libraries it needs can load."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: the Python package is there, Pango or HarfBuzz is not
        return False
    return True


def missing_reason() -> str:
    """Why WeasyPrint cannot load, in one line."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ""


def _fetcher() -> Any:
    """A URL fetcher that fetches nothing but inline data: a handout never reads a file or the network."""
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


#: The paper size and the running footer: the edition line and the title of the page's document (CSS
#: Paged Media strings), and "Page X of Y". Only WeasyPrint reads these, so they stay out of the HTML.
PAGE_CSS = """
@page {
  size: %s;
  @bottom-left { content: string(edition) " · " string(topic); font: 8pt "DejaVu Sans", sans-serif; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt "DejaVu Sans", sans-serif; }
}
h1 { string-set: topic content(); }
.edition { string-set: edition content(); }
"""


def _render(html: str, paper: str) -> Any:
    from weasyprint import CSS, HTML

    page = CSS(string=PAGE_CSS % PAPERS[paper])
    return HTML(string=html, url_fetcher=_fetcher()).render(stylesheets=[page])


#: Python's own threshold for the oldest generation's collections.
OLDEST_THRESHOLD = 10


@contextlib.contextmanager
def collecting_all() -> Iterator[None]:
    """Full collections, while PDFs are laid out. The `primer` program makes none (`cli._quick_exit`: they
    would walk all that a build keeps, again and again), but a laid-out document is a web of cycles that
    outlives the young collections: a topic's four PDFs on one paper left about 40 MB behind, and a
    256-topic build's PDF worker grew to 11 GB. A build has frozen its lesson out of the collector's
    sight by then (`build.collector_paused`), so a full collection walks little more than the layouts."""
    young, middle, oldest = gc.get_threshold()
    gc.set_threshold(young, middle, min(oldest, OLDEST_THRESHOLD))
    try:
        yield
    finally:
        gc.set_threshold(young, middle, oldest)


def run_task(task: Task) -> dict[str, bytes]:
    """Render one task: file name → PDF bytes."""
    with collecting_all():
        found: dict[str, bytes] = {}
        sheets = []
        for name, html in task.students:
            document = _render(html, task.paper)
            sheets.append(document)
            found[name] = document.write_pdf(pdf_tags=True)  # tagged: headings, lists and tables for screen readers
        if task.teacher is not None:
            name, html = task.teacher
            own = _render(html, task.paper)
            pages = [own.pages[0], *(p for d in sheets for p in d.pages), *own.pages[1:]]
            found[name] = own.copy(pages).write_pdf(pdf_tags=True)
        return found


#: Cached PDFs no build has used for this many days are removed.
CACHE_DAYS = 30


def _read_cache(folder: Path, names: list[str]) -> dict[str, bytes] | None:
    try:
        found = {name: (folder / name).read_bytes() for name in names}
        os.utime(folder)  # used now: pruning goes by when an entry was last used
    except OSError:
        return None
    return found


def _prune(cache: Path) -> None:
    """Remove cache entries unused for CACHE_DAYS (the clock decides only what the cache keeps, never output)."""
    limit = time.time() - CACHE_DAYS * 86400
    try:
        entries = list(cache.iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir() and entry.stat().st_mtime < limit:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass


def _write_cache(folder: Path, files: dict[str, bytes]) -> None:
    """Store a task's PDFs; a cache that cannot be written only costs time, so failures pass."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            part = folder / f".{name}.{os.getpid()}.part"
            part.write_bytes(data)
            part.replace(folder / name)
    except OSError:
        pass


def _laid_out(tasks: list[Task], jobs: int | None) -> Iterator[tuple[int, dict[str, bytes]]]:
    """Each task's index and PDFs, as each is laid out: in parallel across up to `jobs` processes (default: one
    per core), or in this process when there are few."""
    workers = min(len(tasks), jobs or os.cpu_count() or 1)
    # fork is cheapest (the workers inherit the loaded WeasyPrint), but a forked child of a threaded
    # parent (a browser driver in a test session) can hang: then spawn.
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if workers <= 1 or (jobs is None and len(tasks) < (MIN_PARALLEL if forkable else MIN_SPAWNED)):
        for i, task in enumerate(tasks):
            yield i, run_task(task)
        return
    context = multiprocessing.get_context("fork" if forkable else "spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        # The largest tasks first, so that no core waits on a long one at the end.
        order = sorted(range(len(tasks)), key=lambda i: -sum(len(h) for _, h in tasks[i].students))
        futures = {pool.submit(run_task, tasks[i]): i for i in order}
        try:
            for future in concurrent.futures.as_completed(futures):
                yield futures[future], future.result()
        except BaseException:  # a failed task, or Ctrl-C: lay out no more than the tasks already begun
            for future in futures:
                future.cancel()
            raise


def render_all(tasks: list[Task], *, cache: Path | None, jobs: int | None = None) -> dict[str, bytes] | None:
    """Render every task (cached ones are read back), in parallel across up to `jobs` processes
    (default: one per core). Returns file name → PDF bytes, or None when a PDF must be rendered
    and WeasyPrint cannot load."""
    version = engine()
    if version is None:
        return None
    found: dict[str, bytes] = {}
    todo: list[tuple[Task, Path | None]] = []
    for task in tasks:
        folder = cache / task.key(version) if cache is not None else None
        hit = _read_cache(folder, task.names()) if folder is not None else None
        if hit is not None:
            found.update(hit)
        else:
            todo.append((task, folder))
    if todo and not loads():
        return None
    results: list[dict[str, bytes]] = [{} for _ in todo]
    heard, total, done = LAID_OUT.get(), sum(len(task.names()) for task, _ in todo), 0
    # Each task's PDFs are cached as soon as they are laid out, not when all are: a first build of a large
    # lesson takes minutes, and one stopped halfway (Ctrl-C) keeps what it laid out for the next.
    for i, files in _laid_out([task for task, _ in todo], jobs):
        results[i] = files
        folder = todo[i][1]
        if folder is not None:
            _write_cache(folder, files)
        done += len(files)
        if heard is not None:
            heard(done, total)
    for files in results:
        found.update(files)
    if cache is not None and todo:
        _prune(cache)
    return found
