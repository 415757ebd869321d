"""Any lesson, not just the shipped one: the lesson's own vocabulary, places that lie in no one country,
page text and settings from site.yaml, source labels, and errors that name the real mistake."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from primer import build as build_mod
from primer.content.library import load_library
from primer.quiz.generate import generate
from tools import Invoke


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(cli: Invoke, content: Path, *extra: str) -> list[str]:
    result = cli("check", "--content", content, *extra)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stderr.splitlines()[:-1]


MINI_VOCAB = (
    "vocabulary:\n  term_categories: [{id: sensor}, {id: system}, {id: concept}, {id: organisation}]\n"
    "  place_kinds: [{id: radar-site, marker: triangle}]\n"
)

# --------------------------------------------------------------------------- vocabularies


def test_an_undeclared_category_names_the_vocabulary_to_declare_it_in(mini: Path, cli: Invoke) -> None:
    _replace(mini / "site.yaml", MINI_VOCAB, "")  # a lesson written before vocabularies existed
    assert _errors(cli, mini) == [
        "content/glossary.yaml:5:15: 'sensor' is not a glossary category this lesson declares — use one of "
        "concept, organisation, agreement, law, system, place, event, other, or declare 'sensor' under "
        "vocabulary: term_categories: in site.yaml",
        "content/places.yaml:4:11: 'radar-site' is not a kind of place this lesson declares — use one of capital, "
        "base, site, feature, venue, other, or declare 'radar-site' under vocabulary: place_kinds: in site.yaml",
    ]


def test_a_misspelt_category_gets_a_did_you_mean(mini: Path, cli: Invoke) -> None:
    _replace(mini / "glossary.yaml", "category: sensor", "category: sensr")
    assert _errors(cli, mini) == [
        "content/glossary.yaml:5:15: 'sensr' is not a glossary category this lesson declares — did you mean "
        "'sensor'?, or declare 'sensr' under vocabulary: term_categories: in site.yaml"
    ]


def test_generated_questions_use_the_declared_label(mini: Path) -> None:
    _replace(
        mini / "site.yaml",
        "[{id: sensor}, {id: system}, {id: concept}, {id: organisation}]",
        "[{id: sensor, label: maritime feature, plural: maritime features}, {id: system}, {id: concept}, "
        "{id: organisation}]",
    )
    terms = "".join(
        f"  - id: {tid}\n    term: {name}\n    category: sensor\n    definition: {text}\n"
        for tid, name, text in [
            ("shoal", "shoal", "A stretch of shallow water over a bank of sand or rock."),
            ("reef", "reef", "A ridge of rock or coral that lies at or near the surface of the sea."),
            ("atoll", "atoll", "A ring of coral around a lagoon, often with small islands on it."),
            ("cay", "cay", "A low island of sand on top of a coral reef."),
        ]
    )
    (mini / "glossary.yaml").write_text((mini / "glossary.yaml").read_text(encoding="utf-8") + terms)
    lib = load_library(mini)
    stems = [c.data["stem"] for c in generate(lib, {t: {} for t in lib.topics}) if c.generator == "glossary"]
    assert any(stem.startswith("Which maritime feature does this describe?") for stem in stems), stems
    assert not any(stem.startswith("Which sensor") for stem in stems)


def test_the_defaults_are_neutral(tmp_path: Path, cli: Invoke) -> None:
    result = cli("new", "lesson", tmp_path / "lesson")
    assert result.exit_code == 0, result.output
    site = (tmp_path / "lesson" / "content" / "site.yaml").read_text(encoding="utf-8")
    lesson = "\n".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "lesson" / "content").rglob("*.yaml")))
    for word in ("missile", "radar", "interceptor", "Aegis", "THAAD", "Korea"):
        assert word.lower() not in lesson.lower(), word
    assert "vocabulary:" in site


# --------------------------------------------------------------------------- places


DISPUTED = """  - id: river-island
    name: River island
    kind: radar-site
    claimed_by: [ministry]
    disputed: true
    dispute_note: Two countries claim the island.
    lat: 40.5
    lon: 140.5
    text: A small island in a border river.
"""


def test_a_disputed_place_needs_no_country(mini: Path, cli: Invoke) -> None:
    (mini / "places.yaml").write_text((mini / "places.yaml").read_text(encoding="utf-8") + DISPUTED)
    result = cli("check", "--strict", "--content", mini)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "    dispute_note: Two countries claim the island.\n",
            "",
            "content/places.yaml:10:5: places[1]: a disputed place needs a 'dispute_note' — say what is disputed "
            "and by whom, neutrally",
        ),
        (
            "    claimed_by: [ministry]\n",
            "    claimed_by: [ministry]\n    country: ministry\n",
            "content/places.yaml:10:5: places[1]: a disputed place does not lie in one country — replace 'country' "
            "with claimed_by: [...] (and held_by: for who controls it)",
        ),
        (
            "[ministry]",
            "[ministri]",
            "content/places.yaml:13:18: no actor has the id 'ministri' — did you mean 'ministry'?",
        ),
    ],
)
def test_a_disputed_place_says_what_is_missing(mini: Path, cli: Invoke, old: str, new: str, line: str) -> None:
    (mini / "places.yaml").write_text(
        (mini / "places.yaml").read_text(encoding="utf-8") + DISPUTED.replace(old, new), encoding="utf-8"
    )
    assert _errors(cli, mini) == [line]


# --------------------------------------------------------------------------- settings and labels


def test_the_objective_count_is_a_setting(mini: Path, cli: Invoke) -> None:
    _replace(mini / "site.yaml", "vocabulary:", "settings: {objectives_min: 4}\nvocabulary:")
    assert _errors(cli, mini) == [
        "content/topics/radars.yaml:6:3: the topic has 3 learning objectives; this lesson asks for 4 to 5 — add "
        "objectives, or change settings.objectives_min/objectives_max in site.yaml"
    ]
    _replace(mini / "site.yaml", "objectives_min: 4", "objectives_min: 1, objectives_max: 3")
    assert cli("check", "--content", mini).exit_code == 0


def test_a_reading_grade_off_its_scale_is_an_error(mini: Path, cli: Invoke) -> None:
    _replace(mini / "site.yaml", "vocabulary:", "settings: {reading_scale: age}\nvocabulary:")
    _replace(mini / "site.yaml", "reading_grade: 10", "reading_grade: 5")
    assert _errors(cli, mini) == [
        "content/site.yaml:2:1: reading_grade 5 is off the reading age scale (6–21) — give a level on that "
        "scale, or change settings.reading_scale"
    ]


def test_a_source_label_defaults_to_its_short_name_with_a_capital(mini: Path) -> None:
    _replace(mini / "sources" / "mini-source.yaml", "short: Article M", "short: the ministry's report")
    source = load_library(mini).sources["mini-source"]
    assert (source.short, source.label) == ("the ministry's report", "The ministry's report")


# --------------------------------------------------------------------------- files primer reads


def test_a_yml_file_is_read(mini: Path, cli: Invoke) -> None:
    (mini / "glossary.yaml").rename(mini / "glossary.yml")
    result = cli("check", "--strict", "--content", mini)
    assert result.exit_code == 0, result.output


def test_both_yaml_and_yml_is_one_error_that_says_which_to_keep(mini: Path, cli: Invoke) -> None:
    (mini / "glossary.yml").write_bytes((mini / "glossary.yaml").read_bytes())
    assert _errors(cli, mini) == [
        "content/glossary.yml:1:1: both glossary.yaml and glossary.yml exist, and primer reads only one glossary "
        "file — merge them into glossary.yaml and delete glossary.yml"
    ]


# --------------------------------------------------------------------------- links


def test_a_mistyped_link_scheme_is_an_error_with_a_did_you_mean(mini: Path, cli: Invoke) -> None:
    topic = mini / "topics" / "radars.yaml"
    _replace(
        topic, "      <script>", "      Later it [was removed](events:radar-removed), see <trem:radar>.\n      <script>"
    )
    assert _errors(cli, mini) == [
        "content/topics/radars.yaml:14:30: 'events:' is not a kind of link primer knows, so the link would go "
        "nowhere — did you mean 'event:'?",
        "content/topics/radars.yaml:14:58: 'trem:' is not a kind of link primer knows, so the link would go "
        "nowhere — did you mean 'term:'?",
    ]


def test_an_unknown_link_scheme_lists_the_kinds_of_link(mini: Path, cli: Invoke) -> None:
    _replace(mini / "topics" / "radars.yaml", "      <script>", "      See [this](foo:bar).\n      <script>")
    assert _errors(cli, mini) == [
        "content/topics/radars.yaml:14:18: 'foo:' is not a kind of link primer knows, so the link would go "
        "nowhere — link to content with point:, term:, event:, source:, topic:, actor:, place:, question:, or to "
        "the web with https://"
    ]


def test_a_link_in_a_plain_text_field_is_an_error(mini: Path, cli: Invoke) -> None:
    _replace(mini / "topics" / "radars.yaml", "Radars see far,", "Radars see [far](term:radar),")
    assert _errors(cli, mini) == [
        "content/topics/radars.yaml:9:31: a link ('term:radar') in a plain-text field shows as typed: only "
        "section bodies and question stems are Markdown — write plain text here, and cite in a section or in "
        "the item's references"
    ]


def test_a_bad_id_in_a_body_is_reported_at_the_link(mini: Path, cli: Invoke) -> None:
    _replace(mini / "topics" / "radars.yaml", "      <script>", "      More on [radars](term:radr).\n      <script>")
    assert _errors(cli, mini) == [
        "content/topics/radars.yaml:14:24: no term has the id 'radr' — did you mean 'term:radar'?"
    ]


# --------------------------------------------------------------------------- root causes


def test_a_broken_topic_is_the_only_error_reported(mini: Path, cli: Invoke) -> None:
    _replace(mini / "topics" / "radars.yaml", "lede:", "led:")
    assert _errors(cli, mini) == [
        "content/topics/radars.yaml:1:1: missing required key 'lede' in the file — add 'lede:' (one or two "
        "sentences that open the explainer)",
        "content/topics/radars.yaml:4:1: unknown key 'led' in the file — did you mean 'lede'?",
    ]


# --------------------------------------------------------------------------- YAML mistakes

YAML_CASES = {
    "unclosed quote": (
        "glossary.yaml",
        'terms:\n  - id: radar\n    term: "radar\n    category: sensor\n    definition: A sensor.\n'
        "  - id: thaad\n    term: THAAD\n    category: system\n    definition: A system.\n",
        'content/glossary.yaml:3:11: YAML syntax error: the quote (") that starts this value is never closed — '
        'end the value with " on this line, or remove the quote',
    ),
    "colon in a value": (
        "glossary.yaml",
        "terms:\n  - id: radar\n    term: radar\n    category: sensor\n    definition: Note: a sensor.\n",
        "content/glossary.yaml:5:21: YAML syntax error: a colon followed by a space inside a value starts a new "
        'key — quote the value: definition: "Note: a sensor."',
    ),
    "missing dash before a mapping": (
        "glossary.yaml",
        "terms:\n  - id: radar\n    term: radar\n    category: sensor\n    definition: A sensor.\n"
        "    id: thaad\n    term: THAAD\n    category: system\n    definition: A system.\n",
        "content/glossary.yaml:6:5: duplicate key 'id' (first at line 2) — did you mean a new list item? put '- ' "
        "before 'id:'; if not, remove one of the two",
    ),
    "missing dash before a text": (
        "topics/radars.yaml",
        None,
        "content/topics/radars.yaml:21:3: YAML syntax error: this line is neither 'key: value' nor a list item — "
        "did you mean a new list item? start it with '- ' like the line above",
    ),
    "a colon after a quoted text on two lines": (
        "glossary.yaml",
        'terms:\n  - id: radar\n    term: "radar,\n      a sensor"\n    category: sensor\n    definition: Note: x.\n',
        "content/glossary.yaml:6:21: YAML syntax error: a colon followed by a space inside a value starts a new "
        'key — quote the value: definition: "Note: x."',
    ),
    "a quoted start": (
        "glossary.yaml",
        "terms:\n  - id: radar\n    term: 'radar' or sensor\n    category: sensor\n    definition: A sensor.\n",
        "content/glossary.yaml:3:11: YAML syntax error: a value that starts with a quote must end with it — quote "
        "the whole value, e.g. term: \"'radar' or sensor\"",
    ),
}


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_common_yaml_mistakes_get_a_hint_at_their_line(case: str, mini: Path, cli: Invoke) -> None:
    rel, text, line = YAML_CASES[case]
    if text is None:  # a list of texts that lost a dash
        text = (
            (mini / rel)
            .read_text(encoding="utf-8")
            .replace(
                "prompts: [Should radars be allowed near towns?]",
                "prompts:\n  - Should radars be allowed near towns?\n  Who decides?",
            )
        )
    (mini / rel).write_text(text, encoding="utf-8")
    errors = _errors(cli, mini)
    assert line in errors, "\n".join(errors)


# --------------------------------------------------------------------------- validator wording


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "reading_grade: 10",
            "reading_grade: ten",
            "content/site.yaml:6:16: reading_grade: should be a whole number, not 'ten' — write a whole number here",
        ),
        (
            "reading_grade: 10",
            "reading_grade: 30",
            "content/site.yaml:6:16: reading_grade: should be 21 or less, not 30 — use a smaller value",
        ),
        (
            "authors:\n  - name: primer tests",
            "authors: []",
            "content/site.yaml:8:10: authors: needs at least 1 item; it has 0 — add the missing items",
        ),
        (
            "language: en",
            "language: English",
            "content/site.yaml:4:11: language: 'English' does not have the form "
            "this key needs — write a language tag such as 'en', 'fr' or 'pt-BR'",
        ),
    ],
)
def test_validator_messages_are_in_the_authors_words(mini: Path, cli: Invoke, old: str, new: str, line: str) -> None:
    _replace(mini / "site.yaml", old, new)
    errors = _errors(cli, mini)
    assert errors == [line]
    assert not any("Input should" in e or "after validation" in e for e in errors)


# --------------------------------------------------------------------------- primer new


def test_a_new_lesson_passes_check_and_builds(tmp_path: Path, cli: Invoke) -> None:
    lesson = tmp_path / "my-lesson"
    result = cli("new", "lesson", lesson)
    assert result.exit_code == 0, result.output
    assert cli("check", "--strict", "--content", lesson / "content").exit_code == 0
    # the starter is what an author copies: the report finds nothing in it to mend
    report = cli("report", "--content", lesson / "content")
    assert report.stdout.splitlines()[0] == "primer report: 0 errors, 0 warnings, 0 info, 0 silenced", report.stdout
    built = cli("build", "--strict", "--content", lesson / "content", "--out", tmp_path / "site")
    assert built.exit_code == 0, built.output
    assert (tmp_path / "site" / "places" / "index.html").exists()
    settings = json.loads((lesson / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    for schema, globs in settings["yaml.schemas"].items():
        assert (lesson / schema).is_file(), schema
        assert all(g.startswith("content/") for g in globs)
    first = (lesson / "content" / "sources" / "example-source.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schema/source.schema.json"


def test_new_refuses_to_overwrite(tmp_path: Path, cli: Invoke) -> None:
    lesson = tmp_path / "lesson"
    lesson.mkdir()
    (lesson / "notes.txt").write_text("mine")
    result = cli("new", "lesson", lesson)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{lesson.as_posix()}:1:1: a file or a folder that is not empty already exists — choose another name; "
        "primer never writes over files"
    )
    assert sorted(p.name for p in lesson.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("kind", ["source", "topic", "questions"])
def test_new_adds_one_file_and_never_overwrites_it(tmp_path: Path, cli: Invoke, kind: str) -> None:
    assert cli("new", "lesson", tmp_path / "lesson").exit_code == 0
    content = tmp_path / "lesson" / "content"
    result = cli("new", kind, "second-one", "--content", content)
    assert result.exit_code == 0, result.output
    folder = {"source": "sources", "topic": "topics", "questions": "questions"}[kind]
    written = content / folder / "second-one.yaml"
    assert result.stdout.strip() == f"wrote {written}"
    before = written.read_bytes()
    again = cli("new", kind, "second-one", "--content", content)
    assert again.exit_code == 1
    assert "already exists — choose another name; primer never writes over files" in again.stderr
    assert written.read_bytes() == before
    checked = cli("check", "--content", content)
    assert checked.exit_code == 0, checked.output  # valid at once: new questions name an objective and a point


def test_new_with_an_unknown_kind_is_a_usage_error(cli: Invoke) -> None:
    result = cli("new", "sorce", "x")
    assert result.exit_code == 2
    assert (
        "cannot make 'sorce' — did you mean 'source'? choose one of lesson, source, topic, questions" in result.stderr
    )


# --------------------------------------------------------------------------- progress


def test_progress_is_quiet_off_a_terminal_and_shown_with_verbose(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    plain = cli("build", "--content", mini, "--out", tmp_path / "a")
    assert plain.exit_code == 0 and plain.stderr == ""
    verbose = cli("build", "--verbose", "--content", mini, "--out", tmp_path / "b")
    # (the PDFs' layout may note how it goes, if slow: the next test)
    lines = [line for line in verbose.stderr.splitlines() if not line.startswith("laid out ")]
    stages = [line.rsplit(" (", 1)[0] for line in lines]
    assert (
        stages[0]
        == "checked 1 sources, 3 points, 2 terms, 1 actors, 2 events, 1 places, 1 topics, 9 questions; 0 warnings"
    )
    assert stages[1] == "rendering the site, exports and handouts (PDFs take longest) …"
    assert stages[2].startswith("rendered ") and stages[2].endswith(" pages)")
    assert stages[3] == f"wrote {tmp_path / 'b'}"
    quiet = cli("build", "--quiet", "--content", mini, "--out", tmp_path / "c")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_a_long_pdf_layout_notes_how_it_goes(
    mini: Path, tmp_path: Path, cli: Invoke, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large lesson's first build lays PDFs out for minutes after its last stage line: it says how far it
    is, at each tenth at most (here at once, as if each took long), and no PDF is counted twice."""
    monkeypatch.setattr(build_mod, "PDF_NOTE_EVERY", 0.0)
    verbose = cli("build", "--verbose", "--content", mini, "--out", tmp_path / "site")
    assert verbose.exit_code == 0, verbose.output
    lines = verbose.stderr.splitlines()
    render = next(i for i, line in enumerate(lines) if line.startswith("rendering the site"))
    notes = [line for line in lines if line.startswith("laid out ")]
    # one topic: three versions and the teacher edition, on two papers, laid out a paper at a time
    assert notes == ["laid out 4 of 8 PDF handouts …"]
    assert lines.index(notes[0]) == render + 1 and lines[render + 2].startswith("rendered ")
    again = cli("build", "--verbose", "--content", mini, "--out", tmp_path / "again")
    assert not [line for line in again.stderr.splitlines() if line.startswith("laid out ")], "all from the cache"
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path / "empty"))  # laid out again, and quiet says nothing
    quiet = cli("build", "--quiet", "--content", mini, "--out", tmp_path / "quiet")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_page_text_and_settings_come_from_site_yaml(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    _replace(
        mini / "site.yaml",
        "vocabulary:",
        "pages:\n  places_intro: Reefs and shoals of the lesson.\n  method: We read the ruling twice.\n"
        "settings: {reading_scale: age, lesson_minutes: 40}\nvocabulary:",
    )
    _replace(mini / "site.yaml", "reading_grade: 10", "reading_grade: 15")
    result = cli("build", "--content", mini, "--out", tmp_path / "site")
    assert result.exit_code == 0, result.output
    about = (tmp_path / "site" / "about" / "index.html").read_text(encoding="utf-8")
    assert "<p>We read the ruling twice.</p>" in about
    assert "about reading age 15" in about
    assert "UN Security Council" not in about
    places = (tmp_path / "site" / "places" / "index.html").read_text(encoding="utf-8")
    assert "<p>Reefs and shoals of the lesson.</p>" in places
    assert "Radar and interceptor sites" not in places
    # The lesson plan is on the teacher hub's page of each topic, and fits the lesson's length.
    teacher = (tmp_path / "site" / "teacher" / "topics" / "radars.html").read_text(encoding="utf-8")
    planned = re.search(r"Lesson plan \(about (\d+) minutes\)", teacher)
    assert planned is not None and int(planned.group(1)) <= 40


def test_markdown_marks_in_a_plain_text_field_are_an_error(mini: Path, cli: Invoke) -> None:
    """'**far**' in a takeaway and '`radio`' in a definition would show their asterisks and backticks (the quiz
    lint says so of a question's texts); a lone asterisk, a product or snake_case in plain text is fine."""
    topic = mini / "topics" / "radars.yaml"
    _replace(topic, "Radars see far, but", "Radars see **far**, but")
    _replace(topic, "lede: Radars see missiles from far away.", "lede: An F-35* sees 5 * 3 km, snake_case too.")
    _replace(mini / "glossary.yaml", "by bouncing radio waves", "by bouncing `radio` waves")
    assert _errors(cli, mini) == [
        "content/glossary.yaml:6:57: '`radio`' is Markdown, but this field is plain text: students would see the "
        "backticks — write it without them (only a section's body and a question's stem are Markdown)",
        "content/topics/radars.yaml:9:25: '**far**' is Markdown, but this field is plain text: students would see "
        "the asterisks — write it without them (only a section's body and a question's stem are Markdown)",
    ]


def test_an_html_entity_in_a_plain_text_field_is_an_error(mini: Path, cli: Invoke) -> None:
    """'&nbsp;' in a definition shows as typed (only Markdown decodes it); 'AT&T;' names no entity."""
    glossary = mini / "glossary.yaml"
    _replace(glossary, "by bouncing radio waves", "by bouncing radio&nbsp;waves")
    _replace(glossary, "A US system that", "An AT&T; system that")
    assert _errors(cli, mini) == [
        "content/glossary.yaml:6:62: '&nbsp;' is an HTML entity, but this field is plain text: students would see it "
        "as typed — type the character itself (a space, ’, é …)"
    ]
