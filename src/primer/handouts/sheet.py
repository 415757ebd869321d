"""What a handout shows, as plain data for the sandboxed templates: the reading passage, each
version's questions with answer space, and the teacher's keys, answers and lesson plan."""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from primer.content.library import Library
from primer.content.models import BLANK, QuestionBase, Topic
from primer.content.terms import TermMatcher
from primer.derive import Derived
from primer.handouts.plan import lesson_plan
from primer.handouts.versions import Version
from primer.render import markdown
from primer.render.clip import clip_chars as _clip

#: What each kind of question asks a student to do on paper.
PRINT_LABELS = {
    "single": "Tick one box",
    "multiple": "Tick every box that applies",
    "true-false": "Tick true or false",
    "short": "Write a short answer",
    "numeric": "Write a number",
    "ordering": "Put in order",
    "matching": "Match each item",
    "cloze": "Fill in the blanks",
    "open": "Write your answer",
}

#: The most sentences of each section the reading passage keeps.
PASSAGE_SENTENCES = 3
#: A glossary entry longer than this (term, expansion and definition, in characters) takes the box's whole
#: width, where it may run onto the next page: the others are set two a row as inline blocks, which print
#: whole or not at all (WeasyPrint cuts off one taller than a page). 1,000 characters fill about 25 lines of
#: half the box, under half an A4 or Letter page.
LONG_ENTRY = 1000
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"’)]))\s+(?=[A-Z“\"(])")
#: A citation that is only a link in brackets, "([point](point:id))": on paper it says nothing.
_BARE_CITATION = re.compile(r"\(\[[^\]]*\]\([a-z]+:[^)\s]*\)\)")
_TAG_A = re.compile(r"</?a\b[^>]*>")


def _plain_links(text: str) -> str:
    """Markdown with every link replaced by its text: paper has nowhere to link to."""
    return markdown.link_texts(text)


@functools.lru_cache(maxsize=4096)  # every version of every sheet and key shows the same stems
def stem_html(text: str, *, inline: bool = False) -> Markup:
    """A question stem as HTML, without links."""
    html = markdown.render(_plain_links(text), lambda scheme, item: None, inline=inline)
    return Markup(_TAG_A.sub("", html))


def points_label(points: float) -> str:
    """'1 point', '2 points', '1.5 points'."""
    shown = f"{points:g}"
    return f"{shown} point" if points == 1 else f"{shown} points"


def _lines_for(question: QuestionBase, data: dict[str, Any]) -> int:
    """How many writing lines a short, numeric or open answer gets: from the length of the
    expected answer and the marks it is worth (`data`: the question's dump)."""
    if data["type"] == "short":
        longest = max(len(a) for a in data["accept"])
        return 1 + longest // 45
    if data["type"] == "open":
        expected = len(str(data["model_answer"])) // 55 + 2  # a student writes larger than print
        return max(4, min(14, max(expected, int(2 * question.points) + 2)))
    return 1


class Bolder:
    """Bolds the first use of each glossary term in a passage, and remembers which terms it used."""

    def __init__(self, matcher: TermMatcher) -> None:
        self.matcher = matcher
        self.seen: list[str] = []

    def __call__(self, text: str) -> str:
        """`text` escaped, with the first use of each term in bold."""
        out: list[str] = []
        last = 0
        for match, ids in self.matcher.matches(text):
            fresh = [term_id for term_id in ids if term_id not in self.seen]
            if not fresh:
                continue
            self.seen.append(fresh[0])
            out.append(str(escape(text[last : match.start()])))
            out.append(f'<strong class="term">{escape(match.group(0))}</strong>')
            last = match.end()
        out.append(str(escape(text[last:])))
        return "".join(out)


def _without_bare_citations(text: str) -> str:
    r"""`text` without its bare citations (`_BARE_CITATION`), each with the white space before it: what
    `re.sub(r"\s*" + _BARE_CITATION.pattern, "", text)` gives, in a tenth of the time (with `\s*` first, the
    regex engine tried the pattern at every character; the "([" it now begins with is looked for at once)."""
    kept = []
    last = 0
    for found in _BARE_CITATION.finditer(text):
        start = found.start()
        while start > last and text[start - 1].isspace():  # `\s` is `str.isspace`
            start -= 1
        kept.append(text[last:start])
        last = found.end()
    kept.append(text[last:])
    return "".join(kept)


def condensed(body: str, sentences: int = PASSAGE_SENTENCES) -> str:
    """The first paragraph of a section's Markdown, at most `sentences` sentences long."""
    first = _plain_links(_without_bare_citations(body.strip())).split("\n\n", 1)[0]
    parts = _SENTENCE.split(" ".join(first.split()))
    return " ".join(parts[:sentences])


def passage_words(topic: Topic) -> int:
    """How many words the reading passage of `topic` has (`passage`'s "words"), without laying it out."""
    return _words(topic, [condensed(s.body) for s in topic.sections])


def _words(topic: Topic, shortened: list[str]) -> int:
    return len(" ".join([topic.lede, *topic.takeaways, *shortened]).split())


def passage(lib: Library, topic: Topic, matcher: TermMatcher) -> dict[str, Any]:
    """The reading passage: lede, key takeaways and the sections condensed, terms in bold, and a
    glossary box of the terms it uses."""
    bold = Bolder(matcher)

    def render(text: str) -> Markup:
        return Markup(_TAG_A.sub("", markdown.render(text, lambda s, i: None, inline=True, gloss=bold)))

    lede = render(topic.lede)
    takeaways = [render(t) for t in topic.takeaways]
    shortened = [condensed(s.body) for s in topic.sections]
    sections = [{"title": s.title, "html": render(text)} for s, text in zip(topic.sections, shortened, strict=True)]
    terms = sorted((lib.terms[t] for t in bold.seen), key=lambda t: t.term.casefold())
    words = _words(topic, shortened)
    return {
        "lede": lede,
        "takeaways": takeaways,
        "sections": sections,
        "glossary": [
            {
                "term": t.term,
                "expansion": t.expansion or "",
                "definition": t.definition,
                "long": len(t.term) + len(t.expansion or "") + len(t.definition) > LONG_ENTRY,
            }
            for t in terms
        ],
        "words": words,
    }


def _letter(i: int) -> str:
    return chr(ord("A") + i)


def _small(i: int) -> str:
    return chr(ord("a") + i)


def sheet_question(question: QuestionBase, version: Version, data: dict[str, Any]) -> dict[str, Any]:
    """One question as the student sheet of `version` shows it, with its answer space (`data`: the question's
    dump, made once for all versions)."""
    qtype = data["type"]
    parts = version.parts.get(question.id, [])
    shown: dict[str, Any] = {
        "number": version.number(question.id),
        "id": question.id,
        "type": qtype,
        "label": PRINT_LABELS[qtype],
        "points": points_label(question.points),
        "stem": stem_html(question.stem) if qtype != "cloze" else Markup(""),
        "options": [],
        "items": [],
        "lefts": [],
        "rights": [],
        "cloze": Markup(""),
        "bank": [],
        "lines": _lines_for(question, data),
        "unit": data.get("unit") or "",
    }
    if qtype in ("single", "multiple"):
        shown["options"] = [{"letter": _letter(k), "text": data["choices"][i]["text"]} for k, i in enumerate(parts)]
    elif qtype == "true-false":
        shown["options"] = [{"letter": "", "text": "True"}, {"letter": "", "text": "False"}]
    elif qtype == "ordering":
        shown["items"] = [{"letter": _small(k), "text": data["items"][i]} for k, i in enumerate(parts)]
    elif qtype == "matching":
        rights = [p["right"] for p in data["pairs"]] + list(data["distractors"])
        shown["lefts"] = [{"number": k + 1, "text": p["left"]} for k, p in enumerate(data["pairs"])]
        shown["rights"] = [{"letter": _letter(k), "text": rights[i]} for k, i in enumerate(parts)]
    elif qtype == "cloze":
        shown["cloze"], shown["bank"] = _cloze(question, data, version)
    return shown


def _cloze(question: QuestionBase, data: dict[str, Any], version: Version) -> tuple[Markup, list[str]]:
    """The cloze text with numbered blanks, and the word bank of its blanks' choices (or none)."""
    numbers = {bid: n for n, bid in enumerate(BLANK.findall(question.stem), start=1)}
    pieces = BLANK.split(question.stem)  # text, id, text, id, … text
    html = [stem_html(pieces[0], inline=True)]
    for i in range(1, len(pieces), 2):
        html.append(
            Markup('<span class="blank">({}) <span class="blank-line"></span></span>').format(numbers[pieces[i]])
        )
        html.append(stem_html(pieces[i + 1], inline=True))
    choices = sorted({c for b in data["blanks"] for c in b["choices"]})
    # The word bank's order changes with the version, so that neighbours' banks differ.
    rng = random.Random(f"{version.code}:{question.id}")
    rng.shuffle(choices)
    return Markup("").join(html), choices


def key_cell(question: QuestionBase, version: Version, data: dict[str, Any]) -> str:
    """The answer to a question on the sheet of `version`, short enough for the marking grid (`data`: the
    question's dump)."""
    qtype = data["type"]
    parts = version.parts.get(question.id, [])
    if qtype in ("single", "multiple"):
        return ", ".join(_letter(k) for k, i in enumerate(parts) if data["choices"][i]["correct"])
    if qtype == "true-false":
        return "True" if data["answer"] else "False"
    if qtype == "ordering":
        return ", ".join(_small(parts.index(i)) for i in range(len(parts)))
    if qtype == "matching":
        return ", ".join(f"{k + 1} {_letter(parts.index(k))}" for k in range(len(data["pairs"])))
    if qtype == "short":
        return _accepted(data["accept"], 28)
    if qtype == "numeric":
        unit = f" {data['unit']}" if data.get("unit") else ""
        return f"{data['answer']:g}{unit}"
    if qtype == "cloze":
        numbers = {bid: n for n, bid in enumerate(BLANK.findall(question.stem), start=1)}
        blanks = sorted(data["blanks"], key=lambda b: numbers[b["id"]])
        return "; ".join(
            f"{numbers[b['id']]} {b['answer'] if b['choices'] else _accepted(b['accept'])}" for b in blanks
        )
    return "rubric"


def _accepted(accept: list[str], width: int | None = None) -> str:
    """The first accepted answer (clipped to `width`), and how many more are accepted: 'Seongju (+2)'.
    The answers pages list them all."""
    more = f" (+{len(accept) - 1})" if len(accept) > 1 else ""
    first = accept[0] if width is None else _clip(accept[0], width - len(more))
    return first + more


def key_grid(
    quiz: list[QuestionBase], versions: list[Version], dumps: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The marking grid: for each question number, the answer on each version's sheet (`dumps`: each
    question's dump by its id, when made already)."""
    by_id = {q.id: q for q in quiz}
    dumps = {q.id: q.model_dump() for q in quiz} if dumps is None else dumps
    return [
        {"number": n, "cells": [key_cell(by_id[v.order[n - 1]], v, dumps[v.order[n - 1]]) for v in versions]}
        for n in range(1, len(quiz) + 1)
    ]


def handout_context(
    lib: Library,
    derived: Derived,
    topic: Topic,
    versions: list[Version],
    matcher: TermMatcher,
    refs: Callable[[Any], list[tuple[str, str]]],
    answer: Callable[[QuestionBase], str],
) -> dict[str, Any]:
    """The context of a topic's handout templates: passage, sheets per version, key, answers, plan."""
    quiz = derived.quizzes[topic.id]
    by_id = {q.id: q for q in quiz}
    dumps = {q.id: q.model_dump() for q in quiz}  # once each: the sheets, the key and the answers read them
    text = passage(lib, topic, matcher)
    sheets = [
        {
            "letter": v.letter,
            "code": v.code,
            "questions": [sheet_question(by_id[qid], v, dumps[qid]) for qid in v.order],
        }
        for v in versions
    ]
    grid = key_grid(quiz, versions, dumps)
    answers = []
    for question in quiz:
        data = dumps[question.id]
        answers.append(
            {
                "id": question.id,
                "numbers": [{"letter": v.letter, "number": v.number(question.id)} for v in versions],
                "stem": stem_html(question.stem),
                "label": PRINT_LABELS[data["type"]],
                "points": points_label(question.points),
                "answer": answer(question),
                "explanation": question.explanation,
                "rubric": [{"criterion": c["criterion"], "points": points_label(c["points"])} for c in data["rubric"]]
                if data["type"] == "open"
                else [],
                "rests_on": [label for label, _ in refs(question.tests)],
            }
        )
    plan = lesson_plan(lib, topic, quiz, versions, text["words"])
    return {
        "topic": {"id": topic.id, "title": topic.title},
        "site_title": lib.site.title,
        "language": lib.site.language,
        "licence": lib.site.licence,
        "passage": text,
        "sheets": sheets,
        "versions": [{"letter": v.letter, "code": v.code} for v in versions],
        "grid": grid,
        "answers": answers,
        "objectives": [o.text for o in topic.objectives],
        "plan": plan,
        "prompts": list(topic.prompts),
        "total_points": points_label(sum(q.points for q in quiz)),
        "count": len(quiz),
    }
