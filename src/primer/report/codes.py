"""The report's checks and finding codes: one table, the single place each code is documented.

A code's first digit(s) name its check (P1xx provenance … P10xx quiz statistics); P0xx are about
the report itself (an `ignore:` that names no code, or silences nothing). The README's table of
codes is tested against this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]
LEVELS: tuple[Level, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Check:
    """One of the report's checks."""

    number: int
    name: str
    title: str


CHECKS: tuple[Check, ...] = (
    Check(0, "report", "Report settings"),
    Check(1, "provenance", "Provenance and keys"),
    Check(2, "specifics", "Basis for specifics"),
    Check(3, "coverage", "Coverage"),
    Check(4, "consistency", "Consistency"),
    Check(5, "glossary", "Glossary linking"),
    Check(6, "staleness", "Staleness"),
    Check(7, "readability", "Readability"),
    Check(8, "balance", "Balance"),
    Check(9, "loaded", "Loaded language"),
    Check(10, "stats", "Quiz statistics"),
)


@dataclass(frozen=True)
class Code:
    """A finding code: its check, its level, and what it means."""

    code: str
    check: str
    level: Level
    title: str


def _codes(*rows: tuple[str, str, Level, str]) -> dict[str, Code]:
    return {code: Code(code, check, level, title) for code, check, level, title in rows}


CODES: dict[str, Code] = _codes(
    ("P001", "report", "error", "an `ignore:` names a code the report does not have"),
    ("P002", "report", "warning", "an `ignore:` silences nothing on its item (the finding has gone)"),
    ("P101", "provenance", "warning", "a paragraph of an explainer section cites no point, event, term or source"),
    ("P102", "provenance", "warning", "a takeaway shares nothing with what its topic cites"),
    ("P103", "provenance", "warning", "a perspective rests on no point"),
    ("P104", "provenance", "warning", "a question tests nothing its topic presents"),
    ("P105", "provenance", "info", "a summary point no question tests"),
    ("P110", "provenance", "error", "a status question keys another status than its point's"),
    ("P111", "provenance", "error", "a true/false key contradicts its point's status or its own explanation"),
    ("P112", "provenance", "error", "an ordering or 'which came first' key disagrees with the events' dates"),
    ("P113", "provenance", "error", "a keyed date falls outside the date of the event the question tests"),
    ("P114", "provenance", "error", "a keyed definition or expansion belongs to another term"),
    ("P201", "specifics", "warning", "a date, number, percentage or sum in our text rests on no basis"),
    ("P301", "coverage", "error", "a learning objective no question serves"),
    ("P302", "coverage", "info", "a point a topic cites that its quiz does not test"),
    ("P401", "consistency", "warning", "a term expanded differently in two places"),
    ("P402", "consistency", "warning", "the same event or document given different dates"),
    ("P403", "consistency", "warning", "the same figure given different values"),
    ("P404", "consistency", "warning", "the same place spelt differently"),
    ("P405", "consistency", "warning", "the same name written differently (romanisation, hyphens)"),
    ("P501", "glossary", "warning", "a glossary name inside a longer capitalised name (no link there)"),
    ("P502", "glossary", "info", "a glossary term nothing outside the glossary uses"),
    ("P503", "glossary", "info", "a term used in a topic before the topic's link to it"),
    ("P601", "staleness", "warning", "an 'as of' date older than site.yaml's stale_after_years"),
    ("P602", "staleness", "warning", "a present-tense statement about something the timeline shows changed"),
    ("P603", "staleness", "info", "a later development in the timeline that a topic does not mention"),
    ("P701", "readability", "warning", "a page reads far from site.yaml's reading_grade"),
    ("P702", "readability", "info", "a very long sentence"),
    ("P801", "balance", "warning", "a topic gives only one actor's side"),
    ("P802", "balance", "info", "an actor a topic often names but gives no perspective"),
    ("P901", "loaded", "error", "a loaded word in our own voice (outside quotes and attributions)"),
    ("P902", "loaded", "warning", "a loaded word in a framing note, outside quotes"),
    ("P1001", "stats", "info", "keys bunched in one answer position for a question type"),
)


def codes_table() -> str:
    """The codes as a Markdown table (the README carries this table)."""
    rows = ["| code | check | level | finding |", "| --- | --- | --- | --- |"]
    rows += [f"| {c.code} | {c.check} | {c.level} | {c.title} |" for c in CODES.values()]
    return "\n".join(rows) + "\n"
