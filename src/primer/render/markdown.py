"""Content Markdown → safe HTML: raw HTML is shown as text, content links become page links,
and glossary terms in plain text can be linked."""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

#: Resolves ('point', 'a-three-batteries') to a relative URL, or None for an unknown link.
Resolver = Callable[[str, str], str | None]
#: Turns plain text into safe HTML (escaped, with glossary links).
TextLinker = Callable[[str], str]
#: A Markdown link, to keep only its text (for the search index).
LINK_TEXT = re.compile(r"\[([^\]]*)\]\([^)]*\)")
#: A word, for keyword extraction.
WORD = re.compile(r"[\w'’-]+")
SCHEMES = ("point", "term", "event", "source", "topic", "actor", "place", "question")

# commonmark with html=False: raw HTML in content is escaped, never passed through.
_MD = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable("image")


def _rewrite(tokens: list[Token], resolve: Resolver, gloss: TextLinker | None) -> None:
    in_link = 0
    for token in tokens:
        if token.children:
            _rewrite(token.children, resolve, gloss)
        if token.type == "link_open":
            in_link += 1
            scheme, _, item = str(token.attrGet("href") or "").partition(":")
            if scheme in SCHEMES:
                url = resolve(scheme, item)
                if url is not None:
                    token.attrSet("href", url)
                    token.attrSet("class", f"ref ref-{scheme}")
        elif token.type == "link_close":
            in_link -= 1
        elif token.type == "text" and gloss is not None and not in_link:
            token.type = "html_inline"  # the linker escapes the text itself
            token.content = gloss(token.content)


def render(text: str, resolve: Resolver, *, inline: bool = False, gloss: TextLinker | None = None) -> str:
    """Render content Markdown to HTML, rewriting content links and linking glossary terms."""
    tokens = _MD.parseInline(text) if inline else _MD.parse(text)
    _rewrite(tokens, resolve, gloss)
    return str(_MD.renderer.render(tokens, _MD.options, {}))
