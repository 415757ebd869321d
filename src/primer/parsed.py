"""The parse cache on disk: each content file parsed and validated once, for every command after.

Loading a large lesson is mostly parsing YAML and validating it (2 s at 256 topics), and a save changes
one file. `Stored` keeps what parsing each file gave (`primer.content.library.ParseCache`) in the user's
cache folder (`$PRIMER_CACHE_DIR/parsed`, else `~/.cache/primer/parsed`; `PRIMER_CACHE_DIR=off` turns it
off), one file per content file, named by the hash of its kind, path and bytes: the next `check`, `build`,
`report`, `export` or `handout` of the lesson parses only the files whose bytes changed. `primer serve` and
`primer build --watch`, which keep what they parse in memory from one save to the next, start from it too and
write back what they parse (`resident`); so do the processes beside them, which only read it.
What a file's Markdown texts gave is in its entry too (`primer.content.load.Document.links`: their links
and shown text), so that neither the load nor the lint parses an unchanged file's Markdown again.

Each lesson (its content folder, and the working folder: problems name files relative to it) has a folder
of its own, and in it each primer a folder named by a key of primer's own files and version, the libraries
it parses with and Python's version, so an entry is only ever read by the primer that wrote it, for the
same files.
Entries are pickles, signed with a secret kept in the cache folder (see `primer.cache.seal`) and read
only once their signature holds: an entry that is damaged or was not written here is ignored with a
warning, and the file is parsed. Entries that the last load did not use are removed when it writes its
new ones; a new primer's first entries for a lesson remove an older primer's, and a lesson's folder that
no command used for 30 days is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from primer.cache import base_key, seal, unsealed, user_cache
from primer.content.library import Library, Made, ParseCache, load_library
from primer.content.load import Document
from primer.content.models import KINDS
from primer.errors import ContentError

#: Bump when what an entry holds changes shape (older entries are then never read: their key differs).
FORMAT = 4
#: A lesson's folder of entries that no command has used for this many days is removed.
CACHE_DAYS = 30
#: The file, beside the entries, that names the entry of each content file's latest version: the next
#: command finds there the last version of a list file that changed, to parse only its changed entries
#: (`primer.content.splice`).
LATEST = "latest.json"
#: What an entry's name looks like (`Stored._name`).
_ENTRY_NAME = re.compile(r"[0-9a-f]{40}\.pickle")


class Stored(ParseCache):
    """A `ParseCache` whose entries are also read from, and written to, the folder `folder` (see the
    module), signed with the secret of the cache folder `root` that holds it."""

    def __init__(self, folder: Path, root: Path, *, writes: bool = True) -> None:  # folder: root / lesson / primer
        super().__init__()
        self.folder = folder
        self.root = root
        #: False: entries are read, never written (a process beside another that writes them: see `resident`)
        self.writes = writes
        #: the entries this load used (read or made), by name
        self._used: set[str] = set()
        #: the entries made by this load, to write
        self._new: dict[str, Made] = {}
        #: the entry of each file's latest version this load read or made, by kind and path (`LATEST`)
        self._latest: dict[tuple[str, str], str] = {}
        #: what `LATEST` held when this load first asked it, by kind and path
        self._listed: dict[tuple[str, str], str] | None = None
        self._warned = False

    @staticmethod
    def _name(kind: str, path: Path, raw: bytes) -> str:
        return hashlib.sha256(f"{kind}\0{path}\0".encode() + raw).hexdigest()[:40] + ".pickle"

    def _ignore(self, why: str) -> None:
        if not self._warned and self.writes:  # (one that only reads leaves it to the one that writes)
            self._warned = True
            click.echo(
                f"warning: ignoring an entry of the parse cache {self.folder} ({why}) — parsing the file", err=True
            )

    def get(self, kind: str, path: Path, raw: bytes) -> Made | None:
        """What parsing `path` as a `kind` file gave when it held `raw`: from memory, else from the folder."""
        found = super().get(kind, path, raw)
        if found is not None:
            return found
        name = self._name(kind, path, raw)
        self._used.add(name)
        made = self._entry(name)
        if made is None:
            return None
        self._latest[kind, str(path)] = name
        return super().put(kind, path, raw, made)

    def _entry(self, name: str) -> Made | None:
        """The entry `name`, when it is in the folder and was written there."""
        body = unsealed(self.folder / name, self.root, self._ignore)
        if body is None:
            return None
        try:
            made: Made = pickle.loads(body)  # signed with this cache's own secret: primer wrote it here
        except Exception:  # noqa: BLE001 - a damaged entry, whatever the error: parse the file instead
            self._ignore("it is damaged")
            return None
        return made

    def put(self, kind: str, path: Path, raw: bytes, made: Made) -> Made:
        """Remember what parsing `path` gave, and write it to the folder with `save`."""
        made = super().put(kind, path, raw, made)
        name = self._name(kind, path, raw)
        self._used.add(name)
        if self.writes:
            self._new[name] = made
        self._latest[kind, str(path)] = name
        return made

    def keep_only(self, read: set[Path]) -> None:
        """`ParseCache.keep_only`; a file no longer read has no latest entry (see `write_new`)."""
        super().keep_only(read)
        kept = {str(path) for path in read}
        for key in [key for key in self._latest if key[1] not in kept]:
            del self._latest[key]

    def last(self, kind: str, path: Path) -> tuple[bytes, Document, Any] | None:
        """The version of `path` parsed last: by this process, else by the last command that read the lesson
        (its entry, named in `LATEST`), when it had no problem. Its bytes are its document's text: an entry
        holds no others (the two differ only by a byte-order mark, which the splice refuses)."""
        found = super().last(kind, path)
        if found is not None:
            return found
        if self._listed is None:
            self._listed = self._read_latest()
        name = self._listed.get((kind, str(path)))
        made = None if name is None else self._entry(name)
        if made is None or made[0] is None or made[1] is None or made[2] or type(made[1]) is not KINDS[kind][0]:
            return None
        return made[0].text, made[0], made[1]

    def _read_latest(self) -> dict[tuple[str, str], str]:
        body = unsealed(self.folder / LATEST, self.root, self._ignore, "its list of latest entries")
        try:
            listed = json.loads(body) if body is not None else []
            return {(kind, path): name for kind, path, name in listed if _ENTRY_NAME.fullmatch(name)}
        except (ValueError, TypeError):
            self._ignore("its list of latest entries is damaged")
            return {}

    def release(self) -> None:
        """Let go of what this load parsed and read (a build holds the lesson's items in its Library: the
        parsed documents and the files' bytes would only cost memory, in this process and in every worker
        forked from it); entries not yet written are no longer written from here."""
        for _, doc, *_ in self._files.values():
            if doc is not None:
                doc.links = None  # the load alone reads them (and the entries written already hold them)
        self._files.clear()
        self._status.clear()
        self._new.clear()
        self._latest.clear()

    def pending(self) -> bool:
        """Whether this load made entries that `save` would write."""
        return bool(self._new)

    def save(self) -> None:
        """Write the entries this load made, remove those it did not use, and the folders of lessons no
        command has used for `CACHE_DAYS` (failures are not errors); then `release`."""
        try:
            self._write(self._used)
        finally:
            self.release()

    def write_new(self) -> None:
        """In a process that loads the lesson again and again and keeps what it parsed (`resident`): write the
        entries made since the last call, when there are any, and remove every other but the latest of each file
        the last load read, as `save` does, keeping all in memory. The next command, or the next start of
        `primer serve` or `--watch`, then parses only the files changed since."""
        if not self._new:
            return
        try:
            self._write(set(self._latest.values()))
        finally:
            self._new.clear()

    def _write(self, used: set[str]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            for name, made in sorted(self._new.items()):
                sealed = seal(self.root, pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
                handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry-")
                with os.fdopen(handle, "wb") as stream:
                    stream.write(sealed)
                Path(temporary).replace(self.folder / name)
            if self._latest:  # every file this load read: the entries it did not use are removed below
                body = json.dumps([[kind, path, name] for (kind, path), name in sorted(self._latest.items())])
                handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry-")
                with os.fdopen(handle, "wb") as stream:
                    stream.write(seal(self.root, body.encode()))
                Path(temporary).replace(self.folder / LATEST)
            now = time.time()
            for entry in os.scandir(self.folder):
                unused = entry.name.endswith(".pickle") and entry.name not in used
                # an entry half written by a command that was stopped (not one being written now)
                stale = entry.name.startswith(".entry-") and entry.stat(follow_symlinks=False).st_mtime < now - 3600
                if unused or stale:
                    with contextlib.suppress(OSError):
                        Path(entry.path).unlink()
            lesson = self.folder.parent
            for other in os.scandir(lesson):  # another primer's entries for this lesson: this one never reads them
                if other.is_dir(follow_symlinks=False) and other.name != self.folder.name:
                    shutil.rmtree(other.path, ignore_errors=True)
            os.utime(lesson)  # used now: pruning goes by when a lesson's folder was last used
            limit = now - CACHE_DAYS * 86400
            for other in os.scandir(self.root):
                if other.is_dir(follow_symlinks=False) and other.stat(follow_symlinks=False).st_mtime < limit:
                    shutil.rmtree(other.path, ignore_errors=True)
        except (OSError, pickle.PicklingError):
            return


def place(content: Path) -> tuple[Path, Path] | None:
    """The folder of this primer's entries for the lesson in `content`, and the cache folder that holds it;
    None when caching is off (or primer's own files cannot be read). Other results kept per lesson and
    primer (`primer.facts`) live there too."""
    root = user_cache("parsed")
    if root is None:
        return None
    base = base_key(content, {"parsed": FORMAT})
    if base is None:
        return None
    # the lesson's folder, then this primer's: a new primer's first save removes the older one's entries
    where = json.dumps([str(content.absolute()), str(Path.cwd())]).encode()
    lesson = root / hashlib.sha256(where).hexdigest()[:32]
    return lesson / base[:32], root


def stored(content: Path, *, writes: bool = True) -> Stored | None:
    """The parse cache of the lesson in `content`, or None when caching is off (or primer's own files
    cannot be read); `writes`: see `Stored`."""
    found = place(content)
    if found is None:
        return None
    folder, root = found
    with contextlib.suppress(OSError):
        if folder.parent.is_dir() and not folder.parent.is_symlink():
            os.utime(folder.parent)  # used now (see `Stored.save`)
    return Stored(folder, root, writes=writes)


def resident(content: Path, *, writes: bool = True) -> ParseCache:
    """The parse cache of a process that loads the lesson in `content` at each save and keeps what it parsed
    (`primer serve`, `primer build --watch`, and the processes beside them): its first load reads the entries of
    the parse cache on disk (0.5 s at 256 topics, where parsing every file took 2.5 s), and with `writes`, it
    writes those it made when asked (`Stored.write_new`). Only in memory when caching is off."""
    found = stored(content, writes=writes)
    return ParseCache() if found is None else found


def written(cache: ParseCache) -> None:
    """Write what `cache` made since it last wrote (`Stored.write_new`), when it keeps entries on disk."""
    if isinstance(cache, Stored) and cache.writes:
        cache.write_new()


def load(content: Path, jobs: int = 1) -> tuple[Library, Stored | None]:
    """`load_library` (on up to `jobs` processes) with the lesson's parse cache on disk: the Library, and the
    cache when it has entries to write (`Stored.save`: in a worker, when the caller has one to spare). A lesson
    that fails to load has its entries written before the error propagates: the check after the fix reads them."""
    found = stored(content)
    try:
        lib = load_library(content, found, jobs)
    except ContentError:
        if found is not None and found.pending():
            found.save()
        raise
    return lib, found if found is not None and found.pending() else None
