"""What the checks read off each text is kept from one check to the next (`primer.facts`): a second check
reads no text again, an edit makes it read only the edited texts, and the report, the questions and the
warnings are the ones a check without the kept results makes."""

from __future__ import annotations

import importlib
import random
import shutil
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest

from primer import facts, memo, search
from primer import reads as reads_mod
from primer.build import build, check
from primer.cache import Signing, seal, unseal
from primer.checks import names
from primer.checks import readability as explainers
from primer.content.library import ParseCache
from primer.content.terms import TermMatcher
from primer.exports import common, tabular
from primer.quiz import generate, lint
from primer.report import balance, consistency, coverage, glossary, loaded, readability, render, specifics, staleness
from tools import ROOT, fresh

T = TypeVar("T")

#: The functions that read a text for a check (each kept by `Facts.get`).
READERS = [
    (loaded, "_loaded_in"),
    (readability, "_lengths"),
    (readability, "_graded"),
    (specifics, "_stated"),
    (consistency, "_reading"),
    (consistency, "_dated_links"),
    (staleness, "_as_of_in"),
    (staleness, "_present_in"),
    (coverage, "_point_links"),
    (balance, "_named"),
    (glossary, "_found"),
    (glossary, "_matches"),
    (names, "_longer_names"),
    (explainers, "_counted"),
    (generate, "_term_made"),
    (generate, "_timeline_made"),
    (TermMatcher, "_find"),
    (lint, "_machinery"),
    (lint, "_hyphenated"),
    (lint, "_shared_answers"),
    (lint._Recorder, "_question"),
    (lint, "near_pairs"),
]


#: every test gets an empty cache folder of its own (`own_cache`)
pytestmark = pytest.mark.usefixtures("own_cache")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the checks read, as they read them (one process: the report's parts run here)."""
    seen: list[str] = []
    for module, name in READERS:
        original = getattr(module, name)

        def counted(*args: object, original: object = original, name: str = name) -> object:
            seen.append(name)
            return original(*args)  # type: ignore[operator]

        monkeypatch.setattr(module, name, counted)
    return seen


def _report(content: Path) -> str:
    return render.as_json(check(content, jobs=1).report)


def test_a_second_check_reads_no_text_again_and_an_edit_only_the_edited_texts(
    mini: Path, reads: list[str], own_cache: Path
) -> None:
    first = _report(mini)
    read_first = len(reads)
    assert read_first > 10 and set(reads) == {name for _, name in READERS}
    kept = sorted(p.name for p in own_cache.rglob("*.facts"))
    # a file a check, whichever process makes it (the build's takes some of the second part's: `InParts.finish`)
    checks = ["balance", "consistency", "coverage", "glossary", "loaded", "provenance", "readability", "specifics"]
    assert kept == ["checks.facts", *(f"report-{name}.facts" for name in [*checks, "staleness"])]
    reads.clear()
    assert _report(mini) == first
    assert reads == [], "every text's results came from the file"
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text().replace("lede: ", "lede: In 2021 some 4,200 troops said it was a regime. ", 1))
    reads.clear()
    edited = _report(mini)
    assert 0 < len(reads) < read_first / 2, reads
    assert "4,200" in edited
    reads.clear()
    assert _report(mini) == edited and reads == []


def test_the_near_duplicate_stems_are_compared_again_only_when_a_stem_changed(
    mini: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """The pairs of nearly repeated stems depend on the stems alone: an edit that changes none (an
    explanation) takes them from the last check; one that makes a stem repeat another finds the pair, as a
    check without kept results does."""
    first = check(mini, jobs=1)
    questions = mini / "questions" / "radars.yaml"
    questions.write_text(questions.read_text().replace("explanation: ", "explanation: Notably, ", 1))
    reads.clear()
    check(mini, jobs=1)
    assert "near_pairs" not in reads and "_question" in reads, reads
    repeated = "In what year did the first radar arrive?"
    questions.write_text(questions.read_text().replace("Where was the first radar placed?", repeated, 1))
    reads.clear()
    kept = check(mini, jobs=1)
    assert reads.count("near_pairs") == 1
    nearly = [w.message for w in kept.warnings if "nearly repeats" in w.message]
    assert nearly and not [w for w in first.warnings if "nearly repeats" in w.message]
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    assert check(mini, jobs=1).warnings == kept.warnings


def test_the_report_is_the_one_made_without_kept_results(
    mini: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """The same report and warnings, with a term's name inside a longer name ("Northern Radar Command")
    among what the checks found."""
    _report(mini)
    topic = mini / "topics" / "radars.yaml"
    said = "By 2016 about $1.5 billion went to a regime, says the Northern Radar Command. "
    said += "Interoperability considerations notwithstanding, comprehensive multilateral deliberations continued. " * 12
    topic.write_text(topic.read_text().replace("lede: ", f"lede: {said}", 1))
    _report(mini)
    # a section that cites a point once more and names an actor three times (coverage and balance read it)
    named = "The Ministry said so, The Ministry wrote, and The Ministry ([Article M](point:m-radar-north)) agreed. "
    topic.write_text(topic.read_text().replace("was placed in the north", f"was placed in the north. {named}", 1))
    _report(mini)
    # an objective no question serves (coverage's findings on a topic are kept by its file)
    objective = "  - {id: radars-compare, text: Students can compare two radars.}\n"
    topic.write_text(topic.read_text().replace("takeaways:", objective + "takeaways:", 1))
    terms = mini / "glossary.yaml"  # the glossary's questions are kept by its file: made again when it changes
    terms.write_text(terms.read_text().replace("by bouncing radio waves", "by sending radio waves", 1))
    kept = check(mini, jobs=1)
    assert any("sits inside the longer name “Northern Radar Command”" in w.message for w in kept.warnings)
    assert any("the explainer reads at about grade" in w.message for w in kept.warnings)
    assert "serves the objective 'radars-compare'" in render.as_json(kept.report)
    again = check(mini, jobs=1)
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    fresh = check(mini, jobs=1)
    assert render.as_json(kept.report) == render.as_json(again.report) == render.as_json(fresh.report)
    assert kept.warnings == again.warnings == fresh.warnings
    assert kept.derived == again.derived == fresh.derived, "the same questions, made with the kept results"


def test_the_glossarys_questions_are_made_again_when_the_glossary_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """The questions on the glossary are kept by its files (the shipped lesson has enough terms for them)."""
    content = tmp_path / "lesson"
    shutil.copytree(ROOT / "content", content)
    before = check(content, jobs=1).derived
    terms = content / "glossary.yaml"
    terms.write_text(terms.read_text().replace("tracking it, and destroying it", "following it, and destroying it", 1))
    kept = check(content, jobs=1).derived
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    fresh = check(content, jobs=1).derived
    assert kept == fresh and kept != before
    assert any("following it" in str(q.model_dump()) for q in kept.generated.values() if "glossary" in q.tags)


def test_the_search_index_reads_again_only_the_entries_that_changed(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """The search page is made in a build's render: what it read off each entry is kept in search.facts, and the
    index itself, by its entries, with its parts: an edit's index is made from them, the same as a clean build's."""
    entries: list[str] = []
    real = search._read

    def counted(title: str, *args: object) -> object:
        entries.append(title)
        return real(title, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(search, "_read", counted)
    indexes: list[int] = []  # the indexes made whole
    real_index = search._Indexed.__init__

    def whole(self: search._Indexed, found: list[search._Entry]) -> None:
        indexes.append(len(found))
        real_index(self, found)

    monkeypatch.setattr(search._Indexed, "__init__", whole)
    parted = search._Indexed.from_parts
    made_from_parts: list[object] = []

    def from_parts(*args: Any) -> object:
        made = parted(*args)
        made_from_parts.append(made)
        return made

    monkeypatch.setattr(search._Indexed, "from_parts", from_parts)
    build(mini, tmp_path / "site", jobs=1, pdf=False)
    first = len(entries)
    assert first > 10 and [p.name for p in own_cache.rglob("search.facts")] == ["search.facts"]
    assert len(indexes) == 1
    build(mini, tmp_path / "elsewhere", jobs=1, pdf=False)  # the same lesson, built into another folder
    assert len(entries) == first and len(indexes) == 1, "every entry and the index itself were kept"
    source = next((mini / "sources").glob("*.yaml"))
    source.write_text(source.read_text().replace("text: ", "text: Radars rarely sleep. ", 1))
    entries.clear()
    build(mini, tmp_path / "site", jobs=1, pdf=False)
    assert 0 < len(entries) < first / 2 and len(indexes) == 1, "the index made from the last one's parts"
    assert len(made_from_parts) == 2 and made_from_parts[0] is None and made_from_parts[1] is not None
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    build(mini, tmp_path / "fresh", jobs=1, pdf=False)
    page = "search/index.html"
    assert "Radars rarely sleep" in (tmp_path / "site" / page).read_text()
    assert (tmp_path / "site" / page).read_bytes() == (tmp_path / "fresh" / page).read_bytes()


def test_a_damaged_or_foreign_file_is_ignored_with_a_warning(
    mini: Path, own_cache: Path, reads: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    first = _report(mini)
    (stored,) = own_cache.rglob("report-consistency.facts")
    stored.write_bytes(stored.read_bytes()[:-20] + b"not what was signed")
    reads.clear()
    assert _report(mini) == first
    assert reads, "read again"
    assert "ignoring" in capsys.readouterr().err
    (stored,) = own_cache.rglob("report-consistency.facts")
    stored.write_bytes(b"0" * 64 + b"\n" + stored.read_bytes().partition(b"\n")[2])  # not signed here
    reads.clear()
    assert _report(mini) == first and reads


def test_results_are_kept_by_what_they_were_made_from(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    path = root / "lesson" / "part.facts"
    made: list[str] = []

    def make(text: str) -> str:
        made.append(text)
        return text.upper()

    kept = facts.Facts(path, root)
    assert kept.get(facts.key("upper", "a"), lambda: make("a")) == "A"
    assert kept.get(facts.key("upper", "a"), lambda: make("a")) == "A"
    assert kept.get(facts.key("upper", "b"), lambda: make("b")) == "B"
    assert facts.key("upper", "a") != facts.key("lower", "a") != facts.key("upper", "a", False)
    assert facts.key("upper", "ab", "c") != facts.key("upper", "a", "bc") != facts.key("upper", "a\0bc")
    assert facts.key("upper", "1") != facts.key("upper", 1) != facts.key("upper", True)
    kept.save()
    again = facts.Facts(path, root)
    assert again.get(facts.key("upper", "b"), lambda: make("b")) == "B"
    again.save()  # only "b" was used: "a" is gone from the file
    last = facts.Facts(path, root)
    assert last.get(facts.key("upper", "a"), lambda: make("a")) == "A"
    assert made == ["a", "b", "a"]
    nowhere = facts.Facts()
    assert nowhere.get(facts.key("upper", "c"), lambda: make("c")) == "C"
    assert nowhere.get(facts.key("upper", "c"), lambda: make("c")) == "C"
    assert made[-2:] == ["c", "c"], "nowhere to keep it: made each time"
    nowhere.save()  # nowhere to write: nothing happens


def test_a_process_that_builds_again_saves_its_own_checks_results_once_the_build_is_written(
    mini: Path, tmp_path: Path, reads: list[str], own_cache: Path
) -> None:
    """`primer build --watch` (`record_later`) saves what the build's own checks read off each text (the derive's
    and the lint's `checks.facts`) once the build is said to be written, with its record: the next check, in a
    new process, reads none of those texts again. The report's files are saved as each of its checks ends."""
    later: list[Callable[[], None]] = []
    build(mini, tmp_path / "site", jobs=1, pdf=False, cache=True, record_later=later)
    assert list(own_cache.rglob("report-*.facts")), "the report's own files are written as each check ends"
    assert not list(own_cache.rglob("checks.facts")), "saved before the build was said to be written"
    for step in later:
        step()
    assert [path.name for path in own_cache.rglob("checks.facts")] == ["checks.facts"]
    reads.clear()
    _report(mini)
    assert reads == [], "every text's results came from the files"


def test_a_result_a_memo_was_made_from_stays_in_the_file_while_checks_find_the_memos(tmp_path: Path) -> None:
    """In a process that checks again (`primer build --watch`), a memo's result made from a file's results is
    found by later checks without asking the file: each still counts those results as used, so the file keeps
    them for the first check whose memos cannot help. So does a result made from that one (a memo's result
    made of another memo's), found whole."""
    root = tmp_path / "cache"
    path = root / "lesson" / "checks.facts"
    made: list[str] = []
    inner: memo.Memo[str, str] = memo.Memo()
    outer: memo.Memo[str, str] = memo.Memo()

    def upper(kept: facts.Facts, text: str) -> str:
        def make() -> str:
            made.append(text)
            return text.upper()

        return kept.get(facts.key("upper", text), make)

    def both(kept: facts.Facts) -> str:
        return inner.get("b", lambda: upper(kept, "b")) + "!"

    memo.enable()
    try:
        kept = facts.Facts(path, root)
        assert inner.get("a", lambda: upper(kept, "a")) == "A"
        assert outer.get("ab", lambda: both(kept)) == "B!"
        kept.save()
        assert facts._owner(path)._used is None, "once saved, the check's results are not held for memos"
        for _ in range(4):  # checks that find both results in memory: neither file result is asked for
            memo.new_round()
            kept = facts.Facts(path, root)
            assert inner.get("a", partial(upper, kept, "a")) == "A"
            assert outer.get("ab", partial(both, kept)) == "B!"
            kept.save()
        memo.forget_all()  # a check whose memos cannot help (its items made anew): the file has both
        kept = facts.Facts(path, root)
        assert upper(kept, "a") == "A" and upper(kept, "b") == "B"
        assert made == ["a", "b"]
        kept.save()
        memo.new_round()  # a result the file lost meanwhile is not put back, and is made when asked for
        kept = facts.Facts(path, root)
        assert inner.get("a", lambda: upper(kept, "a")) == "A"
        kept.save()
        kept = facts.Facts(path, root)
        assert upper(kept, "b") == "B" and made == ["a", "b", "b"]
    finally:
        memo.enable(False)


def test_a_watching_process_reads_its_files_of_results_at_the_quiet_moment_unless_they_change_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A process that checks again (`reading_again`) reads the files of results it opened once a build is
    written (`read_again`): the next check's `Facts` takes them without reading the file. A file that changed
    meanwhile (another command wrote it) is read again, and one damaged meanwhile is said to be ignored."""
    root = tmp_path / "cache"
    path = root / "lesson" / "checks.facts"
    other = root / "lesson" / "report-glossary.facts"
    reads: list[Path] = []
    read = facts._read

    def counted(path: Path, *args: Any) -> Any:
        reads.append(path)
        return read(path, *args)

    monkeypatch.setattr(facts, "_read", counted)

    def opened(where: Path = path) -> facts.Facts:
        return facts.Facts(where, root)

    facts.reading_again()
    try:
        kept = opened()
        assert kept.get(facts.key("upper", "a"), lambda: "A") == "A"
        kept.save()
        glossary = opened(other)
        glossary.get(facts.key("g"), lambda: "G")
        glossary.save()
        facts.read_again()
        assert sorted(reads) == [path, path, other, other], "each read once as opened, once at the quiet moment"
        reads.clear()
        kept = opened()
        assert kept.get(facts.key("upper", "a"), lambda: "made again") == "A"
        kept.save()
        assert reads == [], "taken as read at the quiet moment"
        facts.read_again()
        # another command checks meanwhile, and keeps another result
        elsewhere = opened(root / "elsewhere" / path.name)
        elsewhere.get(facts.key("upper", "b"), lambda: "B")
        elsewhere.save()
        shutil.copy(root / "elsewhere" / path.name, path)
        reads.clear()
        kept = opened()
        assert reads == [path], "changed since: read again"
        assert kept.get(facts.key("upper", "b"), lambda: "made again") == "B"
        kept.save()
        facts.read_again()
        path.write_bytes(b"damaged")
        capsys.readouterr()
        kept = opened()
        assert kept.get(facts.key("upper", "a"), lambda: "made again") == "made again"
        assert "ignoring" in capsys.readouterr().err
    finally:
        facts.reading_again(False)


def test_a_watch_compares_the_stems_again_only_when_a_stem_changed_whatever_came_between(
    mini: Path, reads: list[str]
) -> None:
    """The near-duplicate stems of a watching process: checks that find the pairs in memory (nothing
    changed, or no question) keep them in the file for the next edit of a question, which makes the
    bank's questions anew but changes no stem."""
    memo.enable()
    try:
        parsed = ParseCache()
        check(mini, jobs=1, parse_cache=parsed)
        assert reads.count("near_pairs") == 1
        for _ in range(2):
            check(mini, jobs=1, parse_cache=parsed)
        questions = mini / "questions" / "radars.yaml"
        questions.write_text(questions.read_text().replace("explanation: ", "explanation: Notably, ", 1))
        reads.clear()
        check(mini, jobs=1, parse_cache=parsed)
        assert "_question" in reads and "near_pairs" not in reads, reads
    finally:
        memo.enable(False)


def test_a_watch_keys_again_only_the_questions_made_anew_and_warns_as_a_check_without_memos(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watching process finds each question's warnings by the question, as an object: a check that makes no
    question anew works out no question's key, and one that does, only theirs; the warnings are those of a
    check without the memos."""
    keyed: list[object] = []
    original = facts.key

    def counted(*parts: str | int | bool) -> bytes:
        if parts[0] == "question lint":
            keyed.append(parts)
        return original(*parts)

    monkeypatch.setattr(facts, "key", counted)
    memo.enable()
    try:
        parsed = ParseCache()
        first = check(mini, jobs=1, parse_cache=parsed)
        assert len(keyed) == len(first.derived.bank) > 5
        keyed.clear()
        assert check(mini, jobs=1, parse_cache=parsed).warnings == first.warnings
        assert keyed == [], "each question's warnings came from the memo"
        questions = mini / "questions" / "radars.yaml"
        text = questions.read_text()
        assert "{text: In the south," in text
        questions.write_text(text.replace("{text: In the south,", "{text: All of the above,", 1))
        edited = check(mini, jobs=1, parse_cache=parsed)
        assert 0 < len(keyed) < len(first.derived.bank)
    finally:
        memo.enable(False)
    said = [w.message for w in edited.warnings if "elimination" in w.message]
    assert said and not [w for w in first.warnings if "elimination" in w.message]
    assert check(mini, jobs=1).warnings == edited.warnings


def test_no_two_lists_of_parts_have_the_same_key() -> None:
    """A key is the hash of the parts' number, kinds, lengths and texts: lists that differ in any of these,
    however their texts join, never share a key; equal lists always do."""
    rng = random.Random(7)
    pieces = ["", "a", "ab", "b", "\0", "é", "\ud800", "1", "True", "s", "r1:"]
    seen: dict[bytes, tuple[object, ...]] = {}
    for _ in range(20_000):
        parts = tuple(
            rng.choice([rng.choice(pieces) * rng.randint(1, 3), rng.randint(0, 12), rng.random() < 0.5])
            for _ in range(rng.randint(0, 4))
        )
        made = facts.key(*parts)
        typed = tuple((type(part), part) for part in parts)
        assert seen.setdefault(made, typed) == typed, (parts, seen[made])
        assert facts.key(*parts) == made
    assert len(seen) > 5_000


def test_a_packed_file_holds_each_result_pickled_and_gives_it_back_as_made(tmp_path: Path) -> None:
    """A `packed` file (the report's parts) holds each result as its pickle's bytes, in memory and on disk:
    written and read as one object each, and unpickled when used; each use gets a copy of its own (with the memos
    off: see the next test)."""
    root = tmp_path / "cache"
    path = root / "lesson" / "report-consistency.facts"
    made: list[str] = []

    def make(text: str) -> tuple[str, list[int]]:
        made.append(text)
        return text.upper(), [len(text)]

    kept = facts.Facts(path, root, packed=True)
    first = kept.get(facts.key("upper", "ab"), lambda: make("ab"))
    assert first == ("AB", [2])
    first[1].append(99)  # a user that changes what it was given changes nothing kept
    assert kept.get(facts.key("upper", "ab"), lambda: make("ab")) == ("AB", [2])
    assert all(isinstance(value, bytes) for value in kept._used.values())
    kept.save()
    again = facts.Facts(path, root, packed=True)
    assert all(isinstance(value, bytes) for value in again._known.values())
    assert again.get(facts.key("upper", "ab"), lambda: make("ab")) == ("AB", [2])
    assert made == ["ab"]


def test_a_process_that_checks_again_gets_the_very_result_it_had_for_a_packed_key(tmp_path: Path) -> None:
    """With the memos on (`primer build --watch`), a packed result is the object this process made or unpacked
    for its key the last time, from whichever `Facts` of the file, read back or not: so the report of a save holds
    the very findings of the last one where they are the same. A key not seen before is unpacked afresh."""
    root = tmp_path / "cache"
    path = root / "lesson" / "report-coverage.facts"
    memo.enable()
    try:
        kept = facts.Facts(path, root, packed=True)
        made = kept.get(facts.key("upper", "ab"), lambda: ("AB", (2,)))
        assert kept.get(facts.key("upper", "ab"), lambda: ("XX", ())) is made
        kept.save()
        again = facts.Facts(path, root, packed=True)
        assert again.get(facts.key("upper", "ab"), lambda: ("XX", ())) is made
        again.get(facts.key("upper", "cd"), lambda: ("CD", (2,)))
        again.save()
        memo.forget_all()  # another process's memos: the file's results, unpacked
        third = facts.Facts(path, root, packed=True)
        unpacked = third.get(facts.key("upper", "ab"), lambda: ("XX", ()))
        assert unpacked == made and unpacked is not made
        assert third.get(facts.key("upper", "ab"), lambda: ("XX", ())) is unpacked
    finally:
        memo.enable(False)


def test_a_body_signed_as_it_is_written_is_sealed_as_a_whole(tmp_path: Path) -> None:
    """`Facts.save` pickles straight into the file (`Signing`): the file is what `seal` gives for the body."""
    root = tmp_path / "cache"
    body = b"x" * 100_000 + b"\n\n"
    with (tmp_path / "file").open("w+b") as stream:
        signing = Signing(root, stream)
        signing.write(body[:7])
        signing.write(memoryview(body)[7:])  # as pickle hands over its frames
        signing.finish()
    assert (tmp_path / "file").read_bytes() == seal(root, body)
    assert unseal(root, seal(root, body)) == body


#: The whole bank's exports, in every format, and a loss report.
WHOLE_BANK = (
    "exports/all/question-bank-canvas-qti.zip",
    "exports/all/question-bank-moodle.xml",
    "exports/all/question-bank.json",
    "exports/all/question-bank-gift.txt",
    "exports/all/question-bank-kahoot.xlsx",
    "exports/all/question-bank-moodle-loss.txt",
    "exports/all/question-bank.csv",
    "exports/all/question-bank.apkg",
)


def _noting(render: Callable[..., T], texts: list[str]) -> Callable[..., T]:
    def noted(text: str, *args: Any) -> T:
        texts.append(text)
        return render(text, *args)

    return noted


def test_a_rebuild_makes_again_only_the_export_fragments_of_what_changed(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each question's part of the Canvas, Moodle, Anki, GIFT, CSV and JSON files is kept with what making it read
    (one file per format), and each text's renderings for the exports by the text: after a question's edit, the whole
    bank's files are made again from the other questions' kept parts and the edited one's new part, no text
    but the edited one is rendered again, and the files hold what a clean build writes. A damaged file is
    ignored with a warning, and every part made again."""
    qti = importlib.import_module("primer.exports.qti")  # the module (the package names its function so)
    gift = importlib.import_module("primer.exports.gift")
    made: list[str] = []  # the Canvas items
    rows: list[str] = []  # the CSV's and GIFT's parts

    def counting(make: Callable[..., T], into: list[str]) -> Callable[..., T]:
        def counted(question: Any, *args: Any) -> T:
            into.append(question.id)
            return make(question, *args)

        return counted

    rendered: list[str] = []
    for name in ("_html", "_plain"):
        monkeypatch.setattr(common, name, _noting(getattr(common, name), rendered))

    def fresh_process() -> None:  # what a build's process remembers from the last one in this test's
        common.to_html.cache_clear()
        common.to_plain.cache_clear()
        rendered.clear()

    monkeypatch.setattr(qti, "_item", counting(qti._item, made))
    monkeypatch.setattr(tabular, "_csv_row", counting(tabular._csv_row, rows))
    monkeypatch.setattr(gift, "_question", counting(gift._question, rows))
    out = tmp_path / "site"
    fresh_process()
    build(mini, out, jobs=1, pdf=False, cache=True)
    first = len(made)
    assert first > 3 and rendered
    assert len(rows) == 2 * len(set(rows)) > 6, (
        "a part is made once in each format, for the lesson's file and its topic's"
    )
    kept = sorted(p.name for p in own_cache.rglob("export-*.facts"))
    assert kept == [
        "export-anki.facts",
        "export-csv.facts",
        "export-gift.facts",
        "export-json.facts",
        "export-moodle.facts",
        "export-qti.facts",
        "export-texts.facts",
    ]
    questions = mini / "questions" / "radars.yaml"
    questions.write_text(questions.read_text().replace("explanation: ", "explanation: Notably, ", 1))
    made.clear()
    rows.clear()
    fresh_process()
    build(mini, out, jobs=1, pdf=False, cache=True)
    edited = set(made)
    assert made and len(edited) == 1, made  # the edited question's items alone (in each quiz that holds it)
    assert rows == [*edited, *edited], rows  # and its row of the CSV and part of the GIFT file
    assert all("Notably" in text for text in rendered), rendered  # every other text's renderings were kept
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    fresh_process()
    build(mini, tmp_path / "fresh", jobs=1, pdf=False)
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(own_cache))
    for path in WHOLE_BANK:
        assert (out / path).read_bytes() == (tmp_path / "fresh" / path).read_bytes(), path
    assert b"Notably" in (out / "exports/all/question-bank-moodle.xml").read_bytes()
    (stored,) = own_cache.rglob("export-qti.facts")
    stored.write_bytes(stored.read_bytes()[:-20] + b"not what was signed")
    questions.write_text(questions.read_text().replace("explanation: Notably, ", "explanation: ", 1))
    capsys.readouterr()
    made.clear()
    build(mini, out, jobs=1, pdf=False, cache=True)
    warned = capsys.readouterr().err
    assert "ignoring" in warned and "export-qti.facts" in warned and "the exports are made again" in warned
    assert len(made) == first, "every part made again"


def test_a_result_peeked_at_is_kept_only_when_kept_and_unused_ones_may_stay(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    path = root / "lesson" / "part.facts"
    kept = facts.Facts(path, root)
    kept.keep(b"a", "A")
    kept.keep(b"b", "B")
    kept.save()
    again = facts.Facts(path, root)
    assert again.peek(b"a") == "A" and again.peek(b"z") is None
    again.keep(b"c", "C")
    again.save(unused=True)  # "a" and "b" were not used, and stay
    last = facts.Facts(path, root)
    assert [last.peek(k) for k in (b"a", b"b", b"c")] == ["A", "B", "C"]
    last.keep(b"b", last.peek(b"b"))
    last.save()  # only "b" was used
    assert [facts.Facts(path, root).peek(k) for k in (b"a", b"b", b"c")] == [None, "B", None]


def test_a_topics_statements_are_read_again_when_what_it_cites_changes_not_another_term(
    mini: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """A topic's statements (a takeaway that shares no three words with what the topic cites) are kept by the
    texts of what it cites, not by their files: one file holds the whole glossary, and an edit of a term the
    topic does not cite leaves them as they were."""
    from primer.report import provenance

    made: list[str] = []
    real = provenance._topic_statements

    def counted(ctx: Any, topic: Any, *args: Any) -> None:
        made.append(topic.id)
        real(ctx, topic, *args)

    monkeypatch.setattr(provenance, "_topic_statements", counted)
    unsupported = "this takeaway shares no three words"
    topic = mini / "topics" / "radars.yaml"  # a takeaway in the words of the glossary's definition of radar
    takeaway = "Radars see far, but not as far as the article says."
    topic.write_text(topic.read_text().replace(takeaway, "A radar sensor sends radio waves.", 1))
    assert unsupported not in _report(mini) and made == ["radars"]
    terms = mini / "glossary.yaml"
    terms.write_text(terms.read_text().replace("hits missiles as they come down", "hits missiles as they fall", 1))
    made.clear()
    assert unsupported not in _report(mini) and made == [], "THAAD: not cited by the topic"
    terms.write_text(terms.read_text().replace("A sensor that finds objects by bouncing radio waves", "A device", 1))
    made.clear()
    edited = _report(mini)
    assert made == ["radars"] and unsupported in edited, "the cited term no longer holds the takeaway's words"
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    assert _report(mini) == edited


def test_a_shared_pages_grade_is_made_again_when_a_file_of_its_texts_or_the_target_changes(
    mini: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """The grades of the glossary, timeline, actors and places pages are kept by the files of their texts
    and the target: a topic's edit leaves them as they were; an event's long sentence is graded and listed
    on the timeline's; a new target grades them all again. Each time, the report a check without kept
    results makes."""
    made: list[str] = []
    real = readability._shared

    def counted(ctx: Any, name: str, *args: Any) -> Any:
        made.append(name)
        return real(ctx, name, *args)

    monkeypatch.setattr(readability, "_shared", counted)

    def same(expected: list[str]) -> str:
        made.clear()
        kept = _report(mini)
        assert made == expected
        with monkeypatch.context() as fresh:
            fresh.setenv("PRIMER_CACHE_DIR", "off")
            assert _report(mini) == kept
        return kept

    pages = ["Glossary", "Timeline", "Actors", "Places"]
    same(pages)
    same([])
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text().replace("lede: ", "lede: In 2021 the radar was moved once more. ", 1))
    same([])
    long = " ".join(["The radar that arrived in the north was watched by many people who lived there"] * 10) + "."
    timeline = mini / "timeline.yaml"
    timeline.write_text(timeline.read_text().replace("text: The radar is taken away.", f"text: {long}", 1))
    assert "this sentence has 150 words" in same(["Timeline"])
    site = mini / "site.yaml"
    site.write_text(site.read_text().replace("reading_grade: 10", "reading_grade: 3", 1))
    assert "the timeline page reads at about US grade" in same(pages)


def test_the_provenance_of_quizzes_keys_and_points_is_kept_by_group_and_made_again_for_what_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """The provenance check keeps its findings on the questions' keys by the file they are placed in, on a
    quiz by its topic, and on untested points by their file. An edit makes again only the groups that read
    what it changed, and each time the report is the one a check without kept results makes."""
    from primer.report import provenance
    from test_report import seeded_tree

    content = seeded_tree(tmp_path / "content")
    made: list[tuple[str, str]] = []

    def counting(name: str) -> None:
        real = getattr(provenance, name)

        def counted(ctx: Any, item: Any) -> None:
            made.append((name, item[0] if isinstance(item, list) else item.id))
            real(ctx, item)

        monkeypatch.setattr(provenance, name, counted)

    for name in ("_keys", "_quiz", "_untested"):
        counting(name)

    def same() -> tuple[str, set[tuple[str, str]]]:
        """The report with kept results, what it made again, and that it is the report made without them."""
        made.clear()
        kept = _report(content)
        again = set(made)
        with monkeypatch.context() as fresh:
            fresh.setenv("PRIMER_CACHE_DIR", "off")
            assert _report(content) == kept
        return kept, again

    first, _ = same()
    assert "P104" in first and "P110" in first and "no question tests the point 's-untested'" in first
    assert same() == (first, set())
    questions = content / "questions" / "seeded.yaml"
    said = questions.read_text()
    ids = {line.split("id: ")[1].split(",")[0].split()[0] for line in said.splitlines() if "- id: " in line}
    ids |= {line.split("id: ")[1].split(",")[0] for line in said.splitlines() if "- {id: " in line}
    questions.write_text(said.replace("covers only the first phase", "covers the first phase", 1))
    edited, again = same()
    # every question placed in the edited file (those that test a term are a group apart), and its quiz
    assert {q for name, q in again if name == "_keys"} == ids, again
    assert {q for name, q in again if name != "_keys"} == {"seeded"}, again
    # a question now tests the untested point: only its file's points are looked at again
    questions.write_text(
        questions.read_text()
        + "  - {id: seeded-crew, type: true-false, stem: The radar has a crew of twelve., answer: true, "
        "feedback_true: Keyed., feedback_false: Not keyed., explanation: So the source says., difficulty: 1, "
        "objective: seeded-explain, tests: {points: [s-untested]}}\n"
    )
    edited, again = same()
    assert "no question tests the point 's-untested'" not in edited
    untested = {q for name, q in again if name == "_untested"}
    assert len(untested) == 1 and untested < {"m-radar-range", "m-radar-north", "s-partly", "s-untested"}, again
    # the topic cites the event the question tests: the quiz's finding goes
    assert "cites nothing it tests (event:radar-upgraded)" in edited
    topic = content / "topics" / "seeded.yaml"
    topic.write_text(topic.read_text().replace("(event:radar-arrives)).", "(event:radar-upgraded)).", 1))
    edited, again = same()
    assert "cites nothing it tests (event:radar-upgraded)" not in edited
    assert ("_quiz", "seeded") in again and ("_quiz", "radars") not in again, again
    # the point a key tests is now accurate, as the key says: that key's finding goes
    assert "the key is “Accurate”, but the point 'm-radar-range'" in edited
    source = content / "sources" / "mini-source.yaml"
    source.write_text(
        source.read_text().replace(
            "sees 9,000 km.\n    paragraphs: [2]\n    kind: claim\n    status: wrong",
            "sees 9,000 km.\n    paragraphs: [2]\n    kind: claim\n    status: accurate",
            1,
        )
    )
    edited, again = same()
    assert "the key is “Accurate”, but the point 'm-radar-range'" not in edited
    assert ("_keys", "seeded-status") in again and ("_keys", "seeded-match") not in again, again


def test_a_kept_finding_on_a_question_names_its_page_in_the_quiz_that_holds_it_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path
) -> None:
    """The findings on a question's texts are kept by its file (`Context.per_file`), and by the first quiz that
    holds each of its questions, whose page a finding names: a question moved to another topic's quiz is named
    on that quiz's page, as a check without kept results names it."""
    from test_report import seeded_tree

    content = seeded_tree(tmp_path / "content")
    questions = content / "questions" / "seeded.yaml"
    said = "The figure covers only the first phase."
    questions.write_text(questions.read_text().replace(said, f"{said} As of 2001 it held.", 1))

    def pages() -> list[str]:
        kept = check(content, jobs=1).report
        with monkeypatch.context() as fresh:
            fresh.setenv("PRIMER_CACHE_DIR", "off")
            assert render.as_json(check(content, jobs=1).report) == render.as_json(kept)
        return [f.page for f in kept.findings if f.code == "P601" and "As of 2001" in f.message]

    first = pages()
    assert len(first) == 1 and "seeded" in first[0], first
    seeded = content / "topics" / "seeded.yaml"
    seeded.write_text(seeded.read_text().replace("  - seeded-tf\n", "", 1))
    radars = content / "topics" / "radars.yaml"
    radars.write_text(radars.read_text().replace("questions: [mini-single,", "questions: [seeded-tf, mini-single,", 1))
    moved = pages()
    assert len(moved) == 1 and moved != first and "radars" in moved[0], moved


def test_the_exports_worker_writes_its_fragments_once_it_sent_them_and_the_build_waits_for_it(
    mini: Path, tmp_path: Path, own_cache: Path
) -> None:
    """The exports' worker of a rebuild writes each format's fragments once it has sent the exports
    (`parallel.once_sent`), not before: a build waits for it at its end, so the next finds them written; a `--watch`
    build leaves the wait to once it is said to be written (`record_later`)."""
    fresh(
        f"""
        from pathlib import Path
        from primer import parallel
        from primer.build import build

        content, out, cache = Path({str(mini)!r}), Path({str(tmp_path / "site")!r}), Path({str(own_cache)!r})
        question = content / "questions" / "radars.yaml"
        text = question.read_text(encoding="utf-8")

        def fragments():
            return b"".join(path.read_bytes() for path in cache.rglob("export-qti.facts"))

        assert parallel.can_fork()
        build(content, out, jobs=2, pdf=False, cache=True)
        question.write_text(text.replace("explanation: ", "explanation: Notably, ", 1), encoding="utf-8")
        build(content, out, jobs=2, pdf=False, cache=True)
        assert not parallel._FINISHING and b"Notably" in fragments(), "written before the build returned"
        question.write_text(text.replace("explanation: ", "explanation: Clearly, ", 1), encoding="utf-8")
        later = []
        build(content, out, jobs=2, pdf=False, cache=True, record_later=later)
        assert parallel._FINISHING and parallel.finish_workers in later, "waited for once said to be written"
        for step in later:
            step()
        assert not parallel._FINISHING and b"Clearly" in fragments()
        """
    )


def test_an_export_of_fragments_taken_from_the_last_build_is_made_again_when_one_of_them_changes(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild after one question's edit makes the whole bank's files of that question's new fragment and the
    others' kept ones; what each kept fragment read counts as read by those files. So a second edit, of a
    question whose fragment was taken, makes the files again: they hold its new text, as a clean build's do."""
    noted: dict[str, set[Any]] = {}
    note = reads_mod.Reuse.note

    def noting(self: reads_mod.Reuse, key: str, own: Any, found: Any, *args: Any) -> None:
        noted[key] = set(found)
        note(self, key, own, found, *args)

    monkeypatch.setattr(reads_mod.Reuse, "note", noting)
    out = tmp_path / "site"
    build(mini, out, jobs=1, pdf=False, cache=True)
    questions = mini / "questions" / "radars.yaml"
    for marker, old in (("Notably,", "in the north."), ("Plainly,", "figure is wrong.")):
        questions.write_text(questions.read_text().replace(old, f"{old} {marker} so.", 1))
        noted.clear()
        build(mini, out, jobs=1, pdf=False, cache=True)
        whole = {token[1] for token in noted["exports/all/question-bank-moodle.xml"] if token[0] == "derived.bank"}
        assert {"mini-single", "mini-tf", "mini-cloze"} <= whole, whole  # the edited question's, and those taken
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    build(mini, tmp_path / "fresh", jobs=1, pdf=False)
    for path in (*WHOLE_BANK, "exports/radars/radars-moodle.xml"):
        assert (out / path).read_bytes() == (tmp_path / "fresh" / path).read_bytes(), path
    assert b"Plainly, so." in (out / "exports/all/question-bank-moodle.xml").read_bytes()


def test_a_rebuild_takes_each_kept_cards_guid_with_it_and_a_watching_process_keeps_the_glossarys(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question's Anki note keeps its GUID with its card in the kept fragment: a rebuild after one question's
    edit, in a new process, works out that question's GUID alone, and writes the deck a clean build writes. A
    process that builds again (`record_later`) works out the glossary cards' GUIDs once a build is written, so
    that the next rebuild's exports' worker, forked from it, finds them."""
    genanki = pytest.importorskip("genanki")
    anki = importlib.import_module("primer.exports.anki")  # the module (the package names its function so)
    asked: list[tuple[str, ...]] = []
    guid_for = genanki.guid_for

    def counted(*values: str) -> str:
        asked.append(values)
        return str(guid_for(*values))

    monkeypatch.setattr(genanki, "guid_for", counted)
    out = tmp_path / "site"
    anki._guid.cache_clear()  # as a new process starts (another test may have made the same notes)
    build(mini, out, jobs=1, pdf=False, cache=True)
    assert any(kind == "question" for kind, _ in asked)
    questions = mini / "questions" / "radars.yaml"
    questions.write_text(questions.read_text().replace("explanation: ", "explanation: Notably, ", 1))
    anki._guid.cache_clear()  # a new process
    asked.clear()
    build(mini, out, jobs=1, pdf=False, cache=True)
    edited = [ident for kind, ident in asked if kind == "question"]
    assert len(edited) == 1, edited  # the edited question's: the others came with their kept cards
    with zipfile.ZipFile(out / "exports/all/question-bank.apkg") as package:
        assert b"Notably" in package.read("collection.anki2")
    monkeypatch.setenv("PRIMER_CACHE_DIR", "off")
    build(mini, tmp_path / "fresh", jobs=1, pdf=False)
    for path in ("exports/all/question-bank.apkg", "exports/radars/radars.apkg"):
        assert (out / path).read_bytes() == (tmp_path / "fresh" / path).read_bytes(), path
    later: list[Callable[[], None]] = []
    result, _, _ = build(mini, tmp_path / "watched", jobs=1, pdf=False, record_later=later)
    anki._guid.cache_clear()  # as the process was before its exports were made (in a worker, when it has one)
    for step in later:
        step()
    asked.clear()
    terms = [card for term in result.library.terms.values() for card in anki._term_cards(term)]
    assert terms and not asked, asked
