"""Lint: questions that give their answer away are warnings at their line; --strict fails on them."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from primer.build import check
from primer.content.library import load_library
from primer.derive import derive
from primer.quiz.backtrack import slow_pattern
from primer.quiz.lint import (
    _near,
    _norm,
    correct_markedly_longest,
    lint,
    lint_warnings,
    machinery,
    near_pairs,
    similar,
    text_lint,
)
from tools import MINI, ROOT

Invoke = Callable[..., Result]
BANK = Path(__file__).resolve().parent / "data" / "bank"

TAIL = """\
    explanation: Because.
    difficulty: 1
    objective: radars-check
    tests: {points: [a-radar-north]}
"""

BAD = (
    """\
questions:
  - id: above
    type: single
    stem: Which site came first?
    choices:
      - {text: Shariki, correct: true, feedback: Right.}
      - {text: Kyogamisaki, feedback: No.}
      - {text: All of the above, feedback: No.}
"""
    + TAIL
    + """\
  - id: longest
    type: single
    stem: What does a radar do?
    choices:
      - {text: It shoots missiles, feedback: No.}
      - {text: It finds objects far away by bouncing radio waves off them, correct: true, feedback: Right.}
      - {text: It jams signals, feedback: No.}
"""
    + TAIL
    + """\
  - id: repeats
    type: multiple
    stem: Which of these are sensors?
    choices:
      - {text: A radar, correct: true, feedback: Yes.}
      - {text: A satellite, correct: true, feedback: Yes.}
      - {text: A radar., feedback: No.}
"""
    + TAIL
    + """\
  - id: near-one
    type: true-false
    stem: The first radar was placed in the north of the country in 2006.
    answer: true
    feedback_true: Right.
    feedback_false: No.
"""
    + TAIL
    + """\
  - id: near-two
    type: true-false
    stem: The first radar was put in the north of the country in 2006.
    answer: true
    feedback_true: Right.
    feedback_false: No.
"""
    + TAIL
    + """\
  - id: python-pattern
    type: short
    stem: Where was the first radar?
    accept: [north, '...']
    pattern: '(?P<where>north)'
"""
    + TAIL
    + """\
  - id: numbers-differ
    type: matching
    stem: Match each resolution to its year.
    pairs:
      - {left: Resolution 2375, right: 'September 2017'}
      - {left: Resolution 2397, right: 'December 2017'}
"""
    + TAIL
)

EXPECTED = [
    "content/questions/lint.yaml:8:16: warning: the option “All of the above” lets students answer by elimination",
    "content/questions/lint.yaml:18:16: warning: the right option is much the longest (58 characters against 16 on "
    "average), which gives it away — shorten it, or give the wrong options as much detail",
    "content/questions/lint.yaml:30:16: warning: this option repeats option 1 (“A radar”) — reword one of them",
    "content/questions/lint.yaml:47:11: warning: this question nearly repeats 'near-one' "
    "(content/questions/lint.yaml:35) — merge the two, or make them ask different things",
    "content/questions/lint.yaml:58:21: warning: the accepted answer “...” is empty once punctuation is ignored",
    "content/questions/lint.yaml:59:14: warning: the pattern uses Python's named groups (?P<name>…), which the quiz "
    "page's JavaScript does not understand",
]


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A fresh copy of the quiz-engine content tree (whose own questions pass lint)."""
    target = tmp_path / "content"
    shutil.copytree(BANK, target)
    return target


@pytest.fixture
def linted(bank: Path) -> Path:
    (bank / "questions" / "lint.yaml").write_text(BAD, encoding="utf-8")
    return bank


def test_lint_warnings_are_at_their_lines(linted: Path, cli: Invoke) -> None:
    result = cli("check", "--content", linted)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    for expected in EXPECTED:
        assert any(line.startswith(expected) for line in lines), f"missing {expected!r} in:\n{result.stderr}"
    assert all(" — " in line for line in lines)
    assert not [line for line in lines if ":68:" in line or ":69:" in line], (
        "texts that differ in their numbers are not near-duplicates"
    )


def test_a_pattern_that_can_freeze_the_quiz_page_is_a_warning_at_its_line(bank: Path, cli: Invoke) -> None:
    """'(\\w+\\s?)+' splits "aaaa…" into rounds in a number of ways that doubles with each letter: node takes 2 s
    on a wrong answer of 27 letters, and the quiz page would freeze on a longer one. A repeat whose rounds end
    with a character the inner repeat cannot take splits a text one way only, and passes."""
    questions = "questions:\n"
    for number, pattern in enumerate([r"terminal(\w+\s?)+defen[cs]e", r"terminal(\w+ )+defen[cs]e"]):
        questions += (
            f"  - id: pattern-{number}\n    type: short\n    stem: What does THAAD stand for, in words {number}?\n"
            f"    accept: [terminal high altitude area defense]\n    pattern: '{pattern}'\n" + TAIL
        )
    (bank / "questions" / "patterns.yaml").write_text(questions, encoding="utf-8")
    result = cli("check", "--content", bank)
    assert result.exit_code == 0, result.output
    found = [line for line in result.stderr.splitlines() if "freezes" in line]
    assert len(found) == 1, result.stderr
    assert found[0].startswith(
        "content/questions/patterns.yaml:6:14: warning: the pattern repeats a part that itself repeats, with nothing "
        "between the rounds that the inner repeat cannot take too"
    ), found
    assert found[0].endswith("or list the answers under accept:")


@pytest.mark.parametrize(
    ("pattern", "slow"),
    [
        (r"(\w+\s?)+", True),  # a round may end with a letter, and the next begin with one
        (r"(a+)+", True),
        (r"(.*a)*", True),  # the required 'a' is one '.' takes too
        (r"(\s?\w+)+", True),
        (r"((\w+)\s?)+", True),
        (r"(a|a+)+", True),
        (r"(x+x+)+y", True),
        (r"^(\w+,?\s*)*$", True),
        (r"(\d+)*", True),
        (r"panel\s+of\s+experts", False),  # the shipped lesson's
        (r"kyogamisaki|kyotango", False),
        (r"(\w+ )+", False),  # each round ends with a space, which \w cannot take
        (r"(\d+\.)+\d+", False),
        (r"\w+(\s\w+)*", False),
        (r"[a-z]+(-[a-z]+)*", False),
        (r"(,\s*\w+)*", False),
        (r"(the )?(republic of )?korea", False),
        (r"(\w+){1,3}", False),  # at most three rounds
        (r"\d{1,3}(,\d{3})*", False),
        (r"(unclosed", False),  # does not compile: check reports it apart
    ],
)
def test_slow_patterns(pattern: str, slow: bool) -> None:
    assert slow_pattern(pattern) is slow


def test_strict_fails_on_lint_warnings(linted: Path, cli: Invoke) -> None:
    result = cli("check", "--strict", "--content", linted)
    assert result.exit_code == 1
    assert "content/questions/lint.yaml:8:16: the option “All of the above”" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: ")


def _bunched(count: int) -> str:
    text = "questions:\n"
    for i in range(count):
        text += (
            f"  - id: pos-{i}\n    type: single\n    stem: Question number {i} about a different thing {i * 7}?\n"
            "    choices:\n"
            f"      - {{text: Right {i}, correct: true, feedback: Yes.}}\n"
            f"      - {{text: Wrong {i}, feedback: No.}}\n"
            f"      - {{text: Other {i}, feedback: No.}}\n" + TAIL
        )
    return text


def test_right_answers_bunched_in_one_position(bank: Path, cli: Invoke) -> None:
    (bank / "questions" / "bunched.yaml").write_text(_bunched(6), encoding="utf-8")
    result = cli("check", "--content", bank)
    warnings = [line for line in result.stderr.splitlines() if "are option 1" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(
        "content/questions/bank.yaml:27:7: warning: 7 of the 9 right answers of the hand-written choice questions "
        "are option 1 (chance would put about 3 there), so students can guess it — "
    )
    assert warnings[0].endswith(
        "move the right answer to another position in some of: pos-0, pos-1, pos-2, pos-3, pos-4, pos-5, q-multiple"
    )


def test_a_few_questions_are_not_called_bunched(bank: Path, cli: Invoke) -> None:
    (bank / "questions" / "bunched.yaml").write_text(_bunched(1), encoding="utf-8")
    result = cli("check", "--content", bank)
    assert "are option" not in result.stderr


def test_a_generated_question_is_reported_at_its_topic(bank: Path, cli: Invoke) -> None:
    content = bank
    order = next(q for q in check(content).derived.quizzes["radars"] if q.id.startswith("gen-order-"))
    (content / "questions" / "extra.yaml").write_text(
        "questions:\n  - id: q-order-again\n    type: ordering\n    stem: Put these events in order, earliest first!\n"
        "    items: [The first radar, The pact, The THAAD decision]\n    explanation: 2006, 2014, 2016.\n"
        "    difficulty: 1\n    objective: radars-order\n"
        "    tests: {events: [first-radar, pact-signed, thaad-decision]}\n",
        encoding="utf-8",
    )
    topic = content / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("q-numeric]", "q-numeric, q-order-again]"))
    result = cli("check", "--content", content)
    assert (
        f"content/topics/radars.yaml:25:12: warning: generated question '{order.id}': this question nearly repeats "
        f"'q-order-again' (content/questions/extra.yaml:2) — leave it out with generate: exclude: [{order.id}], or "
        "merge the two"
    ) in result.stderr


def test_the_shipped_kinds_of_generated_question_pass_lint() -> None:
    result = check(BANK)
    assert result.warnings == []


def test_similarity_rules() -> None:
    assert similar("A radar", "a radar.")
    assert similar("The radar sees far", "The radar sees far!")
    assert not similar("Resolution 2375 (2017)", "Resolution 2397 (2017)")
    assert not similar("radar", "satellite")
    assert correct_markedly_longest("x" * 60, ["y" * 10, "z" * 20])
    assert not correct_markedly_longest("x" * 25, ["y" * 10, "z" * 10]), "1.5 times but not 20 characters more"
    assert not correct_markedly_longest("x" * 60, ["y" * 50, "z" * 70]), "not the longest"
    assert not correct_markedly_longest("x" * 60, [])


# --------------------------------------------------------------------------- the text lint

MACHINERY = (
    """\
questions:
  - id: shows-machinery
    type: single
    stem: |
      Which radar does [Article A](point:a-radar-north) describe?

      > A quoted claim reads as a quote.

      Its **range** is in `km`.
    choices:
      - {text: A(n) radar in the north, correct: true, feedback: Right.}
      - {text: "**The** radar in the south", feedback: No.}
      - {text: A satellite, feedback: "No, see point:a-radar-range."}
      - {text: A ship, feedback: No. It is gen-term-0123456789.}
    explanation: "> Because a-radar-north says so."
"""
    + TAIL.replace("    explanation: Because.\n", "")
    + """\
  - id: unbalanced
    type: true-false
    stem: The radar is **very strong.
    answer: true
    feedback_true: Right.
    feedback_false: "# No."
"""
    + TAIL
)


def test_machinery_in_a_student_facing_string_fails_the_check(bank: Path, cli: Invoke) -> None:
    (bank / "questions" / "machinery.yaml").write_text(MACHINERY, encoding="utf-8")
    result = cli("check", "--content", bank)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if "students would see" in line]
    expected = {
        ":11:16: students would see template punctuation (“A(n)”)",
        ":12:16: students would see bold marks (** or __)",
        ":13:39: students would see a content reference (“point:a…”); the id “a-radar-range”",
        ":14:34: students would see a generated question's id (“gen-term-0123456789”)",
        ":15:18: students would see the id “a-radar-north”; a leading '>' (a Markdown quote)",
        ":21:11: students would see bold marks (** or __) that do not pair up",
        ":24:21: students would see a leading '#' (a Markdown heading)",
    }
    found = {line.removeprefix("content/questions/machinery.yaml").split(" in this text")[0] for line in errors}
    assert found == expected, result.stderr
    assert all(" — write what a student should read" in line for line in errors)
    assert ":4:" not in result.stderr, "a cited link, a quote and code in a stem render as they should"


def test_machinery_in_a_generated_question_names_its_generator_and_topic(bank: Path, cli: Invoke) -> None:
    """Template punctuation in a definition reaches a generated question: the lint names the generator, the
    topic and the content it is made from. (Markdown marks in a definition are an error at the definition
    itself, before any question is made from it.)"""
    glossary = bank / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(text.replace("South Korea's own missile-defense network", "a(n) KAMD network"), "utf-8")
    result = cli("check", "--content", bank)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "generator's question" in line]
    assert lines, result.stderr
    assert all(line.startswith("content/topics/") for line in lines)
    assert any(
        line.startswith("content/topics/framing.yaml:")
        and "the glossary generator's question 'gen-acronym-" in line
        and "for topic 'framing' would show students template punctuation (“a(n)”) in its explanation" in line
        and "reword the content it is made from (term:kamd), or leave it out with generate: exclude: [gen-" in line
        for line in lines
    ), result.stderr
    glossary.write_text(text.replace("South Korea's own missile-defense network", "the `KAMD` network"), "utf-8")
    result = cli("check", "--content", bank)
    assert result.exit_code == 1 and "'`KAMD`' is Markdown, but this field is plain text" in result.stderr
    assert "generator's question" not in result.stderr, "the definition is mended first"


def test_words_that_look_like_ids_are_not_machinery() -> None:
    ids = frozenset({"a-radar-north", "second-radar"})
    assert machinery("The a-radar-north point.", False, ids) == ["the id “a-radar-north”"]
    assert machinery("A hit-to-kill missile-defense test.", False, ids) == []
    assert machinery("Article A says so, as [Article A](point:a-radar-north) shows.", True, ids) == []
    assert machinery("An a(n) option", False, ids) == ["template punctuation (“a(n)”)"]
    assert machinery("**Bold** and `code` and [a link](https://example.org)", True, ids) == []
    assert machinery("a link [text](https://example.org)", False, ids) == ["a Markdown link [text](…)"]
    assert machinery("1 > 0, and # is a sign.", False, ids) == []
    assert machinery("It&#8217;s &amp; more", False, ids) == ["an HTML entity (“&#8217;”)"]
    assert machinery("It&#8217;s, from AT&T; and Q&A", True, ids) == [], "Markdown decodes it"
    assert machinery("AT&T; and Q&A", False, ids) == []


@pytest.mark.parametrize(
    ("text", "markdown", "finding"),
    [
        ("See point:abc for more", False, "a content reference (“point:a…”)"),
        ("It is gen-term-0123456789 here", False, "a generated question's id (“gen-term-0123456789”)"),
        ("Pick a(n) answer", False, "template punctuation (“a(n)”)"),
        ("Read a radar north", False, None),
        ("Read a-radar-north", False, "the id “a-radar-north”"),
        ("It is **bold", False, "bold marks (** or __)"),
        ("It is __bold", False, "bold marks (** or __)"),
        ("A `tick", False, "a backtick"),
        ("A [link](somewhere) here", False, "a Markdown link [text](…)"),
        (" > A quote", False, "a leading '>' (a Markdown quote)"),
        ("# A heading", False, "a leading '#' (a Markdown heading)"),
        ("Five &lt; six", False, "an HTML entity (“&lt;”)"),
        ("It is **bold", True, "bold marks (** or __) that do not pair up"),
        ("A `tick", True, "a backtick that does not pair up"),
        ("See point:abc for more", True, "a content reference (“point:a…”)"),
        ("Pick a(n) answer", True, "template punctuation (“a(n)”)"),
    ],
)
def test_each_kind_of_machinery_is_found_when_the_text_holds_nothing_else_unusual(
    text: str, markdown: bool, finding: str | None
) -> None:
    """`machinery` skips a text without any character its findings need: each finding alone is still found."""
    assert machinery(text, markdown, frozenset({"a-radar-north"})) == ([finding] if finding else [])


def test_hyphenated_tokens_are_found_as_the_backtracking_pattern_finds_them() -> None:
    """The lint's id-shaped words (`_HYPHENATED`, possessive) are those the plain, backtracking pattern finds, in
    random text of letters, digits, hyphens and their neighbours."""
    import re

    from primer.quiz import lint as lint_mod

    plain = re.compile(r"(?<![\w-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])")
    rng = random.Random(20261203)
    alphabet = "ab9-- _.Aé/"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert lint_mod._HYPHENATED.findall(text) == plain.findall(text), text
    assert lint_mod._HYPHENATED.findall("a hit-to-kill, x-band- and -b-c test-2 é-a a-é") == ["hit-to-kill", "test-2"]


def test_the_shipped_lessons_show_no_machinery() -> None:
    for content in (ROOT / "content", ROOT / "examples" / "south-china-sea-arbitration" / "content", MINI):
        result = check(content)  # an error would raise
        assert all(w.severity == "warning" for w in result.warnings)


# --------------------------------------------------------------------------- answers that accept too much

LOOSE = (
    """\
questions:
  - id: loose-short
    type: short
    stem: Who halted the plan?
    accept: [Kono, US, the, money]
"""
    + TAIL
    + """\
  - id: loose-other
    type: single
    stem: Which statement did Yohei Kono make?
    choices:
      - {text: The 1993 statement, correct: true, feedback: Right.}
      - {text: Kono Statement on radars, feedback: No.}
      - {text: None at all, feedback: No.}
"""
    + TAIL
)


def test_typed_answers_that_would_accept_too_much_are_warned_about(bank: Path, cli: Invoke) -> None:
    (bank / "questions" / "loose.yaml").write_text(LOOSE, encoding="utf-8")
    topic = bank / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("q-numeric]", "q-numeric, loose-short, loose-other]"))
    result = cli("check", "--content", bank)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "loose.yaml:5:" in line]
    assert any("“US” is 2 letters long" in line for line in warned), result.stderr
    assert any("“the” is a stop word" in line for line in warned), result.stderr
    assert any("“money” is a common word" in line for line in warned), result.stderr
    assert any(
        "the accepted answer “Kono” would also accept “Kono Statement on radars”, a wrong option or another answer "
        "in question 'loose-other' of the same quiz" in line
        for line in warned
    ), result.stderr


def test_the_text_lint_alone_has_every_error_and_the_warnings_the_rest(linted: Path) -> None:
    """`primer serve` makes the text lint before it swaps a build in and the lint's warnings after: the
    two parts are exactly the lint, the errors all in the first."""
    (linted / "questions" / "machinery.yaml").write_text(MACHINERY, encoding="utf-8")
    lib = load_library(linted)
    derived = derive(lib)
    errors, warnings = text_lint(lib, derived), lint_warnings(lib, derived)
    assert errors and all(p.severity == "error" for p in errors)
    assert warnings and all(p.severity == "warning" for p in warnings)
    assert lint(lib, derived) == sorted({*errors, *warnings})


def _near_pairs_by_every_pair(stems: dict[str, str]) -> list[tuple[str, str]]:
    """The rule `near_pairs` keeps, the slow way: every pair in id order that shares one of either stem's
    four rarest words (by how many stems use it, then alphabetically), is not two generated questions, and
    nearly repeats (difflib's ratio of at least 0.9, the same numbers)."""
    words = {qid: set(stem.split()) for qid, stem in stems.items()}
    frequency = Counter(word for found in words.values() for word in found)
    rare = {qid: set(sorted(found, key=lambda w: (frequency[w], w))[:4]) for qid, found in words.items()}
    ids = sorted(stems)
    return [
        (a, b)
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
        if not (a.startswith("gen-") and b.startswith("gen-")) and rare[a] & rare[b] and _near(stems[a], stems[b])
    ]


@pytest.mark.parametrize("seed", range(6))
def test_near_pairs_are_those_of_every_pair_compared(seed: int) -> None:
    """The near-duplicate search compares a stem only with those in its window of lengths among the stems
    that share a rare word: it must find exactly what comparing every pair by the same rule finds, with
    stems of equal lengths, lengths at the window's edge, generated ones, and numbers."""
    rng = random.Random(seed)
    vocabulary = ["radar", "treaty", "missile", "range", "which", "of", "the", "battery", "summit", "2017", "2019"]
    vocabulary += [f"word{n}" for n in range(40)]
    stems: dict[str, str] = {}
    bases = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(2, 30))) for _ in range(40)]
    for n in range(260):
        text = rng.choice(bases)
        for _ in range(rng.randint(0, 4)):  # a few letters changed, added or dropped
            at = rng.randrange(len(text))
            text = rng.choice([text[:at] + text[at + 1 :], text[:at] + rng.choice("aeiou 19") + text[at:]])
        if rng.random() < 0.2:
            text += " " + " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 6)))
        stems[f"{'gen-' if rng.random() < 0.4 else ''}q{n:03d}"] = _norm(text) or "x"
    expected = _near_pairs_by_every_pair(stems)
    assert len(expected) > 20
    assert near_pairs(stems) == expected


@pytest.mark.parametrize("seed", range(4))
def test_the_pairs_close_in_letters_are_those_difflib_counts(seed: int) -> None:
    """Before difflib's ratio, the near-duplicate search keeps the pairs that meet in a bucket (not two generated
    stems), whose lengths could give the ratio, and whose letters in common (counted as bits, in arrays) could
    too: exactly the pairs that difflib's own quick_ratio keeps, compared one by one."""
    import difflib

    from primer.quiz.lint import _LENGTH_FACTOR, NEAR, _close_in_letters, _letter_masks

    rng = random.Random(seed)
    letters = "aeiourstnl 19"
    stems = [
        "".join(rng.choice(letters) for _ in range(rng.choice([1, 2, 5, 20, 21, 22, 40, 90, 200]))) for _ in range(160)
    ]
    stems += [stems[n] + rng.choice(letters) for n in range(0, 160, 3)]  # near ones, one letter longer
    generated = {n for n in range(len(stems)) if rng.random() < 0.4}
    buckets: list[tuple[list[int], list[int]]] = []
    for _ in range(12):
        members = sorted(rng.sample(range(len(stems)), rng.randint(0, 150)))
        buckets.append(([n for n in members if n not in generated], [n for n in members if n in generated]))
    masks = _letter_masks({str(n): stem for n, stem in enumerate(stems)})
    found = _close_in_letters([masks[str(n)] for n in range(len(stems))], [len(s) for s in stems], buckets)
    expected = set()
    for written, made in buckets:
        members = written + made
        for i, k in enumerate(members):
            for j in members[i + 1 :]:
                short, long = sorted((len(stems[k]), len(stems[j])))
                if (k in generated and j in generated) or long > short * _LENGTH_FACTOR + 1:
                    continue
                if difflib.SequenceMatcher(None, stems[k], stems[j]).quick_ratio() >= NEAR:
                    expected.add((min(k, j), max(k, j)))
    assert len(expected) > 20
    assert found == expected
