"""Scoring: the single source of truth for what counts as a right answer.

The site's JavaScript scores answers in the browser and is tested against the same vectors as
this module (`tests/data/scoring-cases.json`), so every rule here is written to be reproduced
exactly in JavaScript. Handouts' answer keys and the exports rely on it too.

Responses
---------
A response is JSON. Its shape depends on the question type; option, item and pair indices are
always positions in the *authored* order (the order in the YAML), never in a shuffled display.

============  ==========================================================================
type          response
============  ==========================================================================
single        the index of the chosen option, e.g. ``2``
multiple      the indices of the chosen options, sorted, e.g. ``[0, 3]`` (``[]``: none)
true-false    ``true`` or ``false``
short         the typed text, e.g. ``"  Aegis Ashore "``
numeric       a finite number, e.g. ``5500`` (the page parses the input before scoring)
ordering      the authored indices of the items in the order the student arranged them:
              ``[2, 0, 1]`` means "item 2 first, then item 0, then item 1"; right is
              ``[0, 1, 2, …]``
matching      for each pair in authored order, the right-hand text the student chose for
              its left-hand prompt, or ``null`` when left unanswered
cloze         an object ``{blank_id: text}``: the typed text, or the chosen option's text
open          the student's text (never auto-scored)
============  ==========================================================================

``null`` (no answer) or a response of the wrong shape is never an error: it scores 0 and is
not correct (a `multiple` response of the wrong shape counts as nothing chosen). Indices are
JSON integers (``1.0`` is ``1``, as in JavaScript; ``true`` is not ``1``); duplicate indices in
a `multiple` response count once. Texts are compared with surrounding whitespace trimmed.

Results
-------
``correct`` is true only for a fully right answer; ``score`` is the fraction of the question's
`points` earned, from 0 to 1; ``parts`` says which parts were right, where a type has parts.
Open responses are teacher-marked: ``correct`` and ``score`` are ``null`` and ``parts`` is empty.
The vectors also give ``fraction``, the same number as ``score`` under the name the page's
script uses.

- single, true-false, short, numeric, ordering: all or nothing (score 1 or 0); `parts` is
  empty, except for ordering, where ``parts[k]`` says whether position k holds the right item.
- multiple: correct only when exactly the right set is chosen. Partial credit, the formula
  most learning platforms use::

      score = max(0, hits / right_options - wrong_picks / wrong_options)

  where `hits` counts chosen right options and `wrong_picks` chosen wrong ones (the second term
  is 0 when every option is right). Choosing every option, or none, scores 0. ``parts[i]`` says
  whether option i was treated rightly (chosen if right, left alone if wrong).
- matching: one part per pair; score = right pairs / pairs.
- cloze: one part per blank, in authored order; score = right blanks / blanks.

Evaluate the divisions exactly as written (JavaScript gives the same doubles); compare scores
with a tolerance of 1e-9.

Short answers
-------------
A typed answer is right when it matches an `accept` entry by one of the three rules below, or
when `pattern` matches the whole of the answer with surrounding whitespace trimmed (and nothing
else changed), ignoring case. Patterns are not made tolerant: an author who writes one says
exactly what counts. Typed cloze blanks use the same rules (without a pattern); a cloze blank
with choices is right when the chosen text equals the `answer` exactly, surrounding whitespace
ignored.

Folding. Both texts are folded, in order:

1. Unicode NFKC (full-width letters, ligatures, non-breaking spaces become plain ones);
2. case folding (``str.casefold``: "Straße" → "strasse"; in JavaScript
   ``s.toUpperCase().toLowerCase()`` gives the same for the letters a lesson uses);
3. removing every punctuation character (Unicode category P*, ``/\\p{P}/gu``): "U.S." → "us",
   "anti-missile" → "antimissile"; symbols such as "$" or "+" stay;
4. collapsing runs of whitespace to one space and trimming the ends (``normalise`` stops here);
5. dropping accents: NFD, remove the combining marks (category Mn), NFC: "Séoul" → "seoul".

Each text has two folded *readings*: the one above, and the same with each punctuation
character replaced by a space instead of removed (step 3), so that "US" matches "U.S." and
"High Altitude" matches "High-Altitude". A reading that is empty never matches: an answer
that is only punctuation is never right. The *words* of a reading are its parts between spaces.

The rules, for one accepted answer `a` and the response `r`:

1. Same: a reading of `r` equals the same reading of `a`.
2. Contains: the words of a reading of `a` occur, in order and next to each other, among the
   words of the same reading of `r` ("Defense Minister Kono" contains "Kono"; "Konoe" does
   not), and `r` is not hedged or negated: it has at most ``MAX_EXTRA_WORDS`` (4) words more
   than `a` in that reading, and, in the first reading, no word of ``HEDGES`` ("or", "and",
   "not", "no", "never", "isnt" …) that `a` does not have itself: "not Kono", "Abe or Kono"
   and "Abe and Kono" are wrong (a list of guesses is not an answer).
3. Near: a small misspelling of a long answer. Let `n` be the number of characters of the first
   reading of `a` that are not spaces. When `a` has no digit (0–9) in that reading and
   ``n >= 5``, `r` is right when the Damerau–Levenshtein distance (optimal string alignment:
   insertions, deletions, substitutions and swaps of two neighbours, each costing 1, counted in
   code points) between the first readings of `r` and `a` is at most 1 for ``n <= 9`` and at
   most 2 for ``n >= 10``. "Aegis Ashor" is right for "Aegis Ashore"; numbers, and answers under
   5 letters ("Kono"), must be exact.

What is deliberately not accepted: a response that is only *part* of an accepted answer
("Kono" when only "Taro Kono" is listed). A surname or a short form is right only when the
author lists it under `accept` (the lint warns about accepted answers that would then accept
too much: stop words, one or two letters, common words, an answer found in another question's
options or answers in the same quiz).

A pattern should use the syntax Python's `re` and JavaScript's `RegExp` (with flags ``iu``)
share: the page tests it as ``new RegExp("^(?:" + pattern + ")$", "iu")``. `primer check` warns
about Python-only syntax.

Numbers
-------
A numeric answer is right when ``abs(response - answer) <= allowed + 1e-9 * max(1, abs(answer))``,
where `allowed` is `tolerance` (absolute) or ``tolerance * abs(answer)`` (relative). The tiny
second term absorbs binary rounding, so that 1.1 is within 0.1 of 1.0.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from primer import memo
from primer.content.models import (
    Blank,
    Cloze,
    Matching,
    MultipleChoice,
    Numeric,
    OpenResponse,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)

#: Added to every numeric tolerance, scaled by the answer, to absorb binary rounding.
EPSILON = 1e-9

_SPACE = re.compile(r"\s+")
_DIGIT = re.compile("[0-9]")

#: Rule 2: a response may hold this many words more than the accepted answer it contains.
MAX_EXTRA_WORDS = 4
#: Rule 2: words (folded, punctuation removed) that hedge or negate an answer; a response that
#: contains an accepted answer and one of these (which the answer does not have) is not right.
HEDGES = frozenset(
    [
        "or",
        "and",
        "nor",
        "not",
        "no",
        "never",
        "neither",
        "none",
        "nothing",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "cannot",
        "wont",
    ]
)


@dataclass(frozen=True)
class Score:
    """How a response fared: fully right or not, the fraction earned, and which parts were right."""

    correct: bool | None
    score: float | None
    parts: tuple[bool, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The result as the scoring vectors write it."""
        return {"correct": self.correct, "score": self.score, "parts": list(self.parts)}


WRONG = Score(False, 0.0)
RIGHT = Score(True, 1.0)


#: How many texts the folding functions remember: the lint and the generators fold the same options
#: and answers over and over (every answer of a quiz against every other), and folding is pure.
_FOLDED = 1 << 16


@memo.check_only
@lru_cache(maxsize=_FOLDED)
def normalise(text: str, punctuation: str = "") -> str:
    """NFKC, case-folded, punctuation removed (or replaced by `punctuation`), whitespace
    collapsed and trimmed (see the module docstring)."""
    if text.isascii():  # the same, faster: NFKC leaves ASCII as it is, and it casefolds as it lower-cases
        text = text.lower().translate(_ascii_punctuation(punctuation))
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
        text = "".join(punctuation if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=4)
def _ascii_punctuation(punctuation: str) -> dict[int, str]:
    """A `str.translate` table putting `punctuation` for each ASCII character that Unicode counts as
    punctuation (category P: '$', '+' and '<' are symbols, and stay)."""
    return {c: punctuation for c in range(128) if unicodedata.category(chr(c)).startswith("P")}


@memo.check_only
@lru_cache(maxsize=_FOLDED)
def fold(text: str, punctuation: str = "") -> str:
    """`normalise`, then without accents: one reading of a typed answer (see the module docstring)."""
    text = normalise(text, punctuation)
    if text.isascii():  # no accents to take off
        return text
    text = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in text if unicodedata.category(ch) != "Mn"))


@memo.check_only
@lru_cache(maxsize=_FOLDED)
def readings(text: str) -> tuple[str, str]:
    """The two readings of a typed answer: punctuation removed, and punctuation read as a space."""
    return fold(text), fold(text, " ")


def osa_distance(a: str, b: str) -> int:
    """Damerau–Levenshtein distance, optimal string alignment variant, over code points."""
    previous: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, row = previous, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[len(b)]


def osa_within(a: str, b: str, limit: int) -> bool:
    """Whether `osa_distance(a, b) <= limit`, working out only the cells within `limit` of the diagonal: a
    cheaper path to the last cell would leave it, and each step aside costs an edit. Cells outside count
    as more than `limit`, which leaves every cell that matters exact."""
    if abs(len(a) - len(b)) > limit:
        return False
    over = limit + 1
    width = len(b) + 1
    before: list[int] = []
    previous: list[int] = []
    row = [j if j <= limit else over for j in range(width)]
    for i in range(1, len(a) + 1):
        before, previous, row = previous, row, [over] * width
        if i <= limit:
            row[0] = i
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, before[j - 2] + 1)
            row[j] = min(best, over)
        if min(row[low - 1 : high + 1]) > limit:
            return False
    return row[len(b)] <= limit


def _contains(words: list[str], part: list[str]) -> bool:
    """True when `part` occurs in `words` as a run of whole words."""
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


@memo.check_only
@lru_cache(maxsize=_FOLDED)
def allowed_typos(accepted: str) -> int:
    """How many misspellings rule 3 forgives in an answer matching `accepted` (0: it must be exact)."""
    first = fold(accepted)
    letters = len(first.replace(" ", ""))
    if _DIGIT.search(first) or letters < 5:
        return 0
    return 1 if letters <= 9 else 2


def same_answer(given: str, accepted: str) -> bool:
    """Rule 1: the two texts have an equal reading ("U.S." = "US", "High-Altitude" = "High Altitude")."""
    return any(g == a and g != "" for g, a in zip(readings(given), readings(accepted), strict=True))


def matches_answer(given: str, accepted: str) -> bool:
    """Whether a typed response matches one accepted answer by rule 1, 2 or 3 of the module docstring."""
    given_readings, accepted_readings = readings(given), readings(accepted)
    # Rules 1 and 2 find a reading of the accepted answer within the same reading of the response (equal to
    # it, or a run of its words), and rule 3 needs lengths that differ by no more than the typos it forgives:
    # a pair with none of these (most of the lint's: each typed answer against a quiz's other answers, 44,000
    # pairs at 256 topics) matches by no rule, and is told so without the rules' lists of words.
    if (
        accepted_readings[0] not in given_readings[0]
        and accepted_readings[1] not in given_readings[1]
        and abs(len(given_readings[0]) - len(accepted_readings[0])) > allowed_typos(accepted)
    ):
        return False
    return _by_rules(given, accepted)


def _by_rules(given: str, accepted: str) -> bool:
    """`matches_answer`, each rule tried in turn."""
    if same_answer(given, accepted):
        return True
    given_readings, accepted_readings = readings(given), readings(accepted)
    hedges = (set(given_readings[0].split(" ")) - set(accepted_readings[0].split(" "))) & HEDGES
    for g, a in zip(given_readings, accepted_readings, strict=True):
        words, part = g.split(" "), a.split(" ")
        if a and not hedges and len(words) - len(part) <= MAX_EXTRA_WORDS and _contains(words, part):
            return True
    typos = allowed_typos(accepted)
    # The distance is at least the difference in length (each edit changes the length by at most
    # one), so texts further apart than that need not be compared letter by letter.
    if typos == 0 or abs(len(given_readings[0]) - len(accepted_readings[0])) > typos:
        return False
    return osa_within(given_readings[0], accepted_readings[0], typos)


def _all_or_nothing(right: bool) -> Score:
    return RIGHT if right else WRONG


def _is_int(value: Any) -> bool:
    """A JSON integer; 1.0 counts as 1, since JavaScript cannot tell them apart."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) and math.isfinite(value)


def short_answer_right(accept: list[str], pattern: str | None, response: Any) -> bool:
    """Whether `response` is an accepted short answer."""
    if not isinstance(response, str):
        return False
    if any(matches_answer(response, a) for a in accept):
        return True
    if pattern is None:
        return False
    trimmed = response.strip()
    return bool(trimmed) and re.fullmatch(pattern, trimmed, re.IGNORECASE) is not None


def numeric_right(question: Numeric, response: Any) -> bool:
    """Whether `response` is within the question's tolerance of its answer."""
    if not _is_number(response):
        return False
    given, answer = float(response), question.answer
    allowed = question.tolerance if question.tolerance_kind == "absolute" else question.tolerance * abs(answer)
    return abs(given - answer) <= allowed + EPSILON * max(1.0, abs(answer))


def blank_right(blank: Blank, response: Any) -> bool:
    """Whether `response` fills one cloze blank rightly."""
    if blank.choices:
        return isinstance(response, str) and response.strip() == str(blank.answer)
    return short_answer_right(blank.accept, None, response)


def _single(q: SingleChoice, response: Any) -> Score:
    ok = _is_int(response) and 0 <= response < len(q.choices) and q.choices[int(response)].correct
    return _all_or_nothing(ok)


def _multiple(q: MultipleChoice, response: Any) -> Score:
    n = len(q.choices)
    valid = isinstance(response, list) and all(_is_int(i) and 0 <= i < n for i in response)
    chosen = {int(i) for i in response} if valid else set()  # no answer or a bad one: nothing chosen
    right = {i for i, c in enumerate(q.choices) if c.correct}
    hits = len(chosen & right)
    wrong_picks = len(chosen - right)
    wrong_options = n - len(right)
    penalty = wrong_picks / wrong_options if wrong_options else 0.0
    score = max(0.0, hits / len(right) - penalty)
    parts = tuple((i in chosen) == (i in right) for i in range(n))
    return Score(chosen == right, score, parts)


def _ordering(q: Ordering, response: Any) -> Score:
    n = len(q.items)
    if not isinstance(response, list) or sorted(int(i) if _is_int(i) else -1 for i in response) != list(range(n)):
        return Score(False, 0.0, (False,) * n)
    parts = tuple(int(item) == position for position, item in enumerate(response))
    return Score(all(parts), 1.0 if all(parts) else 0.0, parts)


def _matching(q: Matching, response: Any) -> Score:
    given = response if isinstance(response, list) else []
    parts = tuple(
        i < len(given) and isinstance(given[i], str) and given[i].strip() == pair.right
        for i, pair in enumerate(q.pairs)
    )
    return Score(all(parts), sum(parts) / len(parts), parts)


def _cloze(q: Cloze, response: Any) -> Score:
    given = response if isinstance(response, dict) else {}
    parts = tuple(blank_right(blank, given.get(blank.id)) for blank in q.blanks)
    return Score(all(parts), sum(parts) / len(parts), parts)


def score(question: QuestionBase, response: Any) -> Score:
    """Score one response (JSON, shaped as the module docstring says) to one question."""
    if isinstance(question, SingleChoice):
        return _single(question, response)
    if isinstance(question, MultipleChoice):
        return _multiple(question, response)
    if isinstance(question, TrueFalse):
        return _all_or_nothing(isinstance(response, bool) and response == question.answer)
    if isinstance(question, ShortAnswer):
        return _all_or_nothing(short_answer_right(question.accept, question.pattern, response))
    if isinstance(question, Numeric):
        return _all_or_nothing(numeric_right(question, response))
    if isinstance(question, Ordering):
        return _ordering(question, response)
    if isinstance(question, Matching):
        return _matching(question, response)
    if isinstance(question, Cloze):
        return _cloze(question, response)
    if isinstance(question, OpenResponse):
        return Score(None, None)
    raise TypeError(f"no scoring rule for {type(question).__name__}")  # pragma: no cover - every type is covered


def right_response(question: QuestionBase) -> Any:
    """A response that scores full marks (None for an open response): the answer key as JSON."""
    if isinstance(question, SingleChoice):
        return next(i for i, c in enumerate(question.choices) if c.correct)
    if isinstance(question, MultipleChoice):
        return [i for i, c in enumerate(question.choices) if c.correct]
    if isinstance(question, TrueFalse):
        return question.answer
    if isinstance(question, ShortAnswer):
        return question.accept[0]
    if isinstance(question, Numeric):
        return question.answer
    if isinstance(question, Ordering):
        return list(range(len(question.items)))
    if isinstance(question, Matching):
        return [p.right for p in question.pairs]
    if isinstance(question, Cloze):
        return {b.id: (b.answer if b.choices else b.accept[0]) for b in question.blanks}
    return None
