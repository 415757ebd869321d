"""Expected output for the small example content tree.

Regenerate after an intended change with:  PRIMER_REGENERATE=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from primer.build import build
from tools import MINI, ROOT

GOLDEN = ROOT / "tests" / "golden" / "mini"


#: Binary exports (zips) and handout PDFs: deterministic, but unreadable in a diff; tests/test_exports_* and
#: tests/test_handout_pdf.py read them back.
BINARY = (".zip", ".apkg", ".xlsx", ".pdf")


def _files(root: Path) -> dict[str, bytes]:
    """Every file but the static assets, which are copied from the package unchanged, and binary exports."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "static" and not p.name.endswith(BINARY)
    }


def test_mini_site_matches_the_golden_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "site"
    build(MINI, out)
    if os.environ.get("PRIMER_REGENERATE") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(
            out,
            GOLDEN,
            ignore=lambda folder, names: [
                n for n in names if n.endswith(BINARY) or (Path(folder) == out and n == "static")
            ],
        )
    got, want = _files(out), _files(GOLDEN)
    assert sorted(got) == sorted(want), "files differ; regenerate if intended (see the module docstring)"
    for name in sorted(want):
        if got[name] != want[name]:
            diff = difflib.unified_diff(
                want[name].decode().splitlines(),
                got[name].decode().splitlines(),
                f"golden/{name}",
                f"built/{name}",
                lineterm="",
            )
            pytest.fail("\n".join(list(diff)[:60]) + "\n(regenerate if intended; see the module docstring)")
