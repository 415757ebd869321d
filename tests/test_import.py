"""`primer import gift|moodle`: round trips keep every question both formats carry, field for field;
an existing bank becomes YAML that `primer check` accepts once its placeholders are filled in; bad input
(malformed files, XML bombs, external entities, unknown kinds) is one line and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from exportdata import TREES, exported, questions
from primer.content.models import Question, QuestionBase
from primer.exports.common import LossReport, to_html
from tools import Invoke

QUESTION: TypeAdapter[Any] = TypeAdapter(Question)
#: What a loss report entry excuses in the round trip: the fields the target could not carry.
EXCUSED = {
    "unit dropped": {"unit"},
    "answer pattern dropped": {"pattern"},
    "model answer and rubric dropped": {"model_answer", "rubric"},
    "marks changed": {"points"},
}


def _rename_blanks(question: dict[str, Any]) -> dict[str, Any]:
    """Moodle keeps no names for a cloze's blanks: compare them by position."""
    if question["type"] != "cloze":
        return question
    stem = question["stem"]
    blanks = []
    for n, blank in enumerate(question["blanks"], start=1):
        stem = stem.replace(f"[[{blank['id']}]]", f"[[blank-{n}]]")
        blanks.append({**blank, "id": f"blank-{n}"})
    return {**question, "stem": stem, "blanks": blanks}


def _round_trip(tree: str, fmt: str, tmp_path: Path, cli: Invoke) -> None:
    data, report = exported(tree, fmt)
    suffix = {"gift": ".txt", "moodle": ".xml"}[fmt]
    bank_file = tmp_path / f"bank{suffix}"
    bank_file.write_bytes(data)
    result = cli("import", fmt, bank_file, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    imported = yaml.safe_load((tmp_path / "out" / "bank.yaml").read_text(encoding="utf-8"))["questions"]
    originals = questions(tree)
    carried = {qid for qid in originals if qid not in report.skipped}
    assert [q["id"] for q in imported] == [q for q in _export_order(data, fmt) if q in carried]
    assert {q["id"] for q in imported} == carried, "every question both formats carry comes back"
    for item in imported:
        _same(originals[item["id"]], QUESTION.validate_python(item), report)


def _export_order(data: bytes, fmt: str) -> list[str]:
    import re

    text = data.decode("utf-8")
    pattern = r"^::([a-z0-9-]+)::" if fmt == "gift" else r"<idnumber>([a-z0-9-]+)</idnumber>"
    return re.findall(pattern, text, flags=re.M)


def _same(original: QuestionBase, back: QuestionBase, report: LossReport) -> None:
    """Field for field, except what the loss report says the target dropped."""
    excused: set[str] = set()
    for loss in report.losses.get(original.id, []):
        excused |= EXCUSED.get(loss.what, set())
    one = _rename_blanks(original.model_dump(mode="json"))
    two = _rename_blanks(back.model_dump(mode="json"))
    for key in sorted((set(one) | set(two)) - excused):
        if key == "stem":  # Markdown is compared as what it shows: the same HTML, citation links as text
            assert to_html(two[key]).text == to_html(one[key]).text, original.id
        elif key == "tolerance_kind" and one[key] == "relative":
            continue  # a relative tolerance comes back as the same tolerance in absolute terms
        else:
            assert two.get(key) == one.get(key), f"{original.id}.{key}"


@pytest.mark.parametrize("tree", sorted(TREES))
def test_gift_round_trip_keeps_every_question_gift_carries(tree: str, tmp_path: Path, cli: Invoke) -> None:
    _round_trip(tree, "gift", tmp_path, cli)


@pytest.mark.parametrize("tree", sorted(TREES))
def test_moodle_round_trip_keeps_every_question(tree: str, tmp_path: Path, cli: Invoke) -> None:
    _round_trip(tree, "moodle", tmp_path, cli)


FOREIGN_GIFT = r"""// A bank written by hand for Moodle.
$CATEGORY: $course$/top/Space

::Capital::What is the capital of France? {=Paris#Yes. ~London#No, that is England. ~Berlin}

::Planets:: Which are planets? {
  ~%50%Mars#Yes
  ~%50%Venus#Yes
  ~%-100%The Moon#No, a moon.
  ####Mars and Venus orbit the Sun.
}

::Flat::The Earth is flat.{F#It is not.#Right, it is round.}

::Escapes::Type 1\:2 \{ratio\}. {=1\:2}

::Range::Pick a number from 1 to 3. {#1..3}

::Pairs::Match them. {=cat -> meow =dog -> woof = -> moo}

::Essay::Describe your day. {}

::Missing::The Sun is a {=star ~planet ~moon} in our galaxy.

This line is only a description.

::Calc::[html]<p>A <b>bold</b> <img src="x.png"> question.</p>{=yes#ok ~no#nope}
"""


def test_a_foreign_gift_bank_maps_what_it_can(tmp_path: Path, cli: Invoke) -> None:
    source = tmp_path / "space.gift"
    source.write_text(FOREIGN_GIFT, encoding="utf-8")
    result = cli("import", "gift", source, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((tmp_path / "out" / "space.yaml").read_text(encoding="utf-8"))["questions"]
    by_id = {q["id"]: q for q in data}
    assert [q["type"] for q in data] == [
        "single",
        "multiple",
        "true-false",
        "short",
        "numeric",
        "matching",
        "open",
        "cloze",
        "single",
    ]
    assert by_id["capital"]["choices"][2]["feedback"] == "Not right."
    assert [c["correct"] for c in by_id["planets"]["choices"]] == [True, True, False]
    assert by_id["planets"]["explanation"] == "Mars and Venus orbit the Sun."
    assert (by_id["flat"]["answer"], by_id["flat"]["feedback_false"]) == (False, "Right, it is round.")
    assert by_id["escapes"]["stem"] == "Type 1:2 {ratio}." and by_id["escapes"]["accept"] == ["1:2"]
    assert (by_id["range"]["answer"], by_id["range"]["tolerance"]) == (2.0, 1.0)
    assert by_id["pairs"]["distractors"] == ["moo"]
    assert by_id["missing"]["stem"] == "The Sun is a [[blank-1]] in our galaxy."
    assert by_id["missing"]["blanks"] == [{"id": "blank-1", "choices": ["star", "planet", "moon"], "answer": "star"}]
    assert by_id["calc"]["stem"] == "A **bold** question."
    report = (tmp_path / "out" / "space-import-report.txt").read_text(encoding="utf-8")
    assert "a description, not a question" in report
    assert "img dropped" in report
    assert "imported 9 questions from space.gift; 1 could not be mapped" in result.stderr


def test_imported_yaml_passes_check_once_placeholders_are_filled(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    source = tmp_path / "space.gift"
    source.write_text(FOREIGN_GIFT, encoding="utf-8")
    assert cli("import", "gift", source, "--out", mini / "questions").exit_code == 0
    written = mini / "questions" / "space.yaml"
    (mini / "questions" / "space-import-report.txt").unlink()
    first = cli("check", "--content", mini)
    assert first.exit_code == 1
    assert "the question tests nothing — list the points, terms or events it tests under tests:" in first.stderr
    assert "fill-in-an-objective" in first.stderr
    text = written.read_text(encoding="utf-8")
    text = text.replace("tests: {}", "tests: {points: [m-radar-north]}").replace(
        "fill-in-an-objective", "radars-locate"
    )
    written.write_text(text, encoding="utf-8")
    second = cli("check", "--content", mini)
    assert second.exit_code == 0, second.stderr


def test_a_foreign_moodle_bank_maps_what_it_can(tmp_path: Path, cli: Invoke) -> None:
    source = tmp_path / "moodle.xml"
    source.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Space</text></category></question>
  <question type="multichoice">
    <name><text>Sun</text></name>
    <questiontext format="html"><text><![CDATA[<p>Is the <em>Sun</em> a star?</p>]]></text></questiontext>
    <generalfeedback format="html"><text></text></generalfeedback>
    <single>true</single>
    <answer fraction="100"><text>Yes</text><feedback><text>Right.</text></feedback></answer>
    <answer fraction="0"><text>No</text><feedback><text>It is.</text></feedback></answer>
  </question>
  <question type="calculated">
    <name><text>Calc</text></name>
    <questiontext format="html"><text>{a} + {b}?</text></questiontext>
  </question>
  <question type="cloze">
    <name><text>Cloze</text></name>
    <questiontext format="html"><text>Two {1:MULTICHOICE:=plus~minus} two is {1:NUMERICAL:=4:0}.</text></questiontext>
    <generalfeedback format="html"><text>Arithmetic.</text></generalfeedback>
  </question>
</quiz>
""",
        encoding="utf-8",
    )
    result = cli("import", "moodle", source, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((tmp_path / "out" / "moodle.yaml").read_text(encoding="utf-8"))["questions"]
    assert [(q["id"], q["type"]) for q in data] == [("sun", "single"), ("cloze", "cloze")]
    assert data[0]["stem"] == "Is the *Sun* a star?"
    assert data[0]["explanation"] == "An explanation is still to be written."
    assert data[1]["stem"] == "Two [[blank-1]] two is [[blank-2]]."
    report = (tmp_path / "out" / "moodle-import-report.txt").read_text(encoding="utf-8")
    assert "question 3 ('Calc'): primer has no 'calculated' question" in report
    assert "a numeric blank becomes a typed one" in report


BAD_FILES = {
    "unclosed.gift": ("gift", "::A::Question? {=yes ~no\n", "unclosed.gift:1:16: the answers have no closing '}'"),
    "title.gift": ("gift", "\n\n::A Question? {=yes}\n", "title.gift:3:1: the title has no closing '::'"),
    "broken.xml": ("moodle", "<quiz>\n  <question type='truefalse'>\n</quiz>\n", "broken.xml:3:3: the file is not"),
    "bomb.xml": (
        "moodle",
        '<?xml version="1.0"?>\n<!DOCTYPE quiz [\n <!ENTITY a "aaaaaaaaaa">\n <!ENTITY b "&a;&a;&a;&a;&a;&a;">\n]>\n'
        "<quiz><question type='essay'><name><text>&b;</text></name></question></quiz>\n",
        "bomb.xml:2:1: the file declares a DOCTYPE or XML entities",
    ),
    "external.xml": (
        "moodle",
        '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<quiz>&x;</quiz>\n',
        "external.xml:2:1: the file declares a DOCTYPE or XML entities",
    ),
    "latin1.gift": ("gift", "::A::Caf\xe9? {T}\n".encode("latin-1"), "latin1.gift:1:9: the file is not UTF-8 text"),
    "notmoodle.xml": ("moodle", "<html></html>", "the root element is <html>, not <quiz>"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_one_line_and_write_nothing(name: str, tmp_path: Path, cli: Invoke) -> None:
    kind, content, expected = BAD_FILES[name]
    source = tmp_path / name
    if isinstance(content, bytes):
        source.write_bytes(content)
    else:
        source.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = cli("import", kind, source, "--out", out)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and expected in lines[0], result.stderr
    assert str(tmp_path) in lines[0] or lines[0].startswith(str(source))
    assert not out.exists()
    assert "Traceback" not in result.output


def test_bad_command_lines(tmp_path: Path, cli: Invoke) -> None:
    source = tmp_path / "a.gift"
    source.write_text("::A::Q? {T}\n", encoding="utf-8")
    wrong = cli("import", "gfit", source)
    assert wrong.exit_code == 2
    assert "unknown kind 'gfit' — did you mean 'gift'?" in wrong.stderr
    missing = cli("import", "gift", tmp_path / "nothing.gift", "--out", tmp_path / "out")
    assert missing.exit_code == 1 and "no such file" in missing.stderr
    assert not (tmp_path / "out").exists()
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    unwritable = cli("import", "gift", source, "--out", blocker / "out")
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.stderr
    assert len(unwritable.stderr.splitlines()) == 1 and "Traceback" not in unwritable.output
