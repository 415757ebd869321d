"""Issue 16: the report's patterns written for the regex engine's scan find what the plainer ones found.

Some of the report's patterns are written so that they begin with a set of characters (which the engine looks
for by a scan of the text), or are tried only when a text holds what they need. These tests hold them to the
patterns they stand for, on texts made at random from the characters that decide a match, and on the
lessons' own text.
"""

from __future__ import annotations

import random
import re
from array import array
from typing import Any

import pytest

from primer.content.library import load_library
from primer.content.terms import TermMatcher, term_names
from primer.report import base, consistency, staleness
from primer.report.units import own_text
from tools import ROOT

#: The patterns as they were written before (`\b` or a look-behind first).
PLAIN_SENTENCE = re.compile(r"(?<=[.!?…])[”\"’')\]]*\s+(?=[A-Z“\"(\[0-9‘'])|\n\s*\n")
PLAIN_CAPITAL_WORD = re.compile(r"\b[A-Z][a-zA-Z\u00C0-\u017F]{4,}\b")
PLAIN_NAME = re.compile(r"\b[A-Z][a-z]+(?:(?: [A-Z][a-z]+)|(?:-[A-Za-z][a-z]+))+\b")

SENTENCE_CHARS = [*".!?…”\"')] \n\tAa0(“‘[’", "x", "x", "x", "Wx"]
WORD_CHARS = [*"AB(). \n\"“‘'ESTUaes0-19,Él_", "As", " for ", " stands for ", "Xx", "USA", " troops", " km", "Ab Cd"]


def _texts(chars: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(chars) for _ in range(rng.randint(0, 18))) for _ in range(count)]


def _plain_sentences(text: str) -> array[int]:
    """`base._sentences` with the plain pattern."""
    found: list[int] = []
    start = 0
    for match in PLAIN_SENTENCE.finditer(text):
        if text[start : match.start()].strip():
            found += (start, start + len(text[start : match.end()].rstrip()))
        start = match.end()
    if text[start:].strip():
        found += (start, len(text))
    return array("I", found)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@pytest.fixture(scope="module")
def lesson_texts() -> list[str]:
    """Every unit of our text in the shipped lesson and in the example lessons."""
    texts: list[str] = []
    for content in [ROOT / "content", *sorted((ROOT / "examples").glob("*/"))]:
        if (content / "site.yaml").is_file():
            texts += [unit.text for unit in own_text(load_library(content))]
    assert len(texts) > 500
    return texts


def test_sentences_split_as_the_plain_pattern_splits(lesson_texts: list[str]) -> None:
    texts = _texts(SENTENCE_CHARS, 60_000, seed=16) + lesson_texts
    texts += ["One. Two", "Done.\n\nNext", "End.”  (Aside) New", "a\n \nb", "Wait… 2020 came", ".\n\nA", "!\n\n"]
    differ = [t for t in texts if base._sentences.__wrapped__(t) != _plain_sentences(t)]
    assert differ == []
    # and the splits are not all alike: the test reads texts with several sentences and with none
    assert {len(_plain_sentences(t)) for t in texts} >= {0, 2, 4, 6}


def test_capitalised_words_and_names_are_found_as_before(lesson_texts: list[str]) -> None:
    texts = _texts(WORD_CHARS, 60_000, seed=17) + lesson_texts + ["_Abcde", "xAbcde", "Ab-Cd Ef", "Élan Abcde"]
    for rewritten, plain in ((consistency._CAPITAL_WORD, PLAIN_CAPITAL_WORD), (consistency._NAME, PLAIN_NAME)):
        assert [t for t in texts if _spans(rewritten, t) != _spans(plain, t)] == []
        assert sum(1 for t in texts if plain.search(t)) > 100


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (consistency._ACRONYM_FIRST, consistency._NEEDS_ACRONYM_FIRST),
        (consistency._EXPANSION_FIRST, consistency._NEEDS_EXPANSION_FIRST),
        (consistency._AS, consistency._NEEDS_AS),
        (consistency._MEASURE, base.DIGIT),
    ],
)
def test_a_pattern_is_skipped_only_where_it_cannot_match(
    pattern: re.Pattern[str], needs: re.Pattern[str], lesson_texts: list[str]
) -> None:
    texts = _texts(WORD_CHARS, 60_000, seed=18) + lesson_texts
    texts += ["NATO (North Atlantic Treaty", "Terminal High Altitude Area Defense (THAAD)", "US as “United States"]
    texts += ["THAAD stands for 'Terminal", "12 km", "9,000 troops"]
    matched = [t for t in texts if pattern.search(t)]
    assert matched, "no text matched: the test would prove nothing"
    assert [t for t in matched if not needs.search(t)] == []


def test_as_of_is_looked_for_only_in_texts_with_a_digit() -> None:
    assert staleness._as_of_in("The plan, as of 2024, stood.") == ((10, "as of ", "2024", "2024-12-31"),)
    assert staleness._as_of_in("The plan, as of March, stood.") == ()
    assert staleness._as_of_in("Up to date as of 5 May 2021: done") == (
        (0, "Up to date as of ", "5 May 2021", "2021-05-05"),
    )


def test_the_reading_of_a_text_is_unchanged() -> None:
    """Whole readings of texts that have each thing the consistency check reads (pinned: what the plain patterns
    gave)."""
    text = "The Terminal High Altitude Area Defense (THAAD) battery. NATO (North Atlantic Treaty Organization) met. "
    text += "It has 9,000 troops near Seongju County."
    assert consistency._reading(text) == (
        (("NATO", "North Atlantic Treaty Organization", 57), ("THAAD", "The Terminal High Altitude Area Defense", 0)),
        (
            (4, "Terminal"),
            (18, "Altitude"),
            (32, "Defense"),
            (41, "THAAD"),
            (63, "North"),
            (69, "Atlantic"),
            (78, "Treaty"),
            (85, "Organization"),
            (129, "Seongju"),
            (137, "County"),
        ),
        (
            (0, "The Terminal High Altitude Area Defense"),
            (63, "North Atlantic Treaty Organization"),
            (129, "Seongju County"),
        ),
        True,
    )
    assert consistency._reading("No figure, no date.")[3] is False


def _plain_present_in(text: str) -> tuple[tuple[int, int, int, str, str], ...]:
    """`staleness._present_in` searching each sentence ignoring case, as it did."""
    found = []
    for start, sentence in base.sentences(text):
        present = staleness._PRESENT.search(sentence)
        if present is not None:
            latest = max((d.last() for d in base.dates(sentence)), default=None)
            last = latest.isoformat() if latest is not None else ""
            found.append((start, start + len(sentence), present.start(), present.group(0), last))
    return tuple(found)


def test_present_tense_is_found_as_ignoring_case_found_it(lesson_texts: list[str]) -> None:
    # İ, ı, ſ and the Kelvin sign are letters a pattern ignoring case takes for ASCII ones: their texts are
    # searched as they are
    chars = [*". \n!?AaİıſK”é", " still ", "Still", "STILL", " is to ", "plans to", "PLANS  TO", "remains", "x"]
    chars += ["currently", "Now has", " 2020 ", "ſtill", "İs to", "now\nhas", "-still", "_still", "Remains."]
    texts = _texts(chars, 60_000, seed=19) + lesson_texts
    assert [t for t in texts if staleness._present_in(t) != _plain_present_in(t)] == []
    assert sum(1 for t in texts if _plain_present_in(t)) > 1000
    assert staleness._present_in("In 2019 it Still stood. Plans to grow.") == (
        (0, 23, 11, "Still", "2019-12-31"),
        (24, 38, 0, "Plans to", ""),
    )


def test_dates_are_matched_where_the_whole_pattern_matched_them(lesson_texts: list[str]) -> None:
    chars = [*" ,.\n-–/$%1290", "19", "20", "2020", "1999", "May", "March", "June", "Dec", "December", "xMay", "_7"]
    chars += ["31 ", "3,", "٣", "Ma", "Sept", "a", "Of", "Nov 3, 2001"]
    texts = _texts(chars, 60_000, seed=20) + lesson_texts

    def whole(text: str) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
        return [(m.span(), m.groupdict()) for m in base.DATE.finditer(text)]

    def scanned(text: str) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
        return [(m.span(), m.groupdict()) for m in base._date_matches(text)]

    assert [t for t in texts if scanned(t) != whole(t)] == []
    assert sum(len(whole(t)) for t in texts) > 5_000


def test_a_text_is_skipped_by_the_names_check_only_when_no_name_there_can_sit_inside_a_longer_one() -> None:
    """`TermMatcher.capitalised` lets the names' check skip a text: it must hold for every text where a mention
    sits inside a longer capitalised name."""
    lib = load_library(ROOT / "content")
    matcher = TermMatcher(lib.terms.values())
    names = sorted({name for term in lib.terms.values() for name in term_names(term)})
    words = [*names, *(n.upper() for n in names), *(n.title() for n in names), *(n.lower() for n in names)]
    words += ["National", "Security", "Agency", "Japan's", "the", "The", "Missile", "Defense", "US", "İ", "ſ", "K"]
    rng = random.Random(21)
    seps = [" ", " ", "\n", ". ", ", ", "-", "/", "(", "\n\n"]
    texts = ["".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(1, 6))) for _ in range(20_000)]
    inside = [t for t in texts if any(m.inside for m in matcher.mentions(t))]
    assert len(inside) > 500, "the test would prove little"
    assert [t for t in inside if not matcher.capitalised(t)] == []
    skipped = [t for t in texts if not matcher.capitalised(t)]
    assert len(skipped) > 1_000, "and it does skip texts"
    assert all(not any(m.inside for m in matcher.mentions(t)) for t in skipped)


def test_measured_figures_are_found_as_the_plain_pattern_found_them(lesson_texts: list[str]) -> None:
    plain = re.compile(
        r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?"
        r"(km|kilomet(?:re|er)s|miles|troops|soldiers|barrels|tonnes|tons|missiles|interceptors|launchers)\b"
    )
    chars = [*"0123456789,.- \n", "٣", "a", "x1", " km", "km", " troops", "tons", " miles", "_", "9,000", "1,23"]
    texts = _texts(chars, 60_000, seed=22) + lesson_texts

    def found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | Any, ...]]]:
        return [(m.span(), m.groups()) for m in pattern.finditer(text)]

    assert [t for t in texts if found(consistency._MEASURE, t) != found(plain, t)] == []
    assert sum(1 for t in texts if plain.search(t)) > 1_000
