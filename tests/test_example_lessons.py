"""The example lessons in examples/ (on issues other than the shipped one) pass `check --strict`, build,
have every link resolve and valid HTML, and show no trace of the shipped lesson's vocabulary or text."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from primer.build import build
from test_site import _broken_links
from tools import ROOT, Invoke, java, node_file

EXAMPLES = sorted(p.parent.parent for p in (ROOT / "examples").glob("*/content/site.yaml"))
#: Words of the shipped missile-defense lesson that must not leak into another lesson's pages.
SHIPPED_WORDS = re.compile(r"(?i)missile|radar|interceptor|aegis|thaad|north korea|security council")


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.name)
def example_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "site"
    build(Path(request.param) / "content", out, strict=True)
    return out


def test_there_is_an_example_on_another_issue() -> None:
    assert [p.name for p in EXAMPLES] == ["south-china-sea-arbitration"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_passes_check_strict(example: Path, cli: Invoke) -> None:
    result = cli("check", "--strict", "--content", example / "content")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_every_link_resolves(example_site: Path) -> None:
    assert _broken_links(example_site) == []


def test_nothing_of_the_shipped_lesson_leaks_in(example_site: Path) -> None:
    leaks = [
        f"{page.relative_to(example_site)}: {match.group(0)}"
        for page in sorted(example_site.rglob("*.html"))
        for match in SHIPPED_WORDS.finditer(page.read_text(encoding="utf-8"))
    ]
    assert leaks == []


def test_disputed_places_are_shown_as_disputed(example_site: Path) -> None:
    places = (example_site / "places" / "index.html").read_text(encoding="utf-8")
    row = places[places.index('<tr id="scarborough-shoal"') :]
    row = row[: row.index("</tr>")]
    assert "<strong>Disputed.</strong> Claimed by The Philippines, China. Held by China." in row
    assert "maritime feature" in row


def test_generated_questions_use_the_lessons_words(example_site: Path) -> None:
    quiz = (example_site / "topics" / "the-2016-award" / "quiz.html").read_text(encoding="utf-8")
    assert "Which source" in quiz or "Which concept" in quiz or "maritime feature" in quiz
    assert "Which article" not in quiz


def test_nu_html_checker_finds_no_errors(example_site: Path) -> None:
    jar = node_file("vnu-jar", "build", "dist", "vnu.jar")
    proc = subprocess.run(
        [java(), "-jar", str(jar), "--errors-only", "--format", "json", "--skip-non-html", str(example_site)],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(proc.stderr or '{"messages": []}')["messages"]
    assert [f"{m.get('url', '').rsplit('/', 2)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages] == []
