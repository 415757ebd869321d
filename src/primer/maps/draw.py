"""Draw a lesson's places as an SVG map: land, borders and sea, labelled markers by kind, range rings.

Everything is decided at build time and written with one decimal, in a fixed order, so two builds of
the same content give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import shapely
from geographiclib.geodesic import Geodesic
from markupsafe import Markup
from shapely.geometry import LineString, box

from primer.maps import shapes, store
from primer.maps.model import Drawing, Site, Style, marker_element, num
from primer.maps.projection import EARTH_KM, Frame, Projection

#: Places further than this from the map's busiest place are listed under the map instead of drawn on it,
#: so that one far-away venue (a summit in Europe) does not shrink a regional map to a world map.
REACH_KM = 3000.0
#: Degrees of azimuth between the points of a range ring.
RING_STEP = 5


_GEOD = Geodesic.WGS84


def ring_points(lat: float, lon: float, km: float, step: int = RING_STEP) -> list[tuple[float, float]]:
    """A geodesic circle: the points `km` from (lat, lon) every `step` degrees of azimuth, closed
    (the last point is the first). Longitudes stay continuous around the centre's."""
    points = []
    for azimuth in range(0, 360, step):
        found = _GEOD.Direct(lat, lon, azimuth, km * 1000.0, Geodesic.LATITUDE | Geodesic.LONGITUDE)
        points.append((float(found["lat2"]), lon + (float(found["lon2"]) - lon + 180.0) % 360.0 - 180.0))
    return [*points, points[0]]


#: How many rows of the distance matrix `focus` works out at once: a map of thousands of places would
#: otherwise hold several matrices of millions of distances (75 MB each at 3,000 places).
_ROWS = 256


def _great_circle_km(lat: Any, lon: Any, rows: slice) -> Any:
    """The great-circle distances from the sites of `rows` to every site (haversine: enough to group them);
    `lat` and `lon` in radians."""
    la, lo = lat[rows], lon[rows]
    dlat, dlon = la[:, None] - lat[None, :], lo[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(la[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def focus(sites: Sequence[Site]) -> list[Site]:
    """The sites within REACH_KM of the site that has most others within that distance (fewest total
    km breaks a tie, then the id), in the given order."""
    if len(sites) <= 1:
        return list(sites)
    lat = np.radians([s.lat for s in sites])
    lon = np.radians([s.lon for s in sites])
    rank: list[tuple[int, float, str]] = []
    for start in range(0, len(sites), _ROWS):
        km = _great_circle_km(lat, lon, slice(start, start + _ROWS))
        near = km <= REACH_KM
        rank += [(-int(near[i].sum()), float(km[i][near[i]].sum()), sites[start + i].id) for i in range(len(km))]
    hub = min(range(len(sites)), key=rank.__getitem__)
    near_hub = _great_circle_km(lat, lon, slice(hub, hub + 1))[0] <= REACH_KM
    return [s for i, s in enumerate(sites) if near_hub[i]]


def fit(sites: Sequence[Site], style: Style) -> Frame:
    """A projection centred on the sites and a frame around them, padded, of a sensible shape."""
    lats = [s.lat for s in sites]
    ref = sites[0].lon
    lons = [ref + (s.lon - ref + 180.0) % 360.0 - 180.0 for s in sites]
    projection = Projection((min(lats) + max(lats)) / 2, ((min(lons) + max(lons)) / 2 + 180.0) % 360.0 - 180.0)
    x, y = projection.km(np.array(lats), np.array(lons))
    cx, cy = (float(x.min()) + float(x.max())) / 2, (float(y.min()) + float(y.max())) / 2
    # room for labels: a fifth of the span on each side, and never less than the narrowest region
    span_x = max((float(x.max()) - float(x.min())) * 1.4, style.min_span)
    span_y = max((float(y.max()) - float(y.min())) * 1.4, style.min_span * style.aspect[0])
    low, high = style.aspect
    span_y = max(span_y, span_x * low)
    span_x = max(span_x, span_y / high)
    return Frame(projection, cx - span_x / 2, cy - span_y / 2, cx + span_x / 2, cy + span_y / 2, style.width)


def frame_for(sites: Sequence[Site], style: Style) -> Frame:
    """The frame `draw` gives a map of `sites` (at least one)."""
    return fit(focus(sorted(sites, key=lambda s: s.id)), style)


def _path(geometry: Any) -> str:
    """SVG path data of polygon rings or lines, one decimal."""
    parts = []
    for geom in getattr(geometry, "geoms", [geometry]):
        if geom.geom_type == "Polygon":
            rings = [geom.exterior, *geom.interiors]
            closed = True
        elif geom.geom_type == "LineString":
            rings, closed = [geom], False
        else:
            rings, closed = [], False
        for ring in rings:
            coords = [f"{num(px)} {num(py)}" for px, py in ring.coords]
            deduped = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
            if closed:
                deduped = deduped[:-1] if len(deduped) > 1 and deduped[-1] == deduped[0] else deduped
                if len(deduped) < 3:
                    continue
            elif len(deduped) < 2:
                continue
            parts.append("M" + " ".join(deduped) + ("Z" if closed else ""))
    return "".join(parts)


def level(frame: Frame, style: Style) -> float:
    """The coarsest copy of the outlines (`shapes.LEVELS`) whose simplification moves a border by `style.tolerance`
    at most anywhere on this map (a pixel on a topic map: half what the map's own simplification may move it
    by), or 0 (the outlines as the file has them) when none is that fine.

    A shift of d degrees of latitude and longitude is at most d degrees of arc, and the projection
    stretches an arc by c / sin c at most, c being the angle from the centre to the frame's corner."""
    corner = math.hypot(max(abs(frame.west), abs(frame.east)), max(abs(frame.south), abs(frame.north)))
    c = min(corner / EARTH_KM, math.pi * 0.99)
    stretch = c / math.sin(c) if c > 1e-9 else 1.0
    allowed = style.tolerance / (frame.scale * EARTH_KM * math.pi / 180.0 * stretch)
    return max((lv for lv in shapes.LEVELS if lv <= allowed), default=0.0)


@lru_cache(maxsize=64)  # `primer serve` redraws as content changes: keep the recent frames only
def _land(frame: Frame, style: Style, coarse: float) -> store.Land:
    """(country name, path data, where its name goes or None, visible area) for each country in the frame:
    as an earlier build kept them (`primer.maps.store`), else made now and kept. `coarse`: the coarse
    copy of the outlines to draw from (`level`), or 0."""
    kept = store.load(frame, style, coarse)
    if kept is not None:
        return kept
    made = _made_land(frame, style, coarse)
    store.save(frame, style, made, coarse)
    return made


def land_box(frame: Frame) -> tuple[float, float, float, float]:
    """(south, west, north, east): the frame's bounds and half a degree around them, where its land is
    looked for."""
    south, west, north, east = frame.bounds()
    margin = 0.5
    return south - margin, west - margin, north + margin, east + margin


def _made_land(frame: Frame, style: Style, coarse: float) -> store.Land:
    found = shapes.in_box(*land_box(frame), coarse)
    if not found:
        return ()

    def project(xy: Any) -> Any:
        px, py = frame.pixels(xy[:, 1], xy[:, 0])
        return np.column_stack([px, py])

    # Each step takes every country in the frame at once, so that GEOS and NumPy loop over them, not Python
    # (a fifth of the maps' time at 256 topics, when no earlier build kept their outlines).
    edge = 4.0
    geoms = shapely.transform(np.array([g for _, g in found], dtype=object), project)
    geoms = shapely.clip_by_rect(geoms, -edge, -edge, frame.width + edge, frame.height + edge)
    geoms = _polygons(shapely.make_valid(geoms))
    keep = np.flatnonzero(~shapely.is_empty(geoms))
    found, geoms = [found[i] for i in keep], geoms[keep]
    try:
        simplified = shapely.coverage_simplify(list(geoms), style.tolerance * 2, simplify_boundary=True)
    except shapely.errors.GEOSException:
        simplified = shapely.simplify(geoms, style.tolerance)
    outlines = _polygons(shapely.make_valid(simplified), style.min_area)
    drawn_at = np.flatnonzero(~shapely.is_empty(outlines))
    outlines = outlines[drawn_at]
    insides = shapely.intersection(shapely.box(0, 0, frame.width, frame.height), outlines)
    areas = shapely.area(insides)
    drawn = []
    for at, shape, inside, area in zip(drawn_at.tolist(), outlines, insides, areas.tolist(), strict=True):
        country = found[at][0]
        lat, lon = country.label
        lx, ly = frame.point(lat, lon)
        where: tuple[float, float] | None = None
        if area > 0:
            if shapely.Point(lx, ly).within(inside):
                where = (lx, ly)
            else:
                biggest = max(shapely.get_parts(inside), key=lambda p: p.area)
                rp = biggest.representative_point()
                where = (rp.x, rp.y)
        drawn.append((country.name, _path(shape), where, float(area)))
    return tuple(drawn)


def _polygons(geometries: Any, min_area: float = 0.0) -> Any:
    """A MultiPolygon of each geometry's polygons (clipping can leave lines and points on the edge), those of
    at least `min_area` when it is given: an empty one where none is left."""
    parts, index = shapely.get_parts(geometries, return_index=True)
    wanted = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & ~shapely.is_empty(parts)
    if min_area:
        wanted &= shapely.area(parts) >= min_area
    out = np.array([_EMPTY] * len(geometries), dtype=object)
    if wanted.any():
        shapely.multipolygons(parts[wanted], indices=index[wanted], out=out)
    return out


#: The empty shape a country with no polygon left gets.
_EMPTY = shapely.MultiPolygon()


Box = tuple[float, float, float, float]


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


#: The side of the squares `_Labels` files the boxes it has taken under, in pixels.
_CELL = 48.0


def _cells(b: Box) -> list[tuple[int, int]]:
    """The squares of side `_CELL` that the box `b` reaches into (two boxes that overlap share one)."""
    x0, y0 = math.floor(b[0] / _CELL), math.floor(b[1] / _CELL)
    x1, y1 = math.floor(b[2] / _CELL), math.floor(b[3] / _CELL)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


class _Labels:
    """Greedy label placement: the first candidate position that stays in the frame and hits nothing.
    The boxes taken are filed by the squares they reach into, so that a candidate is tested against its
    neighbours only (a map of hundreds of places would otherwise test each candidate against them all)."""

    def __init__(self, frame: Frame, font: float) -> None:
        self.frame = frame
        self.font = font
        self._taken: dict[tuple[int, int], list[Box]] = {}

    def take(self, b: Box) -> None:
        """Mark the box `b` as taken (a marker, or a label placed)."""
        for cell in _cells(b):
            self._taken.setdefault(cell, []).append(b)

    def width(self, text: str, size: float) -> float:
        # capitals, letter-spaced, run wider than mixed case
        return (0.7 if text.isupper() else 0.53) * size * len(text) + 2

    def fits(self, b: Box) -> bool:
        inside = b[0] >= 2 and b[1] >= 2 and b[2] <= self.frame.width - 2 and b[3] <= self.frame.height - 2
        return inside and not any(_overlap(b, t) for cell in _cells(b) for t in self._taken.get(cell, ()))

    def place(
        self, text: str, candidates: list[tuple[float, float, str]], size: float
    ) -> tuple[float, float, str] | None:
        """The first (x, baseline y, anchor) among `candidates` whose box is free, taken; None if none is."""
        w = self.width(text, size)
        for x, y, anchor in candidates:
            left = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
            b = (left, y - size * 0.8, left + w, y + size * 0.25)
            if self.fits(b):
                self.take(b)
                return x, y, anchor
        return None


def _text(x: float, y: float, anchor: str, text: str, css: str, size: float) -> str:
    anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return f'<text class="{css}" x="{num(x)}" y="{num(y)}" font-size="{num(size)}"{anchor_attr}>{escape(text)}</text>'


def draw(
    sites: Sequence[Site],
    style: Style,
    *,
    ident: str,
    title: str,
    status_words: dict[str, str],
    coarse: bool = False,
) -> Drawing | None:
    """The map of `sites` (None when there are none): `ident` prefixes the SVG's ids on the page. `coarse`:
    draw the land from the coarsest copy of the outlines fine enough for the map's scale (`level`)."""
    if not sites:
        return None
    ordered = sorted(sites, key=lambda s: s.id)
    shown = focus(ordered)
    shown_ids = {s.id for s in shown}  # a set: a map of hundreds of places would compare each with each
    off = tuple(s.id for s in ordered if s.id not in shown_ids)
    frame = fit(shown, style)
    width, height = frame.width, frame.height
    r = style.marker
    out = [
        f'<svg class="map-svg" viewBox="0 0 {num(width)} {num(height)}" '
        f'width="{num(width)}" height="{num(height)}" role="img" aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        "",  # the description, once the rings drawn are known
        f'<rect class="sea" width="{num(width)}" height="{num(height)}"/>',
    ]
    land = _land(frame, style, level(frame, style) if coarse else 0.0)
    out.append('<g class="land">' + "".join(f'<path d="{d}"/>' for _, d, _, _ in land) + "</g>")

    labels = _Labels(frame, style.font)
    placed = [(s, *frame.point(s.lat, s.lon)) for s in shown]
    for _, x, y in placed:
        labels.take((x - r * 1.3, y - r * 1.3, x + r * 1.3, y + r * 1.3))

    # range rings, numbered in site order, under the markers
    ring_ids: list[tuple[str, int]] = []
    ring_svg: list[str] = []
    ring_labels: list[str] = []
    frame_box = box(0, 0, width, height)
    for site in shown:
        for i, ring in enumerate(site.rings):
            pts = ring_points(site.lat, site.lon, ring.km)
            px, py = frame.pixels(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
            line = LineString(list(zip(px.tolist(), py.tolist(), strict=True)))
            visible = line.intersection(frame_box)
            if visible.is_empty:
                continue
            ring_ids.append((site.id, i))
            number = len(ring_ids)
            ring_svg.append(f'<path class="ring ring-{ring.status}" d="{_path(visible)}"/>')
            text = f"{ring.km:,.0f} km, {status_words.get(ring.status, ring.status)} [{number}]"
            order = sorted(range(len(px) - 1), key=lambda k: (min(k, len(px) - 1 - k), k))
            candidates = [(float(px[k]), float(py[k]) - 3, "middle") for k in order]
            spot = labels.place(text, candidates, style.font)
            if spot:
                ring_labels.append(_text(*spot, text, "ring-label", style.font))
    out.append('<g class="rings">' + "".join(ring_svg) + "</g>")

    out.append('<g class="sites">')
    for site, x, y in placed:
        out.append(marker_element(site.marker, x, y, r, "site disputed" if site.disputed else "site"))
    out.append("</g>")

    unlabelled = []
    texts = []
    for site, x, y in sorted(placed, key=lambda p: (p[2], p[0].id)):
        d = r + 3
        f = style.font
        candidates = [
            (x + d, y + f * 0.35, "start"),
            (x - d, y + f * 0.35, "end"),
            (x, y - d - 1, "middle"),
            (x, y + d + f * 0.8, "middle"),
            (x + d, y - d, "start"),
            (x + d, y + d + f * 0.6, "start"),
            (x - d, y - d, "end"),
            (x - d, y + d + f * 0.6, "end"),
        ]
        # a long name that fits nowhere may fit as its first word ('Kyogamisaki Communications Site')
        for text in dict.fromkeys([site.short, site.short.split(" ")[0]]):
            spot = labels.place(text, candidates, f) if len(text) > 3 else None
            if spot:
                texts.append(_text(*spot, text, "site-label", f))
                break
        else:
            unlabelled.append(site.id)
    names = []
    for name, _, where, _area in sorted(land, key=lambda c: (-c[3], c[0]))[: style.country_names]:
        if where is None:
            continue
        size = style.font
        spot = labels.place(name.upper(), [(where[0], where[1], "middle")], size)
        if spot:
            names.append(_text(*spot, name.upper(), "country-label", size))
    out.append("".join(names) + "".join(ring_labels) + "".join(texts))
    out.append("</svg>")
    out[2] = f'<desc id="{ident}-desc">{escape(_describe(shown, len(ring_ids), style.listed))}</desc>'
    return Drawing(
        svg=Markup("".join(out)),
        frame=frame,
        shown=tuple(s.id for s in shown),
        off=off,
        unlabelled=tuple(sorted(unlabelled)),
        rings=tuple(ring_ids),
    )


def _describe(shown: Sequence[Site], rings: int, listed: str) -> str:
    """What the map shows, in a sentence or two, for screen readers."""
    names = sorted(s.short for s in shown)
    said = f"A map of the region around {_join(names)}: land, country borders and sea, each place marked by its kind"
    if rings:
        said += f"; dashed circles show {rings} range{'s' if rings != 1 else ''}"
    return f"{said}. {listed}"


def _join(words: list[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
