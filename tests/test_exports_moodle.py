"""Moodle XML read back with lxml: the elements Moodle's XML importer reads for each question type,
categories, tags and stable idnumbers. (The round trip through `primer import moodle` is in test_import.)"""

from __future__ import annotations

import importlib
import re
import xml.etree.ElementTree as ET

import pytest

from exportdata import TREES, checked, exported, module, questions, scopes, variants
from primer.content.models import (
    Cloze,
    Matching,
    MultipleChoice,
    Numeric,
    OpenResponse,
    Ordering,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from primer.exports.common import LossReport

etree = module("lxml.etree")

QTYPES = {
    "single": "multichoice",
    "multiple": "multichoice",
    "true-false": "truefalse",
    "short": "shortanswer",
    "numeric": "numerical",
    "ordering": "ordering",
    "matching": "matching",
    "cloze": "cloze",
    "open": "essay",
}
#: What Moodle's importer reads for every question, and for each type.
COMMON = ["name/text", "questiontext/text", "generalfeedback/text", "idnumber", "penalty", "hidden"]
REQUIRED = {
    "multichoice": ["single", "shuffleanswers", "answernumbering", "correctfeedback/text", "answer/text"],
    "truefalse": ["answer/text", "answer/feedback/text"],
    "shortanswer": ["usecase", "answer/text"],
    "numerical": ["answer/text", "answer/tolerance"],
    "matching": ["shuffleanswers", "subquestion/text", "subquestion/answer/text"],
    "ordering": ["layouttype", "selecttype", "selectcount", "gradingtype", "answer/text"],
    "cloze": [],
    "essay": ["responseformat", "responserequired", "responsefieldlines", "graderinfo/text", "responsetemplate/text"],
}
EMBEDDED = re.compile(r"\{1:(MULTICHOICE|SHORTANSWER):((?:\\.|[^\\}])*)\}")


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(data, parser)
    assert root.tag == "quiz"
    return root


def _fractions(q: etree._Element) -> list[float]:
    return [float(a.get("fraction")) for a in q.findall("answer")]


def _check(question: QuestionBase, q: etree._Element) -> None:
    qtype = q.get("type")
    assert qtype == QTYPES[getattr(question, "type", "")]
    for path in [*COMMON, *REQUIRED[qtype]]:
        assert q.find(path) is not None, f"{question.id}: Moodle reads <{path}>"
    assert q.findtext("idnumber") == question.id
    tags = [t.findtext("text") for t in q.findall("tags/tag")]
    assert f"objective:{question.objective}" in tags and f"difficulty:{question.difficulty}" in tags
    assert ("primer-generated" in tags) == question.id.startswith("gen-")
    if not isinstance(question, Cloze):
        assert float(q.findtext("defaultgrade")) == question.points
    if isinstance(question, SingleChoice):
        assert q.findtext("single") == "true"
        assert sorted(_fractions(q)) == [0.0] * (len(question.choices) - 1) + [100.0]
    elif isinstance(question, MultipleChoice):
        assert q.findtext("single") == "false"
        fractions = _fractions(q)
        assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=1e-3)
        assert [f > 0 for f in fractions] == [c.correct for c in question.choices]
        if not all(c.correct for c in question.choices):
            assert sum(f for f in fractions if f < 0) == pytest.approx(-100, abs=1e-3)
    elif isinstance(question, TrueFalse):
        answers = {a.findtext("text"): float(a.get("fraction")) for a in q.findall("answer")}
        assert answers == {"true": 100.0 * question.answer, "false": 100.0 * (not question.answer)}
    elif isinstance(question, ShortAnswer):
        assert [a.findtext("text") for a in q.findall("answer")] == question.accept
        assert set(_fractions(q)) == {100.0}
    elif isinstance(question, Numeric):
        assert float(q.findtext("answer/text")) == question.answer
        assert float(q.findtext("answer/tolerance")) >= 0
        if question.unit:
            assert q.findtext("units/unit/unit_name") == question.unit
    elif isinstance(question, Matching):
        subs = q.findall("subquestion")
        lefts = [s.findtext("text") for s in subs]
        rights = [s.findtext("answer/text") for s in subs]
        assert rights == [p.right for p in question.pairs] + list(question.distractors)
        assert lefts[len(question.pairs) :] == [""] * len(question.distractors), "distractors have no prompt"
    elif isinstance(question, Ordering):
        assert [float(f) for f in _fractions(q)] == list(range(1, len(question.items) + 1))
        assert q.findtext("gradingtype") == "ALL_OR_NOTHING"
    elif isinstance(question, Cloze):
        codes = EMBEDDED.findall(q.findtext("questiontext/text"))
        assert len(codes) == len(question.blanks)
        for (code, body), blank in zip(codes, question.blanks, strict=True):
            assert code == ("MULTICHOICE" if blank.choices else "SHORTANSWER")
            rights = [o for o in re.split(r"(?<!\\)~", body) if o.startswith(("=", "%100%"))]
            assert len(rights) == (1 if blank.choices else len(blank.accept))
        assert "[[" not in q.findtext("questiontext/text")
    elif isinstance(question, OpenResponse):
        assert question.model_answer.split()[0] in q.findtext("graderinfo/text")


@pytest.mark.parametrize("tree", sorted(TREES))
def test_every_question_has_what_moodle_reads(tree: str) -> None:
    bank = questions(tree)
    for topic in scopes(tree)[: 2 if tree == "shipped" else None]:
        data, report = exported(tree, "moodle", topic)
        root = _parse(data)
        found = [q for q in root.findall("question") if q.get("type") != "category"]
        assert len(found) == report.exported
        ids = [q.findtext("idnumber") for q in found]
        assert len(ids) == len(set(ids)), "idnumbers are unique"
        for q in found:
            _check(bank[q.findtext("idnumber")], q)
        if topic is None:
            assert report.exported == len(bank) and not report.skipped, "Moodle carries every type"


def test_a_category_per_topic_before_its_questions() -> None:
    root = _parse(exported("shipped", "moodle")[0])
    lib = checked("shipped").library
    categories = [q.findtext("category/text") for q in root.findall("question") if q.get("type") == "category"]
    titles = [t.title.replace("/", "//") for t in lib.topics_in_order()]
    assert categories[: len(titles)] == [f"$course$/top/{lib.site.title}/{t}" for t in titles]
    assert root.findall("question")[0].get("type") == "category"


def test_idnumbers_are_stable_from_build_to_build() -> None:
    one = exported("mini", "moodle")[0]
    from primer.build import check
    from primer.exports import render_export

    result = check(TREES["mini"])
    assert render_export(result.library, result.derived, "moodle", None)[0] == one


@pytest.mark.parametrize("tree", sorted(TREES))
def test_each_question_is_written_as_elementtree_writes_it(tree: str) -> None:
    """A question is written as text (`moodle.question_text`): what ElementTree writes for the element it reads
    back, indented at its depth in <quiz>, to the character, for every question of each type, as the content
    has them and with every text holding what needs escaping."""
    moodle_module = importlib.import_module("primer.exports.moodle")  # the package names its function so
    generated = checked(tree).derived.generated
    kinds = set()
    for question in questions(tree).values():
        for variant in variants(question):
            text = moodle_module.question_text(variant, question.id in generated, LossReport("Moodle XML"))
            if text is None:  # weights Moodle cannot carry: reported (test_every_question_has_what_moodle_reads)
                continue
            element = ET.fromstring(text)
            ET.indent(element, level=1)
            assert text == "  " + ET.tostring(element, encoding="unicode") + "\n", question.id
            kinds.add(element.get("type"))
    if tree == "bank":
        assert kinds == set(QTYPES.values())
