"""Moodle XML: a category per topic, every question type Moodle has (ordering through Moodle's standard
ordering question, fill-in-the-blanks through the embedded-answers cloze type), per-answer and general
feedback, tags (objective, difficulty, generated or not, what the question tests) and the question id
as its idnumber, so that a re-import finds the same questions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

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
    LossReport,
    Scope,
    esc,
    fragment,
    note_markup,
    note_typed_answers,
    number,
    to_html,
    xml_text,
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


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = "html", **attrs: str) -> ET.Element:
    """`<tag format="html"><text>…</text></tag>`."""
    element = ET.SubElement(parent, tag, {**({"format": fmt} if fmt else {}), **attrs})
    ET.SubElement(element, "text").text = text
    return element


def _value(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _answer(parent: ET.Element, fraction: str, text: str, feedback: str, fmt: str = "html") -> ET.Element:
    answer = _text(parent, "answer", text, fmt, fraction=fraction)
    _text(answer, "feedback", feedback)
    return answer


def _combined_feedback(question: ET.Element) -> None:
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(question, tag, "")


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


def _body(q: ET.Element, question: QuestionBase, report: LossReport) -> bool:
    """Add the type's own elements; False when Moodle cannot carry the question."""
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
        answer = _answer(q, "100", number(question.answer), "", "moodle_auto_format")
        _value(answer, "tolerance", number(tolerance))
        if question.unit:
            units = ET.SubElement(q, "units")
            unit = ET.SubElement(units, "unit")
            _value(unit, "multiplier", "1")
            _value(unit, "unit_name", question.unit)
        _value(q, "unitgradingtype", "0")  # the unit is shown, not graded, as on the site
        _value(q, "unitpenalty", "0")
        _value(q, "showunits", "3")
        _value(q, "unitsleft", "0")
    elif isinstance(question, Matching):
        _value(q, "shuffleanswers", "true")
        _combined_feedback(q)
        for pair in question.pairs:
            sub = _text(q, "subquestion", esc(pair.left))
            answer = ET.SubElement(sub, "answer")
            ET.SubElement(answer, "text").text = pair.right
        for distractor in question.distractors:  # an empty prompt: an extra answer that matches nothing
            sub = _text(q, "subquestion", "")
            answer = ET.SubElement(sub, "answer")
            ET.SubElement(answer, "text").text = distractor
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
        _text(q, "graderinfo", f"<p>{esc(question.model_answer)}</p><ul>{rubric}</ul>")
        _text(q, "responsetemplate", "")
        report.lose(question, "rubric as text", "Moodle essays have no rubric; it is in the information for graders")
    return True


def question_element(question: QuestionBase, generated: bool, report: LossReport) -> ET.Element | None:
    """One `<question>`, or None (reported) when Moodle cannot carry it."""
    qtype = QTYPES[getattr(question, "type", "")]
    q = ET.Element("question", {"type": qtype})
    _text(q, "name", question.id, None)
    rendered = to_html(question.stem)
    note_markup(report, question, rendered, plain_target=False)
    stem = _cloze_text(question, rendered.text) if isinstance(question, Cloze) else rendered.text
    _text(q, "questiontext", stem)
    _text(q, "generalfeedback", f"<p>{esc(question.explanation)}</p>")
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
    tag_list = ET.SubElement(q, "tags")
    for tag in tags(question, generated):
        _text(tag_list, "tag", tag, None)
    return q


def _xml(element: ET.Element) -> str:
    """An element indented as a child of <quiz>."""
    return "  " + xml_text(element, 1) + "\n"


def moodle(scope: Scope) -> tuple[bytes, LossReport]:
    """The scope's questions as Moodle XML, and what Moodle could not carry."""
    report = LossReport("Moodle XML", ids=True)
    note_typed_answers(report, scope, "Moodle", "ignoring case (the setting primer exports) but not punctuation")
    parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    for group in scope.groups:
        names = [scope.lib.site.title] if scope.topic is None else []
        category = ET.Element("question", {"type": "category"})
        _text(category, "category", category_path(*names, group.title), None)
        _text(category, "info", "")
        parts.append(_xml(category).encode("utf-8"))
        for question in group.questions:
            generated = question.id in scope.derived.generated

            def make(scratch: LossReport, question: QuestionBase = question, generated: bool = generated) -> str | None:
                element = question_element(question, generated, scratch)
                return None if element is None else _xml(element)

            text = fragment(scope, "moodle", question, report, make)
            if text is not None:
                parts.append(text)
                report.exported += 1
    parts.append(b"</quiz>\n")
    return b"".join(parts), report
