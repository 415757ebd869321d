"""A large lesson draws its topic maps from coarser copies of the country outlines (`shapes.coarse`): the
copies are valid and keep one border between neighbours, a map draws from one only where it moves the
outlines by the map's tolerance at most (a pixel on a topic map), the pictures stay those of the full
outlines, and a build on several processes gives the bytes of one."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely

import primer.build
import primer.maps
from primer import parallel
from primer.build import build
from primer.content.library import Library, load_library
from primer.maps import draw, lesson_map, shapes, topic_map
from primer.maps.model import PAGE, SMALL, Site, Style
from tools import ROOT


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No outlines kept from before, in memory or on disk."""
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    draw._land.cache_clear()
    yield
    draw._land.cache_clear()


def test_each_copy_is_a_valid_coverage_of_far_fewer_points() -> None:
    outlines = [shapes._outline(i) for i in range(len(shapes.countries()))]
    points = int(shapely.get_num_coordinates(outlines).sum())
    previous = points
    for level in shapes.LEVELS:
        copy = list(shapes.coarse(level))
        assert len(copy) == len(outlines)
        assert shapely.is_valid(copy).all()
        # neighbours keep one border: no overlap, and no edge of one that the other does not share
        assert shapely.coverage_is_valid(copy)
        kept = int(shapely.get_num_coordinates(copy).sum())
        assert kept < previous * 0.75, f"{level}°: {kept} of {previous} points"
        previous = kept
    assert previous < points / 5


#: East Asia, as a topic map of a regional lesson cuts it: the tile of a map from Beijing to Tokyo.
EAST_ASIA: shapes.Tile = shapes.tile_for(110.0, 25.0, 150.0, 50.0)


def test_a_tiles_copy_is_a_valid_coverage_of_the_countries_that_reach_into_it() -> None:
    assert EAST_ASIA != shapes.WORLD
    west, south, east, north = EAST_ASIA
    world = {level: shapes.coarse(level) for level in shapes.LEVELS}
    previous = None
    for level in shapes.LEVELS:
        copy = shapes.coarse(level, EAST_ASIA)
        assert len(copy) == len(shapes.countries())
        present = [g for g in copy if g is not None]
        names = {shapes.countries()[i].name for i, g in enumerate(copy) if g is not None}
        assert {"Japan", "South Korea", "North Korea", "China", "Russia"} <= names
        assert "Brazil" not in names and "France" not in names
        assert shapely.is_valid(present).all() and shapely.coverage_is_valid(present)
        assert all(shapely.box(west, south, east, north).contains(g) for g in present), "cut to the tile"
        points = int(shapely.get_num_coordinates(present).sum())
        if previous is not None:
            assert points < previous * 0.75
        previous = points
        # away from the tile's edges, the copy draws the land the world's copy of the same level draws
        inner = shapely.box(west + 5, south + 5, east - 5, north - 5)
        for index, geometry in enumerate(copy):
            if geometry is None or world[level][index] is None:
                continue
            ours, theirs = geometry.intersection(inner), world[level][index].intersection(inner)
            if ours.is_empty and theirs.is_empty:
                continue
            assert shapely.hausdorff_distance(ours.boundary, theirs.boundary) <= 2 * level, (level, index)


def _tiles_holding(west: float, south: float, east: float, north: float, step: float) -> set[shapes.Tile]:
    """Every tile of `step` that holds the box, by trying each (the tiles start at multiples of the step)."""
    found = set()
    for x in (k * step for k in range(math.floor(-180.0 / step), math.ceil(180.0 / step) + 1)):
        for y in (k * step for k in range(math.floor(-90.0 / step), math.ceil(90.0 / step) + 1)):
            if x <= west and east <= x + 2 * step and y <= south and north <= y + 2 * step:
                found.add((max(x, -180.0), max(y, -90.0), min(x + 2 * step, 180.0), min(y + 2 * step, 90.0)))
    return found


@pytest.mark.parametrize("seed", [1, 2])
def test_the_tile_a_box_draws_from_holds_it_and_is_the_smallest_that_does(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(600):
        width, height = rng.uniform(0.1, 200.0), rng.uniform(0.1, 120.0)
        west, south = rng.uniform(-180.0, 180.0 - width), rng.uniform(-90.0, 90.0 - height)
        east, north = west + width, south + height
        tile = shapes.tile_for(west, south, east, north)
        tw, ts, te, tn = tile
        assert tw <= west and ts <= south and east <= te and north <= tn
        assert tw >= -180.0 and te <= 180.0 and ts >= -90.0 and tn <= 90.0
        holding = [found for step in shapes.TILE_STEPS if (found := _tiles_holding(west, south, east, north, step))]
        if holding:
            assert tile in holding[0], "a tile of the smallest step that has one holding the box"
        else:
            assert tile == shapes.WORLD
        if max(width, height) <= shapes.TILE_STEPS[0]:
            assert holding and tile in _tiles_holding(west, south, east, north, shapes.TILE_STEPS[0])
    # a box across the antimeridian draws each side from a tile of its own
    assert shapes.tiles_for(50.0, 170.0, 70.0, 190.0) == [
        shapes.tile_for(170.0, 50.0, 180.0, 70.0),
        shapes.tile_for(-180.0, 50.0, -170.0, 70.0),
    ]


def test_a_copy_sent_from_a_worker_is_the_copy_made(monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = [(EAST_ASIA, 0.04), (shapes.WORLD, 0.08)]
    made = {key: shapes.coarse(key[1], key[0]) for key in wanted}
    sent = shapes.coarse_wkb(wanted)
    monkeypatch.setattr(shapes, "_COARSE", {})
    shapes.use_coarse(sent)
    assert sorted(shapes._COARSE) == sorted(wanted), "only the copies asked for are sent"
    for (tile, level), copy in made.items():
        taken = shapes.coarse(level, tile)
        assert taken is not copy
        assert [g is None for g in taken] == [g is None for g in copy]
        pairs = [(a, b) for a, b in zip(copy, taken, strict=True) if a is not None]
        assert all(shapely.equals_exact(a, b, tolerance=0.0) for a, b in pairs)


def _large(monkeypatch: pytest.MonkeyPatch, lib: Library) -> None:
    """Treat the bundled lesson as a large one (its topic maps draw from the copies)."""
    monkeypatch.setattr(primer.maps, "COARSE_FROM", len(lib.topics))


def test_wanted_names_the_copies_the_topic_maps_draw_from(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = load_library(ROOT / "content")
    assert primer.maps.wanted(lib) == [], "a lesson of a few topics draws from the outlines themselves"
    _large(monkeypatch, lib)
    wanted = primer.maps.wanted(lib)
    assert wanted and all(tile != shapes.WORLD for tile, _ in wanted), "a regional lesson's maps need tiles"
    asked: set[tuple[shapes.Tile, float]] = set()
    taking = shapes._geometry

    def spy(index: int, shift: float, level: float = 0.0, tile: shapes.Tile = shapes.WORLD) -> object:
        if level:
            asked.add((tile, level))
        return taking(index, shift, level, tile)

    monkeypatch.setattr(shapes, "_geometry", spy)
    _maps(lib)
    assert sorted(asked) == wanted


def test_serve_makes_the_copies_on_a_thread_for_a_large_lesson_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "_COARSE", {})
    lib = load_library(ROOT / "content")
    assert primer.maps.coarse_meanwhile(lib) is None, "a lesson of a few topics"
    assert not shapes._COARSE
    _large(monkeypatch, lib)
    making = primer.maps.coarse_meanwhile(lib)
    assert making is not None
    making.join(timeout=60)
    assert set(primer.maps.wanted(lib)) <= set(shapes._COARSE)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is how workers start here")
def test_a_build_reads_the_outlines_ahead_in_a_worker_and_makes_the_copies_there_for_a_large_lesson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = ROOT / "content"
    lib = load_library(content)
    before = shapes.countries()
    monkeypatch.setattr(shapes, "_COARSE", {})
    monkeypatch.setattr(shapes, "_READ", [])
    ahead = primer.maps.outlines_ahead(content, 2)
    assert ahead is not None, "a lesson with places, and a second process"
    if parallel.can_fork():  # (another test's thread may still run: then the work is done here when asked for)
        assert ahead.started._process is not None
    ahead.tell(lib)
    primer.maps.use_ahead(ahead)
    assert not shapes._COARSE, "a lesson of a few topics draws from the outlines themselves"
    taken = shapes.countries()
    assert taken is not before, "the worker's outlines are this process's now"
    assert [(c.name, c.label, c.bbox, c.parts) for c in taken] == [(c.name, c.label, c.bbox, c.parts) for c in before]
    assert all(np.array_equal(a.points, b.points) for a, b in zip(taken, before, strict=True))

    _large(monkeypatch, lib)
    monkeypatch.setattr(shapes, "_READ", [])
    ahead = primer.maps.outlines_ahead(content, 2)
    assert ahead is not None
    ahead.tell(lib)
    ahead.tell(lib)  # told once: the second is not sent
    primer.maps.use_ahead(ahead)
    copies = primer.maps.wanted(lib)
    assert set(copies) <= set(shapes._COARSE), "a large lesson's copies came with them"
    if ahead.started.elsewhere:  # (made here, the finer copies each is made from are kept too)
        assert sorted(shapes._COARSE) == copies, "only the copies the maps draw from are sent"
    assert shapes.countries() is not taken

    monkeypatch.setattr(shapes, "_COARSE", {})
    ahead = primer.maps.outlines_ahead(content, 2)
    assert ahead is not None
    primer.maps.use_ahead(ahead)
    assert not shapes._COARSE, "a worker never told which copies to make makes none"
    ahead = primer.maps.outlines_ahead(content, 2)
    assert ahead is not None
    ahead.cancel()  # the check failed: the worker waiting to be told is stopped
    assert ahead.done
    if ahead.started._process is not None:
        assert not ahead.started._process.is_alive()
    ahead.tell(lib)  # told nothing once stopped

    # where no worker could be forked, the work runs here when asked for: what it is told waits for it
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    monkeypatch.setattr(shapes, "_COARSE", {})
    ahead = primer.maps.outlines_ahead(content, 2)
    assert ahead is not None and not ahead.started.elsewhere
    many = [[(f"p{i}", 35.0 + i % 5, 130.0 + i % 7) for i in range(40)] for _ in range(2000)]
    ahead._send(many)  # more than a pipe holds: nothing writes to one no one reads
    primer.maps.use_ahead(ahead)
    assert set(primer.maps.wanted_for(many)) <= set(shapes._COARSE)

    assert primer.maps.outlines_ahead(content, 1) is None, "one process: the outlines are read where a map needs them"
    placeless = tmp_path / "content"
    shutil.copytree(content, placeless)
    (placeless / "places.yaml").unlink()
    assert primer.maps.outlines_ahead(placeless, 2) is None, "a lesson without places draws no map"


def test_a_map_whose_outlines_were_kept_wants_no_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = load_library(ROOT / "content")
    _large(monkeypatch, lib)
    wanted = primer.maps.wanted(lib)
    assert wanted
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path / "cache"))
    assert primer.maps.wanted(lib) == wanted
    _maps(lib)  # the maps' outlines are kept
    assert primer.maps.wanted(lib) == []


def test_the_shapes_are_read_once_when_two_threads_ask_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    before = shapes.countries()
    monkeypatch.setattr(shapes, "_READ", [])
    found: list[tuple[shapes.Country, ...]] = []
    start = threading.Barrier(4)

    def read() -> None:
        start.wait()
        found.append(shapes.countries())

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(found) == 4 and all(f is found[0] for f in found)
    assert [c.name for c in found[0]] == [c.name for c in before]
    assert all(np.array_equal(a.points, b.points) for a, b in zip(found[0], before, strict=True))


def _sites(*where: tuple[float, float]) -> list[Site]:
    return [Site(f"p{i}", f"Place {i}", "city", "circle", False, lat, lon) for i, (lat, lon) in enumerate(where)]


#: Sites spanning a few hundred km, some 2,000 km, and some 6,000 km (both ends of Asia's Pacific coast).
REGIONS = {
    "the Korean peninsula": _sites((37.5, 127.0), (35.1, 129.0)),
    "Northeast Asia": _sites((39.9, 116.4), (35.7, 139.7), (43.1, 131.9)),
    "the western Pacific": _sites((1.3, 103.8), (35.7, 139.7), (-6.2, 106.8), (43.1, 131.9)),
}


@pytest.mark.parametrize("style", [SMALL, PAGE], ids=["topic map", "lesson map"])
def test_a_map_draws_from_a_copy_only_where_it_moves_the_outlines_by_its_tolerance_at_most(style: Style) -> None:
    levels = []
    for sites in REGIONS.values():
        frame = draw.fit(sites, style)
        level = draw.level(frame, style)
        levels.append(level)
        if not level:
            continue
        # measured, not by the formula: a shift of `level` degrees anywhere on the frame, north or east
        lat = np.linspace(-80.0, 80.0, 321)
        lon = np.linspace(frame.projection.lon0 - 179.0, frame.projection.lon0 + 179.0, 359)
        grid_lat, grid_lon = (a.ravel() for a in np.meshgrid(lat, lon))
        x, y = frame.pixels(grid_lat, grid_lon)
        inside = (x >= -4) & (x <= frame.width + 4) & (y >= -4) & (y <= frame.height + 4)
        grid_lat, grid_lon, x, y = grid_lat[inside], grid_lon[inside], x[inside], y[inside]
        assert len(x) > 20
        for d_lat, d_lon in ((level, 0.0), (0.0, level)):
            x2, y2 = frame.pixels(grid_lat + d_lat, grid_lon + d_lon)
            assert float(np.hypot(x2 - x, y2 - y).max()) <= style.tolerance
    assert levels == sorted(levels), "a wider map draws from a copy at least as coarse"
    assert levels[0] == 0.0, "a regional map draws from the outlines themselves"
    if style is SMALL:
        assert levels[-1] > 0.0


def _lines(path: str) -> shapely.MultiLineString:
    """The rings of SVG path data, as lines."""
    rings = []
    for part in path.split("M")[1:]:
        points = np.array([float(v) for v in part.rstrip("Z").split()]).reshape(-1, 2)
        rings.append(shapely.LineString(np.vstack([points, points[:1]])))
    return shapely.MultiLineString(rings)


def _maps(lib: Library) -> dict[str, str]:
    views = {"lesson": lesson_map(lib)} | {t.id: topic_map(lib, t) for t in lib.topics_in_order()}
    return {name: str(view.drawing.svg) for name, view in views.items() if view is not None}


def test_a_large_lesson_draws_its_topic_maps_from_the_copies_and_they_look_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lib = load_library(ROOT / "content")
    assert len(lib.topics) < primer.maps.COARSE_FROM
    levels: list[tuple[float, float]] = []
    making = draw._made_land

    def spy(frame: draw.Frame, style: Style, level: float) -> draw.store.Land:
        levels.append((style.width, level))
        return making(frame, style, level)

    monkeypatch.setattr(draw, "_made_land", spy)
    full = _maps(lib)
    assert {level for _, level in levels} == {0.0}, "a lesson of a few topics draws from the outlines"
    levels.clear()
    draw._land.cache_clear()
    monkeypatch.setattr(primer.maps, "COARSE_FROM", len(lib.topics))
    coarse = _maps(lib)
    assert (PAGE.width, 0.0) in levels, "the lesson map, one map, never makes a copy"
    assert any(level > 0 for _, level in levels), "the topic maps draw from a copy"
    assert full["lesson"] == coarse["lesson"]
    distances = []
    for name in full:
        if name == "lesson":
            continue
        frame = _frame(lib, name)
        before = {n: d for n, d, _, _ in draw._land(frame, SMALL, 0.0)}
        after = {n: d for n, d, _, _ in draw._land(frame, SMALL, draw.level(frame, SMALL))}
        assert sorted(before) == sorted(after), f"{name}: the same countries"
        distances += [shapely.hausdorff_distance(_lines(before[n]), _lines(after[n])) for n in before]
    # the map's own simplification moves outlines by up to two pixels: the copy adds a fraction of that
    assert float(np.median(distances)) < 0.5
    assert max(distances) < 4 * SMALL.tolerance


def _frame(lib: Library, topic_id: str) -> draw.Frame:
    places = [lib.places[p] for p in primer.maps.topic_places(lib, lib.topics[topic_id])]
    return draw.frame_for([primer.maps._site(lib, p) for p in places], SMALL)


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is how workers start here")
def test_a_build_drawing_from_the_copies_on_several_processes_gives_the_bytes_of_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = ROOT / "content"
    plain, serial, forked = tmp_path / "plain", tmp_path / "one", tmp_path / "two"
    build(content, plain, jobs=1, pdf=False)
    monkeypatch.setattr(primer.maps, "COARSE_FROM", 1)
    build(content, serial, jobs=1, pdf=False)
    code = f"""
        from pathlib import Path
        import primer.maps
        from primer import parallel
        from primer.build import build
        assert parallel.can_fork()
        primer.maps.COARSE_FROM = 1
        import primer.build
        sent = []
        taking = primer.build.use_ahead
        primer.build.use_ahead = lambda started: sent.append(taking(started))
        build(Path({str(content)!r}), Path({str(forked)!r}), jobs=2, pdf=False)
        assert len(sent) == 1, "the copies were made in a worker of their own, and sent"
        assert len(primer.maps.shapes._READ) == 1, "with the outlines: this process drew no map"
        """
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "PRIMER_CACHE_DIR": "off"},
    )
    assert proc.returncode == 0, proc.stderr
    one, two, before = _files(serial), _files(forked), _files(plain)
    assert sorted(one) == sorted(two)
    assert [rel for rel in one if one[rel] != two[rel]] == []
    changed = [rel for rel in one if one[rel] != before[rel]]
    assert changed and all(rel.startswith(("topics/", "handouts/")) for rel in changed), changed


def test_a_rebuild_into_a_folder_built_before_leaves_the_copies_to_the_maps_that_need_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, out, clean = tmp_path / "content", tmp_path / "site", tmp_path / "clean"
    shutil.copytree(ROOT / "content", content)
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(primer.maps, "COARSE_FROM", 1)
    started: list[int] = []
    monkeypatch.setattr(primer.build, "outlines_ahead", lambda content, jobs: started.append(jobs))
    build(content, out, jobs=2, pdf=False, cache=True)
    assert started == [2], "a first build into the folder reads the outlines and makes the copies ahead"
    source = sorted((content / "sources").glob("*.yaml"))[0]
    source.write_text(source.read_text(encoding="utf-8").replace("  text: ", "  text: Edited, ", 1), encoding="utf-8")
    assert "Edited, " in source.read_text(encoding="utf-8")
    result, _, _ = build(content, out, jobs=2, pdf=False, cache=True)
    assert isinstance(result, primer.build.CheckResult), "built again, not reused"
    assert started == [2], "a rebuild draws its maps from the map cache"
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    draw._land.cache_clear()
    build(content, clean, jobs=1, pdf=False)
    assert started == [2, 1]
    ours, fresh = _files(out), _files(clean)
    assert sorted(ours) == sorted(fresh) and [rel for rel in ours if ours[rel] != fresh[rel]] == []
