"""The built site as files: every link resolves, budgets hold, the Nu HTML Checker finds no error."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from primer.build import build
from primer.targets.assets import _minified
from tools import MINI, ROOT, java, node_file

KB = 1024


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build(ROOT / "content", out)
    return out


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images_without_alt = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for key in ("href", "src"):
            if found.get(key) is not None:
                self.links.append(str(found[key]))
        if tag == "img" and not found.get("alt"):
            self.images_without_alt += 1


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _broken_links(site: Path) -> list[str]:
    pages = {p: _parse(p) for p in sorted(site.rglob("*.html"))}
    broken = []
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme == "data":
                continue  # inline, never a request
            if parts.scheme or link.startswith("//"):
                broken.append(f"{path.relative_to(site)}: external link {link}")
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists() or site.resolve() not in (target, *target.parents):
                broken.append(f"{path.relative_to(site)}: {link} (no such file)")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if parts.fragment not in ids:
                    broken.append(f"{path.relative_to(site)}: {link} (no such anchor)")
    return broken


def test_every_link_and_asset_resolves(site: Path) -> None:
    assert _broken_links(site) == []


def test_every_link_resolves_in_the_example_site(tmp_path: Path) -> None:
    build(MINI, tmp_path / "site")
    assert _broken_links(tmp_path / "site") == []


def test_budgets(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    heavy = [f"{p.relative_to(site)}: {p.stat().st_size // KB} KB" for p in pages if p.stat().st_size > 100 * KB]
    assert heavy == [], "each HTML page stays within 100 KB"
    assets = sum(p.stat().st_size for p in site.rglob("*") if p.suffix in (".css", ".js"))
    assert assets <= 60 * KB, f"CSS and JavaScript come to {assets} bytes; the budget is 60 KB"
    assert sum(_parse(p).images_without_alt for p in pages) == 0


#: The site's frame and explainer design: its stylesheet parts, print stylesheet and script, minified.
DESIGN_BUDGETS = {
    ("css/parts/10-base.css", "css/parts/12-layout.css", "css/parts/20-explainer.css", "css/parts/22-pages.css"): 11,
    ("css/print.css",): 3.5,
    ("js/primer.js",): 4.5,
}


@pytest.mark.parametrize("files", list(DESIGN_BUDGETS), ids=lambda files: files[0])
def test_design_budgets(files: tuple[str, ...]) -> None:
    static = ROOT / "src" / "primer" / "static"
    size = sum(len(_minified(name, (static / name).read_bytes())) for name in files)
    assert size <= DESIGN_BUDGETS[files] * KB, f"{', '.join(files)}: {size} bytes minified"


def test_explainer_citations_are_numbered_notes(site: Path) -> None:
    """Every citation in an explainer's sections is a numbered link with its note, numbered in
    reading order, as many as the printed reference list holds."""
    for page in sorted((site / "topics").glob("*/index.html")):
        html = page.read_text(encoding="utf-8")
        numbers = [int(n) for n in re.findall(r'<sup class="cite"><a [^>]*aria-describedby="note-(\d+)"', html)]
        assert numbers == list(range(1, len(numbers) + 1)), page
        notes = re.findall(r'<li id="note-(\d+)">', html)
        assert [int(n) for n in notes] == numbers, page
        printed = re.search(r'<section class="print-only references".*?</section>', html, re.S)
        assert printed is not None and printed.group(0).count("<li>") == len(numbers), page
        assert "About " in html and " minute" in html


def test_no_page_lists_every_other_page(site: Path) -> None:
    """Output must not grow with the square of the content: navigation is a fixed list."""
    counts = [len(_parse(p).links) for p in sorted(site.rglob("*.html"))]
    assert max(counts) < 600


def test_nu_html_checker_finds_no_errors(site: Path) -> None:
    jar = node_file("vnu-jar", "build", "dist", "vnu.jar")
    proc = subprocess.run(
        [java(), "-jar", str(jar), "--errors-only", "--format", "json", "--skip-non-html", str(site)],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(proc.stderr or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '').rsplit('/', 2)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert errors == []


def test_sitemap_only_with_a_base_url(site: Path, tmp_path: Path) -> None:
    assert not (site / "sitemap.xml").exists()
    content = tmp_path / "content"
    import shutil

    shutil.copytree(MINI, content)
    with (content / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("base_url: https://example.org/lesson/\n")
    build(content, tmp_path / "out")
    sitemap = (tmp_path / "out" / "sitemap.xml").read_text()
    assert "<loc>https://example.org/lesson/topics/radars/</loc>" in sitemap
    assert "404" not in sitemap


def test_only_the_linking_templates_show_the_handouts_and_exports() -> None:
    """A build renders every other page before the exports are made (`LINKING_TEMPLATES`): a template that
    showed them and was not listed would silently render without them."""
    from primer.targets.site import LINKING_TEMPLATES

    folder = ROOT / "src" / "primer" / "templates" / "site"
    showing = {
        f"site/{path.name}"
        for path in folder.glob("*.html")
        if re.search(
            r"\b(handouts|exports)\b(?!/)", re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        )
    }
    included = {"site/_exports.html"}  # included by the linking templates only
    assert showing - included == set(LINKING_TEMPLATES)
    for path in folder.glob("*.html"):
        if f"site/{path.name}" not in LINKING_TEMPLATES:
            assert '"site/_exports.html"' not in path.read_text(encoding="utf-8"), path.name
