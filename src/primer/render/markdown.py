"""Content Markdown → safe HTML: raw HTML is shown as text, content links become page links."""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

#: Resolves ('point', 'a-three-batteries') to a relative URL, or None for an unknown link.
Resolver = Callable[[str, str], str | None]
SCHEMES = ("point", "term", "event", "source", "topic", "actor", "place", "question")

# commonmark with html=False: raw HTML in content is escaped, never passed through.
_MD = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable("image")


def _rewrite(tokens: list[Token], resolve: Resolver) -> None:
    for token in tokens:
        if token.children:
            _rewrite(token.children, resolve)
        if token.type != "link_open":
            continue
        scheme, _, item = str(token.attrGet("href") or "").partition(":")
        if scheme in SCHEMES:
            url = resolve(scheme, item)
            if url is not None:
                token.attrSet("href", url)
                token.attrSet("class", f"ref ref-{scheme}")


def render(text: str, resolve: Resolver, *, inline: bool = False) -> str:
    """Render content Markdown to HTML, rewriting content links through `resolve`."""
    tokens = _MD.parseInline(text) if inline else _MD.parse(text)
    _rewrite(tokens, resolve)
    return str(_MD.renderer.render(tokens, _MD.options, {}))
