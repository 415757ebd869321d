"""Dates keep their precision."""

from __future__ import annotations

import datetime as dt

import pytest

from primer.content.dates import FuzzyDate


@pytest.mark.parametrize(
    ("text", "precision", "first", "last", "human"),
    [
        ("2014", "year", dt.date(2014, 1, 1), dt.date(2014, 12, 31), "2014"),
        ("2016-02", "month", dt.date(2016, 2, 1), dt.date(2016, 2, 29), "February 2016"),
        ("2014-12-12", "day", dt.date(2014, 12, 12), dt.date(2014, 12, 12), "12 December 2014"),
        (
            "2017-08/2017-12",
            "range",
            dt.date(2017, 8, 1),
            dt.date(2017, 12, 31),
            "between August 2017 and December 2017",
        ),
    ],
)
def test_precision_and_bounds(text: str, precision: str, first: dt.date, last: dt.date, human: str) -> None:
    date = FuzzyDate.parse(text)
    assert (date.precision, date.first, date.last, date.human(), date.iso()) == (precision, first, last, human, text)


def test_a_bare_year_number_is_a_year() -> None:
    assert FuzzyDate.parse(2006).iso() == "2006"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2014-13", "month 13"),
        ("2015-02-29", "that month has 28 days"),
        ("14 Dec 2014", "is not a date"),
        ("2015/2014", "ends before it starts"),
    ],
)
def test_bad_dates_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        FuzzyDate.parse(text)
