"""The site's static assets: scripts and stylesheets, minified, and one stylesheet from its parts.

`static/css/parts/*.css` are joined in name order into `static/css/primer.css`, the one stylesheet a
page loads (a feature keeps its rules in a part of its own). Every `.js` and `.css` file is minified
with rjsmin and rcssmin; other files are copied as they are.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

import rcssmin
import rjsmin

STYLESHEET = "static/css/primer.css"
PARTS = "parts"


def _minified(name: str, data: bytes) -> bytes:
    text = data.decode("utf-8")
    if name.endswith(".js"):
        text = str(rjsmin.jsmin(text))
    elif name.endswith(".css"):
        text = str(rcssmin.cssmin(text))
    else:
        return data
    return text.encode("utf-8") + b"\n"


def _files(folder: Traversable) -> list[Traversable]:
    return sorted((item for item in folder.iterdir() if item.is_file()), key=lambda item: item.name)


def static_assets() -> tuple[tuple[str, bytes], ...]:
    """(path in the site, bytes) for every static asset, in a fixed order."""
    static = resources.files("primer") / "static"
    found: dict[str, bytes] = {}
    for folder in sorted((p for p in static.iterdir() if p.is_dir()), key=lambda p: p.name):
        for item in _files(folder):
            found[f"static/{folder.name}/{item.name}"] = _minified(item.name, item.read_bytes())
    parts = static / "css" / PARTS
    joined = b"\n".join(item.read_bytes() for item in _files(parts) if item.name.endswith(".css"))
    found[STYLESHEET] = _minified(STYLESHEET, joined)
    return tuple(sorted(found.items()))
