"""Where every page and item lives, and relative links between pages (so file:// works)."""

from __future__ import annotations

import posixpath

#: The page of each kind of item, and whether the item is an anchor on a shared page.
PAGES = {
    "home": "index.html",
    "glossary": "glossary/index.html",
    "timeline": "timeline/index.html",
    "actors": "actors/index.html",
    "sources": "sources/index.html",
    "topics": "topics/index.html",
    "compare": "sources/compare.html",
    "places": "places/index.html",
    "about": "about/index.html",
    "teacher": "teacher/index.html",
    "search": "search/index.html",
}


def item_path(kind: str, item_id: str, *, owner: str | None = None) -> str:
    """The site path of an item, with its anchor where the item lives on a shared page."""
    if kind == "topic":
        return f"topics/{item_id}/index.html"
    if kind == "quiz":
        return f"topics/{item_id}/quiz.html"
    if kind == "source":
        return f"sources/{item_id}.html"
    if kind == "point":
        return f"sources/{owner}.html#{item_id}"
    if kind == "term":
        return f"{PAGES['glossary']}#{item_id}"
    if kind == "event":
        return f"{PAGES['timeline']}#{item_id}"
    if kind == "actor":
        return f"{PAGES['actors']}#{item_id}"
    if kind == "place":
        return f"{PAGES['places']}#{item_id}"
    if kind == "question":
        return f"topics/{owner}/quiz.html#{item_id}"
    raise KeyError(kind)


def relative(from_page: str, to_path: str) -> str:
    """A link from the page `from_page` to `to_path` (which may carry '#anchor'), both site paths."""
    target, _, anchor = to_path.partition("#")
    start = posixpath.dirname(from_page) or "."
    rel = posixpath.relpath(target, start) if target else posixpath.basename(from_page)
    return f"{rel}#{anchor}" if anchor else rel
