"""Check 10, quiz statistics: type and difficulty mix, where the keys sit per question type,
questions per topic and the time a quiz takes."""

from __future__ import annotations

from dataclasses import dataclass

from primer.content.models import MultipleChoice, QuestionBase, SingleChoice, TrueFalse
from primer.report.base import Context

#: Minutes a student needs for one question of each type (an estimate for planning a lesson).
MINUTES = {
    "single": 1.0,
    "multiple": 1.5,
    "true-false": 0.5,
    "short": 1.0,
    "numeric": 1.0,
    "ordering": 1.5,
    "matching": 2.0,
    "cloze": 1.5,
    "open": 5.0,
}
#: Keys of one type this bunched in one position (share, with at least this many questions) are noted.
BUNCHED, AT_LEAST = 0.5, 6


@dataclass(frozen=True)
class TopicStats:
    """One topic's quiz in numbers."""

    topic: str
    title: str
    questions: int
    written: int
    generated: int
    minutes: float


@dataclass(frozen=True)
class Stats:
    """The whole bank and every quiz in numbers."""

    types: dict[str, int]
    difficulty: dict[str, int]
    #: question type → key position ('1', '2' … or 'true'/'false') → how many keys sit there
    positions: dict[str, dict[str, int]]
    topics: list[TopicStats]
    minutes: float


def _type(question: QuestionBase) -> str:
    """The question's type ("single", "true-false" …): each kind of question holds its own as a literal (read
    directly, not by a dump of the model: a sixth of the time, 5,700 times a check at 256 topics)."""
    kind: str = question.type  # type: ignore[attr-defined] # every subclass declares it (`primer.content.models`)
    return kind


def check(ctx: Context) -> Stats:
    """The numbers, and a note for each type whose keys bunch in one position."""
    bank = ctx.derived.bank
    types: dict[str, int] = {}
    difficulty: dict[str, int] = {}
    positions: dict[str, dict[str, int]] = {}
    for question in bank.values():
        kind = _type(question)
        types[kind] = types.get(kind, 0) + 1
        difficulty[str(question.difficulty)] = difficulty.get(str(question.difficulty), 0) + 1
        where = positions.setdefault(kind, {})
        if isinstance(question, SingleChoice | MultipleChoice):
            for i, choice in enumerate(question.choices):
                if choice.correct:
                    where[str(i + 1)] = where.get(str(i + 1), 0) + 1
        elif isinstance(question, TrueFalse):
            key = "true" if question.answer else "false"
            where[key] = where.get(key, 0) + 1
    positions = {k: dict(sorted(v.items())) for k, v in sorted(positions.items()) if v}
    for kind, where in positions.items():
        total = sum(where.values())
        top, count = max(sorted(where.items()), key=lambda kv: kv[1])
        if total >= AT_LEAST and count / total > BUNCHED and (kind != "true-false" or count / total > 0.7):
            first = min(
                (q for q in ctx.lib.questions.values() if _type(q) == kind),
                key=lambda q: ctx.where(("question", q.id)),
                default=None,
            )
            if first is not None:
                ctx.add(
                    "P1001",
                    ("question", first.id),
                    ("type",),
                    f"{count} of the {total} {kind} keys in the bank sit at {top} — students can learn the pattern",
                    "move some keys to other positions (or key some true/false questions the other way)",
                )
    topics = []
    for topic in ctx.lib.topics_in_order():
        quiz = ctx.derived.quizzes.get(topic.id, [])
        written = sum(1 for q in quiz if q.id in ctx.lib.questions)
        minutes = sum(MINUTES[_type(q)] for q in quiz)
        topics.append(TopicStats(topic.id, topic.title, len(quiz), written, len(quiz) - written, minutes))
    return Stats(
        dict(sorted(types.items())),
        dict(sorted(difficulty.items())),
        positions,
        topics,
        sum(t.minutes for t in topics),
    )
