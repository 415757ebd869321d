"""The report as text (summary, then one line per finding) and as JSON."""

from __future__ import annotations

import json

from primer.report.model import Balance, Report


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
