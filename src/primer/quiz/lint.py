"""Lint the question bank: warnings about questions that can be answered without knowing the answer.

Each finding is a warning at the question's line (`primer check --strict` makes warnings fail):

- the right answer sits in one option position far more often than chance would put it there
  (counted over hand-written choice questions: generated ones are shuffled by construction);
- the right option is markedly the longest (longer than every other, over 1.5 times their mean
  length and at least 20 characters more);
- "all of the above", "none of the above" and the like;
- options (choices, matching sides, ordering items, cloze choices) that repeat or nearly repeat
  each other (difflib ratio of the normalised texts at least 0.9, and the same numbers);
- questions whose stems nearly repeat each other (ratio at least 0.9; two generated questions
  are not compared, since they share templates by design);
- short answers: an accepted answer that is empty once normalised, a pattern using syntax
  JavaScript does not understand (the page checks answers in JavaScript).

A question that tests nothing is an error, reported by validation (`primer.content.library`).
A generated question's finding is reported at its topic, with how to exclude it.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from primer.content.library import Library, Origin
from primer.content.load import Key
from primer.content.models import (
    Cloze,
    Matching,
    MultipleChoice,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
)
from primer.errors import Problem

if TYPE_CHECKING:  # derive imports the generators, which import this module
    from primer.derive import Derived

#: difflib ratio at or above which two texts count as near-duplicates.
NEAR = 0.9
#: the lengths of two texts whose ratio can reach NEAR differ by at most this factor.
_LENGTH_FACTOR = (2 - NEAR) / NEAR
#: how many of a stem's rarest words index it for the near-duplicate search.
_RARE_WORDS = 4

_NUMBER = re.compile(r"\d+")
_ABOVE = re.compile(
    r"\b(?:all|none|both|neither) of (?:the )?(?:above|below|these|those|them|the (?:above )?(?:options|answers))\b",
    re.IGNORECASE,
)
#: Regular-expression syntax Python accepts and JavaScript's RegExp does not.
_PYTHON_ONLY = (
    (re.compile(r"\(\?P[<=>]"), "Python's named groups (?P<name>…)"),
    (re.compile(r"\\[AZ]"), "\\A or \\Z"),
    (re.compile(r"\(\?[aiLmsux-]+[:)]"), "inline flags such as (?i)"),
    (re.compile(r"\(\?#"), "comments (?#…)"),
    (re.compile(r"\(\?>|[*+?}][+]"), "atomic groups or possessive repeats"),
)


def _norm(text: str) -> str:
    from primer.quiz.scoring import normalise

    return normalise(text)


def _near(a: str, b: str, matcher: difflib.SequenceMatcher[str] | None = None) -> bool:
    """`similar` for texts already normalised. A `matcher` whose second sequence is already `b`
    may be passed in: SequenceMatcher indexes its second sequence, so reusing it saves that work."""
    if a == b:
        return True
    if _NUMBER.findall(a) != _NUMBER.findall(b):
        return False
    if matcher is None:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    else:
        matcher.set_seq1(a)
    # real_quick_ratio and quick_ratio are cheap upper bounds of ratio: below NEAR, ratio is too
    return matcher.real_quick_ratio() >= NEAR and matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR


def similar(a: str, b: str) -> bool:
    """True when two texts repeat or nearly repeat each other (difflib ratio of the normalised
    texts at least 0.9). Texts whose numbers differ are never near-duplicates: "Resolution 2375"
    and "Resolution 2397" name different things."""
    return _near(_norm(a), _norm(b))


def correct_markedly_longest(correct: str, others: list[str]) -> bool:
    """True when the right option is longer than every other, over 1.5 times their mean length,
    and at least 20 characters longer than that mean: students learn to pick the long one."""
    if not others:
        return False
    mean = sum(len(o) for o in others) / len(others)
    return len(correct) > max(len(o) for o in others) and len(correct) > 1.5 * mean and len(correct) - mean >= 20


class _Linter:
    """Collects warnings about the bank, each placed at a question's YAML (or its topic's)."""

    def __init__(self, lib: Library, derived: Derived) -> None:
        self.lib = lib
        self.derived = derived
        self.problems: list[Problem] = []

    def place(self, qid: str) -> tuple[Origin, Key, str, str]:
        """Where to report on a question: origin, key prefix, message prefix, and fix prefix."""
        origin = self.lib.origins.get(("question", qid))
        if origin is not None:
            return origin, (), "", ""
        topics = self.derived.question_topics.get(qid, [])
        topic_origin = self.lib.origins[("topic", topics[0])]
        key: Key = ("generate", "exclude") if ("generate",) in topic_origin.doc.marks else ("questions",)
        return (
            topic_origin,
            key,
            f"generated question '{qid}': ",
            f"leave it out with generate: exclude: [{qid}], or ",
        )

    def warn(self, qid: str, sub: Key, message: str, fix: str) -> None:
        origin, prefix, said, fixed = self.place(qid)
        where = prefix if prefix else sub
        self.problems.append(origin.problem(where, said + message, fixed + fix, warning=True))

    def options(self, qid: str, texts: Sequence[tuple[Key, str]], what: str) -> None:
        """Options of one question that repeat each other, or say 'all of the above'."""
        for j, (key, text) in enumerate(texts):
            if _ABOVE.search(text):
                self.warn(
                    qid,
                    key,
                    f"the {what} “{text}” lets students answer by elimination",
                    "replace it with a real option (or make the question select-all-that-apply)",
                )
            for i in range(j):
                if similar(texts[i][1], text):
                    same = "repeats" if _norm(texts[i][1]) == _norm(text) else "nearly repeats"
                    self.warn(
                        qid,
                        key,
                        f"this {what} {same} {what} {i + 1} (“{texts[i][1]}”)",
                        "reword one of them so that they differ clearly",
                    )
                    break

    def question(self, q: QuestionBase) -> None:
        """Every per-question check."""
        if isinstance(q, SingleChoice | MultipleChoice):
            self.options(q.id, [(("choices", i, "text"), c.text) for i, c in enumerate(q.choices)], "option")
        if isinstance(q, SingleChoice):
            right = next(i for i, c in enumerate(q.choices) if c.correct)
            others = [c.text for c in q.choices if not c.correct]
            if correct_markedly_longest(q.choices[right].text, others):
                mean = sum(map(len, others)) / len(others)
                self.warn(
                    q.id,
                    ("choices", right, "text"),
                    f"the right option is much the longest ({len(q.choices[right].text)} characters against "
                    f"{mean:.0f} on average), which gives it away",
                    "shorten it, or give the wrong options as much detail",
                )
        if isinstance(q, Matching):
            lefts: list[tuple[Key, str]] = [(("pairs", i, "left"), p.left) for i, p in enumerate(q.pairs)]
            rights: list[tuple[Key, str]] = [(("pairs", i, "right"), p.right) for i, p in enumerate(q.pairs)]
            rights += [(("distractors", i), d) for i, d in enumerate(q.distractors)]
            self.options(q.id, lefts, "prompt")
            self.options(q.id, rights, "answer")
        if isinstance(q, Ordering):
            self.options(q.id, [(("items", i), t) for i, t in enumerate(q.items)], "item")
        if isinstance(q, Cloze):
            for b, blank in enumerate(q.blanks):
                self.options(q.id, [(("blanks", b, "choices", i), c) for i, c in enumerate(blank.choices)], "choice")
                self.accepts(q.id, ("blanks", b, "accept"), blank.accept)
        if isinstance(q, ShortAnswer):
            self.accepts(q.id, ("accept",), q.accept)
            if q.pattern is not None:
                for syntax, name in _PYTHON_ONLY:
                    if syntax.search(q.pattern):
                        self.warn(
                            q.id,
                            ("pattern",),
                            f"the pattern uses {name}, which the quiz page's JavaScript does not understand",
                            "use syntax Python and JavaScript share (patterns already ignore case), "
                            "or list the answers under accept:",
                        )
                        break

    def accepts(self, qid: str, key: Key, accept: list[str]) -> None:
        for i, text in enumerate(accept):
            if not _norm(text) or not _norm(text).replace(" ", ""):
                self.warn(
                    qid,
                    (*key, i),
                    f"the accepted answer “{text}” is empty once punctuation is ignored, so it never matches",
                    "write the answer in words or digits",
                )

    def near_duplicates(self, bank: dict[str, QuestionBase]) -> None:
        """Pairs of questions whose stems nearly repeat each other.

        Comparing every pair would grow with the square of the bank, so each stem is compared
        only with stems that share one of its rarer words (two near-duplicates share nearly all
        their words) and whose length could give the ratio."""
        stems = {qid: _norm(q.stem) for qid, q in bank.items()}
        words = {qid: sorted(set(stem.split())) for qid, stem in stems.items()}
        frequency = Counter(word for found in words.values() for word in found)
        index: dict[str, list[str]] = {}
        for qid, found in words.items():
            for word in sorted(found, key=lambda w: (frequency[w], w))[:_RARE_WORDS]:
                index.setdefault(word, []).append(qid)
        pairs = {
            (a, b) if a < b else (b, a)
            for bucket in index.values()
            for i, a in enumerate(bucket)
            for b in bucket[i + 1 :]
            if not (a.startswith("gen-") and b.startswith("gen-"))
        }
        matchers: dict[str, difflib.SequenceMatcher[str]] = {}  # one per second stem, reused
        for a, b in sorted(pairs):
            short, long = sorted((len(stems[a]), len(stems[b])))
            if long > short * _LENGTH_FACTOR + 1:
                continue
            if b not in matchers:
                matchers[b] = difflib.SequenceMatcher(None, "", stems[b], autojunk=False)
            if not _near(stems[a], stems[b], matchers[b]):
                continue
            first, second = self.ordered(a, b)
            self.warn(
                second,
                ("stem",),
                f"this question nearly repeats '{first}' ({self.describe(first)})",
                "merge the two, or make them ask different things",
            )

    def ordered(self, a: str, b: str) -> tuple[str, str]:
        """The two ids with the one to report on second: a generated one, else the later in the files."""
        if a.startswith("gen-") != b.startswith("gen-"):
            return (b, a) if a.startswith("gen-") else (a, b)

        def at(qid: str) -> tuple[str, int, int, str]:
            origin = self.lib.origins.get(("question", qid))
            if origin is None:
                return ("", 0, 0, qid)
            line, col = origin.doc.where(origin.loc)
            return (origin.doc.shown, line, col, qid)

        first, second = sorted((a, b), key=at)
        return first, second

    def describe(self, qid: str) -> str:
        origin = self.lib.origins.get(("question", qid))
        if origin is not None:
            return origin.describe()
        return f"generated for topic '{self.derived.question_topics[qid][0]}'"

    def positions(self, bank: dict[str, QuestionBase]) -> None:
        """The right answer bunched in one option position across the hand-written choice questions."""
        observed: Counter[int] = Counter()
        expected: dict[int, float] = {}
        holders: dict[int, list[str]] = {}
        for qid, q in bank.items():
            if qid not in self.lib.questions or not isinstance(q, SingleChoice | MultipleChoice):
                continue
            n, right = len(q.choices), [i for i, c in enumerate(q.choices) if c.correct]
            for position in range(n):
                expected[position] = expected.get(position, 0.0) + len(right) / n
            for position in right:
                observed[position] += 1
                holders.setdefault(position, []).append(qid)
        total = sum(observed.values())
        for position in sorted(observed):
            seen, chance = observed[position], expected[position]
            if seen >= max(4, 2 * chance):
                ids = holders[position]
                self.warn(
                    self.first_in_files(ids),
                    ("choices",),
                    f"{seen} of the {total} right answers of the hand-written choice questions are option "
                    f"{position + 1} (chance would put about {chance:.0f} there), so students can guess it",
                    f"move the right answer to another position in some of: {_some(sorted(ids))}",
                )

    def first_in_files(self, ids: list[str]) -> str:
        def at(qid: str) -> tuple[str, int, int]:
            origin = self.lib.origins[("question", qid)]
            line, col = origin.doc.where(origin.loc)
            return (origin.doc.shown, line, col)

        return min(ids, key=at)


def _some(ids: list[str], most: int = 8) -> str:
    """A list of ids for a message, cut short when long."""
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown} and {len(ids) - most} more"


def bank(lib: Library, derived: Derived) -> dict[str, QuestionBase]:
    """Every question: hand-written (in a quiz or not) and generated, by id (`Derived.bank`, made
    once by derive, so that every count of the bank agrees)."""
    return derived.bank


def lint(lib: Library, derived: Derived) -> list[Problem]:
    """Warnings about the whole question bank, sorted by place."""
    linter = _Linter(lib, derived)
    questions = bank(lib, derived)
    for q in questions.values():
        linter.question(q)
    linter.near_duplicates(questions)
    linter.positions(questions)
    return sorted(set(linter.problems))
