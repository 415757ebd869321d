"""Glossary linking: the first use of a term on a page links to its definition, readable inline."""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from primer.content.models import Term


class GlossaryLinker:
    """Finds glossary terms and their aliases in text; links each term once per page."""

    def __init__(self, terms: dict[str, Term]) -> None:
        self.terms = terms
        self.names: dict[str, str] = {}  # case-folded name → term id (acronyms kept exact)
        self.exact: dict[str, str] = {}  # ALL-CAPS names match only as written
        for term_id, term in sorted(terms.items()):
            for name in (term.term, *term.aliases):
                if len(name) < 3:
                    continue
                if name.isupper() or any(c.isupper() for c in name[1:]):
                    self.exact.setdefault(name, term_id)
                else:
                    self.names.setdefault(name.casefold(), term_id)
        alternatives = sorted({*self.exact, *self.names}, key=lambda n: (-len(n), n))
        self.pattern = (
            re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in alternatives) + r")(?![\w-])", re.IGNORECASE)
            if alternatives
            else None
        )

    def find(self, name: str) -> str | None:
        """The term id a matched name stands for, or None when its case does not fit."""
        if name in self.exact:
            return self.exact[name]
        return self.names.get(name.casefold())

    def link(self, text: str, seen: set[str], url: Callable[[str], str]) -> Markup:
        """Escape `text`, linking the first use on this page of each term not yet in `seen`."""
        if self.pattern is None:
            return escape(text)
        out: list[str] = []
        last = 0
        for match in self.pattern.finditer(text):
            term_id = self.find(match.group(0))
            if term_id is None or term_id in seen:
                continue
            seen.add(term_id)
            out.append(str(escape(text[last : match.start()])))
            out.append(self.markup(term_id, match.group(0), url(term_id)))
            last = match.end()
        out.append(str(escape(text[last:])))
        return Markup("".join(out))

    def markup(self, term_id: str, shown: str, href: str) -> str:
        """A link to the term's entry plus its definition, hidden until the reader opens it."""
        term = self.terms[term_id]
        head = f"{term.term} ({term.expansion})" if term.expansion else term.term
        return str(
            Markup(
                '<span class="gloss"><a class="term" href="{url}" data-def="def-{id}">{shown}</a>'
                '<span class="term-def" id="def-{id}" hidden><strong>{head}:</strong> {definition}</span></span>'
            ).format(url=href, id=term_id, shown=shown, head=head, definition=term.definition)
        )
