"""The search index the search page ships: every page kind, ranked by what a student would look for first.

The index travels inside the search page as JSON (`<script type="application/json">`), so search works
from file:// without fetch(); `static/js/search.js` ranks and shows results. It is kept small: pages are
numbered once, long texts become a short snippet plus the distinct words the snippet does not show, and
those words are stored once each with the entries they occur in (an inverted index)."""

from __future__ import annotations

import bisect
import contextlib
import copy
import functools
import re
import string
import textwrap
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from primer import facts, memo, reads
from primer.content.library import Library
from primer.content.models import Actor, Event, Place, Source, Term, Topic
from primer.memo import Memo
from primer.render import markdown
from primer.render.safejson import script_json
from primer.render.urls import PAGES, item_path
from primer.report import REPORT_PAGE

#: Result groups, in the order the page lists groups whose best results score the same.
KINDS = ["Topics", "Glossary", "Sources", "Places", "Actors", "Timeline", "Teacher pages"]

#: How much an entry weighs before its words are matched (tenths): an explainer or a glossary term outranks
#: a section, a claim in a source or a timeline event that uses the same word in its title.
PRIOR = {
    "topic": 15,
    "term": 14,
    "source": 12,
    "section": 11,
    "quiz": 10,
    "place": 10,
    "actor": 10,
    "teacher": 8,
    "page": 9,
    "point": 9,
    "event": 8,
}

#: How long a snippet under a result may be, in characters.
SNIPPET = 80

#: Words that say nothing about what a student is looking for ("what is a battery" → battery). The
#: search page drops them from queries; the index leaves them out of its word lists.
_STOP_WORDS = """
    a about after all also am an and any are as at be been before being between both but by can could define
    definition did do does doing each explain for from had has have here how i if in into is it its me mean meaning
    means more most my no nor not of on only or other our over said says she should so some such tell than that
    the their them then there these they this those to too under until very was we were what when where which
    while who whom why will with would you your
"""
STOP = frozenset(_STOP_WORDS.split())

_MARKUP = re.compile(r"[*`]+")
_TOKEN = re.compile(r"[^\W_]+")
#: Every ASCII character but the letters and digits, to a space: in an ASCII text, the words `_TOKEN` finds are
#: what is left between spaces.
_NOT_WORD = str.maketrans({code: " " for code in range(128) if not chr(code).isalnum()})
_BEFORE_DIGIT = re.compile(r"(?<=[^\W\d_])-(?=\d)")


@dataclass
class _Entry:
    group: str
    prior: str
    path: str
    title: str
    snippet: str
    also: list[str]
    #: the words of its text a student does not see in its title, snippet or aliases, a space between each
    hidden: str


def _plain(text: str) -> str:
    """Markdown as plain text on one line: link texts without their targets, no emphasis marks."""
    return " ".join(_MARKUP.sub("", markdown.link_texts(text)).split())


def _snippet(text: str) -> str:
    """The start of `text` (one line, single spaces, as `_plain` gives it), at most SNIPPET characters:
    `textwrap.shorten`'s, with "…" when it is cut."""
    if not text:
        return ""
    # shorten() splits the whole text into words, but only the words that reach the snippet's end, and
    # one more to show that the text goes on, can change what it returns: cut a long text at a space first,
    # past the snippet's end (a text cut to the snippet's length would fit, and show no "…").
    end = text.find(" ", SNIPPET + 1)
    head = text if end < 0 else text[:end]
    words = head.split(" ")
    if "-" in head or words != head.split() or max(map(len, words)) > SNIPPET:
        # a hyphen is a place shorten() may break at, a text that is not single-spaced is made so first, and a word
        # longer than a line is broken: shorten() itself, for those (13,400 snippets at 256 topics took it 0.23 s,
        # and take 0.05 s here)
        return textwrap.shorten(head, SNIPPET, placeholder="…")
    if len(head) <= SNIPPET:
        return head  # all of it, as shorten() gives a text that fits
    # the words that fit on the line with "…" after them, as shorten() fills it
    length = -1
    for count, word in enumerate(words):
        if length + 1 + len(word) + len(_MORE) > SNIPPET:
            return " ".join(words[:count]) + _MORE if count else _MORE
        length += 1 + len(word)
    raise AssertionError("a text longer than a snippet has a word past its end")  # pragma: no cover


#: What ends a snippet of a text that goes on.
_MORE = "…"


def _words(text: str) -> list[str]:
    """The words of `text` as the search page reads them: no accents, lower case, split at anything that is
    not a letter or digit ("Kōno's" → kono, s)."""
    bare = unicodedata.normalize("NFKD", text)
    if not bare.isascii():
        # look up each distinct character once rather than every character of the text
        marks = {ord(c): None for c in set(bare) if unicodedata.combining(c)}
        if marks:
            bare = bare.translate(marks)
        return _TOKEN.findall(bare.lower())
    # the same words, in two thirds of the time (`str.translate` reads an ASCII text at once)
    return bare.lower().translate(_NOT_WORD).split()


def _read(title: str, text: str, snippet: str | None, also: list[str], titled: bool) -> tuple[str, str, str]:
    """An entry's title (with `titled`, the snippet of `title`'s text), its snippet (`snippet`, else the start
    of `text`), and the words of `text` not shown in those or in `also` (no stop words, no single letters),
    as one text with a space between words, in order (kept for every entry at once: one object each, not one a
    word)."""
    text = _plain(text)
    title = _snippet(_plain(title)) if titled else title
    shown = _snippet(text) if snippet is None else snippet
    unseen = set(_words(text))
    unseen.difference_update(_words(" ".join([title, shown, *also])), STOP, _LETTERS)
    if min(map(len, unseen), default=2) == 1:  # a digit, or a letter of another alphabet (`_LETTERS`)
        unseen = {w for w in unseen if len(w) > 1 or w.isdigit()}
    return title, shown, " ".join(sorted(unseen))


#: The words of one letter that an entry's words leave out, as one set: those of the ASCII alphabet, which are
#: all an ASCII text has, and those an accent is taken off (`_words`). Single letters of other alphabets are
#: left out one by one (13,900 entries at 256 topics have 710,000 words: 0.1 s, a word at a time).
_LETTERS = frozenset(string.ascii_lowercase)


#: One entry as `_entries` lists it, before its texts are read: its group, prior and path, its title and text, and
#: how it is shown (its snippet, when given; its aliases; whether its title is the snippet of its text).
_Listed = tuple[str, str, str, str, str, str | None, tuple[str, ...], bool]


def _listing(
    group: str,
    prior: str,
    path: str,
    title: str,
    text: str = "",
    *,
    snippet: str | None = None,
    also: tuple[str, ...] = (),
    titled: bool = False,
) -> _Listed:
    return group, prior, path, title, text, snippet, also, titled


def _topic_listed(topic: Topic) -> list[_Listed]:
    path = item_path("topic", topic.id)
    found = [_listing("Topics", "topic", path, topic.title, " ".join([topic.lede, *topic.takeaways]))]
    for number, section in enumerate(topic.sections, 1):
        found.append(_listing("Topics", "section", f"{path}#s{number}", section.title, section.body))
    return found


def _quiz_listed(topic: Topic) -> list[_Listed]:
    return [
        _listing(
            "Topics",
            "quiz",
            item_path("quiz", topic.id),
            f"Quiz: {topic.title}",
            snippet="Questions with feedback to check your understanding of this topic.",
            also=("quiz", "test"),
        )
    ]


def _term_listed(term: Term) -> list[_Listed]:
    title = f"{term.term} ({term.expansion})" if term.expansion else term.term
    names = {term.term.casefold(), (term.expansion or "").casefold()}
    aliases = [a for a in term.aliases if a.casefold() not in names]
    joined = _BEFORE_DIGIT.sub("", term.term)  # SM-3 → SM3, as students often type it
    aliases += [joined] if joined != term.term else []
    return [_listing("Glossary", "term", item_path("term", term.id), title, term.definition, also=tuple(aliases))]


def _source_listed(source: Source) -> list[_Listed]:
    outlet = source.outlet.name if source.outlet.identified and source.outlet.name else ""
    found = [
        _listing(
            "Sources",
            "source",
            item_path("source", source.id),
            f"{source.label}: {source.title}",
            f"{source.framing.conclusion} {outlet} {source.short}",
        )
    ]
    for point in source.points:
        text = " ".join(filter(None, [point.text, point.correction]))
        path = item_path("point", point.id, owner=source.id)
        found.append(_listing("Sources", "point", path, point.text, text, snippet="", titled=True))
    return found


def _place_listed(place: Place) -> list[_Listed]:
    text = f"{place.text} {place.dispute_note or ''}"
    return [_listing("Places", "place", item_path("place", place.id), place.name, text)]


def _actor_listed(actor: Actor) -> list[_Listed]:
    text = " ".join([actor.role, *actor.interests])
    return [_listing("Actors", "actor", item_path("actor", actor.id), actor.name, text)]


def _event_listed(event: Event) -> list[_Listed]:
    title = f"{event.date.human()}: {event.title}"
    return [_listing("Timeline", "event", item_path("event", event.id), title, event.text)]


def _teacher_listed(teacher_topic: str, topic: Topic) -> list[_Listed]:
    return [
        _listing(
            "Teacher pages",
            "teacher",
            teacher_topic.format(id=topic.id),
            f"Teacher: {topic.title}",
            " ".join(o.text for o in topic.objectives),
            snippet="Lesson plan, answer key by version, handouts to print and learning objectives.",
            also=("lesson plan", "answer key", "handouts"),
        )
    ]


#: The pages that are not items', each one entry.
_PAGES_LISTED = [
    _listing(
        "Teacher pages",
        "page",
        PAGES["teacher"],
        "Teacher hub",
        snippet="Everything for teaching this lesson: lesson plans, handouts, answer keys, downloads.",
        also=("teachers",),
    ),
    _listing(
        "Teacher pages",
        "page",
        REPORT_PAGE,
        "Provenance and quality report",
        snippet="What every statement and answer rests on, quiz coverage, balance, readability, and what to check.",
        also=("quality report",),
    ),
]
_COMPARE_LISTED = _listing(
    "Sources",
    "page",
    PAGES["compare"],
    "Compare the sources",
    snippet="The sources side by side: how each was made, whom it lets speak, and the words it chooses.",
    also=("compare sources",),
)

#: What an item lists, by what lists it and the item (as an object: see `primer.memo`), in a process that keeps
#: memos: a save lists again the items it changed.
_ITEMS: Memo[tuple[str, int, tuple[str, ...]], list[_Listed]] = Memo()
#: What the items of a collection list (`_runs`), by what lists them and the items (as objects), in a process that
#: keeps memos: a save that leaves a collection's items as they were looks them up a run of `_RUN` at a time, not
#: item by item (7,680 items at 256 topics), and one that changes an item lists again its run alone (a source lists
#: its points too: 5,334 entries at 256 topics, a run of sources about 650).
_RUNS: Memo[tuple[str, tuple[str, ...], tuple[int, ...]], list[_Listed]] = Memo()
_RUN = 32
_COMPARE_RUN = [_COMPARE_LISTED]


def _listed(lib: Library, teacher_topic: str) -> list[_Listed]:
    """Everything a student or teacher can search for, most important kinds first (ties keep this order)."""
    return [listed for run in _runs(lib, teacher_topic) for listed in run]


def _runs(lib: Library, teacher_topic: str) -> list[list[_Listed]]:
    """`_listed`, in runs of a collection's items (in a process that keeps memos, each the same list as the last
    time when its items are: see `_RUNS`)."""
    here = memo.here()

    def runs_of(make: Callable[..., list[_Listed]], items: Iterable[object], *before: str) -> list[list[_Listed]]:
        every = tuple(items)
        if not here:
            return [[listed for item in every for listed in make(*before, item)]]
        found = []
        for start in range(0, len(every), _RUN):
            run = every[start : start + _RUN]
            key = (make.__name__, before, tuple(map(id, run)))
            found.append(_RUNS.get(key, partial(_run, make, run, before), keep=run))
        return found

    topics = lib.topics_in_order()
    terms: list[Term] = sorted(lib.terms.values(), key=lambda t: (t.term.casefold(), t.id))
    runs = [
        *runs_of(_topic_listed, topics),
        *runs_of(_quiz_listed, topics),
        *runs_of(_term_listed, terms),
        *runs_of(_source_listed, lib.sources.values()),
    ]
    if len(lib.sources) > 1:
        runs.append(_COMPARE_RUN)
    runs += [
        *runs_of(_place_listed, lib.places.values()),
        *runs_of(_actor_listed, lib.actors.values()),
        *runs_of(_event_listed, lib.events_in_order()),
        *runs_of(_teacher_listed, topics, teacher_topic),
        _PAGES_LISTED,
    ]
    return runs


def _run(make: Callable[..., list[_Listed]], items: tuple[object, ...], before: tuple[str, ...]) -> list[_Listed]:
    """What `items` list (`make`, after the arguments `before`), each item's kept by the item (`_ITEMS`)."""
    found: list[_Listed] = []
    for item in items:
        found.extend(_ITEMS.get((make.__name__, id(item), before), partial(make, *before, item), keep=item))
    return found


def _entries(lib: Library, teacher_topic: str, read: Callable[[list[_Listed]], list[_Entry]]) -> list[_Entry]:
    """Everything a student or teacher can search for (`_listed`), each entry with its texts read (`read`:
    `_kept_reads`, `_remembered`)."""
    return read(_listed(lib, teacher_topic))


def _made(listed: _Listed, read: tuple[str, str, str]) -> _Entry:
    """The entry `listed` with what `_read` gave for it."""
    title, shown, hidden = read
    return _Entry(listed[0], listed[1], listed[2], title, shown, list(listed[6]), hidden)


def _kept_reads(kept: facts.Facts, keys: list[bytes]) -> Callable[[list[_Listed]], list[_Entry]]:
    """The entries listed, each with its texts read (`_read`), kept in `kept` by its texts (each entry's key is
    added to `keys`, when results are kept)."""

    def read(listed: list[_Listed]) -> list[_Entry]:
        found = []
        for entry in listed:
            _, _, _, title, text, snippet, also, titled = entry
            parts = ("search entry", title, text, repr((snippet, list(also), titled)))
            made: bytes | partial[bytes] = partial(facts.key, *parts)  # hashed only when results are kept
            if kept.keeps:
                made = facts.key(*parts)
                keys.append(made)
            found.append(_made(entry, kept.get(made, partial(_read, title, text, snippet, list(also), titled))))
        return found

    return read


def _postings(numbers: list[int], codes: list[str]) -> str:
    """An entry list as the index writes it: for each entry (in order), how many entries lie between it and the
    one before (the first: from the start), as `codes` has each number (`_gap`)."""
    return "".join([codes[after - before - 1] for before, after in zip([-1, *numbers], numbers, strict=False)])


def _gap(number: int) -> str:
    """`number` in base 26, its last digit a lower-case letter (a = 0 … z = 25) and those before it upper-case
    letters (A = 0 …), so that a list of numbers needs no separator: 0 → "a", 27 → "Bb". A word most entries
    have lists them a letter each."""
    number, rest = divmod(number, 26)
    text = chr(ord("a") + rest)
    while number:
        number, rest = divmod(number, 26)
        text = chr(ord("A") + rest) + text
    return text


def search_index(lib: Library, teacher_topic: str) -> str:
    """The search index as JSON for a script element (`teacher_topic`: the path of a topic's teacher page,
    with `{id}`).

    `{"kinds": [group, …], "pages": [site path, …], "stop": "word …",
    "entries": [[group, prior, page, anchor, title, snippet, "alias|alias"], …],
    "words": "word:postings word:postings …"}`: `group` numbers a kind, `page` a page; an entry's trailing
    empty fields are left out; `postings` list the entries whose hidden text has the word, each by how many
    entries lie between it and the one before (`_gap`: at 1,024 topics a quarter of the bytes of each number
    written whole). Words already in an entry's title, snippet or aliases are not listed."""
    ahead = _AHEAD[0] if _AHEAD else None
    if ahead is not None and ahead[0] is lib and ahead[1] == teacher_topic:
        for token in ahead[3]:  # what making it read, as this page would have recorded it
            reads.record(token)
        return ahead[2]
    if memo.here():  # a process that checks again (`primer serve`): from the last index, in memory
        return _kept_index(lib, teacher_topic)
    kept = facts.own("search")  # made in one worker, which keeps what it read for the next build's
    keys: list[bytes] = []
    found = _entries(lib, teacher_topic, _kept_reads(kept, keys))
    if not kept.keeps:
        return _index(found)
    # the index as a whole, kept by its entries (their keys, and where each is): an edit that changes no text
    # a student can search (a question's) takes it whole; listing each word's entries and writing the JSON
    # take twice the time of reading the entries (0.15 s at 256 topics, on a rebuild's longest page). Else it is
    # made from the last index's parts, kept beside it, when few entries changed (a source's or a topic's edit:
    # 0.12 s → 0.01 s at 256 topics, of the page that a rebuild's render waits for last)
    last, places = kept.peek(_PARTS), _places(found)
    made: list[_Indexed] = []
    index = kept.get(_index_key(places, keys), partial(_index_from, last, found, keys, places, kept.peek, made))
    parts = made[0].parts(keys, places) if made else last
    if parts is not None:
        kept.keep(_PARTS, parts)
    kept.save()
    return index


#: What the parts of the last index are kept by in search.facts (see `_Indexed.parts`).
_PARTS = facts.key("search index parts")


def _index_from(
    last: object,
    found: list[_Entry],
    keys: list[bytes],
    places: str,
    peek: Callable[[bytes], object],
    made: list[_Indexed],
) -> str:
    """The index of `found` (`keys`: each entry's key; `places`: where each is), made from the `last` index's parts
    when few entries changed (`_Indexed.from_parts`, each changed entry's words as it was read by `peek`), else
    whole; the index made is appended to `made`."""
    again = _Indexed.from_parts(last, found, keys, peek, places)
    made.append(again if again is not None else _Indexed(found))
    return made[0].text


#: The search index made by this process before the render's workers forked (`made_ahead`): the lesson it was
#: made of, the path of a topic's teacher page, the index, and what making it read.
_AHEAD: list[tuple[Library, str, str, frozenset[reads.Token]]] = []


@contextlib.contextmanager
def made_ahead(lib: Library, teacher_topic: str) -> Iterator[None]:
    """Within the block, `search_index(lib, teacher_topic)` is the index made here on entering it, from the last
    one in memory, in a process that keeps memos (see `primer.memo.here`). A rebuild's workers, forked after,
    take it: rendered there, the index would be made from the results kept on disk, in a worker whose memory
    ends with it (the rebuild's longest page: 0.44 s of a worker at 256 topics, against 0.04 s here)."""
    with reads.recording() as found:
        index = _kept_index(lib, teacher_topic)
    _AHEAD.append((lib, teacher_topic, index, frozenset(found)))
    try:
        yield
    finally:
        _AHEAD.clear()


#: Each entry, with its texts read, by what it was made of (`_Listed`), in a process that keeps memos.
_READ: Memo[_Listed, _Entry] = Memo()
#: The last index this process made (`_Indexed`), by the path of a topic's teacher page.
_LAST: Memo[str, _Indexed] = Memo()
#: How many entries that the memo does not hold make it worth reading the results kept on disk (which takes
#: 0.04 s at 256 topics) rather than reading the entries' texts (0.06 ms an entry).
_MANY = 1000


def remember(lib: Library, teacher_topic: str) -> None:
    """Make the search index of `lib` in memory, in a process that keeps memos (`primer build --watch`), once
    a build is written and nothing waits: the next save's rebuild makes its own from it (`made_ahead`). After
    the first build (whose index a worker made), that takes 0.3 s at 256 topics, which the first save would
    otherwise wait for; after a save whose rebuild did not make the index (a question's edit), it keeps what
    each entry read in the memos, which forget what two checks in a row did not use."""
    if memo.here():
        _kept_index(lib, teacher_topic)


#: The entries of a run of a collection's items (`_runs`), by the run's list (as an object), in a process that keeps
#: memos: a save finds a run whose items it left as they were at once, not entry by entry (13,913 at 256 topics).
_RUN_ENTRIES: Memo[int, list[_Entry]] = Memo()


def _kept_index(lib: Library, teacher_topic: str) -> str:
    """`search_index`, made from the last index made in this process (`_Indexed.again`) and from what its
    entries read (`_remembered`), a run of items at a time (`_RUN_ENTRIES`)."""
    runs = _runs(lib, teacher_topic)
    kept = [_RUN_ENTRIES.find(id(run)) for run in runs]
    todo = [number for number, entries in enumerate(kept) if entries is None]
    if todo:  # read what the memos do not hold all at once (`_remembered` reads many off the disk), then each run
        _remembered([listed for number in todo for listed in runs[number]])
        for number in todo:  # its entries found: kept with the run, so that they last while it does
            kept[number] = _RUN_ENTRIES.get(id(runs[number]), partial(_remembered, runs[number]), keep=runs[number])
    found = [entry for entries in kept for entry in entries or ()]
    last = _LAST.find(teacher_topic)
    made = _Indexed(found) if last is None else last.again(found)
    return _LAST.same(teacher_topic, made).text


def _remembered(listed: list[_Listed]) -> list[_Entry]:
    """The entries listed, each kept in memory by what it reads; those not kept are read off the results kept on
    disk when there are many (the first rebuild of a process), else read again."""
    found = [_READ.find(entry) for entry in listed]
    missing = [number for number, got in enumerate(found) if got is None]
    if missing:
        # read, not saved: `primer build` saves what it used when it makes the index (see `search_index`)
        kept = facts.own("search") if len(missing) >= _MANY else facts.Facts()
        for number, made in zip(missing, _kept_reads(kept, [])([listed[n] for n in missing]), strict=True):
            found[number] = _READ.same(listed[number], made)
    return found  # type: ignore[return-value] # every entry found


def _index_key(places: str, keys: list[bytes]) -> bytes:
    """The key of the index of entries: each one's key (`keys`, in order) and where each is (`_places`)."""
    return facts.key("search index", places, b"".join(keys).hex())


def _places(found: list[_Entry]) -> str:
    """Where each entry of `found` is, in order: its group, its weight and its page."""
    return "\n".join(f"{e.group}\0{e.prior}\0{e.path}" for e in found)


def _row(entry: _Entry, pages: dict[str, int]) -> list[str | int]:
    """An entry as the index lists it (`pages`: each page's number, a new page numbered next)."""
    page, _, anchor = entry.path.partition("#")
    row: list[str | int] = [
        KINDS.index(entry.group),
        PRIOR[entry.prior],
        pages.setdefault(page, len(pages)),
        anchor,
        entry.title,
        entry.snippet,
        "|".join(entry.also),
    ]
    while row[-1] == "":
        row.pop()
    return row


def _index(found: list[_Entry]) -> str:
    """The index of the entries `found` (see `search_index`)."""
    pages: dict[str, int] = {}
    entries: list[list[str | int]] = []
    postings: dict[str, list[int]] = {}
    for number, entry in enumerate(found):
        entries.append(_row(entry, pages))
        # each word once (in any order: a word's entries are listed in entry order, and words sorted)
        for word in entry.hidden.split():
            postings.setdefault(word, []).append(number)
    codes = [_gap(n) for n in range(len(found))]  # each number once, not per posting
    words = " ".join(f"{word}:{_postings(numbers, codes)}" for word, numbers in sorted(postings.items()))
    index = {
        "kinds": KINDS,
        "pages": list(pages),
        "stop": " ".join(sorted(STOP)),
        "entries": entries,
        "words": words,
    }
    return script_json(index)


class _Indexed:
    """The index of a list of entries (`text`, as `_index` writes it) with what it is made of: each entry's row
    as JSON, each word's entries, and each word's entries as the index writes them. From it, the index of a list
    that differs in a few entries is made by making theirs again (`again`). Its parts are kept between commands
    (`parts`), and the next command's index made from them likewise (`from_parts`)."""

    def __init__(self, found: list[_Entry]) -> None:
        self.found = found
        self.pages: dict[str, int] = {}
        self.rows = [script_json(_row(entry, self.pages)) for entry in found]
        #: each word's entries (only some of the words', in an index made from parts: see `_numbers`)
        self.postings: dict[str, list[int]] = {}
        for number, entry in enumerate(found):
            for word in entry.hidden.split():
                self.postings.setdefault(word, []).append(number)
        self.coded = {word: _postings(numbers, self.codes) for word, numbers in self.postings.items()}
        self.text = self._text()

    @functools.cached_property
    def codes(self) -> list[str]:
        """Each entry's number as the index writes it (`_gap`)."""
        return [_gap(n) for n in range(len(self.found))]

    def _text(self) -> str:
        # the dictionary `_index` writes, in pieces: JSON's list is its items' JSON, a comma between them, and
        # `script_json` replaces single characters, none of them in what it writes for one
        head = script_json({"kinds": KINDS, "pages": list(self.pages), "stop": " ".join(sorted(STOP))})[:-1]
        words = " ".join(f"{word}:{self.coded[word]}" for word in sorted(self.coded))
        return f'{head},"entries":[{",".join(self.rows)}],"words":{script_json(words)}}}'

    def _numbers(self, word: str) -> list[int]:
        """The entries that list `word` (none for a word no entry has)."""
        numbers = self.postings.get(word)
        if numbers is None:
            numbers = self.postings[word] = _numbers(self.coded.get(word, ""))
        return numbers

    def again(self, found: list[_Entry]) -> _Indexed:
        """The index of `found`: made from this one when it lists the same pages in the same order and few
        entries differ (this one is left as it is), else made whole."""
        if len(found) != len(self.found):
            return _Indexed(found)
        # an entry that is the same object is the same entry (a save leaves most as they were): one pass over them
        other = [n for n, (a, b) in enumerate(zip(self.found, found, strict=True)) if a is not b]
        if any(self.found[n].path != found[n].path for n in other):
            return _Indexed(found)
        changed = [n for n in other if self.found[n] != found[n]]
        return self._with(found, changed, lambda number: self.found[number].hidden)

    def parts(
        self, keys: list[bytes], places: str | None = None
    ) -> tuple[str, bytes, list[str], list[str], dict[str, str]]:
        """What the index is made of, to keep between commands: where each entry is (`_places`), each entry's key
        (`keys`, joined), the pages in their numbers' order, each entry's row and each word's entries as written
        (`places`: the first of them, when it is known)."""
        where = _places(self.found) if places is None else places
        return where, b"".join(keys), list(self.pages), self.rows, self.coded

    @classmethod
    def from_parts(
        cls,
        parts: object,
        found: list[_Entry],
        keys: list[bytes],
        peek: Callable[[bytes], object],
        places: str | None = None,
    ) -> _Indexed | None:
        """The index of `found` (`keys`: each entry's key), made from an index's `parts` (see `parts`) when its
        entries are in the same places and few of them changed, each as `peek` gives what was read of it by its
        key (`places`: where each entry of `found` is, when it is known); else None."""
        if not (isinstance(parts, tuple) and len(parts) == 5):
            return None
        kept, joined, pages, rows, coded = parts
        where = _places(found) if places is None else places
        if len(rows) != len(found) or len(joined) != _KEY * len(keys) or kept != where:
            return None
        last = [joined[n * _KEY : (n + 1) * _KEY] for n in range(len(keys))]
        changed = [n for n, (was, now) in enumerate(zip(last, keys, strict=True)) if was != now]
        if len(changed) * 4 > len(found):
            return None
        hidden: dict[int, str] = {}
        for number in changed:
            read = peek(last[number])  # (title, snippet, words), as `_read` gave it
            if not (isinstance(read, tuple) and len(read) == 3 and isinstance(read[2], str)):
                return None
            hidden[number] = read[2]
        made = cls.__new__(cls)
        made.found, made.pages, made.rows, made.postings, made.coded = found, {}, rows, {}, coded
        made.pages = {page: number for number, page in enumerate(pages)}
        return made._with(found, changed, hidden.__getitem__)

    def _with(self, found: list[_Entry], changed: list[int], hidden: Callable[[int], str]) -> _Indexed:
        """The index of `found`, which lists the same pages in the same order as this one and differs in the
        entries `changed` (`hidden`: each one's words here), made from this one (left as it is), unless they
        are many: then made whole."""
        if len(changed) * 4 > len(found):
            return _Indexed(found)
        made = copy.copy(self)
        made.found, made.rows, made.postings, made.coded = found, list(self.rows), dict(self.postings), dict(self.coded)
        touched: set[str] = set()
        for number in changed:
            made.rows[number] = script_json(_row(found[number], made.pages))  # the same pages: none is new
            was, now = set(hidden(number).split()), set(found[number].hidden.split())
            for word in was - now:
                made.postings[word] = [n for n in made._numbers(word) if n != number]
                touched.add(word)
            for word in now - was:
                numbers = made.postings[word] = list(made._numbers(word))
                bisect.insort(numbers, number)
                touched.add(word)
        for word in touched:
            if made.postings[word]:
                made.coded[word] = _postings(made.postings[word], made.codes)
            else:
                del made.postings[word], made.coded[word]
        made.text = made._text()
        return made


#: The length of an entry's key (`primer.facts.key`).
_KEY = 16


def _numbers(coded: str) -> list[int]:
    """The entries a word's postings list (`_postings`), as numbers."""
    found: list[int] = []
    number, value = -1, 0
    for letter in coded:
        if letter >= "a":  # a number's last digit
            number += value * 26 + ord(letter) - ord("a") + 1
            found.append(number)
            value = 0
        else:
            value = value * 26 + ord(letter) - ord("A")
    return found
