"""Issue 16: the sidenotes' pattern, which looks for the character each of its pieces begins with first, finds
what the plain pattern (the five kinds of piece, tried at every character) finds."""

from __future__ import annotations

import random
import re

from primer.render import sidenotes

_LINK = sidenotes._LINK
#: The pattern as it was written before.
PLAIN = re.compile(
    rf"(?P<group>\s*\((?:see\s+)?{_LINK}(?:\s*(?:[,;]|and)\s*(?:and\s+)?{_LINK})*\s*\))"
    rf"|(?P<link>{_LINK})|(?P<open><p>)|(?P<close></p>)|(?P<item></li>)",
    re.S,
)

CITED = '<a href="point:a" class="ref ref-point">Article A</a>'
PIECES = [
    CITED,
    f" ({CITED})",
    f"(see {CITED}, {CITED})",
    f" ( {CITED} and {CITED} ; and {CITED} )",
    '<a href="source:b" class="ref ref-source">B</a>',
    '<a href="x" class="ref">not a citation</a>',
    *"(), ;<>\n\t",
    "\u00a0",
    " and ",
    "see ",
    "<p>",
    "</p>",
    "</li>",
    "<li>",
    "words",
    "(see ",
]


def test_the_pattern_finds_what_the_plain_one_finds() -> None:
    rng = random.Random(50)
    found = 0
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        ours = [(m.span(), m.groupdict()) for m in sidenotes._PIECE.finditer(text)]
        assert ours == [(m.span(), m.groupdict()) for m in PLAIN.finditer(text)], text
        found += sum(1 for _, groups in ours if groups["group"])
    assert found > 1_000, "many parentheses of citations among the pieces found"
