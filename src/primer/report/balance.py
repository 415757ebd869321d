"""Check 8, balance: per topic and per quiz, how many perspectives, points and questions each
actor carries and which sources they rest on; a topic that gives one actor's side only is flagged.

An actor carries the points of its perspectives in the topic and the cited points it is the
speaker of; a question belongs to the actors whose points it tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from primer import facts, memo
from primer.content.models import Actor, Point, Topic
from primer.content.terms import trie_pattern
from primer.memo import Memo
from primer.report.base import Context
from primer.report.coverage import cited_points, topic_items

#: An actor a topic's sections name at least this often without a perspective is noted.
OFTEN = 3


@dataclass(frozen=True)
class ActorRow:
    """What one actor carries in one topic and its quiz."""

    actor: str
    name: str
    perspectives: int
    points: int
    questions: int
    sources: list[str]


@dataclass(frozen=True)
class TopicBalance:
    """One topic's balance table, and its quiz's questions per source."""

    topic: str
    title: str
    actors: list[ActorRow]
    quiz_sources: dict[str, int]


def check(ctx: Context) -> list[TopicBalance]:
    """The tables, and a finding for each topic with one voice only or an actor named often but unheard. In a
    process that checks again, each topic's are kept by the items they read (`Context.made_by_items`): a save
    made every topic's again (0.03 s at 256 topics)."""
    lib = ctx.lib
    found = []
    # one pattern for every actor's name, so that each topic's text is read once; written as a trie
    # (the longest name first, as alternatives longest first would be), so that the regex engine need
    # not try every actor's name at every word
    names = {a.name.split(" (")[0]: a for a in lib.actors.values() if a.kind != "person"}
    pattern = re.compile(r"\b" + trie_pattern(sorted(names), any_space=False) + r"\b") if names else None
    listed = facts.key("actors", *sorted(names)).hex()  # what a topic's counts depend on besides its text
    actors = _ACTORS.same("actors", tuple(lib.actors.values())) if memo.on() else ()
    for topic in lib.topics_in_order():
        items, make = partial(_items, ctx, topic, actors), partial(_topic, ctx, topic, names, pattern, listed)
        found.append(ctx.made_by_items("balance", items, make))
    return found


def _items(ctx: Context, topic: Topic, actors: tuple[Actor, ...]) -> tuple[tuple[int, ...], list[object]]:
    """What a topic's balance reads, as a key of `Context.made_by_items` and the items it names: what its coverage reads
    (`coverage.topic_items`), then the very points its quiz tests, then each of those and of the points it cites
    (None for one not in the lesson) followed by the source it is under, then every actor (one object while none
    changes)."""
    lib = ctx.lib
    quiz = ctx.derived.quizzes.get(topic.id, [])
    keep = topic_items(ctx, topic, quiz)
    points, sources, source_of = lib.points, lib.sources, lib.point_source
    start = 2 + len(quiz)  # (the points `topic_items` names: after the topic, its file and the quiz)
    keep += [points.get(p) for q in quiz for p in q.tests.points]
    keep += [sources.get(source_of[p.id]) if isinstance(p, Point) else None for p in keep[start:]]
    keep.append(actors)
    return tuple(map(id, keep)), keep


#: Every actor of the lesson, as one object while none changes (`check`).
_ACTORS: Memo[str, tuple[Actor, ...]] = Memo()


def _topic(
    ctx: Context, topic: Topic, names: dict[str, Actor], pattern: re.Pattern[str] | None, listed: str
) -> TopicBalance:
    """A topic's table, and its findings."""
    lib = ctx.lib
    carried: dict[str, set[str]] = {}
    perspectives: dict[str, int] = {}
    for perspective in topic.perspectives:
        perspectives[perspective.actor] = perspectives.get(perspective.actor, 0) + 1
        carried.setdefault(perspective.actor, set()).update(p for p in perspective.points if p in lib.points)
    for point_id in cited_points(ctx, topic.id):
        speaker = lib.points[point_id].speaker
        if speaker:
            carried.setdefault(speaker, set()).add(point_id)
    quiz = ctx.derived.quizzes.get(topic.id, [])
    rows = []
    testing: dict[str, set[int]] = {}  # each point the quiz tests: the questions (by place) that test it
    for number, question in enumerate(quiz):
        for point_id in question.tests.points:
            testing.setdefault(point_id, set()).add(number)
    for actor_id in sorted(carried, key=lambda a: (-len(carried[a]), a)):
        points = carried[actor_id]
        questions = set().union(*(testing.get(p, ()) for p in points))  # each question once
        sources = sorted({lib.source_of(p).short for p in points})
        name = lib.actors[actor_id].name if actor_id in lib.actors else actor_id
        rows.append(ActorRow(actor_id, name, perspectives.get(actor_id, 0), len(points), len(questions), sources))
    quiz_sources: dict[str, int] = {}
    for question in quiz:
        for short in sorted({lib.source_of(p).short for p in question.tests.points if p in lib.points}):
            quiz_sources[short] = quiz_sources.get(short, 0) + 1
    voices = sorted(carried)
    if len(voices) < 2:
        only = f"only '{voices[0]}'" if voices else "no actor"
        ctx.add(
            "P801",
            ("topic", topic.id),
            ("perspectives",),
            f"the topic gives {only} a voice (perspectives and the speakers of the points it cites)",
            "add the perspective of an actor who responds, resting on points",
        )
    counts = _NAMES.get((ctx.facts.path, id(topic), listed), partial(_counted, ctx, topic, listed, pattern), topic)
    for name, count in sorted(counts, key=lambda item: names[item[0]].id):
        if names[name].id not in perspectives and count >= OFTEN:
            ctx.add(
                "P802",
                ("topic", topic.id),
                ("perspectives",),
                f"the sections name {name} {count} times, but the topic gives it no perspective",
                f"add {name}'s perspective, resting on points, if the topic presents claims about it",
            )
    return TopicBalance(topic.id, topic.title, rows, dict(sorted(quiz_sources.items())))


#: `_counted` by the file of results it is kept in, the topic (as an object: see `primer.memo`) and the actors'
#: names: a save's report would join and hash every topic's sections again to look up what they name (0.02 s at
#: 256 topics, in the build's process).
_NAMES: Memo[tuple[Path | None, int, str], tuple[tuple[str, int], ...]] = Memo()


def _counted(ctx: Context, topic: Topic, listed: str, pattern: re.Pattern[str] | None) -> tuple[tuple[str, int], ...]:
    """`_named` of the topic's sections, `listed` the key of the actors' names `pattern` finds, kept by the text
    (`primer.facts`)."""
    text = " ".join(s.body for s in topic.sections)
    return ctx.facts.get(partial(facts.key, "actor names", listed, text), partial(_named, pattern, text))


def _named(pattern: re.Pattern[str] | None, text: str) -> tuple[tuple[str, int], ...]:
    """How often `text` names each actor `pattern` finds (by the name as written), in the order first named; kept
    by the text (`primer.facts`): the sections of a large lesson are megabytes, and an edit changes few."""
    counts: dict[str, int] = {}
    if pattern is not None:
        for match in pattern.finditer(text):
            counts[match.group(0)] = counts.get(match.group(0), 0) + 1
    return tuple(counts.items())
