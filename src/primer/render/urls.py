"""Where every page and item lives, and relative links between pages (so file:// works)."""

from __future__ import annotations

import functools
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
    "map": "map/index.html",
    "about": "about/index.html",
    "teacher": "teacher/index.html",
    "search": "search/index.html",
}


#: Where each kind of item lives; `{id}` is the item's id, `{owner}` its source or topic.
ITEM_PATHS = {
    "topic": "topics/{id}/index.html",
    "quiz": "topics/{id}/quiz.html",
    # how the sources cover a topic, on a page of its own in a lesson of many topics (see `targets.site`)
    "comparison": "topics/{id}/compare.html",
    # a topic's coverage and balance, on a page of its own in a lesson of many topics (see `targets.site`)
    "topic report": "teacher/report/{id}.html",
    "source": "sources/{id}.html",
    "point": "sources/{owner}.html#{id}",
    "question": "topics/{owner}/quiz.html#{id}",
    "term": PAGES["glossary"] + "#{id}",
    "event": PAGES["timeline"] + "#{id}",
    "actor": PAGES["actors"] + "#{id}",
    "place": PAGES["places"] + "#{id}",
}


def item_path(kind: str, item_id: str, *, owner: str | None = None) -> str:
    """The site path of an item, with its anchor where the item lives on a shared page."""
    return ITEM_PATHS[kind].format(id=item_id, owner=owner)


def relative(from_page: str, to_path: str) -> str:
    """A link from the page `from_page` to `to_path` (which may carry '#anchor'), both site paths."""
    target, _, anchor = to_path.partition("#")
    folder, slash, name = from_page.rpartition("/")
    if not slash:  # a page at the top
        folder = ""
    elif not folder or folder.endswith("/"):  # (not a site path: "/x", "a//x")
        folder, name = posixpath.dirname(from_page), posixpath.basename(from_page)
    rel = _relpath(target, folder or ".") if target else name
    return f"{rel}#{anchor}" if anchor else rel


# Every page links to the same few hundred pages from one of a few folders: each pair is worked out once.
@functools.lru_cache(maxsize=65536)
def _relpath(target: str, start: str) -> str:
    """`target` relative to the folder `start`, both site paths (`posixpath.relpath`, which would make both
    absolute, asking the operating system for the working folder twice: a fifth of the time of the first
    render of a topic's pages in a watch, 3,400 pairs at 256 topics). A path that is not a plain site path
    (empty, absolute, or with a part that is empty, "." or "..") goes to `posixpath.relpath`."""
    to, at = target.split("/"), [] if start == "." else start.split("/")
    if not _plain(to) or not _plain(at):
        return posixpath.relpath(target, start)
    same = 0
    for a, b in zip(to, at, strict=False):
        if a != b:
            break
        same += 1
    return "/".join([".."] * (len(at) - same) + to[same:]) or "."


def _plain(parts: list[str]) -> bool:
    """Whether the parts of a site path are all names (none empty, "." or "..")."""
    return all(part not in ("", ".", "..") for part in parts)
