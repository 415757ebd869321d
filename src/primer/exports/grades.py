"""Partial-credit weights as Moodle allows them (GIFT and Moodle XML share the list)."""

from __future__ import annotations

#: Moodle's grade choices for an answer, in percent (question_bank::fraction_options_full).
MOODLE_GRADES = (
    100.0,
    90.0,
    83.33333,
    80.0,
    75.0,
    70.0,
    66.66667,
    60.0,
    50.0,
    40.0,
    33.33333,
    30.0,
    25.0,
    20.0,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10.0,
    5.0,
    0.0,
)


def moodle_grade(percent: float) -> float | None:
    """The Moodle grade equal to `percent` (to five decimals), or None when Moodle has no such grade."""
    for grade in MOODLE_GRADES:
        if abs(abs(percent) - grade) < 1e-4:
            return grade if percent >= 0 else -grade
    return None


def multiple_fractions(correct: list[bool]) -> list[float] | None:
    """Weights in percent for a select-all question that score as primer does: each right option
    100 / rights, each wrong one -100 / wrongs (Moodle stops a total below 0). None when Moodle's
    list has no such weight."""
    rights = sum(correct)
    wrongs = len(correct) - rights
    up = moodle_grade(100 / rights)
    down = moodle_grade(-100 / wrongs) if wrongs else 0.0
    if up is None or down is None:
        return None
    return [up if c else down for c in correct]


def grade_text(percent: float) -> str:
    """A weight as Moodle writes it: '50', '33.33333', '-100'."""
    return f"{percent:.5f}".rstrip("0").rstrip(".")
