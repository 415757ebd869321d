"""The parse cache on disk (`primer.parsed`): a command parses only the files whose bytes changed since the
last, finds what a fresh parse finds, and trusts no entry it did not write."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest

from primer import parsed
from primer.build import CheckResult, check
from primer.cache import seal, unseal
from primer.content import library, load
from primer.errors import ContentError, Problem
from primer.render import markdown

#: every test gets an empty cache folder of its own (`own_cache`)
pytestmark = pytest.mark.usefixtures("own_cache")


def _entries(own_cache: Path) -> list[Path]:
    return sorted((own_cache / "parsed").glob("*/*/*.pickle"))


def test_a_second_check_parses_only_the_files_that_changed(mini: Path, parses: list[str], own_cache: Path) -> None:
    first = check(mini)
    files = len(parses)
    assert files >= 7 and len(_entries(own_cache)) == files
    parses.clear()
    again = check(mini)
    assert parses == [], "every file came from the cache"
    assert again.summary() == first.summary() and again.warnings == first.warnings
    assert again.library.topics == first.library.topics and again.library.points == first.library.points
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text().replace("title: ", "title: Notably, ", 1))
    edited = check(mini)
    assert parses == ["radars.yaml"]
    assert "Notably" in str(edited.library.topics)
    assert len(_entries(own_cache)) == files, "the entry of the topic's old bytes is gone"
    folder = _entries(own_cache)[0].parent
    (folder / ".entry-stopped").write_bytes(b"half written")
    (folder / ".entry-writing").write_bytes(b"being written")
    old = time.time() - 7200
    os.utime(folder / ".entry-stopped", (old, old))
    topic.write_text(topic.read_text().replace("Notably, ", "Quietly, ", 1))
    check(mini)
    assert not (folder / ".entry-stopped").exists(), "left by a command that was stopped"
    assert (folder / ".entry-writing").exists(), "another command may be writing it now"


def test_a_broken_file_gives_the_same_errors_from_the_cache(mini: Path, parses: list[str]) -> None:
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text().replace("title:", "title: [unclosed", 1))
    with pytest.raises(ContentError) as fresh:
        check(mini)
    parses.clear()
    with pytest.raises(ContentError) as cached:
        check(mini)
    assert parses == []
    assert cached.value.problems == fresh.value.problems


def _as_a_new_process() -> None:
    """Forget the Markdown parsed in this process (a command starts with none)."""
    markdown._content_links.cache_clear()
    markdown._parsed_short.cache_clear()
    keeping = markdown._parsed_long.keeping
    markdown.keep_long(False)
    markdown.keep_long(keeping)


def test_an_unchanged_files_markdown_is_not_parsed_again(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each Markdown text's links and shown text come with its file's entry: a check of an unchanged lesson
    parses no section body or stem, neither for the links nor for the lint's words, and finds the same."""
    first = check(mini)
    texts = {s.body.strip() for t in first.library.topics.values() for s in t.sections}
    texts |= {q.stem.strip() for q in first.library.questions.values()}
    assert len(texts) >= 5
    _as_a_new_process()
    seen: list[str] = []
    real = markdown.parsed

    def counted(text: str, inline: bool = False) -> tuple[object, ...]:
        seen.append(text.strip())
        return real(text, inline)

    monkeypatch.setattr(markdown, "parsed", counted)
    again = check(mini)
    assert texts.isdisjoint(seen), "parsed again"
    assert again.warnings == first.warnings and again.summary() == first.summary()
    monkeypatch.undo()
    _as_a_new_process()
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    assert check(mini).warnings == first.warnings, "as a fresh parse finds"


def test_an_unchanged_files_data_stays_packed(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry holds its document's data as a pickle of its own, unpacked when something reads it: a check
    after one file's edit reads the data of that file alone, and finds what a fresh parse finds."""
    first = check(mini)
    unpacked: list[str] = []
    real = load.Document.data

    def counted(doc: load.Document) -> object:
        if type(doc._data) is load._Packed:
            unpacked.append(doc.path.name)
        return real.fget(doc)

    monkeypatch.setattr(load.Document, "data", property(counted, real.fset))
    taken: list[load.Document] = []
    real_get = parsed.Stored.get

    def get(self: parsed.Stored, kind: str, path: Path, raw: bytes) -> library.Made | None:
        found = real_get(self, kind, path, raw)
        if found is not None and found[0] is not None:
            taken.append(found[0])
        return found

    monkeypatch.setattr(parsed.Stored, "get", get)
    topic = mini / "topics" / "radars.yaml"  # not a list file, which is spliced from its last version's data
    topic.write_text(topic.read_text().replace("title: ", "title: Notably, ", 1))
    edited = check(mini)
    assert len(taken) >= 6 and topic not in {doc.path for doc in taken}
    assert all(type(doc._data) is load._Packed for doc in taken), "still packed after the check"
    assert unpacked == [], "only the edited file's data was read, and it was parsed, not unpacked"
    assert "Notably" in str(edited.library.topics)
    monkeypatch.undo()
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    fresh = check(mini)
    assert edited.warnings == fresh.warnings and edited.summary() == fresh.summary()
    assert first.summary() == fresh.summary()


def test_a_documents_data_comes_back_from_its_pickle(tmp_path: Path) -> None:
    """A pickled document's data is packed, gives the same texts and places once read, and is unpacked once;
    a document pickled again keeps the packed data as it is."""
    problems: list[Problem] = []
    raw = b"id: x\nname: 'Yes'\nlist:\n  - one\n  - {two: 2.5}\n"
    doc = load.parse_file(raw, "x.yaml", tmp_path / "x.yaml", problems)
    assert doc is not None and problems == []
    again = pickle.loads(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(again._data) is load._Packed, "packed in the pickle"
    assert list(again.strings()) == list(doc.strings()) == [(("id",), "x"), (("name",), "Yes"), (("list", 0), "one")]
    assert again.data == doc.data == {"id": "x", "name": "Yes", "list": ["one", {"two": 2.5}]}
    assert type(again._data) is dict, "unpacked once, when read"
    twice = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(doc))))
    assert twice.data == doc.data and twice.where(("list", 1, "two")) == doc.where(("list", 1, "two")) == (5, 11)


def test_links_from_the_cache_are_checked_against_the_lesson_as_it_is(
    mini: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose links come from its entry still has them resolved against the other files as they are
    now: a point renamed in its source makes the unchanged topic's link to it an error at its own line."""
    check(mini)
    source = mini / "sources" / "mini-source.yaml"
    source.write_text(source.read_text().replace("id: m-radar-north", "id: m-radar-far-north"))
    parses.clear()
    with pytest.raises(ContentError) as cached:
        check(mini)
    assert parses == ["mini-source.yaml"]
    found = [p for p in cached.value.problems if "no point has the id 'm-radar-north'" in p.message]
    assert ("content/topics/radars.yaml", 13) in [(p.path, p.line) for p in found]
    _as_a_new_process()
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    with pytest.raises(ContentError) as fresh:
        check(mini)
    assert cached.value.problems == fresh.value.problems


def test_a_damaged_or_foreign_entry_is_ignored_with_a_warning(
    mini: Path, parses: list[str], own_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = check(mini)
    entries = _entries(own_cache)
    entries[0].write_bytes(b"not an entry")
    parses.clear()
    assert check(mini).summary() == first.summary()
    assert len(parses) == 1
    assert "ignoring an entry of the parse cache" in capsys.readouterr().err
    (own_cache / "parsed" / "secret").write_bytes(b"y" * 32)  # every entry was signed with another secret
    parses.clear()
    assert check(mini).warnings == first.warnings
    assert len(parses) == len(entries)
    assert "not written by primer on this machine" in capsys.readouterr().err


def _fresh(mini: Path, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    with monkeypatch.context() as patch:
        patch.setenv("PRIMER_CACHE_DIR", "off")
        return check(mini)


def test_a_list_files_edit_is_spliced_from_the_last_commands_entry(
    mini: Path, parses: list[str], own_cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command after an edit of the glossary finds its last version named in `parsed.LATEST`, and parses only
    the entries that changed (`primer.content.splice`); a list it cannot trust leaves the file to a whole parse."""
    check(mini)
    glossary = mini / "glossary.yaml"
    edits = iter(["Notably, ", "Quietly, ", "Plainly, ", "Briefly, "])

    def edited() -> CheckResult:
        glossary.write_text(glossary.read_text().replace("definition: ", f"definition: {next(edits)}", 1))
        parses.clear()
        return check(mini)

    spliced = edited()
    assert parses == [], "the glossary was spliced from its last version's entry"
    fresh = _fresh(mini, monkeypatch)
    assert "Notably" in str(spliced.library.terms)
    assert spliced.library.terms == fresh.library.terms and spliced.warnings == fresh.warnings
    assert spliced.summary() == fresh.summary()
    folder = _entries(own_cache)[0].parent
    assert (folder / parsed.LATEST).exists()

    (folder / parsed.LATEST).write_bytes(b"damaged")
    whole = edited()
    assert parses == ["glossary.yaml"]
    assert whole.library.terms == _fresh(mini, monkeypatch).library.terms
    assert "its list of latest entries" in capsys.readouterr().err

    # a list signed here, naming another file's entry as the glossary's: not a glossary, so parsed whole
    listed = _latest(folder, own_cache)
    topic = next(name for kind, _, name in listed if kind == "topic")
    listed = [[kind, path, topic if kind == "glossary" else name] for kind, path, name in listed]
    (folder / parsed.LATEST).write_bytes(seal(own_cache / "parsed", json.dumps(listed).encode()))
    whole = edited()
    assert parses == ["glossary.yaml"]
    assert whole.library.terms == _fresh(mini, monkeypatch).library.terms
    spliced = edited()
    assert parses == [], "spliced again once the list was written anew"
    assert spliced.library.terms == _fresh(mini, monkeypatch).library.terms


def _latest(folder: Path, own_cache: Path) -> list[list[str]]:
    body = unseal(own_cache / "parsed", (folder / parsed.LATEST).read_bytes())
    assert body is not None
    listed: list[list[str]] = json.loads(body)
    return listed


def test_each_lesson_has_entries_of_its_own_and_unused_lessons_go(mini: Path, tmp_path: Path, own_cache: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(mini, other)
    check(mini)
    check(other)
    folders = sorted(p for p in (own_cache / "parsed").iterdir() if p.is_dir())
    assert len(folders) == 2, "a lesson's problems name its own files"
    old = time.time() - (parsed.CACHE_DAYS + 1) * 86400
    os.utime(folders[0], (old, old))
    os.utime(folders[1], (old, old))
    (other / "site.yaml").write_text((other / "site.yaml").read_text() + "\n")
    check(other)  # writes an entry: the lesson unused for 30 days goes
    assert len([p for p in (own_cache / "parsed").iterdir() if p.is_dir()]) == 1


def test_a_new_primer_removes_an_older_ones_entries(
    mini: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check(mini)
    first = {p.parent for p in _entries(own_cache)}
    monkeypatch.setattr(parsed, "FORMAT", parsed.FORMAT + 1)  # another primer: another key
    check(mini)
    second = {p.parent for p in _entries(own_cache)}
    assert len(first) == len(second) == 1 and first != second
    assert not next(iter(first)).exists(), "this primer never reads the older one's entries"


def test_caching_off_writes_nothing(mini: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    check(mini)
    assert parsed.stored(mini) is None and not own_cache.exists()


def test_a_resident_cache_reads_the_entries_of_earlier_commands_and_writes_its_own(
    mini: Path, parses: list[str], own_cache: Path
) -> None:
    """`primer serve` and `--watch` keep what they parse (`parsed.resident`): their first load reads what an
    earlier command parsed, a save parses the file it changed, and what they parsed goes to disk when asked
    (`parsed.written`), the older version's entry gone, for the next command."""
    check(mini)
    files = len(parses)
    before = _entries(own_cache)
    parses.clear()
    cache = parsed.resident(mini)
    first = library.load_library(mini, cache)
    assert parses == [], "every file came from the disk"
    topic = mini / "topics" / "radars.yaml"
    old = parsed.Stored._name("topic", topic, topic.read_bytes())
    assert old in {p.name for p in before}
    topic.write_text(topic.read_text().replace("title: ", "title: Notably, ", 1))
    edited = library.load_library(mini, cache)
    assert parses == ["radars.yaml"] and "Notably" in str(edited.topics)
    assert edited.points == first.points
    assert _entries(own_cache) == before, "nothing written until asked"
    parsed.written(cache)
    after = {p.name for p in _entries(own_cache)}
    assert len(after) == files and old not in after
    assert parsed.Stored._name("topic", topic, topic.read_bytes()) in after
    parsed.written(cache)  # nothing new: nothing written, nothing removed
    assert {p.name for p in _entries(own_cache)} == after
    parses.clear()
    library.load_library(mini, cache)
    assert parses == [], "kept in memory too"
    again = check(mini)
    assert parses == [], "the next command reads what the resident cache wrote"
    assert "Notably" in str(again.library.topics)


def test_a_resident_cache_that_only_reads_writes_and_keeps_nothing_new(
    mini: Path, parses: list[str], own_cache: Path
) -> None:
    """The processes beside a watch or a server (its helper, its checker) read the entries and write none: the
    process they work beside writes them. Nor do they keep what they would write: a long session's saves do not
    pile up in their memory."""
    check(mini)
    before = _entries(own_cache)
    parses.clear()
    cache = parsed.resident(mini, writes=False)
    assert isinstance(cache, parsed.Stored)
    library.load_library(mini, cache)
    assert parses == []
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text().replace("title: ", "title: Notably, ", 1))
    library.load_library(mini, cache)
    assert parses == ["radars.yaml"]
    assert not cache.pending()
    parsed.written(cache)
    assert _entries(own_cache) == before


def test_a_resident_caches_deleted_file_leaves_no_entry(mini: Path, own_cache: Path) -> None:
    cache = parsed.resident(mini)
    library.load_library(mini, cache)
    parsed.written(cache)
    files = len(_entries(own_cache))
    shutil.copy(mini / "topics" / "radars.yaml", mini / "radars-copy.yaml")  # outside the lesson's folders
    (mini / "topics" / "radars.yaml").unlink()
    with pytest.raises(ContentError):  # its questions name the topic
        library.load_library(mini, cache)
    shutil.copy(mini / "sources" / "mini-source.yaml", mini / "sources" / "another.yaml")
    with pytest.raises(ContentError):
        library.load_library(mini, cache)
    parsed.written(cache)
    names = {p.name for p in _entries(own_cache)}
    assert len(names) == files, "the deleted topic's entry went; the new source's came"
    listed = _latest(_entries(own_cache)[0].parent, own_cache)
    assert not any(path.endswith("topics/radars.yaml") for _, path, _ in listed)
    assert any(path.endswith("sources/another.yaml") for _, path, _ in listed)


def test_a_resident_cache_with_caching_off_is_in_memory(
    mini: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    cache = parsed.resident(mini)
    assert not isinstance(cache, parsed.Stored)
    library.load_library(mini, cache)
    parsed.written(cache)
    assert not own_cache.exists()
