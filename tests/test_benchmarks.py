"""The benchmark's corpus generator writes content that `primer check` accepts.

No timing here: speed and memory are measured by `benchmarks/compare.py`, never by a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools import ROOT, Invoke


def test_make_corpus_writes_valid_content(tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "1", str(out)],
        check=True,
        capture_output=True,
    )
    # --strict: a warning would also fail, so the benchmark measures the clean path
    result = cli("check", "--strict", "--content", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 2 sources, 20 points, 10 terms, 3 actors, 10 events, 3 places, 1 topics, 15 ")
