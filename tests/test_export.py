"""`primer export --format json`: the whole bank, valid against the published schema, round-trips
to the same questions, deterministic, and nothing is written when the content has errors."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import Result
from pydantic import TypeAdapter

from primer.build import check
from primer.content.models import Question
from primer.targets.bank_models import bank_schema

Invoke = Callable[..., Result]
ROOT = Path(__file__).resolve().parent.parent
BANK = ROOT / "tests" / "data" / "bank"
SCHEMA = json.loads((ROOT / "schema" / "bank.schema.json").read_text(encoding="utf-8"))
QUESTION: TypeAdapter[Any] = TypeAdapter(Question)
PLACEMENT = ("topics", "generated", "generated_from")


def _export(cli: Invoke, content: Path, *more: str | Path) -> Result:
    return cli("export", "--format", "json", "--content", content, *more)


def test_export_validates_against_the_published_schema(cli: Invoke) -> None:
    result = _export(cli, BANK)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)
    ]
    assert errors == []


def test_the_committed_bank_schema_is_up_to_date() -> None:
    assert bank_schema() == SCHEMA, "run `primer schema` and commit schema/bank.schema.json"


def test_the_bank_schema_rejects_what_is_not_a_bank() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert not validator.is_valid({"format": "primer-bank", "version": 1})
    header = {"format": "primer-bank", "version": 1, "title": "t", "language": "en", "licence": "l", "topics": []}
    assert validator.is_valid({**header, "questions": []})
    assert not validator.is_valid({**header, "questions": [{"id": "q", "type": "essay"}]})


def test_every_field_of_the_bank_schema_is_documented() -> None:
    missing = []
    for name, definition in {"": SCHEMA, **SCHEMA.get("$defs", {})}.items():
        for field, spec in definition.get("properties", {}).items():
            if field in ("id", "type") or "description" in spec or "$ref" in spec:
                continue
            missing.append(f"{name or 'root'}.{field}")
    assert missing == []


def test_the_export_round_trips_to_the_same_questions(cli: Invoke) -> None:
    result = check(BANK)
    lib, derived = result.library, result.derived
    data = json.loads(_export(cli, BANK).stdout)
    exported = {q["id"]: q for q in data["questions"]}
    assert list(exported) == sorted(exported)
    assert set(exported) == set(lib.questions) | set(derived.generated), "hand-written and generated"
    for qid, item in exported.items():
        question = QUESTION.validate_python({k: v for k, v in item.items() if k not in PLACEMENT})
        original = lib.questions.get(qid) or derived.generated[qid]
        assert question == original
        assert item["generated"] == qid.startswith("gen-")
        assert item["generated_from"] == derived.generated_from.get(qid, [])
        assert item["topics"] == derived.question_topics.get(qid, [])
        assert item["topics"], f"{qid} is in some quiz"
    assert [t["id"] for t in data["topics"]] == ["radars", "framing"]
    assert data["topics"][0]["quiz"] == [q.id for q in derived.quizzes["radars"]]


def test_every_type_carries_its_answer_data(cli: Invoke) -> None:
    data = json.loads(_export(cli, BANK).stdout)
    by_type = {q["type"]: q for q in data["questions"]}
    assert sorted(by_type) == sorted(
        ["single", "multiple", "true-false", "short", "numeric", "ordering", "matching", "cloze", "open"]
    )
    answer_keys = {
        "single": "choices",
        "multiple": "choices",
        "true-false": "answer",
        "short": "accept",
        "numeric": "answer",
        "ordering": "items",
        "matching": "pairs",
        "cloze": "blanks",
        "open": "rubric",
    }
    for kind, key in answer_keys.items():
        question = by_type[kind]
        assert key in question
        for common in ("stem", "explanation", "tests", "objective", "difficulty", "points", "tags"):
            assert common in question
    assert by_type["short"]["pattern"] == "(south )?korea|rok"
    assert by_type["numeric"]["tolerance_kind"] == "absolute"


def test_the_export_is_deterministic_with_sorted_keys(cli: Invoke) -> None:
    one, two = _export(cli, BANK).stdout, _export(cli, BANK).stdout
    assert one == two
    assert one == json.dumps(json.loads(one), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_out_writes_the_file(tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "exports" / "bank.json"
    result = _export(cli, BANK, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote json export into {out}\n"
    assert out.read_text(encoding="utf-8") == _export(cli, BANK).stdout
    assert [p.name for p in out.parent.iterdir()] == ["bank.json"], "no temporary file left behind"


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A fresh copy of the quiz-engine content tree."""
    target = tmp_path / "content"
    shutil.copytree(BANK, target)
    return target


def test_content_errors_write_nothing(bank: Path, tmp_path: Path, cli: Invoke) -> None:
    (bank / "actors.yaml").write_text("actors: []\n", encoding="utf-8")
    out = tmp_path / "bank.json"
    result = _export(cli, bank, "--out", out)
    assert result.exit_code == 1
    assert result.stderr.startswith("content/actors.yaml:1:9: ")
    assert " — " in result.stderr.splitlines()[0]
    assert result.stderr.splitlines()[-1] == "Error: 1 error; nothing was written."
    assert not out.exists()
    assert result.stdout == ""


def test_strict_fails_on_warnings(bank: Path, tmp_path: Path, cli: Invoke) -> None:
    topic = bank / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("q-single, ", ""), encoding="utf-8")
    out = tmp_path / "bank.json"
    assert _export(cli, bank, "--out", out).exit_code == 0
    out.unlink()
    result = _export(cli, bank, "--strict", "--out", out)
    assert result.exit_code == 1
    assert "question 'q-single' is in no topic's quiz" in result.stderr
    assert not out.exists()


def test_bad_command_lines_exit_2(tmp_path: Path, cli: Invoke) -> None:
    assert cli("export", "--content", BANK).exit_code == 2, "--format is required"
    assert cli("export", "--format", "xml", "--content", BANK).exit_code == 2
    assert _export(cli, BANK, "--out", tmp_path).exit_code == 2, "--out names a file, not a folder"


def test_a_build_leaves_the_banks_models_unbuilt() -> None:
    """The bank's pydantic models are for `primer schema` (30 ms of start-up to build): a build's import of
    primer does not load them."""
    import subprocess
    import sys

    code = "import sys, primer.build, primer.exports; print('primer.targets.bank_models' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert found.strip() == "False"
