"""Search in a real browser, opened from disk: what a student types finds what they mean.

The ranking lives in search.js, so the table of queries and expected first results runs in chromium against
the shipped lesson, and a few of the same kinds of query against the example lesson (so that it is not tuned
to one lesson)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_site_browser import _axe, _open

from primer.build import build
from tools import ROOT

Result = dict[str, str]
Check = Callable[[list[Result]], bool]

#: Everything search.js puts on the page, as a test reads it: each result with its group and kind.
_RESULTS = """() => [...document.querySelectorAll('#search-results li')].map(li => {
  const a = li.querySelector('a'), kind = li.querySelector('.result-kind'), group = li.closest('section');
  return {title: a.textContent, href: a.getAttribute('href'), snippet: (li.querySelector('p') || {}).textContent || '',
          kind: kind ? kind.textContent : group.querySelector('h2').textContent.replace(/ \\(\\d+\\)$/, ''),
          group: group.querySelector('h2').textContent};
})"""


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example lesson (South China Sea arbitration), built once."""
    out = tmp_path_factory.mktemp("example") / "site"
    build(ROOT / "examples" / "south-china-sea-arbitration" / "content", out)
    return out


def _search(pg: Any, site: Path, query: str) -> list[Result]:
    """Open the search page with ?q= and read the results."""
    pg.goto((site / "search" / "index.html").as_uri() + "?q=" + query.replace(" ", "+"))
    pg.wait_for_load_state("load")
    pg.wait_for_function("document.getElementById('search-status').textContent !== ''")
    results = pg.evaluate(_RESULTS)
    assert isinstance(results, list)
    return results


def _first(href_end: str) -> Check:
    return lambda results: results[0]["href"].endswith(href_end)


def _in_top(n: int, href_end: str) -> Check:
    return lambda results: any(r["href"].endswith(href_end) for r in results[:n])


SHIPPED_QUERIES: list[tuple[str, list[Check]]] = [
    # the glossary entry first (an exact match of the term), the explainer in the top 3
    ("thaad", [_first("glossary/index.html#thaad"), _in_top(3, "topics/thaad-south-korea/index.html")]),
    ("THAAD", [_first("glossary/index.html#thaad")]),
    ("tahad", [_first("glossary/index.html#thaad")]),  # two letters swapped
    ("what is a battery", [_first("glossary/index.html#battery")]),  # stop words
    ("batteries", [_first("glossary/index.html#battery")]),  # plural
    # a typo; some results say "missile" only in an alias (Aegis: "Aegis missile system")
    (
        "missle",
        [lambda rs: "missile" in rs[0]["title"], lambda rs: sum("missile" in str(r).lower() for r in rs[:5]) >= 3],
    ),
    ("answer key", [lambda rs: rs[0]["kind"] == "Teacher pages" and "teacher/" in rs[0]["href"]]),
    ("lesson plan", [lambda rs: "teacher/topics/" in rs[0]["href"]]),
    (
        "aegis ashore",
        [
            lambda rs: rs[0]["href"].endswith(
                ("glossary/index.html#aegis-ashore", "topics/japan-aegis-ashore/index.html")
            ),
            _in_top(3, "topics/japan-aegis-ashore/index.html"),
        ],
    ),
    ("kono", [lambda rs: "Kono" in rs[0]["title"], _first("actors/index.html#taro-kono")]),
    ("Kōno", [_first("actors/index.html#taro-kono")]),  # accents
    ("sanctons", [lambda rs: "sanction" in rs[0]["title"].lower()]),
    ("kyogamisaki", [lambda rs: "Kyogamisaki" in rs[0]["title"]]),
    ("quality report", [_first("teacher/report.html")]),
    ("sm3", [_first("glossary/index.html#sm-3")]),  # typed without its hyphen
]

EXAMPLE_QUERIES: list[tuple[str, list[Check]]] = [
    ("tribunal", [_first("glossary/index.html#arbitral-tribunal")]),
    ("nine-dash line", [_first("glossary/index.html#nine-dash-line")]),
    ("nine dash", [_first("glossary/index.html#nine-dash-line")]),
    ("what is an exclusive economic zone", [_first("glossary/index.html#eez")]),
    ("tribunl", [lambda rs: "tribunal" in rs[0]["title"].lower()]),
    ("answer key", [lambda rs: rs[0]["kind"] == "Teacher pages"]),
    ("lesson plan", [lambda rs: "teacher/topics/" in rs[0]["href"]]),
]


def _check(pg: Any, site: Path, query: str, checks: list[Check], watch: Any) -> None:
    results = _search(pg, site, query)
    assert results, f"no results for {query!r}"
    top = [(r["title"], r["kind"], r["href"]) for r in results[:5]]
    for n, check in enumerate(checks):
        assert check(results), f"{query!r}: check {n} fails on the top results {top}"
    assert watch.errors == []


@pytest.mark.parametrize(("query", "checks"), SHIPPED_QUERIES, ids=[q for q, _ in SHIPPED_QUERIES])
def test_what_a_student_types_finds_what_they_mean(
    query: str, checks: list[Check], shipped_site: Path, page: Any
) -> None:
    pg, watch = page
    _check(pg, shipped_site, query, checks, watch)


@pytest.mark.parametrize(("query", "checks"), EXAMPLE_QUERIES, ids=[q for q, _ in EXAMPLE_QUERIES])
def test_the_same_kinds_of_query_work_on_another_lesson(
    query: str, checks: list[Check], example_site: Path, page: Any
) -> None:
    pg, watch = page
    _check(pg, example_site, query, checks, watch)


def test_results_come_best_first_then_grouped_by_kind_with_counts(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    results = _search(pg, shipped_site, "thaad")
    groups = list(dict.fromkeys(r["group"] for r in results))
    assert groups[0] == "Best matches"
    assert len([r for r in results if r["group"] == "Best matches"]) == 3
    kinds = [g.rsplit(" (", 1)[0] for g in groups[1:]]
    assert len(kinds) == len(set(kinds)) > 2, "one group per kind"
    for group in groups[1:]:
        count = int(group.rsplit("(", 1)[1].rstrip(")"))
        assert count == len([r for r in results if r["group"] == group])
    status = pg.locator("#search-status").inner_text()
    assert status == f"{len(results)} results for “thaad”."
    # a long group shows five, and the rest behind a "Show … more" that works by keyboard
    summary = pg.locator("#search-results summary").first
    hidden_before = pg.locator("#search-results li:visible").count()
    summary.focus()
    pg.keyboard.press("Enter")
    assert pg.locator("#search-results li:visible").count() > hidden_before


def test_nonsense_gets_a_helpful_sentence(shipped_site: Path, page: Any) -> None:
    pg, watch = page
    results = _search(pg, shipped_site, "qwxzvbn")
    assert results == []
    status = pg.locator("#search-status")
    assert status.inner_text().startswith("Nothing matches")
    assert "spelling" in status.inner_text()
    hrefs = status.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert hrefs == ["../glossary/index.html", "../timeline/index.html"]
    assert watch.errors == []


def test_results_appear_as_you_type_and_the_address_keeps_the_query(shipped_site: Path, page: Any) -> None:
    pg, watch = page
    _open(pg, shipped_site, "search/index.html")
    pg.locator("#q").focus()
    pg.keyboard.type("aegis asho", delay=40)  # no Enter: results come as the words are typed
    pg.wait_for_function("document.querySelector('#search-results li a')?.textContent.includes('Aegis Ashore')")
    assert pg.locator("#search-status").get_attribute("aria-live") == "polite"
    pg.wait_for_function("location.search === '?q=aegis%20asho'")
    pg.keyboard.press("Enter")  # submitting stays on the page
    assert pg.url.endswith("?q=aegis%20asho")
    pg.keyboard.press("Control+A")
    pg.keyboard.press("Backspace")
    pg.wait_for_function("document.querySelectorAll('#search-results li').length === 0")
    assert pg.locator("#search-status").inner_text() == ""
    assert watch.errors == []


def test_a_result_is_reached_by_keyboard_and_opens_from_disk(shipped_site: Path, page: Any) -> None:
    pg, watch = page
    _open(pg, shipped_site, "search/index.html")
    pg.locator("#q").focus()
    pg.keyboard.type("THAAD")
    pg.keyboard.press("Enter")
    pg.wait_for_function("document.getElementById('search-status').textContent.includes('“THAAD”')")
    first = pg.locator("#search-results li a").first
    for _ in range(5):  # past the search button to the first result
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.closest('#search-results') !== null"):
            break
    assert pg.evaluate("document.activeElement.textContent") == first.inner_text()
    with pg.expect_navigation():
        pg.keyboard.press("Enter")
    assert pg.url == (shipped_site / "glossary" / "index.html").as_uri() + "#thaad"
    assert watch.errors == []
    root = shipped_site.as_uri() + "/"
    assert [url for url in watch.requests if not url.startswith(root)] == [], "no request leaves the site"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_with_results_shown(scheme: str, shipped_site: Path, page: Any) -> None:
    pg, _ = page
    pg.emulate_media(color_scheme=scheme)
    _search(pg, shipped_site, "thaad")
    pg.locator("#search-results summary").first.click()
    assert _axe(pg) == []
    _search(pg, shipped_site, "qwxzvbn")
    assert _axe(pg) == []


@pytest.mark.parametrize("width", [320, 390])
def test_results_fit_a_phone(width: int, shipped_site: Path, page: Any) -> None:
    pg, _ = page
    pg.set_viewport_size({"width": width, "height": 800})
    for query in ("radar", "thaad"):
        _search(pg, shipped_site, query)
        for summary in pg.locator("#search-results summary").all():
            summary.click()
        assert pg.evaluate("document.documentElement.scrollWidth <= innerWidth"), query
        box = pg.locator("#q").bounding_box()
        assert box and box["x"] + box["width"] <= width


def test_without_javascript_the_page_points_to_the_glossary_and_timeline(shipped_site: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto((shipped_site / "search" / "index.html").as_uri() + "?q=thaad")
    status = pg.locator("#search-status")
    assert "Search needs JavaScript" in status.inner_text()
    assert status.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))") == [
        "../glossary/index.html",
        "../timeline/index.html",
    ]
    context.close()
