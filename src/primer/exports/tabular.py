"""The bank as CSV (one row per question, for spreadsheets) and as JSON (primer's own format,
`schema/bank.schema.json`). Neither loses anything: the CSV's last column holds the whole question."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from functools import partial
from typing import Any

from primer.content.models import (
    Cloze,
    Matching,
    MultipleChoice,
    Numeric,
    OpenResponse,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from primer.derive import Derived
from primer.exports.common import LossReport, Scope, fragment, number, plain
from primer.targets.bank import bank_parts, bank_question

COLUMNS = (
    "id",
    "type",
    "topics",
    "generated",
    "question",
    "answer",
    "explanation",
    "difficulty",
    "objective",
    "points",
    "tags",
    "tests",
    "question_json",
)


def answer_summary(question: QuestionBase) -> str:
    """The right answer in words, for a spreadsheet column."""
    if isinstance(question, SingleChoice | MultipleChoice):
        return "; ".join(c.text for c in question.choices if c.correct)
    if isinstance(question, TrueFalse):
        return "True" if question.answer else "False"
    if isinstance(question, ShortAnswer):
        return "; ".join(question.accept)
    if isinstance(question, Numeric):
        unit = f" {question.unit}" if question.unit else ""
        tolerance = f" ± {number(question.tolerance)}" if question.tolerance else ""
        relative = " (relative)" if question.tolerance and question.tolerance_kind == "relative" else ""
        return f"{number(question.answer)}{tolerance}{relative}{unit}"
    if isinstance(question, Ordering):
        return " → ".join(question.items)
    if isinstance(question, Matching):
        return "; ".join(f"{p.left} → {p.right}" for p in question.pairs)
    if isinstance(question, Cloze):
        return "; ".join(f"{b.id}: {b.answer if b.choices else b.accept[0]}" for b in question.blanks)
    if isinstance(question, OpenResponse):
        return question.model_answer
    return ""  # pragma: no cover - every type is covered


#: The first characters that make Excel, LibreOffice Calc and Google Sheets read a cell as a formula (OWASP's
#: list, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """`value` as a cell that a spreadsheet program shows as text. One that would start a formula gets an
    apostrophe first, which Excel takes to mean "this is text" and does not show (a program that shows it shows
    text, and runs nothing). A lesson is someone else's data: "=HYPERLINK(…)" in a stem would run on the
    teacher's computer when the file is opened, and an explanation that starts with "- " or an answer of
    "-5 km" would show as a formula's error."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def bank_csv(scope: Scope) -> tuple[bytes, LossReport]:
    """One row per question; a UTF-8 byte-order mark so that spreadsheet programs read accents right. No cell
    starts a formula (`text_cell`); the last column, the question as JSON, always starts with "{". Each row is
    made once per build and kept for the next (`fragment`), as the JSON bank's questions are: it is in its
    topics' files and in the lesson's."""
    report = LossReport("CSV")
    rows = [_csv_line(COLUMNS).encode("utf-8")]
    for question in scope.questions():
        row = fragment(scope, "csv", question, report, partial(_csv_row, question, scope.derived))
        assert row is not None  # the CSV carries every question
        rows.append(row)
        report.exported += 1
    return "\ufeff".encode() + b"".join(rows), report


def _csv_row(question: QuestionBase, derived: Derived, report: LossReport) -> str:
    """A question's row of the CSV (it loses nothing: `report` stays empty)."""
    tests = [f"{kind[:-1]}:{item}" for kind in ("points", "terms", "events") for item in getattr(question.tests, kind)]
    cells = [
        question.id,
        getattr(question, "type", ""),
        " ".join(derived.question_topics.get(question.id, [])),
        "yes" if question.id in derived.generated else "no",
        plain(question.stem),
        answer_summary(question),
        question.explanation,
        str(question.difficulty),
        question.objective,
        number(question.points),
        " ".join(question.tags),
        " ".join(tests),
        json.dumps(question.model_dump(mode="json"), sort_keys=True, ensure_ascii=False),
    ]
    return _csv_line([text_cell(cell) for cell in cells])


def _csv_line(cells: Sequence[str]) -> str:
    """One CSV record (quoted where a cell needs it, ending in CR LF)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def bank_json_scope(scope: Scope) -> tuple[bytes, LossReport]:
    """primer's JSON bank (valid against schema/bank.schema.json), cut to the scope's questions. A topic's file
    reads no other topic's item, so that an edit elsewhere leaves it as it was. Each question is written once
    per build (it is in its topic's file and in the lesson's), and kept for the next build (`fragment`): the
    whole bank's questions are most of the time of writing it."""
    report = LossReport("JSON")
    head, chosen = bank_parts(scope.lib, scope.derived, scope.topic)
    report.exported = len(chosen)
    texts = []
    for question in chosen:
        text = fragment(scope, "json", question, report, partial(_question_text, question, scope.derived))
        assert text is not None  # the bank carries every question
        texts.append(text)
    return _bank_text(head, texts) + b"\n", report


def _question_text(question: QuestionBase, derived: Derived, report: LossReport) -> str:
    """A question as the bank's JSON writes it, in its place in the list (it loses nothing: `report` stays empty)."""
    return _json(bank_question(question, derived), 2)


def _json(value: Any, level: int) -> str:
    """`value` as `json.dumps(…, indent=2, sort_keys=True, ensure_ascii=False)` writes it `level` deep in a
    document (JSON strings never hold a raw line break: every one in the text is the layout's)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n" + "  " * level)


def _bank_text(head: dict[str, Any], questions: list[bytes]) -> bytes:
    """A bank (`head`, and its questions written by `_json(…, 2)`, in UTF-8) as
    `json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)` writes it, in UTF-8."""
    fields = [(key, _json(value, 1).encode("utf-8")) for key, value in head.items()]
    fields.append(("questions", b"[\n    " + b",\n    ".join(questions) + b"\n  ]" if questions else b"[]"))
    parts = [json.dumps(key, ensure_ascii=False).encode("utf-8") + b": " + text for key, text in sorted(fields)]
    return b"{\n  " + b",\n  ".join(parts) + b"\n}"
