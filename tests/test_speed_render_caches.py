"""The render phase's caches give what the uncached code gave, and never leak one caller's changes
to the next (issue 16)."""

from __future__ import annotations

import json
import os
import posixpath
import random
import textwrap
import unicodedata
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.exceptions import SecurityError

from primer.exports.common import to_html, to_plain
from primer.exports.tabular import _bank_text, _json
from primer.render import env as env_module
from primer.render import markdown
from primer.render.env import make_env
from primer.render.safejson import script_json
from primer.render.urls import _relpath, relative
from primer.search import _TOKEN, SNIPPET, _plain, _snippet, _words

TEXT = "See [the ruling](point:p-1) and [the court](https://example.org).\nThe Tribunal\nruled.\n\n[ref]: event:e-2"


def test_sandbox_decisions_stay_per_type(tmp_path: Path) -> None:
    """A decision remembered for one type is not reused for another with an attribute of the same name."""
    env = make_env(tmp_path)  # a lesson's templates folder: the sandbox
    template = env.from_string("{{ x.name }}")

    class Safe:
        name = "ok"

    assert template.render(x=Safe()) == "ok"
    with pytest.raises(SecurityError):  # paths stay hidden after a safe '.name' of another type
        template.render(x=Path("/tmp/a"))
    assert template.render(x=Safe()) == "ok"
    with pytest.raises(SecurityError):
        env.from_string("{{ x.append(1) }}").render(x=[])
    with pytest.raises(SecurityError):  # and again, from the remembered decision
        env.from_string("{{ x.append(2) }}").render(x=[])
    assert env.from_string("{{ x.count(1) }}").render(x=[1, 1]) == "2"


def test_parsed_tokens_are_not_changed_by_rendering() -> None:
    """Rendering one text for two pages resolves each page's links; the shared tokens stay as parsed."""
    before = [repr(t) for t in markdown.parsed(TEXT)[0]]
    first = markdown.render(TEXT, lambda kind, item: f"a/{item}.html", gloss=lambda t: t.upper())
    second = markdown.render(TEXT, lambda kind, item: f"../b/{item}.html")
    assert 'href="a/p-1.html"' in first and "THE TRIBUNAL\nRULED." in first
    assert 'href="../b/p-1.html"' in second and "The Tribunal\nruled." in second
    assert [repr(t) for t in markdown.parsed(TEXT)[0]] == before
    assert to_html(TEXT).links_removed == ("point:p-1",)
    assert to_plain(TEXT).text.startswith("See the ruling and the court.")
    assert [repr(t) for t in markdown.parsed(TEXT)[0]] == before


def test_content_links_with_and_without_every() -> None:
    """Content links are the subset of every link whose scheme is primer's; callers get their own list."""
    every = markdown.content_links(TEXT, every=True)
    assert [link[0] for link in every] == ["point", "https", "event"]
    assert markdown.content_links(TEXT) == [link for link in every if link[0] in markdown.SCHEMES]
    every.clear()
    assert len(markdown.content_links(TEXT, every=True)) == 3


def test_relative_matches_relpath() -> None:
    """Relative links are what posixpath.relpath gives, anchors and all."""
    pages = ["index.html", "topics/a/index.html", "topics/a/quiz.html", "sources/x.html", "glossary/index.html"]
    for page in pages:
        for target in [*pages, "sources/y.html#p-1", "#top"]:
            path, _, anchor = target.partition("#")
            start = posixpath.dirname(page) or "."
            rel = posixpath.relpath(path, start) if path else posixpath.basename(page)
            assert relative(page, target) == (f"{rel}#{anchor}" if anchor else rel)


def test_relative_links_from_any_page_path_are_relpaths_from_its_folder() -> None:
    """A link from a page at any path (at the top, deep, or not a plain site path: "/x", "a//x", "a/") is the
    target relative to the page's folder as `posixpath.dirname` has it, or the page's own name for an anchor."""
    rng = random.Random(79)
    names = ["a", "b", "topics", "index.html", "quiz.html", "", ".", ".."]
    for _ in range(20_000):
        page = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4)))
        target = rng.choice(["", "sources/y.html", "index.html", "topics/a/quiz.html", "a/b"])
        anchor = rng.choice(["", "p-1"])
        to = f"{target}#{anchor}" if anchor else target
        if not to:
            continue
        rel = _relpath(target, posixpath.dirname(page) or ".") if target else posixpath.basename(page)
        assert relative(page, to) == (f"{rel}#{anchor}" if anchor else rel), (page, to)


def test_relative_paths_match_relpath_for_any_path() -> None:
    """The string-only relative path is posixpath.relpath's for site paths at any depth, sharing any part of
    their folders, and for paths that are not plain (empty parts, "." and "..", absolute), which it hands on."""
    rng = random.Random(66)
    names = ["a", "b", "topics", "index.html", "sources", "quiz.html", "..", ".", ""]
    checked = 0
    for _ in range(20_000):
        target = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4)))
        start = "." if rng.random() < 0.2 else "/".join(rng.choice(names) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.05:
            target, start = "/" + target, "/" + start
        try:
            want = posixpath.relpath(target, start)
        except ValueError:  # an empty path
            continue
        assert _relpath.__wrapped__(target, start) == want, (target, start)
        checked += 1
    assert checked > 15_000


def test_search_text_helpers_match_the_plain_versions() -> None:
    """The snippet and the words of the search index are what the straightforward code gives."""
    rng = random.Random(16)
    words = ["a", "well-known", "x" * 90, "Kōno’s", "state-of-the-art", "b" * 30, "—", "end.", "ﬁne", "Ångström"]
    words += ["snake_case", "A1-b2", "it's", "(x)", "\x1f", "\t", "~`|", "2,000.5", "ÉCOLE"]  # ASCII text read apart
    for _ in range(3000):
        text = _plain(" ".join(rng.choice(words) for _ in range(rng.randint(0, 50))))
        assert _snippet(text) == (textwrap.shorten(text, SNIPPET, placeholder="…") if text else "")
        bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        assert _words(text) == _TOKEN.findall(bare.lower())


def test_link_texts_keeps_each_links_text_as_a_replacement_by_its_group_does() -> None:
    """`markdown.link_texts` (a C-level replacement) gives what `LINK_TEXT.sub(r"\\1", …)` gives: links with texts,
    empty ones, brackets that open no link, and text around them."""
    rng = random.Random(79)
    pieces = ["[the ruling](point:p-1)", "[](term:t)", "[a [b]](x)", "[no link]", "(no link)", "](", "[x](y", "plain"]
    pieces += ["text", "\\[escaped](z)", "[two](a)[links](b)", "é", " "]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert markdown.link_texts(text) == markdown.LINK_TEXT.sub(r"\1", text), text
    assert markdown.link_texts(TEXT).startswith("See the ruling and the court.")


def test_bank_text_matches_json_dumps() -> None:
    """The JSON bank written a question at a time is what json.dumps writes, line breaks in strings and all."""
    rng = random.Random(16)
    values: list[object] = ["a\nb", "é“x”", 1, 2.5, None, True, "", "\u2028", [], {}, {"z": [1, {"a": "b"}], "a": []}]
    for _ in range(500):
        keys = rng.sample(["format", "language", "licence", "title", "topics", "version"], rng.randint(0, 5))
        head: dict[str, object] = {key: rng.choice(values) for key in keys}
        ids = rng.sample(range(20), rng.randint(0, 5))
        questions = [{"id": f"q{n}", "stem": rng.choice(values), "tags": ["a", "b"]} for n in ids]
        texts = [_json(question, 2).encode("utf-8") for question in questions]
        expected = json.dumps({**head, "questions": questions}, indent=2, sort_keys=True, ensure_ascii=False)
        assert _bank_text(head, texts) == expected.encode("utf-8")


def test_long_texts_keep_the_first_ones_read_so_that_pass_after_pass_hits() -> None:
    """`primer serve` renders the section bodies again and again, in the same order: the long-text cache
    keeps the first texts it saw (a least-recently-used one as small would lose each just before its next
    read)."""
    from primer.render.markdown import _FirstKept

    cache = _FirstKept(2)
    texts = [f"Paragraph {n}, long enough.\n\nAnd a second one." for n in range(3)]
    first = [cache(text, False) for text in texts]
    again = [cache(text, False) for text in texts]
    assert again[0] is first[0] and again[1] is first[1], "the first two stay"
    assert again[2] is not first[2] and again[2] == first[2], "the third is parsed again, to the same tokens"


def test_the_caches_of_parsed_texts_grow_to_hold_a_whole_lesson(tmp_path: Path) -> None:
    """A lesson with more texts than the caches' least size gets caches that hold them all (a build reads
    each text in several passes; a smaller cache would parse them again in each); they never shrink."""
    from primer.content.library import load_library
    from tools import MINI

    before = markdown._parsed_short.cache_info().maxsize or 0
    markdown.fit(before + 10, 5)
    assert markdown._parsed_short.cache_info().maxsize == before + 10
    assert (markdown._content_links.cache_info().maxsize or 0) >= before + 15
    long_before = markdown._parsed_long.size
    markdown.fit(1, max(long_before, 2000) + 1)
    assert markdown._parsed_long.size == max(long_before, 2000) + 1
    assert markdown._parsed_short.cache_info().maxsize == before + 10, "never smaller"
    assert load_library(MINI).topics, "a load sizes them and still reads the lesson"
    text = "A [link](point:p-1) kept " + "word " * 500
    assert markdown.parsed(text) is markdown.parsed(text), "a long text is parsed once"


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates compiled from now on (by any environment), in order."""
    compiled: list[str] = []
    original = Environment.compile

    def counted(self: Environment, source: str, name: str | None = None, *args: object, **kwargs: object) -> object:
        compiled.append(str(name))
        return original(self, source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Environment, "compile", counted)
    return compiled


def test_compiled_templates_are_kept_between_commands(
    own_cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A template compiled by one command is not compiled by the next (a process whose own memory is empty);
    a kept file that was not written there, or is damaged, is ignored with a warning and compiled again."""
    monkeypatch.setattr(env_module._BYTECODE, "_compiled", {})
    compiled = _compiles(monkeypatch)
    make_env().get_template("site/topic.html")
    assert "site/topic.html" in compiled
    kept = sorted((own_cache / "templates").glob("*/*.code"))
    assert kept, "the compiled templates are kept on disk"

    monkeypatch.setattr(env_module._BYTECODE, "_compiled", {})  # as a new process finds it
    compiled.clear()
    make_env().get_template("site/topic.html")
    assert compiled == []

    for path in kept:  # damaged, or written by someone else
        path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    monkeypatch.setattr(env_module._BYTECODE, "_compiled", {})
    capsys.readouterr()
    make_env().get_template("site/topic.html")
    assert "site/topic.html" in compiled
    said = capsys.readouterr().err
    assert "warning: ignoring" in said and "was not written by primer on this machine, or it is damaged" in said


def test_an_environment_keeps_the_templates_it_loaded_and_the_next_reads_an_edited_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An environment serves one build: a template it loaded is used again without a look at its file (each look
    was two file checks), and the next build's environment reads a template edited meanwhile (its compiled code,
    kept by its source, is not the old one's)."""
    templates = tmp_path / "templates"
    (templates / "site").mkdir(parents=True)
    page = templates / "site" / "note.html"
    page.write_text("first {{ word }}\n", encoding="utf-8")
    env = make_env(templates)
    assert env.get_template("site/note.html").render(word="draft") == "first draft\n"
    topic = env.get_template("site/topic.html")  # (one of primer's own)
    looked: list[str] = []
    real_getmtime = os.path.getmtime
    monkeypatch.setattr(os.path, "getmtime", lambda path: looked.append(str(path)) or real_getmtime(path))
    page.write_text("second {{ word }}\n", encoding="utf-8")
    for _ in range(3):
        assert env.get_template("site/note.html").render(word="draft") == "first draft\n"
        assert env.get_template("site/topic.html") is topic
    assert looked == [], "no template file is looked at again"
    assert make_env(templates).get_template("site/note.html").render(word="draft") == "second draft\n"


def test_compiled_templates_are_not_kept_with_caching_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    monkeypatch.setenv("HOME", str(tmp_path))  # were it to fall back to the user's cache, it would be here
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(env_module._BYTECODE, "_compiled", {})
    compiled = _compiles(monkeypatch)
    make_env().get_template("site/quiz.html")
    assert "site/quiz.html" in compiled
    assert not any(tmp_path.rglob("*.code"))


def test_script_json_escapes_as_a_translation_table_does() -> None:
    """The script's JSON replaces each character that could end the element one by one: the same text as one
    pass through a table of all of them, on texts with those characters, letters outside ASCII and escapes."""
    escapes = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})
    rng = random.Random(3)
    alphabet = 'ab <>&/\u2028\u2029’é\\"u003c'
    for _ in range(500):
        data = {"t": "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))), "n": [1, "<!--"]}
        expected = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).translate(escapes)
        assert script_json(data) == expected
        assert "<" not in script_json(data) and "\u2028" not in script_json(data)


def _gloss_run_token_by_token(run: list, gloss: object) -> list:  # type: ignore[type-arg]
    """`markdown._gloss_run` as it was: a token for each piece of the run, emptied, the first holding its HTML."""
    import dataclasses

    end = len(run)
    while end and run[end - 1].type == "softbreak":
        end -= 1
    if not end:
        return run
    text = "".join("\n" if t.type == "softbreak" else t.content for t in run[:end])
    glossed = [dataclasses.replace(t, type="html_inline", content="") for t in run[:end]]
    glossed[0].content = gloss(text)  # type: ignore[operator]
    return glossed + run[end:]


def test_a_glossed_run_of_text_is_one_token_and_renders_as_a_token_for_each_piece_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The glossed text between two pieces of markup is one token of HTML: the HTML is what a token for each of
    its pieces (text and soft line breaks) rendered, on texts of every shape."""
    rng = random.Random(16)
    pieces = ["Security", "Council", "met", "[the ruling](point:p-1)", "*in* **bold**", "`code`", "<b>", "&amp;", "\\*"]
    texts = [TEXT, "A\nB\n", "\n\nA\n\nB\nC\n\n", "- one\ntwo\n- three\n", "> quoted\nline\n\n1. a\nb"]
    for _ in range(300):
        words = [rng.choice(pieces) for _ in range(rng.randint(1, 12))]
        texts.append("".join(w + rng.choice([" ", " ", "\n", "\n\n", "  \n"]) for w in words))

    def render_all() -> list[str]:
        return [markdown.render(t, lambda kind, item: f"x/{item}", gloss=lambda s: f"<{s.upper()}>") for t in texts]

    tokens = markdown._rewrite(markdown.parsed("One\ntwo\nthree")[0], lambda kind, item: None, lambda s: s)
    inline = next(t for t in tokens if t.type == "inline")
    assert [t.type for t in inline.children or []] == ["html_inline"]
    now = render_all()
    monkeypatch.setattr(markdown, "_gloss_run", _gloss_run_token_by_token)
    assert render_all() == now


def _every_token(tokens: list) -> list:  # type: ignore[type-arg]
    found = []
    for token in tokens:
        found.append(token)
        found += _every_token(token.children or [])
    return found


def test_a_token_is_copied_as_dataclasses_replace_copies_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`markdown._copy` gives each field of a token as `dataclasses.replace` does, for tokens of every kind
    (fences hold an info and a markup, links attributes, lists a map and a level), when markdown-it's `Token`
    has the fields it knows; with any other `Token`, it is `dataclasses.replace`. The render is the same."""
    import dataclasses

    assert markdown._TOKEN_AS_KNOWN, "the fast copy is the one the render uses with this markdown-it"
    texts = [
        TEXT,
        "```python\ncode\n```\n\n~~~\nplain\n~~~\n",
        "- one\n  - two [a](point:p-1) <https://example.org>\n\n1. x\n2. y\n",
        "> quoted *em* **strong** `code`\n\n| a | b |\n| - | - |\n| 1 | 2 |\n",
        '# Title {#id}\n\n![alt](img.png "t")\n\n---\n\nHard  \nbreak\\\nagain &amp; &copy;\n',
    ]
    tokens = [token for text in texts for token in _every_token(list(markdown.parsed(text)[0]))]
    assert {"fence", "link_open", "bullet_list_open", "softbreak", "hardbreak", "heading_open"} <= {
        t.type for t in tokens
    }
    fields = [f.name for f in dataclasses.fields(tokens[0])]
    for token in tokens:
        for kind, attrs, children, content in [
            ("html_inline", token.attrs, token.children, "<b>x</b>"),
            (token.type, dict(token.attrs, href="x"), token.children, token.content),
            (token.type, token.attrs, [*(token.children or [])], token.content),
        ]:
            copied = markdown._copy(token, kind, attrs, children, content)
            replaced = dataclasses.replace(token, type=kind, attrs=attrs, children=children, content=content)
            assert copied == replaced and copied is not token
            assert [getattr(copied, name) is getattr(replaced, name) for name in fields if name != "attrs"] == [
                True
            ] * (len(fields) - 1)

    def render_all() -> list[str]:
        return [markdown.render(t, lambda kind, item: f"x/{item}", gloss=lambda s: f"<{s.upper()}>") for t in texts]

    now = render_all()
    monkeypatch.setattr(markdown, "_TOKEN_AS_KNOWN", False)
    assert render_all() == now
