"""The country outlines of each map frame, kept between builds: clipping and simplifying Natural Earth's
1:10m shapes is most of what a map costs, and an unchanged map is drawn again on every build.

An entry holds what `primer.maps.draw` made for one frame and style (each country's name, outline, label
place and visible area), under the user's cache folder (`primer.cache.user_cache`: `$PRIMER_CACHE_DIR/maps`,
…; `PRIMER_CACHE_DIR=off` turns it off). Its key is a hash of everything the outlines are made from: the
frame and style, the code that makes them, and the versions of primer, the shapes' package, shapely, GEOS
and numpy. Entries are signed with the folder's secret (`primer.cache.seal`): one that was not written
here, is damaged or is in another shape is ignored with a warning and made again, never trusted.
Entries unused for `CACHE_DAYS` are removed (the clock decides only what the cache keeps, never output).
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
from functools import cache
from pathlib import Path
from typing import Any

import click
import numpy as np
import shapely

import primer
from primer.cache import seal, unseal, user_cache
from primer.maps.credit import PACKAGE

#: Bump when an entry's shape or meaning changes.
FORMAT = 1
#: Entries no build has used for this many days are removed.
CACHE_DAYS = 30
#: The code that makes the outlines: a change to it changes every key.
_CODE = ("draw.py", "projection.py", "shapes.py", "store.py")

#: (country name, SVG path data, where its name goes or None, visible area) for each country drawn.
Land = tuple[tuple[str, str, tuple[float, float] | None, float], ...]

_warned: list[bool] = []


def folder() -> Path | None:
    """The folder of the entries, or None when caching is off."""
    return user_cache("maps")


@cache
def _versions() -> str:
    """Everything an entry depends on apart from its frame and style."""
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
    root = folder()
    if root is None:
        return None
    name = key(frame, style, level)
    path = root / name[:2] / name
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    body = unseal(root, raw)
    land = None
    if body is not None:
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            record = json.loads(body)
            if isinstance(record, dict) and record.get("format") == FORMAT:
                land = _land(record.get("land"))
    if land is None:
        if not _warned:  # once per process: a folder of foreign entries says so once
            _warned.append(True)
            click.echo(
                f"warning: ignoring a map outline in the cache {root} (it was not written by primer on this "
                "machine, or it is damaged) — drawing it again",
                err=True,
            )
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: pruning goes by when an entry was last used
    return land


def save(frame: object, style: object, land: Land, level: float = 0.0) -> None:
    """Keep the outlines for this frame, style and level (a cache that cannot be written only costs time)."""
    root = folder()
    if root is None:
        return
    name = key(frame, style, level)
    body = json.dumps({"format": FORMAT, "land": land}, separators=(",", ":")).encode()
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
