"""`primer import gift|moodle FILE`: an existing question bank as primer question YAML, with a report of
what could not be mapped and why.

Each importer reads the file into plain question dicts (primer's field names) and reports what it
could not map; this module fills in what other banks do not have (what a question tests, its objective)
with placeholders `primer check` names, validates every question with primer's own models, and writes
the YAML and the report only when the file could be read at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from primer.content.models import Question
from primer.errors import ContentError, Problem
from primer.write import write_file

#: Written where an imported question does not say which learning objective it serves.
OBJECTIVE_PLACEHOLDER = "fill-in-an-objective"
#: The largest file primer imports (a bank of thousands of questions is far smaller).
MAX_BYTES = 20 * 1024 * 1024

_QUESTION: TypeAdapter[Any] = TypeAdapter(Question)


@dataclass
class Imported:
    """One question read from a bank: primer's fields, where it was, and what it lost."""

    data: dict[str, Any]
    #: where it starts in the file, e.g. 'line 12' or 'question 3'.
    where: str
    losses: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import mapped, and what it could not map (and why)."""

    source: str
    imported: list[str] = field(default_factory=list)
    #: (where, why) of each question not imported.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: question id → what it lost or what was filled in.
    losses: dict[str, list[str]] = field(default_factory=dict)
    placeholders: int = 0

    def summary(self) -> str:
        """One line: imported, not mapped, with placeholders."""
        fill = (
            f"; fill in tests: (and objective: where it says {OBJECTIVE_PLACEHOLDER}) of {self.placeholders}"
            if self.placeholders
            else ""
        )
        return (
            f"imported {len(self.imported)} questions from {self.source}; {len(self.skipped)} could not be mapped, "
            f"{len(self.losses)} lost something (see the import report){fill}"
        )

    def text(self) -> str:
        """The report a teacher reads."""
        lines = [f"Import of {self.source}", "", self.summary(), ""]
        if self.skipped:
            lines.append("Not imported:")
            lines += [f"- {where}: {why}" for where, why in self.skipped]
            lines.append("")
        if self.losses:
            lines.append("Imported with something lost or filled in:")
            for qid, found in self.losses.items():
                lines.append(f"- {qid}:")
                lines += [f"    - {what}" for what in found]
            lines.append("")
        if self.placeholders:
            lines += [
                "Before `primer check` passes, give each question what it tests (tests: points, terms or "
                f"events by id) and, where it says {OBJECTIVE_PLACEHOLDER}, the id of the learning objective "
                "it serves; then list the questions under a topic's questions:.",
                "",
            ]
        return "\n".join(lines)


KINDS = ("gift", "moodle")


def read_bank(path: Path) -> bytes:
    """The file's bytes, or a one-line error when it cannot be read."""
    shown = path.as_posix()
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ContentError(
                [Problem(shown, 1, 1, f"the file is larger than {MAX_BYTES // 2**20} MiB", "split the bank")]
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise ContentError([Problem(shown, 1, 1, "no such file", "check the path")]) from None
    except OSError as exc:
        raise ContentError([Problem(shown, 1, 1, f"cannot read the file: {exc.strerror}", "check the path")]) from None


def decode(data: bytes, shown: str) -> str:
    """UTF-8 text (a byte-order mark is dropped), or a one-line error at the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContentError(
            [Problem(shown, line, col, "the file is not UTF-8 text", "save it as UTF-8 and import again")]
        ) from None


def _finish(item: Imported, used: set[str], report: ImportReport) -> dict[str, Any] | None:
    """Fill in placeholders, give the question a unique id, and validate it; None when it fails."""
    data = item.data
    base = data["id"]
    qid, n = base, 2
    while qid in used:
        qid, n = f"{base}-{n}", n + 1
    data["id"] = qid
    if "difficulty" not in data:
        data["difficulty"] = 2
        item.losses.append("no difficulty given: set to 2 (medium)")
    if not data.get("objective"):
        data["objective"] = OBJECTIVE_PLACEHOLDER
    if not data.get("tests"):
        data["tests"] = {}
    if data["objective"] == OBJECTIVE_PLACEHOLDER or not data["tests"]:
        report.placeholders += 1
    try:
        _QUESTION.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        report.skipped.append((item.where, f"it does not make a valid primer question: {first['msg']}"))
        return None
    used.add(qid)
    report.imported.append(qid)
    if item.losses:
        report.losses[qid] = item.losses
    return data


def to_yaml(questions: list[dict[str, Any]], source: str) -> str:
    """The question file's YAML, headed by what to fill in."""
    header = (
        "# yaml-language-server: $schema=../../schema/questions.schema.json\n"
        f"# Imported by primer from {source}. Give each question what it tests under tests: (points, terms\n"
        f"# or events by id) and its objective (where it says {OBJECTIVE_PLACEHOLDER}); `primer check` lists\n"
        "# every one still missing.\n"
    )
    body = yaml.safe_dump({"questions": questions}, sort_keys=False, allow_unicode=True, width=110)
    return header + body


Reader = Callable[[str, str, ImportReport], list[Imported]]


def _readers() -> dict[str, Reader]:
    from primer.importer.gift import read_gift
    from primer.importer.moodle import read_moodle

    return {"gift": read_gift, "moodle": read_moodle}


def import_bank(kind: str, path: Path, out: Path) -> tuple[list[str], ImportReport]:
    """Read a GIFT or Moodle XML bank and write OUT/NAME.yaml and OUT/NAME-import-report.txt.
    A file that cannot be read at all raises a ContentError and writes nothing."""
    shown = path.as_posix()
    report = ImportReport(path.name)
    text = decode(read_bank(path), shown)
    items = _readers()[kind](text, shown, report)
    used: set[str] = set()
    questions = [q for q in (_finish(item, used, report) for item in items) if q is not None]
    name = path.stem or "imported"
    write_file(out / f"{name}.yaml", to_yaml(questions, path.name))
    write_file(out / f"{name}-import-report.txt", report.text())
    return report.imported, report
