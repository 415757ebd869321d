"""Every question type answered right and wrong with the keyboard alone, feedback read from the
live region; and the page's scoring agrees with primer.quiz.scoring on the shared vectors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools import ROOT

QUIZ = "topics/radars/quiz.html"


def tab_to(pg: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching `selector` has focus, as a keyboard user would."""
    for _ in range(limit):
        if pg.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        pg.keyboard.press("Tab")
    pytest.fail(f"{selector} cannot be reached with the Tab key")


def check_and_read(pg: Any, qid: str) -> str:
    tab_to(pg, f"#{qid} button.check")
    pg.keyboard.press("Enter")
    region = pg.locator(f"#{qid} .feedback")
    assert region.get_attribute("role") == "status"
    pg.wait_for_function("s => document.querySelector(s).textContent.trim().length > 0", arg=f"#{qid} .feedback")
    return str(region.inner_text())


def order_items(right: bool) -> Callable[[Any], None]:
    def act(pg: Any) -> None:
        if not right:
            return  # the page shows the items shuffled, never already in order
        for target in range(3):
            current = pg.eval_on_selector_all(
                "#mini-ordering .order-list > li", "els => els.map(e => +e.dataset.index)"
            )
            position = current.index(target)
            if position == target:
                continue
            tab_to(pg, f'#mini-ordering .order-list > li[data-index="{target}"] button.move-up')
            for _ in range(position - target):
                pg.keyboard.press("Enter")

    return act


def keys(first: str, *presses: str, text: str = "") -> Callable[[Any], None]:
    def act(pg: Any) -> None:
        tab_to(pg, first)
        for key in presses:
            if key.startswith("#"):
                tab_to(pg, key)
            else:
                pg.keyboard.press(key)
        if text:
            pg.keyboard.type(text)

    return act


CASES: dict[str, tuple[Callable[[Any], None], Callable[[Any], None], str]] = {
    "mini-single": (keys("#mini-single-0", "Space"), keys("#mini-single-0", "ArrowDown"), "Right."),
    "mini-tf": (keys("#mini-tf-true", "ArrowDown"), keys("#mini-tf-true", "Space"), "public estimates"),
    "mini-multiple": (
        keys("#mini-multiple-0", "Space", "#mini-multiple-2", "Space"),
        keys("#mini-multiple-1", "Space"),
        "",
    ),
    "mini-short": (
        keys("#mini-short-answer", text="terminal high-altitude area defense!"),
        keys("#mini-short-answer", text="Thermal High Altitude Area Defense"),
        "",
    ),
    "mini-numeric": (keys("#mini-numeric-answer", text="2006"), keys("#mini-numeric-answer", text="2014"), ""),
    "mini-ordering": (order_items(True), order_items(False), ""),
    "mini-matching": (
        keys("#mini-matching-0", "ArrowDown", "#mini-matching-1", "ArrowDown", "ArrowDown", "ArrowDown"),
        keys("#mini-matching-0", "ArrowDown", "ArrowDown", "#mini-matching-1", "ArrowDown"),
        "2 of 2 right",
    ),
    "mini-cloze": (
        keys("#mini-cloze-where", "ArrowDown", "ArrowDown", "#mini-cloze-year", text="2006"),
        keys("#mini-cloze-where", "ArrowDown", "#mini-cloze-year", text="2014"),
        "2 of 2 right",
    ),
}


@pytest.mark.parametrize("qid", sorted(CASES))
def test_each_type_right_and_wrong_by_keyboard(qid: str, mini_site: Path, page: Any) -> None:
    pg, watch = page
    right, wrong, words = CASES[qid]
    pg.goto((mini_site / QUIZ).as_uri())
    right(pg)
    said = check_and_read(pg, qid)
    assert said.startswith("Correct."), said
    assert words in said
    assert pg.locator(f"#{qid} details.answer").evaluate("d => d.open"), "the explanation opens after checking"
    assert "This rests on:" in pg.locator(f"#{qid} details.answer").inner_text()

    pg.evaluate("localStorage.clear()")
    pg.reload()
    wrong(pg)
    said = check_and_read(pg, qid)
    assert said.startswith(("Not correct.", "Partly right.")), said
    assert watch.errors == []


def test_open_response_is_left_to_the_teacher(mini_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((mini_site / QUIZ).as_uri())
    keys("#mini-open-answer", text="It may fear the radar watches its missiles.")(pg)
    said = check_and_read(pg, "mini-open")
    assert said.startswith("Saved. Your teacher marks this one")


def test_score_summary_and_retry_reshuffles(mini_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((mini_site / QUIZ).as_uri())
    keys("#mini-tf-true", "ArrowDown")(pg)
    check_and_read(pg, "mini-tf")
    summary = pg.locator(".score-text")
    assert summary.is_visible()
    assert "You have answered 1 of 9 questions; 1 fully right. Score: 1 of 8 points" in summary.inner_text()
    before = pg.eval_on_selector_all("section.question", "els => els.map(e => e.id)")
    orders = set()
    for _ in range(5):  # a reshuffle may by chance keep the order; five in a row will not
        tab_to(pg, "button.retry")
        pg.keyboard.press("Enter")
        orders.add(tuple(pg.eval_on_selector_all("section.question", "els => els.map(e => e.id)")))
    assert len(orders - {tuple(before)}) >= 1
    assert pg.evaluate("localStorage.getItem('primer-quiz:radars')") == "{}"
    assert not pg.locator("#mini-tf-false").is_checked()
    titles = pg.locator("section.question .q-title").all_inner_texts()
    assert [t.split()[1] for t in titles] == [str(n) for n in range(1, 10)]


def test_without_javascript_answers_are_in_a_disclosure(mini_site: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto((mini_site / QUIZ).as_uri())
    assert not pg.locator("button.check").first.is_visible()
    details = pg.locator("#mini-ordering details.answer")
    details.locator("summary").click()
    assert "The radar arrives → The article is published → The radar is removed" in details.inner_text()
    context.close()


def test_page_scoring_matches_python_scoring(mini_site: Path, page: Any) -> None:
    cases_file = ROOT / "tests" / "data" / "scoring-cases.json"
    if not cases_file.exists():
        pytest.fail("tests/data/scoring-cases.json is missing")
    cases = json.loads(cases_file.read_text(encoding="utf-8"))
    pg, _ = page
    pg.goto((mini_site / QUIZ).as_uri())
    got = pg.evaluate(
        """cases => cases.map(c => { const r = window.primerQuiz.score(c.question, c.response);
             return r === null ? null : {correct: r.correct, fraction: r.fraction}; })""",
        cases,
    )
    mismatches = []
    for case, result in zip(cases, got, strict=True):
        want = None if case["correct"] is None else {"correct": case["correct"], "fraction": case["fraction"]}
        if (result is None) != (want is None) or (
            result
            and want
            and (result["correct"] != want["correct"] or abs(result["fraction"] - want["fraction"]) > 1e-9)
        ):
            mismatches.append({"case": case.get("name", case["question"]["id"]), "page": result, "python": want})
    assert mismatches == []


def test_coming_back_to_a_half_done_quiz_restores_it_and_keeps_every_question_working(
    mini_site: Path, page: Any
) -> None:
    """Regression: answering some questions, then reloading, left every later question without its
    Check button ('Cannot read properties of undefined (reading 'type')')."""
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri())
    done = 0
    for qid, (right, _, _) in list(CASES.items())[:4]:
        right(pg)
        check_and_read(pg, qid)
        done += 1
    pg.reload()
    assert watch.errors == []
    checks = pg.locator("button.check")
    assert checks.count() == pg.locator("section.question").count()
    assert all(checks.nth(k).is_visible() for k in range(checks.count()))
    assert pg.locator(".score").is_visible()
    assert f"You have answered {done} of 9 questions" in pg.locator(".score-text").inner_text()
    assert pg.locator("button.retry").is_visible()
    # A later question still checks.
    keys("#mini-open-answer", text="Because.")(pg)
    assert check_and_read(pg, "mini-open").startswith("Saved.")


def test_answers_saved_by_an_older_build_are_ignored(mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri())
    stale = {
        "mini-single": [0, 2],  # was a select-all question
        "mini-multiple": 1,  # was a single-choice question
        "mini-ordering": ["x"],
        "mini-matching": "nonsense",
        "removed-question": 3,
    }
    pg.evaluate("s => localStorage.setItem('primer-quiz:radars', JSON.stringify(s))", stale)
    pg.reload()
    assert watch.errors == []
    checks = pg.locator("button.check")
    assert all(checks.nth(k).is_visible() for k in range(checks.count()))
    kept = pg.evaluate("() => JSON.parse(localStorage.getItem('primer-quiz:radars'))")
    assert "removed-question" not in kept and "mini-matching" not in kept
    keys("#mini-single-0", "Space")(pg)
    assert check_and_read(pg, "mini-single").startswith("Correct.")
