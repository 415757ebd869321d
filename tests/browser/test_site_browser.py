"""The built site in a real browser (Debian's chromium through Playwright), opened from disk."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tools import node_file

PAGE_KINDS = {
    "home": "index.html",
    "topics": "topics/index.html",
    "topic": "topics/how-missile-defense-works/index.html",
    "quiz": "topics/how-missile-defense-works/quiz.html",
    "sources": "sources/index.html",
    "source": "sources/us-trilateral-push-2014.html",
    "compare": "sources/compare.html",
    "glossary": "glossary/index.html",
    "timeline": "timeline/index.html",
    "actors": "actors/index.html",
    "places": "places/index.html",
    "teacher": "teacher/index.html",
    "search": "search/index.html",
    "about": "about/index.html",
    "404": "404.html",
}


def _open(page: Any, site: Path, rel: str) -> None:
    page.goto((site / rel).as_uri())
    page.wait_for_load_state("load")


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_page_loads_from_disk_without_errors_or_outside_requests(kind: str, shipped_site: Path, page: Any) -> None:
    pg, watch = page
    _open(pg, shipped_site, PAGE_KINDS[kind])
    assert watch.errors == []
    assert pg.locator("h1").count() == 1
    root = shipped_site.as_uri() + "/"
    outside = [url for url in watch.requests if not url.startswith(root)]
    assert outside == [], "no request may leave the site"


def _tab_to(pg: Any, selector: str, limit: int = 200) -> None:
    """Press Tab, as a keyboard user would, until the element in focus matches `selector`."""
    for _ in range(limit):
        pg.keyboard.press("Tab")
        if pg.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"nothing matching {selector} can be reached with Tab")


def _axe(pg: Any) -> list[dict[str, Any]]:
    pg.add_script_tag(path=str(node_file("axe-core", "axe.min.js")))
    result = pg.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})).violations
             .map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    assert isinstance(result, list)
    return result


# axe-core on every page kind, light and dark, phone and laptop: tests/browser/test_design_browser.py


def test_axe_on_a_quiz_after_answering(mini_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, mini_site, "topics/radars/quiz.html")
    pg.locator("button.toggle").click()  # every question on one page
    for section in pg.locator("section.question").all():
        section.locator("button.check").click()
    pg.locator("#mini-single-1").check()
    pg.locator("#mini-single button.check").click()
    assert _axe(pg) == []


def test_timeline_filter_works_by_keyboard(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, shipped_site, "timeline/index.html")
    total = pg.locator(".timeline > li").count()
    select = pg.locator("#actor-filter")
    assert select.is_visible(), "the filter appears when JavaScript runs"
    select.focus()
    pg.keyboard.press("ArrowDown")
    chosen = select.input_value()
    assert chosen
    visible = pg.locator(".timeline > li:not([hidden])")
    assert 0 < visible.count() < total
    for actors in visible.evaluate_all("els => els.map(e => e.dataset.actors)"):
        assert chosen in actors.split()
    assert "Showing" in pg.locator(".filter-count").inner_text()
    select.select_option("")
    assert pg.locator(".timeline > li:not([hidden])").count() == total


def test_timeline_without_javascript_lists_everything(shipped_site: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto((shipped_site / "timeline" / "index.html").as_uri())
    assert not pg.locator("#timeline-filter").is_visible()
    assert pg.locator(".timeline > li").count() == pg.locator(".timeline > li:visible").count()
    context.close()


def test_glossary_definition_opens_by_keyboard(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, shipped_site, PAGE_KINDS["topic"])
    toggle = pg.locator("button.term").first
    definition_id = toggle.get_attribute("aria-controls")
    definition = pg.locator(f"#{definition_id}")
    assert not definition.is_visible()
    _tab_to(pg, "button.term")
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.getAttribute('aria-expanded')") == "true"
    assert pg.locator("#" + pg.evaluate("document.activeElement.getAttribute('aria-controls')")).is_visible()


def test_skip_link_is_first_and_moves_focus(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, shipped_site, "index.html")
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.textContent") == "Skip to main content"
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == "main"


def test_layout_holds_at_320_pixels(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    pg.set_viewport_size({"width": 320, "height": 640})
    for rel in (PAGE_KINDS["topic"], PAGE_KINDS["compare"], PAGE_KINDS["quiz"], PAGE_KINDS["places"]):
        _open(pg, shipped_site, rel)
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{rel} scrolls sideways at 320 px"


@pytest.fixture
def subpath_server(shipped_site: Path) -> Iterator[str]:
    """The site served over HTTP on loopback from a sub-path, /course/missiles/."""
    parent = shipped_site.parent / "served"
    (parent / "course").mkdir(parents=True, exist_ok=True)
    link = parent / "course" / "missiles"
    if not link.exists():
        link.symlink_to(shipped_site, target_is_directory=True)
    handler = partial(_QuietHandler, directory=str(parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/course/missiles/"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_served_from_a_sub_path_every_asset_loads(subpath_server: str, page: Any) -> None:
    pg, watch = page
    failed: list[str] = []
    pg.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    for rel in PAGE_KINDS.values():
        pg.goto(subpath_server + rel)
    assert failed == []
    assert watch.errors == []
    assert all(url.startswith(subpath_server) for url in watch.requests)


def test_quiz_progress_survives_a_reload(mini_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((mini_site / "topics" / "radars" / "quiz.html").as_uri() + "#mini-tf")
    pg.locator("#mini-tf-false").check()
    pg.locator("#mini-tf button.check").click()
    pg.reload()
    assert pg.locator("#mini-tf-false").is_checked()
    assert "Correct." in pg.locator("#mini-tf .feedback").inner_text()
    stored = json.loads(pg.evaluate("localStorage.getItem('primer-quiz:radars')"))
    assert stored["q"]["mini-tf"]["r"] is False and set(stored["q"]) == {"mini-tf"}
