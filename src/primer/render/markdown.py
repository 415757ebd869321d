"""Content Markdown → safe HTML: raw HTML is shown as text, content links become page links,
and glossary terms in plain text can be linked."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import html.entities
import operator
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

#: Resolves ('point', 'a-three-batteries') to a relative URL, or None for an unknown link.
Resolver = Callable[[str, str], str | None]
#: Turns plain text into safe HTML (escaped, with glossary links).
TextLinker = Callable[[str], str]
#: A Markdown link, whose text `link_texts` keeps (the search index, the handouts, the reading grade and times).
LINK_TEXT = re.compile(r"\[([^\]]*)\]\([^)]*\)")
#: What `link_texts` puts in place of a link: its text (a call of C code: a replacement `r"\1"` goes through Python's
#: `re._subx` at each call, three times as long).
_LINK_LABEL = operator.methodcaller("group", 1)
#: A word, for keyword extraction.
WORD = re.compile(r"[\w'’-]+")
SCHEMES = ("point", "term", "event", "source", "topic", "actor", "place", "question")


def link_texts(text: str) -> str:
    """`text` with each Markdown link (`LINK_TEXT`) in it replaced by its text."""
    return LINK_TEXT.sub(_LINK_LABEL, text)


# commonmark with html=False: raw HTML in content is escaped, never passed through.
_MD = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable("image")

#: A content link that markdown-it's normalisation (parse the URL, format it, percent-encode it) gives
#: back unchanged: one of primer's schemes, in lower case, and characters that are never encoded.
_PLAIN_LINK = re.compile(rf"(?:{'|'.join(SCHEMES)}):[A-Za-z0-9._~-]*\Z")
_normalize_link = _MD.normalizeLink


def _normalized(url: str) -> str:
    """markdown-it's `normalizeLink`, without its work for a link it would give back unchanged (34,108
    content links at 256 topics, 0.27 s of the lesson's loading)."""
    return url if _PLAIN_LINK.match(url) else _normalize_link(url)


_MD.normalizeLink = _normalized  # type: ignore[method-assign]


#: The start of a text's first line that could open lists and quotes nested near the parser's limit (`maxNesting`:
#: 20 levels, a quote taking one and a list two): its markers and indentation, this many columns at least.
_DEEP_START = re.compile(r"[ >*+\-\d.)]{16,}")
#: The same, on any later line (a pattern that begins with a character the search can skip to).
_DEEP_LINE = re.compile(r"\n[ >*+\-\d.)]{16,}")


def cut_at(text: str) -> int | None:
    """The line (from 0) of Markdown `text` where its lists and quotes nest deeper than the parser reads: it
    drops that line's blocks and the lines after them. None when the whole text is read."""
    probe = text.expandtabs(4) if "\t" in text else text
    if _DEEP_START.match(probe) is None and _DEEP_LINE.search(probe) is None:
        return None
    limit = int(_MD.options["maxNesting"])
    deeper = MarkdownIt("commonmark", {"html": False, "typographer": False, "maxNesting": limit + 4})
    # a block the parser opens at the limit is where it stops reading (an inline run sits a level below its block)
    opened = (t for t in deeper.parse(text) if t.nesting >= 0 and t.type != "inline")
    return next((t.map[0] for t in opened if t.level >= limit and t.map), None)


#: An HTML character reference: named ('&nbsp;'), decimal ('&#8217;') or hexadecimal ('&#x2019;').
_REFERENCE = re.compile(r"&(?:([A-Za-z][A-Za-z0-9]{1,31})|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")


def typed_entity(text: str) -> str | None:
    """The first HTML character reference in plain `text` ('&nbsp;', '&#8217;'), which a page shows as typed
    (only Markdown decodes them); a name HTML does not have ('AT&T;') is none. None when there is none."""
    if "&" not in text:
        return None
    for m in _REFERENCE.finditer(text):
        if m.group(1) is None or f"{m.group(1)};" in html.entities.html5:
            return m.group(0)
    return None


def content_links(text: str, *, every: bool = False) -> list[tuple[str, str, int, str]]:
    """Every content link in Markdown `text`, in every form Markdown has (inline with or without a
    title, angle brackets, autolinks, reference definitions, any case of the scheme), read from
    markdown-it's own tokens: (scheme, id, line offset in `text`, the target as written). With
    `every`, links with any scheme ('https:', a mistyped 'events:') are included too."""
    found = _known_links.get(text)
    if found is None:
        found = _content_links(text)
    return list(found) if every else [link for link in found if link[0] in SCHEMES]


#: The links of texts whose file the parse cache had (see `know`), by text: looked up before parsing.
_known_links: dict[str, tuple[tuple[str, str, int, str], ...]] = {}


def know(text: str, links: tuple[tuple[str, str, int, str], ...], shown: str | None) -> None:
    """Take `text`'s links (`content_links` with `every`) and, for a Markdown text, its shown text, as a
    load read them before (`primer.content.load.Document.links`): neither is parsed again. The shown text
    is kept for one reading, the lint's, as one read from a long text's tokens is (see `keep_long`)."""
    _known_links[text] = links
    if shown is not None:
        _shown_long[text] = shown


def forget_known() -> None:
    """Forget what `know` took, and the shown texts not read yet (a load begins: it knows them again)."""
    _known_links.clear()
    _shown_long.clear()


def shown_now(text: str) -> str:
    """The shown text of Markdown `text`, for a load to keep with its document: the one parsing its links
    kept, if it did (see `keep_long`), without taking it from the lint, which reads it next."""
    found = _shown_long.get(text)
    return _shown(parsed(text)[0]) if found is None else found


# The checks, the cards' icons and the printed references all read the links of the same section
# bodies: parse each body once, keeping every link (the content links are a subset).
@functools.lru_cache(maxsize=16384)
def _content_links(text: str) -> tuple[tuple[str, str, int, str], ...]:
    """`content_links` with `every`, remembered (a tuple, so that no caller can change what the next one gets)."""
    tokens, references = parsed(text)
    lines = text.lower().splitlines()
    found: list[tuple[str, str, int, str]] = []

    def add(href: str, start: int) -> None:
        scheme, sep, item = href.partition(":")
        if sep and (scheme.lower() in SCHEMES or re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme)):
            needle = href.lower()
            offset = next((i for i in range(start, len(lines)) if needle in lines[i]), start)
            found.append((scheme.lower(), item, offset, href))

    def walk(items: Sequence[Token], start: int) -> None:
        for token in items:
            line = token.map[0] if token.map else start
            if token.type == "link_open":
                add(str(token.attrGet("href") or ""), line)
            if token.children:
                walk(token.children, line)

    walk(tokens, 0)
    for href in references:
        add(href, 0)
    if len(text) > LONG_TEXT and not _parsed_long.keeping:  # the lint reads its words next: see `keep_long`
        _shown_long[text] = _shown(tokens)
    return tuple(found)


def shown_text(text: str) -> str:
    """The text a reader sees of Markdown `text`, with its lines: no markup, no link targets."""
    found = _shown_long.pop(text, None)  # kept for one reading, the lint's (see `keep_long`)
    return _shown(parsed(text)[0]) if found is None else found


def _shown(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    _walk_shown(tokens, out)
    return "".join(out)


def _walk_shown(items: Sequence[Token], out: list[str]) -> None:
    """Append to `out` the text that `items` show (`_shown`): a function of the module, as one of each call that
    called itself would make a cycle, which only the collector frees."""
    for token in items:
        if token.children:
            _walk_shown(token.children, out)
        elif token.type in ("text", "code_inline", "fence", "code_block"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close", "heading_close"):
            out.append("\n")


# The same text is rendered for many pages (a question's stem on its quiz page, the teacher's page, the
# handouts …), each time with the page's own links and glossary state. Parsing is the costly part and
# depends on the text alone, so the tokens are parsed once and never changed afterwards: rewriting
# builds new tokens where it changes something and shares the rest. Tokens take about fourteen times
# the text's size in memory: short texts (stems, options, ledes) are many and small, and all of a big
# lesson's fit; long ones (section bodies) are kept fewer.
LONG_TEXT = 2000


def parsed(text: str, inline: bool = False) -> tuple[tuple[Token, ...], tuple[str, ...]]:
    """markdown-it's tokens for `text` (commonmark, raw HTML escaped, no images), shared between callers:
    read them, never change them; and the targets of its reference definitions."""
    return _parsed_long(text, inline) if len(text) > LONG_TEXT else _parsed_short(text, inline)


def _parse(text: str, inline: bool) -> tuple[tuple[Token, ...], tuple[str, ...]]:
    """`parsed`, parsed afresh."""
    env: dict[str, Any] = {}
    tokens = _MD.parseInline(text, env) if inline else _MD.parse(text, env)
    _compact(tokens)
    return tuple(tokens), tuple(str(ref.get("href", "")) for ref in env.get("references", {}).values())


#: What every parsed token without attributes or plugin data holds instead of an empty dict of its own:
#: read-only, so that a caller changing a shared token fails rather than changes every page.
_NOTHING: Mapping[Any, Any] = MappingProxyType({})
#: Each line range of the tokens kept, once (a lesson's texts share a few hundred of them).
_SPANS: dict[tuple[int, ...], Any] = {}


def _compact(tokens: Sequence[Token]) -> None:
    """Let kept tokens share what most of them hold: empty attributes and plugin data, and line ranges.
    A parsed token would otherwise hold two empty dicts and a list of its own, about as much as the token
    itself (26 MiB at 256 topics)."""
    for token in tokens:
        if not token.attrs:
            token.attrs = _NOTHING  # type: ignore[assignment]
        if not token.meta:
            token.meta = _NOTHING  # type: ignore[assignment]
        if token.map is not None:
            span = tuple(token.map)
            token.map = _SPANS.setdefault(span, span)
        if token.children:
            _compact(token.children)


class _FirstKept:
    """`_parse` for long texts, remembering the first `size` texts and no others (while `keeping`). `primer
    serve` renders a lesson's section bodies again on each visit: a least-recently-used cache smaller than
    the lesson would lose every text just before it is read again, while this one keeps serving the first
    `size` of them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.keeping = True
        self._kept: dict[tuple[str, bool], tuple[tuple[Token, ...], tuple[str, ...]]] = {}
        self._lock = threading.Lock()  # `primer serve` renders pages on several threads

    def keep(self, keeping: bool) -> None:
        """Keep texts from now on, or not (and drop those kept)."""
        with self._lock:
            self.keeping = keeping
            if not keeping:
                self._kept = {}

    def __call__(self, text: str, inline: bool) -> tuple[tuple[Token, ...], tuple[str, ...]]:
        found = self._kept.get((text, inline))
        if found is None:
            found = _parse(text, inline)
            with self._lock:
                if self.keeping and len(self._kept) < self.size:
                    self._kept[text, inline] = found
        return found


#: The least each cache holds; `fit` makes them hold a whole lesson's texts.
_SHORT_TEXTS, _LONG_TEXTS = 16384, 1024
_parsed_short = functools.lru_cache(maxsize=_SHORT_TEXTS)(_parse)
_parsed_long = _FirstKept(_LONG_TEXTS)
#: The shown text of each long text whose links were read while long texts were not kept (see `keep_long`),
#: and of each Markdown text a load knew from the parse cache (see `know`): kept for one reading.
_shown_long: dict[str, str] = {}


@contextlib.contextmanager
def long_texts_unkept() -> Iterator[None]:
    """Keep no long text's tokens meanwhile (see `keep_long`), then as before."""
    was = _parsed_long.keeping
    keep_long(False)
    try:
        yield
    finally:
        keep_long(was)


def keep_long(keep: bool) -> None:
    """Whether to keep the tokens of long texts (section bodies) once parsed. A build reads each body's
    tokens three times: for its links (as the lesson loads), for its words (the lint) and to render its
    topic page. Kept, they take most of a large lesson's tokens (47 MiB at 256 topics), in the main process
    through the check and in every worker forked from it. Unkept, each body is parsed twice: when its links
    are read, which keeps what the lint reads of it (its shown text, a tenth of the size), and where its
    page is rendered."""
    _parsed_long.keep(keep)
    _shown_long.clear()


def fit(short: int, long: int) -> None:
    """Make the caches of parsed texts hold `short` short and `long` long texts (a lesson's count: a build
    reads its texts in several passes, and a cache smaller than the lesson parses them again in each).
    What a cache holds is what was parsed, so a count that is too high costs nothing; they never shrink."""
    global _parsed_short, _content_links
    if short > (_parsed_short.cache_info().maxsize or 0):
        _parsed_short = functools.lru_cache(maxsize=short)(_parse)
    if short + long > (_content_links.cache_info().maxsize or 0):
        _content_links = functools.lru_cache(maxsize=short + long)(_content_links.__wrapped__)
    _parsed_long.size = max(_parsed_long.size, long)


#: The fields of markdown-it's `Token`, in order, as `_copy` gives them.
_TOKEN_FIELDS: tuple[str, ...] = (
    "type", "tag", "nesting", "attrs", "map", "level", "children", "content", "markup", "info", "meta", "block",
    "hidden",
)  # fmt: skip
#: Whether the installed markdown-it's `Token` has just those fields (else `_copy` is `dataclasses.replace`).
_TOKEN_AS_KNOWN = tuple(field.name for field in dataclasses.fields(Token)) == _TOKEN_FIELDS


def _copy(token: Token, type: str, attrs: dict[str, Any], children: list[Token] | None, content: str) -> Token:
    """A copy of `token` with these four fields, as `dataclasses.replace` makes it (`Token.__init__` with every
    field), at a sixth of its cost: the render copies a token for each run of glossed text, each link to the
    lesson and each token that holds them (1% of a cold build's time at 256 topics)."""
    if not _TOKEN_AS_KNOWN:
        return dataclasses.replace(token, type=type, attrs=attrs, children=children, content=content)
    t = token
    return Token(
        type, t.tag, t.nesting, attrs, t.map, t.level, children, content, t.markup, t.info, t.meta, t.block, t.hidden
    )


def _gloss_run(run: list[Token], gloss: TextLinker) -> list[Token]:
    """Gloss text tokens split only by soft line breaks as one text, so that the linker sees a
    name wrapped onto the next line and the words around a name ("National" before "Security Council").
    Returns the tokens that replace `run`: the glossed HTML, then any soft breaks that ended it."""
    end = len(run)
    while end and run[end - 1].type == "softbreak":
        end -= 1
    if not end:
        return run
    text = "".join("\n" if t.type == "softbreak" else t.content for t in run[:end])
    # the linker escapes the text itself: one token holds the run's HTML (a token per piece, all but the
    # first emptied, renders the same, at the cost of a copy of each)
    first = run[0]
    return [_copy(first, "html_inline", first.attrs, first.children, gloss(text)), *run[end:]]


def _rewrite(tokens: Sequence[Token], resolve: Resolver, gloss: TextLinker | None) -> list[Token]:
    """`tokens` with content links resolved and plain text glossed, as new tokens where anything
    changes (the parsed tokens are shared, see `_parsed`)."""
    out: list[Token] = []
    in_link = 0
    run: list[Token] = []
    for token in tokens:
        if gloss is not None and not in_link and (token.type == "text" or (run and token.type == "softbreak")):
            run.append(token)
            continue
        if gloss is not None and run:
            out += _gloss_run(run, gloss)
            run = []
        if token.children:
            token = _copy(token, token.type, token.attrs, _rewrite(token.children, resolve, gloss), token.content)
        if token.type == "link_open":
            in_link += 1
            scheme, _, item = str(token.attrGet("href") or "").partition(":")
            scheme = scheme.lower()  # URL schemes are case-insensitive: 'Term:x' is 'term:x'
            if scheme in SCHEMES:
                url = resolve(scheme, item)
                if url is not None:
                    token = _copy(token, token.type, dict(token.attrs), token.children, token.content)
                    token.attrSet("href", url)
                    token.attrSet("class", f"ref ref-{scheme}")
        elif token.type == "link_close":
            in_link -= 1
        out.append(token)
    if gloss is not None and run:
        out += _gloss_run(run, gloss)
    return out


def render(text: str, resolve: Resolver, *, inline: bool = False, gloss: TextLinker | None = None) -> str:
    """Render content Markdown to HTML, rewriting content links and linking glossary terms."""
    tokens = _rewrite(parsed(text, inline)[0], resolve, gloss)
    return str(_MD.renderer.render(tokens, _MD.options, {}))
