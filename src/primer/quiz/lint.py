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
  JavaScript does not understand (the page checks answers in JavaScript);
- typed answers (short answers and typed cloze blanks) that would accept too much under the
  tolerant rules of `primer.quiz.scoring` (a response that *contains* an accepted answer is
  right): an accepted answer that is a stop word or one or two letters long, a short answer's
  accepted answer that is a common word of the lesson's language (wordfreq's Zipf frequency of
  5 or more), or an accepted answer that would also accept a wrong option or another
  question's answer in the same quiz that is at most 3 words longer ("Kono" and a wrong option
  "Kono Statement").

And one kind of error, which fails `primer check` and the build: the text lint. Students must
see sentences, never machinery, so no student-facing string of any question (stem, options and
their feedback, answers, explanation, items, pairs, blanks, model answer, rubric) may hold:

- an id: a content reference (`point:…`, `term:…`, `event:…`, `source:` …), a generated
  question's id (`gen-term-…`), or a token equal to a hyphenated id of the lesson
  (`a-china-only-source`) that is not also a word the lesson uses (a term named `hit-to-kill`);
- template punctuation: `A(n)`;
- Markdown that would show as typed: in plain-text fields, `**`, `__`, backticks, a link
  `[text](…)`, or a leading `>` or `#`; in a stem (which is rendered), whatever Markdown leaves
  behind in the rendered text.

A question that tests nothing is an error, reported by validation (`primer.content.library`).
A generated question's finding is reported at its topic, with how to exclude it; a text-lint
error on one names its generator and what it was made from.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from primer import facts, memo
from primer.content.library import Library, Origin
from primer.content.load import Key
from primer.content.models import (
    BLANK,
    Cloze,
    Matching,
    MultipleChoice,
    OpenResponse,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    Term,
    TrueFalse,
)
from primer.content.terms import term_names
from primer.errors import Problem
from primer.memo import Memo, identities
from primer.quiz.backtrack import slow_pattern
from primer.quiz.scoring import fold, matches_answer, same_answer
from primer.reads import value_hash
from primer.render.markdown import shown_text, typed_entity

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


#: A content reference typed as text ('point:a-claim'); the schemes of Markdown content links.
_REFERENCE = re.compile(r"(?<![\w/.-])(?:point|term|event|source|topic|actor|place|question):[a-z0-9]", re.IGNORECASE)
#: A generated question's id.
_GENERATED = re.compile(r"(?<![\w-])gen-[a-z]+-[0-9a-f]{6,}(?![\w-])")
#: Template punctuation for an article.
_A_N = re.compile(r"(?<!\w)[Aa]n?\(n\)")
#: A lower-case hyphenated token, the shape of most ids. Possessive (`++`): a shorter run, or fewer parts, would
#: end before a letter, digit or hyphen, which the end's test refuses, so the engine need not try them (a
#: third of the time over a lesson's prose).
_HYPHENATED = re.compile(r"(?<![\w-])[a-z0-9]++(?:-[a-z0-9]++)++(?![\w-])")
_BOLD = re.compile(r"\*\*|__")
_TICK = re.compile(r"`")
_MD_LINK = re.compile(r"\[[^\]\n]*\]\([^)\n]*\)")
#: Markdown that a plain-text field would show as typed.
_PLAIN_MARKUP = (
    (_BOLD, "bold marks (** or __)"),
    (_TICK, "a backtick"),
    (_MD_LINK, "a Markdown link [text](…)"),
    (re.compile(r"^\s*>"), "a leading '>' (a Markdown quote)"),
    (re.compile(r"^\s*#"), "a leading '#' (a Markdown heading)"),
)
#: What Markdown leaves in a rendered stem when it was not written as Markdown intends.
_LEFT_MARKUP = (
    (_BOLD, "bold marks (** or __) that do not pair up"),
    (_TICK, "a backtick that does not pair up"),
    (_MD_LINK, "a link [text](…) that Markdown did not read as a link"),
)
#: A character that each of `_machinery`'s findings holds: a reference's colon, a generated id's or another
#: id's hyphen, "(n)", bold marks, a backtick, a link's "](", a quote's '>', a heading's '#', an entity's '&'.
#: A text without one holds none of them (their searches took 0.22 s of a 256-topic lesson's check).
_MAY_HOLD_MACHINERY = re.compile(r"[:\-(*_`\]>#&]")
#: The generator of each kind of generated id (`gen-KIND-…`).
_GENERATOR_OF = {
    "term": "glossary",
    "acronym": "glossary",
    "first": "timeline",
    "order": "timeline",
    "claim": "points",
    "wording": "framing",
    "framing": "framing",
}


def _rendered(stem: str) -> str:
    """The text a student sees of a Markdown stem, with its lines (cloze markers left out)."""
    # the render's own parse (the same Markdown settings)
    return shown_text(BLANK.sub("", stem))


def student_texts(q: QuestionBase) -> list[tuple[Key, str, bool]]:
    """Every student-facing string of a question: (key, text, whether it is Markdown)."""
    found: list[tuple[Key, str, bool]] = [(("stem",), q.stem, True), (("explanation",), q.explanation, False)]
    if isinstance(q, SingleChoice | MultipleChoice):
        for i, choice in enumerate(q.choices):
            found += [
                (("choices", i, "text"), choice.text, False),
                (("choices", i, "feedback"), choice.feedback, False),
            ]
    if isinstance(q, TrueFalse):
        found += [(("feedback_true",), q.feedback_true, False), (("feedback_false",), q.feedback_false, False)]
    if isinstance(q, ShortAnswer):
        found += [(("accept", i), text, False) for i, text in enumerate(q.accept)]
    if isinstance(q, Ordering):
        found += [(("items", i), text, False) for i, text in enumerate(q.items)]
    if isinstance(q, Matching):
        for i, pair in enumerate(q.pairs):
            found += [(("pairs", i, "left"), pair.left, False), (("pairs", i, "right"), pair.right, False)]
        found += [(("distractors", i), text, False) for i, text in enumerate(q.distractors)]
    if isinstance(q, Cloze):
        for b, blank in enumerate(q.blanks):
            found += [(("blanks", b, "accept", i), text, False) for i, text in enumerate(blank.accept)]
            found += [(("blanks", b, "choices", i), text, False) for i, text in enumerate(blank.choices)]
    if isinstance(q, OpenResponse):
        found.append((("model_answer",), q.model_answer, False))
        found += [(("rubric", i, "criterion"), c.criterion, False) for i, c in enumerate(q.rubric)]
    return found


def _ids(lib: Library) -> frozenset[str]:
    """The lesson's hyphenated ids that are not also words its own prose uses ('missile-defense'
    in "a missile-defense network", a term named 'hit-to-kill')."""
    tables: list[dict[str, Any]] = [
        lib.sources, lib.points, lib.terms, lib.actors, lib.events, lib.places, lib.topics, lib.objectives,
        lib.questions,
    ]  # fmt: skip
    # made each time: each table's words are kept by its items (`_GROUP_WORDS`), and a key of every item
    # would cost more than the rest (a memo of the whole by the tables, as lists made here, never matched)
    return _made_ids(lib, tables)


#: `machinery` by its arguments.
_MACHINERY: Memo[tuple[str, bool, frozenset[str]], list[str]] = Memo()


def _made_ids(lib: Library, tables: list[dict[str, Any]]) -> frozenset[str]:
    ids = {item for table in tables for item in table if "-" in item}
    terms = list(lib.terms.values())
    named = partial(_name_words, terms)
    words: set[str] = set(_NAME_WORDS.get(identities(terms), named, keep=terms) if memo.on() else named())
    kept = facts.kept()
    by_file: dict[str, list[tuple[str, Any]]] = {}
    per_file = kept.keeps and not memo.on()  # else each item's words, kept by the item in this process
    for kind, table in (
        ("term", lib.terms), ("actor", lib.actors), ("place", lib.places), ("event", lib.events),
        ("point", lib.points), ("topic", lib.topics),
    ):  # fmt: skip
        if not per_file:
            # a table whose items are all as they were (the same objects) has the words it had: a save that
            # changes a topic reads the topics again, not the thousands of points; the points source by source
            # (a source's edit reads its own again, not the 5,078 points at 256 topics)
            groups: list[list[Any]] = (
                [list(source.points) for source in lib.sources.values()] if kind == "point" else [list(table.values())]
            )
            for group in groups:
                made_words = partial(_words_of_table, kind, group)
                words |= _GROUP_WORDS.get((kind, identities(group)), made_words, keep=group)
            continue
        for item_id, item in table.items():
            digest = lib.origins[(kind, item_id)].doc.digest
            if digest:
                by_file.setdefault(digest, []).append((kind, item))
            else:
                words |= _prose_words(kind, item)
    for digest, items in by_file.items():
        # an item is made from its file alone: the words of a file's items are kept by the file's hash
        made = partial(facts.key, "hyphenated words of a file", digest, repr([(kind, item.id) for kind, item in items]))
        words |= kept.get(made, partial(_words_of_all, items))
    found = frozenset(ids - words)
    return _SAME_IDS.get(found, lambda: found)  # one object for equal sets: `machinery`'s memo compares it


#: The glossary's names as hyphenated words (`_name_words`), by the terms (as objects, see `primer.memo`).
_NAME_WORDS: Memo[tuple[int, ...], frozenset[str]] = Memo()


def _name_words(terms: list[Term]) -> frozenset[str]:
    """Each name of each of `terms`, lower case, its words joined by hyphens ('x-band-radar')."""
    return frozenset("-".join(name.lower().split()) for term in terms for name in term_names(term))


#: The hyphenated words of an item's prose, by the item (see `primer.memo`).
_WORDS: Memo[int, frozenset[str]] = Memo()
#: The last sets of ids, each by itself.
_SAME_IDS: Memo[frozenset[str], frozenset[str]] = Memo(limit=4)


def _prose_words(kind: str, item: Any) -> frozenset[str]:
    """The hyphenated words of an item's prose (`kind`: its kind's name in `Library.origins`)."""
    if kind == "term":
        return _words_of(item, (*term_names(item), item.definition))
    if kind == "actor":
        return _words_of(item, (f"{item.name} {item.role}",))
    if kind == "place":
        return _words_of(item, (item.name,))
    if kind == "event":
        return _words_of(item, (item.title,))
    if kind == "point":
        return _words_of(item, (f"{item.text} {item.correction or ''} {item.basis or ''}",))
    return _words_of(item, tuple(s.body for s in item.sections), markdown=True)


#: The hyphenated words of a table's items, or of a source's points, by the kind and the items (as objects, see
#: `primer.memo`).
_GROUP_WORDS: Memo[tuple[str, tuple[int, ...]], frozenset[str]] = Memo()


def _words_of_table(kind: str, items: list[Any]) -> frozenset[str]:
    """The hyphenated words of the prose of `items`, all of kind `kind` (see `_prose_words`)."""
    return frozenset().union(*(_prose_words(kind, item) for item in items))


def _words_of_all(items: list[tuple[str, Any]]) -> frozenset[str]:
    """The hyphenated words of the prose of `items` (kind, item), as `_prose_words` reads each."""
    with facts.keeping(facts.Facts()):  # made here: the file's key keeps the whole
        return frozenset().union(*(_prose_words(kind, item) for kind, item in items))


def _words_of(item: object, prose: tuple[str, ...], markdown: bool = False) -> frozenset[str]:
    """The hyphenated words of `item`'s texts `prose` (Markdown: of the text shown), kept by the item in this
    process and by the texts between commands (`primer.facts.kept`)."""

    def make() -> frozenset[str]:
        made = partial(facts.key, "hyphenated words", markdown, repr(prose))
        return facts.kept().get(made, partial(_hyphenated, prose, markdown))

    return _WORDS.get(id(item), make, keep=item)


def _hyphenated(prose: tuple[str, ...], markdown: bool) -> frozenset[str]:
    shown = [_rendered(text) for text in prose] if markdown else prose
    # a text without a hyphen has no such word (most: the pattern begins with a look-behind, tried everywhere)
    return frozenset(w for text in shown if "-" in text for w in _HYPHENATED.findall(text.lower()))


def _digest_of(ids: frozenset[str]) -> str:
    """The hash of a set of ids (a key part for `primer.facts`), kept by the set's identity: a cache by its
    value would compare an equal set made by a later build in the same process with the one it holds, all
    of its tens of thousands of ids, at each of the lesson's questions (10 s at 256 topics)."""
    found = _DIGESTS.get(id(ids))
    if found is not None and found[0] is ids:
        return found[1]
    made = hashlib.blake2b("\n".join(sorted(ids)).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    _DIGESTS[id(ids)] = (ids, made)  # with the set itself, so that no other object takes its identity
    while len(_DIGESTS) > 4:
        del _DIGESTS[next(iter(_DIGESTS))]
    return made


#: `_digest_of` by the set's identity: the last four sets, each with its digest.
_DIGESTS: dict[int, tuple[frozenset[str], str]] = {}


#: `_machinery_in` by the question and the set of ids, as objects (`_made_ids` hands out one object for
#: equal sets).
_MACHINERY_IN: Memo[tuple[int, int], list[tuple[Key, list[str]]]] = Memo()


def _machinery_in(q: QuestionBase, ids: frozenset[str], digest: Callable[[], str]) -> list[tuple[Key, list[str]]]:
    """Each student-facing text of `q` with machinery in it: its key, and what `machinery` found. Kept by the
    question in this process, and between commands by the question's hash, which `digest` gives
    (`Derived.digest`: `primer.facts.kept`)."""

    def make() -> list[tuple[Key, list[str]]]:
        kept = facts.kept()
        if not kept.keeps:
            texts = student_texts(q)
            return [(key, found) for key, text, markdown in texts if (found := machinery(text, markdown, ids))]

        def read() -> tuple[tuple[int, tuple[str, ...]], ...]:
            return tuple(
                (i, tuple(found))
                for i, (_, text, markdown) in enumerate(student_texts(q))
                if (found := _machinery(text, markdown, ids))
            )

        seen = kept.get(facts.key("machinery", _digest_of(ids), digest()), read)
        if not seen:
            return []
        texts = student_texts(q)
        return [(texts[i][0], list(found)) for i, found in seen]

    return _MACHINERY_IN.get((id(q), id(ids)), make, keep=(q, ids))


def machinery(text: str, markdown: bool, ids: frozenset[str]) -> list[str]:
    """What in one student-facing text is machinery rather than a sentence (empty: nothing)."""
    return list(_MACHINERY.get((text, markdown, ids), partial(_machinery, text, markdown, ids)))


def _machinery(text: str, markdown: bool, ids: frozenset[str]) -> list[str]:
    shown = _rendered(text) if markdown else text
    if not _MAY_HOLD_MACHINERY.search(shown):
        return []  # most texts: none of the characters the patterns below start with or need
    found: list[str] = []
    for pattern, what in (
        (_REFERENCE, "a content reference"),
        (_GENERATED, "a generated question's id"),
        (_A_N, "template punctuation"),
    ):
        match = pattern.search(shown)
        if match:
            found.append(
                f"{what} (“{match.group(0)}…”)" if what == "a content reference" else f"{what} (“{match.group(0)}”)"
            )
    token = next((t for t in _HYPHENATED.findall(shown) if t in ids), None)
    if token is not None:
        found.append(f"the id “{token}”")
    if markdown:
        markup = [(pattern, what) for pattern, what in _LEFT_MARKUP]
        lines = shown.splitlines()
    else:
        markup = list(_PLAIN_MARKUP)
        lines = [text]
        entity = typed_entity(text)  # only Markdown decodes one
        if entity is not None:
            found.append(f"an HTML entity (“{entity}”)")
    for pattern, what in markup:
        if any(pattern.search(line) for line in lines):
            found.append(what)
    return found


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
    if 2.0 * min(len(a), len(b)) / (len(a) + len(b)) < NEAR:  # real_quick_ratio, before indexing `b`
        return False
    if matcher is None:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    else:
        matcher.set_seq1(a)
    # real_quick_ratio and quick_ratio are cheap upper bounds of ratio: below NEAR, ratio is too
    return matcher.real_quick_ratio() >= NEAR and matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR


def _letter_masks(texts: dict[str, str]) -> dict[str, int]:
    """Each text's characters with their repeats as the bits of one number: the k-th occurrence of a
    character c sets bit k - 1 of c's own run of bits. Two texts' masks have as many bits in common as
    the texts have characters in common, counted with repeats (what difflib's quick_ratio counts), and
    Python counts them without a loop."""
    counts = {key: Counter(text) for key, text in texts.items()}
    most: dict[str, int] = {}
    for found in counts.values():
        for ch, n in found.items():
            most[ch] = max(most.get(ch, 0), n)
    offset: dict[str, int] = {}
    at = 0
    for ch in sorted(most):
        offset[ch] = at
        at += most[ch]
    return {key: sum(((1 << n) - 1) << offset[ch] for ch, n in found.items()) for key, found in counts.items()}


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


def near_pairs(stems: dict[str, str]) -> list[tuple[str, str]]:
    """The pairs of questions whose normalised stems (by id) nearly repeat each other (`_near`), each in id
    order, sorted.

    Comparing every pair would grow with the square of the bank, so each stem is compared only with stems
    that share one of its rarer words (two near-duplicates share nearly all their words) and whose length
    could give the ratio; two generated stems are never compared. Each word's hand-written stems are kept
    in order of length, so that a stem meets only those in its window of lengths. Most such pairs still
    differ in many letters, which `_letter_masks` shows (`_close_in_letters`) before difflib."""
    words = {qid: sorted(set(stem.split())) for qid, stem in stems.items()}
    frequency = Counter(word for found in words.values() for word in found)
    # the stems by number, in id order
    ids = sorted(stems)
    sizes = [len(stems[qid]) for qid in ids]
    # each rare word's stems: the hand-written ones and the generated ones
    buckets: dict[str, tuple[list[int], list[int]]] = {}
    for k, qid in enumerate(ids):
        for word in sorted(words[qid], key=lambda w: (frequency[w], w))[:_RARE_WORDS]:
            buckets.setdefault(word, ([], []))[qid.startswith("gen-")].append(k)
    masks = _letter_masks(stems)
    pairs = _close_in_letters([masks[qid] for qid in ids], sizes, list(buckets.values()))
    found = []
    matchers: dict[str, difflib.SequenceMatcher[str]] = {}  # one per second stem, reused
    for k, j in sorted(pairs):
        a, b = ids[k], ids[j]
        if b not in matchers:
            matchers[b] = difflib.SequenceMatcher(None, "", stems[b], autojunk=False)
        if _near(stems[a], stems[b], matchers[b]):
            found.append((a, b))
    return found


#: How many pairs `_close_in_letters` compares at once (a few hundred kilobytes of masks: faster than more).
_AT_ONCE = 8192


def _close_in_letters(
    masks: list[int], sizes: list[int], buckets: list[tuple[list[int], list[int]]]
) -> set[tuple[int, int]]:
    """The pairs of stems (by number, the smaller first) that meet in a bucket (its hand-written stems, its
    generated ones: see `near_pairs`), within each other's window of lengths, and whose letters in common
    (difflib's quick_ratio, exactly: `_letter_masks`) could give the ratio. The pairs of a large lesson are
    millions (the words of its stems are few), so they are compared as arrays, not one by one (2.0 → 0.9 s
    at 1,024 topics): each mask as words of 64 bits, the letters in common counted by `bitwise_count`."""
    import numpy as np  # imported by the map too; only here for the lint

    width = max(1, (max((mask.bit_length() for mask in masks), default=0) + 63) // 64)
    letters = np.frombuffer(b"".join(mask.to_bytes(width * 8, "little") for mask in masks), dtype="<u8")
    letters = letters.reshape(len(masks), width)
    length = np.array(sizes, dtype=np.int64)
    found: list[Any] = []
    for written, made in buckets:
        if not written:
            continue
        mine = np.array(written, dtype=np.int64)
        mine = mine[np.argsort(length[mine], kind="stable")]  # hand-written stems by length
        lengths = length[mine]
        for side, generated in ((mine, False), (np.array(made, dtype=np.int64), True)):
            if not len(side):
                continue
            size = length[side]
            # a hand-written stem meets those after it (as long or longer), a generated one every hand-written
            # stem its length allows (a margin of one for rounding: the test is below)
            end = np.searchsorted(lengths, size * _LENGTH_FACTOR + 1, side="right")
            if generated:
                start = np.searchsorted(lengths, (size - 1) / _LENGTH_FACTOR - 1, side="left")
            else:
                start = np.arange(1, len(side) + 1)
            count = np.maximum(end - start, 0)
            reach = np.cumsum(count)
            # the stems of the side a few at a time, so that their pairs are some thousands at once (a common
            # word's bucket has millions: as arrays, hundreds of megabytes)
            low = 0
            while low < len(side):
                high = max(low + 1, int(np.searchsorted(reach, reach[low] - count[low] + _AT_ONCE, side="right")))
                many = count[low:high]
                total = int(many.sum())
                if total:
                    # every (stem, other) of these windows, in one pair of arrays
                    a = np.repeat(side[low:high], many)
                    b = mine[
                        np.repeat(start[low:high], many) + np.arange(total) - np.repeat(np.cumsum(many) - many, many)
                    ]
                    short, long = np.minimum(length[a], length[b]), np.maximum(length[a], length[b])
                    common = np.bitwise_count(letters[a] & letters[b]).sum(axis=1, dtype=np.int64)
                    close = (long <= short * _LENGTH_FACTOR + 1) & (2.0 * common / (short + long) >= NEAR)
                    found.append(np.stack([np.minimum(a, b)[close], np.maximum(a, b)[close]], axis=1))
                low = high
    return {(k, j) for pairs in found for k, j in pairs.tolist()}


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
        key: Key = ("generate", "exclude") if topic_origin.doc.has(("generate",)) else ("questions",)
        return (
            topic_origin,
            key,
            f"generated question '{qid}': ",
            f"leave it out with generate: exclude: [{qid}], or ",
        )

    def _digest(self, q: QuestionBase) -> str:
        """The hash of the question as it is (`Derived.digest`), or of a question not in the bank."""
        if self.derived.bank.get(q.id) is q:
            return self.derived.digest(q.id)
        return value_hash(q)

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
        """Every per-question check; kept between commands by what they read (`primer.facts.kept`): the
        question's texts, which options are right, its pattern, and the lesson's language."""
        kept = facts.kept()
        if not kept.keeps:
            self._question(q)
            return
        language = self.lib.site.language

        def make() -> tuple[tuple[Key, str, str], ...]:
            made = facts.key("question lint", language, self._digest(q))
            return kept.get(made, partial(_Recorder.of, self.lib, self.derived, q))

        # and by the question, as an object, in a process that checks again (see `primer.memo`): a save that
        # made no question anew finds each here, without hashing its 5,700 keys (at 256 topics)
        said = _SAID.get((id(q), language), make, keep=q) if memo.on() else make()
        for sub, message, fix in said:
            self.warn(q.id, sub, message, fix)

    def _question(self, q: QuestionBase) -> None:
        """Every per-question check, made here."""
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
                self.accepts(q.id, ("blanks", b, "accept"), blank.accept, blank=True)
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
                if slow_pattern(q.pattern):
                    self.warn(
                        q.id,
                        ("pattern",),
                        "the pattern repeats a part that itself repeats, with nothing between the rounds that "
                        "the inner repeat cannot take too (as in '(\\w+\\s?)+'): on a wrong answer of some 30 "
                        "letters, the quiz page would try so many ways to split it that it freezes for minutes",
                        "end each round with something the inner repeat cannot match, as in '(\\w+ )+', drop "
                        "the outer repeat, or list the answers under accept:",
                    )

    def accepts(self, qid: str, key: Key, accept: list[str], *, blank: bool = False) -> None:
        """Accepted typed answers that never match, or would match too much (in a cloze `blank`, which
        sits in a sentence, a common word is the natural answer: only stop words and one or two
        letters are too loose there)."""
        for i, text in enumerate(accept):
            if not _norm(text) or not _norm(text).replace(" ", ""):
                self.warn(
                    qid,
                    (*key, i),
                    f"the accepted answer “{text}” is empty once punctuation is ignored, so it never matches",
                    "write the answer in words or digits",
                )
                continue
            loose = _too_loose(text, self.lib.site.language, common=not blank)
            if loose:
                self.warn(
                    qid,
                    (*key, i),
                    f"the accepted answer “{text}” is {loose}: a response that contains it as a word is right, "
                    "so it would accept too much",
                    "accept a longer, more distinctive answer, or ask for one",
                )

    def text(self, q: QuestionBase, ids: frozenset[str]) -> None:
        """The text lint: errors for machinery in a student-facing string (see the module docstring)."""
        for key, found in _machinery_in(q, ids, partial(self._digest, q)):
            what = "; ".join(found)
            origin = self.lib.origins.get(("question", q.id))
            if origin is not None:
                self.problems.append(
                    origin.problem(
                        key,
                        f"students would see {what} in this text",
                        "write what a student should read: plain words (Markdown works in the stem only; cite "
                        "there with [words](point:ID))",
                    )
                )
                continue
            topic = self.derived.question_topics[q.id][0]
            topic_origin, prefix, _, _ = self.place(q.id)
            generator = _GENERATOR_OF.get(q.id.split("-")[1], "a")
            made = ", ".join(self.derived.generated_from.get(q.id, [])) or "the content"
            self.problems.append(
                topic_origin.problem(
                    prefix,
                    f"the {generator} generator's question '{q.id}' for topic '{topic}' would show students "
                    f"{what} in its {_field(key)}",
                    f"reword the content it is made from ({made}), or leave it out with generate: exclude: [{q.id}]",
                )
            )

    def shared_answers(self, quiz: list[QuestionBase]) -> None:
        """Typed answers that another question's options or answers in the same quiz contain."""
        if not any(_typed_answers(q) for q in quiz):
            return

        def read() -> bytes:  # it reads the quiz's answers and options alone: kept by them between commands
            return facts.key("shared answers", repr([(q.id, _typed_answers(q), _wrong_or_typed(q)) for q in quiz]))

        def make() -> tuple[tuple[str, Key, str, str, str], ...]:
            return facts.kept().get(read, partial(_shared_answers, quiz))

        # and by the questions, as objects, in a process that checks again (see `primer.memo`)
        found = _SHARED.get(identities(quiz), make, keep=quiz) if memo.on() else make()
        for qid, key, accepted, other, text in found:
            self.warn(
                qid,
                key,
                f"the accepted answer “{accepted}” would also accept “{text}”, a wrong option or "
                f"another answer in question '{other}' of the same quiz",
                "accept a more distinctive answer, or reword the other question",
            )

    def near_duplicates(self, bank: dict[str, QuestionBase]) -> None:
        """Pairs of questions whose stems nearly repeat each other (see `near_pairs`). The pairs depend on the
        stems alone: they are kept between commands by all of them (`primer.facts.kept`), and an edit that
        changes no stem (most do not) finds them without comparing any (0.2 s at 256 topics)."""

        def make() -> list[tuple[str, str]]:
            stems = {qid: _norm(q.stem) for qid, q in bank.items()}
            return facts.kept().get(
                lambda: facts.key("near pairs", *(part for item in stems.items() for part in item)),
                partial(near_pairs, stems),
            )

        if memo.on():  # and by the questions, as objects, in a process that checks again (see `primer.memo`)
            questions = list(bank.values())
            pairs = _NEAR.get(identities(questions), make, keep=questions)
        else:
            pairs = make()
        for a, b in pairs:
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


#: A typed answer at least this frequent in the lesson's language is a common word (Zipf scale:
#: 5 is once in 100,000 words, about the 2,000 most common words of English).
COMMON_ZIPF = 5.0
#: The most frequent words of the language count as stop words.
STOP_WORDS = 100


def _language(tag: str) -> str:
    return tag.split("-")[0].lower()


def _too_loose(accepted: str, language: str, *, common: bool = True) -> str:
    """Why an accepted answer would accept too much by containment ('' when it would not)."""
    folded = fold(accepted)
    if " " in folded or any(ch.isdigit() for ch in folded):
        return ""
    if len(folded) <= 2:
        return f"{len(folded)} letter{'s' * (len(folded) != 1)} long"
    import wordfreq  # its word lists take a moment to load: only when a lesson has such an answer

    lang = _language(language)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # wordfreq warns about languages it only partly knows
        try:
            if folded in wordfreq.top_n_list(lang, STOP_WORDS):
                return "a stop word"
            if common and wordfreq.zipf_frequency(folded, lang) >= COMMON_ZIPF:
                return "a common word"
        except LookupError:  # a language wordfreq does not know
            return ""
    return ""


class _Recorder(_Linter):
    """A linter that records what it would say, unplaced (`_Linter.question` keeps it)."""

    def __init__(self, lib: Library, derived: Derived) -> None:
        super().__init__(lib, derived)
        self.said: list[tuple[Key, str, str]] = []

    def warn(self, qid: str, sub: Key, message: str, fix: str) -> None:
        """Record the warning."""
        self.said.append((sub, message, fix))

    @classmethod
    def of(cls, lib: Library, derived: Derived, q: QuestionBase) -> tuple[tuple[Key, str, str], ...]:
        """What the per-question checks say about `q`."""
        recorder = cls(lib, derived)
        recorder._question(q)
        return tuple(recorder.said)


#: What the per-question checks say about a question, by the question (as an object) and the lesson's language.
_SAID: Memo[tuple[int, str], tuple[tuple[Key, str, str], ...]] = Memo()
#: `shared_answers`' findings by the quiz's questions, and `near_duplicates`' pairs by the bank's, as objects.
_SHARED: Memo[tuple[int, ...], tuple[tuple[str, Key, str, str, str], ...]] = Memo()
_NEAR: Memo[tuple[int, ...], list[tuple[str, str]]] = Memo(limit=4)


def _shared_answers(quiz: list[QuestionBase]) -> tuple[tuple[str, Key, str, str, str], ...]:
    """Each typed answer in `quiz` that another question's wrong option or typed answer would match: the
    question, the answer's key and text, the other question and its text."""
    found = []
    for q in quiz:
        own = [a for _, a in _typed_answers(q)]
        for key, accepted in _typed_answers(q):
            other = next(
                (
                    (r.id, text)
                    for r in quiz
                    if r.id != q.id
                    for text in _wrong_or_typed(r)
                    if _name_like(text, accepted) and not any(same_answer(text, a) for a in own)
                ),
                None,
            )
            if other is not None:
                found.append((q.id, key, accepted, *other))
    return tuple(found)


def _typed_answers(q: QuestionBase) -> list[tuple[Key, str]]:
    """The accepted answers a student types (short answers, typed cloze blanks), with their keys."""
    if isinstance(q, ShortAnswer):
        return [(("accept", i), a) for i, a in enumerate(q.accept)]
    if isinstance(q, Cloze):
        return [(("blanks", b, "accept", i), a) for b, blank in enumerate(q.blanks) for i, a in enumerate(blank.accept)]
    return []


#: A wrong option or another answer at most this many words longer than an accepted answer that
#: it contains reads as another name for something ("Kono Statement" for "Kono").
NAME_LIKE_EXTRA_WORDS = 3


def _name_like(text: str, accepted: str) -> bool:
    """Whether `text` would be accepted for `accepted` and is only a little longer: another name."""
    return (
        matches_answer(text, accepted)
        and len(fold(text).split()) - len(fold(accepted).split()) <= NAME_LIKE_EXTRA_WORDS
    )


def _wrong_or_typed(q: QuestionBase) -> list[str]:
    """A question's wrong options (choices, matching distractors, cloze choices) and its typed answers."""
    if isinstance(q, SingleChoice | MultipleChoice):
        return [c.text for c in q.choices if not c.correct]
    if isinstance(q, Matching):
        return list(q.distractors)
    if isinstance(q, Cloze):
        return [text for b in q.blanks for text in [*(c for c in b.choices if c != b.answer), *b.accept]]
    if isinstance(q, ShortAnswer):
        return list(q.accept)
    return []


def _field(key: Key) -> str:
    """A question's field as words: 'stem', 'option 2', 'feedback of option 2', 'item 3' …"""
    if key[0] == "choices":
        return f"option {int(key[1]) + 1}" if key[2] == "text" else f"feedback of option {int(key[1]) + 1}"
    if key[0] in ("items", "accept", "distractors"):
        return f"{str(key[0]).rstrip('s')} {int(key[1]) + 1}"
    if key[0] == "pairs":
        return f"pair {int(key[1]) + 1}"
    if key[0] == "blanks":
        return f"blank {int(key[1]) + 1}"
    return str(key[0]).replace("_", " ")


def _some(ids: list[str], most: int = 8) -> str:
    """A list of ids for a message, cut short when long."""
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown} and {len(ids) - most} more"


def bank(lib: Library, derived: Derived) -> dict[str, QuestionBase]:
    """Every question: hand-written (in a quiz or not) and generated, by id (`Derived.bank`, made
    once by derive, so that every count of the bank agrees)."""
    return derived.bank


def lint(lib: Library, derived: Derived) -> list[Problem]:
    """Warnings about the whole question bank, and the text lint's errors, sorted by place."""
    return sorted({*text_lint(lib, derived), *lint_warnings(lib, derived)})


def text_lint(lib: Library, derived: Derived) -> list[Problem]:
    """The text lint alone: machinery in student-facing text, the errors that stop a build (`primer serve`
    makes them before it swaps a build in, and the warnings after)."""
    linter = _Linter(lib, derived)
    ids = _ids(lib)
    for q in bank(lib, derived).values():
        linter.text(q, ids)
    return sorted(set(linter.problems))


def lint_warnings(lib: Library, derived: Derived) -> list[Problem]:
    """The lint's warnings: each question, answers a quiz shares, near-duplicates, bunched positions."""
    linter = _Linter(lib, derived)
    questions = bank(lib, derived)
    for q in questions.values():
        linter.question(q)
    for quiz in derived.quizzes.values():
        linter.shared_answers(quiz)
    linter.near_duplicates(questions)
    linter.positions(questions)
    return sorted(set(linter.problems))
