"""Check 3, coverage: per topic, learning objectives × questions and cited points × questions."""

from __future__ import annotations

from dataclasses import dataclass

from primer.report.base import Context, links


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
    """The points a topic cites (section links, then perspectives), first citation first."""
    topic = ctx.lib.topics[topic_id]
    found = [i for s in topic.sections for scheme, i, _ in links(s.body) if scheme == "point"]
    found += [p for perspective in topic.perspectives for p in perspective.points]
    return [p for p in dict.fromkeys(found) if p in ctx.lib.points]


def check(ctx: Context) -> list[TopicCoverage]:
    """The matrices; an error per objective no question serves, a note per cited point no question tests."""
    lib = ctx.lib
    found = []
    for topic in lib.topics_in_order():
        quiz = ctx.derived.quizzes.get(topic.id, [])
        objectives = [Row(o.id, o.text, [q.id for q in quiz if q.objective == o.id]) for o in topic.objectives]
        for row in objectives:
            if not row.questions:
                ctx.add(
                    "P301",
                    ("objective", row.id),
                    ("id",),
                    f"no question of the quiz of '{topic.id}' serves the objective '{row.id}'",
                    "write a question with this objective, or set generate: objective: to it",
                )
        points = []
        for point_id in cited_points(ctx, topic.id):
            tested = [q.id for q in quiz if point_id in q.tests.points]
            points.append(Row(point_id, lib.points[point_id].text, tested))
            if not tested:
                needle = f"point:{point_id}"
                unit = next((u for u in ctx.by_topic.get(topic.id, []) if needle in u.raw), None)
                message = f"the topic cites the point '{point_id}', but no question of its quiz tests it"
                fix = "add a question that tests it (or raise generate: max so that its claim question joins)"
                if unit is not None:
                    ctx.add_in("P302", unit, unit.raw.index(needle), needle, message, fix)
                else:
                    ctx.add("P302", ("topic", topic.id), ("perspectives",), message, fix)
        found.append(TopicCoverage(topic.id, topic.title, objectives, points))
    return found
