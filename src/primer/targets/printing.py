"""What printed pages need that screens do not: an explainer's citations as a numbered reference list."""

from __future__ import annotations

from primer.content.library import Library
from primer.content.models import Topic
from primer.render.clip import clip as _clip
from primer.render.markdown import content_links

#: The links that print as numbered references (print.css counts exactly these, in this order).
CITED = ("point", "event", "source")


def references(lib: Library, topic: Topic) -> list[str]:
    """The citations of a topic's sections in reading order, one label each, numbered by the
    print stylesheet's counter: the n-th cited link in the sections is the n-th label."""
    found: list[str] = []
    for section in topic.sections:
        for scheme, item, _, _ in content_links(section.body):
            if scheme == "point" and item in lib.points:
                point = lib.points[item]
                paragraphs = ", ".join(map(str, point.paragraphs))
                found.append(f"{lib.source_heading(item).short}, ¶{paragraphs}: {_clip(point.text, 140)}")
            elif scheme == "event" and item in lib.events:
                event = lib.events[item]
                found.append(f"Timeline, {event.date.human()}: {event.title}")
            elif scheme == "source" and item in lib.sources:
                source = lib.sources[item]
                found.append(f"{source.short}: {source.title} ({source.published.date.human()})")
    return found
