"""Short-answer patterns that can keep the quiz page busy for minutes on a wrong answer.

The quiz page tests a typed answer against the question's `pattern` with JavaScript's RegExp, which
backtracks: a repeat of something that itself repeats, with nothing between the rounds that the inner repeat
cannot take too ("(\\w+\\s?)+", "(a+)+", "(.*a)*"), can split a text in a number of ways that doubles with each
letter. On a wrong answer of some 30 letters the check then runs for minutes, and the page freezes. Python's
`re` backtracks the same way, so its parser (`re._parser`, the module `re.compile` uses) reads the pattern here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

_PARSER: Any = importlib.import_module("re._parser")
_C: Any = importlib.import_module("re._constants")

#: The characters a set is tried on: printable ASCII, white space, and letters and digits of other scripts.
_SAMPLE = frozenset([chr(c) for c in range(32, 127)] + list("\t\n\r\u00a0éßжλ中あ٣"))
_REPEATS = frozenset({_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", _C.MAX_REPEAT)})
_CATEGORIES: dict[Any, Callable[[str], bool]] = {
    _C.CATEGORY_DIGIT: str.isdecimal,
    _C.CATEGORY_SPACE: str.isspace,
    _C.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
}
_NOT_CATEGORIES: dict[Any, Callable[[str], bool]] = {
    _C.CATEGORY_NOT_DIGIT: _C.CATEGORY_DIGIT,
    _C.CATEGORY_NOT_SPACE: _C.CATEGORY_SPACE,
    _C.CATEGORY_NOT_WORD: _C.CATEGORY_WORD,
}

Node = tuple[Any, Any]


def slow_pattern(pattern: str) -> bool:
    """Whether `pattern` holds a repeat without an upper bound (+, *, {n,}) of a part that can split one text
    in more than one way: the part holds a repeat without an upper bound, and whatever else the part requires
    can be taken by that inner repeat too. "(\\w+ )+" passes: each round ends with a space, which \\w cannot
    take, so a text splits into rounds one way only."""
    try:
        parsed = _PARSER.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError):
        return False  # `check` reports a pattern that does not compile
    return _slow(list(parsed))


def _slow(items: list[Node]) -> bool:
    for op, av in items:
        if op in _REPEATS:
            _, high, body = av
            if high == _C.MAXREPEAT and _splits(list(body)):
                return True
            if _slow(list(body)):
                return True
        elif op is _C.SUBPATTERN:
            if _slow(list(av[-1])):
                return True
        elif op is _C.BRANCH:
            if any(_slow(list(branch)) for branch in av[1]):
                return True
        elif op in (_C.ASSERT, _C.ASSERT_NOT) and _slow(list(av[1])):
            return True
    return False


def _splits(body: list[Node]) -> bool:
    """Whether a repeated `body` can match one text as one round or as several."""
    while len(body) == 1 and body[0][0] is _C.SUBPATTERN:
        body = list(body[0][1][-1])
    if len(body) == 1 and body[0][0] is _C.BRANCH:
        return any(_splits(list(branch)) for branch in body[0][1][1])
    for at, item in enumerate(body):
        inner = _repeated_chars(item)
        if inner is None:
            continue
        required = [other for k, other in enumerate(body) if k != at and not _optional(other)]
        if all(_overlaps(_first_chars([other]), inner) for other in required):
            return True
    return False


def _repeated_chars(item: Node) -> frozenset[str] | None:
    """The characters an item can take when it is a repeat without an upper bound (in groups or not), else None."""
    op, av = item
    if op is _C.SUBPATTERN and len(av[-1]) == 1:
        return _repeated_chars(av[-1][0])
    if op in _REPEATS and av[1] == _C.MAXREPEAT:
        return _all_chars(list(av[2]))
    return None


def _optional(item: Node) -> bool:
    """Whether an item can match no text at all (anchors and lookarounds take none either)."""
    op, av = item
    if op in _REPEATS:
        return bool(av[0] == 0) or all(_optional(i) for i in av[2])
    if op is _C.SUBPATTERN:
        return all(_optional(i) for i in av[-1])
    if op is _C.BRANCH:
        return any(all(_optional(i) for i in branch) for branch in av[1])
    return op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT)


def _overlaps(chars: frozenset[str] | None, other: frozenset[str]) -> bool:
    return chars is None or bool(chars & other)


def _first_chars(items: list[Node]) -> frozenset[str] | None:
    """The characters a sequence can start with (None: not known)."""
    found: set[str] = set()
    for item in items:
        op, av = item
        if op in _REPEATS:
            first = _first_chars(list(av[2]))
        elif op is _C.SUBPATTERN:
            first = _first_chars(list(av[-1]))
        elif op is _C.BRANCH:
            firsts = [_first_chars(list(branch)) for branch in av[1]]
            first = None if any(f is None for f in firsts) else frozenset().union(*[f for f in firsts if f])
        elif op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue
        else:
            first = _atom(item)
        if first is None:
            return None
        found |= first
        if not _optional(item):
            break
    return frozenset(found)


def _all_chars(items: list[Node]) -> frozenset[str]:
    """Every character a sequence can take anywhere (all of them where that is not known)."""
    found: set[str] = set()
    for op, av in items:
        if op in _REPEATS:
            found |= _all_chars(list(av[2]))
        elif op is _C.SUBPATTERN:
            found |= _all_chars(list(av[-1]))
        elif op is _C.BRANCH:
            for branch in av[1]:
                found |= _all_chars(list(branch))
        elif op not in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            atom = _atom((op, av))
            found |= _SAMPLE if atom is None else atom
    return frozenset(found)


def _atom(item: Node) -> frozenset[str] | None:
    """The characters one character's item matches, either case (None: not a one-character item)."""
    op, av = item
    if op is _C.LITERAL:
        return _cased({chr(av)})
    if op is _C.NOT_LITERAL:
        return frozenset(ch for ch in _SAMPLE if ch.casefold() != chr(av).casefold())
    if op is _C.ANY:
        return _SAMPLE - {"\n"}
    if op is _C.IN:
        return _in(av)
    if op is _C.CATEGORY:
        return _in([(op, av)])
    return None


def _in(members: list[Node]) -> frozenset[str] | None:
    """The characters a set ([…], \\w, \\d, \\s and their opposites) matches."""
    negate = bool(members) and members[0][0] is _C.NEGATE
    found: set[str] = set()
    for op, av in members[1:] if negate else members:
        if op is _C.LITERAL:
            found |= {chr(av)}
        elif op is _C.RANGE:
            found |= {ch for ch in _SAMPLE if av[0] <= ord(ch) <= av[1]}
        elif op is _C.CATEGORY and av in _CATEGORIES:
            found |= {ch for ch in _SAMPLE if _CATEGORIES[av](ch)}
        elif op is _C.CATEGORY and av in _NOT_CATEGORIES:
            found |= {ch for ch in _SAMPLE if not _CATEGORIES[_NOT_CATEGORIES[av]](ch)}
        else:
            return None
    cased = _cased(found)
    return _SAMPLE - cased if negate else cased


def _cased(chars: set[str]) -> frozenset[str]:
    """`chars` in both cases (patterns ignore case)."""
    return frozenset(chars | {ch.swapcase() for ch in chars if len(ch.swapcase()) == 1})
