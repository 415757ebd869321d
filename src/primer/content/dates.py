"""Dates that keep their precision: a year, a month, a day, or a range of those."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

Precision = Literal["year", "month", "day"]

_PART = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
PATTERN = rf"^{_PART}(?:/{_PART})?$"
_PART_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

#: Month names, January first.
MONTH_NAMES = _MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True, order=True)
class Moment:
    """One calendar point at a precision: 2014, 2014-12 or 2014-12-12."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Precision:
        """The finest unit this moment names."""
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    @property
    def first(self) -> dt.date:
        """The earliest day this moment covers."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> dt.date:
        """The latest day this moment covers."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def iso(self) -> str:
        """The ISO 8601 text at this moment's own precision."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    def human(self) -> str:
        """A reader's form: '12 December 2014', 'December 2014' or '2014'."""
        if self.month is None:
            return str(self.year)
        month = _MONTHS[self.month - 1]
        if self.day is None:
            return f"{month} {self.year}"
        return f"{self.day} {month} {self.year}"


def _parse_moment(text: str) -> Moment:
    match = _PART_RE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a date — write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if year < 1:
        raise ValueError(f"'{text}' has year {year}, which the calendar does not have — write a year from 0001 on")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"'{text}' has month {month} — months run from 01 to 12")
    if month is not None and day is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValueError(f"'{text}' has day {day} — that month has {last} days")
    return Moment(year, month, day)


@dataclass(frozen=True)
class FuzzyDate:
    """A date with its precision, or a range between two such dates ('2014-12-13/2014-12-28')."""

    start: Moment
    end: Moment | None = None

    @classmethod
    def parse(cls, value: object) -> FuzzyDate:
        """Read '2014', '2014-12', '2014-12-12' or 'START/END'; a bare year may be a number."""
        if isinstance(value, FuzzyDate):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:04d}"
        if not isinstance(value, str):
            raise ValueError("this is not a date — write text such as '2014-12-12', '2014-12' or '2014'")
        text = value.strip()
        if "/" in text:
            left, _, right = text.partition("/")
            start, end = _parse_moment(left), _parse_moment(right)
            if end.last < start.first:
                raise ValueError(f"the range '{text}' ends before it starts — swap its two dates")
            return cls(start, end)
        return cls(_parse_moment(text))

    @property
    def precision(self) -> str:
        """'day', 'month', 'year', or 'range'."""
        return "range" if self.end is not None else self.start.precision

    @property
    def first(self) -> dt.date:
        """The earliest day the date covers."""
        return self.start.first

    @property
    def last(self) -> dt.date:
        """The latest day the date covers."""
        return (self.end or self.start).last

    def iso(self) -> str:
        """The text the author wrote, normalised."""
        if self.end is None:
            return self.start.iso()
        return f"{self.start.iso()}/{self.end.iso()}"

    def human(self) -> str:
        """A reader's form, e.g. 'between 13 December 2014 and 28 December 2014'."""
        if self.end is None:
            return self.start.human()
        return f"between {self.start.human()} and {self.end.human()}"

    def sort_key(self) -> tuple[dt.date, dt.date]:
        """Chronological order: earliest start first, then earliest end."""
        return (self.first, self.last)

    def __str__(self) -> str:
        return self.iso()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(cls.parse, serialization=core_schema.to_string_ser_schema())

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "pattern": PATTERN},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ],
            "description": "YYYY, YYYY-MM, YYYY-MM-DD, or a range START/END of those",
        }
