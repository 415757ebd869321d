"""What the export tests share: the checked content trees and their exports, each made once per run."""

from __future__ import annotations

import functools
import importlib
import json
import shutil
import subprocess
from typing import Any

from primer.build import CheckResult, check
from primer.content.models import (
    Cloze,
    Matching,
    MultipleChoice,
    OpenResponse,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from primer.exports import FORMATS, render_export
from primer.exports.common import Group, LossReport, Scope
from primer.quiz.lint import bank
from tools import MINI, ROOT, need, node_file

SHIPPED = ROOT / "content"
BANK = ROOT / "tests" / "data" / "bank"
#: The content trees every export must carry: the shipped lesson, the mini example, the quiz-engine bank.
TREES = {"shipped": SHIPPED, "mini": MINI, "bank": BANK}


@functools.cache
def checked(tree: str) -> CheckResult:
    """A content tree, checked once."""
    return check(TREES[tree])


@functools.cache
def exported(tree: str, fmt: str, topic: str | None = None) -> tuple[bytes, LossReport]:
    """One export of a content tree, made once."""
    result = checked(tree)
    return render_export(result.library, result.derived, fmt, topic)


def scopes(tree: str) -> list[str | None]:
    """The whole bank and every topic of a tree."""
    return [None, *checked(tree).library.topics]


def questions(tree: str) -> dict[str, QuestionBase]:
    """Every question of a tree's bank, by id."""
    result = checked(tree)
    return bank(result.library, result.derived)


def custom_scope(*items: QuestionBase, tree: str = "mini") -> Scope:
    """A scope holding made-up questions, for testing what the content does not have."""
    result = checked(tree)
    return Scope(result.library, result.derived, None, [Group(None, "Made-up questions", list(items))])


#: Text that each kind of escaping must carry: markup, quotes of both kinds, a line end and a tab.
TRICKY = "a & b < c > d \"e\" 'f'\nnext\tline"


def _dropdowns(question: Cloze) -> Cloze:
    """The cloze with each typed blank made a drop-down of its accepted answers and TRICKY."""
    blanks = [
        b.model_copy(update={"accept": [], "choices": [*b.accept, TRICKY], "answer": b.accept[0]}) if b.accept else b
        for b in question.blanks
    ]
    return question.model_copy(update={"blanks": blanks})


def _tricky(question: QuestionBase) -> QuestionBase:
    """The question with TRICKY in every text an item writes (stem and title, answers, feedback, labels)."""
    update: dict[str, object] = {"stem": f"{question.stem} {TRICKY}", "explanation": TRICKY}
    if isinstance(question, SingleChoice | MultipleChoice):
        update["choices"] = [
            c.model_copy(update={"text": f"{c.text} {TRICKY}", "feedback": TRICKY}) for c in question.choices
        ]
    if isinstance(question, TrueFalse):
        update["feedback_true"] = TRICKY
    if isinstance(question, ShortAnswer):
        update["accept"] = [*question.accept, TRICKY, ""]
    if isinstance(question, Matching):
        update["pairs"] = [p.model_copy(update={"left": f"{p.left} {TRICKY}"}) for p in question.pairs]
        update["distractors"] = [TRICKY]
    if isinstance(question, Ordering):
        update["items"] = [f"{item} {TRICKY}" for item in question.items]
    if isinstance(question, Cloze):
        update["blanks"] = [
            b.model_copy(update={"accept": [*b.accept, TRICKY]} if b.accept else {"choices": [*b.choices, TRICKY]})
            for b in question.blanks
        ]
    if isinstance(question, OpenResponse):
        update["model_answer"] = TRICKY
    return question.model_copy(update=update)


def variants(question: QuestionBase) -> list[QuestionBase]:
    """The question, the question with TRICKY in every text, and a cloze with its typed blanks made drop-downs:
    what an export's writer must write as the text each element holds."""
    found = [question, _tricky(question)]
    if isinstance(question, Cloze):
        found.append(_dropdowns(question))
    return found


def node() -> str:
    """The node binary."""
    path = shutil.which("node")
    need("node", path)
    assert path is not None
    return path


def parse_gift(*texts: str) -> list[list[dict[str, Any]]]:
    """Parse GIFT texts with gift-pegjs, the GIFT grammar GIFT tools share (an independent parser),
    all in one run of node."""
    node_file("gift-pegjs", "pegjs-gift.js")
    script = (
        "const {parse} = require(process.argv[1]);"
        "const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const out = [];"
        "for (const [i, text] of texts.entries()) {"
        "  try { out.push(parse(text)); }"
        "  catch (e) { process.stderr.write(`text ${i}: ${e.message}`); process.exit(3); } }"
        "process.stdout.write(JSON.stringify(out));"
    )
    run = subprocess.run(
        [node(), "-e", script, str(ROOT / "node_modules" / "gift-pegjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, f"gift-pegjs rejected the GIFT: {run.stderr}"
    data: list[list[dict[str, Any]]] = json.loads(run.stdout)
    return data


def module(name: str) -> Any:
    """A Python package from the test extra; skipped when missing (failing with CI=true, like tools)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        need(f"the Python package {name.split('.')[0]} (pip install -e '.[test]')", False)
        raise  # need() skips or fails; this is never reached


assert set(FORMATS) == {"qti", "moodle", "gift", "anki", "kahoot", "quizlet", "csv", "json"}
