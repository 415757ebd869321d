"""The JSON question bank: every question, hand-written and generated, with all its answer data.

The bank's shape is set by pydantic models (`primer.targets.bank_models`), which its published JSON Schema
(`schema/bank.schema.json`, written by `primer schema`) is made from; the bank is made from the questions'
own validated models (see `bank_data`), and the exports' tests check it against the schema. The text is
deterministic: questions sorted by id, keys sorted, no timestamps.
"""

from __future__ import annotations

import json
from typing import Any

from primer.content.library import Library, heading_of
from primer.content.models import QuestionBase
from primer.derive import Derived
from primer.quiz.lint import bank

FORMAT = "primer-bank"
VERSION = 1


def bank_data(lib: Library, derived: Derived, topic: str | None = None) -> dict[str, Any]:
    """`bank_models.build_bank(…).model_dump(mode="json")`, made from the questions' own dumps without
    validating the bank again: each question is a validated model already, and the bank's models add only
    its placement (the exports' tests check the files against the published schema). At 256 topics,
    validating the bank took 0.6 s of the 0.9 s of writing its JSON."""
    head, chosen = bank_parts(lib, derived, topic)
    return {**head, "questions": [bank_question(question, derived) for question in chosen]}


def bank_parts(lib: Library, derived: Derived, topic: str | None = None) -> tuple[dict[str, Any], list[QuestionBase]]:
    """`bank_data` without its questions, and the questions it holds, in order (`bank_question` dumps each)."""
    everything = bank(lib, derived)
    if topic is None:
        chosen = list(everything.values())
        headings = lib.topic_headings()  # the topics' headings alone: no topic's text
    else:
        quiz = {q.id for q in derived.quizzes.get(topic, [])}
        chosen = [everything[qid] for qid in sorted(quiz) if qid in everything]
        headings = [heading_of(lib.topics[topic])]
    topics = [
        {"id": tid, "title": title, "objectives": objectives, "quiz": [q.id for q in derived.quizzes.get(tid, [])]}
        for tid, title, objectives in headings
    ]
    head = {
        "format": FORMAT,
        "version": VERSION,
        "title": lib.site.title,
        "language": lib.site.language,
        "licence": lib.site.licence,
        "topics": topics,
    }
    return head, chosen


def bank_question(question: QuestionBase, derived: Derived) -> dict[str, Any]:
    """One question of `bank_data`: its own fields, and where the lesson places it."""
    qid = question.id
    return {
        **question.model_dump(mode="json"),
        "topics": derived.question_topics.get(qid, []),
        "generated": qid in derived.generated,
        "generated_from": derived.generated_from.get(qid, []),
    }


def bank_json(lib: Library, derived: Derived) -> str:
    """The bank as JSON text: keys sorted, two-space indents, UTF-8, a final newline."""
    data = bank_data(lib, derived)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
