"""Finding glossary terms by name in text, fast enough for thousands of terms.

A name found inside a longer capitalised name is not a mention of the term: "Security Council"
in "Japan's National Security Council" names a different council than the UN's. A match counts
as inside a longer name when a neighbouring capitalised word (see `_name_word`) joins it and
no other term's name accounts for that word ("UN Security Council Resolution 2397" is two known
names side by side, so both count). A term's `not_in` phrases are never matched, whatever their
case: they let an author settle what the rule cannot see, such as a longer name at the start of
a sentence.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
import string
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from primer import facts
from primer.content.models import Term
from primer.memo import Memo
from primer.patterns import OTHER_CASE, plain_ascii

#: The target of a Markdown link, so that `[text](term:id)` is searched only for its text.
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
#: The word before a position, separated from it by spaces and at most one line break.
_BEFORE = re.compile(r"(\S+)[ \t]*\n?[ \t]*$")
#: The word after a position, likewise.
_AFTER = re.compile(r"[ \t]*\n?[ \t]*(\S+)")
#: How far to look around a match for neighbouring words of a longer name.
_WINDOW = 80
#: Capitalised words that start sentences and headings but never belong to a name.
_FUNCTION_WORDS = frozenset(
    re.findall(
        r"\w+",
        "a an and as at but by for from if in into its of on or our so that the their these this those to "
        "when where while with",
    )
)
#: One hyphenated part of a word in a name: "Self", "Defense", "15".
_NAME_PART = re.compile(r"[A-Z0-9][\w'’]*")
#: Punctuation that may follow the last word of a name.
_CLOSING = ".,;:!?)]”’\"'"


def term_names(term: Term) -> list[str]:
    """Every name a term goes by: the term, its aliases and its expansion."""
    return [term.term, *term.aliases, *([term.expansion] if term.expansion else [])]


def _spaced(name: str) -> str:
    """A name with its runs of white space made single spaces, as the index keys them."""
    return " ".join(name.split())


def _name_word(word: str) -> bool:
    """True for a capitalised word that can be part of a proper name ("National", "Self-Defense",
    "Hwasong-15", "Japan–South"): every hyphenated part starts with a capital or a digit, it has a lower-case
    letter (acronyms such as "US" or "UN" qualify a name rather than lengthen it), it is not
    possessive ("Japan's") and not a function word ("The")."""
    if not word[:1].isupper() or word.lower() in _FUNCTION_WORDS or word.endswith(("'s", "’s")):
        return False
    if not any(ch.islower() for ch in word.removesuffix("s")):
        return False  # an acronym, or its plural ("ICBMs")
    return all(_NAME_PART.fullmatch(part) for part in re.split("[-–]", word))


@dataclass(frozen=True)
class Mention:
    """One place a term name occurs in text."""

    match: Found
    #: the ids of the terms it names there, in id order
    ids: list[str]
    #: the longer capitalised name it sits inside ("National Security Council"), or "" when none
    inside: str = ""


class Span:
    """Where a name was found in lower-cased text, as the match in the text itself would tell it (`start`,
    `end`, `group(0)`): for a text with only ASCII letters the two matches are the same."""

    __slots__ = ("_end", "_start", "_text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text, self._start, self._end = text, start, end

    def start(self) -> int:
        """Where the name starts in the text."""
        return self._start

    def end(self) -> int:
        """Where it ends."""
        return self._end

    def group(self, number: int = 0, /) -> str:
        """The name as the text writes it (only the whole match: the pattern has no groups)."""
        assert number == 0
        return self._text[self._start : self._end]


#: A name found in a text: the match, or for lower-cased text its `Span`.
Found = re.Match[str] | Span


class _Built:
    """What a TermMatcher builds from a glossary: names, `not_in` patterns, and the patterns of all names, each
    compiled when a text first needs it (compiling a large glossary's pattern takes a tenth of a second or
    more): for any text (`pattern`), for lower-cased text (`lower`: None unless `plain`, when the names' letters
    are all ASCII, see `_plain_case`) and for lower-cased plain ASCII text (`after`)."""

    __slots__ = (
        "_after",
        "_after_made",
        "_body",
        "_capitals",
        "_lower",
        "_pattern",
        "_scannable",
        "_scanned",
        "_trees",
        "names",
        "not_in",
        "plain",
    )

    def __init__(
        self,
        names: dict[str, list[tuple[str, str, bool]]],
        not_in: dict[str, list[re.Pattern[str]]],
        body: str | None,
        plain: bool,
    ) -> None:
        self.names, self.not_in, self._body, self.plain = names, not_in, body, plain
        self._pattern: re.Pattern[str] | None = None
        self._lower: re.Pattern[str] | None = None
        self._after: re.Pattern[str] | None = None
        self._after_made = False
        self._capitals: re.Pattern[str] | None = None
        #: characters of text read without `after` and `capitals` (see `few`), and the tries that read them
        self._scanned = 0
        self._trees: tuple[_Node, dict[str, _Node]] | None = None
        self._scannable: bool | None = None

    def few(self, text: str) -> bool:
        """Whether to read `text` without compiling `after` or `capitals` (`scan`, `scan_capitals`): neither is
        compiled yet, and all the texts read so far without them are short enough that reading them in Python
        costs less than compiling a pattern (a large glossary's takes 0.03-0.15 s: a rebuild's process compiles
        each to read the few texts an edit changed)."""
        if self._after is not None or self._capitals is not None or self._scanned + len(text) > SCAN_LIMIT:
            return False
        self._scanned += len(text)
        return True

    @property
    def trees(self) -> tuple[_Node, dict[str, _Node]]:
        """The names as tries (each name's characters in turn, "" where one ends): all of them, and those that
        begin with an ASCII letter by that letter as a capital, their rest in lower case (`capitals`)."""
        if self._trees is None:
            every: _Node = {}
            rests: dict[str, _Node] = {}
            for name in self.names:
                _add(every, name)
                if name[:1].isascii() and name[:1].isalpha():
                    _add(rests.setdefault(name[0].upper(), {}), name[1:])
            self._trees = (every, rests)
        return self._trees

    @property
    def scannable(self) -> bool:
        """Whether `scan` finds what `after` would (it is not None): compiled or not."""
        if self._scannable is None:
            ascii_names = [name for name in self.names if name.isascii()]  # no other name is in an ASCII text
            self._scannable = self.plain and all(_EDGE.fullmatch(name[-1]) for name in ascii_names)
        return self._scannable

    @property
    def pattern(self) -> re.Pattern[str]:
        """The pattern matching the names in any case (there is a name: `body` is not None)."""
        if self._pattern is None:
            assert self._body is not None
            self._pattern = re.compile(rf"(?<![\w/-]){self._body}(?![\w/-])", re.IGNORECASE)
        return self._pattern

    @property
    def lower(self) -> re.Pattern[str] | None:
        """The pattern matching the names in lower-cased text, heeding case (`plain` only): case-blind matching
        costs the regex engine about twice as much, and gives the same matches when the names and the text
        have only ASCII letters (see `lower_case_matches`)."""
        if self._lower is None and self.plain:
            self._lower = re.compile(rf"(?<![\w/-]){self._body}(?![\w/-])")
        return self._lower

    @property
    def after(self) -> re.Pattern[str] | None:
        r"""For a lower-cased text that is `plain_ascii`, with a space put in front of it: a pattern that finds the
        names `lower` finds, each as its group 1, after the character before it (not one of `[\w/-]`, as
        `lower` asks: the space in front stands for the text's start). It finds the same names, since no
        match can begin where the last one ended (the names all end in one of `[\w/-]`, else this is None);
        and in a third less time: the regex engine looks for a character that may come before a name, where
        `lower` tries to match at every place."""
        if not self._after_made:
            if self.scannable:
                self._after = re.compile(rf"[^\w/-]({self._body})(?![\w/-])", re.ASCII)
            self._after_made = True
        return self._after

    @property
    def capitals(self) -> re.Pattern[str] | None:
        """A pattern that finds every place where a name may occur beginning with a capital letter, and others
        (it ignores the edges of words), in a text that `lower` may search (None when there is no `lower`):
        each name's first letter as a capital, then the rest of it in any case. It begins with a capital, which
        the regex engine scans the text for: about twenty times as fast as finding the names."""
        if not self.plain:
            return None
        if self._capitals is None:
            rests: dict[str, list[str]] = {}
            for name in self.names:
                if name[:1].isascii() and name[:1].isalpha():  # a name that begins otherwise never begins with one
                    rests.setdefault(name[0].upper(), []).append(name[1:])
            branches = [f"{re.escape(first)}(?i:{trie_pattern(sorted(rest))})" for first, rest in sorted(rests.items())]
            self._capitals = re.compile("|".join(branches) or "(?!)")
        return self._capitals


#: A character that may end a name found by `_Built.after` (one that a name found may not border on), in
#: ASCII text.
_EDGE = re.compile(r"[\w/-]", re.ASCII)
#: Those characters, and the white space of an ASCII text (`\s` in ASCII mode).
_EDGES = frozenset(string.ascii_letters + string.digits + "_/-")
_ASCII_SPACE = frozenset(" \t\n\r\f\v")
#: A character a name found by `_Built.after` may begin after (any but `_EDGE`'s), in ASCII text.
_BEFORE_NAME = re.compile(r"[^\w/-]", re.ASCII)

#: How many characters of text a glossary's matcher reads without its patterns (`_Built.few`), in all: at 256 topics
#: `scan` reads a text in about 75 ns a character, the compiled `after` in 16 (`capitals` mostly stops early either
#: way), and compiling the two takes 0.1-0.25 s. A rebuild's process reads a few thousand characters; a process
#: that reads the whole lesson compiles them once it has read this many, at a cost of 20 ms.
SCAN_LIMIT = 300_000

#: A trie of names: each character leads on to the node of the names that go on with it; "" marks a name's end.
_Node = dict[str, Any]


def _add(tree: _Node, name: str) -> None:
    node = tree
    for ch in name:
        node = node.setdefault(ch, {})
    node[""] = {}


def scan(tree: _Node, text: str) -> Iterator[tuple[int, int]]:
    r"""(start, end) of each match of `_Built.after` in `text` (lower case, `plain_ascii`, a space in front), found
    with the trie of the names (`_Built.trees`) rather than the compiled pattern: after a character that is not
    one of `[\w/-]`, the longest name (a space in it reads any run of white space) that no such character follows;
    the next match looked for where it ends, as the pattern's are."""
    end, size = 0, len(text)
    while (before := _BEFORE_NAME.search(text, end)) is not None:
        start = before.end()
        node, at, found = tree, start, -1
        while at < size:
            ch = text[at]
            spaced = ch in _ASCII_SPACE  # a name's space: the whole run of white space
            child = node.get(" " if spaced else ch)
            if child is None:
                break
            node, at = child, at + 1
            while spaced and at < size and text[at] in _ASCII_SPACE:
                at += 1
            if "" in node and (at == size or text[at] not in _EDGES):
                found = at
        if found < 0:
            end = start
            continue
        yield start, found
        end = found


def scan_capitals(rests: dict[str, _Node], text: str) -> bool:
    r"""Whether `_Built.capitals` finds a place in `text` (one that `lower_case_matches`), found with the tries of
    the names' rests by their first letter as a capital (`_Built.trees`): that letter, then the rest of a name in
    any case (a space in it reads any run of white space, `\s` as the pattern reads it)."""
    lowered = text.lower()  # the same places: lower-casing moves no character of such a text
    for at, ch in enumerate(text):
        node = rests.get(ch)
        if node is None:
            continue
        at += 1
        while True:
            if "" in node:
                return True
            if at >= len(text):
                break
            spaced = lowered[at].isspace()
            child = node.get(" " if spaced else lowered[at])
            if child is None:
                break
            node, at = child, at + 1
            while spaced and at < len(text) and lowered[at].isspace():
                at += 1
    return False


#: Characters outside ASCII, to see whether a text has letters with case among them.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@functools.cache
def _uncased(ch: str) -> bool:
    """True when a character has no case (a quote, a dash, a symbol): lower-casing leaves it alone, and
    no letter matches it in any case (kept per character: texts use a few dozen)."""
    return ch.lower() == ch == ch.upper()


def _plain_case(text: str) -> bool:
    """True when the letters of `text` are all ASCII: a name such as this may be matched in lower-cased text
    (see `lower_case_matches`)."""
    return text.isascii() or all(map(_uncased, set("".join(_NON_ASCII.findall(text)))))


def lower_case_matches(text: str) -> bool:
    r"""True when a pattern with no letter outside ASCII and no capital (see `_plain_case`) finds in `text.lower()`,
    heeding case, what it finds in `text` ignoring case, at the same places: `text` holds none of the characters
    of `OTHER_CASE` (`lower()` makes İ two characters and K a 'k'). Lower-casing any other character keeps its
    place and whether `\w` and `\s` match it (tried on every character), and a letter outside ASCII matches no
    letter of the pattern in either case."""
    return text.isascii() or OTHER_CASE.search(text) is None


#: The last few glossaries' matchers, by their names (a build, a `serve` rebuild after an edit).
_BUILT: dict[tuple[tuple[str, ...], ...], _Built] = {}
#: The last few glossaries' names and matchers, by the identities of their terms (kept alive with them).
_SAME: dict[tuple[int, ...], tuple[list[Term], tuple[tuple[str, ...], ...], _Built]] = {}
#: `TermMatcher.find` by (built matcher, text): see `primer.memo`.
_FOUND: Memo[tuple[int, str], frozenset[str]] = Memo()


class TermMatcher:
    """Finds glossary terms mentioned by name (term, alias or expansion) in text.

    Names without lower-case letters (THAAD, AN/TPY-2) must match in case; others match in any case.
    A space in a name matches any white space, so a name wrapped over two lines is still found.
    """

    def __init__(self, terms: Iterable[Term]) -> None:
        # Built once per glossary: every page and topic makes a matcher, and the trie costs as much as
        # the glossary is long, so building it each time would make a build quadratic. Reading every term's
        # names again to find the built one would too (11 ms a matcher at 1,024 topics, one a teacher's page):
        # the same term objects (frozen) find it by their identities.
        listed = list(terms)
        identity = tuple(map(id, listed))
        same = _SAME.pop(identity, None)
        if same is None:
            key = tuple((term.id, *term_names(term), "\0", *term.not_in) for term in listed)
            built = _BUILT.pop(key, None) or self._build(key)
            _BUILT[key] = built  # most recently used last
            while len(_BUILT) > 4:
                del _BUILT[next(iter(_BUILT))]
            same = (listed, key, built)
        _SAME[identity] = same  # with the terms themselves, so that no other object takes their identities
        while len(_SAME) > 4:
            del _SAME[next(iter(_SAME))]
        _, key, built = same
        self._names, self._not_in, self._plain = built.names, built.not_in, built.plain
        self._built = built
        self._key = key

    @property
    def built(self) -> object:
        """What the matcher is made of: the same object for the same glossary names while it is kept (a key
        part for `primer.memo`, which keeps it alive)."""
        return self._built

    @functools.cached_property
    def digest(self) -> str:
        """The hash of the glossary's names as this matcher reads them: what it finds in a text depends on
        them and on the text alone (a key for results kept between processes: `primer.facts`)."""
        return hashlib.blake2b(repr(self._key).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    @staticmethod
    def _build(key: tuple[tuple[str, ...], ...]) -> _Built:
        names: dict[str, list[tuple[str, str, bool]]] = {}
        not_in: dict[str, list[re.Pattern[str]]] = {}
        for term_id, *rest in key:
            split = rest.index("\0")
            for name in rest[:split]:
                exact = not any(ch.islower() for ch in name)
                names.setdefault(_spaced(name).lower(), []).append((_spaced(name), term_id, exact))
            if rest[split + 1 :]:
                not_in[term_id] = [
                    re.compile(r"\s+".join(map(re.escape, p.split())), re.IGNORECASE) for p in rest[split + 1 :]
                ]
        # One pattern shaped as a trie of the names: the longest name wins at each place, and the
        # regex engine need not try thousands of alternatives at every character.
        body = trie_pattern(sorted(names)) if names else None
        return _Built(names, not_in, body, bool(names) and all(_plain_case(name) for name in names))

    def ready(self) -> None:
        """Compile now the patterns a check of a text made anew uses (`capitalised`, `mentions`), which compile when
        first used otherwise: a process that checks again after a save (`primer build --watch`) compiles them before
        the first save rather than in its rebuild (0.2 s at 256 topics), when the check it starts with found every
        text's reading kept and used none of them."""
        built = self._built
        if built.names:  # (each compiles as it is read; all but `pattern` are None for a glossary not `plain`)
            _ = (built.pattern, built.capitals, built.after, built.lower)

    def capitalised(self, text: str) -> bool:
        """False when no name can occur in `text` beginning with a capital letter, so that no mention there sits
        inside a longer name (`Mention.inside`, which begins with a capitalised word): the names' check reads
        150,000 texts at 256 topics, and 2,000 of them have such a place (0.06 s to find them, against 1.2 s to
        find every mention)."""
        built = self._built
        if not built.plain or not lower_case_matches(text):  # İ, ı, ſ or K, taken for ASCII letters: look
            return True
        if built.few(text):
            return scan_capitals(built.trees[1], text)
        capitals = built.capitals
        assert capitals is not None  # a plain glossary
        return capitals.search(text) is not None

    def mentions(self, text: str) -> Iterator[Mention]:
        """Every occurrence of a name in `text` that a term's `not_in` does not exclude, with the
        longer capitalised name it sits inside, if any."""
        if not self._names:
            return
        found: list[tuple[Found, list[str]]] = []
        for match in self._finditer(text):
            word = _spaced(match.group(0))
            ids = sorted(
                {term_id for name, term_id, exact in self._names.get(word.lower(), []) if not exact or word == name}
            )
            ids = [term_id for term_id in ids if not self._excluded(term_id, text, match)]
            if ids:
                found.append((match, ids))
        spans = [(m.start(), m.end()) for m, _ in found]
        for match, ids in found:
            yield Mention(match, ids, self._longer_name(text, match, spans))

    def _finditer(self, text: str) -> Iterator[Found]:
        """The names' pattern's matches in `text`: found in the lower-cased text where that is the same
        (see `_build`), each then told at its place in `text` itself (`Span`)."""
        if not self._plain or not lower_case_matches(text):
            yield from self._built.pattern.finditer(text)
            return
        built = self._built
        if plain_ascii(text) and built.scannable:
            if built.few(text):
                for start, end in scan(built.trees[0], " " + text.lower()):  # each place one further on
                    yield Span(text, start - 1, end - 1)
                return
            after = built.after
            assert after is not None  # (scannable)
            for found in after.finditer(" " + text.lower()):
                yield Span(text, found.start(1) - 1, found.end(1) - 1)
            return
        lower = self._built.lower
        assert lower is not None  # a plain glossary
        for found in lower.finditer(text.lower()):
            yield Span(text, found.start(), found.end())

    def matches(self, text: str) -> Iterator[tuple[Found, list[str]]]:
        """Each place a term is mentioned in `text` (not inside a longer name), with the ids of the
        terms it names there (in id order)."""
        for mention in self.mentions(text):
            if not mention.inside:
                yield mention.match, mention.ids

    def find(self, text: str) -> set[str]:
        """Ids of the terms whose names occur in Markdown `text` (link targets are ignored)."""
        # the same names (one built matcher) and the same text find the same terms
        return set(_FOUND.get((id(self._built), text), functools.partial(self._find, text), keep=self._built))

    def find_kept(self, text: str) -> frozenset[str]:
        """`find`, kept between commands by the check running here (`primer.facts.kept`), by the glossary's
        names and the text."""
        return facts.kept().get(lambda: facts.key("terms found", self.digest, text), lambda: frozenset(self.find(text)))

    def _find(self, text: str) -> frozenset[str]:
        return frozenset(term_id for _, ids in self.matches(_LINK_TARGET.sub("]", text)) for term_id in ids)

    def _excluded(self, term_id: str, text: str, match: Found) -> bool:
        """True when the match lies inside one of the term's `not_in` phrases."""
        for phrase in self._not_in.get(term_id, []):
            start = max(0, match.start() - _WINDOW * 2)
            for found in phrase.finditer(text, start, match.end() + _WINDOW * 2):
                if found.start() <= match.start() and match.end() <= found.end():
                    return True
        return False

    @staticmethod
    def _longer_name(text: str, match: Found, spans: list[tuple[int, int]]) -> str:
        """The longer capitalised name around a match that other names do not account for, or ""."""
        if not _name_word(match.group(0).split()[0]):
            return ""  # "THAAD battery", "X-band radar", "the radar": not a capitalised name
        start, end = match.start(), match.end()
        uncovered = False
        while True:  # words before: "National" in "Japan's National Security Council"
            before = _BEFORE.search(text, max(0, start - _WINDOW), start)
            if before is None or before.end(1) == start or not _name_word(before.group(1)):
                break
            if _starts_sentence(text, before.start(1)):
                break
            start = before.start(1)
            uncovered = uncovered or not _covered(start, spans)
        while _name_word(match.group(0).split()[-1]):  # words after: "Agency" in "US Missile Defense Agency"
            after = _AFTER.match(text, end, end + _WINDOW)
            if after is None or after.start(1) == end:
                break
            word = after.group(1).rstrip(_CLOSING)
            if not _name_word(word):
                break
            uncovered = uncovered or not _covered(after.start(1), spans)
            end = after.start(1) + len(word)
            if len(word) < len(after.group(1)):
                break  # punctuation ends the name
        return " ".join(text[start:end].split()) if uncovered else ""


def _covered(position: int, spans: list[tuple[int, int]]) -> bool:
    """True when another name occurrence covers `position` (`spans` are sorted and do not overlap)."""
    i = bisect.bisect_right(spans, (position, sys.maxsize)) - 1
    return i >= 0 and spans[i][0] <= position < spans[i][1]


def _starts_sentence(text: str, position: int) -> bool:
    """True when the word at `position` opens the text, a paragraph, a sentence, a list item or a
    heading: a capital there says nothing about a name. A single line break does not count, since
    content Markdown wraps sentences over lines."""
    before = text[max(0, position - _WINDOW) : position].rstrip(" \t")
    if not before.strip() or re.search(r"\n[ \t]*\n$", before):
        return True
    last = before.split()[-1]
    return (
        last[-1] in ".!?:;"
        or last in ("-", "*", "+", ">")
        or set(last) == {"#"}
        or bool(re.fullmatch(r"\d+[.)]", last))
    )


def trie_pattern(words: list[str], *, any_space: bool = True) -> str:
    """A regular expression matching exactly `words`, longest first, written as a trie; a space
    in a word matches any run of white space (only a space, without `any_space`)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def char(ch: str) -> str:
        return r"\s+" if ch == " " and any_space else re.escape(ch)

    def build(node: dict[str, Any]) -> str:
        branches = []
        for ch, child in sorted(node.items()):
            if not ch:
                continue
            # a run of letters that no other name shares (one way on, no name ending) is written out in one go:
            # the recursion goes as deep as the names branch, not as their letters (a name of 500 letters ran
            # past Python's limit)
            run = [char(ch)]
            while len(child) == 1 and "" not in child:
                (ch, child), *_ = child.items()
                run.append(char(ch))
            branches.append("".join(run) + build(child))
        if not branches:
            return ""
        group = f"(?:{'|'.join(branches)})"
        return group + "?" if "" in node else group

    return build(trie)
