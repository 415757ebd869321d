"""What every export shares: which questions a scope holds, the loss report, text in each target's
markup (HTML, plain text), and deterministic zip files."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import html
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from primer import reads
from primer.content.library import Library
from primer.content.models import Cloze, QuestionBase, ShortAnswer
from primer.derive import Derived
from primer.facts import Facts
from primer.quiz.lint import bank
from primer.render.clip import clip_chars
from primer.render.markdown import SCHEMES, parsed

#: The same Markdown dialect as the site: CommonMark, raw HTML shown as text, no images.
_MD = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable("image")
#: Markdown tokens that carry formatting a plain-text target cannot show.
_FORMATTING = {"strong_open", "em_open", "code_inline", "bullet_list_open", "ordered_list_open", "fence", "code_block"}
#: Tokens that end a run of words: a space keeps the words apart in one line of text.
_SPACES = {"softbreak", "hardbreak", "paragraph_close", "list_item_close", "heading_close"}
#: The category of questions that are in no topic's quiz (whole-bank exports only).
UNASSIGNED = "Questions in no topic"


@dataclass(frozen=True)
class Loss:
    """Something one question lost on its way into a target: what, and why."""

    what: str
    why: str


@dataclass
class LossReport:
    """Every question a target cannot carry, or carries with something dropped, with the reason."""

    target: str
    #: question id → its stem as plain text, for the report's sentences.
    stems: dict[str, str] = field(default_factory=dict)
    #: question id → the reason it was not exported at all.
    skipped: dict[str, str] = field(default_factory=dict)
    #: question id → what it lost, in the order noticed.
    losses: dict[str, list[Loss]] = field(default_factory=dict)
    #: how many questions the export holds.
    exported: int = 0
    #: how many other items (glossary cards, flashcards) it holds besides questions.
    extras: int = 0
    #: what the target loses for every question, said once (e.g. "Kahoot shows no feedback").
    notes: list[str] = field(default_factory=list)
    #: whether the target shows teachers primer's question ids (Moodle names and GIFT titles do).
    ids: bool = False

    def skip(self, question: QuestionBase, why: str) -> None:
        """Record a question the target cannot carry at all."""
        self.stems[question.id] = readable(question.stem)
        self.skipped[question.id] = why

    def lose(self, question: QuestionBase, what: str, why: str) -> None:
        """Record something a carried question lost (once per what)."""
        self.stems[question.id] = readable(question.stem)
        found = self.losses.setdefault(question.id, [])
        if all(loss.what != what for loss in found):
            found.append(Loss(what, why))

    def reported(self) -> int:
        """How many questions appear in the report (skipped, or carried with a loss)."""
        return len(set(self.skipped) | set(self.losses))

    def summary(self) -> str:
        """One line: exported, skipped, carried with losses."""
        extra = f" and {self.extras} glossary cards" if self.extras else ""
        return (
            f"{self.target}: {self.exported} questions{extra} exported; {len(self.skipped)} could not be carried, "
            f"{len(self.losses)} carried with something dropped (see the loss report)"
        )

    def _name(self, qid: str) -> str:
        """A question as the teacher finds it in the target: its words, and its name where shown."""
        quoted = f"“{clip_chars(self.stems[qid], 90)}”"
        return f"{quoted} ({qid})" if self.ids else quoted

    def text(self) -> str:
        """The report as plain text a teacher reads: one line per question and loss."""
        lines = [f"What the {self.target} export could not carry", "", self.summary(), ""]
        if self.notes:
            lines += ["For every question:", *(f"- {note}" for note in self.notes), ""]
        if self.skipped:
            lines.append("Not exported:")
            lines += [f"- {self._name(q)}: {why}" for q, why in sorted(self.skipped.items())]
            lines.append("")
        if self.losses:
            lines.append("Exported with something dropped:")
            for qid, found in sorted(self.losses.items()):
                lines.append(f"- {self._name(qid)}:")
                lines += [f"    - {loss.what}: {loss.why}" for loss in found]
            lines.append("")
        if not self.skipped and not self.losses:
            lines += ["Nothing was dropped.", ""]
        return "\n".join(lines)


def readable(stem: str) -> str:
    """A stem as a teacher reads it in a report: plain text, blanks shown as blanks."""
    return re.sub(r"\[\[[a-z0-9-]+\]\]", "_____", plain(stem))


#: Renders one question's part of a file into a scratch report; None when the target cannot carry it.
Maker = Callable[[LossReport], str | None]


@dataclass(frozen=True)
class Group:
    """Questions exported together: one topic's quiz (a category, a deck)."""

    topic: str | None
    title: str
    questions: list[QuestionBase]


@dataclass(frozen=True)
class Scope:
    """What one export holds: a topic's quiz, or the whole bank grouped by topic."""

    lib: Library
    derived: Derived
    #: the topic id, or None for the whole bank.
    topic: str | None
    groups: list[Group]
    #: what one build has rendered already, shared by all its scopes (see `fragment`).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        """The export's title: the topic's, or the lesson's."""
        if self.topic is None:
            return self.lib.site.title
        return self.lib.topics[self.topic].title

    def questions(self) -> list[QuestionBase]:
        """Every question of the scope, in group order."""
        return [q for group in self.groups for q in group.questions]

    def slug(self) -> str:
        """The scope's name in file names and ids."""
        return self.topic or "question-bank"


def note_typed_answers(report: LossReport, scope: Scope, who: str, compares: str) -> None:
    """Say, once, that the platform `who` marks typed answers more strictly than primer's site (when the scope
    has any): `compares` says how it compares them."""
    typed = any(
        isinstance(q, ShortAnswer) or (isinstance(q, Cloze) and any(not b.choices for b in q.blanks))
        for q in scope.questions()
    )
    if typed:
        report.notes.append(
            f"{who} compares typed answers with the listed ones {compares}. primer's site also accepts an answer "
            "that differs from a listed one by punctuation, spacing or accents, adds a few words around it "
            "(“Defense Minister Kono” for “Kono”), or has a small typo in a long answer; students who type such an "
            "answer are marked wrong there. To avoid that, add the forms students are likely to type to the "
            "question's accepted answers (accept:)"
        )


def topic_terms(lib: Library, derived: Derived, topic: str) -> list[str]:
    """The ids of the glossary terms a topic's text uses (`Derived.term_topics` lists the topic under them),
    sorted, found from the topic's own citations: no other topic's or term's are read."""
    cited = (ref.partition(":") for ref in derived.citations.get(topic, {}))
    return sorted({item for kind, _, item in cited if kind == "term" and item in lib.terms})


def scope(lib: Library, derived: Derived, topic: str | None, memo: dict[Any, Any] | None = None) -> Scope:
    """The questions of one topic's quiz, or of the whole bank: each question once, under the first
    topic whose quiz holds it, then the questions in no quiz. Scopes of one build share `memo`."""
    memo = {} if memo is None else memo
    if topic is not None:
        t = lib.topics[topic]
        return Scope(lib, derived, topic, [Group(t.id, t.title, list(derived.quizzes.get(t.id, [])))], memo)
    seen: set[str] = set()
    groups = []
    for tid, title, _ in lib.topic_headings():  # the topics' titles: no topic's text
        fresh = [q for q in derived.quizzes.get(tid, []) if q.id not in seen]
        seen.update(q.id for q in fresh)
        groups.append(Group(tid, title, fresh))
    rest = [q for qid, q in bank(lib, derived).items() if qid not in seen]
    if rest:
        groups.append(Group(None, UNASSIGNED, rest))
    return Scope(lib, derived, None, groups, memo)


@dataclass(frozen=True)
class Fragment:
    """One question's part of a target file (UTF-8), and what the question lost there."""

    text: bytes | None
    skipped: str | None
    losses: tuple[Loss, ...]


class KeptFragments:
    """The fragments of one format kept from one build to the next (`primer.facts`: a file per format in the
    lesson's place in the parse cache), each with what making it read (`primer.reads`: the question itself,
    and what the target read besides) and those reads' digest on its lesson. A fragment whose reads have the
    same digest on this build's lesson is taken (it would be the same bytes); another is made again. The
    whole bank's export of a format uses every current fragment, and the file then keeps those alone; a build
    that took that export from the last one keeps the others too. A rebuild after a question's edit then
    makes that question's fragments alone: the whole bank's Canvas and Moodle files took 1.6 s at 256 topics."""

    def __init__(self, facts: Callable[[], Facts], pagemap: reads.PageMap, common: bytes) -> None:
        """`facts`: opens the format's file, when a fragment is first asked for (a rebuild that takes every
        export of the format from the last build never reads it)."""
        self._open, self.pagemap, self.common = facts, pagemap, common
        self._facts: Facts | None = None

    @property
    def facts(self) -> Facts:
        """The format's file of fragments, read the first time it is asked for."""
        if self._facts is None:
            self._facts = self._open()
        return self._facts

    def save(self, *, unused: bool) -> None:
        """Write the fragments this build used (with `unused`, the others too), when it read the file."""
        if self._facts is not None:
            self._facts.save(unused=unused)

    def taken(self, target: str, question: QuestionBase) -> tuple[Fragment, list[reads.Token]] | None:
        """The fragment of `question` in `target` kept from the last build, with what making it read, when its
        reads did not change (it would be the same bytes); else None. Nothing is recorded: the caller records
        the reads (see `fragment`)."""
        key = _fragment_key(target, question)
        kept = self.facts.peek(key)
        if kept is None:
            return None
        digest, tokens, value = kept
        if self.pagemap.digest(self.common + key, tokens) != digest:
            return None
        self.facts.keep(key, kept)
        return value, tokens

    def make_and_keep(self, target: str, question: QuestionBase, make: Callable[[], Fragment]) -> Fragment:
        """The fragment of `question` in `target` made by `make` (one that `taken` did not give), and kept."""
        key = _fragment_key(target, question)
        own = self.common + key
        with reads.recording() as found:
            reads.record(("derived.bank", question.id))  # the question: its fragment reads all of it
            value = make()
        tokens = sorted(reads.coarse(found))
        digest = self.pagemap.digest(own, tokens)
        if digest is not None:
            # kept as made: the same object as the build's memo holds, and the file is written as it is. Each
            # fragment compressed on its own took a fifth of the exports' time in a first build (60 MB of
            # them at 256 topics, 0.7 s of zlib), to save 40 MB of cache (the whole file compressed at once
            # would take 0.3 s at each write and as much at each read)
            self.facts.keep(key, (digest, tokens, value))
        return value


def _fragment_key(target: str, question: QuestionBase) -> bytes:
    """The key of a question's fragment in its format's file of kept fragments (a file of its own: no hash needed)."""
    return b"%s\0%s" % (target.encode(), question.id.encode())


#: Where a build's exports find the fragments kept for a format (`KeptFragments`), in their shared memo.
KEPT = "kept fragments"


def fragment(scope: Scope, target: str, question: QuestionBase, report: LossReport, make: Maker) -> bytes | None:
    """A question's part of a target's file as UTF-8 (None: not carried), made once per build: a question is
    in the whole bank's export and in its topics', and serializing it again would only cost time. What it
    lost is recorded in `report` each time. (Kept as UTF-8, a lesson's fragments take half the memory that
    text would: a few characters such as "’" make Python keep a whole text at two bytes a character.)
    With fragments kept from the last build (`KeptFragments`, in the memo), one whose reads did not change
    is taken from there."""

    def made() -> Fragment:
        scratch = LossReport(report.target)
        text = make(scratch)
        data = None if text is None else text.encode("utf-8")
        return Fragment(data, scratch.skipped.get(question.id), tuple(scratch.losses.get(question.id, ())))

    at = (target, question.id)
    making: Callable[[], Fragment] = made
    kept: KeptFragments | None = scope.memo.get(KEPT)
    if kept is not None:
        if at not in scope.memo and (taken := kept.taken(target, question)) is not None:
            # held as `reads.kept` holds what it makes, with what it read as the last build kept it (made coarse
            # then), without recording that, reading it back and making it coarse again: a rebuild after a
            # question's or a term's edit takes each format's fragment of every other question of the bank
            # (23,000 at 256 topics)
            scope.memo[at] = (taken[0], frozenset(taken[1]))
        making = functools.partial(kept.make_and_keep, target, question, made)
    found = reads.kept(scope.memo, at, making)  # each export reads what making it read
    if found.skipped is not None:
        report.skip(question, found.skipped)
    for loss in found.losses:
        report.lose(question, loss.what, loss.why)
    return found.text


# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class Rendered:
    """Markdown turned into a target's markup, and what that lost."""

    text: str
    links_removed: tuple[str, ...] = ()
    flattened: bool = False


def _content_link(token: Token) -> bool:
    scheme = str(token.attrGet("href") or "").partition(":")[0]
    return scheme in SCHEMES


def _strip_content_links(tokens: Sequence[Token], removed: list[str]) -> list[Token]:
    """Drop links to content (point:, source: …): they resolve only inside the site. Their text stays,
    so that a citation reads as a reference ("Article A") rather than a broken link."""
    kept: list[Token] = []
    depth = 0
    for token in tokens:
        if token.children:  # the parsed tokens are shared (see `parsed`): change a copy
            token = dataclasses.replace(token, children=_strip_content_links(token.children, removed))
        if token.type == "link_open" and _content_link(token):
            removed.append(str(token.attrGet("href")))
            depth += 1
            continue
        if token.type == "link_close" and depth:
            depth -= 1
            continue
        kept.append(token)
    return kept


#: How many texts the exports keep rendered: every format, per topic and for the whole bank, renders the same
#: stems, options and feedback, so the cache holds a large lesson's (a short string each; a bound too small
#: made every format parse every text again above about 500 topics).
_KEPT = 1 << 17


#: Each text's renderings kept from one build to the next (`keeping_renderings`), while the exports run.
_RENDERINGS: ContextVar[Facts | None] = ContextVar("renderings", default=None)


@contextlib.contextmanager
def keeping_renderings(facts: Facts) -> Iterator[None]:
    """Within the block, `to_html` and `to_plain` take a text's rendering from `facts` when it holds one, and
    keep those they make there. Parsing the Markdown is most of what a text's rendering costs, and a rebuild
    after an edited question or term makes every format's whole-bank file again: at 256 topics the exports'
    worker parsed 5,209 stems, 0.3 s of the build's last second, the same as in the last build."""
    token = _RENDERINGS.set(facts)
    try:
        yield
    finally:
        _RENDERINGS.reset(token)


def _kept(kind: bytes, text: str, make: Callable[[], Rendered]) -> Rendered:
    facts = _RENDERINGS.get()
    return make() if facts is None else facts.get(kind + text.encode("utf-8", "surrogatepass"), make)


@functools.lru_cache(maxsize=_KEPT)
def to_html(text: str, *, inline: bool = False) -> Rendered:
    """Markdown → HTML for targets that show HTML (QTI, Moodle): raw HTML escaped, content links
    turned into their text. Block text keeps its paragraphs; `inline` renders a single line."""
    return _kept(b"i\0" if inline else b"h\0", text, functools.partial(_html, text, inline))


def _html(text: str, inline: bool) -> Rendered:
    removed: list[str] = []
    tokens = _strip_content_links(parsed(text, inline)[0], removed)
    out = str(_MD.renderer.render(tokens, _MD.options, {})).strip()
    return Rendered(out, tuple(removed))


@dataclass
class _PlainState:
    links_removed: list[str] = field(default_factory=list)
    flattened: bool = False


def _plain_tokens(tokens: Sequence[Token], out: list[str], state: _PlainState) -> None:
    for token in tokens:
        if token.type in _FORMATTING:
            state.flattened = True
        if token.type == "link_open":
            if _content_link(token):
                state.links_removed.append(str(token.attrGet("href")))
            else:
                state.flattened = True  # an outside link keeps its text; its address is dropped
        if token.children:
            _plain_tokens(token.children, out, state)
        elif token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type in _SPACES:
            out.append(" ")
        elif token.type in ("fence", "code_block"):
            out.append(token.content)


@functools.lru_cache(maxsize=_KEPT)
def to_plain(text: str) -> Rendered:
    """Markdown → one line of plain text: emphasis and links flattened to their words."""
    return _kept(b"p\0", text, functools.partial(_plain, text))


def _plain(text: str) -> Rendered:
    state = _PlainState()
    out: list[str] = []
    _plain_tokens(parsed(text)[0], out, state)
    return Rendered(re.sub(r"\s+", " ", "".join(out)).strip(), tuple(state.links_removed), state.flattened)


def plain(text: str) -> str:
    """Markdown as plain text."""
    return to_plain(text).text


def esc(text: str) -> str:
    """Plain text as HTML."""
    return html.escape(text, quote=False)


# --------------------------------------------------------------------------- XML


#: What ElementTree escapes between tags, and in an attribute's value (line ends and tabs as references).
_CDATA = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE = (*_CDATA, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escaped(text: str, table: tuple[tuple[str, str], ...]) -> str:
    """`text` with each character of `table` replaced, in the table's order (as ElementTree does it)."""
    for char, reference in table:
        if char in text:
            text = text.replace(char, reference)
    return text


def xml_escape(text: str) -> str:
    """Text as ElementTree escapes it between tags."""
    return _escaped(text, _CDATA)


def xml_attribute(text: str) -> str:
    """An attribute's value as ElementTree escapes it (between double quotes)."""
    return _escaped(text, _ATTRIBUTE)


# Exports whose items are many (Canvas's, Moodle's) write them as text, an element to a line, each level
# indented two spaces more: what ElementTree writes after its `indent` for the same tree, to the character,
# without building the tree first (nor walking it twice, to indent and to write it: a 256-topic lesson's
# Canvas items took 1.8 s so, 0.8 s as text). `out` is the list of lines; `depth` an element's level.

#: The indentation of each level.
PAD = tuple("  " * depth for depth in range(16))


def leaf(out: list[str], depth: int, tag: str, attrs: str = "", text: str | None = None) -> None:
    """An element with no children: `attrs` written already (` name="value"`, escaped: `xml_attribute`),
    `text` as it reads (none, or empty: `<tag />`)."""
    pad = PAD[depth]
    out.append(f"{pad}<{tag}{attrs}>{xml_escape(text)}</{tag}>" if text else f"{pad}<{tag}{attrs} />")


def wrap(out: list[str], depth: int, tag: str, attrs: str, inner: list[str]) -> None:
    """An element holding the lines `inner` (its children, written a level deeper), or none."""
    pad = PAD[depth]
    if not inner:
        out.append(f"{pad}<{tag}{attrs} />")
        return
    out.append(f"{pad}<{tag}{attrs}>")
    out.extend(inner)
    out.append(f"{pad}</{tag}>")


def note_markup(report: LossReport, question: QuestionBase, rendered: Rendered, *, plain_target: bool) -> None:
    """Record what rendering a question's stem lost: citation links, and formatting on plain targets."""
    if rendered.links_removed:
        report.lose(
            question,
            "citation links removed",
            "links into the lesson's site do not work in the target; the cited words stay in the text",
        )
    if plain_target and rendered.flattened:
        report.lose(question, "Markdown flattened", "the target shows plain text only; bold, italics and code are lost")


def stable_int(*parts: str, bits: int = 31) -> int:
    """A stable positive integer from text (ids the target needs as numbers)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") % (1 << bits) or 1


def number(value: float) -> str:
    """A number as the shortest text that reads back the same ('2006', '0.5')."""
    return f"{value:g}" if float(f"{value:g}") == value else repr(value)


#: A fixed date for zip entries (the earliest a zip can hold): the same content gives the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


#: zlib's fastest level: the exports' XML and Anki's database compress 7 to 9 times at it, against 8 to 10
#: at the default (6), in less than half the time (0.09 s against 0.22 s for the 21 MB of a 64-topic
#: lesson's packages).
ZIP_LEVEL = 1


def zip_bytes(files: Mapping[str, bytes | Callable[[], bytes]]) -> bytes:
    """A zip of `files`, entries sorted, with fixed dates and permissions. A file given as a function is
    made when its turn comes, and dropped once compressed: a large lesson's files need not all be held at once."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = files[name]
            archive.writestr(info, data() if callable(data) else data, compresslevel=ZIP_LEVEL)
    return buffer.getvalue()
