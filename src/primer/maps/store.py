"""The country outlines of each map frame, kept between builds: clipping and simplifying Natural Earth's
1:10m shapes is most of what a map costs, and an unchanged map is drawn again on every build.

An entry holds what `primer.maps.draw` made for one frame and style (each country's name, outline, label
place and visible area), under the user's cache folder (`primer.cache.user_cache`: `$PRIMER_CACHE_DIR/maps`,
…; `PRIMER_CACHE_DIR=off` turns it off). Its key is a hash of everything the outlines are made from: the
frame and style, the code that makes them, and the versions of primer, the shapes' package, shapely, GEOS
and numpy. Entries are signed with the folder's secret (`primer.cache.seal`): one that was not written
here, is damaged or is in another shape is ignored with a warning and made again, never trusted.
Entries unused for `CACHE_DAYS` are removed (the clock decides only what the cache keeps, never output).

A whole map is kept there too (`load_drawing`, `save_drawing`): what `primer.maps.draw.draw` made of a map's places
and style, by them and what primer is made of (`primer.cache.own_key`: its files and the libraries' versions). A
rebuild's page whose map did not change takes it from there without importing the libraries that draw (NumPy,
Shapely and what they import: 0.1 s of each of the rebuild's workers that makes a topic's page).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import click
from markupsafe import Markup

import primer
from primer.cache import own_key, seal, unseal, user_cache
from primer.maps.credit import PACKAGE
from primer.maps.model import Drawing
from primer.maps.projection import Frame, Projection

#: Bump when an entry's shape or meaning changes.
FORMAT = 1
#: The end of the name of a whole map's entry (`drawing_key`): an outline's has none.
MAP_SUFFIX = ".map"
#: Entries no build has used for this many days are removed.
CACHE_DAYS = 30
#: The code that makes the outlines: a change to it changes every key.
_CODE = ("draw.py", "model.py", "projection.py", "shapes.py", "store.py")

#: (country name, SVG path data, where its name goes or None, visible area) for each country drawn.
Land = tuple[tuple[str, str, tuple[float, float] | None, float], ...]

_warned: list[bool] = []

T = TypeVar("T")


def folder() -> Path | None:
    """The folder of the entries, or None when caching is off."""
    return user_cache("maps")


@cache
def _versions() -> str:
    """Everything an entry depends on apart from its frame and style."""
    import numpy as np
    import shapely

    digest = hashlib.sha256(f"primer-maps {FORMAT} {primer.__version__}\0".encode())
    for name in _CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    try:
        data = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - the shapes are a dependency
        data = "-"
    digest.update(f"{data} {shapely.__version__} {shapely.geos_version_string} {np.__version__}".encode())
    return digest.hexdigest()


def key(frame: object, style: object, level: float = 0.0) -> str:
    """The entry's name: a hash of what the outlines are made from (`level`: the coarse copy of the
    outlines they were drawn from, or 0)."""
    return hashlib.sha256(f"{_versions()}\0{frame!r}\0{style!r}\0{level!r}".encode()).hexdigest()


def _land(data: Any) -> Land | None:
    """The entry's outlines, or None when `data` is not in their shape."""
    if not isinstance(data, list):
        return None
    found = []
    for row in data:
        if not (isinstance(row, list) and len(row) == 4):
            return None
        name, path, where, area = row
        if not (isinstance(name, str) and isinstance(path, str) and isinstance(area, float) and math.isfinite(area)):
            return None
        if where is not None:
            if not (isinstance(where, list) and len(where) == 2 and all(isinstance(v, float) for v in where)):
                return None
            where = (where[0], where[1])
        found.append((name, path, where, area))
    return tuple(found)


def kept(frame: object, style: object, level: float = 0.0) -> bool:
    """Whether an entry for this frame, style and level is on disk (trusted or not: `load` decides)."""
    root = folder()
    if root is None:
        return False
    name = key(frame, style, level)
    return (root / name[:2] / name).is_file()


def load(frame: object, style: object, level: float = 0.0) -> Land | None:
    """The outlines kept for this frame, style and level, or None (none kept, caching off, or an entry not
    to trust)."""
    return _loaded(key(frame, style, level), "land", _land, "a map outline")


def _loaded(name: str, field: str, shaped: Callable[[Any], T | None], what: str) -> T | None:
    """The value of the entry `name` (its record's `field`, as `shaped` makes it of what the record holds), or None
    (none kept, caching off, or an entry not to trust: `what` it is, for the warning)."""
    root = folder()
    if root is None:
        return None
    path = root / name[:2] / name
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    body = unseal(root, raw)
    found = None
    if body is not None:
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            record = json.loads(body)
            if isinstance(record, dict) and record.get("format") == FORMAT:
                found = shaped(record.get(field))
    if found is None:
        if not _warned:  # once per process: a folder of foreign entries says so once
            _warned.append(True)
            click.echo(
                f"warning: ignoring {what} in the cache {root} (it was not written by primer on this "
                "machine, or it is damaged) — drawing it again",
                err=True,
            )
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: pruning goes by when an entry was last used
    return found


def save(frame: object, style: object, land: Land, level: float = 0.0) -> None:
    """Keep the outlines for this frame, style and level (a cache that cannot be written only costs time)."""
    _saved(key(frame, style, level), {"land": land})


def _saved(name: str, record: dict[str, Any]) -> None:
    """Keep `record` as the entry `name` (a cache that cannot be written only costs time)."""
    root = folder()
    if root is None:
        return
    body = json.dumps({"format": FORMAT, **record}, separators=(",", ":")).encode()
    try:
        sealed = seal(root, body)
        shard = root / name[:2]
        shard.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=shard, prefix=".part-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(sealed)
        Path(temporary).replace(shard / name)
    except OSError:
        return
    _prune(root)


def drawing_key(*made_of: object) -> str | None:
    """The name of the entry of a whole map drawn of `made_of` (`primer.maps.draw.draw`'s arguments: the places,
    the style, the ids' prefix, the title, the words of the rings' statuses and whether it is coarse), or None
    when what primer is made of cannot be read (nothing is kept then)."""
    own = own_key()
    if own is None:
        return None
    return hashlib.sha256(f"primer-map {FORMAT}\0{own}\0{made_of!r}".encode()).hexdigest() + MAP_SUFFIX


def load_drawing(name: str) -> Drawing | None:
    """The map kept as the entry `name` (`drawing_key`), or None (none kept, caching off, or one not to trust)."""
    return _loaded(name, "drawing", _drawing, "a map")


def save_drawing(name: str, drawing: Drawing) -> None:
    """Keep a whole map as the entry `name` (`drawing_key`)."""
    frame = drawing.frame
    centre = frame.projection
    place = [centre.lat0, centre.lon0, frame.west, frame.south, frame.east, frame.north, frame.width]
    rings = [[site, number] for site, number in drawing.rings]
    shown = [list(drawing.shown), list(drawing.off), list(drawing.unlabelled)]
    _saved(name, {"drawing": {"svg": str(drawing.svg), "frame": place, "sites": shown, "rings": rings}})


def _drawing(data: Any) -> Drawing | None:
    """The entry's map, or None when `data` is not in its shape."""
    if not isinstance(data, dict) or not isinstance(svg := data.get("svg"), str):
        return None
    place, sites, rings = data.get("frame"), data.get("sites"), data.get("rings")
    if not (isinstance(place, list) and len(place) == 7 and all(type(v) in (float, int) for v in place)):
        return None
    if not (isinstance(sites, list) and len(sites) == 3 and all(_ids(ids) for ids in sites)):
        return None
    if not (isinstance(rings, list) and all(_ring(ring) for ring in rings)):
        return None
    lat0, lon0, west, south, east, north, width = place  # as drawn: a width given as a whole number stays one
    frame = Frame(Projection(lat0, lon0), west, south, east, north, width)
    shown, off, unlabelled = (tuple(ids) for ids in sites)
    return Drawing(Markup(svg), frame, shown, off, unlabelled, tuple((site, number) for site, number in rings))


def _ids(data: Any) -> bool:
    return isinstance(data, list) and all(isinstance(i, str) for i in data)


def _ring(data: Any) -> bool:
    return isinstance(data, list) and len(data) == 2 and isinstance(data[0], str) and type(data[1]) is int


@cache
def _prune(root: Path) -> None:
    """Remove entries unused for CACHE_DAYS, once per process."""
    limit = time.time() - CACHE_DAYS * 86400
    with contextlib.suppress(OSError):
        for shard in root.iterdir():
            if not shard.is_dir() or shard.is_symlink():
                continue
            for entry in shard.iterdir():
                with contextlib.suppress(OSError):
                    if entry.is_file() and entry.stat().st_mtime < limit:
                        entry.unlink()
