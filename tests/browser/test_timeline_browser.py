"""The visual timeline and section figures in a real browser, opened from disk: the axis scrolls in its
own box, marks link to their entries, the filters combine and say what they show without moving the
list, keyboard reaches marks and filters, axe finds nothing, and figures show with their data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_site_browser import _axe, _open

from primer.build import build
from tools import ROOT

TIMELINE = "timeline/index.html"
FIGURE_TOPIC = "topics/how-missile-defense-works/index.html"


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example lesson of another region, built once."""
    out = tmp_path_factory.mktemp("example") / "site"
    build(ROOT / "examples" / "south-china-sea-arbitration" / "content", out)
    return out


def _no_page_scroll(pg: Any) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the page must not scroll sideways"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_axis_scrolls_in_its_own_box(width: int, shipped_site: Path, page: Any, tmp_path: Path) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": width, "height": 900})
    _open(pg, shipped_site, TIMELINE)
    _no_page_scroll(pg)
    box = pg.locator(".tl-box")
    assert box.is_visible()
    assert box.evaluate("b => b.scrollWidth > b.clientWidth"), "a long time axis scrolls inside its box"
    assert box.evaluate("b => b.scrollLeft > 0"), "the script opens the axis on its busiest period"
    shot = tmp_path / f"timeline-{width}.png"
    pg.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000, "the screenshot is not blank"
    assert watch.errors == []
    root = shipped_site.as_uri() + "/"
    assert [u for u in watch.requests if not u.startswith(root)] == []


def test_every_mark_links_to_its_entry(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, shipped_site, TIMELINE)
    hrefs = pg.locator(".tl-track > a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    ids = pg.locator(".timeline > li").evaluate_all("lis => lis.map(li => li.id)")
    assert sorted(h.removeprefix("#") for h in hrefs) == sorted(ids)
    names = pg.locator(".tl-track > a").evaluate_all("as => as.map(a => a.textContent)")
    assert all(re.match(r"^[^:]*\d{4}: \S", n) for n in names), names[:5]
    assert "21 Oct 2014: " in " ".join(names), "marks are named by their date and title"
    mark = pg.locator(".tl-track > a").nth(10)
    target = mark.get_attribute("href")
    mark.click()
    assert pg.url.endswith(target)
    assert pg.locator(target).is_visible()


def _visible(pg: Any) -> list[dict[str, str]]:
    return pg.locator(".timeline > li:not([hidden])").evaluate_all(
        "lis => lis.map(li => ({a: li.dataset.actors, t: li.dataset.t || '', y: li.querySelector('time').dateTime}))"
    )


def test_filters_combine_and_say_what_they_show_without_moving_the_list(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    pg.set_viewport_size({"width": 390, "height": 900})
    _open(pg, shipped_site, TIMELINE)
    total = pg.locator(".timeline > li").count()
    top = pg.locator(".timeline").evaluate("e => e.getBoundingClientRect().top + scrollY")
    actor = pg.locator("#actor-filter option", has_text="Japan").first.get_attribute("value")
    pg.select_option("#actor-filter", actor)
    pg.select_option("#topic-filter", label="Japan and Aegis Ashore")
    pg.select_option("#period-filter", label="2016–2017")
    topic = pg.locator("#topic-filter").input_value()
    shown = _visible(pg)
    assert 0 < len(shown) < total
    for item in shown:
        assert actor in item["a"].split() and topic in item["t"].split() and "2016" <= item["y"][:4] <= "2017"
    everything = pg.locator(".timeline > li").evaluate_all(
        "lis => lis.map(li => ({a: li.dataset.actors, t: li.dataset.t || '', y: li.querySelector('time').dateTime}))"
    )
    expected = [
        e for e in everything if actor in e["a"].split() and topic in e["t"].split() and "2016" <= e["y"][:4] <= "2017"
    ]
    assert len(shown) == len(expected)
    sentence = pg.locator(".filter-count").inner_text()
    assert sentence == f"Showing {len(shown)} of {total} events: Japan, Japan and Aegis Ashore, 2016–2017."
    assert pg.locator(".tl-track > a.off").count() == total - len(shown), "the axis dims what the list hides"
    after = pg.locator(".timeline").evaluate("e => e.getBoundingClientRect().top + scrollY")
    assert after == top, "filtering does not move the list"
    for select in ("#actor-filter", "#topic-filter", "#period-filter"):
        pg.select_option(select, "")
    assert pg.locator(".filter-count").inner_text() == f"Showing all {total} events."
    assert pg.locator(".timeline > li[hidden]").count() == 0


def test_keyboard_reaches_the_marks_and_the_filters(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, shipped_site, TIMELINE)
    pg.locator("h1").click()
    seen = []
    for _ in range(40):
        pg.keyboard.press("Tab")
        seen.append(
            pg.evaluate(
                "document.activeElement.id || document.activeElement.className || document.activeElement.tagName"
            )
        )
        if pg.evaluate("!!document.activeElement.closest('.tl-track')"):
            break
    first = pg.evaluate("document.activeElement.getAttribute('href')")
    assert first and first.startswith("#"), seen
    pg.keyboard.press("ArrowRight")
    second = pg.evaluate("document.activeElement.getAttribute('href')")
    assert second and second != first
    assert pg.locator(".tl-track > a[tabindex='0']").count() == 1, "one tab stop for the whole axis"
    pg.keyboard.press("Tab")
    for _ in range(6):
        if pg.evaluate("document.activeElement.tagName") == "SELECT":
            break
        pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.id") == "actor-filter"


def test_zoom_widens_the_axis(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, shipped_site, TIMELINE)
    track = pg.locator(".tl-track")
    before = track.evaluate("t => t.offsetWidth")
    pg.get_by_role("button", name="Zoom in").click()
    assert track.evaluate("t => t.offsetWidth") == pytest.approx(before * 2, rel=0.01)
    pg.get_by_role("button", name="Zoom out").click()
    assert track.evaluate("t => t.offsetWidth") == pytest.approx(before, rel=0.01)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_timeline_passes_axe(scheme: str, shipped_site: Path, page: Any) -> None:
    pg, _ = page
    pg.emulate_media(color_scheme=scheme)
    _open(pg, shipped_site, TIMELINE)
    assert _axe(pg) == []
    pg.select_option("#period-filter", label="2016–2017")
    assert _axe(pg) == []


def test_without_javascript_the_list_and_axis_remain(shipped_site: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    _open(pg, shipped_site, TIMELINE)
    assert pg.locator(".tl-box").is_visible()
    assert not pg.locator("#timeline-filter").is_visible(), "controls that need a script are not shown"
    assert pg.locator(".timeline > li").count() == pg.locator(".tl-track > a").count()
    context.close()


@pytest.mark.parametrize("which", ["mini", "example"])
def test_the_timeline_works_for_other_lessons(which: str, mini_site: Path, example_site: Path, page: Any) -> None:
    pg, watch = page
    pg.set_viewport_size({"width": 390, "height": 800})
    site = mini_site if which == "mini" else example_site
    _open(pg, site, TIMELINE)
    _no_page_scroll(pg)
    assert pg.locator(".tl-track > a").count() == pg.locator(".timeline > li").count() > 0
    assert watch.errors == []
    assert _axe(pg) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_topic_figure_shows_with_its_data(scheme: str, shipped_site: Path, page: Any) -> None:
    pg, watch = page
    pg.emulate_media(color_scheme=scheme)
    pg.set_viewport_size({"width": 390, "height": 900})
    _open(pg, shipped_site, FIGURE_TOPIC)
    _no_page_scroll(pg)
    svg = pg.locator("figure.fig svg").first
    svg.scroll_into_view_if_needed()
    width = svg.evaluate("s => s.getBoundingClientRect().width")
    assert width > 200
    scale = width / svg.evaluate("s => s.viewBox.baseVal.width")
    assert 13 * scale >= 11, "labels stay readable on a phone"
    data = pg.locator("figure.fig + details.fig-data").first
    table = data.locator("table")
    assert not table.is_visible()
    data.locator("summary").click()
    assert table.is_visible()
    assert table.locator("caption").inner_text() == svg.locator("title").text_content()
    assert watch.errors == []
    assert _axe(pg) == []
