"""Check 1, provenance: every statement and question rests on points, terms or events, and every
key agrees with the data it cites (a status, a date, an order, a definition)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Hashable
from functools import partial

from primer.content.library import Library
from primer.content.load import Document
from primer.content.models import (
    Event,
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    Point,
    QuestionBase,
    ShortAnswer,
    SingleChoice,
    Source,
    Term,
    Topic,
    TrueFalse,
)
from primer.memo import Memo
from primer.quiz.generate import STATUSES
from primer.quiz.scoring import normalise
from primer.report.base import Context, Item, content_words, dates, links

_CITES = ("point", "event", "term", "source")
_LABELS = dict(STATUSES)
_LABEL_STATUS = {normalise(label): status for status, label in STATUSES}
#: A stem that reports what someone says is true as a report even when what they say is wrong.
_ATTRIBUTED = re.compile(
    r"\b(?:says?|said|claims?|argues?|reports?|writes?|calls?|according to|suggests?|predicts?)\b", re.I
)
_YES = re.compile(r"^\W*(?:true|right|correct|yes)\b", re.I)
_NO = re.compile(r"^\W*(?:false|wrong|incorrect|no)\b", re.I)
_PARTLY = re.compile(r"\bpartly (?:accurate|true|right|correct|wrong)\b", re.I)


def check(ctx: Context) -> None:
    """Statements and questions that rest on nothing; keys that contradict their data. What each topic's
    statements and each question's key give is kept between commands by the files they read
    (`Context.kept_findings`)."""
    _statements(ctx)
    _questions(ctx)
    bank = ctx.derived.bank
    for group, doc in _key_groups(ctx, [*ctx.lib.questions.values(), *ctx.derived.generated.values()]):
        reads, make = partial(_key_reads, ctx, group), partial(_keys_of, ctx, group)
        if bank.get(group[0].id) is group[0]:
            ctx.kept_by_items("provenance keys 2", partial(_key_items, ctx, group, doc), reads, make)
        else:  # (a question not the bank's is never kept)
            ctx.kept_findings("provenance keys 2", reads, make)


def _statements(ctx: Context) -> None:
    # the words and dates of what the topics cite, each item read once however many topics cite it (kept
    # for this check only: 20 MiB at 256 topics)
    known: dict[str, _Words | None] = {}
    said: dict[str, _Words] = {}
    for topic in ctx.lib.topics_in_order():
        reads, make = partial(_statement_reads, ctx, topic), partial(_topic_statements, ctx, topic, known, said)
        ctx.kept_by_items("provenance statements", partial(_statement_items, ctx, topic), reads, make)


def _statement_items(ctx: Context, topic: Topic) -> tuple[tuple[Hashable, ...], list[object]]:
    """What `_topic_statements` reads, as a key of `Context.kept_by_items`: the topic and its file, what it
    cites, the very points, events and terms it cites, and its sources (as `_statement_reads` has them)."""
    lib = ctx.lib
    doc = ctx.origin(("topic", topic.id)).doc
    cites = tuple(ctx.citations(topic.id))
    keep: list[object] = [topic, doc]
    keep += [_cited_item(lib, ref) for ref in cites]
    keep += [lib.sources.get(source_id) for source_id in topic.sources]
    return (cites, *map(id, keep)), keep


def _statement_reads(ctx: Context, topic: Topic) -> list[str]:
    """What `_topic_statements` reads: the topic's file, what it cites, the texts it reads of the points, events
    and terms it cites (`_cited_text`), and its sources' framing (`_framing_texts`). By the texts, not by their
    files: an edit of one term of a glossary of thousands, or of one point of a source, leaves the topics that
    cite the others as they were (at 256 topics, an edited term made every topic's statements be read again)."""
    lib = ctx.lib
    cites = ctx.citations(topic.id)
    # each item's text made once for every topic that cites it (10,753 citations of 2,560 events at 256 topics)
    cited: dict[str, str | None] = ctx.cache.setdefault("cited texts", {})
    texts: list[str] = []  # joined into one part: a part costs more to hash than its characters
    for ref in cites:
        text = cited[ref] if ref in cited else cited.setdefault(ref, _cited_text(lib, ref))
        if text is not None:
            texts += (ref, text)
    read = [ctx.file(("topic", topic.id)), repr(list(cites.items())), "\0".join(texts)]
    for source_id in topic.sources:
        source = lib.sources.get(source_id)
        read.append("\0".join(["source", source_id, *_framing_texts(source)]) if source else f"no source {source_id}")
    return read


def _cited_text(lib: Library, ref: str) -> str | None:
    """What a topic's statements read of a point, event or term it cites (`ref`: "kind:id"): the text whose
    words and dates they look for; None for any other citation, or one of nothing in the lesson. Kept by the
    item in a process that checks again (`primer.memo`: the same object is the same content), where the
    report's second part is made at each save: 9,500 items' texts joined again at 256 topics."""
    item = _cited_item(lib, ref)
    return None if item is None else _CITED.get(id(item), partial(_text_of, item), item)


def _cited_item(lib: Library, ref: str) -> Point | Event | Term | None:
    """The point, event or term a topic cites (`ref`: "kind:id"), or None (any other citation, or one of nothing
    in the lesson)."""
    kind, _, item_id = ref.partition(":")
    if kind == "point":
        return lib.points.get(item_id)
    if kind == "event":
        return lib.events.get(item_id)
    if kind == "term":
        return lib.terms.get(item_id)
    return None


def _text_of(item: Point | Event | Term) -> str:
    if isinstance(item, Point):
        return " ".join(filter(None, [item.text, item.correction, item.basis]))
    if isinstance(item, Event):
        return f"{item.title} {item.text} {item.date.human()}"
    return " ".join([item.term, *item.aliases, item.expansion or "", item.definition])


#: `_text_of` by the item's identity (see `_cited_text`).
_CITED: Memo[int, str] = Memo()


def _framing_texts(source: Source) -> list[str]:
    """What a topic's statements read of a source it lists: how it is framed, dated and published."""
    framing = source.framing
    texts = [source.outlet.note, source.published.how, framing.conclusion, *framing.notes, source.kind]
    return texts + [n.note for n in framing.loaded_wording] + [n.note for n in framing.unattributed]


def _topic_statements(ctx: Context, topic: Topic, known: dict[str, _Words | None], said: dict[str, _Words]) -> None:
    """A topic's paragraphs, takeaways and perspectives that rest on nothing it cites."""
    item = ("topic", topic.id)
    for i, section in enumerate(topic.sections):
        start = 0
        for paragraph in re.split(r"\n\s*\n", section.body):
            pos = section.body.find(paragraph, start)
            start = pos + len(paragraph)
            if paragraph.strip() and not any(scheme in _CITES for scheme, _, _ in links(paragraph)):
                unit = next(u for u in ctx.by_topic[topic.id] if u.loc[-3:] == ("sections", i, "body"))
                ctx.add_in(
                    "P101",
                    unit,
                    pos,
                    paragraph.strip().split("\n")[0][:40],
                    f"this paragraph of “{section.title}” cites no point, event, term or source",
                    "link what it rests on: [words](point:ID), (event:ID), (term:ID) or (source:ID)",
                )
    cited = _cited_words(ctx, topic.id, known, said)
    for i, takeaway in enumerate(topic.takeaways):
        words = content_words(takeaway)
        figures = {d.iso for d in dates(takeaway)}
        if not any(len(words & have) >= 3 or (figures & got and words & have) for have, got in cited):
            ctx.add(
                "P102",
                item,
                ("takeaways", i),
                "this takeaway shares no three words (or a date) with any point, event or term the topic cites",
                "say it in the words of what it rests on, or cite that in a section",
            )
    for i, perspective in enumerate(topic.perspectives):
        if not perspective.points:
            ctx.add(
                "P103",
                item,
                ("perspectives", i),
                f"the perspective of '{perspective.actor}' rests on no point",
                "list the points it rests on under points:",
            )


#: The words of a text that carry meaning, and the dates it gives.
_Words = tuple[set[str], set[str]]


def _cited_words(ctx: Context, topic_id: str, known: dict[str, _Words | None], said: dict[str, _Words]) -> list[_Words]:
    """The words and dates of each point, event and term a topic cites, and of the framing of its sources
    (`known`: what was read already for other topics, by citation; `said`: by text of a source's framing)."""
    lib = ctx.lib
    topic = lib.topics[topic_id]
    found = []
    for ref in ctx.citations(topic_id):
        if ref in known:
            kept = known[ref]
            if kept is not None:
                found.append(kept)
            continue
        text = _cited_text(lib, ref)
        entry = (content_words(text), {d.iso for d in dates(text)}) if text else None
        known[ref] = entry
        if entry is not None:
            found.append(entry)
    for source_id in topic.sources:  # a takeaway may rest on how a source is framed, dated, published
        source = lib.sources.get(source_id)
        if source is not None:
            # every topic on a source reads the same framing: its words are worked out once per report
            for text in _framing_texts(source):
                if text not in said:
                    said[text] = (content_words(text), {d.iso for d in dates(text)})
                found.append(said[text])
    return found


def _questions(ctx: Context) -> None:
    """Questions in a quiz whose topic cites nothing they test, and points no question tests; kept between
    commands by each topic, and by each file of points (`Context.kept_findings`)."""
    lib = ctx.lib
    for topic in lib.topics_in_order():
        reads, make = partial(_quiz_reads, ctx, topic), partial(_quiz, ctx, topic)
        ctx.kept_by_items("provenance quizzes", partial(_quiz_items, ctx, topic), reads, make)
    by_file: dict[int, list[str]] = {}
    for point_id in lib.points:
        by_file.setdefault(id(ctx.origin(("point", point_id)).doc), []).append(point_id)
    for points in by_file.values():
        ctx.kept_findings("provenance points", partial(_point_reads, ctx, points), partial(_untested, ctx, points))


def _quiz_reads(ctx: Context, topic: Topic) -> list[str]:
    """What `_quiz` reads: the topic's id and what it cites, and each question's file and first quiz (its page)."""
    read = [topic.id, repr(list(ctx.citations(topic.id)))]
    for qid in topic.questions:
        read += [ctx.file(("question", qid)), repr(ctx.derived.question_topics.get(qid, [])[:1])]
    return read


def _quiz_items(ctx: Context, topic: Topic) -> tuple[tuple[Hashable, ...], list[object]]:
    """What `_quiz` reads, as a key of `Context.kept_by_items` (as `_quiz_reads` has it): the topic, what it cites,
    and each question of its own with its file and first quiz."""
    questions, origins, first = ctx.lib.questions, ctx.lib.origins, ctx.derived.question_topics
    keep: list[object] = [topic]
    quizzes: list[Hashable] = []
    for qid in topic.questions:
        keep += (questions[qid], origins["question", qid].doc)
        quizzes.append(first[qid][0] if first.get(qid) else None)
    return (tuple(ctx.citations(topic.id)), *quizzes, *map(id, keep)), keep


def _quiz(ctx: Context, topic: Topic) -> None:
    cites = ctx.citations(topic.id)
    for qid in topic.questions:
        question = ctx.lib.questions[qid]
        tested = [f"{kind[:-1]}:{i}" for kind in ("points", "terms", "events") for i in getattr(question.tests, kind)]
        if tested and not any(ref in cites for ref in tested):
            ctx.add_question(
                "P104",
                question,
                ("tests",),
                f"the question is in the quiz of '{topic.id}', which cites nothing it tests ({', '.join(tested)})",
                "cite what it tests in the topic's sections, or move it to the quiz of a topic that does",
            )


def _point_reads(ctx: Context, points: list[str]) -> list[str]:
    """What `_untested` reads: the points' file, which of them a question tests, and the sources they are
    listed under (their pages)."""
    tested = ctx.derived.point_questions
    read = [ctx.file(("point", points[0])), "".join("1" if p in tested else "0" for p in points)]
    return read + sorted({ctx.lib.point_source[p] for p in points})


def _untested(ctx: Context, points: list[str]) -> None:
    for point_id in points:
        if point_id not in ctx.derived.point_questions:
            ctx.add(
                "P105",
                ("point", point_id),
                ("id",),
                f"no question tests the point '{point_id}'",
                "write a question that tests it, or let a topic cite it so that a claim question is generated",
            )


def _placed(ctx: Context, q: QuestionBase) -> Item:
    """Where the findings on a question's key are placed: its own entry, or its topic's for a generated one."""
    placed: Item = ("question", q.id)
    if placed not in ctx.lib.origins:
        placed = ("topic", ctx.derived.question_topics[q.id][0])
    return placed


def _key_groups(ctx: Context, questions: list[QuestionBase]) -> list[tuple[list[QuestionBase], Document]]:
    """`questions` by the file their findings are placed in (with that file), those that test a term apart (their
    keys read the whole glossary, which an edit of a term changes), each group kept as one (`_key_reads`): a
    question at a time, the keys of its reads cost more than its check (5,719 questions at 256 topics). A question
    that is not the bank's, whose findings are never kept, is a group of its own."""
    groups: dict[tuple[int, bool], tuple[list[QuestionBase], Document]] = {}
    alone: list[tuple[list[QuestionBase], Document]] = []
    bank = ctx.derived.bank
    for q in questions:
        doc = ctx.origin(_placed(ctx, q)).doc
        if bank.get(q.id) is not q:
            alone.append(([q], doc))
            continue
        groups.setdefault((id(doc), bool(q.tests.terms)), ([], doc))[0].append(q)
    return [*groups.values(), *alone]


def _key_reads(ctx: Context, group: list[QuestionBase]) -> list[str]:
    """What `_keys` reads of each question of `group`: the question, the quiz that holds it (a finding's page
    is the question's in the first quiz that holds it), and the files of where its findings are placed and of
    what it tests (of every term, when it tests one: a key may be another term's definition)."""
    lib = ctx.lib
    read: list[str] = []
    files: dict[str, None] = {}
    terms = False
    for q in group:
        read += [
            ctx.derived.digest(q.id) if ctx.derived.bank.get(q.id) is q else "",
            repr(ctx.derived.question_topics.get(q.id, [])[:1]),
        ]
        files[ctx.file(_placed(ctx, q))] = None
        for kind, ids in (("point", q.tests.points), ("event", q.tests.events)):
            for i in ids:
                files[ctx.file((kind, i)) if (kind, i) in lib.origins else f"no {kind} {i}"] = None
        terms = terms or bool(q.tests.terms)
    read += files
    if terms:
        if "term files" not in ctx.cache:
            ctx.cache["term files"] = sorted({ctx.file(("term", t)) for t in lib.terms})
        read += ctx.cache["term files"]
    return read


def _key_items(ctx: Context, group: list[QuestionBase], doc: Document) -> tuple[tuple[Hashable, ...], list[object]]:
    """What `_keys` reads of each question of `group`, as a key of `Context.kept_by_items`: the file the findings
    are placed in (`doc`), each question, its first quiz, the very points and events it tests with their files (a
    finding names where a point is), and every term with its files, as one object, when one tests a term (as
    `_key_reads` has them). An item that is the same object holds the same values, but may have moved in its file."""
    lib, first, origins = ctx.lib, ctx.derived.question_topics, ctx.lib.origins
    points, events = lib.points, lib.events
    key: list[Hashable] = []
    keep: list[object] = [doc]
    for q in group:
        tests = q.tests
        keep.append(q)
        for i in tests.points:
            point = points.get(i)
            keep += (point, None if point is None else origins["point", i].doc)
        for i in tests.events:
            event = events.get(i)
            keep += (event, None if event is None else origins["event", i].doc)
        quizzes = first.get(q.id)
        key += (quizzes[0] if quizzes else None, len(tests.points), len(tests.events))
    if group[0].tests.terms:  # (a group's questions all test a term, or none does: `_key_groups`)
        if "every term" not in ctx.cache:  # one object while no term and no glossary file changes (`Memo.same`)
            docs = tuple({id(d): d for d in (origins["term", t].doc for t in lib.terms)}.values())
            ctx.cache["every term"] = _TERMS.same("terms", (tuple(lib.terms.values()), docs))
        keep.append(ctx.cache["every term"])
    return (*key, *map(id, keep)), keep


#: Every term of the glossary and the files they are in, as one object while none changes (`_key_items`).
_TERMS: Memo[str, tuple[tuple[Term, ...], tuple[Document, ...]]] = Memo()


def _keys_of(ctx: Context, group: list[QuestionBase]) -> None:
    for q in group:
        _keys(ctx, q)


def _keys(ctx: Context, q: QuestionBase) -> None:
    if isinstance(q, SingleChoice | MultipleChoice):
        _status_key(ctx, q)
        _first_key(ctx, q)
        _date_key(ctx, q, [c.text for c in q.choices if c.correct], ("choices",))
        _definition_key(ctx, q)
    elif isinstance(q, TrueFalse):
        _true_false(ctx, q)
    elif isinstance(q, Ordering):
        _order_key(ctx, q)
    elif isinstance(q, ShortAnswer):
        _date_key(ctx, q, q.accept[:1], ("accept",))
    elif isinstance(q, Numeric):
        _year_key(ctx, q)
    elif isinstance(q, Matching):
        _definition_key(ctx, q)


def _status_key(ctx: Context, q: SingleChoice | MultipleChoice) -> None:
    """A question whose options are the status labels keys the status of the one point it tests."""
    labels = [_LABEL_STATUS.get(normalise(c.text)) for c in q.choices]
    if sum(label is not None for label in labels) < 3 or len(q.tests.points) != 1:
        return
    point_id = q.tests.points[0]
    point = ctx.lib.points.get(point_id)
    if point is None:
        return
    keyed = sorted({label for label, c in zip(labels, q.choices, strict=True) if c.correct and label})
    if keyed != [point.status]:
        shown = ", ".join(_LABELS[s] for s in keyed) or "no status"
        ctx.add_question(
            "P110",
            q,
            ("choices",),
            f"the key is “{shown}”, but the point '{point_id}' it tests is {_LABELS[point.status].lower()} "
            f"({ctx.where(('point', point_id))})",
            f"key “{_LABELS[point.status]}”, or correct the point's status",
        )


def _resembles(stem: str, text: str) -> bool:
    """True when a stem restates a point: most of its meaningful words are the point's."""
    a, b = content_words(stem), content_words(text)
    return bool(a) and len(a & b) >= max(3, 0.6 * len(a))


def _true_false(ctx: Context, q: TrueFalse) -> None:
    said = "true" if q.answer else "false"
    if (_YES if not q.answer else _NO).search(q.explanation):
        ctx.add_question(
            "P111",
            q,
            ("answer",),
            f"the key is {said}, but the explanation begins “{q.explanation[:40]}”",
            "make the key and the explanation agree",
        )
        return
    if _PARTLY.search(q.explanation):
        ctx.add_question(
            "P111",
            q,
            ("answer",),
            f"the key is {said}, but the explanation calls the statement “{_PARTLY.search(q.explanation).group(0)}”",  # type: ignore[union-attr]
            "a true/false key cannot say 'partly': ask for the status (a single-choice question) "
            "or state only the part that holds",
        )
        return
    if _ATTRIBUTED.search(q.stem):
        return  # "Article A says X" is true as a report whatever X's status
    for point_id in q.tests.points:
        point = ctx.lib.points.get(point_id)
        if point is None or not _resembles(q.stem, point.text):
            continue
        right = {"accurate": True, "wrong": False}.get(point.status)
        if right is None or right != q.answer:
            status = _LABELS[point.status].lower()
            ctx.add_question(
                "P111",
                q,
                ("answer",),
                f"the stem restates the point '{point_id}', which is {status} ({ctx.where(('point', point_id))}), "
                f"but the key is {said}",
                "a true/false key holds only for an accurate or a wrong claim: key it to match, or ask for "
                "the status instead",
            )


def _event_for(text: str, events: list[Event]) -> Event | None:
    """The tested event an option or item names: its title, else the one sharing most words."""
    norm = normalise(text)
    for event in events:
        if normalise(event.title) == norm:
            return event
    words = content_words(text)
    scored = sorted(((len(words & content_words(f"{e.title} {e.text}")), e.id, e) for e in events), reverse=True)
    if scored and scored[0][0] >= max(2, 0.5 * len(words)) and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][2]
    return None


def _tested_events(ctx: Context, q: QuestionBase) -> list[Event]:
    return [ctx.lib.events[e] for e in q.tests.events if e in ctx.lib.events]


def _order_key(ctx: Context, q: Ordering) -> None:
    events = _tested_events(ctx, q)
    if len(events) < 2:
        return
    mapped = [(i, e) for i, e in ((i, _event_for(text, events)) for i, text in enumerate(q.items)) if e]
    for (i, a), (j, b) in itertools.pairwise(mapped):
        if a.date.first > b.date.last:
            ctx.add_question(
                "P112",
                q,
                ("items", j),
                f"item {i + 1} (“{a.title}”, {a.date}) is keyed before item {j + 1} (“{b.title}”, {b.date}), "
                "which the timeline dates earlier",
                "put the items in the order of their dates, or correct an event's date",
            )


def _first_key(ctx: Context, q: SingleChoice | MultipleChoice) -> None:
    if not isinstance(q, SingleChoice) or "first" not in q.stem.casefold():
        return
    events = _tested_events(ctx, q)
    if len(events) < 2:
        return
    right = next(c for c in q.choices if c.correct)
    keyed = _event_for(right.text, events)
    if keyed is None:
        return
    for choice in q.choices:
        other = _event_for(choice.text, events) if not choice.correct else None
        if other is not None and other.date.last < keyed.date.first:
            ctx.add_question(
                "P112",
                q,
                ("choices",),
                f"the key “{keyed.title}” ({keyed.date}) did not come first: “{other.title}” ({other.date}) "
                "came before it",
                "key the earliest event, or correct an event's date",
            )
            return


def _date_key(ctx: Context, q: QuestionBase, answers: list[str], sub: tuple[str, ...]) -> None:
    """A keyed answer that is a date must fall within a tested event's date."""
    events = _tested_events(ctx, q)
    if not events or len(answers) != 1:
        return
    answer = answers[0]
    found = dates(answer)
    rest = content_words(re.sub(r"\d", " ", answer)) - {m.casefold() for m in _MONTH_WORDS}
    if len(found) != 1 or len(rest) > 1:
        return  # the answer is not essentially a date
    said = found[0]
    if not any(e.date.first <= said.last() and said.first() <= e.date.last for e in events):
        names = "; ".join(f"“{e.title}” ({e.date})" for e in events)
        ctx.add_question(
            "P113",
            q,
            sub,
            f"the keyed date “{said.text}” falls outside the date of what the question tests: {names}",
            "key the event's date, or correct the timeline",
        )


_MONTH_WORDS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "early",
    "late",
    "mid",
]


def _year_key(ctx: Context, q: Numeric) -> None:
    events = _tested_events(ctx, q)
    if not events or not 1800 <= q.answer <= 2100 or q.answer != int(q.answer):
        return
    low, high = q.answer - q.tolerance, q.answer + q.tolerance
    if not any(e.date.first.year <= high and low <= e.date.last.year for e in events):
        names = "; ".join(f"“{e.title}” ({e.date})" for e in events)
        ctx.add_question(
            "P113",
            q,
            ("answer",),
            f"the keyed year {q.answer:g} falls outside the date of what the question tests: {names}",
            "key the event's year, or correct the timeline",
        )


def _meanings(ctx: Context) -> dict[str, str]:
    """Normalised expansion or definition → the term it belongs to, made once per report."""
    if "meanings" not in ctx.cache:
        meaning: dict[str, str] = {}
        for term in ctx.lib.terms.values():
            for text in filter(None, [term.expansion, term.definition]):
                meaning.setdefault(normalise(text), term.id)
        ctx.cache["meanings"] = meaning
    found: dict[str, str] = ctx.cache["meanings"]
    return found


def _definition_key(ctx: Context, q: SingleChoice | MultipleChoice | Matching) -> None:
    """An option keyed to a term that is really another term's expansion or definition."""
    lib = ctx.lib
    tested = [lib.terms[t] for t in q.tests.terms if t in lib.terms]
    if not tested:
        return
    meaning = _meanings(ctx)
    names = {normalise(n): t.id for t in tested for n in [t.term, *t.aliases]}
    pairs: list[tuple[str, str, tuple[str | int, ...]]] = []
    if isinstance(q, Matching):
        pairs = [(p.left, p.right, ("pairs", i)) for i, p in enumerate(q.pairs)]
    elif len(tested) == 1:
        pairs = [(tested[0].term, c.text, ("choices", i)) for i, c in enumerate(q.choices) if c.correct]
    for name, text, sub in pairs:
        for a, b in ((name, text), (text, name)):
            term_id, owner = names.get(normalise(a)), meaning.get(normalise(b))
            if term_id and owner and owner != term_id:
                ctx.add_question(
                    "P114",
                    q,
                    sub,
                    f"“{a}” is keyed to “{b[:60]}”, which is the glossary's text for '{owner}', not '{term_id}' "
                    f"({ctx.where(('term', owner))})",
                    "key the term's own expansion or definition",
                )
