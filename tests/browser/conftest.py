"""Browser fixtures: the built sites, and Playwright driving Debian's chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from primer.build import build
from tools import MINI, ROOT, chromium, need

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled content, built once for the session."""
    out = tmp_path_factory.mktemp("shipped") / "site"
    build(ROOT / "content", out)
    return out


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small example content, built once for the session."""
    out = tmp_path_factory.mktemp("mini") / "site"
    build(MINI, out)
    return out


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless chromium for the whole session."""
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        need("playwright (pip)", False)
        raise
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What a page did: every request URL, console errors and uncaught exceptions."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: object) -> Iterator[tuple[object, Watch]]:
    """A fresh page (own context, so localStorage starts empty) that records what it does."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context()
    page = context.new_page()
    watch = Watch()
    page.on("request", lambda r: watch.requests.append(r.url))
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield page, watch
    context.close()
