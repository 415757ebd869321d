"""The one guarded writer: stays inside the output folder, never writes a path twice,
and swaps the finished build in whole so that a failed build leaves the old output untouched."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click

#: Written into every output folder, so that a later build knows it may replace the folder.
MARKER = ".primer-output"


class WriteError(Exception):
    """A target tried to write outside the output folder, or twice to one path."""


class OutputFolderError(click.ClickException):
    """The output folder holds files primer did not write; replacing it could destroy work."""


class Output:
    """Files a build produces, kept in memory until `commit` writes them all at once."""

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}

    @staticmethod
    def _clean(rel: str) -> str:
        parts = rel.split("/")
        if rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in parts):
            raise WriteError(f"refusing to write '{rel}': paths must stay inside the output folder")
        return rel

    def add(self, rel: str, data: str | bytes) -> None:
        """Queue `data` for `rel` (a '/'-separated path inside the output folder)."""
        rel = self._clean(rel)
        if rel in self._files:
            raise WriteError(f"refusing to write '{rel}' twice")
        self._files[rel] = data.encode("utf-8") if isinstance(data, str) else data

    def paths(self) -> list[str]:
        """Every queued path, sorted."""
        return sorted(self._files)

    def commit(self, out: Path, epoch: int | None = None) -> None:
        """Write everything into a fresh folder beside `out`, then swap it in place of `out`."""
        out = out.absolute()
        if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
            raise OutputFolderError(
                f"refusing to replace {out.name}/: it holds files primer did not write — "
                "choose another output folder, or empty this one first"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        try:
            (staging / MARKER).write_text("written by primer; the next build replaces this folder whole\n")
            for rel in self.paths():
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self._files[rel])
                if epoch is not None:
                    os.utime(target, (epoch, epoch))
            old = None
            if out.exists():
                old = out.with_name(f".{out.name}.old-{os.getpid()}")
                out.rename(old)
            staging.chmod(0o755)  # mkdtemp makes it private; a site folder is for reading
            staging.rename(out)
            if old is not None:
                shutil.rmtree(old)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def write_file(path: Path, data: str | bytes) -> None:
    """Write one file the user named, whole or not at all: into a temporary file beside it, then
    renamed over it, so that a reader never sees half of it."""
    path = path.absolute()
    if path.is_dir():
        raise OutputFolderError(f"refusing to write {path.name}: it is a folder — name a file instead")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.new-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        Path(temporary).chmod(0o644)  # mkstemp makes it private; an export is for sharing
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
