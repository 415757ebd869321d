"""Quizlet's import text: one card a line, term and definition separated by a tab. Cards come from the
glossary (the terms a topic uses) and from short-answer questions (question → first accepted answer)."""

from __future__ import annotations

import re

from primer.content.models import ShortAnswer
from primer.exports.common import LossReport, Scope, note_markup, to_plain, topic_terms


def _field(text: str) -> str:
    """Tabs and line breaks separate Quizlet's fields and cards; inside a field they become spaces."""
    return re.sub(r"\s+", " ", text).strip()


def quizlet(scope: Scope) -> tuple[bytes, LossReport]:
    """Term/definition lines for Quizlet, and what it could not take."""
    report = LossReport("Quizlet")
    lib, derived = scope.lib, scope.derived
    # the whole glossary, or the terms the topic uses (reading no other term)
    used = lib.terms if scope.topic is None else topic_terms(lib, derived, scope.topic)
    lines = []
    for term_id in used:
        term = lib.terms[term_id]
        head = f"{term.term} ({term.expansion})" if term.expansion else term.term
        lines.append(f"{_field(head)}\t{_field(term.definition)}")
        report.extras += 1
    for question in scope.questions():
        if not isinstance(question, ShortAnswer):
            report.skip(question, "Quizlet takes term–definition pairs; only short-answer questions make one")
            continue
        rendered = to_plain(question.stem)
        note_markup(report, question, rendered, plain_target=True)
        if len(question.accept) > 1 or question.pattern:
            report.lose(question, "other accepted answers dropped", "a Quizlet card has one definition: the first")
        report.lose(question, "explanation dropped", "a Quizlet card has no room for it")
        lines.append(f"{_field(rendered.text)}\t{_field(question.accept[0])}")
        report.exported += 1
    return ("\n".join(lines) + "\n").encode("utf-8"), report
