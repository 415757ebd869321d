"""JSON Schema for each kind of content file, and for the question bank, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from primer.content.models import KINDS

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of one content file kind."""
    model, pattern = KINDS[kind]
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": SCHEMA_URI,
        "$id": f"{kind}.schema.json",
        "title": f"primer {kind} file (content/{pattern})",
        **schema,
    }


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_files() -> dict[str, str]:
    """File name → JSON text for every kind, and for the exported question bank; deterministic."""
    from primer.report.render import schema as report_schema
    from primer.targets.bank_models import bank_schema  # the bank's models build on the content models

    files = {f"{kind}.schema.json": _dump(schema_for(kind)) for kind in sorted(KINDS)}
    files["bank.schema.json"] = _dump(bank_schema())
    files["report.schema.json"] = _dump(report_schema())
    return dict(sorted(files.items()))
