"""GIFT, Moodle's plain-text question format: one category per topic, the question id as its title,
HTML question text, per-answer and general feedback. Ordering and fill-in-the-blanks questions have
no GIFT form and are reported, not mangled.

Metadata GIFT has no place for (objective, difficulty, marks, tags, what the question tests) goes in a
`// primer:` comment above each question: Moodle ignores comments, `primer import gift` reads it back.
"""

from __future__ import annotations

from functools import partial

from primer.content.models import (
    Matching,
    MultipleChoice,
    Numeric,
    OpenResponse,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from primer.derive import Derived
from primer.exports.common import (
    LossReport,
    Scope,
    esc,
    fragment,
    note_markup,
    note_typed_answers,
    number,
    to_html,
)
from primer.exports.grades import grade_text, multiple_fractions

#: Characters GIFT gives a meaning; a backslash before one makes it literal (Moodle's rules).
SPECIAL = "\\~=#{}:"


#: Each special character with a backslash before it (`str.translate` does it in one pass).
_ESCAPES = str.maketrans({ch: f"\\{ch}" for ch in SPECIAL})


def escape(text: str) -> str:
    """Text with GIFT's special characters escaped, and line breaks written as `\\n`."""
    return text.translate(_ESCAPES).replace("\r\n", "\n").replace("\n", "\\n")


def category_path(*names: str) -> str:
    """A Moodle category path: '/' inside a name is doubled, as Moodle's importer expects."""
    return "/".join(name.replace("/", "//") for name in ("$course$", "top", *names))


def metadata(question: QuestionBase, generated: bool) -> str:
    """The `// primer:` comment that carries what GIFT cannot."""
    tests = [f"{kind[:-1]}:{item}" for kind in ("points", "terms", "events") for item in getattr(question.tests, kind)]
    parts = [
        f"objective={question.objective}",
        f"difficulty={question.difficulty}",
        f"points={number(question.points)}",
        f"tags={','.join(question.tags)}",
        f"tests={','.join(tests)}",
        f"generated={'yes' if generated else 'no'}",
    ]
    return "// primer: " + "; ".join(parts)


def _answers(question: QuestionBase, report: LossReport) -> list[str] | None:
    """The lines between the braces, or None when GIFT cannot carry the question."""
    if isinstance(question, SingleChoice):
        return [f"{'=' if c.correct else '~'}{escape(esc(c.text))}#{escape(esc(c.feedback))}" for c in question.choices]
    if isinstance(question, MultipleChoice):
        fractions = multiple_fractions([c.correct for c in question.choices])
        if fractions is None:
            report.skip(question, "its partial-credit weights are not among the percentages Moodle allows")
            return None
        return [
            f"~%{grade_text(f)}%{escape(esc(c.text))}#{escape(esc(c.feedback))}"
            for c, f in zip(question.choices, fractions, strict=True)
        ]
    if isinstance(question, TrueFalse):
        # Moodle shows the first feedback for a wrong answer and the second for a right one.
        wrong, right = (
            (question.feedback_false, question.feedback_true)
            if question.answer
            else (question.feedback_true, question.feedback_false)
        )
        return [f"{'TRUE' if question.answer else 'FALSE'}#{escape(esc(wrong))}#{escape(esc(right))}"]
    if isinstance(question, ShortAnswer):
        if question.pattern:
            report.lose(question, "answer pattern dropped", "GIFT accepts listed answers only; the pattern is lost")
        return [f"={escape(esc(a))}" for a in question.accept]
    if isinstance(question, Numeric):
        if question.unit:
            report.lose(
                question, "unit dropped", f"GIFT numbers have no unit; students are not shown '{question.unit}'"
            )
        tolerance = (
            question.tolerance if question.tolerance_kind == "absolute" else question.tolerance * abs(question.answer)
        )
        return [f"#{number(question.answer)}:{number(tolerance)}" if tolerance else f"#{number(question.answer)}"]
    if isinstance(question, Matching):
        lines = [f"={escape(esc(p.left))} -> {escape(p.right)}" for p in question.pairs]
        return lines + [f"= -> {escape(d)}" for d in question.distractors]
    if isinstance(question, OpenResponse):
        report.lose(
            question,
            "model answer and rubric dropped",
            "GIFT essays carry no information for the grader; the site's teacher hub has them",
        )
        return []
    report.skip(question, f"GIFT has no {_kind(question)} question")
    return None


def _kind(question: QuestionBase) -> str:
    return {"ordering": "ordering", "cloze": "fill-in-several-blanks"}.get(getattr(question, "type", ""), "such")


def gift(scope: Scope) -> tuple[bytes, LossReport]:
    """The scope's questions as GIFT text, and what GIFT could not carry. Each question's part is made once per
    build and kept for the next (`fragment`): it is in its topic's file and in the lesson's."""
    report = LossReport("GIFT", ids=True)
    note_typed_answers(report, scope, "Moodle, which imports GIFT,", "ignoring case but not punctuation")
    lib = scope.lib
    blocks: list[bytes] = [f"// {scope.title}: questions exported by primer\n".encode()]
    for group in scope.groups:
        names = [lib.site.title] if scope.topic is None else []
        blocks.append(f"$CATEGORY: {category_path(*names, group.title)}\n".encode())
        for question in group.questions:
            text = fragment(scope, "gift", question, report, partial(_question, question, scope.derived))
            if text is not None:
                blocks.append(text)
                report.exported += 1
    return b"\n".join(blocks), report


def _question(question: QuestionBase, derived: Derived, report: LossReport) -> str | None:
    """A question's lines of GIFT, each ending in a line break (None: GIFT cannot carry it, said in `report`)."""
    answers = _answers(question, report)
    if answers is None:
        return None
    rendered = to_html(question.stem)
    note_markup(report, question, rendered, plain_target=False)
    if question.points != 1:
        report.lose(question, "marks dropped", f"GIFT has no marks; Moodle gives 1 instead of {question.points:g}")
    body = [*answers, f"####{escape(esc(question.explanation))}"]
    stem = escape(rendered.text)
    lines = [
        metadata(question, question.id in derived.generated),
        f"::{escape(question.id)}::[html]{stem} {{",
        *(f"\t{line}" for line in body),
        "}",
    ]
    return "".join(f"{line}\n" for line in lines)
