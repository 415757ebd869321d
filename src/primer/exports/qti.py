"""QTI 1.2 as Canvas imports it (Classic and New Quizzes): a zip with `imsmanifest.xml` and one
assessment per quiz, each item with Canvas's `question_type` and `points_possible` metadata, per-answer
and general feedback. Ordering becomes a matching question (position → item), the closest Canvas type."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING
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
    PAD,
    Group,
    LossReport,
    Scope,
    esc,
    fragment,
    leaf,
    note_markup,
    note_typed_answers,
    number,
    readable,
    stable_int,
    to_html,
    wrap,
    xml_attribute,
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

# ElementTree (0.03 s to import) only where the manifest is made: a build's process imports the exports' formats
# to name them, and its exports' worker makes them
if TYPE_CHECKING:
    import xml.etree.ElementTree as ET


def ident(*parts: str) -> str:
    """A stable QTI identifier (letters first, as XML names need)."""
    return f"g{stable_int(*parts, bits=60):015x}"


def _sub(parent: ET.Element, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> ET.Element:
    from xml.etree.ElementTree import SubElement

    element = SubElement(parent, tag, attrs or {})
    if text is not None:
        element.text = text
    return element


def _material(out: list[str], depth: int, html: str) -> None:
    out.append(f"{PAD[depth]}<material>")
    leaf(out, depth + 1, "mattext", ' texttype="text/html"', html)
    out.append(f"{PAD[depth]}</material>")


def _feedback(out: list[str], fid: str, html: str) -> None:
    out.append(f'{PAD[4]}<itemfeedback ident="{xml_attribute(fid)}">')
    out.append(f"{PAD[5]}<flow_mat>")
    _material(out, 6, html)
    out.append(f"{PAD[5]}</flow_mat>")
    out.append(f"{PAD[4]}</itemfeedback>")


def _metadata(out: list[str], fields: dict[str, str]) -> None:
    out.append(f"{PAD[4]}<itemmetadata>")
    out.append(f"{PAD[5]}<qtimetadata>")
    for label, entry in fields.items():
        out.append(f"{PAD[6]}<qtimetadatafield>")
        leaf(out, 7, "fieldlabel", "", label)
        leaf(out, 7, "fieldentry", "", entry)
        out.append(f"{PAD[6]}</qtimetadatafield>")
    out.append(f"{PAD[5]}</qtimetadata>")
    out.append(f"{PAD[4]}</itemmetadata>")


def _condition(
    out: list[str], tests: list[str], *, score: str | None = None, feedback: str | None = None, cont: str = "Yes"
) -> None:
    """A respcondition of the item's resprocessing, its conditionvar holding the lines `tests` (at depth 7)."""
    out.append(f'{PAD[5]}<respcondition continue="{cont}">')
    wrap(out, 6, "conditionvar", "", tests)
    if score is not None:
        leaf(out, 6, "setvar", f' action="{"Set" if cont == "No" else "Add"}" varname="SCORE"', score)
    if feedback is not None:
        out.append(f'{PAD[6]}<displayfeedback feedbacktype="Response" linkrefid="{xml_attribute(feedback)}" />')
    out.append(f"{PAD[5]}</respcondition>")


def _equal(out: list[str], depth: int, rid: str, value: str, tag: str = "varequal") -> None:
    """A test of the response `rid` against `value` (`tag`: varequal, vargte or varlte)."""
    leaf(out, depth, tag, f' respident="{xml_attribute(rid)}"', value)


def _choices(out: list[str], depth: int, labels: list[tuple[str, str]]) -> None:
    """A render_choice of the labels (ident, HTML) at `depth`."""
    inner: list[str] = []
    for label_id, html in labels:
        inner.append(f'{PAD[depth + 1]}<response_label ident="{xml_attribute(label_id)}">')
        _material(inner, depth + 2, html)
        inner.append(f"{PAD[depth + 1]}</response_label>")
    wrap(out, depth, "render_choice", "", inner)


def _choice_lid(out: list[str], rid: str, labels: list[tuple[str, str]], cardinality: str) -> None:
    out.append(f'{PAD[5]}<response_lid ident="{xml_attribute(rid)}" rcardinality="{cardinality}">')
    _choices(out, 6, labels)
    out.append(f"{PAD[5]}</response_lid>")


def _fib(out: list[str], rid: str, fibtype: str = "String", rows: int = 1) -> None:
    out.append(f'{PAD[5]}<response_str ident="{xml_attribute(rid)}" rcardinality="Single">')
    attrs = f' fibtype="{fibtype}" rows="{rows}"' if rows > 1 else f' fibtype="{fibtype}"'
    out.append(f"{PAD[6]}<render_fib{attrs}>")
    out.append(f'{PAD[7]}<response_label ident="answer1" />')
    out.append(f"{PAD[6]}</render_fib>")
    out.append(f"{PAD[5]}</response_str>")


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


def _item(question: QuestionBase, quiz: str | None, report: LossReport) -> str:
    """One QTI item with Canvas's metadata, response processing and feedback, as the lines of text it takes in
    an assessment (at depth 3: see `primer.exports.common.leaf`), each ending with a newline. Written as text,
    in under half the time of building an ElementTree and writing it (a 256-topic lesson's 11,600 items: 0.8 s
    against 1.8 s); a test holds each to what ElementTree writes for it."""
    qid = question.id
    rendered = to_html(question.stem)
    note_markup(report, question, rendered, plain_target=False)
    stem = rendered.text
    qtype = _cloze_type(question) if isinstance(question, Cloze) else CANVAS_TYPES[getattr(question, "type", "")]
    feedbacks: list[tuple[str, str]] = [("general_fb", f"<p>{esc(question.explanation)}</p>")]
    labels: list[str] = []
    presentation: list[str] = []  # its children's lines (depth 5), and resprocessing's
    resprocessing = [
        f"{PAD[5]}<outcomes>",
        f'{PAD[6]}<decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal" />',
        f"{PAD[5]}</outcomes>",
    ]
    _condition(resprocessing, [f"{PAD[7]}<other />"], feedback="general_fb")  # the explanation, whatever the answer

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
        _material(presentation, 5, stem)
        _choice_lid(
            presentation,
            "response1",
            [(lab, esc(o[0])) for lab, o in zip(labels, options, strict=True)],
            "Multiple" if multiple else "Single",
        )
        for lab, (_, _, feedback) in zip(labels, options, strict=True):
            test: list[str] = []
            _equal(test, 7, "response1", lab)
            _condition(resprocessing, test, feedback=f"{lab}_fb")
            feedbacks.append((f"{lab}_fb", f"<p>{esc(feedback)}</p>"))
        right: list[str] = []
        if multiple:
            each: list[str] = []
            for lab, (_, correct, _) in zip(labels, options, strict=True):
                if correct:
                    _equal(each, 8, "response1", lab)
                else:
                    each.append(f"{PAD[8]}<not>")
                    _equal(each, 9, "response1", lab)
                    each.append(f"{PAD[8]}</not>")
            wrap(right, 7, "and", "", each)
        else:
            lab = next(lab for lab, o in zip(labels, options, strict=True) if o[1])
            _equal(right, 7, "response1", lab)
        _condition(resprocessing, right, score="100", cont="No")
    elif isinstance(question, ShortAnswer):
        if question.pattern:
            report.lose(question, "answer pattern dropped", "Canvas accepts listed answers only; the pattern is lost")
        _material(presentation, 5, stem)
        _fib(presentation, "response1")
        right = []
        for accepted in question.accept:
            _equal(right, 7, "response1", accepted)
        _condition(resprocessing, right, score="100", cont="No")
    elif isinstance(question, Numeric):
        tolerance = question.tolerance
        if question.tolerance_kind == "relative":
            tolerance = question.tolerance * abs(question.answer)
        unit = f" <em>({esc(question.unit)})</em>" if question.unit else ""
        _material(presentation, 5, stem + unit)
        _fib(presentation, "response1", "Decimal")
        either: list[str] = []
        _equal(either, 8, "response1", number(question.answer))
        if tolerance:
            either.append(f"{PAD[8]}<and>")
            _equal(either, 9, "response1", number(question.answer - tolerance), "vargte")
            _equal(either, 9, "response1", number(question.answer + tolerance), "varlte")
            either.append(f"{PAD[8]}</and>")
        right = []
        wrap(right, 7, "or", "", either)
        _condition(resprocessing, right, score="100", cont="No")
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
        _material(presentation, 5, stem)
        share = number(round(100 / len(pairs), 4))
        choices = [(right_ids[text], esc(text)) for text in rights]
        for i, (left, matched) in enumerate(pairs):
            rid = f"response_{ident('left', qid, str(i))}"
            presentation.append(f'{PAD[5]}<response_lid ident="{rid}">')
            _material(presentation, 6, esc(left))
            _choices(presentation, 6, choices)
            presentation.append(f"{PAD[5]}</response_lid>")
            test = []
            _equal(test, 7, rid, right_ids[matched])
            _condition(resprocessing, test, score=share)
    elif isinstance(question, Cloze):
        typed = qtype == "fill_in_multiple_blanks_question"
        text = stem
        for blank in question.blanks:
            text = text.replace(f"[[{blank.id}]]", f"[{blank_name(blank.id)}]")
        _material(presentation, 5, text)
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
            answer_ids = [ident("blank", qid, blank.id, str(i)) for i in range(len(answers))]
            presentation.append(f'{PAD[5]}<response_lid ident="{xml_attribute(rid)}">')
            _material(presentation, 6, blank_name(blank.id))
            shown = [esc(answer) for answer in answers]
            _choices(presentation, 6, list(zip(answer_ids, shown, strict=True)))
            presentation.append(f"{PAD[5]}</response_lid>")
            several = len(right_texts) > 1
            tests: list[str] = []
            for answer_id, answer in zip(answer_ids, answers, strict=True):
                if answer in right_texts:
                    _equal(tests, 8 if several else 7, rid, answer_id)
            if several:
                right = []
                wrap(right, 7, "or", "", tests)
                tests = right
            _condition(resprocessing, tests, score=share)
    elif isinstance(question, OpenResponse):
        _material(presentation, 5, stem)
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

    out = [f'{PAD[3]}<item ident="{item_ident(quiz, qid)}" title="{xml_attribute(_title(question))}">']
    _metadata(out, {"question_type": qtype, "points_possible": number(question.points)})
    wrap(out, 4, "presentation", "", presentation)
    wrap(out, 4, "resprocessing", "", resprocessing)
    for fid, html in feedbacks:
        _feedback(out, fid, html)
    out.append(f"{PAD[3]}</item>")
    out.append("")
    return "\n".join(out)


def _title(question: QuestionBase) -> str:
    text = readable(question.stem)
    return text if len(text) <= 60 else text[:59].rstrip() + "…"


def _item_text(scope: Scope, quiz: str | None, question: QuestionBase, report: LossReport) -> bytes:
    """An item's XML (UTF-8), indented for its place in an assessment, made once per build and quiz."""

    text = fragment(scope, f"qti:{quiz}", question, report, partial(_item, question, quiz))
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
    from xml.etree.ElementTree import tostring

    body: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def manifest(mid: str, files: list[tuple[str, str]]) -> bytes:
    """The IMS content-package manifest listing every assessment file."""
    from xml.etree.ElementTree import Element, indent

    root = Element("manifest", {"identifier": mid, "xmlns": NS_CP})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", None, "IMS Content")
    _sub(metadata, "schemaversion", None, "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for rid, href in files:
        resource = _sub(resources, "resource", {"identifier": rid, "type": "imsqti_xmlv1p2", "href": href})
        _sub(resource, "file", {"href": href})
    indent(root)
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
