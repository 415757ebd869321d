"""Canvas QTI zips read back with lxml: every XML file well formed, the manifest lists every file, each
element's children in the order the QTI 1.2 ASI binding allows, and each Canvas question type with the
item structure Canvas's importer reads (response kinds, labels, scoring, feedback links).

The IMS QTI ASI 1.2 XSD ships in no package this project can depend on, so the schema's content model
is checked here element by element (the subset of elements primer writes)."""

from __future__ import annotations

import importlib
import re
import zipfile
from io import BytesIO

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
from primer.exports.qti import item_ident

etree = module("lxml.etree")

NS = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"

#: Children each element may have, in the order QTI 1.2 ASI allows them (element → allowed sequence).
CONTENT_MODEL = {
    "questestinterop": ["assessment"],
    "assessment": ["qtimetadata", "section"],
    "qtimetadata": ["qtimetadatafield"],
    "qtimetadatafield": ["fieldlabel", "fieldentry"],
    "section": ["item"],
    "item": ["itemmetadata", "presentation", "resprocessing", "itemfeedback"],
    "itemmetadata": ["qtimetadata"],
    "presentation": ["material", "response_lid", "response_str"],
    "response_lid": ["material", "render_choice"],
    "response_str": ["render_fib"],
    "render_choice": ["response_label"],
    "render_fib": ["response_label"],
    "response_label": ["material"],
    "material": ["mattext"],
    "resprocessing": ["outcomes", "respcondition"],
    "outcomes": ["decvar"],
    "respcondition": ["conditionvar", "setvar", "displayfeedback"],
    "itemfeedback": ["flow_mat"],
    "flow_mat": ["material"],
}
#: Elements whose children are a free mix of these (condition expressions).
EXPRESSIONS = {"conditionvar", "and", "or", "not"}
TESTS = {"varequal", "vargte", "varlte", "other", "and", "or", "not"}
CANVAS_TYPES = {
    "single": "multiple_choice_question",
    "multiple": "multiple_answers_question",
    "true-false": "true_false_question",
    "short": "short_answer_question",
    "numeric": "numerical_question",
    "ordering": "matching_question",
    "matching": "matching_question",
    "open": "essay_question",
}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname  # type: ignore[no-any-return]


def _check_content_model(element: etree._Element) -> None:
    """Every element's children are allowed, in the allowed order."""
    name = _local(element)
    children = [_local(c) for c in element]
    if name in EXPRESSIONS:
        assert children and set(children) <= TESTS, f"<{name}> holds {children}"
        if name == "not":
            assert len(children) == 1
    elif name in CONTENT_MODEL:
        order = CONTENT_MODEL[name]
        assert set(children) <= set(order), f"<{name}> may not hold {sorted(set(children) - set(order))}"
        positions = [order.index(c) for c in children]
        assert positions == sorted(positions), f"<{name}>'s children are out of order: {children}"
    else:
        assert not children, f"<{name}> should be a leaf"
    for child in element:
        _check_content_model(child)


def _items(data: bytes) -> tuple[dict[str, bytes], list[etree._Element]]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    manifest = etree.fromstring(files["imsmanifest.xml"], parser)
    listed = [f.get("href") for f in manifest.iter(f"{CP}file")]
    assert sorted(listed) == sorted(n for n in files if n != "imsmanifest.xml"), "the manifest lists every file"
    for resource in manifest.iter(f"{CP}resource"):
        assert resource.get("type") == "imsqti_xmlv1p2"
    items = []
    for name in listed:
        root = etree.fromstring(files[name], parser)
        assert root.tag == f"{NS}questestinterop"
        _check_content_model(root)
        items += root.findall(f"{NS}assessment/{NS}section/{NS}item")
    return files, items


def _meta(item: etree._Element) -> dict[str, str]:
    fields = item.findall(f"{NS}itemmetadata/{NS}qtimetadata/{NS}qtimetadatafield")
    return {f.findtext(f"{NS}fieldlabel"): f.findtext(f"{NS}fieldentry") for f in fields}


def _check_item(question: QuestionBase, item: etree._Element) -> None:
    """The item's structure is what Canvas reads for the question's type."""
    meta = _meta(item)
    kind = getattr(question, "type", "")
    assert float(meta["points_possible"]) == question.points
    presentation = item.find(f"{NS}presentation")
    lids = presentation.findall(f"{NS}response_lid")
    strs = presentation.findall(f"{NS}response_str")
    responses = {r.get("ident"): r for r in [*lids, *strs]}
    feedback_ids = {f.get("ident") for f in item.findall(f"{NS}itemfeedback")}
    assert "general_fb" in feedback_ids
    for shown in item.iter(f"{NS}displayfeedback"):
        assert shown.get("linkrefid") in feedback_ids, "every feedback shown exists"
    for test in item.iter(f"{NS}varequal", f"{NS}vargte", f"{NS}varlte"):
        response = responses[test.get("respident")]
        if _local(response) == "response_lid":
            labels = {label.get("ident") for label in response.iter(f"{NS}response_label")}
            assert test.text in labels, "a choice test names one of the response's labels"
    score = sum(float(s.text) for s in item.iter(f"{NS}setvar") if s.get("action") == "Add")
    sets = [float(s.text) for s in item.iter(f"{NS}setvar") if s.get("action") == "Set"]
    if isinstance(question, Cloze):
        typed = not all(b.choices for b in question.blanks)
        assert meta["question_type"] == ("fill_in_multiple_blanks_question" if typed else "multiple_dropdowns_question")
        text = presentation.findtext(f"{NS}material/{NS}mattext")
        names = [b.id.replace("-", "_") for b in question.blanks]
        assert [r.findtext(f"{NS}material/{NS}mattext") for r in lids] == names
        assert all(f"[{name}]" in text for name in names) and "[[" not in text
        assert score == pytest.approx(100, abs=0.01)
        return
    assert meta["question_type"] == CANVAS_TYPES[kind]
    if isinstance(question, SingleChoice | MultipleChoice | TrueFalse):
        assert len(lids) == 1 and not strs
        labels = lids[0].findall(f"{NS}render_choice/{NS}response_label")
        count = 2 if isinstance(question, TrueFalse) else len(question.choices)
        assert len(labels) == count
        assert lids[0].get("rcardinality") == ("Multiple" if isinstance(question, MultipleChoice) else "Single")
        assert sets == [100.0]
        assert len(feedback_ids) == count + 1, "feedback for every answer, and general feedback"
    elif isinstance(question, ShortAnswer | Numeric | OpenResponse):
        assert len(strs) == 1 and not lids
        fib = strs[0].find(f"{NS}render_fib")
        assert fib is not None
        if isinstance(question, ShortAnswer):
            assert [v.text for v in item.iter(f"{NS}varequal")] == question.accept
        if isinstance(question, Numeric):
            assert fib.get("fibtype") == "Decimal"
            assert float(item.find(f".//{NS}varequal").text) == question.answer
            if question.tolerance:
                assert (
                    float(item.find(f".//{NS}vargte").text) < question.answer < float(item.find(f".//{NS}varlte").text)
                )
        if isinstance(question, OpenResponse):
            assert not sets and not score
        else:
            assert sets == [100.0]
    elif isinstance(question, Matching | Ordering):
        count = len(question.pairs) if isinstance(question, Matching) else len(question.items)
        assert len(lids) == count and not strs
        assert score == pytest.approx(100, abs=0.01)


@pytest.mark.parametrize("tree", sorted(TREES))
def test_every_zip_is_well_formed_listed_and_structured(tree: str) -> None:
    bank = questions(tree)
    for topic in scopes(tree)[: 2 if tree == "shipped" else None]:  # the shipped lesson: the bank and a topic
        data, report = exported(tree, "qti", topic)
        _, items = _items(data)
        derived = checked(tree).derived
        quizzes = [topic] if topic else [*derived.quizzes, None]
        placed = {
            item_ident(quiz, q.id): q
            for quiz in quizzes
            for q in (derived.quizzes[quiz] if quiz else [bank[i] for i in bank if i not in derived.question_topics])
        }
        assert sorted(item.get("ident") for item in items) == sorted(placed), "every quiz whole"
        assert report.exported == len({q.id for q in placed.values()})
        assert not report.skipped, "Canvas carries every type (ordering as matching)"
        for item in items:
            _check_item(placed[item.get("ident")], item)


def test_ordering_is_converted_and_reported() -> None:
    _, report = exported("mini", "qti")
    assert [loss.what for loss in report.losses["mini-ordering"]] == ["converted to matching"]
    assert "Canvas has no ordering question" in report.text()


def test_the_zip_is_deterministic_with_fixed_dates() -> None:
    data, _ = exported("mini", "qti")
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        names = archive.namelist()
    assert names == sorted(names)
    assert all(re.fullmatch(r"(imsmanifest\.xml|g[0-9a-f]{15}/g[0-9a-f]{15}\.xml)", n) for n in names)


@pytest.mark.parametrize("tree", sorted(TREES))
def test_each_item_is_written_as_elementtree_writes_it(tree: str) -> None:
    """An item is written as text (`qti._item`): what ElementTree writes for the element it reads back,
    indented at its depth in the assessment, to the character, for every question of each type, as the
    content has them and with every text holding what needs escaping."""
    import xml.etree.ElementTree as ET  # the writer the items were written with before

    qti_module = importlib.import_module("primer.exports.qti")  # the package names its function so
    quizzes = checked(tree).derived.quizzes
    made = [(None, q) for q in questions(tree).values()]
    made += [(topic, q) for topic, quiz in sorted(quizzes.items()) for q in quiz[:3]]
    kinds = set()
    for quiz, question in made:
        for variant in variants(question):
            text = qti_module._item(variant, quiz, LossReport("Canvas QTI"))
            element = ET.fromstring(text)
            ET.indent(element, level=3)
            assert text == "      " + ET.tostring(element, encoding="unicode") + "\n", question.id
            kinds.add(element.findtext("itemmetadata/qtimetadata/qtimetadatafield/fieldentry"))
    if tree == "bank":
        assert kinds >= {*CANVAS_TYPES.values(), "fill_in_multiple_blanks_question", "multiple_dropdowns_question"}
