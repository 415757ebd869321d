"""The JSON question bank: every question, hand-written and generated, with all its answer data.

The bank is built as pydantic models, so it always matches its published JSON Schema
(`schema/bank.schema.json`, written by `primer schema`). The text is deterministic: questions
sorted by id, keys sorted, no timestamps.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from primer.content.library import Library, heading_of
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
    Slug,
    TrueFalse,
)
from primer.derive import Derived
from primer.quiz.lint import bank

FORMAT = "primer-bank"
VERSION = 1


class Placement(BaseModel):
    """Where a question sits in the lesson, and where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topics: list[Slug] = Field(description="ids of the topics whose quizzes hold the question, in topic order")
    generated: bool = Field(description="true for a question primer generated from the content")
    generated_from: list[str] = Field(
        description="for a generated question, what it was generated from, as 'kind:id' (term, event, point, source)"
    )


class BankSingle(SingleChoice, Placement):
    """A single-choice question in the bank."""


class BankMultiple(MultipleChoice, Placement):
    """A select-all-that-apply question in the bank."""


class BankTrueFalse(TrueFalse, Placement):
    """A true/false question in the bank."""


class BankShort(ShortAnswer, Placement):
    """A short-answer question in the bank."""


class BankNumeric(Numeric, Placement):
    """A numeric question in the bank."""


class BankOrdering(Ordering, Placement):
    """An ordering question in the bank; `items` are in the right order."""


class BankMatching(Matching, Placement):
    """A matching question in the bank."""


class BankCloze(Cloze, Placement):
    """A cloze question in the bank."""


class BankOpen(OpenResponse, Placement):
    """A teacher-marked question in the bank."""


BankQuestion = Annotated[
    BankSingle
    | BankMultiple
    | BankTrueFalse
    | BankShort
    | BankNumeric
    | BankOrdering
    | BankMatching
    | BankCloze
    | BankOpen,
    Field(discriminator="type"),
]


class BankObjective(BaseModel):
    """A learning objective of a topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    text: str = Field(description="'Students can …'")


class BankTopic(BaseModel):
    """A topic and its quiz."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: str = Field(description="the topic's title")
    objectives: list[BankObjective] = Field(description="the topic's learning objectives")
    quiz: list[str] = Field(description="ids of the questions of its quiz, in order (hand-written, then generated)")


class Bank(BaseModel):
    """primer's JSON question bank (`primer export --format json`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="primer question bank")

    format: Literal["primer-bank"] = Field(description="always 'primer-bank'")
    version: Literal[1] = Field(description="the version of this format")
    title: str = Field(description="the lesson's title")
    language: str = Field(description="the lesson's BCP 47 language tag")
    licence: str = Field(description="the licence of the content")
    topics: list[BankTopic] = Field(description="the topics in lesson order")
    questions: list[BankQuestion] = Field(description="every question, hand-written and generated, sorted by id")


def build_bank(lib: Library, derived: Derived, topic: str | None = None) -> Bank:
    """The whole bank as a validated model; with `topic`, cut to that topic and the questions of its quiz
    (sorted by id, as in the whole bank), reading no other topic or question."""
    return Bank.model_validate(bank_data(lib, derived, topic))


def bank_data(lib: Library, derived: Derived, topic: str | None = None) -> dict[str, Any]:
    """`build_bank(…).model_dump(mode="json")`, made from the questions' own dumps without validating the bank
    again: each question is a validated model already, and the bank's models add only its placement (the
    exports' tests check the files against the published schema). At 256 topics, validating the bank took
    0.6 s of the 0.9 s of writing its JSON."""
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


def bank_schema() -> dict[str, Any]:
    """The JSON Schema of the bank."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "bank.schema.json",
        **Bank.model_json_schema(mode="serialization"),
    }
