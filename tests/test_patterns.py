"""Issue 16: a pattern compiled in ASCII mode (`primer.patterns.Twin`) finds in a plain ASCII text what it finds
as written; and the handouts' bare citations, found by the "([" they begin with, are removed as the pattern
with white space first removed them."""

from __future__ import annotations

import random
import re

from primer.handouts import sheet
from primer.patterns import Twin, plain_ascii
from primer.report import base, staleness

#: Every Twin primer searches with.
TWINS = {
    "present": staleness._PRESENT_LOWER,
    "as of": staleness._AS_OF,
    "date start": base._DATE_START,
    "date": base._DATE,
}
#: Pieces of texts: the patterns' words, dates and figures, white space of every kind (the separators \x1c-\x1f
#: too), letters outside ASCII and those that ignoring case takes for ASCII ones.
PIECES = [
    *[
        "as",
        "of",
        "at",
        "correct",
        "up",
        "to",
        "date",
        "still",
        "currently",
        "remains",
        "plans",
        "is",
        "planning",
        "building",
        "due",
        "now",
        "has",
    ],
    *["January", "December", "May", "19", "2017", "1999", "11–16", "30", "5", "Jul"],
    " ",
    " ",
    "\n",
    "\t",
    "\x1c",
    "\x1f",
    "\u00a0",
    "-",
    ",",
    ".",
    "_",
    "/",
    "$",
    "%",
    "’",
    "é",
    "Kōno",
    "İ",
    "ı",
    "ſ",
    "\u212a",
    "٣",
    "x",
    "AS OF",
]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 18)))


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


def test_each_twin_finds_in_plain_text_what_it_finds_as_written() -> None:
    rng = random.Random(51)
    plain = found = 0
    for _ in range(6_000):
        text = _text(rng)
        for name, twin in TWINS.items():
            for searched in (text, text.lower()):
                assert _found(twin.of(text), searched) == _found(twin.any, searched), (name, searched)
                found += bool(twin.any.search(searched))
        plain += plain_ascii(text)
    assert plain > 1_000 and found > 5_000, (plain, found)  # plain texts among the others, and much found


def test_the_report_finds_dates_and_present_wording_as_before() -> None:
    rng = random.Random(16)
    lowered = 0
    for _ in range(3_000):
        text = _text(rng)
        assert [m.span() for m in base._date_matches(text)] == [m.span() for m in base.DATE.finditer(text)], text
        if staleness.lower_case_matches(text):  # `_present_in` searches the lower-cased text heeding case
            ours = staleness._PRESENT_LOWER.of(text).finditer(text.lower())
            assert [m.span() for m in ours] == [m.span() for m in staleness._PRESENT.finditer(text)], text
            lowered += 1
    assert lowered > 1_000


def test_a_pattern_holding_a_letter_taken_for_ascii_is_not_compiled_in_ascii_mode() -> None:
    twin = Twin("\u212a", re.IGNORECASE)  # the Kelvin sign matches "k" ignoring case, outside ASCII mode only
    assert twin.ascii is twin.any and twin.of("k").search("k")
    assert re.compile("\u212a", re.IGNORECASE | re.ASCII).search("k") is None


def test_ascii_mode_reads_ascii_as_unicode_mode_does_but_four_separators() -> None:
    for code in range(128):
        ch = chr(code)
        for cls in (r"\w", r"\d", r"\W", r"\D", r"[^\w/-]", r"\b\w", r"[^\W_]"):
            assert bool(re.fullmatch(cls, ch)) == bool(re.fullmatch(cls, ch, re.ASCII)), (cls, ch)
        same_space = bool(re.fullmatch(r"\s", ch)) == bool(re.fullmatch(r"\s", ch, re.ASCII))
        assert same_space == (ch not in "\x1c\x1d\x1e\x1f"), ch
        assert plain_ascii(ch) == same_space
    assert not plain_ascii("é") and plain_ascii("") and plain_ascii("plain text\n")


def test_bare_citations_go_as_the_pattern_with_white_space_first_took_them() -> None:
    plain = re.compile(r"\s*" + sheet._BARE_CITATION.pattern)
    pieces = [
        "([a](point:b))",
        "([c d](term:e))",
        "([x](Point:y))",
        "([](event:z))",
        "(",
        ")",
        "[",
        "]",
        "(x)",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\u00a0",
        "words",
        "([f](source:g)",
        "([h](topic:i j))",
        ":",
    ]
    rng = random.Random(45)
    removed = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        ours = sheet._without_bare_citations(text)
        assert ours == plain.sub("", text), text
        removed += ours != text
    assert removed > 5_000
