"""The dependency map's parts (`primer.reads`): what a reader reads is recorded, memos replay what they
read, and a digest changes exactly when something read changed."""

from __future__ import annotations

import enum
import json
import operator
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from primer import memo, reads
from primer.reads import EVERY, Entry, PageMap, Recorded


def test_a_view_records_each_look_up_and_a_walk_through_it_reads_it_whole() -> None:
    view = Recorded("terms", {"a": 1, "b": 2})
    with reads.recording() as found:
        assert view["a"] == 1 and view.get("zz") is None and "b" in view
    assert found == {("terms", "a"), ("terms", "zz"), ("terms", "b")}
    for walk in (list, len, lambda v: list(v.values()), lambda v: list(v.items()), lambda v: list(v.keys())):
        with reads.recording() as found:
            walk(view)
        assert found == {("terms", EVERY)}
    assert view["a"] == 1, "outside a recording nothing is kept, and nothing fails"


def test_a_recording_inside_another_counts_for_both() -> None:
    view = Recorded("points", {"p": 1})
    with reads.recording() as outer:
        with reads.recording() as inner:
            view["p"]
        assert inner == {("points", "p")}
    assert outer == {("points", "p")}


def test_a_shared_memo_replays_its_reads_to_every_reader() -> None:
    view = Recorded("topics", {"t1": "One", "t2": "Two"})
    made = []
    order = reads.remembered(lambda: made.append(1) or sorted(view.values()))
    memo: dict[object, object] = {}
    for _ in range(2):
        with reads.recording() as found:
            assert order() == ["One", "Two"]
            assert reads.kept(memo, "first", lambda: view["t1"]) == "One"
        assert found == {("topics", EVERY), ("topics", "t1")}
    assert made == [1], "made once"


@dataclass
class _Lesson:
    terms: dict[str, str] = field(default_factory=dict)


def _recorded(pagemap: PageMap) -> reads.Unpacked:
    """What the next build reads of `pagemap`'s entries: through the build record's pickle (`pack`)."""
    found = pickle.loads(pickle.dumps(reads.pack(pagemap.made, pagemap.stored, pagemap.origins())))
    assert isinstance(found, reads.Unpacked)
    return found


def test_the_digest_changes_exactly_when_what_was_read_changes() -> None:
    terms = {"a": "alpha", "b": "beta"}
    lesson = reads.watched(_Lesson(terms), "", ("terms",))
    pagemap = PageMap({"terms": terms}, ("terms",))
    with reads.recording() as found:
        lesson.terms["a"]
        "c" in lesson.terms  # noqa: B015 - a look-up of an item that is not there is a read too
    own, held = pagemap.own("page.html", "site/page.html", "A page", {}, b"")
    pagemap.note("page.html", own, found | held, ["page.html"])
    kept, stored, _ = _recorded(pagemap)
    entry = kept["page.html"]
    assert entry == pagemap.made["page.html"]

    def again(changed: dict[str, str]) -> Entry | None:
        return PageMap({"terms": changed}, ("terms",), kept, stored).unchanged("page.html", own)

    assert again({"a": "alpha", "b": "beta"}) == entry
    assert again({"a": "alpha", "b": "changed"}) == entry, "an item it did not read"
    assert again({"a": "changed", "b": "beta"}) is None
    assert again({"a": "alpha", "b": "beta", "c": "new"}) is None, "an item it looked for and did not find"
    other, _ = pagemap.own("page.html", "site/page.html", "Another title", {}, b"")
    assert pagemap.unchanged("page.html", other) is None, "its own description changed"


class _Shade(enum.StrEnum):
    LIGHT = "light"


class _Size(enum.IntEnum):
    ONE = 1


@pytest.fixture(params=[False, True], ids=["once", "again"])
def builds_again(request: pytest.FixtureRequest) -> Any:
    """A process that builds once (the memos off), or one that builds again (`primer build --watch`: on)."""
    memo.enable(request.param)
    yield request.param
    memo.enable(False)


def test_a_pages_own_description_tells_apart_what_differs_and_an_enumerations_member_is_its_value(
    builds_again: bool,
) -> None:
    """A page's own description (`PageMap.own`) differs when any value of its context differs, or only its kind (a
    text for a number, a whole number for a decimal one or for true), or its order; it is the same for equal
    contexts made of other objects, and an enumeration's member describes as its plain value; in a process that
    builds again too, which describes a page whose context holds what it held as it was."""
    pagemap = PageMap({}, ())

    def own(context: dict[str, Any], title: str = "A page") -> bytes:
        return pagemap.own("page.html", "site/page.html", title, context, b"")[0]

    contexts: list[dict[str, Any]] = [
        {},
        {"a": 1},
        {"a": "1"},
        {"a": 1.0},
        {"a": True},
        {"a": None},
        {"a": [1, 2]},
        {"a": [2, 1]},
        {"a": {"x": 1}},
        {"a": {"x": 2}},
        {"a": ["x", "y"]},
        {"a": ["x", "y"], "b": 1},
        {"b": 1, "a": ["x", "y"]},
        {"a": "light"},
        {"a": "lig", "b": "ht"},
    ]
    described = [own(context) for context in contexts]
    assert len(set(described)) == len(contexts)
    assert [own(json.loads(json.dumps(context))) for context in contexts] == described
    assert own({}, "Another") != own({})
    assert own({}, Markup("A page")) == own({}), "a title of a kind of its own: its text"
    assert own({"a": _Shade.LIGHT}) == own({"a": "light"}) and own({"a": _Size.ONE}) == own({"a": 1})


def test_a_process_that_builds_again_describes_a_page_of_the_very_values_as_it_was(
    builds_again: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built again, a page whose context holds the very objects it held, or equal texts and numbers, or lists and
    dicts of those made anew, is described as it was, without its values being read again; a model made anew
    (even an equal one), another title or a value of another kind is described again. Built once, each page is
    described."""
    items = {"a": _Point(text="alpha")}
    pagemap = PageMap({"terms": items}, ("terms",))
    shaped: list[object] = []
    shape = reads._shape
    monkeypatch.setattr(reads, "_shape", lambda value, *rest: shaped.append(value) or shape(value, *rest))

    def own(context: dict[str, Any], title: str = "A page") -> tuple[bytes, set[reads.Token]]:
        shaped.clear()
        return pagemap.own("page.html", "site/page.html", title, context, b"")

    def context(**changed: Any) -> dict[str, Any]:
        return {"terms": [items["a"]], "count": int("10000"), "by": {"x" * 3: ["a", 1]}, **changed}

    first = own(context())
    assert first[1] == {("terms", "a")}
    assert own(context()) == first
    assert bool(shaped) is not builds_again, "values made anew alike: described as they were"
    for changed, title in [
        ({"terms": [_Point(text="alpha")]}, "A page"),
        ({"count": 10_000.0}, "A page"),
        ({"by": {"xxx": ["a", True]}}, "A page"),
        ({}, "Another"),
    ]:
        made = own(context(**changed), title)
        assert shaped, f"described again: {changed or title}"
    assert own(context(), "Another") == made


def test_an_item_of_a_file_that_did_not_change_keeps_its_digest() -> None:
    """An item read from a file whose path and bytes are what they were (its origin) is the item it was: its
    digest is the last build's, not worked out again; an item of a changed file, or of no file, is digested."""
    terms = {"a": "alpha", "b": "beta", "c": "gamma"}
    lesson = reads.watched(_Lesson(terms), "", ("terms",))
    origins = {("terms", "a"): "file-1", ("terms", "b"): "file-2"}
    first = PageMap({"terms": terms}, ("terms",), origins=origins)
    with reads.recording() as found:
        lesson.terms["a"], lesson.terms["b"], lesson.terms["c"]
    own, held = first.own("page.html", "site/page.html", "A page", {}, b"")
    first.note("page.html", own, found | held, ["page.html"])
    kept, stored, stored_origins = _recorded(first)
    assert stored_origins == reads.Origins(frozenset({"file-1", "file-2"}), {}), "the record keeps the files"

    def again(changed: dict[str, str], now: dict[reads.Token, str]) -> bool:
        pagemap = PageMap({"terms": changed}, ("terms",), kept, stored, origins=now, stored_origins=stored_origins)
        pagemap.warm()
        return pagemap.unchanged("page.html", own) is not None

    assert again(terms, origins)
    # whatever 'a' holds now is taken to be what its unchanged file gave (which is why a file's key is its
    # path and bytes): the digest is not worked out again
    assert again({**terms, "a": "(not read)"}, origins)
    assert not again({**terms, "a": "changed"}, {**origins, ("terms", "a"): "file-1, edited"})
    assert not again({**terms, "c": "changed"}, origins), "an item of no file is digested"
    assert not again({**terms, "b": "changed"}, {("terms", "a"): "file-1"}), "nor one whose file is not known"
    # a collection read whole is the collection it was when its ids come from the same files, in order
    whole = PageMap({"terms": terms}, ("terms",), origins={("terms", k): f"file-{k}" for k in terms})
    with reads.recording() as found:
        list(lesson.terms.values())
    assert found == {("terms", EVERY)}
    whole.note("all.html", own, found, ["all.html"])
    kept_whole, stored_whole, origins_whole = _recorded(whole)
    assert set(origins_whole.wholes) == {("terms", EVERY)}

    def again_whole(changed: dict[str, str], now: dict[reads.Token, str]) -> bool:
        pagemap = PageMap(
            {"terms": changed}, ("terms",), kept_whole, stored_whole, origins=now, stored_origins=origins_whole
        )
        return pagemap.unchanged("all.html", own) is not None

    same_files = {("terms", k): f"file-{k}" for k in terms}
    assert again_whole({**terms, "a": "(not read)"}, same_files)
    assert not again_whole({**terms, "a": "changed"}, {**same_files, ("terms", "a"): "file-a, edited"})
    assert not again_whole({"b": "beta", "a": "alpha", "c": "gamma"}, same_files), "another order"
    assert not again_whole({**terms, "d": "delta"}, {**same_files, ("terms", "d"): "file-d"}), "one more"
    assert not again_whole({**terms, "d": "delta"}, same_files), "one more, of no file"
    # a map packed without the files is read as one whose items were all digested
    assert reads.pack(first.made, first.stored).origins == reads.Origins.none()


def test_a_view_of_items_from_the_files_they_were_read_from_is_not_worked_out_again() -> None:
    """A view worked out from collections of items alone (`bases`) is the view it was when those collections
    are (the same ids read from the same files, in order): a rebuild takes its digest from the record, and
    does not work it out; when one of its items' files changed, it is worked out, and compared by its value."""
    terms = {"a": "alpha", "b": "beta"}
    made: list[str] = []

    def collections(now: dict[str, str]) -> dict[str, object]:
        def names() -> list[str]:
            made.append("names")
            return sorted(now)

        return {"terms": now, "names": reads.Computed(names)}

    files = {("terms", k): f"file-{k}" for k in terms}
    first = PageMap(collections(terms), ("terms",), origins=files, bases={"names": ("terms",)})
    own, _ = first.own("page.html", "site/page.html", "A page", {}, b"")
    first.note("page.html", own, {("names", EVERY)}, ["page.html"])
    kept, stored, stored_origins = _recorded(first)
    assert ("names", EVERY) in stored_origins.wholes, "the record keeps where the view's items came from"

    def again(now: dict[str, str], origins: dict[reads.Token, str], bases: bool = True) -> bool:
        made.clear()
        pagemap = PageMap(
            collections(now),
            ("terms",),
            kept,
            stored,
            origins=origins,
            stored_origins=stored_origins,
            bases={"names": ("terms",)} if bases else None,
        )
        pagemap.warm()
        return pagemap.unchanged("page.html", own) is not None

    assert again({**terms, "a": "(not read)"}, files) and made == [], "taken from the record, not worked out"
    assert again(terms, files, bases=False) and made == ["names"], "a view of no bases is worked out"
    edited = {**files, ("terms", "a"): "file-a, edited"}
    assert again({**terms, "a": "alpha, edited"}, edited) and made == ["names"], "worked out: the same names"
    assert not again({"b": "beta", "c": "gamma"}, {("terms", "b"): "file-b", ("terms", "c"): "file-c"})
    assert made == ["names"]


def test_each_view_reads_only_the_collections_it_is_said_to_be_worked_out_from(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`VIEW_BASES` names, for each view, every collection its making reads (recorded here, where a build
    does not record them): a view that read another collection would be taken from the last build after an
    edit of that collection, and go stale."""
    from contextlib import nullcontext

    from primer.build import _watched
    from primer.content import library
    from primer.derive import derive

    lib = library.load_library(mini)
    assert library.VIEW_BASES.keys() == library.VIEWS.keys()
    monkeypatch.setattr(reads, "unrecorded", nullcontext)
    for name, view in library.VIEWS.items():
        watched, _ = _watched(lib, derive(lib))  # a Library of its own: no view made yet
        with reads.recording() as found:
            view(watched)
        read = {collection for collection, _ in found} - {name}
        assert read and read <= set(library.VIEW_BASES[name]), (name, read)


def test_digests_worked_out_ahead_are_the_ones_worked_out_when_asked() -> None:
    """A rebuild works out the digests of what the last build's pages read while it waits for the report
    (`warm`): the same answers as working them out page by page, and a collection the render watches only
    later (the handouts' links) is read as it is then, not as it was (absent) when warmed."""
    terms, links = {"a": "alpha", "b": "beta"}, {"t": "handout.html"}
    lesson = reads.watched(_Lesson(terms), "", ("terms",))
    first = PageMap({"terms": terms}, ("terms",))
    first.watch("links", links)
    with reads.recording() as found:
        lesson.terms["a"]
        first.watch("links", links)["t"]
    own, held = first.own("page.html", "site/page.html", "A page", {}, b"")
    first.note("page.html", own, found | held, ["page.html"])
    kept, stored, _ = _recorded(first)
    entry = kept["page.html"]
    for changed, moved, same in (
        ({"a": "alpha"}, {"t": "handout.html"}, True),
        ({"a": "changed"}, {"t": "handout.html"}, False),
        ({"a": "alpha"}, {"t": "moved.html"}, False),
    ):
        warmed = PageMap({"terms": changed}, ("terms",), kept, stored)
        warmed.warm()
        warmed.watch("links", moved)
        lazy = PageMap({"terms": changed}, ("terms",), kept, stored)
        lazy.watch("links", moved)
        assert (warmed.unchanged("page.html", own) == entry) is same
        assert (lazy.unchanged("page.html", own) == entry) is same
    # the exports' worker takes the digests of a warm map over the very same collections, and only those
    # (with which tokens changed: the same answers)
    changed_terms = {**terms, "a": "changed"}
    # (and where the lesson's items were read from: a worker's lesson forgot)
    warm = PageMap({"terms": changed_terms}, ("terms",), kept, stored, origins={("terms", "b"): "file-b"})
    warm.warm()
    same_lesson = PageMap({"terms": changed_terms}, ("terms",), kept, stored)
    other_lesson = PageMap({"terms": dict(changed_terms)}, ("terms",), kept, stored)
    same_lesson.digests_from(warm)
    other_lesson.digests_from(warm)
    assert same_lesson._digests == warm._digests and ("terms", "a") in warm._digests
    assert other_lesson._digests == {}, "another lesson's digests are not this one's"
    # and sends back only those it worked out itself: the build's process has the others
    assert same_lesson.digests([("terms", "a")]) == {}
    assert other_lesson.digests([("terms", "a")]) == {}, "none worked out yet: the build's process would, if asked"
    other_lesson.stored(("terms", "a"))
    assert other_lesson.digests([("terms", "a")]) == {("terms", "a"): warm.stored(("terms", "a"))}
    assert same_lesson.origin(("terms", "b")) == "file-b" and other_lesson.origin(("terms", "b")) is None
    assert same_lesson.unchanged("page.html", own) is other_lesson.unchanged("page.html", own) is None


def test_the_exports_worker_sends_back_only_the_digests_it_worked_out_from_values() -> None:
    """The exports' worker sends the build's process the digests of what its entries read (`digests`) that it
    worked out from their values; not those it took from the record (an item from a file that did not change),
    which the build's process takes from the same record as it records the build: the record is the same."""
    terms = {"a": "alpha", "b": "beta"}
    files = {("terms", "a"): "file-a", ("terms", "b"): "file-b"}
    first = PageMap({"terms": terms}, ("terms",), origins=files)
    lesson = reads.watched(_Lesson(terms), "", ("terms",))
    with reads.recording() as found:
        lesson.terms["a"]
        lesson.terms["b"]
    own, held = first.own("page.html", "site/page.html", "A page", {}, b"")
    first.note("page.html", own, found | held, ["page.html"])
    kept, stored, origins = _recorded(first)
    now = {"a": "changed", "b": "beta"}
    edited = {**files, ("terms", "a"): "file-a, edited"}
    tokens = [("terms", "a"), ("terms", "b")]

    def made() -> PageMap:
        return PageMap({"terms": now}, ("terms",), kept, stored, origins=edited, stored_origins=origins)

    worker, process, alone = made(), made(), made()
    assert worker.unchanged("page.html", own) is None
    assert made().digests_read_by(kept) == {}, "a map that worked out no digest from a value sends none"
    sent = worker.digests(tokens)
    assert list(sent) == [("terms", "a")], "the edited item's; the other's is on record"
    assert worker.digests_read_by(kept) == sent, "the same, of the tokens the entries read"
    also = made()
    also.stored(("terms", "a"))  # worked out from its value here, and then taken from the worker's map too
    also.digests_from(worker)
    assert also.digests_read_by(kept) == also.digests(tokens) == {}, "the build's process has it from that map"
    process.take_digests(sent)
    assert [process.stored(token) for token in tokens] == [alone.stored(token) for token in tokens]
    assert process.stored(("terms", "b")) == stored[("terms", "b")]


class _Point(BaseModel):
    model_config = ConfigDict(frozen=True)
    text: str
    ignore: dict[str, str] = Field(default_factory=dict, exclude=True)


class _Hidden(BaseModel):
    model_config = ConfigDict(frozen=True)
    points: list[_Point]
    ignore: dict[str, str] = Field(default_factory=dict, exclude=True)
    notes: dict[str, str] = Field(default_factory=dict, exclude=True)


def test_an_items_bytes_are_its_dump_and_the_fields_the_dump_leaves_out() -> None:
    """An item's bytes (for its digest) are its JSON dump, then the fields a dump leaves out (`ignore:`) as
    JSON, whether they are empty (the quick way) or not."""

    def spelled_out(value: BaseModel) -> bytes:
        hidden = [name for name, f in type(value).model_fields.items() if f.exclude]
        data = type(value).__qualname__.encode() + b"\0" + value.model_dump_json().encode()
        return data + (json.dumps([getattr(value, n) for n in hidden]).encode() if hidden else b"")

    items = [
        _Point(text="Kōno said “no”"),
        _Point(text="a", ignore={"P101": "quoted as written"}),
        _Hidden(points=[_Point(text="b", ignore={"P1": "x"})]),
        _Hidden(points=[_Point(text="c")]),
        _Hidden(points=[], notes={"k": "v"}),
        _Hidden(points=[], ignore={"P2": "y"}, notes={"k": "v"}),
    ]
    for item in items:
        assert reads.value_bytes(item) == spelled_out(item)
    assert reads.value_bytes(_Point(text="a")) != reads.value_bytes(items[1]), "an ignore: list is the item's"
    assert reads.value_bytes(_Hidden(points=[])) != reads.value_bytes(items[4])


def test_lists_of_ids_have_bytes_of_their_own() -> None:
    """A list of texts (the derived ids: a question's topics) is written without JSON, and no two values, of any
    kind, give the same bytes: not a list of one text and one of two that join to it, nor a text with a NUL in it."""
    values: list[object] = [
        [],
        [""],
        ["", ""],
        ["a"],
        ["a", "b"],
        ["a\0b"],
        ["a", "\0b"],
        ["a\0", "b"],
        ["ab"],
        ["Kōno", "b"],
        "a",
        {"a": "b"},
        [1, "a"],
        [["a"]],
        None,
    ]
    found = [reads.value_bytes(v) for v in values]
    assert len(set(found)) == len(values), found
    assert reads.value_bytes(["topic-1", "topic-2"]) == b"\x002\x00topic-1\x00topic-2"
    assert reads.value_bytes(["a\0b"]) == json.dumps(["a\0b"]).encode(), "a NUL in a text: JSON, exact"


def test_a_reader_of_most_of_a_collection_reads_it_whole_and_the_map_packs_and_unpacks() -> None:
    points = {f"p{n}": n for n in range(100)}
    reads.watched(_Lesson(points), "", ("terms",))  # the size of the collection 'terms' is now known
    many = {("terms", f"p{n}") for n in range(60)}
    few = {("terms", f"p{n}") for n in range(10)}
    assert reads.coarse(many | {("topics", "t")}) == {("terms", EVERY), ("topics", "t")}
    assert reads.coarse(few) == few
    entries = {
        "a.html": Entry("d1", [("terms", "p1"), ("topics", EVERY)], ["a.html"]),
        "handouts/t/": Entry("d2", [("terms", "p1")], ["handouts/t/x.html", "handouts/t/y.html"], {"A": "1234"}),
    }
    digests = {("terms", "p1"): bytes(range(16)), ("topics", EVERY): bytes(range(16, 32))}
    wholes = {("topics", EVERY): "topic files", ("places", EVERY): "place files"}
    packed = reads.pack(entries, digests.__getitem__, reads.Origins(frozenset({"a file"}), wholes))
    assert packed.digests == digests, "each token read once, with its digest"
    assert packed.origins == (frozenset({"a file"}), {("topics", EVERY): "topic files"}), "the wholes read"
    assert pickle.loads(pickle.dumps(packed)) == (entries, digests, packed.origins)
    one, other = ("terms", "p1"), ("terms", "".join(["p", "1"]))  # equal tokens, two objects (two pages read one item)
    assert one is not other
    packed = reads.pack({"x": Entry("d1", [one], ["x"]), "y": Entry("d2", [other], ["y"])}, digests.__getitem__)
    assert packed.entries["x"].tokens[0] is packed.entries["y"].tokens[0], "one object: pickled and read back once"


def test_every_collection_of_the_lesson_is_watched() -> None:
    """A page reads the lesson through the Library and the derived questions: each of their collections
    must record its reads (a field added later and left out would let a page go stale)."""
    from dataclasses import fields

    from primer.build import DERIVED_MAPS, LIBRARY_MAPS
    from primer.content.library import Library
    from primer.derive import Derived

    library = {f.name for f in fields(Library) if str(f.type).startswith("dict[")}
    assert library - {"origins"} == set(LIBRARY_MAPS), "origins: where items were defined, dropped before a render"
    assert {f.name for f in fields(Library)} - library == {"site", "warnings", "origin_files", "files_read"}, (
        "site: in every page's digest; origin_files: origins by file, dropped with them; files_read: a digest of"
        " the files for the watch's helper, which no page reads"
    )
    derived = {f.name for f in fields(Derived) if str(f.type).startswith("dict[")}
    assert derived == set(DERIVED_MAPS)
    assert {f.name for f in fields(Derived)} - derived == {"warnings"}, "no page shows the warnings but the report"


def test_a_view_of_the_lesson_is_read_as_one_token_whose_digest_is_its_value(mini: Path) -> None:
    """A view (`VIEWS`) is made once from the items it comes from, without recording them: a reader records the
    view's own token, whose digest the map works out from the view's value, so that it changes with what the
    view holds (a topic's order) and not with the rest of those items (a section's text)."""

    from primer.build import _watched, page_map
    from primer.content.library import VIEWS, load_library
    from primer.derive import derive

    lib = load_library(mini)
    derived = derive(lib)
    watched, _ = _watched(lib, derived)
    for name, read in [
        ("topic order", watched.topic_order),
        ("topic headings", watched.topic_headings),
        ("topic events", watched.topic_events),
        ("source headings", watched.source_headings),
        ("glossary names", watched.term_matcher),
        ("event places", lambda: watched.event_places),
    ]:
        assert name in VIEWS
        with reads.recording() as found:
            read()
            read()
        assert found == {(name, EVERY)}, name
    tokens = [(name, EVERY) for name in VIEWS]
    first = page_map(lib, derived, None).pagemap.digest(b"page", tokens)
    assert page_map(lib, derived, None).pagemap.digest(b"page", tokens) == first
    assert lib.view_maps() is lib.view_maps(), "the same collections for every map of one lesson"

    topic = lib.topics_in_order()[0]
    section = topic.sections[0].model_copy(update={"body": topic.sections[0].body + " Notably."})
    edited = replace(lib, topics={**lib.topics, topic.id: topic.model_copy(update={"sections": [section]})})
    assert page_map(edited, derived, None).pagemap.digest(b"page", tokens) == first, "a section is in no view"
    renamed = replace(lib, topics={**lib.topics, topic.id: topic.model_copy(update={"title": "Renamed"})})
    assert page_map(renamed, derived, None).pagemap.digest(b"page", tokens) != first, "a title is"
    listed = replace(lib, topics={**lib.topics, "zz-later": topic.model_copy(update={"id": "zz-later"})})
    assert page_map(listed, derived, None).pagemap.digest(b"page", [("topic order", EVERY)]) != page_map(
        lib, derived, None
    ).pagemap.digest(b"page", [("topic order", EVERY)]), "the order is"


class _Spy:
    """An item whose attributes a template reads, noted by name (`seen`)."""

    def __init__(self, item: object, seen: set[str]) -> None:
        self._item, self._seen = item, seen

    def __getattr__(self, name: str) -> object:
        self._seen.add(name)
        return getattr(self._item, name)


@pytest.mark.parametrize("lesson", ["mini", "shipped, as a large lesson", "shipped"])
def test_a_page_reads_of_the_items_it_lists_only_what_the_view_it_names_holds(
    lesson: str, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page's `facets` stand for the lists of items it shows (its map notes the view, not each item): what
    primer's template reads of each item must be a field of the view's entry for it, with the same value, and the
    view must hold the list's items in the list's order; else an edit of what the page shows would leave it as it
    was. The page is the same when its items are read through spies. A large lesson's comparison of the sources
    lists them one a row, and links each topic's comparison (here, the shipped lesson laid out so)."""
    from primer.content.library import VIEWS, load_library
    from primer.derive import derive
    from primer.render.env import make_env
    from primer.targets import site
    from primer.targets.site import site_plan
    from tools import ROOT

    if lesson == "shipped, as a large lesson":
        monkeypatch.setattr(site, "SIDE_BY_SIDE", 1)
        monkeypatch.setattr(site, "SHARED_ON_PAGE", 0)
    lib = load_library(mini if lesson == "mini" else ROOT / "content")
    derived = derive(lib)

    def no_report() -> object:
        raise AssertionError("no page with facets reads the report")

    renderer, site_pages = site_plan(lib, derived, make_env(None), no_report)  # type: ignore[arg-type]
    faceted = [page for page in site_pages if page.facets]
    assert {page.path for page in faceted} >= {"index.html", "topics/index.html", "sources/compare.html"}
    if lesson == "shipped, as a large lesson":
        assert any(page.context.get("compared") for page in faceted), "the comparison links each topic's"
    read_at_all: set[str] = set()
    for page in faceted:
        seen: dict[str, list[set[str]]] = {}
        spied = dict(page.context)
        for name in page.facets:
            seen[name] = [set() for _ in page.context[name]]
            spied[name] = [_Spy(item, found) for item, found in zip(page.context[name], seen[name], strict=True)]
        plain = renderer.render(page)
        assert renderer.render(replace(page, context=spied)) == plain, page.path
        for name, view_name in page.facets.items():
            entries = VIEWS[view_name](lib)
            assert [e.id for e in entries] == [item.id for item in page.context[name]], (page.path, view_name)
            for item, entry, found in zip(page.context[name], entries, seen[name], strict=True):
                assert found <= set(entry._fields), (page.path, name, found - set(entry._fields))
                for field_name in found:
                    assert getattr(item, field_name) == getattr(entry, field_name), (page.path, field_name)
                read_at_all |= found
    assert {"id", "title", "lede", "label", "outlet", "framing"} <= read_at_all, "the pages read their items, spied"


def _hashed(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each value whose bytes are taken for a digest (`reads.value_bytes`) from now on, in order."""
    hashed: list[object] = []
    real = reads.value_bytes

    def counted(value: object) -> bytes:
        hashed.append(value)
        return real(value)

    monkeypatch.setattr(reads, "value_bytes", counted)
    return hashed


def test_an_items_digests_are_kept_by_the_item_in_a_process_that_builds_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the memos on (`primer build --watch`, `primer serve`), an item's bytes are hashed once while the
    item lives (the parse cache hands back the same objects for files a save did not change); an edited
    item is another object, with digests of its own. With them off, each call hashes."""
    from primer import memo
    from primer.build import check
    from tools import MINI

    term = next(iter(check(MINI).library.terms.values()))
    hashed = _hashed(monkeypatch)
    memo.enable()
    try:
        digest, short = reads.item_digest(term), reads.value_hash(term)
        assert (reads.item_digest(term), reads.value_hash(term)) == (digest, short)
        assert hashed == [term, term], "once for each kind of digest"
        edited = term.model_copy(update={"definition": term.definition + " It is edited."})
        assert reads.item_digest(edited) != digest and reads.value_hash(edited) != short
    finally:
        memo.enable(False)
    hashed.clear()
    assert reads.item_digest(term) == reads.item_digest(term) == digest
    assert hashed == [term, term]


def test_a_map_hashes_each_model_once_however_many_of_its_collections_hold_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A quiz holds questions the bank holds too: with the memos off (`primer build`), the map still hashes each
    question once, and a list's digest is the one `item_digest` gives it."""
    from primer.build import check
    from tools import MINI

    questions = list(check(MINI).library.questions.values())
    hashed = _hashed(monkeypatch)
    bank = {q.id: q for q in questions}
    pagemap = PageMap({"questions": bank, "quizzes": {"one": questions, "two": questions[:1]}}, ())
    tokens = [("quizzes", "one"), ("quizzes", "two"), *(("questions", q.id) for q in questions)]
    digests = [pagemap.stored(token) for token in tokens]
    assert sorted(map(id, hashed)) == sorted(map(id, questions)), "each question once"
    hashed.clear()
    expected = [reads.item_digest(questions)[: reads.STORED], reads.item_digest(questions[:1])[: reads.STORED]]
    assert digests[:2] == expected
    assert digests[2:] == [reads.item_digest(q)[: reads.STORED] for q in questions]


def test_a_map_in_a_process_that_builds_again_takes_the_digests_of_the_values_the_last_map_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the memos on, a rebuild's map takes the digest on record for each token that names the very value the
    last map in the process read, when the record is that map's (`hand_on`): the same answers as digesting every
    value again, for values kept, equal lists of ids, values equal to Python but not in their bytes, dicts in
    another order, keys added, dropped or moved, and a record that is not that map's."""
    from primer import memo

    point = _Point(text="a point")
    last = {
        "ids": {"q1": ["t1", "t2"], "q2": ["t3"], "q3": [1, 2], "q4": []},
        "cites": {"t1": {"a": 1, "b": 2}, "t2": {"c": 3}},
        "models": {"p": point, "r": _Point(text="another")},
    }
    tokens = [(name, key) for name, data in last.items() for key in [*data, EVERY]] + [("ids", "absent")]

    def pages(collections: dict[str, dict[str, object]]) -> tuple[PageMap, bytes]:
        pagemap = PageMap(collections, ())
        own, _ = pagemap.own("page.html", "site/page.html", "A page", {}, b"")
        for token in tokens:
            pagemap.note("/".join(token), own, {token}, ["/".join(token)])
        return pagemap, own

    def rebuilt(now: dict[str, dict[str, object]], record: reads.Unpacked) -> tuple[PageMap, PageMap]:
        carried = PageMap(now, (), record.entries, record.digests)
        carried.warm()
        plain = PageMap(now, (), record.entries, dict(record.digests))  # not the record handed on: no carry
        plain.warm()
        return carried, plain

    def same(carried: PageMap, plain: PageMap, own: bytes) -> list[str]:
        found = [key for key in map("/".join, tokens) if carried.unchanged(key, own) is not None]
        assert found == [key for key in map("/".join, tokens) if plain.unchanged(key, own) is not None]
        assert [carried.stored(t) for t in tokens] == [plain.stored(t) for t in tokens]
        return found

    memo.enable()
    try:
        first, own = pages(last)
        record = _recorded(first)
        first.hand_on(record)
        hashed = _hashed(monkeypatch)
        kept = {name: dict(data) for name, data in last.items()}  # new collections of the very same values
        carried = PageMap(kept, (), record.entries, record.digests)
        carried.warm()
        assert [carried.stored(t) for t in tokens] == [record.digests[t] for t in tokens]
        assert hashed == [], "nothing is digested again"
        carried, plain = rebuilt(kept, record)
        assert len(same(carried, plain, own)) == len(tokens)
        assert hashed, "the map without the record handed on digests each value"
        changes: list[dict[str, dict[str, object]]] = [
            {"ids": {**last["ids"], "q1": ["".join(["t", "1"]), "t2"], "q2": list(last["ids"]["q2"])}},
            {"ids": {**last["ids"], "q3": [True, 2]}},  # equal to [1, 2], and not in its bytes
            {"ids": {**last["ids"], "q3": [1.0, 2]}},
            {"cites": {"t1": {"b": 2, "a": 1}, "t2": last["cites"]["t2"]}},  # equal, in another order
            {"cites": {"t2": last["cites"]["t2"], "t1": last["cites"]["t1"]}},  # the whole in another order
            {"models": {"p": _Point(text="a point"), "r": last["models"]["r"]}},  # an equal model, not the same
            {"models": {"p": _Point(text="a point", ignore={"x": "y"}), "r": last["models"]["r"]}},
            {"ids": {key: value for key, value in last["ids"].items() if key != "q2"}},
            {"ids": {**last["ids"], "absent": ["t1"]}},
        ]
        for change in changes:
            now = {**kept, **change}
            carried, plain = rebuilt(now, record)
            found = same(carried, plain, own)
            assert len(found) < len(tokens) or change is changes[0] or change is changes[5], change
        # a record another map made is not taken for the last map's: its digests are checked
        other, _ = pages({**last, "ids": {**last["ids"], "q1": ["t9"]}})
        carried, plain = rebuilt(kept, _recorded(other))
        assert "ids/q1" not in same(carried, plain, own)
    finally:
        memo.enable(False)
    # with the memos off, nothing is carried
    first.hand_on(record)
    hashed.clear()
    PageMap(kept, (), record.entries, record.digests).warm()
    assert hashed, "digested again"


def test_a_collection_made_anew_of_the_same_values_is_told_the_same_whole() -> None:
    """`_all_same` says a collection holds what the last one held, key by key in the same order, only when each
    value is the same object, an equal text, a list of the same objects or equal texts, or a dict of equal texts
    to the same objects (`_same_value`); never for values equal to Python and not in their bytes."""
    point, other = _Point(text="a point"), _Point(text="another")

    def text(value: str) -> str:
        return "".join(list(value))  # an equal text, another object

    class Text(str):
        pass

    last: dict[str, dict[str, Any]] = {
        "ids": {"q1": ["t1", "t2"], "q2": [text("t3")], "q3": []},
        "texts": {"p1": "s1", "p2": text("s2")},
        "cites": {"t1": {"a": point, "b": other}, "t2": {}},
        "models": {"p": point, "r": other},
        "quizzes": {"t1": [point, other], "t2": [other]},
        "twice": {"a": point, "b": point},
    }
    same: list[dict[str, dict[str, Any]]] = [
        {name: dict(data) for name, data in last.items()},
        {
            "ids": {key: [text(v) for v in value] for key, value in last["ids"].items()},
            "texts": {key: text(value) for key, value in last["texts"].items()},
            "cites": {key: {text(k): v for k, v in value.items()} for key, value in last["cites"].items()},
            "quizzes": {key: list(value) for key, value in last["quizzes"].items()},
        },
    ]
    different: list[dict[str, dict[str, Any]]] = [
        {"ids": {**last["ids"], "q1": ["t1", "t9"]}},
        {"ids": {**last["ids"], "q1": ["t1"]}},
        {"ids": {**last["ids"], "q1": ["t1", "t2", "t3"], "q2": []}},  # the same texts, not under the same keys
        {"ids": {"q2": last["ids"]["q2"], "q1": last["ids"]["q1"], "q3": []}},  # another order
        {"ids": {**last["ids"], "q4": []}},
        {"ids": {**last["ids"], "q1": ["t1", Text("t2")]}},
        {"ids": {**last["ids"], "q3": [1]}},
        {"texts": {**last["texts"], "p1": "s9"}},
        {"texts": {**last["texts"], "p1": Text("s1")}},
        {"texts": {**last["texts"], "p1": ["s1"]}},
        {"cites": {**last["cites"], "t1": {"a": point, "b": _Point(text="another")}}},  # equal, not the same
        {"cites": {**last["cites"], "t1": {"b": other, "a": point}}},
        {"models": {**last["models"], "r": _Point(text="another")}},
        {"quizzes": {**last["quizzes"], "t2": [_Point(text="another")]}},
        {"quizzes": {**last["quizzes"], "t2": [other, other]}},
        {"twice": {"b": point, "a": point}},  # the same values under keys in another order
    ]
    for change in same:
        for name, now in change.items():
            assert reads._all_same(now, last[name]), (name, now)
    for change in different:
        for name, now in change.items():
            assert not reads._all_same(now, last[name]), (name, now)
    # told the same whole, every value is the same one by one
    for name, now in (pair for change in same for pair in change.items()):
        then = last[name]
        assert all(reads._same_value(v, then[k]) for k, v in now.items())
    ones = [1, True, 1.0]  # equal to Python, not in their bytes
    for a in ones:
        for b in ones:
            assert reads._all_same({"k": [a]}, {"k": [b]}) == (a is b)


def test_the_digests_a_rebuild_records_are_what_its_lesson_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm map records for the next build (`stored`) the digest each token has now: the one on record for
    what did not change (an item of an unchanged file is not looked up again), the new one for what did (an
    item edited, of its file or of none; a collection watched only during the render)."""
    terms = {"a": "alpha", "b": "beta", "c": "gamma"}
    links = {"t": "handout.html"}
    lesson = reads.watched(_Lesson(terms), "", ("terms",))
    origins = {("terms", "a"): "file-a", ("terms", "b"): "file-b"}
    first = PageMap({"terms": terms}, ("terms",), origins=origins)
    first.watch("links", links)
    with reads.recording() as found:
        lesson.terms["a"], lesson.terms["b"], lesson.terms["c"]
        first.watch("links", links)["t"]
    own, held = first.own("page.html", "site/page.html", "A page", {}, b"")
    first.note("page.html", own, found | held, ["page.html"])
    kept, stored, stored_origins = _recorded(first)
    tokens = sorted(stored)
    assert len(tokens) == 4
    cases: list[tuple[dict[str, str], dict[reads.Token, str], dict[str, str]]] = [
        (terms, origins, links),
        ({**terms, "c": "changed"}, origins, links),
        ({**terms, "a": "changed"}, {**origins, ("terms", "a"): "file-a, edited"}, links),
        (terms, origins, {"t": "moved.html"}),
    ]
    for now, now_origins, now_links in cases:
        warmed = PageMap({"terms": now}, ("terms",), kept, stored, origins=now_origins, stored_origins=stored_origins)
        warmed.warm()
        warmed.watch("links", now_links)
        fresh = PageMap({"terms": now}, ("terms",))
        fresh.watch("links", now_links)
        looked_up: list[reads.Token] = []

        def counted(
            pagemap: PageMap, token: reads.Token, real: Any = PageMap._digest_of, into: list[Any] = looked_up
        ) -> bytes | None:
            into.append(token)
            return real(pagemap, token)  # type: ignore[no-any-return]

        with monkeypatch.context() as patched:
            patched.setattr(PageMap, "_digest_of", counted)
            recorded = [warmed.stored(token) for token in tokens]
        assert recorded == [fresh.stored(token) for token in tokens], (now, now_links)
        assert ("terms", "b") not in looked_up, "an item of an unchanged file is taken from the record"


def test_the_tokens_a_map_carries_are_told_apart_collection_by_collection() -> None:
    """`PageMap._not_carried` finds, collection by collection, the tokens that `_carries` does not take from the
    last map handed on: an item whose value is not the very one it was, an item gone, a whole collection some
    of whose keys moved or were added (not one none of whose did), and every token of the lesson's items and of a
    collection that is not a plain one in both maps."""
    same, other = object(), object()
    then = {
        "derived.a": {"x": same, "y": same},
        "derived.b": {"z": same},
        "derived.c": {"w": same},
        "derived.d": {"u": same},
    }
    now = {
        "derived.a": {"x": same, "y": other},  # y made anew
        "derived.b": {"z": same},  # as it was
        "derived.c": {"w": same, "v": same},  # v added
        "derived.e": {"s": same},  # none in the last map
        "topics": {"t": same},  # the lesson's items: their files tell them apart
    }
    pagemap = PageMap(now, ("topics",))
    pagemap._then, pagemap._moved = then, {}
    tokens = {(name, key) for name, data in now.items() for key in [*data, EVERY]}
    tokens |= {("derived.a", "gone"), ("derived.d", "u"), ("derived.d", EVERY)}
    found = pagemap._not_carried(tokens)
    assert found == {token for token in tokens if not pagemap._carries(token)}
    assert ("derived.a", EVERY) in found and ("derived.b", EVERY) not in found and ("derived.c", EVERY) in found
    assert ("derived.a", "x") not in found and {("derived.a", "y"), ("topics", "t"), ("derived.e", "s")} <= found
    pagemap._then = None
    assert pagemap._not_carried(tokens) == tokens


def test_a_views_rows_are_kept_by_their_items_and_digested_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the memos on, the sources' and topics' cards and the sources' headings are the very rows the last
    check made of the very items, each hashed once while it lives: a save that edits a source makes that source's
    rows anew, and the views' digests change with it. With the memos off, rows made afresh digest the same."""
    from primer import memo
    from primer.content.library import load_library
    from tools import ROOT

    lib = load_library(ROOT / "content")
    views = ("source_cards", "source_headings", "topic_cards")
    fresh = {name: getattr(lib, name)() for name in views}
    digests = {name: reads.item_digest(rows) for name, rows in fresh.items()}
    source = next(iter(lib.sources.values()))
    edited = source.model_copy(update={"title": source.title + " (revised)"})
    hashed = _hashed(monkeypatch)
    memo.enable()
    try:
        first = {name: getattr(replace(lib), name)() for name in views}
        again = {name: getattr(replace(lib), name)() for name in views}
        assert all(all(map(operator.is_, first[name], again[name])) for name in views), "the same rows"
        assert {name: reads.item_digest(rows) for name, rows in again.items()} == digests
        assert {name: reads.item_digest(rows) for name, rows in first.items()} == digests
        assert len(hashed) == sum(map(len, first.values())), "each row hashed once"
        changed = replace(lib, sources={**lib.sources, source.id: edited})
        cards = changed.source_cards()
        assert cards[0] is not first["source_cards"][0] and cards[0].title.endswith("(revised)")
        assert all(map(operator.is_, cards[1:], first["source_cards"][1:])), "the other sources' cards as they were"
        assert reads.item_digest(cards) != digests["source_cards"]
        assert reads.item_digest(changed.topic_cards()) == digests["topic_cards"]
    finally:
        memo.enable(False)
    afresh = replace(changed).source_cards()
    assert reads.item_digest(afresh) == reads.item_digest(cards), "the same made afresh"
    assert afresh[1] == cards[1] and afresh[1] is not cards[1]
