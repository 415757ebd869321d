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

A memo is exact only when the key covers everything its function reads: each use says what that is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

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


def enable(on: bool = True) -> None:
    """Turn the memos on (a process that checks the same lesson again and again: `primer serve`) or off."""
    global _ON, _OWNER
    _ON = on
    _OWNER = os.getpid() if on else None
    if not on:
        forget_all()


def on() -> bool:
    """Whether memos keep anything: a key that costs something to make is made only then."""
    return _ON


def here() -> bool:
    """Whether memos keep anything for the next check in this process: they are on, and it is the process that
    turned them on, not a worker forked from it (whose memos end with it)."""
    return _ON and os.getpid() == _OWNER


class Memo(Generic[K, V]):
    """One pure function's results by key: the current round's and the previous round's (see the module)."""

    def __init__(self, limit: int = 200_000) -> None:
        self._now: dict[K, tuple[object, V]] = {}
        self._before: dict[K, tuple[object, V]] = {}
        self._limit = limit
        with _LOCK:
            _ALL.append(self)  # type: ignore[arg-type]

    def get(self, key: K, make: Callable[[], V], keep: object = None) -> V:
        """The result for `key`, made by `make` when there is none; `keep`: the objects whose identities
        `key` holds, kept alive with the entry."""
        if not _ON:
            return make()
        found = self._now.get(key) or self._from_before(key)
        if found is None:
            found = self._put(key, (keep, make()))
        return found[1]

    def find(self, key: K) -> V | None:
        """The result kept for `key` by this round or the last (kept for this round: see `get`), or None."""
        if not _ON:
            return None
        found = self._now.get(key) or self._from_before(key)
        return None if found is None else found[1]

    def same(self, key: K, value: V) -> V:
        """`value`, or the equal value kept for `key` by this round or the last: a result made afresh that
        equals the last round's keeps the last's identity, so that memos keyed by it still find their entries
        (a generated question remade whole because another's content changed). Off, `value` itself."""
        if not _ON:
            return value
        found = self._now.get(key) or self._before.get(key)
        if found is None or (found[1] is not value and found[1] != value):
            found = (None, value)
        return self._put(key, found)[1]

    def _from_before(self, key: K) -> tuple[object, V] | None:
        """The last round's entry for `key`, kept for this round too; or None."""
        found = self._before.get(key)
        return None if found is None else self._put(key, found)

    def _put(self, key: K, found: tuple[object, V]) -> tuple[object, V]:
        """Keep `found` for `key` in this round (a full round starts a new one first)."""
        if len(self._now) >= self._limit:
            self.turn()
        self._now[key] = found
        return found

    def turn(self) -> None:
        """Start a new round: what the round before last used and the last did not is forgotten."""
        self._before, self._now = self._now, {}


#: What the last `new_round` let go of: freed by `release` at a quiet moment, or by the next round. Freeing
#: a round's entries takes milliseconds that a save's check would otherwise wait for.
_LET_GO: list[object] = []


def new_round() -> None:
    """Start a new round in every memo (a check begins). What the round before last used and the last did
    not is let go of, to be freed by `release` (or by the next round, should no quiet moment come first)."""
    with _LOCK:
        memos = list(_ALL)
        _LET_GO.clear()
        _LET_GO.extend(memo._before for memo in memos)
    for memo in memos:
        memo.turn()


def release() -> None:
    """Free what the last `new_round` let go of (call it when nothing waits: after a save's page is shown)."""
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
