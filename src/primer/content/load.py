"""Read YAML files into plain data that remembers the line and column of every node.

Safe by construction: the YAML is only *composed* into nodes (never constructed into
objects), every tag outside the plain YAML types is rejected, aliases are expanded under
a budget so that an alias bomb fails fast, and duplicate keys are errors.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import stat
import threading
from collections import OrderedDict
from collections.abc import Iterator
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
#: How a plain scalar that YAML did not read as text is described to the author.
_READ_AS = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a true/false value",
    "tag:yaml.org,2002:null": "empty (null)",
    "tag:yaml.org,2002:timestamp": "a date",
}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


#: Bits of a line or column number in `Document.places`: a file has at most MAX_BYTES lines, and columns.
_BITS = 23
assert MAX_BYTES < 1 << _BITS
_FIELD = (1 << _BITS) - 1
#: The value's (line, col) in a packed place; the key's are above it.
_VALUE_PART = (1 << (2 * _BITS)) - 1


def _unpack(packed: int) -> tuple[int, int]:
    return packed >> _BITS & _FIELD, packed & _FIELD


#: How many documents hold their places and lines unpacked at once (`Document.places`, `Document.lines`):
#: those problems are being placed in. A check places its problems file by file, and the rest of a build
#: never reads them.
_OPEN_AT_ONCE = 16
#: The documents that hold them unpacked now, the most recently used last (by identity).
_OPENED: OrderedDict[int, Document] = OrderedDict()
#: Held while `_OPENED` changes: `primer serve` checks and renders on several threads.
_OPENING = threading.Lock()


def _extent_of(lines: list[str]) -> tuple[int, int]:
    """How many lines and characters `lines` hold (`Document.extent`)."""
    return len(lines), sum(map(len, lines))


class _Packed(bytes):
    """A document's data as a pickle of its own, in a pickle of the document (see `Document.__getstate__`)."""


@dataclass
class Document:
    """One YAML file as plain data, with the (line, column) of every value and key.

    What only places a problem (where each value is, the file's lines) is kept packed: a large lesson has
    hundreds of thousands of values, and as a dict of their key paths and a list of lines they took 71 MB
    at 256 topics, in the parse cache's entries too. A document unpacks them when a problem is placed in it,
    and lets go of them when a few other documents were opened since."""

    path: Path
    shown: str
    #: The file's plain data (`data`); in a pickle, the data's own pickle (`_Packed`), unpacked when read.
    #: Left out of comparisons: it follows from the file's text, which is compared.
    _data: Any = field(compare=False)
    #: Where each value starts, and for a mapping's value where its key does, packed in one number each (a
    #: pair of tuples each, in two maps, took twice the memory), by key path: a pickled dict (`places`).
    packed_places: bytes = b""
    #: Plain scalars YAML read as something other than text: loc → (what was written, 'a boolean' …).
    scalars: dict[Key, tuple[str, str]] = field(default_factory=dict)
    #: Values written as block scalars ('|' or '>'): their text starts on the line after the mark.
    blocks: set[Key] = field(default_factory=set)
    #: The file's text as UTF-8, to place a problem inside a long text at its own line and column (`lines`).
    text: bytes = b""
    #: Each Markdown text (section bodies, stems) and each other text that links anywhere, as the load first
    #: read it (`primer.content.library`): its key path, the text parsed, its links, and for Markdown its
    #: shown text. Filled in once, and kept with the document, in memory and in the parse cache on disk, so
    #: that an unchanged file's Markdown is not parsed again by the load or by the lint.
    links: list[tuple[Key, str, tuple[tuple[str, str, int, str], ...], str | None]] | None = field(
        default=None, compare=False, repr=False
    )
    #: The hash of the file's bytes ("" when unknown): what is read off the document alone is kept by it
    #: from one check to the next (`primer.facts`).
    digest: str = field(default="", compare=False, repr=False)
    #: (lines, characters) of the file, once counted (`extent`)
    _extent: tuple[int, int] | None = field(default=None, compare=False, repr=False)
    #: `places` and `lines` while unpacked (see `_OPENED`); never pickled.
    _open: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # The data goes packed: a build reads an unchanged file's entry of the parse cache for its item and
        # its texts' links, and only a check of the file's own texts reads its data (a fifth of the time the
        # lesson's entries took to unpickle at 256 topics, and their dicts' memory, for nothing).
        data = self._data if type(self._data) is _Packed else _Packed(pickle.dumps(self._data, pickle.HIGHEST_PROTOCOL))
        return {**self.__dict__, "_data": data, "_open": {}}

    @property
    def data(self) -> Any:
        """The file's plain data: mappings, lists and scalars as YAML gave them (converted: see `_Converter`)."""
        if type(self._data) is _Packed:
            self._data = pickle.loads(self._data)  # packed by `__getstate__`
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value

    @property
    def places(self) -> dict[Key, int]:
        """Where each value (and each mapping's key) starts, by key path, packed (see `packed_places`)."""
        found: dict[Key, int] | None = self._open.get("places")
        if found is None:
            found = pickle.loads(self.packed_places) if self.packed_places else {}  # packed by `parse_file`
            self._opened("places", found)
        return found

    @property
    def lines(self) -> list[str]:
        """The file's lines."""
        found: list[str] | None = self._open.get("lines")
        if found is None:
            found = self.text.decode("utf-8").splitlines()
            self._opened("lines", found)
        return found

    def _opened(self, what: str, value: Any) -> None:
        with _OPENING:
            self._open[what] = value
            _OPENED.pop(id(self), None)
            _OPENED[id(self)] = self
            while len(_OPENED) > _OPEN_AT_ONCE:
                _, oldest = _OPENED.popitem(last=False)
                oldest._open = {}

    def extent(self) -> tuple[int, int]:
        """How many lines and characters the file has (counted once)."""
        if self._extent is None:
            self._extent = _extent_of(self.lines)
        return self._extent

    def has(self, loc: Key) -> bool:
        """Whether the document has a value at `loc`."""
        return bool(self.places.get(loc, 0) & _VALUE_PART)

    def where(self, loc: Key, *, key: bool = False) -> tuple[int, int]:
        """The (line, col) of the deepest known node on `loc`; with key=True, of its key."""
        places = self.places
        if key and places.get(loc, 0) >> (2 * _BITS):
            return _unpack(places[loc] >> (2 * _BITS))
        for end in range(len(loc), -1, -1):
            packed = places.get(loc[:end], 0) & _VALUE_PART
            if packed:
                return _unpack(packed)
        return (1, 1)

    def strings(self) -> Iterator[tuple[Key, str]]:
        """Every text value in the document, with its key path, in document order."""
        return _strings(self.data, ())

    def within(self, loc: Key, offset: int, needle: str) -> tuple[int, int]:
        """The (line, col) of `needle` on line `offset` (from 0) of the text at `loc`, or the text's own mark."""
        line, _ = self.where(loc)
        if loc in self.blocks:
            line += 1  # a block scalar's text starts below its '|' or '>'
        line += offset
        lines = self.lines
        if 1 <= line <= len(lines):
            found = lines[line - 1].lower().find(needle.lower())
            if found >= 0:
                return line, found + 1
        return self.where(loc)

    def problem_within(
        self, loc: Key, offset: int, needle: str, message: str, fix: str = "", *, warning: bool = False
    ) -> Problem:
        """A problem at `needle` on line `offset` of the text at `loc`."""
        line, col = self.within(loc, offset, needle)
        return Problem(self.shown, line, col, message, fix, "warning" if warning else "error")

    def problem(self, loc: Key, message: str, fix: str = "", *, key: bool = False, warning: bool = False) -> Problem:
        """A problem located at `loc` in this document."""
        line, col = self.where(loc, key=key)
        return Problem(self.shown, line, col, message, fix, "warning" if warning else "error")


class _Stop(Exception):
    """Raised inside conversion to abandon a file after a fatal problem."""


#: Characters no page or export may hold, which XML 1.0 and HTML have no place for: the control characters
#: other than tab and line breaks (C0, DEL, C1 but NEL, which YAML reads as a line break) and the
#: noncharacters U+FFFE and U+FFFF. The YAML reader refuses them written as they are; a double-quoted
#: string's escapes ("\v", "\x0b", "\u0001") are the only way in.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


class _Converter:
    def __init__(self, doc: Document, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems
        #: the document's places, packed into it when the conversion ends (`parse_file`)
        self.places: dict[Key, int] = {}
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
        # where the value starts, added to where its key starts (set by `mapping`), if it has one
        start = node.start_mark
        places = self.places
        places[loc] = places.get(loc, 0) | (start.line + 1) << _BITS | (start.column + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">"):
                self.doc.blocks.add(loc)
            value = self.scalar(node)
            if not node.style and node.tag in _READ_AS:
                self.doc.scalars[loc] = (node.value, _READ_AS[node.tag])
            return value
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
        if node.style == '"' and (found := _UNWRITABLE.search(node.value)) is not None:
            code = ord(found.group(0))
            escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
            self.fail(
                node,
                f"this value holds the invisible character U+{code:04X}, which web pages and the LMS exports cannot "
                "carry (an export holding it is not valid XML)",
                f"remove it: in a double-quoted string, an escape such as {escape} writes it",
            )
        if node.tag in (_STR, "tag:yaml.org,2002:timestamp"):
            return node.value  # dates stay text: the models parse them with their precision
        return _CONSTRUCT[node.tag](node)

    def mapping(self, node: yaml.MappingNode, loc: Key) -> dict[str, Any]:
        if node.tag != _MAP:
            self.bad_tag(node)
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        dash_hinted = False
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
                fix = "remove one of the two; YAML would silently keep only the last"
                if loc and isinstance(loc[-1], int):  # an item of a list: most often a forgotten '- '
                    if dash_hinted:
                        continue  # the same forgotten '- ' repeats every key of the item: one message
                    dash_hinted = True
                    fix = f"did you mean a new list item? put '- ' before '{key}:'; if not, remove one of the two"
                self.fail(key_node, f"duplicate key '{key}' (first at line {first.line + 1})", fix)
                continue
            seen[key] = key_node
            sub = (*loc, key)
            start = key_node.start_mark
            self.places[sub] = ((start.line + 1) << _BITS | (start.column + 1)) << (2 * _BITS)
            result[key] = self.convert(value_node, sub)
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


class Within:
    """Whether files lie inside the folder `root` once links are followed. The folder, and each folder a
    file is in, is resolved once: a load of many files costs one `lstat` a file that is not a link."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._folders: dict[Path, bool] = {}

    def holds(self, path: Path, info: os.stat_result) -> bool:
        """Whether `path` (whose `lstat` is `info`) is inside the folder."""
        if stat.S_ISLNK(info.st_mode):
            return path.resolve().is_relative_to(self.root)
        # not a link: the file is where its folder resolves to
        inside = self._folders.get(path.parent)
        if inside is None:
            inside = self._folders[path.parent] = path.parent.resolve().is_relative_to(self.root)
        return inside


def read_file(path: Path, shown: str, root: Within, problems: list[Problem]) -> bytes | None:
    """The bytes of a regular file inside the folder of `root`, at most MAX_BYTES of them; else a problem."""
    try:
        info = os.lstat(path)
        if not root.holds(path, info):
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    "this file is a link to a file outside the content folder",
                    "copy the file into the content folder instead of linking to it",
                )
            )
            return None
        if stat.S_ISLNK(info.st_mode):
            info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            problems.append(
                Problem(shown, 1, 1, "this is not a regular file (a device, a pipe or a socket)", "remove it")
            )
            return None
        # Read one byte past the limit rather than trust the size the file system reports.
        size = info.st_size
        raw = b""
        if size <= MAX_BYTES:
            with path.open("rb") as stream:
                raw = stream.read(MAX_BYTES + 1)
            size = max(size, len(raw))
    except OSError as exc:
        problems.append(
            Problem(shown, 1, 1, f"cannot read the file ({exc.strerror or exc})", "check it exists and is readable")
        )
        return None
    if size > MAX_BYTES:
        over = f"{size / 1024 / 1024:.1f} MB" if size > len(raw) else f"more than {MAX_BYTES // 1024 // 1024} MB"
        problems.append(
            Problem(
                shown,
                1,
                1,
                f"the file is {over}; the limit is {MAX_BYTES // 1024 // 1024} MB",
                "split it into several files",
            )
        )
        return None
    return raw


#: The start of a line's value: after 'key: ' or '- ' (or both), the first character.
_VALUE = re.compile(r"^(\s*(?:-\s+)*(?:[^\s#'\"][^:#]*?:\s+)?)(\S)")


def _open_quote(line: str) -> int | None:
    """The column (from 0) of a quote that opens the line's value and is not closed on the line."""
    match = _VALUE.match(line)
    if match is None or match.group(2) not in "'\"":
        return None
    start = match.start(2)
    quote = line[start]
    rest = line[start + 1 :]
    # '' is an escaped quote inside single quotes, \" inside double quotes
    rest = rest.replace("''", "") if quote == "'" else re.sub(r"\\.", "", rest)
    return None if quote in rest else start


#: A line that starts a new key or list item: what a quote left open swallows.
_NEW_ITEM = re.compile(r"^\s*(?:-\s+)?[^\s#'\"][^:#]*:(?:\s|$)|^\s*-\s")


def _swallows(lines: list[str], start: int, quote: str) -> bool:
    """True when a quote opened on line `start` runs on over lines that look like new keys or list
    items (so it was never meant to go on), rather than being a text written over several lines."""
    for source in lines[start + 1 :]:
        before = source.split(quote, 1)[0]
        if _NEW_ITEM.match(before):
            return True
        if quote in source:
            return False
    return True  # open to the end of the file


def _syntax_problem(text: str, exc: yaml.MarkedYAMLError, shown: str) -> Problem:
    """A YAML syntax error at the line an author has to change, with a hint for the common mistakes."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    what = " ".join(filter(None, [exc.context, exc.problem]))
    # A quote that is never closed swallows the lines after it: YAML notices only much later.
    for number, source in enumerate(lines[:line], start=1):
        opened = _open_quote(source)
        if opened is not None and _swallows(lines, number - 1, source[opened]):
            quote = source[opened]
            return Problem(
                shown,
                number,
                opened + 1,
                f"YAML syntax error: the quote ({quote}) that starts this value is never closed",
                f"end the value with {quote} on this line, or remove the quote",
            )
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    problem = exc.problem or ""
    if "mapping values are not allowed" in problem:
        key, _, value = here.strip().removeprefix("- ").partition(": ")
        example = f'{key}: "{value}"' if value and '"' not in value else "the whole value in quotes"
        return Problem(
            shown,
            line,
            col,
            "YAML syntax error: a colon followed by a space inside a value starts a new key",
            f"quote the value: {example}",
        )
    start = _VALUE.match(here)
    if start and start.group(2) in "'\"" and "expected" in problem:
        return Problem(
            shown,
            line,
            start.start(2) + 1,
            "YAML syntax error: a value that starts with a quote must end with it",
            f'quote the whole value, e.g. {here.strip().partition(": ")[0]}: "{here.strip().partition(": ")[2]}"',
        )
    if exc.context == "while scanning a simple key" and exc.context_mark is not None:
        item = exc.context_mark.line
        above = next((lines[i] for i in range(item - 1, -1, -1) if lines[i].strip()), "")
        indent = len(lines[item]) - len(lines[item].lstrip())
        if above.lstrip().startswith("- ") and len(above) - len(above.lstrip()) == indent:
            return Problem(
                shown,
                item + 1,
                indent + 1,
                "YAML syntax error: this line is neither 'key: value' nor a list item",
                "did you mean a new list item? start it with '- ' like the line above",
            )
        return Problem(
            shown,
            item + 1,
            indent + 1,
            "YAML syntax error: this line is neither 'key: value' nor a list item",
            "add the ':' after the key, or '- ' before a list item",
        )
    if "did not find expected key" in problem or "expected <block end>" in problem:
        return Problem(
            shown,
            line,
            col,
            "YAML syntax error: this line does not line up with the lines above it",
            "indent it by as many spaces as the other keys of the same block (or fix the line above)",
        )
    return Problem(shown, line, col, f"YAML syntax error: {what}", "check indentation, colons and quotes here")


def anchored(text: str) -> bool:
    """Whether YAML finds an anchor or an alias in `text` (True too when it cannot read it)."""
    try:
        return any(isinstance(token, yaml.AnchorToken | yaml.AliasToken) for token in yaml.scan(text, Loader=_Loader))
    except yaml.YAMLError:
        return True


def parse_file(raw: bytes, shown: str, path: Path, problems: list[Problem]) -> Document | None:
    """One YAML file's bytes (read from `path`) as a Document; append every problem found and return None
    when it cannot be used."""
    text = _decode(raw, shown, problems)
    if text is None or _tabs(text, shown, problems):
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(text, exc, shown))
        return None
    except yaml.YAMLError as exc:  # e.g. a second document in the stream
        problems.append(Problem(shown, 1, 1, f"YAML error: {exc}", "keep one YAML document per file"))
        return None
    if node is None:
        problems.append(Problem(shown, 1, 1, "the file is empty", "add its content, or delete the file"))
        return None
    digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    doc = Document(path, shown, None, text=text.encode("utf-8"), digest=digest, _extent=_extent_of(text.splitlines()))
    before = len(problems)
    converter = _Converter(doc, problems)
    try:
        doc.data = converter.convert(node, ())
    except _Stop:
        return None
    if len(problems) > before:
        return None
    doc.packed_places = pickle.dumps(converter.places, protocol=pickle.HIGHEST_PROTOCOL)
    return doc


def _strings(data: Any, loc: Key) -> Iterator[tuple[Key, str]]:
    """The text values in `data` (at `loc`), with their key paths, in order (`Document.strings`): a function of
    the module, as one of each call that called itself would make a cycle, which only the collector frees."""
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*loc, index))
