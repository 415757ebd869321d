"""What `primer check` says about a figure: each problem at the key it is about."""

from __future__ import annotations

import difflib

from primer.content.models import Figure

#: Key below the figure, the message, and how to fix it.
FigureProblem = tuple[tuple[str | int, ...], str, str]

#: Beyond these a figure is too crowded to read on a phone.
MAX_STEPS = 8
MAX_STEPS_WITH_LANES = 4
MAX_LANES = 5
MAX_BARS = 12
MAX_POINTS = 12
MAX_LINES = 4

_SEQUENCE_KEYS = ("steps", "lanes", "lanes_title")
_CHART_KEYS = ("unit", "x", "series")


def figure_problems(figure: Figure) -> list[FigureProblem]:
    """Every problem of one figure that its model alone cannot see."""
    if figure.kind == "sequence":
        return _stray(figure, _CHART_KEYS, "bar or line chart") + _sequence(figure)
    return _stray(figure, _SEQUENCE_KEYS, "sequence") + _chart(figure)


def _stray(figure: Figure, keys: tuple[str, ...], belongs: str) -> list[FigureProblem]:
    found: list[FigureProblem] = []
    for key in keys:
        if key in figure.model_fields_set and getattr(figure, key):
            found.append(
                (
                    (key,),
                    f"'{key}' belongs to a {belongs}, and this figure is a {figure.kind}",
                    f"remove '{key}', or change kind:",
                )
            )
    return found


def _sequence(figure: Figure) -> list[FigureProblem]:
    found: list[FigureProblem] = []
    steps = [s.id for s in figure.steps]
    if len(steps) < 2:
        found.append((("kind",), "a sequence needs at least two steps", "list the steps in order under steps:"))
    if len(steps) > MAX_STEPS:
        found.append(
            (
                ("steps",),
                f"{len(steps)} steps are too many to read in one figure (at most {MAX_STEPS})",
                "merge steps, or split the sequence into two figures",
            )
        )
    for i, step in enumerate(figure.steps):
        if step.id in steps[:i]:
            found.append((("steps", i, "id"), f"two steps have the id '{step.id}'", "give each step its own id"))
    if figure.lanes and len(steps) > MAX_STEPS_WITH_LANES:
        found.append(
            (
                ("lanes",),
                f"lanes fit a sequence of at most {MAX_STEPS_WITH_LANES} steps; this one has {len(steps)}",
                "remove the lanes, or use fewer steps",
            )
        )
    if len(figure.lanes) > MAX_LANES:
        found.append((("lanes",), f"{len(figure.lanes)} lanes are too many to read", f"keep at most {MAX_LANES}"))
    for i, lane in enumerate(figure.lanes):
        for key, step_id in (("start", lane.start), ("end", lane.end)):
            if step_id is not None and step_id not in steps:
                close = difflib.get_close_matches(step_id, steps, n=1, cutoff=0.6)
                fix = f"did you mean '{close[0]}'?" if close else f"use one of the step ids: {', '.join(steps)}"
                found.append((("lanes", i, key), f"no step of this figure has the id '{step_id}'", fix))
        if lane.end in steps and lane.start in steps and steps.index(lane.end) < steps.index(lane.start):
            found.append(
                (
                    ("lanes", i, "end"),
                    f"the lane ends at '{lane.end}', which comes before its start '{lane.start}'",
                    "swap start and end",
                )
            )
    return found


def _chart(figure: Figure) -> list[FigureProblem]:
    found: list[FigureProblem] = []
    what = f"a {figure.kind} chart"
    if not figure.basis:
        found.append(((), f"{what} needs a 'basis'", "add basis: naming the records the numbers come from"))
    if not figure.unit:
        found.append(((), f"{what} needs a 'unit'", "add unit:, e.g. unit: barrels a year"))
    if not figure.x:
        found.append(((), f"{what} has no data: 'x' is empty", "list the labels along the axis under x:"))
    if not figure.series:
        found.append(((), f"{what} has no data: 'series' is empty", "add a series with a label and values"))
    if not figure.x or not figure.series:
        return found
    count = len(figure.x)
    for i, series in enumerate(figure.series):
        if len(series.values) != count:
            found.append(
                (
                    ("series", i, "values"),
                    f"the series '{series.label}' has {len(series.values)} values, but x has {count} labels",
                    "give exactly one value per x label (null where there is no figure)",
                )
            )
        if series.notes and len(series.notes) != len(series.values):
            found.append(
                (
                    ("series", i, "notes"),
                    f"the series '{series.label}' has {len(series.notes)} notes for {len(series.values)} values",
                    "give one note per value (null for none), or no notes",
                )
            )
        if figure.kind == "bar":
            for k, value in enumerate(series.values):
                if value is not None and value < 0:
                    found.append(
                        (
                            ("series", i, "values", k),
                            f"a bar cannot show the negative value {value:g}",
                            "use a line chart, or show the amount as a positive number",
                        )
                    )
    if all(v is None for s in figure.series for v in s.values):
        found.append((("series",), f"{what} has no numbers: every value is null", "give at least one value"))
    if figure.kind == "bar" and count * len(figure.series) > MAX_BARS:
        found.append(
            (
                ("x",),
                f"{count * len(figure.series)} bars are too many to read (at most {MAX_BARS})",
                "show fewer labels or series, or split the chart",
            )
        )
    if figure.kind == "line":
        if count < 2:
            found.append((("x",), "a line needs at least two points", "add x labels and values, or use kind: bar"))
        if count > MAX_POINTS:
            found.append((("x",), f"{count} points are too many to read (at most {MAX_POINTS})", "show fewer points"))
        if len(figure.series) > MAX_LINES:
            found.append(
                (("series",), f"{len(figure.series)} lines are too many to read (at most {MAX_LINES})", "split it")
            )
    return found
