"""Scoring follows the shared vectors in tests/data/scoring-cases.json (the page's JavaScript is
tested against the same file), and every type has right and wrong cases."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from primer.content.models import QUESTION_TYPES, Question, QuestionBase
from primer.quiz import scoring
from primer.quiz.scoring import (
    HEDGES,
    MAX_EXTRA_WORDS,
    allowed_typos,
    fold,
    normalise,
    osa_distance,
    osa_within,
    right_response,
    same_answer,
    score,
    short_answer_right,
)
from tools import ROOT

CASES_FILE = Path(__file__).resolve().parent / "data" / "scoring-cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
QUESTION: TypeAdapter[Any] = TypeAdapter(Question)
TYPES = sorted(t.model_fields["type"].annotation.__args__[0] for t in QUESTION_TYPES)  # type: ignore[union-attr]


def _question(case: dict[str, Any]) -> QuestionBase:
    question = QUESTION.validate_python(case["question"])
    assert isinstance(question, QuestionBase)
    return question


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict[str, Any]) -> None:
    result = score(_question(case), case["response"])
    assert result.correct == case["correct"]
    if case["score"] is None:
        assert result.score is None
    else:
        assert result.score == pytest.approx(case["score"], abs=1e-9)
        assert case["fraction"] == case["score"]
    assert list(result.parts) == case["parts"]


def test_vectors_have_the_documented_shape() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "vector names are unique"
    for case in CASES:
        assert set(case) == {"name", "question", "response", "correct", "score", "fraction", "parts"}
        assert case["name"].split(":")[0] == case["question"]["type"]


@pytest.mark.parametrize("kind", TYPES)
def test_every_type_is_scored_right_and_wrong(kind: str) -> None:
    outcomes = {c["correct"] for c in CASES if c["question"]["type"] == kind}
    assert outcomes == ({None} if kind == "open" else {True, False})


def test_every_type_is_documented_in_the_module() -> None:
    doc = scoring.__doc__ or ""
    for kind in TYPES:
        assert f"\n{kind} " in doc, f"document the response shape of '{kind}' questions"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_answer_key_scores_full_marks(case: dict[str, Any]) -> None:
    question = _question(case)
    result = score(question, right_response(question))
    if question.type == "open":
        assert (result.correct, result.score) == (None, None)
    else:
        assert (result.correct, result.score) == (True, 1.0)


def test_normalise() -> None:
    assert normalise("  The  U.S.–Japan “alliance”!\t") == "the usjapan alliance"
    assert normalise("U.S.–Japan", " ") == "u s japan"
    assert normalise("ＡＢＣ ﬁ Straße") == "abc fi strasse"
    assert normalise("km²") == "km2"
    assert normalise("$5 + 3") == "$5 + 3", "symbols are not punctuation"


def test_same_answer_accepts_either_reading_of_punctuation() -> None:
    assert same_answer("US", "U.S.")
    assert same_answer("high altitude", "High-Altitude")
    assert same_answer("highaltitude", "High-Altitude")
    assert not same_answer("...", "...")
    assert not same_answer("", "")


def test_osa_distance() -> None:
    assert osa_distance("aegis ashor", "aegis ashore") == 1
    assert osa_distance("seognju", "seongju") == 1, "a swap of two neighbours costs 1"
    assert osa_distance("", "abc") == 3
    assert osa_distance("thermal", "terminal") == 3
    assert osa_distance("séoul", "seoul") == 1, "code points, not bytes"


def test_osa_within_says_what_the_whole_distance_says() -> None:
    """The banded check answers `osa_distance(a, b) <= limit` exactly: on random pairs, most of them a few
    edits (deletions, insertions, changes, swaps of neighbours) apart."""
    rng = random.Random(16)
    letters = "abcdé "
    for _ in range(20_000):
        a = "".join(rng.choice(letters) for _ in range(rng.randint(0, 9)))
        b = list(a) if rng.random() < 0.7 else [rng.choice(letters) for _ in range(rng.randint(0, 9))]
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(0, max(0, len(b) - 1))
            edit = rng.choice(["delete", "insert", "change", "swap"])
            if edit == "delete" and b:
                del b[at]
            elif edit == "insert":
                b.insert(at, rng.choice(letters))
            elif edit == "change" and b:
                b[at] = rng.choice(letters)
            elif edit == "swap" and at + 1 < len(b):
                b[at], b[at + 1] = b[at + 1], b[at]
        other = "".join(b)
        for limit in range(4):
            assert osa_within(a, other, limit) == (osa_distance(a, other) <= limit), (a, other, limit)
    assert osa_within("seognju", "seongju", 1) and not osa_within("thermal", "terminal", 2)


def test_fold_drops_accents_after_normalising() -> None:
    assert fold("  Séoul-Gangnam ") == "seoulgangnam"
    assert fold("Séoul-Gangnam", " ") == "seoul gangnam"


def test_ascii_text_is_read_as_unicode_reads_it() -> None:
    """normalise and fold take a faster way for ASCII text; it gives what the general way gives."""

    def normalised(text: str, punctuation: str) -> str:
        text = unicodedata.normalize("NFKC", text).casefold()
        text = "".join(punctuation if unicodedata.category(ch).startswith("P") else ch for ch in text)
        return re.sub(r"\s+", " ", text).strip()

    rng = random.Random(7)
    every = "".join(map(chr, range(128)))
    texts = [every, *("".join(rng.choice(every) for _ in range(rng.randint(0, 40))) for _ in range(2000))]
    for text in texts:
        for punctuation in ("", " "):
            assert normalise(text, punctuation) == normalised(text, punctuation), repr(text)
            assert fold(text, punctuation) == normalised(text, punctuation), repr(text)


def test_the_tolerant_rules() -> None:
    kono = ["Taro Kono", "Kono"]
    assert short_answer_right(kono, None, "Defense Minister Kono")
    assert not short_answer_right(kono, None, "Konoe")
    assert not short_answer_right(kono, None, "not Kono")
    assert not short_answer_right(kono, None, "Abe or Kono")
    assert not short_answer_right(["Taro Kono"], None, "Kono"), "a part of an accepted answer is not enough"
    assert short_answer_right(["Aegis Ashore"], None, "Aegis Ashor")
    assert allowed_typos("Kono") == 0 and allowed_typos("Seongju") == 1 and allowed_typos("Aegis Ashore") == 2
    assert allowed_typos("Resolution 2397") == 0, "never on numbers"


def test_the_pairs_told_apart_early_match_by_no_rule() -> None:
    """`matches_answer` says no at once to a pair whose accepted readings are not within the response's and
    whose lengths differ by more than the typos forgiven: on random pairs (words of a lesson's answers,
    respelt, rearranged, with punctuation, accents, hedges and words added), it says what the rules tried in
    turn say."""
    rng = random.Random(50)
    words = [
        "aegis",
        "ashore",
        "Seongju",
        "THAAD",
        "Kono",
        "Taro",
        "Moon",
        "Jae-in",
        "Resolution",
        "2397",
        "Séoul",
        "not",
        "maybe",
        "U.S.",
        "US",
        "the",
        "radar",
        "X-band",
        "Gyeongbuk",
        "Lotte",
    ]
    letters = "aeiknorstu .-’é"
    pairs = 0
    for _ in range(30_000):
        accepted = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        given = list(accepted)
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            at = rng.randint(0, len(given))
            edit = rng.choice(["delete", "insert", "change", "swap", "word"])
            if edit == "delete" and at < len(given):
                del given[at]
            elif edit == "insert":
                given.insert(at, rng.choice(letters))
            elif edit == "change" and at < len(given):
                given[at] = rng.choice(letters)
            elif edit == "swap" and at + 1 < len(given):
                given[at], given[at + 1] = given[at + 1], given[at]
            elif edit == "word":
                given[at:at] = f" {rng.choice(words)} "
        text = "".join(given) if rng.random() < 0.8 else " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        right = scoring._by_rules(text, accepted)
        assert scoring.matches_answer(text, accepted) == right, (text, accepted)
        pairs += right
    assert pairs > 5_000, "many pairs match, by each rule"


def test_the_page_script_has_the_same_hedges_and_limits() -> None:
    """scoring.js mirrors the constants of the rules (the vectors test the rest)."""
    script = (ROOT / "src" / "primer" / "static" / "js" / "scoring.js").read_text(encoding="utf-8")
    hedges = re.search(r'var HEDGES = "([a-z ]+)"', script)
    assert hedges is not None and set(hedges.group(1).split()) == HEDGES
    assert f"words.length - part.length <= {MAX_EXTRA_WORDS}" in script
    assert "letters < 5" in script and "letters <= 9 ? 1 : 2" in script


def test_every_rule_has_vectors_both_ways() -> None:
    names = " ".join(c["name"] for c in CASES if c["question"]["type"] in ("short", "cloze"))
    for needle in ("contain", "misspelling", "hedge", "negat", "accents", "under 5 letters", "numbers"):
        assert needle in names, needle
    kono = [c for c in CASES if "Kono" in c["name"]]
    assert {c["correct"] for c in kono} == {True, False}
    assert any(c["response"] == "Aegis Ashor" and c["correct"] for c in CASES)
