"""Term names inside longer names: where a glossary name sits inside a longer capitalised name
that primer therefore does not link ("Security Council" in "Japan's National Security Council").

The glossary linker and the generators leave such places alone (see `primer.content.terms`); this
check tells the author, once per term and longer name, so that they can say what the longer name
is: something else (the term's `not_in:`), or the same thing (the term's `aliases:`). It also warns
about a `not_in:` phrase that contains none of the term's names, which can never apply.
"""

from __future__ import annotations

from functools import partial

from primer.content.library import Library, Origin
from primer.content.load import Document, Key
from primer.content.terms import TermMatcher, term_names
from primer.errors import Problem
from primer.facts import Facts, key

#: Glossary keys that hold a term's own names, not text a reader sees.
_NAME_KEYS = frozenset({"id", "term", "aliases", "expansion", "not_in", "see_also", "category"})


def _documents(lib: Library) -> list[Document]:
    """Each content document that holds an item, once, in path order."""
    # by file (772 at 256 topics), not item by item (17,108): a load fills `origin_files` with `origins`
    docs = {doc.shown: doc for doc, _ in lib.origin_files}
    return [docs[shown] for shown in sorted(docs)]


def check_term_names(lib: Library, kept: Facts | None = None) -> list[Problem]:
    """A warning per (term, longer name) where a term's name occurs inside a longer capitalised name
    (`kept`: what the last check read off each document, `primer.facts`)."""
    kept = Facts() if kept is None else kept
    matcher = TermMatcher(lib.terms.values())
    glossary_docs = {lib.origins[("term", tid)].doc.shown for tid in lib.terms}
    first: dict[tuple[str, str], tuple[Document, Key, int, str]] = {}
    count: dict[tuple[str, str], int] = {}
    for doc in _documents(lib):
        glossary = doc.shown in glossary_docs
        read = partial(_longer_names, matcher, doc, glossary)
        hits = kept.get(key("longer names", matcher.digest, doc.digest, glossary), read) if doc.digest else read()
        for loc, offset, name, ids, inside in hits:
            for term_id in ids:
                first.setdefault((term_id, inside), (doc, loc, offset, name))
                count[term_id, inside] = count.get((term_id, inside), 0) + 1
    found: list[Problem] = []
    for (term_id, inside), (doc, loc, offset, name) in sorted(first.items()):
        others = count[(term_id, inside)] - 1
        more = f" (and {others} other place{'s' * (others != 1)})" if others else ""
        found.append(
            doc.problem_within(
                loc,
                offset,
                name.split("\n")[0],
                f"“{name}” (glossary term '{term_id}') sits inside the longer name “{inside}”{more}, "
                "so primer does not link it there",
                f"if “{inside}” is something else, add it to the term's not_in:; if it is the same thing, "
                "add it to the term's aliases:",
                warning=True,
            )
        )
    found += _unused_not_in(lib)
    return sorted(found)


def _longer_names(
    matcher: TermMatcher, doc: Document, glossary: bool
) -> tuple[tuple[Key, int, str, tuple[str, ...], str], ...]:
    """Each place in `doc` where a term's name sits inside a longer name: the text's key path, the line of
    the text it is on (to report it there: block scalars keep their lines), the name as written, the
    terms' ids and the longer name (`glossary`: the glossary's own file, whose names are not text)."""
    found = []
    for loc, text in doc.strings():
        if glossary and not _NAME_KEYS.isdisjoint(loc):  # (a key's parts are texts and list indexes)
            continue
        if not matcher.capitalised(text):
            continue  # no name there begins with a capital: none sits inside a longer name
        for mention in matcher.mentions(text):
            if mention.inside:
                offset = text.count("\n", 0, mention.match.start())
                found.append((loc, offset, mention.match.group(0), tuple(mention.ids), mention.inside))
    return tuple(found)


def _unused_not_in(lib: Library) -> list[Problem]:
    """A `not_in:` phrase that contains none of its term's names can never apply."""
    found = []
    for term_id, term in lib.terms.items():
        origin: Origin = lib.origins[("term", term_id)]
        names = [" ".join(n.split()).casefold() for n in term_names(term)]
        for index, phrase in enumerate(term.not_in):
            if not any(name in " ".join(phrase.split()).casefold() for name in names):
                found.append(
                    origin.problem(
                        ("not_in", index),
                        f"the not_in phrase “{phrase}” contains none of the term's names, so it never applies",
                        "write the longer name in full, including the term's name or alias it contains",
                        warning=True,
                    )
                )
    return found
