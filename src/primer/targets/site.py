"""The site target: Library → HTML pages and static assets."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import Any

from jinja2 import Environment

from primer.content.library import Library
from primer.render import markdown
from primer.render.urls import PAGES, item_path, relative
from primer.write import Output

NAV = [
    ("Home", PAGES["home"]),
    ("Topics", PAGES["topics"]),
    ("Sources", PAGES["sources"]),
    ("Glossary", PAGES["glossary"]),
    ("Timeline", PAGES["timeline"]),
    ("Actors", PAGES["actors"]),
]

STATUS_LABELS = {
    "accurate": "Accurate",
    "partly-accurate": "Partly accurate",
    "wrong": "Wrong",
    "unverified": "Unverified",
}


@dataclass(frozen=True)
class Page:
    """One page to render: where it goes, which template, and its own context."""

    path: str
    template: str
    title: str
    context: dict[str, Any]


class SiteRenderer:
    """Renders pages of one Library with links relative to each page."""

    def __init__(self, lib: Library, env: Environment) -> None:
        self.lib = lib
        self.env = env

    def url(self, kind: str, item_id: str) -> str:
        """The site path of an item."""
        owner = None
        if kind == "point":
            owner = self.lib.point_source[item_id]
        return item_path(kind, item_id, owner=owner)

    def resolver(self, page: str) -> markdown.Resolver:
        """A Markdown link resolver for content links on `page`."""

        def resolve(kind: str, item_id: str) -> str | None:
            tables: dict[str, dict[str, Any]] = {
                "point": self.lib.points,
                "term": self.lib.terms,
                "event": self.lib.events,
                "source": self.lib.sources,
                "topic": self.lib.topics,
                "actor": self.lib.actors,
                "place": self.lib.places,
            }
            if item_id not in tables.get(kind, {}):
                return None
            return relative(page, self.url(kind, item_id))

        return resolve

    def render(self, page: Page) -> str:
        """Render one page to HTML text."""
        template = self.env.get_template(page.template)
        md = partial(markdown.render, resolve=self.resolver(page.path))
        return template.render(
            site=self.lib.site,
            lib=self.lib,
            title=page.title,
            path=page.path,
            nav=NAV,
            link=partial(relative, page.path),
            url=self.url,
            md=md,
            md_inline=partial(md, inline=True),
            status_labels=STATUS_LABELS,
            **page.context,
        )


def pages(lib: Library) -> list[Page]:
    """Every page of the site, in a fixed order."""
    found = [
        Page(
            PAGES["home"],
            "site/index.html",
            "Home",
            {"topics": lib.topics_in_order(), "sources": list(lib.sources.values())},
        ),
        Page(PAGES["topics"], "site/topics.html", "Topics", {"topics": lib.topics_in_order()}),
        Page(PAGES["sources"], "site/sources.html", "Sources", {"sources": list(lib.sources.values())}),
        Page(
            PAGES["glossary"],
            "site/glossary.html",
            "Glossary",
            {"terms": sorted(lib.terms.values(), key=lambda t: t.term.casefold())},
        ),
        Page(PAGES["timeline"], "site/timeline.html", "Timeline", {"events": lib.events_in_order()}),
        Page(PAGES["actors"], "site/actors.html", "Actors", {"actors": list(lib.actors.values())}),
    ]
    for source in lib.sources.values():
        found.append(Page(item_path("source", source.id), "site/source.html", source.title, {"source": source}))
    for topic in lib.topics_in_order():
        questions = [lib.questions[q] for q in topic.questions]
        found.append(
            Page(item_path("topic", topic.id), "site/topic.html", topic.title, {"topic": topic, "questions": questions})
        )
    return found


def build_site(lib: Library, env: Environment, out: Output) -> None:
    """Render every page and copy the static assets into `out`."""
    renderer = SiteRenderer(lib, env)
    for page in pages(lib):
        out.add(page.path, renderer.render(page))
    static = resources.files("primer") / "static"
    for folder in sorted(p.name for p in static.iterdir() if p.is_dir()):
        for item in sorted((static / folder).iterdir(), key=lambda p: p.name):
            if item.is_file():
                out.add(f"static/{folder}/{item.name}", item.read_bytes())
