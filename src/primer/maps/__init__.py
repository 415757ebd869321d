"""Maps of a lesson's places, drawn at build time as SVG (see `primer.maps.draw`)."""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from markupsafe import Markup

from primer import parallel
from primer.content.library import LINK, Library, kind_files
from primer.content.models import Place, Range, Topic
from primer.maps.credit import DATASET, PACKAGE, PACKAGE_LICENCE

if TYPE_CHECKING:
    from primer.maps.model import Drawing, Site, Style
    from primer.maps.shapes import Country, Tile

# The drawing and the outlines (numpy, shapely, pyshp: 0.1–0.15 s to import) are imported where a map is drawn or
# its outlines read, not with this package: a build's checks, a rebuild whose pages draw no map or take their maps
# as an earlier build kept them (`_drawn`), and `primer check` never need them. A first build imports them before
# its render's workers fork (`prepare_drawing`), so that each worker need not.

__all__ = [
    "DATASET",
    "PACKAGE",
    "PACKAGE_LICENCE",
    "STATUS_WORDS",
    "Ahead",
    "Drawing",
    "MapView",
    "coarse_meanwhile",
    "lesson_map",
    "map_spots",
    "marker_icon",
    "outlines_ahead",
    "topic_map",
    "topic_places",
    "use_ahead",
    "wanted",
    "wanted_for",
]

#: What this package names from its modules, imported when first asked for (see above).
_LAZY = {"Drawing": "model", "marker_icon": "model", "draw": "", "shapes": "", "store": "", "projection": ""}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = importlib.import_module(f"{__name__}.{module or name}")
    return getattr(found, name) if module else found


def prepare_drawing() -> None:
    """Import what drawing a map takes (see above): in a process that forks workers which will draw maps."""
    importlib.import_module(f"{__name__}.draw")


#: A lesson of this many topics or more draws its topic maps' land from coarser copies of the outlines
#: (`shapes.coarse`, `draw.level`), each made for the smallest tile of the world that holds the map
#: (`shapes.tile_for`): a map drawn from one takes about a fifth of the time (12 ms instead of 60). A
#: regional lesson's maps share a tile or two, 0.2–0.3 s of CPU time each to make, in the worker that reads
#: the outlines (`outlines_ahead`). A copy moves no border by more than the map's tolerance (a pixel on a
#: topic map), half what the map's own simplification may move it by (`Style.tolerance`). The lesson map, one
#: map, is always drawn from the outlines themselves.
COARSE_FROM = 50


class _Told:
    """Where the lesson's topic maps are, for the work `outlines_ahead` starts: sent down a pipe when it runs
    in a worker of its own, else kept here for when it runs in this process (see `parallel.start`), so that
    nothing is written to a pipe that no one reads."""

    def __init__(self) -> None:
        self.receiving, self.sending = multiprocessing.get_context("fork").Pipe(duplex=False)
        self.here: list[list[Spots]] = []

    def get(self) -> list[Spots]:
        """What the build told: [] when it told nothing (it stopped, or the worker's pipe broke)."""
        if self.here:
            return self.here[0]
        self.sending.close()  # in the worker, its own copy: the pipe then ends when the build's end closes
        try:
            return cast(list[Spots], self.receiving.recv())
        except (EOFError, OSError):
            return []


@dataclass
class Ahead:
    """The work `outlines_ahead` started, which reads the outlines, then waits to be told where the lesson's
    topic maps are (`tell`), makes the coarse copies they draw from and sends them with the outlines
    (`use_ahead`)."""

    started: parallel.Started
    told: _Told
    #: Whether the work was told (or stopped): it is told once.
    done: bool = False

    def tell(self, lib: Library) -> None:
        """Tell the work where the lesson's topic maps are (`map_spots`), once: it works out which copies
        they draw from (`wanted_for`; 0.15 s at 256 topics that this process need not spend)."""
        self._send(map_spots(lib))

    def _send(self, maps: list[Spots]) -> None:
        if self.done:
            return
        self.done = True
        if self.started.elsewhere:
            with contextlib.suppress(OSError):  # the worker is gone: its work is done here when asked for
                self.told.sending.send(maps)
        else:
            self.told.here.append(maps)
        self.told.sending.close()

    def cancel(self) -> None:
        """Stop the work (the check failed): it is told nothing more."""
        self.done = True
        self.started.cancel()
        self.told.sending.close()


def outlines_ahead(content: Path, jobs: int) -> Ahead | None:
    """Start reading the country outlines in a worker of their own, when the lesson has a places file and the
    build may use a second process (None otherwise: the outlines are read where a map first needs them). A
    build starts it first thing: the worker forks from a small process and reads while the lesson loads on
    one core of two. Once the lesson is loaded, the build tells it which coarse copies the topic maps draw
    from (`Ahead.tell`), and the worker makes them. The render's workers fork with the outlines and the
    copies in hand (`use_ahead`), rather than each reading the file (0.2 s of CPU time a process) and making
    the copies it needs. What a map draws does not depend on who made its copy, to the last bit."""
    if jobs <= 1 or not kind_files(content, "places"):
        return None
    told = _Told()
    started = parallel.start(partial(_made_ahead, told), jobs)
    if started.elsewhere:
        told.receiving.close()  # only the worker reads
    return Ahead(started, told)


#: A coarse copy of the outlines made ahead: its tile, level, and each country's shape (`shapes.coarse_wkb`).
_Copies = tuple["Tile", float, list[bytes | None]]

#: Where the places of one topic map are: (id, latitude, longitude) of each, all a map's frame rests on.
Spots = list[tuple[str, float, float]]


def map_spots(lib: Library) -> list[Spots]:
    """The places of each topic map, for `wanted_for`; none for a lesson of fewer than `COARSE_FROM` topics."""
    if len(lib.topic_order()) < COARSE_FROM:
        return []
    found = []
    for topic in lib.topics_in_order():
        places = [lib.places[p] for p in topic_places(lib, topic)]
        if places:
            found.append([(p.id, p.lat, p.lon) for p in places])
    return found


def wanted_for(maps: list[Spots]) -> list[tuple[Tile, float]]:
    """(tile, level) of each coarse copy the maps of `maps` draw from, sorted; none for a map whose
    outlines an earlier build kept (`primer.maps.store`)."""
    from primer.maps import store
    from primer.maps.draw import frame_for, land_box
    from primer.maps.draw import level as draw_level
    from primer.maps.model import SMALL, Site
    from primer.maps.shapes import tiles_for

    found: set[tuple[Tile, float]] = set()
    for spots in maps:
        frame = frame_for([Site(i, "", "", "", False, lat, lon) for i, lat, lon in spots], SMALL)
        level = draw_level(frame, SMALL)
        if level and not store.kept(frame, SMALL, level):
            found.update((tile, level) for tile in tiles_for(*land_box(frame)))
    return sorted(found)


def wanted(lib: Library) -> list[tuple[Tile, float]]:
    """(tile, level) of each coarse copy the lesson's topic maps draw from (see `wanted_for`)."""
    return wanted_for(map_spots(lib))


def coarse_meanwhile(lib: Library) -> threading.Thread | None:
    """`primer serve`'s `outlines_ahead`: work out the coarse copies the lesson's topic maps draw from
    (`wanted`) and make them on a thread of its own (GEOS leaves the interpreter free), once the first build
    is served; None for a lesson of fewer than `COARSE_FROM` topics."""
    if len(lib.topic_order()) < COARSE_FROM:
        return None
    from primer.maps.shapes import coarse

    making = threading.Thread(
        target=lambda: [coarse(level, tile) for tile, level in wanted(lib)], daemon=True, name="primer-outlines"
    )
    making.start()
    return making


def _made_ahead(told: _Told) -> tuple[tuple[Country, ...], list[tuple[Tile, float, list[bytes | None]]]]:
    """The outlines as read, then the coarse copies the build asks for (`Ahead.tell`), made in the worker
    `outlines_ahead` starts, which then waits (until the render) to send them: what making them took for a
    while goes back to the system first."""
    from primer.maps.shapes import coarse_wkb, countries

    countries()
    sent = coarse_wkb(wanted_for(told.get()))
    parallel.give_back_memory()
    return countries(), sent


def use_ahead(ahead: Ahead) -> None:
    """Take what `outlines_ahead` made as this process's own (before the render's workers fork); a worker
    not told which copies to make yet is told none."""
    from primer.maps.shapes import use_coarse, use_countries

    ahead._send([])
    found, sent = cast("tuple[tuple[Country, ...], list[_Copies]]", ahead.started.result())
    use_countries(found)
    use_coarse(sent)


#: How each status of a range reads on the map and in its list.
STATUS_WORDS = {"official": "official", "estimate": "estimate", "claimed": "claimed"}


def _site(lib: Library, place: Place) -> Site:
    from primer.maps.model import Ring, Site

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
    from primer.maps.model import marker_icon

    drawing = _drawn([_site(lib, p) for p in places], style, ident, title, coarse)
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


def _drawn(sites: list[Site], style: Style, ident: str, title: str, coarse: bool) -> Drawing | None:
    """`primer.maps.draw.draw` of these arguments, as an earlier build kept it (`primer.maps.store.load_drawing`),
    else drawn now and kept."""
    if not sites:
        return None
    from primer.maps import store

    name = store.drawing_key(sites, style, ident, title, STATUS_WORDS, coarse)
    kept = store.load_drawing(name) if name is not None else None
    if kept is not None:
        return kept
    from primer.maps.draw import draw

    made = draw(sites, style, ident=ident, title=title, status_words=STATUS_WORDS, coarse=coarse)
    if made is not None and name is not None:
        store.save_drawing(name, made)
    return made


def lesson_map(lib: Library) -> MapView | None:
    """The map page's map: every place of the lesson (those far from the rest are listed, not drawn)."""
    from primer.maps.model import PAGE

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
    from primer.maps.model import SMALL

    places = [lib.places[p] for p in topic_places(lib, topic)]
    title = f"Map of the places in “{topic.title}”"
    return _view(lib, places, SMALL, f"map-{topic.id}", title, coarse=len(lib.topic_order()) >= COARSE_FROM)
