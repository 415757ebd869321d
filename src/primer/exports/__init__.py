"""Exports to the tools schools run: the format table, one export of one scope (a topic or the whole
bank) with its loss report, and every format × scope added to a build's output under `exports/`."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from dataclasses import astuple, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import click

from primer import parallel, reads
from primer.content.library import Library
from primer.derive import Derived
from primer.exports.anki import anki
from primer.exports.common import KEPT, KeptFragments, LossReport, Scope, keeping_renderings, scope
from primer.exports.gift import gift
from primer.exports.kahoot import kahoot
from primer.exports.moodle import moodle
from primer.exports.qti import qti
from primer.exports.quizlet import quizlet
from primer.exports.tabular import bank_csv, bank_json_scope
from primer.facts import Facts
from primer.write import Output, write_file

#: Where the site keeps exports, and the whole bank's name in file names.
EXPORTS_DIR = "exports"
WHOLE_BANK = "all"


@dataclass(frozen=True)
class Format:
    """One export format: what it is, its file, how a teacher imports it, and how it is made."""

    name: str
    #: one line for `primer export --list`.
    description: str
    #: the end of the file name, e.g. '-moodle.xml'.
    suffix: str
    #: one line for the teacher hub: how to bring the file into the target.
    how: str
    render: Callable[[Scope], tuple[bytes, LossReport]]
    #: False for formats that carry every question whole (no loss report is written).
    lossy: bool = True
    #: True for zip-based files that cannot go to standard output.
    binary: bool = False


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "qti",
            "Canvas quiz (QTI 1.2 zip; Classic and New Quizzes)",
            "-canvas-qti.zip",
            "In Canvas: Settings → Import Course Content → QTI .zip file, then choose this file.",
            qti,
            binary=True,
        ),
        Format(
            "moodle",
            "Moodle XML (all question types, a category per topic, tags)",
            "-moodle.xml",
            "In Moodle: Question bank → Import → Moodle XML format, then drop this file.",
            moodle,
        ),
        Format(
            "gift",
            "GIFT text for Moodle (no ordering or fill-in-the-blanks questions)",
            "-gift.txt",
            "In Moodle: Question bank → Import → GIFT format, then drop this file.",
            gift,
        ),
        Format(
            "anki",
            "Anki deck (.apkg): glossary and question flashcards",
            ".apkg",
            "In Anki: File → Import, then choose this file; importing a newer copy updates the cards.",
            anki,
            binary=True,
        ),
        Format(
            "kahoot",
            "Kahoot spreadsheet (.xlsx): choice questions only",
            "-kahoot.xlsx",
            "In Kahoot: Create → Kahoot → Add question → Import spreadsheet, then upload this file.",
            kahoot,
            binary=True,
        ),
        Format(
            "quizlet",
            "Quizlet flashcards (tab-separated text): glossary and short answers",
            "-quizlet.txt",
            "In Quizlet: Create → Study set → Import, paste this file's text (between term and definition: Tab).",
            quizlet,
        ),
        Format(
            "csv",
            "CSV for spreadsheets: one row per question",
            ".csv",
            "Open it in any spreadsheet program.",
            bank_csv,
            lossy=False,
        ),
        Format(
            "json",
            "primer's JSON question bank (schema/bank.schema.json)",
            ".json",
            "For other programs: every question with all its data, described by primer’s bank.schema.json.",
            bank_json_scope,
            lossy=False,
        ),
    )
}


def render_export(
    lib: Library, derived: Derived, fmt: str, topic: str | None, memo: dict[Any, Any] | None = None
) -> tuple[bytes, LossReport]:
    """One export of one topic's quiz (or, with None, the whole bank) and its loss report; exports of
    one build share `memo`, so that each question is rendered once per format."""
    return FORMATS[fmt].render(scope(lib, derived, topic, memo))


def export_path(fmt: str, topic: str | None) -> str:
    """Where the site keeps one export: exports/TOPIC/TOPIC-moodle.xml, exports/all/question-bank-moodle.xml."""
    folder = topic or WHOLE_BANK
    name = topic or "question-bank"
    return f"{EXPORTS_DIR}/{folder}/{name}{FORMATS[fmt].suffix}"


def loss_path(fmt: str, topic: str | None) -> str:
    """Where the site keeps an export's loss report: beside it, e.g. exports/all/question-bank-gift-loss.txt."""
    return f"{EXPORTS_DIR}/{topic or WHOLE_BANK}/{topic or 'question-bank'}-{fmt}-loss.txt"


@dataclass(frozen=True)
class HubLink:
    """One export as the teacher hub lists it."""

    path: str
    loss: str | None
    exported: int
    reported: int
    #: glossary cards besides questions (Anki, Quizlet).
    extras: int
    #: questions in the scope, carried or not.
    total: int


@dataclass(frozen=True)
class HubFormat:
    """One format on the teacher hub: its description, how to import it, and a file per scope."""

    name: str
    description: str
    how: str
    #: the target's name in sentences, e.g. 'Canvas QTI'.
    target: str
    #: topic id (None: the whole bank) → the file.
    files: dict[str | None, HubLink]


def _common(lib: Library) -> bytes:
    """What every export reads besides its scope, in each one's description: the site's settings."""
    return hashlib.sha256(reads.value_bytes([lib.site])).digest()


def whole_bank_taken(lib: Library, reuse: reads.Reuse) -> bool:
    """Whether a rebuild would take every export of the whole bank from the last build (`reuse`: the map of
    what the last build's outputs read, over this build's lesson). When one is made again, the others
    mostly are too (they read the same questions): most of the exports' time in a rebuild."""
    common = _common(lib)
    for fmt in FORMATS.values():
        path = export_path(fmt.name, None)
        own = reuse.describe(path, "export", fmt.name, {"topic": None}, common)
        if own is None or reuse.pagemap.unchanged(path, own[0]) is None:
            return False
    return True


def add_exports(
    lib: Library,
    derived: Derived,
    output: Output,
    reuse: reads.Reuse | None = None,
    kept_in: tuple[Path, Path] | None = None,
    take: Callable[[], int | None] | None = None,
    *,
    texts_kept: bool = True,
) -> list[HubFormat]:
    """Add every format for every topic and the whole bank, with loss reports, to the build's output; return
    what the teacher hub links. With `reuse`, what each export reads is recorded, and an export that would
    read what it read in the last build is taken from it (see `primer.reads`); with `kept_in` too
    (`primer.parsed.place`), so is each question's fragment of an export (`KeptFragments`), and each text's
    renderings for the exports (`keeping_renderings`), written back when `texts_kept`. With `take`, only the
    formats it gives (by their number in `FORMATS`, until it gives None), in that order: another process makes
    the others (see `primer.parallel.Shares`), and the hub lists these."""
    renderings = Facts()  # the texts' renderings kept from the last build, when there is a place to keep them
    if reuse is not None and kept_in is not None:
        renderings = Facts(kept_in[0] / "export-texts.facts", kept_in[1], redone="the exports parse every text again")
    with keeping_renderings(renderings):
        hub, every_whole = _add_exports(lib, derived, output, reuse, kept_in, take)
    if texts_kept:  # the whole bank's exports render every text any export renders: made here, what they used
        parallel.once_sent(partial(renderings.save, unused=not every_whole))
    return hub


def _add_exports(
    lib: Library,
    derived: Derived,
    output: Output,
    reuse: reads.Reuse | None,
    kept_in: tuple[Path, Path] | None,
    take: Callable[[], int | None] | None = None,
) -> tuple[list[HubFormat], bool]:
    """`add_exports`, and whether every format's whole-bank export was made here (none taken from the last
    build, none made by another process)."""
    hub = []
    memo: dict[Any, Any] = {}
    topics: list[str | None] = [None, *[t.id for t in lib.topics_in_order()]]
    common = _common(lib)
    every_whole = True
    formats = list(FORMATS.values())
    numbers = iter(range(len(formats))) if take is None else iter(take, None)
    for fmt in map(formats.__getitem__, numbers):
        files: dict[str | None, HubLink] = {}
        target = fmt.name
        kept = None
        if reuse is not None and kept_in is not None:
            stored = kept_in[0] / f"export-{fmt.name}.facts"
            store = partial(Facts, stored, kept_in[1], redone="the exports are made again in full")
            kept = memo[KEPT] = KeptFragments(store, reuse.pagemap, common)
        whole_made = False
        for topic in topics:
            path = export_path(fmt.name, topic)
            own = None
            if reuse is not None:
                scope_of = {"topic": lib.topics[topic] if topic is not None else None}
                own = reuse.describe(path, "export", fmt.name, scope_of, common)
                taken = reuse.take(output, path, own[0]) if own is not None else None
                if taken is not None:  # its link as the last build made it
                    link, target = taken.result
                    files[topic] = HubLink(*link)
                    continue
            with reads.recording() as found:
                data, report = render_export(lib, derived, fmt.name, topic, memo)
            whole_made = whole_made or topic is None
            output.add(path, data)
            target, loss = report.target, None
            if fmt.lossy:
                loss = loss_path(fmt.name, topic)
                output.add(loss, report.text())
            files[topic] = HubLink(
                path, loss, report.exported, report.reported(), report.extras, report.exported + len(report.skipped)
            )
            if reuse is not None and own is not None:
                made = [path, *([loss] if loss else [])]
                reuse.note(path, own, found, made, [list(astuple(files[topic])), target])
        hub.append(HubFormat(fmt.name, fmt.description, fmt.how, target, files))
        if kept is not None:  # the whole bank's export used every current fragment: those alone are kept
            # (written once the exports are delivered: 0.18 s of a worker's whole-bank exports at 256 topics)
            parallel.once_sent(partial(kept.save, unused=not whole_made))
        every_whole = every_whole and whole_made
        for key in [key for key in memo if isinstance(key, tuple)]:
            del memo[key]  # the questions' fragments in this format (see `fragment`): no other format reads them
    return hub, every_whole and len(hub) == len(formats)  # one hub entry for each format made here


def _did_you_mean(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'? " if close else ""


def format_list() -> str:
    """`primer export --list`: each format with its one-line description."""
    width = max(len(name) for name in FORMATS)
    return "\n".join(f"{f.name:<{width}}  {f.description}" for f in FORMATS.values()) + "\n"


def loss_file(out: Path) -> Path:
    """Where `primer export --out FILE` writes the loss report: FILE.loss.txt beside it."""
    return out.with_name(f"{out.name}.loss.txt")


def export_one(
    lib: Library, derived: Derived, fmt: str, topic: str | None, out: Path | None
) -> tuple[bytes, LossReport]:
    """One export for the command line: the topic checked (with a did-you-mean), the file and, for a
    format that can lose something, its loss report written beside it."""
    if topic == WHOLE_BANK:
        topic = None
    if topic is not None and topic not in lib.topics:
        ids = sorted(lib.topics)
        raise click.BadParameter(
            f"no topic '{topic}' — {_did_you_mean(topic, ids)}use one of {', '.join(ids)}, or {WHOLE_BANK}",
            param_hint="'--topic'",
        )
    if out is None and FORMATS[fmt].binary:
        raise click.UsageError(f"the {fmt} export is a binary file — name it with --out FILE")
    data, report = render_export(lib, derived, fmt, topic)
    if out is not None:
        write_file(out, data)
        if FORMATS[fmt].lossy:
            try:
                write_file(loss_file(out), report.text())
            except click.ClickException:
                out.unlink(missing_ok=True)  # an export without its loss report would drop things silently
                raise
    return data, report
