"""What each output of a build (a page, a topic's HTML handouts, an export) read from the lesson: the
dependency map that lets the next build into the same folder make again only the outputs whose reads
changed.

While an output is made (`recording`), every look-up in the lesson's collections goes through `Recorded`:
an item by its id (`("points", "p1")`), or the whole collection when the reader goes through all of it
(`("topics", "")`). Each look-up is kept as a *token*; a reader that went through most of a collection
item by item reads it whole (`coarse`). Memos shared by the outputs of one process replay what they read
to every output that uses them (`remembered`, `kept`). The output's own context (the items it was made
for: a topic, the list of sources) adds the tokens of the items it holds.

An output's *digest* is the hash of its own description (path, template, title, context) and of what each
of its tokens names, as the lesson holds it now. The next build works the digest out again from the
same tokens on its own lesson (`PageMap.unchanged`): when it is equal, the output would read the very
same values, so it would be made of the very same bytes (making it reads nothing else: primer's own
files, the libraries, the options and the environment are in the build's base key, which must also be
equal; the site's settings and its list of pages are in every page's digest). A lesson with templates of
its own is never mapped: they may read what the tokens do not name.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import marshal
import operator
import threading
import weakref
from collections.abc import (
    Callable,
    Collection,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    Sequence,
    ValuesView,
)
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard, TypeVar

from pydantic import BaseModel

from primer.memo import Memo, here

if TYPE_CHECKING:
    from primer.cache import Earlier
    from primer.write import Output

V = TypeVar("V")
T = TypeVar("T")

#: (collection, key): one item read, or with the key "" the whole collection.
Token = tuple[str, str]
#: The key of a token that reads the whole collection (no item has an empty id).
EVERY = ""

_LOCAL = threading.local()


def record(token: Token) -> None:
    """Note that the page rendering in this thread read `token` (nothing when none is recording)."""
    found: set[Token] | None = getattr(_LOCAL, "reads", None)
    if found is not None:
        found.add(token)


@contextmanager
def recording() -> Iterator[set[Token]]:
    """Record the reads made inside, in this thread; they count for an outer recording too."""
    outer: set[Token] | None = getattr(_LOCAL, "reads", None)
    found: set[Token] = set()
    _LOCAL.reads = found
    try:
        yield found
    finally:
        _LOCAL.reads = outer
        if outer is not None:
            outer |= found


@contextmanager
def unrecorded() -> Iterator[None]:
    """The reads made inside are not recorded: a view's making, whose own token stands for them (see
    `primer.content.library.VIEWS`)."""
    outer: set[Token] | None = getattr(_LOCAL, "reads", None)
    _LOCAL.reads = None
    try:
        yield
    finally:
        _LOCAL.reads = outer


class Computed(Mapping[str, Any]):
    """A view of the lesson as a collection `PageMap` digests: one item, the value the view is described
    by, worked out when first asked for (see `primer.content.library.VIEWS`)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._value: list[Any] = []

    def __getitem__(self, key: str) -> Any:
        if key != VALUE:
            raise KeyError(key)
        if not self._value:
            self._value.append(self._make())
        return self._value[0]

    def __iter__(self) -> Iterator[str]:
        return iter((VALUE,))

    def __len__(self) -> int:
        return 1


#: The key of a view's one item (`Computed`).
VALUE = "value"


def view(owner: object, name: str, make: Callable[[], T]) -> T:
    """The view `name` of `owner` (the lesson, or its derived questions), made once by `make` (what it reads is
    not recorded); each use records the view's one token instead (see `primer.content.library.VIEWS`)."""
    record((name, EVERY))
    kept = owner.__dict__.setdefault("_views", {})
    if name not in kept:
        with unrecorded():
            kept[name] = make()
    return kept[name]  # type: ignore[no-any-return]


def view_maps(owner: V, views: Mapping[str, Callable[[V], Any]]) -> dict[str, Mapping[str, Any]]:
    """Each of `owner`'s `views` as a collection `PageMap` digests (`Computed`): the same objects for every map
    made of `owner` (the exports' worker takes the build's digests only from a map of the same)."""
    maps: dict[str, Mapping[str, Any]] = owner.__dict__.setdefault("_view_maps", {})
    # by a weak reference: `owner` holds the maps, and a map that held it would make a cycle, which only the
    # collector frees (each lesson a watch builds would stay in memory until a full collection)
    held = weakref.ref(owner)
    for name, described in views.items():
        if name not in maps:
            maps[name] = Computed(functools.partial(_of_held, described, held))
    return maps


def _of_held(described: Callable[[V], Any], held: weakref.ref[V]) -> Any:
    """`described` of the object `held` refers to (see `view_maps`)."""
    owner = held()
    if owner is None:  # pragma: no cover - a map outlived the lesson it describes
        raise ReferenceError("a view of a lesson that is gone")
    return described(owner)


def remembered(make: Callable[[], T]) -> Callable[[], T]:
    """`make`, called once; every later call records again what the first call read (a memo that pages
    share must not hide its reads from the pages after the first)."""
    kept: list[tuple[T, frozenset[Token]]] = []
    lock = threading.Lock()

    def get() -> T:
        with lock:
            if not kept:
                with recording() as found:
                    value = make()
                kept.append((value, frozenset(found)))
        value, reads = kept[0]
        for token in reads:
            record(token)
        return value

    return get


def kept(memo: dict[Any, Any], key: Any, make: Callable[[], T]) -> T:
    """`memo[key]`, made by `make` the first time; every use records again what making it read (a memo that
    pages share must not hide its reads from the pages after the first)."""
    found = memo.get(key)
    if found is None:
        with recording() as reads:
            value = make()
        found = memo[key] = (value, frozenset(coarse(reads)))
    for token in found[1]:
        record(token)
    return found[0]


class Recorded(Mapping[str, V]):
    """A read-only view of one of the lesson's collections that records each look-up (see the module)."""

    __slots__ = ("_data", "name")

    def __init__(self, name: str, data: Mapping[str, V]) -> None:
        self.name = name
        self._data = data

    def __getitem__(self, key: str) -> V:
        record((self.name, key))
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        record((self.name, key))
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        record((self.name, key if isinstance(key, str) else EVERY))
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        record((self.name, EVERY))
        return iter(self._data)

    def __len__(self) -> int:
        record((self.name, EVERY))
        return len(self._data)

    def keys(self) -> KeysView[str]:
        record((self.name, EVERY))
        return self._data.keys()

    def values(self) -> ValuesView[V]:
        record((self.name, EVERY))
        return self._data.values()

    def items(self) -> ItemsView[str, V]:
        record((self.name, EVERY))
        return self._data.items()

    def __repr__(self) -> str:
        return f"Recorded({self.name!r}, {len(self._data)} items)"


def watched(obj: T, prefix: str, fields: tuple[str, ...]) -> T:
    """A copy of the dataclass `obj` whose `fields` (mappings) record their reads, as `prefix + field`."""
    wrapped = {name: Recorded(prefix + name, getattr(obj, name)) for name in fields}
    for view in wrapped.values():
        _SIZES[view.name] = len(view._data)
    return dataclasses.replace(obj, **wrapped)  # type: ignore[type-var]


#: How many items each recorded collection holds (see `coarse`).
_SIZES: dict[str, int] = {}
#: A reader of at least this many items of a collection, and of half of it, reads the whole of it.
_MANY = 32


def coarse(tokens: Collection[Token]) -> set[Token]:
    """`tokens`, where a reader read most of a collection item by item, with the whole collection instead:
    a digest as exact (it covers every item it read, and more), and a map a fraction of the size (the
    whole bank's exports read every question and point of a lesson)."""
    counts: dict[str, int] = {}
    for name, _ in tokens:
        counts[name] = counts.get(name, 0) + 1
    whole = {name for name, n in counts.items() if n >= _MANY and n * 2 >= _SIZES.get(name, n * 2 + 1)}
    if not whole:
        return set(tokens)
    return {t for t in tokens if t[0] not in whole} | {(name, EVERY) for name in whole}


#: How many bytes of a token's digest (a SHA-256) the build record keeps for the next build.
STORED = 16
#: The digest of an item that is not there.
_ABSENT = hashlib.sha256(b"\0absent").digest()[:STORED]


class Viewed(NamedTuple):
    """In a page's description (`PageMap.own`), a list of items the page reads only through the view `view`
    (`primer.targets.site.Page.facets`)."""

    view: str


class Unmapped(Exception):
    """A page whose context holds something its digest cannot describe: it is never reused."""


@functools.cache
def _model_kind(kind: type[BaseModel]) -> tuple[bytes, tuple[str, ...]]:
    """A model class's name as its bytes begin, and the fields its dump leaves out (`ignore:` lists)."""
    return kind.__qualname__.encode() + b"\0", tuple(name for name, field in kind.model_fields.items() if field.exclude)


def _model_bytes(value: BaseModel) -> bytes:
    # the model's dump (`model_dump_json`, without its decoding), then the fields it leaves out, which are
    # still the item's: as JSON, or (nearly always: no `ignore:` list) the empty mappings' JSON at once
    name, hidden = _model_kind(type(value))
    data = name + value.__pydantic_serializer__.to_json(value)
    if hidden:
        values = [getattr(value, field) for field in hidden]
        if all(type(v) is dict and not v for v in values):
            return data + b"[" + b", ".join([b"{}"] * len(values)) + b"]"
        data += json.dumps(values, default=_plain).encode()
    return data


def model_hash(value: BaseModel) -> str:
    """The SHA-256 hash (hex) of a model's exact bytes (`_model_bytes`), for a page's context that holds a model
    other than the lesson's items (the report, a topic's coverage); kept by the model, as `item_digest` is
    (a process that checks again keeps the report's parts that did not change, and the report: `primer.report`)."""
    return _MODEL_HASHES.get(id(value), functools.partial(_model_hash, value), keep=value)


def _model_hash(value: BaseModel) -> str:
    return hashlib.sha256(_model_bytes(value)).hexdigest()


def value_bytes(value: Any) -> bytes:
    """The exact bytes of a value read from the lesson (an item, a list of items, ids), for its digest."""
    if isinstance(value, BaseModel):
        return _model_bytes(value)
    if type(value) is list and all(type(v) is str for v in value):
        # ids (the derived lists: a question's topics, a term's): thousands in a rebuild, at a sixth of JSON's
        # cost; the count and NUL between texts keep it exact, and no JSON starts with NUL
        joined = "\0".join(value)
        if joined.count("\0") == len(value) - 1:
            return b"\0%d\0" % len(value) + joined.encode("utf-8", "surrogatepass")
    if isinstance(value, list) and all(isinstance(v, BaseModel) for v in value):
        return b"[" + b"\1".join(_model_bytes(v) for v in value) + b"]"
    return json.dumps(value, default=_plain, ensure_ascii=False).encode()  # dicts in their (fixed) order


def value_hash(value: Any) -> str:
    """A short hash of a value's exact bytes (`value_bytes`): a key part for what is kept of an item or a
    question between commands (`primer.facts`), which costs a fraction of its texts as a key. An item's is
    kept by the item in a process that checks again (see `primer.memo`: its items are immutable)."""
    if isinstance(value, BaseModel):
        return _VALUE_HASHES.get(id(value), functools.partial(_value_hash, value), keep=value)
    return _value_hash(value)


def _value_hash(value: Any) -> str:
    return hashlib.blake2b(value_bytes(value), digest_size=16).hexdigest()


def item_digest(value: Any) -> bytes:
    """The SHA-256 digest of a value's exact bytes (`value_bytes`), an item's kept as `value_hash` is; a list of
    items (a quiz) is digested by its items' digests, so that a rebuild in the same process hashes again only
    the items an edit made anew (a quiz is a new list at each check, of mostly the same questions)."""
    if isinstance(value, BaseModel):
        return _ITEM_DIGESTS.get(id(value), functools.partial(_item_digest, value), keep=value)
    if isinstance(value, list) and value and all(isinstance(v, BaseModel) for v in value):
        return hashlib.sha256(b"\0items\0" + b"".join(map(item_digest, value))).digest()
    if type(value) is list and value and all(isinstance(v, tuple) and hasattr(v, "_fields") for v in value):
        # a view's rows (the sources' cards, say), each kept by its item in a process that checks again
        # (`primer.content.library.row`): digested one by one, each kept by the row
        return hashlib.sha256(b"\0rows\0" + b"".join(map(_row_digest, value))).digest()
    return _item_digest(value)


def _row_digest(row: tuple[Any, ...]) -> bytes:
    """`_item_digest` of a view's row (a named tuple, read only as every view is), kept by the row."""
    return _ITEM_DIGESTS.get(id(row), functools.partial(_item_digest, row), keep=row)


def _item_digest(value: Any) -> bytes:
    return hashlib.sha256(value_bytes(value)).digest()


def _same_value(now: Any, then: Any) -> bool:
    """Whether `now` has the digest `then` had: being the same object (the lesson's items are immutable: see
    `primer.memo`), an equal text, or a list of the same objects or equal texts (a list of ids, a quiz: made anew
    by each derive), or a dict of equal texts to the same objects, in the same order (what a topic cites).
    Anything else is digested again: equal values of other kinds may differ in their bytes (1 and True, 1 and
    1.0)."""
    if now is then:
        return True
    kind = type(now)
    if kind is not type(then):
        return False
    if kind is str:
        return bool(now == then)
    if (kind is not list and kind is not dict) or len(now) != len(then):
        return False
    if kind is list:
        return _same_each(now, then)
    return _same_each(now, then) and all(map(operator.is_, now.values(), then.values()))


def _same_each(now: Iterable[Any], then: Iterable[Any]) -> bool:
    """Whether two sequences of the same length hold the same objects or equal texts, in order."""
    return all(map(operator.is_, now, then)) or all(
        a is b or (type(a) is str and type(b) is str and a == b) for a, b in zip(now, then, strict=True)
    )


def _all_same(now: Mapping[str, Any], then: Mapping[str, Any]) -> bool:
    """Whether `now` holds the same keys as `then`, in the same order, each with a value `_same_value` to the one
    `then` holds, told without a call for each value: the derived collections a save leaves
    alone are made anew of the same objects and equal texts (20,000 values at 256 topics, 0.07-0.11 s a rebuild
    one by one). False also when it cannot be told so (a list that mixes texts with other values, a model made
    anew): then `PageMap._moved_keys` compares the values one by one."""
    if len(now) != len(then) or list(now) != list(then):
        return False
    values, before = list(now.values()), list(then.values())
    if all(map(operator.is_, values, before)):
        return True
    kinds = set(map(type, values)) | set(map(type, before))
    if kinds == {str}:
        return values == before
    if kinds != {list} and kinds != {dict}:
        return False
    if list(map(len, values)) != list(map(len, before)):
        return False
    inner, inner_before = list(chain.from_iterable(values)), list(chain.from_iterable(before))  # a dict's keys
    if not all(map(operator.is_, inner, inner_before)) and (
        set(map(type, inner)) | set(map(type, inner_before)) != {str} or inner != inner_before
    ):
        return False
    if kinds == {dict}:  # and each key's value the very same object
        held, held_before = chain.from_iterable(map(dict.values, values)), chain.from_iterable(map(dict.values, before))
        return all(map(operator.is_, held, held_before))
    return True


def _comparable(data: object, name: str, items: Collection[str]) -> TypeGuard[dict[str, Any]]:
    """Whether `PageMap._moved_keys` compares the collection `name` (`data`) with the last map's: a plain one, not
    one of the lesson's `items` (see there)."""
    return type(data) is dict and name not in items


#: A key no collection holds (`_same_value` of two absent items: both absent).
_NONE = object()
#: The collections of the last map this process recorded a build with, and the record's digests (`PageMap.hand_on`).
_HANDED: list[tuple[Mapping[str, Mapping[str, Any]], Mapping[Token, bytes]]] = []


#: `value_hash` and `item_digest` of an item, by the item (as an object): a rebuild in the same process
#: (`primer build --watch`, `primer serve`) hashes only the items its edit made anew. `model_hash` likewise.
_VALUE_HASHES: Memo[int, str] = Memo()
_ITEM_DIGESTS: Memo[int, bytes] = Memo()
_MODEL_HASHES: Memo[int, str] = Memo()


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {"__model__": type(value).__qualname__, "value": _model_bytes(value).decode()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "__data__": type(value).__qualname__,
            **{f.name: getattr(value, f.name) for f in dataclasses.fields(value)},
        }
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot describe {type(value).__qualname__}")


class Entry(NamedTuple):
    """What one page (or one set of pages made together, such as a topic's handouts) read, in the map."""

    #: the hash of its own description (`PageMap.own`); what its tokens named is checked token by token
    #: against the digests the build worked out of them (`PageMap.unchanged`)
    digest: str
    tokens: list[Token]
    #: the files it made
    files: list[str]
    #: what its making returned besides the files, as JSON (the handouts' version codes), or None
    result: Any = None


class PageMap:
    """The dependency map of one build's pages: what the last build's pages read (`kept`: key → its
    `Entry`), checked against this build's lesson (`unchanged`), and what this build's pages read
    (`note`, then `made`). `collections`: each recorded collection's name → its plain mapping;
    `items`: those whose values are the lesson's items (a page's context may hold them)."""

    def __init__(
        self,
        collections: Mapping[str, Mapping[str, Any]],
        items: tuple[str, ...],
        kept: Mapping[str, Entry] | None = None,
        stored: Mapping[Token, bytes] | None = None,
        *,
        origins: Mapping[Token, str] | None = None,
        origin_files: Mapping[str, Sequence[Token]] | None = None,
        stored_origins: Origins | None = None,
        read_from: Origins | None = None,
        bases: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        """`stored`: the digest (`STORED` bytes of it) of each token the last build's pages read, as that build
        worked it out. `origins`: the file each of the lesson's items was read from, as a key of its path and
        bytes, by its token; `stored_origins`: the last build's files and whole collections (`origins`). An
        item read from a file whose path and bytes are those of one of the last build's files is the item it
        was (reading a file depends on nothing else: see `primer.parsed`; and the file held the item then, as
        it does now), so its digest is taken as the last build worked it out, not worked out again (`origin_files`:
        `origins` the other way round, the tokens of each file's items by its key, when the caller has it); and a
        collection read whole whose items are the same ids read from the same files, in the same order, is the
        collection it was (`origin`). `read_from`: what `origins` gives, worked out already (a first build's
        map, which has no last build's files to compare its items' with, and need not hold them). `bases`: of
        each view (`Computed`) worked out from the lesson's items alone, the collections of items it is worked
        out from: when those are the collections they were (`origin`), so is the view, which is not worked out
        again."""
        self._collections = collections
        self._items = items
        self._bases = bases or {}
        self.kept = dict(kept or {})
        self._stored = stored or {}
        self._origins = origins or {}
        self._origin_files = origin_files
        #: `origin` of each whole collection of items, once worked out (None: an item has no file)
        self._wholes: dict[Token, str | None] = {}
        self._read_from = read_from
        self._stored_origins = stored_origins or Origins.none()
        self.made: dict[str, Entry] = {}
        self._digests: dict[Token, bytes | None] = {}
        #: `item_digest` of each model digested, by the model (held: see `_value_digest`)
        self._model_digests: dict[int, tuple[BaseModel, bytes]] = {}
        #: the tokens whose digests were taken from another map (`digests_from`)
        self._given: set[Token] = set()
        #: the tokens this map digested from their values (not taken from the record, nor from another map)
        self._hashed: set[Token] = set()
        self._ids: dict[int, Token] | None = None
        #: once `warm`: the tokens the last build's pages read, and those whose digest is not what it was
        self._read: AbstractSet[Token] | None = None
        self._changed: set[Token] = set()
        #: once `warm`, when the last build's record is the one the last map in this process made (`hand_on`):
        #: that map's collections (see `_carries`), and of each collection asked about, the keys whose values
        #: are not the ones that map read (`_moved`)
        self._then: Mapping[str, Mapping[str, Any]] | None = None
        self._moved: dict[str, set[str] | None] = {}

    def _item_ids(self) -> dict[int, Token]:
        if self._ids is None:
            self._ids = {
                id(value): (name, key) for name in self._items for key, value in self._collections[name].items()
            }
        return self._ids

    def own(
        self, path: str, template: str, title: str, context: Mapping[str, Any], extra: bytes
    ) -> tuple[bytes, set[Token]]:
        """The hash of a page's own description (with `extra`, the hash of what it reads besides the lesson),
        and the tokens of the items its context holds (raises Unmapped); a list of items that the page reads
        only through a view is described by the view (`Viewed`), whose token stands for it."""
        kept = here()  # (a page described as it was: see `_DESCRIBED`)
        named, values = ((template, title, extra, tuple(context)), tuple(context.values())) if kept else ((), ())
        if not kept:
            _DESCRIBED.clear()
        elif (last := _DESCRIBED.get(path)) is not None and last[0] == named and _all_alike(last[1], values):
            return last[2], set(last[3])
        found: set[Token] = set()
        ids = self._item_ids()
        # written by `marshal`'s second version, which writes each value whole, by its kind (a third of the time
        # JSON takes: a rebuild describes every page, 1,815 at 256 topics)
        shaped = [*_shape([path, template, title], ids, found, path), _shape(dict(context), ids, found, path)]
        described = marshal.dumps(shaped, 2)  # (a title may be Markup)
        digest = hashlib.sha256(described + b"\0" + extra).digest()  # a page's own part is held till it renders
        if kept:
            _DESCRIBED[path] = (named, values, digest, frozenset(found))
        return digest, found

    def watch(self, name: str, data: Mapping[str, V]) -> Recorded[V]:
        """`data`, made during the build (the handouts' links), as a collection the pages read item by item:
        a view that records each look-up, and whose items this map can digest from now on."""
        self._collections = {**self._collections, name: data}
        _SIZES[name] = len(data)
        for token in [token for token in self._digests if token[0] == name]:
            del self._digests[token]
        if self._read is not None:  # its tokens are worked out again
            self._changed = {t for t in self._changed if t[0] != name}
            self._changed.update(t for t in self._read if t[0] == name and not self._same(t))
        return Recorded(name, data)

    def _same(self, token: Token) -> bool:
        """Whether `token` names what it named in the last build (by its digest then and now)."""
        found = self._digest_of(token)
        return found is not None and found[:STORED] == self._stored.get(token)

    def _digest_of(self, token: Token) -> bytes | None:
        known = self._digests.get(token, b"")
        if known != b"":
            return known
        name, key = token
        collection = self._collections.get(name)
        made: bytes | None
        if collection is None:
            made = None  # a collection this primer does not have (a record from another shape)
        elif token in self._stored and (
            self._carries(token) or ((origin := self.origin(token)) and self._stored_origins.holds(token, origin))
        ):
            made = self._stored[token]  # what the last map read (`_carries`), or read from files that did not change
        elif key == EVERY:
            whole = hashlib.sha256()
            for item_key in collection:
                item = self._digest_of((name, item_key))
                assert item is not None
                whole.update(item_key.encode() + b"\0" + item)
            made = whole.digest()[:STORED]  # each digest as long as one taken from the record
            self._hashed.add(token)
        elif key in collection:
            made = self._value_digest(collection[key])[:STORED]
            self._hashed.add(token)
        else:
            made = _ABSENT  # the page saw that it is not there
        self._digests[token] = made
        return made

    def _value_digest(self, value: Any) -> bytes:
        """`item_digest` of `value`, each model hashed once by this map however many of the values hold it (a
        topic's quiz holds questions the bank holds too: 0.04 s a rebuild at 256 topics when `primer build`
        checks once, its memos off)."""
        if isinstance(value, BaseModel):
            found = self._model_digests.get(id(value))
            if found is None:  # the model is held with its digest: no other object can take its identity
                found = self._model_digests[id(value)] = (value, item_digest(value))
            return found[1]
        if isinstance(value, list) and value and all(isinstance(v, BaseModel) for v in value):
            return hashlib.sha256(b"\0items\0" + b"".join(map(self._value_digest, value))).digest()
        return item_digest(value)

    def warm(self) -> None:
        """Work out the digest of every item the last build's pages read (`_digest_of`), ahead of the checks
        of those pages (`unchanged`): a build does it as soon as its questions are derived (0.3 s of the render's
        own at 256 topics). The items of files that did not change are the same (see `__init__`): they are set
        aside all at once, file by file; so are the values the last map in this process read (`_carries`)."""
        read = self._stored.keys()  # each token the last build's pages read: its record has each one's digest (`pack`)
        now = self._origin_files
        if now is None:
            grouped: dict[str, list[Token]] = {}
            for token, origin in self._origins.items():
                grouped.setdefault(origin, []).append(token)
            now = grouped
        same: set[Token] = set()
        for origin in now.keys() & self._stored_origins.files:
            same.update(now[origin])
        handed = _HANDED[-1] if _HANDED and here() else None
        if handed is not None and handed[1] is self._stored:  # the last build's record is that map's
            self._then, self._moved = handed[0], {}
        self._changed = {token for token in self._not_carried(read - same) if not self._same(token)}
        self._read = read

    def _not_carried(self, tokens: AbstractSet[Token]) -> AbstractSet[Token]:
        """Those of `tokens` that `_carries` does not take from the last map, found by each collection's keys
        that moved rather than token by token (29,000 tokens after a source's edit at 256 topics: 0.1 s one by
        one, against a few milliseconds)."""
        if self._then is None:
            return tokens
        names = {name for name, _ in tokens}
        for name in names - self._moved.keys():
            self._moved[name] = self._moved_keys(name)
        whole = {name for name in names if self._moved[name] is None}
        found = {token for token in tokens if token[0] in whole} if whole else set()
        for name in names - whole:
            keys = self._moved[name]
            assert keys is not None
            found.update(token for key in keys if key != EVERY and (token := (name, key)) in tokens)
            if EVERY not in keys and (name, EVERY) in tokens:
                found.add((name, EVERY))
        return found

    def _carries(self, token: Token) -> bool:
        """Whether `token` names the very value it named in the last map this process handed on (`hand_on`),
        when the last build's record is that map's (see `warm`): then its digest is the one on record. The
        questions a rebuild derives again are mostly the same objects, and its lists of ids equal ones (28,000
        tokens at 256 topics, 0.25 s to digest again, most of a source's edit's check of the last build's
        pages). An item whose key did not move (`_moved`), or a whole collection none of whose did, in the same
        order (its digest depends on the order too)."""
        if self._then is None:
            return False
        name, key = token
        if name not in self._moved:
            self._moved[name] = self._moved_keys(name)
        keys = self._moved[name]
        if keys is None:
            return False
        return EVERY in keys if key == EVERY else key not in keys

    def _moved_keys(self, name: str) -> set[str] | None:
        """The keys of the collection `name` whose values are not the very values the last map read (`_carries`),
        and EVERY when none are and the keys are in the same order; None for a collection that is not a plain
        one in both maps (a view, `Computed`, would be worked out again to compare), and for the lesson's items,
        which their files tell apart at less cost (see `__init__`)."""
        assert self._then is not None
        now, then = self._collections.get(name), self._then.get(name)
        if not _comparable(now, name, self._items) or not _comparable(then, name, self._items):
            return None
        if _all_same(now, then):
            return {EVERY}
        get = then.get
        moved = {key for key, value in now.items() if not _same_value(value, get(key, _NONE))}
        moved.update(then.keys() - now.keys())
        if not moved and list(now) == list(then):
            moved.add(EVERY)  # no item's key is ""
        return moved

    def hand_on(self, record: Unpacked | None) -> None:
        """Keep this map's collections for the next map in this process (a rebuild by `primer build --watch` or
        `primer serve`: see `_carries`), with the `record` made of it: the build record's map (`pack`) as the next
        build in this process takes it back (what `primer.cache.BuildCache.save` returns; None: not recorded). Only
        where the memos are kept (`primer.memo.here`), and only the collections `_carries` compares: a view would
        keep its whole lesson alive till the next build."""
        self._hand_on(record.digests if record is not None else None)

    def hand_on_warm(self) -> None:
        """`hand_on`, for a map made over a lesson only checked (`warm`, and no page made): with the last build's
        record, which the next build in this process takes back (`primer.cache.BuildCache.earlier`), and only the
        collections none of whose tokens changed since it (their digests on record are their values' now)."""
        warm = bool(self._stored) and self._read is not None
        self._hand_on(self._stored if warm else None, {name for name, _ in self._changed})

    def _hand_on(self, digests: Mapping[Token, bytes] | None, moved: AbstractSet[str] = frozenset()) -> None:
        """Hand on the collections `_carries` compares, but those named in `moved`, with the record's `digests`
        (None: nothing is handed on), where the memos are kept."""
        _HANDED.clear()
        if here() and digests is not None:
            kept = {
                name: data
                for name, data in self._collections.items()
                if name not in moved and _comparable(data, name, self._items)
            }
            _HANDED.append((kept, digests))

    def digests_from(self, other: PageMap) -> None:
        """Take the digests `other` worked out already, and the files its items were read from, when it maps
        the very same collections (the exports' worker, forked from the build's process once it has its map,
        or once that is warm: `warm`; the worker's lesson no longer knows its items' files)."""
        if self._collections.keys() == other._collections.keys() and all(
            data is other._collections[name] for name, data in self._collections.items()
        ):
            self._digests.update(other._digests)
            self._given.update(other._digests)
            if self._ids is None and self._items == other._items:  # (the exports' 2,056 at 256 topics describe their
                self._ids = other._ids  # items by it: 0.01 s to make again, of each save that makes them here)
            if not self._origins:
                self._origins, self._origin_files = other._origins, other._origin_files
            if other._read is not None and other._stored is self._stored:
                self._read, self._changed = other._read, other._changed
                self._then, self._moved = other._then, other._moved

    def stored(self, token: Token) -> bytes:
        """The digest of `token` (`STORED` bytes of it) for the next build (`pack`): one this build's outputs
        read, so one it has (`note`). Once the map is `warm`, a token the last build's pages read that did not
        change (as `may_change` takes it) has the digest on record: the items of unchanged files, which `warm`
        sets aside without working their digests out (17,000 at 256 topics), are not looked up one by one."""
        if self._read is not None and token not in self._changed and token in self._read:
            return self._stored[token]
        digest = self._digest_of(token)
        assert digest is not None, token
        return digest[:STORED]

    def origin(self, token: Token) -> str | None:
        """The key of the file the item `token` names was read from (see `__init__`); for a whole collection,
        a key of each item's id and file, in order, when each has one; for a view (see `__init__`), a key of those
        of the collections it is worked out from. Kept for the next build (`pack`)."""
        if token[1] != EVERY:
            return self._origins.get(token)
        name = token[0]
        if token in self._wholes or (name not in self._collections and name not in self._bases):
            return self._wholes.get(token)
        found: str | None = None
        if name in self._bases:
            parts = [self.origin((base, EVERY)) for base in self._bases[name]]
            if all(parts):
                found = hashlib.blake2b(f"{name}\0{parts}".encode(), digest_size=12).hexdigest()
        elif name in self._items:
            whole = hashlib.blake2b(digest_size=12)
            for key in self._collections[name]:
                part = self._origins.get((name, key))
                if part is None:
                    break
                whole.update(f"{key}\0{part}\0".encode())
            else:
                found = whole.hexdigest()
        self._wholes[token] = found
        return found

    def origins(self) -> Origins:
        """The files this build's items were read from, and the `origin` of each collection of items whose
        items all have one: for the next build (`pack`)."""
        if self._read_from is not None:
            return self._read_from
        files = frozenset(self._origins.values())
        named = [*self._items, *self._bases]
        wholes = {token: found for token in [(name, EVERY) for name in named] if (found := self.origin(token))}
        return Origins(files, wholes)

    def digests(self, tokens: Iterable[Token]) -> dict[Token, bytes]:
        """`stored` of each of `tokens` that this map digested from its value: what the exports' worker sends with
        its entries. The build's process has those taken from its own map (`digests_from`), takes those on record
        as this map did (the same record, the same collections: 26,210 of 26,212 after a source's edit at 256
        topics, which took 0.035 s to send), and digests any other itself, should its record need it."""
        hashed = self._hashed
        return {token: self.stored(token) for token in tokens if token in hashed and token not in self._given}

    def digests_read_by(self, entries: Mapping[str, Entry]) -> dict[Token, bytes]:
        """`digests` of every token the `entries` read: none to gather when this map digested no value itself (a
        rebuild's exports, whose map took every digest from the build's own: 26,000 tokens gathered for nothing
        after a source's edit at 256 topics)."""
        if self._hashed <= self._given:
            return {}
        return self.digests({token for entry in entries.values() for token in entry.tokens})

    def take_digests(self, digests: Mapping[Token, bytes]) -> None:
        """Digests another process worked out (the exports' worker: `digests`, `STORED` bytes each), for tokens
        this one has not: kept for the next build (`stored`), never compared whole (`digest`)."""
        for token, digest in digests.items():
            if token not in self._digests:
                self._digests[token] = digest

    def digest(self, own: bytes, tokens: Collection[Token]) -> str | None:
        """The digest of a page described by `own` that read `tokens`, on this build's lesson (None: a token
        names a collection this build does not have)."""
        digest = hashlib.sha256(own)
        for token in sorted(tokens):
            found = self._digest_of(token)
            if found is None:
                return None
            digest.update(b"\0".join((token[0].encode(), token[1].encode(), found)))
        return digest.hexdigest()

    def unchanged(self, key: str, own: bytes) -> Entry | None:
        """The last build's entry for `key`, when the page is described as it was (`own`) and each token it read
        names what it named then (the page would render the same bytes); else None. Once the map is `warm`, a
        look-up in the tokens that changed; before, token by token."""
        kept = self.kept.get(key)
        if kept is None or kept.digest != own.hex() or self.may_change(key):
            return None
        return kept

    def may_change(self, key: str) -> bool:
        """Whether the page (or set of pages) `key` may be made anew: the last build did not make it, or something
        it read then is not what it was (once the map is `warm`, a look-up in the tokens that changed; before,
        token by token). `unchanged` also holds it to its description, which needs the page."""
        kept = self.kept.get(key)
        if kept is None:
            return True
        if self._read is not None:
            return not self._changed.isdisjoint(kept.tokens)
        return not all(self._same(token) for token in kept.tokens)

    def note(self, key: str, own: bytes, tokens: Collection[Token], files: list[str], result: Any = None) -> None:
        """What this build's page (or set of pages) `key` read, the files it made and what else it returned
        (not recorded when a token names a collection this build does not have)."""
        ordered = sorted(coarse(tokens))
        if all(self._digest_of(token) is not None for token in ordered):
            self.made[key] = Entry(own.hex(), ordered, files, result)


@dataclass
class Reuse:
    """A build's map of what its pages read (`PageMap`), and the last build (`earlier`), whose files are
    taken as they are (hard-linked into the new output) for a page whose reads did not change."""

    pagemap: PageMap
    earlier: Earlier | None
    #: the files taken from the last build, with their stamps (see `primer.cache.BuildCache.save`)
    linked: dict[str, list[int]] = field(default_factory=dict)

    def describe(
        self, key: str, template: str, title: str, context: Mapping[str, Any], extra: bytes
    ) -> tuple[bytes, set[Token]] | None:
        """`PageMap.own`, or None for a page that cannot be mapped (it is rendered, and not recorded)."""
        try:
            return self.pagemap.own(key, template, title, context, extra)
        except Unmapped:
            return None

    def note(
        self, key: str, own: tuple[bytes, set[Token]], found: AbstractSet[Token], files: list[str], result: Any = None
    ) -> None:
        """What the output `key`, described as `describe` gave (`own`), read while it was made (`found`)."""
        self.pagemap.note(key, own[0], found | own[1], files, result)

    def weight(self, key: str) -> int:
        """How long the page `key` may take to render: the size of the file the last build made of it (0 when
        it made none). The pages that list everything (the report, the search page, the comparison of the
        sources, the timeline) are the largest by far, and their time goes with their size (about 0.1 s a
        megabyte at 256 topics): the render starts them first, each on a worker of its own."""
        stamp = self.earlier.stamps.get(key) if self.earlier is not None else None
        return stamp[0] if stamp else 0

    def take(self, out: Output, key: str, own: bytes) -> Entry | None:
        """Take the files that the page (or set of pages) `key`, described by `own`, made in the last build,
        when it would make the same bytes now and each is as that build left it: its entry; else take none
        that it can help (a file that changed since is made again), and return None."""
        if self.earlier is None:
            return None
        kept = self.pagemap.unchanged(key, own)
        if kept is None or not kept.files:
            return None
        stamps = [self.earlier.stamps.get(rel) for rel in kept.files]
        if None in stamps:
            return None
        folder = self.earlier.folder  # a text: each file's path joined as text (2,571 at 256 topics)
        for rel, stamp in zip(kept.files, stamps, strict=True):
            if rel in self.linked:
                continue
            if stamp is None or not out.linked(rel, f"{folder}/{rel}", stamp):
                return None  # the files taken already are the bytes the render would make
            self.linked[rel] = stamp
        self.pagemap.made[key] = kept
        return kept


#: Each page's last description (`PageMap.own`), in a process that builds again: what named the page, its
#: context's values (kept alive with it), and the description's hash and tokens. A page whose context holds the
#: very values it held (or equal plain values: `_alike`) is described as it was, without being described
#: again (3,863 pages and files at 256 topics, 0.03 s of each save); the tokens then name what the values are
#: now, which the map checks as it checks any page's.
_DESCRIBED: dict[str, tuple[tuple[object, ...], tuple[Any, ...], bytes, frozenset[Token]]] = {}
#: The kinds of value that a context may hold as an equal value made anew and still describe as it did.
_PLAIN = (str, int, float, bool)


def _all_alike(last: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """Whether a page's context values `now` are those it held when last described (`last`), each `_alike`."""
    return len(last) == len(now) and all(map(_alike, last, now))


def _alike(last: Any, now: Any) -> bool:
    """Whether `now` describes as `last` did: the same object, or an equal value of the same plain kind, or a list,
    tuple or dict of the same kind whose entries are, in the same order (a topic's points by source, made anew at
    each save). Any other value made anew is not: a model is described by its hash, kept by the object."""
    if last is now:
        return True
    kind = type(last)
    if kind is not type(now):
        return False
    if kind in _PLAIN:
        return bool(last == now)
    if kind is list or kind is tuple:
        return len(last) == len(now) and all(map(_alike, last, now))
    if kind is dict:
        return len(last) == len(now) and all(map(_alike, last.items(), now.items()))
    return False


def _shape(value: Any, ids: Mapping[int, Token], found: set[Token], path: str) -> Any:
    """`value` as `PageMap.own` describes it: an item of the lesson (`ids`: the tokens of the items, by their
    identities) as its token, added to `found`; raises Unmapped (for the page `path`) for a value it cannot
    describe. (A function of the module: one of each call that called itself would be a cycle, which only the
    collector frees, and which held the map's `ids`.)"""
    kind = type(value)
    if kind is str or (kind is list and all(type(v) is str for v in value)):
        return value  # a text, or ids (the items are models, each an id of its own)
    ref = ids.get(id(value))
    if ref is not None:
        found.add(ref)
        return {"__item__": list(ref)}
    if value is None or kind is int or kind is float or kind is bool:
        return value
    if isinstance(value, str):  # of a kind of its own (an enumeration's member): its plain value
        return str.__str__(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Viewed):  # a tuple: first
        found.add((value.view, EVERY))
        return {"__view__": value.view}
    if isinstance(value, list | tuple):
        return [_shape(v, ids, found, path) for v in value]
    if isinstance(value, Recorded):
        found.add((value.name, EVERY))
        return {"__all__": value.name}
    if isinstance(value, dict):
        return {"__dict__": [[_shape(k, ids, found, path), _shape(v, ids, found, path)] for k, v in value.items()]}
    if isinstance(value, BaseModel):  # by its hash: the report's page holds a report of megabytes
        return {"__model__": type(value).__qualname__, "sha256": model_hash(value)}
    raise Unmapped(path)


class Origins(NamedTuple):
    """Where a build's items were read from (`PageMap.origins`)."""

    #: the key of each file (its path and bytes)
    files: frozenset[str]
    #: the key of each collection of items read whole, by its token (`PageMap.origin`)
    wholes: dict[Token, str]

    @staticmethod
    def none() -> Origins:
        """Where the items of a build that knows none of their files were read from."""
        return Origins(frozenset(), {})

    def holds(self, token: Token, origin: str) -> bool:
        """Whether the item or collection `token`, read from `origin` now, was read from there in the build
        these origins describe."""
        return origin == self.wholes.get(token) if token[1] == EVERY else origin in self.files


def pack(
    entries: Mapping[str, Entry],
    digest: Callable[[Token], bytes],
    origins: Origins | None = None,
) -> Unpacked:
    """The map for the build record (which pickles it: see `primer.cache.BuildCache.save_map`): the `entries`,
    the `digest` of each token they read (`PageMap.stored`), and where the items were read from (`origins`:
    `PageMap.origins`; of the collections read whole, those an entry read)."""
    # each token once, in one pass of C code over all of them; the entries then name that one object, so that the
    # pickle holds each token once, and the memory of the build that reads it back (and the pickle's memo while it
    # is written: 31 MB at 256 topics, 46,101 tokens read 210,000 times, against 16 MB)
    tokens = dict.fromkeys(chain.from_iterable(entry.tokens for entry in entries.values()))
    same = dict(zip(tokens, tokens, strict=True)).__getitem__
    known, wholes = origins or Origins.none()
    return Unpacked(
        {key: entry._replace(tokens=list(map(same, entry.tokens))) for key, entry in entries.items()},
        {token: digest(token) for token in tokens},
        Origins(known, {t: w for t, w in wholes.items() if t in tokens}),
    )


class Unpacked(NamedTuple):
    """A build record's map (`pack`), as the next build reads it back."""

    entries: dict[str, Entry]
    #: each token's digest (`PageMap.stored`)
    digests: dict[Token, bytes]
    #: where the items were read from (`PageMap.origins`)
    origins: Origins


def nothing_read() -> Unpacked:
    """The map of a build whose pages read nothing (no map, or a damaged one: every page is made again)."""
    return Unpacked({}, {}, Origins.none())
