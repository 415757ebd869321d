"""Generated questions, drawn from the glossary, the timeline, source points and framing notes.

Every generated question is built as the same pydantic model as a hand-written one, so it goes
through the same validation. Generation is deterministic: each random choice comes from a
`random.Random` seeded with a hash of stable content (a term id, a topic id and the kind of
question), never from the clock or the process.

Ids hash *what a question is generated from* (`gen-KIND-HASH`, e.g. the term's id, the ids of
the events, the point's id): an id stays the same when wording changes or unrelated content is
added, so an author's `generate.exclude` keeps working. A different set of events makes a
different question, with a different id.

This module offers candidates; `primer.derive` decides which topics' quizzes they join.
"""

from __future__ import annotations

import hashlib
import random
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from operator import itemgetter
from typing import Any, TypeVar

from pydantic import TypeAdapter

from primer import facts, memo
from primer.content.dates import FuzzyDate
from primer.content.library import LINK, Library
from primer.content.models import Event, Point, Question, QuestionBase, Source, Term, Topic, Vocabulary
from primer.content.terms import TermMatcher, term_names
from primer.memo import Memo, identities
from primer.quiz.lint import correct_markedly_longest, similar
from primer.quiz.scoring import normalise
from primer.reads import value_hash

#: The generators, by the name a topic's `generate:` setting uses, in the order a quiz takes turns.
GENERATORS = ("points", "framing", "timeline", "glossary")

#: A topic cites an item (a link, a perspective's points, `next`): the strongest relevance.
CITED = 2
#: A topic's sections mention a glossary term by name without linking it, or it lists a source.
MENTIONED = 1

_QUESTION: TypeAdapter[Any] = TypeAdapter(Question)
T = TypeVar("T")

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
_BLANK = "…"


@dataclass(frozen=True)
class Candidate:
    """A generated question before it joins a quiz: everything but its objective."""

    id: str
    #: which generator made it: one of GENERATORS
    generator: str
    #: the question's fields as in YAML, without `objective`
    data: dict[str, Any]
    #: what it was generated from, as 'kind:id' references in a stable order
    generated_from: tuple[str, ...]
    #: the references ('term:x', 'point:y', 'event:z', 'source:s') a topic must cite to get it
    anchors: tuple[str, ...]
    #: True: the topic must cite every anchor (a timeline question); False: any one will do
    all_anchors: bool
    #: the main item it asks about; a quiz takes one generated question per subject
    subject: str
    #: (item kind, id) of the content it comes from, to locate problems
    origin: tuple[str, str]
    #: references a topic must cite (not merely list) for the question to count as cited there
    strong_only_with: tuple[str, ...] = ()

    def relevance(self, cites: dict[str, int]) -> int:
        """How strongly a topic with these citations relates to the question (0: not at all)."""
        strengths = [cites.get(anchor, 0) for anchor in self.anchors]
        strength = min(strengths) if self.all_anchors else max(strengths)
        if any(cites.get(ref, 0) < CITED for ref in self.strong_only_with):
            strength = min(strength, MENTIONED)
        return strength

    def tests(self) -> set[str]:
        """What the question tests, as 'kind:id' references."""
        tests = self.data["tests"]
        return {f"{kind[:-1]}:{item}" for kind in ("points", "terms", "events") for item in tests.get(kind, [])}

    def build(self, objective: str) -> QuestionBase:
        """The question as a validated model, serving `objective`."""
        question = _QUESTION.validate_python({**self.data, "objective": objective})
        assert isinstance(question, QuestionBase)
        return question


@dataclass(frozen=True)
class Note:
    """Why a generator made no question from some content, in words (`primer check --explain-generated`)."""

    generator: str
    #: the 'kind:id' references it is about: a topic that cites or mentions one hears of it
    about: tuple[str, ...]
    #: the question that was not made, e.g. "'Which came first'" or "a definition question on “battery”"
    what: str
    #: why, e.g. "the cited events are more than 1 year apart (2006, 2016)"
    why: str
    #: the one topic it concerns (timeline questions are made per topic), or None
    topic: str | None = None


def seed(*parts: str) -> int:
    """A seed from stable text, the same on every machine and run (unlike `hash()`)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def question_id(kind: str, identity: str) -> str:
    """`gen-KIND-HASH`: stable for as long as what the question comes from stays the same."""
    return f"gen-{kind}-{hashlib.sha256(identity.encode('utf-8')).hexdigest()[:10]}"


def md_escape(text: str) -> str:
    """Text that Markdown shows as written (for content put into a stem)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def _when(date: FuzzyDate) -> str:
    """'on 12 December 2014', 'in December 2014', 'in 2014' or 'between … and …'."""
    if date.end is not None:
        return date.human()
    return f"{'on' if date.precision == 'day' else 'in'} {date.human()}"


# --------------------------------------------------------------------------- what topics cite


#: `citations` by the topic and the glossary's names (the built matcher), as objects (see `primer.memo`).
_CITATIONS: Memo[tuple[int, int], dict[str, int]] = Memo()


def citations(lib: Library, topic: Topic, matcher: TermMatcher) -> dict[str, int]:
    """What a topic cites (CITED) or mentions (MENTIONED), as 'kind:id' → strength."""
    # it reads the topic and, through the matcher, the glossary's names, and nothing else of `lib`
    made = _CITATIONS.get(
        (id(topic), id(matcher.built)), partial(_citations, topic, matcher), keep=(topic, matcher.built)
    )
    return dict(made)


def _citations(topic: Topic, matcher: TermMatcher) -> dict[str, int]:
    found: dict[str, int] = {}

    def add(ref: str, strength: int) -> None:
        found[ref] = max(found.get(ref, 0), strength)

    for section in topic.sections:
        for kind, item in LINK.findall(section.body):
            add(f"{kind}:{item}", CITED)
        for term_id in matcher.find_kept(section.title + "\n" + section.body):
            add(f"term:{term_id}", MENTIONED)
    for perspective in topic.perspectives:
        for point_id in perspective.points:
            add(f"point:{point_id}", CITED)
    for item in topic.next:
        add(f"event:{item.event}", CITED)
    for source_id in topic.sources:
        add(f"source:{source_id}", MENTIONED)
    return dict(sorted(found.items()))


# --------------------------------------------------------------------------- choices


def _choices(rng: random.Random, right: tuple[str, str], wrong: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Options (text, feedback) shuffled, the right one marked correct."""
    options = [{"text": right[0], "correct": True, "feedback": right[1]}]
    options += [{"text": text, "correct": False, "feedback": feedback} for text, feedback in wrong]
    rng.shuffle(options)
    return options


def _pick_distractors(
    rng: random.Random,
    right: str,
    pool: Sequence[T],
    render: Callable[[T], tuple[str, str]],
    allowed: Callable[[T], bool] = lambda item: True,
    want: int = 3,
    then: Sequence[T] = (),
) -> list[tuple[str, str]]:
    """Up to `want` (text, feedback) wrong options drawn from `pool` in a seeded order, then from
    `then` in its own order (the next nearest), checked and rendered only when drawn: each is
    `allowed`, none repeats the right one or another, and together they do not leave the right one
    markedly the longest. Fewer than 2 means the question cannot be asked."""
    order = list(pool)
    rng.shuffle(order)
    # by identity: the items are the Library's own objects, and comparing models field by field is slow
    drawn = {id(item) for item in order}
    order += [item for item in then if id(item) not in drawn]
    kept: list[tuple[str, str]] = []
    for item in order:
        if not allowed(item):
            continue
        text, feedback = render(item)
        if similar(text, right) or any(similar(text, k[0]) for k in kept):
            continue
        kept.append((text, feedback))
        if len(kept) == want:
            if not correct_markedly_longest(right, [k[0] for k in kept]):
                return kept
            kept.remove(min(kept, key=lambda k: len(k[0])))  # look for a longer one instead
    if len(kept) < 2 or correct_markedly_longest(right, [k[0] for k in kept]):
        return []
    return kept


def _names_pattern(term: Term) -> re.Pattern[str]:
    """A pattern of the term's names as whole words, in any case (longest name first)."""
    return _names_regex(tuple(term_names(term)))


@lru_cache(maxsize=1 << 14)
def _names_regex(names: tuple[str, ...]) -> re.Pattern[str]:
    """`_names_pattern`, kept per set of names: a glossary of thousands of terms asks for each
    term's pattern several times, and `re`'s own cache holds only a few hundred patterns."""
    longest = sorted(names, key=len, reverse=True)
    return re.compile(rf"(?<![\w/-])(?:{'|'.join(re.escape(n) for n in longest)})(?![\w/-])", re.IGNORECASE)


class _Confusion:
    """Which terms cannot be each other's wrong answer: they share a name, or one may be a kind
    of the other (a name or the definition of one names the other: "X-band radar" and "radar";
    "The AN/TPY-2 is a US X-band radar …")."""

    def __init__(self) -> None:
        # each term's, made when it is first compared (a rebuild compares the terms of an edited entry alone)
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._names: dict[str, set[str]] = {}

    def _pattern(self, term: Term) -> re.Pattern[str]:
        found = self._patterns.get(term.id)
        if found is None:
            found = self._patterns[term.id] = _names_pattern(term)
        return found

    def _normalised(self, term: Term) -> set[str]:
        found = self._names.get(term.id)
        if found is None:
            found = self._names[term.id] = {normalise(n) for n in term_names(term)}
        return found

    def _kind_of(self, a: Term, b: Term) -> bool:
        pattern = self._pattern(b)
        return any(pattern.search(name) for name in term_names(a)) or bool(pattern.search(a.definition))

    def __call__(self, a: Term, b: Term) -> bool:
        return bool(self._normalised(a) & self._normalised(b)) or self._kind_of(a, b) or self._kind_of(b, a)


#: A masked definition that opens with its subject ("The … is", "… means"): the rest says it all.
_OPENING = re.compile(rf"^(?:The )?{_BLANK} (?:is|are|was|were|means) (?=\S)")


def _mask(text: str, term: Term) -> str:
    """`text` with the term's own names blanked out, so that it does not give the answer away.
    A text that opens with the blanked name loses that opening ("… is the right of a country …"
    reads "The right of a country …"), or else opens with "The …"."""
    masked = _names_pattern(term).sub(_BLANK, text)
    # "An … is" would hint at a vowel, and "A(n)" reads as machinery: say "The" whichever article it took.
    masked = re.sub(rf"\b([Aa])n? {_BLANK}", lambda m: ("The" if m.group(1) == "A" else "the") + f" {_BLANK}", masked)
    opening = _OPENING.match(masked)
    if opening is not None:
        rest = masked[opening.end() :]
        return rest[:1].upper() + rest[1:]
    return f"The {masked}" if masked.startswith(_BLANK) else masked


def _category(vocabulary: Vocabulary, term: Term) -> str:
    """The term's category as the lesson words it ('maritime feature')."""
    return vocabulary.category(term.category).name()


def _fits_a_stem(vocabulary: Vocabulary, category: str) -> bool:
    """Whether a category can name what a question asks for ("Which law …?"): it is one the lesson
    declares, and not the catch-all 'other'."""
    return category != "other" and any(c.id == category for c in vocabulary.term_categories)


def _said(term: Term) -> str:
    """The term as feedback mentions it: quoted (“battery”, “UN Security Council”), so that "that
    describes battery" never reads as if a word were missing."""
    return f"“{term.term}”"


def _explained(term: Term) -> str:
    """A glossary question's explanation: the glossary's definition, said to come from there."""
    if _names_pattern(term).search(term.definition):
        return f"From the glossary: {term.definition}"
    return f"From the glossary, {term.term}: {term.definition}"


#: A term's wrong options come from at most this many terms of its own category: a large glossary has
#: hundreds in one, and drawing from all of them for every term would grow with the square of the glossary.
NEAR_POOL = 64


@lru_cache(maxsize=1 << 16)
def _picked(term_id: str, size: int) -> array[int]:
    """The places, in order, of the `NEAR_POOL` + 1 terms drawn with the seed of `term_id` from a category of
    `size` terms (`_Nearby.same_category`). Each depends on the id and the size alone: a process that checks
    again draws them once (a save's derive drew again for every term of a large glossary, 84 µs each: 0.2 s
    for the 2,560 terms of 256 topics). Kept as an array of machine integers, 0.3 kB a term rather than a
    list's 2.4 kB, and shared: read only."""
    return array("I", sorted(random.Random(seed("nearby", term_id)).sample(range(size), NEAR_POOL + 1)))


#: `_count_together` of one topic's sections or one source's points, by the glossary's names (the built
#: matcher: it also fixes which ids are terms) and the topic or source as an object (see `primer.memo`).
_TOGETHER: Memo[tuple[int, int], dict[tuple[str, str], int]] = Memo()
#: Those counts by the glossary's names and the topic's or source's kind and id: a count made again that is
#: equal to the last is that object (`Memo.same`), so that the glossary's questions are kept by the counts'
#: identities (`_term_questions`: a source's edit that names no other term counts its points again).
_PARTS: Memo[tuple[int, str, str], dict[tuple[str, str], int]] = Memo()


def _texts_of(item: Topic | Source) -> list[str]:
    """The texts whose terms `_Nearby` counts as named together: a topic's sections, a source's points."""
    if isinstance(item, Topic):
        return [section.title + "\n" + section.body for section in item.sections]
    return [point.text for point in item.points]


def _counted_together(matcher: TermMatcher, terms: dict[str, Term], item: Topic | Source) -> dict[tuple[str, str], int]:
    """`_count_together` of the texts of one topic or source (`_texts_of`)."""
    return _count_together(matcher, terms, _texts_of(item))


#: The last sum of the topics' and sources' counts in this process (`_summed`): the counts summed, and the sum.
_LAST_SUM: list[tuple[list[dict[tuple[str, str], int]], dict[tuple[str, str], int]]] = []


def _summed(parts: list[dict[tuple[str, str], int]]) -> dict[tuple[str, str], int]:
    """The counts of `parts` summed pair by pair. In a process that keeps memos (`primer.memo.here`), from the
    last sum: the parts that are not the very ones it summed are taken out of it and put in (a save changes one
    or two of 512 at 256 topics: 28,000 pairs summed again each time, 0.02 s). The pairs of the sum are the same
    either way, whose order nothing reads."""
    last = _LAST_SUM[0] if _LAST_SUM and memo.here() else None
    changed = [] if last is None else [n for n, (a, b) in enumerate(zip(parts, last[0], strict=False)) if a is not b]
    together: dict[tuple[str, str], int]
    if last is not None and len(parts) == len(last[0]) and len(changed) <= len(parts) // 4:
        together = dict(last[1])
        for number in changed:
            for pair, count in last[0][number].items():
                left = together[pair] - count
                if left:
                    together[pair] = left
                else:
                    del together[pair]
            for pair, count in parts[number].items():
                together[pair] = together.get(pair, 0) + count
    else:
        together = {}
        for part in parts:
            for pair, count in part.items():
                together[pair] = together.get(pair, 0) + count
    if memo.here():
        _LAST_SUM[:] = [(parts, together)]
    return together


def _count_together(
    matcher: TermMatcher, terms: dict[str, Term], texts: list[str], into: dict[tuple[str, str], int] | None = None
) -> dict[tuple[str, str], int]:
    """Add to `into` how often each two terms are named (or linked to) in the same text of `texts`."""
    together: dict[tuple[str, str], int] = {} if into is None else into
    for text in texts:
        found = sorted(matcher.find_kept(text) | {i for k, i in LINK.findall(text) if k == "term" and i in terms})
        for a in found:
            for b in found:
                if a != b:
                    together[a, b] = together.get((a, b), 0) + 1
    return together


class _Nearby:
    """The terms nearest each term, nearest first, as wrong options: the same category (`NEAR_POOL` of a
    large one); then terms
    it lists under see_also (or that list it); then terms named in the same sections or points,
    most often together first."""

    def __init__(self, lib: Library) -> None:
        self.terms = lib.terms
        matcher = TermMatcher(lib.terms.values())
        items: list[Topic | Source] = [*lib.topics_in_order(), *lib.sources.values()]
        #: with the memos on, each topic's and source's counts, in order: the very objects while they are equal
        self.parts: list[dict[tuple[str, str], int]] | None = None
        if not memo.on():
            together: dict[tuple[str, str], int] = {}
            for item in items:
                _count_together(matcher, lib.terms, _texts_of(item), together)
            self.together = together
        else:  # each topic's and source's counts are kept: a save counts again only in what it changed
            self.parts = [
                _PARTS.same(
                    (id(matcher.built), type(item).__name__, item.id),
                    _TOGETHER.get(
                        (id(matcher.built), id(item)),
                        partial(_counted_together, matcher, lib.terms, item),
                        keep=(matcher.built, item),
                    ),
                )
                for item in items
            ]

    @cached_property
    def together(self) -> dict[tuple[str, str], int]:
        """How often each two terms are named in the same text: the sum of `parts` (made at once without them)."""
        assert self.parts is not None
        return _summed(self.parts)

    # Each term's neighbours, gathered once (looking through every term for every term would grow with the
    # square of the glossary), when first asked for: a save that changes no term and no count of terms named
    # together takes the glossary's questions whole (`_term_questions`), by the terms and `together` alone.

    @cached_property
    def listed_by(self) -> dict[str, set[str]]:
        """The terms that list each term under see_also."""
        listed: dict[str, set[str]] = {}
        for term in self.terms.values():
            for other in term.see_also:
                listed.setdefault(other, set()).add(term.id)
        return listed

    @cached_property
    def met(self) -> dict[str, list[tuple[int, str]]]:
        """The terms named together with each term, as (minus how often, id): sorted as they are, most often
        first, then by id."""
        met: dict[str, list[tuple[int, str]]] = {}
        for (a, b), count in self.together.items():
            met.setdefault(a, []).append((-count, b))
        return met

    @cached_property
    def by_category(self) -> dict[str, list[Term]]:
        """The terms by category, in glossary order."""
        self.categorise(self.terms.values())
        return self.by_category

    @cached_property
    def place(self) -> dict[str, int]:
        """Each term's place in its category's list (`by_category`)."""
        self.categorise(self.terms.values())
        return self.place

    def categorise(self, terms: Iterable[Term]) -> None:
        """The terms by category, in glossary order (`by_category`), and each term's place in its category's list
        (`place`)."""
        by_category: dict[str, list[Term]] = {}
        place: dict[str, int] = {}
        for term in terms:
            members = by_category.setdefault(term.category, [])
            place[term.id] = len(members)
            members.append(term)
        self.__dict__.update(by_category=by_category, place=place)

    def same_category(self, term: Term) -> list[Term]:
        """The other terms of the term's category, in glossary order; of a category larger than
        `NEAR_POOL`, a sample of that many, drawn with the term's own seed."""
        members = self.by_category[term.category]
        if len(members) <= NEAR_POOL + 1:
            return [t for t in members if t.id != term.id]
        # a term's questions are keyed by its neighbours (`_remembered_term_questions`), so a save that edits a
        # term draws them for every term: taken at once (`itemgetter`), the term itself left out by its place
        # (ids are unique), else the last one drawn (one by one, 0.03-0.07 s of such a save at 256 topics; 0.008 s)
        picked = _picked(term.id, len(members))
        drawn = list(itemgetter(*picked)(members))
        own = self.place.get(term.id, -1)
        at = bisect_left(picked, own)
        if at < len(picked) and picked[at] == own and members[own].id == term.id:
            del drawn[at]
        else:
            del drawn[NEAR_POOL:]
        return drawn

    def related(self, term: Term) -> list[Term]:
        """Terms of other categories related to `term`: see-also first, then by co-occurrence."""
        terms, category = self.terms, term.category
        see = {i for i in term.see_also if i in terms} | self.listed_by.get(term.id, set())
        # both lists sort by a key that ends in the id, so the order the candidates come in does not matter
        linked = sorted(
            (t for t in map(terms.__getitem__, see) if t.category != category),
            key=lambda t: (-self.together.get((term.id, t.id), 0), t.id),
        )
        met = [t for _, b in sorted(self.met.get(term.id, ())) if b not in see and (t := terms[b]).category != category]
        return linked + met


#: `_term_questions` by what it reads: the terms (as objects, in order), the vocabulary, and which terms
#: are named together how often (see `primer.memo`).
_TERM_QUESTIONS: Memo[tuple[object, ...], tuple[list[Candidate], list[Note]]] = Memo(limit=4)


def _term_questions(lib: Library, notes: list[Note]) -> list[Candidate]:
    """Per term, a definition question and, for an acronym, an expansion question. Wrong options
    come from the nearest terms (`_Nearby`), never from the term's own names, nor from terms that
    may be a kind of it (or it of them); a term with fewer than two such neighbours gets none."""
    nearby = _Nearby(lib)
    if not memo.on():
        kept = facts.kept()
        whole = _kept_as(lib, nearby) if kept.keeps else None
        if whole is None:
            found, said = _made_term_questions(lib, nearby)
        else:
            # kept whole by the glossary's files, the vocabulary and which terms go together, and each term's
            # by what it reads: a save that changes none of those takes the whole; an edited term makes its
            # own questions again, and those of the terms it is a wrong option of
            found, said, keys = kept.get(whole, partial(_kept_term_questions, lib, nearby, kept), packed=True)
            for term_key in keys:  # each term's stays kept for the next edit, whichever way this one went
                value = kept.peek(term_key)
                if value is not None:
                    kept.keep(term_key, value)
        notes.extend(said)
        return list(found)
    terms = list(lib.terms.values())
    parts = nearby.parts
    assert parts is not None  # (the memos are on)
    key = identities(terms, lib.site.vocabulary, parts)
    found, said = _TERM_QUESTIONS.get(
        key, partial(_remembered_term_questions, lib, nearby), keep=(terms, lib.site.vocabulary, parts)
    )
    notes.extend(said)
    return list(found)


#: `_term_made` by what it reads, as objects: the term, the terms near it and the vocabulary (see `primer.memo`).
_TERM_MADE: Memo[tuple[int, ...], tuple[tuple[Candidate, ...], tuple[Note, ...]]] = Memo()


def _remembered_term_questions(lib: Library, nearby: _Nearby) -> tuple[list[Candidate], list[Note]]:
    """`_made_term_questions`, each term's kept in this process by what it reads (`_TERM_MADE`): an edited
    term makes its own questions again, and those of the terms it is a wrong option of, not every term's."""
    confusable = _Confusion()
    vocabulary = lib.site.vocabulary
    found: list[Candidate] = []
    notes: list[Note] = []
    for term in lib.terms.values():
        near = (nearby.same_category(term), nearby.related(term))
        made, said = _TERM_MADE.get(
            identities(term, near[0], near[1], vocabulary),
            partial(_term_made, term, near, confusable, vocabulary),
            keep=(term, near, vocabulary),
        )
        found.extend(made)
        notes.extend(said)
    return found, notes


def _kept_as(lib: Library, nearby: _Nearby) -> bytes | None:
    """The key the glossary's questions are kept by whole between commands (`primer.facts`): what they read,
    the terms (by the hashes of the files they are in), the vocabulary, and which terms are named together
    how often."""
    files = sorted({lib.origins[("term", term_id)].doc.digest for term_id in lib.terms})
    if "" in files:
        return None
    vocabulary = lib.site.vocabulary.model_dump_json()
    return facts.key("term questions", vocabulary, *files, repr(sorted(nearby.together.items())))


def _made_term_questions(lib: Library, nearby: _Nearby) -> tuple[list[Candidate], list[Note]]:
    """Each term's questions (`_term_made`), in glossary order."""
    found, notes, _ = _kept_term_questions(lib, nearby)
    return found, notes


def _kept_term_questions(
    lib: Library, nearby: _Nearby, kept: facts.Facts | None = None
) -> tuple[list[Candidate], list[Note], list[bytes]]:
    """Each term's questions (`_term_made`), in glossary order. With `kept` (`primer.facts`), each term's are
    kept between commands by what they read: the term, the terms near it (its wrong options, in order: see
    `_Nearby`) and the vocabulary, each by the hash of its value; and their keys are returned too."""
    notes: list[Note] = []
    confusable = _Confusion()
    found: list[Candidate] = []
    vocabulary = lib.site.vocabulary
    keys: list[bytes] = []
    if kept is not None:
        digests = {t.id: value_hash(t) for t in lib.terms.values()}
        shown = vocabulary.model_dump_json()
    for term in lib.terms.values():
        near = (nearby.same_category(term), nearby.related(term))
        make = partial(_term_made, term, near, confusable, vocabulary)
        if kept is not None:
            read = [digests[t.id] for t in near[0]], [digests[t.id] for t in near[1]]
            keys.append(facts.key("term's questions", shown, digests[term.id], repr(read)))
            made, said = kept.get(keys[-1], make, packed=True)
        else:
            made, said = make()
        found.extend(made)
        notes.extend(said)
    return found, notes, keys


def _term_made(
    term: Term, near: tuple[list[Term], list[Term]], confusable: _Confusion, vocabulary: Vocabulary
) -> tuple[tuple[Candidate, ...], tuple[Note, ...]]:
    """A term's definition question and, for an acronym, its expansion question, from the terms `near` it
    (`_Nearby`), or why there are none."""
    found: list[Candidate] = []
    notes: list[Note] = []
    about = (f"term:{term.id}",)
    definition = _definition_question(term, near, confusable, vocabulary)
    if definition is not None:
        found.append(definition)
    else:
        notes.append(
            Note(
                "glossary",
                about,
                f"a definition question on {_said(term)}",
                "fewer than two terms near it (same category, see also, or named in the same sections and "
                "points) can be its wrong options without sharing a name or being a kind of it",
            )
        )
    if term.expansion:
        acronym = _acronym_question(term, near, confusable)
        if acronym is not None:
            found.append(acronym)
        else:
            notes.append(
                Note(
                    "glossary",
                    about,
                    f"'What does {term.term} stand for?'",
                    "fewer than two other terms with an expansion are near it to give wrong options",
                )
            )
    return tuple(found), tuple(notes)


def _term_candidate(kind: str, term: Term, data: dict[str, Any]) -> Candidate:
    qid = question_id(kind, f"{kind}|{term.id}")
    return Candidate(
        id=qid,
        generator="glossary",
        data={"id": qid, **data, "tests": {"terms": [term.id]}, "tags": ["generated", "glossary"]},
        generated_from=(f"term:{term.id}",),
        anchors=(f"term:{term.id}",),
        all_anchors=False,
        subject=f"term:{term.id}",
        origin=("term", term.id),
    )


def _definition_question(
    term: Term, near: tuple[list[Term], list[Term]], confusable: _Confusion, vocabulary: Vocabulary
) -> Candidate | None:
    """Term → which definition, or definition → which term; the seed picks the direction."""
    rng = random.Random(seed("definition", term.id))
    name = md_escape(term.term)
    render: Callable[[Term], tuple[str, str]]
    if rng.random() < 0.5:
        right = (_mask(first_sentence(term.definition), term), f"Right: this describes {_said(term)}.")

        def render(t: Term) -> tuple[str, str]:
            return _mask(first_sentence(t.definition), t), f"No: that describes {_said(t)}."

        stem = f"Which of these describes **{name}**?" if term.term[:1].isupper() else f"What does **{name}** mean?"
        difficulty = 2
    else:
        right = (term.term, f"Right: the definition describes {_said(term)}.")

        def render(t: Term) -> tuple[str, str]:
            kind = f"another {_category(vocabulary, t)}" if t.category == term.category else "a different term"
            return t.term, f"No: {_said(t)} is {kind}. {first_sentence(t.definition)}"

        stem = ""  # named once the wrong options are known
        difficulty = 1
    same, related = near
    wrong = _pick_distractors(rng, right[0], same, render, lambda t: not confusable(term, t), then=related)
    if len(wrong) < 2:
        return None
    if not stem:
        named = {t.term for t in same}
        one_kind = all(text in named for text, _ in wrong) and _fits_a_stem(vocabulary, term.category)
        asks = _category(vocabulary, term) if one_kind else "of these terms"
        stem = f"Which {asks} does this describe?\n\n> {md_escape(_mask(term.definition, term))}"
    return _term_candidate(
        "term",
        term,
        {
            "type": "single",
            "stem": stem,
            "choices": _choices(rng, right, wrong),
            "explanation": _explained(term),
            "difficulty": difficulty,
        },
    )


def _acronym_question(term: Term, near: tuple[list[Term], list[Term]], confusable: _Confusion) -> Candidate | None:
    """What an acronym stands for; the wrong options are the expansions of the nearest terms."""
    rng = random.Random(seed("acronym", term.id))
    right = (str(term.expansion), f"Right: {term.term} stands for {term.expansion}.")
    same, related = near
    wrong = _pick_distractors(
        rng,
        right[0],
        [t for t in same if t.expansion],
        lambda t: (str(t.expansion), f"No: {t.expansion} is what {t.term} stands for."),
        lambda t: bool(t.expansion) and not confusable(term, t),
        then=related,
    )
    if len(wrong) < 2:
        return None
    return _term_candidate(
        "acronym",
        term,
        {
            "type": "single",
            "stem": f"What does **{md_escape(term.term)}** stand for?",
            "choices": _choices(rng, right, wrong),
            "explanation": f"{term.term} stands for {term.expansion}. {term.definition}",
            "difficulty": 1,
        },
    )


# --------------------------------------------------------------------------- timeline


def _choose_events(
    rng: random.Random,
    events: list[Event],
    low: int,
    high: int,
    span: int,
    fair: Callable[[list[Event]], bool] = lambda events: True,
) -> list[Event]:
    """Between `low` and `high` events whose order is certain (no two dates can overlap, whatever
    their precision), whose titles differ and which lie within `span` years of each other (the
    latest last year minus the earliest first year: 0 when all fall in one year), earliest first,
    and that are `fair` as options; none when no such set exists. Each event in a seeded order
    starts a set, filled from the others in the same order."""
    pool = list(events)
    rng.shuffle(pool)
    target = rng.randint(low, high)
    # Each event's first and last day and normalised title, worked out once rather than per pair:
    # this loop runs for every pair of a topic's events.
    facts = {id(e): (e.date.first, e.date.last, normalise(e.title)) for e in pool}
    best: list[Event] = []
    for start in pool:
        chosen = [start]
        first, last, title = facts[id(start)]
        titles = {title}
        dated = [(first, last)]
        earliest, latest = first.year, last.year
        for event in pool:
            first, last, title = facts[id(event)]
            if (
                all(last < other_first or other_last < first for other_first, other_last in dated)
                and title not in titles
                and max(latest, last.year) - min(earliest, first.year) <= span
            ):
                chosen.append(event)
                titles.add(title)
                dated.append((first, last))
                earliest, latest = min(earliest, first.year), max(latest, last.year)
                if len(chosen) == target:
                    break
        chosen.sort(key=lambda e: (e.date.sort_key(), e.id))
        if len(best) < len(chosen) and len(chosen) >= low and fair(chosen):
            best = chosen
        if len(best) == target:
            break
    return best if len(best) >= low else []


def _timeline_candidate(kind: str, events: list[Event], data: dict[str, Any]) -> Candidate:
    ids = [e.id for e in events]
    qid = question_id(kind, f"{kind}|{','.join(sorted(ids))}")
    refs = tuple(f"event:{i}" for i in ids)
    return Candidate(
        id=qid,
        generator="timeline",
        data={"id": qid, **data, "tests": {"events": ids}, "tags": ["generated", "timeline"]},
        generated_from=refs,
        anchors=refs,
        all_anchors=True,
        subject=f"{kind}:{','.join(ids)}",
        origin=("event", ids[0]),
    )


def _years(span: int) -> str:
    return "in the same year" if span == 0 else f"within {span} year{'s' * (span != 1)} of each other"


def _timeline_note(topic: Topic, events: list[Event], what: str, low: int) -> Note:
    """Why a topic gets no timeline question of one kind."""
    span = topic.generate.timeline_span
    years = sorted({e.date.first.year for e in events})
    if len(events) < low:
        why = f"the topic cites {len(events)} event{'s' * (len(events) != 1)}; it takes {low}"
    else:
        shown = ", ".join(map(str, years[:8])) + (" …" if len(years) > 8 else "")
        why = (
            f"no {low} of the cited events with certain order and different titles fall {_years(span)} "
            f"({shown}); a wider generate: timeline_span allows more"
        )
    return Note("timeline", tuple(f"event:{e.id}" for e in events), what, why, topic=topic.id)


def _timeline_questions(
    lib: Library,
    topic: Topic,
    cites: dict[str, int],
    notes: list[Note],
    rank: dict[str, int] | None = None,
    dumped: dict[str, str] | None = None,
) -> list[Candidate]:
    """A topic's 'Put these events in order' and 'Which came first' questions, from the events it
    cites; `rank` is each event's place in `lib.events_in_order()` (computed once for all topics), `dumped`
    each event's JSON as far as it was written for a topic before (an event is cited by many topics)."""
    if rank is None:
        rank = {e.id: i for i, e in enumerate(lib.events_in_order())}
    if dumped is None:
        dumped = {}
    # from the topic's own citations rather than the whole timeline, so that the work grows with the topic
    cited = [ref[len("event:") :] for ref, strength in cites.items() if ref.startswith("event:") and strength >= CITED]
    events = [lib.events[i] for i in sorted((i for i in cited if i in lib.events), key=rank.__getitem__)]
    # what follows reads only the topic (its id and timeline span) and these events: kept by them in this
    # process, and between commands (`primer.facts.kept`) by the events as they are written
    kept = facts.kept()
    make = partial(_timeline_made, topic, events)
    if kept.keeps:
        # the key (each event written as JSON) only when the memo below has nothing: 10,753 events' JSON a
        # rebuild at 256 topics, which a save mostly leaves as they were
        made = partial(_timeline_key, topic, events, dumped)
        make = partial(kept.get, made, make)
    # by the topic's id and span, not the topic itself: a save that changes anything else in the topic gives the
    # very same questions (objects), so the other topics whose quizzes are offered them choose as they did
    key = (topic.id, topic.generate.timeline_span, identities(events))
    found, said = _TIMELINE.get(key, make, keep=events)
    notes.extend(said)
    return list(found)


def _timeline_key(topic: Topic, events: list[Event], dumped: dict[str, str]) -> bytes:
    """What a topic's timeline questions are kept by between commands: the topic's id and span, and its events."""
    written = [_dumped(event, dumped) for event in events]
    return facts.key("timeline questions", topic.id, topic.generate.timeline_span, *written)


def _dumped(event: Event, dumped: dict[str, str]) -> str:
    """The event's JSON, written once into `dumped`."""
    found = dumped.get(event.id)
    if found is None:
        found = dumped[event.id] = event.model_dump_json()
    return found


#: `_timeline_made` by the topic's id and timeline span and its events, as objects (see `primer.memo`).
_TIMELINE: Memo[tuple[str, int, tuple[int, ...]], tuple[list[Candidate], list[Note]]] = Memo()


def _timeline_made(topic: Topic, events: list[Event]) -> tuple[list[Candidate], list[Note]]:
    notes: list[Note] = []
    span = topic.generate.timeline_span
    found: list[Candidate] = []
    ordered = _choose_events(random.Random(seed("order", topic.id)), events, 3, 5, span)
    if ordered:
        steps = "; ".join(f"{i}. {e.title} ({_when(e.date)})" for i, e in enumerate(ordered, 1))
        found.append(
            _timeline_candidate(
                "order",
                ordered,
                {
                    "type": "ordering",
                    "stem": "Put these events in order, earliest first.",
                    "items": [e.title for e in ordered],
                    "explanation": f"The order is: {steps}.",
                    "difficulty": 2 if len(ordered) == 3 else 3,
                },
            )
        )
    else:
        notes.append(_timeline_note(topic, events, "'Put these events in order'", 3))
    rng = random.Random(seed("first", topic.id))
    first = _choose_events(
        rng,
        events,
        3,
        4,
        span,
        lambda chosen: not correct_markedly_longest(chosen[0].title, [e.title for e in chosen[1:]]),
    )
    if first:
        earliest = first[0]
        right = (earliest.title, f"Right: this came first, {_when(earliest.date)}.")
        wrong = [
            (e.title, f"No: this happened {_when(e.date)}, after “{earliest.title}” ({_when(earliest.date)}).")
            for e in first[1:]
        ]
        found.append(
            _timeline_candidate(
                "first",
                first,
                {
                    "type": "single",
                    "stem": "Which of these happened first?",
                    "choices": _choices(rng, right, wrong),
                    "explanation": "In order: " + "; ".join(f"{e.title} ({_when(e.date)})" for e in first) + ".",
                    "difficulty": 2,
                },
            )
        )
    elif _choose_events(random.Random(seed("first", topic.id)), events, 3, 4, span):
        why = (
            f"in each set found of events {_years(span)}, the earliest one's title is much the longest, "
            "which would give the answer away"
        )
        notes.append(Note("timeline", tuple(f"event:{e.id}" for e in events), "'Which came first'", why, topic.id))
    else:
        notes.append(_timeline_note(topic, events, "'Which came first'", 3))
    return found, notes


# --------------------------------------------------------------------------- points and framing


def _end(text: str) -> str:
    """Text ending in one full stop."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


#: A claim question's options, in the order of the scale, labelled as the site labels statuses.
STATUSES = (
    ("accurate", "Accurate"),
    ("partly-accurate", "Partly accurate"),
    ("wrong", "Wrong"),
    ("unverified", "Unverified"),
)
#: The order in which a quiz's claim questions take turns, by right answer (see `primer.derive`).
CLAIM_TURNS = ("Wrong", "Partly accurate", "Accurate", "Unverified")
#: What each status says about a claim, in the words of the site's About page.
_VERDICTS = {
    "accurate": "the records support it",
    "partly-accurate": "part of it holds and part does not",
    "wrong": "the records contradict it",
    "unverified": "it could not be checked against the records",
}


def _point_questions(lib: Library, notes: list[Note]) -> list[Candidate]:
    """'How accurate is this claim?' for every point whose status rests on something: each point
    that is partly accurate, wrong or unverified (its correction explains), and each accurate point
    with a basis that is not an opinion. The options are the four statuses and the key is the
    point's own status, so a question never keys what its explanation contradicts."""
    found: list[Candidate] = []
    for point_id, point in lib.points.items():
        if point.correction if point.status != "accurate" else point.basis and point.kind != "opinion":
            found.append(_claim_question(lib, point_id))
            continue
        if point.status != "accurate":
            why = f"it is {dict(STATUSES)[point.status].lower()} but has no correction to explain it"
        elif point.kind == "opinion":
            why = "it is an opinion marked accurate, which a student could not check"
        else:
            why = "it is accurate but gives no basis to show why"
        notes.append(
            Note("points", (f"point:{point_id}",), f"'How accurate is this claim?' on point '{point_id}'", why)
        )
    return found


#: `_claim_made` by the point's id, the point and its source (see `primer.memo`).
_CLAIMS: Memo[tuple[str, int, int], Candidate] = Memo()


def _claim_question(lib: Library, point_id: str) -> Candidate:
    """A single-choice question on one point: which of the four statuses it has."""
    point, source = lib.points[point_id], lib.source_of(point_id)
    made = partial(_claim_made, point_id, point, source)
    return _CLAIMS.get((point_id, id(point), id(source)), made, keep=(point, source))


def _claim_made(point_id: str, point: Point, source: Source) -> Candidate:
    status = point.status
    word = dict(STATUSES)[status].lower()
    verdict = _VERDICTS[status]
    if status == "unverified" and point.kind == "opinion":
        verdict = "it is an opinion or a prediction, which cannot be checked as a fact"
    basis = f" This rests on: {_end(point.basis)}" if point.basis else ""
    if status == "accurate":
        explanation = f"The claim in {source.short} is accurate: {verdict}.{basis}"
    else:
        explanation = f"The claim in {source.short} is {word}. {_end(str(point.correction))}{basis}"
    # The options keep the order of the scale (as on the About page) rather than a shuffled one:
    # they are the same four words in every claim question, and the keys vary with the points.
    choices = [
        {
            "text": label,
            "correct": option == status,
            "feedback": f"Right: {verdict}."
            if option == status
            else f"No: the claim is {word}, not {label.lower()}; {verdict}.",
        }
        for option, label in STATUSES
    ]
    qid = question_id("claim", f"claim|{point_id}")  # as before: an exclude: list keeps working
    return Candidate(
        id=qid,
        generator="points",
        data={
            "id": qid,
            "type": "single",
            "stem": f"How accurate is this claim from {md_escape(source.short)}, summarised in our words?\n\n"
            f"> {md_escape(point.text)}",
            "choices": choices,
            "explanation": explanation,
            "difficulty": 2 if status in ("accurate", "wrong") else 3,
            "tests": {"points": [point_id]},
            "tags": ["generated", "claims"],
        },
        generated_from=(f"point:{point_id}",),
        anchors=(f"point:{point_id}",),
        all_anchors=False,
        subject=f"point:{point_id}",
        origin=("point", point_id),
    )


def _source_options(
    rng: random.Random, source: Source, sources: list[Source], right_feedback: str, wrong_feedback: str
) -> list[dict[str, Any]]:
    others = [s for s in sources if s.id != source.id]
    others = rng.sample(others, min(3, len(others)))
    right = (source.label, right_feedback)
    return _choices(rng, right, [(s.label, wrong_feedback.format(other=s.short)) for s in others])


#: `_framing_made` by the sources, as objects (see `primer.memo`).
_FRAMING: Memo[tuple[int, ...], tuple[list[Candidate], list[Note]]] = Memo(limit=4)


def _framing_questions(lib: Library, notes: list[Note]) -> list[Candidate]:
    """Which article uses this loaded wording, or argues for this conclusion."""
    sources = list(lib.sources.values())
    found, said = _FRAMING.get(identities(sources), partial(_framing_made, sources), keep=sources)
    notes.extend(said)
    return list(found)


def _framing_made(sources: list[Source]) -> tuple[list[Candidate], list[Note]]:
    notes: list[Note] = []
    if len(sources) < 2 or len({normalise(s.label) for s in sources}) < len(sources):
        why = "the lesson has one source" if len(sources) < 2 else "two sources have the same label"
        about = tuple(f"source:{s.id}" for s in sources)
        notes.append(Note("framing", about, "'Which source …?' questions", why + ", so the options could not differ"))
        return [], notes
    phrase_sources: dict[str, set[str]] = {}
    for source in sources:
        for loaded in source.framing.loaded_wording:
            phrase_sources.setdefault(normalise(loaded.phrase), set()).add(source.id)
    found: list[Candidate] = []
    # each source's, kept in this process by what it reads: the source, every source's id, label and short name
    # (the wrong options), and which of its loaded phrases another source uses too (an edited source makes its
    # own again, not all 600 sources' at 256 topics)
    labels = _LABELS.same("labels", tuple((s.id, s.label, s.short) for s in sources)) if memo.on() else ()
    for source in sources:
        shared = tuple(len(phrase_sources[normalise(w.phrase)]) > 1 for w in source.framing.loaded_wording)
        make = partial(_source_framing, source, sources, shared)
        key = (id(source), id(labels), shared)
        made, said = _SOURCE_FRAMING.get(key, make, keep=(source, labels)) if memo.on() else make()
        found.extend(made)
        notes.extend(said)
    return found, notes


#: `_source_framing` by the source (as an object), the sources' ids, labels and short names (one object, kept
#: by its value: `_LABELS`), and which of the source's loaded phrases another source uses (see `primer.memo`).
_SOURCE_FRAMING: Memo[tuple[int, int, tuple[bool, ...]], tuple[list[Candidate], list[Note]]] = Memo()
_LABELS: Memo[str, tuple[tuple[str, str, str], ...]] = Memo()


def _source_framing(
    source: Source, sources: list[Source], shared: tuple[bool, ...]
) -> tuple[list[Candidate], list[Note]]:
    """A source's framing questions (`_framing_made`); `shared`: of each of its loaded phrases, whether another
    source uses it too."""
    notes: list[Note] = []
    found: list[Candidate] = []
    for index, loaded in enumerate(source.framing.loaded_wording):
        what = f"'Which source uses the loaded wording “{loaded.phrase}”?'"
        if shared[index]:
            notes.append(Note("framing", (f"source:{source.id}",), what, "more than one source uses it"))
            continue  # two articles use it: no single right answer
        tested = [p.id for p in source.points if loaded.paragraph in p.paragraphs]
        if not tested:
            why = f"no point of {source.short} comes from paragraph {loaded.paragraph}, so it would test nothing"
            notes.append(Note("framing", (f"source:{source.id}",), what, why))
            continue
        identity = f"wording|{source.id}|{normalise(loaded.phrase)}"
        qid = question_id("wording", identity)
        rng = random.Random(seed(identity))
        found.append(
            Candidate(
                id=qid,
                generator="framing",
                data={
                    "id": qid,
                    "type": "single",
                    "stem": f"Which source uses the loaded wording “{md_escape(loaded.phrase)}”?",
                    "choices": _source_options(
                        rng,
                        source,
                        sources,
                        f"Right: it is the wording of {source.short}, in paragraph {loaded.paragraph}.",
                        f"No: “{loaded.phrase}” is the wording of {source.short}, not of {{other}}.",
                    ),
                    "explanation": f"{source.label} uses “{loaded.phrase}” in paragraph {loaded.paragraph}. "
                    f"{_end(loaded.note)}",
                    "difficulty": 3,
                    "tests": {"points": tested},
                    "tags": ["generated", "framing"],
                },
                generated_from=(f"source:{source.id}", *(f"point:{p}" for p in tested)),
                anchors=tuple(f"point:{p}" for p in tested),
                all_anchors=False,
                subject=f"wording:{source.id}:{index}",
                origin=("source", source.id),
                strong_only_with=(f"source:{source.id}",),
            )
        )
    argued = [p.id for p in source.points if p.kind == "opinion"] or [p.id for p in source.points if p.kind == "claim"]
    if not argued:
        why = f"{source.short} has no claim or opinion for it to test"
        notes.append(
            Note("framing", (f"source:{source.id}",), "'Which source wants its readers to conclude this?'", why)
        )
        return found, notes
    identity = f"conclusion|{source.id}"
    qid = question_id("framing", identity)
    rng = random.Random(seed(identity))
    found.append(
        Candidate(
            id=qid,
            generator="framing",
            data={
                "id": qid,
                "type": "single",
                "stem": "Which source wants its readers to conclude this?\n\n> " + md_escape(source.framing.conclusion),
                "choices": _source_options(
                    rng,
                    source,
                    sources,
                    f"Right: this is where {source.short} leads its readers.",
                    f"No: this is the conclusion of {source.short}; {{other}} argues something else.",
                ),
                "explanation": f"This is the conclusion {source.short} argues for, as its framing notes show.",
                "difficulty": 2,
                "tests": {"points": argued},
                "tags": ["generated", "framing"],
            },
            generated_from=(f"source:{source.id}",),
            anchors=(f"source:{source.id}",),
            all_anchors=False,
            subject=f"conclusion:{source.id}",
            origin=("source", source.id),
            strong_only_with=(f"source:{source.id}",),
        )
    )
    return found, notes


# --------------------------------------------------------------------------- all of them


def generate(lib: Library, cites: dict[str, dict[str, int]], notes: list[Note] | None = None) -> list[Candidate]:
    """Every generated question on offer, by id; `cites` maps topic id → `citations(…)`. Why a
    generator made no question from some content goes to `notes`, when given."""
    if notes is None:
        notes = []
    found: dict[str, Candidate] = {}
    candidates = [*_term_questions(lib, notes), *_point_questions(lib, notes), *_framing_questions(lib, notes)]
    rank = {e.id: i for i, e in enumerate(lib.events_in_order())}
    dumped: dict[str, str] = {}
    for topic in lib.topics_in_order():
        candidates += _timeline_questions(lib, topic, cites[topic.id], notes, rank, dumped)
    for candidate in candidates:
        found.setdefault(candidate.id, candidate)
    if memo.on():  # a question remade as it was keeps its identity (a source's edit remakes every framing one)
        return [_SAME.same(qid, found[qid]) for qid in sorted(found)]
    return [found[qid] for qid in sorted(found)]


#: Each generated question by id as the last rounds made it (`Memo.same`): the memos keyed by questions as
#: objects (the quizzes' choice, the questions built from them, the lint's and the pages' readings) find
#: what they kept for a question that an edit elsewhere remade equal.
_SAME: Memo[str, Candidate] = Memo()


#: Word stems that show which kind of question an objective is about, by generator.
_OBJECTIVE_WORDS: dict[str, tuple[str, ...]] = {
    "glossary": ("name", "defin", "term", "describ", "mean", "stand", "vocab", "identif"),
    "timeline": ("order", "sequen", "timeline", "when", "date", "happen", "chronolog", "event", "outline", "step"),
    "points": ("claim", "check", "correct", "error", "accura", "evaluat", "verif", "fact", "evidence", "wrong"),
    "framing": ("fram", "loaded", "wording", "bias", "compar", "argu", "quot", "voice", "attribut", "neutral"),
}
_WORD = re.compile(r"[a-z0-9]+")
_COMMON = frozenset(
    re.findall(
        r"\w+",
        "students about after against also because been before between both does each from have into more most "
        "much only other over said says some such than that their them then there these they this those through "
        "under until what when where which while with would your",
    )
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 3 and w not in _COMMON}


def objective_for(topic: Topic, candidate: Candidate) -> str:
    """The topic's objective for a generated question: `generate.objective` when set; else the one
    whose wording best fits the kind of question (claims, order, framing, terms; counted twice) and
    shares most words with the question itself; the first objective of equals."""
    if topic.generate.objective is not None:
        return topic.generate.objective
    stem, explanation = candidate.data["stem"], candidate.data["explanation"]
    objectives = [(o.id, o.text) for o in topic.objectives]
    # kept between commands by what it reads (`primer.facts.kept`): a fresh process reads each objective anew
    made = partial(facts.key, "objective", candidate.generator, stem, explanation, repr(objectives))
    return facts.kept().get(made, partial(_best_objective, objectives, candidate.generator, f"{stem} {explanation}"))


def _best_objective(objectives: list[tuple[str, str]], generator: str, text: str) -> str:
    """`objective_for` of the objectives (id, text), for a question of `generator` whose texts are `text`."""
    own = _words(text)

    def fit(objective: tuple[str, str]) -> int:
        kind, words = _objective_reading(objective[1], generator)
        return 2 * kind + len(words & own)

    return max(objectives, key=fit)[0]  # max keeps the first of equals


@lru_cache(maxsize=1 << 14)
def _objective_reading(text: str, generator: str) -> tuple[int, frozenset[str]]:
    """How many of an objective's words fit the kind of question `generator` makes, and its words (kept:
    each topic's objectives are read again for every generated question that joins its quiz)."""
    stems = _OBJECTIVE_WORDS[generator]
    kind = sum(any(word.startswith(s) for s in stems) for word in set(_WORD.findall(text.lower())))
    return kind, frozenset(_words(text))
