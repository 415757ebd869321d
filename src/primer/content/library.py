"""The validate stage: documents → typed models → one Library with every id resolved."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from primer.content.load import Document, Key, load_file
from primer.content.models import (
    KINDS,
    Actor,
    Actors,
    Event,
    Glossary,
    Objective,
    Place,
    Places,
    Point,
    QuestionBase,
    QuestionFile,
    Refs,
    Site,
    Source,
    Term,
    Timeline,
    Topic,
)
from primer.content.schema_errors import problems_from
from primer.errors import ContentError, Problem, display_path

M = TypeVar("M", bound=BaseModel)

#: Markdown links that point at content: [text](point:ID), (term:ID), (event:ID), (source:ID), …
LINK = re.compile(r"\]\((point|term|event|source|topic|actor|place|question):([^)\s]*)\)")


#: The kinds of item each kind of file defines.
ITEM_KINDS: dict[str, tuple[str, ...]] = {
    "site": (),
    "source": ("source", "point"),
    "glossary": ("term",),
    "actors": ("actor",),
    "timeline": ("event",),
    "places": ("place",),
    "topic": ("topic", "objective"),
    "questions": ("question",),
}


@dataclass(frozen=True)
class Origin:
    """Where an item was defined: its document and its location inside it."""

    doc: Document
    loc: Key

    def problem(self, sub: Key, message: str, fix: str = "", *, warning: bool = False) -> Problem:
        """A problem at `sub` below this item."""
        return self.doc.problem((*self.loc, *sub), message, fix, warning=warning)

    def describe(self) -> str:
        """'file:line' of the item, for messages that name a second place."""
        line, _ = self.doc.where(self.loc)
        return f"{self.doc.shown}:{line}"


@dataclass
class Library:
    """All content, validated and cross-linked; every dict is sorted by id."""

    root: Path
    site: Site
    sources: dict[str, Source] = field(default_factory=dict)
    points: dict[str, Point] = field(default_factory=dict)
    point_source: dict[str, str] = field(default_factory=dict)
    terms: dict[str, Term] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    objectives: dict[str, Objective] = field(default_factory=dict)
    objective_topic: dict[str, str] = field(default_factory=dict)
    questions: dict[str, QuestionBase] = field(default_factory=dict)
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def topics_in_order(self) -> list[Topic]:
        """Topics by their `order`, then id."""
        return sorted(self.topics.values(), key=lambda t: (t.order, t.id))

    def events_in_order(self) -> list[Event]:
        """Timeline events, earliest first."""
        return sorted(self.events.values(), key=lambda e: (e.date.sort_key(), e.id))

    def source_of(self, point_id: str) -> Source:
        """The source a point belongs to."""
        return self.sources[self.point_source[point_id]]


def _files(content: Path, pattern: str) -> list[Path]:
    if "*" in pattern:
        folder = content / pattern.split("/")[0]
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    path = content / pattern
    return [path] if path.exists() else []


class _Builder:
    """Collects problems while turning documents into a Library."""

    def __init__(self, content: Path) -> None:
        self.content = content
        self.problems: list[Problem] = []
        self.registry: dict[tuple[str, str], Origin] = {}
        #: Item kinds some file of which failed: references to them are not reported as dangling,
        #: since the missing id is most likely in the broken file (one mistake, one message).
        self.incomplete: set[str] = set()

    def shown(self, path: Path) -> str:
        return display_path(path, self.content)

    def parse(self, kind: str) -> list[tuple[Document, Any]]:
        model, pattern = KINDS[kind]
        parsed: list[tuple[Document, Any]] = []
        for path in _files(self.content, pattern):
            doc = load_file(path, self.shown(path), self.problems)
            if doc is None:
                self.incomplete.update(ITEM_KINDS[kind])
                continue
            if not isinstance(doc.data, dict):
                self.problems.append(
                    doc.problem((), f"a {kind} file must be a mapping of 'key: value' lines", "see the JSON Schema")
                )
                self.incomplete.update(ITEM_KINDS[kind])
                continue
            try:
                parsed.append((doc, model.model_validate(doc.data)))
            except ValidationError as exc:
                self.problems.extend(problems_from(exc, doc, model))
                self.incomplete.update(ITEM_KINDS[kind])
        return parsed

    def register(self, kind: str, item_id: str, origin: Origin, table: dict[str, Any], item: Any) -> None:
        first = self.registry.get((kind, item_id))
        if first is not None:
            self.problems.append(
                origin.problem(
                    ("id",),
                    f"duplicate {kind} id '{item_id}' (first defined at {first.describe()})",
                    "give one of them another id",
                )
            )
            return
        self.registry[(kind, item_id)] = origin
        table[item_id] = item

    def resolve(self, origin: Origin, sub: Key, kind: str, ids: Iterable[str], table: dict[str, Any]) -> None:
        """Every id in `ids` (listed at `sub` below `origin`) must name an existing `kind`."""
        if kind in self.incomplete:
            return
        for i, item_id in enumerate(ids):
            if item_id not in table:
                self.problems.append(self.dangling(origin, (*sub, i), kind, item_id, table))

    def resolve_one(self, origin: Origin, sub: Key, kind: str, item_id: str | None, table: dict[str, Any]) -> None:
        if item_id is not None and item_id not in table and kind not in self.incomplete:
            self.problems.append(self.dangling(origin, sub, kind, item_id, table))

    @staticmethod
    def dangling(origin: Origin, sub: Key, kind: str, item_id: str, table: dict[str, Any]) -> Problem:
        import difflib

        close = difflib.get_close_matches(item_id, list(table), n=1, cutoff=0.6)
        fix = f"did you mean '{close[0]}'?" if close else f"define the {kind} '{item_id}', or fix the reference"
        return origin.problem(sub, f"no {kind} has the id '{item_id}'", fix)


def _items(doc: Document, key: str, items: list[M]) -> Iterator[tuple[Origin, M]]:
    for index, item in enumerate(items):
        yield Origin(doc, (key, index)), item


def load_library(content: Path) -> Library:
    """Load and validate every content file; raise ContentError listing all problems at once."""
    b = _Builder(content)
    if not content.is_dir():
        raise ContentError([Problem(str(content), 1, 1, "the content folder does not exist", "pass --content DIR")])
    site_docs = b.parse("site")
    if not site_docs and not any(p.path.endswith("site.yaml") for p in b.problems):
        b.problems.append(
            Problem(b.shown(content / "site.yaml"), 1, 1, "site.yaml is missing", "create it with the site's title")
        )
    sources = b.parse("source")
    glossaries = b.parse("glossary")
    actor_docs = b.parse("actors")
    timelines = b.parse("timeline")
    place_docs = b.parse("places")
    topics = b.parse("topic")
    question_docs = b.parse("questions")
    if not site_docs:
        raise ContentError(b.problems)

    lib = Library(root=content, site=site_docs[0][1])
    for doc, source in sources:
        assert isinstance(source, Source)
        b.register("source", source.id, Origin(doc, ()), lib.sources, source)
        for origin, point in _items(doc, "points", source.points):
            b.register("point", point.id, origin, lib.points, point)
            lib.point_source.setdefault(point.id, source.id)
    for doc, glossary in glossaries:
        assert isinstance(glossary, Glossary)
        for origin, term in _items(doc, "terms", glossary.terms):
            b.register("term", term.id, origin, lib.terms, term)
    for doc, actors in actor_docs:
        assert isinstance(actors, Actors)
        for origin, actor in _items(doc, "actors", actors.actors):
            b.register("actor", actor.id, origin, lib.actors, actor)
    for doc, timeline in timelines:
        assert isinstance(timeline, Timeline)
        for origin, event in _items(doc, "events", timeline.events):
            b.register("event", event.id, origin, lib.events, event)
    for doc, places in place_docs:
        assert isinstance(places, Places)
        for origin, place in _items(doc, "places", places.places):
            b.register("place", place.id, origin, lib.places, place)
    for doc, topic in topics:
        assert isinstance(topic, Topic)
        b.register("topic", topic.id, Origin(doc, ()), lib.topics, topic)
        for origin, objective in _items(doc, "objectives", topic.objectives):
            b.register("objective", objective.id, origin, lib.objectives, objective)
            lib.objective_topic.setdefault(objective.id, topic.id)
    for doc, qfile in question_docs:
        assert isinstance(qfile, QuestionFile)
        for origin, question in _items(doc, "questions", qfile.questions):
            b.register("question", question.id, origin, lib.questions, question)
    lib.origins = dict(b.registry)

    _cross_check(b, lib)
    problems = [p for p in b.problems if p.severity == "error"]
    if problems:
        raise ContentError(b.problems)
    lib.warnings = sorted(b.problems)
    for table in (lib.sources, lib.points, lib.terms, lib.actors, lib.events, lib.places, lib.topics, lib.questions):
        _sort_by_id(table)
    return lib


def _sort_by_id(table: dict[str, Any]) -> None:
    """Re-insert a table's items in id order, so that every iteration is deterministic."""
    ordered = sorted(table.items())
    table.clear()
    table.update(ordered)


def _check_refs(b: _Builder, lib: Library, origin: Origin, sub: Key, refs: Refs) -> None:
    b.resolve(origin, (*sub, "points"), "point", refs.points, lib.points)
    b.resolve(origin, (*sub, "terms"), "term", refs.terms, lib.terms)
    b.resolve(origin, (*sub, "events"), "event", refs.events, lib.events)


def _check_links(b: _Builder, lib: Library, origin: Origin, sub: Key, text: str) -> None:
    tables: dict[str, dict[str, Any]] = {
        "point": lib.points,
        "term": lib.terms,
        "event": lib.events,
        "source": lib.sources,
        "topic": lib.topics,
        "actor": lib.actors,
        "place": lib.places,
        "question": lib.questions,
    }
    for match in LINK.finditer(text):
        kind, item_id = match.groups()
        if item_id not in tables[kind] and kind not in b.incomplete:
            b.problems.append(b.dangling(origin, sub, kind, item_id, tables[kind]))


def _cross_check(b: _Builder, lib: Library) -> None:
    """Every reference between files resolves, and locators fit their source."""
    for sid, source in lib.sources.items():
        origin = lib.origins[("source", sid)]
        count = source.paragraphs.count
        for i, point in enumerate(source.points):
            for j, para in enumerate(point.paragraphs):
                if para > count:
                    b.problems.append(
                        origin.problem(
                            ("points", i, "paragraphs", j),
                            f"paragraph {para} is past the end of the source, which has {count}",
                            "fix the locator, or paragraphs.count",
                        )
                    )
            b.resolve_one(origin, ("points", i, "speaker"), "actor", point.speaker, lib.actors)
        for key in ("loaded_wording", "unattributed"):
            for i, item in enumerate(getattr(source.framing, key)):
                if item.paragraph > count:
                    b.problems.append(
                        origin.problem(
                            ("framing", key, i, "paragraph"),
                            f"paragraph {item.paragraph} is past the end of the source, which has {count}",
                            "fix the locator",
                        )
                    )
    for tid, term in lib.terms.items():
        b.resolve(lib.origins[("term", tid)], ("see_also",), "term", term.see_also, lib.terms)
    for aid, actor in lib.actors.items():
        origin = lib.origins[("actor", aid)]
        b.resolve_one(origin, ("country",), "actor", actor.country, lib.actors)
        for i, position in enumerate(actor.positions):
            b.resolve(origin, ("positions", i, "points"), "point", position.points, lib.points)
    for eid, event in lib.events.items():
        origin = lib.origins[("event", eid)]
        b.resolve(origin, ("actors",), "actor", event.actors, lib.actors)
        b.resolve(origin, ("places",), "place", event.places, lib.places)
        b.resolve(origin, ("sources",), "source", event.sources, lib.sources)
        b.resolve(origin, ("later_than",), "source", event.later_than, lib.sources)
        _check_refs(b, lib, origin, ("refs",), event.refs)
        for i, sid in enumerate(event.later_than):
            postdated = lib.sources.get(sid)
            if postdated is not None and event.date.first <= postdated.published.date.last:
                b.problems.append(
                    origin.problem(
                        ("later_than", i),
                        f"the event ({event.date}) does not come after '{sid}' was published "
                        f"({postdated.published.date})",
                        f"remove '{sid}' from later_than, or fix the date",
                    )
                )
    for pid, place in lib.places.items():
        origin = lib.origins[("place", pid)]
        b.resolve_one(origin, ("country",), "actor", place.country, lib.actors)
        b.resolve(origin, ("events",), "event", place.events, lib.events)
    in_topic: set[str] = set()
    for tid, topic in lib.topics.items():
        origin = lib.origins[("topic", tid)]
        for i, section in enumerate(topic.sections):
            _check_links(b, lib, origin, ("sections", i, "body"), section.body)
        for i, perspective in enumerate(topic.perspectives):
            b.resolve_one(origin, ("perspectives", i, "actor"), "actor", perspective.actor, lib.actors)
            b.resolve(origin, ("perspectives", i, "points"), "point", perspective.points, lib.points)
        for i, item in enumerate(topic.next):
            b.resolve_one(origin, ("next", i, "event"), "event", item.event, lib.events)
            next_event = lib.events.get(item.event)
            if next_event is not None and not next_event.later_than:
                b.problems.append(
                    origin.problem(
                        ("next", i, "event"),
                        f"'{item.event}' is listed under what happened next but is not marked as later than a source",
                        "add the sources it postdates to the event's later_than, or move it out of 'next'",
                        warning=True,
                    )
                )
        own = [o.id for o in topic.objectives]
        if topic.generate.objective is not None and topic.generate.objective not in own:
            b.problems.append(
                origin.problem(
                    ("generate", "objective"),
                    f"'{topic.generate.objective}' is not one of this topic's objectives",
                    f"use one of {', '.join(own)}",
                )
            )
        b.resolve(origin, ("sources",), "source", topic.sources, lib.sources)
        b.resolve(origin, ("questions",), "question", topic.questions, lib.questions)
        in_topic.update(topic.questions)
    for qid, question in lib.questions.items():
        origin = lib.origins[("question", qid)]
        b.resolve_one(origin, ("objective",), "objective", question.objective, lib.objectives)
        _check_refs(b, lib, origin, ("tests",), question.tests)
        _check_links(b, lib, origin, ("stem",), question.stem)
        if question.tests.empty():
            b.problems.append(
                origin.problem(
                    ("tests",),
                    "the question tests nothing",
                    "list the points, terms or events it tests under tests:",
                )
            )
        if lib.topics and qid not in in_topic:
            b.problems.append(
                origin.problem(
                    ("id",),
                    f"question '{qid}' is in no topic's quiz",
                    "add its id to a topic's questions:",
                    warning=True,
                )
            )
