"""`primer serve` keeps what a check made for the next one (`primer.memo`): after any sequence of saves, what
it derives and lints is exactly what a fresh process would.

Each step edits one text of the shipped lesson (a word put before it, names of glossary terms among the
words, so that which terms a text mentions changes too) or puts a file back as it was, then checks the
lesson twice: in the process that has checked every step before, re-parsing through the same parse cache,
and afresh, with every memo emptied and a new parse cache. Both must find the same."""

from __future__ import annotations

import hashlib
import operator
import random
import re
import shutil
import weakref
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

import pytest

from primer import memo, reads
from primer.content.library import ParseCache, load_library
from primer.content.models import Term
from primer.derive import derive
from primer.errors import ContentError, Problem
from primer.quiz import generate as generate_module
from primer.quiz.generate import Note, generate
from primer.quiz.lint import lint, text_lint
from primer.report import Report, run_report
from primer.report.units import own_text

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini"
#: Texts a step may edit: a plain value on its line, or a block (`>-`, `|`) whose first line follows.
_FIELD = re.compile(r"^(\s*-?\s*(?:text|title|definition|body|stem|explanation|name|term|correction|basis): )(.*)$")
#: Words a step puts before a text: plain ones, glossary names (a text then mentions other terms), and ids of
#: the lesson (machinery in a question's text, until some prose uses the same hyphenated word).
_WORDS = [
    "Harbor", "quietly", "THAAD", "radar", "sanctions", "the battery", "Aegis Ashore", "X-band radar", "signal",
    "japan-aegis-ashore", "bmd-sensors", "interceptor", "Japan", "the Ministry of Defense",
]  # fmt: skip


@pytest.fixture(autouse=True)
def memos_on() -> Iterator[None]:
    """The memos on, as in `primer serve`, and off again after each test (as in every other process)."""
    memo.enable()
    yield
    memo.enable(False)


def _edit(rng: random.Random, content: Path, originals: dict[Path, str]) -> str:
    files = sorted(content.rglob("*.yaml"))
    path = rng.choice(files)
    originals.setdefault(path, path.read_text(encoding="utf-8"))
    if rng.random() < 0.15:
        path.write_text(originals[path], encoding="utf-8")
        return f"restored {path.name}"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    places = [i for i, line in enumerate(lines) if _FIELD.match(line)]
    if not places:
        return "nothing"
    i = rng.choice(places)
    match = _FIELD.match(lines[i])
    assert match is not None
    word = rng.choice(_WORDS)
    value = match.group(2)
    if value.strip() in (">", ">-", "|", "|-") and i + 1 < len(lines):
        indent = len(lines[i + 1]) - len(lines[i + 1].lstrip())
        lines[i + 1] = lines[i + 1][:indent] + word + " " + lines[i + 1][indent:]
    elif value[:1] not in ('"', "'", "[", "{", "&", "*", "!", "|", ">", ""):
        lines[i] = match.group(1) + word + " " + value + "\n"
    else:
        return "nothing"
    path.write_text("".join(lines), encoding="utf-8")
    return f"{path.name}:{i + 1}"


def _checked(content: Path, cache: ParseCache) -> tuple[object, ...] | list[Problem]:
    try:
        lib = load_library(content, cache)
    except ContentError as exc:
        return sorted(exc.problems)
    derived = derive(lib)
    return (lib.warnings, derived, text_lint(lib, derived), lint(lib, derived))


STEPS = 20


def _to_save(tmp_path: Path, seed: int) -> tuple[Path, random.Random, ParseCache, dict[Path, str]]:
    """A copy of the shipped lesson to edit (`_edit`), the steps' random numbers, the parse cache a serving process
    keeps, and the files' texts as they were (filled in by `_edit`)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    return content, random.Random(seed), ParseCache(), {}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_any_saves_a_check_finds_what_a_fresh_one_finds(tmp_path: Path, seed: int) -> None:
    content, rng, kept, originals = _to_save(tmp_path, seed)
    changes = 0
    last = _checked(content, kept)
    for _ in range(STEPS):
        what = _edit(rng, content, originals)
        again = _checked(content, kept)
        memo.forget_all()
        fresh = _checked(content, ParseCache())
        assert again == fresh, what
        changes += fresh != last
        last = _checked(content, kept)  # the memos filled again, as the serving process has them
    assert changes >= STEPS // 4  # the edits changed what the checks find, often


def test_a_documents_kept_link_findings_follow_the_ids_of_the_other_files(tmp_path: Path) -> None:
    """The link checks keep each document's findings by the document and by the ids every file defines: a
    topic that did not change finds its link broken once the source drops the point it links to, and
    mended once the point is back, as a fresh check does."""
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    source = content / "sources" / "mini-source.yaml"
    written = source.read_text(encoding="utf-8")
    kept = ParseCache()
    _checked(content, kept)  # the memos filled, as the serving process has them
    source.write_text(written.replace("- id: m-radar-north", "- id: m-radar-northern"), encoding="utf-8")
    broken = _checked(content, kept)
    assert isinstance(broken, list)
    assert any(
        p.path.endswith("topics/radars.yaml") and p.message == "no point has the id 'm-radar-north'" for p in broken
    ), "the topic's link, which did not change"
    assert broken == _fresh(content)
    _checked(content, kept)
    source.write_text(written, encoding="utf-8")
    mended = _checked(content, kept)
    assert not isinstance(mended, list) and mended == _fresh(content)


def test_the_kept_cross_checks_follow_what_other_files_define_and_date(tmp_path: Path) -> None:
    """The checks of references between files keep what each part found by the items it reads and by the ids
    the lesson defines: an event that did not change is found dated before the source it is later than once the
    source's date changes, questions that did not change are found naming an objective once their topic renames
    it, and an actor's position naming a point once its source renames it; each as a fresh check finds it, and
    gone once the files are as they were."""
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    source, topic = content / "sources" / "mini-source.yaml", content / "topics" / "radars.yaml"
    kept = ParseCache()
    as_it_was = _checked(content, kept)  # the memos filled, as the serving process has them
    edits = [
        (source, "date: '2014-12-13/2014-12-28'", "date: '2021-01-01'", "timeline.yaml", "does not come after"),
        (topic, "{id: radars-locate,", "{id: radars-find,", "questions/radars.yaml", "'radars-locate'"),
        (source, "- id: m-spokesperson", "- id: m-speaker", "actors.yaml", "'m-spokesperson'"),
    ]
    for path, old, new, where, said in edits:
        written = path.read_text(encoding="utf-8")
        assert old in written
        path.write_text(written.replace(old, new), encoding="utf-8")
        found = _checked(content, kept)
        assert isinstance(found, list)
        assert any(p.path.endswith(where) and said in p.message for p in found), (where, found)
        assert found == _fresh(content)
        _checked(content, kept)
        path.write_text(written, encoding="utf-8")
        assert _checked(content, kept) == as_it_was


def _fresh(content: Path) -> tuple[object, ...] | list[Problem]:
    memo.forget_all()
    return _checked(content, ParseCache())


def test_memos_are_off_unless_turned_on() -> None:
    memo.enable(False)
    store: memo.Memo[str, list[str]] = memo.Memo()
    assert store.get("key", list) is not store.get("key", list)
    memo.enable()
    assert store.get("key", list) is store.get("key", list)


def test_a_process_forked_from_the_one_that_turned_the_memos_on_keeps_nothing_for_the_next_check() -> None:
    """`here` is true in the process that turned the memos on, not in a worker forked from it (whose memos end
    with it), though it no longer asks the system for the process's id each time."""
    import os

    assert memo.here()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and ends at once
        os.write(write, bytes([memo.on(), memo.here()]))
        os._exit(0)
    os.close(write)
    told = os.read(read, 2)
    os.close(read)
    os.waitpid(child, 0)
    assert told == bytes([True, False])
    assert memo.here()


def test_a_memo_keeps_two_rounds_and_the_objects_its_keys_name() -> None:
    made: list[str] = []
    store: memo.Memo[tuple[int, ...], str] = memo.Memo()
    item = ["an item"]

    def make() -> str:
        made.append("made")
        return "result"

    key = memo.identities(item)
    assert store.get(key, make, keep=item) == "result"
    memo.new_round()
    assert store.get(key, make, keep=item) == "result"  # the round before is still known
    memo.new_round()
    memo.new_round()
    assert store.get(key, make, keep=item) == "result"  # two rounds without it: forgotten, made again
    assert made == ["made", "made"]


def test_a_result_found_keeps_the_entries_it_was_made_of() -> None:
    """The glossary's questions are kept whole, and made of each term's, kept too: rounds that find the whole
    (a build that changed no term) keep each term's with it, so that the next term's edit makes that term's
    questions alone. So do the values `same` kept while making it; an entry no round uses is forgotten."""
    made: list[str] = []
    parts: memo.Memo[str, str] = memo.Memo()
    names: memo.Memo[str, tuple[str, ...]] = memo.Memo()
    whole: memo.Memo[tuple[str, ...], list[str]] = memo.Memo(limit=4)

    def part(name: str) -> str:
        made.append(name)
        return name.upper()

    def make(terms: tuple[str, ...]) -> list[str]:
        names.same("names", terms)
        return [parts.get(term, partial(part, term)) for term in terms]

    words = ["radar", "battery", "interceptor"]
    terms = tuple(words)
    assert whole.get(terms, partial(make, terms)) == ["RADAR", "BATTERY", "INTERCEPTOR"]
    for _ in range(5):  # builds that changed no term: the whole is found, no part is asked for
        memo.new_round()
        assert whole.get(terms, partial(make, terms)) == ["RADAR", "BATTERY", "INTERCEPTOR"]
    memo.new_round()
    assert names.same("names", tuple(words)) is terms, "an equal value: the one kept with the whole"
    edited = ("radar", "battery", "missile")
    assert whole.get(edited, partial(make, edited)) == ["RADAR", "BATTERY", "MISSILE"]
    assert made == [*terms, "missile"], "only the edited term's part is made again"
    for _ in range(3):
        memo.new_round()
    assert parts.get("radar", partial(part, "radar")) == "RADAR"
    assert made[-1] == "radar", "three rounds unused, even by a whole: forgotten"


def test_entries_carried_past_a_memos_limit_start_its_next_round_and_are_still_found() -> None:
    """A found result carries the entries it was made of into this round (`memo._carry`): when they fill the memo
    up to its limit, it starts a new round, as a result kept past the limit does, and each is still found once."""
    made: list[str] = []
    parts: memo.Memo[str, str] = memo.Memo(limit=3)
    whole: memo.Memo[str, list[str]] = memo.Memo()
    words = ["radar", "battery", "interceptor"]

    def part(name: str) -> str:
        made.append(name)
        return name.upper()

    def make() -> list[str]:
        return [parts.get(word, partial(part, word)) for word in words]

    assert whole.get("all", make) == ["RADAR", "BATTERY", "INTERCEPTOR"]
    memo.new_round()
    assert parts.get("missile", partial(part, "missile")) == "MISSILE"  # this round's first entry
    assert whole.get("all", make) == ["RADAR", "BATTERY", "INTERCEPTOR"] and made == [*words, "missile"]
    assert len(parts._now) < 3, "the limit held"
    made.clear()
    assert [parts.find(word) for word in words] == ["RADAR", "BATTERY", "INTERCEPTOR"] and made == []


def test_same_hands_back_the_equal_value_of_the_last_rounds() -> None:
    store: memo.Memo[str, list[str]] = memo.Memo()
    first = store.same("q", ["a"])
    memo.new_round()
    assert store.same("q", ["a"]) is first  # equal: the last round's object
    changed = store.same("q", ["b"])
    assert changed == ["b"] and store.same("q", ["b"]) is changed
    memo.enable(False)
    assert store.same("q", ["b"]) is not changed  # off: the value itself


def test_the_entries_a_found_result_was_made_of_are_carried_at_the_quiet_moment() -> None:
    """A result found in the last round's entries carries the entries it was made of into this round once
    nothing waits (`memo.release`, or as the round ends: `memo.settle`), not as it is found, while a check runs
    beside the workers it forked; found meanwhile, they are found all the same."""
    made: list[str] = []
    parts: memo.Memo[str, str] = memo.Memo()
    whole: memo.Memo[str, list[str]] = memo.Memo()

    def part(name: str) -> str:
        made.append(name)
        return name.upper()

    def make() -> list[str]:
        return [parts.get(word, partial(part, word)) for word in ("radar", "battery")]

    assert whole.get("all", make) == ["RADAR", "BATTERY"]
    memo.new_round()
    assert whole.get("all", make) == ["RADAR", "BATTERY"]
    assert set(parts._before) == {"radar", "battery"} and not parts._now, "not carried while the check runs"
    assert parts.find("radar") == "RADAR" and set(parts._now) == {"radar"}, "found meanwhile: kept for this round"
    memo.release()
    assert set(parts._now) == {"radar", "battery"} and not parts._before, "carried at the quiet moment"
    for _ in range(3):  # rounds that find the whole, each carried as it ends
        memo.new_round()
        assert whole.get("all", make) == ["RADAR", "BATTERY"]
    memo.new_round()
    assert parts.get("battery", partial(part, "battery")) == "BATTERY" and made == ["radar", "battery"]


def test_a_value_same_changed_is_not_put_back_by_a_result_found_that_was_made_with_the_last() -> None:
    """An entry kept for this round leaves the last round's (`Memo._carried`, `_carry`, `same`): a value `same`
    changed this round stays changed when a result made with the last round's value is found afterwards, which
    carries the entries it was made of into this round."""
    names: memo.Memo[str, tuple[str, ...]] = memo.Memo()
    whole: memo.Memo[str, int] = memo.Memo()

    def make() -> int:
        return len(names.same("names", ("radar", "battery")))

    assert whole.get("count", make) == 2
    memo.new_round()
    changed = names.same("names", ("radar",))
    assert whole.get("count", make) == 2, "found: made with the last round's names"
    assert names.find("names") is changed
    memo.new_round()
    assert names.find("names") is changed, "this round's value, kept into the next"


def test_what_a_round_lets_go_of_is_freed_by_release_or_by_the_next_round() -> None:
    """Freeing a round's entries waits for `release` (`primer serve` calls it once a save's page is shown),
    and the next round frees them if no quiet moment came first: never more than one round is held so."""

    class Item:
        pass

    store: memo.Memo[tuple[int, ...], str] = memo.Memo()
    for freed_by in ("release", "the next round"):
        item = Item()
        alive = weakref.ref(item)
        store.get(memo.identities(item), lambda: "result", keep=item)
        del item
        memo.new_round()
        memo.new_round()  # unused for a round: let go of, not yet freed
        assert alive() is not None
        if freed_by == "release":
            memo.release()
        else:
            memo.new_round()
        assert alive() is None, freed_by


def test_an_id_in_a_question_is_machinery_until_prose_uses_the_word(tmp_path: Path) -> None:
    """The text lint's memo is keyed by the lesson's ids as well as by the text: the same stem is an error
    while 'japan-aegis-ashore' is only an id, and fine once an article's point uses it as a word."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    kept = ParseCache()
    stem = "    stem: Who owns and runs the THAAD battery at Seongju in South Korea?"
    questions = content / "questions" / "thaad-south-korea.yaml"
    questions.write_text(questions.read_text().replace(stem, stem + " (japan-aegis-ashore)"))
    first = _checked(content, kept)
    assert isinstance(first, tuple)
    assert [p for p in first[2] if "japan-aegis-ashore" in p.message]
    point = "    text: Japan intends to purchase the US-made Aegis Ashore missile defense system."
    source = content / "sources" / "japan-aegis-ashore-2017.yaml"
    source.write_text(source.read_text().replace(point, point[:-1] + " (a japan-aegis-ashore plan)."))
    again = _checked(content, kept)
    assert isinstance(again, tuple)
    assert not [p for p in again[2] if "japan-aegis-ashore" in p.message]
    memo.forget_all()
    assert again == _checked(content, ParseCache())


def test_a_save_keeps_as_they_were_the_items_it_did_not_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited file is parsed again whole, but its items that the save did not change are the very objects the
    last check had, so that the memos keyed by them find their results: one term's edit leaves every other term
    (and the questions made from them) as it was; a point's edit leaves the other source's framing questions,
    and the glossary's questions, taken whole without gathering the terms' neighbours (`_Nearby`)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    gathered: list[int] = []
    categorise = generate_module._Nearby.categorise

    def counted(nearby: generate_module._Nearby, terms: Iterable[Term]) -> None:
        gathered.append(1)
        categorise(nearby, terms)

    monkeypatch.setattr(generate_module._Nearby, "categorise", counted)
    kept = ParseCache()
    lib = load_library(content, kept)
    derived = derive(lib)
    assert gathered

    glossary = content / "glossary.yaml"
    lines = glossary.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("  - id: interceptor\n")
    block = next(i for i in range(at, len(lines)) if lines[i].strip() == "definition: >-") + 1
    lines[block] = lines[block].replace(lines[block].lstrip(), "Put simply, " + lines[block].lstrip(), 1)
    glossary.write_text("".join(lines), encoding="utf-8")
    after = load_library(content, kept)
    again = derive(after)
    assert after.terms["interceptor"] is not lib.terms["interceptor"]
    assert after.terms["interceptor"].definition.startswith("Put simply, ")
    assert all(after.terms[t] is lib.terms[t] for t in lib.terms if t != "interceptor")
    shared = [q for q, made in again.generated.items() if derived.generated.get(q) is made]
    term_questions = [q for q, source in again.generated_from.items() if source[0].startswith("term:")]
    assert len(shared) > len(term_questions) // 2  # those on terms near the edited one are made again

    source = content / "sources" / "japan-aegis-ashore-2017.yaml"
    point = "    text: Japan intends to purchase the US-made Aegis Ashore missile defense system."
    source.write_text(source.read_text(encoding="utf-8").replace(point, point[:-1] + " soon."), encoding="utf-8")
    edited = load_library(content, kept)
    gathered.clear()
    third = derive(edited)
    assert not gathered, "no term, and no count of terms named together, changed"
    other = [q for q, made in third.generated_from.items() if made == ["source:us-trilateral-push-2014"]]
    assert other, "the other source's framing questions"
    assert all(third.generated[q] is again.generated[q] for q in other)
    memo.forget_all()
    fresh = derive(load_library(content, ParseCache()))
    assert (third.quizzes, third.generated, third.warnings) == (fresh.quizzes, fresh.generated, fresh.warnings)


def test_a_sources_framing_questions_are_made_again_when_what_they_read_of_the_others_changes(tmp_path: Path) -> None:
    """Each source's framing questions are kept by the source, every source's id, label and short name (its wrong
    options name the others), and which of its loaded phrases another source uses (then it asks none on it): an
    edit of one source's short name or loaded wording makes the other's again, as a fresh check makes them."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    kept = ParseCache()
    derive(load_library(content, kept))
    japan, other = (
        content / "sources" / "japan-aegis-ashore-2017.yaml",
        content / "sources" / "us-trilateral-push-2014.yaml",
    )
    japan.write_text(
        japan.read_text(encoding="utf-8").replace("short: Article A", "short: Article C"), encoding="utf-8"
    )
    edited = derive(load_library(content, kept))
    theirs = [q for q, made in edited.generated_from.items() if made == ["source:us-trilateral-push-2014"]]
    assert theirs and any("Article C" in str(edited.generated[q].model_dump()) for q in theirs)
    assert not any("Article A" in str(edited.generated[q].model_dump()) for q in theirs)
    wording = "  loaded_wording:\n"
    copied = "    - phrase: imminent threat\n      paragraph: 1\n      note: The same words as Article C's.\n"
    other.write_text(other.read_text(encoding="utf-8").replace(wording, wording + copied, 1), encoding="utf-8")
    lib = load_library(content, kept)
    both = derive(lib)
    notes: list[Note] = []
    offered = [c for c in generate(lib, both.citations, notes) if c.generator == "framing"]
    memo.forget_all()
    fresh_lib = load_library(content, ParseCache())
    fresh = derive(fresh_lib)
    fresh_notes: list[Note] = []
    assert offered == [c for c in generate(fresh_lib, fresh.citations, fresh_notes) if c.generator == "framing"]
    assert notes == fresh_notes and (both.quizzes, both.generated) == (fresh.quizzes, fresh.generated)
    said = [n for n in notes if n.generator == "framing" and "imminent threat" in n.what]
    assert len(said) == 2 and {n.why for n in said} == {"more than one source uses it"}, said


def test_an_item_kept_as_it_was_is_placed_where_its_file_now_has_it(tmp_path: Path) -> None:
    """A line put above a question shares the question with the last check (its value did not change), and
    what the checks find in it is placed at its new line, as a fresh check places it."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    questions = content / "questions" / "thaad-south-korea.yaml"
    stem = "    stem: Who owns and runs the THAAD battery at Seongju in South Korea?"
    questions.write_text(questions.read_text(encoding="utf-8").replace(stem, stem + " (japan-aegis-ashore)"))
    kept = ParseCache()
    first = _checked(content, kept)
    assert isinstance(first, tuple)
    before = load_library(content, kept).questions["thaad-01"]
    (found,) = [p for p in first[2] if "japan-aegis-ashore" in p.message]
    questions.write_text(
        questions.read_text(encoding="utf-8").replace("questions:\n", "questions:\n  # who runs the battery\n", 1),
        encoding="utf-8",
    )
    again = _checked(content, kept)
    assert isinstance(again, tuple)
    assert load_library(content, kept).questions["thaad-01"] is before
    (moved,) = [p for p in again[2] if "japan-aegis-ashore" in p.message]
    assert (moved.path, moved.line) == (found.path, found.line + 1)
    assert again == _fresh(content)


def test_the_reports_units_of_a_file_a_save_left_alone_are_kept(tmp_path: Path) -> None:
    """The report's units of our text (`own_text`) are made again for the items of the files a save changed,
    and equal what a fresh process makes, places included; those of other files are the last check's."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    kept = ParseCache()
    memo.new_round()
    before = own_text(load_library(content, kept))
    glossary = content / "glossary.yaml"
    glossary.write_text("# a note on top\n" + glossary.read_text(encoding="utf-8"), encoding="utf-8")
    memo.new_round()
    after = own_text(load_library(content, kept))
    memo.forget_all()
    assert after == own_text(load_library(content, ParseCache()))
    terms = [(a, b) for a, b in zip(before, after, strict=True) if a.item[0] == "term"]
    others = [(a, b) for a, b in zip(before, after, strict=True) if a.item[0] != "term"]
    assert terms and all(b is not a and b.doc.where(b.loc)[0] == a.doc.where(a.loc)[0] + 1 for a, b in terms)
    assert others and all(b is a for a, b in others)


def test_a_stem_edited_to_repeat_another_is_found_by_the_check_that_kept_the_last(tmp_path: Path) -> None:
    """The lint's near-duplicate pairs are kept by the bank's questions as objects: a save that makes one stem
    nearly repeat another finds the pair, and the save that undoes it drops it, as a fresh check does."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    questions = content / "questions" / "thaad-south-korea.yaml"
    written = questions.read_text(encoding="utf-8")
    lines = written.splitlines(keepends=True)
    second = next(i for i, line in enumerate(lines) if i > 5 and line.strip().startswith("stem:"))
    stem = "Who owns and runs the THAAD battery at Seongju in South Korea today?"
    repeated = "".join([*lines[:second], f"    stem: {stem}\n", *_after_block(lines, second + 1)])
    kept = ParseCache()
    for text, found in ((written, False), (repeated, True), (written, False)):
        questions.write_text(text, encoding="utf-8")
        again = _checked(content, kept)
        assert isinstance(again, tuple)
        assert any("nearly repeats 'thaad-01'" in p.message for p in again[3]) is found
        assert again == _fresh(content)


def test_a_kept_key_finding_names_where_the_point_it_tests_now_is(tmp_path: Path) -> None:
    """A line put above a point leaves the point the same object (its values did not change), and the question
    that tests it the same: the report's finding on the question's key names the point's new line, as a fresh
    report does (the findings are kept by the items they read, and by the files those are in)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    questions = content / "questions" / "thaad-south-korea.yaml"
    keyed_wrong = """
  - id: thaad-status
    type: single
    stem: How does the lesson rate the claim that South Korea uses THAAD as its main defense?
    explanation: The lesson rates it by what the records show.
    difficulty: 1
    objective: thaad-deployment
    tests:
      points: [a-south-korea-runs-thaad]
    choices:
      - text: Accurate
        correct: true
        feedback: It is rated so.
      - text: Partly accurate
        feedback: It is not rated so.
      - text: Wrong
        feedback: It is not rated so.
      - text: Unverified
        feedback: It is not rated so.
"""
    questions.write_text(questions.read_text(encoding="utf-8").rstrip("\n") + "\n" + keyed_wrong, encoding="utf-8")
    source = content / "sources" / "japan-aegis-ashore-2017.yaml"
    kept = ParseCache()

    def said(report: Report | list[Problem]) -> list[str]:
        assert isinstance(report, Report), report
        return [f.message for f in report.findings if f.code == "P110" and "a-south-korea-runs-thaad" in f.message]

    (first,) = said(_report(content, kept))
    assert re.search(r"japan-aegis-ashore-2017\.yaml:272\)", first), first
    point = load_library(content, kept).points["a-south-korea-runs-thaad"]
    written = source.read_text(encoding="utf-8")
    entry = "  - id: a-south-korea-runs-thaad\n"
    source.write_text(written.replace(entry, "  # moved\n" + entry, 1), encoding="utf-8")
    (moved,) = said(_report(content, kept))
    assert load_library(content, kept).points["a-south-korea-runs-thaad"] is point
    assert moved == first.replace(".yaml:272)", ".yaml:273)")
    assert said(_report_afresh(content)) == [moved]


def test_a_kept_statement_finding_is_placed_where_the_topics_file_now_has_it(tmp_path: Path) -> None:
    """A comment put at the top of a topic's file leaves the topic the same object: the report's finding on its
    paragraph that cites nothing is placed at the paragraph's new line, as a fresh report places it."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    topic = content / "topics" / "thaad-south-korea.yaml"
    body = "    body: |\n"
    uncited = "      Nobody in this paragraph says where it comes from.\n\n"
    topic.write_text(topic.read_text(encoding="utf-8").replace(body, body + uncited, 1), encoding="utf-8")
    kept = ParseCache()

    def placed(report: Report | list[Problem]) -> list[tuple[str, int]]:
        assert isinstance(report, Report), report
        return [(f.path, f.line) for f in report.findings if f.code == "P101" and "thaad-south-korea" in f.path]

    (first,) = placed(_report(content, kept))
    before = load_library(content, kept).topics["thaad-south-korea"]
    topic.write_text("# who says what\n" + topic.read_text(encoding="utf-8"), encoding="utf-8")
    (moved,) = placed(_report(content, kept))
    assert load_library(content, kept).topics["thaad-south-korea"] is before
    assert moved == (first[0], first[1] + 1)
    assert placed(_report_afresh(content)) == [moved]


def test_kept_coverage_and_balance_follow_the_points_their_topics_cite_and_who_the_actors_are(tmp_path: Path) -> None:
    """Each topic's coverage and balance are kept by the items they read: a point's text edited, then its source's
    short name, then an actor's name, change the tables of the topics that show them, as a fresh report has them
    (the topics are the same objects throughout, and so are the quizzes: no question is generated)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    for topic in (content / "topics").glob("*.yaml"):
        topic.write_text(topic.read_text(encoding="utf-8") + "generate:\n  max: 0\n", encoding="utf-8")
    kept = ParseCache()

    def tables(report: Report | list[Problem]) -> list[object]:
        assert isinstance(report, Report), report
        return [row.model_dump() for row in [*report.coverage, *report.balance]]

    def fresh() -> list[object]:
        return tables(_report_afresh(content))

    source = content / "sources" / "japan-aegis-ashore-2017.yaml"
    actors = content / "actors.yaml"
    said = "text: It says South Korea uses THAAD"
    claimed = source.read_text(encoding="utf-8").replace(said, said.replace("It says", "It claims"), 1)
    renamed = claimed.replace("short: Article A", "short: Text A", 1)
    named = actors.read_text(encoding="utf-8")
    made = [tables(_report(content, kept))]
    for path, text in [(source, claimed), (source, renamed), (actors, named.replace("United States", "The US", 1))]:
        path.write_text(text, encoding="utf-8")
        made.append(tables(_report(content, kept)))
    # each compared with a fresh report at the end: a report made with the memos off forgets them all
    assert made[3] == fresh()
    actors.write_text(named, encoding="utf-8")
    assert made[2] == fresh()
    source.write_text(claimed, encoding="utf-8")
    assert made[1] == fresh()
    assert made[0] != made[1] != made[2] != made[3]
    assert "It claims South Korea" in repr(made[1]) and "Text A" in repr(made[2]) and "The US" in repr(made[3])


def _report_afresh(content: Path) -> Report | list[Problem]:
    """The report a process that checks once makes of `content` (the memos off, which forgets them all: last)."""
    memo.enable(False)
    try:
        return _report(content, ParseCache())
    finally:
        memo.enable()


def _after_block(lines: list[str], start: int) -> list[str]:
    """`lines` from `start` on, past the indented lines of a block scalar that begins there."""
    indent = len(lines[start - 1]) - len(lines[start - 1].lstrip())
    end = start
    while end < len(lines) and len(lines[end]) - len(lines[end].lstrip()) > indent:
        end += 1
    return lines[end:]


def _report(content: Path, cache: ParseCache) -> Report | list[Problem]:
    try:
        lib = load_library(content, cache)
    except ContentError as exc:
        return sorted(exc.problems)
    return run_report(lib, derive(lib), content)


@pytest.mark.parametrize("seed", [4, 5])
def test_after_any_saves_a_report_made_of_the_last_ones_parts_is_what_a_fresh_one_makes(
    tmp_path: Path, seed: int
) -> None:
    """A process that checks again makes its report of the last report's findings, coverage, balance and
    readability where they are the same (and keeps the last report when the whole is): the report and its
    JSON are those a fresh process makes, with the memos off, after any saves."""
    content, rng, kept, originals = _to_save(tmp_path, seed)
    reports = 0
    for _ in range(12):
        what = _edit(rng, content, originals)
        again = _report(content, kept)
        memo.enable(False)
        try:
            fresh = _report(content, ParseCache())
        finally:
            memo.enable()
        assert again == fresh, what
        if isinstance(again, Report) and isinstance(fresh, Report):
            reports += 1
            assert again.model_dump_json() == fresh.model_dump_json(), what
            assert reads.model_hash(again) == hashlib.sha256(reads._model_bytes(fresh)).hexdigest(), what
    assert reports >= 6


def test_a_report_checked_again_is_made_of_the_parts_of_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked again with nothing changed, the report is the last one; after an edit of one source's point,
    each finding is the last report's model, and so is each topic's coverage but those that show the point,
    whose hashes (`reads.model_hash`) are kept with them."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    kept = ParseCache()
    first = _report(content, kept)
    second = _report(content, kept)
    assert isinstance(first, Report) and isinstance(second, Report)
    assert second is first
    hashes = [reads.model_hash(c) for c in first.coverage]
    source = sorted((content / "sources").glob("*.yaml"))[0]
    written = source.read_text(encoding="utf-8")
    match = re.search(r"^(\s*- id: \S+\n\s*text: )(\S)", written, re.MULTILINE)
    assert match is not None
    source.write_text(written[: match.start(2)] + "Quietly, " + written[match.start(2) :], encoding="utf-8")
    third = _report(content, kept)
    assert isinstance(third, Report) and third is not first
    assert third.findings and all(any(f is g for g in first.findings) for f in third.findings), (
        "no finding moved: each is the last report's"
    )
    same = [c for c in third.coverage if any(c is d for d in first.coverage)]
    assert 0 < len(same) < len(third.coverage), "the topics that show the point made anew, the others kept"
    for c in third.coverage:
        assert reads.model_hash(c) == hashlib.sha256(reads._model_bytes(c)).hexdigest()
    dumped: list[object] = []
    dump = reads._model_bytes
    monkeypatch.setattr(reads, "_model_bytes", lambda value: dumped.append(value) or dump(value))
    assert {reads.model_hash(c) for c in same} <= set(hashes)
    assert not dumped, "a kept model's hash is not worked out again"


def test_the_timeline_in_order_follows_an_edited_date(tmp_path: Path) -> None:
    """The timeline's events in order are kept by the events as objects: a save that leaves the timeline alone
    finds them sorted, and one that moves an event's date puts it where a fresh sort does."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    kept = ParseCache()
    memo.new_round()
    before = load_library(content, kept).events_in_order()
    memo.new_round()
    assert all(map(operator.is_, load_library(content, kept).events_in_order(), before))
    timeline = content / "timeline.yaml"
    timeline.write_text(timeline.read_text(encoding="utf-8").replace("date: '2006'\n", "date: '2099'\n", 1))
    memo.new_round()
    after = [event.id for event in load_library(content, kept).events_in_order()]
    memo.forget_all()
    assert after == [event.id for event in load_library(content, ParseCache()).events_in_order()]
    assert after[-1] == "first-tpy2-shariki" == before[0].id


def test_the_counts_of_terms_named_together_summed_from_the_last_sum_are_their_sum() -> None:
    """`_Nearby` sums each topic's and source's counts from the last sum, taking out the parts a save changed and
    putting in their new counts: after any changes the sum is the parts' own, with no pair left at nought, also
    when parts come or go."""
    rng = random.Random(3)

    def part() -> dict[tuple[str, str], int]:
        return {(f"t{rng.randrange(5)}", f"t{rng.randrange(5)}"): rng.randint(1, 3) for _ in range(rng.randint(0, 4))}

    parts = [part() for _ in range(40)]
    for step in range(60):
        for _ in range(rng.randint(0, 4)):
            parts[rng.randrange(len(parts))] = part()
        if step % 20 == 19:
            parts.append(part())
        expected: dict[tuple[str, str], int] = {}
        for counts in parts:
            for pair, count in counts.items():
                expected[pair] = expected.get(pair, 0) + count
        assert generate_module._summed(list(parts)) == expected, step


def test_an_id_a_renamed_term_makes_a_word_is_machinery_no_longer(tmp_path: Path) -> None:
    """The lint's hyphenated words of the glossary's names are kept by the terms as objects: a save that names a
    term as a topic's id reads ("THAAD South Korea"), so that the id in a question's stem is a word the lesson uses,
    drops the machinery error, and the save that undoes it brings the error back, as a fresh check does."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    questions = content / "questions" / "how-missile-defense-works.yaml"
    questions.write_text(
        questions.read_text(encoding="utf-8").replace(
            "      Hitting a ballistic", "      thaad-south-korea Hitting a", 1
        )
    )
    glossary = content / "glossary.yaml"
    written = glossary.read_text(encoding="utf-8")
    renamed = written.replace("    term: interceptor\n", "    term: THAAD South Korea\n", 1)
    states = (written, renamed, written)
    fresh = []
    for text in states:
        glossary.write_text(text, encoding="utf-8")
        fresh.append(_fresh(content))
    errors = [[p for p in found[2] if "thaad-south-korea" in p.message] for found in fresh if isinstance(found, tuple)]
    assert [bool(found) for found in errors] == [True, False, True]
    kept = ParseCache()
    for text, expected in zip(states, fresh, strict=True):
        glossary.write_text(text, encoding="utf-8")
        assert _checked(content, kept) == expected
