"""The published JSON Schemas match the models and accept the content they describe."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from primer.content.load import parse_file
from primer.content.models import KINDS
from primer.errors import Problem
from primer.schema import schema_files, schema_for
from tools import MINI, ROOT

CONTENT = ROOT / "content"


def test_committed_schemas_are_up_to_date() -> None:
    """`schema/` is what editors read through the modelines; regenerate with `primer schema`."""
    committed = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "schema").glob("*.json"))}
    assert committed == schema_files(), "run `primer schema` and commit schema/"


def _documents(content: Path) -> list[tuple[str, Path]]:
    found = []
    for kind, (_, pattern) in sorted(KINDS.items()):
        found += [(kind, p) for p in sorted(content.glob(pattern))]
    return found


@pytest.mark.parametrize("content", [MINI, CONTENT], ids=["mini", "shipped"])
def test_schema_validates_content(content: Path) -> None:
    documents = _documents(content)
    assert len(documents) >= 8
    for kind, path in documents:
        problems: list[Problem] = []
        doc = parse_file(path.read_bytes(), path.name, path, problems)
        assert doc is not None, problems
        validator = jsonschema.Draft202012Validator(schema_for(kind))
        errors = [
            f"{path.name}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc.data)
        ]
        assert errors == []


def test_schema_rejects_unknown_keys_and_bad_ids() -> None:
    validator = jsonschema.Draft202012Validator(schema_for("glossary"))
    bad = {"terms": [{"id": "Not A Slug", "term": "x", "category": "system", "definition": "d", "colour": "red"}]}
    messages = " | ".join(e.message for e in validator.iter_errors(bad))
    assert "does not match" in messages
    assert "Additional properties are not allowed ('colour' was unexpected)" in messages


def test_every_field_is_documented() -> None:
    """Each field of every content model carries a description (the authoring guide shows it)."""
    missing = []
    for kind in sorted(KINDS):
        schema = schema_for(kind)
        for name, definition in {"": schema, **schema.get("$defs", {})}.items():
            for field, spec in definition.get("properties", {}).items():
                if field in ("id", "type") or "description" in spec or "$ref" in spec:
                    continue
                missing.append(f"{kind}:{name or 'root'}.{field}")
    assert missing == [], "add a description to these fields in models.py"
