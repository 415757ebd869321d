"""Shared fixtures: a small valid content tree and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from primer.cli import main
from primer.content import library
from tools import MINI, Invoke


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """primer's caches (parse cache, checks' results, build records, PDFs, map outlines) in a folder of the test
    session's, for every test that does not give its own (`own_cache`) and every command it runs: the suite
    never writes into the developer's own cache folder (it once left thousands of lessons' entries there)."""
    folder = tmp_path_factory.mktemp("primer-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PRIMER_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A fresh copy of the small example content tree."""
    target = tmp_path / "content"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own (`PRIMER_CACHE_DIR`): parse cache, checks' results, records."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def cli() -> Invoke:
    """Run the primer CLI in-process; returns click's Result (exit_code, stdout, stderr)."""

    def invoke(*args: str | Path) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The content files parsed in this process (`_Builder._validated`), by name, as they are parsed."""
    seen: list[str] = []
    original = library._Builder._validated

    def counted(self: library._Builder, kind: str, path: Path, raw: bytes):  # type: ignore[no-untyped-def]
        seen.append(path.name)
        return original(self, kind, path, raw)

    monkeypatch.setattr(library._Builder, "_validated", counted)
    return seen
