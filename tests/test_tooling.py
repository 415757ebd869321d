"""The project's own guards run with the tests: ruff (check and format) and mypy strict on src/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools import ROOT


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "src", "tests", "benchmarks"],
        ["ruff", "format", "--check", "src", "tests", "benchmarks"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_passes(command: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_suite_keeps_primers_caches_in_a_folder_of_the_session(
    session_cache: Path, mini: Path, tmp_path: Path
) -> None:
    """A test that gives no cache folder of its own builds with the session's, never the developer's own."""
    from primer import cache
    from primer.build import build

    assert cache.cache_root() == session_cache / "builds"
    build(mini, tmp_path / "site", pdf=False, cache=True)
    assert any(session_cache.glob("builds/*/record.json")) and any(session_cache.glob("parsed/*/*/*.pickle"))
