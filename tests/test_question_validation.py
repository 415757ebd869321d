"""Each question type's rules, broken on purpose: `primer check` says what is wrong in the author's
words at `path:line:col`, with how to fix it, and exits 1."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Invoke = Callable[..., Result]
BANK = Path(__file__).resolve().parent / "data" / "bank"


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A fresh copy of the quiz-engine content tree."""
    target = tmp_path / "content"
    shutil.copytree(BANK, target)
    return target


#: The fields every question needs, after the first line; the broken part follows them.
COMMON = """\
    stem: A question?
    explanation: Because.
    difficulty: 1
    objective: radars-name
    tests: {terms: [radar]}
"""


def _question(kind: str, body: str, *, tests: bool = True) -> str:
    common = COMMON if tests else COMMON.replace("    tests: {terms: [radar]}\n", "")
    return f"questions:\n  - id: broken\n    type: {kind}\n{common}{body}"


C = "      - {text: %s, feedback: f}\n"
R = "      - {text: %s, correct: true, feedback: f}\n"

# Each case: the file's text, the 'path:line:col: ' the problem is reported at, words it must say.
CASES: dict[str, tuple[str, str, str]] = {
    "single-no-correct": (
        _question("single", "    choices:\n" + C % "a" + C % "b"),
        "2:5",
        "a single-choice question needs exactly one correct option; this one has 0 — "
        "mark exactly one option correct: true",
    ),
    "multiple-none-correct": (
        _question("multiple", "    choices:\n" + C % "a" + C % "b" + C % "c"),
        "2:5",
        "a multiple-choice question needs at least one correct option",
    ),
    "multiple-two-options": (
        _question("multiple", "    choices:\n" + R % "a" + C % "b"),
        "10:7",
        "questions[0].choices: a multiple-choice question needs at least 3 options; this one has 2 — add options",
    ),
    "single-one-option": (
        _question("single", "    choices:\n" + R % "a"),
        "10:7",
        "a single-choice question needs at least 2 options; this one has 1 — add options",
    ),
    "matching-one-pair": (
        _question("matching", "    pairs:\n      - {left: radar, right: a sensor}\n"),
        "10:7",
        "a matching question needs at least 2 pairs; this one has 1 — add pairs",
    ),
    "cloze-no-blanks": (
        _question("cloze", "    blanks: []\n"),
        "9:13",
        "a cloze question needs a blank — mark it [[id]] in the stem and describe it under blanks:",
    ),
    "ordering-two-items": (
        _question("ordering", "    items: [first, second]\n"),
        "9:12",
        "an ordering question needs at least 3 items; this one has 2 — add items",
    ),
    "ordering-repeated-item": (
        _question("ordering", "    items: [first, second, first]\n"),
        "9:12",
        "an ordering question's items must all differ",
    ),
    "matching-repeated-right": (
        _question(
            "matching",
            "    pairs:\n      - {left: radar, right: a sensor}\n      - {left: THAAD, right: a sensor}\n",
        ),
        "2:5",
        "a matching question's right-hand sides must differ; repeated: a sensor — reword them",
    ),
    "matching-distractor-repeats-a-right": (
        _question(
            "matching",
            "    pairs:\n      - {left: radar, right: a sensor}\n      - {left: THAAD, right: a system}\n"
            "    distractors: [a system]\n",
        ),
        "2:5",
        "repeated: a system",
    ),
    "numeric-negative-tolerance": (
        _question("numeric", "    answer: 2006\n    tolerance: -1\n"),
        "10:16",
        "a numeric answer's tolerance cannot be negative; this one is -1 — use 0 or more",
    ),
    "short-bad-pattern": (
        _question("short", "    accept: [north]\n    pattern: 'nor(th'\n"),
        "10:14",
        "the pattern is not a valid regular expression",
    ),
    "short-no-accept": (
        _question("short", "    accept: []\n"),
        "9:13",
        "a short-answer question needs an accepted answer — list them under accept:",
    ),
    "cloze-unmarked-blank": (
        _question("cloze", "    blanks:\n      - {id: year, accept: ['2006']}\n"),
        "2:5",
        "a cloze stem must mark each blank once",
    ),
    "cloze-blank-both-kinds": (
        _question("cloze", "    blanks:\n      - {id: year, accept: ['2006'], choices: ['2006', '2007']}\n").replace(
            "A question?", "In [[year]]."
        ),
        "10:9",
        "a blank needs either 'accept' or 'choices'",
    ),
    "cloze-answer-not-a-choice": (
        _question("cloze", "    blanks:\n      - {id: year, choices: ['2006', '2007'], answer: '2008'}\n").replace(
            "A question?", "In [[year]]."
        ),
        "10:9",
        "a blank with choices needs an 'answer' — make it one of its choices",
    ),
    "true-false-missing-feedback": (
        _question("true-false", "    answer: true\n    feedback_true: Yes.\n"),
        "2:5",
        "missing required key 'feedback_false'",
    ),
    "open-without-rubric": (
        _question("open", "    model_answer: Because.\n    rubric: []\n"),
        "10:13",
        "an open question needs a rubric — add at least one criterion under rubric:",
    ),
    "tests-nothing": (
        _question(
            "true-false",
            "    answer: true\n    feedback_true: Y.\n    feedback_false: N.\n    tests: {}\n",
            tests=False,
        ),
        "11:12",
        "the question tests nothing — list the points, terms or events it tests under tests:",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_question_rule_is_reported_at_its_line(case: str, bank: Path, cli: Invoke) -> None:
    text, place, words = CASES[case]
    (bank / "questions" / "broken.yaml").write_text(text, encoding="utf-8")
    result = cli("check", "--content", bank)
    assert result.exit_code == 1, result.output
    prefix = f"content/questions/broken.yaml:{place}: "
    hits = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    assert any(words in line for line in hits), f"expected {prefix!r} … {words!r}, got:\n{result.stderr}"
    assert all(" — " in line for line in result.stderr.splitlines()[:-1]), "every problem says how to fix it"
    assert "Traceback" not in result.output


TOPIC_CASES: dict[str, tuple[str, str, str]] = {
    "objective-of-another-topic": (
        "generate:\n  objective: somewhere-else\n",
        "27:14",
        "'somewhere-else' is not one of this topic's objectives — use one of radars-name, radars-order, radars-check",
    ),
    "exclude-not-a-generated-id": (
        "generate:\n  exclude: [q-single]\n",
        "27:12",
        "'q-single' is not a generated question's id — generated ids start with 'gen-'",
    ),
    "misspelt-generator": (
        "generate:\n  glosary: false\n",
        "27:3",
        "did you mean 'glossary'?",
    ),
    "negative-max": (
        "generate:\n  max: -1\n",
        "27:8",
        "generate.max: should be 0 or more, not -1 — use a larger value",
    ),
}


@pytest.mark.parametrize("case", sorted(TOPIC_CASES))
def test_generate_settings_are_checked(case: str, bank: Path, cli: Invoke) -> None:
    addition, place, words = TOPIC_CASES[case]
    topic = bank / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + addition, encoding="utf-8")
    result = cli("check", "--content", bank)
    assert result.exit_code == 1, result.output
    prefix = f"content/topics/radars.yaml:{place}: "
    hits = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    assert any(words in line for line in hits), f"expected {prefix!r} … {words!r}, got:\n{result.stderr}"
