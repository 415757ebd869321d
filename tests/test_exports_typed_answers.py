"""The loss reports of the platforms that mark typed answers say how much stricter they are than the site."""

from __future__ import annotations

import pytest

from exportdata import custom_scope, exported, questions
from primer.content.models import ShortAnswer, SingleChoice
from primer.exports.gift import gift
from primer.exports.moodle import moodle
from primer.exports.qti import qti

STRICTER = "students who type such an answer are marked wrong there"


@pytest.mark.parametrize(
    ("fmt", "who"), [("moodle", "Moodle"), ("gift", "Moodle, which imports GIFT,"), ("qti", "Canvas")]
)
def test_a_bank_with_typed_answers_says_the_platform_marks_them_more_strictly(fmt: str, who: str) -> None:
    assert any(isinstance(q, ShortAnswer) for q in questions("mini").values())
    _, report = exported("mini", fmt)
    said = [note for note in report.notes if STRICTER in note]
    assert len(said) == 1 and said[0].startswith(f"{who} compares typed answers")
    assert "a small typo in a long answer" in said[0] and "“Defense Minister Kono” for “Kono”" in said[0]


def test_a_bank_without_typed_answers_says_nothing_of_them() -> None:
    choice = next(q for q in questions("mini").values() if isinstance(q, SingleChoice))
    for render in (moodle, gift, qti):
        _, report = render(custom_scope(choice))
        assert not [note for note in report.notes if STRICTER in note]
