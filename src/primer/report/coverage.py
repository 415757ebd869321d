"""Check 3, coverage: per topic, learning objectives × questions and cited points × questions."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from primer import facts
from primer.content.models import QuestionBase, Topic
from primer.memo import Memo
from primer.report.base import Context, Unit, links


@dataclass(frozen=True)
class Row:
    """One row of a coverage matrix: an objective or a point, and the quiz questions on it."""

    id: str
    text: str
    questions: list[str]


@dataclass(frozen=True)
class TopicCoverage:
    """A topic's two matrices."""

    topic: str
    title: str
    objectives: list[Row]
    points: list[Row]


def cited_points(ctx: Context, topic_id: str) -> list[str]:
    """The points a topic cites (section links, then perspectives), first citation first. The links of each
    section are kept by its text (`primer.facts`): the sections of a large lesson are megabytes, which the
    coverage and the balance read in processes of their own, and an edit changes few."""
    topic = ctx.lib.topics[topic_id]
    kept = ctx.facts.path
    found = [i for s in topic.sections for i in _LINKS.get((kept, id(s.body)), partial(_linked, ctx, s.body), s.body)]
    found += [p for perspective in topic.perspectives for p in perspective.points]
    return [p for p in dict.fromkeys(found) if p in ctx.lib.points]


#: `_linked` by the file of results it is kept in and the text (as an object: see `primer.memo`), so that a save's
#: check in the same process need not hash every section again to look it up (1,152 at 256 topics, 0.01 s).
_LINKS: Memo[tuple[Path | None, int], tuple[str, ...]] = Memo()


def _linked(ctx: Context, text: str) -> tuple[str, ...]:
    """`_point_links` of `text`, kept by the text (`primer.facts`)."""
    return ctx.facts.get(partial(facts.key, "point links", text), partial(_point_links, text))


def _point_links(text: str) -> tuple[str, ...]:
    """The ids of the points Markdown `text` links, in order."""
    return tuple(i for scheme, i, _ in links(text) if scheme == "point")


def _point_places(units: list[Unit]) -> list[tuple[Unit, int]]:
    """Each place 'point:' is written in a topic's units, in reading order: the first of them where
    'point:ID' starts is the first place the topic's text names the point (as `in` would find it,
    without searching all of the topic's text once per point)."""
    found = []
    for unit in units:
        at = unit.raw.find("point:")
        while at >= 0:
            found.append((unit, at))
            at = unit.raw.find("point:", at + 1)
    return found


def check(ctx: Context) -> list[TopicCoverage]:
    """The matrices; an error per objective no question serves, a note per cited point no question tests. In a
    process that checks again, each topic's are kept by the items they read (`Context.made_by_items`): a save
    made every topic's again (0.03 s at 256 topics)."""
    return [
        ctx.made_by_items("coverage", partial(_items, ctx, topic), partial(_topic, ctx, topic))
        for topic in ctx.lib.topics_in_order()
    ]


def _items(ctx: Context, topic: Topic) -> tuple[tuple[Hashable, ...], list[object]]:
    """What a topic's coverage reads (`topic_items`), as a key of `Context.made_by_items`."""
    quiz = ctx.derived.quizzes.get(topic.id, [])
    keep = topic_items(ctx, topic, quiz)
    return (len(quiz), *map(id, keep)), keep


def topic_items(ctx: Context, topic: Topic, quiz: list[QuestionBase]) -> list[object]:
    """What a topic's coverage reads, as the items of a key of `Context.made_by_items` (the balance's starts with
    them): the topic and its file, the questions of its `quiz`, and the very points it cites (None for one not in
    the lesson)."""
    points = ctx.lib.points
    cited = [points.get(ref[6:]) for ref in ctx.citations(topic.id) if ref.startswith("point:")]
    return [topic, ctx.origin(("topic", topic.id)).doc, *quiz, *cited]


def _topic(ctx: Context, topic: Topic) -> TopicCoverage:
    """A topic's matrices, and its findings."""
    lib = ctx.lib
    quiz = ctx.derived.quizzes.get(topic.id, [])
    objectives = [Row(o.id, o.text, [q.id for q in quiz if q.objective == o.id]) for o in topic.objectives]
    # the quiz's questions by each point they test, in the quiz's order: one pass over the quiz, not one a
    # cited point (30 points by 22 questions a topic at 256 topics)
    tested: dict[str, list[str]] = {}
    for q in quiz:
        for point_id in dict.fromkeys(q.tests.points):  # a question once, however often it lists the point
            tested.setdefault(point_id, []).append(q.id)
    points = [
        Row(point_id, lib.points[point_id].text, tested.get(point_id, [])) for point_id in cited_points(ctx, topic.id)
    ]
    unserved = [row.id for row in objectives if not row.questions]
    untested = [row.id for row in points if not row.questions]
    if unserved or untested:  # placed in the topic's file, kept by it (a large lesson has thousands)
        ctx.kept_findings(
            "coverage",
            partial(_read, ctx, topic, unserved, untested),
            partial(_findings, ctx, topic, unserved, untested),
        )
    return TopicCoverage(topic.id, topic.title, objectives, points)


def _read(ctx: Context, topic: Topic, unserved: list[str], untested: list[str]) -> list[str]:
    """What `_findings` reads: the topic's file, and the objectives and points it finds."""
    return [ctx.file(("topic", topic.id)), repr(unserved), repr(untested)]


def _findings(ctx: Context, topic: Topic, unserved: list[str], untested: list[str]) -> None:
    """An error for each objective of `topic` no question serves, a note for each point it cites that no
    question tests, where the topic first names it."""
    for objective in unserved:
        ctx.add(
            "P301",
            ("objective", objective),
            ("id",),
            f"no question of the quiz of '{topic.id}' serves the objective '{objective}'",
            "write a question with this objective, or set generate: objective: to it",
        )
    cites = _point_places(ctx.by_topic.get(topic.id, []))
    for point_id in untested:
        needle = f"point:{point_id}"
        place = next(((u, at) for u, at in cites if u.raw.startswith(needle, at)), None)
        message = f"the topic cites the point '{point_id}', but no question of its quiz tests it"
        fix = "add a question that tests it (or raise generate: max so that its claim question joins)"
        if place is not None:
            ctx.add_in("P302", place[0], place[1], needle, message, fix)
        else:
            ctx.add("P302", ("topic", topic.id), ("perspectives",), message, fix)
