"""Shuffled versions A, B, C … of a topic's quiz: question order, option order, and a version code.

A version is fixed by the topic's content, the seed and its letter, so that the printed sheet, its
answer key and the online quiz at `quiz.html?version=B` always show the same order. Every question
is one block (a cloze carries its passage, an ordering question its list), so shuffling whole
questions never separates what belongs together. Open questions stay at the end, where the sheet
has room to write, and options that are a scale (a claim question's Accurate … Unverified) keep the
scale's order.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from dataclasses import dataclass, field

from primer.content.models import Matching, MultipleChoice, Ordering, QuestionBase, SingleChoice, Topic

#: The most versions a handout can have: one per letter.
MAX_VERSIONS = 26
#: The seed `primer build` uses, so that the site's quiz and its handouts agree.
DEFAULT_SEED = 1
#: The number of versions `primer build` writes.
DEFAULT_VERSIONS = 3
#: Letters of a version code: no 0/O, 1/I/L or U, which read alike on paper.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Version:
    """One version of a quiz: its letter, code, question order and the order of each question's parts."""

    letter: str
    code: str
    #: question ids in the order the version shows them
    order: list[str]
    #: question id → the order its choices (single, multiple), items (ordering) or right-hand
    #: answers (matching: pairs first, then distractors) are shown in, as indexes into the content's lists
    parts: dict[str, list[int]] = field(default_factory=dict)

    def number(self, question_id: str) -> int:
        """The question's number (from 1) in this version."""
        return self.order.index(question_id) + 1


def kind(question: QuestionBase) -> str:
    """A question's type: single, multiple, true-false … (declared by each question class, not the base)."""
    return str(getattr(question, "type", ""))


def content_hash(topic: Topic, quiz: list[QuestionBase]) -> str:
    """A hash of everything a handout of this topic shows, so that a code changes with the content (worked out
    once per topic and questions, as objects: the items are frozen, so the same objects hash the same)."""
    key = (id(topic), *map(id, quiz))
    kept = _HASHES.get(key)
    if kept is None:
        if len(_HASHES) >= _KEPT:
            _HASHES.clear()
        data = {"topic": topic.model_dump(mode="json"), "quiz": [q.model_dump(mode="json") for q in quiz]}
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        kept = _HASHES[key] = (topic, list(quiz), digest)
    return kept[2]


#: `content_hash` by the identities of the topic and of its questions, with them (kept alive, so that no other
#: object takes their identity while the entry exists). A topic's quiz page, teacher page and handouts each
#: ask for it, on up to three processes: a first build works it out for every topic before they fork
#: (`known_hashes`), 0.12 s at 256 topics once rather than three times.
_HASHES: dict[tuple[int, ...], tuple[Topic, list[QuestionBase], str]] = {}
#: The most entries `_HASHES` holds before it starts again (`primer serve` builds again and again).
_KEPT = 4096


def known_hashes(quizzes: list[tuple[Topic, list[QuestionBase]]]) -> None:
    """Work out `content_hash` of each (topic, quiz), for the processes forked from here to find."""
    for topic, quiz in quizzes:
        content_hash(topic, quiz)


def letters(count: int) -> list[str]:
    """The letters of `count` versions: A, B, C …"""
    return list(string.ascii_uppercase[:count])


def _rng(*parts: object) -> random.Random:
    seed = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


def _code(digest: str, topic_id: str, seed: int, letter: str) -> str:
    raw = hashlib.sha256(f"{digest}:{topic_id}:{seed}:{letter}".encode()).digest()
    number = int.from_bytes(raw[:8], "big")
    chars = []
    for _ in range(6):
        number, rest = divmod(number, len(_CODE_ALPHABET))
        chars.append(_CODE_ALPHABET[rest])
    return f"{letter}-{''.join(chars)}"


#: Options that are a scale, in the scale's order: no version and no retry shuffles them.
SCALES = frozenset(
    ["accurate", "mostly accurate", "partly accurate", "inaccurate", "wrong", "misleading", "unverified", "false"]
)


def is_scale(question: QuestionBase) -> bool:
    """Whether a question's options are a scale ('Accurate', 'Partly accurate', …) to keep in order."""
    if not isinstance(question, SingleChoice):
        return False
    return all(c.text.strip(" .").casefold() in SCALES for c in question.choices)


def _part_count(question: QuestionBase) -> int:
    """How many parts of `question` a version shuffles: its choices, items, or pairs and distractors."""
    if isinstance(question, SingleChoice | MultipleChoice):
        return len(question.choices)
    if isinstance(question, Ordering):
        return len(question.items)
    if isinstance(question, Matching):
        return len(question.pairs) + len(question.distractors)
    return 0


def _shuffle(rng: random.Random, count: int, avoid_identity: bool) -> list[int]:
    order = list(range(count))
    for _ in range(8):
        rng.shuffle(order)
        if not avoid_identity or order != sorted(order) or count < 2:
            break
    return order


def make_versions(topic: Topic, quiz: list[QuestionBase], count: int, seed: int) -> list[Version]:
    """`count` shuffled versions of a topic's quiz, A first; the same input always gives the same versions."""
    digest = content_hash(topic, quiz)
    closed = [q.id for q in quiz if kind(q) != "open"]
    open_ = [q.id for q in quiz if kind(q) == "open"]
    found = []
    for letter in letters(count):
        rng = _rng(digest, topic.id, seed, letter)
        order = [closed[i] for i in _shuffle(rng, len(closed), avoid_identity=False)] + open_
        parts: dict[str, list[int]] = {}
        for question in quiz:
            n = _part_count(question)
            if n:
                # An ordering question shown in its right order would give the answer away.
                shuffled = _shuffle(rng, n, avoid_identity=kind(question) == "ordering")
                # A scale (Accurate, Partly accurate, Wrong …) reads in its own order on every version.
                parts[question.id] = list(range(n)) if is_scale(question) else shuffled
        found.append(Version(letter, _code(digest, topic.id, seed, letter), order, parts))
    return found


def versions_json(versions: list[Version]) -> dict[str, dict[str, object]]:
    """The versions as plain data for the online quiz: letter → code, question order, part orders."""
    return {v.letter: {"code": v.code, "order": v.order, "parts": v.parts} for v in versions}
