"""The validate stage: documents → typed models → one Library with every id resolved."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from primer import memo, parallel
from primer.content.load import Document, Key, Within, parse_file, read_file
from primer.content.models import (
    KINDS,
    Actor,
    Actors,
    Event,
    Framing,
    Glossary,
    Objective,
    Outlet,
    Place,
    Places,
    Point,
    Published,
    QuestionBase,
    QuestionFile,
    Refs,
    Site,
    Source,
    Term,
    Timeline,
    Topic,
)
from primer.content.schema_errors import problems_from
from primer.content.splice import list_field, splice
from primer.content.terms import TermMatcher
from primer.errors import ContentError, Problem, display_path, no_content_folder
from primer.figures.validate import figure_problems
from primer.memo import Memo
from primer.reads import view, view_maps
from primer.render.markdown import (
    LONG_TEXT,
    SCHEMES,
    content_links,
    cut_at,
    fit,
    forget_known,
    know,
    shown_now,
    typed_entity,
)
from primer.render.urls import PAGES, item_path
from primer.write import outputs_within

M = TypeVar("M", bound=BaseModel)
V = TypeVar("V")

#: Markdown links that point at content: [text](point:ID), (term:ID), (event:ID), (source:ID), …
LINK = re.compile(r"\]\((point|term|event|source|topic|actor|place|question):([^)\s]*)\)")


#: The kinds of file `_Builder.read_ahead` hands to a worker, the first first. A topic's Markdown is long section
#: bodies, which a build does not keep parsed (see `primer.render.markdown.keep_long`); a question's stems and
#: options are short texts whose parsed tokens the pages, handouts and exports read again: they stay here.
AHEAD_KINDS = ("topic", "source", "timeline", "glossary", "actors", "places")
#: A lesson whose files to parse hold fewer bytes than this is parsed in one process (a worker would cost more
#: than it saves: a 16-topic lesson is 1 MB, parsed in 0.15 s).
AHEAD_BYTES = 512 * 1024
#: The share of the bytes to parse that `_Builder.read_ahead` hands to its worker.
AHEAD_SHARE = 0.5

#: The kinds of item each kind of file defines.
ITEM_KINDS: dict[str, tuple[str, ...]] = {
    "site": (),
    "source": ("source", "point"),
    "glossary": ("term",),
    "actors": ("actor",),
    "timeline": ("event",),
    "places": ("place",),
    "topic": ("topic", "objective"),
    "questions": ("question",),
}


@dataclass(frozen=True)
class Origin:
    """Where an item was defined: its document and its location inside it."""

    doc: Document
    loc: Key

    def problem(self, sub: Key, message: str, fix: str = "", *, warning: bool = False) -> Problem:
        """A problem at `sub` below this item."""
        return self.doc.problem((*self.loc, *sub), message, fix, warning=warning)

    def describe(self) -> str:
        """'file:line' of the item, for messages that name a second place."""
        line, _ = self.doc.where(self.loc)
        return f"{self.doc.shown}:{line}"


#: A topic's id, title and objectives (as JSON data): what names it in a list of topics (`heading_of`).
TopicHeading = tuple[str, str, list[dict[str, Any]]]


def heading_of(topic: Topic) -> TopicHeading:
    """A topic's heading (see `Library.topic_headings`)."""
    return (topic.id, topic.title, [o.model_dump(mode="json") for o in topic.objectives])


class SourceHeading(NamedTuple):
    """What names a source and places it in time (`Library.source_headings`)."""

    id: str
    label: str
    short: str
    published: Published


class TopicCard(NamedTuple):
    """What a list of the topics shows of one (`Library.topic_cards`)."""

    id: str
    title: str
    lede: str
    #: what its sections lean on most (`topic_icon`)
    icon: str


def topic_icon(topic: Topic) -> str:
    """What a topic's sections lean on most, for its card's icon: 'sources', 'timeline' or 'concepts'."""
    kinds: Counter[str] = Counter()
    for section in topic.sections:
        for scheme, _, _, _ in content_links(section.body):
            kinds[{"point": "sources", "source": "sources", "event": "timeline"}.get(scheme, "concepts")] += 1
    if not kinds:
        return "concepts"
    return max(sorted(kinds), key=lambda kind: kinds[kind])


class SourceCard(NamedTuple):
    """What a list of the sources shows of one (`Library.source_cards`)."""

    id: str
    label: str
    title: str
    kind: str
    published: Published
    outlet: Outlet
    framing: Framing
    #: how many of its points have each status, by status
    statuses: dict[str, int]

    @property
    def point_count(self) -> int:
        """How many points it has."""
        return sum(self.statuses.values())

    @property
    def not_accurate(self) -> int:
        """How many of its points are not accurate."""
        return self.point_count - self.statuses.get("accurate", 0)


@dataclass
class Library:
    """All content, validated and cross-linked; every dict is sorted by id. Plain data only: templates
    see it, so it holds no path and nothing that touches the file system."""

    site: Site
    sources: dict[str, Source] = field(default_factory=dict)
    points: dict[str, Point] = field(default_factory=dict)
    point_source: dict[str, str] = field(default_factory=dict)
    terms: dict[str, Term] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    objectives: dict[str, Objective] = field(default_factory=dict)
    objective_topic: dict[str, str] = field(default_factory=dict)
    questions: dict[str, QuestionBase] = field(default_factory=dict)
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)
    #: each file that gave items, as parsed, with the (kind, id) of each item registered from it, in order: the
    #: same as `origins`, by file (a rebuild works out again only what the files that changed give)
    origin_files: list[tuple[Document, list[tuple[str, str]]]] = field(default_factory=list, repr=False)
    warnings: list[Problem] = field(default_factory=list)
    #: one digest of the files the load read (each one's name and bytes): another process that loads the lesson
    #: knows by it that it read the same (`primer.report.helper`). No page reads it.
    files_read: str = field(default="", repr=False)

    def topics_in_order(self) -> list[Topic]:
        """Topics by their `order`, then id (each read whole: see `topic_order` for their order alone)."""
        return sorted(self.topics.values(), key=lambda t: (t.order, t.id))

    def topic_order(self) -> list[str]:
        """The topics' ids by their `order`, then id. Each use reads the view "topic order" (see `VIEWS`):
        a page that shows where a topic stands reads no other topic's text."""
        return self._view("topic order", lambda: [t.id for t in self.topics_in_order()])

    def topic_headings(self) -> list[TopicHeading]:
        """Each topic's heading (`heading_of`), in the lesson's order. Each use reads the view "topic headings"
        (see `VIEWS`): what lists the topics by name reads none of their text."""
        return self._view("topic headings", lambda: [heading_of(t) for t in self.topics_in_order()])

    def source_headings(self) -> list[SourceHeading]:
        """Each source's id, label, short name and publication, by id. Each use reads the view "source
        headings" (see `VIEWS`): what names the sources and places them in time reads none of their points."""
        return self._view(
            "source headings", lambda: [row("source headings", s, _source_heading) for s in self.sources.values()]
        )

    def topic_events(self) -> list[tuple[str, str, list[str]]]:
        """Each topic's id, title and the events it cites (links in its sections, then its "what happened
        next"), in the lesson's order. Each use reads the view "topic events" (see `VIEWS`): what lists the
        events each topic cites reads none of the topics' other text."""

        def made() -> list[tuple[str, str, list[str]]]:
            found = []
            for topic in self.topics_in_order():
                cited = [item for s in topic.sections for kind, item in LINK.findall(s.body) if kind == "event"]
                found.append((topic.id, topic.title, list(dict.fromkeys(cited + [n.event for n in topic.next]))))
            return found

        return self._view("topic events", made)

    def topic_cards(self) -> list[TopicCard]:
        """Each topic's card, in the lesson's order. Each use reads the view "topic cards" (see `VIEWS`): a list
        of the topics reads none of their text but their titles and ledes (and which links their sections hold)."""
        return self._view("topic cards", lambda: [row("topic cards", t, _topic_card) for t in self.topics_in_order()])

    def source_cards(self) -> list[SourceCard]:
        """Each source's card, by id. Each use reads the view "source cards" (see `VIEWS`): a list of the sources
        reads none of their points' text."""
        return self._view("source cards", lambda: [row("source cards", s, _source_card) for s in self.sources.values()])

    def source_card(self, source_id: str) -> SourceCard:
        """A source's card (`source_cards`). Each use reads the view "source cards"."""
        return self._by_id("source cards", self.source_cards(), lambda card: card.id)[source_id]

    def term_matcher(self) -> TermMatcher:
        """The matcher of the glossary's names. Each use reads the view "glossary names" (see `VIEWS`): what
        it finds depends on the terms' names alone, not on their definitions."""
        return self._view("glossary names", lambda: TermMatcher(self.terms.values()))

    def events_in_order(self) -> list[Event]:
        """Timeline events, earliest first (in a process that keeps memos, kept by the events as objects: a
        save that leaves the timeline as it was does not sort it again, 0.015 s at 256 topics each time asked)."""
        events = list(self.events.values())
        if not memo.on():
            return _in_order(events)
        return list(_EVENT_ORDER.get(memo.identities(events), partial(_in_order, events), keep=events))

    def source_of(self, point_id: str) -> Source:
        """The source a point belongs to."""
        return self.sources[self.point_source[point_id]]

    def source_heading(self, point_id: str) -> SourceHeading:
        """The heading of the source a point belongs to (its label, short name and publication). Each use reads
        the view "source headings" (see `VIEWS`): what names a point's source reads none of its other points."""
        by_id = self._by_id("source headings", self.source_headings(), lambda heading: heading.id)
        return by_id[self.point_source[point_id]]

    def topic_title(self, topic_id: str) -> str:
        """A topic's title. Each use reads the view "topic headings" (see `VIEWS`): what names a topic (the
        glossary's "appears in", a source's "tested in", the teacher hub's exports) reads none of its text."""
        return self._by_id("topic headings", self.topic_headings(), lambda heading: heading[0])[topic_id][1]

    def _by_id(self, name: str, items: list[V], key: Callable[[V], str]) -> dict[str, V]:
        """The view `name`'s `items` by `key`, made once for each value of the view."""
        made = self.__dict__.setdefault("_indexes", {})
        found = made.get(name)
        if found is None or found[0] is not items:
            found = made[name] = (items, {key(item): item for item in items})
        return found[1]  # type: ignore[no-any-return]

    def forget_origins(self) -> None:
        """Drop where each item was defined (the files as parsed: a large lesson's largest part after its
        items), once nothing will place a problem in the content again: a build, once checked."""
        self.origins.clear()
        self.origin_files.clear()

    @property
    def event_places(self) -> dict[str, list[str]]:
        """Event id → the ids of the places that list it among their events, sorted (made once: each topic's
        map asks). Each use reads the view "event places" (see `VIEWS`), not every place's text."""
        return self._view("event places", self._event_places)

    def _event_places(self) -> dict[str, list[str]]:
        made: dict[str, list[str]] = {}
        for place in self.places.values():  # sorted by id
            for event_id in dict.fromkeys(place.events):
                made.setdefault(event_id, []).append(place.id)
        return made

    def _view(self, name: str, make: Callable[[], V]) -> V:
        """The view `name`, made once by `make` (see `VIEWS` and `primer.reads.view`)."""
        return view(self, name, make)

    def view_maps(self) -> dict[str, Mapping[str, Any]]:
        """Each view (`VIEWS`) as a collection `primer.reads.PageMap` digests (`primer.reads.view_maps`)."""
        return view_maps(self, VIEWS)


#: Each view's row of an item (`row`), by the view and the item (as an object: see `primer.memo`).
_ROWS: Memo[tuple[str, int], Any] = Memo()
_Item = TypeVar("_Item")
_Row = TypeVar("_Row")


def row(view: str, item: _Item, make: Callable[[_Item], _Row]) -> _Row:
    """The row `make` gives of `item` in the view `view`: in a process that checks again, the very row the last
    check made of the very item, whose digest is kept by it (`primer.reads.item_digest`). A save that changed a
    source worked out the cards of every source and hashed them all again (770 at 256 topics, 0.013-0.025 s)."""
    return _ROWS.get((view, id(item)), partial(make, item), item)  # type: ignore[no-any-return]


def _source_heading(source: Source) -> SourceHeading:
    return SourceHeading(source.id, source.label, source.short, source.published)


def _topic_card(topic: Topic) -> TopicCard:
    return TopicCard(topic.id, topic.title, topic.lede, topic_icon(topic))


def _source_card(source: Source) -> SourceCard:
    statuses: dict[str, int] = dict(sorted(Counter[str](point.status for point in source.points).items()))
    return SourceCard(
        source.id,
        source.label,
        source.title,
        source.kind,
        source.published,
        source.outlet,
        source.framing,
        statuses,
    )


#: The views of a lesson: values worked out from several of its items, which a page reads as one token of
#: its own (`primer.reads`) rather than as every item they come from, so that an edit elsewhere in those
#: items leaves the page as it was. Name → what the view is described by (its digest is this value's): the
#: order of the topics, their headings and the events they cite, not their text; the sources' names and
#: dates, not their points; the glossary's names, not its definitions; which places list which events, not
#: the places' text; the cards that list the topics and the sources, not the rest of their text. A reader
#: of a view must read nothing else through it.
VIEWS: dict[str, Callable[[Library], Any]] = {
    "topic order": Library.topic_order,
    "topic headings": Library.topic_headings,
    "topic events": Library.topic_events,
    "source headings": Library.source_headings,
    "glossary names": lambda lib: lib.term_matcher().digest,
    "event places": lambda lib: lib.event_places,
    "topic cards": Library.topic_cards,
    "source cards": Library.source_cards,
}
#: The collections of items each view (`VIEWS`) is worked out from, and nothing else: a rebuild whose items of
#: those were read from the very files they were, in the same order, has the view it had, and takes its digest
#: from the last build's record rather than working it out (`primer.reads.PageMap.origin`).
VIEW_BASES: dict[str, tuple[str, ...]] = {
    "topic order": ("topics",),
    "topic headings": ("topics",),
    "topic events": ("topics",),
    "source headings": ("sources",),
    "glossary names": ("terms",),
    "event places": ("places",),
    "topic cards": ("topics",),
    "source cards": ("sources",),
}


def _files(content: Path, pattern: str) -> list[Path]:
    """The files of one kind: a fixed name, or the .yaml files directly in a folder. Dotfiles (such
    as the '._name.yaml' files macOS leaves on USB sticks) are never content."""
    if "*" in pattern:
        folder = content / pattern.split("/")[0]
        # the folder's entries as the system lists them, each with its kind: a Path and a look at each file (as
        # `Path.iterdir` and `is_file` take) cost 4.4 ms a listing of every kind at 256 topics, against 1.6 ms
        try:
            with os.scandir(folder) as listed:
                names = [entry.name for entry in listed if _is_content(entry)]
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [folder / name for name in sorted(names)]  # one folder's files: in the order of their names
    # A fixed name may also end in '.yml' (editors and other tools often write that); both is an error.
    return [p for p in (content / pattern, (content / pattern).with_suffix(".yml")) if p.exists() or p.is_symlink()]


def _is_content(entry: os.DirEntry[str]) -> bool:
    """Whether a folder's entry is a content file: a .yaml (or .yml) file, or a link, whose name is not a dotfile's."""
    name = entry.name
    return name.endswith((".yaml", ".yml")) and not name.startswith(".") and (entry.is_file() or entry.is_symlink())


def kind_files(content: Path, kind: str) -> list[Path]:
    """The files of one kind of content (a name of `KINDS`) that the lesson in `content` has."""
    return _files(content, KINDS[kind][1])


#: What primer reads under a content folder besides the files of each kind.
_OTHER_READ = ("templates", "loaded-words.txt")  # the report's per-lesson list of loaded words
_KNOWN = sorted({pattern.split("/")[0] for _, pattern in KINDS.values()} | set(_OTHER_READ))


def _unread(content: Path, read: set[Path]) -> list[Problem]:
    """A warning for every file under `content` that primer does not read (dotfiles aside)."""
    found: list[Problem] = []
    outputs = outputs_within(content)  # `--content . --out site`: the site is primer's, not the lesson's
    for folder, dirs, files in os.walk(content):
        here = Path(folder)
        top = here == content
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (top and (d in _OTHER_READ or d in outputs)))
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or path in read or (top and name in _OTHER_READ):
                continue
            rel = path.relative_to(content)
            found.append(
                Problem(
                    display_path(path, content),
                    1,
                    1,
                    "primer does not read this file",
                    _where_instead(rel),
                    "warning",
                )
            )
    return found


def _where_instead(rel: Path) -> str:
    """How to make primer read a file it skipped, or that it may be removed."""
    top = rel.parts[0]
    if rel.suffix.lower() in (".yaml", ".yml") and rel.suffix not in (".yaml", ".yml"):
        return f"rename it to end in '.yaml' ({rel.with_suffix('.yaml').name})"
    if len(rel.parts) == 1:
        close = difflib.get_close_matches(rel.name, [k for k in _KNOWN if k.endswith(".yaml")], n=1, cutoff=0.6)
        if close:
            return f"did you mean '{close[0]}'?"
    else:
        folders = [k for k in _KNOWN if "." not in k]
        if top in folders:
            return f"primer reads only the .yaml files directly in {top}/: move it there, or remove it"
        close = difflib.get_close_matches(top, folders, n=1, cutoff=0.6)
        if close:
            return f"did you mean the folder '{close[0]}/'?"
    return "move it out of the content folder if it is not content, or remove it"


#: What parsing and validating one file gave: its document and item, or None for both, and the problems found.
Made = tuple[Document | None, Any, list[Problem]]


class ParseCache:
    """The files a long-running process (`primer serve`) parsed and validated, by path, each with the bytes
    it was made from: loading again re-parses only the files whose bytes changed. The parsed documents and
    the validated items are never changed once made, so the next load can share them."""

    #: A file changed less than this long before it was read is read again at each load: a write in the same
    #: tick of the file system's clock could leave its times as they were (as `primer.cache.Seen` does).
    RACY_NS = 2_000_000_000

    def __init__(self) -> None:
        self._files: dict[tuple[str, str], tuple[bytes, Document | None, Any, list[Problem]]] = {}
        #: each file's status (`status`) when the bytes kept for it were read, when it was no link and not racy
        self._status: dict[tuple[str, str], tuple[int, ...]] = {}

    @classmethod
    def status(cls, path: Path) -> tuple[int, ...] | None:
        """The status of `path` to compare with the next load's (device, inode, size, times), taken just before
        its bytes are read; None for a link, anything but a regular file, or a file changed within `RACY_NS`."""
        now = time.time_ns()
        try:
            info = os.lstat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or max(info.st_mtime_ns, info.st_ctime_ns) >= now - cls.RACY_NS:
            return None
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode)

    def unchanged(self, kind: str, path: Path) -> Made | None:
        """What parsing `path` as a `kind` file gave, without reading it again, when the file's status is what
        it was when it was read (`stamp`); else None."""
        key = (kind, str(path))
        kept = self._status.get(key)
        found = self._files.get(key)
        if kept is None or found is None or self.status(path) != kept:
            return None
        return found[1:]

    def stamp(self, kind: str, path: Path, status: tuple[int, ...] | None) -> None:
        """Note the status `path` had just before the bytes kept for it were read (see `status`)."""
        if status is None:
            self._status.pop((kind, str(path)), None)
        else:
            self._status[kind, str(path)] = status

    def last(self, kind: str, path: Path) -> tuple[bytes, Document, Any] | None:
        """The bytes, document and item of the version of `path` parsed last, when it had no problem."""
        found = self._files.get((kind, str(path)))
        if found is None or found[1] is None or found[2] is None or found[3]:
            return None
        return found[0], found[1], found[2]

    def get(self, kind: str, path: Path, raw: bytes) -> Made | None:
        """What parsing `path` as a `kind` file gave when it held `raw`, or None."""
        found = self._files.get((kind, str(path)))
        return found[1:] if found is not None and found[0] == raw else None

    def put(self, kind: str, path: Path, raw: bytes, made: Made) -> Made:
        """Remember what parsing `path` gave (only the latest bytes of each file are kept), and return it to
        use: its item shares what the file's last version had of it unchanged (`_unchanged_kept`)."""
        before = self._files.get((kind, str(path)))
        if before is not None and before[2] is not None and made[1] is not None:
            made = (made[0], _unchanged_kept(before[2], made[1]), made[2])
        self._files[kind, str(path)] = (raw, *made)
        self._status.pop((kind, str(path)), None)  # until `stamp` says when these bytes were read
        return made

    def keep_only(self, read: set[Path]) -> None:
        """Forget the files a load no longer read (deleted or renamed since)."""
        kept = {str(path) for path in read}
        for key in [key for key in self._files if key[1] not in kept]:
            del self._files[key]
            self._status.pop(key, None)


def _unchanged_kept(before: Any, made: Any) -> Any:
    """A file's item `made` from its edited bytes, with what equals its last version `before` taken from
    there: the whole item when they are equal (an edit of a comment), else each entry of its lists (the
    glossary's terms, a file's questions, the timeline's events) equal to the last version's entry of the
    same id. The memos keyed by items as objects (`primer.memo`) then find what they kept for all but the
    entries edited: one term's edit no longer makes every term's questions and readings again. Only values
    are shared, never positions: those live in the file's document, which is the new one."""
    if type(before) is not type(made) or not isinstance(made, BaseModel):
        return made
    if before == made:
        return before
    update: dict[str, list[Any]] = {}
    for name in type(made).model_fields:
        entries, earlier = getattr(made, name), getattr(before, name)
        if not (isinstance(entries, list) and isinstance(earlier, list)):
            continue
        by_id = {entry.id: entry for entry in earlier if isinstance(getattr(entry, "id", None), str)}
        kept = [_same_entry(by_id.get(getattr(entry, "id", None)), entry) for entry in entries]
        if any(a is not b for a, b in zip(kept, entries, strict=True)):
            update[name] = kept
    return made.model_copy(update=update) if update else made


def _same_entry(before: Any, entry: Any) -> Any:
    """`before` when it equals `entry` (and is of its type), else `entry`."""
    return before if before is not None and type(before) is type(entry) and before == entry else entry


class _Builder:
    """Collects problems while turning documents into a Library."""

    def __init__(self, content: Path, cache: ParseCache | None = None) -> None:
        self.content = content
        self.within = Within(content)
        self.cache = cache
        self.problems: list[Problem] = []
        self.registry: dict[tuple[str, str], Origin] = {}
        #: the items registered from each document, by the document's identity (`Library.origin_files`)
        self.files: dict[int, tuple[Document, list[tuple[str, str]]]] = {}
        #: Item kinds some file of which failed: references to them are not reported as dangling,
        #: since the missing id is most likely in the broken file (one mistake, one message).
        self.incomplete: set[str] = set()
        #: Every file handed to the loader, so that the files nobody reads can be reported.
        self.read: set[Path] = set()
        #: Every document that validated, with its kind, for checks that look at all text.
        self.docs: list[tuple[str, Document]] = []
        #: `_what_links_name` of this load, made once for the link and stray-citation checks
        self.links_name: tuple[object, ...] | None = None
        #: What `read_ahead` made of each file it read, by kind and path: `parse` takes it from here.
        self.ahead: dict[tuple[str, Path], Made] = {}
        #: Each kind's files (`listed`), by the kind's pattern: the folders are listed once a load.
        self._listed: dict[str, list[Path]] = {}

    def listed(self, pattern: str) -> list[Path]:
        """The files of one kind (`_files`), listed once a load: `read_ahead` and `parse` read the same."""
        found = self._listed.get(pattern)
        if found is None:
            found = self._listed[pattern] = _files(self.content, pattern)
        return found

    def shown(self, path: Path) -> str:
        return display_path(path, self.content)

    def parse(self, kind: str) -> list[tuple[Document, Any]]:
        pattern = KINDS[kind][1]
        parsed: list[tuple[Document, Any]] = []
        paths = self.listed(pattern)
        if "*" not in pattern and len(paths) > 1:
            self.read.update(paths)
            self.problems.append(
                Problem(
                    self.shown(paths[1]),
                    1,
                    1,
                    f"both {paths[0].name} and {paths[1].name} exist, and primer reads only one {kind} file",
                    f"merge them into {paths[0].name} and delete {paths[1].name}",
                )
            )
            self.incomplete.update(ITEM_KINDS[kind])
            paths = paths[:1]
        for path in paths:
            self.read.add(path)
            made = self._made(kind, path)
            if made is None:
                self.incomplete.update(ITEM_KINDS[kind])
                continue
            doc, item, problems = made
            self.problems.extend(problems)
            if doc is None:
                self.incomplete.update(ITEM_KINDS[kind])
                continue
            parsed.append((doc, item))
            self.docs.append((kind, doc))
        return parsed

    def _made(self, kind: str, path: Path) -> Made | None:
        """What parsing `path` as a `kind` file gives: from the cache, without reading the file, when it has not
        changed since the cache read it; else from its bytes, parsed again only when they changed. None (and
        a problem) when the file cannot be read."""
        ahead = self.ahead.pop((kind, path), None)
        if ahead is not None:
            return ahead
        cache = self.cache
        if cache is None:
            raw = read_file(path, self.shown(path), self.within, self.problems)
            return None if raw is None else self._validated(kind, path, raw)
        made = cache.unchanged(kind, path)
        if made is not None:
            return made
        status = cache.status(path)  # before the read: a change during it leaves the file's status another
        raw = read_file(path, self.shown(path), self.within, self.problems)
        if raw is None:
            return None
        made = cache.get(kind, path, raw)
        if made is None:
            made = cache.put(kind, path, raw, self._spliced(kind, path, raw) or self._validated(kind, path, raw))
        cache.stamp(kind, path, status)
        return made

    def read_ahead(self, jobs: int) -> None:
        """Read and parse the lesson's files now, when `jobs` allows a worker; on two processes when the bytes to
        parse are many (`AHEAD_BYTES`): the worker parses some of the files (`AHEAD_KINDS`, about half of the bytes)
        and reads their texts' links, while this process does the same for the others. `parse` then finds them
        in `ahead`. A file the cache has is only read; a file that cannot be read is left to `parse`, which
        reports it. Loading is otherwise all on one core (2.4 s at 256 topics), at the start of a build, while
        the other core idles."""
        if not parallel.forks(jobs):
            return
        cache = self.cache
        todo: list[tuple[str, Path, bytes, tuple[int, ...] | None]] = []
        lines = size = 0
        for kind, (_, pattern) in KINDS.items():
            paths = self.listed(pattern)
            for path in paths if "*" in pattern else paths[:1]:
                if cache is not None and cache.unchanged(kind, path) is not None:
                    continue  # `parse` finds it as cheaply
                status = None if cache is None else cache.status(path)
                raw = read_file(path, self.shown(path), self.within, [])
                if raw is None:
                    continue
                lines += raw.count(b"\n") + raw.count(b"\r") + 1
                size += len(raw)
                made = None if cache is None else cache.get(kind, path, raw)
                if made is not None:
                    self._keep(kind, path, raw, status, made, known=True)
                elif (spliced := self._spliced(kind, path, raw)) is not None:
                    self._keep(kind, path, raw, status, spliced)  # here: a worker would parse it whole and send it
                else:
                    todo.append((kind, path, raw, status))
        total = sum(len(raw) for _, _, raw, _ in todo)
        if total < AHEAD_BYTES:
            for kind, path, raw, status in todo:
                self._keep(kind, path, raw, status, self._validated(kind, path, raw))
            return
        theirs: set[int] = set()
        share = 0
        rank = {kind: place for place, kind in enumerate(AHEAD_KINDS)}
        for number in sorted((i for i, f in enumerate(todo) if f[0] in rank), key=lambda i: (rank[todo[i][0]], i)):
            if share >= total * AHEAD_SHARE:
                break
            theirs.add(number)
            share += len(todo[number][2])
        given = [todo[number] for number in sorted(theirs)]
        files = [(kind, path, raw) for kind, path, raw, _ in given]
        started = parallel.start(lambda: [self._with_links(*file) for file in files], jobs, stream=True)
        # the caches of parsed Markdown hold the whole lesson's texts before any is parsed here (see
        # `_check_all_links`: `fit` would make them again, empty, were they smaller); more than a file's lines
        fit(lines, size // LONG_TEXT)
        try:
            for number, (kind, path, raw, status) in enumerate(todo):
                if number not in theirs:
                    self._keep(kind, path, raw, status, self._with_links(kind, path, raw))
        except BaseException:
            started.cancel()
            raise
        for (kind, path, raw, status), made in zip(given, started.result(), strict=True):
            self._keep(kind, path, raw, status, made)

    def _with_links(self, kind: str, path: Path, raw: bytes) -> Made:
        """`_validated`, with the links of the document's texts read (`_links_of`)."""
        made = self._validated(kind, path, raw)
        if made[0] is not None:
            _links_of(kind, made[0])
        return made

    def _keep(
        self, kind: str, path: Path, raw: bytes, status: tuple[int, ...] | None, made: Made, known: bool = False
    ) -> None:
        """What `read_ahead` made of a file, for `parse` (and the cache, `known` when it came from there)."""
        if self.cache is not None:
            if not known:
                made = self.cache.put(kind, path, raw, made)
            self.cache.stamp(kind, path, status)
        self.ahead[kind, path] = made

    def _spliced(self, kind: str, path: Path, raw: bytes) -> Made | None:
        """A list file's bytes parsed and validated where they changed since the version the cache parsed last
        (`primer.content.splice`: the glossary after one term's edit), or None."""
        if self.cache is None or list_field(KINDS[kind][0]) is None:
            return None
        last = self.cache.last(kind, path)
        if last is None:
            return None
        spliced = splice(kind, KINDS[kind][0], last, raw, self.shown(path), path, _links_of)
        return None if spliced is None else (*spliced, [])

    def _validated(self, kind: str, path: Path, raw: bytes) -> Made:
        """One file's bytes parsed and validated as a `kind` file: the document and its item, or None and
        the problems."""
        model = KINDS[kind][0]
        problems: list[Problem] = []
        doc = parse_file(raw, self.shown(path), path, problems)
        if doc is None:
            return None, None, problems
        if not isinstance(doc.data, dict):
            problems.append(
                doc.problem((), f"a {kind} file must be a mapping of 'key: value' lines", "see the JSON Schema")
            )
            return None, None, problems
        try:
            return doc, model.model_validate(doc.data), problems
        except ValidationError as exc:
            return None, None, [*problems, *problems_from(exc, doc, model)]

    def register(self, kind: str, item_id: str, origin: Origin, table: dict[str, Any], item: Any) -> None:
        first = self.registry.get((kind, item_id))
        if first is not None:
            self.problems.append(
                origin.problem(
                    ("id",),
                    f"duplicate {kind} id '{item_id}' (first defined at {first.describe()})",
                    "give one of them another id",
                )
            )
            return
        self.registry[(kind, item_id)] = origin
        table[item_id] = item
        doc = origin.doc
        made = self.files.get(id(doc))
        if made is None:
            made = self.files[id(doc)] = (doc, [])
        made[1].append((kind, item_id))

    def resolve(self, origin: Origin, sub: Key, kind: str, ids: Iterable[str], table: dict[str, Any]) -> None:
        """Every id in `ids` (listed at `sub` below `origin`) must name an existing `kind`."""
        if kind in self.incomplete:
            return
        for i, item_id in enumerate(ids):
            if item_id not in table:
                self.problems.append(self.dangling(origin, (*sub, i), kind, item_id, table))

    def resolve_one(self, origin: Origin, sub: Key, kind: str, item_id: str | None, table: dict[str, Any]) -> None:
        if item_id is not None and item_id not in table and kind not in self.incomplete:
            self.problems.append(self.dangling(origin, sub, kind, item_id, table))

    @staticmethod
    def dangling(origin: Origin, sub: Key, kind: str, item_id: str, table: dict[str, Any]) -> Problem:
        close = difflib.get_close_matches(item_id, list(table), n=1, cutoff=0.6)
        fix = f"did you mean '{close[0]}'?" if close else f"define the {kind} '{item_id}', or fix the reference"
        return origin.problem(sub, f"no {kind} has the id '{item_id}'", fix)


def _items(doc: Document, key: str, items: list[M]) -> Iterator[tuple[Origin, M]]:
    for index, item in enumerate(items):
        yield Origin(doc, (key, index)), item


#: The timeline's events in order (`Library.events_in_order`), by the events as objects.
_EVENT_ORDER: Memo[tuple[int, ...], list[Event]] = Memo()


def _in_order(events: list[Event]) -> list[Event]:
    """`events`, earliest first (then by id)."""
    return sorted(events, key=lambda e: (e.date.sort_key(), e.id))


def load_library(content: Path, cache: ParseCache | None = None, jobs: int = 1) -> Library:
    """Load and validate every content file; raise ContentError listing all problems at once. With a
    `cache`, files parsed before with the same bytes are not parsed again. With `jobs` > 1, a large lesson's
    files are parsed on two processes (`_Builder.read_ahead`)."""
    b = _Builder(content, cache)
    if not content.is_dir():
        raise no_content_folder(content)
    b.read_ahead(jobs)
    site_docs = b.parse("site")
    if not site_docs and not any(p.path.endswith(("site.yaml", "site.yml")) for p in b.problems):
        b.problems.append(
            Problem(b.shown(content / "site.yaml"), 1, 1, "site.yaml is missing", "create it with the site's title")
        )
    sources = b.parse("source")
    glossaries = b.parse("glossary")
    actor_docs = b.parse("actors")
    timelines = b.parse("timeline")
    place_docs = b.parse("places")
    topics = b.parse("topic")
    question_docs = b.parse("questions")
    if not site_docs:
        raise ContentError(b.problems)

    lib = Library(site=site_docs[0][1])
    for doc, source in sources:
        assert isinstance(source, Source)
        b.register("source", source.id, Origin(doc, ()), lib.sources, source)
        for origin, point in _items(doc, "points", source.points):
            b.register("point", point.id, origin, lib.points, point)
            lib.point_source.setdefault(point.id, source.id)
    for doc, glossary in glossaries:
        assert isinstance(glossary, Glossary)
        for origin, term in _items(doc, "terms", glossary.terms):
            b.register("term", term.id, origin, lib.terms, term)
    for doc, actors in actor_docs:
        assert isinstance(actors, Actors)
        for origin, actor in _items(doc, "actors", actors.actors):
            b.register("actor", actor.id, origin, lib.actors, actor)
    for doc, timeline in timelines:
        assert isinstance(timeline, Timeline)
        for origin, event in _items(doc, "events", timeline.events):
            b.register("event", event.id, origin, lib.events, event)
    for doc, places in place_docs:
        assert isinstance(places, Places)
        for origin, place in _items(doc, "places", places.places):
            b.register("place", place.id, origin, lib.places, place)
    for doc, topic in topics:
        assert isinstance(topic, Topic)
        b.register("topic", topic.id, Origin(doc, ()), lib.topics, topic)
        for origin, objective in _items(doc, "objectives", topic.objectives):
            b.register("objective", objective.id, origin, lib.objectives, objective)
            lib.objective_topic.setdefault(objective.id, topic.id)
    for doc, qfile in question_docs:
        assert isinstance(qfile, QuestionFile)
        for origin, question in _items(doc, "questions", qfile.questions):
            if question.id.startswith("gen-"):
                b.problems.append(
                    origin.problem(
                        ("id",),
                        f"the id '{question.id}' starts with 'gen-', which is reserved for generated questions",
                        f"rename it, e.g. '{question.id.removeprefix('gen-')}'",
                    )
                )
                continue
            b.register("question", question.id, origin, lib.questions, question)
    lib.origins = dict(b.registry)
    lib.origin_files = list(b.files.values())
    if cache is not None:
        cache.keep_only(b.read)

    _cross_check(b, lib)
    _check_objectives(b, lib)
    _check_ids(b, lib)
    _check_all_links(b, lib)
    _check_nesting(b)
    _check_stray_citations(b, lib)
    _check_plain_markup(b)
    b.problems.extend(_unread(content, b.read))
    problems = [p for p in b.problems if p.severity == "error"]
    if problems:
        raise ContentError(b.problems)
    lib.warnings = sorted(b.problems)
    lib.files_read = hashlib.blake2b(
        "\n".join(sorted(f"{doc.shown}\0{doc.digest}" for _, doc in b.docs)).encode(), digest_size=16
    ).hexdigest()
    for table in (lib.sources, lib.points, lib.terms, lib.actors, lib.events, lib.places, lib.topics, lib.questions):
        _sort_by_id(table)
    return lib


def _sort_by_id(table: dict[str, Any]) -> None:
    """Re-insert a table's items in id order, so that every iteration is deterministic."""
    ordered = sorted(table.items())
    table.clear()
    table.update(ordered)


def _check_refs(b: _Builder, lib: Library, origin: Origin, sub: Key, refs: Refs) -> None:
    b.resolve(origin, (*sub, "points"), "point", refs.points, lib.points)
    b.resolve(origin, (*sub, "terms"), "term", refs.terms, lib.terms)
    b.resolve(origin, (*sub, "events"), "event", refs.events, lib.events)


#: Text that may hold a content link, in any form (inline, autolink, reference, any case).
_MAYBE_LINK = re.compile(r"\]\s*[(:]|<[A-Za-z][A-Za-z0-9+.-]*:")
#: Schemes a link may have besides primer's own: web addresses and e-mail.
_WEB_SCHEMES = ("http", "https", "mailto")
#: Where content is Markdown: (kind of file, key path with '*' for any list index).
_MARKDOWN_FIELDS = {("topic", ("sections", "*", "body")), ("questions", ("questions", "*", "stem"))}


def _unknown_scheme(scheme: str) -> tuple[str, str]:
    """The message and fix for a link whose scheme primer does not know (a dead link otherwise)."""
    close = difflib.get_close_matches(scheme, SCHEMES, n=1, cutoff=0.6)
    message = f"'{scheme}:' is not a kind of link primer knows, so the link would go nowhere"
    if close:
        return message, f"did you mean '{close[0]}:'?"
    kinds = ", ".join(f"{s}:" for s in SCHEMES)
    return message, f"link to content with {kinds}, or to the web with https://"


#: The last key of every Markdown field (`_MARKDOWN_FIELDS`): any other text is not Markdown, at a glance.
_MARKDOWN_LAST = frozenset(shape[-1] for _, shape in _MARKDOWN_FIELDS)


def _is_markdown(kind: str, loc: Key) -> bool:
    if not loc or loc[-1] not in _MARKDOWN_LAST:
        return False
    shape = tuple("*" if isinstance(part, int) else part for part in loc)
    return (kind, shape) in _MARKDOWN_FIELDS


def _links_of(kind: str, doc: Document) -> list[tuple[Key, list[tuple[str, str, int, str]]]]:
    """Each text of `doc` that links anywhere, by its key path, with its links (`content_links`, every one).
    Read once a document (`Document.links`); a document read before hands what it read to the Markdown
    module, so that the checks and the pages do not parse it again either."""
    if doc.links is None:
        found: list[tuple[Key, str, tuple[tuple[str, str, int, str], ...], str | None]] = []
        for loc, text in doc.strings():
            markdown = _is_markdown(kind, loc)
            linking = _MAYBE_LINK.search(text) is not None
            if not markdown and not linking:
                continue
            # the text as the item holds it (stripped), where that leaves its lines where they are, so that the
            # Markdown parsed here is the one the checks and the pages read again (a cache shared by text)
            kept = text.rstrip()
            read = kept if kept.lstrip() == kept else text
            every = tuple(content_links(read, every=True)) if linking else ()
            # a Markdown text's shown text too (the lint reads the words of each), and a plain text that looks as
            # if it links but does not (`_check_stray_citations`)
            found.append((loc, read, every, shown_now(read) if markdown else None))
        doc.links = found
    else:
        for _, read, every, shown in doc.links:
            know(read, every, shown)
    return [(loc, list(every)) for loc, _, every, _ in doc.links if every]


def _items_by_scheme(lib: Library) -> dict[str, dict[str, Any]]:
    """The items a content link's scheme names, by id."""
    return {
        "point": lib.points,
        "term": lib.terms,
        "event": lib.events,
        "source": lib.sources,
        "topic": lib.topics,
        "actor": lib.actors,
        "place": lib.places,
        "question": lib.questions,
    }


def _check_nesting(b: _Builder) -> None:
    """A Markdown text whose lists and quotes nest deeper than the Markdown reader goes is an error at the line
    where it stops: the pages, handouts and exports would drop that line, and may drop what follows it."""
    for _, doc in b.docs:
        b.problems.extend(_NESTING.get(id(doc), partial(_nesting_in, doc), keep=doc))


#: What `_nesting_in` and `_plain_markup_in` found in a document, by the document (as an object: see
#: `primer.memo`; a document is never changed once parsed, and each finding is of that document alone).
_NESTING: Memo[int, list[Problem]] = Memo()
_PLAIN: Memo[tuple[int, str], list[Problem]] = Memo()


def _nesting_in(doc: Document) -> list[Problem]:
    """`_check_nesting` of one document."""
    found: list[Problem] = []
    for loc, read, _, shown in doc.links or ():
        line = cut_at(read) if shown is not None else None
        if line is not None:
            found.append(
                doc.problem_within(
                    loc,
                    line,
                    read.splitlines()[line].strip(),
                    "lists and quotes nest too deeply here for the pages to show (a list counts as two levels, "
                    "a quote as one, and 19 levels is the most): the pages, handouts and exports would drop "
                    "this line, and may drop the text after it",
                    "nest them less deeply, for example by writing the deepest items as sentences",
                )
            )
    return found


#: What is left of a citation that did not become a link ("[Article A] (point:a-x)", "[Article A](point: a-x)",
#: "[Article A](point:a-x" without its parenthesis): one of primer's schemes and an id after an opening
#: parenthesis, with a closing bracket before it or an id of that kind after it.
_STRAY = re.compile(rf"\(\s*<?(?P<scheme>{'|'.join(SCHEMES)}):\s*(?P<id>[a-z0-9][a-z0-9._~-]*)")
#: A closing bracket just before such a parenthesis ("] (point:"): link syntax, not a sentence.
_BRACKET_BEFORE = re.compile(r"\]\s*\Z")


def _check_stray_citations(b: _Builder, lib: Library) -> None:
    """A citation typed so that it is no link (a space between ']' and '(', or after the colon; a parenthesis
    missing) shows as typed, brackets and id, where students read: an error at its line. Markdown is judged by
    the text it shows, so that a link's own target is never taken for one. A question's stem is read here too;
    its other texts, which are plain, are the quiz lint's (a content reference in them)."""
    ids = _items_by_scheme(lib)
    named = _what_links_name(b, lib) if memo.on() else None
    for kind, doc in b.docs:
        make = partial(_stray_citations_in, kind, doc, ids)
        if named is None:
            b.problems.extend(make())
        else:
            b.problems.extend(_STRAY_CITATIONS.get((id(doc), kind, id(named)), make, keep=(doc, named)))


def _stray_citations_in(kind: str, doc: Document, ids: dict[str, dict[str, Any]]) -> list[Problem]:
    """`_check_stray_citations` of one document (`ids`: the items by scheme, `_items_by_scheme`)."""
    found: list[Problem] = []
    for loc, read, every, shown in doc.links or ():
        if kind == "questions" and loc[-1:] != ("stem",):
            continue  # the quiz lint finds a content reference in a question's other texts, which are plain
        if every and shown is None:
            continue  # a link in plain text: an error of its own (`_check_all_links`)
        linked = {href.lower() for _, _, _, href in every}
        text = read if shown is None else shown
        for m in _STRAY.finditer(text):
            target = f"{m.group('scheme')}:{m.group('id')}"
            bracket = _BRACKET_BEFORE.search(text, max(0, m.start() - 8), m.start()) is not None
            if not bracket and (
                m.group("id").rstrip(".") not in ids[m.group("scheme")]  # "(topic: …)" in a sentence
                or target in linked  # "(<point:a-x>)", an autolink, shows its target
            ):
                continue
            cite = text[text.rindex("]", 0, m.start()) : m.end()] if bracket else m.group(0)
            # where it is written (in Markdown, the shown text's lines are the source's)
            line = next((i for i, written in enumerate(read.splitlines()) if cite in written), None)
            if shown is None:
                fix = "plain text cannot cite: remove it, and cite in a section or in the item's references"
            elif bracket:
                fix = f"write it as [text]({target}), with nothing between ']' and '(' and no space after the colon"
            else:
                fix = f"write it as a link, [text]({target})"
            found.append(
                doc.problem_within(
                    loc,
                    line or 0,
                    cite if line is not None else "",
                    f"'{target}' reads as a citation, but it is no link: students would see the brackets and "
                    "the id as typed",
                    fix,
                )
            )
            break
    return found


#: Markdown's emphasis and code, which a plain-text field shows as typed: "**far**", "__far__", "*far*", "`far`".
_PLAIN_MARKUP = re.compile(
    r"\*\*(?=\S)[^*\n]+?(?<=\S)\*\*|__(?=\S)[^_\n]+?(?<=\S)__"
    r"|(?<![\w*])\*(?=[^\s*])[^*\n]+?(?<=[^\s*])\*(?![\w*])|`[^`\n]+`"
)


def _check_plain_markup(b: _Builder) -> None:
    """Markdown emphasis or code, or an HTML entity, typed into a plain-text field (a takeaway, a definition, an
    event's text) is an error: students would see the asterisks, backticks or '&nbsp;' as typed. Only files that
    hold such marks are read; the questions' texts are the quiz lint's (`primer.quiz.lint`: machinery in a
    student-facing text)."""
    for kind, doc in b.docs:
        if kind != "questions":
            b.problems.extend(_PLAIN.get((id(doc), kind), partial(_plain_markup_in, kind, doc), keep=doc))


def _plain_markup_in(kind: str, doc: Document) -> list[Problem]:
    """`_check_plain_markup` of one document of kind `kind`."""
    found: list[Problem] = []
    if not any(mark in doc.text for mark in (b"*", b"__", b"`", b"&")):
        return found
    for loc, text in doc.strings():
        if _is_markdown(kind, loc):
            continue
        m = _PLAIN_MARKUP.search(text)
        if m is not None:
            typed = m.group(0)
            marks = {"`": "backticks", "*": "asterisks", "_": "underscores"}[typed[0]]
            what = f"'{typed}' is Markdown, but this field is plain text: students would see the {marks}"
            fix = "write it without them (only a section's body and a question's stem are Markdown)"
        elif (entity := typed_entity(text)) is not None:
            typed = entity
            what = f"'{typed}' is an HTML entity, but this field is plain text: students would see it as typed"
            fix = "type the character itself (a space, ’, é …)"
        else:
            continue
        line = next((i for i, written in enumerate(text.splitlines()) if typed in written), 0)
        found.append(doc.problem_within(loc, line, typed, what, fix))
    return found


def _check_all_links(b: _Builder, lib: Library) -> None:
    """Every content link in Markdown resolves, whatever its form, reported at its own line; a link
    with a scheme primer does not know, or typed into a plain-text field (where it would show as
    typed), is an error."""
    tables = _items_by_scheme(lib)
    in_quiz = {qid for topic in lib.topics.values() for qid in topic.questions}
    # the caches of parsed Markdown sized to the lesson, so that later passes find each text parsed: a text
    # takes a line at least, and a long one LONG_TEXT characters (more than the lesson has costs nothing)
    extents = [doc.extent() for _, doc in b.docs]
    fit(sum(lines for lines, _ in extents), sum(size for _, size in extents) // LONG_TEXT)
    forget_known()  # what an earlier load knew: this one knows its own files' again
    named = _what_links_name(b, lib) if memo.on() else None
    for kind, doc in b.docs:
        links = _links_of(kind, doc)  # each document's: this also hands its parsed texts to the Markdown module
        make = partial(_link_problems, kind, doc, links, tables, in_quiz, frozenset(b.incomplete))
        if named is None:
            b.problems.extend(make())
        else:
            b.problems.extend(_LINKS.get((id(doc), kind, id(named)), make, keep=(doc, named)))


def _what_links_name(b: _Builder, lib: Library) -> tuple[object, ...]:
    """What the link checks read besides a document, as one object for all loads that read the same (see
    `primer.memo`): the ids of each kind of item, the questions in a quiz and the kinds some file of which
    failed. A document's findings are kept by the document and this object. Made once a load (`b`)."""
    if b.links_name is None:
        read = (
            tuple((scheme, tuple(table)) for scheme, table in _items_by_scheme(lib).items()),
            tuple(sorted({qid for topic in lib.topics.values() for qid in topic.questions})),
            tuple(sorted(b.incomplete)),
        )
        b.links_name = _SAME_NAMES.get(read, lambda: read)
    return b.links_name


#: The last values of `_what_links_name`, each by itself (one object for equal values).
_SAME_NAMES: Memo[tuple[object, ...], tuple[object, ...]] = Memo(limit=4)
#: `_link_problems` and `_stray_citations_in` by the document, its kind and `_what_links_name` (as objects).
_LINKS: Memo[tuple[int, str, int], list[Problem]] = Memo()
_STRAY_CITATIONS: Memo[tuple[int, str, int], list[Problem]] = Memo()


def _link_problems(
    kind: str,
    doc: Document,
    links_of: list[tuple[Key, list[tuple[str, str, int, str]]]],
    tables: dict[str, dict[str, Any]],
    in_quiz: set[str],
    incomplete: frozenset[str],
) -> list[Problem]:
    """`_check_all_links` of one document (`links_of`: its `_links_of`)."""
    found: list[Problem] = []
    for loc, every in links_of:
        links = [link for link in every if link[0] in SCHEMES]
        if every and not _is_markdown(kind, loc):
            scheme, item, offset, href = every[0]
            found.append(
                doc.problem_within(
                    loc,
                    offset,
                    href,
                    f"a link ('{href}') in a plain-text field shows as typed: only section bodies "
                    "and question stems are Markdown",
                    "write plain text here, and cite in a section or in the item's references",
                )
            )
            continue
        for scheme, _, offset, href in every:
            if scheme not in SCHEMES and scheme not in _WEB_SCHEMES:
                found.append(doc.problem_within(loc, offset, href, *_unknown_scheme(scheme)))
        for scheme, item, offset, href in links:
            table = tables[scheme]
            if scheme in incomplete:
                continue
            if item not in table:
                close = difflib.get_close_matches(item, list(table), n=1, cutoff=0.6)
                fix = (
                    f"did you mean '{scheme}:{close[0]}'?"
                    if close
                    else f"define the {scheme} '{item}', or fix the link"
                )
                found.append(doc.problem_within(loc, offset, href, f"no {scheme} has the id '{item}'", fix))
            elif scheme == "question" and item not in in_quiz and "topic" not in incomplete:
                found.append(
                    doc.problem_within(
                        loc,
                        offset,
                        href,
                        f"the link goes to question '{item}', which is in no topic's quiz and so has no page",
                        "add the question to a topic's questions:, or remove the link",
                    )
                )
    return found


#: Site paths that pages of their own hold; an item whose page would land there is refused.
_RESERVED_PATHS = {*PAGES.values(), "404.html", "sitemap.xml"}


def _check_ids(b: _Builder, lib: Library) -> None:
    """Ids that would put an item's page where another page lives (a source called 'index')."""
    for kind, table in (("source", lib.sources), ("topic", lib.topics)):
        for item_id in table:
            paths = [item_path(kind, item_id)] + ([item_path("quiz", item_id)] if kind == "topic" else [])
            if kind == "topic" and item_id == "all":  # `--topic all` on the command line means every topic
                b.problems.append(
                    lib.origins[(kind, item_id)].problem(
                        ("id",),
                        "the topic id 'all' is reserved: on the command line '--topic all' means every topic",
                        "choose another id, e.g. 'all-topic'",
                    )
                )
            elif any(path in _RESERVED_PATHS for path in paths):
                b.problems.append(
                    lib.origins[(kind, item_id)].problem(
                        ("id",),
                        f"the {kind} id '{item_id}' is reserved: its page would replace the site's {item_id} page",
                        f"choose another id, e.g. '{item_id}-{kind}'",
                    )
                )


def _undeclared(origin: Origin, key: str, value: str, declared: list[str]) -> Problem:
    """A glossary category or kind of place that site.yaml's vocabulary does not declare."""
    close = difflib.get_close_matches(value, declared, n=1, cutoff=0.6)
    where = "term_categories" if key == "category" else "place_kinds"
    fix = f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(declared)}"
    fix += f", or declare '{value}' under vocabulary: {where}: in site.yaml"
    what = "glossary category" if key == "category" else "kind of place"
    return origin.problem((key,), f"'{value}' is not a {what} this lesson declares", fix)


def _check_objectives(b: _Builder, lib: Library) -> None:
    """Each topic has as many objectives as site.yaml's settings ask for."""
    low, high = lib.site.settings.objectives_min, lib.site.settings.objectives_max
    for tid, topic in lib.topics.items():
        count = len(topic.objectives)
        if not low <= count <= high:
            wanted = f"{low} to {high}" if low != high else str(low)
            b.problems.append(
                lib.origins[("topic", tid)].problem(
                    ("objectives",),
                    f"the topic has {count} learning objective{'s' * (count != 1)}; this lesson asks for {wanted}",
                    ("add objectives" if count < low else "merge or remove objectives")
                    + ", or change settings.objectives_min/objectives_max in site.yaml",
                )
            )


def _check_figures(b: _Builder, origin: Origin, topic: Topic) -> None:
    """Each section figure is drawable, and its id is unique in the topic (it becomes the figure's anchor)."""
    seen: set[str] = set()
    for i, section in enumerate(topic.sections):
        for j, figure in enumerate(section.figures):
            where = ("sections", i, "figures", j)
            if figure.id in seen:
                b.problems.append(
                    origin.problem((*where, "id"), f"two figures of this topic have the id '{figure.id}'", "rename one")
                )
            seen.add(figure.id)
            for sub, message, fix in figure_problems(figure):
                b.problems.append(origin.problem((*where, *sub), message, fix))


def _cross_check(b: _Builder, lib: Library) -> None:
    """Every reference between files resolves, and locators fit their source. In a process that checks again
    (`primer.memo`), what each part found is kept by the items it reads, as objects, and by every id the lesson
    defines (and each kind whose files failed to load): a save checks again the parts that read what it
    changed (after a source's edit, the sources' part and the timeline's: the whole took 0.036 s of each load at
    256 topics)."""
    if not memo.on():
        for part, _ in _CROSS_PARTS:
            part(b, lib)
        return
    defined = _DEFINED.same("defined", (tuple(b.registry), frozenset(b.incomplete)))
    for part, reads in _CROSS_PARTS:
        items = [value for name in reads for value in (getattr(lib, name).values() if name != "site" else [lib.site])]
        key = (part.__name__, id(defined), *map(id, items))
        b.problems.extend(_CROSS.get(key, partial(_cross_part, part, b, lib), keep=(defined, items)))


def _cross_part(part: Callable[[_Builder, Library], None], b: _Builder, lib: Library) -> list[Problem]:
    """The problems `part` of `_cross_check` finds."""
    found, b.problems = b.problems, []
    try:
        part(b, lib)
        return b.problems
    finally:
        b.problems = found


def _cross_sources(b: _Builder, lib: Library) -> None:
    for sid, source in lib.sources.items():
        origin = lib.origins[("source", sid)]
        count = source.paragraphs.count
        for i, point in enumerate(source.points):
            for j, para in enumerate(point.paragraphs):
                if para > count:
                    b.problems.append(
                        origin.problem(
                            ("points", i, "paragraphs", j),
                            f"paragraph {para} is past the end of the source, which has {count}",
                            "fix the locator, or paragraphs.count",
                        )
                    )
            b.resolve_one(origin, ("points", i, "speaker"), "actor", point.speaker, lib.actors)
        for key in ("loaded_wording", "unattributed"):
            for i, item in enumerate(getattr(source.framing, key)):
                if item.paragraph > count:
                    b.problems.append(
                        origin.problem(
                            ("framing", key, i, "paragraph"),
                            f"paragraph {item.paragraph} is past the end of the source, which has {count}",
                            "fix the locator",
                        )
                    )


def _cross_terms(b: _Builder, lib: Library) -> None:
    vocabulary = lib.site.vocabulary
    categories = {c.id: c for c in vocabulary.term_categories}
    for tid, term in lib.terms.items():
        b.resolve(lib.origins[("term", tid)], ("see_also",), "term", term.see_also, lib.terms)
        if term.category not in categories:
            b.problems.append(_undeclared(lib.origins[("term", tid)], "category", term.category, list(categories)))


def _cross_actors(b: _Builder, lib: Library) -> None:
    for aid, actor in lib.actors.items():
        origin = lib.origins[("actor", aid)]
        b.resolve_one(origin, ("country",), "actor", actor.country, lib.actors)
        for i, position in enumerate(actor.positions):
            b.resolve(origin, ("positions", i, "points"), "point", position.points, lib.points)


def _cross_events(b: _Builder, lib: Library) -> None:
    for eid, event in lib.events.items():
        origin = lib.origins[("event", eid)]
        b.resolve(origin, ("actors",), "actor", event.actors, lib.actors)
        b.resolve(origin, ("places",), "place", event.places, lib.places)
        b.resolve(origin, ("sources",), "source", event.sources, lib.sources)
        b.resolve(origin, ("later_than",), "source", event.later_than, lib.sources)
        _check_refs(b, lib, origin, ("refs",), event.refs)
        for i, sid in enumerate(event.later_than):
            postdated = lib.sources.get(sid)
            if postdated is not None and event.date.first <= postdated.published.date.last:
                b.problems.append(
                    origin.problem(
                        ("later_than", i),
                        f"the event ({event.date}) does not come after '{sid}' was published "
                        f"({postdated.published.date})",
                        f"remove '{sid}' from later_than, or fix the date",
                    )
                )


def _cross_places(b: _Builder, lib: Library) -> None:
    vocabulary = lib.site.vocabulary
    for pid, place in lib.places.items():
        origin = lib.origins[("place", pid)]
        b.resolve_one(origin, ("country",), "actor", place.country, lib.actors)
        b.resolve(origin, ("claimed_by",), "actor", place.claimed_by, lib.actors)
        b.resolve_one(origin, ("held_by",), "actor", place.held_by, lib.actors)
        b.resolve(origin, ("events",), "event", place.events, lib.events)
        if place.kind not in {k.id for k in vocabulary.place_kinds}:
            b.problems.append(_undeclared(origin, "kind", place.kind, [k.id for k in vocabulary.place_kinds]))


def _cross_topics(b: _Builder, lib: Library) -> None:
    for tid, topic in lib.topics.items():
        origin = lib.origins[("topic", tid)]
        for i, perspective in enumerate(topic.perspectives):
            b.resolve_one(origin, ("perspectives", i, "actor"), "actor", perspective.actor, lib.actors)
            b.resolve(origin, ("perspectives", i, "points"), "point", perspective.points, lib.points)
        for i, item in enumerate(topic.next):
            b.resolve_one(origin, ("next", i, "event"), "event", item.event, lib.events)
            next_event = lib.events.get(item.event)
            if next_event is not None and not next_event.later_than:
                b.problems.append(
                    origin.problem(
                        ("next", i, "event"),
                        f"'{item.event}' is listed under what happened next but is not marked as later than a source",
                        "add the sources it postdates to the event's later_than, or move it out of 'next'",
                        warning=True,
                    )
                )
        own = [o.id for o in topic.objectives]
        if topic.generate.objective is not None and topic.generate.objective not in own:
            b.problems.append(
                origin.problem(
                    ("generate", "objective"),
                    f"'{topic.generate.objective}' is not one of this topic's objectives",
                    f"use one of {', '.join(own)}",
                )
            )
        b.resolve(origin, ("sources",), "source", topic.sources, lib.sources)
        b.resolve(origin, ("questions",), "question", topic.questions, lib.questions)
        _check_figures(b, origin, topic)


def _cross_questions(b: _Builder, lib: Library) -> None:
    in_topic = {qid for topic in lib.topics.values() for qid in topic.questions}
    for qid, question in lib.questions.items():
        origin = lib.origins[("question", qid)]
        b.resolve_one(origin, ("objective",), "objective", question.objective, lib.objectives)
        _check_refs(b, lib, origin, ("tests",), question.tests)
        if question.tests.empty():
            b.problems.append(
                origin.problem(
                    ("tests",),
                    "the question tests nothing",
                    "list the points, terms or events it tests under tests:",
                )
            )
        # A topic file that failed to load would have listed it: its own error is the one to fix.
        if lib.topics and qid not in in_topic and "topic" not in b.incomplete:
            b.problems.append(
                origin.problem(
                    ("id",),
                    f"question '{qid}' is in no topic's quiz",
                    "add its id to a topic's questions:",
                    warning=True,
                )
            )


#: The parts of `_cross_check`, each with the collections of the Library whose items it reads ("site": the
#: site's settings, whose vocabulary it reads); every part reads which ids are defined too.
_CROSS_PARTS: tuple[tuple[Callable[[_Builder, Library], None], tuple[str, ...]], ...] = (
    (_cross_sources, ("sources",)),
    (_cross_terms, ("terms", "site")),
    (_cross_actors, ("actors",)),
    (_cross_events, ("events", "sources")),
    (_cross_places, ("places", "site")),
    (_cross_topics, ("topics", "events")),
    (_cross_questions, ("questions", "topics")),
)
#: What each part of `_cross_check` found, by what it read (see there); and the ids the lesson defines, the last
#: check's same tuple when they are the same (so that it keys the parts by its identity).
_CROSS: Memo[tuple[object, ...], list[Problem]] = Memo()
_DEFINED: Memo[str, tuple[tuple[tuple[str, str], ...], frozenset[str]]] = Memo()
