"""The whole build in one readable place: load and validate, derive, render targets, write."""

from __future__ import annotations

import contextlib
import contextvars
import gc
import hashlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, cast

from jinja2 import Environment

from primer import facts, memo, parallel, parsed, reads, search, write
from primer.cache import (
    REUSED,
    BuildCache,
    CheckRecord,
    Earlier,
    Reused,
    base_key,
    build_key,
    content_digest,
    own_files_once,
    source_date_epoch,
)
from primer.checks.names import check_term_names
from primer.checks.readability import check_readability
from primer.checks.readability import ready as readability_ready
from primer.content.library import VIEW_BASES, Library, ParseCache, load_library
from primer.content.load import Document
from primer.content.terms import TermMatcher
from primer.derive import Derived, derive
from primer.errors import ContentError, Problem, display_path
from primer.exports import FORMATS, HubFormat, add_exports, export_one, export_path, whole_bank_taken
from primer.exports.anki import warm_guids
from primer.exports.common import LossReport
from primer.facts import Facts, keeping
from primer.handouts import add_handouts
from primer.handouts import pdf as pdf_mod
from primer.handouts.versions import known_hashes
from primer.maps import outlines_ahead, prepare_drawing, use_ahead
from primer.memo import Memo
from primer.quiz.lint import lint, lint_warnings, text_lint
from primer.render.env import check_templates, make_env, template_problem
from primer.render.markdown import long_texts_unkept
from primer.report import InParts, Report, check_problems, index_last, let_go_of_units, made_here_as_again, run_report
from primer.report import helper as report_helper
from primer.targets.bank import bank_json
from primer.targets.site import TEACHER_TOPIC, build_site, site_files, site_plan, template_variables
from primer.write import Output, Spool, removing_meanwhile

#: The Library's and Derived's collections the pages read through `primer.reads` (the rest: the site's
#: settings, in every page's digest; the origins and warnings, which no page shows).
LIBRARY_MAPS = (
    "sources",
    "points",
    "point_source",
    "terms",
    "actors",
    "events",
    "places",
    "topics",
    "objectives",
    "objective_topic",
    "questions",
)
#: Of those, the collections of the lesson's items (a page's own context may hold them).
LIBRARY_ITEMS = ("sources", "points", "terms", "actors", "events", "places", "topics", "objectives", "questions")
DERIVED_MAPS = (
    "quizzes",
    "generated_from",
    "term_topics",
    "point_questions",
    "generated",
    "question_topics",
    "skipped",
    "bank",
    "citations",
)


def page_map(
    lib: Library, derived: Derived, earlier: Earlier | None, read_from: reads.Origins | None = None
) -> reads.Reuse:
    """The map of what this build's pages read, over the checked lesson, with the last build's (`earlier`);
    `read_from`: `_read_from(lib)`, worked out before the lesson forgot where its items are (a first build)."""
    collections = {name: getattr(lib, name) for name in LIBRARY_MAPS}
    collections.update({f"derived.{name}": getattr(derived, name) for name in DERIVED_MAPS})
    collections.update(lib.view_maps())
    collections.update(derived.view_maps())
    kept, stored = (earlier.pages, earlier.digests) if earlier else (None, None)
    origins, files = _origins_by_file(lib) if read_from is None else (None, None)
    pagemap = reads.PageMap(
        collections,
        LIBRARY_ITEMS,
        kept,
        stored,
        origins=origins,
        origin_files=files,
        stored_origins=earlier.origins if earlier else None,
        read_from=read_from,
        bases=VIEW_BASES,
    )
    return reads.Reuse(pagemap, earlier)


#: The collections of the lesson that hold, for each item of a kind (as `Library.origins` names it), what
#: its file alone gives: the item, and for a point its source, for an objective its topic.
_READ_OFF = {name.removesuffix("s"): (name,) for name in LIBRARY_ITEMS} | {
    "point": ("points", "point_source"),
    "objective": ("objectives", "objective_topic"),
}


def _origins(lib: Library) -> dict[reads.Token, str]:
    """The file each of the lesson's items was read from, by its token, as a key of the file's path and bytes
    (see `primer.reads.PageMap`); none once the lesson forgot where its items are (`Library.forget_origins`)."""
    return _origins_by_file(lib)[0]


def _origins_by_file(lib: Library) -> tuple[dict[reads.Token, str], dict[str, tuple[reads.Token, ...]] | None]:
    """`_origins`, and the same the other way round: the tokens of each file's items, by the file's key (a
    rebuild's map sets aside the items of each file that did not change, file by file: grouping 29,000 tokens
    by their files again took 0.03-0.05 s of a source's edit at 256 topics); None for the latter when a token
    was read from two files (a lesson that fails its load), where the file `_origins` gives is the last's."""
    found: dict[reads.Token, str] = {}
    files: dict[str, tuple[reads.Token, ...]] | None = {}
    for doc, items in lib.origin_files:
        if doc.digest:
            key, tokens = _FILE_TOKENS.get((id(doc), len(items)), partial(_file_tokens, doc, items), keep=doc)
            had = len(found)
            found.update(dict.fromkeys(tokens, key))
            if files is not None and (key in files or len(found) - had != len(tokens)):
                files = None  # (a token of two files, or one file twice: the map then groups `found` itself)
            elif files is not None:
                files[key] = tokens
    return found, files


#: `_file_tokens` by the document (as an object: see `primer.memo`), whose items are what its text gives (a
#: lesson whose items a file registers in part, an id given twice, fails its load), and their number: a rebuild
#: in the same process works them out for the files that changed (17,108 items at 256 topics, 0.036-0.084 s).
_FILE_TOKENS: Memo[tuple[int, int], tuple[str, tuple[reads.Token, ...]]] = Memo()


def _file_tokens(doc: Document, items: list[tuple[str, str]]) -> tuple[str, tuple[reads.Token, ...]]:
    """The key of `doc` (its path and bytes), and the tokens of the `items` read from it."""
    key = hashlib.blake2b(f"{doc.path}\0{doc.digest}".encode(), digest_size=12).hexdigest()
    return key, tuple((name, item_id) for kind, item_id in items for name in _READ_OFF.get(kind, ()))


def _read_from(lib: Library) -> reads.Origins:
    """What a map of `lib` tells the next build of where its items were read from (`PageMap.origins`), without
    a map of every item's file to keep (a first build's, which has no last build's to compare them with)."""
    collections = {name: getattr(lib, name) for name in LIBRARY_MAPS}
    return reads.PageMap(collections, LIBRARY_ITEMS, origins=_origins(lib), bases=VIEW_BASES).origins()


def _watched(lib: Library, derived: Derived) -> tuple[Library, Derived]:
    """The lesson as the pages read it when their reads are recorded (see `primer.reads`)."""
    return reads.watched(lib, "", LIBRARY_MAPS), reads.watched(derived, "derived.", DERIVED_MAPS)


#: The item by which the exports' worker names the files it wrote into the spool (all at once).
_WRITTEN = "\0written"
#: The last item the exports' worker sends when it records what the exports read: that map.
_MAP_ITEM = "\0map"
#: What it sends with it: the keys of the map's entries (in order), those of them made anew, the files taken from
#: the last build, and the digests it worked out itself (see `_exports`).
_ExportsMap = tuple[list[str], dict[str, reads.Entry], list[str], dict[reads.Token, bytes]]


@dataclass(frozen=True)
class Mapped:
    """That a build records what its outputs read (see `primer.reads`), and its last build, if any."""

    earlier: Earlier | None


#: Where the site offers the question bank for download (the teacher hub links it).
BANK_PATH = "exports/question-bank.json"
#: The folders of the handouts and exports (with the bank): `primer serve` makes them only for a file in them.
DOWNLOAD_FOLDERS = ("handouts/", "exports/")


@dataclass(frozen=True)
class CheckResult:
    """What `primer check` found: the Library, its warnings, and what derives from it."""

    library: Library
    warnings: list[Problem]
    derived: Derived
    #: The provenance and quality report, run once: `check` takes its errors, the site shows it whole.
    report: Report

    def summary(self) -> str:
        """One line: what was checked, and how many warnings."""
        lib = self.library
        counts = (
            f"{len(lib.sources)} sources, {len(lib.points)} points, {len(lib.terms)} terms, "
            f"{len(lib.actors)} actors, {len(lib.events)} events, {len(lib.places)} places, "
            f"{len(lib.topics)} topics, {len(lib.questions)} questions"
        )
        warned = f"{len(self.warnings)} warning{'s' * (len(self.warnings) != 1)}"
        return f"ok: {counts}; {warned}"


#: How many processes the running build may use (`build(jobs=…)`; the checks read it too).
_JOBS: contextvars.ContextVar[int] = contextvars.ContextVar("jobs", default=1)
#: Where the running build puts what may wait until it is said to be written (`build(record_later=…)`), or None.
_LATER: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar("later", default=None)


def _first_checks(content: Path, cache: ParseCache | None = None) -> tuple[Library, Derived, list[Problem]]:
    """Load and validate the lesson, derive its questions and lint their text: everything that can stop a
    build except a lesson's own templates. Returns the problems found (warnings, and the text lint's
    errors). `cache`: files parsed before (see `load_library`)."""
    lib = load_library(content, cache)
    derived = derive(lib)
    return lib, derived, [*lib.warnings, *derived.warnings, *text_lint(lib, derived)]


def _late_checks(lib: Library, names: list[Problem] | None = None, kept: Facts | None = None) -> list[Problem]:
    """The checks that only ever warn, apart from the report and the lint: reading grade and term names
    (`names`: what `check_term_names` found, when run already; `kept`: see `primer.facts`)."""
    return [*check_readability(lib, kept), *(check_term_names(lib, kept) if names is None else names)]


def _validate(
    content: Path,
    strict: bool,
    cache: ParseCache | None = None,
    derived_hook: Callable[[Library, Derived], None] = lambda lib, derived: None,
) -> CheckResult:
    """The whole check. `derived_hook` is called once the questions are derived, before the lint: `build`
    starts the exports' worker there, and a rebuild checks its page map against the last build's. Without a
    `cache`, the files parsed by an earlier command come from the parse cache on disk (`primer.parsed`), and
    a worker writes those parsed now into it."""
    stored = None
    if cache is None:
        lib, stored = parsed.load(content, _JOBS.get())
    else:
        lib = load_library(content, cache, _JOBS.get())
    saving = parallel.start(stored.save, _JOBS.get()) if stored is not None else None
    if stored is not None and saving is not None and saving.elsewhere:
        stored.release()  # the worker writes the entries: this process keeps only the Library
    try:
        result = _checked(content, strict, lib, derived_hook)
    except ContentError:
        if saving is not None:
            saving.result()  # what the files gave holds whatever the lesson's mistakes: the next check reads it
        raise
    except BaseException:
        if saving is not None:
            saving.cancel()
        raise
    if saving is not None:
        saving.result()
    return result


def _checked(
    content: Path,
    strict: bool,
    lib: Library,
    derived_hook: Callable[[Library, Derived], None],
) -> CheckResult:
    """The whole check of the loaded `lib` (see `_validate`)."""
    # The report in three parts (see `PARTS`; all only read the content): the first in a worker while this
    # process derives the questions, the second and third in others while it lints them.
    with InParts(lib, content, _JOBS.get()) as parts:
        kept = Facts() if parts.kept is None else Facts(parts.kept[0] / "checks.facts", parts.kept[1])
        with keeping(kept):  # what the derive and the lint read off each text is kept too
            derived = derive(lib)
            if kept.keeps:  # the lint hashes every question (kept by it): first, so that the report's part forks
                derived.digest_bank()  # with them rather than hashing them again (5,719 questions at 256 topics)
            parts.derived(derived)  # first: a rebuild's hook works out digests for a while (see `build`)
            derived_hook(lib, derived)
            names = check_term_names(lib, kept)  # the report shows them too
            parts.named(names)
            found = [*lib.warnings, *derived.warnings, *lint(lib, derived), *_late_checks(lib, names, kept)]
        later = _LATER.get()
        if later is None:
            kept.save()
        else:  # (0.05 s of a source's edit at 256 topics) no other process reads the file: only the next check here
            later.append(kept.save)
        report = parts.finish()
    # the report's error-level findings are warnings here, so that `--strict` fails on them
    warnings = sorted([*found, *check_problems(report)])
    templates = content / "templates"
    template_errors = []
    if templates.is_dir():  # the pages' variables cost a render's worth of context: only for a lesson's own templates
        template_errors = check_templates(
            templates,
            lambda path: display_path(path, content.absolute()),
            template_variables(lib, derived, make_env(templates), report),
        )
    if template_errors or any(w.severity == "error" for w in warnings):  # the question-text lint's errors
        raise ContentError(template_errors + warnings)
    if strict and warnings:
        raise ContentError([Problem(**{**w.__dict__, "severity": "error"}) for w in warnings])
    return CheckResult(lib, warnings, derived, report)


def _exports(
    lib: Library,
    derived: Derived,
    spool: Spool | None = None,
    mapping: Mapped | None = None,
    warmed: reads.Reuse | None = None,
    kept_in: tuple[Path, Path] | None = None,
    take: Callable[[], int | None] | None = None,
) -> Iterator[tuple[str, object]]:
    """The exports (apart from the rest, so that they can be made in a worker, which sends them one by one):
    ("", their links), then (path, bytes) for each file; with a `spool`, each file is written into it as
    it is made, and (path, None) sent instead. With `mapping`, what each export reads is recorded, those
    that read what they read in the last build are taken from it, and (`_MAP_ITEM`, `_ExportsMap`) is sent
    last; `warmed`: the build's own map, whose digests it worked out already.
    `kept_in`: where the questions' fragments of the exports are kept between builds (`primer.parsed.place`;
    None: nowhere). `take`: which formats to make, when the build's process makes the others (`add_exports`)."""
    own = Output(spool)
    reuse = None
    if mapping is not None:
        reuse = page_map(lib, derived, mapping.earlier)
        if warmed is not None:
            reuse.pagemap.digests_from(warmed.pagemap)
        lib, derived = _watched(lib, derived)
    yield "", add_exports(lib, derived, own, reuse, kept_in, take)
    if spool is not None:  # written: their paths, in one message
        yield _WRITTEN, own.paths()
    else:
        for path in own.paths():
            yield path, own.take(path)
    if reuse is not None:
        # the entries and files taken from the last build by their names alone: the build's process has them
        # (a rebuild's would otherwise send 2.5 MB at 256 topics, pickled here and unpickled there)
        made, kept = reuse.pagemap.made, reuse.pagemap.kept
        new = {key: entry for key, entry in made.items() if kept.get(key) is not entry}
        digests = reuse.pagemap.digests_read_by(made)
        yield _MAP_ITEM, (list(made), new, list(reuse.linked), digests)


def _shown_problem(exc: Exception, content: Path) -> ContentError | None:
    """A content pack's template that failed while rendering, as a problem at its line (None: a bug in primer)."""
    templates = content / "templates"
    shown = partial(display_path, root=content.absolute())
    problem = template_problem(exc, templates if templates.is_dir() else None, shown)
    if problem is None and isinstance(exc, OSError):  # a template that vanished or cannot be read
        where = shown(Path(exc.filename)) if exc.filename else shown(templates.absolute())
        reason = exc.strerror or str(exc)
        problem = Problem(where, 1, 1, f"cannot read a template ({reason})", "check it exists, then build again")
    return None if problem is None else ContentError([problem])


class _Exporting(NamedTuple):
    """The exports, started (`_start_exports`)."""

    started: parallel.Started
    #: the formats, shared with the build's process when they are made by a worker (`_Downloads.finish`)
    shares: parallel.Shares | None = None
    #: where the exports' fragments are kept (see `_exports`)
    kept_in: tuple[Path, Path] | None = None

    def result(self) -> Any:
        return self.started.result()

    def cancel(self) -> None:
        self.started.cancel()


def _start_exports(
    lib: Library,
    derived: Derived,
    jobs: int,
    spool: Spool | None = None,
    mapping: Mapped | None = None,
    warmed: reads.Reuse | None = None,
    kept_in: tuple[Path, Path] | None = None,
) -> _Exporting:
    """The exports, started in a worker (see `parallel.start`), written into `spool` when there is one
    (`mapping`, `warmed`, `kept_in`: see `_exports`). The worker makes one format after another, and leaves
    those it has not started when the build's process is left waiting for it to that process (`shares`)."""
    shares = parallel.Shares(len(FORMATS)) if parallel.forks(jobs) else None
    work = partial(_exports, lib, derived, spool, mapping, warmed, kept_in, shares.first if shares else None)
    return _Exporting(parallel.start(work, jobs, stream=True, prepare=partial(_lighter, lib)), shares, kept_in)


def _lighter(lib: Library) -> None:
    """Drop what only the checks read and hand the memory freed back to the system, in a process that only
    renders from here on: the main process once the lesson is checked (before the render's workers fork
    from it), and the exports' worker first thing."""
    lib.forget_origins()
    memo.forget_check_only()
    let_go_of_units()
    parallel.give_back_memory()


class _Downloads:
    """The handouts and exports of a build into `output`. The exports start in a worker at once (unless
    `exporting` is theirs, started already); `handouts` makes the handouts here (whose PDFs have workers of
    their own); `finish` waits for the exports, adds them and the question bank to `output`, and puts the
    links to both, which the teacher pages show, into `env`'s globals (call it as late as possible)."""

    def __init__(
        self,
        lib: Library,
        derived: Derived,
        env: Environment,
        output: Output,
        *,
        pdf: bool,
        jobs: int,
        exporting: _Exporting | None = None,
        reuse: reads.Reuse | None = None,
    ) -> None:
        self.lib, self.derived, self.env, self.output, self.pdf = lib, derived, env, output, pdf
        self.reuse = reuse
        self.exporting = exporting if exporting is not None else _start_exports(lib, derived, jobs, output.spool)
        self._handouts_made = False

    def handouts(self) -> None:
        """Make the handouts (once)."""
        if self._handouts_made:
            return
        self._handouts_made = True
        try:
            self.env.globals["handouts"] = add_handouts(
                self.lib, self.derived, self.env, self.output, pdf=self.pdf, reuse=self.reuse
            )
        except BaseException:
            self.exporting.cancel()  # not left running
            raise

    def finish(self) -> None:
        """Add the exports and the bank (the handouts first, when they were not made yet). Called once. The
        formats the worker has not started yet are made here meanwhile, from the last (a rebuild after an edited
        question or term makes every format's whole-bank file again: at 256 topics, this process waited a second
        for them, with a core to spare)."""
        self.handouts()
        mine: list[HubFormat] = []
        shares = self.exporting.shares
        if shares is not None:
            kept_in = self.exporting.kept_in
            try:  # the texts' renderings are the worker's to keep
                mine = add_exports(
                    self.lib, self.derived, self.output, self.reuse, kept_in, shares.last, texts_kept=False
                )
            except BaseException:
                self.exporting.cancel()  # not left running
                raise
        (_, export_links), *files = self.exporting.result()
        export_links = sorted([*export_links, *mine], key=lambda made: list(FORMATS).index(made.name))
        for path, data in files:
            if path == _WRITTEN:  # the files the worker wrote into the spool
                for written in cast(list[str], data):
                    self.output.received(written, None)
                continue
            if path == _MAP_ITEM:  # what the exports read (see `_exports`)
                keys, new, linked, digests = cast(_ExportsMap, data)
                if self.reuse is not None:
                    kept, made = self.reuse.pagemap.kept, self.reuse.pagemap.made
                    made.update((key, new[key] if key in new else kept[key]) for key in keys)
                    self.reuse.pagemap.take_digests(digests)
                    stamps = self.reuse.earlier.stamps if self.reuse.earlier is not None else {}
                    self.reuse.linked.update((rel, stamps[rel]) for rel in linked)
                continue
            self.output.received(path, data)
        self.env.globals["exports"] = export_links  # the teacher hub links them
        # the JSON export of the whole bank is the bank itself: the same bytes, made once (the same file)
        whole = export_path("json", None)
        if whole in self.output:
            self.output.same_as(BANK_PATH, whole)
        else:
            self.output.add(BANK_PATH, bank_json(self.lib, self.derived))


def _render(
    result: CheckResult,
    content: Path,
    *,
    pdf: bool = True,
    jobs: int = 1,
    exporting: _Exporting | None = None,
    spool: Spool | None = None,
    reuse: reads.Reuse | None = None,
) -> Output:
    """Every target of the build, in memory or written into `spool` (handout PDFs only when `pdf`), on up
    to `jobs` processes (`exporting`: the exports, when their worker was started already; `reuse`: see
    `build_site`). A content pack's template that fails while rendering is reported at its line; any other
    failure is a bug in primer and propagates."""
    templates = content / "templates"
    env = make_env(templates)
    output = Output(spool)
    lib, derived = result.library, result.derived
    if reuse is None or reuse.earlier is None:  # every page is made: the quizzes' versions hashed once, here
        known_hashes(
            [(topic, derived.quizzes[topic.id]) for topic in lib.topics_in_order() if topic.id in derived.quizzes]
        )
    if reuse is not None:  # the pages read the lesson through views that record what they read
        lib, derived = _watched(lib, derived)
    try:
        downloads = _Downloads(lib, derived, env, output, pdf=pdf, jobs=jobs, exporting=exporting, reuse=reuse)
        if pdf:  # the PDFs have workers of their own, which the pages' would slow: first
            downloads.handouts()
        try:
            build_site(
                lib,
                derived,
                env,
                output,
                result.report,
                jobs,
                downloads.finish,
                own_templates=templates.is_dir(),
                meanwhile=downloads.handouts,  # the HTML handouts, while the pages that do not link them render
                reuse=reuse,
            )
        except BaseException:
            downloads.exporting.cancel()  # the exports' worker is not left running
            raise
    except Exception as exc:
        error = _shown_problem(exc, content)
        if error is None:
            raise
        raise error from exc
    return output


class Preview:
    """A checked lesson for `primer serve`, whose files are rendered when first asked for: after a save,
    the page in the browser costs the check and its own render, not the whole site's. The handouts,
    exports and question bank are made together, the first time any of them, or a page that links them,
    is asked for; no PDFs. The report is made when first needed (`primer serve` asks for it right after
    swapping the build in, for its warnings). A lesson with its own templates is rendered whole at once
    instead, so that a template that fails shows as a problem before the build is swapped in, as with
    `primer build`."""

    def __init__(self, lib: Library, derived: Derived, content: Path, report: Report | None = None) -> None:
        self.library, self.derived = lib, derived
        self._content = content
        self._lock = threading.RLock()  # a page render may ask for the downloads, under the same lock
        self._reporting = threading.Lock()
        self._report = report
        self._made_elsewhere: Callable[[], Report] | None = None
        #: whether the lesson was checked in full (its warnings are all known): see `late_warnings`
        self.complete = report is not None
        self._env = make_env(content / "templates")
        self._downloads: Output | None = None
        self._links: tuple[Any, Any] = ({}, [])
        self._renderer, pages = site_plan(lib, derived, self._env, lambda: self.report)
        self._pages = {page.path: page for page in pages}
        self._static = dict(site_files(lib, list(self._pages)))
        self._done: dict[str, bytes] = {}
        #: set in the thread that `warm`s pages: a page that needs what is not made yet is left to be asked for
        self._warming = threading.local()
        # the teacher pages read these two; they are made on first use
        self._env.globals["handouts"] = Later(lambda: self._downloaded()[1])
        self._env.globals["exports"] = Later(lambda: self._downloaded()[2])
        if (content / "templates").is_dir():
            for path in self.paths():
                self.get(path)

    @property
    def report(self) -> Report:
        """The provenance and quality report, made on first use."""
        if self._report is None and getattr(self._warming, "on", False):
            raise _NotNow
        with self._reporting:  # not the pages' lock: pages render while the report is made
            if self._report is None and self._made_elsewhere is not None:
                with contextlib.suppress(Exception):  # then made here, below
                    self._report = self._made_elsewhere()
            if self._report is None:
                self._report = run_report(self.library, self.derived, self._content)
            return self._report

    def report_from(self, made: Callable[[], Report]) -> None:
        """Take the report from `made` (a process of its own makes it: see `late_check`) instead of making
        it here; should `made` fail, it is made here after all."""
        self._made_elsewhere = made

    def _downloaded(self) -> tuple[Output, Any, Any]:
        with self._lock:
            if self._downloads is None and getattr(self._warming, "on", False):
                raise _NotNow
            if self._downloads is None:
                own = Output()
                env = make_env(self._content / "templates")
                _Downloads(self.library, self.derived, env, own, pdf=False, jobs=1).finish()
                self._downloads = own
                self._links = (env.globals["handouts"], env.globals["exports"])
            return self._downloads, *self._links

    def warm(self, rels: list[str]) -> None:
        """Render the pages `rels` now, before they are asked for (`primer serve`: the pages open in a browser,
        which has been told to reload and asks for them a few hundredths of a second later; a page asked for
        meanwhile waits for its render). A page that needs what is not made yet (the report, the downloads),
        or that fails, is rendered when asked for instead, so that no other page waits behind it."""
        self._warming.on = True
        try:
            for rel in rels:
                with contextlib.suppress(Exception):  # a page that fails shows its error when asked for
                    self.get(rel)
        finally:
            self._warming.on = False

    def paths(self) -> list[str]:
        """Every file of the build, sorted (this makes the downloads)."""
        return sorted({*self._pages, *self._static, *self._downloaded()[0].paths()})

    def get(self, rel: str) -> bytes | None:
        """The bytes of `rel`, rendered now if they were not yet, or None when the build has no such file.
        Raises ContentError when a lesson's template fails."""
        with self._lock:
            if rel in self._done:
                return self._done[rel]
            page = self._pages.get(rel)
            if page is None:
                if rel.startswith(DOWNLOAD_FOLDERS):
                    return self._downloaded()[0].get(rel)
                return self._static.get(rel)
            try:
                data = self._renderer.render_bytes(page)
            except Exception as exc:
                error = _shown_problem(exc, self._content)
                if error is None:
                    raise
                raise error from exc
            self._done[rel] = data
            return data


class _NotNow(Exception):
    """A page `Preview.warm` renders needs what is not made yet: it is rendered when asked for instead."""


class Later(Mapping[Any, Any]):
    """A value a template may read, made the first time it is read (a mapping or a list of links)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make

    def _value(self) -> Any:
        return self._make()

    def __getitem__(self, key: Any) -> Any:
        return self._value()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._value())

    def __len__(self) -> int:
        return len(self._value())

    def __contains__(self, key: object) -> bool:
        return key in self._value()


def preview(content: Path, cache: ParseCache | None = None) -> tuple[list[Problem], Preview]:
    """Check the lesson for `primer serve`, and return the problems found so far (all warnings) and the
    lesson ready to render page by page (see `Preview`); nothing is written. Raises ContentError like
    `build`. The checks that only warn are left out: `late_warnings` makes them once the preview is
    served. A lesson with its own templates is checked in full at once. `cache`: the files parsed by the
    previous preview (see `load_library`)."""
    if (content / "templates").is_dir():
        result = _validate(content, False, cache)
        return result.warnings, Preview(result.library, result.derived, content, result.report)
    lib, derived, found = _first_checks(content, cache)
    if any(p.severity == "error" for p in found):  # the question-text lint's errors
        raise ContentError(sorted(found))
    return sorted(found), Preview(lib, derived, content)


#: The files a `late_check` process parsed before, so that it too re-parses only what a save changed: its first
#: load reads the parse cache on disk, which `primer serve` writes (`parsed.resident`). By the lesson's folder.
_LATE_CACHE: dict[Path, ParseCache] = {}


class Superseded(Exception):
    """The lesson changed while `late_check` ran: what it would find is already out of date."""


def late_check(content: Path) -> tuple[list[Problem], Report]:
    """`late_warnings` and the report, from the lesson as it is now, for a process of its own (`primer
    serve` runs it beside the server, so that the pages do not wait for it). Raises ContentError when the
    lesson no longer loads, and Superseded as soon as it sees that the lesson changed since it began (a
    newer save is checked next: this one would keep a core busy for nothing)."""
    memo.enable()  # the process checks each save: what it made for the last is kept for the next
    began = content_digest(content)

    def unchanged() -> None:
        if content_digest(content) != began:
            raise Superseded

    if content not in _LATE_CACHE:  # (one lesson a process: `primer serve` starts one for its lesson)
        _LATE_CACHE.clear()
        _LATE_CACHE[content] = parsed.resident(content, writes=False)
    lib = load_library(content, _LATE_CACHE[content])
    unchanged()
    # the report in parts, as `_validate` makes it: this process has no other threads, so it can fork
    with InParts(lib, content, parallel.cores()) as parts:
        derived = derive(lib)
        parts.derived(derived)
        names = check_term_names(lib)
        parts.named(names)
        unchanged()
        found = _warned(lib, derived, names)
        unchanged()
        report = parts.finish()
    unchanged()
    memo.release()  # nothing waits in this process between checks: what the last round let go of is freed now
    return [*found, *check_problems(report)], report


def late_warnings(preview: Preview) -> list[Problem]:
    """The warnings `preview` left out: the lint's, the reading grade, term names and the report's findings."""
    return [*_warned(preview.library, preview.derived), *check_problems(preview.report)]


def _warned(lib: Library, derived: Derived, names: list[Problem] | None = None) -> list[Problem]:
    """The warnings that only warn, apart from the report's: the lint's, the reading grade and term names."""
    return [*lint_warnings(lib, derived), *_late_checks(lib, names)]


def check(
    content: Path,
    *,
    strict: bool = False,
    jobs: int = 1,
    record: CheckRecord | None = None,
    parse_cache: ParseCache | None = None,
) -> CheckResult:
    """Validate all content, on up to `jobs` processes; raise ContentError on errors (and on warnings when
    strict). A content pack with its own templates is also rendered in memory, since a template can fail
    only then. A passing check is kept in `record` for the next (`primer.cache.CheckRecord`: the lesson is
    compared with what it was when the record was looked up, if it was). `parse_cache`: see `build`."""
    digest = None
    if record is not None:
        digest = record.found if record.found is not None else content_digest(content)
    try:
        with collector_paused():
            token = _JOBS.set(jobs)
            try:
                result = _validate(content, strict, cache=parse_cache)
            finally:
                _JOBS.reset(token)
        if (content / "templates").is_dir():
            _render(result, content, pdf=False, jobs=jobs)
    finally:
        parallel.unfreeze()
    if record is not None and digest is not None and content_digest(content) == digest:  # not edited meanwhile
        record.save(digest, result.summary(), result.warnings)
    return result


@contextlib.contextmanager
def collector_paused(*, freeze: bool = True, young: bool = False) -> Iterator[None]:
    """Keep the garbage collector from walking the content again and again: no collection inside (loading
    makes millions of objects that all stay alive), and what is alive when it ends is set aside ("frozen")
    for the collections that follow, until `parallel.unfreeze()` (`primer serve`, at a quiet moment); with
    `freeze` False, nothing is set aside (work that makes many objects which are gone soon after). `young`:
    first collect the youngest generation (what was made since objects were last set aside, or let out
    again): a process that builds again and again (`primer build --watch`) frees what its render let go of in
    cycles (a template's macros hold the page's context, and with it the whole lesson), which would be set
    aside with the rest until a full collection, which it made longer (see `primer.watch`)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if young:
            gc.collect(0)
        if freeze:
            parallel.freeze()
        if was_enabled:
            gc.enable()


@own_files_once
def build(
    content: Path,
    out: Path,
    *,
    strict: bool = False,
    clean: bool = False,
    progress: Callable[[str], None] = lambda stage: None,
    jobs: int = 1,
    pdf: bool = True,
    cache: bool = False,
    parse_cache: ParseCache | None = None,
    record_later: list[Callable[[], None]] | None = None,
) -> tuple[CheckResult | Reused, Output, list[str]]:
    """Check the content, render every target (on up to `jobs` processes; handout PDFs only
    when `pdf`), then swap the result into `out`; `progress` hears of each stage as it ends. Returns the
    check's result, the output, and the files in `out` that primer kept (not its own).

    With `cache`, a build whose inputs and output folder are exactly as the last build into `out` left
    them reuses it (see `primer.cache`): the result is then a `Reused`, with the warnings and summary.
    `parse_cache`: the files this process parsed for its last build (`primer build --watch`), instead of
    the parse cache on disk. `record_later`: recording the build for the next one, saving what its own checks
    read off each text (`checks.facts`: see `primer.facts`), waiting for the removal of the folder it replaced,
    and freeing what the check set aside (`primer.report.let_go_of_units`), are appended to it instead of done
    before this returns (`primer build --watch` says the build is written first: it is, and they take a seventh
    of a rebuild's time at 256 topics)."""
    epoch = source_date_epoch()
    store = BuildCache.open(out) if cache else None
    options = {"strict": strict, "pdf": pdf}
    base = base_key(content, options) if store else None
    digest = content_digest(content) if store else None
    key = build_key(content, options, base, digest) if store and base else None
    # a folder built into before: the maps whose places did not change come from the map cache
    again = bool(store and store.record.is_file())
    # What each output reads is recorded, and those of the last build whose reads did not change are taken
    # from it; not with templates of the lesson's own: they may read what the map does not name.
    own_templates = (content / "templates").is_dir()
    earlier = None
    if store and key and base:
        reused = store.again(key, epoch, clean)
        if reused is not None:
            progress(REUSED)
            return reused
        earlier = None if own_templates else store.earlier(base)
        store.forget()
    mapping = Mapped(earlier) if store is not None and not own_templates else None
    # The files are written as they are made, into the folder the commit swaps in: no process holds
    # them all (the exports' worker and the page workers write theirs themselves).
    spool = Spool.open(out, epoch)
    if spool is not None and earlier is not None:  # made while the lesson loads: most files are linked into them
        spool.folders_ahead(earlier.stamps)
    later = _LATER.set(record_later)
    try:
        try:
            result, output, reuse = _check_and_render(
                content, strict, progress, jobs, pdf, spool, maps_kept=again, mapping=mapping, parse_cache=parse_cache
            )
        finally:
            _LATER.reset(later)
        pages = sum(path.endswith(".html") for path in output.paths())
        taken = f"; {len(reuse.linked)} of the files as the last build made them" if reuse and reuse.linked else ""
        progress(f"rendered {len(output.paths())} files ({pages} pages){taken}")
        # the last build's files are removed while this one is recorded
        with removing_meanwhile(record_later):
            kept = output.commit(out, epoch=epoch, clean=clean)
            progress(f"wrote {out}")
            if store and key and digest and content_digest(content) == digest:  # not edited while it built
                record = partial(_record, store, key, base, digest, content, strict, result, output, reuse)
                if record_later is None:
                    record()
                else:
                    record_later.append(record)
            if record_later is not None and memo.here():  # the next save's search index starts from this one
                record_later.append(partial(remember_search, result.library, content))
        if record_later is not None and result.library.places:
            # the next builds of this process fork their workers from it: a rebuild's workers that draw a map
            # would each import what that takes again (0.08 s), where a first build imports it before they fork
            record_later.append(prepare_drawing)
        if record_later is not None:  # and the exports' worker would work out the glossary cards' GUIDs again
            record_later.append(partial(warm_guids, result.library))
        if record_later is not None:  # and each of the report's workers would index the last report's findings
            record_later.append(index_last)
    finally:
        if record_later is None:  # the workers that sent their values have ended by now, or end now
            parallel.finish_workers()
        else:  # the exports' worker writes what it keeps for the next build once it sent it: it may end later
            parallel.reap()
            record_later.append(parallel.finish_workers)
        if spool is not None:
            spool.discard()  # gone already when the commit swapped it in
        if record_later is not None:  # last: the units the report's parts forked with, set aside by the check
            record_later.append(let_go_of_units)
    return result, output, kept


def remember_search(lib: Library, content: Path) -> None:
    """`search.remember`, reading what the entries read off the results the build's worker kept on disk."""
    with facts.kept_in(parsed.place(content)):
        search.remember(lib, TEACHER_TOPIC)


def check_for_watch(
    content: Path, strict: bool, jobs: int, parse_cache: ParseCache, out: Path | None = None, pdf: bool = True
) -> CheckResult:
    """`check`, as `primer build --watch` checks a lesson whose output was up to date when it started (its first
    build had nothing to redo): what the checks keep, and the search index (`remember_search`), are then made as
    after any build, so that the first save's rebuild finds them. With `out` (the output folder, built with `pdf`
    as the watch builds), so are the last build's map, checked against the lesson, and the site's plan
    (`_map_for_watch`), the glossary's patterns that a check of a changed text uses (`TermMatcher.ready`) and
    the hyphenation dictionary (`primer.checks.readability.ready`): else the first save works them out, and
    took 0.5 s longer than the next ones at 256 topics. So is what drawing a map takes (`prepare_drawing`),
    which the first save whose page shows a map imported (0.06–0.09 s), and the folder the first save's spool is
    made of (`write.keep_ahead`: its folders and the output's files linked, 0.1–0.15 s of that save)."""
    with made_here_as_again():
        result = check(content, strict=strict, jobs=jobs, parse_cache=parse_cache)
    remember_search(result.library, content)
    if out is not None:
        TermMatcher(result.library.terms.values()).ready()
        readability_ready()
        if result.library.places:
            prepare_drawing()
        _map_for_watch(content, out, strict, pdf, result)
        write.keep_ahead(out)
    return result


def _map_for_watch(content: Path, out: Path, strict: bool, pdf: bool, result: CheckResult) -> None:
    """The map of what the last build into `out` read (when the next build would use it), checked against the
    lesson `result` checked, and handed on to the next build in this process as a build hands on its own
    (`PageMap.hand_on_warm`): that build then digests only what its edit changed. The site is planned too, as
    that build plans it, so that the memos hold what its pages' contexts are made of."""
    store = BuildCache.open(out)
    base = base_key(content, {"strict": strict, "pdf": pdf}) if store is not None else None
    if store is None or base is None or (content / "templates").is_dir():  # (see `build`)
        return
    earlier = store.earlier(base)
    if earlier is None:
        return
    reuse = page_map(result.library, result.derived, earlier)
    reuse.pagemap.warm()
    reuse.pagemap.hand_on_warm()
    _, site_pages = site_plan(result.library, result.derived, make_env(content / "templates"), result.report)
    for page in site_pages:  # each page described as a rebuild describes it: the models its context holds are
        if page.mapped:  # hashed then (`reads.model_hash`, kept by the model), which took the first save 0.03 s
            with contextlib.suppress(reads.Unmapped):
                reuse.pagemap.own(page.path, page.template, page.title, page.described(), b"")


def _record(
    store: BuildCache,
    key: str,
    base: str | None,
    digest: str,
    content: Path,
    strict: bool,
    result: CheckResult,
    output: Output,
    reuse: reads.Reuse | None,
) -> None:
    """Record the build just written (see `build`), for the next build into its folder and the next check."""
    # the map makes objects by the hundred thousand: a collection meanwhile would walk all that the render left
    # (0.3 s at 256 topics)
    with collector_paused(freeze=False):
        saved = store.save(
            key,
            result.summary(),
            result.warnings,
            output.paths(),
            base=base,
            pages=reuse.pagemap.made if reuse else None,
            digests=reuse.pagemap.stored if reuse else None,
            origins=reuse.pagemap.origins() if reuse else None,
            linked=reuse.linked if reuse else None,
        )
    if reuse is not None:  # what it read, for the next build's map in this process
        reuse.pagemap.hand_on(saved)
    checked = CheckRecord.open(content, strict)  # the check passed too: `primer check` need not redo it
    if checked is not None:
        checked.save(digest, result.summary(), result.warnings)


def _check_and_render(
    content: Path,
    strict: bool,
    progress: Callable[[str], None],
    jobs: int,
    pdf: bool,
    spool: Spool | None,
    *,
    maps_kept: bool = False,
    mapping: Mapped | None = None,
    parse_cache: ParseCache | None = None,
) -> tuple[CheckResult, Output, reads.Reuse | None]:
    """The check, then the render (see `build`). `maps_kept`: the last build into the same folder kept
    its maps' outlines, so a large lesson's coarse outlines are made only by a map that needs them.
    With `mapping`, what each output reads is recorded (`primer.reads`), and the outputs of the last build
    whose reads did not change are taken from it; the map is returned."""
    # The exports start in a worker as soon as the questions are derived: the lint, the report and the
    # handouts leave a core free for them at times, which would otherwise idle. A rebuild's mostly come
    # from the last build (a check of what each read): they start once the lesson is checked instead, so
    # that they do not take a core from the lint and the report's parts, which the render waits for;
    # unless the whole bank's exports are to be made again (an edited question or term), which take longer
    # than the rest of a rebuild's work after the check (2 s of a core at 256 topics, with the questions'
    # fragments kept: see `primer.exports.common.KeptFragments`).
    exporting: list[_Exporting] = []
    exports = partial(
        _start_exports, jobs=jobs, spool=spool, mapping=mapping, kept_in=parsed.place(content) if mapping else None
    )
    earlier = mapping.earlier if mapping is not None else None
    # a rebuild's page map, with the digests of what the last build's pages read, made and worked out once the
    # questions are derived (whether the whole bank's exports are made again depends on it): the render checks
    # each page against them first thing
    mapped: list[reads.Reuse] = []
    # where the items were read from, for the next build (the lesson forgets it before a first build's map)
    read_from: list[reads.Origins] = []

    def hook(lib: Library, derived: Derived) -> None:
        if outlines is not None:  # the coarse copies the maps need, made while the check goes on
            outlines.tell(lib)
        if earlier is None:
            exporting.append(exports(lib, derived))
            if mapping is not None:
                read_from.append(_read_from(lib))
            return
        mapped.append(page_map(lib, derived, earlier))
        mapped[0].pagemap.warm()
        if not whole_bank_taken(lib, mapped[0]):
            exporting.append(exports(lib, derived, warmed=mapped[0]))

    # the maps' outlines (and a large lesson's coarse copies): started from this small process, first
    outlines = None if maps_kept else outlines_ahead(content, jobs)
    try:
        # the render reads each section body's tokens once: keeping them from the check would only cost
        # memory, in this process and in every worker forked from it (see `keep_long`)
        with long_texts_unkept():
            with collector_paused():
                token = _JOBS.set(jobs)
                try:
                    result = _validate(content, strict, cache=parse_cache, derived_hook=hook)
                finally:
                    _JOBS.reset(token)
            if earlier is not None and not exporting:  # a rebuild's exports start now (see above)
                # (in a worker even in a process that checks again, which makes the report's second part itself:
                # made here, the exports saved a source's save 1% and cost a topic's 6%, at 256 topics, with the
                # first part's worker forked; made here when the watch's helper made that part, so that the
                # save forks nothing: see `primer.report.helper`)
                helping = report_helper.current()
                start = exports if helping is None or not helping.took else partial(exports, jobs=1)
                exporting.append(start(result.library, result.derived, warmed=mapped[0] if mapped else None))
            if earlier is None:  # before the render's workers fork from this process
                # (a rebuild renders a few pages, on workers that fork sharing the lesson's memory: freeing it
                # and handing it back cost 0.1 s of a source's edit at 256 topics, which the exit frees at once)
                _lighter(result.library)
                if result.library.places:  # the workers draw every map: imported once, here, not in each
                    prepare_drawing()
            if outlines is not None:
                use_ahead(outlines)  # taken only now: the check's workers have no use for them
            progress("checked " + result.summary().removeprefix("ok: "))
            progress("rendering the site, exports and handouts (PDFs take longest) …")
            reuse = None
            if mapping is not None:  # a rebuild's was made as the check went (see `hook`)
                reuse = mapped[0] if mapped else page_map(result.library, result.derived, earlier, *read_from[:1])
            laid_out = pdf_mod.LAID_OUT.set(_pdfs_heard(progress))
            try:
                with facts.kept_in(parsed.place(content)):  # what the search index reads off each entry is kept
                    output = _render(
                        result,
                        content,
                        pdf=pdf,
                        jobs=jobs,
                        exporting=exporting[0] if exporting else None,
                        spool=spool,
                        reuse=reuse,
                    )
            finally:
                pdf_mod.LAID_OUT.reset(laid_out)
    except BaseException:
        for started in exporting:  # the check failed, or the render did before it waited for the exports
            started.cancel()
        if outlines is not None:
            outlines.cancel()
        raise
    finally:
        parallel.unfreeze()
    return result, output, reuse


#: A PDF layout shows how it goes in nine lines at most (at each tenth), at least this many seconds apart.
PDF_NOTE_EVERY = 5.0


def _pdfs_heard(progress: Callable[[str], None]) -> Callable[[int, int], None] | None:
    """What tells `progress` how the PDFs' layout goes, at each tenth of it (a large lesson's first build lays
    PDFs out for minutes after its last stage line), or None when `progress` shows no more than stages."""
    note = getattr(progress, "note", None)
    if note is None:
        return None
    noted, noted_tenth = time.perf_counter(), 0

    def heard(done: int, total: int) -> None:
        nonlocal noted, noted_tenth
        tenth, now = done * 10 // total, time.perf_counter()
        if tenth > noted_tenth and done < total and now - noted >= PDF_NOTE_EVERY:
            noted, noted_tenth = now, tenth
            note(f"laid out {done:,} of {total:,} PDF handouts …")

    return heard


#: Export formats: name → its description, file and renderer (`primer export --list`).
EXPORTS = FORMATS


def export(
    content: Path, fmt: str, topic: str | None, out: Path | None, *, strict: bool = False, jobs: int = 1
) -> tuple[CheckResult, bytes, LossReport]:
    """Check the content (on up to `jobs` processes) and render one export of a topic (None or 'all': the
    whole bank); write it and its loss report beside it to `out` when given. Returns the bytes and the loss
    report."""
    result = check(content, strict=strict, jobs=jobs)
    data, report = export_one(result.library, result.derived, fmt, topic, out)
    return result, data, report
