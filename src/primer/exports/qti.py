"""QTI 1.2 as Canvas imports it (Classic and New Quizzes): a zip with `imsmanifest.xml` and one
assessment per quiz, each item with Canvas's `question_type` and `points_possible` metadata, per-answer
and general feedback. Ordering becomes a matching question (position → item), the closest Canvas type."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import partial
from xml.sax.saxutils import quoteattr

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
from primer.exports.common import (
    Group,
    LossReport,
    Scope,
    esc,
    fragment,
    note_markup,
    note_typed_answers,
    number,
    readable,
    stable_int,
    to_html,
    xml_text,
    zip_bytes,
)

NS_QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
NS_CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
QTI_XSD = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"

#: Canvas's question_type for each primer type (cloze depends on its blanks; see `_cloze_type`).
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


def ident(*parts: str) -> str:
    """A stable QTI identifier (letters first, as XML names need)."""
    return f"g{stable_int(*parts, bits=60):015x}"


def _sub(parent: ET.Element, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs or {})
    if text is not None:
        element.text = text
    return element


def _material(parent: ET.Element, html: str) -> None:
    material = _sub(parent, "material")
    _sub(material, "mattext", {"texttype": "text/html"}, html)


def _feedback(item: ET.Element, fid: str, html: str) -> None:
    feedback = _sub(item, "itemfeedback", {"ident": fid})
    flow = _sub(feedback, "flow_mat")
    _material(flow, html)


def _metadata(item: ET.Element, fields: dict[str, str]) -> None:
    meta = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", None, label)
        _sub(field, "fieldentry", None, entry)


def _condition(
    resprocessing: ET.Element, *, score: str | None = None, feedback: str | None = None, cont: str = "Yes"
) -> ET.Element:
    """A respcondition; returns its conditionvar to fill."""
    condition = _sub(resprocessing, "respcondition", {"continue": cont})
    conditionvar = _sub(condition, "conditionvar")
    if score is not None:
        _sub(condition, "setvar", {"action": "Set" if cont == "No" else "Add", "varname": "SCORE"}, score)
    if feedback is not None:
        _sub(condition, "displayfeedback", {"feedbacktype": "Response", "linkrefid": feedback})
    return conditionvar


def _choice_lid(presentation: ET.Element, rid: str, labels: list[tuple[str, str]], cardinality: str) -> None:
    lid = _sub(presentation, "response_lid", {"ident": rid, "rcardinality": cardinality})
    render = _sub(lid, "render_choice")
    for label_id, html in labels:
        _material(_sub(render, "response_label", {"ident": label_id}), html)


def _fib(presentation: ET.Element, rid: str, fibtype: str = "String", rows: int = 1) -> None:
    response = _sub(presentation, "response_str", {"ident": rid, "rcardinality": "Single"})
    attrs = {"fibtype": fibtype, "rows": str(rows)} if rows > 1 else {"fibtype": fibtype}
    _sub(_sub(response, "render_fib", attrs), "response_label", {"ident": "answer1"})


def blank_name(blank_id: str) -> str:
    """A blank's name as Canvas writes it in brackets: letters, digits and underscores."""
    return blank_id.replace("-", "_")


def _cloze_type(question: Cloze) -> str:
    if all(b.choices for b in question.blanks):
        return "multiple_dropdowns_question"
    return "fill_in_multiple_blanks_question"


def item_ident(quiz: str | None, question_id: str) -> str:
    """A question's item ident within one quiz: Canvas gives each quiz its own copy of a question."""
    return ident("item", quiz or "", question_id)


def _item(question: QuestionBase, quiz: str | None, report: LossReport) -> ET.Element:
    """One QTI item with Canvas's metadata, response processing and feedback."""
    qid = question.id
    rendered = to_html(question.stem)
    note_markup(report, question, rendered, plain_target=False)
    stem = rendered.text
    qtype = _cloze_type(question) if isinstance(question, Cloze) else CANVAS_TYPES[getattr(question, "type", "")]
    item = ET.Element("item", {"ident": item_ident(quiz, qid), "title": _title(question)})
    feedbacks: list[tuple[str, str]] = [("general_fb", f"<p>{esc(question.explanation)}</p>")]
    labels: list[str] = []
    presentation = ET.Element("presentation")
    resprocessing = ET.Element("resprocessing")
    outcomes = _sub(resprocessing, "outcomes")
    _sub(outcomes, "decvar", {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    _sub(_condition(resprocessing, feedback="general_fb"), "other")  # the explanation, whatever the answer

    if isinstance(question, SingleChoice | MultipleChoice | TrueFalse):
        if isinstance(question, TrueFalse):
            options = [
                ("True", question.answer, question.feedback_true),
                ("False", not question.answer, question.feedback_false),
            ]
        else:
            options = [(c.text, c.correct, c.feedback) for c in question.choices]
        labels = [ident("choice", qid, str(i)) for i in range(len(options))]
        multiple = isinstance(question, MultipleChoice)
        _material(presentation, stem)
        _choice_lid(
            presentation,
            "response1",
            [(lab, esc(o[0])) for lab, o in zip(labels, options, strict=True)],
            "Multiple" if multiple else "Single",
        )
        for lab, (_, _, feedback) in zip(labels, options, strict=True):
            _sub(_condition(resprocessing, feedback=f"{lab}_fb"), "varequal", {"respident": "response1"}, lab)
            feedbacks.append((f"{lab}_fb", f"<p>{esc(feedback)}</p>"))
        right = _condition(resprocessing, score="100", cont="No")
        if multiple:
            both = _sub(right, "and")
            for lab, (_, correct, _) in zip(labels, options, strict=True):
                parent = both if correct else _sub(both, "not")
                _sub(parent, "varequal", {"respident": "response1"}, lab)
        else:
            lab = next(lab for lab, o in zip(labels, options, strict=True) if o[1])
            _sub(right, "varequal", {"respident": "response1"}, lab)
    elif isinstance(question, ShortAnswer):
        if question.pattern:
            report.lose(question, "answer pattern dropped", "Canvas accepts listed answers only; the pattern is lost")
        _material(presentation, stem)
        _fib(presentation, "response1")
        right = _condition(resprocessing, score="100", cont="No")
        for accepted in question.accept:
            _sub(right, "varequal", {"respident": "response1"}, accepted)
    elif isinstance(question, Numeric):
        tolerance = question.tolerance
        if question.tolerance_kind == "relative":
            tolerance = question.tolerance * abs(question.answer)
        unit = f" <em>({esc(question.unit)})</em>" if question.unit else ""
        _material(presentation, stem + unit)
        _fib(presentation, "response1", "Decimal")
        right = _condition(resprocessing, score="100", cont="No")
        either = _sub(right, "or")
        _sub(either, "varequal", {"respident": "response1"}, number(question.answer))
        if tolerance:
            both = _sub(either, "and")
            _sub(both, "vargte", {"respident": "response1"}, number(question.answer - tolerance))
            _sub(both, "varlte", {"respident": "response1"}, number(question.answer + tolerance))
    elif isinstance(question, Matching | Ordering):
        if isinstance(question, Ordering):
            report.lose(
                question,
                "converted to matching",
                "Canvas has no ordering question; students match each position (1st, 2nd …) to its item",
            )
            pairs = [(f"Position {i}", item) for i, item in enumerate(question.items, start=1)]
            extra: list[str] = []
        else:
            pairs = [(p.left, p.right) for p in question.pairs]
            extra = list(question.distractors)
        rights = [matched for _, matched in pairs] + extra
        right_ids = {text: ident("match", qid, text) for text in rights}
        _material(presentation, stem)
        share = number(round(100 / len(pairs), 4))
        for i, (left, matched) in enumerate(pairs):
            rid = f"response_{ident('left', qid, str(i))}"
            lid = _sub(presentation, "response_lid", {"ident": rid})
            _material(lid, esc(left))
            render = _sub(lid, "render_choice")
            for text in rights:
                _material(_sub(render, "response_label", {"ident": right_ids[text]}), esc(text))
            _sub(_condition(resprocessing, score=share), "varequal", {"respident": rid}, right_ids[matched])
    elif isinstance(question, Cloze):
        typed = qtype == "fill_in_multiple_blanks_question"
        text = stem
        for blank in question.blanks:
            text = text.replace(f"[[{blank.id}]]", f"[{blank_name(blank.id)}]")
        _material(presentation, text)
        share = number(round(100 / len(question.blanks), 4))
        for blank in question.blanks:
            rid = f"response_{blank_name(blank.id)}"
            if typed and blank.choices:
                report.lose(
                    question,
                    "drop-down choices dropped",
                    "Canvas cannot mix typed and drop-down blanks; the drop-down blank is typed instead",
                )
            answers = ([str(blank.answer)] if typed else blank.choices) if blank.choices else blank.accept
            right_texts = [str(blank.answer)] if blank.choices else blank.accept
            lid = _sub(presentation, "response_lid", {"ident": rid})
            _material(lid, blank_name(blank.id))
            render = _sub(lid, "render_choice")
            for i, answer in enumerate(answers):
                _material(_sub(render, "response_label", {"ident": ident("blank", qid, blank.id, str(i))}), esc(answer))
            right = _condition(resprocessing, score=share)
            either = _sub(right, "or") if len(right_texts) > 1 else right
            for i, answer in enumerate(answers):
                if answer in right_texts:
                    _sub(either, "varequal", {"respident": rid}, ident("blank", qid, blank.id, str(i)))
    elif isinstance(question, OpenResponse):
        _material(presentation, stem)
        _fib(presentation, "response1", rows=10)
        rubric = "".join(f"<li>{esc(c.criterion)} ({c.points:g})</li>" for c in question.rubric)
        feedbacks[0] = (
            "general_fb",
            f"<p>{esc(question.explanation)}</p><p>Model answer: {esc(question.model_answer)}</p><ul>{rubric}</ul>",
        )
        report.lose(
            question,
            "rubric as feedback text",
            "Canvas quiz questions carry no rubric; the model answer and rubric are in the general feedback",
        )

    _metadata(item, {"question_type": qtype, "points_possible": number(question.points)})
    item.append(presentation)
    item.append(resprocessing)
    for fid, html in feedbacks:
        _feedback(item, fid, html)
    return item


def _title(question: QuestionBase) -> str:
    text = readable(question.stem)
    return text if len(text) <= 60 else text[:59].rstrip() + "…"


def _item_text(scope: Scope, quiz: str | None, question: QuestionBase, report: LossReport) -> bytes:
    """An item's XML (UTF-8), indented for its place in an assessment, made once per build and quiz."""

    def make(scratch: LossReport) -> str:
        return "      " + xml_text(_item(question, quiz, scratch), 3) + "\n"

    text = fragment(scope, f"qti:{quiz}", question, report, make)
    assert text is not None  # Canvas carries every type
    return text


def assessment(scope: Scope, quiz: Group, aid: str, title: str, report: LossReport) -> bytes:
    """One QTI assessment (a quiz) as XML."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<questestinterop xmlns="{NS_QTI}" xmlns:xsi="{NS_XSI}" xsi:schemaLocation="{NS_QTI} {QTI_XSD}">\n'
        f"  <assessment ident={quoteattr(aid)} title={quoteattr(title)}>\n"
        "    <qtimetadata>\n"
        "      <qtimetadatafield>\n"
        "        <fieldlabel>cc_maxattempts</fieldlabel>\n"
        "        <fieldentry>1</fieldentry>\n"
        "      </qtimetadatafield>\n"
        "    </qtimetadata>\n"
        '    <section ident="root_section">\n'
    )
    items = [_item_text(scope, quiz.topic, question, report) for question in quiz.questions]
    return b"".join([head.encode("utf-8"), *items, b"    </section>\n  </assessment>\n</questestinterop>\n"])


def _document(root: ET.Element) -> bytes:
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def manifest(mid: str, files: list[tuple[str, str]]) -> bytes:
    """The IMS content-package manifest listing every assessment file."""
    root = ET.Element("manifest", {"identifier": mid, "xmlns": NS_CP})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", None, "IMS Content")
    _sub(metadata, "schemaversion", None, "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for rid, href in files:
        resource = _sub(resources, "resource", {"identifier": rid, "type": "imsqti_xmlv1p2", "href": href})
        _sub(resource, "file", {"href": href})
    ET.indent(root)
    return _document(root)


def qti(scope: Scope) -> tuple[bytes, LossReport]:
    """The scope as a Canvas QTI 1.2 zip: one assessment per quiz, each whole (for the whole lesson a
    question in two topics' quizzes is in both, as on the site), and questions in no quiz in one more."""
    report = LossReport("Canvas QTI")
    note_typed_answers(report, scope, "Canvas", "ignoring case only")
    lib, derived = scope.lib, scope.derived
    quizzes = [
        Group(g.topic, g.title, list(derived.quizzes.get(g.topic, [])) if g.topic else g.questions)
        for g in scope.groups
    ]
    files: dict[str, bytes | Callable[[], bytes]] = {}  # each assessment made as the zip takes it
    listed: list[tuple[str, str]] = []
    for quiz in quizzes:
        if not quiz.questions:
            continue
        aid = ident("assessment", scope.slug(), quiz.topic or "")
        href = f"{aid}/{aid}.xml"
        title = quiz.title if scope.topic is not None or quiz.topic is None else f"{lib.site.title}: {quiz.title}"
        files[href] = partial(assessment, scope, quiz, aid, title, report)
        listed.append((aid, href))
    report.exported = len({q.id for quiz in quizzes for q in quiz.questions})
    files["imsmanifest.xml"] = manifest(ident("manifest", scope.slug()), listed)
    return zip_bytes(files), report
