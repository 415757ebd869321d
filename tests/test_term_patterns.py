"""Issue 16: the glossary's names found in plain ASCII text by the pattern that looks first for a character that
may come before a name (`_Built.after`) are the names the pattern of any text finds, at the same places."""

from __future__ import annotations

import random

import pytest

from primer.content import terms
from primer.content.models import Term
from primer.content.terms import TermMatcher
from primer.patterns import plain_ascii

#: Pieces of names: words, digits, the characters that may join a name's parts or end it, and some outside ASCII.
NAME_PIECES = ["ab", "x", "Yz", "2", "-", "/", ".", "(", "’", "é", " ", "K"]
#: Pieces of texts: the names' pieces, white space of every kind, capitals, the separators \x1c-\x1f and letters
#: that ignoring case takes for ASCII ones.
TEXT_PIECES = [*NAME_PIECES, "AB", "X", "\n", "\t", "  ", "_", ",", "\x1c", "\x1f", "İ", "ı", "\u212a", "ſ", "\u00a0"]


def _glossary(rng: random.Random, pieces: list[str]) -> list[Term]:
    names: set[str] = set()
    while len(names) < rng.randint(1, 6):
        name = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))).strip()
        if name:
            names.add(name)
    return [
        Term.model_construct(id=f"t{k}", term=name, aliases=[], expansion=None, not_in=[])
        for k, name in enumerate(sorted(names))
    ]


def _text(rng: random.Random, pieces: list[str], names: list[str]) -> str:
    """Pieces and the glossary's names, some in capitals: half a text's pieces are names."""
    said = [name.upper() if rng.random() < 0.2 else name for name in names]
    return "".join(rng.choice(pieces if rng.random() < 0.5 else said) for _ in range(rng.randint(0, 16)))


def test_found_in_plain_text_as_in_any_text() -> None:
    rng = random.Random(51)
    ascii_pieces = [p for p in TEXT_PIECES if plain_ascii(p)]
    taken = found = 0
    for _ in range(1_500):
        glossary = _glossary(rng, NAME_PIECES)
        matcher = TermMatcher(glossary)
        built = matcher._built
        assert isinstance(built, terms._Built)
        for _ in range(12):
            text = _text(rng, ascii_pieces if rng.random() < 0.7 else TEXT_PIECES, [term.term for term in glossary])
            ours = [(m.start(), m.end(), m.group(0)) for m in matcher._finditer(text)]
            assert ours == [(m.start(), m.end(), m.group(0)) for m in built.pattern.finditer(text)], (text, built.names)
            if built.after is not None and plain_ascii(text):
                taken += 1
                found += len(ours)
    assert taken > 3_000 and found > 1_000, (taken, found)  # many plain texts read by the faster pattern, names found


def test_names_ending_outside_a_word_are_found_by_the_plain_pattern() -> None:
    # "x." then "(y": the second name begins where the first ends, which the faster pattern would miss
    names = [("x", "x."), ("y", "(y")]
    matcher = TermMatcher(
        [Term.model_construct(id=i, term=name, aliases=[], expansion=None, not_in=[]) for i, name in names]
    )
    assert matcher._built.after is None
    assert [m.group(0) for m in matcher._finditer("x.(y")] == ["x.", "(y"]


def test_a_matcher_made_ready_compiles_no_pattern_as_it_reads_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """`TermMatcher.ready` (before a watch's first save) compiles the patterns a check of a text may use: after it, a
    matcher finds the names, and tells the texts where one may begin with a capital, as a fresh one does, without
    compiling a pattern; for a glossary of plain names and for one that is not."""
    rng = random.Random(65)
    texts = [_text(rng, TEXT_PIECES, ["Ab x", "yz-2", "É é"]) for _ in range(200)]
    for names in (["Ab x", "yz-2", "AB/X"], ["Ab x", "É é", "\u212a2"]):
        glossary = [
            Term.model_construct(id=f"t{k}", term=name, aliases=[], expansion=None, not_in=[])
            for k, name in enumerate(names)
        ]
        terms._BUILT.clear()
        terms._SAME.clear()
        fresh = TermMatcher(glossary)
        expected = [([(m.match.start(), m.ids) for m in fresh.mentions(t)], fresh.capitalised(t)) for t in texts]
        terms._BUILT.clear()
        terms._SAME.clear()
        ready = TermMatcher(glossary)
        ready.ready()
        with monkeypatch.context() as patched:
            patched.setattr(terms.re, "compile", lambda *a, **k: pytest.fail("a pattern compiled as a text was read"))
            found = [([(m.match.start(), m.ids) for m in ready.mentions(t)], ready.capitalised(t)) for t in texts]
        assert found == expected
        assert any(mentions for mentions, _ in found) and any(capital for _, capital in found)


def test_names_read_without_the_compiled_patterns_are_the_names_they_find() -> None:
    """A process that reads few texts reads them with the tries of the names (`terms.scan`, `terms.scan_capitals`)
    rather than compile a large glossary's patterns: the same places as `_Built.after` finds, and the same answer
    as `_Built.capitals` gives, in texts of every kind (white space of every kind, capitals, letters outside
    ASCII, the characters that may join or end a name)."""
    rng = random.Random(83)
    ascii_pieces = [p for p in TEXT_PIECES if plain_ascii(p)]
    found = capitals = 0
    for _ in range(1_500):
        glossary = _glossary(rng, NAME_PIECES)
        built = TermMatcher._build(tuple((t.id, t.term, "\0") for t in glossary))
        every, rests = built.trees
        for _ in range(12):
            pieces = ascii_pieces if rng.random() < 0.7 else TEXT_PIECES
            text = _text(rng, pieces, [term.term for term in glossary])
            if built.plain and terms.lower_case_matches(text):
                assert built.capitals is not None
                said = built.capitals.search(text) is not None
                assert terms.scan_capitals(rests, text) == said, (text, built.names)
                capitals += said
            if built.scannable and plain_ascii(text):
                assert built.after is not None
                lowered = " " + text.lower()
                expected = [(m.start(1), m.end(1)) for m in built.after.finditer(lowered)]
                assert list(terms.scan(every, lowered)) == expected, (text, built.names)
                found += len(expected)
    assert found > 1_000 and capitals > 1_000, (found, capitals)


def test_a_matcher_reads_few_texts_without_compiling_and_then_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first texts a process reads, up to `SCAN_LIMIT` characters in all, are read without compiling a pattern;
    the rest with the compiled ones; the names found are those a matcher that compiled them finds."""
    rng = random.Random(97)
    names = ["Ab x", "yz-2", "AB/X", "2 ab"]
    texts = [_text(rng, [p for p in TEXT_PIECES if plain_ascii(p)], names) * 40 for _ in range(200)]
    ready = TermMatcher(_terms(names))
    ready.ready()
    expected = [(sorted(ready.find(text)), ready.capitalised(text)) for text in texts]
    monkeypatch.setattr(terms, "_BUILT", {})
    monkeypatch.setattr(terms, "_SAME", {})
    monkeypatch.setattr(terms, "_FOUND", terms.Memo())
    fresh = TermMatcher(_terms(names))
    built = fresh._built
    assert isinstance(built, terms._Built)
    got = []
    uncompiled = 0
    for text in texts:
        got.append((sorted(fresh.find(text)), fresh.capitalised(text)))
        if built._after is None and built._capitals is None:
            uncompiled += 1
    assert got == expected
    read = sum(map(len, texts[:uncompiled])) * 2  # each text read twice (find, capitalised)
    assert uncompiled and terms.SCAN_LIMIT - 2 * max(map(len, texts)) <= read <= terms.SCAN_LIMIT, "read uncompiled"
    assert built._after is not None, "compiled once the texts read passed the limit"


def _terms(names: list[str]) -> list[Term]:
    return [
        Term.model_construct(id=f"t{k}", term=name, aliases=[], expansion=None, not_in=[])
        for k, name in enumerate(names)
    ]
