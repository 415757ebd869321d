"""GIFT → primer questions, following Moodle's GIFT rules: questions separated by blank lines, `//`
comments, `$CATEGORY:` lines, `::title::`, `[format]`, and a backslash before ~ = # { } : to make it
literal. A `// primer:` comment (written by primer's GIFT export) gives back objective, difficulty,
marks, tags and what the question tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from primer.errors import ContentError, Problem
from primer.importer import Imported, ImportReport
from primer.importer.text import html_to_markdown, html_to_plain, slug

NO_FEEDBACK_RIGHT = "Right."
NO_FEEDBACK_WRONG = "Not right."
NO_EXPLANATION = "An explanation is still to be written."
_ESCAPES = {"n": "\n"}
_TF = re.compile(r"(TRUE|FALSE|T|F)(?=\s*(#|$))", re.IGNORECASE)


@dataclass
class _Block:
    """One question's text, where it starts, and the `// primer:` comment above it."""

    text: str
    line: int
    meta: str


def unescape(text: str) -> str:
    """GIFT text with its escapes resolved: `\\~` → `~`, `\\n` → a line break."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def _find(text: str, target: str, start: int = 0) -> int:
    """The index of the first unescaped `target` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _blocks(text: str) -> list[_Block]:
    """Questions as blocks of lines between blank lines; comments and categories set aside."""
    blocks: list[_Block] = []
    lines: list[str] = []
    start, meta = 0, ""
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        stripped = line.strip()
        if not stripped:
            if lines:
                blocks.append(_Block("\n".join(lines), start, meta))
            lines, meta = [], ""
            continue
        if stripped.startswith("//"):
            if stripped.startswith("// primer:"):
                meta = stripped.removeprefix("// primer:")
            continue
        if stripped.startswith("$CATEGORY:") and not lines:
            continue
        if not lines:
            start = number
        lines.append(line)
    return blocks


def _where(block: _Block, offset: int) -> tuple[int, int]:
    """Line and column in the file of an offset inside a block."""
    before = block.text[:offset]
    return block.line + before.count("\n"), offset - (before.rfind("\n") + 1) + 1


def _rich(text: str, fmt: str, losses: list[str]) -> str:
    """Question text as Markdown, by its GIFT format."""
    text = unescape(text).strip()
    if fmt == "markdown":
        return text
    if fmt == "html" or (fmt == "moodle" and re.search(r"</?[a-zA-Z][^>]*>", text)):
        markdown, dropped = html_to_markdown(text)
        if dropped:
            losses.append(f"question text: {', '.join(sorted(dropped))} dropped")
        return markdown
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def _plain(text: str, fmt: str) -> str:
    text = unescape(text).strip()
    return html_to_plain(text) if fmt == "html" or re.search(r"</?[a-zA-Z][^>]*>", text) else text


def _split_choices(body: str) -> list[tuple[str, str]]:
    """(marker, rest) for each `=` or `~` choice of an answer block."""
    choices: list[tuple[str, str]] = []
    i, current, marker = 0, "", ""
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            current += body[i : i + 2]
            i += 2
            continue
        if ch in "=~":
            if marker:
                choices.append((marker, current))
            marker, current = ch, ""
        else:
            current += ch
        i += 1
    if marker:
        choices.append((marker, current))
    return choices


def _weight(text: str) -> tuple[float | None, str]:
    match = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", text)
    return (float(match.group(1)), text[match.end() :]) if match else (None, text)


def _parts(text: str) -> tuple[str, str]:
    """A choice's text and its feedback (after the first unescaped '#')."""
    at = _find(text, "#")
    return (text, "") if at < 0 else (text[:at], text[at + 1 :])


def _answers(body: str, fmt: str, data: dict[str, Any], losses: list[str]) -> str | None:
    """Fill `data` from the text between the braces; the reason when it cannot be mapped."""
    stripped = body.strip()
    if not stripped:
        data.update(type="open", model_answer="A model answer is still to be written.")
        data["rubric"] = [{"criterion": "Matches the model answer", "points": data.get("points", 1.0)}]
        losses.append("GIFT essays have no model answer or rubric: wrote placeholders")
        return None
    if stripped.startswith("#"):
        return _numeric(stripped[1:], data, losses)
    tf = _TF.match(stripped)
    if tf:
        answer = tf.group(1).upper().startswith("T")
        feedbacks = [_plain(f, fmt) for f in _split_hash(stripped[tf.end() :])]
        wrong = feedbacks[0] if feedbacks else ""
        right = feedbacks[1] if len(feedbacks) > 1 else ""
        if not (wrong and right):
            losses.append("feedback was missing; wrote 'Right.' or 'Not right.'")
        wrong, right = wrong or NO_FEEDBACK_WRONG, right or NO_FEEDBACK_RIGHT
        # Moodle shows the first feedback for a wrong answer, the second for a right one.
        true_fb, false_fb = (right, wrong) if answer else (wrong, right)
        data.update(type="true-false", answer=answer, feedback_true=true_fb, feedback_false=false_fb)
        return None
    choices = _split_choices(body)
    if not choices:
        return "its answers are neither choices (= ~), a number (#), true/false nor empty"
    if any(_find(rest, "->") >= 0 for _, rest in choices):
        pairs, distractors = [], []
        for _, rest in choices:
            left, _, right = rest.partition("->")
            left_text, right_text = _plain(left, fmt), unescape(right).strip()
            if left_text:
                pairs.append({"left": left_text, "right": right_text})
            else:
                distractors.append(right_text)
        data.update(type="matching", pairs=pairs)
        if distractors:
            data["distractors"] = distractors
        return None
    weighted = [(marker, *_weight(rest)) for marker, rest in choices]
    if all(marker == "=" for marker, _, _ in weighted):
        accept = [_plain(_parts(text)[0], fmt) for _, weight, text in weighted if weight is None or weight >= 100]
        if len(accept) < len(weighted):
            losses.append("answers worth partial credit dropped")
        data.update(type="short", accept=accept)
        return None
    # Moodle's rule: with a '=' answer the question is single-choice; with weights only, select-all.
    single = any(marker == "=" for marker, _, _ in weighted)
    if single and any(marker == "~" and (weight or 0) > 0 for marker, weight, _ in weighted):
        losses.append("partial credit for an option dropped")
    options = []
    for marker, weight, rest in weighted:
        text, feedback = _parts(rest)
        is_right = marker == "=" if single else (weight or 0) > 0
        if not feedback.strip() and "feedback was missing; wrote 'Right.' or 'Not right.'" not in losses:
            losses.append("feedback was missing; wrote 'Right.' or 'Not right.'")
        options.append(
            {
                "text": _plain(text, fmt),
                "correct": is_right,
                "feedback": _plain(feedback, fmt) or (NO_FEEDBACK_RIGHT if is_right else NO_FEEDBACK_WRONG),
            }
        )
    data.update(type="single" if single else "multiple", choices=options)
    return None


def _split_hash(text: str) -> list[str]:
    parts, at = [], _find(text, "#")
    while at >= 0:
        nxt = _find(text, "#", at + 1)
        parts.append(text[at + 1 : nxt if nxt >= 0 else len(text)])
        at = nxt
    return parts


def _numeric(body: str, data: dict[str, Any], losses: list[str]) -> str | None:
    choices = _split_choices(body) if _find(body, "=") >= 0 else [("=", body)]
    right = [rest for marker, rest in choices if marker == "=" and _weight(rest)[0] in (None, 100.0)]
    if not right:
        return "its numeric answer has no fully right value"
    if len(choices) > 1:
        losses.append("other numeric answers (and their partial credit) dropped")
    value = unescape(_parts(_weight(right[0])[1])[0]).strip()
    try:
        if ".." in value:
            low, high = (float(v) for v in value.split("..", 1))
            answer, tolerance = (low + high) / 2, (high - low) / 2
        elif ":" in value:
            number, margin = value.split(":", 1)
            answer, tolerance = float(number), abs(float(margin))
        else:
            answer, tolerance = float(value), 0.0
    except ValueError:
        return f"'{value}' is not a number"
    data.update(type="numeric", answer=answer, tolerance=tolerance)
    return None


def _metadata(meta: str, data: dict[str, Any]) -> None:
    """Fields from a `// primer:` comment."""
    for part in meta.split(";"):
        key, _, value = part.strip().partition("=")
        value = value.strip()
        if key == "objective" and value:
            data["objective"] = value
        elif key == "difficulty" and value in ("1", "2", "3"):
            data["difficulty"] = int(value)
        elif key == "points":
            try:
                data["points"] = float(value)
            except ValueError:
                continue
        elif key == "tags" and value:
            data["tags"] = [t for t in value.split(",") if t]
        elif key == "tests" and value:
            tests: dict[str, list[str]] = {}
            for ref in value.split(","):
                kind, _, item = ref.partition(":")
                if kind in ("point", "term", "event") and item:
                    tests.setdefault(f"{kind}s", []).append(item)
            data["tests"] = tests


def _question(block: _Block, position: int, shown: str, problems: list[Problem]) -> tuple[dict[str, Any], str] | None:
    """(fields, text after the answers) of one block, or None after noting a problem."""
    text = block.text
    data: dict[str, Any] = {}
    i = len(text) - len(text.lstrip())
    if text.startswith("::", i):
        end = _find(text, "::", i + 2)
        if end < 0:
            line, col = _where(block, i)
            problems.append(Problem(shown, line, col, "the title has no closing '::'", "close it with '::'"))
            return None
        data["title"] = unescape(text[i + 2 : end]).strip()
        i = end + 2
    fmt_match = re.match(r"\s*\[(html|markdown|plain|moodle)\]", text[i:])
    fmt = "moodle"
    if fmt_match:
        fmt, i = fmt_match.group(1), i + fmt_match.end()
    opening = _find(text, "{", i)
    if opening < 0:
        data["description"] = True
        return data, ""
    closing = _find(text, "}", opening + 1)
    if closing < 0:
        line, col = _where(block, opening)
        problems.append(Problem(shown, line, col, "the answers have no closing '}'", "close them with '}'"))
        return None
    data["stem_text"], data["format"] = text[i:opening], fmt
    data["answers"] = text[opening + 1 : closing]
    return data, text[closing + 1 :]


def read_gift(text: str, shown: str, report: ImportReport) -> list[Imported]:
    """Every question of a GIFT file as primer fields; a malformed file raises with file:line:col."""
    problems: list[Problem] = []
    found: list[Imported] = []
    for position, block in enumerate(_blocks(text), start=1):
        parsed = _question(block, position, shown, problems)
        if parsed is None:
            continue
        raw, tail = parsed
        title = raw.get("title", "")
        where = f"line {block.line}" + (f" ('{title}')" if title else "")
        if raw.get("description"):
            report.skipped.append((where, "a description, not a question (it has no answers in braces)"))
            continue
        losses: list[str] = []
        data: dict[str, Any] = {"id": slug(title, f"imported-{position}")}
        _metadata(block.meta, data)
        fmt = raw["format"]
        answers, general = raw["answers"], ""
        at = _find(answers, "####")
        if at >= 0:
            answers, general = answers[:at], answers[at + 4 :]
        stem = _rich(raw["stem_text"], fmt, losses)
        reason = _answers(answers, fmt, data, losses)
        if reason is None and tail.strip():
            reason = _missing_word(stem, _rich(tail, fmt, losses), data, losses)
        else:
            data["stem"] = stem
        if reason is not None:
            report.skipped.append((where, reason))
            continue
        explanation = _plain(general, fmt)
        if not explanation:
            explanation = NO_EXPLANATION
            losses.append("no general feedback: wrote a placeholder explanation")
        data["explanation"] = explanation
        order = ["id", "type", "stem"]
        found.append(Imported({k: data[k] for k in [*order, *[k for k in data if k not in order]]}, where, losses))
    if problems:
        raise ContentError(problems)
    return found


def _missing_word(before: str, after: str, data: dict[str, Any], losses: list[str]) -> str | None:
    """A GIFT 'missing word' question (text after the braces) as a cloze with one blank."""
    blank: dict[str, Any] = {"id": "blank-1"}
    if data.get("type") == "single":
        choices = data.pop("choices")
        blank["choices"] = [c["text"] for c in choices]
        blank["answer"] = next(c["text"] for c in choices if c["correct"])
        losses.append("per-answer feedback dropped (a blank has none)")
    elif data.get("type") == "short":
        blank["accept"] = data.pop("accept")
    else:
        return "text after the answers (a missing word) works only with choices or short answers"
    data.update(type="cloze", stem=f"{before} [[blank-1]] {after}".strip(), blanks=[blank])
    return None
