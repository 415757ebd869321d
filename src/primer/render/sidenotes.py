"""An explainer's citations as numbered notes: each cited point, event or source becomes a small
superscript number that links to it, and its note (where it comes from, what it says) follows the
paragraph, to sit in the margin on wide screens and under the paragraph on phones.

Works on the HTML that `primer.render.markdown` makes from a section's body: a citation link is
`<a href="…" class="ref ref-point">words</a>`. A parenthesis holding only citations, such as
"(Article A, Article B)", becomes the numbers alone; a citation in running text keeps its words and
gains a number. The n-th number on a page is the n-th citation in reading order, the order the
print stylesheet counts and `primer.targets.printing.references` lists."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from markupsafe import Markup, escape

from primer.content.library import Library
from primer.render.clip import clip as _clip

_LINK = r'<a href="[^"]*" class="ref ref-(?:point|event|source)">(?:(?!</a>).)*</a>'
#: One citation link: its address, kind and words.
LINK = re.compile(
    r'<a href="(?P<href>[^"]*)" class="ref ref-(?P<kind>point|event|source)">(?P<words>(?:(?!</a>).)*)</a>', re.S
)
#: What numbers are put at, and notes after. Each begins with a space, "(" or "<": looked for first, the regex
#: engine tries the five kinds only there rather than at every character (half the time over a page's HTML).
_PIECE = re.compile(
    rf"(?=[\s(<])(?:(?P<group>\s*\((?:see\s+)?{_LINK}(?:\s*(?:[,;]|and)\s*(?:and\s+)?{_LINK})*\s*\))"
    rf"|(?P<link>{_LINK})|(?P<open><p>)|(?P<close></p>)|(?P<item></li>))",
    re.S,
)
#: Describes a citation for its note: (kind, address) → (label, text), or None when unknown.
Describe = Callable[[str, str], tuple[str, str] | None]


def describer(lib: Library) -> Describe:
    """Notes for citations of `lib`'s points, events and sources, from the links' addresses."""

    def describe(kind: str, href: str) -> tuple[str, str] | None:
        page, _, anchor = unquote(href).partition("#")
        if kind == "point" and anchor in lib.points:
            point = lib.points[anchor]
            where = f"{lib.source_heading(anchor).label}, ¶{', '.join(map(str, point.paragraphs))}"
            return where, _clip(point.text, 100)
        if kind == "event" and anchor in lib.events:
            event = lib.events[anchor]
            return f"Timeline, {event.date.human()}", event.title
        source_id = page.rsplit("/", 1)[-1].removesuffix(".html")
        if kind == "source" and source_id in lib.sources:
            source = lib.sources[source_id]
            return source.label, f"{source.title} ({source.published.date.human()})"
        return None

    return describe


class Sidenotes:
    """Numbers the citations of one page, across all the sections it renders."""

    def __init__(self, describe: Describe) -> None:
        self.describe = describe
        self.count = 0

    def _number(self, match: re.Match[str], notes: list[str]) -> str:
        """The superscript for one citation link, with its note queued."""
        self.count += 1
        n = self.count
        href, kind = match.group("href"), match.group("kind")
        described = self.describe(kind, href)
        label, text = described if described else (re.sub(r"<[^>]+>", "", match.group("words")), "")
        # as Markup's format would escape them (a Markup label or text as it is), without its slow formatter
        sep = ": " if text else ""
        notes.append(f'<li id="note-{n}"><a href="{href}">{escape(label)}</a>{sep}{escape(text)}</li>')
        return f'<sup class="cite"><a href="{href}" class="ref ref-{kind}" aria-describedby="note-{n}">{n}</a></sup>'

    def annotate(self, html: str) -> Markup:
        """`html` (a rendered section body) with its citations numbered and their notes after each paragraph."""
        out: list[str] = []
        notes: list[str] = []
        first = self.count + 1
        opened = -1
        pos = 0

        def flush() -> str:
            nonlocal first
            block = f'<ol class="notes" start="{first}">{"".join(notes)}</ol>'
            notes.clear()
            first = self.count + 1
            return block

        for piece in _PIECE.finditer(html):
            out.append(html[pos : piece.start()])
            pos = piece.end()
            if piece.group("group"):
                out.append("".join(self._number(m, notes) for m in LINK.finditer(piece.group("group"))))
            elif piece.group("link"):
                link = LINK.fullmatch(piece.group("link"))
                assert link is not None
                out.append(link.group("words") + self._number(link, notes))
            elif piece.group("open"):
                opened = len(out)
                out.append("<p>")
            elif piece.group("close"):
                out.append("</p>")
                if notes:
                    if opened >= 0:
                        out[opened] = '<div class="np"><p>'
                    out.append(flush() + "</div>")
                opened = -1
            else:
                out.append((flush() if notes else "") + "</li>")
        out.append(html[pos:])
        if notes:
            out.append(flush())
        return Markup("".join(out))
