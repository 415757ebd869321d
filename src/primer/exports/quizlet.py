"""Quizlet's import text: one card a line, term and definition separated by a tab. Cards come from the
glossary (the terms a topic uses) and from short-answer questions (question → first accepted answer)."""

from __future__ import annotations

import re

from primer import reads
from primer.content.models import ShortAnswer
from primer.exports.common import LossReport, Scope, note_markup, to_plain


def _field(text: str) -> str:
    """Tabs and line breaks separate Quizlet's fields and cards; inside a field they become spaces."""
    return re.sub(r"\s+", " ", text).strip()


def quizlet(scope: Scope) -> tuple[bytes, LossReport]:
    """Term/definition lines for Quizlet, and what it could not take."""
    report = LossReport("Quizlet")
    lib, derived = scope.lib, scope.derived
    topics = {g.topic for g in scope.groups}

    def terms_by_topic() -> dict[str, set[str]]:  # topic → the terms it uses, found once per build
        by_topic: dict[str, set[str]] = {}
        for term_id, term_topics in derived.term_topics.items():
            for topic_id in term_topics:
                by_topic.setdefault(topic_id, set()).add(term_id)
        return by_topic

    by_topic = reads.kept(scope.memo, "quizlet-terms", terms_by_topic)
    used: set[str] = set().union(*(by_topic.get(t, set()) for t in topics if t is not None))
    lines = []
    for term_id, term in lib.terms.items():
        if scope.topic is None or term_id in used:
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
