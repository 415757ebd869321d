"""Map outlines and whole maps kept between builds (`primer.maps.store`): read back, they draw the same bytes as
made afresh (a kept map without importing the libraries that draw); an entry not written here, damaged or in
another shape is ignored with a warning and made again; caching off keeps nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from primer.content.library import load_library
from primer.maps import draw, lesson_map, shapes, store, topic_map
from tools import ROOT

EXAMPLE = ROOT / "examples" / "south-china-sea-arbitration" / "content"


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of the test's own, and no outlines kept in this process from before."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(folder))
    draw._land.cache_clear()
    store._warned.clear()
    yield folder
    draw._land.cache_clear()


def _maps(content: Path) -> list[str]:
    """Every map of a lesson, as the SVG the pages show."""
    lib = load_library(content)
    found = [lesson_map(lib)] + [topic_map(lib, topic) for topic in lib.topics_in_order()]
    return [str(view.drawing.svg) for view in found if view is not None]


def _entries(folder: Path) -> list[Path]:
    """The outlines' entries."""
    return sorted(p for p in (folder / "maps").glob("*/*") if not p.name.startswith(".") and not p.suffix)


def _drawings(folder: Path) -> list[Path]:
    """The whole maps' entries."""
    return sorted((folder / "maps").glob(f"*/*{store.MAP_SUFFIX}"))


def _forget_drawings(folder: Path) -> None:
    """Remove the whole maps kept, so that the next maps are drawn from the outlines."""
    for entry in _drawings(folder):
        entry.unlink()


@pytest.mark.parametrize("content", [ROOT / "content", EXAMPLE], ids=["shipped", "another-region"])
def test_kept_outlines_draw_the_same_maps_without_making_them_again(
    content: Path, fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _maps(content)
    assert made and _entries(fresh), "each frame's outlines are kept"
    draw._land.cache_clear()  # a new build: nothing in memory, everything on disk
    _forget_drawings(fresh)  # (each map is kept whole too: drawn again, from the outlines)

    def refuse(*args: object) -> store.Land:
        raise AssertionError("the outlines were made again")

    monkeypatch.setattr(draw, "_made_land", refuse)
    assert _maps(content) == made


def test_an_entry_not_written_here_or_damaged_is_ignored_with_a_warning(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _maps(ROOT / "content")
    _forget_drawings(fresh)
    entries = _entries(fresh)
    (fresh / "maps" / "secret").write_bytes(b"x" * 32)  # another machine's secret: no entry is ours any more
    entries[1].write_bytes(b"damaged")
    draw._land.cache_clear()
    remade: list[object] = []
    making = draw._made_land

    def counted(*args: object) -> store.Land:
        remade.append(args)
        return making(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(draw, "_made_land", counted)
    assert _maps(ROOT / "content") == made
    assert len(remade) == len(entries), "every entry was made again"
    err = capsys.readouterr().err
    assert err.count("warning: ignoring a map outline in the cache") == 1
    assert "drawing it again" in err
    draw._land.cache_clear()
    remade.clear()
    _forget_drawings(fresh)
    assert _maps(ROOT / "content") == made and not remade, "the entries made again are kept, signed anew"


def test_an_entry_in_another_shape_is_not_used(fresh: Path) -> None:
    made = _maps(ROOT / "content")
    entry = _entries(fresh)[0]
    lib = load_library(ROOT / "content")
    view = lesson_map(lib)
    assert view is not None
    # a well-signed entry whose rows are not outlines (a number where the path goes)
    for shape in ([["Japan", 1, None, 2.0]], [["Japan", "M0 0Z", [1.0], 2.0]], {"not": "rows"}, [["Japan"]]):
        body = store.json.dumps({"format": store.FORMAT, "land": shape}).encode()
        entry.write_bytes(store.seal(fresh / "maps", body))
        draw._land.cache_clear()
        _forget_drawings(fresh)
        assert _maps(ROOT / "content") == made


def test_caching_off_keeps_nothing(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    assert _maps(ROOT / "content")
    assert not fresh.exists()


def test_the_key_covers_the_frame_the_style_the_level_and_the_code() -> None:
    lib = load_library(ROOT / "content")
    frames = set(_frames(lib))
    assert len({store.key(frame, style) for frame, style in frames}) == len(frames)
    frame, style = sorted(frames, key=repr)[0]
    before = store.key(frame, style)
    assert len({before, *(store.key(frame, style, level) for level in shapes.LEVELS)}) == 1 + len(shapes.LEVELS)
    store._versions.cache_clear()
    try:
        original = store.FORMAT
        store.FORMAT = original + 1
        assert store.key(frame, style) != before
    finally:
        store.FORMAT = original
        store._versions.cache_clear()
    assert store.key(frame, style) == before


def _frames(lib: object) -> list[tuple[object, object]]:
    """The (frame, style) of every map the lesson draws."""
    seen: list[tuple[object, object]] = []
    drawing = draw._land

    def spy(frame: object, style: object, level: float) -> store.Land:
        seen.append((frame, style))
        return drawing(frame, style, level)  # type: ignore[arg-type]

    draw._land = spy  # type: ignore[assignment]
    try:
        lesson_map(lib)  # type: ignore[arg-type]
        for topic in lib.topics_in_order():  # type: ignore[attr-defined]
            topic_map(lib, topic)  # type: ignore[arg-type]
    finally:
        draw._land = drawing
    return seen


def _views(content: Path) -> list[object]:
    """Every map of a lesson, as drawn (`primer.maps.draw.Drawing`: its SVG, frame and places)."""
    lib = load_library(content)
    found = [lesson_map(lib)] + [topic_map(lib, topic) for topic in lib.topics_in_order()]
    return [view.drawing for view in found if view is not None]


@pytest.mark.parametrize("content", [ROOT / "content", EXAMPLE], ids=["shipped", "another-region"])
def test_a_kept_map_is_the_map_drawn_and_is_not_drawn_again(
    content: Path, fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _views(content)
    assert made and len(_drawings(fresh)) == len(made), "each map is kept whole"
    draw._land.cache_clear()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the map was drawn again")

    monkeypatch.setattr(draw, "draw", refuse)
    assert _views(content) == made


def test_a_map_not_written_here_damaged_or_in_another_shape_is_drawn_again(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _views(ROOT / "content")
    entries = _drawings(fresh)
    drawn: list[object] = []
    drawing = draw.draw

    def counted(*args: object, **kwargs: object) -> object:
        drawn.append(args)
        return drawing(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(draw, "draw", counted)
    entries[0].write_bytes(b"damaged")
    assert _views(ROOT / "content") == made and len(drawn) == 1
    err = capsys.readouterr().err
    assert err.count("warning: ignoring a map in the cache") == 1 and "drawing it again" in err
    assert _views(ROOT / "content") == made and len(drawn) == 1, "drawn again, and kept signed anew"
    record = store.json.loads(store.unseal(fresh / "maps", entries[0].read_bytes()) or b"")
    good = record["drawing"]
    shapes_not_maps = [
        {**good, "svg": 1},
        {**good, "frame": good["frame"][:6]},
        {**good, "frame": [*good["frame"][:6], True]},
        {**good, "frame": [*good["frame"][:6], "330"]},
        {**good, "sites": [["a"], [], [2]]},
        {**good, "sites": [[], []]},
        {**good, "rings": [["a", 1.0]]},
        {**good, "rings": [["a"]]},
        ["not", "a", "map"],
    ]
    for shape in shapes_not_maps:
        drawn.clear()
        body = store.json.dumps({"format": store.FORMAT, "drawing": shape}).encode()
        entries[0].write_bytes(store.seal(fresh / "maps", body))
        assert _views(ROOT / "content") == made and len(drawn) == 1, shape
    (fresh / "maps" / "secret").write_bytes(b"x" * 32)  # another machine's secret: no entry is ours any more
    drawn.clear()
    draw._land.cache_clear()
    assert _views(ROOT / "content") == made and len(drawn) == len(entries)


def test_a_maps_key_covers_what_it_is_drawn_of_and_what_primer_is_made_of(monkeypatch: pytest.MonkeyPatch) -> None:
    from primer.maps.model import PAGE, SMALL, Site

    site = Site("a", "A", "base", "circle", False, 35.0, 128.0)
    parts: tuple[object, ...] = ([site], SMALL, "map-t", "Map of the places in “T”", {"official": "official"}, True)
    before = store.drawing_key(*parts)
    assert before is not None and before.endswith(store.MAP_SUFFIX)
    others = [
        ([site, Site("b", "B", "base", "circle", False, 36.0, 129.0)], *parts[1:]),
        ([Site("a", "A", "base", "circle", False, 35.0, 128.5)], *parts[1:]),
        (parts[0], PAGE, *parts[2:]),
        (*parts[:2], "map", *parts[3:]),
        (*parts[:3], "Map", *parts[4:]),
        (*parts[:4], {"official": "stated"}, parts[5]),
        (*parts[:5], False),
    ]
    assert len({before, *(store.drawing_key(*other) for other in others)}) == 1 + len(others)
    monkeypatch.setattr(store, "own_key", lambda: "another primer")
    assert store.drawing_key(*parts) not in (before, None)
    monkeypatch.setattr(store, "own_key", lambda: None)  # primer's files unreadable: nothing is kept
    assert store.drawing_key(*parts) is None
