"""A large lesson draws its topic maps from coarser copies of the country outlines (`shapes.coarse`): the
copies are valid and keep one border between neighbours, a map draws from one only where it moves the
outlines by the map's tolerance at most (a pixel on a topic map), the pictures stay those of the full
outlines, and a build on several processes gives the bytes of one."""

from __future__ import annotations

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
from primer.maps.draw import PAGE, SMALL, Site, Style
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


def test_a_copy_sent_from_a_worker_is_the_copy_made(monkeypatch: pytest.MonkeyPatch) -> None:
    made = {level: shapes.coarse(level) for level in shapes.LEVELS}
    sent = shapes.coarse_wkb()
    monkeypatch.setattr(shapes, "_COARSE", {})
    shapes.use_coarse(sent)
    for level, copy in made.items():
        taken = shapes.coarse(level)
        assert taken is not copy
        assert all(shapely.equals_exact(a, b, tolerance=0.0) for a, b in zip(copy, taken, strict=True))


def test_serve_makes_the_copies_on_a_thread_for_a_large_lesson_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "_COARSE", {})
    content = ROOT / "content"
    assert primer.maps.coarse_meanwhile(content) is None, "a lesson of a few topics"
    assert not shapes._COARSE
    monkeypatch.setattr(primer.maps, "COARSE_FROM", len(list((content / "topics").glob("*.yaml"))))
    making = primer.maps.coarse_meanwhile(content)
    assert making is not None
    making.join(timeout=60)
    assert sorted(shapes._COARSE) == sorted(shapes.LEVELS)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is how workers start here")
def test_a_build_reads_the_outlines_ahead_in_a_worker_and_makes_the_copies_there_for_a_large_lesson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = ROOT / "content"
    before = shapes.countries()
    monkeypatch.setattr(shapes, "_COARSE", {})
    monkeypatch.setattr(shapes, "_READ", [])
    started = primer.maps.outlines_ahead(content, 2)
    assert started is not None, "a lesson with places, and a second process"
    if parallel.can_fork():  # (another test's thread may still run: then the work is done here when asked for)
        assert started._process is not None
    primer.maps.use_ahead(started)
    assert not shapes._COARSE, "a lesson of a few topics draws from the outlines themselves"
    taken = shapes.countries()
    assert taken is not before, "the worker's outlines are this process's now"
    assert [(c.name, c.label, c.bbox, c.parts) for c in taken] == [(c.name, c.label, c.bbox, c.parts) for c in before]
    assert all(np.array_equal(a.points, b.points) for a, b in zip(taken, before, strict=True))

    monkeypatch.setattr(primer.maps, "COARSE_FROM", len(list((content / "topics").glob("*.yaml"))))
    monkeypatch.setattr(shapes, "_READ", [])
    started = primer.maps.outlines_ahead(content, 2)
    assert started is not None
    primer.maps.use_ahead(started)
    assert sorted(shapes._COARSE) == sorted(shapes.LEVELS), "a large lesson's copies came with them"
    assert shapes.countries() is not taken

    assert primer.maps.outlines_ahead(content, 1) is None, "one process: the outlines are read where a map needs them"
    placeless = tmp_path / "content"
    shutil.copytree(content, placeless)
    (placeless / "places.yaml").unlink()
    assert primer.maps.outlines_ahead(placeless, 2) is None, "a lesson without places draws no map"


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
    sites = sorted((primer.maps._site(lib, p) for p in places), key=lambda s: s.id)
    return draw.fit(draw.focus(sites), SMALL)


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
