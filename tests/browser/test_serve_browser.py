"""`primer serve` in Debian's chromium: an edit reloads the open page, an error shows in an overlay
linked to its line, and fixing it clears the overlay."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serving import Server, edit, renders, start
from tools import MINI


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Server]:
    """The small example, copied and served on a free port."""
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    server, stop, thread = start(content)
    yield server
    stop.set()
    thread.join(10)


def test_an_edit_reloads_the_page_and_an_error_shows_until_fixed(
    served: Server, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import Page, expect

    rendered = renders(monkeypatch)
    tab, watch = page
    assert isinstance(tab, Page)
    with tab.expect_response(lambda response: "/__primer/events" in response.url):  # the page's stream is open
        tab.goto(served.url + "topics/radars/")
    expect(tab.locator("h1")).to_have_text("How radars work")
    topic = served.content / "topics" / "radars.yaml"

    edit(topic, "title: How radars work", "title: How radars see far")
    expect(tab.locator("h1")).to_have_text("How radars see far", timeout=20_000)
    # the page open in the tab was rendered as soon as the build was in, while the tab reloaded (by a thread that
    # a busy machine may run after the tab's request: it is waited for a moment)
    deadline = time.monotonic() + 10
    while ("primer-warm", "topics/radars/index.html") not in rendered and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ("primer-warm", "topics/radars/index.html") in rendered

    edit(topic, "lede: Radars", 'lede: "Radars')
    overlay = tab.locator("#primer-overlay")
    expect(overlay).to_be_visible(timeout=20_000)
    expect(overlay).to_contain_text("content/topics/radars.yaml:4:7: YAML syntax error: the quote")
    link = overlay.get_by_role("link", name="content/topics/radars.yaml:4:7")
    assert link.get_attribute("href") == f"vscode://file{topic.resolve().as_posix()}:4:7"
    expect(tab.locator("h1")).to_have_text("How radars see far"), "the last good build stays under the overlay"

    edit(topic, 'lede: "Radars', "lede: Radars")
    expect(overlay).to_be_hidden(timeout=20_000)
    expect(tab.locator("h1")).to_have_text("How radars see far")
    assert not [r for r in watch.requests if not r.startswith(served.url)], "nothing from another host"
    assert watch.errors == []
