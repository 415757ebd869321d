"""The site's frame: the header's menus with "you are here", breadcrumbs, and an explainer's reading aids
(reading time, previous and next topic, an icon for its topic card)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from primer.content.library import Library
from primer.content.models import Topic
from primer.render import markdown
from primer.render.urls import PAGES, item_path
from primer.report import REPORT_PAGE

#: The map page (drawn by the map feature); the menu links it only when the site has it.
MAP_PAGE = "map/index.html"

#: The header's main links, always shown on wide screens.
PRIMARY = [
    ("Topics", PAGES["topics"]),
    ("Timeline", PAGES["timeline"]),
    ("Map", MAP_PAGE),
    ("Glossary", PAGES["glossary"]),
    ("Sources", PAGES["sources"]),
]
#: The rest, in the "More" menu.
SECONDARY = [
    ("Compare", PAGES["compare"]),
    ("Actors", PAGES["actors"]),
    ("Places", PAGES["places"]),
    ("Search", PAGES["search"]),
    ("Teachers", PAGES["teacher"]),
    ("About", PAGES["about"]),
]
#: Folders whose pages belong to a menu item ("you are here" for a topic page marks Topics).
SECTIONS = {"topics/": PAGES["topics"], "sources/": PAGES["sources"], "teacher/": PAGES["teacher"], "map/": MAP_PAGE}
#: The name of a section's landing page in breadcrumbs.
SECTION_NAMES = {
    PAGES["topics"]: "Topics",
    PAGES["sources"]: "Sources",
    PAGES["teacher"]: "Teacher hub",
    MAP_PAGE: "Map",
}
#: Words a minute for "about N minutes" of reading.
WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class NavLink:
    """One menu link: `current` is 'page' on the page itself, 'true' within its section, '' elsewhere."""

    label: str
    target: str
    current: str


@dataclass(frozen=True)
class Menus:
    """The header's links for one page."""

    primary: list[NavLink]
    secondary: list[NavLink]

    @property
    def more_current(self) -> bool:
        """Whether the page is one of the "More" menu's (so the closed menu shows it)."""
        return any(link.current for link in self.secondary)


def section_of(here: str) -> str:
    """The menu target a page belongs to: itself when it is in a menu, else its folder's landing page."""
    if any(here == target for _, target in PRIMARY + SECONDARY):
        return here
    return next((landing for folder, landing in SECTIONS.items() if here.startswith(folder)), "")


def menus(here: str, have: frozenset[str] | None = None) -> Menus:
    """The header's menus for the page at `here`; `have`: the site's pages (a missing page is left out)."""
    section = section_of(here)

    def links(items: list[tuple[str, str]]) -> list[NavLink]:
        found = []
        for label, target in items:
            if have is not None and target not in have:
                continue
            current = "page" if target == here else "true" if target == section else ""
            found.append(NavLink(label, target, current))
        return found

    return Menus(links(PRIMARY), links(SECONDARY))


def crumbs(here: str, title: str, context: dict[str, Any]) -> list[tuple[str, str]]:
    """Breadcrumbs for a deep page, (label, site path; '' for the page itself); none for menu pages."""
    section = section_of(here)
    if not section or section == here or here == PAGES["home"]:
        return []
    trail = [("Home", PAGES["home"]), (SECTION_NAMES.get(section, title), section)]
    topic = context.get("topic")
    if isinstance(topic, Topic) and here == item_path("quiz", topic.id):
        return [*trail, (topic.title, item_path("topic", topic.id)), ("Quiz", "")]
    if isinstance(topic, Topic) and here == item_path("comparison", topic.id):
        return [*trail, (topic.title, item_path("topic", topic.id)), ("Compare the sources", "")]
    if isinstance(topic, Topic) and here == item_path("topic report", topic.id):
        return [*trail, ("Provenance and quality report", REPORT_PAGE), (topic.title, "")]
    if isinstance(topic, Topic) and here.startswith("teacher/"):
        return [*trail, (topic.title, "")]
    return [*trail, (title, "")]


def reading_minutes(topic: Topic) -> int:
    """About how long the explainer takes to read, at 200 words a minute (at least one minute)."""
    texts = [topic.lede, *topic.takeaways, *(s.title + " " + s.body for s in topic.sections)]
    words = sum(len(markdown.WORD.findall(markdown.link_texts(text))) for text in texts)
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def explainer_context(lib: Library, topic: Topic) -> dict[str, Any]:
    """What an explainer shows besides its content: reading time and the topics before and after it."""
    order = lib.topic_order()  # the order alone: the topics before and after it are read, no other
    at = order.index(topic.id)
    return {
        "reading_minutes": reading_minutes(topic),
        "topic_number": at + 1,
        "topic_count": len(order),
        "previous_topic": lib.topics[order[at - 1]] if at > 0 else None,
        "next_topic": lib.topics[order[at + 1]] if at + 1 < len(order) else None,
    }
