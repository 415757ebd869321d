"""Anki decks (.apkg, built with genanki): a deck per topic with glossary cards (term → definition,
acronym → expansion) and question cards for the types that make good flashcards.

Every note's GUID comes from what it is ("question", id) and never from the build, so importing a
rebuilt deck updates its cards instead of adding copies. Anki updates a note only when the new copy is
newer: the notes carry SOURCE_DATE_EPOCH as their modification time (set it to a later time, such as
the time of the last content change, so that a re-import brings changed cards in)."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from primer.content.models import (
    Cloze,
    Matching,
    MultipleChoice,
    Numeric,
    OpenResponse,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    Term,
    TrueFalse,
)
from primer.exports.common import (
    LossReport,
    Scope,
    esc,
    fragment,
    note_markup,
    number,
    stable_int,
    to_html,
    topic_terms,
    zip_bytes,
)

if TYPE_CHECKING:
    import sqlite3

    import genanki

    from primer.content.library import Library

# genanki (and what it imports: asyncio, chevron, sqlite3; 20 ms) is imported where a deck is made, not with the
# exports: a rebuild that takes every deck from the last build, and `primer check`, never make one.

#: A modification time for notes when SOURCE_DATE_EPOCH is not set (never the clock).
DEFAULT_EPOCH = 1_700_000_000

CSS = ".card { font-family: sans-serif; font-size: 20px; text-align: left; color: black; background: white; }"


@functools.cache
def _model() -> genanki.Model:
    """The one note type of every card (`MODEL`): front and back, with the back under the front."""
    import genanki

    return genanki.Model(
        stable_int("primer", "anki", "model"),
        "primer card",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[
            {
                "name": "Card",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
            }
        ],
        css=CSS,
    )


def __getattr__(name: str) -> Any:
    if name == "MODEL":  # the note type, made when first asked for (see above)
        return _model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else DEFAULT_EPOCH


def _order(qid: str, count: int) -> list[int]:
    """A fixed shuffle, so that an ordering card does not show its items in the right order."""
    order = sorted(range(count), key=lambda i: hashlib.sha256(f"{qid}:{i}".encode()).hexdigest())
    return order if order != list(range(count)) else order[1:] + order[:1]


def _list(items: list[str], ordered: bool = False) -> str:
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{esc(item)}</li>" for item in items) + f"</{tag}>"


def card(question: QuestionBase, report: LossReport) -> tuple[str, str] | None:
    """(front, back) HTML of a question's flashcard, or None when it makes no flashcard."""
    rendered = to_html(question.stem)
    note_markup(report, question, rendered, plain_target=False)
    front = rendered.text
    explanation = f"<p>{esc(question.explanation)}</p>"
    if isinstance(question, SingleChoice | MultipleChoice):
        rights = [c.text for c in question.choices if c.correct]
        options = "".join(
            f"<li>{'✓' if c.correct else '✗'} {esc(c.text)}: {esc(c.feedback)}</li>" for c in question.choices
        )
        return front + _list([c.text for c in question.choices]), _list(rights) + explanation + f"<ul>{options}</ul>"
    if isinstance(question, TrueFalse):
        answer = "True" if question.answer else "False"
        feedback = (
            f"<ul><li>If you said true: {esc(question.feedback_true)}</li>"
            f"<li>If you said false: {esc(question.feedback_false)}</li></ul>"
        )
        return f"<p>True or false?</p>{front}", f"<p><strong>{answer}</strong></p>" + explanation + feedback
    if isinstance(question, ShortAnswer):
        return front, f"<p><strong>{esc(question.accept[0])}</strong></p>" + explanation
    if isinstance(question, Numeric):
        unit = f" {esc(question.unit)}" if question.unit else ""
        return front, f"<p><strong>{number(question.answer)}{unit}</strong></p>" + explanation
    if isinstance(question, Ordering):
        shown = [question.items[i] for i in _order(question.id, len(question.items))]
        return front + _list(shown), _list(question.items, ordered=True) + explanation
    if isinstance(question, Matching):
        lefts = [p.left for p in question.pairs]
        return front + _list(lefts), _list([f"{p.left} → {p.right}" for p in question.pairs]) + explanation
    if isinstance(question, Cloze):
        blanked = back = front
        for blank in question.blanks:
            filled = blank.answer if blank.choices else blank.accept[0]
            offered = f" ({' / '.join(blank.choices)})" if blank.choices else ""
            blanked = blanked.replace(f"[[{blank.id}]]", f"_____{esc(offered)}")
            back = back.replace(f"[[{blank.id}]]", f"<strong>{esc(str(filled))}</strong>")
        return blanked, back + explanation
    if isinstance(question, OpenResponse):
        report.skip(question, "an open question needs a teacher to mark it; it makes no flashcard")
    return None


def _card_note(scope: Scope, question: QuestionBase, report: LossReport) -> tuple[str, list[str]] | None:
    """The GUID of a question's note, and the front and back of its flashcard (`card`), made once per build
    (`fragment`): a question is in the whole lesson's deck and in its topics'. The GUID is kept with the
    sides, so that a rebuild that takes the fragment from the last build does not work it out again (a
    rebuild after a question's edit makes the whole lesson's deck again, in a worker whose cache of GUIDs
    starts empty: 5,700 of them at 256 topics, 0.2 s)."""

    def make(scratch: LossReport) -> str | None:
        sides = card(question, scratch)
        return None if sides is None else json.dumps([_guid("question", question.id), *sides], ensure_ascii=False)

    data = fragment(scope, "anki", question, report, make)
    if data is None:
        return None
    guid, *sides = json.loads(data)
    return guid, sides


@functools.lru_cache(maxsize=1 << 16)
def _guid(kind: str, ident: str) -> str:
    """A note's GUID (`genanki.guid_for`), worked out once per note: a question or a term is in the whole
    lesson's deck and in its topics'."""
    import genanki

    return str(genanki.guid_for(kind, ident))


def warm_guids(lib: Library) -> None:
    """Work out the GUID of each glossary card of `lib` (`_term_cards`), in a process that builds again
    (`primer build --watch`) once a build is written: the next rebuild's exports' worker, forked from it, then
    finds them, where its cache would start empty. (A question's is kept with its card's fragment: see
    `_card_note`.) A rebuild after a question's or a term's edit makes the whole lesson's deck again, with
    2,800 glossary cards at 256 topics (0.1 s of GUIDs)."""
    for term in lib.terms.values():
        _term_cards(term)


def _term_cards(term: Term) -> list[tuple[str, str, str]]:
    """(guid, front, back) of a term's cards: term → definition, and acronym → expansion."""
    cards = [(_guid("term", term.id), f"<p>{esc(term.term)}</p>", f"<p>{esc(term.definition)}</p>")]
    if term.expansion:
        cards.append(
            (
                _guid("acronym", term.id),
                f"<p>What does <strong>{esc(term.term)}</strong> stand for?</p>",
                f"<p>{esc(term.expansion)}</p>",
            )
        )
    return cards


def _deck_terms(scope: Scope) -> dict[str | None, list[Term]]:
    """Topic id → the glossary terms its text uses, each term once (under its first topic)."""
    lib, derived = scope.lib, scope.derived
    if scope.topic is not None:  # the terms the topic uses, reading no other term
        return {scope.topic: [lib.terms[term_id] for term_id in topic_terms(lib, derived, scope.topic)]}
    order: dict[str, int] = {}  # topic → its group's place (the first group of a topic counts)
    for place, group in enumerate(scope.groups):
        if group.topic is not None:
            order.setdefault(group.topic, place)
    found: dict[str | None, list[Term]] = {}
    seen: set[str] = set()
    for term_id, topics in derived.term_topics.items():  # once over the terms, not once per group
        places = [order[topic] for topic in topics if topic in order]
        if places:
            seen.add(term_id)
            found.setdefault(scope.groups[min(places)].topic, []).append(lib.terms[term_id])
    if scope.topic is None:
        found[None] = [t for tid, t in lib.terms.items() if tid not in seen]
    return found


def anki(scope: Scope) -> tuple[bytes, LossReport]:
    """The scope as an Anki package: a deck per topic, glossary and question cards."""
    import genanki

    report = LossReport("Anki")
    lib = scope.lib
    model = _model()
    terms = _deck_terms(scope)
    decks = []
    for group in scope.groups:
        name = group.title if scope.topic is not None else f"{lib.site.title}::{group.title}"
        deck = genanki.Deck(stable_int("deck", scope.slug(), group.topic or ""), name)
        for guid, front, back in [c for term in terms.get(group.topic, []) for c in _term_cards(term)]:
            deck.add_note(genanki.Note(model=model, fields=[front, back], guid=guid, tags=["glossary"]))
            report.extras += 1
        for question in group.questions:
            made = _card_note(scope, question, report)
            if made is None:
                continue
            guid, sides = made
            tags = [f"objective::{question.objective}", f"difficulty::{question.difficulty}"]
            deck.add_note(genanki.Note(model=model, fields=sides, guid=guid, tags=tags))
            report.exported += 1
        decks.append(deck)
    if scope.topic is None and terms.get(None):
        deck = genanki.Deck(stable_int("deck", scope.slug(), "glossary"), f"{lib.site.title}::Glossary")
        for guid, front, back in [c for term in terms[None] for c in _term_cards(term)]:
            deck.add_note(genanki.Note(model=model, fields=[front, back], guid=guid, tags=["glossary"]))
            report.extras += 1
        decks.append(deck)
    return _apkg(decks), report


def write_collection(cursor: sqlite3.Cursor, decks: list[genanki.Deck], timestamp: int, ids: Iterator[int]) -> None:
    """What genanki's `Package(decks).write_to_db` writes: the collection's schema, then its decks
    (`write_decks`)."""
    _schema(cursor)
    write_decks(cursor, decks, timestamp, ids)


def _schema(cursor: sqlite3.Cursor) -> None:
    """The collection's tables and its one row, as genanki writes them first."""
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    cursor.executescript(APKG_SCHEMA)
    cursor.executescript(APKG_COL)


def write_decks(cursor: sqlite3.Cursor, decks: list[genanki.Deck], timestamp: int, ids: Iterator[int]) -> None:
    """What genanki's `Package(decks).write_to_db` writes after the schema, with the collection's list of decks
    written once. genanki reads that list back, adds one deck and writes it all again for each deck: for a
    lesson of a thousand topics, a thousand times a list a thousand decks long, seconds of JSON. The collection
    holds the same rows (tested against genanki's own way)."""
    (listed,) = cursor.execute("SELECT decks FROM col").fetchone()
    known = json.loads(listed)
    known.update({str(deck.deck_id): deck.to_json() for deck in decks})
    cursor.execute("UPDATE col SET decks = ?", (json.dumps(known),))
    for deck in decks:  # the rest as `Deck.write_to_db` writes it: its note types, then its notes
        (kinds,) = cursor.execute("SELECT models from col").fetchone()
        models = json.loads(kinds)
        for note in deck.notes:
            deck.add_model(note.model)
        models.update({model.model_id: model.to_json(timestamp, deck.deck_id) for model in deck.models.values()})
        cursor.execute("UPDATE col SET models = ?", (json.dumps(models),))
        for note in deck.notes:
            note.write_to_db(cursor, timestamp, deck.deck_id, ids)


@functools.cache
def _empty_collection() -> bytes:
    """A collection with genanki's schema and nothing else, as a database's bytes: each package's collection
    starts from a copy of it (`_apkg`) instead of running the schema's script again: the 257 packages of a
    256-topic lesson 0.50 s → 0.43 s on one process."""
    import sqlite3

    connection = sqlite3.connect(":memory:")
    try:
        _schema(connection.cursor())
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


def _as_made_in_memory(data: bytes) -> bytes:
    """A database's bytes with the header's counts of its changes as a database made in memory leaves them, 0:
    the file change counter (bytes 24-27), the change it is valid for and the SQLite version that made it
    (92-99). SQLite counts them in a database read from bytes (`_empty_collection`'s copies); the rest of the
    file is as it would be (tested)."""
    return data[:24] + bytes(4) + data[28:92] + bytes(8) + data[100:]


def _apkg(decks: list[genanki.Deck]) -> bytes:
    """The package of `decks` as bytes: its collection built in memory, zipped with fixed dates."""
    import sqlite3

    epoch = _epoch()
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(_empty_collection())
        cursor = connection.cursor()
        write_decks(cursor, decks, epoch, itertools.count(epoch * 1000))
        connection.commit()
        collection = _as_made_in_memory(connection.serialize())
    finally:
        connection.close()
    return zip_bytes({"collection.anki2": collection, "media": json.dumps({}).encode()})
