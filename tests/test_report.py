"""Issue 15: the provenance and quality report finds each seeded problem at its place, with its code."""

from __future__ import annotations

import copy
import json
import operator
import random
import shutil
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest

import primer.report
from primer.build import check
from primer.content.library import load_library
from primer.derive import derive
from primer.errors import ContentError
from primer.report import Report, combine, report_part, run_report
from primer.report.base import Unit, files
from primer.report.codes import CODES, codes_table
from primer.report.model import Coverage
from primer.report.render import schema
from primer.report.units import own_text
from tools import MINI, ROOT, Invoke

SEEDS = ROOT / "tests" / "data" / "report"
CONTENT = ROOT / "content"


def seeded_tree(target: Path) -> Path:
    """The mini tree with the seeded files of tests/data/report laid over it."""
    shutil.copytree(MINI, target)
    for path in sorted(SEEDS.rglob("*.yaml")):
        rel = path.relative_to(SEEDS)
        text = path.read_text(encoding="utf-8")
        if path.name.endswith(".append.yaml"):
            into = target / rel.parent / path.name.replace(".append.yaml", ".yaml")
            into.write_text(into.read_text(encoding="utf-8").rstrip("\n") + "\n" + text, encoding="utf-8")
        else:
            (target / rel).write_text(text, encoding="utf-8")
    source = target / "sources" / "mini-source.yaml"
    text = source.read_text(encoding="utf-8")
    assert "note: Judges motives;" in text
    source.write_text(text.replace("note: Judges motives;", "note: A belligerent phrase; it judges motives;"), "utf-8")
    return target


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    content = seeded_tree(tmp_path_factory.mktemp("report") / "content")
    lib = load_library(content)
    return content, run_report(lib, derive(lib), content)


def line_of(content: Path, rel: str, needle: str) -> int:
    """The line (from 1) of the first line of a content file that contains `needle`."""
    lines = (content / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def found(report: Report, code: str) -> list[str]:
    """'path:line' of each finding with `code`."""
    return [f"{f.path}:{f.line}" for f in report.findings if f.code == code]


# (code, file, a text on the line the finding is at)
SEEDED = [
    ("P101", "topics/seeded.yaml", "The site cost $750 million"),
    ("P102", "topics/seeded.yaml", "Penguins enjoy"),
    ("P103", "topics/seeded.yaml", "{actor: ministry, text: The ministry objects"),
    ("P104", "questions/seeded.yaml", "tests: {events: [radar-upgraded]}"),
    ("P105", "sources/mini-source.yaml", "id: s-untested"),
    ("P110", "questions/seeded.yaml", "{text: Accurate, correct: true"),
    ("P111", "questions/seeded.yaml", "answer: false  # P111"),
    ("P112", "questions/seeded.yaml", "- Radar arrives"),
    ("P113", "questions/seeded.yaml", "{text: In 2009, correct: true"),
    ("P114", "questions/seeded.yaml", "{left: THAAD, right: A sensor"),
    ("P201", "topics/seeded.yaml", "The site cost $750 million"),
    ("P301", "topics/seeded.yaml", "id: seeded-unused"),
    ("P302", "topics/seeded.yaml", "(point:m-radar-north)"),
    ("P401", "topics/seeded.yaml", "THAAD (Theatre High Altitude Air Defense)"),
    ("P402", "topics/seeded.yaml", "On 3 March 2007"),
    ("P403", "topics/seeded.yaml", "The radar sees 3,000 km."),
    ("P404", "topics/seeded.yaml", "The Kyougamisaki radar"),
    ("P405", "topics/seeded.yaml", "Kim Jong-un watched"),
    ("P501", "topics/seeded.yaml", "National Security Council"),
    ("P502", "glossary.yaml", "id: unused-term"),
    ("P503", "topics/seeded.yaml", "Radars watch the sky"),
    ("P601", "topics/seeded.yaml", "As of 2010"),
    ("P602", "topics/seeded.yaml", "is still at the North site"),
    ("P603", "topics/seeded.yaml", "  - title: The radar"),
    ("P702", "topics/seeded.yaml", "This sentence goes on and on"),
    ("P801", "topics/seeded.yaml", "{actor: ministry, text: The ministry objects"),
    ("P901", "topics/seeded.yaml", "provocations continue"),
    ("P902", "sources/mini-source.yaml", "A belligerent phrase"),
    ("P1001", "questions/radars.yaml", "type: single"),
    ("P001", "timeline.yaml", "P999"),
    ("P002", "places.yaml", "P901"),
]


@pytest.mark.parametrize(("code", "rel", "needle"), SEEDED, ids=[s[0] for s in SEEDED])
def test_each_seeded_problem_is_found_at_its_place(
    seeded: tuple[Path, Report], code: str, rel: str, needle: str
) -> None:
    content, report = seeded
    where = f"content/{rel}:{line_of(content, rel, needle)}"
    assert where in found(report, code), f"{code}: expected at {where}, found at {found(report, code)}"


def test_every_check_is_seeded() -> None:
    checks = {CODES[code].check for code, _, _ in SEEDED}
    assert checks == {c.check for c in CODES.values()} - {"readability"} | {"readability"}


def test_findings_print_with_code_level_place_and_fix(seeded: tuple[Path, Report]) -> None:
    _, report = seeded
    finding = next(f for f in report.findings if f.code == "P110")
    assert finding.level == "error" and finding.item == "question:seeded-status"
    assert finding.page == "topics/seeded/quiz.html#seeded-status"
    assert "keys “Accurate”" not in finding.message and "the key is “Accurate”" in finding.message
    assert finding.fix.startswith("key “Wrong”")


def test_a_marked_difference_is_information(seeded: tuple[Path, Report]) -> None:
    """Article M's wrong 9,000 km is marked by its point's status: shown, but only as a note."""
    _, report = seeded
    levels = {f.level for f in report.findings if f.code == "P403" and "9000 km" in f.message}
    assert levels == {"info"}, [f.message for f in report.findings if f.code == "P403"]


def test_findings_come_in_the_order_of_their_places_those_on_ignores_and_silenced_ones_too(
    seeded: tuple[Path, Report],
) -> None:
    """The report lists its findings by file, line, column, code and text, the ones about `ignore:` entries that
    silence nothing (added last) and the silenced ones among the rest."""
    _, report = seeded
    places = [(f.path, f.line, f.col, f.code, f.message, f.silenced or "") for f in report.findings]
    assert places == sorted(places)
    assert {"P001", "P002"} <= {f.code for f in report.findings} and any(f.silenced for f in report.findings)


def test_ignore_silences_one_finding_and_is_counted(seeded: tuple[Path, Report]) -> None:
    _, report = seeded
    quiet = [f for f in report.findings if f.item == "term:quiet-term"]
    assert [(f.code, f.silenced) for f in quiet] == [("P502", "kept for the next lesson")]
    glossary = next(s for s in report.summary if s.name == "glossary")
    assert glossary.silenced == 1 and report.totals.silenced == 1


def test_the_json_report_validates_against_the_shipped_schema(seeded: tuple[Path, Report], cli: Invoke) -> None:
    content, _ = seeded
    result = cli("report", "--content", content, "--format", "json")
    assert result.exit_code == 0, result.output
    shipped = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(schema())), "run `primer schema`"
    jsonschema.Draft202012Validator(shipped).validate(json.loads(result.stdout))


def test_report_strict_fails_on_errors_and_prints_the_summary_first(seeded: tuple[Path, Report], cli: Invoke) -> None:
    content, report = seeded
    result = cli("report", "--content", content, "--strict")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"primer report: {report.totals.errors} errors")
    assert any(line.startswith("content/questions/seeded.yaml:") and " P110 error: " in line for line in lines)
    assert "error-level finding" in result.stderr


def test_check_strict_fails_on_the_reports_errors_only(seeded: tuple[Path, Report]) -> None:
    content, _ = seeded
    with pytest.raises(ContentError) as failed:
        check(content, strict=True)
    codes = {p.message.split(":")[0] for p in failed.value.problems}
    assert {"P110", "P111", "P112", "P113", "P114", "P301", "P901"} <= codes
    assert not codes & {"P105", "P201", "P302", "P603"}, "check is not flooded with warnings and notes"


def test_a_finding_on_a_question_before_the_questions_are_derived_names_its_page(tmp_path: Path) -> None:
    """The report's first part runs before the questions are derived (in a worker of its own, as a build
    does); a loaded word in a hand-written question's feedback is found there, and its page is named once the
    report is put together (this was a bug: check and build stopped)."""
    content = seeded_tree(tmp_path / "content")
    questions = content / "questions" / "seeded.yaml"
    text = questions.read_text(encoding="utf-8")
    said = "{text: Accurate, correct: true, feedback: Keyed here.}"
    assert said in text
    questions.write_text(text.replace(said, said.replace("Keyed here.", "A barbaric key."), 1), "utf-8")
    result = check(content)
    loaded = [f for f in result.report.findings if f.code == "P901" and f.item == "question:seeded-status"]
    assert [f.page for f in loaded] == ["topics/seeded/quiz.html#seeded-status"], loaded
    assert "barbaric" in loaded[0].message


def test_the_shipped_content_passes_report_strict(cli: Invoke) -> None:
    result = cli("report", "--content", CONTENT, "--strict")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("primer report: 0 errors")


def test_the_mini_tree_has_no_error_findings(mini: Path) -> None:
    lib = load_library(mini)
    report = run_report(lib, derive(lib), mini)
    assert [f.message for f in report.findings if f.level == "error"] == []


def test_a_lesson_extends_and_trims_the_loaded_words(mini: Path) -> None:
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8").replace("Radars see missiles", "Plucky radars see missiles"), "utf-8"
    )
    (mini / "loaded-words.txt").write_text("# our own list\nplucky\n-provocat*\n", encoding="utf-8")
    lib = load_library(mini)
    assert not [w for w in lib.warnings if "loaded-words" in w.path], "the list is a file primer reads"
    report = run_report(lib, derive(lib), mini)
    assert [f.message.split("”")[0] for f in report.findings if f.code == "P901"] == ["“Plucky"]


def test_the_report_is_fast_on_the_shipped_pack() -> None:
    """Not a benchmark: a guard against a check that compares every sentence with every other."""
    lib = load_library(CONTENT)
    derived = derive(lib)
    start = time.perf_counter()
    run_report(lib, derived, CONTENT)
    assert time.perf_counter() - start < 2.0


def test_the_readme_documents_every_code() -> None:
    assert codes_table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_generated_key_that_contradicts_its_point_is_an_error_at_its_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check 1 covers generated questions too: claim questions keyed 'Accurate' whatever their point says."""
    from primer.quiz import generate

    original = generate._claim_question

    def always_accurate(lib: object, point_id: str) -> generate.Candidate:
        candidate = original(lib, point_id)  # type: ignore[arg-type]
        for choice in candidate.data["choices"]:
            choice["correct"] = choice["text"] == "Accurate"
        return candidate

    monkeypatch.setattr(generate, "_claim_question", always_accurate)
    lib = load_library(CONTENT)
    report = run_report(lib, derive(lib), CONTENT)
    wrong = [f for f in report.findings if f.code == "P110"]
    assert wrong, "generated claim questions on points that are not accurate, keyed 'Accurate', are found"
    assert all(f.path.startswith("content/topics/") and "generated question 'gen-" in f.message for f in wrong)
    assert all("exclude" in f.fix and "/quiz.html#gen-" in f.page for f in wrong)


def test_the_html_report_puts_the_summary_first_and_links_the_pages(seeded: tuple[Path, Report], cli: Invoke) -> None:
    content, _ = seeded
    result = cli("report", "--content", content, "--format", "html")
    assert result.exit_code == 0
    page = result.stdout
    headings = [h.split(">", 1)[1] for h in page.split("<h2 ")[1:]]
    assert headings[0].startswith("Summary")
    assert page.index("Findings by file") > page.index("Coverage") > page.index("Summary")
    assert "<caption>content/questions/seeded.yaml</caption>" in page
    assert 'href="../topics/seeded/quiz.html#seeded-status"' in page
    assert '<th scope="col">Errors</th>' in page and '<title id="chart-coverage-title">' in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize(
    ("text", "isos"),
    [
        ("On 19 December 2017 and 11–16 December 2017", ["2017-12-19", "2017-12-11"]),
        ("December 19, 2017, then March 2018, then 2020", ["2017-12-19", "2018-03", "2020"]),
        ("in 2014; on 31\n      May the ministers met", ["2014", "2014-05-31"]),
        ("FY2015, Hwasong-15 and 2,000 km are not dates", []),
    ],
)
def test_dates_keep_their_precision_and_borrow_a_missing_year(text: str, isos: list[str]) -> None:
    from primer.report.base import dates

    assert [d.iso for d in dates(text)] == isos


def test_figures_are_keyed_so_that_equal_values_meet() -> None:
    from primer.report.specifics import figures

    keys = [f.key for f in figures("$700 million, 80 billion yen, 3.5%, 28,500 troops, Resolution 2371, 2 sites")]
    assert keys == ["USD 7e+08", "JPY 8e+10", "3.5%", "28500"]


def test_a_number_in_a_name_the_lesson_gives_is_no_figure(mini: Path) -> None:
    """'Camp 14' (a glossary term), 'Bureau 121' (an actor), 'Room 39' (a place) and '38 North' (a source's outlet)
    hold numbers that are names: no basis is asked for them; a figure beside them, or the same number outside
    the name, still needs one."""
    glossary = mini / "glossary.yaml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8")
        + "  - id: camp-14\n    term: Camp 14\n    aliases: [Kaechon internment camp]\n    category: sensor\n"
        "    definition: A prison camp in the north of the country.\n",
        encoding="utf-8",
    )
    actors = mini / "actors.yaml"
    actors.write_text(
        actors.read_text(encoding="utf-8")
        + "  - id: bureau\n    name: Bureau 121 (a cyber unit)\n    kind: organisation\n    role: A unit.\n",
        encoding="utf-8",
    )
    places = mini / "places.yaml"
    places.write_text(
        places.read_text(encoding="utf-8")
        + "  - {id: room-39, name: Room 39, kind: radar-site, lat: 39.0, lon: 125.7, text: An office.}\n",
        encoding="utf-8",
    )
    source = mini / "sources" / "mini-source.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace(
            "outlet:\n  identified: false\n  note: The text names no outlet.",
            "outlet:\n  identified: true\n  name: 38 North\n  note: The text names its outlet.",
        ),
        encoding="utf-8",
    )
    topic = mini / "topics" / "radars.yaml"
    body = (
        "38 North saw it. Camp 14 held many people. The camp 14 gate faced the Bureau 121 office in Room 39. "
        "The Bureau 121 office held 450 people. There were 14 camps. Bootcamp 14 is no name here. "
    )
    text = topic.read_text(encoding="utf-8").replace("Radars see missiles from far away.", body)
    topic.write_text(text, encoding="utf-8")
    lib = load_library(mini)
    report = run_report(lib, derive(lib), mini)
    flagged = [f.message.split("”")[0].lstrip("“") for f in report.findings if f.code == "P201" and f.line == 4]
    assert flagged == ["450", "14", "14"], flagged


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_events_date_and_an_entrys_basis_give_a_figure_its_basis(mini: Path) -> None:
    """A date is based when a timeline event falls on it, whatever its basis says ("June 2020": the radar was
    removed on 15 June 2020); a glossary term, an actor or a place names the records its figures rest on in its
    own `basis`, which also bases the figure elsewhere. Without one, the finding says where to name it."""
    _replace_in(
        mini / "topics" / "radars.yaml",
        "Radars see missiles from far away.",
        "The radar left in June 2020. THAAD has 48 interceptors. The ministry was set up in 1954.",
    )
    glossary, actors, places = mini / "glossary.yaml", mini / "actors.yaml", mini / "places.yaml"
    _replace_in(glossary, "A US system that hits missiles as they come down.", "It has 48 interceptors, six launchers.")
    _replace_in(actors, "role: A government ministry.", "role: A government ministry, set up in 1954.")
    _replace_in(places, "text: Where the radar stood.", "text: Where the radar stood, about 75 km from the coast.")

    def flagged() -> list[tuple[str, str, str]]:
        lib = load_library(mini)
        report = run_report(lib, derive(lib), mini)
        return sorted(
            (Path(f.path).name, f.message.split("”")[0].lstrip("“"), f.fix) for f in report.findings if f.code == "P201"
        )

    before = flagged()
    assert [(name, figure) for name, figure, _ in before] == [
        ("actors.yaml", "1954"),
        ("glossary.yaml", "48"),
        ("places.yaml", "75"),
        ("radars.yaml", "1954"),
        ("radars.yaml", "48"),
    ], before
    fixes = {name: fix for name, _, fix in before}
    assert "in the term's basis" in fixes["glossary.yaml"] and "in the actor's basis" in fixes["actors.yaml"]
    assert "in the place's basis" in fixes["places.yaml"] and "cite what it rests on" in fixes["radars.yaml"]
    _replace_in(glossary, "see_also: [radar]", "see_also: [radar]\n    basis: The maker's fact sheet, 48 in all.")
    _replace_in(actors, "set up in 1954.", "set up in 1954.\n    basis: Law of 1954.")
    _replace_in(places, "events: [radar-arrives]", "events: [radar-arrives]\n    basis: Measured on a map as 75 km.")
    assert flagged() == []


def test_quoted_and_attributed_loaded_words_are_not_our_voice(mini: Path) -> None:
    topic = mini / "topics" / "radars.yaml"
    text = topic.read_text(encoding="utf-8").replace(
        "Radars see missiles from far away.",
        "Article M calls it a provocation. Critics used the word “provocative”. Radars are provocative.",
    )
    topic.write_text(text, encoding="utf-8")
    lib = load_library(mini)
    report = run_report(lib, derive(lib), mini)
    assert [f.message.split("”")[0] for f in report.findings if f.code == "P901"] == ["“provocative"]
    assert [f.col for f in report.findings if f.code == "P901"] == [text.splitlines()[3].rindex("provocative") + 1]


def test_the_report_made_in_parts_is_the_report_made_at_once(seeded: tuple[Path, Report]) -> None:
    """A build makes the checks in three parts on three processes (`report_part`, `combine`), the first before
    the questions are derived: the same report, every finding and its silencing included."""
    content, whole = seeded
    lib = load_library(content)
    first = report_part(lib, None, 0, content)  # made before the questions are derived
    derived = derive(lib)
    parts = [report_part(lib, derived, part, content) for part in (2, 1)]  # in any order
    assert combine(lib, derived, [*parts, first]).model_dump_json() == whole.model_dump_json()
    # a finding two parts both make, in any order, is in the report once, where it is
    rng = random.Random(7)
    doubled = []
    for part in [*parts, first]:
        findings = [*part.findings, *(copy.copy(f) for f in part.findings)]  # equal, not the same objects
        rng.shuffle(findings)
        doubled.append(primer.report.Part(findings, part.problems, part.results))
    assert sum(len(part.findings) for part in doubled) == 2 * sum(len(part.findings) for part in [*parts, first]) > 0
    assert combine(lib, derived, doubled).model_dump_json() == whole.model_dump_json()
    with pytest.raises(ValueError, match="reads the derived questions"):
        report_part(lib, None, 1, content)
    # a check that reads the derived questions, moved into the first part, is a bug said as such
    moved = (("provenance", *primer.report.PARTS[0]), *primer.report.PARTS[1:])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(primer.report, "PARTS", moved)
        with pytest.raises(RuntimeError, match="first part read the derived questions"):
            report_part(lib, None, 0, content)
    assert {f.code for f in whole.findings} >= {"P001", "P002"}, "the seeded tree silences and misfires"


def test_place_names_are_found_in_a_text_as_in_finds_them() -> None:
    """The staleness check finds the places a sentence names by their first letters, then `in`: the same places
    as trying every name on every sentence."""
    from primer.report.staleness import _Names

    rng = random.Random(3)
    words = ["Sea", "Seongju", "Dongchang-ri", "Guam", "Ok", "Jeju Island", "Kyoto", "Iwakuni base", "X", "", "Ab"]
    for _ in range(3000):
        places = {rng.choice(words) + rng.choice(["", " base", "-do"]): f"p{i}" for i in range(rng.randint(0, 8))}
        text = " ".join(rng.choice([*words, "the", "radar", "sits"]) for _ in range(rng.randint(0, 12)))
        assert _Names(places).in_text(text) == {pid for name, pid in places.items() if name in text}, (places, text)


def test_lower_case_words_are_found_alike_one_by_one_and_by_listing_every_word(
    seeded: tuple[Path, Report], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The place-spelling check asks which of its candidate words a text also writes in lower case (then an
    ordinary word, not a name). A few are looked for one by one in the whole text, more by listing every
    lower-case word: both answer the same, at a word's edges (accents, capitals, digits, hyphens) as well."""
    from primer.report import consistency
    from primer.report.consistency import _lower_words

    def units(*texts: str) -> list[Any]:
        return [SimpleNamespace(text=text) for text in texts]

    rng = random.Random(5)
    pieces = ["summit", "Summit", "radar", "smith", "éradar", "radaré", "RADARs", "radar5", "x-radar", "radar_", "\n"]
    for _ in range(2000):
        texts = ["".join(rng.choice([*pieces, " ", " ", ",", "'"]) for _ in range(rng.randint(0, 8))) for _ in range(3)]
        wanted = {rng.choice(["summit", "radar", "smith", "radars", "éradar", "Radar"]) for _ in range(3)}
        every = {w for text in texts for w in consistency._LOWER_WORD.findall(text)}
        assert _lower_words(units(*texts), wanted) == {w for w in wanted if w in every}, (texts, wanted)
        monkeypatch.setattr(consistency, "_FEW", 0)
        assert _lower_words(units(*texts), wanted) == {w for w in wanted if w in every}, (texts, wanted)
        monkeypatch.undo()
    # the seeded lesson's report, with every word listed, is the one made with a few looked for
    content, whole = seeded
    monkeypatch.setattr(consistency, "_FEW", 0)
    lib = load_library(content)
    assert run_report(lib, derive(lib), content).model_dump_json() == whole.model_dump_json()


def _loaded_ignoring_case(found: Any, text: str, own: bool) -> tuple[tuple[int, str], ...]:
    """The loaded words of `text` as the check found them before it lower-cased texts: the pattern that ignores
    case, on the text as written (the reference for the test below)."""
    from primer.report.base import sentences
    from primer.report.loaded import _ATTRIBUTION, _quoted

    quoted = _quoted(text)
    hits = []
    for start, sentence in sentences(text):
        if own and _ATTRIBUTION.search(sentence):
            continue
        for m in found.finditer(sentence):
            at = start + m.start()
            if not any(s <= at < e for s, e in quoted):
                hits.append((at, m.group(0)))
    return tuple(hits)


@pytest.mark.parametrize("extra", [{}, {"régime": False, "σκιά": True}], ids=["primer's list", "with non-ASCII"])
def test_loaded_words_are_found_in_lower_case_as_in_any_case(extra: dict[str, bool]) -> None:
    """The loaded-words check searches a lower-cased text with a pattern that heeds case (2.5 times as fast),
    unless the text holds a letter that matches an ASCII one only when case is ignored (İ, ı, ſ, K) or the list is
    not all ASCII: the same words at the same places as the pattern that ignores case finds in the text as written."""
    from primer.report import loaded

    words = {**loaded.word_list(None, []), **extra}
    found = loaded.pattern(words)
    assert found is not None
    rng = random.Random(7)
    entries = sorted(words)
    filler = ["Radars", "said", "the", "“quoted", "word”", "it’s", "far-off", "K", "ſo", "Iİ", "ı", "—", "2016", "x-"]
    odd = {"s": "ſ", "k": "\u212a", "i": "ı"}
    cases = 0
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.45:
                word = rng.choice(entries)
                word = rng.choice(
                    [
                        word,
                        word.upper(),
                        word.title(),
                        word.swapcase(),
                        "".join(c.upper() if rng.random() < 0.5 else c for c in word),
                    ]
                )
                if rng.random() < 0.15:  # a letter that only matches ignoring case
                    i = rng.randrange(len(word))
                    word = word[:i] + odd.get(word[i].lower(), word[i]) + word[i + 1 :]
                if rng.random() < 0.3:
                    word += rng.choice(["ing", "s", "-like", "ed", "’s"])
                word = word.replace(" ", rng.choice([" ", "  ", "\n", " \n "]))
            else:
                word = rng.choice(filler)
            parts.append(word)
            if rng.random() < 0.25:
                parts[-1] += rng.choice([".", "!", "?", ","])
        text = " ".join(parts)
        own = rng.random() < 0.5
        expected = _loaded_ignoring_case(found, text, own)
        assert loaded._loaded_in(found, text, own) == expected, text
        cases += bool(expected)
    assert cases > 1000, "most texts have a loaded word"


def test_the_quiz_statistics_read_each_questions_type_as_it_is_written() -> None:
    """`stats` reads a question's type off the model (every kind declares its own literal), as its dump writes it:
    for every kind of question the shipped lesson and the derive make."""
    from primer.report.stats import _type

    lib = load_library(ROOT / "content")
    bank = derive(lib).bank
    kinds = {question.model_dump()["type"] for question in bank.values()}
    assert len(kinds) >= 6, kinds
    assert all(_type(question) == question.model_dump()["type"] for question in bank.values())


def test_the_figures_pattern_of_names_is_made_once_and_again_when_a_name_changes(tmp_path: Path) -> None:
    """The figures check finds the places and actors a figure is of by one pattern of their names, made by the
    process that checks again before it forks (`consistency.prepare`) and kept while the names stay: a place
    added later is found as soon as it is there."""
    from primer.report import consistency

    content = seeded_tree(tmp_path / "content")
    topic = content / "topics" / "seeded.yaml"
    said = "Zorbland keeps 5,000 troops. Later Zorbland keeps 6,000 troops."
    topic.write_text(topic.read_text().replace("Radars watch the sky", f"{said} Radars watch the sky", 1))

    def figures() -> list[str]:
        lib = load_library(content)
        consistency.prepare(lib)
        report = run_report(lib, derive(lib), content)
        return [f.message for f in report.findings if f.code == "P403" and "troops" in f.message]

    consistency._names_pattern.cache_clear()
    assert figures() == []
    assert figures() == []
    assert consistency._names_pattern.cache_info().misses == 1, "made once while the names stay"
    places = content / "places.yaml"
    places.write_text(
        places.read_text() + "  - {id: zorbland, name: Zorbland, kind: radar-site, country: ministry, "
        "lat: 41, lon: 141, text: A place of the test.}\n"
    )
    found = figures()
    assert consistency._names_pattern.cache_info().misses == 2
    assert len(found) == 1 and found[0].startswith("place:zorbland is given different figures in troops"), found


def test_a_coverage_row_names_each_question_of_the_quiz_that_tests_the_point_once_in_the_quizs_order(
    tmp_path: Path,
) -> None:
    """Each cited point's row names the questions of the topic's quiz that test it, in the quiz's order, each
    once however often its tests list the point."""
    content = seeded_tree(tmp_path / "content")
    questions = content / "questions" / "radars.yaml"
    twice = "tests: {points: [m-radar-north, m-radar-range, m-radar-north]}"
    questions.write_text(questions.read_text().replace("tests: {points: [m-radar-range]}", twice, 1))
    lib = load_library(content)
    derived = derive(lib)
    report = run_report(lib, derived, content)
    rows = {(c.topic, row.id): row.questions for c in report.coverage for row in c.points}
    assert rows[("radars", "m-radar-north")] == ["mini-single", "mini-tf", "mini-multiple", "mini-cloze"], rows
    for (topic, point), named in rows.items():
        quiz = derived.quizzes.get(topic, [])
        assert named == [q.id for q in quiz if point in q.tests.points], (topic, point)


def test_units_by_file_come_in_the_order_their_files_first_come() -> None:
    """`files` groups units by the file each is in, whatever order they come in (a check's own selection of
    units, or its findings' units): each file once, where its first unit comes, with its units in their order."""
    units = own_text(load_library(ROOT / "content"))
    rng = random.Random(7)
    for shuffled in (units, rng.sample(units, len(units)), sorted(units, key=lambda u: (u.part, u.text))):
        expected: dict[int, list[Unit]] = {}
        for unit in shuffled:
            expected.setdefault(id(unit.doc), []).append(unit)
        found = files(shuffled)
        assert [mine for _, mine in found] == list(expected.values())
        assert all(all(unit.doc is doc for unit in mine) for doc, mine in found)


def test_a_finding_the_last_report_held_is_read_as_it_was_and_any_other_as_its_own_fields() -> None:
    """A process that checks again reads each finding that is one of the last report's own objects as it read it
    then (`report._OUTS`), and any other finding by its fields: after random reports, each finding as the report
    reads it is the one made of it alone; a finding found at the place of another is not taken for it."""
    rng = random.Random(5)
    codes = sorted(CODES)

    def finding() -> primer.report.Finding:
        return primer.report.Finding(f"f{rng.randrange(3)}.yaml", rng.randrange(1, 9), 1, rng.choice(codes), "m")

    primer.memo.enable()
    try:
        findings = [finding() for _ in range(20)]
        last = primer.report._kept_findings(findings)
        for _ in range(30):
            findings = [f if rng.random() < 0.7 else finding() for f in rng.sample(findings, len(findings))]
            read = primer.report._kept_findings(findings)
            assert read == [primer.report._finding_out(f) for f in findings]
            was = {id(f): out for f, out in primer.report._OUTS.values()}
            assert all(was[id(f)] is out for f, out in zip(findings, read, strict=True))
            last = read
        other = finding()
        primer.report._OUTS[id(other)] = (findings[0], last[0])  # another finding at its place
        assert primer.report._kept_findings([other]) == [primer.report._finding_out(other)]
    finally:
        primer.memo.enable(False)
    primer.report._kept_findings(findings)
    assert not primer.report._OUTS, "let go of by a report made with the memos off"


def test_the_reports_rows_are_kept_by_what_they_hold() -> None:
    """A process that checks again keeps each row of the report (a topic's coverage, say) as a model by what the
    row holds: an equal row made afresh finds the model kept, a row that differs in a value, or only in a
    value's kind, gets its own; a row `marshal` cannot write is keyed by its `repr`. What the last report was made
    of, handed in again as the very objects, gives its models without being made into rows."""
    lib = load_library(ROOT / "content")
    rows = [row.model_dump() for row in run_report(lib, derive(lib)).coverage]
    made: list[object] = []

    def row(one: dict[str, object]) -> dict[str, object]:
        made.append(one)
        return one

    primer.memo.enable()
    try:
        kept = primer.report._kept(Coverage, copy.deepcopy(rows), row)
        assert kept == [Coverage.model_validate(row) for row in rows]
        assert all(map(operator.is_, primer.report._kept(Coverage, copy.deepcopy(rows), row), kept))
        # made afresh as a check makes them: other string objects, interned or not, shared or not
        afresh = [json.loads(json.dumps(row)) for row in rows]
        found = primer.report._kept(Coverage, afresh, row)
        assert all(map(operator.is_, found, kept)), "found whatever objects hold it"
        made.clear()
        assert all(map(operator.is_, primer.report._kept(Coverage, afresh, row), kept))
        assert not made, "the last report's own objects are not made into rows again"
        changed = copy.deepcopy(rows[0])
        changed["title"] += " (revised)"
        (other,) = primer.report._kept(Coverage, [changed], row)
        assert other is not kept[0] and other.title == changed["title"]
    finally:
        primer.memo.enable(False)
    assert primer.report._row_key({"a": 1}) != primer.report._row_key({"a": True}) != primer.report._row_key({"a": 1.0})
    assert primer.report._row_key({"a": object}) == repr({"a": object})


def test_a_check_again_in_the_same_process_reports_what_a_fresh_check_does(tmp_path: Path) -> None:
    """`primer build --watch` checks each save in one process, where the report's balance and coverage take what a
    topic's sections link and name from the memos, by the very texts: after an edit that links another point and
    names an actor often, the report is the one a fresh check makes, and the edit undone gives the first one back."""
    from primer.content.library import ParseCache

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    topic = content / "topics" / "how-missile-defense-works.yaml"
    text = topic.read_text(encoding="utf-8")
    added = "Australia, Australia and Australia heard [a minister](point:b-kim-kwan-jin-no-objection). "
    edited = text.replace("    body: |\n      ", "    body: |\n      " + added, 1)
    assert edited != text

    def fresh() -> Report:
        primer.memo.forget_all()
        return check(content).report

    def tables(report: Report) -> tuple[object, ...]:
        return report.balance, report.coverage, [f.message for f in report.findings]

    parsed = ParseCache()
    primer.memo.enable()
    try:
        first = check(content, parse_cache=parsed).report
        topic.write_text(edited, encoding="utf-8")
        again = check(content, parse_cache=parsed).report
        topic.write_text(text, encoding="utf-8")
        back = check(content, parse_cache=parsed).report
    finally:
        primer.memo.enable(False)
    assert tables(back) == tables(first)
    topic.write_text(edited, encoding="utf-8")
    made = fresh()
    assert tables(again) == tables(made) != tables(first)
    rows = [{a.actor for a in b.actors} for r in (first, made) for b in r.balance if b.topic == topic.stem]
    assert len(rows[1] - rows[0]) == 1, "the linked point's speaker carries it"
    assert any("name Australia 3 times" in f.message for f in made.findings)
    assert not any("name Australia" in f.message for f in first.findings)


def test_the_balance_counts_the_quiz_questions_that_test_an_actors_points() -> None:
    """An actor's row counts each question of the topic's quiz that tests any point the actor carries (those of
    its perspectives, and the cited points it is the speaker of), once however many of them it tests."""
    from primer.report.coverage import cited_points

    lib = load_library(ROOT / "content")
    derived = derive(lib)
    ctx = primer.report._context(lib, derived)
    counted = 0
    for balance in run_report(lib, derived).balance:
        topic = lib.topics[balance.topic]
        carried: dict[str, set[str]] = {}
        for perspective in topic.perspectives:
            carried.setdefault(perspective.actor, set()).update(p for p in perspective.points if p in lib.points)
        for point_id in cited_points(ctx, topic.id):
            if lib.points[point_id].speaker:
                carried.setdefault(lib.points[point_id].speaker, set()).add(point_id)
        quiz = derived.quizzes[topic.id]
        for row in balance.actors:
            tests = [q for q in quiz if set(q.tests.points) & carried[row.actor]]
            assert row.questions == len(tests), (topic.id, row.actor)
            counted += len(tests) > 1
    assert counted, "some actor's points are tested by several questions"


def test_the_date_staleness_is_judged_against_is_each_lessons_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SOURCE_DATE_EPOCH, the latest date of the lesson's events and sources, worked out once for the
    lesson: another lesson (an edited copy, say) has its own."""
    import dataclasses
    import datetime as dt

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    lib = load_library(ROOT / "content")
    latest = max([e.date.last for e in lib.events.values()] + [s.published.date.last for s in lib.sources.values()])
    assert primer.report.today(lib) == primer.report.today(lib) == latest
    event = next(iter(lib.events.values()))
    later = event.model_copy(update={"date": type(event.date).parse("2099-01-02")})
    edited = dataclasses.replace(lib, events={**lib.events, event.id: later})
    assert primer.report.today(edited) == dt.date(2099, 1, 2)
    assert primer.report.today(lib) == latest
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert primer.report.today(lib) == dt.date(1970, 1, 2)


def test_what_provenance_reads_of_a_cited_item_is_kept_by_the_item(tmp_path: Path) -> None:
    """In a process that checks again, the text a topic's statements read of a point, event or term it cites is
    kept by the item (`provenance._cited_text`): the same object gives the same text, kept, and a point edited in
    its file gives its new text; a citation of nothing in the lesson gives none."""
    from primer.report.provenance import _cited_text

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    source = content / "sources" / "us-trilateral-push-2014.yaml"
    text = source.read_text(encoding="utf-8")
    ref = "point:b-kim-kwan-jin-no-objection"
    primer.memo.enable()
    try:
        lib = load_library(content)
        first = _cited_text(lib, ref)
        assert first is not None and "would not oppose" in first
        assert _cited_text(lib, ref) is first
        term = next(iter(lib.terms))
        assert lib.terms[term].definition in (_cited_text(lib, f"term:{term}") or "")
        assert _cited_text(lib, "point:no-such-point") is None and _cited_text(lib, "source:x") is None
        source.write_text(text.replace("said he would not oppose", "said he would welcome", 1), encoding="utf-8")
        edited = _cited_text(load_library(content), ref)
    finally:
        primer.memo.enable(False)
    assert edited is not None and "would welcome" in edited and "would not oppose" not in edited


@pytest.mark.parametrize("count_notes", [False, True])
def test_the_report_page_lays_its_findings_out_as_jinjas_filters_did(count_notes: bool) -> None:
    """The report page's findings (`page_findings`) are grouped and ordered in Python, once, as the page's template
    did with Jinja's filters (`groupby` ignores case and sorts stably, `sort` by line is stable): each file's
    findings by line, the notes of a lesson of many topics counted by file and code, the silenced ones apart.
    Checked against those filters, on findings whose files differ only in case and share lines."""
    from jinja2 import Environment

    from primer.report.model import FindingOut
    from primer.report.render import page_findings

    rng = random.Random(7)
    paths = ["content/b.yaml", "content/A.yaml", "content/a.yaml", "content/topics/x.yaml"]
    findings = [
        FindingOut(
            code=rng.choice(["P101", "P502", "P301"]),
            level=rng.choice(["error", "warning", "info"]),
            check="check",
            path=rng.choice(paths),
            line=rng.randint(1, 4),
            col=n + 1,
            message=f"finding {n}",
            fix="fix it",
            item=None,
            page="",
            silenced=rng.choice([None, None, None, "kept"]),
        )
        for n in range(200)
    ]
    report = SimpleNamespace(findings=findings)
    laid_out = page_findings(report, count_notes)  # type: ignore[arg-type]
    filters = Environment().from_string(
        '{% set live = findings|rejectattr("silenced")|list %}'
        '{% set notes = live|selectattr("level", "equalto", "info")|list if count_notes else [] %}'
        '{% if notes %}{% set live = live|rejectattr("level", "equalto", "info")|list %}{% endif %}'
        "{% for path, items in live|groupby('path') %}{{ path }}:"
        "{% for f in items|sort(attribute='line') %}{{ f.col }},{% endfor %};{% endfor %}|"
        "{% for path, items in notes|groupby('path') %}{{ path }}={{ items|length }}:"
        "{% for code, same in items|groupby('code') %}{{ code }}={{ same|length }},{% endfor %};{% endfor %}|"
        '{% for f in findings|selectattr("silenced") %}{{ f.col }},{% endfor %}'
    )
    expected = filters.render(findings=findings, count_notes=count_notes)
    listed = "".join(f"{path}:{''.join(f'{f.col},' for f in items)};" for path, items in laid_out.by_file)
    notes = "".join(f"{path}={n}:{''.join(f'{code}={k},' for code, k in codes)};" for path, n, codes in laid_out.notes)
    silenced = "".join(f"{f.col}," for f in laid_out.silenced)
    assert f"{listed}|{notes}|{silenced}" == expected
    assert laid_out.live and bool(laid_out.notes) == count_notes
    assert {path for path, _ in laid_out.by_file} < set(paths), "two files differ only in case: one group"
