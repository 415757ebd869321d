"""What a large lesson keeps in memory is smaller, and gives what it gave before (issue 16, seventh round):
shared token parts, shared sets of given fields, section bodies' tokens not kept through a build, the
report's sentences as offsets, and export files made as the zip takes them."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from pydantic import ValidationError

from primer.build import _validate, collector_paused
from primer.content.library import load_library
from primer.content.models import Author, Term
from primer.content.terms import TermMatcher, lower_case_matches, term_names
from primer.exports.common import zip_bytes
from primer.render import markdown
from primer.report.base import sentences

ROOT = Path(__file__).resolve().parents[1]

SAMPLES = [
    "Plain words.",
    'A [link](point:p-1), a [site](https://example.org "title"), <https://example.org/auto> and `code`.',
    "# Heading\n\nA paragraph\nwrapped, with *emphasis* and **strong**.\n\n- tight\n- list\n\n1. one\n\n2. loose\n",
    "> A quote\n> on two lines\n\n```yaml\nkey: value\n```\n\n    indented code\n\n---\n\n"
    "A [ref][r].\n\n[r]: event:e-2",
    "Raw <b>html</b> is shown as text; a hard  \nbreak, and an ![image](x.png).",
]


def test_kept_tokens_render_as_markdown_it_renders() -> None:
    """Tokens that share their empty parts and line ranges render to the same HTML as tokens fresh from
    markdown-it, block and inline."""
    fresh = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable("image")
    for text in SAMPLES:
        for inline in (False, True):
            tokens = markdown.parsed(text, inline)[0]
            expected = fresh.renderer.render(
                fresh.parseInline(text, {}) if inline else fresh.parse(text, {}), fresh.options, {}
            )
            assert fresh.renderer.render(list(tokens), fresh.options, {}) == expected, (text, inline)


def test_shared_token_parts_are_read_only() -> None:
    """Parsed tokens share one read-only empty mapping and one tuple per line range: a caller that changed
    a shared token would fail rather than change every page."""
    first = markdown.parsed("One paragraph.\n\nAnother one.")[0]
    second = markdown.parsed("A third paragraph.\n\nA fourth one.")[0]
    assert first[0].attrs is second[0].attrs, "one empty mapping"
    assert first[0].map is second[0].map == (0, 1), "one tuple for the same lines"
    with pytest.raises(TypeError):
        first[0].attrSet("class", "x")
    link = next(t for t in markdown.parsed("A [link](point:p-1).")[0][1].children or [] if t.type == "link_open")
    assert link.attrs == {"href": "point:p-1"}, "attributes that are there stay the token's own"


def test_items_given_the_same_fields_share_one_set() -> None:
    """pydantic's record of the fields an item was given is one set for all items given the same ones;
    each item still reports its own, and a copy gets a set of its own."""
    a = Author.model_validate({"name": "A team"})
    b = Author.model_validate({"name": "Another team"})
    c = Author.model_validate({"name": "A checker", "role": "fact-checker"})
    assert a.model_fields_set == {"name"}
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    assert c.model_fields_set == {"name", "role"}
    copy = a.model_copy(update={"role": "editor"})
    assert copy.model_fields_set == {"name", "role"}
    assert a.model_fields_set == b.model_fields_set == {"name"}, "the shared set is unchanged"
    with pytest.raises(ValidationError):
        a.role = "changed"  # type: ignore[misc]
    assert a.model_fields_set == {"name"}


def test_long_texts_unkept_keep_only_what_the_lint_reads() -> None:
    """While long texts are not kept, reading a body's links keeps its shown text, which the lint reads
    once; its tokens are parsed again when asked for, and keeping comes back afterwards."""
    body = f"A [claim](point:p-{random.Random(7).random()}) with a well-known term.\n\n" + "More words. " * 200
    expected = markdown._shown(markdown._parse(body, False)[0])
    assert markdown._parsed_long.keeping
    with markdown.long_texts_unkept():
        assert [link[0] for link in markdown.content_links(body)] == ["point"]
        assert markdown._parsed_long._kept == {}, "no tokens kept"
        assert markdown._shown_long[body] == expected, "what the lint reads, kept"
        assert markdown.shown_text(body) == expected
        assert body not in markdown._shown_long, "read once"
        assert markdown.shown_text(body) == expected, "and parsed again when read again"
        assert markdown.parsed(body) is not markdown.parsed(body)
    assert markdown._parsed_long.keeping
    assert markdown.parsed(body) is markdown.parsed(body), "kept again"


def test_the_check_finds_the_same_whether_long_texts_are_kept() -> None:
    """The shipped lesson has section bodies longer than `LONG_TEXT`: its check (the lint reads their
    words) gives the same warnings and report with their tokens kept and not."""
    content = ROOT / "content"
    assert any(
        len(s.body) > markdown.LONG_TEXT for t in _validate(content, False).library.topics.values() for s in t.sections
    )
    with collector_paused():
        kept = _validate(content, False)
    with collector_paused(), markdown.long_texts_unkept():
        unkept = _validate(content, False)
        assert markdown._parsed_long._kept == {}
    assert [str(w) for w in unkept.warnings] == [str(w) for w in kept.warnings]
    assert unkept.report.model_dump() == kept.report.model_dump()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two!  Three?", [(0, "One."), (5, "Two!"), (11, "Three?")]),
        ("“Quoted.” Next one.\n\nA paragraph", [(0, "“Quoted.”"), (10, "Next one."), (21, "A paragraph")]),
        ("No end  ", [(0, "No end  ")]),
        ("   ", []),
        ("Version 2.1 is out. 3 left.", [(0, "Version 2.1 is out."), (20, "3 left.")]),
    ],
)
def test_sentences_from_offsets(text: str, expected: list[tuple[int, str]]) -> None:
    """The report's sentences, kept as offsets, read as the sentences themselves, each at its start."""
    assert list(sentences(text)) == expected
    assert all(text[start:].startswith(sentence) for start, sentence in sentences(text))


def test_a_zip_makes_each_file_in_its_turn() -> None:
    """A file given to `zip_bytes` as a function is made once, in the zip's (sorted) order, and the zip is
    the one its bytes would give."""
    made: list[str] = []

    def maker(name: str) -> Callable[[], bytes]:
        def make() -> bytes:
            made.append(name)
            return f"<{name}/>".encode()

        return make

    names = ["b/b.xml", "a/a.xml", "imsmanifest.xml"]
    lazy = zip_bytes({name: maker(name) for name in names})
    assert made == sorted(names)
    assert lazy == zip_bytes({name: f"<{name}/>".encode() for name in names})
    with zipfile.ZipFile(io.BytesIO(lazy)) as archive:
        assert archive.read("a/a.xml") == b"<a/a.xml/>"


def test_links_left_unnormalised_are_those_markdown_it_gives_back_unchanged() -> None:
    normalize = MarkdownIt("commonmark").normalizeLink
    samples = [
        "term:thaad",
        "point:a-three-batteries",
        "event:2017.03_deploy~x",
        "Term:thaad",
        "term:café",
        "term:a%20b",
        "term:a(b)",
        "https://example.org/a b",
        "place:",
        "topic:x/y",
        "question:q?1",
        "mailto:someone@example.org",
        "javascript:alert(1)",
    ]
    skipped = [url for url in samples if markdown._PLAIN_LINK.match(url)]
    assert skipped == ["term:thaad", "point:a-three-batteries", "event:2017.03_deploy~x", "place:"]
    for url in samples:
        assert markdown._MD.normalizeLink(url) == normalize(url), url
    # and every link of the shipped lesson, as its pages show them
    lib = load_library(ROOT / "content")
    texts = [s.body for t in lib.topics.values() for s in t.sections] + [p.text for p in lib.points.values()]
    links = {href for text in texts for *_, href in markdown.content_links(text, every=True)}
    assert len(links) > 50
    assert all(markdown._MD.normalizeLink(href) == normalize(href) for href in links)


def test_texts_are_matched_in_lower_case_as_the_case_blind_pattern_matches_them() -> None:
    """A glossary whose names have only ASCII letters is matched in lower-cased text, and its case-blind
    pattern is not even compiled for such texts, unless a text holds one of the four characters that the
    case-blind pattern takes for an ASCII letter (İ, ı, ſ, K): both find the same names at the same places,
    in texts with letters, quotes and dashes from outside ASCII too."""
    lib = load_library(ROOT / "content")
    terms = [*lib.terms.values(), Term(id="fresh-term", term="Fresh Term", category="system", definition="New.")]
    matcher = TermMatcher(terms)
    names = [name for term in terms for name in term_names(term)]
    rng = random.Random(7)
    odd = {"s": "ſ", "S": "ſ", "k": "\u212a", "K": "\u212a", "i": "ı", "I": "İ"}
    texts = []
    for _ in range(600):
        words = []
        for _ in range(rng.randint(1, 30)):
            pick = rng.random()
            if pick < 0.3:
                name = rng.choice(names)
                name = rng.choice([name, name.lower(), name.upper(), name.swapcase()])
                if rng.random() < 0.1:  # a letter the case-blind pattern takes for an ASCII one
                    at = rng.randrange(len(name))
                    name = name[:at] + odd.get(name[at], name[at]) + name[at + 1 :]
                words.append(name)
            else:
                words.append(
                    rng.choice(
                        [
                            "the",
                            "radar",
                            "x-band",
                            "a/b",
                            "Japan's",
                            "2017",
                            "(",
                            ")",
                            "--",
                            "Tōkyō",
                            "ÉTAT",
                            "naïve",
                            "“Seoul”",
                            "it’s",
                            "—",
                            "Σίσυφος",
                            "straße",
                        ]
                    )
                )
        texts.append("".join(w + rng.choice([" ", "  ", "\n", ", ", ". ", "-", "/"]) for w in words))
    lower = [t for t in texts if lower_case_matches(t)]
    assert [t for t in lower if t.isascii()] and [t for t in lower if not t.isascii()]
    assert len(lower) < len(texts), "some texts hold one of the four"
    found = [[(m.start(), m.end(), m.group(0)) for m in matcher._finditer(t)] for t in lower]
    assert matcher._built._pattern is None  # these texts never needed it
    assert any(found)
    for text, ours in zip(lower, found, strict=True):
        assert ours == [(m.start(), m.end(), m.group(0)) for m in matcher._built.pattern.finditer(text)], text
    for text in texts:  # and the others, matched by the case-blind pattern itself
        expected = [(m.start(), m.end(), m.group(0)) for m in matcher._built.pattern.finditer(text)]
        assert [(m.start(), m.end(), m.group(0)) for m in matcher._finditer(text)] == expected, text


def test_a_matcher_of_the_same_terms_is_found_by_their_identities() -> None:
    """Making a matcher for the same term objects again (each teacher's page does) finds the one built, and
    a glossary whose terms are new objects with other names gets a matcher of its own names."""
    lib = load_library(ROOT / "content")
    terms = list(lib.terms.values())
    first = TermMatcher(terms)
    assert TermMatcher(lib.terms.values()).built is first.built
    renamed = [t.model_copy(update={"aliases": [*t.aliases, f"Zorblat {n}"]}) for n, t in enumerate(terms)]
    again = TermMatcher(renamed)
    assert again.built is not first.built
    assert again.find("the Zorblat 3 system") == {terms[3].id}
    assert first.find("the Zorblat 3 system") == set()
