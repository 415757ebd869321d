"""Read YAML files into plain data that remembers the line and column of every node.

Safe by construction: the YAML is only *composed* into nodes (never constructed into
objects), every tag outside the plain YAML types is rejected, aliases are expanded under
a budget so that an alias bomb fails fast, and duplicate keys are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from primer.errors import Problem

try:  # the C composer is several times faster and its nodes still carry marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 5 * 1024 * 1024
#: Nodes one file may expand to; a "billion laughs" file reaches this in microseconds.
MAX_NODES = 200_000

Key = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_SCALARS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_SAFE = yaml.constructor.SafeConstructor()
#: PyYAML's own safe constructors for the plain scalar types (they only read node.value).
_CONSTRUCT = {
    "tag:yaml.org,2002:int": _SAFE.construct_yaml_int,
    "tag:yaml.org,2002:float": _SAFE.construct_yaml_float,
    "tag:yaml.org,2002:bool": _SAFE.construct_yaml_bool,
    "tag:yaml.org,2002:null": _SAFE.construct_yaml_null,
}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


@dataclass
class Document:
    """One YAML file as plain data, with the (line, column) of every value and key."""

    path: Path
    shown: str
    data: Any
    marks: dict[Key, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Key, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Key, *, key: bool = False) -> tuple[int, int]:
        """The (line, col) of the deepest known node on `loc`; with key=True, of its key."""
        if key and loc in self.key_marks:
            return self.key_marks[loc]
        for end in range(len(loc), -1, -1):
            mark = self.marks.get(loc[:end])
            if mark is not None:
                return mark
        return (1, 1)

    def problem(self, loc: Key, message: str, fix: str = "", *, key: bool = False, warning: bool = False) -> Problem:
        """A problem located at `loc` in this document."""
        line, col = self.where(loc, key=key)
        return Problem(self.shown, line, col, message, fix, "warning" if warning else "error")


class _Stop(Exception):
    """Raised inside conversion to abandon a file after a fatal problem."""


class _Converter:
    def __init__(self, doc: Document, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems
        self.count = 0
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str, fix: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.doc.shown, mark.line + 1, mark.column + 1, message, fix))

    def convert(self, node: yaml.Node, loc: Key) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(
                node,
                f"the file expands to more than {MAX_NODES:,} values through anchors and aliases",
                "write the values out instead of nesting aliases (this looks like an alias bomb)",
            )
            raise _Stop
        self.doc.marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            self.fail(node, "an alias refers to the collection that contains it", "remove the recursive alias")
            raise _Stop
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != _SEQ:
                    self.bad_tag(node)
                return [self.convert(item, (*loc, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)
            return self.mapping(node, loc)
        finally:
            self.active.discard(id(node))

    def bad_tag(self, node: yaml.Node) -> None:
        self.fail(
            node,
            f"the tag '{node.tag}' is not allowed",
            "content is plain YAML only: remove the tag (values are never turned into objects)",
        )

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALARS:
            self.bad_tag(node)
            return node.value
        if node.tag in (_STR, "tag:yaml.org,2002:timestamp"):
            return node.value  # dates stay text: the models parse them with their precision
        return _CONSTRUCT[node.tag](node)

    def mapping(self, node: yaml.MappingNode, loc: Key) -> dict[str, Any]:
        if node.tag != _MAP:
            self.bad_tag(node)
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(key_node, "merge keys ('<<') are not supported", "write the keys out in full")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, "a key must be plain text", "use a word as the key")
                continue
            key = key_node.value
            if key in seen:
                first = seen[key].start_mark
                self.fail(
                    key_node,
                    f"duplicate key '{key}' (first at line {first.line + 1})",
                    "remove one of the two; YAML would silently keep only the last",
                )
                continue
            seen[key] = key_node
            self.doc.key_marks[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, (*loc, key))
        return result


def _decode(raw: bytes, shown: str, problems: list[Problem]) -> str | None:
    if b"\x00" in raw:
        problems.append(Problem(shown, 1, 1, "this is a binary file, not YAML", "remove it or save it as UTF-8 text"))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        problems.append(
            Problem(shown, line, col, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", "save the file as UTF-8")
        )
        return None


def _tabs(text: str, shown: str, problems: list[Problem]) -> bool:
    found = False
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(
                Problem(shown, number, indent.index("\t") + 1, "tab character in indentation", "indent with spaces")
            )
            found = True
    return found


def load_file(path: Path, shown: str, problems: list[Problem]) -> Document | None:
    """Read one YAML file; append every problem found and return None when it cannot be used."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    f"the file is {size / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB",
                    "split it into several files",
                )
            )
            return None
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(
            Problem(shown, 1, 1, f"cannot read the file ({exc.strerror})", "check it exists and is readable")
        )
        return None
    text = _decode(raw, shown, problems)
    if text is None or _tabs(text, shown, problems):
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(filter(None, [exc.context, exc.problem]))
        problems.append(
            Problem(shown, line, col, f"YAML syntax error: {what}", "check indentation, colons and quotes here")
        )
        return None
    except yaml.YAMLError as exc:  # e.g. a second document in the stream
        problems.append(Problem(shown, 1, 1, f"YAML error: {exc}", "keep one YAML document per file"))
        return None
    if node is None:
        problems.append(Problem(shown, 1, 1, "the file is empty", "add its content, or delete the file"))
        return None
    doc = Document(path, shown, None)
    before = len(problems)
    try:
        doc.data = _Converter(doc, problems).convert(node, ())
    except _Stop:
        return None
    if len(problems) > before:
        return None
    return doc
