"""Results of pure functions kept from one check to the next in the same process, so that `primer serve`
redoes after a save only the work whose inputs the save changed.

A `Memo` maps a key to a result. Keys are made of values (texts, tuples of strings) or of the identities
of content items: the parse cache (`primer.content.library.ParseCache`) hands back the very same,
immutable (frozen) objects for a file whose bytes did not change, so an item that is the same object is
the same content. An entry keeps the objects its key names alive, so that no other object can take
their identity while the entry exists. Each memo keeps what the last two rounds used and forgets the
rest, so it never holds more than about two checks' worth (three until `release` frees what a round let
go of, at a moment when nothing waits for it). They are off unless a process turns them on
(`enable`): `primer build` checks once, and would only pay for the storing.

A result made from other memos' results (the glossary's questions, from each term's) keeps those entries
with it: a round that finds the result uses them too, though it asks none of them. Otherwise they would be
forgotten after two rounds that found the whole, and the next edit would make every part again (each
term's questions, 1.4 s at 256 topics, after a build that changed no term).

A result made from results kept on disk (`primer.facts`) notes, as it is made, each one it used
(`again`): a round that finds the result tells their file that it used them again. Else the file, which
keeps only what its last check used, would lose them once a round found the result in memory, and the next
round that could not (its questions made anew, say) would work them out again (the near-duplicate stems,
0.4 s at 256 topics, at the first topic's edit after a run of sources' edits).

A memo is exact only when the key covers everything its function reads: each use says what that is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Cached(Protocol):
    def cache_clear(self) -> None: ...


C = TypeVar("C", bound=_Cached)
#: The `functools` caches that only the checks read (see `check_only`).
_CHECK_ONLY: list[_Cached] = []


def check_only(cached: C) -> C:
    """Mark a `functools.lru_cache` whose entries only the checks read (the report's sentences and words,
    the lint's readings of answers): `forget_check_only` empties it once a build has checked its lesson."""
    _CHECK_ONLY.append(cached)
    return cached


def forget_check_only() -> None:
    """Empty the caches marked `check_only` (`primer build`, once checked: the render never reads them)."""
    for cached in _CHECK_ONLY:
        cached.cache_clear()


_ALL: list[Memo[object, object]] = []
_LOCK = threading.Lock()
#: Whether memos keep anything (`enable`): off, each `get` makes its result afresh.
_ON = False
#: The process that turned the memos on (`here`).
_OWNER: int | None = None
#: This process's id, told again in a child forked from it: `here` is asked per result a check keeps, and
#: `os.getpid` asks the system each time (0.01 s of the report's first part at 256 topics).
_PID = os.getpid()


def _forked() -> None:
    global _PID
    _PID = os.getpid()


os.register_at_fork(after_in_child=_forked)


def enable(on: bool = True) -> None:
    """Turn the memos on (a process that checks the same lesson again and again: `primer serve`) or off."""
    global _ON, _OWNER
    _ON = on
    _OWNER = _PID if on else None
    if not on:
        forget_all()


def on() -> bool:
    """Whether memos keep anything: a key that costs something to make is made only then."""
    return _ON


def here() -> bool:
    """Whether memos keep anything for the next check in this process: they are on, and it is the process that
    turned them on, not a worker forked from it (whose memos end with it)."""
    return _ON and _PID == _OWNER


class Owner(Protocol):
    """What keeps results outside the memos (a file of them: `primer.facts`), which a memo's result was made
    from (`again`)."""

    def used_again(self, keys: tuple[Hashable, ...]) -> None:
        """Count the results for `keys` as used by the check now running."""


#: What a round that finds an entry uses again (`again`): each owner, with the keys of its results.
_Again = tuple[tuple[Owner, tuple[Hashable, ...]], ...]
#: An entry: the objects its key names (kept alive with it), its result, the entries of other memos that
#: making the result used (`Memo.get`: kept with it), and the results outside the memos it was made from.
_Entry = tuple[object, V, tuple[tuple["Memo[Any, Any]", Hashable], ...], _Again]


class _Making(threading.local):
    """The entries used by each result being made on this thread, innermost last (`Memo.get`), and the results
    outside the memos that it was made from (`again`)."""

    def __init__(self) -> None:
        self.used: list[list[tuple[Memo[Any, Any], Hashable]]] = []
        self.again: list[dict[Owner, list[Hashable]]] = []


_MAKING = _Making()


class Memo(Generic[K, V]):
    """One pure function's results by key: the current round's and the previous round's (see the module)."""

    def __init__(self, limit: int = 200_000) -> None:
        self._now: dict[K, _Entry[V]] = {}
        self._before: dict[K, _Entry[V]] = {}
        self._limit = limit
        with _LOCK:
            _ALL.append(self)  # type: ignore[arg-type]

    def get(self, key: K, make: Callable[[], V], keep: object = None) -> V:
        """The result for `key`, made by `make` when there is none; `keep`: the objects whose identities
        `key` holds, kept alive with the entry. The entries of other memos that `make` uses are kept with it
        (see the module)."""
        if not _ON:
            return make()
        making, outside = _MAKING.used, _MAKING.again
        found = self._now.get(key) or self._carried(key)
        if found is None:
            making.append([])
            outside.append({})
            try:
                value = make()
            finally:
                used = making.pop()
                read = outside.pop()
            found = self._put(key, (keep, value, tuple(used), _kept(read)))
        if making:
            making[-1].append((self, key))
            if found[3]:  # a result made from this one was made from what this one was made from
                _note(outside[-1], found[3])
        return found[1]

    def find(self, key: K) -> V | None:
        """The result kept for `key` by this round or the last (kept for this round: see `get`), or None."""
        if not _ON:
            return None
        found = self._now.get(key) or self._carried(key)
        if found is not None:
            self._used(key)
        return None if found is None else found[1]

    def same(self, key: K, value: V) -> V:
        """`value`, or the equal value kept for `key` by this round or the last: a result made afresh that
        equals the last round's keeps the last's identity, so that memos keyed by it still find their entries
        (a generated question remade whole because another's content changed). Off, `value` itself."""
        if not _ON:
            return value
        found = self._now.get(key) or self._before.pop(key, None)
        if found is None or (found[1] is not value and found[1] != value):
            found = (None, value, (), ())
        self._used(key)
        return self._put(key, found)[1]

    def _carried(self, key: K) -> _Entry[V] | None:
        """The last round's entry for `key`, kept for this round with the entries it used (`_carry`); or None.
        (An entry kept for this round leaves the last's, so that a key is in one of them at most.)"""
        found = self._before.pop(key, None)
        if found is None:
            return None
        if len(self._now) >= self._limit:  # (`_put`, written out: a rebuild carries tens of thousands of entries)
            self.turn()
        self._now[key] = found
        if found[2]:  # carried by `settle`, before this round ends
            _UNCARRIED.append(found[2])
        for owner, keys in found[3]:
            owner.used_again(keys)
        return found

    def _used(self, key: K) -> None:
        """Note that the result being made on this thread, if any, used this memo's entry for `key`."""
        making = _MAKING.used
        if making:
            making[-1].append((self, key))
            found = self._now.get(key)
            if found is not None and found[3]:
                _note(_MAKING.again[-1], found[3])

    def _put(self, key: K, found: _Entry[V]) -> _Entry[V]:
        """Keep `found` for `key` in this round (a full round starts a new one first)."""
        if len(self._now) >= self._limit:
            self.turn()
        self._now[key] = found
        return found

    def turn(self) -> None:
        """Start a new round: what the round before last used and the last did not is forgotten (the entries
        this round's found results were made of are carried into it first: `settle`)."""
        settle()
        self._before, self._now = self._now, {}


def making() -> bool:
    """Whether a memo's result is being made on this thread (`again` then notes what it reads)."""
    return bool(_MAKING.again)


def again(owner: Owner, key: Hashable) -> None:
    """Note that the result being made on this thread (if any) was made from `owner`'s result for `key`: a
    round that finds the result tells `owner` that it used that again (see the module)."""
    outside = _MAKING.again
    if outside:
        outside[-1].setdefault(owner, []).append(key)


def _kept(read: dict[Owner, list[Hashable]]) -> _Again:
    """What `again` noted, as an entry keeps it (each key once)."""
    return tuple((owner, tuple(dict.fromkeys(keys))) for owner, keys in read.items())


def _note(read: dict[Owner, list[Hashable]], kept: _Again) -> None:
    """Add to `read` (what a result being made was made from) what an entry it uses was made from."""
    for owner, keys in kept:
        read.setdefault(owner, []).extend(keys)


def _carry(used: tuple[tuple[Memo[Any, Any], Hashable], ...]) -> None:
    """Keep for this round the entries of the last round that `used` names, and those they used in turn (an
    entry of this round had its own kept when it was made or found)."""
    for memo, key in used:
        found = memo._before.pop(key, None)  # None: kept for this round already, or forgotten
        if found is None:
            continue
        if len(memo._now) >= memo._limit:  # (`_put`, written out: 22,000 entries after a source's edit at 256 topics)
            memo.turn()
        memo._now[key] = found
        if found[2]:
            _carry(found[2])


#: The entries of the last round that results found in this round were made of (`Memo._carried`), still to be
#: carried into it (`settle`): at a quiet moment (`release`), or as the round ends. A save's check at 256 topics
#: finds 32,000 results of the last round, which name 35,000 entries; carrying them meanwhile took 0.06 s of the
#: build's process, mostly spent copying the memory pages that the workers it had forked still shared (each
#: entry's count of references changes), and the workers carried theirs for nothing (their memos end with them).
_UNCARRIED: list[tuple[tuple[Memo[Any, Any], Hashable], ...]] = []


def settle() -> None:
    """Carry into this round the entries that its found results were made of (see `_UNCARRIED`)."""
    while _UNCARRIED:
        _carry(_UNCARRIED.pop())


#: What the last `new_round` let go of: freed by `release` at a quiet moment, or by the next round. Freeing
#: a round's entries takes milliseconds that a save's check would otherwise wait for.
_LET_GO: list[object] = []


def new_round() -> None:
    """Start a new round in every memo (a check begins). What the round before last used and the last did
    not is let go of, to be freed by `release` (or by the next round, should no quiet moment come first)."""
    settle()  # (before the rounds' entries are let go of)
    with _LOCK:
        memos = list(_ALL)
        _LET_GO.clear()
        _LET_GO.extend(memo._before for memo in memos)
    for memo in memos:
        memo.turn()


def release() -> None:
    """Free what the last `new_round` let go of, and carry what this round's found results were made of
    (`settle`): call it when nothing waits (after a save's page is shown)."""
    settle()
    with _LOCK:
        let_go = list(_LET_GO)
        _LET_GO.clear()
    del let_go  # freed here, outside the lock


def identities(*groups: object) -> tuple[int, ...]:
    """The identities of the objects in `groups` (each an iterable of objects, or one object), in order,
    each group closed by -1: a key part for `Memo.get` (pass the groups as `keep`)."""
    found: list[int] = []
    for group in groups:
        if isinstance(group, list | tuple):
            found.extend(map(id, group))
        else:
            found.append(id(group))
        found.append(-1)
    return tuple(found)


def forget_all() -> None:
    """Empty every memo (the next check makes everything afresh)."""
    with _LOCK:
        memos = list(_ALL)
    for memo in memos:
        memo.turn()
        memo.turn()
    release()
