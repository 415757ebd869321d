"""The readability check: grades in the expected direction, and warnings on long, hard explainers."""

from __future__ import annotations

from pathlib import Path

from primer.checks.readability import grade, topic_grades
from primer.content.library import load_library
from tools import ROOT, Invoke

EASY = "The cat sat on the mat. It was warm. The dog ran to the door. "
HARD = (
    "Intercontinental ballistic missile interception necessitates sophisticated discrimination capabilities, "
    "operating across multiple engagement architectures simultaneously, notwithstanding considerable "
    "uncertainty regarding countermeasures and decoys. "
)


def test_harder_text_scores_a_higher_grade() -> None:
    assert grade(EASY) < 3 < 16 < grade(HARD)
    assert grade("") == 0.0


def test_shipped_explainers_sit_near_the_target_grade() -> None:
    lib = load_library(ROOT / "content")
    grades = topic_grades(lib)
    assert len(grades) == 6
    target = lib.site.reading_grade
    assert all(target - 4 <= g <= target + 2 for g in grades.values()), grades


def test_a_long_hard_explainer_is_warned_about(mini: Path, cli: Invoke) -> None:
    topic = mini / "topics" / "radars.yaml"
    text = topic.read_text(encoding="utf-8").replace(
        "      <script>alert(1)</script>\n", "".join(f"      {HARD}\n" for _ in range(6))
    )
    topic.write_text(text, encoding="utf-8")
    result = cli("check", "--content", mini)
    assert result.exit_code == 0
    assert "content/topics/radars.yaml:11:3: warning: the explainer reads at about grade" in result.stderr
    assert "harder than the target grade 10 — shorten sentences" in result.stderr
    assert cli("check", "--strict", "--content", mini).exit_code == 1
