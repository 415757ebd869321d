"""The report as text (summary, then one line per finding) and as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import TypeVar

from primer.report.model import Balance, FindingOut, Report

T = TypeVar("T")


def summary_lines(report: Report) -> list[str]:
    """The summary: one line for the totals, then one per check with its counts."""
    t = report.totals
    lines = [
        f"primer report: {t.errors} error{'s' * (t.errors != 1)}, {t.warnings} warning{'s' * (t.warnings != 1)}, "
        f"{t.info} info, {t.silenced} silenced"
    ]
    width = max(len(s.title) for s in report.summary)
    for s in report.summary:
        if s.number == 0 and not (s.errors or s.warnings or s.info or s.silenced):
            continue
        lines.append(
            f"  {s.number:>2}. {s.title:<{width}}  {s.errors:>3} errors  {s.warnings:>3} warnings  "
            f"{s.info:>3} info  {s.silenced:>3} silenced"
        )
    return lines


def text(report: Report) -> str:
    """The summary, then every live finding as `path:line:col: CODE level: message — fix`, by file."""
    lines = summary_lines(report)
    live = [f for f in report.findings if not f.silenced]
    if live:
        lines.append("")
    for f in live:
        line = f"{f.path}:{f.line}:{f.col}: {f.code} {f.level}: {f.message}"
        lines.append(f"{line} — {f.fix}" if f.fix else line)
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    """The report as JSON (`schema/report.schema.json`), keys sorted."""
    return json.dumps(report.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema() -> dict[str, object]:
    """The JSON Schema of `primer report --format json`."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "report.schema.json",
        "title": "primer report (primer report --format json)",
        **Report.model_json_schema(mode="serialization"),
    }


Chart = tuple[list[tuple[str, float]], float]


def _chart(rows: list[tuple[str, float]]) -> Chart:
    return rows, max((value for _, value in rows), default=0)


def balance_chart(balance: Balance) -> Chart:
    """The bar chart of the points each actor carries in one topic."""
    return _chart([(a.name, a.points) for a in balance.actors])


def charts(report: Report, type_labels: dict[str, str], *, topics: bool = True) -> dict[str, Chart]:
    """The bar charts of the report page: name → ((label, value) rows, the largest value); without `topics`,
    none of a topic's own (the pages of a lesson of many topics have them, `balance_chart`)."""
    found = {"types": _chart([(type_labels.get(kind, kind), n) for kind, n in report.stats.types.items()])}
    if topics:
        found["coverage"] = _chart([(c.title, sum(1 for row in c.points if row.questions)) for c in report.coverage])
        for b in report.balance:
            found[f"balance-{b.topic}"] = balance_chart(b)
    return found


@dataclass(frozen=True)
class PageFindings:
    """The report page's findings, laid out as the page shows them (`page_findings`)."""

    #: whether any finding is live (not silenced)
    live: bool
    #: the live findings the page lists, by file: (the file, its findings by line)
    by_file: list[tuple[str, list[FindingOut]]]
    #: in a lesson of many topics, the live notes, counted by file: (the file, its notes, each code's count)
    notes: list[tuple[str, int, list[tuple[str, int]]]]
    #: the findings an item's `ignore:` silences, in the report's order
    silenced: list[FindingOut]


def page_findings(report: Report, count_notes: bool) -> PageFindings:
    """The report's findings as its page shows them (`count_notes`: a lesson of many topics, whose notes are counted
    by file, not listed): grouped and ordered here, as Jinja's `groupby` and `sort` filters did in the template (the
    same order, their keys' case ignored), once rather than by the template's filters, which took 0.07 s of the
    page's 0.10 s at 256 topics (9,138 findings), at each save that changed the report."""
    live = [f for f in report.findings if not f.silenced]
    notes = [f for f in live if f.level == "info"] if count_notes else []
    listed = [f for f in live if f.level != "info"] if notes else live
    line = attrgetter("line")
    return PageFindings(
        bool(live),
        [(path, sorted(items, key=line)) for path, items in _grouped(listed, attrgetter("path"))],
        [
            (path, len(items), [(code, len(same)) for code, same in _grouped(items, attrgetter("code"))])
            for path, items in _grouped(notes, attrgetter("path"))
        ],
        [f for f in report.findings if f.silenced],
    )


def _grouped(items: Iterable[T], key: Callable[[T], str]) -> list[tuple[str, list[T]]]:
    """`items` in groups of the same `key`, as Jinja's `groupby` filter makes them: sorted (stably) by the key with its
    case ignored, each group named by its first item's key."""

    def folded(item: T) -> str:
        return key(item).lower()

    groups = [list(same) for _, same in groupby(sorted(items, key=folded), folded)]
    return [(key(same[0]), same) for same in groups]
