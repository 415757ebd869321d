"""The provenance and quality report: what primer proves about a lesson on every build.

Ten checks (one module each) read the Library, what derives from it, and our own text as located
units; each finding has a code from `primer.report.codes`, a level, a place and a fix. An item's
`ignore:` silences a finding on it with a reason; the report counts silenced findings, and flags an
`ignore:` that names no code (P001) or silences nothing (P002).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import operator
import os
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from itertools import compress, repeat
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import click

from primer import memo, parallel, parsed
from primer.content.library import Library
from primer.content.terms import TermMatcher
from primer.derive import Derived
from primer.errors import Problem
from primer.facts import Facts
from primer.memo import Memo
from primer.report import (
    balance,
    consistency,
    coverage,
    glossary,
    helper,
    loaded,
    provenance,
    readability,
    specifics,
    staleness,
    stats,
)
from primer.report.base import Context, Finding, NotDerived, Unit
from primer.report.codes import CHECKS, CODES
from primer.report.model import Balance, Coverage, FindingOut, Out, PageGrade, Report
from primer.report.units import own_text

__all__ = [
    "REPORT_PAGE",
    "Finding",
    "InParts",
    "Report",
    "check_problems",
    "combine",
    "let_go_of_units",
    "report_part",
    "run_report",
]

#: Where the site puts the report: on the teacher hub, never in the students' navigation.
REPORT_PAGE = "teacher/report.html"


def today(lib: Library) -> dt.date:
    """The date staleness is judged against: SOURCE_DATE_EPOCH when set (never the clock, so that
    output stays reproducible), else the latest date in the content."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    found: dt.date | None = lib.__dict__.get("_latest")  # worked out once for the lesson: the check asks thrice
    if found is None:
        latest = [e.date.last for e in lib.events.values()] + [s.published.date.last for s in lib.sources.values()]
        found = lib.__dict__["_latest"] = max(latest, default=dt.date(2000, 1, 1))
    return found


#: The checks in three parts, so that a build can make them on several processes (`report_part` in each,
#: then `combine`); `run_report` makes them all here. The first reads no derived question
#: (`report_part(…, derived=None)`): a build makes it in a worker from the moment the lesson is loaded,
#: while this process derives the questions (3.9 s of the report's 7.7 s at 256 topics). The second runs in
#: a worker once they are derived, and the third, which alone reads the term names the build found, in
#: another once it has found them, while the build lints the questions. The second, the longest, shares its
#: checks with the build's process, which makes those its worker has not started once it has nothing else to do,
#: from the last. Staleness is made in two pieces: what it reads off our texts in the first part (`staleness`),
#: whose worker is done first, and the later developments a topic leaves out (`staleness-later`), which read
#: what the derive found it cites, in the second (after a source's edit at 256 topics, the build's process was
#: left to make the whole check, 0.12–0.13 s, once the second part's worker was done).
PARTS = (
    ("specifics", "consistency", "readability", "loaded", "staleness"),
    ("provenance", "coverage", "stats", "staleness-later"),
    ("glossary", "balance"),
)


@dataclass
class Part:
    """What some of the checks found: their findings, the problems of the loaded-words file, and what
    the checks that return something returned (by check name)."""

    findings: list[Finding]
    problems: list[Problem]
    results: dict[str, Any]
    #: on the way from a worker (`_sent`): the findings, each that is one of the last report's by its index there
    sent: list[Finding | int] | None = None
    #: on the way from a worker (`_sent`): the results that are lists, each item that equals the last result's
    #: item at its place by its index (the items are a check's rows, never numbers)
    sent_results: dict[str, list[Any]] | None = None


#: What the last report made in this process was made of, when it checks again (`memo.here()`): every part's
#: findings, and what the checks returned (by name). A part made in a worker forked from it sends, for each
#: finding that is one of these, its index here rather than the finding, and so for each row of a check's
#: result that equals the last's (`_sent`), which this process reads back (`_received`): at 256 topics the
#: second part's 7,700 findings and 256 topics' coverage took 0.065 s to pickle and unpickle on the way to the
#: report, and a save leaves nearly all of them as they were.
_LAST: list[Finding] = []
_LAST_RESULTS: dict[str, Any] = {}
#: `_LAST`'s findings by what each holds (`_sent`), once made (`index_last`): the workers forked next find it made.
_LAST_INDEX: dict[tuple[Any, ...], int] = {}


def checked_before() -> bool:
    """Whether this process checks again (`memo.here()`) and has made a report already: then its next check
    mostly takes what the last one worked out, and a worker forked for the report's second part costs more than
    it makes (see `InParts.derived`)."""
    return memo.here() and bool(_LAST_RESULTS)


#: Whether the check running makes the report's second part in this process, as one that checked before does
#: (`made_here_as_again`).
_AS_AGAIN: ContextVar[bool] = ContextVar("as_again", default=False)


@contextlib.contextmanager
def made_here_as_again() -> Iterator[None]:
    """Within the block, a check in a process that checks again (`memo.here()`) makes the report's second and
    third parts here, as every later check does, though it has made no report yet: `primer build --watch`'s
    check before it watches, so that this process's memos hold what those parts read (the statements'
    citations, each topic's coverage), which a worker's would not. Its first save worked them out otherwise,
    0.05 s more than the next ones at 256 topics."""
    token = _AS_AGAIN.set(True)
    try:
        yield
    finally:
        _AS_AGAIN.reset(token)


def index_last() -> None:
    """Index the last report's findings by what each holds, for the workers of the next check (`_sent`), when it
    was made in this process: at a quiet moment (once `primer build --watch` has written the build). Each worker
    made it for itself otherwise, 0.015 s at 256 topics, at the end of the report's longest part."""
    if _LAST and not _LAST_INDEX:
        _LAST_INDEX.update(_indexed(_LAST))


def _indexed(findings: list[Finding]) -> dict[tuple[Any, ...], int]:
    return {tuple(finding.__dict__.values()): number for number, finding in enumerate(findings)}


def _sent(part: Part) -> Part:
    """`part`, as a worker forked from a process that checks again sends it (see `_LAST`); else as it is."""
    if not _LAST or not memo.on() or memo.here():
        return part
    index = _LAST_INDEX or _indexed(_LAST)
    sent = [index.get(tuple(finding.__dict__.values()), finding) for finding in part.findings]
    results, rows = dict(part.results), {}
    for name, value in part.results.items():
        last = _LAST_RESULTS.get(name)
        if type(value) is list and type(last) is list and not any(isinstance(row, int) for row in value):
            rows[name] = [n if n < len(last) and row == last[n] else row for n, row in enumerate(value)]
            del results[name]
    return Part([], part.problems, results, sent, rows)


def _received(part: Part) -> Part:
    """`part` as its worker made it (see `_sent`)."""
    if part.sent is None:
        return part
    last = _LAST
    results = dict(part.results)
    for name, rows in (part.sent_results or {}).items():
        was = _LAST_RESULTS[name]
        results[name] = [was[row] if isinstance(row, int) else row for row in rows]
    return Part([last[f] if isinstance(f, int) else f for f in part.sent], part.problems, results)


def _context(lib: Library, derived: Derived, facts: Facts | None = None, units: list[Unit] | None = None) -> Context:
    matcher = TermMatcher(lib.terms.values())
    units = own_text(lib) if units is None else units
    return Context(lib, derived, units, matcher, today(lib), facts=Facts() if facts is None else facts)


def _checks(
    ctx: Context,
    names: tuple[str, ...],
    content: Path | None,
    term_names: list[Problem] | None,
    kept: tuple[Path, Path] | None = None,
) -> Part:
    """The checks `names` in `ctx`; `kept`: where each keeps what it reads off each text (`report_part`)."""
    problems: list[Problem] = []
    results: dict[str, Any] = {}
    before = len(ctx.findings)
    for name in names:
        if kept is not None:  # a file a check: whichever process makes it reads and writes its own
            ctx.facts = Facts(kept[0] / f"report-{name}.facts", kept[1], packed=True)
        if name == "loaded":
            ctx.loaded = loaded.word_list(content, problems)
            loaded.check(ctx)
        elif name == "glossary":
            glossary.check(ctx, term_names)
        else:
            results[name] = _RETURNING[name](ctx)
        ctx.facts.save()
    return Part(ctx.findings[before:], problems, results)


_RETURNING: dict[str, Any] = {
    "provenance": provenance.check,
    "specifics": specifics.check,
    "coverage": coverage.check,
    "consistency": consistency.check,
    "staleness": staleness.check_texts,
    "staleness-later": staleness.check_later,
    "readability": readability.check,
    "balance": balance.check,
    "stats": stats.check,
}


def report_part(
    lib: Library,
    derived: Derived | None,
    part: int,
    content: Path | None = None,
    names: list[Problem] | None = None,
    kept: tuple[Path, Path] | None = None,
    units: Callable[[], list[Unit]] | None = None,
    shares: parallel.Shares | None = None,
) -> Part:
    """One part of the checks (`PARTS`), for a process of its own; `combine` makes the report of all.
    `derived`: None for the first part, which reads no derived question (made before they are). `kept`:
    the lesson's folder in the parse cache, and the cache folder (`primer.parsed.place`), where what each
    check reads off each text is kept for the next check (`primer.facts`: `report-<check>.facts`). `units`:
    gives `own_text` of `lib`, when the caller has it (read only: the parts may share it). `shares`: the
    part's checks as pieces its worker takes from the first, one at a time, and the process that started it
    may take from the last (`InParts.finish`); then this part is the checks the worker took."""
    if derived is None and part:
        raise ValueError(f"the report's part {part} reads the derived questions")
    ctx = _context(lib, _NOT_YET if derived is None else derived, None, units() if units is not None else None)
    if shares is None:
        return _sent(_checks(ctx, PARTS[part], content, names, kept))
    made = []
    while (number := shares.first()) is not None:
        made.append(_checks(ctx, PARTS[part][number : number + 1], content, names, kept))
    return _sent(_joined(made))


def _joined(parts: list[Part]) -> Part:
    """The checks of `parts` as one part."""
    return Part(
        [finding for part in parts for finding in part.findings],
        [problem for part in parts for problem in part.problems],
        {name: value for part in parts for name, value in part.results.items()},
    )


_NOT_YET = cast(Derived, NotDerived())


class _Units:
    """Our text's units (`own_text`) for the report's parts: made once, and let go of once every part has forked
    with them, or when a process forked meanwhile drops what only the checks read (`let_go_of_units`: the
    exports' worker, which forks before the last part; each unit holds its file as parsed, which that worker
    lets go of). `made` None: a part made here after its worker failed makes them again."""

    def __init__(self, lib: Library) -> None:
        self._lib = lib
        self.made: list[Unit] | None = own_text(lib)
        #: the units set aside (`set_aside`), until `let_go_of_units` frees them
        self.aside: list[Unit] | None = None
        _HELD.add(self)

    def get(self) -> list[Unit]:
        """The units (those set aside: a check of the second part taken here, `InParts.finish`), made again when
        they were let go of."""
        found = self.made if self.made is not None else self.aside
        return found if found is not None else own_text(self._lib)

    def at_hand(self) -> bool:
        """Whether `get` gives the units without making them again."""
        return self.made is not None or self.aside is not None

    def set_aside(self) -> None:
        """Let go of the units, but leave freeing them to `let_go_of_units` (see `_ASIDE`)."""
        if self.made is not None:
            _ASIDE[:] = [self.made]  # the units of an earlier check set aside and not freed are freed now
            self.aside, self.made = self.made, None


#: The units made for the report's parts and not let go of yet.
_HELD: weakref.WeakSet[_Units] = weakref.WeakSet()
#: The units that every part has forked with, not freed yet: freeing them (hundreds of thousands of objects,
#: 0.13 s at 256 topics) would hold up the check. A first build frees them once it is checked, before the
#: render's workers fork (`let_go_of_units`); a rebuild's process ends first (`primer build`), or frees them
#: once the build is said to be written (`primer build --watch`), or at its next quiet moment (`primer serve`).
_ASIDE: list[list[Unit]] = []


def let_go_of_units() -> None:
    """Let go of the units made for the report's parts (see `_Units`), and free those set aside: in a process
    that only renders from here on (`primer.build`, with the other things only the checks read), or that has
    written its build (`primer build --watch`)."""
    for units in list(_HELD):
        units.made = units.aside = None
    _ASIDE.clear()


class InParts:
    """The report made in its three parts (`PARTS`) beside other work, on up to `jobs` processes: the first
    starts in a worker at once, the second once `derived` is told the questions, the third once `named` is
    told the term names (else `finish` makes it here); `finish` waits for them all. On one process, each
    part is made when `finish` asks for it. Use it as a context manager: should the work beside it fail, no
    worker is left running."""

    def __init__(self, lib: Library, content: Path | None, jobs: int) -> None:
        self._lib, self._content, self._jobs = lib, content, jobs
        self._derived: Derived | None = None
        #: whether the second part is made here (see `derived`)
        self._again = checked_before() or (memo.here() and _AS_AGAIN.get())
        # a rebuild's first part comes from the watch's helper, when it has one that is free (see `helper`): asked
        # first, so that it loads the lesson while this process derives the questions
        helping = helper.current() if content is not None else None
        asked = helping.ask(lib) if helping is not None and self._again else None
        if helping is not None and asked is None:
            helping.took = False  # (the build forks its workers, as before)
        #: the lesson's folder in the parse cache, and the cache folder (`primer.parsed.place`; None: off)
        self.kept = parsed.place(content) if content is not None else None
        # the glossary's matcher, which every part and the derive use, built once before the parts fork
        # (it is kept by its terms: see `TermMatcher`)
        TermMatcher(lib.terms.values())
        # our text as units, which every part reads, made once before they fork: 0.12 s at 256 topics here,
        # against 0.2–0.3 s in each worker, where each object it reads is copied (its count of references
        # changes) and each it makes is new memory
        self._units = _Units(lib)
        self._shares: parallel.Shares | None = None
        #: the term names the build found (`named`), for the third part when it is made here
        self._names: list[Problem] | None = None
        first = partial(report_part, lib, None, 0, content, kept=self.kept, units=self._units.get)
        self._started: list[parallel.Started | helper.Asked] = []
        if asked is not None:
            asked.instead = first  # made here should the helper make none
            self._started.append(asked)
            return
        if memo.here():  # what the parts' workers would each work out again at every check
            consistency.prepare(lib)
        self._started.append(parallel.start(first, jobs))

    def __enter__(self) -> InParts:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is not None:
            self.cancel()

    def derived(self, derived: Derived) -> None:
        """The questions are derived: the second part starts (its checks shared with this process, which takes
        those its worker has not started once it waits for it: see `finish`). In a process that checks again and
        has checked before (`checked_before`), it is made here once this process is done, as the third is (see
        `named`): a worker forked for it cost more than it made. Each fork leaves every page of this process
        shared, so that this process and the worker each copy every page they write to while both live; the
        first part's worker keeps the other core busy meanwhile. (In paired runs of `--watch` at 256
        topics, a save took 0.985 of the time and 0.924 of the CPU time after a source's edit, 1.002 and 0.926
        after a topic's, 0.900 and 0.934 after a question's, 0.949 and 0.955 after a term's; at 64 topics, 0.926,
        0.932, 0.967 and 0.967 of the time.)"""
        self._derived = derived
        if self._again:
            return
        self._shares = parallel.Shares(len(PARTS[1])) if parallel.forks(self._jobs) else None
        work = partial(
            report_part,
            self._lib,
            derived,
            1,
            self._content,
            kept=self.kept,
            units=self._units.get,
            shares=self._shares,
        )
        self._started.append(parallel.start(work, self._jobs))

    def named(self, names: list[Problem]) -> None:
        """The term names are checked (`names`: see `run_report`): the third part starts, in a worker too; in a
        process that checks again (`memo.here()`), it is made here once this process is done (`finish`): each of
        its checks then mostly takes what it kept, and a worker forked for it cost more than it made (after a
        source's edit at 256 topics, 1.41–1.48 s against 1.44–1.52 s to the build written; 0.46–0.49 s against
        0.50–0.51 s at 64; a term's edit, the third part's largest, alike)."""
        if self._derived is None:
            raise RuntimeError("the report's third part needs the derived questions: call derived() first")
        self._names = names
        if memo.here():
            return
        work = partial(report_part, self._lib, self._derived, 2, self._content, names, self.kept, self._units.get)
        self._started.append(parallel.start(work, self._jobs))
        if all(part.elsewhere for part in self._started):
            self._units.set_aside()  # every part forked with them: 12 MB at 256 topics

    def finish(self, names: list[Problem] | None = None) -> Report:
        """The whole report: the second and third parts made here unless `derived` and `named` started them
        (`names`: see `run_report`), with the others'."""
        if self._derived is None:
            raise RuntimeError("the report's second and third parts need the derived questions: call derived()")
        # the parts made here first; then the second part's checks that its worker has not started, when it has
        # one, from the last, one by one: the longest part (0.55 s after a source's edit at 256 topics, where this
        # process was done 0.2 s before it)
        mine = []
        if len(self._started) < len(PARTS):  # before waiting for the workers'
            names = self._names if names is None else names
            if self._again:  # the second part too (see `derived`)
                mine.append(
                    report_part(self._lib, self._derived, 1, self._content, kept=self.kept, units=self._units.get)
                )
            mine.append(report_part(self._lib, self._derived, 2, self._content, names, self.kept, self._units.get))
        mine += self._taken()
        parts = [*(_received(part.result()) for part in self._started), *mine]
        _LAST[:] = [finding for part in parts for finding in part.findings] if memo.here() else []
        _LAST_INDEX.clear()
        _LAST_RESULTS.clear()
        if memo.here():
            _LAST_RESULTS.update((name, value) for part in parts for name, value in part.results.items())
        return combine(self._lib, self._derived, parts)

    def _taken(self) -> list[Part]:
        """The checks of the second part taken here from its worker (`Shares.last`), each once made; none once the
        units were let go of here (making them again would cost more than the wait)."""
        taken: list[Part] = []
        ctx = None
        while self._shares is not None and self._units.at_hand() and (number := self._shares.last()) is not None:
            if ctx is None:
                assert self._derived is not None
                ctx = _context(self._lib, self._derived, None, self._units.get())
            taken.append(_checks(ctx, PARTS[1][number : number + 1], self._content, None, self.kept))
        return taken

    def cancel(self) -> None:
        """Stop the workers still running (their parts are not wanted)."""
        for part in self._started:
            part.cancel()


def combine(lib: Library, derived: Derived, parts: list[Part]) -> Report:
    """The report, from the parts that together made every check."""
    ctx = Context(lib, derived, [], TermMatcher(lib.terms.values()), today(lib))
    return _finish(ctx, parts)


def _finish(ctx: Context, parts: list[Part]) -> Report:
    ctx.findings = [ctx.placed(f) for part in parts for f in part.findings]
    results = {name: value for part in parts for name, value in part.results.items()}
    # each finding once, by its fields (a tuple, which hashes in C: the dataclass's hash is Python's), in the order
    # found, which is nearly the order of the places: sorting it takes a third of the time a set's order takes
    once = {tuple(f.__dict__.values()): f for f in ctx.findings}
    ordered = sorted(once.values(), key=_place)
    findings = _silence(ctx, ordered)
    findings += [
        Finding(p.path, p.line, p.col, "P001", p.message, p.fix, "error") for part in parts for p in part.problems
    ]
    if len(findings) != len(ordered) or not all(map(operator.is_, findings, ordered)):
        findings.sort(key=_place)  # (else in order already: none was silenced, none added)
    return _assemble(
        ctx.lib,
        ctx,
        findings,
        results["coverage"],
        results["balance"],
        results["readability"],
        results["stats"],
    )


def run_report(
    lib: Library, derived: Derived, content: Path | None = None, names: list[Problem] | None = None
) -> Report:
    """Every check over a validated Library; `content` (the folder) lets a lesson extend the loaded-words list.
    `names`: what `primer.checks.names.check_term_names` found in this Library, when the caller has run it
    already (the glossary check reports it; without it, it is run here)."""
    ctx = _context(lib, derived)
    return _finish(ctx, [_checks(ctx, part, content, names) for part in PARTS])


#: Findings in file order, then by code and text (never by their item, which may be None): a finding's key, made in C.
_place = operator.attrgetter("path", "line", "col", "code", "message", "silenced")


def _item_tables(lib: Library) -> dict[str, dict[str, Any]]:
    """Each kind of item that may carry an `ignore:`, with its items by id."""
    return {
        "source": lib.sources,
        "point": lib.points,
        "term": lib.terms,
        "actor": lib.actors,
        "event": lib.events,
        "place": lib.places,
        "topic": lib.topics,
        "objective": lib.objectives,
        "question": lib.questions,
    }


#: What an item with no `ignore:` silences.
_NO_IGNORE: dict[str, str] = {}


def _silence(ctx: Context, findings: list[Finding]) -> list[Finding]:
    """Findings with the reason of the item's ignore: filled in; P001 and P002 for ignores that misfire."""
    lib = ctx.lib
    tables = _item_tables(lib)
    # the items that have an ignore: list, kind by kind (each has an origin: the lesson's items are defined in files)
    ignores: dict[tuple[str, str], dict[str, str]] = {}
    for kind, table in tables.items():  # each item asked in C (17,000 at 256 topics, for the few that have one)
        held = list(map(getattr, table.values(), repeat("ignore"), repeat(None)))
        ignores.update(zip(zip(repeat(kind), compress(table, held)), filter(None, held), strict=True))
    used: set[tuple[str, str, str]] = set()
    out: list[Finding] = []  # (a new list: `_finish` tells by it whether any was added)
    if not ignores:  # (most lessons have none: their findings, 7,700 at 256 topics, are as they were)
        out += findings
    else:
        for finding in findings:
            reason = ignores.get(finding.item, _NO_IGNORE).get(finding.code) if finding.item else None
            if reason:
                used.add((*finding.item, finding.code))  # type: ignore[misc]
                finding = Finding(**{**finding.__dict__, "silenced": reason})
            out.append(finding)
    origins = lib.origins
    ignoring = [(item, ignore) for item, ignore in ignores.items() if item in origins]
    for (kind, item_id), ignore in sorted(ignoring, key=lambda pair: pair[0]):
        for code in sorted(ignore):
            if code not in CODES:
                ctx.add(
                    "P001",
                    (kind, item_id),
                    ("ignore", code),
                    f"the report has no finding code {code}",
                    "use a code `primer report` lists (its table of codes), or remove the entry",
                )
            elif (kind, item_id, code) not in used:
                ctx.add(
                    "P002",
                    (kind, item_id),
                    ("ignore", code),
                    f"ignore: {code} silences nothing on this {kind}: the report no longer finds it",
                    "remove the entry",
                )
    misfired = [f for f in ctx.findings if f.code in ("P001", "P002")]
    if misfired:  # (a set of every finding, to tell these apart, hashes each: 0.01 s at 256 topics)
        known = set(out)
        out += [f for f in misfired if f not in known]
    return out


def _assemble(
    lib: Library,
    ctx: Context,
    findings: list[Finding],
    covered: list[coverage.TopicCoverage],
    balanced: list[balance.TopicBalance],
    grades: list[readability.Grade],
    numbers: stats.Stats,
) -> Report:
    summary = []
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(CODES[f.code].check, []).append(f)
    for check in CHECKS:
        mine = by_check.get(check.name, [])
        live = [f for f in mine if not f.silenced]
        summary.append(
            {
                "number": check.number,
                "name": check.name,
                "title": check.title,
                "errors": sum(f.level == "error" for f in live),
                "warnings": sum(f.level == "warning" for f in live),
                "info": sum(f.level == "info" for f in live),
                "silenced": len(mine) - len(live),
            }
        )
    live = [f for f in findings if not f.silenced]
    data = {
        "version": 1,
        "title": lib.site.title,
        "today": ctx.today.isoformat(),
        "summary": summary,
        "totals": {
            "errors": sum(f.level == "error" for f in live),
            "warnings": sum(f.level == "warning" for f in live),
            "info": sum(f.level == "info" for f in live),
            "silenced": len(findings) - len(live),
        },
        "findings": _kept_findings(findings),
        "coverage": _kept(Coverage, covered, _coverage_row),
        "balance": _kept(Balance, balanced, _balance_row),
        "readability": {"target": lib.site.us_grade(), "pages": _kept(PageGrade, grades, _grade_row)},
        "stats": {
            "types": numbers.types,
            "difficulty": numbers.difficulty,
            "positions": numbers.positions,
            "topics": [t.__dict__ for t in numbers.topics],
            "minutes": numbers.minutes,
        },
        "codes": [{"code": c.code, "check": c.check, "level": c.level, "title": c.title} for c in CODES.values()],
    }
    return _REPORTS.same("report", Report.model_validate(data))


#: The report's parts (each finding, each topic's coverage and balance, each page's readability) as models, by
#: what each holds, and the last report: kept from one check to the next by a process that checks again (see
#: `primer.memo`), so that a save's report is made of the last one's parts where they are the same (validating
#: the 9,138 findings at 256 topics took 0.05 s of each save, on the way to the render), and the digests the
#: render works out of them (`primer.reads`) are kept with them.
_PARTS: Memo[Hashable, Any] = Memo()
_REPORTS: Memo[str, Report] = Memo()


def _kept_findings(findings: list[Finding]) -> list[Any]:
    """The report's findings, as `Report` reads them: each a `FindingOut` kept by the finding (`_PARTS`), or as
    data when the memos are off (the report validates them, at a third of the cost of one by one)."""
    if not memo.on():
        _OUTS.clear()
        return [_finding_data(f) for f in findings]
    last = _OUTS if memo.here() else {}
    outs = []
    by_fields: dict[tuple[Any, ...], FindingOut] = {}
    for finding in findings:
        found = last.get(id(finding))
        if found is not None and found[0] is finding:
            outs.append(found[1])
        else:  # by its fields, a tuple that hashes and compares in C (the dataclass's own hash is Python's)
            fields = tuple(finding.__dict__.values())
            outs.append(_PARTS.get(fields, partial(_last_out, last, by_fields, fields, finding)))
    if memo.here():
        _OUTS.clear()
        _OUTS.update((id(finding), (finding, out)) for finding, out in zip(findings, outs, strict=True))
    return outs


#: The last report's findings as it read them (`_kept_findings`), by the finding (as an object, kept with it), in a
#: process that checks again: most of a save's findings are the last report's own objects, which the report's
#: workers sent by their index (`_received`), and each is found at once, without making its fields into a key
#: (9,138 findings at 256 topics). A finding is a frozen dataclass, and its `FindingOut` is made of it alone.
_OUTS: dict[int, tuple[Finding, FindingOut]] = {}


def _last_out(
    last: dict[int, tuple[Finding, FindingOut]],
    by_fields: dict[tuple[Any, ...], FindingOut],
    fields: tuple[Any, ...],
    finding: Finding,
) -> FindingOut:
    """The last report's model of a finding equal to `finding` (whose fields are `fields`), else a new one: a
    finding the last reports held as the same object is found by it alone (`_OUTS`), which leaves its entry in
    `_PARTS` to be forgotten, and one made again equal to it later is found here. `last` is indexed by the
    fields into `by_fields` the first time one is looked for."""
    if not by_fields and last:
        by_fields.update((tuple(f.__dict__.values()), out) for f, out in last.values())
    found = by_fields.get(fields)
    return _finding_out(finding) if found is None else found


def _finding_out(finding: Finding) -> FindingOut:
    return FindingOut.model_validate(_finding_data(finding))


def _finding_data(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "level": f.level,
        "check": CODES[f.code].check,
        "path": f.path,
        "line": f.line,
        "col": f.col,
        "message": f.message,
        "fix": f.fix,
        "item": f"{f.item[0]}:{f.item[1]}" if f.item else None,
        "page": f.page,
        "silenced": f.silenced or None,
    }


def _kept(kind: type[Out], made: list[Any], row: Callable[[Any], dict[str, Any]]) -> list[Any]:
    """What the checks `made` (each topic's coverage, say), as `Report` reads it: each the model of `kind` of its
    `row`, kept by what the row holds (`_PARTS`), or the rows themselves when the memos are off. In a process that
    checks again, one the last report was made of is taken by it alone (`_LAST_ROWS`): the checks keep what they
    made for what a save left alone (`primer.report.base.Context.made_by_items`)."""
    if not memo.on():
        _LAST_ROWS.clear()
        return [row(one) for one in made]
    last = _LAST_ROWS.setdefault(kind.__name__, {}) if memo.here() else {}
    models = []
    for one in made:
        found = last.get(id(one))
        if found is not None and found[0] is one:
            models.append(found[1])
        else:
            data = row(one)
            models.append(_PARTS.get((kind.__name__, _row_key(data)), partial(kind.model_validate, data)))
    if memo.here():
        last.clear()
        last.update((id(one), (one, model)) for one, model in zip(made, models, strict=True))
    return models


#: The models of what the checks made for the last report (`_kept`), by its kind and by what they were made of
#: (as objects, each kept with its model), in a process that checks again.
_LAST_ROWS: dict[str, dict[int, tuple[Any, Any]]] = {}


def _coverage_row(c: coverage.TopicCoverage) -> dict[str, Any]:
    objectives, points = [r.__dict__ for r in c.objectives], [r.__dict__ for r in c.points]
    return {"topic": c.topic, "title": c.title, "objectives": objectives, "points": points}


def _balance_row(b: balance.TopicBalance) -> dict[str, Any]:
    actors = [a.__dict__ for a in b.actors]
    return {"topic": b.topic, "title": b.title, "actors": actors, "quiz_sources": b.quiz_sources}


def _grade_row(g: readability.Grade) -> dict[str, Any]:
    return {
        "name": g.name,
        "page": g.page,
        "grade": g.grade,
        "words": g.words,
        "sections": [{"title": t, "grade": v} for t, v in g.sections],
        "longest": [s.__dict__ for s in g.longest],
    }


def _row_key(row: dict[str, Any]) -> bytes | str:
    """What a row holds, as a key part of `_PARTS`: its `marshal` bytes (a seventh of the time `repr` takes: the
    report's 770 rows at 256 topics took 0.045 s of each save's report), which differ for rows that differ in any
    value or its kind, as `repr` does; its `repr` should a value be of a kind `marshal` does not write. In the
    format's second version, which writes each value whole: the later ones mark a value held more than once, and
    a string interned, so that an equal row made afresh (each save's) wrote other bytes, and every row was made
    again, and compared whole with the last report's (0.02 s at 256 topics)."""
    try:
        return marshal.dumps(row, 2)
    except ValueError:
        return repr(row)


def check_problems(report: Report) -> list[Problem]:
    """The report's live error-level findings, as warnings of `primer check` (`--strict` fails on them)."""
    return [
        Problem(f.path, f.line, f.col, f"{f.code}: {f.message}", f.fix, "warning")
        for f in report.findings
        if f.level == "error" and not f.silenced
    ]


def make(content: Path, fmt: str, jobs: int = 1) -> tuple[Report, str]:
    """`primer report`: load and check the content, run the report (on up to `jobs` processes), render it
    as text, html or json."""
    from primer import parsed
    from primer.build import collector_paused
    from primer.derive import derive
    from primer.report import render

    try:
        with collector_paused():
            lib, stored = parsed.load(content, jobs)
            with InParts(lib, content, jobs) as parts:
                derived = derive(lib)
                parts.derived(derived)
                report = parts.finish()
    finally:
        parallel.unfreeze()
    if stored is not None:
        stored.save()
    if fmt == "json":
        return report, render.as_json(report)
    if fmt == "html":
        from primer.render.env import make_env
        from primer.targets.site import SiteRenderer, answer_text, report_page

        env = make_env(content / "templates")
        env.globals["answer_text"] = answer_text
        # one page, whole: every topic's coverage and balance on it, however many topics (no page to link to)
        return report, SiteRenderer(lib, derived, env).render(report_page(report, {}))
    return report, render.text(report)


class ReportErrors(click.ClickException):
    """`primer report --strict` found error-level findings: exit 1 after printing the report."""

    exit_code = 1

    def __init__(self, errors: int) -> None:
        super().__init__(f"the report has {errors} error-level finding{'s' * (errors != 1)} (--strict)")
