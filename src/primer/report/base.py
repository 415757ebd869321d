"""What every check of the report shares: the finding type, our own text as located units, and
helpers to find sentences, figures and dates in it."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, NamedTuple, TypeVar, cast

from primer import memo
from primer.content.dates import MONTH_NAMES
from primer.content.library import LINK, Library, Origin
from primer.content.load import Document, Key
from primer.content.models import QuestionBase
from primer.content.terms import TermMatcher
from primer.derive import Derived
from primer.facts import Facts
from primer.facts import key as facts_key
from primer.patterns import Twin
from primer.quiz.generate import citations
from primer.render.urls import item_path
from primer.report.codes import CODES, Level

Item = tuple[str, str]


@dataclass(frozen=True, order=True)
class Finding:
    """One thing the report found, at a place, with a code, a level and how to fix it."""

    path: str
    line: int
    col: int
    code: str
    message: str
    fix: str = ""
    level: Level = "warning"
    #: the item the finding is about, (kind, id): its `ignore:` can silence the finding
    item: Item | None = None
    #: the site page the finding concerns ('' when none)
    page: str = ""
    #: why the finding is silenced ('' when it is not)
    silenced: str = ""

    @property
    def check(self) -> str:
        """The name of the check that made the finding."""
        return CODES[self.code].check

    def format(self) -> str:
        """`path:line:col: CODE level: message — fix`."""
        text = f"{self.path}:{self.line}:{self.col}: {self.code} {self.level}: {self.message}"
        return f"{text} — {self.fix}" if self.fix else text


class Unit(NamedTuple):
    """One text value of the content, where it is, and whose it is (a named tuple: a lesson has tens of
    thousands, which every part of the report makes again)."""

    doc: Document
    loc: Key
    #: the text, with Markdown link targets blanked (same length, so positions hold)
    text: str
    #: the text as written
    raw: str
    item: Item
    #: what the text is: 'lede', 'takeaway', 'section', 'perspective', 'next', 'prompt', 'definition',
    #: 'event', 'actor', 'place', 'point', 'correction', 'framing'
    part: str
    #: the topic the text belongs to, if any
    topic: str | None = None


_TARGET = re.compile(r"\]\(([^)\s]*)\)")


def blank_targets(text: str) -> str:
    """Markdown link targets replaced by spaces of the same length, so that '(event:hwasong-14-…)'
    yields no figure and positions in the text stay where they were."""
    if "](" not in text:  # most texts link nowhere
        return text
    return _TARGET.sub(lambda m: "]" + " " * (len(m.group(0)) - 1), text)


#: Where one sentence ends and the next begins: an empty line (from its first line end), or the gap (group 2)
#: after a full stop, question or exclamation mark or ellipsis and any closing quotes or brackets, before a
#: capital, a digit or an opening mark. (The same as `(?<=[.!?…])[”"’')\]]*\s+(?=…)|\n\s*\n`, but beginning
#: with a set of characters, which the regex engine scans the text for: twice as fast, 0.13 s sooner at 256
#: topics in each of the report's processes that splits the lesson's text.)
_SENTENCE = re.compile(r"[.!?…\n](?:(?<=\n)(\s*\n)|(?<!\n)([”\"’')\]]*\s+)(?=[A-Z“\"(\[0-9‘']))")


#: How many texts' sentences are remembered: the checks read the same units one after another.
_REMEMBERED = 1 << 17


def sentences(text: str) -> Iterator[tuple[int, str]]:
    """(start, sentence) for each sentence of `text`."""
    bounds = _sentences(text)
    return ((bounds[i], text[bounds[i] : bounds[i + 1]]) for i in range(0, len(bounds), 2))


@memo.check_only
@lru_cache(maxsize=_REMEMBERED)
def _sentences(text: str) -> array[int]:
    """Where each sentence of `text` starts and ends, kept per text: six checks split the same units into
    sentences. (Offsets, not the sentences: a large lesson's sentences would hold its words again, 19 MiB
    in the report's worker at 256 topics; the offsets take under a fifth of that.)"""
    found: list[int] = []
    start = 0
    for match in _SENTENCE.finditer(text):
        if text[start : match.start(2) if match.lastindex == 2 else match.start()].strip():
            found += (start, start + len(text[start : match.end()].rstrip()))
        start = match.end()
    if text[start:].strip():
        found += (start, len(text))
    return array("I", found)  # a text is far shorter than 4 GiB


WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
STOP = frozenset(
    [
        "a",
        "about",
        "after",
        "also",
        "an",
        "and",
        "any",
        "are",
        "article",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "it's",
        "more",
        "most",
        "much",
        "no",
        "not",
        "of",
        "on",
        "one",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "said",
        "says",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "three",
        "through",
        "to",
        "two",
        "under",
        "up",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "will",
        "with",
        "would",
    ]
)


def content_words(text: str) -> set[str]:
    """The words of `text` that carry meaning, lower-cased, possessives and plurals trimmed."""
    found = set(map(_content_word, WORD.findall(text.casefold())))
    found.discard("")
    return found


@memo.check_only
@lru_cache(maxsize=_REMEMBERED)
def _content_word(word: str) -> str:
    """A (case-folded) word as `content_words` keeps it, or "" when it carries no meaning (kept per
    word: a lesson uses a few thousand words, many times over)."""
    word = word.removesuffix("'s").removesuffix("’s").strip("'’-")
    if len(word) > 3 and word not in STOP:
        return word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    return ""


MONTHS = {name.casefold(): number for number, name in enumerate(MONTH_NAMES, 1)}
_MONTH = "(?:" + "|".join(m.capitalize() for m in MONTHS) + ")"
#: The letters a month's name begins with in DATE.
_MONTH_INITIALS = "".join(sorted({m.capitalize()[0] for m in MONTHS}))
#: '19 December 2017', '11–16 December 2017', 'December 2017', 'December 19, 2017', '2017'.
DATE = re.compile(
    (
        rf"\b(?:(?P<day>\d{{1,2}})(?:[–-]\d{{1,2}})? (?P<month>{_MONTH}),? (?P<year>\d{{4}})"
        rf"|(?P<month2>{_MONTH}) (?P<day2>\d{{1,2}}), (?P<year2>\d{{4}})"
        rf"|(?P<month3>{_MONTH}) (?P<year3>\d{{4}})"
        rf"|(?P<day5>\d{{1,2}})(?:[–-]\d{{1,2}})? (?P<month5>{_MONTH})\b"
        rf"|(?<![\w/$-])(?P<year4>1[89]\d\d|20\d\d)(?![\w%-]|,\d|\.\d))"
    ).replace(" ", r"\s+")  # text wraps over lines anywhere
)


@dataclass(frozen=True)
class DateMention:
    """A date written in text: where, as written, and its ISO form at its precision."""

    start: int
    end: int
    text: str
    iso: str

    def first(self) -> dt.date:
        """The first day the date covers."""
        parts = [int(p) for p in self.iso.split("-")]
        return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)

    def last(self) -> dt.date:
        """The last day the date covers."""
        parts = [int(p) for p in self.iso.split("-")]
        if len(parts) == 3:
            return dt.date(*parts)
        if len(parts) == 2:
            return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        return dt.date(parts[0], 12, 31)


def dates(text: str, year: str = "") -> list[DateMention]:
    """Every date in `text`, at its precision. A day and month without a year ('on 28 July') take
    the year last written before them (else `year`; without one they are left out)."""
    # Not kept per text: at 256 topics, keeping them held 32 MiB and saved no measurable time.
    found: list[DateMention] = []
    if DIGIT.search(text) is None:  # every date has a digit, and most sentences none: skip the long search
        return found
    for m in _date_matches(text):
        g = m.groupdict()
        written = g["year"] or g["year2"] or g["year3"] or g["year4"]
        if written:
            year = written
        elif not year:
            continue
        month_name = g["month"] or g["month2"] or g["month3"] or g["month5"]
        day = g["day"] or g["day2"] or g["day5"]
        iso = year
        if month_name:
            iso += f"-{MONTHS[month_name.casefold()]:02d}"
            if day and 1 <= int(day) <= 31:
                iso += f"-{int(day):02d}"
        found.append(DateMention(m.start(), m.end(), m.group(0), iso))
    return found


#: A digit, as `\d` has it in DATE (any script's): a text without one holds no date or figure.
DIGIT = re.compile(r"\d")
#: Where a date can begin: a digit or the first letter of a month's name, after no letter or digit (as DATE
#: begins with `\b`). The regex engine scans for these, where it tried DATE at every character.
_DATE_START = Twin(rf"[\d{_MONTH_INITIALS}](?<!\w[\d{_MONTH_INITIALS}])")
#: DATE as a `Twin`.
_DATE = Twin(DATE.pattern, DATE.flags)


def _date_matches(text: str) -> Iterator[re.Match[str]]:
    """`DATE.finditer(text)`, sooner: DATE is tried only where a date can begin (`_DATE_START`), leftmost first,
    each match from the end of the last (0.19 s instead of 0.44 s for the report's dates at 256 topics)."""
    pos = 0
    search, match = _DATE_START.of(text).search, _DATE.of(text).match
    while (start := search(text, pos)) is not None:
        found = match(text, start.start())
        if found is None:
            pos = start.start() + 1
        else:
            pos = found.end()
            yield found


def locate(doc: Document, loc: Key, text: str, pos: int, needle: str) -> tuple[int, int]:
    """The (line, col) in the file of `needle`, which starts at `pos` in the text value at `loc`.

    A literal block keeps its lines, so the line is counted; a folded or plain scalar joins its
    lines, so the needle is looked for in the file from the value's first line on (skipping the
    occurrences earlier in the same value)."""
    line, col = doc.where(loc)
    lines = doc.lines
    needle = needle.split("\n")[0].strip() or needle
    first = line + 1 if loc in doc.blocks else line
    if "\n" in text.rstrip("\n"):
        at = first + text.count("\n", 0, pos)
        if 1 <= at <= len(lines):
            found = lines[at - 1].find(needle)
            if found >= 0:
                return at, found + 1
    skip = text.count(needle, 0, pos)
    span = text.count("\n") + len(text) // 20 + 3
    for at in range(first, min(len(lines), first + span) + 1):
        body = lines[at - 1]
        start = 0
        while (found := body.find(needle, start)) >= 0:
            if skip == 0:
                return at, found + 1
            skip -= 1
            start = found + 1
    return line, col


def _each(each: Callable[[Unit], None], units: list[Unit]) -> None:
    for unit in units:
        each(unit)


def files(units: Iterable[Unit]) -> list[tuple[Document, list[Unit]]]:
    """`units` by the file each is in, in the order the files first come."""
    found: dict[int, tuple[Document, list[Unit]]] = {}
    last: Document | None = None
    mine: list[Unit] = []
    for unit in units:
        doc = unit.doc
        if doc is not last:  # a file's units mostly come one after another: its list is looked up once a run
            entry = found.get(id(doc))
            if entry is None:
                entry = found[id(doc)] = (doc, [])
            last, mine = doc, entry[1]
        mine.append(unit)
    return list(found.values())


def file_part(doc: Document) -> str:
    """A file as a key part for `Context.kept_findings`: its path as shown and the hash of its bytes, which
    fix its items and where each of its values is ("" when the hash is unknown: nothing is kept)."""
    return f"{doc.shown}\0{doc.digest}" if doc.digest else ""


def _read_all(read: Callable[[str], V], texts: list[str]) -> tuple[V, ...]:
    return tuple(read(text) for text in texts)


def links(text: str) -> list[tuple[str, str, int]]:
    """(scheme, id, position) of each content link in Markdown `text`."""
    if "](" not in text:  # every link has one, and most texts none: skip the search
        return []
    return [(m.group(1), m.group(2), m.start()) for m in LINK.finditer(text)]


T = TypeVar("T")
V = TypeVar("V")


class NotDerived:
    """What the report's first part is given for the derived questions, which it is made before
    (`primer.report.PARTS`): reading it is a bug in primer (the check belongs in a later part), said as such
    rather than as a missing attribute. A finding there on a hand-written question names its page once the
    report is put together (`Context.placed`): the page is the question's in the first quiz that holds it."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"a check of the report's first part read the derived questions ({name})")


#: What `Context.made_by_items` made, with the findings it added, by its key.
_BY_ITEMS: memo.Memo[tuple[Hashable, ...], tuple[tuple[Finding, ...], Any]] = memo.Memo()

#: The page of a finding on a hand-written question made before the questions are derived, until the report
#: is put together (`Context.placed`): this, then the question's id.
_QUESTION_PAGE = "\0question:"


@dataclass
class Context:
    """What the checks read: the content, what derives from it, our text, and settings."""

    lib: Library
    derived: Derived
    units: list[Unit]
    matcher: TermMatcher
    #: the date the report judges staleness against (SOURCE_DATE_EPOCH, else the latest content date)
    today: dt.date
    #: loaded words: lower-cased word or phrase → True when it matches any ending ('regime*')
    loaded: dict[str, bool] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: topic id → the units of its text, in reading order (so that no check scans all units per topic)
    by_topic: dict[str, list[Unit]] = field(default_factory=dict)
    #: what a check computes once per report and looks up per question (e.g. the glossary's meanings)
    cache: dict[str, Any] = field(default_factory=dict)
    #: what the checks read off each text, kept from one check of the lesson to the next (`primer.facts`)
    facts: Facts = field(default_factory=Facts)

    def __post_init__(self) -> None:
        for unit in self.units:
            if unit.topic is not None:
                self.by_topic.setdefault(unit.topic, []).append(unit)

    def citations(self, topic_id: str) -> dict[str, int]:
        """What a topic cites or mentions (`primer.quiz.generate.citations`), worked out once: derive
        keeps them, and several checks ask."""
        kept = self.derived.citations.get(topic_id)
        if kept is None:  # a Derived made without derive()
            found: dict[str, dict[str, int]] = self.cache.setdefault("citations", {})
            if topic_id not in found:
                found[topic_id] = citations(self.lib, self.lib.topics[topic_id], self.matcher)
            kept = found[topic_id]
        return kept

    def page(self, item: Item) -> str:
        """The site page (with anchor) of an item."""
        kind, item_id = item
        if kind == "point":
            return item_path("point", item_id, owner=self.lib.point_source[item_id])
        if kind == "question":
            if isinstance(self.derived, NotDerived):
                return _QUESTION_PAGE + item_id
            topics = self.derived.question_topics.get(item_id)
            return item_path("question", item_id, owner=topics[0]) if topics else ""
        if kind == "objective":
            return item_path("topic", self.lib.objective_topic[item_id])
        return item_path(kind, item_id)

    def placed(self, finding: Finding) -> Finding:
        """`finding` with its page, when it was made before the questions were derived (see `NotDerived`)."""
        if not finding.page.startswith(_QUESTION_PAGE):
            return finding
        return Finding(**{**finding.__dict__, "page": self.page(("question", finding.page[len(_QUESTION_PAGE) :]))})

    def origin(self, item: Item) -> Origin:
        """Where an item is defined."""
        return self.lib.origins[item]

    def file(self, item: Item) -> str:
        """The file an item is defined in, as a key part for `kept_findings` (`file_part`)."""
        return file_part(self.lib.origins[item].doc)

    def kept_findings(self, name: str, parts: list[str] | Callable[[], list[str]], make: Callable[[], None]) -> None:
        """Call `make`, which adds findings and changes nothing else that a check reads later, or add what it
        added the last time the lesson was checked with the same key: `name`, then `parts` (or what it gives,
        called only when the facts are kept): every file and value `make` reads, each one key part (see
        `file`). Kept between commands when the facts are (`primer.facts`); a part that is "" (a file whose
        hash is unknown) keeps nothing."""
        self.kept_result(name, parts, make)

    def kept_by_items(
        self,
        name: str,
        items: Callable[[], tuple[tuple[Hashable, ...], object]],
        parts: Callable[[], list[str]],
        make: Callable[[], None],
    ) -> None:
        """`kept_findings`, and first, in a process that checks again, by what `items` gives (`made_by_items`):
        the key parts, which join and hash what the items hold, are then made only for the items a save changed."""
        self.made_by_items(name, items, partial(self.kept_findings, name, parts, make))

    def made_by_items(
        self, name: str, items: Callable[[], tuple[tuple[Hashable, ...], object]], make: Callable[[], T]
    ) -> T:
        """What `make` returns, and adds the findings it adds; in a process that checks again (`primer.memo`), kept
        by `name` and the key `items` gives (called only then), with the objects whose identities it holds: the
        identities of the very items `make` reads, and the values it reads besides. An item that is the same
        object holds the same values, but where it is is its file's document's to say (a line put above it moves
        it): a key names the documents of the items whose places the findings give. The result is shared by the
        checks that find it: none changes it."""
        if not memo.on():
            return make()
        key, keep = items()
        found, result = _BY_ITEMS.get((name, *key), partial(self._made, make), keep)
        self.findings.extend(found)
        return cast(T, result)

    def _made(self, make: Callable[[], T]) -> tuple[tuple[Finding, ...], T]:
        """What `make` returns, with the findings it adds, taken back (`made_by_items`)."""
        before = len(self.findings)
        result = make()
        found = tuple(self.findings[before:])
        del self.findings[before:]
        return found, result

    def kept_result(self, name: str, parts: list[str] | Callable[[], list[str]], make: Callable[[], T]) -> T:
        """`kept_findings` for a `make` that also returns a result (picklable), kept with its findings."""
        if not self.facts.keeps:
            return make()
        read = parts() if callable(parts) else parts
        if "" in read:
            return make()

        def made() -> tuple[tuple[Finding, ...], T]:
            before = len(self.findings)
            kept, self.facts = self.facts, Facts()  # kept whole by the key: not text by text as well
            try:
                result = make()
            finally:
                self.facts = kept
            found = tuple(self.findings[before:])
            del self.findings[before:]
            return found, result

        found, result = self.facts.get(facts_key(name, *read), made)
        self.findings.extend(found)
        return result

    def per_file(self, name: str, shared: list[str], units: Iterable[Unit], each: Callable[[Unit], None]) -> None:
        """Call `each` on every unit of `units`, which adds the findings on it, reading the unit and nothing
        else but what `shared` names (settings, or hashes of what every unit may read); kept between commands
        by each file's units (`kept_findings`): a unit is made from its file alone."""
        for doc, mine in files(units):
            read = [*shared, file_part(doc)]
            # a question's findings name its page, in the first quiz that holds it (`page`; before the questions
            # are derived, the page is named once the report is put together)
            if not isinstance(self.derived, NotDerived):  # each question once: it has a unit per text of it
                asked = dict.fromkeys(u.item[1] for u in mine if u.item[0] == "question")
                read += [repr(self.derived.question_topics.get(q, [])[:1]) for q in asked]
            self.kept_findings(name, read, partial(_each, each, mine))

    def read_by_file(
        self, name: str, texts: Iterable[tuple[Document, list[str]]], read: Callable[[str], V]
    ) -> dict[str, V]:
        """What `read` gives for each of the `texts` of each file (a check's reading of a text, which depends on
        the text alone), kept between commands by the file's bytes (`primer.facts`): one result a file rather
        than one a text. Files whose hash is unknown are left out (their texts are read one by one)."""
        found: dict[str, V] = {}
        if not self.facts.keeps:
            return found
        for doc, said in texts:
            if doc.digest:
                mine = list(dict.fromkeys(said))  # each text once, in the file's order: the file's alone
                made = partial(facts_key, name, doc.digest, len(mine))
                found.update(zip(mine, self.facts.get(made, partial(_read_all, read, mine)), strict=True))
        return found

    def add(
        self,
        code: str,
        item: Item,
        sub: Key,
        message: str,
        fix: str = "",
        *,
        page: str | None = None,
        level: Level | None = None,
    ) -> None:
        """A finding at `sub` below an item's definition."""
        problem = self.origin(item).problem(sub, message, fix)
        self.add_at(code, problem.path, problem.line, problem.col, message, fix, item, page, level)

    def add_in(
        self, code: str, unit: Unit, pos: int, needle: str, message: str, fix: str = "", *, level: Level | None = None
    ) -> None:
        """A finding at `needle`, found at `pos` in a unit of text (`level` lowers the code's level)."""
        line, col = locate(unit.doc, unit.loc, unit.raw, pos, needle)
        self.add_at(code, unit.doc.shown, line, col, message, fix, unit.item, None, level)

    def add_question(self, code: str, question: QuestionBase, sub: Key, message: str, fix: str = "") -> None:
        """A finding on a question: at its YAML when hand-written, else at its topic's quiz settings."""
        if ("question", question.id) in self.lib.origins:
            self.add(code, ("question", question.id), sub, message, fix)
            return
        topic = self.derived.question_topics[question.id][0]
        key: Key = ("generate",) if self.origin(("topic", topic)).doc.has(("generate",)) else ("questions",)
        self.add(
            code,
            ("topic", topic),
            key,
            f"generated question '{question.id}': {message}",
            f"{fix}; or leave it out with generate: exclude: [{question.id}]",
            page=self.page(("question", question.id)),
        )

    def where(self, item: Item) -> str:
        """'file:line' of an item, for messages that name a second place."""
        return self.origin(item).describe()

    def add_at(
        self,
        code: str,
        path: str,
        line: int,
        col: int,
        message: str,
        fix: str,
        item: Item | None,
        page: str | None,
        level: Level | None = None,
    ) -> None:
        """A finding at a given place (`page`: the site page; None for the item's own)."""
        level = level or CODES[code].level
        shown = page if page is not None else (self.page(item) if item else "")
        self.findings.append(Finding(path, line, col, code, message, fix, level, item, shown))

    def place(self, unit: Unit, pos: int) -> str:
        """'file:line' of a position in a unit."""
        line, _ = locate(unit.doc, unit.loc, unit.raw, pos, unit.raw[pos : pos + 20].split("\n")[0] or unit.raw)
        return f"{unit.doc.shown}:{line}"
