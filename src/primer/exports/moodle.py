"""Moodle XML: a category per topic, every question type Moodle has (ordering through Moodle's standard
ordering question, fill-in-the-blanks through the embedded-answers cloze type), per-answer and general
feedback, tags (objective, difficulty, generated or not, what the question tests) and the question id
as its idnumber, so that a re-import finds the same questions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

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
from primer.exports.common import (
    PAD,
    LossReport,
    Scope,
    esc,
    fragment,
    leaf,
    note_markup,
    note_typed_answers,
    number,
    to_html,
    wrap,
    xml_attribute,
)
from primer.exports.gift import category_path
from primer.exports.grades import grade_text, multiple_fractions

#: Moodle's name for each primer question type.
QTYPES = {
    "single": "multichoice",
    "multiple": "multichoice",
    "true-false": "truefalse",
    "short": "shortanswer",
    "numeric": "numerical",
    "ordering": "ordering",
    "matching": "matching",
    "cloze": "cloze",
    "open": "essay",
}
#: Characters with a meaning inside an embedded (cloze) answer, escaped with a backslash.
CLOZE_SPECIAL = re.compile(r'([\\}#~/"])')


# A question is written as text, an element to a line (see `primer.exports.common.leaf`): in under half the
# time of building an ElementTree and writing it (a 256-topic lesson's 5,700 questions: see the test that
# holds each to what ElementTree writes for it). A question is at depth 1, in <quiz>.


def _text(
    out: list[str],
    depth: int,
    tag: str,
    text: str,
    fmt: str | None = "html",
    attrs: str = "",
    inner: Sequence[str] = (),
) -> None:
    """`<tag format="html"><text>…</text></tag>` at `depth`, with `attrs` after the format, and the lines
    `inner` after the text."""
    head = f' format="{fmt}"' if fmt else ""
    out.append(f"{PAD[depth]}<{tag}{head}{attrs}>")
    leaf(out, depth + 1, "text", "", text)
    out.extend(inner)
    out.append(f"{PAD[depth]}</{tag}>")


def _value(out: list[str], tag: str, value: str, depth: int = 2) -> None:
    leaf(out, depth, tag, "", value)


def _answer(
    out: list[str], fraction: str, text: str, feedback: str, fmt: str = "html", inner: Sequence[str] = ()
) -> None:
    """An answer of the question (at depth 2), its feedback, then the lines `inner` (depth 3)."""
    said: list[str] = []
    _text(said, 3, "feedback", feedback)
    _text(out, 2, "answer", text, fmt, f' fraction="{xml_attribute(fraction)}"', [*said, *inner])


def _combined_feedback(out: list[str]) -> None:
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(out, 2, tag, "")


def tags(question: QuestionBase, generated: bool) -> list[str]:
    """The Moodle tags of a question: its own, and primer's metadata as `name:value`."""
    found = [
        f"objective:{question.objective}",
        f"difficulty:{question.difficulty}",
        "primer-generated" if generated else "primer-hand-written",
    ]
    for kind in ("points", "terms", "events"):
        found += [f"tests:{kind[:-1]}:{item}" for item in getattr(question.tests, kind)]
    return found + list(question.tags)


def _cloze_answer(text: str) -> str:
    return CLOZE_SPECIAL.sub(r"\\\1", esc(text))


def _cloze_text(question: Cloze, stem_html: str) -> str:
    """The stem with each [[id]] replaced by Moodle's embedded answer, one mark per blank."""
    codes = {}
    for blank in question.blanks:
        if blank.choices:
            options = "~".join(("=" if c == blank.answer else "") + _cloze_answer(c) for c in blank.choices)
            codes[blank.id] = f"{{1:MULTICHOICE:{options}}}"
        else:
            options = "~".join(f"%100%{_cloze_answer(a)}" for a in blank.accept)
            codes[blank.id] = f"{{1:SHORTANSWER:{options}}}"
    return re.sub(r"\[\[([a-z0-9-]+)\]\]", lambda m: codes[m.group(1)], stem_html)


def _body(q: list[str], question: QuestionBase, report: LossReport) -> bool:
    """Write the type's own elements (the lines of depth 2 on); False when Moodle cannot carry the question."""
    if isinstance(question, SingleChoice | MultipleChoice):
        single = isinstance(question, SingleChoice)
        fractions = [100.0 if c.correct else 0.0 for c in question.choices] if single else None
        if not single:
            fractions = multiple_fractions([c.correct for c in question.choices])
        if fractions is None:
            report.skip(question, "its partial-credit weights are not among the percentages Moodle allows")
            return False
        _value(q, "single", "true" if single else "false")
        _value(q, "shuffleanswers", "true")
        _value(q, "answernumbering", "abc")
        _value(q, "showstandardinstruction", "0")
        _combined_feedback(q)
        for choice, fraction in zip(question.choices, fractions, strict=True):
            _answer(q, grade_text(fraction), esc(choice.text), esc(choice.feedback))
    elif isinstance(question, TrueFalse):
        _answer(q, "100" if question.answer else "0", "true", esc(question.feedback_true), "moodle_auto_format")
        _answer(q, "0" if question.answer else "100", "false", esc(question.feedback_false), "moodle_auto_format")
    elif isinstance(question, ShortAnswer):
        if question.pattern:
            report.lose(question, "answer pattern dropped", "Moodle accepts listed answers only; the pattern is lost")
        _value(q, "usecase", "0")
        for accepted in question.accept:
            _answer(q, "100", accepted, "", "moodle_auto_format")
    elif isinstance(question, Numeric):
        tolerance = question.tolerance
        if question.tolerance_kind == "relative":
            tolerance = question.tolerance * abs(question.answer)
        within: list[str] = []
        _value(within, "tolerance", number(tolerance), 3)
        _answer(q, "100", number(question.answer), "", "moodle_auto_format", within)
        if question.unit:
            q += [f"{PAD[2]}<units>", f"{PAD[3]}<unit>"]
            _value(q, "multiplier", "1", 4)
            _value(q, "unit_name", question.unit, 4)
            q += [f"{PAD[3]}</unit>", f"{PAD[2]}</units>"]
        _value(q, "unitgradingtype", "0")  # the unit is shown, not graded, as on the site
        _value(q, "unitpenalty", "0")
        _value(q, "showunits", "3")
        _value(q, "unitsleft", "0")
    elif isinstance(question, Matching):
        _value(q, "shuffleanswers", "true")
        _combined_feedback(q)
        # a distractor: an empty prompt, an extra answer that matches nothing
        prompts = [(esc(pair.left), pair.right) for pair in question.pairs] + [("", d) for d in question.distractors]
        for prompt, matched in prompts:
            answer: list[str] = []
            _text(answer, 3, "answer", matched, None)
            _text(q, 2, "subquestion", prompt, inner=answer)
    elif isinstance(question, Ordering):
        _value(q, "layouttype", "VERTICAL")
        _value(q, "selecttype", "ALL")
        _value(q, "selectcount", "0")
        _value(q, "gradingtype", "ALL_OR_NOTHING")  # as primer scores it
        _value(q, "showgrading", "SHOW")
        _value(q, "numberingstyle", "none")
        _combined_feedback(q)
        for position, item in enumerate(question.items, start=1):
            _answer(q, str(position), esc(item), "")
    elif isinstance(question, OpenResponse):
        _value(q, "responseformat", "editor")
        _value(q, "responserequired", "1")
        _value(q, "responsefieldlines", "10")
        _value(q, "attachments", "0")
        _value(q, "attachmentsrequired", "0")
        rubric = "".join(f"<li>{esc(c.criterion)} ({c.points:g})</li>" for c in question.rubric)
        _text(q, 2, "graderinfo", f"<p>{esc(question.model_answer)}</p><ul>{rubric}</ul>")
        _text(q, 2, "responsetemplate", "")
        report.lose(question, "rubric as text", "Moodle essays have no rubric; it is in the information for graders")
    return True


def question_text(question: QuestionBase, generated: bool, report: LossReport) -> str | None:
    """One `<question>` as its lines of text in <quiz>, each ending with a newline, or None (reported) when
    Moodle cannot carry it."""
    q = [f'{PAD[1]}<question type="{QTYPES[getattr(question, "type", "")]}">']
    _text(q, 2, "name", question.id, None)
    rendered = to_html(question.stem)
    note_markup(report, question, rendered, plain_target=False)
    stem = _cloze_text(question, rendered.text) if isinstance(question, Cloze) else rendered.text
    _text(q, 2, "questiontext", stem)
    _text(q, 2, "generalfeedback", f"<p>{esc(question.explanation)}</p>")
    if isinstance(question, Cloze):
        if question.points != len(question.blanks):
            report.lose(
                question,
                "marks changed",
                f"Moodle gives each blank one mark ({len(question.blanks)} in all) instead of {question.points:g}",
            )
    else:
        _value(q, "defaultgrade", number(question.points))
    _value(q, "penalty", "0.3333333")
    _value(q, "hidden", "0")
    _value(q, "idnumber", question.id)
    if not _body(q, question, report):
        return None
    listed: list[str] = []
    for tag in tags(question, generated):
        _text(listed, 3, "tag", tag, None)
    wrap(q, 2, "tags", "", listed)
    q += [f"{PAD[1]}</question>", ""]
    return "\n".join(q)


def moodle(scope: Scope) -> tuple[bytes, LossReport]:
    """The scope's questions as Moodle XML, and what Moodle could not carry."""
    report = LossReport("Moodle XML", ids=True)
    note_typed_answers(report, scope, "Moodle", "ignoring case (the setting primer exports) but not punctuation")
    parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    for group in scope.groups:
        names = [scope.lib.site.title] if scope.topic is None else []
        category = [f'{PAD[1]}<question type="category">']
        _text(category, 2, "category", category_path(*names, group.title), None)
        _text(category, 2, "info", "")
        category += [f"{PAD[1]}</question>", ""]
        parts.append("\n".join(category).encode("utf-8"))
        for question in group.questions:
            generated = question.id in scope.derived.generated

            make = partial(question_text, question, generated)
            text = fragment(scope, "moodle", question, report, make)
            if text is not None:
                parts.append(text)
                report.exported += 1
    parts.append(b"</quiz>\n")
    return b"".join(parts), report
