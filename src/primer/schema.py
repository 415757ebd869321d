"""JSON Schema for each kind of content file, generated from the models."""

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


def schema_files() -> dict[str, str]:
    """File name → JSON text for every kind, deterministic."""
    return {
        f"{kind}.schema.json": json.dumps(schema_for(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for kind in sorted(KINDS)
    }
