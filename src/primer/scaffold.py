"""`primer new`: a complete starter lesson, or one new content file, never over an existing file."""

from __future__ import annotations

import json
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from primer.content.models import KINDS, SLUG
from primer.errors import ContentError, Problem, no_content_folder
from primer.schema import schema_files

#: What `primer new` makes, besides a lesson: kind → (its template, the folder under content/).
ITEMS = {
    "source": ("source.yaml", "sources"),
    "topic": ("topic.yaml", "topics"),
    "questions": ("questions.yaml", "questions"),
}


def _starter() -> Traversable:
    return resources.files("primer") / "starter"


def _walk(folder: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    """Every file below a packaged folder: (relative path, bytes), sorted."""
    found: list[tuple[str, bytes]] = []
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        rel = f"{prefix}{item.name}"
        if item.is_dir():
            found += _walk(item, rel + "/")
        elif item.is_file():
            found.append((rel, item.read_bytes()))
    return found


def editor_settings() -> str:
    """`.vscode/settings.json` for the YAML extension: each content file glob → its schema, relative
    to the lesson folder, so that it works wherever the folder lives."""
    schemas = {f"./schema/{kind}.schema.json": [f"content/{pattern}"] for kind, (_, pattern) in sorted(KINDS.items())}
    for kind, (_, pattern) in KINDS.items():
        if pattern.endswith(".yaml"):
            schemas[f"./schema/{kind}.schema.json"].append(f"content/{pattern[:-5]}.yml")
    settings = {
        "yaml.schemas": schemas,
        "yaml.validate": True,
        "yaml.completion": True,
        "files.associations": {"*.yml": "yaml"},
        "editor.insertSpaces": True,
        "[yaml]": {"editor.tabSize": 2, "editor.insertSpaces": True},
    }
    return json.dumps(settings, indent=2, sort_keys=True) + "\n"


def _refuse(path: Path, what: str) -> ContentError:
    fix = "choose another name; primer never writes over files"
    return ContentError([Problem(path.as_posix(), 1, 1, f"{what} already exists", fix)])


def new_lesson(target: Path) -> list[Path]:
    """Write a complete, valid starter lesson into `target` (content/, schema/, .vscode/, .gitignore);
    refuse when `target` exists and is not an empty folder. Returns the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise _refuse(target, "a file or a folder that is not empty")
    files: list[tuple[str, bytes]] = list(_walk(_starter() / "lesson"))
    files += [(f"schema/{name}", text.encode("utf-8")) for name, text in schema_files().items()]
    files.append((".vscode/settings.json", editor_settings().encode("utf-8")))
    files.append((".gitignore", b"# primer build writes the site here\nsite/\n"))
    written = []
    for rel, data in sorted(files):
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def new_item(kind: str, name: str, content: Path) -> Path:
    """Write one new content file of `kind` ('source', 'topic', 'questions') called `name` into `content`;
    refuse to overwrite. Returns the file written."""
    if not re.match(SLUG, name):
        raise ContentError(
            [
                Problem(
                    name,
                    1,
                    1,
                    f"'{name}' cannot be an id",
                    "use lower-case letters and digits, words joined by '-', e.g. 'first-summit'",
                )
            ]
        )
    if not content.is_dir():
        raise no_content_folder(content)
    template, folder = ITEMS[kind]
    path = content / folder / f"{name}.yaml"
    if path.exists() or path.with_suffix(".yml").exists():
        raise _refuse(path, f"the {kind} file")
    text = (_starter() / "one" / template).read_text(encoding="utf-8").replace("__ID__", name)
    if kind == "questions":  # name ids that exist, so that the new file passes `primer check` at once
        objective, point = _first_ids(content)
        text = text.replace("an-objective-id", objective or "an-objective-id").replace(
            "a-point-id", point or "a-point-id"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _first_ids(content: Path) -> tuple[str | None, str | None]:
    """The first objective of the first topic and the first point of the first source, read loosely
    (a file that does not parse is skipped: `primer check` reports it)."""
    found: list[str | None] = []
    for folder, key, inner in (("topics", "objectives", "id"), ("sources", "points", "id")):
        value = None
        for path in sorted((content / folder).glob("*.y*ml")):
            try:
                # libyaml's loader, as primer reads content with it (pure PyYAML is stricter in places)
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                value = str(data[key][0][inner])
                break
            except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, IndexError, TypeError):
                continue
        found.append(value)
    return found[0], found[1]


#: What `primer new` can make.
KINDS_NEW = ("lesson", *ITEMS)


def new(kind: str, name: str, content: Path) -> list[Path]:
    """`primer new KIND NAME`: a lesson in the folder NAME, or one file called NAME in `content`."""
    if kind == "lesson":
        return new_lesson(Path(name))
    return [new_item(kind, name, content)]
