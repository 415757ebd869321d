"""Readability: the Flesch–Kincaid grade of each explainer, against the site's target grade.

Syllables come from pyphen's hyphenation dictionary (hyphenation points + 1 per word), which runs
offline and counts slightly low, so grades read a little easy; the band below allows for that."""

from __future__ import annotations

import re
from functools import cache, lru_cache, partial

import pyphen

from primer import memo
from primer.content.library import Library
from primer.content.models import Topic
from primer.errors import Problem
from primer.facts import Facts, key
from primer.render.markdown import link_texts

#: How far an explainer may sit below or above the target grade before primer warns.
BELOW, ABOVE = 4.0, 2.0
#: Below this many words a grade says little, so short explainers are not judged.
MIN_WORDS = 100

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@cache
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


def ready() -> None:
    """Read the hyphenation dictionary now, for a process that checks again (`primer build --watch`): else
    the first edit of an explainer reads it, here and in the report's worker forked from here (0.1 s each)."""
    _dictionary()


@memo.check_only
@lru_cache(maxsize=1 << 16)
def _syllables(word: str) -> int:
    """Hyphenation points + 1 (kept per word: a lesson uses a few thousand words, hundreds of thousands of times)."""
    return len(_dictionary().positions(word)) + 1


def grade(text: str) -> float:
    """Flesch–Kincaid grade level of `text` (0 for text without words)."""
    return grade_of(*counts(text))


def counts(text: str) -> tuple[int, int, int]:
    """The words, sentence ends and syllables of `text`, which its grade is worked out from (`grade_of`). Those
    of texts joined with a space are the sums of each text's: no word or run of stops reaches across a space,
    and a stop at a text's end ends a sentence before a space as at the end."""
    words = _WORD.findall(text)
    syllables = sum(map(_syllables, map(str.lower, words)))  # map: no Python frame per word
    return len(words), len(_SENTENCE_END.findall(text)), syllables


def grade_of(words: int, ends: int, syllables: int) -> float:
    """The Flesch–Kincaid grade of a text of these `counts` (0 without words)."""
    if not words:
        return 0.0
    return 0.39 * words / max(1, ends) + 11.8 * syllables / words - 15.59


def explainer_text(topic: Topic) -> str:
    """The prose a student reads on a topic page: lede, takeaways and sections, links reduced to their text."""
    return " ".join(explainer_parts(topic))


def explainer_parts(topic: Topic) -> list[str]:
    """The texts of `explainer_text`: the lede, each takeaway, each section (links reduced to their text)."""
    return [topic.lede, *topic.takeaways, *(link_texts(s.body) for s in topic.sections)]


def _counted(text: str) -> tuple[int, float]:
    """How many words `text` has, and its grade."""
    counted = counts(text)
    return counted[0], grade_of(*counted)


def topic_grades(lib: Library) -> dict[str, float]:
    """Topic id → grade of its explainer text, in topic order."""
    return {topic.id: grade(explainer_text(topic)) for topic in lib.topics_in_order()}


#: The key of each explainer's grade (`_grade_key`), by the topic (as an object: see `primer.memo`): a save that
#: leaves a topic as it was does not read its explainer again (0.09 s at 256 topics, its links' text).
_GRADE_KEYS: memo.Memo[int, bytes] = memo.Memo()


def _grade_key(topic: Topic) -> bytes:
    """The key of the grade of `topic`'s explainer (`primer.facts`): its text."""
    return key("explainer grade", explainer_text(topic))


def _topic_counted(topic: Topic) -> tuple[int, float]:
    """`_counted` of `topic`'s explainer."""
    return _counted(explainer_text(topic))


def check_readability(lib: Library, kept: Facts | None = None) -> list[Problem]:
    """A warning for each explainer whose grade is far from `site.reading_grade` (`kept`: the grades the
    last check worked out, by text: `primer.facts`)."""
    kept = Facts() if kept is None else kept
    target = lib.site.us_grade()  # the formula gives a US grade, whatever scale site.yaml uses
    found = []
    for topic in lib.topics_in_order():
        made = partial(_GRADE_KEYS.get, id(topic), partial(_grade_key, topic), topic)
        words, level = kept.get(made, partial(_topic_counted, topic))
        if words < MIN_WORDS:
            continue
        topic_id = topic.id
        if level > target + ABOVE or level < target - BELOW:
            direction = "harder" if level > target else "easier"
            found.append(
                lib.origins[("topic", topic_id)].problem(
                    ("sections",),
                    f"the explainer reads at about grade {level:.1f}, {direction} than the target grade {target}"
                    + ("" if lib.site.settings.reading_scale == "us-grade" else f" ({lib.site.reading_level()})"),
                    "shorten sentences and explain or replace long words"
                    if direction == "harder"
                    else "the text may be too simple for the audience; check site.yaml's reading_grade",
                    warning=True,
                )
            )
    return found
