"""Text from other question banks: their HTML as primer's Markdown or plain text, and ids as slugs."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

#: Inline HTML elements and the Markdown around their text.
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
_BLOCK = {"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre"}
#: Characters that would start Markdown formatting in plain text.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")


class _ToMarkdown(HTMLParser):
    """Collects Markdown from a fragment of HTML; notes what has no Markdown form (images, tables …)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self.dropped: set[str] = set()
        self.lists: list[str] = []
        self.quotes: list[int] = []  # where each open blockquote began in `out`

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INLINE:
            self.out.append(_INLINE[tag])
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
            self.out.append("[")
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
            self.out.append("\n\n")
        elif tag == "li":
            self.out.append("\n- " if not self.lists or self.lists[-1] == "ul" else "\n1. ")
        elif tag == "blockquote":
            self.out.append("\n\n")
            self.quotes.append(len(self.out))
        elif tag in _BLOCK:
            self.out.append("\n\n")
            if tag in ("table", "pre"):
                self.dropped.add(tag)
        elif tag in ("img", "video", "audio", "iframe", "object"):
            self.dropped.add(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INLINE:
            self.out.append(_INLINE[tag])
        elif tag == "a":
            self.out.append(f"]({self.links.pop()})" if self.links else "")
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.out.append("\n\n")
        elif tag == "blockquote" and self.quotes:
            start = self.quotes.pop()
            inner = re.sub(r"\n{3,}", "\n\n", "".join(self.out[start:])).strip()
            quoted = "\n".join(f"> {line}".rstrip() for line in inner.splitlines())
            self.out[start:] = [quoted, "\n\n"]
        elif tag in _BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.out.append(_MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", data)))


def html_to_markdown(text: str) -> tuple[str, set[str]]:
    """An HTML fragment as Markdown, and the elements it had that Markdown here cannot keep."""
    parser = _ToMarkdown()
    parser.feed(text)
    parser.close()
    markdown = "".join(parser.out)
    markdown = re.sub(r"[ \t]{2,}", " ", markdown)  # dropped elements leave their spaces behind
    markdown = re.sub(r"[ \t]*\n[ \t]*", "\n", markdown)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    markdown = re.sub(r"\*\*\s*\*\*|(?<!\*)\*\*(?!\*)\s*(?<!\*)\*\*(?!\*)", "", markdown)  # empty bold
    return markdown, parser.dropped


def html_to_plain(text: str) -> str:
    """An HTML fragment as one line of plain text."""
    without = re.sub(r"<[^>]*>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(without)).strip()


def slug(text: str, fallback: str) -> str:
    """A primer id from any name: lower-case ASCII words joined by '-', at most 80 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    result = "-".join(words)[:80].strip("-")
    return result or fallback
