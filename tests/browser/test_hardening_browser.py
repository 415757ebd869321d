"""Text that looks like HTML inside a question never breaks the page: the quiz data embedded in a
`<script>` element holds '<!--' and '<script>' in a choice, and every question still works."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from primer.build import build
from tools import MINI

NASTY = """\
  - id: nasty
    type: single
    stem: Which of these is written in the article?
    explanation: The first option is.
    difficulty: 1
    objective: radars-explain
    tests: {terms: [radar]}
    choices:
      - {text: 'A <!-- comment that never closes', correct: true, feedback: 'Yes <script>alert(1)</script>'}
      - {text: 'B & </script><script>window.hacked = 1</script>', feedback: No.}
"""


def test_a_quiz_with_comment_and_script_text_keeps_every_question_working(tmp_path: Path, page: Any) -> None:
    pg, watch = page
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    questions = content / "questions" / "radars.yaml"
    questions.write_text(questions.read_text(encoding="utf-8") + NASTY, encoding="utf-8")
    topic = content / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("mini-single, mini-tf,", "nasty, mini-single, mini-tf,"))
    build(content, tmp_path / "site")
    pg.goto((tmp_path / "site" / "topics" / "radars" / "quiz.html").as_uri())
    pg.evaluate("localStorage.setItem('primer-quiz-all', '1')")  # every question on one page
    pg.reload()
    questions_on_page = pg.locator("form.question, .question[id]").count()
    checks = pg.locator("button.check").count()
    assert checks >= 9 and checks == pg.locator("button.check:visible").count()
    assert questions_on_page >= checks
    assert pg.evaluate("() => window.hacked === undefined")
    assert pg.locator("#nasty label", has_text="<!-- comment that never closes").count() == 1
    # The question after the nasty one still checks answers.
    pg.locator("#nasty-0").check()
    pg.locator("#nasty button.check").click()
    pg.wait_for_function("() => document.querySelector('#nasty .feedback').textContent.trim().length > 0")
    assert "Yes <script>alert(1)</script>" in pg.locator("#nasty .feedback").inner_text()
    pg.locator("#mini-single-0").check()
    pg.locator("#mini-single button.check").click()
    pg.wait_for_function("() => document.querySelector('#mini-single .feedback').textContent.trim().length > 0")
    assert not watch.errors, watch.errors
