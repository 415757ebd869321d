"""Why each topic got the generated questions it got (`primer check --explain-generated`).

Per topic, in topic order, and per generator, in the order a quiz takes turns (`GENERATORS`): each
candidate offered to the topic, chosen or skipped and why, then what a generator could not make
from the content the topic cites, and why. One sentence a line, in a deterministic order: the
chosen questions in quiz order, the skipped ones by id, the notes by what they are about.

The reasons are the ones `primer.derive` recorded while it chose (`Derived.skipped`): a generator
turned off, an excluded id, a question testing only what the topic's own questions test, a subject
already asked about, a generator's share (no more than half the places) or the quiz's
`generate.max`; a question chosen that the content could not make has a warning of its own.
"""

from __future__ import annotations

from primer.content.library import Library
from primer.content.models import Topic
from primer.content.terms import TermMatcher
from primer.derive import Derived
from primer.exports.common import plain
from primer.quiz.generate import CITED, GENERATORS, Candidate, Note, citations, generate
from primer.render.clip import clip_chars

#: How long a stem may be in a line of the explanation.
SHOWN = 90


def _stem(candidate: Candidate) -> str:
    """A generated question's stem as one short line of plain text."""
    return clip_chars(plain(candidate.data["stem"]), SHOWN)


def _anchors(candidate: Candidate, cites: dict[str, int]) -> str:
    cited = [a for a in candidate.anchors if cites.get(a, 0)]
    return ", ".join(cited) or ", ".join(candidate.anchors)


class _Topic:
    """The explanation for one topic."""

    def __init__(self, lib: Library, derived: Derived, topic: Topic, cites: dict[str, int]) -> None:
        self.lib = lib
        self.topic = topic
        self.cites = cites
        self.chosen = [q.id for q in derived.quizzes.get(topic.id, []) if q.id.startswith("gen-")]
        self.skipped = derived.skipped.get(topic.id, {})

    def why_skipped(self, candidate: Candidate) -> str:
        reason = self.skipped.get(candidate.id)
        if reason:
            return reason
        return "the content could not make it (see the warning about it)"  # chosen, but it failed to build

    def lines(self, offered: list[Candidate], notes: list[Note]) -> list[str]:
        by_id = {c.id: c for c in offered}
        picked = [by_id[qid] for qid in self.chosen if qid in by_id]
        origin = self.lib.origins[("topic", self.topic.id)]
        head = (
            f"Topic '{self.topic.id}' ({origin.describe()}): {len(picked)} of {len(offered)} generated "
            f"question{'s' * (len(offered) != 1)} offered join its quiz (generate: max: {self.topic.generate.max})."
        )
        out = [head]
        for generator in GENERATORS:
            for candidate in picked:
                if candidate.generator == generator:
                    how = "cites" if candidate.relevance(self.cites) >= CITED else "mentions"
                    out.append(
                        f"  {generator}: chose {candidate.id} “{_stem(candidate)}” — the topic {how} "
                        f"{_anchors(candidate, self.cites)}"
                    )
            for candidate in offered:
                if candidate.generator == generator and candidate not in picked:
                    out.append(
                        f"  {generator}: skipped {candidate.id} “{_stem(candidate)}” — {self.why_skipped(candidate)}"
                    )
            for note in notes:
                if note.generator == generator:
                    out.append(f"  {generator}: skipped {note.what} — {note.why}")
        if len(out) == 1:
            out.append("  nothing to offer: the topic cites no term, event, point or source a generator uses")
        return out


def _concerns(note: Note, topic: Topic, cites: dict[str, int]) -> bool:
    if note.topic is not None:
        return note.topic == topic.id
    return any(cites.get(ref, 0) for ref in note.about)


def explain(lib: Library, derived: Derived) -> list[str]:
    """The explanation, one line each, topics in order (see the module docstring)."""
    matcher = TermMatcher(lib.terms.values())
    topics = lib.topics_in_order()
    cites = {topic.id: citations(lib, topic, matcher) for topic in topics}
    notes: list[Note] = []
    candidates = generate(lib, cites, notes)
    notes.sort(key=lambda n: (n.generator, n.about, n.what))
    lines: list[str] = []
    for topic in topics:
        offered = [c for c in candidates if c.relevance(cites[topic.id]) > 0]
        own = [n for n in notes if _concerns(n, topic, cites[topic.id])]
        lines += _Topic(lib, derived, topic, cites[topic.id]).lines(offered, own)
    return lines
