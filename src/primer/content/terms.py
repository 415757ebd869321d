"""Finding glossary terms by name in text, fast enough for thousands of terms."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from primer.content.models import Term

#: The target of a Markdown link, so that `[text](term:id)` is searched only for its text.
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def term_names(term: Term) -> list[str]:
    """Every name a term goes by: the term, its aliases and its expansion."""
    return [term.term, *term.aliases, *([term.expansion] if term.expansion else [])]


class TermMatcher:
    """Finds glossary terms mentioned by name (term, alias or expansion) in text.

    Names without lower-case letters (THAAD, AN/TPY-2) must match in case; others match in any case.
    """

    def __init__(self, terms: Iterable[Term]) -> None:
        self._names: dict[str, list[tuple[str, str, bool]]] = {}
        for term in terms:
            for name in term_names(term):
                exact = not any(ch.islower() for ch in name)
                self._names.setdefault(name.lower(), []).append((name, term.id, exact))
        # One pattern shaped as a trie of the names: the longest name wins at each place, and the
        # regex engine need not try thousands of alternatives at every character.
        body = trie_pattern(sorted(self._names))
        self._pattern = re.compile(rf"(?<![\w/-]){body}(?![\w/-])", re.IGNORECASE) if self._names else None

    def matches(self, text: str) -> Iterator[tuple[re.Match[str], list[str]]]:
        """Each place a name occurs in `text`, with the ids of the terms it names there (in id order)."""
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            word = match.group(0)
            ids = sorted(
                {term_id for name, term_id, exact in self._names.get(word.lower(), []) if not exact or word == name}
            )
            if ids:
                yield match, ids

    def find(self, text: str) -> set[str]:
        """Ids of the terms whose names occur in Markdown `text` (link targets are ignored)."""
        return {term_id for _, ids in self.matches(_LINK_TARGET.sub("]", text)) for term_id in ids}


def trie_pattern(words: list[str]) -> str:
    """A regular expression matching exactly `words`, longest first, written as a trie."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        group = f"(?:{'|'.join(branches)})"
        return group + "?" if "" in node else group

    return build(trie)
