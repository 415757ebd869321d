"""Our own text as located units, in a fixed order: topics (in reading order), the timeline, the
glossary, actors, places, the summary points and framing notes of the sources, then the
hand-written questions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from primer.content.library import Library
from primer.content.load import Key
from primer.content.models import Actor, Event, Place, Point, QuestionBase, Source, Term, Topic
from primer.memo import Memo
from primer.report.base import Item, Unit, blank_targets


def own_text(lib: Library) -> list[Unit]:
    """Every text value a reader sees that we wrote, with where it is and whose it is."""
    units: list[Unit] = []
    for topic in lib.topics_in_order():
        units += _units(lib, ("topic", topic.id), topic, _topic_texts)
    for event in lib.events_in_order():
        units += _units(lib, ("event", event.id), event, _event_texts)
    for term in lib.terms.values():
        units += _units(lib, ("term", term.id), term, _term_texts)
    for actor in lib.actors.values():
        units += _units(lib, ("actor", actor.id), actor, _actor_texts)
    for place in lib.places.values():
        units += _units(lib, ("place", place.id), place, _place_texts)
    for source in lib.sources.values():
        for point in source.points:
            units += _units(lib, ("point", point.id), point, _point_texts)
        units += _units(lib, ("source", source.id), source, _framing_texts)
    for question in lib.questions.values():
        units += _units(lib, ("question", question.id), question, _question_texts)
    return units


#: An item's texts: (where below the item, the text, what it is, its topic).
_Texts = Iterator[tuple[Key, str | None, str, str | None]]

#: Each item's units by the item, its file as parsed, and where it is in the file (see `primer.memo`): a save
#: makes again the units of the items whose file it changed (`primer build --watch`, `primer serve`).
_UNITS: Memo[tuple[int, int, Key], list[Unit]] = Memo()


def _units(lib: Library, item: Item, value: Any, texts: Callable[[Any], _Texts]) -> list[Unit]:
    """The units of the texts `texts` gives of one item (`value`), at its place in its file."""
    origin = lib.origins[item]
    doc, loc = origin.doc, origin.loc

    def make() -> list[Unit]:
        return [
            Unit(doc, (*loc, *sub), blank_targets(text), text, item, part, topic)
            for sub, text, part, topic in texts(value)
            if text
        ]

    return _UNITS.get((id(value), id(doc), loc), make, keep=(value, doc))


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
