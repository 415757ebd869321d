"""Section figures (sequence, bar and line) and the timeline's time axis: validation at the right
line, well-formed accessible SVG, bars proportional to their values, the data table matching the
data, and deterministic output."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from primer.content.dates import FuzzyDate
from primer.content.library import load_library
from primer.content.models import Figure
from primer.figures import draw_figure, figure_problems
from primer.figures.draw import WIDTH, bar_length, nice_ticks, number, wrap
from primer.figures.timeline import (
    LONG_AXIS,
    TARGET,
    TICK_GAP,
    axis,
    periods,
    short_date,
    short_name,
    timeline_context,
)
from tools import MINI, ROOT, Invoke

SVG = "{http://www.w3.org/2000/svg}"
TOPIC = "topics/radars.yaml"
#: The line of the mini topic after which a section's keys go.
AFTER = "      <script>alert(1)</script>\n"

BAR = """\
    figures:
      - id: caps
        kind: bar
        title: Oil caps
        caption: The caps fell.
        basis: Two resolutions.
        unit: barrels a year
        x: [First, Second]
        series:
          - label: Refined
            values: [2000000, 500000]
          - label: Crude
            values: [null, 4000000]
            notes: [no figure stated, "or 525,000 tonnes"]
"""

SEQUENCE = """\
    figures:
      - id: phases
        kind: sequence
        title: Flight phases
        caption: Three phases.
        lanes_title: Interceptors
        steps:
          - {id: boost, label: Boost, text: The engines burn.}
          - {id: midcourse, label: Midcourse, text: The warhead coasts through space.}
          - {id: terminal, label: Terminal, text: The warhead comes down.}
        lanes:
          - {label: SM-3, start: midcourse}
          - {label: THAAD, start: midcourse, end: terminal, note: high}
"""


def _with_figures(content: Path, block: str) -> Path:
    path = content / TOPIC
    text = path.read_text(encoding="utf-8")
    assert AFTER in text
    path.write_text(text.replace(AFTER, AFTER + block), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _figure(block: str) -> Figure:
    import yaml

    data = yaml.safe_load(block)["figures"][0]
    return Figure.model_validate(data)


# --------------------------------------------------------------------------- validation

# Each case: (the figures block, a text on the line the error is at, words of the message)
CASES = {
    "unknown-kind": (BAR.replace("kind: bar", "kind: pie"), "kind: pie", "'pie'"),
    "non-numeric": (BAR.replace("[2000000, 500000]", "[2000000, lots]"), "[2000000, lots]", "number"),
    "mismatched-row": (BAR.replace("[null, 4000000]", "[4000000]"), "values: [4000000]", "has 1 values, but x has 2"),
    "notes-length": (
        BAR.replace('notes: [no figure stated, "or 525,000 tonnes"]', "notes: [one]"),
        "notes: [one]",
        "1 notes",
    ),
    "empty-data": (BAR.replace("x: [First, Second]", "x: []"), "- id: caps", "no data"),
    "too-many-bars": (
        BAR.replace("x: [First, Second]", "x: [a, b, c, d, e, f, g]")
        .replace("[2000000, 500000]", "[1, 2, 3, 4, 5, 6, 7]")
        .replace("[null, 4000000]", "[1, 2, 3, 4, 5, 6, 7]")
        .replace('notes: [no figure stated, "or 525,000 tonnes"]', ""),
        "x: [a, b",
        "14 bars are too many",
    ),
    "negative-bar": (BAR.replace("[2000000, 500000]", "[2000000, -5]"), "[2000000, -5]", "negative"),
    "chart-without-basis": (BAR.replace("        basis: Two resolutions.\n", ""), "- id: caps", "needs a 'basis'"),
    "unknown-step": (
        SEQUENCE.replace("start: midcourse}", "start: midcours}"),
        "start: midcours}",
        "did you mean 'midcourse'",
    ),
    "lane-backwards": (
        SEQUENCE.replace("start: midcourse, end: terminal", "start: terminal, end: boost"),
        "end: boost",
        "comes before its start",
    ),
    "stray-key": (
        SEQUENCE.replace("lanes_title: Interceptors", "unit: km"),
        "unit: km",
        "belongs to a bar or line chart",
    ),
    "one-step": (
        SEQUENCE.split("          - {id: midcourse")[0],
        "kind: sequence",
        "at least two steps",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_figure_errors_are_reported_at_their_line(case: str, mini: Path, tmp_path: Path, cli: Invoke) -> None:
    block, needle, words = CASES[case]
    path = _with_figures(mini, block)
    line = _line_of(path, needle)
    checked = cli("check", "--content", mini)
    built = cli("build", "--content", mini, "--out", tmp_path / "site")
    assert checked.exit_code == built.exit_code == 1
    assert re.search(rf"content/{TOPIC}:{line}:\d+: [^\n]*{re.escape(words)}", checked.output), checked.output
    assert words in built.output, "check and build agree"
    assert "Traceback" not in checked.output
    assert not (tmp_path / "site").exists()


def test_valid_figures_pass_check_and_build(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    _with_figures(mini, BAR + SEQUENCE.removeprefix("    figures:\n"))
    assert cli("check", "--content", mini).exit_code == 0
    result = cli("build", "--content", mini, "--out", tmp_path / "site", "-q")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "topics" / "radars" / "index.html").read_text(encoding="utf-8")
    for fid in ("caps", "phases"):
        assert f'id="fig-{fid}"' in page
        assert f'aria-labelledby="fig-{fid}-t fig-{fid}-d"' in page
    assert page.count('<figure class="fig" ') == 2


def test_figure_ids_are_unique_in_a_topic(mini: Path, cli: Invoke) -> None:
    path = _with_figures(mini, BAR + BAR.removeprefix("    figures:\n"))
    result = cli("check", "--content", mini)
    assert result.exit_code == 1
    second = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "- id: caps" in line][1]
    assert f"{TOPIC}:{second}:" in result.output and "two figures of this topic have the id 'caps'" in result.output


def test_the_shipped_figures_are_valid() -> None:
    lib = load_library(ROOT / "content")
    figures = [f for t in lib.topics.values() for s in t.sections for f in s.figures]
    assert len(figures) >= 3
    assert {f.kind for f in figures} >= {"sequence", "bar"}
    for figure in figures:
        assert figure_problems(figure) == []
        assert figure.basis


# --------------------------------------------------------------------------- drawing


def _svg(figure: Figure) -> ET.Element:
    return ET.fromstring(str(draw_figure(figure).svg))


@pytest.mark.parametrize("block", [BAR, SEQUENCE, BAR.replace("kind: bar", "kind: line")])
def test_svg_is_well_formed_and_accessible(block: str) -> None:
    figure = _figure(block)
    root = _svg(figure)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == figure.title
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox", "").startswith(f"0 0 {WIDTH} ")
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert texts.strip(), "labels are real text"


def test_bars_are_proportional_to_their_values() -> None:
    root = _svg(_figure(BAR))
    bars = [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect") if "fig-bar" in (r.get("class") or "")]
    assert len(bars) == 3  # one value has no figure, so no bar
    refined_2375, refined_2397, crude_2397 = bars
    assert refined_2375 / crude_2397 == pytest.approx(2_000_000 / 4_000_000, rel=0.01)
    assert refined_2397 / crude_2397 == pytest.approx(500_000 / 4_000_000, rel=0.02)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"2,000,000", "500,000", "4,000,000", "no figure"} <= set(texts)
    assert bar_length(5, 10, 200) == 100


def test_the_data_table_matches_the_data() -> None:
    drawn = draw_figure(_figure(BAR))
    assert drawn.head == ["", "Refined (barrels a year)", "Crude (barrels a year)"]
    assert drawn.rows == [
        ("First", ["2,000,000", "no figure (no figure stated)"]),
        ("Second", ["500,000", "4,000,000 (or 525,000 tonnes)"]),
    ]
    sequence = draw_figure(_figure(SEQUENCE))
    assert sequence.head == ["Step", "What happens", "Interceptors"]
    assert [row[0] for row in sequence.rows] == ["1. Boost", "2. Midcourse", "3. Terminal"]
    assert [row[1][1] for row in sequence.rows] == ["—", "SM-3, THAAD (high)", "THAAD (high)"]


def test_long_sequences_run_down_the_page() -> None:
    steps = "".join(f"          - {{id: s{i}, label: Step {i}, text: Something happens.}}\n" for i in range(6))
    block = SEQUENCE.split("        steps:\n")[0].replace("        lanes_title: Interceptors\n", "")
    root = _svg(_figure(block + "        steps:\n" + steps))
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 6, "one numbered circle per step"


def test_drawing_is_deterministic() -> None:
    for block in (BAR, SEQUENCE, BAR.replace("kind: bar", "kind: line")):
        assert draw_figure(_figure(block)) == draw_figure(_figure(block))


def test_helpers() -> None:
    assert number(2000000.0) == "2,000,000" and number(2.5) == "2.5" and number(None) == "no figure"
    assert nice_ticks(4_000_000) == [0, 1_000_000, 2_000_000, 3_000_000, 4_000_000]
    assert all(len(line) * 13 * 0.5 <= 100 or " " not in line for line in wrap("a b c " * 20, 100))


# --------------------------------------------------------------------------- the timeline's axis


def test_short_dates_and_names() -> None:
    assert short_date(FuzzyDate.parse("2014-10-21")) == "21 Oct 2014"
    assert short_date(FuzzyDate.parse("2014-12-13/2014-12-19")) == "13–19 Dec 2014"
    assert short_date(FuzzyDate.parse("2017-08/2017-09")) == "Aug–Sep 2017"
    assert short_date(FuzzyDate.parse("2006")) == "2006"
    assert short_name("North Korea (Democratic People's Republic of Korea)") == "North Korea"


@pytest.mark.parametrize("content", [ROOT / "content", MINI, ROOT / "examples/south-china-sea-arbitration/content"])
def test_the_axis_fits_any_lesson(content: Path) -> None:
    lib = load_library(content)
    events = lib.events_in_order()
    drawn = axis(lib, events)
    assert sorted(m.event_id for m in drawn.marks) == sorted(e.id for e in events), "one mark per event"
    assert all(0 <= m.left <= 100 for m in drawn.marks)
    assert [y for y, _ in drawn.ticks] == list(range(drawn.ticks[0][0], drawn.ticks[-1][0] + 1))
    assert len(drawn.bands) == len(lib.sources)
    # Marks in one row of a lane stay a tap target apart at the base scale.
    rows: dict[int, list[float]] = {}
    for mark in drawn.marks:
        rows.setdefault(mark.top, []).append(mark.left * drawn.width / 100)
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= TARGET - 0.5 for a, b in itertools.pairwise(xs))
    # Periods cover the years without gaps.
    spans = periods(events)
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(spans))


@pytest.mark.parametrize(("year", "first", "step"), [("1592", 1595, 5), ("0001", 50, 50)])
def test_a_span_of_centuries_gets_a_narrower_scale_and_fewer_ticks(
    mini: Path, year: str, first: int, step: int
) -> None:
    """An event in 1592 (or year 1) and others in 2020: a year at 60 pixels made an axis of 26,000 (or 121,000)
    pixels, a tick each year. A long span narrows its scale down to an axis of LONG_AXIS pixels, and ticks every
    so many years, no closer than TICK_GAP pixels; a short one keeps a tick each year (test above)."""
    timeline = mini / "timeline.yaml"
    timeline.write_text(timeline.read_text(encoding="utf-8").replace("'2006-06'", f"'{year}'"), encoding="utf-8")
    lib = load_library(mini)
    drawn = axis(lib, lib.events_in_order())
    assert LONG_AXIS <= drawn.width < 2 * LONG_AXIS, drawn.width
    years = [y for y, _ in drawn.ticks]
    assert (
        years[0] == first
        and 2020 - step < years[-1] <= 2020
        and all(b - a == step for a, b in itertools.pairwise(years))
    )
    assert all((b - a) * drawn.width / 100 >= TICK_GAP * 0.99 for (_, a), (_, b) in itertools.pairwise(drawn.ticks))


def test_topic_filter_data_follows_the_topics_citations() -> None:
    lib = load_library(MINI)
    context = timeline_context(lib)
    assert [t.id for t in context["topics"]] == ["radars"]  # type: ignore[attr-defined, union-attr]
    assert context["event_topics"] == {"radar-arrives": [], "radar-removed": ["0"]}
