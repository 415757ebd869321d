"""Check 7, readability: the grade of each topic, section and page against site.yaml's
reading_grade (Flesch–Kincaid, offline; see `primer.checks.readability`), with the longest sentences."""

from __future__ import annotations

import heapq
from array import array
from dataclasses import dataclass
from functools import partial

from primer.checks.readability import ABOVE, BELOW, MIN_WORDS, counts, explainer_parts, grade_of
from primer.content.models import Topic
from primer.facts import key
from primer.report.base import WORD, Context, Unit, file_part, files, sentences

#: A sentence longer than this many words is listed as hard to read.
LONG = 40
#: How many of each page's longest sentences the report shows.
LONGEST = 3


@dataclass(frozen=True)
class Sentence:
    """A long sentence: its words, where it is, and how it begins."""

    words: int
    where: str
    text: str


@dataclass(frozen=True)
class Grade:
    """The grade of one page or section."""

    name: str
    page: str
    grade: float
    words: int
    sections: list[tuple[str, float]]
    longest: list[Sentence]


def _off(level: float, target: int) -> bool:
    return level > target + ABOVE or level < target - BELOW


def check(ctx: Context) -> list[Grade]:
    """Grades per topic (with its sections) and per shared page; a finding per page far from target."""
    lib = ctx.lib
    target = lib.site.us_grade()  # the formula gives a US grade, whatever scale site.yaml uses
    found = []
    for topic in lib.topics_in_order():
        # it reads the topic alone, and the target: kept by them (`Context.kept_result`)
        reads = partial(_topic_reads, ctx, topic.id, target)
        found.append(ctx.kept_result("topic grade", reads, partial(_topic, ctx, topic, target)))
    for name, page, part in (
        ("Glossary", "glossary/index.html", "definition"),
        ("Timeline", "timeline/index.html", "event"),
        ("Actors", "actors/index.html", "actor"),
        ("Places", "places/index.html", "place"),
    ):
        units = [u for u in ctx.units if u.part == part]
        # it reads these units alone, and the target: kept by their files (a unit is made from its file alone)
        # and the order the units come in; a source's edit leaves the four pages as they were (0.2 s at 256
        # topics of the part of the report this check is in, where each unit's sentences were looked up)
        reads = partial(_shared_reads, name, units, target)
        found.append(ctx.kept_result("shared page grade", reads, partial(_shared, ctx, name, page, units, target)))
    return found


def _shared_reads(name: str, units: list[Unit], target: int) -> list[str]:
    """What `_shared` reads: the files of `units`, and which file each unit is in, in order."""
    docs = files(units)
    index = {id(doc): i for i, (doc, _) in enumerate(docs)}
    return [name, str(target), array("I", [index[id(u.doc)] for u in units]).tobytes().hex()] + [
        file_part(doc) for doc, _ in docs
    ]


def _shared(ctx: Context, name: str, page: str, units: list[Unit], target: int) -> Grade:
    """The grade of a page that lists one part of the lesson (`units`), and a finding when it is far from
    the target."""
    text = " ".join(u.text for u in units)
    graded = _grade(ctx, name, page, ctx.facts.get(partial(key, "grade", text), partial(_graded, text)), [], units)
    level = graded.grade
    if units and graded.words >= MIN_WORDS and _off(level, target):
        first = units[0]
        ctx.add_at(
            "P701",
            first.doc.shown,
            1,
            1,
            f"the {name.lower()} page reads at about US grade {level:.1f}; the target is {target}",
            "shorten sentences and explain long words" if level > target else "check site.yaml's reading_grade",
            None,
            page,
        )
    return graded


def _topic_reads(ctx: Context, topic_id: str, target: int) -> list[str]:
    return [str(target), ctx.file(("topic", topic_id))]


def _topic(ctx: Context, topic: Topic, target: int) -> Grade:
    """A topic's grade, and a finding when it is far from the target."""
    units = [u for u in ctx.by_topic.get(topic.id, []) if u.part in ("lede", "takeaway", "section")]
    parts = explainer_parts(topic)
    head = len(parts) - len(topic.sections)  # the lede and takeaways, then a text for each section
    each = [counts(text) for text in parts[:head]]
    sections = []
    for section, text in zip(topic.sections, parts[head:], strict=True):
        counted = ctx.facts.get(partial(key, "section counts", section.body), partial(counts, text))
        sections.append((section.title, round(grade_of(*counted), 1)))
        each.append(counted)
    # the explainer's counts are the sum of its texts' (`counts`): its grade without reading it all again
    words, ends, syllables = (sum(column) for column in zip(*each, strict=True))
    level = round(grade_of(words, ends, syllables), 1)
    graded = _grade(ctx, topic.title, ctx.page(("topic", topic.id)), (level, words), sections, units)
    if graded.words >= MIN_WORDS and _off(level, target):
        ctx.add(
            "P701",
            ("topic", topic.id),
            ("sections",),
            f"the explainer reads at about US grade {level:.1f}; the target is {target}",
            "shorten sentences and explain long words" if level > target else "check site.yaml's reading_grade",
        )
    return graded


def _grade(
    ctx: Context, name: str, page: str, graded: tuple[float, int], sections: list[tuple[str, float]], units: list[Unit]
) -> Grade:
    """The page's grade (`graded`: its level and words), its sections', and its longest sentences."""
    counted: list[tuple[int, Unit, int, int]] = []
    for unit in units:
        text_of = unit.text
        lengths = ctx.facts.get(partial(key, "sentence lengths", text_of), partial(_lengths, text_of))
        for start, end, words in zip(lengths[0::3], lengths[1::3], lengths[2::3], strict=True):
            counted.append((words, unit, start, end))
            if words > LONG:
                ctx.add_in(
                    "P702",
                    unit,
                    start,
                    text_of[start:end].split()[0],
                    f"this sentence has {words} words",
                    "split it in two or three",
                )
    # Only the longest sentences are shown, so only they (and those as long, which their place puts in
    # order) need their place in the file, which takes a search of the file's lines each.
    shortest_shown = heapq.nlargest(LONGEST, (c[0] for c in counted))[LONGEST - 1 : LONGEST] or [0]
    long = [
        (words, ctx.place(unit, start), " ".join(unit.text[start:end].replace("[", "").replace("]", "").split()))
        for words, unit, start, end in counted
        if words >= shortest_shown[0]
    ]
    long.sort(key=lambda s: (-s[0], s[1]))
    shown = [Sentence(w, where, text if len(text) <= 160 else text[:159] + "…") for w, where, text in long[:LONGEST]]
    return Grade(name, page, *graded, sections, shown)


def _graded(text: str) -> tuple[float, int]:
    """A page's grade, and how many words it has."""
    counted = counts(text)
    return round(grade_of(*counted), 1), counted[0]


def _lengths(text: str) -> array[int]:
    """Where each sentence of `text` starts and ends, and how many words it has, three numbers a sentence
    (in one array: a large lesson has a hundred thousand sentences)."""
    found = array("I")
    for start, sentence in sentences(text):
        found.extend((start, start + len(sentence), len(WORD.findall(sentence))))
    return found
