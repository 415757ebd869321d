"""The report as data: the shape of `primer report --format json`, the source of
`schema/report.schema.json`, and what the report page's template reads."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from primer.content.models import Frozen


class Out(Frozen):
    """Base of the report's models: no other keys, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FindingOut(Out):
    """One finding."""

    code: str = Field(pattern=r"^P[0-9]{3,4}$", description="the finding's code (see `codes`)")
    level: Literal["error", "warning", "info"] = Field(description="error, warning or info")
    check: str = Field(description="the check that made it")
    path: str = Field(description="the content file, relative to the content folder's parent")
    line: int = Field(ge=1, description="line in the file, from 1")
    col: int = Field(ge=1, description="column in the line, from 1")
    message: str = Field(description="what was found")
    fix: str = Field(description="how to fix it")
    item: str | None = Field(description="the item it is about, 'kind:id' (its ignore: can silence it)")
    page: str = Field(description="the site page it concerns, relative to the site's root ('' for none)")
    silenced: str | None = Field(description="the reason given in the item's ignore:, when silenced")


class CheckSummary(Out):
    """One line of the summary: a check and its counts (silenced findings counted apart)."""

    number: int
    name: str
    title: str
    errors: int
    warnings: int
    info: int
    silenced: int


class Totals(Out):
    """Counts over all checks."""

    errors: int
    warnings: int
    info: int
    silenced: int


class Row(Out):
    """An objective or a point and the quiz questions on it."""

    id: str
    text: str
    questions: list[str]


class Coverage(Out):
    """A topic's coverage matrices."""

    topic: str
    title: str
    objectives: list[Row]
    points: list[Row]


class ActorRow(Out):
    """What one actor carries in a topic and its quiz."""

    actor: str
    name: str
    perspectives: int
    points: int
    questions: int
    sources: list[str]


class Balance(Out):
    """A topic's balance: actors, and the quiz's questions per source."""

    topic: str
    title: str
    actors: list[ActorRow]
    quiz_sources: dict[str, int]


class Sentence(Out):
    """A long sentence."""

    words: int
    where: str
    text: str


class SectionGrade(Out):
    """The grade of a section."""

    title: str
    grade: float


class PageGrade(Out):
    """The grade of a page (a topic's explainer, or a shared page)."""

    name: str
    page: str
    grade: float
    words: int
    sections: list[SectionGrade]
    longest: list[Sentence]


class Readability(Out):
    """Grades against the target."""

    target: int
    pages: list[PageGrade]


class TopicStats(Out):
    """A topic's quiz in numbers."""

    topic: str
    title: str
    questions: int
    written: int
    generated: int
    minutes: float


class Stats(Out):
    """The bank and the quizzes in numbers."""

    types: dict[str, int]
    difficulty: dict[str, int]
    positions: dict[str, dict[str, int]]
    topics: list[TopicStats]
    minutes: float


class CodeOut(Out):
    """A finding code, as documented."""

    code: str
    check: str
    level: Literal["error", "warning", "info"]
    title: str


class Report(Out):
    """`primer report --format json`: the provenance and quality report of a lesson."""

    version: Literal[1] = Field(description="the format's version")
    title: str = Field(description="the lesson's title")
    today: str = Field(description="the date staleness is judged against (ISO)")
    summary: list[CheckSummary]
    totals: Totals
    findings: list[FindingOut]
    coverage: list[Coverage]
    balance: list[Balance]
    readability: Readability
    stats: Stats
    codes: list[CodeOut]
