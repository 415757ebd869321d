"""The readability check: grades in the expected direction, and warnings on long, hard explainers."""

from __future__ import annotations

import random
from pathlib import Path

from primer import memo
from primer.checks.readability import (
    check_readability,
    counts,
    explainer_parts,
    explainer_text,
    grade,
    grade_of,
    topic_grades,
)
from primer.content.library import ParseCache, load_library
from primer.facts import Facts
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


def test_the_counts_of_texts_joined_by_a_space_add_up() -> None:
    """An explainer's grade is worked out from its texts' counts (the report's, `counts` summed): what the
    whole text gives, on the lessons' explainers and on random texts whose ends and starts hold stops,
    hyphens, quotes, line ends and nothing at all."""
    lessons = [
        load_library(ROOT / "content"),
        load_library(ROOT / "examples" / "south-china-sea-arbitration" / "content"),
    ]
    topics = [topic for lib in lessons for topic in lib.topics_in_order()]
    rng = random.Random(50)
    pieces = ["word", "A", "it's", "well-", "-known", "’", ".", "!", "?", "...", " ", "\n", "", "Seongju", "1999"]
    made = [
        ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(1, 5))]
        for _ in range(3000)
    ]
    for parts in [*(explainer_parts(t) for t in topics), *made]:
        whole = " ".join(parts)
        summed = tuple(sum(column) for column in zip(*map(counts, parts), strict=True))
        assert summed == counts(whole), parts
        assert grade_of(*summed) == grade(whole)
    assert all(" ".join(explainer_parts(t)) == explainer_text(t) for t in topics)


def test_a_process_that_checks_again_grades_an_edited_explainer_afresh(mini: Path, tmp_path: Path) -> None:
    """In a process that keeps memos (`primer serve`), the key of each explainer's kept grade is kept by the topic
    as an object: a save that makes a topic's explainer hard gets the warning a fresh check gives, and one that
    undoes it drops the warning, while the results are kept on disk between the checks."""
    root = tmp_path / "cache"
    path = root / "lesson" / "checks.facts"
    topic = mini / "topics" / "radars.yaml"
    written = topic.read_text(encoding="utf-8")
    hard = written.replace("      <script>alert(1)</script>\n", "".join(f"      {HARD}\n" for _ in range(6)))
    texts = (written, hard, written, hard)
    fresh = []
    for text in texts:
        topic.write_text(text, encoding="utf-8")
        fresh.append(check_readability(load_library(mini)))
    assert not fresh[0] and fresh[1] and fresh[1] == fresh[3]
    assert fresh[1][0].message.startswith("the explainer reads at about grade")
    parsed = ParseCache()
    memo.enable()
    try:
        for text, expected in zip(texts, fresh, strict=True):
            topic.write_text(text, encoding="utf-8")
            memo.new_round()
            kept = Facts(path, root)
            assert check_readability(load_library(mini, parsed), kept) == expected
            kept.save()
    finally:
        memo.enable(False)
