"""docs/authoring.md covers every key of every content file and every block of every template,
so that the guide cannot drift from the models and the templates."""

from __future__ import annotations

import re
import typing

import pytest
from pydantic import BaseModel

from primer.content.models import KINDS
from primer.content.schema_errors import _unwrap
from tools import ROOT

GUIDE = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
TEMPLATES = ROOT / "src" / "primer" / "templates"


def _models(annotation: object) -> list[type[BaseModel]]:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _fields(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every key of a model and of the models inside it."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    found = set(model.model_fields)
    for field in model.model_fields.values():
        for inner in _models(field.annotation):
            found |= _fields(inner, seen)
    return found


def _section(pattern: str) -> str:
    heading = f"### `content/{pattern}`"
    assert heading in GUIDE, f"docs/authoring.md has no section {heading}"
    rest = GUIDE.split(heading, 1)[1]
    return re.split(r"\n##+ ", rest, maxsplit=1)[0]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_key_of_every_file_is_documented(kind: str) -> None:
    model, pattern = KINDS[kind]
    section = _section(pattern)
    missing = sorted(name for name in _fields(model) if f"`{name}`" not in section)
    assert missing == [], f"document these keys under content/{pattern} in docs/authoring.md"


def test_every_template_block_is_documented() -> None:
    table = GUIDE.split("## Templates and their blocks", 1)[1]
    rows = {
        name: cells[1]
        for line in table.splitlines()
        if line.startswith("| `")
        for cells in [line.strip("|").split("|")]
        for name in re.findall(r"`([a-z0-9_/]+\.html)`", cells[0])
    }
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        blocks = re.findall(r"{%-?\s*block\s+(\w+)", path.read_text(encoding="utf-8"))
        if not blocks:
            if f"`{name}`" not in table:
                missing.append(name)
            continue
        missing += [f"{name}: {b}" for b in blocks if f"`{b}`" not in rows.get(name, "")]
    assert missing == [], "list these templates and blocks in docs/authoring.md"


def test_the_readme_points_authors_to_the_guide() -> None:
    assert "docs/authoring.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_link_scheme_is_documented() -> None:
    from primer.render.markdown import SCHEMES

    assert [s for s in SCHEMES if f"({s}:ID)" not in GUIDE] == []


def test_the_snippet_per_question_type_is_valid() -> None:
    import yaml
    from pydantic import TypeAdapter

    from primer.content.models import QUESTION_TYPES, Question

    section = GUIDE.split("## One snippet per question type", 1)[1]
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    items = yaml.safe_load("questions:\n" + snippet)["questions"]
    adapter: TypeAdapter[object] = TypeAdapter(Question)
    kinds = {type(adapter.validate_python(item)) for item in items}
    assert kinds == set(QUESTION_TYPES)
