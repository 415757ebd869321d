"""The quiz page's build-time parts: the quiz version id, the short quiz, the option wording, quiz_length."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from primer.build import CheckResult, check
from primer.handouts.versions import is_scale as _is_scale
from primer.targets.site import answer_text, plain_feedback, quiz_version, short_quiz
from tools import ROOT, Invoke


@pytest.fixture(scope="module")
def shipped() -> CheckResult:
    return check(ROOT / "content")


def test_the_quiz_version_is_deterministic_and_changes_with_any_question(shipped: CheckResult) -> None:
    for topic in shipped.library.topics_in_order():
        quiz = shipped.derived.quizzes[topic.id]
        version = quiz_version(quiz)
        assert re.fullmatch(r"[0-9a-f]{12}", version)
        assert quiz_version(list(quiz)) == version
        assert quiz_version(quiz[1:]) != version, "a question removed"
        assert quiz_version([quiz[1], quiz[0], *quiz[2:]]) != version, "questions reordered"
        edited = quiz[0].model_copy(update={"explanation": quiz[0].explanation + " More."})
        assert quiz_version([edited, *quiz[1:]]) != version, "a question edited"


def test_the_short_quiz_covers_every_objective_in_quiz_order(shipped: CheckResult) -> None:
    for topic in shipped.library.topics_in_order():
        quiz = shipped.derived.quizzes[topic.id]
        picked = short_quiz(topic, quiz, 10)
        assert len(picked) == min(10, len(quiz))
        assert picked == sorted(set(picked))
        assert short_quiz(topic, quiz, 10) == picked, "the same every build"
        tested = {q.objective for q in quiz}
        assert {quiz[k].objective for k in picked} >= {o.id for o in topic.objectives if o.id in tested}
    topic = shipped.library.topics_in_order()[0]
    quiz = shipped.derived.quizzes[topic.id]
    assert short_quiz(topic, quiz, len(quiz) + 5) == list(range(len(quiz)))
    assert len(short_quiz(topic, quiz, 1)) == 1


def test_option_feedback_loses_only_a_verdict_that_agrees_with_the_option() -> None:
    assert plain_feedback("Right: the records support it.", True) == "The records support it."
    assert plain_feedback("No: the claim is accurate, not wrong.", False) == "The claim is accurate, not wrong."
    assert plain_feedback("Yes. It took place on 1 July 2014.", True) == "It took place on 1 July 2014."
    assert plain_feedback("Right.", True) == ""
    # A verdict on the claim, not on the option, stays: "which of these does the article get wrong?"
    assert plain_feedback("Wrong in the article. The T stands for Terminal.", True).startswith("Wrong in the article")
    assert plain_feedback("Wrong: the article says 2016.", True) == "Wrong: the article says 2016."
    assert plain_feedback("No doubt about it.", False) == "No doubt about it."


def test_claim_scales_are_kept_in_order_and_other_options_are_not(shipped: CheckResult) -> None:
    scales = [q for q in shipped.derived.bank.values() if _is_scale(q)]
    assert scales, "the shipped lesson has 'how accurate is this claim?' questions"
    assert all(q.id.startswith("gen-claim") for q in scales)
    assert not any(_is_scale(q) for q in shipped.derived.bank.values() if q.id.startswith("gen-term"))


def test_answers_in_words_name_no_blank_ids(shipped: CheckResult) -> None:
    for question in shipped.derived.bank.values():
        if question.type == "cloze":
            text = answer_text(question)
            assert text.startswith("Blank 1: ") and "[" not in text, text


def test_built_quiz_pages_carry_the_version_and_the_short_quiz(tmp_path: Path, mini: Path, cli: Invoke) -> None:
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + "quiz_length: 4\n", encoding="utf-8")
    assert cli("build", "--content", mini, "--out", tmp_path / "site").exit_code == 0
    page = (tmp_path / "site" / "topics" / "radars" / "quiz.html").read_text(encoding="utf-8")
    version = re.search(r'data-quiz-version="([0-9a-f]{12})"', page)
    assert version is not None
    meta = json.loads(page.split('class="quiz-meta">')[1].split("</script>")[0])
    assert len(meta["short"]) == 4
    assert {meta["of"][k] for k in meta["short"]} == {0, 1, 2}, "one question per objective at least"
    assert meta["title"] == "How radars work" and meta["site"] == "Mini Lesson"
    assert 'src="../../static/js/receipt.js"' in page
    assert '"text":' not in page.split('class="q-data">')[1].split("</script>")[0], "option texts are on the page once"
    assert "(the right answer): Right" not in page and "right: Right" not in page


@pytest.mark.parametrize(
    ("where", "text", "field"),
    [
        ("site.yaml", "settings:\n  quiz_length: 0\n", "quiz_length"),
        ("topics/radars.yaml", "quiz_length: ten\n", "quiz_length"),
    ],
)
def test_check_wants_a_positive_whole_quiz_length(mini: Path, cli: Invoke, where: str, text: str, field: str) -> None:
    path = mini / where
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    result = cli("check", "--content", mini)
    assert result.exit_code == 1
    assert f"content/{where}:" in result.stderr and field in result.stderr
    assert "Traceback" not in result.stderr
