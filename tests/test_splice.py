"""A list file parsed again where it changed (`primer.content.splice`) gives exactly what parsing it whole gives:
the document's data, where each value and key is, its texts' links, and the validated item. Each edit below is
made to the shipped lesson's list files and to a generated lesson's (another indent, no comments), and the
result is compared with a fresh parse; edits that the splice must leave to the whole parse are checked to."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

from primer.content.library import ParseCache, _Builder, _links_of, kind_files
from primer.content.load import Document
from primer.content.models import KINDS
from primer.content.splice import splice
from primer.reads import value_bytes

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "content"
LIST_KINDS = ("glossary", "timeline", "actors", "places")
#: The id of an entry, written as the first key after its '- '.
_ID = re.compile(r"^(\s*)- id: (\S+)$", re.M)


def _generated(tmp_path: Path) -> Path:
    """A generated lesson of four topics (its list files indented as PyYAML writes them: entries at the
    key's indent, no comments)."""
    out = tmp_path / "generated"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--realistic", "4", str(out)], check=True
    )
    return out


def _entries(text: str) -> list[tuple[int, int]]:
    """(start, end) of each entry's text, the last to the end of the file."""
    starts = [m.start() for m in re.finditer(r"^ *- (?=\S)", text, re.M) if _indent_of(text, m.start()) == _first(text)]
    return list(zip(starts, [*starts[1:], len(text)], strict=True))


def _indent_of(text: str, at: int) -> int:
    line = text[at : text.index("\n", at) if "\n" in text[at:] else len(text)]
    return len(line) - len(line.lstrip(" "))


def _first(text: str) -> int:
    m = _ID.search(text)
    assert m is not None
    return len(m.group(1))


def _reword(rng: random.Random, text: str) -> str:
    """A word of a text value changed (the file's lines stay where they were)."""
    spans = list(re.finditer(r"(?<=[a-z] )([a-z]{4,})(?= [a-z])", text))
    m = rng.choice(spans)
    return text[: m.start()] + m.group(1)[::-1] + text[m.end() :]


def _longer(rng: random.Random, text: str) -> str:
    """A text value made two lines longer (the entries after it move down)."""
    spans = list(re.finditer(r"^(\s+)(definition|description|role|text|summary|title): >-?\n", text, re.M))
    if not spans:
        spans = list(re.finditer(r"^(\s+)(definition|description|role|text|summary|title): (?=[A-Z])", text, re.M))
        m = rng.choice(spans)
        return text[: m.end()] + "Quietly, " + text[m.end() :]
    m = rng.choice(spans)
    pad = m.group(1) + "  "
    return text[: m.end()] + f"{pad}Added first line of words\n{pad}and a second line of words.\n" + text[m.end() :]


def _drop(rng: random.Random, text: str) -> str:
    """An entry removed (not the only one)."""
    spans = _entries(text)
    start, end = rng.choice(spans[:-1] or spans)
    return text[:start] + text[end:]


def _copy(rng: random.Random, text: str) -> str:
    """An entry written again after itself, under a new id (the entries after it move by one)."""
    start, end = rng.choice(_entries(text))
    body = text[start:end]
    if not body.endswith("\n"):
        body += "\n"
    m = _ID.search(body)
    assert m is not None
    copy = body[: m.start(2)] + m.group(2) + "-again" + body[m.end(2) :]
    return text[:end] + ("" if text[:end].endswith("\n") else "\n") + copy + text[end:]


def _swap(rng: random.Random, text: str) -> str:
    """Two neighbouring entries in each other's place."""
    spans = _entries(text)
    i = rng.randrange(len(spans) - 2) if len(spans) > 2 else 0
    (a, b), (_, c) = spans[i], spans[i + 1]
    return text[:a] + text[b:c] + text[a:b] + text[c:]


def _comment(rng: random.Random, text: str) -> str:
    """A comment line put between two entries."""
    start, _ = rng.choice(_entries(text)[1:])
    return text[:start] + " " * _first(text) + "# a note for the authors\n" + text[start:]


def _edge(rng: random.Random, text: str) -> str:
    """The first or the last entry reworded."""
    spans = _entries(text)
    start, end = spans[0] if rng.random() < 0.5 else spans[-1]
    return text[:start] + _reword(rng, text[start:end]) + text[end:]


def _linked(text: str) -> str:
    """A word of each entry's texts made a link (so that the entries' texts have links to keep in order)."""
    out = []
    for start, end in _entries(text):
        entry = text[start:end]
        m = re.search(r"(?<=[a-z] )([a-z]{4,})(?= [a-z])", entry)
        out.append(
            entry
            if m is None
            else f"{entry[: m.start()]}[{m.group(1)}](https://example.org/{m.group(1)}){entry[m.end() :]}"
        )
    spans = _entries(text)
    return text[: spans[0][0]] + "".join(out)


EDITS: list[Callable[[random.Random, str], str]] = [_reword, _longer, _drop, _copy, _swap, _comment, _edge]


def _made(
    kind: str, path: Path, raw: bytes, cache: ParseCache | None, *, whole: bool = True, ahead: bool = False
) -> tuple[Document | None, Any, list[Any]]:
    """What a load makes of the file `path` holding `raw` (written there, alone in its folder), through `cache`
    as `primer build --watch` loads (spliced, where it can be), or afresh; with its texts' links read, as the
    load reads them. `whole=False`: the file must not be parsed whole; `ahead`: read while the load reads
    ahead (`_Builder.read_ahead`), as it does on two processes."""
    path.write_bytes(raw)
    builder = _Builder(path.parent, cache)
    if not whole:
        builder._validated = _refused  # type: ignore[method-assign]
    if ahead:
        builder.read_ahead(2)
    made = builder._made(kind, path)
    assert made is not None
    if made[0] is not None:
        _links_of(kind, made[0])
    return made


def _refused(*_: object) -> NoReturn:
    raise AssertionError("the file was parsed whole")


def _same(spliced: tuple[Document | None, Any, list[Any]], whole: tuple[Document | None, Any, list[Any]]) -> None:
    doc, item, problems = spliced
    fresh, fresh_item, fresh_problems = whole
    assert problems == fresh_problems
    assert (doc is None) == (fresh is None)
    if doc is None or fresh is None:
        return
    assert doc.data == fresh.data
    assert doc.places == fresh.places  # every value's and key's line and column
    assert doc.scalars == fresh.scalars
    assert doc.blocks == fresh.blocks
    assert doc.text == fresh.text
    assert doc.digest == fresh.digest
    assert doc.extent() == fresh.extent()
    assert doc.links == fresh.links
    assert item == fresh_item
    assert value_bytes(item) == value_bytes(fresh_item)


def _alone(tmp_path: Path, lesson: Path, kind: str) -> Path:
    """A copy of the lesson's `kind` file, alone in a folder of its own (the tests write it)."""
    (path,) = kind_files(lesson, kind)
    copy = tmp_path / f"{lesson.name} {kind}" / path.name
    copy.parent.mkdir()
    shutil.copyfile(path, copy)
    return copy


@pytest.mark.parametrize("kind", LIST_KINDS)
def test_an_edited_list_file_spliced_is_the_file_parsed_whole(tmp_path: Path, kind: str) -> None:
    rng = random.Random(f"splice {kind}")
    for lesson in (LESSON, _generated(tmp_path)):
        path = _alone(tmp_path, lesson, kind)
        text = _linked(path.read_text(encoding="utf-8"))
        for step in range(12):
            edit = EDITS[step % len(EDITS)]
            edited = edit(rng, text)
            assert edited != text
            cache = ParseCache()
            first = _made(kind, path, text.encode(), cache)
            assert first[0] is not None, first[2]
            spliced = _made(kind, path, edited.encode(), cache, whole=False, ahead=step % 2 == 1)
            _same(spliced, _made(kind, path, edited.encode(), None))
            assert spliced[0] is not None and len(spliced[0].links or ()) > 5  # texts that link, kept in order
            text = edited  # the next edit on top of this one, spliced from it


def _entry_changed(text: str, number: int, change: Callable[[str], str]) -> str:
    start, end = _entries(text)[number]
    return text[:start] + change(text[start:end]) + text[end:]


def _in_entry(change: Callable[[str], str]) -> Callable[[str], tuple[str, str]]:
    """The second entry changed by `change`."""
    return lambda text: (text, _entry_changed(text, 1, change))


def _anchor_named_again(text: str) -> tuple[str, str]:
    """A later entry names an anchor of the first; the edit gives the second entry an anchor of that name."""
    base = _entry_changed(text, 0, lambda entry: re.sub(r"term: (.+)", r"term: &name \1", entry, count=1))
    base = _entry_changed(base, 3, lambda entry: re.sub(r"term: .+", "term: *name", entry, count=1))
    return base, _entry_changed(base, 1, lambda entry: re.sub(r"term: (.+)", r"term: &name \1", entry, count=1))


def _head_and_entry(text: str) -> tuple[str, str]:
    """A comment put before the list's key, and an entry reworded."""
    return text, "# the glossary\n" + _entry_changed(text, 1, lambda entry: _reword(random.Random(2), entry))


def _none_left(text: str) -> tuple[str, str]:
    spans = _entries(text)
    return text, text[: spans[0][0]] + text[spans[-1][1] :]


@pytest.mark.parametrize(
    ("what", "edit"),
    [
        ("an anchor", _in_entry(lambda entry: entry.replace("- id: ", "- &mark\n    id: ", 1))),
        ("an anchor a later entry's alias names now", _anchor_named_again),
        ("a tab in the indent", _in_entry(lambda entry: entry.replace("\n  ", "\n\t", 1))),
        ("broken YAML", _in_entry(lambda entry: entry.replace(": ", ": [", 1))),
        ("an id that is not a slug", _in_entry(lambda entry: re.sub(r"id: \S+", "id: Not A Slug", entry, count=1))),
        ("a line break YAML reads, not a line feed", _in_entry(lambda entry: entry.replace("\n", "\r\n", 1))),
        ("a comment before the key, and an entry edited", _head_and_entry),
        ("no entry left", _none_left),
    ],
)
def test_what_the_splice_cannot_be_sure_of_is_parsed_whole(
    tmp_path: Path, what: str, edit: Callable[[str], tuple[str, str]]
) -> None:
    kind = "glossary"
    path = _alone(tmp_path, _generated(tmp_path), kind)
    text, edited = edit(path.read_text(encoding="utf-8"))
    assert edited != text
    cache = ParseCache()
    first = _made(kind, path, text.encode(), cache)
    assert first[0] is not None, first[2]
    last = cache.last(kind, path)
    assert last is not None
    assert splice(kind, KINDS[kind][0], last, edited.encode(), first[0].shown, path, _links_of) is None
    _same(_made(kind, path, edited.encode(), cache), _made(kind, path, edited.encode(), None))


@pytest.mark.parametrize("anchor_kept", [True, False])
def test_an_alias_to_an_edited_entry_leaves_the_file_to_the_whole_parse(tmp_path: Path, anchor_kept: bool) -> None:
    """An entry that names an anchor in another entry: editing the anchored entry changes both (or, with the
    anchor taken out, makes the alias an error)."""
    path = _alone(tmp_path, _generated(tmp_path), "glossary")
    text = path.read_text(encoding="utf-8")
    spans = _entries(text)
    (a, b), (c, d) = spans[1], spans[3]
    anchored = re.sub(r"category: (\S+)", r"category: &kind \1", text[a:b], count=1)
    later = re.sub(r"category: \S+", "category: *kind", text[c:d], count=1)
    text = text[:a] + anchored + text[b:c] + later + text[d:]
    changed = _reword(random.Random(1), anchored) if anchor_kept else anchored.replace("&kind ", "", 1)
    edited = text.replace(anchored, changed, 1)
    assert edited != text
    cache = ParseCache()
    first = _made("glossary", path, text.encode(), cache)
    assert first[0] is not None, first[2]
    last = cache.last("glossary", path)
    assert last is not None
    assert splice("glossary", KINDS["glossary"][0], last, edited.encode(), first[0].shown, path, _links_of) is None
    whole = _made("glossary", path, edited.encode(), None)
    assert (whole[0] is None) != anchor_kept  # without its anchor, the alias is an error
    _same(_made("glossary", path, edited.encode(), cache), whole)
