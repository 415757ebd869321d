"""The site's design in a real browser: every page kind on a phone and a laptop (screenshots, no
sideways scroll, axe-core in light and dark), the header's menus, "you are here", breadcrumbs, the
explainer's contents list and margin notes, and glossary popovers by keyboard."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_site_browser import _axe, _tab_to

from primer.build import build
from tools import MINI, add_sources

#: Every kind of page, one example each (the map only when the site has one).
PAGE_KINDS = {
    "home": "index.html",
    "topics": "topics/index.html",
    "topic": "topics/how-missile-defense-works/index.html",
    "quiz": "topics/how-missile-defense-works/quiz.html",
    "source": "sources/japan-aegis-ashore-2017.html",
    "sources": "sources/index.html",
    "compare": "sources/compare.html",
    "glossary": "glossary/index.html",
    "timeline": "timeline/index.html",
    "actors": "actors/index.html",
    "places": "places/index.html",
    "map": "map/index.html",
    "search": "search/index.html",
    "about": "about/index.html",
    "teacher": "teacher/index.html",
    "teacher-topic": "teacher/topics/how-missile-defense-works.html",
    "report": "teacher/report.html",
    "404": "404.html",
}
TOPIC = PAGE_KINDS["topic"]
PHONE, LAPTOP, NARROWEST = 390, 1280, 320


class Tabs:
    """One browser context per viewport and colour scheme, shared by the tests of this module."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.open: dict[tuple[int, str, bool], Any] = {}

    def page(self, width: int, scheme: str = "light", js: bool = True) -> Any:
        key = (width, scheme, js)
        if key not in self.open:
            context = self.browser.new_context(
                viewport={"width": width, "height": 800}, color_scheme=scheme, java_script_enabled=js
            )
            self.open[key] = context.new_page()
        return self.open[key]

    def close(self) -> None:
        for pg in self.open.values():
            pg.context.close()


@pytest.fixture(scope="module")
def tabs(browser: Any) -> Iterator[Tabs]:
    found = Tabs(browser)
    yield found
    found.close()


def _go(pg: Any, site: Path, rel: str) -> None:
    if not (site / rel).exists():
        pytest.skip(f"this site has no {rel}")
    pg.goto((site / rel).as_uri())
    pg.wait_for_load_state("load")


def _sideways(pg: Any) -> int:
    return int(pg.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _screenshot(pg: Any) -> bytes:
    """The page's screenshot; chromium under load at times fails to capture one ("Unable to capture
    screenshot", a protocol error about the tab, not the page): then the tab is brought to the front and
    asked once more."""
    from playwright.sync_api import Error

    try:
        return bytes(pg.screenshot())
    except Error as exc:
        if "Unable to capture screenshot" not in str(exc):
            raise
        pg.bring_to_front()
        return bytes(pg.screenshot())


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_every_page_kind_on_phones_and_laptops(
    kind: str, shipped_site: Path, tabs: Tabs, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Screenshots at 390 and 1280 px (not blank), no sideways scroll at 320, 390 or 1280 px, and
    axe-core clean in light and dark at 320 and 1280 px (one page load per width, both schemes)."""
    from PIL import Image

    shots = tmp_path_factory.mktemp("screenshots")
    found: dict[str, Any] = {}
    for width in (NARROWEST, PHONE, LAPTOP):
        pg = tabs.page(width)
        _go(pg, shipped_site, PAGE_KINDS[kind])
        assert _sideways(pg) <= 0, f"{kind} scrolls sideways at {width} px"
        if width != NARROWEST:
            png = _screenshot(pg)
            (shots / f"{kind}-{width}.png").write_bytes(png)
            colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 16)
            assert colours is None or len(colours) > 8, f"{kind} at {width} px looks blank"
        if width != PHONE:
            for scheme in ("dark", "light"):
                pg.emulate_media(color_scheme=scheme)
                found[f"{scheme}, {width} px"] = _axe(pg)
    assert {where: violations for where, violations in found.items() if violations} == {}


@pytest.mark.parametrize("width", [NARROWEST, PHONE])
def test_the_header_stays_one_row_on_phones(width: int, shipped_site: Path, tabs: Tabs) -> None:
    pg = tabs.page(width)
    _go(pg, shipped_site, TOPIC)
    boxes = pg.eval_on_selector_all(
        ".bar > *", "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().toJSON())"
    )
    assert len(boxes) >= 3
    middle = [b["y"] + b["height"] / 2 for b in boxes]
    assert max(middle) - min(middle) < 12, "brand, menu and search sit side by side"
    assert not pg.locator(".primary").is_visible(), "the main links move into the menu"


def test_you_are_here_and_breadcrumbs(shipped_site: Path, tabs: Tabs) -> None:
    pg = tabs.page(LAPTOP)
    _go(pg, shipped_site, PAGE_KINDS["glossary"])
    assert pg.locator(".primary a[aria-current=page]").all_inner_texts() == ["Glossary"]
    assert pg.locator(".crumbs").count() == 0, "menu pages need no breadcrumbs"
    _go(pg, shipped_site, TOPIC)
    assert pg.locator(".primary a[aria-current=true]").all_inner_texts() == ["Topics"], "a topic marks Topics"
    _go(pg, shipped_site, PAGE_KINDS["compare"])
    assert pg.locator("details.more.here").count() == 1, "the closed More menu shows it holds this page"
    assert pg.locator(".more a[aria-current=page]").all_text_contents() == ["Compare"]
    for kind, trail in {
        "topic": ["Home", "Topics", "How missile defense works"],
        "quiz": ["Home", "Topics", "How missile defense works", "Quiz"],
        "source": ["Home", "Sources"],
        "teacher-topic": ["Home", "Teacher hub", "How missile defense works"],
    }.items():
        _go(pg, shipped_site, PAGE_KINDS[kind])
        crumbs = pg.locator(".crumbs li").all_inner_texts()
        assert crumbs[: len(trail)] == trail, kind
        assert pg.locator(".crumbs [aria-current=page]").count() == 1


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
def test_the_menu_works_by_keyboard(width: int, shipped_site: Path, tabs: Tabs) -> None:
    pg = tabs.page(width)
    _go(pg, shipped_site, PAGE_KINDS["about"])
    summary = pg.locator("details.more summary")
    _tab_to(pg, "details.more summary", 30)
    pg.keyboard.press("Enter")
    links = pg.locator("details.more ul a:visible")
    names = links.all_inner_texts()
    assert "Compare" in names and "Teachers" in names
    assert ("Topics" in names) == (width == PHONE), "on phones the menu holds the main links too"
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.closest('details.more') !== null")
    pg.keyboard.press("Escape")
    assert not pg.locator("details.more ul").is_visible()
    assert pg.evaluate("document.activeElement.matches('details.more summary')"), "Escape returns to the menu button"
    assert summary.is_visible()


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
def test_tap_targets_are_at_least_24_pixels(width: int, shipped_site: Path, tabs: Tabs) -> None:
    pg = tabs.page(width)
    _go(pg, shipped_site, TOPIC)
    pg.evaluate("document.querySelector('details.more').open = true")
    selectors = ".bar a:visible, .more summary, .more a:visible, button.term, .cite a, .crumbs a, .toc summary"
    small = pg.eval_on_selector_all(
        selectors.replace(":visible", ""),
        """els => els.filter(e => e.getClientRects().length)
                    .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
                    .filter(([, r]) => r.width < 24 || r.height < 24)
                    .map(([t, r]) => `${t}: ${r.width}×${r.height}`)""",
    )
    pg.evaluate("document.querySelector('details.more').open = false")
    assert small == []
    assert pg.locator("button.term").count() > 5 and pg.locator(".cite a").count() > 5


@pytest.mark.parametrize("width", [NARROWEST, LAPTOP])
def test_glossary_popover_by_keyboard(width: int, shipped_site: Path, tabs: Tabs) -> None:
    pg = tabs.page(width)
    _go(pg, shipped_site, TOPIC)
    _tab_to(pg, "button.term")  # as a keyboard user would
    trigger = pg.evaluate_handle("document.activeElement")
    assert trigger.get_attribute("aria-expanded") == "false"
    popover = pg.locator("#" + str(trigger.get_attribute("aria-controls")))
    assert not popover.is_visible()
    pg.keyboard.press("Enter")
    assert trigger.get_attribute("aria-expanded") == "true"
    assert popover.is_visible()
    box = popover.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, "the popover stays on screen"
    word = trigger.bounding_box()
    assert abs(box["y"] - (word["y"] + word["height"])) < 20, "the popover sits under its word"
    assert popover.locator("a", has_text="glossary").count() == 1
    pg.keyboard.press("Escape")
    assert not popover.is_visible()
    assert trigger.get_attribute("aria-expanded") == "false"
    assert pg.evaluate("el => document.activeElement === el", trigger), "focus returns to the term"


def test_glossary_terms_are_links_without_javascript(shipped_site: Path, tabs: Tabs) -> None:
    pg = tabs.page(PHONE, js=False)
    _go(pg, shipped_site, TOPIC)
    assert pg.locator("button.term").count() == 0
    link = pg.locator("a.term").first
    assert "glossary/index.html#" in str(link.get_attribute("href"))
    assert not pg.locator(".term-def").first.is_visible()


def test_the_explainer_reads_like_an_explainer(shipped_site: Path, tabs: Tabs) -> None:
    wide = tabs.page(LAPTOP)
    _go(wide, shipped_site, TOPIC)
    assert wide.locator(".ex-meta").inner_text().startswith("About ")
    assert wide.locator(".takeaways").evaluate("e => getComputedStyle(e).backgroundColor") != wide.evaluate(
        "getComputedStyle(document.body).backgroundColor"
    ), "key takeaways stand out"
    toc = wide.locator(".toc details")
    assert toc.evaluate("e => e.open") and toc.evaluate("e => getComputedStyle(e).position") == "sticky"
    sections = wide.locator("section.body h2").count()
    assert wide.locator(".toc a[href^='#s']").count() == sections
    para, notes = wide.locator(".np > p").first, wide.locator(".np > .notes").first
    assert notes.bounding_box()["x"] > para.bounding_box()["x"] + para.bounding_box()["width"], "notes in the margin"
    cite = wide.locator(".cite a").first
    note = wide.locator("#" + str(cite.get_attribute("aria-describedby")))
    assert cite.inner_text() == "1" and note.locator("a").get_attribute("href") == cite.get_attribute("href")
    assert wide.locator(".pager a[rel=next]").count() == 1
    wide.evaluate("document.getElementById('s3').scrollIntoView()")
    wide.wait_for_function("document.querySelector('.toc a[href=\"#s3\"]').getAttribute('aria-current') === 'true'")
    assert wide.locator(".toc a[aria-current]").count() == 1, "the contents list marks the section being read"
    phone = tabs.page(PHONE)
    _go(phone, shipped_site, TOPIC)
    assert not phone.locator(".toc details").evaluate("e => e.open"), "contents collapsed at the top on phones"
    para, notes = phone.locator(".np > p").first, phone.locator(".np > .notes").first
    assert notes.bounding_box()["y"] >= para.bounding_box()["y"] + para.bounding_box()["height"] - 1, "notes below"


def test_a_source_shows_the_analysis_and_folds_the_editors_notes(shipped_site: Path, tabs: Tabs) -> None:
    pg = tabs.page(PHONE)
    _go(pg, shipped_site, PAGE_KINDS["source"])
    about = pg.locator("details.about-text")
    assert not about.evaluate("e => e.open")
    assert "scraping error" in (about.text_content() or "")
    assert "scraping error" not in pg.locator("main").inner_text(), "hidden until the reader opens it"
    assert pg.locator(".points .point").first.is_visible()


def test_a_lesson_of_many_sources_compares_them_a_row_each(
    tabs: Tabs, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Six sources: a row each, which neither scrolls sideways on a laptop nor on the narrowest phone (where each
    source is a card), and which axe-core passes."""
    content = tmp_path_factory.mktemp("many-sources") / "content"
    shutil.copytree(MINI, content)
    add_sources(content, 5)
    site = content.parent / "site"
    build(content, site)
    for width in (NARROWEST, LAPTOP):
        pg = tabs.page(width)
        _go(pg, site, PAGE_KINDS["compare"])
        table = pg.locator("table.compare-rows")
        assert table.locator("tbody tr").count() == 6
        assert _sideways(pg) <= 0, f"the compare page scrolls sideways at {width} px"
        wrap = pg.locator(".table-wrap").first
        assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), f"the table scrolls sideways at {width} px"
        shown = table.evaluate("e => getComputedStyle(e).display")
        assert shown == ("block" if width == NARROWEST else "table"), shown
        assert _axe(pg) == [], width


def test_a_lesson_of_many_topics_compares_each_topic_on_a_page_of_its_own(
    tabs: Tabs, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more topics than the compare page sets out itself, it lists them, and each topic's comparison is
    a page of its own: neither scrolls sideways on a laptop or on the narrowest phone, and axe-core passes both."""
    content = tmp_path_factory.mktemp("many-topics") / "content"
    shutil.copytree(MINI, content)
    add_sources(content, 1)
    topic = content / "topics" / "radars.yaml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(text.replace("[m-spokesperson]", "[m-spokesperson, x0-radar-north]"), encoding="utf-8")
    monkeypatch.setattr("primer.targets.site.SHARED_ON_PAGE", 0)
    site = content.parent / "site"
    build(content, site)
    own = "topics/radars/compare.html"
    assert (site / own).is_file()
    for width in (NARROWEST, LAPTOP):
        pg = tabs.page(width)
        _go(pg, site, PAGE_KINDS["compare"])
        assert pg.locator("ul.compared li a").first.get_attribute("href") == "../" + own
        assert _axe(pg) == [], width
        _go(pg, site, own)
        assert pg.locator(".side-by-side h2").all_inner_texts() == ["Article X0", "Article M"]
        assert _sideways(pg) <= 0, f"a topic's comparison scrolls sideways at {width} px"
        assert _axe(pg) == [], width


def test_a_lesson_of_many_topics_has_each_topics_coverage_and_balance_on_a_page_of_its_own(
    tabs: Tabs, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more topics than the report sets out itself, it lists them a row each, and each topic's coverage
    and balance is a page of its own: neither scrolls sideways on a laptop or on the narrowest phone, and
    axe-core passes both."""
    content = tmp_path_factory.mktemp("many-reported") / "content"
    shutil.copytree(MINI, content)
    monkeypatch.setattr("primer.targets.site.TOPICS_ON_REPORT", 0)
    site = content.parent / "site"
    build(content, site)
    own = "teacher/report/radars.html"
    for width in (NARROWEST, LAPTOP):
        pg = tabs.page(width)
        _go(pg, site, "teacher/report.html")
        assert pg.locator("#coverage-radars a").get_attribute("href") == "report/radars.html"
        assert _sideways(pg) <= 0, f"the report scrolls sideways at {width} px"
        assert _axe(pg) == [], width
        _go(pg, site, own)
        assert pg.locator("main h2").all_inner_texts() == ["Coverage", "Balance"]
        assert _sideways(pg) <= 0, f"a topic's coverage and balance scrolls sideways at {width} px"
        assert _axe(pg) == [], width


def test_a_long_code_line_scrolls_in_its_block_on_screen_and_wraps_on_paper(
    tabs: Tabs, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A code block's line of 300 letters in a section: the phone's page does not scroll sideways (the block
    does), and printed, the line wraps inside the page."""
    content = tmp_path_factory.mktemp("code-line") / "content"
    shutil.copytree(MINI, content)
    topic = content / "topics" / "radars.yaml"
    text = topic.read_text(encoding="utf-8")
    body = "      <script>alert(1)</script>\n"
    assert body in text
    topic.write_text(text.replace(body, f"{body}\n      ```\n      {'c' * 300}\n      ```\n", 1), encoding="utf-8")
    site = content.parent / "site"
    build(content, site)
    pg = tabs.page(NARROWEST)
    _go(pg, site, "topics/radars/index.html")
    block = pg.locator("main pre").first
    assert _sideways(pg) <= 0, "the page scrolls sideways"
    assert block.evaluate("e => e.scrollWidth > e.clientWidth"), "the block scrolls"
    pg.emulate_media(media="print")
    try:
        assert block.evaluate("e => e.scrollWidth <= e.clientWidth"), "on paper the line wraps"
    finally:
        pg.emulate_media(media="screen")


@pytest.mark.parametrize("kind", ["compare", "places"])
def test_wide_tables_become_cards_on_phones(kind: str, shipped_site: Path, tabs: Tabs) -> None:
    pg = tabs.page(NARROWEST)
    _go(pg, shipped_site, PAGE_KINDS[kind])
    table = pg.locator("table.stack").first
    assert table.evaluate("e => getComputedStyle(e).display") == "block"
    wrap = pg.locator(".table-wrap").first
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), "nothing to scroll sideways"
