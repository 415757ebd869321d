"""The report page on the teacher hub: loads from disk with no outside request, passes axe in light
and dark, its charts have text alternatives, and it is not in the students' navigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_site_browser import _axe, _open

from primer.report import REPORT_PAGE


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_report_page_passes_axe(scheme: str, shipped_site: Path, page: Any) -> None:
    pg, watch = page
    pg.emulate_media(color_scheme=scheme)
    _open(pg, shipped_site, REPORT_PAGE)
    assert watch.errors == []
    assert _axe(pg) == []
    root = shipped_site.as_uri() + "/"
    assert [url for url in watch.requests if not url.startswith(root)] == []


def test_the_charts_have_text_alternatives_and_the_page_is_teachers_only(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, shipped_site, REPORT_PAGE)
    charts = pg.locator("svg[role=img]")
    assert charts.count() >= 3
    for i in range(charts.count()):
        label = charts.nth(i).get_attribute("aria-labelledby")
        assert label and all(pg.locator(f"[id='{part}']").count() == 1 for part in label.split())
    nav = pg.locator("header nav").inner_html()
    assert "report.html" not in nav
    hub = (shipped_site / "teacher" / "index.html").read_text(encoding="utf-8")
    assert 'href="report.html"' in hub
