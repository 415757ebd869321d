"""The derive stage: what follows from the Library without new content — each topic's quiz,
generated questions, and backlinks ("appears in").

A topic's quiz is its hand-written questions, in the order it lists them, then the generated
questions that fit it, up to `generate.max`:

- a question on a glossary term joins topics whose sections cite (link) or mention the term;
- a timeline question joins topics that cite every one of its events (a link, or `next`);
- a claim question joins topics that cite its point (a link, or a perspective's points);
- a framing question joins topics that cite the paragraph's points (loaded wording) or list
  the source (the article's conclusion); it counts as cited only where the sections link the
  source itself (`[Article A](source:ID)`), else as merely mentioned.

Generators take turns (claims, framing, timeline, glossary), questions on cited items before
those on items merely mentioned (or sources merely listed), questions not yet in an earlier
topic's quiz before repeats, one question per subject (a term, a point, an article's wording …),
no generator taking more than half the places, and never a question that tests only what the
topic's hand-written questions already test. A topic turns generators
off, caps their number, or excludes questions by id under `generate:`. A generated question
serves an objective of the first topic (in topic order) whose quiz it joins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from primer import memo
from primer.content.library import Library
from primer.content.models import QuestionBase, Topic
from primer.content.terms import TermMatcher
from primer.errors import Problem
from primer.memo import Memo, identities
from primer.quiz.generate import (
    CITED,
    CLAIM_TURNS,
    GENERATORS,
    MENTIONED,
    Candidate,
    citations,
    generate,
    objective_for,
)
from primer.reads import value_hash, view, view_maps


@dataclass
class Derived:
    """Everything the targets need beyond the Library itself."""

    #: topic id → the questions of its quiz, in order (hand-written first, then generated).
    quizzes: dict[str, list[QuestionBase]] = field(default_factory=dict)
    #: generated question id → what it was generated from, e.g. ["term:thaad"].
    generated_from: dict[str, list[str]] = field(default_factory=dict)
    #: term id → ids of the topics whose text uses or cites it.
    term_topics: dict[str, list[str]] = field(default_factory=dict)
    #: point id → ids of the questions that test it.
    point_questions: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    #: generated question id → the question, for every generated question in some quiz, by id.
    generated: dict[str, QuestionBase] = field(default_factory=dict)
    #: question id → ids of the topics whose quizzes hold it, in topic order (hand-written and generated).
    question_topics: dict[str, list[str]] = field(default_factory=dict)
    #: topic id → generated question id → why that question offered to the topic did not join its quiz
    #: (`primer check --explain-generated` reads it, so the reasons are the rules that applied).
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)

    #: every question by id, sorted: hand-written ones (in a quiz or not) and generated ones in a quiz.
    #: This is the question bank the JSON export holds; every count of questions starts here.
    bank: dict[str, QuestionBase] = field(default_factory=dict)
    #: topic id → what the topic cites or mentions (`primer.quiz.generate.citations`), kept so that
    #: the report need not search every topic's text for glossary names again.
    citations: dict[str, dict[str, int]] = field(default_factory=dict)

    def digest(self, qid: str) -> str:
        """The hash of the bank's question `qid` as it is now, every field of it (`primer.reads.value_hash`),
        worked out once (held beside the fields: not a collection pages read)."""
        digests: dict[str, str] = self.__dict__.setdefault("_digests", {})
        found = digests.get(qid)
        if found is None:
            found = digests[qid] = value_hash(self.bank[qid])
        return found

    def digest_bank(self) -> None:
        """Work out `digest` of every question of the bank, in a process about to fork workers that read them
        (the report's part that reads them would otherwise hash each question again, and lose them on exit)."""
        for qid in self.bank:
            self.digest(qid)

    def all_questions(self) -> dict[str, QuestionBase]:
        """Every question of every quiz by id, sorted."""
        found = {q.id: q for quiz in self.quizzes.values() for q in quiz}
        return dict(sorted(found.items()))

    def quiz_sizes(self) -> dict[str, int]:
        """How many questions each topic's quiz holds, by topic id. Each use reads the view "quiz sizes" (see
        `DERIVED_VIEWS`): a list of the topics that counts their questions reads none of the questions."""
        return view(self, "quiz sizes", lambda: {tid: len(quiz) for tid, quiz in self.quizzes.items()})

    def view_maps(self) -> dict[str, Mapping[str, Any]]:
        """Each view (`DERIVED_VIEWS`) as a collection `primer.reads.PageMap` digests (`primer.reads.view_maps`)."""
        return view_maps(self, DERIVED_VIEWS)

    def counts(self) -> QuestionCounts:
        """How many questions the bank, the quizzes and their answer keys hold."""
        in_quizzes = self.all_questions()
        placements = sum(len(quiz) for quiz in self.quizzes.values())
        return QuestionCounts(
            bank=len(self.bank),
            in_quizzes=len(in_quizzes),
            placements=placements,
            repeated=sum(1 for qid in in_quizzes if len(self.question_topics.get(qid, [])) > 1),
            in_no_quiz=len(self.bank) - len(in_quizzes),
        )


@dataclass(frozen=True)
class QuestionCounts:
    """Question counts that pages show, from one place so that they always agree."""

    #: questions in the bank (the JSON export): hand-written ones and the generated ones in a quiz
    bank: int
    #: different questions in the quizzes
    in_quizzes: int
    #: questions on all quiz pages together (and answer-key entries): one in two quizzes counts twice
    placements: int
    #: questions in more than one quiz
    repeated: int
    #: hand-written questions that no topic's quiz lists
    in_no_quiz: int


#: The views of the derived questions (see `primer.content.library.VIEWS`): how many questions each quiz holds.
DERIVED_VIEWS: dict[str, Callable[[Derived], Any]] = {"quiz sizes": Derived.quiz_sizes}


def derive(lib: Library) -> Derived:
    """Compute quizzes (with generated questions) and backlinks from a validated Library."""
    memo.new_round()
    derived = Derived()
    matcher = TermMatcher(lib.terms.values())
    topics = lib.topics_in_order()
    cites = {topic.id: citations(lib, topic, matcher) for topic in topics}
    candidates: dict[str, list[Candidate]] = {}  # by anchor, so that a topic looks only at its own
    for candidate in generate(lib, cites):
        for anchor in candidate.anchors:
            candidates.setdefault(anchor, []).append(candidate)

    chosen: dict[str, list[Candidate]] = {}
    elsewhere: set[str] = set()
    for topic in topics:
        skipped = derived.skipped.setdefault(topic.id, {})
        chosen[topic.id] = _choose(lib, topic, cites[topic.id], candidates, elsewhere, derived.warnings, skipped)
        elsewhere.update(c.id for c in chosen[topic.id])
        for ref in cites[topic.id]:
            kind, _, item = ref.partition(":")
            if kind == "term" and item in lib.terms:
                derived.term_topics.setdefault(item, []).append(topic.id)
        for qid in topic.questions:
            derived.question_topics.setdefault(qid, []).append(topic.id)

    built: dict[str, QuestionBase] = {}
    for topic in topics:
        quiz = [lib.questions[q] for q in topic.questions]
        for candidate in chosen[topic.id]:
            question = built.get(candidate.id)
            if question is None:
                try:
                    question = _built(topic, candidate)
                except ValueError as exc:  # pydantic's ValidationError: the content cannot make this question
                    derived.warnings.append(_unbuildable(lib, candidate, exc))
                    continue
                built[candidate.id] = question
                derived.generated_from[candidate.id] = list(candidate.generated_from)
            derived.question_topics.setdefault(candidate.id, []).append(topic.id)
            quiz.append(question)
        derived.quizzes[topic.id] = quiz
    derived.generated = dict(sorted(built.items()))
    derived.generated_from = dict(sorted(derived.generated_from.items()))
    derived.question_topics = dict(sorted(derived.question_topics.items()))
    derived.bank = dict(sorted({**lib.questions, **derived.generated}.items()))

    for question in [*lib.questions.values(), *derived.generated.values()]:
        for point_id in question.tests.points:
            derived.point_questions.setdefault(point_id, []).append(question.id)
    derived.point_questions = {p: sorted(qs) for p, qs in sorted(derived.point_questions.items())}
    derived.term_topics = dict(sorted(derived.term_topics.items()))
    derived.citations = cites
    derived.warnings.sort()
    return derived


#: A generated question as built for a topic, by the topic and the candidate as objects (see `primer.memo`):
#: its objective is all it takes from the topic (`objective_for`).
_QUESTIONS: Memo[tuple[int, ...], QuestionBase] = Memo()


def _built(topic: Topic, candidate: Candidate) -> QuestionBase:
    def make() -> QuestionBase:
        return candidate.build(objective_for(topic, candidate))

    return _QUESTIONS.get(identities(topic, candidate), make, keep=(topic, candidate))


#: `_chosen` by what it reads: the topic, its own questions and the questions on offer to it (as objects, see
#: `primer.memo`), what it cites, and which of those on offer earlier topics took.
_CHOSEN: Memo[tuple[object, ...], tuple[list[Candidate], list[Problem], dict[str, str]]] = Memo()


def _choose(
    lib: Library,
    topic: Topic,
    cites: dict[str, int],
    candidates: dict[str, list[Candidate]],
    elsewhere: set[str],
    warnings: list[Problem],
    skipped: dict[str, str],
) -> list[Candidate]:
    """The generated questions that join one topic's quiz, in quiz order; questions already in
    an earlier topic's quiz (`elsewhere`) come after fresh ones of the same relevance. Why each
    other question offered stays out goes into `skipped`, by id."""
    nearby = {c.id: c for ref in cites for c in candidates.get(ref, [])}

    def make() -> tuple[list[Candidate], list[Problem], dict[str, str]]:
        said: list[Problem] = []
        why: dict[str, str] = {}
        return _chosen(lib, topic, cites, nearby, elsewhere, said, why), said, why

    if memo.on():
        own = [lib.questions[qid] for qid in topic.questions]
        near = list(nearby.values())
        key = (identities(topic, own, near), tuple(cites.items()), frozenset(elsewhere.intersection(nearby)))
        picked, said, why = _CHOSEN.get(key, make, keep=(topic, own, near))
    else:
        picked, said, why = make()
    warnings.extend(said)
    skipped.update(why)
    return list(picked)


def _chosen(
    lib: Library,
    topic: Topic,
    cites: dict[str, int],
    nearby: dict[str, Candidate],
    elsewhere: set[str],
    warnings: list[Problem],
    skipped: dict[str, str],
) -> list[Candidate]:
    """`_choose` of the questions on offer to the topic (`nearby`, by id)."""
    settings = topic.generate
    offered = {qid: (c.relevance(cites), c) for qid, c in sorted(nearby.items())}
    offered = {qid: pair for qid, pair in offered.items() if pair[0] > 0}
    origin = lib.origins[("topic", topic.id)]
    for i, qid in enumerate(settings.exclude):
        if qid not in offered:
            warnings.append(
                origin.problem(
                    ("generate", "exclude", i),
                    f"no generated question '{qid}' is offered to this topic",
                    "remove it from exclude: (the content it came from may have changed; "
                    "`primer export --format json` lists generated ids)",
                    warning=True,
                )
            )
    tested = {
        f"{kind[:-1]}:{item}"
        for qid in topic.questions
        for kind in ("points", "terms", "events")
        for item in getattr(lib.questions[qid].tests, kind)
    }
    usable = []
    for relevance, candidate in offered.values():
        if not getattr(settings, candidate.generator):
            skipped[candidate.id] = f"generate: {candidate.generator}: false turns this generator off for the topic"
        elif candidate.id in settings.exclude:
            skipped[candidate.id] = "it is left out under generate: exclude"
        elif candidate.tests() <= tested:  # the hand-written questions already test all of it
            skipped[candidate.id] = "the topic's own questions already test " + ", ".join(sorted(candidate.tests()))
        else:
            usable.append((relevance, candidate))
    picked: list[Candidate] = []
    subjects: set[str] = set()
    share = dict.fromkeys(GENERATORS, 0)
    per_generator = max(1, -(-settings.max // 2))  # no generator takes more than half the places
    for tier in (CITED, MENTIONED):
        queues = {g: [c for r, c in usable if r == tier and c.generator == g] for g in GENERATORS}
        for queue in queues.values():
            queue.sort(key=lambda c: (c.id in elsewhere, c.id))  # spread questions over the quizzes
        queues["points"] = _alternate(queues["points"])
        while len(picked) < settings.max and any(queues.values()):
            for generator in GENERATORS:
                queue = queues[generator]
                while queue and len(picked) < settings.max:
                    candidate = queue.pop(0)
                    if candidate.subject in subjects:
                        skipped[candidate.id] = "the quiz already has a generated question on the same thing"
                    elif share[generator] >= per_generator:
                        skipped[candidate.id] = (
                            f"this generator already has {share[generator]} of the quiz's places "
                            "(no generator takes more than half)"
                        )
                    else:
                        subjects.add(candidate.subject)
                        share[generator] += 1
                        picked.append(candidate)
                        break
        for queue in queues.values():
            for candidate in queue:
                skipped[candidate.id] = f"the quiz is full: generate: max is {settings.max}"
    return picked


def _alternate(queue: list[Candidate]) -> list[Candidate]:
    """Claim questions taking turns by their right answer (wrong, partly accurate, accurate,
    unverified; other answers after those, in the order they first come up), so that a quiz
    never teaches students that a claim shown to them always has the same status."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in queue:
        groups.setdefault(_key(candidate), []).append(candidate)
    # Corrections teach the most, so a wrong or partly accurate claim takes the first turn.
    turn = {label: i for i, label in enumerate(CLAIM_TURNS)}
    groups = dict(sorted(groups.items(), key=lambda item: turn.get(item[0], len(turn))))
    turns: list[Candidate] = []
    for i in range(max((len(group) for group in groups.values()), default=0)):
        turns += [group[i] for group in groups.values() if i < len(group)]
    return turns


def _key(candidate: Candidate) -> str:
    """The right answer of a generated question, as text (the right option's, or true/false)."""
    data = candidate.data
    if "choices" in data:
        return "; ".join(c["text"] for c in data["choices"] if c["correct"])
    return str(data.get("answer"))


def _unbuildable(lib: Library, candidate: Candidate, exc: ValueError) -> Problem:
    origin = lib.origins[candidate.origin]
    first = str(exc).splitlines()[-1].strip() if str(exc) else type(exc).__name__
    return origin.problem(
        (),
        f"the generated question '{candidate.id}' cannot be built from this {candidate.origin[0]}: {first}",
        "adjust the content, or exclude the question under a topic's generate: exclude:",
        warning=True,
    )
