"""Turn pydantic's validation errors into author-facing problems at the right line."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from primer.content.load import Document, Key
from primer.errors import Problem

_FIXES = {
    "string_type": "write text here",
    "int_type": "write a whole number here",
    "int_parsing": "write a whole number here",
    "int_from_float": "write a whole number here",
    "float_type": "write a number here",
    "float_parsing": "write a number here",
    "bool_type": "write true or false",
    "bool_parsing": "write true or false",
    "list_type": "write a list: one item per line, each starting with '- '",
    "model_type": "write a mapping of 'key: value' lines here",
    "model_attributes_type": "write a mapping of 'key: value' lines here",
    "dict_type": "write a mapping of 'key: value' lines here",
    "string_pattern_mismatch": "ids are lower-case letters and digits, words joined by '-', e.g. 'border-talks'",
    "too_short": "add the missing items",
    "too_long": "shorten it",
    "string_too_short": "write some text here",
    "string_too_long": "shorten it",
    "greater_than_equal": "use a larger value",
    "less_than_equal": "use a smaller value",
    "greater_than": "use a larger value",
    "finite_number": "write an ordinary number (YAML reads .nan, .inf and numbers such as 1e400 as not finite)",
}
#: pydantic's messages ("Input should be …", "List should have at least 3 items after validation")
#: in the author's words; {input} is the value as written, the other names come from pydantic's context.
_MESSAGES = {
    "string_type": "should be text",
    "int_type": "should be a whole number, not {input}",
    "int_parsing": "should be a whole number, not {input}",
    "int_from_float": "should be a whole number, not {input}",
    "float_type": "should be a number, not {input}",
    "float_parsing": "should be a number, not {input}",
    "bool_type": "should be true or false, not {input}",
    "bool_parsing": "should be true or false, not {input}",
    "list_type": "should be a list",
    "model_type": "should be a mapping of 'key: value' lines",
    "model_attributes_type": "should be a mapping of 'key: value' lines",
    "dict_type": "should be a mapping of 'key: value' lines",
    "too_short": "needs at least {min_length} {items}; it has {actual_length}",
    "too_long": "may have at most {max_length} {items}; it has {actual_length}",
    "string_too_short": "is empty",
    "string_too_long": "is {length} characters long; at most {max_length} fit here",
    "greater_than_equal": "should be {ge} or more, not {input}",
    "less_than_equal": "should be {le} or less, not {input}",
    "greater_than": "should be more than {gt}, not {input}",
    "less_than": "should be less than {lt}, not {input}",
    "finite_number": "should be a finite number, not {input}",
    "literal_error": "{input} is not one of the choices here",
}


def _message(err: Any) -> str | None:
    """pydantic's error in the author's words, or None when it has none (a validator's own message)."""
    template = _MESSAGES.get(err["type"])
    if template is None:
        return None
    ctx = dict(err.get("ctx") or {})
    value = err.get("input")
    if isinstance(value, bool) or value is None:
        shown = "empty" if value is None else str(value).lower()
    else:
        shown = f"'{value}'" if isinstance(value, str) else str(value)
    items = "item" if ctx.get("min_length", ctx.get("max_length")) == 1 else "items"
    length = len(value) if isinstance(value, str) else 0
    try:
        return template.format(input=shown, items=items, length=length, **ctx)
    except (KeyError, IndexError, ValueError):
        return None


#: Errors that mean "this is not text", where a YAML scalar read as a number or a boolean is the cause.
_WANTS_TEXT = {"string_type", "literal_error", "string_pattern_mismatch"}


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional so the interesting type remains."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def model_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class reached by following a pydantic error location from `root`."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(part, int) and origin is list:
            current = typing.get_args(current)[0]
        elif origin in (Union, types.UnionType):
            match = [
                a
                for a in (_unwrap(x) for x in typing.get_args(current))
                if isinstance(a, type) and issubclass(a, BaseModel) and _tag(a) == part
            ]
            if not match:
                return None
            current = match[0]
        elif isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _tag(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("type")
    if field is None:
        return None
    args = typing.get_args(field.annotation)
    return str(args[0]) if args else None


def _data_loc(data: Any, loc: tuple[str | int, ...], keep_last: bool) -> Key:
    """Map a pydantic location onto the YAML data, dropping union tags pydantic inserts."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if _has(data, part):
            data = data[part]
            out.append(part)
        elif last and keep_last:
            out.append(part)
        # otherwise: a discriminator tag or a model-level error marker; skip it
    return tuple(out)


def _has(data: Any, part: str | int) -> bool:
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def _keys(model: type[BaseModel] | None) -> list[str]:
    return sorted(model.model_fields) if model else []


def problems_from(error: ValidationError, doc: Document, root: type[BaseModel], prefix: Key = ()) -> list[Problem]:
    """One problem per pydantic error, located in `doc` (whose data starts at `prefix`)."""
    found: list[Problem] = []
    for err in error.errors(include_url=False):
        kind = err["type"]
        loc = tuple(err["loc"])
        path = (*prefix, *_data_loc(_get(doc.data, prefix), loc, kind in ("missing", "extra_forbidden")))
        shown_path = _dotted(path)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _keys(model_at(root, loc[:-1]))
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            fix = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
            if " " in key.strip() and not close:
                # `{text: one, two}`: inside braces a comma ends the value, and the rest becomes a key
                fix = 'a comma inside { } ends a value: put the whole value in quotes, e.g. text: "one, two"'
            found.append(doc.problem(path, f"unknown key '{key}' in {_dotted(path[:-1]) or 'the file'}", fix, key=True))
        elif kind == "missing":
            key = str(loc[-1])
            model = model_at(root, loc[:-1])
            field = model.model_fields.get(key) if model else None
            desc = f" ({field.description})" if field and field.description else ""
            where = _dotted(path[:-1]) or "the file"
            found.append(doc.problem(path[:-1], f"missing required key '{key}' in {where}", f"add '{key}:'{desc}"))
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            ctx = err.get("ctx", {})
            expected = ctx.get("expected_tags", "")
            found.append(
                doc.problem(
                    (*path, "type") if kind == "union_tag_invalid" else path,
                    f"{shown_path}: unknown or missing question 'type'",
                    f"set type: to one of {expected}",
                )
            )
        elif kind in _WANTS_TEXT and path in doc.scalars:
            written, read_as = doc.scalars[path]
            found.append(
                doc.problem(
                    path,
                    f"{shown_path}: YAML read {written} as {read_as}, not as text",
                    f"put it in quotes: '{written}'",
                )
            )
        else:
            message = _message(err) or str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
            message, _, fix = message.partition(" — ")
            if kind == "string_pattern_mismatch":
                message = _pattern_message(err)
                fix = _FORM_FIXES.get(str(loc[-1]), fix) if loc else fix
            fix = fix or _FIXES.get(kind, "see this key's description in the JSON Schema")
            if kind == "literal_error":
                fix = f"use one of {err.get('ctx', {}).get('expected', '')}"
            found.append(doc.problem(path, f"{shown_path}: {message}" if shown_path else message, fix))
    return found


def _get(data: Any, prefix: Key) -> Any:
    for part in prefix:
        data = data[part]
    return data


def _dotted(path: Key) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pattern_message(err: Any) -> str:
    """A value that does not have the form its key needs (most often an id)."""
    value = err.get("input")
    pattern = str((err.get("ctx") or {}).get("pattern", ""))
    if pattern.startswith("^[a-z0-9]+"):
        return f"'{value}' is not an id"
    return f"'{value}' does not have the form this key needs"


#: How to write a value whose key has a form of its own (the pattern's fix says how to write ids).
_FORM_FIXES = {
    "language": "write a language tag such as 'en', 'fr' or 'pt-BR'",
    "base_url": "write the full address, starting with https:// and ending in '/'",
}
