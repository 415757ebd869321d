"""Maps of a lesson's places, drawn at build time as SVG (see `primer.maps.draw`)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

from markupsafe import Markup

from primer import parallel
from primer.content.library import LINK, Library, kind_files
from primer.content.models import Place, Range, Topic
from primer.maps.draw import PAGE, SMALL, Drawing, Ring, Site, Style, marker_icon
from primer.maps.draw import draw as draw_map
from primer.maps.shapes import (
    DATASET,
    LEVELS,
    PACKAGE,
    PACKAGE_LICENCE,
    Country,
    coarse,
    coarse_wkb,
    countries,
    use_coarse,
    use_countries,
)

__all__ = [
    "DATASET",
    "PACKAGE",
    "PACKAGE_LICENCE",
    "STATUS_WORDS",
    "Drawing",
    "MapView",
    "coarse_meanwhile",
    "lesson_map",
    "marker_icon",
    "outlines_ahead",
    "topic_map",
    "topic_places",
    "use_ahead",
]

#: A lesson of this many topics or more draws its topic maps' land from coarser copies of the outlines
#: (`shapes.coarse`, `draw.level`). Making the copies costs 1.8 s of CPU time, in a worker of their own
#: while the lesson loads (`outlines_ahead`); each map drawn from one takes about a fifth of the time (9 ms
#: instead of 50 at 256 topics). Side by side at 64 topics, a build took 9% less time (6.4–6.6 s against
#: 7.0–7.2 s). A copy moves no border by more than the map's tolerance (a pixel on a topic map), half what the
#: map's own simplification may move it by (`Style.tolerance`). The lesson map, one map, is always drawn from
#: the outlines themselves.
COARSE_FROM = 50


def outlines_ahead(content: Path, jobs: int) -> parallel.Started | None:
    """Start reading the country outlines in a worker of their own, when the lesson has a places file and the
    build may use a second process (None otherwise: the outlines are read where a map first needs them). A
    build starts it first thing: the worker forks from a small process and reads while the lesson loads on
    one core of two, and the render's workers fork with the outlines in hand (`use_ahead`), rather than each
    reading the file (0.2 s of CPU time a process). When the lesson's topics folder holds `COARSE_FROM` files
    or more, the worker makes the coarse copies (`shapes.coarse`) as well. Which maps draw from a copy does
    not depend on this (`topic_map`), and what is sent is what was made, to the last bit."""
    if jobs <= 1 or not kind_files(content, "places"):
        return None
    return parallel.start(partial(_made_ahead, _large(content)), jobs)


def coarse_meanwhile(content: Path) -> threading.Thread | None:
    """`primer serve`'s `outlines_ahead`: make the coarse copies on a thread of its own (GEOS leaves the
    interpreter free), once the first build is served, when the lesson is large (None otherwise)."""
    if not _large(content):
        return None
    making = threading.Thread(target=lambda: [coarse(level) for level in LEVELS], daemon=True, name="primer-outlines")
    making.start()
    return making


def _large(content: Path) -> bool:
    """Whether the lesson's topics folder holds `COARSE_FROM` files or more (a guess made before loading
    it: making the copies costs time only)."""
    try:
        with os.scandir(content / "topics") as entries:
            files = sum(1 for e in entries if e.name.endswith((".yaml", ".yml")) and not e.name.startswith("."))
    except OSError:
        return False
    return files >= COARSE_FROM


def _made_ahead(copies: bool) -> tuple[tuple[Country, ...], list[list[bytes]]]:
    """The outlines as read, and with `copies` the coarse copies (else none), made in the worker
    `outlines_ahead` starts, which then waits (until the render) to send them: what making them took for a
    while goes back to the system first."""
    wkb = coarse_wkb() if copies else []
    parallel.give_back_memory()
    return countries(), wkb


def use_ahead(started: parallel.Started) -> None:
    """Take what `outlines_ahead` made as this process's own (before the render's workers fork)."""
    found, wkb = cast(tuple[tuple[Country, ...], list[list[bytes]]], started.result())
    use_countries(found)
    if wkb:
        use_coarse(wkb)


#: How each status of a range reads on the map and in its list.
STATUS_WORDS = {"official": "official", "estimate": "estimate", "claimed": "claimed"}


def _site(lib: Library, place: Place) -> Site:
    kind = lib.site.vocabulary.place_kind(place.kind)
    rings = tuple(Ring(r.km, r.label or r.what, r.status) for r in place.ranges)
    return Site(place.id, place.name, kind.name(), kind.marker, place.disputed, place.lat, place.lon, rings)


@dataclass(frozen=True)
class MapView:
    """A drawn map and everything the page says around it: legend, numbered rings, places left off."""

    drawing: Drawing
    #: (marker icon, what it means) for each kind of place on the map, then 'disputed' when any is.
    legend: list[tuple[Markup, str]]
    #: (number on the map, place, range) for each ring drawn.
    rings: list[tuple[int, Place, Range]]
    #: Places too far away to draw, and places drawn without a label (too close to others).
    off: list[Place]
    unlabelled: list[Place]
    #: The package the country shapes come from, and its licence, for the credit line.
    package: str = PACKAGE
    licence: str = PACKAGE_LICENCE


def _view(
    lib: Library, places: list[Place], style: Style, ident: str, title: str, coarse: bool = False
) -> MapView | None:
    drawing = draw_map(
        [_site(lib, p) for p in places],
        style,
        ident=ident,
        title=title,
        status_words=STATUS_WORDS,
        coarse=coarse,
    )
    if drawing is None:
        return None
    shown = [lib.places[i] for i in drawing.shown]
    legend: list[tuple[Markup, str]] = []
    for kind in lib.site.vocabulary.place_kinds:
        if any(p.kind == kind.id for p in shown):
            legend.append((marker_icon(kind.marker), kind.name().capitalize()))
    if any(p.disputed for p in shown):
        legend.append((marker_icon("circle", disputed=True), "Disputed place (hollow, dashed outline)"))
    rings = [(n, lib.places[pid], lib.places[pid].ranges[i]) for n, (pid, i) in enumerate(drawing.rings, 1)]
    return MapView(
        drawing,
        legend,
        rings,
        [lib.places[i] for i in drawing.off],
        [lib.places[i] for i in drawing.unlabelled],
    )


def lesson_map(lib: Library) -> MapView | None:
    """The map page's map: every place of the lesson (those far from the rest are listed, not drawn)."""
    return _view(lib, list(lib.places.values()), PAGE, "map", f"Map of the places in {lib.site.title}")


def topic_places(lib: Library, topic: Topic) -> list[str]:
    """The places a topic is about: those it links with place: links, the places of the timeline
    events it cites or lists under 'what happened next', and the places that list those events."""
    texts = [topic.lede, *(s.body for s in topic.sections), *(p.text for p in topic.perspectives)]
    texts += [n.text for n in topic.next]
    links = [(m.group(1), m.group(2)) for text in texts for m in LINK.finditer(text)]
    events = {i for kind, i in links if kind == "event"} | {n.event for n in topic.next}
    found = {i for kind, i in links if kind == "place"}
    for event_id in events:
        if event_id in lib.events:
            found.update(lib.events[event_id].places)
        found.update(lib.event_places.get(event_id, ()))
    return sorted(i for i in found if i in lib.places)


def topic_map(lib: Library, topic: Topic) -> MapView | None:
    """A small map of the topic's places, or None when it has none."""
    places = [lib.places[p] for p in topic_places(lib, topic)]
    title = f"Map of the places in “{topic.title}”"
    return _view(lib, places, SMALL, f"map-{topic.id}", title, coarse=len(lib.topic_order()) >= COARSE_FROM)
