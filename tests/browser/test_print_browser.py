"""Printing the site in chromium's print mode, the quiz at a printed version's order, and the
teacher hub's topic pages and HTML handouts under axe."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_site_browser import _axe, _open

from tools import need

QUIZ = "topics/radars/quiz.html"


def _pdf_text(pg: Any, tmp_path: Path) -> str:
    """The page printed by chromium to PDF, read back as text."""
    pdftotext = shutil.which("pdftotext")
    need("pdftotext (poppler-utils)", pdftotext)
    target = tmp_path / "printed.pdf"
    pg.pdf(path=str(target), format="A4")
    out = subprocess.run([str(pdftotext), "-layout", str(target), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_a_quiz_prints_as_a_worksheet(mini_site: Path, page: Any, tmp_path: Path) -> None:
    pg, watch = page
    _open(pg, mini_site, QUIZ)
    pg.emulate_media(media="print")
    assert pg.locator("button:visible").count() == 0, "no Check, Move up or Retry button on paper"
    assert pg.locator("select:visible").count() == 0, "no empty 'Choose…' box"
    assert pg.locator("details.answer:visible").count() == 0, "no answer"
    matching = pg.locator("#mini-matching")
    rights = json.loads(matching.locator(".q-data").text_content())
    shown = matching.locator(".match-answers li")
    assert shown.count() == len(rights["pairs"]) + len(rights["distractors"])
    assert all(shown.nth(i).is_visible() for i in range(shown.count()))
    assert matching.locator(".print-blank:visible").count() == len(rights["pairs"]), "a blank beside each item"
    cloze = json.loads(pg.locator("#mini-cloze .q-data").text_content())
    if any(b["choices"] for b in cloze["blanks"]):
        assert pg.locator("#mini-cloze .word-bank").is_visible()
    text = _pdf_text(pg, tmp_path)
    for right in [p["right"] for p in rights["pairs"]] + rights["distractors"]:
        assert right in text, f"the printed quiz shows the matching option {right!r}"
    for word in ("Move up", "Move down", "Check answer", "Retry"):
        assert word not in text
    assert "____" in text, "ordering prints numbered blanks"
    assert watch.errors == []


def test_an_explainer_prints_its_citations_as_references(mini_site: Path, page: Any, tmp_path: Path) -> None:
    pg, _ = page
    _open(pg, mini_site, "topics/radars/index.html")
    pg.emulate_media(media="print")
    cited = pg.locator(".body a.ref-point, .body a.ref-event, .body a.ref-source").count()
    assert cited > 0
    assert pg.locator(".references li").count() == cited
    assert pg.locator(".references").is_visible()
    marker = pg.evaluate(
        "getComputedStyle(document.querySelector('.body a.ref-point, .body a.ref-event'), '::after').content"
    )
    assert "counter(cite)" in marker
    text = _pdf_text(pg, tmp_path)
    assert "[1]" in text and "References" in text
    assert "Skip to main content" not in text


def test_the_glossary_prints_in_two_columns(mini_site: Path, page: Any) -> None:
    pg, _ = page
    _open(pg, mini_site, "glossary/index.html")
    pg.emulate_media(media="print")
    assert pg.evaluate("getComputedStyle(document.querySelector('dl.glossary')).columnCount") == "2"
    assert not pg.locator(".masthead nav").is_visible()


def test_the_quiz_shows_a_printed_versions_order_and_code(mini_site: Path, page: Any) -> None:
    pg, watch = page
    versions = json.loads(
        (mini_site / QUIZ).read_text(encoding="utf-8").split('class="quiz-versions">')[1].split("<")[0]
    )
    sheet = (mini_site / "handouts" / "radars" / "radars-student-B.html").read_text(encoding="utf-8")
    code = re.search(r"Version B · code (B-\w+)", sheet)
    assert code is not None and code.group(1) == versions["B"]["code"]
    teacher = (mini_site / "handouts" / "radars" / "radars-teacher.html").read_text(encoding="utf-8")
    assert f"Version B ({code.group(1)})" in teacher, "the key carries the same code"
    pg.goto((mini_site / QUIZ).as_uri() + "?version=B")
    pg.wait_for_load_state("load")
    note = pg.locator(".version-note").text_content()
    assert note is not None and code.group(1) in note
    order = pg.eval_on_selector_all("section.question", "els => els.map(e => e.id)")
    assert order == versions["B"]["order"]
    titles = pg.eval_on_selector_all(".q-title", "els => els.map(e => e.firstChild.textContent.trim())")
    assert titles == [f"Question {n}" for n in range(1, len(order) + 1)]
    options = pg.eval_on_selector_all("#mini-multiple .option", "els => els.map(e => Number(e.dataset.index))")
    assert options == versions["B"]["parts"]["mini-multiple"]
    q = json.loads(pg.locator("#mini-matching .q-data").text_content())
    rights = [p["right"] for p in q["pairs"]] + q["distractors"]
    lettered = [f"{chr(65 + k)}. {rights[i]}" for k, i in enumerate(versions["B"]["parts"]["mini-matching"])]
    shown = pg.eval_on_selector_all("#mini-matching-0 option", "els => els.slice(1).map(e => e.textContent)")
    assert shown == lettered, "the answers carry the printed sheet's letters"
    printed = pg.eval_on_selector_all("#mini-matching .match-answers li", "els => els.map(e => e.textContent)")
    assert printed == [rights[i] for i in versions["B"]["parts"]["mini-matching"]]
    pg.locator("button.toggle").click()  # every question on one page
    pg.locator("#mini-matching-0").select_option(value=q["pairs"][0]["right"])
    pg.locator("#mini-matching button.check").click()
    pg.wait_for_function("document.querySelector('#mini-matching .feedback').textContent.length > 0")
    assert f"1 of {len(q['pairs'])} right" in (pg.locator("#mini-matching .feedback").text_content() or "")
    pdf_text = _sheet_pdf_text(mini_site)
    if pdf_text is not None:
        assert f"code {code.group(1)}" in pdf_text
    assert watch.errors == []


def _sheet_pdf_text(site: Path) -> str | None:
    pdf = site / "handouts" / "radars" / "radars-student-B-a4.pdf"
    pdftotext = shutil.which("pdftotext")
    if not pdf.exists() or pdftotext is None:
        return None
    out = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def test_an_unknown_version_keeps_the_usual_order(mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri() + "?version=Q")
    pg.wait_for_load_state("load")
    assert "no version Q" in (pg.locator(".version-note").text_content() or "")
    assert watch.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_teacher_topic_page_and_a_handout_pass_axe(mini_site: Path, page: Any, scheme: str) -> None:
    pg, _ = page
    pg.emulate_media(color_scheme=scheme)
    for rel in (
        "teacher/topics/radars.html",
        "handouts/radars/radars-student-A.html",
        "handouts/radars/radars-teacher.html",
    ):
        _open(pg, mini_site, rel)
        assert _axe(pg) == [], rel
        assert pg.locator("h1").count() >= 1
    _open(pg, mini_site, "teacher/topics/radars.html")
    links = pg.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    for href in links:
        target = href.split("?")[0].split("#")[0]
        if target:
            assert (mini_site / "teacher" / "topics" / target).resolve().exists(), href
