"""The search index the search page ships: every kind of page (teacher pages too), targets that exist, small.

How results rank is tested in the browser (tests/browser/test_search_browser.py): the ranking lives in search.js."""

from __future__ import annotations

import dataclasses
import json
import random
import re
import shutil
import string
import textwrap
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from primer import facts, memo, search
from primer.build import build, check_for_watch
from primer.content.library import ParseCache, load_library
from primer.parsed import place
from primer.search import KINDS, SNIPPET, STOP, _gap, _plain, _read, _snippet, search_index
from primer.search import _postings as _postings_of
from primer.targets.site import TEACHER_TOPIC
from tools import ROOT

KB = 1024
SHIPPED = ROOT / "content"
EXAMPLE = ROOT / "examples" / "south-china-sea-arbitration" / "content"
INDEX = re.compile(r'<script type="application/json" id="search-index">(.*?)</script>', re.S)


def _index(content: Path) -> dict[str, Any]:
    index = json.loads(search_index(load_library(content), TEACHER_TOPIC))
    assert isinstance(index, dict)
    return index


def _entries(index: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries as dicts, their trailing fields (left out when empty) filled in."""
    found = []
    for row in index["entries"]:
        kind, prior, page, anchor, title, snippet, also = [*row, "", "", ""][:7]
        path = index["pages"][page] + (f"#{anchor}" if anchor else "")
        found.append({"kind": index["kinds"][kind], "prior": prior, "path": path, "title": title, "snippet": snippet,
                      "also": also.split("|") if also else []})  # fmt: skip
    return found


def _words(text: str) -> set[str]:
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return set(re.findall(r"[^\W_]+", bare.lower()))


def _postings(index: dict[str, Any]) -> dict[str, list[int]]:
    """Each word's entries, read as the search page reads them: a gap to the entry before, in base 26 (upper-case
    letters for the leading digits, a lower-case letter for the last)."""
    found = {}
    for pair in index["words"].split(" "):
        word, gaps = pair.split(":")
        assert re.fullmatch(r"([A-Z]*[a-z])+", gaps), pair
        numbers, entry = [], -1
        for gap in re.findall(r"[A-Z]*[a-z]", gaps):
            value = 0
            for letter in gap:
                value = value * 26 + ord(letter.lower()) - ord("a")
            entry += value + 1
            numbers.append(entry)
        found[word] = numbers
    return found


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    return _index(SHIPPED)


@pytest.mark.parametrize("content", [SHIPPED, EXAMPLE], ids=["shipped", "example"])
def test_every_kind_of_page_is_in_the_index(content: Path) -> None:
    lib = load_library(content)
    entries = _entries(_index(content))
    kinds = {e["kind"] for e in entries}
    assert kinds == set(KINDS)
    paths = {e["path"] for e in entries}
    for topic in lib.topics.values():
        assert f"topics/{topic.id}/index.html" in paths
        assert f"topics/{topic.id}/quiz.html" in paths
        assert f"topics/{topic.id}/index.html#s{len(topic.sections)}" in paths, "each section"
    assert {f"glossary/index.html#{t}" for t in lib.terms} <= paths
    assert {f"sources/{s}.html" for s in lib.sources} <= paths
    assert {f"sources/{lib.point_source[p]}.html#{p}" for p in lib.points} <= paths
    assert {f"timeline/index.html#{e}" for e in lib.events} <= paths
    assert {f"actors/index.html#{a}" for a in lib.actors} <= paths
    assert {f"places/index.html#{p}" for p in lib.places} <= paths


def test_teacher_pages_are_in_the_index_and_named_for_what_they_hold(shipped: dict[str, Any]) -> None:
    teacher = {e["path"]: e for e in _entries(shipped) if e["kind"] == "Teacher pages"}
    topics = load_library(SHIPPED).topics
    assert set(teacher) == {"teacher/index.html", "teacher/report.html"} | {TEACHER_TOPIC.format(id=t) for t in topics}
    for topic_id in topics:
        entry = teacher[TEACHER_TOPIC.format(id=topic_id)]
        assert entry["title"].startswith("Teacher: ")
        assert {"lesson plan", "answer key"} <= set(entry["also"])
    assert "Lesson plan" in teacher[TEACHER_TOPIC.format(id=next(iter(topics)))]["snippet"]


def test_glossary_entries_carry_their_expansion_and_aliases(shipped: dict[str, Any]) -> None:
    thaad = next(e for e in _entries(shipped) if e["path"] == "glossary/index.html#thaad")
    assert thaad["title"] == "THAAD (Terminal High Altitude Area Defense)"
    assert "THAAD battery" in thaad["also"]
    assert "Terminal High Altitude Area Defense" not in thaad["also"], "the expansion is in the title once"


def test_hidden_words_point_at_entries_and_repeat_nothing_shown(shipped: dict[str, Any]) -> None:
    entries = _entries(shipped)
    postings = _postings(shipped)
    assert list(postings) == sorted(postings), "words in a fixed order"
    for word, numbers in postings.items():
        assert word not in STOP
        assert word == word.lower() and re.fullmatch(r"[^\W_]+", word), word
        assert numbers == sorted(set(numbers)), word
        for n in numbers:
            shown = entries[n]
            assert word not in _words(" ".join([shown["title"], shown["snippet"], *shown["also"]])), (word, n)
    assert "interceptors" in postings or "interceptor" in postings, "words from the text itself"


def test_an_entry_list_writes_each_entry_as_the_gap_from_the_one_before() -> None:
    """A gap of 25 entries or fewer is one letter; a longer one has upper-case letters before its last."""
    numbers = [0, 1, 27, 28, 700, 20_000, 20_001]
    codes = [_gap(n) for n in range(20_001)]
    gaps = _postings_of(numbers, codes)
    assert gaps == "aazaZvBCOha", "gaps 0, 0, 25, 0, 671 (25·26 + 21), 19,299 (1·26³ + 2·26² + 14·26 + 7), 0"
    assert _postings({"words": f"word:{gaps}"}) == {"word": numbers}


def test_snippets_are_short_and_plain(shipped: dict[str, Any]) -> None:
    for entry in _entries(shipped):
        assert len(entry["snippet"]) <= 110, entry["title"]
        assert "](" not in entry["snippet"] and "**" not in entry["snippet"], entry["snippet"]
        assert "](" not in entry["title"], entry["title"]


def _shortened(text: str) -> str:
    """A snippet as `textwrap.shorten` makes it, of the text cut where `_snippet` cuts it."""
    end = text.find(" ", SNIPPET + 1)
    return textwrap.shorten(text if end < 0 else text[:end], SNIPPET, placeholder="…") if text else ""


def test_a_snippet_is_what_textwrap_shortens_the_text_to() -> None:
    """`_snippet` makes most snippets without `textwrap.shorten`, and each is the one it would make: texts that fill
    the line to a character either side of it, hyphens and dashes (where shorten may break a word), words longer than
    a line, spaces that are not single, and random texts of such words."""
    line = "word " * 15  # 75 characters
    cases = [
        "",
        "Short.",
        line.strip(),
        line + "four",  # 79: fits
        line + "fivee",  # 80: fits
        line + "sixsix",  # 81: cut
        line + "fivee more",
        line + "four more words to come",
        line + "well-known and more",
        "x" * 79 + " y",
        "x" * 80 + " y",
        "x" * 81 + " y",
        "a " + "x" * 90,
        line + "em--dash words",
        " leading space " + line,
        line.replace(" ", "  ", 1) + "and more words",
        line + "non\xa0breaking space and more",
    ]
    rng = random.Random(16)
    letters = string.ascii_letters + "é’…,.!?\"'—"
    for _ in range(20_000):
        words = []
        for _ in range(rng.randint(1, 25)):
            size = rng.choice([1, 2, 3, 5, 8, 12, 20, 40, 79, 80, 81, 90])
            word = "".join(rng.choice(letters) for _ in range(size))
            if rng.random() < 0.1:
                word = word[: size // 2] + rng.choice(["-", "--", "\xa0", "\t", "  "]) + word[size // 2 :]
            words.append(word)
        cases.append(" ".join(words))
    cut = 0
    for text in cases:
        assert _snippet(text) == _shortened(text), text
        cut += _snippet(text).endswith("…")
    assert cut > 10_000, "most texts are longer than a snippet"


def test_an_entrys_hidden_words_are_its_words_not_shown_and_not_stop_words_or_single_letters() -> None:
    """The words `_read` keeps for an entry beyond what it shows: each word of its text that its title, snippet and
    aliases do not show, that is no stop word, and that is longer than a letter or is a digit (in any alphabet:
    `_read` leaves out the ASCII letters at once, and the others one by one)."""
    rng = random.Random(79)
    pieces = [*"abcxyz0123456789", "é", "ß", "ø", "日", "本", "٣", "²", "Ⅻ", "the", "and", "Kōno's", "U.S."]
    pieces += ["x-ray", "THAAD", "2017", "Aegis", "sea", "a1", "9b", "—", "…", "[link](point:p1)", "**bold**"]
    for _ in range(3_000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        title = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        also = [rng.choice(pieces) for _ in range(rng.randint(0, 2))]
        snippet = rng.choice([None, "", " ".join(rng.choice(pieces) for _ in range(3))])
        titled = rng.random() < 0.5
        shown_title, shown, hidden = _read(title, text, snippet, also, titled)
        words = _words(_plain(text)) - _words(" ".join([shown_title, shown, *also])) - STOP
        assert hidden == " ".join(sorted(w for w in words if len(w) > 1 or w.isdigit())), text


def test_index_is_compact_and_the_same_every_time(shipped: dict[str, Any]) -> None:
    text = search_index(load_library(SHIPPED), TEACHER_TOPIC)
    assert text == search_index(load_library(SHIPPED), TEACHER_TOPIC)
    size = len(text.encode())
    # before this index: 92 KB for the shipped lesson (words repeated per entry, points titled twice)
    assert size <= 80 * KB, f"the search index is {size} bytes"
    assert size / len(shipped["entries"]) <= 300, "bytes per entry"
    assert "<" not in text and "&" not in text, "safe inside a script element"


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(str(value) for name, value in attrs if name == "id" and value)


@pytest.mark.parametrize("content", [SHIPPED, EXAMPLE], ids=["shipped", "example"])
def test_every_result_leads_to_a_page_and_anchor_that_exist(content: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(content, site)
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert len(page.encode()) <= 100 * KB
    match = INDEX.search(page)
    assert match
    ids: dict[str, set[str]] = {}
    for entry in _entries(json.loads(match.group(1))):
        path, _, anchor = entry["path"].partition("#")
        assert (site / path).is_file(), path
        if anchor:
            if path not in ids:
                parser = _Ids()
                parser.feed((site / path).read_text(encoding="utf-8"))
                ids[path] = parser.ids
            assert anchor in ids[path], entry["path"]


def _entry(rng: random.Random, number: int) -> search._Entry:
    words = ["radar", "kōno", "treaty", "2017", "a<b", "x&y", "line\u2028end", "thaad", "sm3", "seoul", "osan"]
    hidden = " ".join(sorted(set(rng.sample(words, rng.randint(0, 5)))))
    also = rng.sample(["quiz", "test", "a|b"], rng.randint(0, 2))
    title = rng.choice(["Radar <b>", "Kōno & Abe", "Treaty", "Line\u2029two", ""])
    snippet = rng.choice(["", "A short text.", "Ends in “quotes”"])
    path = f"page-{number % 7}.html" + rng.choice(["", f"#s{number}"])
    return search._Entry(rng.choice(search.KINDS), rng.choice(sorted(search.PRIOR)), path, title, snippet, also, hidden)


def _changed(rng: random.Random, found: list[search._Entry]) -> list[search._Entry]:
    """`found` with a few entries changed (their words, title, snippet or kind), or one added, dropped or moved."""
    edited = list(found)
    how = rng.choice(["words", "words", "shown", "kind", "added", "dropped", "path", "many"])
    for _ in range(len(found) if how == "many" else rng.randint(1, 3)):
        number = rng.randrange(len(edited))
        entry = _entry(rng, number)
        if how in ("words", "many"):
            edited[number] = dataclasses.replace(edited[number], hidden=entry.hidden)
        elif how == "shown":
            edited[number] = dataclasses.replace(edited[number], title=entry.title, snippet=entry.snippet)
        elif how == "kind":
            edited[number] = dataclasses.replace(edited[number], group=entry.group, prior=entry.prior, also=entry.also)
        elif how == "path":
            edited[number] = dataclasses.replace(edited[number], path=entry.path + "#moved")
        elif how == "added":
            edited.insert(number, entry)
        else:
            del edited[number]
    return edited


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_index_made_again_from_the_last_one_is_the_index_made_whole(seed: int) -> None:
    """A process that keeps memos makes the index of a save's entries from the last index (`_Indexed.again`):
    after any sequence of changes (words, titles and snippets with characters JSON escapes, kinds, entries
    added, dropped or moved, most entries at once), it is the index `_index` makes of the entries whole, and the
    last index is left as it was."""
    rng = random.Random(seed)
    found = [_entry(rng, number) for number in range(40)]
    indexed = search._Indexed(found)
    assert indexed.text == search._index(found)
    for _ in range(60):
        edited = _changed(rng, found)
        again = indexed.again(edited)
        assert again.text == search._index(edited)
        assert indexed.text == search._index(found), "the last index is left as it was"
        found, indexed = edited, again


def _key(entry: search._Entry) -> bytes:
    """A key of an entry's texts, as `primer.search` keeps what it read of each (where it is, the index's parts
    tell apart)."""
    return facts.key("entry", entry.title, entry.snippet, "|".join(entry.also), entry.hidden)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_an_index_made_from_the_last_commands_parts_is_the_index_made_whole(seed: int) -> None:
    """A command makes the index of a rebuild's entries from the parts of the last one, kept on disk
    (`_Indexed.from_parts`, each changed entry's words as the last command read them): after any sequence of
    changes, it is the index `_index` makes of the entries whole, or None (made whole) when the entries moved, were
    added or dropped, or most changed; the parts it was made from are left as they were."""
    rng = random.Random(seed)
    found = [_entry(rng, number) for number in range(40)]
    keys = [_key(entry) for entry in found]
    read = {key: (entry.title, entry.snippet, entry.hidden) for key, entry in zip(keys, found, strict=True)}
    parts = search._Indexed(found).parts(keys)
    made = 0
    for _ in range(80):
        edited = _changed(rng, found)
        now = [_key(entry) for entry in edited]
        copied = json.dumps([parts[0], parts[1].hex(), parts[2:]])
        again = search._Indexed.from_parts(parts, edited, now, read.get)
        assert json.dumps([parts[0], parts[1].hex(), parts[2:]]) == copied, "the parts are left as they were"
        moved = len(edited) != len(found) or any(a.path != b.path for a, b in zip(found, edited, strict=False))
        if again is None:
            many = sum(a != b for a, b in zip(keys, now, strict=False)) * 4 > len(edited)
            kinds = any((a.group, a.prior) != (b.group, b.prior) for a, b in zip(found, edited, strict=False))
            assert moved or many or kinds
            again = search._Indexed(edited)
        else:
            made += 1
            assert not moved
        assert again.text == search._index(edited)
        read.update({key: (entry.title, entry.snippet, entry.hidden) for key, entry in zip(now, edited, strict=True)})
        found, keys, parts = edited, now, again.parts(now)
    assert made >= 15, "many rounds' indexes were made from the parts"
    assert search._Indexed.from_parts(parts, found, keys, lambda key: None) is not None, "nothing changed"
    assert search._Indexed.from_parts(("not", "parts"), found, keys, read.get) is None
    changed = [dataclasses.replace(found[0], hidden=found[0].hidden + " brandnew"), *found[1:]]
    assert search._Indexed.from_parts(parts, changed, [b"x" * 16, *keys[1:]], lambda key: None) is None, "unread"


def test_postings_read_back_are_the_entries_written() -> None:
    rng = random.Random(7)
    codes = [_gap(n) for n in range(3000)]
    for _ in range(200):
        numbers = sorted(rng.sample(range(3000), rng.randint(0, 60)))
        assert search._numbers(_postings_of(numbers, codes)) == numbers
    assert search._numbers(_postings_of(list(range(3000)), codes)) == list(range(3000))


def _counted(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[str]]:
    """The indexes this process makes whole while it keeps memos (their entries' count), and the texts it reads for
    entries."""
    whole: list[int] = []
    real = search._Indexed.__init__

    def counted(self: search._Indexed, found: list[search._Entry]) -> None:
        if memo.here():
            whole.append(len(found))
        real(self, found)

    monkeypatch.setattr(search._Indexed, "__init__", counted)
    read: list[str] = []
    monkeypatch.setattr(search, "_read", lambda *args: read.append(args[1]) or _read(*args))
    return whole, read


def _same_as_without_memos(lesson: Path, parsed: ParseCache, read: list[str]) -> None:
    """In a new round of the memos, the index of `lesson` made with them (from `parsed`) is the one made without
    them, by a command (`plain`, from what the last one kept on disk) and whole (nothing kept); `read`: the texts
    read for entries, emptied first (see `_counted`)."""
    memo.new_round()
    memo._ON = False
    try:
        with facts.kept_in(None):
            whole = search_index(load_library(lesson), TEACHER_TOPIC)
        with facts.kept_in(place(lesson)):
            plain = search_index(load_library(lesson), TEACHER_TOPIC)
    finally:
        memo._ON = True
    assert plain == whole
    with facts.kept_in(place(lesson)):
        read.clear()
        assert search_index(load_library(lesson, parsed), TEACHER_TOPIC) == plain


def test_a_process_that_keeps_memos_makes_the_index_of_the_lesson_made_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`primer serve` and `--watch` make the index in the process that checks, from the last index it made and
    what it made of each item and entry: after edits of a point, a term and a topic, it is the index made
    without memos; the entries new to the process are read off the results kept on disk (when there are many)
    or read again (a few)."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path / "cache"))
    parsed = ParseCache()
    whole, read = _counted(monkeypatch)

    def same(many: int) -> None:
        monkeypatch.setattr(search, "_MANY", many)
        _same_as_without_memos(lesson, parsed, read)

    memo.enable()
    try:
        same(many=1)
        assert len(whole) == 1 and read == [], "every entry read off the results kept on disk"
        edits = [
            (lesson / "sources" / "japan-aegis-ashore-2017.yaml", "  text: ", "  text: Reportedly, "),
            (lesson / "glossary.yaml", "  definition: ", "  definition: Briefly, "),
            (lesson / "topics" / "thaad-south-korea.yaml", "lede: ", "lede: Quietly, "),
        ]
        for path, old, new in edits:
            path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
            same(many=1000)
            assert len(whole) == 1, "made from the last index"
            assert len(read) == 1 and new.split(": ")[1] in read[0], "the edited entry's text alone read again"
    finally:
        memo.enable(False)


def test_a_collection_the_saves_leave_alone_is_found_whole_and_keeps_its_entries_while_it_lasts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that keeps memos finds each collection of the index (the topics, the glossary, the places…) whose
    items a save left as they were at once (`search._RUN_ENTRIES`): after four saves of a topic, which leave the
    glossary alone, a term's edit reads that term's entry alone again; a term renamed so that it sorts first, a
    term added and the same term taken out again each give the index made without memos."""
    lesson = tmp_path / "lesson"
    shutil.copytree(SHIPPED, lesson)
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path / "cache"))
    parsed = ParseCache()
    whole, read = _counted(monkeypatch)
    glossary, topic = lesson / "glossary.yaml", lesson / "topics" / "thaad-south-korea.yaml"
    glossary_text, topic_text = glossary.read_text(encoding="utf-8"), topic.read_text(encoding="utf-8")
    added = "\n  - id: zz-test-term\n    term: zz test term\n    category: concept\n    definition: A new term.\n"

    def same(text: str | None = None, path: Path = glossary) -> None:
        if text is not None:
            path.write_text(text, encoding="utf-8")
        _same_as_without_memos(lesson, parsed, read)

    memo.enable()
    try:
        same()
        for number in range(4):
            same(topic_text.replace("lede: ", f"lede: Quietly {number}, ", 1), topic)
        assert len(read) == 1 and "Quietly 3, " in read[0], "the edited topic's entry alone read again"
        same(glossary_text.replace("  definition: ", "  definition: Briefly, ", 1))
        assert len(read) == 1 and "Briefly, " in read[0], "the edited term's entry alone read again"
        assert len(whole) == 1, "each made from the last index"
        for text in [glossary_text.replace("term: interceptor\n", "term: aardvark interceptor\n", 1), glossary_text]:
            same(text + added)  # the entries move: each index made whole
            same(text)
    finally:
        memo.enable(False)


@pytest.mark.parametrize("first", ["built", "up to date"])
def test_a_watching_process_keeps_the_index_of_its_last_build_and_makes_the_next_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    """`primer build --watch` makes the search index in memory once a build is written (the first build's
    index was made by a worker), or once it checked a lesson whose output was up to date when it started, so
    that the first save's rebuild makes its own from it: after a point's edit, only that entry is read again, no
    index is made whole in the build's process, and the page holds the index made without memos."""
    lesson, out = tmp_path / "lesson", tmp_path / "site"
    shutil.copytree(SHIPPED, lesson)
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path / "cache"))
    parsed = ParseCache()
    whole, read = _counted(monkeypatch)

    def built() -> tuple[str, list[str]]:
        """The index on the search page, and the texts the build's process read for it."""
        read.clear()
        later: list[Any] = []
        # on two processes: the first build's index is made by the search page's worker, the next build's here
        build(lesson, out, jobs=2, pdf=False, cache=True, parse_cache=parsed, record_later=later)
        for step in later:
            step()
        mine = list(read)
        match = INDEX.search((out / "search" / "index.html").read_text(encoding="utf-8"))
        assert match
        memo._ON = False
        try:
            assert match.group(1) == search_index(load_library(lesson), TEACHER_TOPIC)
        finally:
            memo._ON = True
        return match.group(1), mine

    if first == "up to date":  # `primer build`, then the watch's check of the lesson it built
        build(lesson, out, jobs=2, pdf=False, cache=True)
    memo.enable()
    try:
        if first == "up to date":
            check_for_watch(lesson, False, 2, parsed)
            match = INDEX.search((out / "search" / "index.html").read_text(encoding="utf-8"))
            assert match
            index = match.group(1)
        else:
            index, _ = built()
        kept = search._LAST.find(TEACHER_TOPIC)
        assert kept is not None and kept.text == index and len(whole) == 1, "made in memory once it was written"
        source = lesson / "sources" / "japan-aegis-ashore-2017.yaml"
        source.write_text(source.read_text(encoding="utf-8").replace("  text: ", "  text: Reportedly, ", 1), "utf-8")
        edited, mine = built()
        assert edited != index and len(whole) == 1, "made from the last index"
        assert len(mine) == 1 and "Reportedly" in mine[0], "the edited point's entry alone read again"
    finally:
        memo.enable(False)
