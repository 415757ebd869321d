"""What the checks read off each text, kept on disk from one command to the next.

The checks read every text of a lesson each time it is checked, and most of what they work out depends on
one text alone: the loaded words in it, the length of its sentences, the figures it states, the glossary
terms it names, the machinery in a question's texts. A `Facts` keeps such results by the hash of what they
were worked out from (the check, its settings and the text), so that after a save only the texts that
changed are read again. What the checks then do with them (look a figure up in the lesson's bases, place a
finding at its line) is done each time. The build's own process keeps its derive's and lint's results the
same way while it checks (`keeping`), and the search index its entries' while a build renders (`kept_in`).

The results live beside the lesson's parse cache (`primer.parsed`): one file per check of the report,
`report-<check>.facts` (whichever process makes the check: see `primer.report.InParts`), `checks.facts` for
the build's own checks and `search.facts`, in the folder of this
primer's entries for the lesson, so that a new primer never reads an older one's. Each is a pickle signed
with the cache folder's secret, read only once its signature holds (else it is ignored with a warning and
the texts are read again); it holds the results the last check used, no others. With caching off, or no
folder, nothing is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from array import array
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from primer import memo
from primer.cache import Signing, unsealed
from primer.write import file_stamp

V = TypeVar("V")

#: Bump when what a result holds changes shape (a check's results are keyed by its own name too), or its key.
FORMAT = 3


#: SHA-256, cut to 16 bytes: a rebuild at 256 topics hashes 100 MB of texts for its keys, and this machine's
#: processors hash SHA-256 in hardware, at twice BLAKE2b's speed (1.8 against 0.9 GB/s).
_START = hashlib.sha256(f"primer facts {FORMAT}".encode())
#: What stands for the kinds of the parts of a key when every part is a string (see `key`).
_ALL_TEXT = b"s"


def key(*parts: str | int | bool) -> bytes:
    """The key of a result: the hash of what it was worked out from (the check's name first). What is hashed
    is the number of parts, their kinds (text or not: each other part goes in as its `repr`), their lengths
    and then their texts, joined: so no two lists of parts hash the same text, and a key of many parts costs
    a few calls, not a few per part (a key of 31 texts took 20 µs part by part, against 10)."""
    digest = _START.copy()  # the same as starting from the text again, for a third less time
    texts: Sequence[str] = cast("tuple[str, ...]", parts)
    kinds = _ALL_TEXT
    for part in parts:
        if part.__class__ is not str:  # (the kinds below are bytes 0 and 1 alone)
            texts = [part if isinstance(part, str) else repr(part) for part in parts]
            kinds = bytes(isinstance(part, str) for part in parts)
            break
    # the number of parts, then their lengths, in the machine's own order: a key is kept in its cache alone
    lengths = array("q", (len(texts),))
    lengths.extend(map(len, texts))
    digest.update(lengths)
    digest.update(kinds)
    digest.update("".join(texts).encode("utf-8", "surrogatepass"))
    return digest.digest()[:16]


class Facts:
    """Results by key, read from the file `path` (signed with the secret of the cache folder `root`) and
    written back by `save`; with no `path`, each result is made when asked for."""

    def __init__(
        self,
        path: Path | None = None,
        root: Path | None = None,
        *,
        redone: str = "the checks read every text again",
        packed: bool = False,
    ) -> None:
        """`redone`: what a warning that the file is ignored says happens instead. `packed`: every result is held
        as `get(…, packed=True)` holds it, for a file of many small results that a check uses once each (the
        report's first part keeps 17,000 at 256 topics: 64 ms to pickle whole at each save and 80 ms to read,
        against 5 ms and 2 ms, and 70 ms to unpickle the results as they are used)."""
        self.path = path
        self.root = root
        self._redone = redone
        self._packed = packed
        self._known: dict[bytes, Any] = {}
        self._used: dict[bytes, Any] = {}
        self._new = 0
        if path is not None and root is not None:
            if _OPENED is not None:
                _OPENED[path] = root
            ahead = _AHEAD.pop(path, None)
            if ahead is not None and ahead[0] == _stamp(path):  # read at the last quiet moment (`read_again`)
                self._known = ahead[1]
            else:
                self._known = _read(path, root, self._ignore) or {}
            _owner(path).now(self._used, self._known)  # the file's results for this check (see `_Owner`)

    @property
    def keeps(self) -> bool:
        """Whether results are kept (there is a file): else a key costs its hashing for nothing."""
        return self.path is not None

    def _ignore(self, why: str) -> None:
        click.echo(f"warning: ignoring {self.path} ({why}) — {self._redone}", err=True)

    def get(self, found: bytes | Callable[[], bytes], make: Callable[[], V], *, packed: bool = False) -> V:
        """The result kept for the key `found`, else made by `make` (and kept, when there is a file to keep
        it in: a check reads each text once, so results kept for this process only would only cost memory).
        `found` may be a function that makes the key: it is called only when results are kept, so that a key
        costs nothing when they are not. A `packed` result is held pickled until the file is written: a large
        one (the glossary's questions) then costs its pickle's bytes, not its objects, once its user has let go
        of them; in a process that checks again, it is the object this process last had for the key
        (`_UNPACKED`), which no user changes."""
        if self.path is None:
            return make()
        packed = packed or self._packed
        if callable(found):
            found = found()
        if memo.making():  # a memo's result made from this one: a round that finds it uses this again
            memo.again(_owner(self.path), found)
        value = self._used.get(found, self)
        if value is self:
            value = self._known.get(found, self)
            if value is self:
                value = make()
                self._new += 1
                if packed:
                    self._used[found] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                    return _UNPACKED.get(found, lambda: value) if memo.here() else value
                self._used[found] = value
                return value
            self._used[found] = value
        if packed:
            if memo.here():  # the very result the last check in this process had for the key (see `_UNPACKED`)
                return _UNPACKED.get(found, partial(pickle.loads, value))  # type: ignore[no-any-return]
            return pickle.loads(value)  # type: ignore[no-any-return] # signed: primer wrote it (see __init__)
        return value  # type: ignore[no-any-return]

    def peek(self, found: bytes) -> Any:
        """The result kept for the key `found`, or None; it is not counted as used (see `keep`). (As held: a
        `packed` file's results are their pickles' bytes.)"""
        return self._used.get(found, self._known.get(found))

    def keep(self, found: bytes, value: Any) -> None:
        """Count `value` as the result for the key `found`, used by this check (a new one, or one `peek` gave)."""
        if self._known.get(found, self) is not value:
            self._new += 1
        self._used[found] = value

    def save(self, *, unused: bool = False) -> None:
        """Write the results this check used (none it did not; with `unused`, the others read from the file
        too), when that changes the file; a failure to write is not an error. The pickle goes straight into
        the file, signed as it goes (no copy of it in memory), and the signature in front of it last."""
        if self.path is None or self.root is None:
            return
        _owner(self.path).done(self._used)
        if unused:
            self._used = {**self._known, **self._used}
        if not self._new and len(self._used) == len(self._known):
            return  # the same results as the file holds
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # named as the parse cache's half-written entries, which it removes once an hour old
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".entry-")
            with os.fdopen(handle, "wb") as stream:
                signing = Signing(self.root, stream)
                pickle.dump(self._used, signing, protocol=pickle.HIGHEST_PROTOCOL)
                signing.finish()
            Path(temporary).replace(self.path)
        except (OSError, pickle.PicklingError):
            return


#: A packed result (`Facts.get`) by its key, as this process last unpacked or made it, in a process that checks
#: again: the key is the hash of everything the result was worked out from, so the result for it is the same
#: whichever check asks. A save's report then holds the very findings the last one held where they are the same
#: (each is kept as an object downstream: `primer.report._kept_findings`), not copies unpickled afresh (7,700 of
#: the report's 9,138 findings at 256 topics, each made again into a key at 1.5 µs).
_UNPACKED: memo.Memo[bytes, Any] = memo.Memo()


def _read(path: Path, root: Path, ignore: Callable[[str], None]) -> dict[bytes, Any] | None:
    """The results in the file `path`, signed with the secret of the cache folder `root`; else None, after telling
    `ignore` why, unless there is no such file."""
    body = unsealed(path, root, ignore, f"the checks' results {path.name}")
    if body is None:
        return None
    try:
        known = pickle.loads(body)  # signed with this cache's own secret: primer wrote it here
    except Exception:  # noqa: BLE001 - damaged, whatever the error: read the texts again
        ignore("they are damaged")
        return None
    return known if isinstance(known, dict) else None


def _stamp(path: Path) -> list[int] | None:
    """The file's stamp (`primer.write.file_stamp`), or None when there is none."""
    try:
        return file_stamp(path)
    except OSError:
        return None


#: The files of results opened in this process since `read_again` last read them, when it is to (`reading_again`).
_OPENED: dict[Path, Path] | None = None
#: Each file's results as `read_again` read them, with the file's stamp then: the next `Facts` opened on the same
#: file takes them, unless it changed meanwhile.
_AHEAD: dict[Path, tuple[list[int] | None, dict[bytes, Any]]] = {}


def reading_again(on: bool = True) -> None:
    """From now on (or no longer), note the files of results this process opens, for `read_again`."""
    global _OPENED
    _OPENED = {} if on else None
    _AHEAD.clear()


def read_again() -> None:
    """Read each file of results this process opened since the last call, as its next check would on opening it:
    a process that checks again (`primer build --watch`) calls this once a build is said to be written, so
    that its next check finds them read (the build's own checks' file took 30–40 ms to read at 256 topics,
    and the exports' texts' 20–30 ms, at the start of each save's check and its render). A file that cannot be
    read is left for that check, which says why."""
    if _OPENED is None:
        return
    opened = sorted(_OPENED.items())
    _OPENED.clear()
    _AHEAD.clear()
    for path, root in opened:
        stamp = _stamp(path)
        known = _read(path, root, lambda why: None) if stamp is not None else None
        if known is not None:
            _AHEAD[path] = (stamp, known)


class _Owner:
    """One file's results, as memos' results made from them name it (`primer.memo.again`). A later check in
    this process that finds such a result uses them too (`used_again`), so the file keeps them: else a file
    that keeps only what its last check used would lose them, and the next check whose memos could not help
    would work them out again. (A result the file has lost meanwhile is not put back.)"""

    def __init__(self) -> None:
        #: the results the check now running used, and those read from the file (of the last `Facts` opened on
        #: it, until it is saved)
        self._used: dict[bytes, Any] | None = None
        self._known: dict[bytes, Any] = {}
        #: the keys `used_again` was given, not counted in `_used` yet (`_count`)
        self._again: list[tuple[Hashable, ...]] = []

    def now(self, used: dict[bytes, Any], known: dict[bytes, Any]) -> None:
        """A check opened the file: these are its results (`Facts._used`, `Facts._known`)."""
        self._count()
        self._used, self._known = used, known

    def done(self, used: dict[bytes, Any]) -> None:
        """The check whose results are `used` saves the file: what it used again is counted now, and later
        uses would not be written."""
        if self._used is used:
            self._count()
            self._used, self._known = None, {}

    def used_again(self, keys: tuple[Hashable, ...]) -> None:
        """Count the results for `keys` (this file's: `Facts.get` noted them) as used by the check now running,
        once it saves them (`done`): a save's check at 256 topics is told this 15,000 times, of 33,000 keys, as
        its memos find their results, and one count of them all takes a few sets' operations."""
        if self._used is not None:
            self._again.append(keys)

    def _count(self) -> None:
        """Count the results `used_again` was told of (those the file holds) as used, when not used already."""
        again, self._again = self._again, []
        used, known = self._used, self._known
        if not again or used is None:
            return
        keys = cast(set[bytes], set().union(*again))
        keys.difference_update(used.keys())
        keys.intersection_update(known.keys())
        for found in keys:
            used[found] = known[found]


_OWNERS: dict[Path, _Owner] = {}


def _owner(path: Path) -> _Owner:
    """The file `path`'s `_Owner`."""
    found = _OWNERS.get(path)
    if found is None:
        found = _OWNERS[path] = _Owner()
    return found


#: The results the build's own process keeps while it checks (`keeping`): its derive and lint read them.
_KEPT: ContextVar[Facts | None] = ContextVar("kept", default=None)
_NONE = Facts()


@contextlib.contextmanager
def keeping(facts: Facts) -> Iterator[None]:
    """Within the block, `kept()` is `facts`."""
    token = _KEPT.set(facts)
    try:
        yield
    finally:
        _KEPT.reset(token)


def kept() -> Facts:
    """The results kept by the check running here (`keeping`), or a `Facts` that keeps nothing."""
    return _KEPT.get() or _NONE


#: Where the lesson's kept results live while a build renders (`kept_in`): the parse cache's folder for the
#: lesson and this primer, and the cache folder (`primer.parsed.place`).
_PLACE: ContextVar[tuple[Path, Path] | None] = ContextVar("place", default=None)


@contextlib.contextmanager
def kept_in(place: tuple[Path, Path] | None) -> Iterator[None]:
    """Within the block, `own` keeps results in `place` (None: nowhere)."""
    token = _PLACE.set(place)
    try:
        yield
    finally:
        _PLACE.reset(token)


def own(name: str) -> Facts:
    """The results kept in the file `<name>.facts` of the place `kept_in` gives, for one user that reads and
    saves them (the search index, made in one worker); a `Facts` that keeps nothing outside `kept_in`."""
    place = _PLACE.get()
    return Facts() if place is None else Facts(place[0] / f"{name}.facts", place[1])
