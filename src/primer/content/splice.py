"""A list file parsed again where it changed: the glossary, the timeline, the actors and the places.

Each of these files is one key holding a list of entries, and at 256 topics the glossary alone is 0.9 MB: a
process that builds again (`primer build --watch`, `primer serve`) parsed the whole of it after one term's
edit (a third of a second, while the other core idled). `splice` parses only the entries whose lines
changed, and puts them between the last version's entries before and after them: the document's data,
where each value is, and the validated item. It gives exactly what parsing the whole file gives, or None
(then the file is parsed whole) when it cannot be sure of that:

- the file is the list's key, then entries that each begin with '- ' at one indent, each line of an entry
  more indented than that (blank lines and comments aside), and nothing before the key but comments: the
  last version's document must place each entry where its lines begin;
- the edited entries, parsed on their own after the file's first lines, give as many entries, with no
  problem, and no anchor or alias is in them, as they were or as they are (an entry elsewhere could name it);
- no line break other than a line feed is in the file (a carriage return, or a break YAML reads as one).

A problem in the edited entries is never placed from here: the file is then parsed whole, and the problem
is reported where it is."""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from primer.content.load import _BITS, MAX_NODES, Document, Key, _extent_of, anchored, parse_file
from primer.errors import Problem

#: Line breaks YAML reads besides the line feed: a file with any of them is parsed whole.
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
#: The line field of a packed place (see `primer.content.load`), for the value's part and the key's.
_LINE_OF_VALUE = ((1 << _BITS) - 1) << _BITS
_LINE_OF_KEY = _LINE_OF_VALUE << (2 * _BITS)

#: A text of a document that links, as `Document.links` holds it: key path, text, links, shown text.
_Link = tuple[Key, str, tuple[tuple[str, str, int, str], ...], str | None]


@functools.cache
def list_field(model: type[BaseModel]) -> str | None:
    """The name of the one field of a file's model when that field is a list of entries, else None."""
    fields = model.model_fields
    if len(fields) != 1:
        return None
    (name, info), *_ = fields.items()
    return name if getattr(info.annotation, "__origin__", None) is list else None


def _entries(lines: list[str], name: str) -> tuple[int, list[int]] | None:
    """The index of the first line of each entry of the list `name` in a file of `lines`, after the file's head
    (its comments, the key, and the comments and blank lines before the first entry), with the number of lines
    of that head; None when the file is shaped otherwise."""
    head = -1
    indent = -1
    starts: list[int] = []
    for number, line in enumerate(lines):
        text = line.lstrip(" ")
        if not text or text.startswith("#"):
            continue  # a blank line or a comment: no node, in the head or in an entry
        lead = len(line) - len(text)
        if head < 0:
            if line != f"{name}:":
                return None
            head = number
            continue
        if indent < 0:
            indent = lead
        if lead < indent:
            return None
        if lead == indent:
            if text != "-" and not text.startswith("- "):
                return None
            starts.append(number)
    if not starts:
        return None
    return starts[0], starts


def _chunks(lines: list[str], starts: list[int]) -> list[tuple[str, ...]]:
    """The lines of each entry (from its '- ' to the next entry's), the last up to the file's end."""
    ends = [*starts[1:], len(lines)]
    return [tuple(lines[start:end]) for start, end in zip(starts, ends, strict=True)]


def _shifted(packed: int, lines: int) -> int:
    """A packed place moved down by `lines` (its value's part and its key's, where there is one)."""
    if not lines:
        return packed
    if packed & _LINE_OF_VALUE:
        packed += lines << _BITS
    if packed & _LINE_OF_KEY:
        packed += lines << (3 * _BITS)
    return packed


def _starts_within(places: dict[Key, int], name: str, starts: list[int], first_line: int, count: int) -> bool:
    """Whether the places of the `count` entries of `name` each lie on the lines of their own entry, whose
    first lines (numbered from `first_line`) are `starts`."""
    bounds = [*starts[1:], None]
    for index in range(count):
        line = places.get((name, index), 0) >> _BITS & ((1 << _BITS) - 1)
        start, end = first_line + starts[index], bounds[index]
        if line < start or (end is not None and line >= first_line + end):
            return False
    return True


def splice(
    kind: str,
    model: type[BaseModel],
    before: tuple[bytes, Document, Any],
    raw: bytes,
    shown: str,
    path: Path,
    links_of: Callable[[str, Document], object],
) -> tuple[Document, Any] | None:
    """The document and item of a list file now holding `raw`, from its last version `before` (its bytes,
    document and item, which had no problem) and its entries that changed, parsed alone; None when the file
    must be parsed whole (see the module). `links_of`: reads a document's texts' links (`Document.links`),
    for the changed entries when the last version's document had them read."""
    name = list_field(model)
    old_raw, old_doc, old_item = before
    if name is None or raw.startswith(b"\xef\xbb\xbf") or old_raw.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        text, old_text = raw.decode("utf-8"), old_raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(mark in text or mark in old_text for mark in _OTHER_BREAKS):
        return None
    lines, old_lines = text.split("\n"), old_text.split("\n")
    found, old_found = _entries(lines, name), _entries(old_lines, name)
    if found is None or old_found is None:
        return None
    (head, starts), (old_head, old_starts) = found, old_found
    if lines[:head] != old_lines[:old_head]:
        return None
    old_entries = old_doc.data.get(name) if isinstance(old_doc.data, dict) else None
    old_list = getattr(old_item, name, None)
    if not (isinstance(old_entries, list) and isinstance(old_list, list)):
        return None
    count = len(old_starts)
    if not (len(old_entries) == len(old_list) == count and len(old_doc.data) == 1):
        return None
    old_places = old_doc.places
    if len(old_places) > MAX_NODES // 2 or not _starts_within(old_places, name, old_starts, 1, count):
        return None  # the last version's entries are not where its lines say (or the file is very large)

    chunks, old_chunks = _chunks(lines, starts), _chunks(old_lines, old_starts)
    same_before = 0
    while same_before < min(len(chunks), count) and chunks[same_before] == old_chunks[same_before]:
        same_before += 1
    same_after = 0
    while same_after < min(len(chunks), count) - same_before and chunks[-1 - same_after] == old_chunks[-1 - same_after]:
        same_after += 1
    new_end, old_end = len(chunks) - same_after, count - same_after  # the changed entries: [same_before, *_end)
    if new_end == same_before == old_end:
        return None  # no entry changed (a comment in the head, say): nothing to splice
    if old_end > same_before and anchored(_joined(old_lines[:head], old_chunks[same_before:old_end])):
        return None

    # the changed entries, parsed after the file's head: their lines numbered from the head's end
    first = starts[same_before] if new_end > same_before else 0
    added: list[Any] = []
    part: Document | None = None
    if new_end > same_before:
        changed = _joined(lines[:head], chunks[same_before:new_end])
        if anchored(changed):
            return None
        problems: list[Problem] = []
        part = parse_file(changed.encode("utf-8"), shown, path, problems)
        entries = part.data.get(name) if part is not None and isinstance(part.data, dict) else None
        if problems or part is None or not isinstance(entries, list) or len(entries) != new_end - same_before:
            return None
        offsets = [start - first for start in starts[same_before:new_end]]
        if not _starts_within(part.places, name, offsets, head + 1, len(entries)):
            return None
        try:
            added = list(getattr(model.model_validate(part.data), name))
        except ValidationError:
            return None
    if not (same_before + len(added) + same_after):
        return None  # an empty list: parsing the whole file says what is wrong

    moved = len(added) - (old_end - same_before)  # entries after the changed ones move by this many places
    down = (starts[new_end] - old_starts[old_end]) if same_after else 0  # and by this many lines
    places: dict[Key, int] = {}
    for loc, packed in old_places.items():  # `_kept`, moving each place down, written out: 40,000 at 256 topics
        if len(loc) < 2 or loc[0] != name or not isinstance(index := loc[1], int) or index < same_before:
            places[loc] = packed
        elif index >= old_end:
            places[(name, index + moved, *loc[2:])] = _shifted(packed, down)
    scalars = _kept(old_doc.scalars.items(), name, same_before, old_end, moved)
    blocks = set(_kept(((loc, None) for loc in old_doc.blocks), name, same_before, old_end, moved))
    if part is not None:
        into = first - head  # a line of the part is this many lines further down in the file
        places.update((_moved(loc, same_before), _shifted(packed, into)) for loc, packed in _within(part.places, name))
        scalars.update((_moved(loc, same_before), value) for loc, value in _within(part.scalars, name))
        blocks.update(_moved(loc, same_before) for loc, _ in _within(dict.fromkeys(part.blocks), name))
    if len(places) > MAX_NODES // 2:
        return None

    data = {name: [*old_entries[:same_before], *(part.data[name] if part is not None else ()), *old_entries[old_end:]]}
    doc = Document(
        path,
        shown,
        data,
        packed_places=pickle.dumps(places, protocol=pickle.HIGHEST_PROTOCOL),
        scalars=dict(scalars),
        blocks=blocks,
        text=text.encode("utf-8"),
        digest=hashlib.blake2b(raw, digest_size=16).hexdigest(),
        _extent=_extent_of(text.splitlines()),
    )
    if old_doc.links is not None:
        new_links: list[_Link] = []
        if part is not None:
            links_of(kind, part)
            assert part.links is not None
            new_links = [_link_moved(entry, same_before) for entry in part.links if _index(entry[0], name) >= 0]
        doc.links = [
            *(entry for entry in old_doc.links if _index(entry[0], name) < same_before),
            *new_links,
            *(_link_moved(entry, moved) for entry in old_doc.links if _index(entry[0], name) >= old_end),
        ]
    item = old_item.model_copy(update={name: [*old_list[:same_before], *added, *old_list[old_end:]]})
    return doc, item


def _joined(head: list[str], chunks: list[tuple[str, ...]]) -> str:
    """The file's head, then the lines of `chunks`, as a text."""
    return "\n".join([*head, *(line for chunk in chunks for line in chunk)])


def _index(loc: Key, name: str) -> int:
    """The index of the entry `loc` lies in (-1 when it lies in none: the file's head)."""
    index = loc[1] if len(loc) >= 2 and loc[0] == name else None
    return index if isinstance(index, int) else -1


def _moved(loc: Key, by: int) -> Key:
    """`loc`, in an entry, in the entry `by` places further on."""
    index = loc[1]
    assert isinstance(index, int)
    return (loc[0], index + by, *loc[2:])


def _link_moved(entry: _Link, by: int) -> _Link:
    """A text's links (`Document.links`), the text in the entry `by` places further on."""
    loc, read, every, shown = entry
    return _moved(loc, by), read, every, shown


def _within(found: dict[Key, Any], name: str) -> Iterable[tuple[Key, Any]]:
    """The entries of `found` whose key paths lie in an entry of the list `name`."""
    return ((loc, value) for loc, value in found.items() if _index(loc, name) >= 0)


def _kept(entries: Iterable[tuple[Key, Any]], name: str, keep: int, drop: int, moved: int) -> dict[Key, Any]:
    """`entries` by key path, but those in the entries from `keep` up to `drop`; those in the entries after them
    moved by `moved` places."""
    found: dict[Key, Any] = {}
    for loc, value in entries:
        index = _index(loc, name)
        if index < keep:
            found[loc] = value
        elif index >= drop:
            found[_moved(loc, moved)] = value
    return found
