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
    "mini-single": (keys("#mini-single-0", "Space"), keys("#mini-single-0", "ArrowDown"), "reason and its sources"),
    "mini-tf": (keys("#mini-tf-true", "ArrowDown"), keys("#mini-tf-true", "Space"), "Public estimates are far lower."),
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
        "The reason and its sources are below.",
    ),
    "mini-cloze": (
        keys("#mini-cloze-where", "ArrowDown", "ArrowDown", "#mini-cloze-year", text="2006"),
        keys("#mini-cloze-where", "ArrowDown", "#mini-cloze-year", text="2014"),
        "The reason and its sources are below.",
    ),
}


@pytest.mark.parametrize("qid", sorted(CASES))
def test_each_type_right_and_wrong_by_keyboard(qid: str, mini_site: Path, page: Any) -> None:
    pg, watch = page
    right, wrong, words = CASES[qid]
    pg.goto((mini_site / QUIZ).as_uri() + "#" + qid)  # a link to one question opens the quiz at it
    right(pg)
    said = check_and_read(pg, qid)
    assert said.startswith("Correct."), said
    assert words in said
    assert not said.startswith(("Correct. Right", "Correct. Yes", "Correct. Correct")), "the verdict is said once"
    assert pg.locator(f"#{qid} details.answer").evaluate("d => d.open"), "the explanation opens after checking"
    assert "This rests on:" in pg.locator(f"#{qid} details.answer").inner_text()

    pg.evaluate("localStorage.clear()")
    pg.reload()
    assert pg.locator(f"#{qid}").is_visible()
    wrong(pg)
    said = check_and_read(pg, qid)
    assert said.startswith(("Not correct", "Partly right: ")), said
    assert watch.errors == []


def test_open_response_is_left_to_the_teacher(mini_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((mini_site / QUIZ).as_uri() + "#mini-open")
    keys("#mini-open-answer", text="It may fear the radar watches its missiles.")(pg)
    said = check_and_read(pg, "mini-open")
    assert said.startswith("Saved. Your teacher marks this one")


def test_start_over_clears_answers_and_reshuffles(mini_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((mini_site / QUIZ).as_uri() + "#mini-tf")
    keys("#mini-tf-true", "ArrowDown")(pg)
    check_and_read(pg, "mini-tf")
    assert "1 of 9 answered" in pg.locator(".qstatus").inner_text()
    before = pg.eval_on_selector_all("section.question", "els => els.map(e => e.id)")
    orders = set()
    for _ in range(5):  # a reshuffle may by chance keep the order; five in a row will not
        tab_to(pg, "button.restart")
        pg.keyboard.press("Enter")
        assert pg.locator("button.restart").inner_text() == "Start over: press again to clear your answers"
        pg.keyboard.press("Enter")
        orders.add(tuple(pg.eval_on_selector_all("section.question", "els => els.map(e => e.id)")))
    assert len(orders - {tuple(before)}) >= 1
    assert pg.evaluate("JSON.parse(localStorage.getItem('primer-quiz:radars')).q") == {}
    assert not pg.locator("#mini-tf-false").is_checked()
    titles = pg.locator("section.question .q-title").all_inner_texts()
    assert [t.split()[1] for t in titles] == [str(n) for n in range(1, 10)]
    assert "Question 1 of 9 · 0 of 9 answered" in pg.locator(".qstatus").inner_text()


def test_without_javascript_answers_are_in_a_disclosure(mini_site: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto((mini_site / QUIZ).as_uri())
    assert not pg.locator("button.check").first.is_visible()
    details = pg.locator("#mini-ordering details.answer")
    details.locator("summary").click()
    assert "The radar arrives → The article is published → The radar is removed" in details.inner_text()
    assert pg.locator("section.question:visible").count() == 9, "every question on one page"
    assert pg.locator("details.answer:visible").count() == 9, "every answer one click away"
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


def next_question(pg: Any) -> None:
    tab_to(pg, ".qpager button.next")
    pg.keyboard.press("Enter")


def test_coming_back_to_a_half_done_quiz_restores_it_and_keeps_every_question_working(
    mini_site: Path, page: Any
) -> None:
    """Regression: answering some questions, then reloading, left every later question without its
    Check button ('Cannot read properties of undefined (reading 'type')'). On a phone-sized screen."""
    pg, watch = page
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.goto((mini_site / QUIZ).as_uri())
    for qid, (right, _, _) in list(CASES.items())[:4]:
        assert pg.locator(f"#{qid}").is_visible(), f"{qid} is the question on show"
        right(pg)
        check_and_read(pg, qid)
        next_question(pg)
    pg.reload()
    assert watch.errors == []
    assert pg.locator("button.check").count() == pg.locator("section.question").count() == 9
    assert "Question 5 of 9 · 4 of 9 answered" in pg.locator(".qstatus").inner_text(), "back where the student left"
    assert pg.locator("#mini-numeric").is_visible()
    assert pg.locator("#mini-numeric button.check").is_visible()
    assert pg.locator("#mini-tf-false").is_checked(), "saved answers are back"
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    # A later question still checks.
    pg.goto((mini_site / QUIZ).as_uri() + "#mini-open")
    keys("#mini-open-answer", text="Because.")(pg)
    assert check_and_read(pg, "mini-open").startswith("Saved.")
    assert watch.errors == []


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
    assert "This quiz has changed" in pg.locator(".qnav").inner_text()
    kept = pg.evaluate("() => JSON.parse(localStorage.getItem('primer-quiz:radars'))")
    assert kept["q"] == {}
    keys("#mini-single-0", "Space")(pg)
    assert check_and_read(pg, "mini-single").startswith("Correct.")


def test_a_new_build_of_the_quiz_starts_fresh_and_says_so_once(mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri())
    version = pg.locator(".quiz").get_attribute("data-quiz-version")
    assert version and len(version) == 12
    old = {"v": "000000000000", "q": {"mini-tf": {"n": 1, "r": False, "f": 1, "c": True}}, "pos": 3}
    pg.evaluate("s => localStorage.setItem('primer-quiz:radars', JSON.stringify(s))", old)
    pg.reload()
    assert "This quiz has changed since you last worked on it" in pg.locator(".qnav").inner_text()
    assert "Question 1 of 9 · 0 of 9 answered" in pg.locator(".qstatus").inner_text()
    pg.reload()
    assert "This quiz has changed" not in pg.locator(".qnav").inner_text()
    # The same build's state that no longer fits a question is dropped without breaking the page.
    pg.evaluate(
        "v => localStorage.setItem('primer-quiz:radars', JSON.stringify({v, q: {'mini-single': {r: [9]}, x: 1}}))",
        version,
    )
    pg.reload()
    assert watch.errors == []
    assert "0 of 9 answered" in pg.locator(".qstatus").inner_text()


def test_one_question_at_a_time_by_keyboard(mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri())
    assert pg.locator("section.question:visible").count() == 1
    assert "Question 1 of 9" in pg.locator(".qstatus").inner_text()
    assert not pg.locator("button.mode").is_visible(), "the whole quiz is short: no short quiz to offer"
    assert not pg.locator(".qnav .changed").is_visible()
    next_question(pg)
    assert pg.evaluate("document.activeElement.id") == "mini-tf-title", "focus moves to the question heading"
    assert "Question 2 of 9" in pg.locator(".qstatus").inner_text()
    tab_to(pg, ".qpager button.back")
    pg.keyboard.press("Space")
    assert pg.evaluate("document.activeElement.id") == "mini-single-title"
    tab_to(pg, ".jump summary")
    pg.keyboard.press("Enter")
    tab_to(pg, ".jump li:nth-child(5) button")
    assert pg.locator(".jump li:nth-child(5) button").inner_text() == "Question 5: not answered"
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == "mini-numeric-title"
    keys("#mini-numeric-answer", text="2006")(pg)
    check_and_read(pg, "mini-numeric")
    assert pg.locator(".jump li:nth-child(5) button").inner_text() == "Question 5: right"
    tab_to(pg, "button.toggle")
    pg.keyboard.press("Enter")
    assert pg.locator("section.question:visible").count() == 9
    assert pg.locator("button.toggle").get_attribute("aria-pressed") == "true"
    pg.reload()
    assert pg.locator("section.question:visible").count() == 9, "the choice is remembered"
    assert watch.errors == []


def test_marks_say_right_and_wrong_in_words_and_icons(mini_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((mini_site / QUIZ).as_uri() + "#mini-multiple")
    keys("#mini-multiple-0", "Space", "#mini-multiple-1", "Space")(pg)
    said = check_and_read(pg, "mini-multiple")
    assert said.startswith("Not correct: 1 of 2 right options chosen, and 1 wrong one."), said  # a wrong pick costs
    marks = pg.locator("#mini-multiple .mark").all_inner_texts()
    assert marks == ["✓ Your answer — right", "✗ Your answer — wrong", "✓ Right answer"]
    pg.goto((mini_site / QUIZ).as_uri() + "#mini-matching")
    keys("#mini-matching-0", "ArrowDown", "ArrowDown", "#mini-matching-1", "ArrowDown")(pg)
    assert check_and_read(pg, "mini-matching").startswith("Not correct: 0 of 2 right.")
    assert "Right answer: a sensor" in pg.locator("#mini-matching .mark").first.inner_text()
    pg.goto((mini_site / QUIZ).as_uri() + "#mini-cloze")
    keys("#mini-cloze-where", "ArrowDown", "ArrowDown", "#mini-cloze-year", text="2014")(pg)
    assert check_and_read(pg, "mini-cloze").startswith("Partly right: 1 of 2 right.")


def test_a_shown_answer_scores_zero_and_a_second_try_is_not_counted(mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri())
    assert not pg.locator("#mini-single details.answer").is_visible(), "no peeking without it counting"
    tab_to(pg, "#mini-single button.reveal")
    pg.keyboard.press("Enter")
    pg.wait_for_function("document.querySelector('#mini-single .feedback').textContent.includes('scores 0')")
    assert pg.locator("#mini-single details.answer").is_visible()
    keys("#mini-single-0", "Space")(pg)
    assert "scores 0" in check_and_read(pg, "mini-single")
    next_question(pg)
    keys("#mini-tf-true", "Space")(pg)
    assert check_and_read(pg, "mini-tf").startswith("Not correct.")
    keys("#mini-tf-true", "ArrowDown")(pg)
    assert check_and_read(pg, "mini-tf").startswith("Correct on the second try. Only your first try counts")
    tab_to(pg, "button.to-review")
    pg.keyboard.press("Enter")
    review = pg.locator(".qreview")
    assert pg.evaluate("document.activeElement.textContent") == "Your results"
    assert not pg.locator(".qpager").is_visible(), "no Back or Next under the results"
    score = review.locator(".rv-score").inner_text()
    assert score.startswith("Score: 0 of 8 points on the first try: 0 of 8 questions right first time")
    assert "1 more right on a later try (not counted)" in score
    assert "You asked to see the answer." in review.inner_text()
    assert "Your first answer: True (wrong)." in review.inner_text()
    assert watch.errors == []


def answer_all(pg: Any, right: set[str]) -> None:
    """Answer every mini question in turn, right for those in `right`, wrong for the others."""
    for qid, (good, bad, _) in CASES.items():
        pg.goto(pg.url.split("#")[0] + "#" + qid)
        (good if qid in right else bad)(pg)
        check_and_read(pg, qid)
    pg.goto(pg.url.split("#")[0] + "#mini-open")
    keys("#mini-open-answer", text="It may watch its missiles.")(pg)
    check_and_read(pg, "mini-open")


def test_the_review_lists_missed_questions_and_objectives_and_retries_them(mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri())
    answer_all(pg, {"mini-single", "mini-tf", "mini-short", "mini-numeric", "mini-ordering"})
    tab_to(pg, ".qpager button.next")
    assert pg.locator(".qpager button.next").inner_text() == "See your results"
    pg.keyboard.press("Enter")
    text = pg.locator(".qreview").inner_text()
    assert "Score: 5 of 8 points on the first try: 5 of 8 questions right first time." in text
    assert "1 open question for your teacher to mark." in text
    assert "Locate the radar site: 3 of 4 right." in text
    assert "Explain what a radar does: 1 of 2 right." in text
    assert "Evaluate the article's claim: 1 of 2 right." in text
    missed = pg.locator(".qreview .missed > li")
    assert missed.count() == 3
    assert "Right answer: The radar went north; The radar arrived in 2006" in missed.first.inner_text()
    assert "Why: Only the place and the year hold up." in missed.first.inner_text()
    tab_to(pg, "button.retry-missed")
    pg.keyboard.press("Enter")
    assert "Question 1 of 3 · 0 of 3 answered · the ones you missed" in pg.locator(".qstatus").inner_text()
    shown = pg.locator("section.question:visible").get_attribute("id")
    assert shown in {"mini-multiple", "mini-matching", "mini-cloze"}
    assert watch.errors == []


def test_the_downloaded_receipt_has_the_teachers_format(mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri())
    answer_all(pg, {"mini-single", "mini-short"})
    pg.locator("button.to-review").click()
    pg.locator(".qreview input.student").fill("Ada Lovelace")
    with pg.expect_download() as info:
        pg.locator("button.download").click()
    download = info.value
    receipt = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert download.suggested_filename == f"results-radars-{receipt['code']}.json"
    assert set(receipt) == {
        "format", "version", "site", "topic", "topic_title", "quiz_version", "mode", "student", "started",
        "finished", "seconds", "score", "questions", "objectives", "code",
    }  # fmt: skip
    assert receipt["format"] == "primer-receipt" and receipt["version"] == 1
    assert (receipt["site"], receipt["topic"], receipt["topic_title"]) == ("Mini Lesson", "radars", "How radars work")
    assert receipt["quiz_version"] == pg.locator(".quiz").get_attribute("data-quiz-version")
    assert receipt["mode"] == "full" and receipt["student"] == "Ada Lovelace"
    assert receipt["started"].endswith("Z") and receipt["finished"] >= receipt["started"]
    assert isinstance(receipt["seconds"], int)
    assert receipt["score"] == {"points": 2, "possible": 8}
    assert receipt["code"] == pg.evaluate("r => window.primerReceipt.code(r)", receipt)
    assert pg.evaluate("r => window.primerReceipt.check(r)", receipt)
    by_id = {q["id"]: q for q in receipt["questions"]}
    assert [q["number"] for q in receipt["questions"]] == list(range(1, 10))
    single = by_id["mini-single"]
    assert single["type"] == "single" and single["prompt"] == "Where was the first radar placed?"
    assert single["objective"] == "radars-locate"
    assert (single["response"], single["answer_text"], single["right_answer"]) == (0, "In the north", "In the north")
    assert (single["correct"], single["score"], single["attempts"], single["revealed"]) == (True, 1, 1, False)
    cloze = by_id["mini-cloze"]
    assert cloze["prompt"] == "The first radar went to the ___ in ___."
    assert cloze["response"] == {"where": "east", "year": "2014"} and cloze["answer_text"] == "east; 2014"
    assert cloze["score"] == 0 and cloze["correct"] is False
    assert by_id["mini-open"]["correct"] is None and by_id["mini-open"]["score"] is None
    assert by_id["mini-open"]["answer_text"] == "It may watch its missiles."
    assert by_id["mini-open"]["right_answer"] == ""
    assert {"id": "radars-locate", "text": "Students can locate the radar site.", "right": 1, "of": 4} in receipt[
        "objectives"
    ]
    assert all(len(q["prompt"]) <= 200 for q in receipt["questions"])
    root = mini_site.as_uri()
    assert [u for u in watch.requests if not u.startswith((root, "blob:"))] == [], "nothing leaves the page"
    assert watch.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_in_each_state_of_the_quiz(scheme: str, mini_site: Path, page: Any) -> None:
    from test_site_browser import _axe

    pg, _ = page
    pg.emulate_media(color_scheme=scheme)
    pg.goto((mini_site / QUIZ).as_uri())
    assert _axe(pg) == [], "question view"
    pg.locator("#mini-single-1").check()
    pg.locator("#mini-single button.check").click()
    pg.locator(".jump summary").click()
    assert _axe(pg) == [], "marked"
    pg.locator("button.to-review").click()
    assert _axe(pg) == [], "review"


def test_the_short_quiz_and_the_full_bank(shipped_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((shipped_site / "topics" / "trilateral-cooperation" / "quiz.html").as_uri())
    total = pg.locator("section.question").count()
    assert total > 10
    assert f"a short quiz: 10 of {total} questions" in pg.locator(".qstatus").inner_text()
    assert pg.locator(".jump li").count() == 10
    meta = json.loads(pg.locator(".quiz-meta").text_content() or "{}")
    covered = {meta["of"][k] for k in meta["short"]}
    assert covered == set(range(len(meta["objectives"]))), "the short quiz covers every objective"
    tab_to(pg, "button.mode")
    assert pg.locator("button.mode").inner_text() == f"Take all {total} questions"
    pg.keyboard.press("Enter")
    assert pg.locator(".jump li").count() == total
    assert pg.locator("button.mode").inner_text() == "Take the short quiz (10 questions)"
    assert watch.errors == []


def test_start_over_keeps_a_scale_of_options_in_order(shipped_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((shipped_site / "topics" / "trilateral-cooperation" / "quiz.html").as_uri())
    pg.evaluate("localStorage.setItem('primer-quiz-all', '1')")
    pg.reload()
    scales = pg.locator(".options[data-scale]")
    assert scales.count() >= 1
    first = scales.first.locator("label").all_inner_texts()
    assert first[:2] == ["Accurate", "Partly accurate"]
    for _ in range(3):
        pg.locator("button.restart").click()
        pg.locator("button.restart").click()
        assert scales.first.locator("label").all_inner_texts() == first


def test_results_print_as_a_results_page(mini_site: Path, page: Any) -> None:
    pg, _ = page
    pg.goto((mini_site / QUIZ).as_uri() + "#mini-single")
    keys("#mini-single-0", "Space")(pg)
    check_and_read(pg, "mini-single")
    pg.locator("button.to-review").click()
    pg.emulate_media(media="print")
    assert pg.locator(".qreview .rv-score").is_visible()
    assert pg.locator("section.question:visible").count() == 0, "the results, not the worksheet"
    assert pg.locator(".qreview button:visible, .qnav:visible, .qreview input:visible").count() == 0


def test_check_questions_on_the_topic_page_stay_simple(mini_site: Path, page: Any) -> None:
    pg, watch = page
    pg.goto((mini_site / "topics" / "radars" / "index.html").as_uri())
    check = pg.locator("section.check")
    assert check.locator("section.question:visible").count() == 3
    assert check.locator(".qnav, button.reveal").count() == 0
    keys("#mini-single-0", "Space")(pg)
    assert check_and_read(pg, "mini-single").startswith("Correct.")
    assert check.locator("#mini-single .mark").first.inner_text() == "✓ Your answer — right"
    assert watch.errors == []


def test_a_printed_versions_order_still_scores_lettered_answers(mini_site: Path, page: Any) -> None:
    """Regression: lettering the matching answers ("A. a sensor") must not change what they score as."""
    pg, watch = page
    pg.goto((mini_site / QUIZ).as_uri() + "?version=B#mini-matching")
    assert "Version B" in (pg.locator(".version-note").text_content() or "")
    q = json.loads(pg.locator("#mini-matching .q-data").text_content() or "{}")
    for k, pair in enumerate(q["pairs"]):
        pg.locator(f"#mini-matching-{k}").select_option(value=pair["right"])
    assert check_and_read(pg, "mini-matching").startswith("Correct.")
    assert watch.errors == []
