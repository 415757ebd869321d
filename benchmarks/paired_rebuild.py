"""Two versions of primer, each rebuilding its copy of a lesson after the same edit, in turn: `primer build` as an
author runs it after a save, on every processor (the speed table's rebuilds, where `paired.py --edit` times them on
one processor each).

Usage: `python benchmarks/paired_rebuild.py [--before REV] [--after REV] [--topics 64] [--rounds 4]`

Each version has a copy of the realistic corpus (`make_corpus.py --realistic`), an output folder and a cache folder
of its own, and builds it once first. In each round, each edit of the speed table (`speed.edits`: one source, topic,
question or glossary term, a new word each round) is made in both copies, then each version rebuilds its copy (which
goes first alternates from round to round), timed from the launch to the exit, with its CPU time (its children's
included). The outputs are compared after each edit: a difference is reported. `REV` is a git revision of this
repository, or `.` for the files as they are (see `paired.py`). Everything is written to a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from compare import CHILD_ENV
from paired import differing, in_rounds
from paired_watch import medians, prepared, row
from speed import edited, edits


def rebuilt(src: Path, corpus: Path, out: Path, cache: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `primer build` of `corpus` into `out` by the primer in `src`."""
    env = {**CHILD_ENV, "PYTHONPATH": str(src), "PRIMER_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "primer", "build", "--content", str(corpus), "--out", str(out), "--no-pdf", "-q"]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    messages = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"a rebuild failed:\n{messages}")
    return wall, usage.ru_utime + usage.ru_stime


def run(before: str, after: str, topics: int, rounds: int, work: Path) -> dict[str, list[tuple[float, float]]]:
    """Each edit's ratios (after ÷ before) of wall and CPU time, round by round, printed as they come."""
    sources, corpus = prepared(before, after, topics, work)
    for side, src in sources.items():
        shutil.copytree(corpus, work / side / "corpus")
        rebuilt(src, work / side / "corpus", work / side / "out", work / side / "cache")
    print(f"{topics} topics, primer build after an edit: before = {before}, after = {after}")
    print("edit                 round  before: wall   CPU   after: wall   CPU   after ÷ before: wall   CPU")
    ratios: dict[str, list[tuple[float, float]]] = {}
    for number in range(rounds):
        order = ("before", "after") if number % 2 == 0 else ("after", "before")
        for label, (path, where) in edits(corpus).items():
            relative = path.relative_to(corpus)
            for side in sources:
                mine = work / side / "corpus" / relative
                mine.write_text(edited(mine.read_text(encoding="utf-8"), where, number), encoding="utf-8")
            took = {}
            for side in order:
                place = work / side
                took[side] = rebuilt(sources[side], place / "corpus", place / "out", place / "cache")
            ratios.setdefault(label, []).append(row(label, number, took))
            differ = differing(work / "before" / "out", work / "after" / "out")
            if differ:
                print(f"      the outputs differ in {len(differ)} files, e.g. {', '.join(differ[:3])}")
    medians(ratios)
    return ratios


def main() -> None:
    in_rounds(__doc__, 4, "primer-paired-rebuild-", run)


if __name__ == "__main__":
    main()
