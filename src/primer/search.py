"""The search index the search page ships: every page kind, ranked by what a student would look for first.

The index travels inside the search page as JSON (`<script type="application/json">`), so search works
from file:// without fetch(); `static/js/search.js` ranks and shows results. It is kept small: pages are
numbered once, long texts become a short snippet plus the distinct words the snippet does not show, and
those words are stored once each with the entries they occur in (an inverted index)."""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass
from functools import partial

from primer import facts
from primer.content.library import Library
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
    return " ".join(_MARKUP.sub("", markdown.LINK_TEXT.sub(r"\1", text)).split())


def _snippet(text: str) -> str:
    """The start of `text` (one line, single spaces, as `_plain` gives it), at most SNIPPET characters."""
    if not text:
        return ""
    # shorten() splits the whole text into words, but only the words that reach the snippet's end, and
    # one more to show that the text goes on, can change what it returns: cut a long text at a space first,
    # past the snippet's end (a text cut to the snippet's length would fit, and show no "…").
    end = text.find(" ", SNIPPET + 1)
    return textwrap.shorten(text if end < 0 else text[:end], SNIPPET, placeholder="…")


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
    seen = set(_words(" ".join([title, shown, *also])))
    return title, shown, " ".join(sorted(w for w in set(_words(text)) - seen - STOP if len(w) > 1 or w.isdigit()))


def _entries(lib: Library, teacher_topic: str, kept: facts.Facts, keys: list[bytes] | None = None) -> list[_Entry]:
    """Everything a student or teacher can search for, most important kinds first (ties keep this order).
    What each entry reads off its texts is kept in `kept` by the texts (`keys`: each entry's key is added to it,
    when results are kept)."""
    found: list[_Entry] = []

    def add(
        group: str,
        prior: str,
        path: str,
        title: str,
        text: str = "",
        *,
        snippet: str | None = None,
        also: list[str] | None = None,
        titled: bool = False,
    ) -> None:
        also = also or []
        parts = ("search entry", title, text, repr((snippet, also, titled)))
        made: bytes | partial[bytes] = partial(facts.key, *parts)  # hashed only when results are kept
        if keys is not None and kept.keeps:
            made = facts.key(*parts)
            keys.append(made)
        title, shown, hidden = kept.get(made, partial(_read, title, text, snippet, also, titled))
        found.append(_Entry(group, prior, path, title, shown, also, hidden))

    topics = lib.topics_in_order()
    for topic in topics:
        path = item_path("topic", topic.id)
        add("Topics", "topic", path, topic.title, " ".join([topic.lede, *topic.takeaways]))
        for number, section in enumerate(topic.sections, 1):
            add("Topics", "section", f"{path}#s{number}", section.title, section.body)
    for topic in topics:
        add(
            "Topics",
            "quiz",
            item_path("quiz", topic.id),
            f"Quiz: {topic.title}",
            snippet="Questions with feedback to check your understanding of this topic.",
            also=["quiz", "test"],
        )
    for term in sorted(lib.terms.values(), key=lambda t: (t.term.casefold(), t.id)):
        title = f"{term.term} ({term.expansion})" if term.expansion else term.term
        names = {term.term.casefold(), (term.expansion or "").casefold()}
        aliases = [a for a in term.aliases if a.casefold() not in names]
        joined = _BEFORE_DIGIT.sub("", term.term)  # SM-3 → SM3, as students often type it
        aliases += [joined] if joined != term.term else []
        add("Glossary", "term", item_path("term", term.id), title, term.definition, also=aliases)
    for source in lib.sources.values():
        outlet = source.outlet.name if source.outlet.identified and source.outlet.name else ""
        add(
            "Sources",
            "source",
            item_path("source", source.id),
            f"{source.label}: {source.title}",
            f"{source.framing.conclusion} {outlet} {source.short}",
        )
        for point in source.points:
            text = " ".join(filter(None, [point.text, point.correction]))
            add(
                "Sources",
                "point",
                item_path("point", point.id, owner=source.id),
                point.text,
                text,
                snippet="",
                titled=True,
            )
    if len(lib.sources) > 1:
        add(
            "Sources",
            "page",
            PAGES["compare"],
            "Compare the sources",
            snippet="The sources side by side: how each was made, whom it lets speak, and the words it chooses.",
            also=["compare sources"],
        )
    for place in lib.places.values():
        add("Places", "place", item_path("place", place.id), place.name, f"{place.text} {place.dispute_note or ''}")
    for actor in lib.actors.values():
        add("Actors", "actor", item_path("actor", actor.id), actor.name, " ".join([actor.role, *actor.interests]))
    for event in lib.events_in_order():
        add("Timeline", "event", item_path("event", event.id), f"{event.date.human()}: {event.title}", event.text)
    for topic in topics:
        add(
            "Teacher pages",
            "teacher",
            teacher_topic.format(id=topic.id),
            f"Teacher: {topic.title}",
            " ".join(o.text for o in topic.objectives),
            snippet="Lesson plan, answer key by version, handouts to print and learning objectives.",
            also=["lesson plan", "answer key", "handouts"],
        )
    add(
        "Teacher pages",
        "page",
        PAGES["teacher"],
        "Teacher hub",
        snippet="Everything for teaching this lesson: lesson plans, handouts, answer keys, downloads.",
        also=["teachers"],
    )
    add(
        "Teacher pages",
        "page",
        REPORT_PAGE,
        "Provenance and quality report",
        snippet="What every statement and answer rests on, quiz coverage, balance, readability, and what to check.",
        also=["quality report"],
    )
    return found


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
    kept = facts.own("search")  # made in one worker, which keeps what it read for the next build's
    keys: list[bytes] = []
    found = _entries(lib, teacher_topic, kept, keys)
    # the index as a whole, kept by its entries (their keys, and where each is): an edit that changes no text
    # a student can search (a question's) takes it whole; listing each word's entries and writing the JSON
    # take twice the time of reading the entries (0.15 s at 256 topics, on a rebuild's longest page)
    index = kept.get(partial(_index_key, found, keys), partial(_index, found))
    kept.save()
    return index


def _index_key(found: list[_Entry], keys: list[bytes]) -> bytes:
    """The key of the index of `found`: each entry's key (`keys`, in order) and where it is."""
    places = "\n".join(f"{e.group}\0{e.prior}\0{e.path}" for e in found)
    return facts.key("search index", places, b"".join(keys).hex())


def _index(found: list[_Entry]) -> str:
    """The index of the entries `found` (see `search_index`)."""
    pages: dict[str, int] = {}
    entries: list[list[str | int]] = []
    postings: dict[str, list[int]] = {}
    for number, entry in enumerate(found):
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
        entries.append(row)
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
