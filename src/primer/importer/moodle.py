"""Moodle XML → primer questions. The XML is parsed with entity expansion and external references
refused (defusedxml): an XML bomb or an external entity is an error, never expanded."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from primer.errors import ContentError, Problem
from primer.importer import Imported, ImportReport
from primer.importer.text import html_to_markdown, html_to_plain, slug

#: Moodle's embedded answers in a cloze question: {1:SHORTANSWER:=a~=b}.
EMBEDDED = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^\\}])*)\}")
CHOICE_CODES = {"MULTICHOICE", "MC", "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH"}
CHOICE_CODES |= {"MULTICHOICE_S", "MCS", "MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS"}  # shuffled
TYPED_CODES = {"SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC"}
NUMBER_CODES = {"NUMERICAL", "NM"}
#: Placeholders for what primer requires and a foreign bank may leave empty.
NO_FEEDBACK_RIGHT = "Right."
NO_FEEDBACK_WRONG = "Not right."
NO_EXPLANATION = "An explanation is still to be written."


def _text(element: ET.Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def _format(element: ET.Element | None) -> str:
    return element.get("format", "html") if element is not None else "html"


def _plain(element: ET.Element | None) -> str:
    """The text of a `<…><text>` element as plain text (HTML formats lose their tags)."""
    raw = _text(element)
    return html_to_plain(raw) if _format(element) in ("html", "moodle_auto_format") else raw.strip()


def _answer_text(element: ET.Element) -> str:
    """An answer's text: HTML answers lose their tags; others are compared as written."""
    raw = _text(element)
    return html_to_plain(raw) if element.get("format") == "html" else raw.strip()


def _markdown(element: ET.Element | None, losses: list[str]) -> str:
    raw = _text(element)
    fmt = _format(element)
    if fmt == "markdown":
        return raw.strip()
    if fmt == "plain_text":
        return re.sub(r"([\\`*_\[\]])", r"\\\1", raw.strip())
    markdown, dropped = html_to_markdown(raw)
    if dropped:
        losses.append(f"question text: {', '.join(sorted(dropped))} dropped (primer's Markdown has no place for them)")
    return markdown


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


def _feedback(answer: ET.Element, right: bool, losses: list[str]) -> str:
    text = _plain(answer.find("feedback"))
    if text:
        return text
    if "answer feedback was missing; wrote 'Right.' or 'Not right.'" not in losses:
        losses.append("answer feedback was missing; wrote 'Right.' or 'Not right.'")
    return NO_FEEDBACK_RIGHT if right else NO_FEEDBACK_WRONG


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if text[i] == sep:
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    return [*parts, current]


def _embedded_options(body: str) -> list[tuple[str, float]]:
    """(text, fraction) of each option of an embedded answer."""
    options = []
    for part in _split_unescaped(body, "~"):
        text = _split_unescaped(part, "#")[0]
        fraction = 0.0
        if text.startswith("="):
            fraction, text = 100.0, text[1:]
        elif match := re.match(r"%(-?[\d.]+)%", text):
            fraction, text = float(match.group(1)), text[match.end() :]
        options.append((html_to_plain(_unescape(text)), fraction))
    return options


def _cloze(q: ET.Element, data: dict[str, Any], losses: list[str]) -> str | None:
    """Fill `data` for a cloze question; the reason when it cannot be mapped."""
    raw = _text(q.find("questiontext"))
    blanks: list[dict[str, Any]] = []
    marks: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        code, body = match.group(2), match.group(3)
        options = _embedded_options(body)
        bid = f"blank-{len(blanks) + 1}"
        right = [text for text, fraction in options if fraction >= 100]
        if code in CHOICE_CODES and len(right) == 1:
            blanks.append({"id": bid, "choices": [text for text, _ in options], "answer": right[0]})
        elif code in TYPED_CODES | NUMBER_CODES and right:
            if code in NUMBER_CODES:
                losses.append(f"{bid}: a numeric blank becomes a typed one (its tolerance is lost)")
            blanks.append({"id": bid, "accept": right})
        else:
            raise ValueError(f"its embedded answer type {code} (or its grading) has no primer form")
        if any(0 < fraction < 100 for _, fraction in options):
            losses.append(f"{bid}: partial credit for some answers dropped")
        marker = f"PRIMERBLANK{len(blanks)}X"
        marks[marker] = f"[[{bid}]]"
        return marker

    try:
        replaced = EMBEDDED.sub(replace, raw)
    except ValueError as exc:
        return str(exc)
    if not blanks:
        return "it has no embedded answers"
    markdown, dropped = html_to_markdown(replaced)
    if dropped:
        losses.append(f"question text: {', '.join(sorted(dropped))} dropped")
    for marker, blank in marks.items():
        markdown = markdown.replace(marker, blank)
    data.update(type="cloze", stem=markdown, blanks=blanks)
    losses.append("blank ids renamed blank-1, blank-2 … (Moodle keeps no names for blanks)")
    return None


def _rubric(q: ET.Element, data: dict[str, Any], losses: list[str]) -> None:
    """An essay's model answer and rubric from its information for graders."""
    raw = _text(q.find("graderinfo"))
    criteria = []
    for item in re.findall(r"<li>(.*?)</li>", raw, flags=re.S):
        text = html_to_plain(item)
        match = re.fullmatch(r"(.+?)\s*\((\d+(?:\.\d+)?)\)", text)
        if match:
            criteria.append({"criterion": match.group(1), "points": float(match.group(2))})
    model = html_to_plain(re.sub(r"<(ul|ol)\b.*?</\1>", " ", raw, flags=re.S))
    if not model:
        model = "A model answer is still to be written."
        losses.append("no information for graders: wrote a placeholder model answer")
    if not criteria:
        criteria = [{"criterion": "Matches the model answer", "points": data.get("points", 1.0)}]
        losses.append("no rubric: wrote one criterion worth the question's marks")
    data.update(type="open", model_answer=model, rubric=criteria)


def _body(q: ET.Element, qtype: str, data: dict[str, Any], losses: list[str]) -> str | None:
    """Fill `data` with the type's own fields; the reason when the question cannot be mapped."""
    answers = q.findall("answer")
    if qtype == "multichoice":
        single = _text(q, "single").strip().lower() in ("true", "1", "")
        choices = []
        for answer in answers:
            fraction = _fraction(answer)
            right = fraction > 0
            if single and 0 < fraction < 100:
                losses.append("partial credit for an option dropped")
            choices.append(
                {"text": _answer_text(answer), "correct": right, "feedback": _feedback(answer, right, losses)}
            )
        data.update(type="single" if single else "multiple", choices=choices)
    elif qtype == "truefalse":
        by_text = {_answer_text(a).lower(): a for a in answers}
        if set(by_text) != {"true", "false"}:
            return "its answers are not 'true' and 'false'"
        is_true = _fraction(by_text["true"]) >= 100
        data.update(
            type="true-false",
            answer=is_true,
            feedback_true=_feedback(by_text["true"], is_true, losses),
            feedback_false=_feedback(by_text["false"], not is_true, losses),
        )
    elif qtype == "shortanswer":
        accept = [_answer_text(a) for a in answers if _fraction(a) >= 100]
        if any(0 < _fraction(a) < 100 for a in answers):
            losses.append("answers worth partial credit dropped")
        if _text(q, "usecase").strip() == "1":
            losses.append("case-sensitive matching dropped (primer ignores case)")
        if any("*" in a for a in accept):
            losses.append("'*' wildcards are kept as text (primer matches answers whole)")
        data.update(type="short", accept=accept)
    elif qtype == "numerical":
        full = [a for a in answers if _fraction(a) >= 100]
        if not full:
            return "it has no fully right answer"
        try:
            value = float(_answer_text(full[0]))
            tolerance = float(_text(full[0], "tolerance") or 0)
        except ValueError:
            return "its answer is not a number"
        if len(answers) > 1:
            losses.append("other answers (and their partial credit) dropped; primer keeps one number and tolerance")
        data.update(type="numeric", answer=value, tolerance=abs(tolerance))
        unit = q.find("units/unit")
        if unit is not None and _text(unit, "unit_name").strip():
            data["unit"] = _text(unit, "unit_name").strip()
    elif qtype == "matching":
        pairs, distractors = [], []
        for sub in q.findall("subquestion"):
            left, matched = _plain(sub), _text(sub.find("answer")).strip()
            if left:
                pairs.append({"left": left, "right": matched})
            elif matched:
                distractors.append(matched)
        data.update(type="matching", pairs=pairs)
        if distractors:
            data["distractors"] = distractors
    elif qtype == "ordering":
        ordered = sorted(answers, key=_fraction)
        data.update(type="ordering", items=[_answer_text(a) for a in ordered])
        grading = _text(q, "gradingtype").strip().upper()
        if grading and grading not in ("ALL_OR_NOTHING", "-1"):
            losses.append(f"grading '{grading.lower()}' becomes all or nothing")
    elif qtype in ("cloze", "multianswer"):
        return _cloze(q, data, losses)
    elif qtype == "essay":
        _rubric(q, data, losses)
    else:
        return f"primer has no '{qtype}' question"
    return None


def _metadata(q: ET.Element, data: dict[str, Any]) -> None:
    """objective:, difficulty:, tests: tags back into fields; other tags stay tags."""
    tests: dict[str, list[str]] = {}
    tags: list[str] = []
    for tag in q.findall("tags/tag"):
        value = _text(tag).strip()
        name, _, rest = value.partition(":")
        if name == "objective" and rest:
            data["objective"] = rest
        elif name == "difficulty" and rest in ("1", "2", "3"):
            data["difficulty"] = int(rest)
        elif name == "tests" and rest.partition(":")[0] in ("point", "term", "event"):
            kind, _, item = rest.partition(":")
            tests.setdefault(f"{kind}s", []).append(item)
        elif value not in ("primer-generated", "primer-hand-written"):
            tags.append(slug(value, "tag"))
    if tests:
        data["tests"] = tests
    if tags:
        data["tags"] = tags


def _parse(text: str, shown: str) -> ET.Element:
    try:
        root: ET.Element = SafeET.fromstring(text.encode("utf-8"), forbid_dtd=True)
        return root
    except ET.ParseError as exc:
        line, col = exc.position
        message = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise ContentError(
            [
                Problem(
                    shown, line, col + 1, f"the file is not well-formed XML ({message})", "fix the XML and import again"
                )
            ]
        ) from None
    except defusedxml.DefusedXmlException:
        found = [at for at in (text.find("<!DOCTYPE"), text.find("<!ENTITY")) if at >= 0]
        offset = min(found, default=0)
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise ContentError(
            [
                Problem(
                    shown,
                    line,
                    col,
                    "the file declares a DOCTYPE or XML entities, which primer never reads (they can hide an "
                    "XML bomb or read other files)",
                    "remove the DOCTYPE and its entities (Moodle's own exports have none)",
                )
            ]
        ) from None


def read_moodle(text: str, shown: str, report: ImportReport) -> list[Imported]:
    """Every question of a Moodle XML file as primer fields; what cannot be mapped goes in the report."""
    root = _parse(text, shown)
    if root.tag != "quiz":
        raise ContentError(
            [Problem(shown, 1, 1, f"the root element is <{root.tag}>, not <quiz>", "import a Moodle XML export")]
        )
    found = []
    for position, q in enumerate(root.findall("question"), start=1):
        qtype = q.get("type", "")
        if qtype == "category":
            continue
        name = _text(q.find("name")).strip()
        where = f"question {position} ('{name}')" if name else f"question {position}"
        losses: list[str] = []
        idnumber = (q.findtext("idnumber") or "").strip()
        data: dict[str, Any] = {"id": slug(idnumber or name, f"imported-{position}")}
        data["stem"] = _markdown(q.find("questiontext"), losses)
        explanation = _plain(q.find("generalfeedback"))
        if not explanation:
            explanation = NO_EXPLANATION
            losses.append("no general feedback: wrote a placeholder explanation")
        data["explanation"] = explanation
        grade = (q.findtext("defaultgrade") or "").strip()
        try:
            if grade and float(grade) > 0:
                data["points"] = float(grade)
        except ValueError:
            losses.append(f"marks '{grade}' are not a number: 1 instead")
        _metadata(q, data)
        reason = _body(q, qtype, data, losses)
        if reason is not None:
            report.skipped.append((where, reason))
            continue
        if qtype in ("cloze", "multianswer"):
            data.pop("points", None)
        order = ["id", "type", "stem"]
        found.append(Imported({k: data[k] for k in [*order, *[k for k in data if k not in order]]}, where, losses))
    return found
