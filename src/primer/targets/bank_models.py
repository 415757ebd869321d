"""The JSON question bank's models: its published JSON Schema (`primer schema`) is made from them.

Kept apart from `primer.targets.bank`, which every build imports: building these models was 29 ms of that
module's import (`python -X importtime`; a build's whole import is 12 ms shorter at the median without them),
and only `primer schema` (and the tests, which validate banks with them) needs them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from primer.content.library import Library
from primer.content.models import (
    Cloze,
    Matching,
    MultipleChoice,
    Numeric,
    OpenResponse,
    Ordering,
    ShortAnswer,
    SingleChoice,
    Slug,
    TrueFalse,
)
from primer.derive import Derived
from primer.targets.bank import bank_data


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


def bank_schema() -> dict[str, Any]:
    """The JSON Schema of the bank."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "bank.schema.json",
        **Bank.model_json_schema(mode="serialization"),
    }
