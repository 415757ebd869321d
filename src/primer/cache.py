"""The build cache: a rebuild of content that has not changed reuses the previous build.

One record per output folder, under the user's cache folder (`$PRIMER_CACHE_DIR/builds`, else
`$XDG_CACHE_HOME/primer/builds` or `~/.cache/primer/builds`; `PRIMER_CACHE_DIR=off` turns it off), never
inside or beside the output. A record holds:

- the key of the build: a hash of every byte of the content folder (templates included), of primer's
  own files (code, templates, static assets) and version, of the versions of the libraries it renders
  with, of Python's version, of the build's options and of the environment a build may read;
- what the build printed (its summary line and warnings) and the files it wrote, with the size,
  modification time and inode of each as they were after the write;
- the base key, which is the key without the content; and, in a file of its own, what each page read
  (`primer.reads`).

A record is kept only for a build whose content did not change while it ran.

A build whose key matches, into an output folder whose files are as that build left them, checks and
renders nothing: it reads those files back and leaves the folder as it is (the files primer did not write
stay, as they would through the guarded writer), unless `--clean` has files to remove, when it writes them
again through the guarded writer (so that every promise of the writer holds: `--clean`, the atomic swap).
Any other build runs in full and replaces the record; when its base key matches, the pages whose reads did
not change are taken from the last build (`Earlier`). Records are signed with a secret kept in the
cache folder (created on first use, readable only by its owner): a record that is damaged, was not
written here, or is in an unknown shape is ignored with a warning, and never trusted.

A second kind of record, one per lesson (`CheckRecord`, under `checks`), keeps what the last passing check of
it printed, for a `primer check` of the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import importlib.metadata
import json
import os
import pickle
import re
import secrets
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ParamSpec, TypeVar, cast

import click

import primer
from primer import memo
from primer.errors import Problem
from primer.write import MARKER, Output, file_stamp, outputs_within, stamp_of

if TYPE_CHECKING:
    from primer.reads import Entry, Origins, Token, Unpacked

T = TypeVar("T")
P = ParamSpec("P")

#: Bump when the record's shape or meaning changes: older records are then rebuilt, silently.
FORMAT = 4
#: Set PRIMER_CACHE_DIR to this to turn every cache off.
CACHE_OFF = "off"
#: Environment variables a build may read (anything else it reads is in the key already).
_ENVIRONMENT = ("SOURCE_DATE_EPOCH",)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")
#: primer's own files (code, templates, static assets): a change to any of them changes every build.
PACKAGE = Path(primer.__file__).parent


#: What a build says when it reuses the last build into the output folder.
REUSED = "nothing changed since the last build into this folder: nothing to check or render"


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH from the environment, the only clock a build may read."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    return int(value) if value and value.isdigit() else None


def user_cache(name: str) -> Path | None:
    """primer's cache folder `name` ('builds', 'pdf'): `$PRIMER_CACHE_DIR/name`, else
    `$XDG_CACHE_HOME/primer/name` or `~/.cache/primer/name`; None when PRIMER_CACHE_DIR is 'off'.
    Each cache has a folder of its own, so one cache's clean-up never touches another's files."""
    chosen = os.environ.get("PRIMER_CACHE_DIR")
    if chosen == CACHE_OFF:
        return None
    if chosen:
        return Path(chosen) / name
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "primer" / name


def cache_root() -> Path | None:
    """The folder holding every build record, or None when caching is off."""
    return user_cache("builds")


def _hash_tree(
    digest: hashlib._Hash,
    root: Path,
    skip: tuple[str, ...] = (),
    seen: Seen | None = None,
    *,
    follow: bool = False,
    skip_top: frozenset[str] = frozenset(),
) -> None:
    """Hash every file under `root` into `digest`, in a fixed order, following no symlinked folders (with
    `seen`, the hash of each; a file or folder named in `skip` is left out). What the folder holds is hashed,
    never what a link in it points to: a link by where it points (a file it reaches in the folder is hashed as
    itself), a device, pipe or socket by its kind. Reading them could read outside the folder, never end (a
    link to /dev/zero) or wait for ever (a pipe); the lesson's checks refuse them with an error. With `follow`
    (primer's own files, which it trusts), a link is read as the file it points to. Paths are strings here:
    as `Path` objects, making them took most of the time (a build hashes primer's files seven times).
    `skip_top`: folders directly in `root` left out."""
    top = os.fspath(root).rstrip("/")
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in skip and not (folder == top and d in skip_top))
        for file in sorted(names):
            if file in skip:
                continue
            path = f"{folder}/{file}"
            name = path[len(top) + 1 :].encode("utf-8", "surrogateescape")
            info = Path(path).stat() if follow else os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                digest.update(b"%s\0link\0%s\0" % (name, os.fsencode(Path(path).readlink())))
            elif not stat.S_ISREG(info.st_mode):
                digest.update(b"%s\0special\0%d\0" % (name, stat.S_IFMT(info.st_mode)))
            elif seen is not None:
                digest.update(b"%s\0%s\0" % (name, seen.digest(path, info).encode()))
            else:
                with Path(path).open("rb") as stream:  # piece by piece: a large file is not held whole
                    digest.update(b"%s\0%d\0" % (name, info.st_size))
                    while piece := stream.read(_PIECE):
                        digest.update(piece)


#: How much of a file `_hash_tree` reads at a time.
_PIECE = 1 << 20


class Seen:
    """The hashes of files read before, each with the file's status when it was read: a file whose inode,
    size and times are the same is not read again (`primer serve` hashes the lesson at every save). As git
    does, a file that had changed less than `RACY_NS` before it was read is read again each time: a write in
    the same tick of the file system's clock could leave its times as they were."""

    RACY_NS = 2_000_000_000

    def __init__(self) -> None:
        self._files: dict[str, tuple[tuple[int, ...], str]] = {}

    def digest(self, path: str, info: os.stat_result) -> str:
        """The hash of the file's bytes (`info`: its status, as the caller just read it)."""
        status = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        known = self._files.get(path)
        if known is not None and known[0] == status:
            return known[1]
        read_at = time.time_ns()  # before the read: a change during it counts as racy
        made = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if max(info.st_mtime_ns, info.st_ctime_ns) < read_at - self.RACY_NS:
            self._files[path] = (status, made)
        else:
            self._files.pop(path, None)
        return made


#: The files this process hashed (see `content_digest`).
_SEEN = Seen()


@functools.cache  # looked up once per process: `primer serve` asks on every save
def _libraries() -> tuple[str, ...]:
    """'name version' of every library primer depends on (they shape its output)."""
    found = []
    try:
        wanted = importlib.metadata.requires("primer") or []
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - primer run from a source tree
        wanted = []
    for requirement in wanted:
        if "extra ==" in requirement:
            continue
        match = _NAME.match(requirement)
        if match:
            try:
                found.append(f"{match.group(0)} {importlib.metadata.version(match.group(0))}")
            except importlib.metadata.PackageNotFoundError:
                found.append(f"{match.group(0)} -")
    return tuple(sorted(found))  # a tuple: the one answer is shared


@functools.cache  # once per process: what a running primer is made of does not change under it
def own_key() -> str | None:
    """The hash of what primer is made of (its version and own files, the libraries, Python), or None when its
    files cannot be read: the key of what primer keeps for itself rather than for a lesson (its compiled
    templates)."""
    digest = hashlib.sha256(f"primer-own {primer.__version__} {sys.version}\0{_libraries()}\0".encode())
    own = _own_files()
    if own is None:
        return None
    digest.update(own)
    return digest.hexdigest()


def base_key(content: Path, options: Mapping[str, object]) -> str | None:
    """The hash of everything a build's output depends on but its content, or None when some of it cannot
    be read: primer's own files and version, the libraries, Python, the options and the environment."""
    digest = hashlib.sha256(f"primer-build {FORMAT} {primer.__version__} {sys.version}\0".encode())
    settings = {
        "options": options,
        "content": str(content.absolute()),
        "cwd": str(Path.cwd()),  # the paths in warnings are shown relative to it
        "environment": {name: os.environ.get(name) for name in _ENVIRONMENT},
        "libraries": _libraries(),
    }
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    own = _own_files()
    if own is None:
        return None
    digest.update(own)
    return digest.hexdigest()


def _own_files() -> bytes | None:
    """The hash of primer's files (None when one cannot be read), each by its hash, read again only when it
    changed; within a build (`own_files_once`), worked out once."""
    if _OWN:
        return _OWN[0]
    digest = hashlib.sha256()
    try:
        _hash_tree(digest, PACKAGE, skip=("__pycache__",), seen=_SEEN, follow=True)
    except OSError:
        return None
    found = digest.digest()
    if _OWN_ONCE:
        _OWN.append(found)
    return found


#: While a build runs (`own_files_once`): the hash of primer's files, once worked out.
_OWN: list[bytes] = []
#: How many builds run (`own_files_once`): their keys share one hash of primer's files.
_OWN_ONCE: list[bool] = []


def own_files_once(run: Callable[P, T]) -> Callable[P, T]:
    """`run` (a build), within which primer's files are hashed once for every key that holds them (`base_key`):
    a build asks for the key four times before its output is written, each a walk through its 164 files (0.002-0.003 s).
    Each build looks at them again: a template changed between two saves is seen by the second."""

    @functools.wraps(run)
    def once(*args: P.args, **kwargs: P.kwargs) -> T:
        _OWN_ONCE.append(True)
        try:
            return run(*args, **kwargs)
        finally:
            _OWN_ONCE.pop()
            if not _OWN_ONCE:
                _OWN.clear()

    return once


def build_key(
    content: Path, options: Mapping[str, object], base: str | None = None, found: str | None = None
) -> str | None:
    """The hash of everything a build's output depends on (`base`: its `base_key`, `found`: its
    `content_digest`, when known already), or None when some of it cannot be read."""
    base = base if base is not None else base_key(content, options)
    found = found if found is not None else content_digest(content)
    if base is None or found is None:
        return None
    return hashlib.sha256(f"{base}\0content\0{found}".encode()).hexdigest()


def content_digest(content: Path, seen: Seen | None = None) -> str | None:
    """The hash of every file in the content folder, by the hash of each (None when one cannot be read),
    reading only the files that changed since `seen` read them (by default, this process's `Seen`: a build
    works out the digest three times, before it starts, before it checks and once it has written, and reads
    the lesson's files once). An output folder in it is not the lesson's (`outputs_within`)."""
    digest = hashlib.sha256()
    try:
        _hash_tree(digest, content, seen=_SEEN if seen is None else seen, skip_top=outputs_within(content))
    except OSError:
        return None
    return digest.hexdigest()


#: Each cache folder's secret as this process read it, with the file's status then: the parse cache's entries
#: each ask for it (773 times at 256 topics), and a file whose status is the same is not read again.
_SECRETS: dict[Path, tuple[tuple[int, ...], bytes]] = {}


def secret(root: Path, create: bool) -> bytes | None:
    """The secret that signs the records of the cache folder `root` (made on first use, readable by its
    owner only), or None when there is none and `create` is false."""
    path = root / "secret"
    with contextlib.suppress(OSError):
        info = path.lstat()  # a link is not the secret
        if stat.S_ISREG(info.st_mode):
            status = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            known = _SECRETS.get(path)
            if known is not None and known[0] == status:
                return known[1]
            read_at = time.time_ns()
            data = path.read_bytes()
            if len(data) == 32:
                if max(info.st_mtime_ns, info.st_ctime_ns) < read_at - Seen.RACY_NS:  # see `Seen`
                    _SECRETS[path] = (status, data)
                return data
    if not create:
        return None
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = secrets.token_bytes(32)
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".secret-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    try:
        # only where there is none: the workers of one command (the report's, the exports') may each find none
        # and make one at the same moment, and what one of them signed with a secret the other's replaced would
        # be ignored by the next command as not primer's
        os.link(temporary, path)
    except FileExistsError:
        made = secret(root, create=False)
        if made is not None:
            Path(temporary).unlink()
            return made
        Path(temporary).replace(path)  # not a secret (a link, or damaged): replaced
    else:
        Path(temporary).unlink()
    return data  # mkstemp made it readable by its owner only


def _signature(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def seal(root: Path, body: bytes) -> bytes:
    """`body` signed with the secret of the cache folder `root`, to be read back by `unseal` (raises OSError
    when the secret cannot be made)."""
    key = secret(root, create=True)
    assert key is not None
    return _signature(key, body).encode() + b"\n" + body


class Signing:
    """Writes what `seal` would give for a body written to it piece by piece, into the file `stream` (open
    for writing, at its start): room for the signature first, the body as it comes, then the signature in
    front of it (`finish`). Raises OSError when the secret cannot be made."""

    def __init__(self, root: Path, stream: BinaryIO) -> None:
        key = secret(root, create=True)
        assert key is not None
        self._mac = hmac.new(key, digestmod=hashlib.sha256)
        self._stream = stream
        stream.write(b" " * (self._mac.digest_size * 2) + b"\n")

    def write(self, data: bytes) -> int:
        """Write a piece of the body."""
        self._mac.update(data)
        return self._stream.write(data)

    def finish(self) -> None:
        """Write the signature in front of the body."""
        self._stream.seek(0)
        self._stream.write(self._mac.hexdigest().encode())


def unseal(root: Path, raw: bytes) -> bytes | None:
    """The body `seal` signed in the cache folder `root`, or None when `raw` was not signed there or is damaged."""
    key = secret(root, create=False)
    signature, _, body = raw.partition(b"\n")
    try:
        if key is not None and hmac.compare_digest(signature.decode(), _signature(key, body)):
            return body
    except UnicodeDecodeError:
        pass
    return None


def unsealed(path: Path, root: Path, ignore: Callable[[str], None], what: str = "it") -> bytes | None:
    """The body of the file `path` that `seal` signed in the cache folder `root`, or None: when there is no
    such file, or after telling `ignore` why (`what` names the file) when it cannot be read or was not
    signed there."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        ignore(f"cannot read {what}: {exc.strerror or exc}")
        return None
    body = unseal(root, raw)
    if body is None:
        ignore(f"{what} was not written by primer on this machine, or it is damaged")
    return body


def write_signed(root: Path, folder: Path, path: Path, body: bytes) -> list[int] | None:
    """Write `body`, signed with the secret of the cache folder `root` (`seal`), to `path` in `folder`, made when
    missing, all at once (a file beside it, then renamed); a failure to write is not an error. A `folder` that
    is a link, or not a folder, is not primer's: it is left alone (what reads it warns about it). Returns the
    file's stamp (`primer.write.file_stamp`) as written, or None when it was not."""
    try:
        sealed = seal(root, body)
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return None
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(sealed)
            stream.flush()
            stamp = stamp_of(os.fstat(stream.fileno()))  # a rename keeps the file's size, time and inode
        Path(temporary).replace(path)
    except OSError:
        return None
    return stamp


#: What this process saved last into each build record's file (by its path), or read from it: the file's stamp as
#: written (or before it was read), and what reading it back would give. A process that builds again into the same
#: folder (`primer build --watch`) takes the record and its map from here while the files are as it left them,
#: instead of reading back what it wrote (0.2 s at 256 topics), or what it read before its first save. Kept and
#: used only while `primer.memo` is on (a process that checks again).
_SAVED: dict[str, tuple[list[int], Any]] = {}


def _saved(path: Path) -> Any | None:
    """What this process saved into `path`, when the file is as it left it (and the memos are on); else None."""
    kept = _SAVED.get(str(path))
    if kept is None or not memo.on():
        return None
    try:
        return kept[1] if file_stamp(path) == kept[0] else None
    except OSError:
        return None


def _stamp_to_keep(path: Path) -> list[int] | None:
    """The stamp of `path` before it is read, for `_SAVED` to keep what it gives (while the memos are on, and it has
    a stamp): a file changed during the read then has another stamp than the one kept, and is read again."""
    if not memo.on():
        return None
    try:
        return file_stamp(path)
    except OSError:
        return None


@dataclass(frozen=True)
class Reused:
    """What a reused build tells the command line: its warnings and its summary line."""

    warnings: list[Problem]
    line: str

    def summary(self) -> str:
        """The summary line of the build it reuses."""
        return self.line


def _no_digest(token: Token) -> bytes:
    raise KeyError(token)  # a map saved without its digests: a bug in primer


class Earlier:
    """The last build into an output folder, as far as the next one may reuse its pages: the stamps of
    the files it wrote, and what each page read (`primer.reads`), read from its file when first asked for
    (`pages`)."""

    def __init__(
        self,
        out: Path,
        stamps: dict[str, list[int]],
        pages: Callable[[], Unpacked],
    ) -> None:
        self.out = out
        #: `out` as text (`primer.reads.Reuse.take` joins each file's path to it)
        self.folder = str(out)
        self.stamps = stamps
        self._read = pages
        self._pages: Unpacked | None = None

    @property
    def pages(self) -> dict[str, Entry]:
        """What each page of the last build read (empty when its file is damaged, or not that build's). Read
        the first time it is asked for: the largest file a rebuild reads (13 MB at 1,024 topics, 0.4 s), it is
        wanted only once the lesson is checked, and a build reads it while it waits for the report's
        workers, not before it loads the lesson, when nothing else runs."""
        return self._map().entries

    @property
    def digests(self) -> dict[Token, bytes]:
        """The digest of each token the last build's pages read, as that build worked it out (see `pages`)."""
        return self._map().digests

    @property
    def origins(self) -> Origins:
        """Where the last build's items were read from: its files, and its whole collections' keys
        (`primer.reads.PageMap.origins`)."""
        return self._map().origins

    def _map(self) -> Unpacked:
        if self._pages is None:
            self._pages = self._read()
        return self._pages


class BuildCache:
    """The record of builds into one output folder."""

    def __init__(self, root: Path, out: Path) -> None:
        self.out = out.absolute()
        name = hashlib.sha256(str(self.out).encode()).hexdigest()[:32]
        self.root = root
        self.folder = root / name
        self.record = self.folder / "record.json"
        self.pages = self.folder / "pages.pickle"

    @classmethod
    def open(cls, out: Path) -> BuildCache | None:
        """The cache of builds into `out`, or None when caching is off."""
        root = cache_root()
        return cls(root, out) if root is not None else None

    def _ignore(self, why: str) -> None:
        click.echo(f"warning: ignoring the build cache {self.folder} ({why}) — building everything", err=True)

    def _read(self) -> dict[str, Any] | None:
        """The record, signed and in this primer's shape, or None (with a warning when it is not primer's,
        or damaged)."""
        if not self.folder.exists() and not self.folder.is_symlink():
            return None
        if self.folder.is_symlink() or not self.folder.is_dir():
            self._ignore("it is not a folder primer made")
            return None
        saved = _saved(self.record)
        if saved is not None:
            return cast(dict[str, Any], saved)
        before = _stamp_to_keep(self.record)
        body = unsealed(self.record, self.root, self._ignore)
        if body is None:
            return None
        try:
            record = json.loads(body)
            if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("out") != str(self.out):
                return None
            record["stamps"] = {str(rel): [int(n) for n in stamp] for rel, stamp in record["stamps"].items()}
            if before is not None:  # the next build in this process takes it as one it saved (see `_SAVED`)
                _SAVED[str(self.record)] = (before, record)
            return record
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            self._ignore("it is damaged")
            return None

    def load(self, key: str) -> tuple[Reused, Output] | None:
        """The previous build, when its key is `key` and every file it wrote into the output folder is
        as it left it (by its stamp; its bytes are read only if the build is written again); else None."""
        record = self._read()
        if record is None or record.get("key") != key:
            return None
        try:
            warnings = [Problem(**w) for w in record["warnings"]]
            line = str(record["summary"])
        except (KeyError, TypeError):
            self._ignore("it is damaged")
            return None
        stamps: dict[str, list[int]] = record["stamps"]
        output = Output()
        try:
            for rel, stamp in sorted(stamps.items()):
                path = self.out / rel
                if file_stamp(path) != stamp:
                    return None  # changed since: build it again
                if rel != MARKER:
                    output.written(rel, path, stamp)  # not read: a build that has nothing to do writes nothing
        except OSError:
            return None
        return Reused(warnings, line), output

    def earlier(self, base: str) -> Earlier | None:
        """What the last build into the output folder read for each page (`primer.reads`), when it was made
        by this primer with these options (its base key is `base`); else None."""
        record = self._read()
        if record is None or record.get("base") != base:
            return None
        return Earlier(self.out, record["stamps"], partial(self._pages_of, record.get("key")))

    def _pages_of(self, key: object) -> Unpacked:
        """The map of what the pages of the build whose key is `key` read, with the digests of what they read,
        or nothing (damaged, or not that build's: then every page is made again)."""
        from primer.reads import Unpacked, nothing_read  # not for a build that reuses the last one whole

        saved = _saved(self.pages)
        if saved is None:
            before = _stamp_to_keep(self.pages)
            body = unsealed(self.pages, self.root, self._ignore, "its map of what the pages read")
            if body is None:
                return nothing_read()
            try:
                saved = pickle.loads(body)  # signed with this cache's own secret: primer wrote it here
            except Exception:  # noqa: BLE001 - damaged, whatever the error: every page is made again
                saved = None
            if not (isinstance(saved, tuple) and len(saved) == 2 and isinstance(saved[1], Unpacked)):
                self._ignore("it is damaged")
                return nothing_read()
            if before is not None:  # the next build in this process takes the very same map, as one it saved
                _SAVED[str(self.pages)] = (before, saved)
        made_for, found = saved
        # the map of the build the record describes (two builds with one key make the same pages)
        return cast(Unpacked, found) if made_for == key else nothing_read()

    def again(self, key: str, epoch: int | None, clean: bool) -> tuple[Reused, Output, list[str]] | None:
        """The previous build, when it is reusable (else None): its folder left as it is, or, when `clean` has
        files to remove, written again through the guarded writer (which keeps its every promise)."""
        found = self.load(key)
        if found is None:
            return None
        reused, output = found
        kept = output.unchanged(self.out, clean=clean)  # the folder is as that build left it: nothing to write
        if kept is None:
            kept = output.commit(self.out, epoch=epoch, clean=clean)
            record = self._read() or {}  # its map of what the pages read still holds: the same key
            self.save(key, reused.line, reused.warnings, output.paths(), base=record.get("base"))
        return reused, output, kept

    def save(
        self,
        key: str,
        summary: str,
        warnings: list[Problem],
        paths: list[str],
        *,
        base: str | None = None,
        pages: Mapping[str, Entry] | None = None,
        digests: Callable[[Token], bytes] | None = None,
        origins: Origins | None = None,
        linked: Mapping[str, list[int]] | None = None,
    ) -> Unpacked | None:
        """Record the build just written into the output folder (a failure to record is not an error):
        with its `base` key and, in a file of its own (`pages.pickle`: a build that reuses the last one whole
        never reads it), the map of what its `pages` read, with the digest of each token they read (`digests`:
        `primer.reads.PageMap.stored`; None: the map on file stays, for a build with the same key) and where
        its items were read from (`origins`: `primer.reads.PageMap.origins`). `linked`: the files
        taken from the last build, with the stamps they had then; one changed meanwhile (edited by hand
        while the build ran) is not trusted, and nothing is recorded. Returns the map saved, as the next build
        in this process takes it back (`earlier`: the very object, kept while the memos are on), or None."""
        try:
            out = str(self.out)  # a string per file, not a Path: 5,673 files at 256 topics
            stamps = {rel: file_stamp(f"{out}/{rel}") for rel in [*paths, MARKER]}
        except OSError:
            return None
        if any(stamps.get(rel) != stamp for rel, stamp in (linked or {}).items()):
            return None
        record = {
            "format": FORMAT,
            "note": "primer's record of its last build into the output folder named below; safe to delete",
            "out": str(self.out),
            "key": key,
            "base": base,
            "summary": summary,
            "warnings": [asdict(w) for w in warnings],
            "stamps": stamps,
        }
        if pages is not None:  # first: a record never names a map older than itself
            from primer.reads import Unpacked, pack

            # a pickle (signed, as the parse cache's entries are): at 256 topics 0.1 s to write and 0.03 s to read
            # back, against 0.2 s and 0.1 s as JSON, whose tokens had to be numbered and looked up again
            body = pickle.dumps((key, pack(pages, digests or _no_digest, origins)), protocol=pickle.HIGHEST_PROTOCOL)
            self._write(self.pages, body, lambda: pickle.loads(body))
        self._write(self.record, json.dumps(record, separators=(",", ":")).encode(), lambda: record)
        if pages is None or _saved(self.record) is None:
            return None
        saved = _saved(self.pages)
        return saved[1] if isinstance(saved, tuple) and isinstance(saved[1], Unpacked) else None

    def _write(self, path: Path, body: bytes, read_back: Callable[[], Any]) -> None:
        """Write `body`, signed, to `path` in the record's folder (a failure is not an error); while the memos
        are on, keep what reading it back would give (`read_back`) for the next build in this process."""
        stamp = write_signed(self.root, self.folder, path, body)
        _SAVED.pop(str(path), None)
        if stamp is not None and memo.on():
            _SAVED[str(path)] = (stamp, read_back())

    def forget(self) -> None:
        """Drop the record (before a build that may fail, so that no stale record outlives it)."""
        with contextlib.suppress(OSError):
            if self.record.is_file() and not self.folder.is_symlink():
                self.record.unlink()


def reuse(
    content: Path, out: Path, *, strict: bool, pdf: bool, clean: bool, epoch: int | None
) -> tuple[Reused, Output, list[str]] | None:
    """Write the last build into `out` again, when nothing it was made from changed and the files it
    wrote are as it left them (see the module's notes); else None, and nothing was done."""
    store = BuildCache.open(out)
    key = build_key(content, {"strict": strict, "pdf": pdf}) if store else None
    return store.again(key, epoch, clean) if store and key else None


# --------------------------------------------------------------------------- checks


class _Record:
    """What the last run of a command printed for a lesson, kept for the next run of it (one file a lesson
    folder, working folder and `name`, in the cache folder `root`): a run whose key is the record's prints
    that again without loading the lesson. The key is a build's (`build_key`: every byte of the content
    folder, primer's own files, the libraries, Python, the environment a command may read, the working folder
    the paths it prints are relative to) with `options`. A record is signed as the build records are, and one
    that is damaged or was not written here is ignored with a warning (`redo`: what the command does instead),
    never trusted."""

    #: The command's name in the record's note and in the warning, and what it does when it ignores a record.
    what = ""
    redo = ""

    def __init__(self, root: Path, content: Path, options: dict[str, object], name: str = "") -> None:
        self.root = root
        where = json.dumps([str(content.absolute()), str(Path.cwd())]).encode()
        self.path = root / f"{hashlib.sha256(where).hexdigest()[:32]}{name}.json"
        self.content = content
        self.options = options
        #: the content's `content_digest` when `load` looked the record up (None: not yet, or unreadable)
        self.found: str | None = None
        self._keys: dict[str, str | None] = {}

    def key(self, found: str) -> str | None:
        """The key of a run on the lesson whose `content_digest` is `found` (worked out once for each)."""
        if found not in self._keys:
            self._keys[found] = build_key(self.content, self.options, found=found)
        return self._keys[found]

    def _ignore(self, why: str) -> None:
        click.echo(f"warning: ignoring the {self.what} record {self.path} ({why}) — {self.redo}", err=True)

    def _load(self, read: Callable[[dict[str, Any]], T]) -> T | None:
        """What `read` makes of the record, when its key is this run's; else None."""
        if self.root.is_symlink() or (self.root.exists() and not self.root.is_dir()):
            self._ignore("its folder is not one primer made")
            return None
        self.found = content_digest(self.content)  # first: a run that follows compares the lesson with it
        body = unsealed(self.path, self.root, self._ignore)
        if body is None or self.found is None:
            return None
        key = self.key(self.found)
        try:
            record = json.loads(body)
            if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("key") != key:
                return None
            return read(record)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            self._ignore("it is damaged")
            return None

    def _save(self, found: str, fields: dict[str, object]) -> None:
        """Record a run on the lesson whose `content_digest` was `found` before it ran and is still that after
        (the caller makes sure: not edited meanwhile); a failure to record is not an error."""
        record = {
            "format": FORMAT,
            "note": f"primer's record of the last {self.what} of the lesson named below; safe to delete",
            "content": str(self.content.absolute()),
            "key": self.key(found),
            **fields,
        }
        write_signed(self.root, self.root, self.path, json.dumps(record, sort_keys=True).encode())


class CheckRecord(_Record):
    """The result of the last check of a lesson that passed, its warnings and summary line, kept for the next
    `primer check` of it (`$PRIMER_CACHE_DIR/checks`; see `_Record`), with `strict` for the options: a check
    of the same bytes prints it again (0.15 s at 256 topics, against 2.7 s). A passing build records its check
    too: the same lesson, checked the same way."""

    what = "check"
    redo = "checking everything"

    def __init__(self, root: Path, content: Path, strict: bool) -> None:
        super().__init__(root, content, {"check": FORMAT, "strict": strict})

    @classmethod
    def open(cls, content: Path, strict: bool) -> CheckRecord | None:
        """The record of the lesson in `content`, or None when caching is off."""
        root = user_cache("checks")
        return cls(root, content, strict) if root is not None else None

    def load(self) -> Reused | None:
        """The last passing check's result, when its key is this check's; else None."""
        return self._load(lambda record: Reused([Problem(**w) for w in record["warnings"]], str(record["summary"])))

    def save(self, found: str, summary: str, warnings: list[Problem]) -> None:
        """Record a passing check (see `_Record._save`)."""
        self._save(found, {"summary": summary, "warnings": [asdict(w) for w in warnings]})


class ReportRecord(_Record):
    """The last `primer report` of a lesson in one format, kept for the next (`$PRIMER_CACHE_DIR/reports`, a file
    for each format; see `_Record`): a report on the same bytes prints it again, and `--strict` fails on the
    same count of error-level findings (0.13 s at 256 topics, against 4–8 s)."""

    what = "report"
    redo = "making the report again"

    def __init__(self, root: Path, content: Path, fmt: str) -> None:
        super().__init__(root, content, {"report": FORMAT, "format": fmt}, f"-{fmt}")

    @classmethod
    def open(cls, content: Path, fmt: str) -> ReportRecord | None:
        """The record of the lesson in `content`'s report in `fmt`, or None when caching is off."""
        root = user_cache("reports")
        return cls(root, content, fmt) if root is not None else None

    def load(self) -> tuple[str, int] | None:
        """The last report's text and its count of error-level findings, when its key is this report's."""
        return self._load(lambda record: (str(record["text"]), int(record["errors"])))

    def save(self, text: str, errors: int) -> None:
        """Record the report just made, when the lesson is still as `load` found it."""
        if self.found is not None and content_digest(self.content) == self.found:
            self._save(self.found, {"text": text, "errors": errors})
