"""Section figures as accessible inline SVG, with the table of their data.

Every figure is drawn on a 320-unit-wide canvas that scales with its box (`viewBox`), text at
13 units, so that labels stay near 11 px on a 390 px phone. Text is real text, colours come from
the page's custom properties (CSS classes), and nothing relies on colour alone: steps are
numbered, bars and lines carry their numbers and series labels, and line series differ in shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

from primer.content.models import Figure, Series

WIDTH = 320
FONT = 13
LINE = 17
#: Average width of a character of the page's sans-serif font, in units of the font size.
CHAR = 0.5
#: Gap between the columns of a sequence, where the arrow goes.
GAP = 16


@dataclass(frozen=True)
class DrawnFigure:
    """A figure ready for the page: its SVG, and its data as a table (the fallback)."""

    svg: Markup
    head: list[str]
    rows: list[tuple[str, list[str]]]


def draw_figure(figure: Figure) -> DrawnFigure:
    """The SVG and the data table of a figure that `figure_problems` passed."""
    if figure.kind == "sequence":
        body, height, desc = _sequence(figure)
        head, rows = _sequence_table(figure)
    else:
        body, height, desc = (_bars if figure.kind == "bar" else _lines)(figure)
        head, rows = _chart_table(figure)
    fid = f"fig-{figure.id}"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fig-svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-size="{FONT}" role="img" aria-labelledby="{fid}-t {fid}-d">'
        f'<title id="{fid}-t">{_e(figure.title)}</title><desc id="{fid}-d">{_e(desc)}</desc>{body}</svg>'
    )
    return DrawnFigure(Markup(svg), head, rows)


# --------------------------------------------------------------------------- helpers


def _e(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _n(value: float) -> str:
    """A coordinate, short and deterministic."""
    return f"{value:.1f}".removesuffix(".0")


def number(value: float | None) -> str:
    """A value as people read it: 2,000,000 or 2.5; 'no figure' for a missing one."""
    if value is None:
        return "no figure"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def text_width(text: str, size: float = FONT) -> float:
    """An estimate of how wide `text` is drawn, in canvas units."""
    return len(text) * size * CHAR


def wrap(text: str, width: float, size: float = FONT) -> list[str]:
    """`text` in lines that fit `width` units (a word longer than the line gets a line of its own)."""
    most = max(1, int(width / (size * CHAR)))
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > most:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


#: Not a class: bold text is drawn with an attribute, so that the stylesheet stays small.
BOLD = "bold"


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "") -> str:
    attrs = ' font-weight="700"' if cls == BOLD else (f' class="{cls}"' if cls else "")
    attrs += f' text-anchor="{anchor}"' if anchor else ""
    return f'<text x="{_n(x)}" y="{_n(y)}"{attrs}>{_e(text)}</text>'


def _polygon(cls: str, points: list[tuple[float, float]]) -> str:
    """A closed shape through `points`."""
    d = "L".join(f"{_n(x)} {_n(y)}" for x, y in points)
    return f'<path class="{cls}" d="M{d}z"/>'


def _lines_of_text(x: float, y: float, lines: list[str], cls: str = "") -> str:
    return "".join(_text(x, y + i * LINE, line, cls) for i, line in enumerate(lines))


# --------------------------------------------------------------------------- sequences


def _sequence(figure: Figure) -> tuple[str, int, str]:
    steps = figure.steps
    desc = " ".join(f"Step {i}, {s.label}: {s.text.rstrip('.')}." for i, s in enumerate(steps, 1))
    if figure.lanes:
        desc += " " + " ".join(f"{_lane_words(figure, lane.label, lane.start, lane.end)}." for lane in figure.lanes)
    if figure.lanes or len(steps) <= 4:
        body, height = _sequence_across(figure)
    else:
        body, height = _sequence_down(figure)
    return body, height, desc


def _lane_words(figure: Figure, label: str, start: str, end: str | None) -> str:
    names = {s.id: s.label for s in figure.steps}
    if end is None or end == start:
        return f"{label}: {names[start]}"
    return f"{label}: {names[start]} to {names[end]}"


def _sequence_across(figure: Figure) -> tuple[str, int]:
    """Steps as columns, left to right, with lanes as bands below them."""
    steps = figure.steps
    count = len(steps)
    col = (WIDTH - GAP * (count - 1)) / count
    wrapped = [wrap(s.text, col - 12) for s in steps]
    labels = [wrap(f"{i}. {s.label}", col - 12) for i, s in enumerate(steps, 1)]
    box = 10 + LINE * max(len(a) + len(b) for a, b in zip(labels, wrapped, strict=True)) + 8
    parts: list[str] = []
    for i, _ in enumerate(steps):
        x = i * (col + GAP)
        parts.append(f'<rect class="fig-box" x="{_n(x)}" y="0" width="{_n(col)}" height="{box}" rx="6"/>')
        parts.append(_lines_of_text(x + 6, 20, labels[i], BOLD))
        parts.append(_lines_of_text(x + 6, 20 + LINE * len(labels[i]), wrapped[i]))
        if i < count - 1:
            ax = x + col + 3
            mid = box / 2
            parts.append(_polygon("fig-muted", [(ax, mid - 6), (ax + GAP - 6, mid), (ax, mid + 6)]))
    y = box + 14
    if figure.lanes:
        if figure.lanes_title:
            parts.append(_text(0, y + 12, figure.lanes_title, "fig-muted"))
            y += LINE + 4
        index = {s.id: i for i, s in enumerate(steps)}
        for lane in figure.lanes:
            first = index[lane.start]
            last = index[lane.end or lane.start]
            x0 = first * (col + GAP)
            x1 = last * (col + GAP) + col
            tx = min(x0 + 2, WIDTH - text_width(lane.label))
            parts.append(_text(max(0, tx), y + 12, lane.label, BOLD))
            parts.append(
                f'<rect class="fig-lane" x="{_n(x0)}" y="{_n(y + 17)}" width="{_n(x1 - x0)}" height="10" rx="5"/>'
            )
            y += 36
    return "".join(parts), math.ceil(y)


def _sequence_down(figure: Figure) -> tuple[str, int]:
    """Many steps as a numbered list from top to bottom, joined by a line."""
    parts: list[str] = []
    y = 0.0
    rows: list[tuple[float, float]] = []
    for step in figure.steps:
        lines = wrap(step.text, WIDTH - 46)
        height = 8 + LINE * (1 + len(lines)) + 6
        parts.append(f'<rect class="fig-box" x="34" y="{_n(y)}" width="{WIDTH - 34}" height="{_n(height)}" rx="6"/>')
        parts.append(_text(40, y + 20, step.label, BOLD))
        parts.append(_lines_of_text(40, y + 20 + LINE, lines))
        rows.append((y, height))
        y += height + 10
    first, last = rows[0][0] + 14, rows[-1][0] + 14
    circles = [f'<line class="fig-rule" stroke-width="2" x1="14" y1="{_n(first)}" x2="14" y2="{_n(last)}"/>']
    for i, (top, _) in enumerate(rows, 1):
        circles.append(f'<circle class="fig-box" cx="14" cy="{_n(top + 14)}" r="11"/>')
        circles.append(_text(14, top + 18.5, str(i), BOLD, "middle"))
    return "".join(circles + parts), math.ceil(y - 10)


def _sequence_table(figure: Figure) -> tuple[list[str], list[tuple[str, list[str]]]]:
    head = ["Step", "What happens"]
    if figure.lanes:
        head.append(figure.lanes_title or "Across the steps")
    index = {s.id: i for i, s in enumerate(figure.steps)}
    rows: list[tuple[str, list[str]]] = []
    for i, step in enumerate(figure.steps):
        cells = [step.text]
        if figure.lanes:
            covering = [
                lane.label + (f" ({lane.note})" if lane.note else "")
                for lane in figure.lanes
                if index[lane.start] <= i <= index[lane.end or lane.start]
            ]
            cells.append(", ".join(covering) or "—")
        rows.append((f"{i + 1}. {step.label}", cells))
    return head, rows


# --------------------------------------------------------------------------- charts


def _chart_desc(figure: Figure) -> str:
    parts = []
    for series in figure.series:
        values = "; ".join(f"{x}: {number(v)}" for x, v in zip(figure.x, series.values, strict=True))
        parts.append(f"{series.label} ({figure.unit}): {values}.")
    return " ".join(parts)


def bar_length(value: float, top: float, room: float) -> float:
    """How long the bar of `value` is when the largest value `top` gets `room` units."""
    return room * value / top if top > 0 else 0.0


def _bars(figure: Figure) -> tuple[str, int, str]:
    """Horizontal bars, one group per x label, each bar labelled with its number."""
    values = [v for s in figure.series for v in s.values if v is not None]
    top = max(values)
    widest = max(text_width(number(v)) for v in values)
    room = WIDTH - widest - 8
    several = len(figure.series) > 1
    parts = [_text(0, 13, f"In {figure.unit}", "fig-muted")]
    y = 13 + 12.0
    for k, label in enumerate(figure.x):
        for line in wrap(label, WIDTH):
            y += LINE
            parts.append(_text(0, y, line, BOLD))
        y += 6
        for j, series in enumerate(figure.series):
            if several:
                y += LINE - 2
                parts.append(_text(0, y, series.label, "fig-muted"))
                y += 4
            value = series.values[k]
            if value is None:
                parts.append(_text(0, y + 14, "no figure", "fig-muted"))
            else:
                length = bar_length(value, top, room)
                parts.append(
                    f'<rect class="fig-bar fig-s{j % 2}" x="0" y="{_n(y)}" width="{_n(max(length, 1))}" height="18"/>'
                )
                parts.append(_text(length + 6, y + 14, number(value)))
            y += 18 + 4
        y += 8
    parts.insert(0, f'<line class="fig-rule" stroke-width="2" x1="0" y1="20" x2="0" y2="{_n(y - 8)}"/>')
    return "".join(parts), math.ceil(y), _chart_desc(figure)


def nice_ticks(top: float) -> list[float]:
    """Round tick values from 0 to at least `top`, four or five of them."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    count = math.ceil(top / step - 1e-9)
    return [i * step for i in range(count + 1)]


#: Marker shapes of line series, so that series differ by more than colour.
_SHAPES = ("circle", "square", "triangle", "diamond")


def _marker(shape: str, x: float, y: float, cls: str) -> str:
    if shape == "circle":
        return f'<circle class="{cls}" cx="{_n(x)}" cy="{_n(y)}" r="4.5"/>'
    if shape == "square":
        return f'<rect class="{cls}" x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8"/>'
    if shape == "triangle":
        return _polygon(cls, [(x, y - 5.5), (x + 5, y + 4), (x - 5, y + 4)])
    return _polygon(cls, [(x, y - 5.5), (x + 5.5, y), (x, y + 5.5), (x - 5.5, y)])


def _lines(figure: Figure) -> tuple[str, int, str]:
    """A line per series over evenly spaced x labels, with a y scale from zero and a legend."""
    values = [v for s in figure.series for v in s.values if v is not None]
    low = min(0.0, min(values))
    ticks = nice_ticks(max(values) - low)
    ticks = [t + low for t in ticks] if low < 0 else ticks
    left = max(text_width(number(t)) for t in ticks) + 8
    plot_top, plot_height = 26.0, 160.0
    bottom = plot_top + plot_height
    span = ticks[-1] - ticks[0] or 1.0
    count = len(figure.x)
    inner = WIDTH - left - 12
    step = inner / (count - 1) if count > 1 else 0.0

    def at(k: int, v: float) -> tuple[float, float]:
        return left + 6 + k * step, bottom - plot_height * (v - ticks[0]) / span

    parts = [_text(0, 13, f"In {figure.unit}", "fig-muted")]
    for t in ticks:
        y = bottom - plot_height * (t - ticks[0]) / span
        parts.append(f'<line class="fig-rule" x1="{_n(left)}" y1="{_n(y)}" x2="{WIDTH}" y2="{_n(y)}"/>')
        parts.append(_text(left - 6, y + 4, number(t), "fig-muted", "end"))
    widest = max(text_width(x) for x in figure.x)
    every = max(1, math.ceil((widest + 8) / step)) if step else 1
    for k, label in enumerate(figure.x):
        if k % every == 0:
            anchor = "start" if k == 0 and count > 1 else ("end" if k == count - 1 and count > 1 else "middle")
            parts.append(_text(at(k, ticks[0])[0], bottom + 18, label, "", anchor))
    for j, series in enumerate(figure.series):
        shape = _SHAPES[j % len(_SHAPES)]
        points = [(k, v) for k, v in enumerate(series.values)]
        runs: list[list[tuple[float, float]]] = [[]]
        for k, v in points:
            if v is None:
                runs.append([])
            else:
                runs[-1].append(at(k, v))
        for run in runs:
            if len(run) > 1:
                coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
                parts.append(f'<polyline class="fig-line fig-s{j % 2}" points="{coords}"/>')
        for run in runs:
            parts.extend(_marker(shape, x, y, f"fig-mark fig-s{j % 2}") for x, y in run)
    y = bottom + 24
    if len(figure.series) > 1:
        for j, series in enumerate(figure.series):
            y += LINE + 2
            parts.append(_marker(_SHAPES[j % len(_SHAPES)], 6, y - 4, f"fig-mark fig-s{j % 2}"))
            parts.append(_text(18, y, series.label))
    return "".join(parts), math.ceil(y + 6), _chart_desc(figure)


def _chart_table(figure: Figure) -> tuple[list[str], list[tuple[str, list[str]]]]:
    head = [""] + [f"{s.label} ({figure.unit})" for s in figure.series]
    rows: list[tuple[str, list[str]]] = []
    for k, label in enumerate(figure.x):
        cells = []
        for series in figure.series:
            cell = number(series.values[k]) if k < len(series.values) else "no figure"
            note = _note(series, k)
            cells.append(f"{cell} ({note})" if note else cell)
        rows.append((label, cells))
    return head, rows


def _note(series: Series, k: int) -> str | None:
    return series.notes[k] if k < len(series.notes) else None
