"""Kahoot's quiz spreadsheet (.xlsx, laid out as Kahoot's own template): choice questions only, a
question of at most 120 characters, at most 4 answers of at most 75 characters, a time limit from
Kahoot's allowed set. The workbook is written by hand (a few XML files in a zip) so that it is
byte-for-byte deterministic."""

from __future__ import annotations

import math
import re
from xml.sax.saxutils import escape as xml_escape

from primer.content.models import Choice, MultipleChoice, QuestionBase, SingleChoice, TrueFalse
from primer.exports.common import LossReport, Scope, note_markup, to_plain, zip_bytes

QUESTION_MAX = 120
ANSWER_MAX = 75
ANSWERS_MAX = 4
#: The time limits (seconds) Kahoot offers.
TIME_LIMITS = (5, 10, 20, 30, 60, 90, 120, 240)
#: Reading speed for the time limit: words a student reads in a second, plus time to choose.
WORDS_PER_SECOND = 2.5
THINKING_SECONDS = 10
#: The template's header row, and the first row of questions.
HEADER_ROW = 8
HEADERS = (
    "",
    "Question - max 120 characters",
    "Answer 1 - max 75 characters",
    "Answer 2 - max 75 characters",
    "Answer 3 - max 75 characters",
    "Answer 4 - max 75 characters",
    "Time limit (sec) – 5, 10, 20, 30, 60, 90, 120, or 240 secs",
    "Correct answer(s) - choose at least one",
)


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, ending in '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


def shorten_question(text: str, limit: int = QUESTION_MAX) -> str:
    """A question cut to `limit` characters, keeping its last sentences (where the question is asked)
    and marking what was left out with '…'; a single long sentence is cut at its end instead."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in reversed(re.split(r"(?<=[.!?])\s+", text)):
        candidate = f"{sentence} {kept}".strip()
        if len(candidate) + 2 > limit:
            break
        kept = candidate
    return f"… {kept}" if kept else shorten(text, limit)


def time_limit(question: str, answers: list[str]) -> int:
    """The shortest allowed time limit that leaves time to read everything and choose."""
    words = len(" ".join([question, *answers]).split())
    needed = math.ceil(words / WORDS_PER_SECOND) + THINKING_SECONDS
    return next((t for t in TIME_LIMITS if t >= needed), TIME_LIMITS[-1])


def _options(question: QuestionBase, report: LossReport) -> list[tuple[str, bool]] | None:
    """(text, right) of the answers Kahoot will show, or None when it cannot carry the question."""
    if isinstance(question, TrueFalse):
        return [("True", question.answer), ("False", not question.answer)]
    if not isinstance(question, SingleChoice | MultipleChoice):
        report.skip(question, "Kahoot quizzes hold choice questions only")
        return None
    choices: list[Choice] = list(question.choices)
    if len(choices) > ANSWERS_MAX:
        rights = [c for c in choices if c.correct]
        if len(rights) > ANSWERS_MAX:
            report.skip(question, f"it has {len(rights)} right answers; Kahoot shows at most {ANSWERS_MAX} answers")
            return None
        # by position: two options alike in every field are equal, and were both kept (check warns about the
        # repeat, and passes), which made a fifth answer the sheet has no column for
        wrongs = [i for i, c in enumerate(choices) if not c.correct][: ANSWERS_MAX - len(rights)]
        choices = [c for i, c in enumerate(choices) if c.correct or i in wrongs]
        report.lose(
            question,
            "answers dropped",
            f"Kahoot shows at most {ANSWERS_MAX} answers; "
            f"{len(question.choices) - ANSWERS_MAX} wrong ones were left out",
        )
    return [(c.text, c.correct) for c in choices]


def _cell(column: int, row: int, value: str | int) -> str:
    ref = f"{'ABCDEFGH'[column]}{row}"
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{xml_escape(value)}</t></is></c>'


def _sheet(rows: dict[int, list[str | int]]) -> bytes:
    body = "".join(
        f'<row r="{r}">' + "".join(_cell(c, r, v) for c, v in enumerate(values) if v != "") + "</row>"
        for r, values in sorted(rows.items())
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def workbook(rows: dict[int, list[str | int]]) -> bytes:
    """A one-sheet .xlsx holding `rows` (row number → cell values from column A)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    files = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": _sheet(rows),
    }
    return zip_bytes(files)


def kahoot(scope: Scope) -> tuple[bytes, LossReport]:
    """The scope's choice questions as Kahoot's import spreadsheet."""
    report = LossReport("Kahoot")
    report.notes.append("Kahoot shows no feedback or explanation; students see only whether they were right")
    rows: dict[int, list[str | int]] = {
        1: ["", f"Kahoot quiz: {scope.title}"],
        2: ["", "Exported by primer; import it in Kahoot with Create → Import spreadsheet."],
        HEADER_ROW: list(HEADERS),
    }
    row = HEADER_ROW + 1
    for question in scope.questions():
        options = _options(question, report)
        if options is None:
            continue
        rendered = to_plain(question.stem)
        note_markup(report, question, rendered, plain_target=True)
        report.lose(question, "feedback dropped", "Kahoot shows no per-answer feedback or explanation")
        stem = shorten_question(rendered.text)
        if stem != rendered.text:
            report.lose(question, "question shortened", f"Kahoot questions hold at most {QUESTION_MAX} characters")
        answers = [shorten(text, ANSWER_MAX) for text, _ in options]
        if any(a != text for a, (text, _) in zip(answers, options, strict=True)):
            report.lose(question, "answers shortened", f"Kahoot answers hold at most {ANSWER_MAX} characters")
        right = ",".join(str(i) for i, (_, correct) in enumerate(options, start=1) if correct)
        cells: list[str | int] = [row - HEADER_ROW, stem, *answers, *[""] * (ANSWERS_MAX - len(answers))]
        rows[row] = [*cells, time_limit(stem, answers), right]
        row += 1
        report.exported += 1
    return workbook(rows), report
