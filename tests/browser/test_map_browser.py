"""The map page and a topic's small map in a real browser, opened from disk: visible, not blank, readable
on a phone, no sideways scroll of the page, axe-clean in light and dark, and no request leaving the site."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from test_site_browser import _axe

MAPS = {"map": "map/index.html", "topic": "topics/thaad-south-korea/index.html"}


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", sorted(MAPS))
def test_the_map_in_a_browser(kind: str, scheme: str, width: int, shipped_site: Path, browser: Any) -> None:
    from PIL import Image

    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        pg = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto((shipped_site / MAPS[kind]).as_uri())
        pg.wait_for_load_state("load")
        assert errors == []
        assert [u for u in requests if not u.startswith(shipped_site.as_uri() + "/")] == []
        assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

        svg = pg.locator("svg.map-svg")
        assert svg.count() == 1 and svg.is_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150
        png = svg.screenshot()
        colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 8, "the map looks blank"

        # no map text smaller than ~11 px, even on a phone (the page map scrolls sideways inside its box)
        smallest = pg.eval_on_selector_all(
            "svg.map-svg text",
            "els => Math.min(...els.map(e => parseFloat(getComputedStyle(e).fontSize) * "
            "e.ownerSVGElement.getBoundingClientRect().width / e.ownerSVGElement.viewBox.baseVal.width))",
        )
        assert smallest >= 10.5

        # the same places in words: a table on the map page, a legend on both
        assert pg.locator(".map-legend li").count() >= 2
        if kind == "map":
            assert pg.locator("table.map-table tbody tr").count() >= 10
            assert "Natural Earth" in pg.locator(".map-figure").inner_text()
        assert _axe(pg) == []
    finally:
        context.close()


def test_the_map_page_is_listed_from_the_places_page(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((shipped_site / "places" / "index.html").as_uri())
    pg.get_by_role("link", name="See these places on the map").click()
    pg.wait_for_load_state("load")
    assert pg.locator("h1").inner_text() == "Map"
