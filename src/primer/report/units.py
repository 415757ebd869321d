"""Our own text as located units, in a fixed order: topics (in reading order), the timeline, the
glossary, actors, places, the summary points and framing notes of the sources, then the
hand-written questions."""

from __future__ import annotations

from primer.content.library import Library
from primer.content.load import Key
from primer.report.base import Item, Unit, blank_targets


def own_text(lib: Library) -> list[Unit]:
    """Every text value a reader sees that we wrote, with where it is and whose it is."""
    units: list[Unit] = []

    def add(item: Item, sub: Key, text: str | None, part: str, topic: str | None = None) -> None:
        if not text:
            return
        origin = lib.origins[item]
        units.append(Unit(origin.doc, (*origin.loc, *sub), blank_targets(text), text, item, part, topic))

    for topic in lib.topics_in_order():
        item = ("topic", topic.id)
        add(item, ("lede",), topic.lede, "lede", topic.id)
        for i, text in enumerate(topic.takeaways):
            add(item, ("takeaways", i), text, "takeaway", topic.id)
        for i, section in enumerate(topic.sections):
            add(item, ("sections", i, "body"), section.body, "section", topic.id)
        for i, perspective in enumerate(topic.perspectives):
            add(item, ("perspectives", i, "text"), perspective.text, "perspective", topic.id)
        for i, step in enumerate(topic.next):
            add(item, ("next", i, "text"), step.text, "next", topic.id)
        for i, text in enumerate(topic.prompts):
            add(item, ("prompts", i), text, "prompt", topic.id)
    for event in lib.events_in_order():
        add(("event", event.id), ("title",), event.title, "event")
        add(("event", event.id), ("text",), event.text, "event")
    for term in lib.terms.values():
        add(("term", term.id), ("definition",), term.definition, "definition")
    for actor in lib.actors.values():
        item = ("actor", actor.id)
        add(item, ("role",), actor.role, "actor")
        for i, text in enumerate(actor.interests):
            add(item, ("interests", i), text, "actor")
        for i, position in enumerate(actor.positions):
            add(item, ("positions", i, "text"), position.text, "actor")
    for place in lib.places.values():
        add(("place", place.id), ("text",), place.text, "place")
    for source in lib.sources.values():
        for point in source.points:
            item = ("point", point.id)
            add(item, ("text",), point.text, "point")
            add(item, ("correction",), point.correction, "correction")
            add(item, ("note",), point.note, "correction")
        item = ("source", source.id)
        framing = source.framing
        for i, loaded in enumerate(framing.loaded_wording):
            add(item, ("framing", "loaded_wording", i, "note"), loaded.note, "framing")
        for i, unattributed in enumerate(framing.unattributed):
            add(item, ("framing", "unattributed", i, "note"), unattributed.note, "framing")
        add(item, ("framing", "conclusion"), framing.conclusion, "framing")
        for i, text in enumerate(framing.notes):
            add(item, ("framing", "notes", i), text, "framing")
    for question in lib.questions.values():
        item = ("question", question.id)
        add(item, ("stem",), question.stem, "question")
        add(item, ("explanation",), question.explanation, "question")
        for i, choice in enumerate(getattr(question, "choices", [])):
            add(item, ("choices", i, "text"), choice.text, "question")
            add(item, ("choices", i, "feedback"), choice.feedback, "question")
    return units


#: Parts of our text that the explainer pages, timeline, glossary, actors and places show in our voice.
OWN_VOICE = frozenset(
    {"lede", "takeaway", "section", "perspective", "next", "prompt", "event", "definition", "actor", "place"}
)
