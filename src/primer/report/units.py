"""Our own text as located units, in a fixed order: topics (in reading order), the timeline, the
glossary, actors, places, the summary points and framing notes of the sources, then the
hand-written questions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from primer import memo
from primer.content.library import Library, Origin
from primer.content.load import Key
from primer.content.models import Actor, Event, Place, Point, QuestionBase, Source, Term, Topic
from primer.memo import Memo
from primer.report.base import Unit, blank_targets


def own_text(lib: Library) -> list[Unit]:
    """Every text value a reader sees that we wrote, with where it is and whose it is."""
    units: list[Unit] = []
    _add(units, lib, "topic", lib.topics_in_order(), _topic_texts)
    _add(units, lib, "event", lib.events_in_order(), _event_texts)
    _add(units, lib, "term", lib.terms.values(), _term_texts)
    _add(units, lib, "actor", lib.actors.values(), _actor_texts)
    _add(units, lib, "place", lib.places.values(), _place_texts)
    for source in lib.sources.values():
        _add(units, lib, "point", source.points, _point_texts)
        _add(units, lib, "source", [source], _framing_texts)
    _add(units, lib, "question", lib.questions.values(), _question_texts)
    return units


#: An item's texts: (where below the item, the text, what it is, its topic).
_Texts = Iterator[tuple[Key, str | None, str, str | None]]


def _add(units: list[Unit], lib: Library, kind: str, values: Iterable[Any], texts: Callable[[Any], _Texts]) -> None:
    """Add to `units` those of the texts `texts` gives of each of `values` (items of `kind`), in order: run by run
    of items defined in one file (`_run`)."""
    origins = lib.origins
    run: list[tuple[Any, Origin]] = []
    for value in values:
        origin = origins[(kind, value.id)]
        if run and origin.doc is not run[0][1].doc:
            units += _run(kind, run, texts)
            run = []
        run.append((value, origin))
    if run:
        units += _run(kind, run, texts)


#: The units of a run of items defined one after another in one file (`_run`), by the items, the file as parsed
#: and where each is in it (see `primer.memo`): a save makes again the units of the runs in the files it changed
#: (`primer build --watch`, `primer serve`), and looks up each other run once (a glossary's, a source's points),
#: not item by item (16,000 items at 256 topics).
_RUNS: Memo[tuple[object, ...], list[Unit]] = Memo()


def _run(kind: str, run: list[tuple[Any, Origin]], texts: Callable[[Any], _Texts]) -> list[Unit]:
    """The units of the texts `texts` gives of each item of `run` (with where it is defined), at its place in its
    file."""

    def make() -> list[Unit]:
        return [
            Unit(origin.doc, (*origin.loc, *sub), blank_targets(text), text, (kind, value.id), part, topic)
            for value, origin in run
            for sub, text, part, topic in texts(value)
            if text
        ]

    if not memo.on():
        return make()
    doc = run[0][1].doc
    key = (kind, id(doc), *[id(value) for value, _ in run], *[origin.loc for _, origin in run])
    return _RUNS.get(key, make, keep=(doc, [value for value, _ in run]))


def _topic_texts(topic: Topic) -> _Texts:
    yield ("lede",), topic.lede, "lede", topic.id
    for i, text in enumerate(topic.takeaways):
        yield ("takeaways", i), text, "takeaway", topic.id
    for i, section in enumerate(topic.sections):
        yield ("sections", i, "body"), section.body, "section", topic.id
    for i, perspective in enumerate(topic.perspectives):
        yield ("perspectives", i, "text"), perspective.text, "perspective", topic.id
    for i, step in enumerate(topic.next):
        yield ("next", i, "text"), step.text, "next", topic.id
    for i, text in enumerate(topic.prompts):
        yield ("prompts", i), text, "prompt", topic.id


def _event_texts(event: Event) -> _Texts:
    yield ("title",), event.title, "event", None
    yield ("text",), event.text, "event", None


def _term_texts(term: Term) -> _Texts:
    yield ("definition",), term.definition, "definition", None


def _actor_texts(actor: Actor) -> _Texts:
    yield ("role",), actor.role, "actor", None
    for i, text in enumerate(actor.interests):
        yield ("interests", i), text, "actor", None
    for i, position in enumerate(actor.positions):
        yield ("positions", i, "text"), position.text, "actor", None


def _place_texts(place: Place) -> _Texts:
    yield ("text",), place.text, "place", None


def _point_texts(point: Point) -> _Texts:
    yield ("text",), point.text, "point", None
    yield ("correction",), point.correction, "correction", None
    yield ("note",), point.note, "correction", None


def _framing_texts(source: Source) -> _Texts:
    framing = source.framing
    for i, loaded in enumerate(framing.loaded_wording):
        yield ("framing", "loaded_wording", i, "note"), loaded.note, "framing", None
    for i, unattributed in enumerate(framing.unattributed):
        yield ("framing", "unattributed", i, "note"), unattributed.note, "framing", None
    yield ("framing", "conclusion"), framing.conclusion, "framing", None
    for i, text in enumerate(framing.notes):
        yield ("framing", "notes", i), text, "framing", None


def _question_texts(question: QuestionBase) -> _Texts:
    yield ("stem",), question.stem, "question", None
    yield ("explanation",), question.explanation, "question", None
    for i, choice in enumerate(getattr(question, "choices", [])):
        yield ("choices", i, "text"), choice.text, "question", None
        yield ("choices", i, "feedback"), choice.feedback, "question", None


#: Parts of our text that the explainer pages, timeline, glossary, actors and places show in our voice.
OWN_VOICE = frozenset(
    {"lede", "takeaway", "section", "perspective", "next", "prompt", "event", "definition", "actor", "place"}
)
