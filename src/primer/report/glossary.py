"""Check 5, glossary linking: names inside longer capitalised names (from `primer.checks.names`),
terms nothing uses, and terms a topic uses before its own link to them."""

from __future__ import annotations

from functools import partial

from primer import facts
from primer.checks.names import check_term_names
from primer.content.models import Topic
from primer.errors import Problem
from primer.report.base import Context, Unit, file_part, files, links


def check(ctx: Context, names: list[Problem] | None = None) -> None:
    """Longer names, unused terms, and terms used before the topic links them (`names`: the result of
    `check_term_names` on this Library, if known)."""
    lib = ctx.lib
    glossary_docs = {lib.origins[("term", t)].doc.shown for t in lib.terms}
    for problem in check_term_names(lib) if names is None else names:
        term_id = _term_of(problem.message)
        item = ("term", term_id) if term_id in lib.terms else None
        # the finding is about a term, wherever the longer name was met
        ctx.add_at("P501", problem.path, problem.line, problem.col, problem.message, problem.fix, item, None)
    used: set[str] = set()
    built = ctx.matcher.built
    for doc, units in files(u for u in ctx.units if u.doc.shown not in glossary_docs):
        # what a file's texts name, kept by the file and the glossary's names (`Context.kept_result`; in a process
        # that checks again, by the very file and names: `Context.made_by_items`)
        make = partial(ctx.kept_result, "terms used", [ctx.matcher.digest, file_part(doc)], partial(_used, ctx, units))
        used.update(ctx.made_by_items("terms used", partial(_identities, doc, built), make))
    for question in [*lib.questions.values(), *ctx.derived.generated.values()]:
        used.update(question.tests.terms)
    for event in lib.events.values():
        used.update(event.refs.terms)
    for term_id in lib.terms:
        if term_id not in used:
            ctx.add(
                "P502",
                ("term", term_id),
                ("id",),
                f"nothing outside the glossary uses the term '{term_id}'",
                "use it in an explainer, a question or an event's refs, or remove it",
            )
    _before_link(ctx)


def _used(ctx: Context, units: list[Unit]) -> frozenset[str]:
    """The terms `units` link to or name."""
    used: set[str] = set()
    for unit in units:
        used.update(i for scheme, i, _ in links(unit.raw) if scheme == "term")
        raw = unit.raw
        used.update(
            ctx.facts.get(partial(facts.key, "terms found", ctx.matcher.digest, raw), partial(_found, ctx, raw))
        )
    return frozenset(used)


def _term_of(message: str) -> str:
    """The term id a names-check message is about ("… (glossary term 'x') …")."""
    start = message.find("(glossary term '")
    if start < 0:
        return ""
    start += len("(glossary term '")
    return message[start : message.find("'", start)]


def _before_link(ctx: Context) -> None:
    """In a topic's sections, in reading order, a term named before the topic's link to it (the lede
    and takeaways are plain text, which cannot link)."""
    built = ctx.matcher.built
    for topic in ctx.lib.topics_in_order():
        # it reads the topic's sections and the glossary's names: kept by them (`Context.kept_findings`; in a
        # process that checks again, by the very topic, its file and the names: `Context.kept_by_items`)
        reads, make = partial(_topic_reads, ctx, topic.id), partial(_before_link_in, ctx, topic.id)
        ctx.kept_by_items("term before its link", partial(_before_link_items, ctx, topic, built), reads, make)


def _before_link_items(ctx: Context, topic: Topic, built: object) -> tuple[tuple[int, ...], tuple[object, ...]]:
    """What `_before_link_in` reads, as a key of `Context.kept_by_items`: the topic, its file, the glossary's names
    (`built`: the matcher's)."""
    return _identities(topic, ctx.origin(("topic", topic.id)).doc, built)


def _identities(*items: object) -> tuple[tuple[int, ...], tuple[object, ...]]:
    """`items` as a key of `Context.made_by_items`: their identities (and the items, kept with it)."""
    return tuple(map(id, items)), items


def _topic_reads(ctx: Context, topic_id: str) -> list[str]:
    return [ctx.matcher.digest, ctx.file(("topic", topic_id))]


def _before_link_in(ctx: Context, topic_id: str) -> None:
    units = [u for u in ctx.by_topic.get(topic_id, []) if u.part == "section"]
    linked: dict[str, int] = {}
    for n, unit in enumerate(units):
        for scheme, term_id, pos in links(unit.raw):
            if scheme == "term":
                linked.setdefault(term_id, n * 1_000_000 + pos)
    seen: set[str] = set()
    for n, unit in enumerate(units):
        text = unit.text
        named = ctx.facts.get(
            partial(facts.key, "term matches", ctx.matcher.digest, text), partial(_matches, ctx, text)
        )
        for start, written, ids in named:
            for term_id in ids:
                at = n * 1_000_000 + start
                if term_id in seen or term_id not in linked:
                    continue
                seen.add(term_id)
                if at < linked[term_id] and not _inside_link(unit.raw, start, term_id):
                    name = " ".join(written.split())
                    ctx.add_in(
                        "P503",
                        unit,
                        start,
                        written,
                        f"“{name}” is used here before the topic links it to the glossary (term '{term_id}')",
                        "move the link [words](term:ID) to this first use",
                    )


def _found(ctx: Context, text: str) -> tuple[str, ...]:
    """The ids of the terms `text` names (`TermMatcher.find`), sorted."""
    return tuple(sorted(ctx.matcher.find(text)))


def _matches(ctx: Context, text: str) -> tuple[tuple[int, str, tuple[str, ...]], ...]:
    """Each place `text` names a term (`TermMatcher.matches`): where, as written, and the terms' ids."""
    return tuple((match.start(), match.group(0), tuple(ids)) for match, ids in ctx.matcher.matches(text))


def _inside_link(raw: str, pos: int, term_id: str) -> bool:
    """True when the text at `pos` is the text of a link to the term."""
    close = raw.find("](", pos)
    return close >= 0 and raw.startswith(f"](term:{term_id})", close) and "[" in raw[max(0, pos - 80) : pos]
