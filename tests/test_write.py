"""The guarded writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from primer.write import MARKER, Output, WriteError


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b", "", "a//b", "a\\b", "./a"])
def test_paths_outside_the_output_are_refused(bad: str) -> None:
    with pytest.raises(WriteError, match="inside the output folder"):
        Output().add(bad, "x")


def test_a_path_is_never_written_twice() -> None:
    out = Output()
    out.add("a/index.html", "one")
    with pytest.raises(WriteError, match="twice"):
        out.add("a/index.html", "two")


def test_commit_writes_everything_with_the_marker(tmp_path: Path) -> None:
    out = Output()
    out.add("b/c.html", "c")
    out.add("a.html", b"a")
    out.commit(tmp_path / "site", epoch=1_000_000_000)
    site = tmp_path / "site"
    assert (site / "a.html").read_bytes() == b"a"
    assert (site / "b" / "c.html").read_text() == "c"
    assert (site / MARKER).exists()
    assert (site / "a.html").stat().st_mtime == 1_000_000_000
