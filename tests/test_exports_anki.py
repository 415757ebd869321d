"""Anki decks opened by the official anki package: imported into a fresh collection, notes counted and
compared, and a rebuilt deck imported again updates its cards instead of adding copies."""

from __future__ import annotations

import importlib
import itertools
import sqlite3
import zipfile
from io import BytesIO
from pathlib import Path

import genanki
import pytest

from exportdata import TREES, checked, exported, module, questions
from primer.build import check
from primer.content.models import QuestionBase
from primer.exports import render_export
from primer.exports.anki import MODEL, write_collection
from primer.exports.common import LossReport

anki_collection = module("anki.collection")


def _import(collection: object, path: Path) -> object:
    """Import a package as Anki's File → Import does; returns Anki's log of what it did."""
    request = anki_collection.ImportAnkiPackageRequest(
        package_path=str(path), options=anki_collection.ImportAnkiPackageOptions(with_scheduling=False)
    )
    return collection.import_anki_package(request).log  # type: ignore[attr-defined]


@pytest.fixture
def collection(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh, empty Anki collection."""
    col = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    yield col
    col.close()


def _expected_notes(tree: str) -> tuple[int, int]:
    """(glossary cards, question cards) the whole-bank deck should hold."""
    lib = checked(tree).library
    terms = sum(1 + bool(t.expansion) for t in lib.terms.values())
    cards = sum(getattr(q, "type", "") != "open" for q in questions(tree).values())
    return terms, cards


@pytest.mark.parametrize("tree", sorted(TREES))
def test_the_deck_imports_with_every_card(tree: str, tmp_path: Path, collection: object) -> None:
    data, report = exported(tree, "anki")
    path = tmp_path / "deck.apkg"
    path.write_bytes(data)
    log = _import(collection, path)
    terms, cards = _expected_notes(tree)
    assert (report.extras, report.exported) == (terms, cards)
    assert collection.note_count() == terms + cards  # type: ignore[attr-defined]
    assert len(log.new) == terms + cards  # type: ignore[attr-defined]
    title = checked(tree).library.site.title
    decks = {d.name for d in collection.decks.all_names_and_ids()}  # type: ignore[attr-defined]
    for topic in checked(tree).library.topics_in_order():
        assert f"{title}::{topic.title}" in decks
    opens = {qid for qid, q in questions(tree).items() if getattr(q, "type", "") == "open"}
    assert set(report.skipped) == opens, "only open questions make no flashcard, and they are reported"


def test_cards_show_the_question_and_the_answer(tmp_path: Path, collection: object) -> None:
    path = tmp_path / "deck.apkg"
    path.write_bytes(exported("mini", "anki")[0])
    _import(collection, path)
    fronts = {}
    for note_id in collection.find_notes(""):  # type: ignore[attr-defined]
        note = collection.get_note(note_id)  # type: ignore[attr-defined]
        fronts[note["Front"]] = note["Back"]
    assert fronts["<p>What does <strong>THAAD</strong> stand for?</p>"] == "<p>Terminal High Altitude Area Defense</p>"
    cloze = next(front for front in fronts if "first radar went to the" in front)
    assert "_____ (north / south / east)" in cloze and "[[" not in cloze
    assert "<strong>north</strong>" in fronts[cloze] and "<strong>2006</strong>" in fronts[cloze]


def test_a_rebuilt_deck_updates_its_cards(
    mini: Path, tmp_path: Path, collection: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = tmp_path / "first.apkg"
    result = check(mini)
    first.write_bytes(render_export(result.library, result.derived, "anki", None)[0])
    _import(collection, first)
    count = collection.note_count()  # type: ignore[attr-defined]
    glossary = mini / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("definition: ", "definition: Changed. ", 1))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")  # a day later: Anki takes the newer notes
    second = tmp_path / "second.apkg"
    result = check(mini)
    second.write_bytes(render_export(result.library, result.derived, "anki", None)[0])
    log = _import(collection, second)
    assert collection.note_count() == count, "a re-import updates; it never duplicates"  # type: ignore[attr-defined]
    assert len(log.new) == 0  # type: ignore[attr-defined]
    assert len(log.updated) >= 1  # type: ignore[attr-defined]
    backs = [collection.get_note(n)["Back"] for n in collection.find_notes("")]  # type: ignore[attr-defined]
    assert any("Changed." in back for back in backs)


def test_guids_are_stable_and_the_package_is_deterministic(tmp_path: Path) -> None:
    """Read independently of Anki too: the package is a zip holding a SQLite collection."""
    data, _ = exported("mini", "anki")
    result = check(TREES["mini"])
    again = render_export(result.library, result.derived, "anki", None)[0]
    assert again == data, "byte-identical from build to build"
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["collection.anki2", "media"]
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        db = tmp_path / "collection.anki2"
        db.write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(db) as connection:
        guids = [row[0] for row in connection.execute("select guid from notes")]
    assert len(guids) == len(set(guids))
    topic_data, _ = exported("mini", "anki", "radars")
    with zipfile.ZipFile(BytesIO(topic_data)) as archive:
        (tmp_path / "topic.anki2").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "topic.anki2") as connection:
        topic_guids = {row[0] for row in connection.execute("select guid from notes")}
    assert topic_guids <= set(guids), "a topic's deck and the whole lesson's share GUIDs: importing both updates"


def _rows(write: object) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a collection that `write(cursor)` wrote into an empty database."""
    connection = sqlite3.connect(":memory:")
    try:
        write(connection.cursor())  # type: ignore[operator]
        connection.commit()
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(connection.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}
    finally:
        connection.close()


def test_the_collection_holds_what_genanki_itself_writes() -> None:
    """primer writes the collection's list of decks once, not once per deck as genanki does (its cost grew
    with the square of the topics): the rows must be genanki's own, for several decks, one without notes."""

    def decks() -> list[genanki.Deck]:
        made = []
        for n in range(4):
            deck = genanki.Deck(1_000 + n, f"Lesson::Topic {n}")
            for k in range(3 if n != 2 else 0):  # the third deck has no notes
                guid = genanki.guid_for("question", n, k)
                deck.add_note(genanki.Note(model=MODEL, fields=[f"Q{n}.{k}", f"A{n}.{k}"], guid=guid, tags=["t"]))
            made.append(deck)
        return made

    ours = _rows(lambda cursor: write_collection(cursor, decks(), 1_700_000_000, itertools.count(5)))
    theirs = _rows(lambda cursor: genanki.Package(decks()).write_to_db(cursor, 1_700_000_000, itertools.count(5)))
    assert ours == theirs
    assert len(ours["notes"]) == 9 and len(ours["cards"]) == 9


def _made_in_memory(decks: list[genanki.Deck]) -> bytes:
    """The package of `decks` as primer made it before it started from a copy of an empty collection: the schema
    run into a database made in memory."""
    anki = importlib.import_module("primer.exports.anki")
    connection = sqlite3.connect(":memory:")
    try:
        write_collection(connection.cursor(), decks, anki._epoch(), itertools.count(anki._epoch() * 1000))
        connection.commit()
        collection = connection.serialize()
    finally:
        connection.close()
    return anki.zip_bytes({"collection.anki2": collection, "media": b"{}"})


def test_a_package_is_the_bytes_of_one_made_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each package's collection starts from a copy of an empty one (`_empty_collection`), with its header's
    counts of changes set as a database made in memory has them: the same bytes, for every package of the
    shipped lesson and of the larger example, and for decks of thousands of notes."""
    anki = importlib.import_module("primer.exports.anki")
    made: list[list[genanki.Deck]] = []
    making = anki._apkg

    def kept(decks: list[genanki.Deck]) -> bytes:
        made.append(decks)
        return making(decks)

    monkeypatch.setattr(anki, "_apkg", kept)
    for tree in ("shipped", "mini"):
        result = checked(tree)
        for scope in [None, *result.library.topics]:
            render_export(result.library, result.derived, "anki", scope)
    big = genanki.Deck(7, "Big")
    for k in range(3_000):
        big.add_note(genanki.Note(model=MODEL, fields=[f"Q{k} " * (k % 50), f"A{k}"], guid=f"g{k}", tags=["t"]))
    made.append([big, genanki.Deck(8, "Empty")])
    assert len(made) > 5
    for decks in made:
        ours = making(decks)
        assert ours == _made_in_memory(decks)
    with zipfile.ZipFile(BytesIO(ours)) as archive:
        header = archive.read("collection.anki2")[:100]
    assert header[24:28] == bytes(4) and header[92:100] == bytes(8)


def test_a_build_makes_each_card_once_for_the_whole_lesson_and_its_topics(monkeypatch: pytest.MonkeyPatch) -> None:
    """A question is in the whole lesson's deck and in its topics': a build (one memo for every scope) makes
    its card once, and each package has the bytes and the losses it has when made on its own."""
    result = checked("shipped")
    lib, derived = result.library, result.derived
    scopes = [None, *[t.id for t in lib.topics_in_order()]]
    anki = importlib.import_module("primer.exports.anki")  # `primer.exports.anki` names the function
    made: list[str] = []
    making = anki.card

    def counted(question: QuestionBase, report: LossReport) -> tuple[str, str] | None:
        made.append(question.id)
        return making(question, report)

    monkeypatch.setattr(anki, "card", counted)
    apart = {s: render_export(lib, derived, "anki", s) for s in scopes}
    each = len(made)
    made.clear()
    memo: dict[object, object] = {}
    together = {s: render_export(lib, derived, "anki", s, memo) for s in scopes}
    assert made and len(made) == len(set(made)), "each question's card made once"
    assert len(made) < each, "made apart, a question in a topic's quiz has its card made again"
    for s in scopes:
        assert together[s][0] == apart[s][0], s
        ours, theirs = together[s][1], apart[s][1]
        assert (ours.exported, ours.extras, ours.skipped, ours.losses) == (
            theirs.exported,
            theirs.extras,
            theirs.skipped,
            theirs.losses,
        ), s
    assert any(apart[s][1].skipped for s in scopes), "the lesson has an open question, which makes no card"
