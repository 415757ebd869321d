"""Finding the external tools some tests need (missing tools skip locally and fail in CI), and what the tests share."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini"

#: The `cli` fixture: run primer with arguments, get click's Result.
Invoke = Callable[..., Result]
NODE_MODULES = ROOT / "node_modules"


def need(what: str, found: object) -> None:
    """Skip (or, with CI=true, fail) when a tool the test needs is missing."""
    if found:
        return
    message = f"{what} is not installed (.ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def chromium() -> str:
    """Debian's chromium."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    need("chromium", path)
    assert path is not None
    return path


def java() -> str:
    """A Java runtime for the Nu HTML Checker."""
    path = shutil.which("java")
    need("java", path)
    assert path is not None
    return path


def node_file(*parts: str) -> Path:
    """A file from an npm package installed in node_modules/."""
    path = NODE_MODULES.joinpath(*parts)
    need(f"node_modules/{'/'.join(parts)}", path.exists())
    return path


def add_sources(content: Path, count: int) -> None:
    """`count` more sources in a copy of the mini lesson (`extra-0` …, labelled "Article X0" …): copies of its
    one source with their own ids, for a lesson of more sources than fit side by side."""
    original = (content / "sources" / "mini-source.yaml").read_text(encoding="utf-8")
    for i in range(count):
        copy = original.replace("id: mini-source", f"id: extra-{i}").replace("m-", f"x{i}-")
        (content / "sources" / f"extra-{i}.yaml").write_text(copy.replace("Article M", f"Article X{i}"), "utf-8")


def files_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files read with `Path.read_bytes` from now on (the test's `monkeypatch` undoes it)."""
    read: list[str] = []
    real = Path.read_bytes

    def counting(path: Path) -> bytes:
        read.append(path.name)
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return read


def fresh(code: str, *preludes: str) -> None:
    """Run `code` in a new interpreter, after `preludes` (each dedented alike): a test session may hold threads
    (a browser's), where primer rightly declines to fork, so forking is tested where it really happens."""
    source = "\n".join(textwrap.dedent(part) for part in [*preludes, code])
    proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr


#: A prelude for `fresh`: `forked` lists the name of the work of each worker `parallel.start` forks, and
#: `files(folder)` gives each file's bytes by its path in the folder.
FORKS_COUNTED = """
    from primer import parallel
    forked = []
    _start = parallel.start
    def _counted(work, jobs, **given):
        started = _start(work, jobs, **given)
        if started.elsewhere:
            forked.append(getattr(work, "func", work).__name__)
        return started
    parallel.start = _counted
    def files(folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
"""
