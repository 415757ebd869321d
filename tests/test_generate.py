"""Generated questions: the same models as hand-written ones, deterministic, with stable ids,
attached by relevance, and under the author's control per topic (tests/data/bank)."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from pydantic import TypeAdapter

from primer.build import CheckResult, check
from primer.content.library import LINK
from primer.content.models import Ordering as OrderingQuestion
from primer.content.models import Question, QuestionBase, SingleChoice
from primer.content.terms import TermMatcher
from primer.quiz.generate import Note, generate, term_names
from primer.quiz.scoring import normalise
from tools import ROOT

Invoke = Callable[..., Result]
BANK = Path(__file__).resolve().parent / "data" / "bank"
QUESTION: TypeAdapter[Any] = TypeAdapter(Question)


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A fresh copy of the quiz-engine content tree."""
    target = tmp_path / "content"
    shutil.copytree(BANK, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _generated(result: CheckResult, topic: str | None = None) -> list[QuestionBase]:
    derived = result.derived
    if topic is None:
        return list(derived.generated.values())
    return [q for q in derived.quizzes[topic] if q.id.startswith("gen-")]


def _kind(question: QuestionBase) -> str:
    return question.id.split("-")[1]


def test_every_generator_contributes_on_the_bank_tree() -> None:
    result = check(BANK)
    assert result.warnings == []
    kinds = {_kind(q) for q in _generated(result)}
    assert kinds == {"term", "acronym", "order", "first", "claim", "wording", "framing"}


def test_generated_questions_are_validated_models_that_name_their_sources() -> None:
    result = check(BANK)
    lib, derived = result.library, result.derived
    for qid, question in derived.generated.items():
        assert qid.startswith("gen-") and question.id == qid
        assert QUESTION.validate_python(question.model_dump()) == question, "the same rules as hand-written ones"
        assert not question.tests.empty()
        assert derived.generated_from[qid], f"{qid} lists what it was generated from"
        for ref in derived.generated_from[qid]:
            kind, _, item = ref.partition(":")
            table = {"term": lib.terms, "event": lib.events, "point": lib.points, "source": lib.sources}[kind]
            assert item in table
        first_topic = derived.question_topics[qid][0]
        assert lib.objective_topic[question.objective] == first_topic
        assert "generated" in question.tags


def test_quizzes_hold_hand_written_questions_first() -> None:
    result = check(BANK)
    for topic in result.library.topics_in_order():
        quiz = [q.id for q in result.derived.quizzes[topic.id]]
        assert quiz[: len(topic.questions)] == topic.questions
        assert all(qid.startswith("gen-") for qid in quiz[len(topic.questions) :])
        assert len(quiz) - len(topic.questions) <= topic.generate.max


def test_generated_questions_do_not_repeat_what_hand_written_ones_test() -> None:
    result = check(BANK)
    lib = result.library
    for topic in lib.topics_in_order():
        tested = {
            (kind, item)
            for qid in topic.questions
            for kind in ("points", "terms", "events")
            for item in getattr(lib.questions[qid].tests, kind)
        }
        for question in _generated(result, topic.id):
            mine = {(k, i) for k in ("points", "terms", "events") for i in getattr(question.tests, k)}
            assert not mine <= tested, f"{question.id} only tests what {topic.id}'s own questions test"


def test_two_runs_give_the_same_questions() -> None:
    one, two = check(BANK).derived, check(BANK).derived
    assert {k: q.model_dump() for k, q in one.generated.items()} == {
        k: q.model_dump() for k, q in two.generated.items()
    }
    assert {t: [q.id for q in quiz] for t, quiz in one.quizzes.items()} == {
        t: [q.id for q in quiz] for t, quiz in two.quizzes.items()
    }


def test_the_export_is_the_same_under_any_hash_seed(tmp_path: Path) -> None:
    """Separate processes with different PYTHONHASHSEED: set and dict order must not leak in."""
    outputs = []
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = tmp_path / f"bank-{hash_seed}.json"
        command = [
            sys.executable,
            "-m",
            "primer",
            "export",
            "--format",
            "json",
            "--content",
            str(BANK),
            "--out",
            str(out),
        ]
        proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_ids_stay_when_unrelated_content_changes(bank: Path) -> None:
    before = {q.id: q.model_dump() for q in _generated(check(bank))}
    with (bank / "glossary.yaml").open("a", encoding="utf-8") as glossary:
        glossary.write(
            "  - {id: treaty, term: treaty, category: law, definition: A treaty is a written deal between countries.}\n"
        )
    with (bank / "timeline.yaml").open("a", encoding="utf-8") as timeline:
        timeline.write(
            "  - {id: unrelated, date: '1999', title: Something unrelated, text: It happened., basis: Records.}\n"
        )
    _edit(
        bank / "sources" / "beta.yaml",
        "  - id: b-pact-signed\n",
        "  - id: b-extra\n    text: An extra point.\n"
        "    paragraphs: [1]\n    kind: fact\n    status: accurate\n  - id: b-pact-signed\n",
    )
    after = {q.id: q.model_dump() for q in _generated(check(bank))}
    assert after == before


def test_rewording_keeps_a_questions_id(bank: Path) -> None:
    before = {q.id for q in _generated(check(bank))}
    _edit(
        bank / "sources" / "alpha.yaml",
        "Tests succeed often, but no system stops every missile.",
        "Many tests succeed, yet no defense stops every missile.",
    )
    result = check(bank)
    after = {q.id for q in _generated(result)}
    assert after == before
    claims = [q for q in _generated(result) if "a-shield-perfect" in q.tests.points and _kind(q) == "claim"]
    assert claims and "yet no defense stops every missile" in claims[0].explanation


def test_an_excluded_question_leaves_that_quiz(bank: Path) -> None:
    first = _generated(check(bank), "radars")[0]
    _edit(bank / "topics" / "radars.yaml", "questions: [", f"generate:\n  exclude: [{first.id}]\nquestions: [")
    result = check(bank)
    assert result.warnings == []
    assert first.id not in [q.id for q in _generated(result, "radars")]


def test_excluding_an_unknown_id_warns_at_its_line(bank: Path, cli: Invoke) -> None:
    _edit(bank / "topics" / "radars.yaml", "questions: [", "generate:\n  exclude: [gen-term-0000000000]\nquestions: [")
    result = cli("check", "--content", bank)
    assert result.exit_code == 0
    assert (
        "content/topics/radars.yaml:26:13: warning: no generated question 'gen-term-0000000000' is offered to this "
        "topic — remove it from exclude:"
    ) in result.stderr
    assert cli("check", "--strict", "--content", bank).exit_code == 1


@pytest.mark.parametrize(
    ("setting", "kinds"),
    [
        ("glossary", {"term", "acronym"}),
        ("timeline", {"order", "first"}),
        ("points", {"claim"}),
        ("framing", {"wording", "framing"}),
    ],
)
def test_a_generator_can_be_turned_off_per_topic(bank: Path, setting: str, kinds: set[str]) -> None:
    on = {_kind(q) for q in _generated(check(bank), "radars")}
    assert on & kinds, f"the {setting} generator offers radars something"
    _edit(bank / "topics" / "radars.yaml", "questions: [", f"generate:\n  {setting}: false\nquestions: [")
    result = check(bank)
    assert not {_kind(q) for q in _generated(result, "radars")} & kinds
    assert {_kind(q) for q in _generated(result, "framing")} & kinds or setting in ("timeline",), "others keep theirs"


@pytest.mark.parametrize("most", [0, 2])
def test_max_caps_the_generated_questions(bank: Path, most: int) -> None:
    _edit(bank / "topics" / "radars.yaml", "questions: [", f"generate:\n  max: {most}\nquestions: [")
    assert len(_generated(check(bank), "radars")) == most


def test_the_objective_can_be_set(bank: Path) -> None:
    _edit(bank / "topics" / "radars.yaml", "questions: [", "generate:\n  objective: radars-order\nquestions: [")
    result = check(bank)
    own = [q for q in _generated(result, "radars") if result.derived.question_topics[q.id][0] == "radars"]
    assert own and {q.objective for q in own} == {"radars-order"}


def test_default_objectives_fit_the_kind_of_question() -> None:
    result = check(BANK)
    for question in _generated(result, "radars"):
        if result.derived.question_topics[question.id][0] != "radars":
            continue
        expected = {"order": "radars-order", "first": "radars-order", "claim": "radars-check"}.get(_kind(question))
        if expected:
            assert question.objective == expected, question.id


def _related(result: CheckResult, term_id: str) -> set[str]:
    """Terms a term's wrong options may come from besides its category: see-also either way, and
    terms named in the same section or point."""
    lib = result.library
    related = set(lib.terms[term_id].see_also) | {t.id for t in lib.terms.values() if term_id in t.see_also}
    matcher = TermMatcher(lib.terms.values())
    texts = [s.title + "\n" + s.body for t in lib.topics.values() for s in t.sections]
    texts += [p.text for p in lib.points.values()]
    for text in texts:
        found = set(matcher.find(text)) | {i for k, i in LINK.findall(text) if k == "term"}
        if term_id in found:
            related |= found
    return related - {term_id}


def test_term_questions_draw_wrong_options_from_the_nearest_terms() -> None:
    """Same category first; a small category is topped up with related terms, and then the stem
    names no category and the feedback says "a different term"."""
    result = check(BANK)
    lib = result.library
    by_text: dict[str, str] = {}
    for term in lib.terms.values():
        for name in [*term_names(term), term.expansion or term.term]:
            by_text[normalise(name)] = term.id
    checked = mixed = 0
    for question in _generated(result):
        if _kind(question) not in ("term", "acronym"):
            continue
        assert isinstance(question, SingleChoice)
        term = lib.terms[result.derived.generated_from[question.id][0].removeprefix("term:")]
        own = {normalise(n) for n in term_names(term)}
        others = [
            by_text[normalise(c.text)] for c in question.choices if not c.correct and normalise(c.text) in by_text
        ]
        for choice in question.choices:
            if not choice.correct:
                assert normalise(choice.text) not in own, "never the term's own name, alias or expansion"
        for other in others:
            assert lib.terms[other].category == term.category or other in _related(result, term.id), other
            checked += 1
        if any(lib.terms[o].category != term.category for o in others):
            mixed += 1
            if _kind(question) == "term":
                assert question.stem.startswith("Which of these terms does this describe?"), question.stem
                assert any("is a different term" in c.feedback for c in question.choices)
        elif _kind(question) == "term" and question.stem.startswith("Which "):
            assert question.stem.startswith(f"Which {term.category} does this describe?"), question.stem
    assert checked >= 2
    assert mixed >= 1, "the bank's small categories are topped up with related terms"


def test_a_term_with_too_few_near_terms_gets_no_question_and_a_note(mini: Path) -> None:
    result = check(mini)
    notes: list[Note] = []
    generate(result.library, {t: {} for t in result.library.topics}, notes)
    glossary = [n for n in notes if n.generator == "glossary"]
    assert {n.about for n in glossary} >= {("term:radar",), ("term:thaad",)}
    assert all("wrong options" in n.why for n in glossary)


def test_acronym_questions() -> None:
    result = check(BANK)
    lib = result.library
    acronyms = [q for q in _generated(result) if _kind(q) == "acronym"]
    assert acronyms
    expansions = {t.expansion for t in lib.terms.values() if t.expansion}
    for question in acronyms:
        assert isinstance(question, SingleChoice)
        term = lib.terms[result.derived.generated_from[question.id][0].removeprefix("term:")]
        assert question.stem == f"What does **{term.term}** stand for?"
        assert [c.text for c in question.choices if c.correct] == [term.expansion]
        assert {c.text for c in question.choices} <= expansions
        assert 3 <= len(question.choices) <= 4


def test_definition_questions_hide_the_term() -> None:
    result = check(BANK)
    lib = result.library
    for question in _generated(result):
        if _kind(question) != "term":
            continue
        term = lib.terms[result.derived.generated_from[question.id][0].removeprefix("term:")]
        assert isinstance(question, SingleChoice)
        if "\n\n> " in question.stem:  # definition → which term
            shown = question.stem.split("\n\n> ", 1)[1]
        else:  # term → which definition
            shown = next(c.text for c in question.choices if c.correct)
        for name in term_names(term):
            assert f" {name.lower()} " not in f" {shown.lower()} ", f"{question.id} gives '{name}' away"


SHIPPED = (ROOT / "content", ROOT / "examples" / "south-china-sea-arbitration" / "content", BANK)


@pytest.mark.parametrize("content", SHIPPED, ids=["content", "example", "bank"])
def test_generated_glossary_text_reads_as_sentences(content: Path) -> None:
    """No option opens with a blank, no "A(n)", terms in feedback are quoted, and the stem names
    a category only when every option is of it."""
    result = check(content)
    lib = result.library
    for question in _generated(result):
        if _kind(question) != "term":
            continue
        assert isinstance(question, SingleChoice)
        term = lib.terms[result.derived.generated_from[question.id][0].removeprefix("term:")]
        for choice in question.choices:
            assert not choice.text.startswith("…"), question.id
            assert "A(n)" not in choice.text and "a(n)" not in choice.text
            assert "“" in choice.feedback, "a term in feedback is quoted"
        assert not question.explanation[:1].islower(), question.explanation
        if question.stem.startswith(("Which of these describes", "What does")):
            assert question.stem.startswith("What does" if term.term[:1].islower() else "Which of these describes")


@pytest.mark.parametrize("content", SHIPPED[:2], ids=["content", "example"])
def test_timeline_questions_use_events_close_in_time(content: Path) -> None:
    result = check(content)
    lib = result.library
    timeline = [q for q in _generated(result) if _kind(q) in ("order", "first")]
    assert timeline
    for question in timeline:
        events = [lib.events[e] for e in question.tests.events]
        assert max(e.date.last.year for e in events) - min(e.date.first.year for e in events) <= 1, question.id


def test_timeline_span_is_a_setting_and_a_topic_without_close_events_gets_none(bank: Path, cli: Invoke) -> None:
    _edit(bank / "topics" / "radars.yaml", "questions: [", "generate:\n  timeline_span: 0\nquestions: [")
    assert not [q for q in _generated(check(bank), "radars") if _kind(q) in ("order", "first")]
    result = cli("check", "--explain-generated", "--content", bank)
    assert result.exit_code == 0, result.output
    assert (
        "  timeline: skipped 'Which came first' — no 3 of the cited events with certain order and different titles "
        "fall in the same year (2006, 2014, 2016, 2017); a wider generate: timeline_span allows more"
    ) in result.stdout.splitlines()


def test_explain_generated_says_why_for_every_candidate(bank: Path, cli: Invoke) -> None:
    first = cli("check", "--explain-generated", "--content", bank)
    assert first.exit_code == 0, first.output
    assert cli("check", "--explain-generated", "--content", bank).stdout == first.stdout, "deterministic"
    lines = first.stdout.splitlines()
    assert lines[0].startswith("Topic 'radars' (content/topics/radars.yaml:1): 8 of ")
    assert lines[-1].startswith("ok: ")
    assert any(line.startswith("Topic 'framing' (content/topics/framing.yaml:1): ") for line in lines)
    quiz = {q.id for q in _generated(check(bank), "radars")}
    radars = lines[1 : next(i for i, line in enumerate(lines) if line.startswith("Topic 'framing'"))]
    chosen = {line.split()[2] for line in radars if " chose " in line}
    assert chosen == quiz
    for line in radars:
        generator, _, rest = line.strip().partition(": ")
        assert generator in ("points", "framing", "timeline", "glossary")
        assert rest.startswith(("chose ", "skipped ")) and " — " in rest, line
    assert any("— the topic's own questions already test term:thaad" in line for line in radars)
    assert any("— the quiz already has a generated question on the same thing" in line for line in radars)
    assert (
        "  points: skipped 'How accurate is this claim?' on point 'a-radar-north' — it is accurate but gives no basis"
        in (first.stdout)
    )
    plain = cli("check", "--content", bank)
    assert "Topic '" not in plain.stdout, "only when asked"


def test_timeline_questions_are_in_date_order() -> None:
    result = check(BANK)
    lib = result.library
    for question in _generated(result):
        events = [lib.events[e] for e in question.tests.events]
        if isinstance(question, OrderingQuestion):
            assert 3 <= len(question.items) <= 5
            assert question.items == [e.title for e in events]
            for earlier, later in itertools.pairwise(events):
                assert earlier.date.last < later.date.first, "no two dates may overlap"
        elif _kind(question) == "first":
            assert isinstance(question, SingleChoice)
            earliest = min(events, key=lambda e: e.date.sort_key())
            assert [c.text for c in question.choices if c.correct] == [earliest.title]


def test_claim_questions_carry_the_correction() -> None:
    result = check(BANK)
    lib = result.library
    claims = [q for q in _generated(result) if _kind(q) == "claim"]
    assert claims
    for question in claims:
        assert isinstance(question, SingleChoice)
        (point_id,) = question.tests.points
        point = lib.points[point_id]
        assert [c.text for c in question.choices] == ["Accurate", "Partly accurate", "Wrong", "Unverified"]
        (right,) = [c.text for c in question.choices if c.correct]
        assert right.lower().replace(" ", "-") == point.status
        if point.status != "accurate":
            assert point.correction and point.correction in question.explanation
        assert question.stem.startswith(f"How accurate is this claim from {lib.source_of(point_id).short}")


def test_framing_questions_ask_which_article() -> None:
    result = check(BANK)
    wording = [q for q in _generated(result) if _kind(q) in ("wording", "framing")]
    assert wording
    for question in wording:
        assert isinstance(question, SingleChoice)
        assert sorted(c.text for c in question.choices) == ["Article A", "Article B"]


def test_terms_link_back_to_topics_that_mention_them() -> None:
    derived = check(BANK).derived
    assert derived.term_topics["kamd"] == ["radars", "framing"], "mentioned by name, not linked"
    assert derived.term_topics["radar"] == ["radars", "framing"]
    assert "usfk" not in derived.term_topics


def test_point_questions_include_generated_ones() -> None:
    derived = check(BANK).derived
    generated = [qid for qid in derived.point_questions["a-shield-perfect"] if qid.startswith("gen-")]
    assert generated


def test_claim_questions_are_not_always_false() -> None:
    """Claim questions key every status the points have; a quiz's claim questions take turns by
    their right answer, a correction first, so that no status is always the answer."""
    from primer.build import check
    from tools import ROOT

    derived = check(ROOT / "content").derived

    def right(question: QuestionBase) -> str:
        assert isinstance(question, SingleChoice)
        return next(c.text for c in question.choices if c.correct)

    claims = [q for q in derived.generated.values() if q.id.startswith("gen-claim")]
    assert {right(q) for q in claims} >= {"Accurate", "Wrong", "Unverified"}
    for quiz in derived.quizzes.values():
        answers = [right(q) for q in quiz if q.id.startswith("gen-claim")]
        if len(answers) > 1:
            assert answers[0] != answers[1], f"the first two claim questions share their answer: {answers}"


def test_a_stem_names_only_a_declared_category_that_fits() -> None:
    from primer.content.models import Vocabulary
    from primer.quiz.generate import _fits_a_stem

    defaults = Vocabulary()
    assert _fits_a_stem(defaults, "concept")
    assert not _fits_a_stem(defaults, "other"), "'Which other does this describe?' is no question"
    assert not _fits_a_stem(defaults, "maritime-feature"), "not declared"


def test_a_large_categorys_wrong_options_come_from_a_bounded_sample() -> None:
    """Drawing wrong options from every term of a large category for every term would grow with the square
    of the glossary: a term draws from `NEAR_POOL` of them, the same ones on every build, never itself."""
    from primer.content.models import Term
    from primer.quiz.generate import NEAR_POOL, _Nearby

    terms = [
        Term(id=f"t-{k:03d}", term=f"Name {k}", definition=f"The thing number {k} in a long list.", category="kind")
        for k in range(NEAR_POOL * 3)
    ]
    nearby = _Nearby.__new__(_Nearby)
    nearby.categorise(terms)
    for term in terms[:10]:
        drawn = nearby.same_category(term)
        assert len(drawn) == NEAR_POOL and term not in drawn
        assert drawn == nearby.same_category(term), "the same sample every time"
        assert [t.id for t in drawn] == sorted(t.id for t in drawn), "in glossary order"
    assert nearby.same_category(terms[0]) != nearby.same_category(terms[1])
    small = terms[: NEAR_POOL + 1]
    nearby.categorise(small)
    assert nearby.same_category(small[0]) == small[1:], "a category that fits is drawn from whole"


def test_each_terms_sample_is_its_seeded_draw_without_itself() -> None:
    """Every term of a large category draws the places its seed gives (`_picked`), in glossary order, itself left
    out when drawn, else the last place drawn: the very term objects of the category, whatever the glossary's
    other categories."""
    import random

    from primer.content.models import Term
    from primer.quiz.generate import NEAR_POOL, _Nearby, seed

    def term(k: int, category: str) -> Term:
        return Term(id=f"t-{k:03d}", term=f"Name {k}", definition=f"Thing {k} of a long list.", category=category)

    # a large category, with the terms of a small one between its terms (each term's place is in its own list)
    glossary = [term(k, "kind" if k % 5 else "other") for k in range(NEAR_POOL * 4)]
    nearby = _Nearby.__new__(_Nearby)
    nearby.categorise(glossary)
    members = nearby.by_category["kind"]
    assert len(members) > NEAR_POOL + 1
    both = 0
    for place, one in enumerate(members):
        places = sorted(random.Random(seed("nearby", one.id)).sample(range(len(members)), NEAR_POOL + 1))
        expected = [members[k] for k in places if k != place][:NEAR_POOL]
        drawn = nearby.same_category(one)
        assert len(drawn) == NEAR_POOL and all(a is b for a, b in zip(drawn, expected, strict=True)), one.id
        both |= 1 << (place in places)
    assert both == 3, "terms drawn among their own sample and terms not"
    small = nearby.by_category["other"]
    assert nearby.same_category(small[2]) == small[:2] + small[3:]


def test_related_terms_come_see_also_first_then_most_often_named_together() -> None:
    """A term's related terms are those of other categories that it lists under see_also or that list it, then
    those named in the same texts: each list most often named together first, then by id; none twice, none of
    its own category."""
    from primer.content.models import Term
    from primer.quiz.generate import _Nearby

    def term(name: str, category: str, see: tuple[str, ...] = ()) -> Term:
        return Term(id=name, term=name.title(), definition=f"{name} means this.", category=category, see_also=list(see))

    terms = {
        t.id: t
        for t in [
            term("a", "x", ("d", "b")),
            term("b", "y"),
            term("c", "x"),
            term("d", "z", ("e",)),
            term("e", "y", ("a",)),
            term("f", "z"),
            term("g", "y"),
            term("h", "z"),
        ]
    }
    together = {("a", "b"): 1, ("a", "c"): 9, ("a", "f"): 2, ("a", "g"): 2, ("a", "h"): 5, ("a", "e"): 3}
    together.update({(b, a): n for (a, b), n in together.items()})
    nearby = _Nearby.__new__(_Nearby)
    nearby.terms, nearby.together = terms, together
    nearby.listed_by = {"d": {"a"}, "b": {"a"}, "e": {"d"}, "a": {"e"}}
    nearby.met = {}
    for (a, b), n in together.items():
        nearby.met.setdefault(a, []).append((-n, b))
    nearby.categorise(terms.values())
    # see_also (a lists d and b, e lists a): e (3 together) then b (1) then d (0); then h (5), then f and g (2, by id)
    assert [t.id for t in nearby.related(terms["a"])] == ["e", "b", "d", "h", "f", "g"]
    assert [t.id for t in nearby.related(terms["c"])] == [], "c: a is of its own category"
    assert [t.id for t in nearby.related(terms["h"])] == ["a"]


def test_a_large_categorys_sample_is_drawn_once_per_term_and_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that checks again (`primer build --watch`) draws each term's sample of its category once: a
    later derive, with the lesson's terms made anew, takes the same places without drawing. A category of
    another size is drawn again, and what each gives is the term's seeded draw from that many."""
    import random

    from primer.content.models import Term
    from primer.quiz import generate
    from primer.quiz.generate import NEAR_POOL, _Nearby, seed

    def category(size: int) -> list[Term]:
        return [
            Term(id=f"t-{k:03d}", term=f"Name {k}", definition=f"Thing {k} of a long list.", category="kind")
            for k in range(size)
        ]

    def drawn(size: int, term: int) -> list[str]:
        nearby = _Nearby.__new__(_Nearby)
        nearby.categorise(category(size))
        return [t.id for t in nearby.same_category(nearby.by_category["kind"][term])]

    def expected(size: int, term: int) -> list[str]:
        places = sorted(random.Random(seed("nearby", f"t-{term:03d}")).sample(range(size), NEAR_POOL + 1))
        return [f"t-{k:03d}" for k in places if k != term][:NEAR_POOL]

    generate._picked.cache_clear()
    first = drawn(NEAR_POOL * 3, 5)
    assert first == expected(NEAR_POOL * 3, 5)

    class NoDraw:
        def __init__(self, *args: object) -> None:
            raise AssertionError("drawn again")

    with monkeypatch.context() as patched:
        patched.setattr(generate.random, "Random", NoDraw)
        assert drawn(NEAR_POOL * 3, 5) == first, "the same places, not drawn again"
        with pytest.raises(AssertionError, match="drawn again"):
            drawn(NEAR_POOL * 3 + 1, 5)  # a category grown by a term: drawn anew
    assert drawn(NEAR_POOL * 3 + 1, 5) == expected(NEAR_POOL * 3 + 1, 5)
    assert drawn(NEAR_POOL * 3, 6) == expected(NEAR_POOL * 3, 6) != first
