"""Check 2, a basis for specifics: every date, number, percentage and sum of money in our own text
(explainers, timeline, glossary, actors, places) is covered by a citation in the same sentence or
by an item with a basis (a summary point with a basis, a timeline event, a glossary term, actor or place
that gives one) that states the same figure.
A number inside a name the lesson gives a term, an actor, a place or a source ("Camp 14") is part of the name.

Figures are keyed by a normalised form ('2017-12-19', '$700000000', '3.5%', '28500'), so that the
check is one dictionary look-up per figure, whatever the size of the content."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from primer.content.load import Document
from primer.facts import key
from primer.report.base import DIGIT, Context, Unit, dates, links, sentences
from primer.report.units import OWN_VOICE

_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALE_WORDS = "|".join(_SCALE)
_CURRENCY = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_UNIT_CURRENCY = {"yen": "JPY", "dollars": "USD", "dollar": "USD", "won": "KRW", "yuan": "CNY", "euros": "EUR"}
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
FIGURE = re.compile(
    rf"(?P<cur>US\$|[$€£¥])\s?(?P<money>{_NUMBER})(?:\s?(?P<mscale>{_SCALE_WORDS}))?"
    rf"|(?<![\w/.+-])(?P<num>{_NUMBER})(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    rf"(?:\s(?P<scale>{_SCALE_WORDS}))?(?:\s(?P<unit>yen|dollars?|won|yuan|euros)\b)?(?![\w-]|\.\d)",
    re.IGNORECASE,
)
#: Words before a number that make it a name or a locator, not a figure.
_NAMING = re.compile(
    r"(?:resolutions?|article|articles|paragraphs?|no\.|number|type|phase|section|chapter|¶|block|flight|unit)"
    r"[\s,]*(?:\d+[\s,]*(?:and|or|to|,)\s*)*$",
    re.IGNORECASE,
)
#: Numbers this small are counts of everyday things ("two sites", "3 tests"), not figures to source.
SMALL = 10


@dataclass(frozen=True)
class Figure:
    """A figure in text: where it is, as written, and its key."""

    start: int
    end: int
    text: str
    key: str
    kind: str  # 'date', 'money', 'percent', 'number'


def _value(number: str, scale: str | None) -> float:
    return float(number.replace(",", "")) * _SCALE.get((scale or "").casefold(), 1)


def _key(value: float) -> str:
    return f"{value:.6g}" if value < 1e6 else f"{value:.4g}"


def figures(text: str, year: str = "") -> list[Figure]:
    """The dates and figures in `text` (small counts, years inside dates and names left out); a
    day and month without a year take the year written before them, else `year`."""
    if DIGIT.search(text) is None:
        return []  # every date and figure has a digit, and many sentences none
    found = [Figure(d.start, d.end, d.text, d.iso, "date") for d in dates(text, year)]
    taken = [(f.start, f.end) for f in found]
    for m in FIGURE.finditer(text):
        if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
            continue
        if m.group("money"):
            currency = _CURRENCY[m.group("cur").casefold()]
            value = _value(m.group("money"), m.group("mscale"))
            found.append(Figure(m.start(), m.end(), m.group(0), f"{currency} {_key(value)}", "money"))
            continue
        value = _value(m.group("num"), m.group("scale"))
        if m.group("unit"):
            currency = _UNIT_CURRENCY[m.group("unit").casefold()]
            found.append(Figure(m.start(), m.end(), m.group(0), f"{currency} {_key(value)}", "money"))
        elif m.group("pct"):
            found.append(Figure(m.start(), m.end(), m.group(0), f"{_key(value)}%", "percent"))
        elif value >= SMALL and not _NAMING.search(text[max(0, m.start() - 40) : m.start()]):
            found.append(Figure(m.start(), m.end(), m.group(0).strip(), _key(value), "number"))
    return sorted(found, key=lambda f: f.start)


def _widen(key: str) -> list[str]:
    """A date's key and the coarser dates it lies in ('2017-12-19' → also '2017-12', '2017')."""
    if re.fullmatch(r"\d{4}(?:-\d{2}){0,2}", key):
        parts = key.split("-")
        return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return [key]


#: A sentence that reports what a source says: the figure is the source's, and its point covers it.
_SAYS = re.compile(r"\b(?:says?|said|states?|stated|claims?|claimed|reports?|reported|puts?|gives?|writes?|argues?)\b")


def said_index(ctx: Context) -> dict[str, list[str]]:
    """Figure key → the points whose text (what the source says) states it."""
    index: dict[str, list[str]] = {}
    for point_id, point in ctx.lib.points.items():
        for found in _keys(ctx, point.text):
            for figure_key in _widen(found):
                index.setdefault(figure_key, []).append(f"point:{point_id}")
    return index


def _keys(ctx: Context, text: str) -> tuple[str, ...]:
    """The keys of the figures in `text`, in order (kept per text: see `primer.facts`; and by file for the
    texts of the points and events: `_read_files`)."""
    found = _read_files(ctx).get(text)
    if found is None:
        found = ctx.facts.get(partial(key, "figure keys", text), partial(_figure_keys, text))
    return found


def _figure_keys(text: str) -> tuple[str, ...]:
    return tuple(figure.key for figure in figures(text))


def _read_files(ctx: Context) -> dict[str, tuple[str, ...]]:
    """The figure keys of every text of the points and events, made once per report and kept between
    commands by each file (`Context.read_by_file`)."""
    read: dict[str, tuple[str, ...]] | None = ctx.cache.get("figure keys")
    if read is None:
        texts: dict[int, tuple[Document, list[str]]] = {}
        items: list[tuple[tuple[str, str], tuple[str | None, ...]]] = [
            (("point", p.id), (p.text, p.correction, p.basis, p.note)) for p in ctx.lib.points.values()
        ]
        items += [(("event", e.id), (e.basis,)) for e in ctx.lib.events.values()]
        items += [(item, (basis,)) for item, basis in _entry_bases(ctx)]
        for item, said in items:
            doc = ctx.origin(item).doc
            texts.setdefault(id(doc), (doc, []))[1].extend(t for t in said if t)
        read = ctx.cache["figure keys"] = ctx.read_by_file("figure keys of a file", texts.values(), _figure_keys)
    return read


def basis_index(ctx: Context) -> dict[str, list[str]]:
    """Figure key → the based items ('point:ID', 'event:ID') whose basis, correction or date states
    it (an accurate point's own text too), in item order."""
    index: dict[str, list[str]] = {}

    def put(ref: str, keys: Iterable[str]) -> None:
        for found in keys:
            for figure_key in _widen(found):
                refs = index.setdefault(figure_key, [])
                if not refs or refs[-1] != ref:
                    refs.append(ref)

    def add(ref: str, *texts: str | None) -> None:
        for text in texts:
            if text:  # (a text not given states no figure: not looked up, nor kept, as one)
                put(ref, _keys(ctx, text))

    for point_id, point in ctx.lib.points.items():
        if point.basis:  # what a source says counts only where the point is accurate
            said = point.text if point.status == "accurate" else None
            add(f"point:{point_id}", said, point.correction, point.basis, point.note)
    for event in ctx.lib.events.values():  # an event's own text is what is being checked
        add(f"event:{event.id}", event.basis)
        # its date, keyed as a date in text is ('2013-01-22'; the year and month it lies in come from `_widen`)
        put(f"event:{event.id}", [m.iso() for m in (event.date.start, event.date.end) if m is not None])
    for (kind, item_id), basis in _entry_bases(ctx):
        add(f"{kind}:{item_id}", basis)
    return index


def _entry_bases(ctx: Context) -> list[tuple[tuple[str, str], str]]:
    """The glossary terms, actors and places that give a basis, and their basis, in item order."""
    entries: list[tuple[tuple[str, str], str | None]] = [(("term", t.id), t.basis) for t in ctx.lib.terms.values()]
    entries += [(("actor", a.id), a.basis) for a in ctx.lib.actors.values()]
    entries += [(("place", p.id), p.basis) for p in ctx.lib.places.values()]
    return [(item, basis) for item, basis in entries if basis]


def check(ctx: Context) -> None:
    """A finding for each figure in our own text that nothing with a basis states."""
    index = basis_index(ctx)
    said = said_index(ctx)
    named = numbered_names(ctx)
    units = [u for u in ctx.units if u.part in OWN_VOICE and u.part != "prompt"]
    # a unit's findings read which figures the index and the points' texts hold (an event's own figures and
    # year are the event's: in its file), and the names with a number in them
    shared = [key("figures", repr(sorted(index)), repr(sorted(said)), repr(sorted(named.items()))).hex()]
    ctx.per_file("specifics", shared, units, partial(_unit, ctx, index, said, named))


#: A number in a name ("Camp 14", "Bureau 121"): digits, with any separators between them.
_NAME_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: The last word before a position in a text (and what separates it from that position).
_WORD_BEFORE = re.compile(r"(\w+)[^\w]*$")


def numbered_names(ctx: Context) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """The names the lesson gives things that hold a number (a glossary term, its aliases or expansion, an
    actor, a place, a source's title, label or outlet: "Camp 14", "Room 39", "38 North"), so that the number
    in them is read as part of the name, not as a figure. By (the number as written, the word before it in the
    name, lower-cased; "" when the name begins with it): each name, lower-cased, and where the number begins
    in it."""
    names = {n for t in ctx.lib.terms.values() for n in (t.term, t.expansion or "", *t.aliases)}
    names.update(n for a in ctx.lib.actors.values() for n in (a.name, a.name.split(" (")[0]))
    names.update(n for p in ctx.lib.places.values() for n in (p.name, p.name.split(" (")[0]))
    names.update(n for s in ctx.lib.sources.values() for n in (s.title, s.short, s.label, s.outlet.name or ""))
    found: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for name in sorted(n.casefold() for n in names if DIGIT.search(n)):
        for m in _NAME_NUMBER.finditer(name):
            before = _WORD_BEFORE.search(name, 0, m.start())
            found.setdefault((m.group(0), before.group(1) if before else ""), []).append((name, m.start()))
    return found


def in_name(text: str, at: int, written: str, named: dict[tuple[str, str], list[tuple[str, int]]]) -> bool:
    """Whether the figure `written` at `at` in `text` is the number of a name in `named` (`numbered_names`)
    written there whole, between word boundaries."""
    number = _NAME_NUMBER.match(written)
    if number is None or not named:
        return False
    before = _WORD_BEFORE.search(text, max(0, at - 40), at)
    candidates = named.get((number.group(0), before.group(1).casefold() if before else ""), [])
    if before:
        candidates = candidates + named.get((number.group(0), ""), [])
    for name, offset in candidates:
        start, end = at - offset, at - offset + len(name)
        if (
            start >= 0
            and end >= at + len(written)
            and text[start:end].casefold() == name
            and not (start and text[start - 1].isalnum())
            and not (end < len(text) and text[end].isalnum())
        ):
            return True
    return False


#: How to give a figure a basis, by the kind of item whose text holds it: only a topic's text can cite; an
#: event, a glossary term, an actor or a place is plain text, and names its records in its own `basis`.
_FIX = {
    "topic": "cite what it rests on in the sentence, add it to the basis of an event, a point or a glossary "
    "entry, or drop it",
    "event": "name what it rests on in the event's basis, or drop it",
    "term": "name the record it rests on in the term's basis (basis: under the definition), or drop it",
    "actor": "name the record it rests on in the actor's basis (basis: under the role), or drop it",
    "place": "name the record it rests on in the place's basis (basis: under the text), or drop it",
}


def _unit(
    ctx: Context,
    index: dict[str, list[str]],
    said: dict[str, list[str]],
    named: dict[tuple[str, str], list[tuple[str, int]]],
    unit: Unit,
) -> None:
    own = _own_figures(ctx, unit)
    year = str(ctx.lib.events[unit.item[1]].date.first.year) if unit.item[0] == "event" else ""
    found = ctx.facts.get(partial(key, "specifics", unit.raw, year), partial(_stated, unit, year))
    for start, attributed, stated in found:
        for at, written, figure_key in stated:
            if figure_key in index or figure_key in own or (attributed and figure_key in said):
                continue
            if in_name(unit.text, start + at, written, named):
                continue
            ctx.add_in(
                "P201",
                unit,
                start + at,
                written,
                f"“{' '.join(written.split())}” rests on no basis: "
                + ("no citation in its sentence, and no " if unit.item[0] == "topic" else "no ")
                + "point, timeline event or entry with a basis states it",
                _FIX.get(unit.item[0], _FIX["topic"]),
            )


def _stated(unit: Unit, year: str) -> tuple[tuple[int, bool, tuple[tuple[int, str, str], ...]], ...]:
    """The figures of each sentence of a unit that cites no point, event or source: the sentence's start,
    whether it reports what a source says, and each figure's place in the sentence, text and key (`year`:
    the year of a day and month written without one before any year in the text)."""
    # where each year is written in the unit, for a day and month without one
    years = [(d.start, d.iso[:4]) for d in dates(unit.text, year)]
    found = []
    for start, sentence in sentences(unit.text):
        raw = unit.raw[start : start + len(sentence)]
        if any(scheme in ("point", "event", "source") for scheme, _, _ in links(raw)):
            continue
        before = bisect.bisect_left(years, (start, ""))
        stated = tuple((f.start, f.text, f.key) for f in figures(sentence, years[before - 1][1] if before else year))
        if stated:
            found.append((start, _SAYS.search(sentence) is not None, stated))
    return tuple(found)


def _own_figures(ctx: Context, unit: Unit) -> set[str]:
    """Figures an event states in its own basis and date (its text rests on that basis)."""
    if unit.item[0] != "event":
        return set()
    event = ctx.lib.events[unit.item[1]]
    found = {k for f in figures(event.basis) for k in _widen(f.key)}
    for moment in (event.date.start, event.date.end):
        if moment is not None:
            found.update(_widen(moment.iso()))
    return found
