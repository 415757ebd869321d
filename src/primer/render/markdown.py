"""Content Markdown → safe HTML: raw HTML is shown as text, content links become page links,
and glossary terms in plain text can be linked."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

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


def content_links(text: str, *, every: bool = False) -> list[tuple[str, str, int, str]]:
    """Every content link in Markdown `text`, in every form Markdown has (inline with or without a
    title, angle brackets, autolinks, reference definitions, any case of the scheme), read from
    markdown-it's own tokens: (scheme, id, line offset in `text`, the target as written). With
    `every`, links with any scheme ('https:', a mistyped 'events:') are included too."""
    env: dict[str, Any] = {}
    tokens = _MD.parse(text, env)
    lines = text.lower().splitlines()
    found: list[tuple[str, str, int, str]] = []

    def add(href: str, start: int) -> None:
        scheme, sep, item = href.partition(":")
        if sep and (scheme.lower() in SCHEMES or (every and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme))):
            needle = href.lower()
            offset = next((i for i in range(start, len(lines)) if needle in lines[i]), start)
            found.append((scheme.lower(), item, offset, href))

    def walk(items: list[Token], start: int) -> None:
        for token in items:
            line = token.map[0] if token.map else start
            if token.type == "link_open":
                add(str(token.attrGet("href") or ""), line)
            if token.children:
                walk(token.children, line)

    walk(tokens, 0)
    for ref in env.get("references", {}).values():
        add(str(ref.get("href", "")), 0)
    return found


def _gloss_run(run: list[Token], gloss: TextLinker) -> None:
    """Gloss text tokens split only by soft line breaks as one text, so that the linker sees a
    name wrapped onto the next line and the words around a name ("National" before "Security Council")."""
    while run and run[-1].type == "softbreak":
        run.pop()
    if not run:
        return
    text = "".join("\n" if t.type == "softbreak" else t.content for t in run)
    for token in run:
        token.type, token.content = "html_inline", ""  # the linker escapes the text itself
    run[0].content = gloss(text)


def _rewrite(tokens: list[Token], resolve: Resolver, gloss: TextLinker | None) -> None:
    in_link = 0
    run: list[Token] = []
    for token in tokens:
        if gloss is not None and not in_link and (token.type == "text" or (run and token.type == "softbreak")):
            run.append(token)
            continue
        if gloss is not None:
            _gloss_run(run, gloss)
            run = []
        if token.children:
            _rewrite(token.children, resolve, gloss)
        if token.type == "link_open":
            in_link += 1
            scheme, _, item = str(token.attrGet("href") or "").partition(":")
            scheme = scheme.lower()  # URL schemes are case-insensitive: 'Term:x' is 'term:x'
            if scheme in SCHEMES:
                url = resolve(scheme, item)
                if url is not None:
                    token.attrSet("href", url)
                    token.attrSet("class", f"ref ref-{scheme}")
        elif token.type == "link_close":
            in_link -= 1
    if gloss is not None:
        _gloss_run(run, gloss)


def render(text: str, resolve: Resolver, *, inline: bool = False, gloss: TextLinker | None = None) -> str:
    """Render content Markdown to HTML, rewriting content links and linking glossary terms."""
    tokens = _MD.parseInline(text) if inline else _MD.parse(text)
    _rewrite(tokens, resolve, gloss)
    return str(_MD.renderer.render(tokens, _MD.options, {}))
