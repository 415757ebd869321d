"""Check 9, loaded language: words from a maintained list (`loaded_words.txt`, extendable per
lesson by `content/loaded-words.txt`) in our own voice, outside quotes and attributions, and in
framing notes outside quotes."""

from __future__ import annotations

import re
from functools import cache, partial
from importlib import resources
from pathlib import Path

from primer.content.terms import lower_case_matches
from primer.errors import Problem, display_path
from primer.facts import key
from primer.report.base import Context, Unit, sentences
from primer.report.units import OWN_VOICE

#: The optional per-lesson list, beside site.yaml.
LESSON_FILE = "loaded-words.txt"
_MAX_BYTES = 256 * 1024
#: A sentence with one of these words reports what someone says rather than says it.
_ATTRIBUTION = re.compile(
    r"\b(?:says?|said|argues?|argued|calls?|called|claims?|claimed|describes?|described|labels?|labell?ed|"
    r"accuses?|accused|according to|writes?|wrote|suggests?|insists?|rejects?|denies|denied|condemn\w*|"
    r"criticis\w*|criticiz\w*|warns?|warned|brands?|branded|termed|puts? it|Article [A-Z])\b"
)
#: Quoted spans: “…”, "…", ‘…’ and '…' opened after a space or bracket.
_QUOTED = re.compile(r"“[^”]*”|\"[^\"\n]*\"|(?<![\w])‘[^’]*’(?!\w)|(?<![\w])'[^'\n]*'(?!\w)")


def parse(text: str) -> tuple[dict[str, bool], list[str]]:
    """Words to add (word → matches any ending) and words to remove, from a list's text."""
    add: dict[str, bool] = {}
    remove: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().casefold()
        if not line:
            continue
        if line.startswith("-"):
            remove.append(line[1:].strip().rstrip("*"))
            continue
        add[line.rstrip("*")] = line.endswith("*")
    return add, remove


def word_list(content: Path | None, problems: list[Problem]) -> dict[str, bool]:
    """primer's list, with a lesson's additions and removals (`content/loaded-words.txt`)."""
    words, _ = parse((resources.files("primer.report") / "loaded_words.txt").read_text(encoding="utf-8"))
    if content is None:
        return words
    path = content / LESSON_FILE
    if not (path.exists() or path.is_symlink()):
        return words
    shown = display_path(path, content)
    try:
        if not path.resolve().is_relative_to(content.resolve()) or not path.is_file():
            problems.append(
                Problem(shown, 1, 1, "the loaded-words list must be a file inside the content folder", "copy it in")
            )
            return words
        with path.open("rb") as stream:
            raw = stream.read(_MAX_BYTES + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(shown, 1, 1, f"cannot read the loaded-words list ({exc})", "save it as UTF-8 text"))
        return words
    if len(raw) > _MAX_BYTES:
        problems.append(Problem(shown, 1, 1, "the loaded-words list is over 256 KB", "shorten it"))
        return words
    extra, remove = parse(text)
    words.update(extra)
    for word in remove:
        words.pop(word, None)
    return words


def pattern(words: dict[str, bool]) -> re.Pattern[str] | None:
    """One pattern for the whole list, longest entries first."""
    if not words:
        return None
    ordered = sorted(words.items(), key=lambda item: (-len(item[0]), item[0]))
    parts = [r"\s+".join(map(re.escape, word.split())) + (r"[\w-]*" if open_end else "") for word, open_end in ordered]
    body = "|".join(parts)
    if all(word and word[0].isascii() for word, _ in ordered):
        # The entries grouped by their first letter, in their order within each group: at any place at
        # most one group can match (the entries are case-folded, and ASCII letters fold only to their
        # own capitals), so the entry that wins is the same, but the engine tries a few dozen groups at
        # each word instead of every entry.
        groups: dict[str, list[str]] = {}
        for (word, _), part in zip(ordered, parts, strict=True):
            groups.setdefault(word[0], []).append(part[len(re.escape(word[0])) :])
        body = "|".join(f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in sorted(groups.items()))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def _quoted(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def check(ctx: Context) -> None:
    """A finding for each listed word in our voice outside quotes and attributed sentences."""
    found = pattern(ctx.loaded)
    if found is None:
        return
    words = key("loaded words", found.pattern).hex()  # the list, once: each text's key names it
    ctx.per_file("loaded words", [words], ctx.units, partial(_unit, ctx, found, words))


def _unit(ctx: Context, found: re.Pattern[str], words: str, unit: Unit) -> None:
    code = _code(ctx, unit)
    if code is None:
        return
    own = code == "P901"
    text = unit.text
    for at, word in ctx.facts.get(partial(key, "loaded", words, own, text), partial(_loaded_in, found, text, own)):
        where = "our own voice" if own else "a framing note"
        ctx.add_in(
            code,
            unit,
            at,
            word,
            f"“{word}” is a loaded word, used in {where} outside quotes and attributions",
            "use a neutral word, or quote and attribute it (“…”, says who)",
        )


@cache
def _case_sensitive(found: re.Pattern[str]) -> re.Pattern[str] | None:
    """`found` (`pattern`: of case-folded entries) as it matches a lower-cased text (`lower_case_matches`), or
    None when its entries are not all ASCII. Matching case-sensitively is 2.5 times as fast: at 256 topics,
    the texts' search for a word of the list took 0.85 s ignoring case."""
    return re.compile(found.pattern, found.flags & ~re.IGNORECASE) if found.pattern.isascii() else None


def _loaded_in(found: re.Pattern[str], text: str, own: bool) -> tuple[tuple[int, str], ...]:
    """Each listed word in `text` outside quotes (and, in our own voice, attributed sentences), with where
    it starts."""
    searched = text
    lower = _case_sensitive(found)
    if lower is not None and lower_case_matches(text):
        searched, found = text.lower(), lower  # the same words at the same places
    # A word found in a sentence is found in the whole text too (sentences begin and end at white space,
    # where the pattern's edges hold alike), so a text without one has no sentence to search.
    if found.search(searched) is None:
        return ()
    quoted = _quoted(text)
    hits = []
    for start, sentence in sentences(text):
        if own and _ATTRIBUTION.search(sentence):
            continue
        for m in found.finditer(searched[start : start + len(sentence)]):
            at = start + m.start()
            if not any(s <= at < e for s, e in quoted):
                hits.append((at, sentence[m.start() : m.end()]))  # as written
    return tuple(hits)


def _code(ctx: Context, unit: Unit) -> str | None:
    if unit.part == "framing":
        return "P902"
    if unit.part in OWN_VOICE or unit.part in ("question", "correction"):
        return "P901"
    if unit.part == "point":  # a point says what its source says; only a plain fact is in our voice
        return "P901" if ctx.lib.points[unit.item[1]].kind == "fact" else None
    return None
