"""Check 6, staleness: 'as of' dates older than site.yaml's `stale_after_years`, present-tense
statements about things the timeline shows changed afterwards, and later developments a topic
does not mention."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

from primer import facts
from primer.content.models import Event
from primer.content.terms import lower_case_matches
from primer.patterns import Twin
from primer.report.base import DIGIT, Context, Unit, dates, sentences
from primer.report.units import OWN_VOICE

_AS_OF = Twin(r"\b(?:as of|as at|correct as of|up to date as of)\s+", re.I)
#: Words in an event's title that say something stopped or changed.
_CHANGE = re.compile(
    r"\b(?:cancel\w*|suspend\w*|halt\w*|scrap\w*|abandon\w*|withdr\w*|ends?|ended|replac\w*|terminat\w*|"
    r"expire\w*|dissolv\w*|collaps\w*|dropp\w*|remov\w*|lifted|closed?)\b",
    re.I,
)
#: Present-tense wording that says something still holds.
_PRESENT = re.compile(
    r"\b(?:plans? to|is planning|are planning|intends? to|is building|are building|is to|are to|still|"
    r"currently|now has|remains?|is due to)\b",
    re.I,
)
#: `_PRESENT` as it matches a lower-cased text (see `_present_in`): its words have no capital and only ASCII letters.
_PRESENT_LOWER = Twin(_PRESENT.pattern)


def check_texts(ctx: Context) -> None:
    """Old 'as of' dates and outdated present tense: what reads our texts and the timeline, and no derived
    question (the report makes it in its first part: see `primer.report.PARTS`). The later developments left
    out are `check_later`."""
    _as_of(ctx)
    _present(ctx)


def check_later(ctx: Context) -> None:
    """Later developments a topic does not mention: what a topic cites, as the derive found it."""
    _later(ctx)


def _as_of(ctx: Context) -> None:
    years = ctx.lib.site.stale_after_years
    ctx.per_file("as of dates", [str(years), ctx.today.isoformat()], ctx.units, partial(_as_of_unit, ctx))


def _as_of_unit(ctx: Context, unit: Unit) -> None:
    years = ctx.lib.site.stale_after_years
    limit = _years_before(ctx.today, years)
    text = unit.text
    for at, said, written, last in ctx.facts.get(partial(facts.key, "as of", text), partial(_as_of_in, text)):
        if dt.date.fromisoformat(last) < limit:
            ctx.add_in(
                "P601",
                unit,
                at,
                said.strip(),
                f"“{said}{written}” is more than {years} years before {ctx.today.isoformat()}",
                "check the statement against newer records and update its date, or drop 'as of'",
            )


def _as_of_in(text: str) -> tuple[tuple[int, str, str, str], ...]:
    """Each 'as of' with the date right after it: where it is, the words, the date as written and the
    last day it covers."""
    found: list[tuple[int, str, str, str]] = []
    if DIGIT.search(text) is None:  # a date has a digit, and most texts none: skip the search for 'as of'
        return ()
    for m in _AS_OF.of(text).finditer(text):
        written = [d for d in dates(text[m.end() : m.end() + 30]) if d.start == 0]
        if written:
            found.append((m.start(), m.group(0), written[0].text, written[0].last().isoformat()))
    return tuple(found)


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February), or the calendar's first day when that would
    fall before year 1."""
    if day.year - years < dt.MINYEAR:
        return dt.date.min
    return day.replace(year=day.year - years, day=min(day.day, 28) if day.month == 2 else day.day)


def _change_events(ctx: Context) -> dict[str, list[Event]]:
    """Term, place and point ids → the events that say something about them stopped or changed."""
    found: dict[str, list[Event]] = {}
    for event in ctx.lib.events_in_order():
        if not _CHANGE.search(event.title):
            continue
        for ref in [*event.refs.terms, *event.places, *event.refs.points]:
            found.setdefault(ref, []).append(event)
    return found


def _present(ctx: Context) -> None:
    changes = _change_events(ctx)
    # capitals and venues stay; sites, bases and plans are what the timeline shows changing
    sites = {"radar-site", "interceptor-site", "planned-site", "cancelled-site", "base", "test-site"}
    places = {p.name.split(" (")[0]: p.id for p in ctx.lib.places.values() if p.kind in sites}
    # a 'next' entry and a timeline event are about a later event themselves
    units = [u for u in ctx.units if u.part in OWN_VOICE and u.part not in ("event", "prompt", "next")]
    # what every unit's findings may read besides the unit: the changes (as the findings say them), the
    # places' names and the glossary's
    said = [(ref, [(e.id, e.title, str(e.date), e.date.first.isoformat(), ctx.where(("event", e.id))) for e in found])
            for ref, found in sorted(changes.items())]  # fmt: skip
    shared = [repr(said), repr(sorted(places.items())), ctx.matcher.digest]
    ctx.per_file("present tense", shared, units, partial(_present_unit, ctx, changes, _Names(places)))


def _present_unit(ctx: Context, changes: dict[str, list[Event]], named: _Names, unit: Unit) -> None:
    text = unit.text
    for start, end, at, word, last in ctx.facts.get(partial(facts.key, "present", text), partial(_present_in, text)):
        sentence = text[start:end]
        about = sorted(ctx.matcher.find(sentence) | named.in_text(sentence))
        latest = dt.date.fromisoformat(last) if last else None
        for ref in about:
            later = [e for e in changes.get(ref, []) if latest is None or e.date.first > latest]
            if later:
                event = later[-1]
                ctx.add_in(
                    "P602",
                    unit,
                    start + at,
                    word,
                    f"“{word}” speaks of '{ref}' in the present, but the timeline shows "
                    f"“{event.title}” ({event.date}, {ctx.where(('event', event.id))})",
                    "put the statement in the past, or say what changed",
                )
                break


def _present_in(text: str) -> tuple[tuple[int, int, int, str, str], ...]:
    """Each sentence of `text` in the present tense: where it starts and ends, where the wording is and what
    it is, and the last day of the latest date it writes ("" for none)."""
    found = []
    # In a text whose lower-cased copy keeps its characters' places (`lower_case_matches`), the copy is searched
    # heeding case, 2.5 times as fast (0.3 s sooner at 256 topics). A sentence is searched where it lies in the
    # text: its first character follows white space and its last comes before it, as at a string's ends.
    searched, pattern = (text.lower(), _PRESENT_LOWER.of(text)) if lower_case_matches(text) else (text, _PRESENT)
    for start, sentence in sentences(text):
        present = pattern.search(searched, start, start + len(sentence))
        if present is not None:
            latest = max((d.last() for d in dates(sentence)), default=None)
            last = latest.isoformat() if latest is not None else ""
            at, end = present.start() - start, present.end() - start
            found.append((start, start + len(sentence), at, sentence[at:end], last))
    return tuple(found)


def _later(ctx: Context) -> None:
    """Events after a topic's sources that relate to points or terms it cites, which it does not mention."""
    lib = ctx.lib
    later: dict[str, list[Event]] = {}  # point → the later events that refer to it
    for event in lib.events_in_order():
        if event.later_than:
            for point_id in event.refs.points:
                later.setdefault(f"point:{point_id}", []).append(event)
    for topic in lib.topics_in_order():
        cites = ctx.citations(topic.id)
        cited_points = {ref for ref in cites if ref.startswith("point:")}
        linked_terms = {ref for ref, strength in cites.items() if ref.startswith("term:") and strength >= 2}
        events = {e.id: e for ref in sorted(cited_points) for e in later.get(ref, [])}
        for event in sorted(events.values(), key=lambda e: (e.date.sort_key(), e.id)):
            if f"event:{event.id}" in cites or not set(event.later_than) & set(topic.sources):
                continue
            related = {f"point:{p}" for p in event.refs.points} & cited_points
            related |= {f"term:{t}" for t in event.refs.terms} & linked_terms
            if related:
                ctx.add(
                    "P603",
                    ("topic", topic.id),
                    ("next",) if topic.next else ("sections",),
                    f"the timeline has a later development, “{event.title}” ({event.date}), on what this topic "
                    f"cites ({', '.join(sorted(related))}), and the topic does not mention it",
                    f"list it under next: (event: {event.id}) or cite it in a section",
                )


class _Names:
    """The places whose names occur in a text (anywhere, as `in` finds them), found without trying every name
    on every text: a name is tried only where its first letters occur in the text."""

    START = 4

    def __init__(self, places: dict[str, str]) -> None:
        self.short = [(name, pid) for name, pid in places.items() if len(name) < self.START]
        self.by_start: dict[str, list[tuple[str, str]]] = {}
        for name, pid in places.items():
            if len(name) >= self.START:
                self.by_start.setdefault(name[: self.START], []).append((name, pid))

    def in_text(self, text: str) -> set[str]:
        starts = {text[i : i + self.START] for i in range(len(text) - self.START + 1)}
        found = {pid for name, pid in self.short if name in text}
        for start in starts & self.by_start.keys():
            found.update(pid for name, pid in self.by_start[start] if name in text)
        return found
