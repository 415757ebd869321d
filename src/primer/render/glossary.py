"""Glossary linking: the first use of a term on a page links to its definition, readable inline."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from markupsafe import Markup, escape

from primer.content.models import Term
from primer.content.terms import TermMatcher


class GlossaryLinker:
    """Finds glossary terms, their aliases and expansions in text; links each term once per page.

    A name inside a longer capitalised name, or inside one of its term's `not_in` phrases, is left
    alone (see `primer.content.terms`). The markup holds the definition, so it is for HTML only:
    plain text (answer keys, exports) comes from the content, never from this markup."""

    def __init__(self, terms: Mapping[str, Term], matcher: TermMatcher | None = None) -> None:
        """`matcher`: the glossary's, when made already (`primer.content.library.Library.term_matcher`)."""
        self.terms = terms
        self.matcher = TermMatcher(terms.values()) if matcher is None else matcher

    def link(self, text: str, seen: set[str], url: Callable[[str], str]) -> Markup:
        """Escape `text`, linking the first use on this page of each term not yet in `seen`."""
        out: list[str] = []
        last = 0
        for match, ids in self.matcher.matches(text):
            fresh = [term_id for term_id in ids if term_id not in seen]
            if not fresh:
                continue
            seen.add(fresh[0])
            out.append(str(escape(text[last : match.start()])))
            out.append(self.markup(fresh[0], match.group(0), url(fresh[0])))
            last = match.end()
        out.append(str(escape(text[last:])))
        return Markup("".join(out))

    def markup(self, term_id: str, shown: str, href: str) -> str:
        """A link to the term's entry plus its definition, hidden until the reader opens it: the site's
        script turns the link into a button that shows the definition in a popover beside the word."""
        term = self.terms[term_id]
        head = f"{term.term} ({term.expansion})" if term.expansion else term.term
        return str(
            Markup(
                '<span class="gloss"><a class="term" href="{url}" data-def="def-{id}">{shown}</a>'
                '<span class="term-def" id="def-{id}" hidden><strong>{head}:</strong> {definition}</span></span>'
            ).format(url=href, id=term_id, shown=shown, head=head, definition=term.definition)
        )
