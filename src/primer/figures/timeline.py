"""The timeline page's time axis and filters, computed at build time so that they read without JavaScript.

The axis is a track of absolutely placed links, one per event, in lanes by actor: positions are
percentages of the track, so widening the track (the page script's zoom) spreads the marks
without moving anything else. Marks in one lane never come closer than a tap target's width at the
base scale: a mark that would is put on a row of its own in its lane.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from primer.content.dates import MONTH_NAMES, FuzzyDate, Moment
from primer.content.library import Library
from primer.content.models import Event
from primer.render.clip import clip

#: Lanes of their own for at most this many actors; everybody else shares one.
MAIN_LANES = 4
#: A tap target's width and a row's height on the axis, in CSS pixels.
TARGET = 24
#: Rows in one lane beyond which the base scale widens.
MOST_ROWS = 5
#: Pixels per year the base scale may take, narrowest first.
SCALES = (60, 80, 100, 120, 150, 200, 250, 300)
#: Narrower scales a span of many years may take (a lesson from 1592 to 2024), as long as its axis stays at least
#: LONG_AXIS pixels wide: a year a tick of 60 pixels would make such an axis tens of thousands of pixels long.
LONG_SCALES = (1, 2, 5, 10, 20, 30, 40)
LONG_AXIS = 2400
#: Years between two ticks, fewest first: the first that leaves TICK_GAP pixels between ticks (a year's label).
TICK_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
TICK_GAP = 48
#: Height of a lane's label line above its marks, in CSS pixels.
LABEL = 18


@dataclass(frozen=True)
class Mark:
    event_id: str
    left: float
    top: int
    later: bool
    label: str


@dataclass(frozen=True)
class Lane:
    label: str
    top: int
    height: int


@dataclass(frozen=True)
class Band:
    label: str
    when: str
    left: float
    width: float
    top: int


@dataclass(frozen=True)
class Period:
    label: str
    start: str
    end: str
    left: float
    width: float


@dataclass(frozen=True)
class Axis:
    """Everything the template draws, in percentages of the track and pixels from its top."""

    width: int
    height: int
    #: Where the script first scrolls the axis to: the start of the busiest period, in percent.
    start: float
    ticks: list[tuple[int, float]]
    lanes: list[Lane]
    marks: list[Mark]
    bands: list[Band]
    periods: list[Period]


def short_moment(moment: Moment) -> str:
    """'21 Oct 2014', 'Oct 2014' or '2014'."""
    if moment.month is None:
        return str(moment.year)
    month = MONTH_NAMES[moment.month - 1][:3]
    return f"{moment.day} {month} {moment.year}" if moment.day else f"{month} {moment.year}"


def short_date(date: FuzzyDate) -> str:
    """A compact reader's form of a date or range: '21 Oct 2014', '13–19 Dec 2014'."""
    if date.end is None:
        return short_moment(date.start)
    start, end = short_moment(date.start), short_moment(date.end)
    if date.start.day and date.end.day and (date.start.year, date.start.month) == (date.end.year, date.end.month):
        return f"{date.start.day}–{end}"
    if date.start.year == date.end.year and date.start.day is None and date.start.month and date.end.month:
        return f"{start[:3]}–{end}"
    return f"{start}–{end}"


def short_name(name: str) -> str:
    """An actor's name without a parenthesised long form: 'North Korea (…)' → 'North Korea'."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", name) or name


def _middle(date: FuzzyDate) -> dt.date:
    return date.first + (date.last - date.first) / 2


def lane_key(lib: Library, actor_id: str) -> str:
    """The lane an actor draws in: a person's or organisation's country, else the actor itself."""
    actor = lib.actors.get(actor_id)
    return (actor.country or actor_id) if actor else actor_id


def main_lanes(lib: Library, events: list[Event]) -> list[str]:
    """The actors (lane keys) with most events, most first; at least two events each."""
    counts = Counter(k for e in events for k in {lane_key(lib, a) for a in e.actors})
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [k for k, n in ranked[:MAIN_LANES] if n >= 2]


def periods(events: list[Event], parts: int = 3) -> list[tuple[int, int]]:
    """Whole-year periods (first year, last year) holding about equal shares of the events."""
    years = Counter(e.date.first.year for e in events)
    ordered = sorted(years)
    if len(events) < 6 or len(ordered) < 2:
        return [(ordered[0], max(e.date.last.year for e in events))] if ordered else []
    parts = min(parts, len(ordered))
    found: list[tuple[int, int]] = []
    start, seen, target = ordered[0], 0, len(events) / parts
    for i, year in enumerate(ordered):
        seen += years[year]
        if len(found) < parts - 1 and seen >= target * (len(found) + 1) and i < len(ordered) - 1:
            found.append((start, year))
            start = year + 1
    found.append((start, max(ordered[-1], max(e.date.last.year for e in events))))
    return found


def period_label(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _rows(positions: list[float], scale: float) -> list[int]:
    """A row for each position (years from the start) so that no two in a row are closer than a target."""
    last: list[float] = []
    found = []
    for x in positions:
        px = x * scale
        for i, edge in enumerate(last):
            if px - edge >= TARGET:
                last[i] = px
                found.append(i)
                break
        else:
            last.append(px)
            found.append(len(last) - 1)
    return found


def axis(lib: Library, events: list[Event]) -> Axis:
    """The axis of `events` (earliest first), with the sources' publication dates as bands."""
    sources = lib.source_headings()  # their names and dates alone: not their points
    dates = [e.date for e in events] + [s.published.date for s in sources]
    first_year = min(d.first.year for d in dates)
    last_year = max(d.last.year for d in dates)
    t0 = dt.date(first_year, 1, 1)
    total = (dt.date(last_year, 12, 31) - t0).days + 1  # to the end of the last year (9999 has no year after it)
    years = last_year - first_year + 1

    def pos(day: dt.date, after: int = 0) -> float:
        """Where `day` begins on the axis, in percent (`after`: that many days later)."""
        return round(100 * ((day - t0).days + after) / total, 2)

    main = main_lanes(lib, events)
    lane_of = {e.id: next((lane_key(lib, a) for a in e.actors if lane_key(lib, a) in main), "") for e in events}
    keys = [k for k in main if k in lane_of.values()] + ([""] if "" in lane_of.values() else [])
    members = {k: [e for e in events if lane_of[e.id] == k] for k in keys}

    def where(e: Event) -> float:
        return years * (_middle(e.date) - t0).days / total

    spots = {k: [where(e) for e in members[k]] for k in keys}  # the same for every scale tried
    scale = SCALES[-1]
    for candidate in [*(n for n in LONG_SCALES if n * years >= LONG_AXIS), *SCALES]:
        if all(max(_rows(spots[k], candidate), default=0) < MOST_ROWS for k in keys):
            scale = candidate
            break
    bands: list[Band] = []
    label_rows: list[float] = []
    for source in sorted(sources, key=lambda s: (s.published.date.sort_key(), s.id)):
        published = source.published.date
        left = pos(published.first)
        px = left * years * scale / 100
        row = next((i for i, edge in enumerate(label_rows) if edge <= px), len(label_rows))
        label_rows[row : row + 1] = [px + len(source.label) * 7 + 12]
        width = max(0.2, pos(published.last, after=1) - left)
        bands.append(Band(source.label, short_date(published), left, round(width, 2), row * LABEL))
    lanes: list[Lane] = []
    marks: list[Mark] = []
    top = LABEL * len(label_rows) + 8  # room for the sources' labels above the first lane
    for key in keys:
        rows = _rows(spots[key], scale)
        height = LABEL + TARGET * (max(rows) + 1) + 6
        name = short_name(lib.actors[key].name) if key in lib.actors else ("Others" if keys != [""] else "Events")
        lanes.append(Lane(name, top, height))
        for event, row in zip(members[key], rows, strict=True):
            label = f"{short_date(event.date)}: {clip(event.title, 60)}"
            marks.append(
                Mark(event.id, pos(_middle(event.date)), top + LABEL + row * TARGET, bool(event.later_than), label)
            )
        top += height
    marks.sort(key=lambda m: (m.left, m.top, m.event_id))
    found_periods = [
        Period(
            period_label(a, b),
            f"{a:04d}",
            f"{b:04d}",
            pos(dt.date(a, 1, 1)),
            pos(dt.date(b + 1, 1, 1)) - pos(dt.date(a, 1, 1)) if b < last_year else 100 - pos(dt.date(a, 1, 1)),
        )
        for a, b in periods(events)
    ]
    step = next((n for n in TICK_STEPS if n * scale >= TICK_GAP), TICK_STEPS[-1])
    ticks = [(y, pos(dt.date(y, 1, 1))) for y in range(first_year, last_year + 1) if y % step == 0]
    busiest = max(found_periods, key=lambda p: sum(1 for m in marks if p.left <= m.left < p.left + p.width) / p.width)
    return Axis(years * scale, top + 22, busiest.left, ticks, lanes, marks, bands, found_periods)


def timeline_context(lib: Library) -> dict[str, object]:
    """What the timeline page's template is given: the events, the axis, and the topic filter's data."""
    events = lib.events_in_order()
    # each topic's title and the events it cites (a view: not the rest of its text)
    cited = [(_TopicName(tid, title), set(ids)) for tid, title, ids in lib.topic_events()]
    topics = [topic for topic, ids in cited if ids]
    event_topics: dict[str, list[str]] = {e.id: [] for e in events}  # each event's topics, by their place in `topics`
    for i, (_, ids) in enumerate(c for c in cited if c[1]):
        for event_id in sorted(ids):
            if event_id in event_topics:
                event_topics[event_id].append(str(i))
    involved = {a for e in events for a in e.actors}
    actors = sorted((a for a in lib.actors.values() if a.id in involved), key=lambda a: (a.name, a.id))
    return {
        "events": events,
        "actors": actors,
        "actor_index": {a.id: i for i, a in enumerate(actors)},
        "axis": axis(lib, events) if events else None,
        "topics": topics,
        "event_topics": event_topics,
        "short_name": short_name,
        "source_short": {s.id: s.short for s in lib.source_headings()},
    }


class _TopicName(NamedTuple):
    """A topic as the timeline's filter names it."""

    id: str
    title: str
