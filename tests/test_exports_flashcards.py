"""Kahoot's spreadsheet (read back with openpyxl) within Kahoot's limits, Quizlet's tab-separated cards,
and the CSV and JSON banks; over-long text and too many options are shortened and reported."""

from __future__ import annotations

import csv
import io
import json
from io import BytesIO

import jsonschema
import pytest

from exportdata import TREES, checked, custom_scope, exported, module, questions, scopes
from primer.content.models import Choice, MultipleChoice, SingleChoice
from primer.exports.kahoot import ANSWER_MAX, HEADER_ROW, QUESTION_MAX, TIME_LIMITS, kahoot, shorten_question
from primer.exports.tabular import COLUMNS, FORMULA_STARTS, bank_csv
from primer.targets.bank import bank_data
from primer.targets.bank_models import Bank, build_bank
from tools import ROOT

openpyxl = module("openpyxl")


def _rows(data: bytes) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    assert sheet.cell(HEADER_ROW, 2).value == "Question - max 120 characters"
    assert sheet.cell(HEADER_ROW, 8).value == "Correct answer(s) - choose at least one"
    return [row for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if any(row)]


def _check_rows(rows: list[tuple[object, ...]]) -> None:
    for number, (position, question, *rest) in enumerate(rows, start=1):
        answers, limit, right = rest[:4], rest[4], rest[5]
        assert position == number
        assert isinstance(question, str) and 0 < len(question) <= QUESTION_MAX
        given = [a for a in answers if a]
        assert 2 <= len(given) <= 4
        assert all(isinstance(a, str) and len(a) <= ANSWER_MAX for a in given)
        assert limit in TIME_LIMITS
        picks = [int(i) for i in str(right).split(",")]
        assert picks and all(1 <= i <= len(given) for i in picks)


@pytest.mark.parametrize("tree", sorted(TREES))
def test_kahoot_rows_stay_within_kahoots_limits(tree: str) -> None:
    for topic in scopes(tree):
        data, report = exported(tree, "kahoot", topic)
        rows = _rows(data)
        assert len(rows) == report.exported
        _check_rows(rows)
    _, report = exported(tree, "kahoot")
    kinds = {qid: getattr(q, "type", "") for qid, q in questions(tree).items()}
    assert {q for q, k in kinds.items() if k not in ("single", "multiple", "true-false")} <= set(report.skipped)
    assert all(any(loss.what == "feedback dropped" for loss in found) for found in report.losses.values())


def test_a_long_question_keeps_the_sentence_that_asks() -> None:
    stem = (
        "Article A says a great many things about radars, ships, launchers, batteries and costs in its long opening. "
        * 2
    )
    assert shorten_question(stem + "Which claim is wrong?") == "… Which claim is wrong?"
    assert shorten_question("Short enough?") == "Short enough?"


def _choice(text: str, correct: bool = False) -> Choice:
    return Choice(text=text, correct=correct, feedback="Because.")


def test_long_text_and_too_many_options_are_shortened_and_reported() -> None:
    base = questions("mini")["mini-multiple"]
    assert isinstance(base, MultipleChoice)
    long_stem = "Which of these statements about the radar that went north in 2006 " * 4 + "are right?"
    crowded = base.model_copy(
        update={
            "id": "crowded",
            "stem": long_stem,
            "choices": [
                _choice("Right one " + "with a great many words that go on " * 4, True),
                _choice("Right two", True),
                *[_choice(f"Wrong {n}") for n in range(4)],
            ],
        }
    )
    packed = base.model_copy(
        update={"id": "packed", "choices": [_choice(f"Right {n}", True) for n in range(5)] + [_choice("Wrong")]}
    )
    single = questions("mini")["mini-single"]
    assert isinstance(single, SingleChoice)
    data, report = kahoot(custom_scope(crowded, packed, single))
    rows = _rows(data)
    _check_rows(rows)
    assert len(rows) == 2 and report.exported == 2
    assert "packed" in report.skipped and "5 right answers" in report.skipped["packed"]
    what = [loss.what for loss in report.losses["crowded"]]
    assert what == ["answers dropped", "feedback dropped", "question shortened", "answers shortened"]
    question, first = rows[0][1], rows[0][2]
    assert isinstance(question, str) and question.endswith("…") and len(question) <= QUESTION_MAX, "one long sentence"
    assert isinstance(first, str) and first.endswith("…") and first.startswith("Right one with")
    assert rows[0][7] == "1,2", "both right answers kept, wrong ones dropped"
    assert "Kahoot shows at most 4 answers" in report.text()


def test_an_option_written_twice_is_one_of_the_four_answers_kahoot_keeps() -> None:
    """Two options alike in every field are equal: both were kept, with three other wrong ones kept for the
    first, and the sheet's fifth answer had no column (check warns about the repeat, and passed; the build
    stopped with "a bug in primer")."""
    single = questions("mini")["mini-single"]
    assert isinstance(single, SingleChoice)
    twice = _choice("Wrong, twice")
    repeated = single.model_copy(
        update={"id": "repeated", "choices": [_choice("Right", True), twice, _choice("Other"), _choice("Third"), twice]}
    )
    data, report = kahoot(custom_scope(repeated))
    rows = _rows(data)
    _check_rows(rows)
    assert rows[0][2:6] == ("Right", "Wrong, twice", "Other", "Third") and rows[0][7] == "1"
    assert next(loss.what for loss in report.losses["repeated"]) == "answers dropped"


@pytest.mark.parametrize("tree", sorted(TREES))
def test_quizlet_cards_are_term_tab_definition(tree: str) -> None:
    data, report = exported(tree, "quizlet")
    lines = data.decode("utf-8").splitlines()
    assert all(line.count("\t") == 1 and all(line.split("\t")) for line in lines)
    lib = checked(tree).library
    shorts = [q for q in questions(tree).values() if getattr(q, "type", "") == "short"]
    assert len(lines) == len(lib.terms) + len(shorts) == report.extras + report.exported
    term = next(iter(lib.terms.values()))
    assert f"{term.term}" in data.decode("utf-8")
    assert len(report.skipped) == len(questions(tree)) - len(shorts)


def test_csv_has_one_row_per_question_with_the_whole_question() -> None:
    data, report = exported("shipped", "csv")
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    bank = questions("shipped")
    assert tuple(rows[0]) == COLUMNS
    ids = [r["id"] for r in rows]  # in lesson order: topic by topic, each question once
    assert sorted(ids) == sorted(bank) and len(ids) == len(set(ids)) == report.exported
    for row in rows:
        assert json.loads(row["question_json"]) == bank[row["id"]].model_dump(mode="json")
        assert row["generated"] == ("yes" if row["id"].startswith("gen-") else "no")


def test_no_csv_cell_starts_a_formula() -> None:
    # A lesson is someone else's data: a spreadsheet reads a cell that starts with '=', '+', '-' or '@' as a
    # formula, which can fetch a web address or, in older Excel, run a program; an answer of -5 would show
    # as a formula's error. Such a cell starts with an apostrophe (text, to Excel and Google Sheets); the
    # question itself, in the last column, is exact.
    bank = questions("mini")
    numeric, open_one, single = bank["mini-numeric"], bank["mini-open"], bank["mini-single"]
    made = [
        single.model_copy(update={"id": "formula", "stem": '=HYPERLINK("http://127.0.0.1/","Click")'}),
        numeric.model_copy(
            update={"id": "below", "answer": -5.0, "unit": "km", "explanation": "-5 km: below sea level."}
        ),
        open_one.model_copy(update={"id": "handle", "stem": "@someone said so: do you agree?", "model_answer": "+1"}),
        single.model_copy(update={"id": "plain", "stem": "Which radar?", "explanation": "A dash - inside is text."}),
    ]
    data, report = bank_csv(custom_scope(*made))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8").removeprefix("\ufeff"))))
    assert [r["id"] for r in rows] == ["formula", "below", "handle", "plain"] and report.exported == 4
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    by_id = {r["id"]: r for r in rows}
    assert by_id["formula"]["question"] == '\'=HYPERLINK("http://127.0.0.1/","Click")'
    assert by_id["below"]["answer"] == "'-5 km" and by_id["below"]["explanation"] == "'-5 km: below sea level."
    assert by_id["handle"]["question"] == "'@someone said so: do you agree?" and by_id["handle"]["answer"] == "'+1"
    assert by_id["plain"]["question"] == "Which radar?"  # only a cell's first character counts
    assert by_id["plain"]["explanation"] == "A dash - inside is text."
    for question in made:
        assert json.loads(by_id[question.id]["question_json"]) == question.model_dump(mode="json")


@pytest.mark.parametrize("tree", sorted(TREES))
def test_the_bank_data_is_what_the_validated_bank_model_dumps(tree: str) -> None:
    # the JSON export is written from `bank_data` without validating the bank again: the models would
    # change nothing
    lesson = checked(tree)
    for topic in scopes(tree):
        data = bank_data(lesson.library, lesson.derived, topic)
        assert build_bank(lesson.library, lesson.derived, topic).model_dump(mode="json") == data
        assert json.dumps(Bank.model_validate(data).model_dump(mode="json"), sort_keys=True) == json.dumps(
            data, sort_keys=True
        )


@pytest.mark.parametrize("tree", sorted(TREES))
def test_json_exports_validate_against_the_bank_schema(tree: str) -> None:
    schema = json.loads((ROOT / "schema" / "bank.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for topic in scopes(tree):
        data = json.loads(exported(tree, "json", topic)[0])
        assert list(validator.iter_errors(data)) == []
        if topic is not None:
            assert [t["id"] for t in data["topics"]] == [topic]
            assert {q["id"] for q in data["questions"]} == {q.id for q in checked(tree).derived.quizzes[topic]}
