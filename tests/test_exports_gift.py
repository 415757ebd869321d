"""GIFT exports read back by gift-pegjs (npm): every question with the right type, answers, weights and
feedback; Moodle's escaping with every special character; what GIFT cannot carry is reported."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from exportdata import TREES, custom_scope, exported, parse_gift, questions, scopes
from primer.content.models import (
    Matching,
    MultipleChoice,
    Numeric,
    OpenResponse,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from primer.exports.common import to_html
from primer.exports.gift import gift
from primer.exports.grades import multiple_fractions

GIFT_TYPES = {
    "single": "MC",
    "multiple": "MC",
    "true-false": "TF",
    "short": "Short",
    "numeric": "Numerical",
    "matching": "Matching",
    "open": "Essay",
}


def _plain(text: dict[str, Any] | None) -> str:
    """A gift-pegjs text (HTML here) as the plain text primer wrote."""
    assert text is not None
    return html.unescape(re.sub(r"<[^>]*>", "", text["text"])).strip()


def _pegjs_decode(text: str) -> str:
    """gift-pegjs leaves its own stand-ins for escaped characters in a match's answer (&&126; for ~);
    Moodle resolves them. Resolve them here as Moodle does."""
    return re.sub(r"&&(\d{3});", lambda m: chr(int(m.group(1))), text)


def _check(question: QuestionBase, parsed: dict[str, Any]) -> None:
    """One parsed GIFT question carries the primer question's type, answers, weights and feedback."""
    assert parsed["title"] == question.id
    assert parsed["type"] == GIFT_TYPES[getattr(question, "type", "")]
    assert parsed["stem"]["format"] == "html"
    assert parsed["stem"]["text"] == to_html(question.stem).text
    assert _plain(parsed["globalFeedback"]) == question.explanation
    if isinstance(question, SingleChoice | MultipleChoice):
        choices = parsed["choices"]
        assert [_plain(c["text"]) for c in choices] == [c.text for c in question.choices]
        assert [_plain(c["feedback"]) for c in choices] == [c.feedback for c in question.choices]
        if isinstance(question, SingleChoice):
            assert [c["isCorrect"] for c in choices] == [c.correct for c in question.choices]
            assert all(c["weight"] is None for c in choices)
        else:
            assert not any(c["isCorrect"] for c in choices), "weights only: Moodle makes it select-all"
            weights = multiple_fractions([c.correct for c in question.choices])
            assert weights is not None
            assert [c["weight"] for c in choices] == pytest.approx(weights, abs=1e-4)
            assert sum(w for w in weights if w > 0) == pytest.approx(100, abs=1e-3)
    elif isinstance(question, TrueFalse):
        assert parsed["isTrue"] is question.answer
        # Moodle shows the first feedback after a wrong answer and the second after a right one;
        # gift-pegjs calls them trueFeedback and falseFeedback by position only.
        wrong, right = _plain(parsed["trueFeedback"]), _plain(parsed["falseFeedback"])
        if question.answer:
            assert (wrong, right) == (question.feedback_false, question.feedback_true)
        else:
            assert (wrong, right) == (question.feedback_true, question.feedback_false)
    elif isinstance(question, ShortAnswer):
        assert [_plain(c["text"]) for c in parsed["choices"]] == question.accept
        assert all(c["isCorrect"] for c in parsed["choices"])
    elif isinstance(question, Numeric):
        answer = parsed["choices"]
        assert answer["number"] == pytest.approx(question.answer)
        if question.tolerance:
            assert answer["type"] == "range"
            assert answer["range"] == pytest.approx(question.tolerance)
        else:
            assert answer["type"] == "simple"
    elif isinstance(question, Matching):
        pairs = [(_plain(p["subquestion"]), _pegjs_decode(p["subanswer"])) for p in parsed["matchPairs"]]
        assert pairs == [(p.left, p.right) for p in question.pairs] + [("", d) for d in question.distractors]
    else:
        assert isinstance(question, OpenResponse)


@pytest.mark.parametrize("tree", sorted(TREES))
def test_every_exported_question_parses_with_its_answers_and_feedback(tree: str) -> None:
    bank = questions(tree)
    chosen = scopes(tree)[:2]  # the whole bank and one topic's quiz: every question is in the first
    parsed_all = parse_gift(*(exported(tree, "gift", topic)[0].decode("utf-8") for topic in chosen))
    for topic, parsed in zip(chosen, parsed_all, strict=True):
        report = exported(tree, "gift", topic)[1]
        items = [q for q in parsed if q["type"] != "Category"]
        assert len(items) == report.exported
        for item in items:
            _check(bank[item["title"]], item)
        categories = [q["title"] for q in parsed if q["type"] == "Category"]
        assert all(c.startswith("$course$/top/") for c in categories)
        if topic is None:
            assert report.exported + len(report.skipped) == len(bank), "every question exported or reported"


def test_types_gift_lacks_are_reported_not_mangled() -> None:
    data, report = exported("bank", "gift")
    text = data.decode("utf-8")
    for qid, question in questions("bank").items():
        kind = getattr(question, "type", "")
        if kind in ("ordering", "cloze"):
            assert qid in report.skipped
            assert f"::{qid}::" not in text
        else:
            assert qid not in report.skipped
    assert "GIFT has no ordering question" in report.text()


SPECIAL = "a ~ b = c # d { e } f : g \\ h"


def test_every_special_character_survives_escaping() -> None:
    base = questions("mini")["mini-single"]
    assert isinstance(base, SingleChoice)
    tricky = base.model_copy(
        update={
            "id": "tricky",
            "stem": f"Stem {SPECIAL}?",
            "explanation": f"Explained {SPECIAL}.",
            "choices": [
                c.model_copy(update={"text": f"{c.text} {SPECIAL}", "feedback": f"{SPECIAL}!"}) for c in base.choices
            ],
        }
    )
    tf = questions("mini")["mini-tf"].model_copy(update={"id": "tricky-tf", "feedback_true": SPECIAL})
    short = questions("mini")["mini-short"].model_copy(update={"id": "tricky-short", "accept": [SPECIAL, "x:y"]})
    match = questions("mini")["mini-matching"]
    assert isinstance(match, Matching)
    pairs = [p.model_copy(update={"left": f"{p.left} {SPECIAL}", "right": f"{p.right} {SPECIAL}"}) for p in match.pairs]
    matching = match.model_copy(update={"id": "tricky-matching", "pairs": pairs})
    data, report = gift(custom_scope(tricky, tf, short, matching))
    parsed = [q for q in parse_gift(data.decode("utf-8"))[0] if q["type"] != "Category"]
    assert [q["title"] for q in parsed] == ["tricky", "tricky-tf", "tricky-short", "tricky-matching"]
    _check(tricky, parsed[0])
    assert SPECIAL in html.unescape(parsed[0]["stem"]["text"])
    _check(tf, parsed[1])
    _check(short, parsed[2])
    _check(matching, parsed[3])
    assert report.exported == 4


def test_a_stem_with_line_breaks_and_markdown_stays_one_question() -> None:
    base = questions("mini")["mini-short"]
    question = base.model_copy(
        update={
            "id": "multi-line",
            "stem": "First paragraph with *emphasis*.\n\nSecond: `code` and [a link](term:radar).",
        }
    )
    data, report = gift(custom_scope(question))
    parsed = [q for q in parse_gift(data.decode("utf-8"))[0] if q["type"] != "Category"]
    assert len(parsed) == 1
    assert "<em>emphasis</em>" in parsed[0]["stem"]["text"]
    assert "<code>code</code>" in parsed[0]["stem"]["text"]
    assert "a link" in parsed[0]["stem"]["text"] and "term:radar" not in parsed[0]["stem"]["text"]
    assert [loss.what for loss in report.losses["multi-line"]] == ["citation links removed"]
