"""Two versions of primer, started in turn as an author starts them: `primer build --watch` on an output that is up
to date, on a missing output, and with an empty cache folder besides, each until it says it is watching and then
through its first save; and `primer serve` until it says it is serving.

Usage: `python benchmarks/paired_start.py [--before REV] [--after REV] [--topics 64] [--rounds 3]`

Each version has a copy of the realistic corpus (`make_corpus.py --realistic`) and a cache folder of its own, and
is built once by `primer build` first. In each round, each way of starting is run by one version, then by the other
(which goes first alternates from round to round): the time from the launch to the line that it watches (or serves),
and for a watch, the time from the write of the first source's edit (`speed.edits`, one second after that line, as
an author saves) to the line that it built; the edit is undone (and built) before the watch is stopped, so that the
next start finds its output up to date again. `REV` is a git revision of this repository, or `.` for the files as
they are (see `paired.py`). Everything is written to a temporary folder.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from compare import CHILD_ENV
from paired import in_rounds
from paired_watch import Running, prepared
from speed import edited, edits

#: The ways of starting, in the order each round runs them.
STARTS = ("up to date", "output missing", "cache empty", "serve")


def timed(how: str, src: Path, corpus: Path, out: Path, cache: Path) -> tuple[float, float | None]:
    """(seconds from the launch to the line that it watches or serves, seconds from the first save to the line that
    it built, None for `serve`) of one start `how` (`STARTS`)."""
    if how in ("output missing", "cache empty"):
        shutil.rmtree(out, ignore_errors=True)
    if how == "cache empty":
        shutil.rmtree(cache, ignore_errors=True)
    env = {**CHILD_ENV, "PYTHONPATH": str(src), "PRIMER_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "primer"]
    if how == "serve":
        command += ["serve", "--content", str(corpus), "--port", "0"]
    else:
        command += ["build", "--content", str(corpus), "--out", str(out), "--no-pdf", "--watch"]
    started = Running(command, env)
    try:
        at, _ = started.until("serving " if how == "serve" else "watching ")
        if how == "serve":
            return at - started.launched, None
        path, where = edits(corpus)["one source edited"]
        original = path.read_text(encoding="utf-8")
        time.sleep(1.0)  # as an author saves, a moment after it says it watches
        written = time.perf_counter()
        path.write_text(edited(original, where), encoding="utf-8")
        built, line = started.until("built ", "Error: ", "nothing changed")
        path.write_text(original, encoding="utf-8")
        if not line.startswith("built "):
            sys.exit(f"{how}: {line}")
        started.until("built ", "Error: ", "nothing changed")  # undone: the output is up to date for the next start
        return at - started.launched, built - written
    finally:
        started.stop()


def run(before: str, after: str, topics: int, rounds: int, work: Path) -> dict[str, list[tuple[float, float]]]:
    """Each start's (after ÷ before) ratios of the time to watching (or serving) and of the first save's, round by
    round, printed as they come."""
    sources, corpus = prepared(before, after, topics, work)
    for side, src in sources.items():
        shutil.copytree(corpus, work / side / "corpus")
        env = {**CHILD_ENV, "PYTHONPATH": str(src), "PRIMER_CACHE_DIR": str(work / side / "cache")}
        command = [sys.executable, "-m", "primer", "build", "--content", str(work / side / "corpus")]
        built = [*command, "--out", str(work / side / "out"), "--no-pdf", "-q"]
        subprocess.run(built, env=env, check=True, capture_output=True)
    print(f"{topics} topics: before = {before}, after = {after}")
    print("start            round  before: started   save   after: started   save   after ÷ before: started   save")
    ratios: dict[str, list[tuple[float, float]]] = {}
    for number in range(rounds):
        order = ("before", "after") if number % 2 == 0 else ("after", "before")
        for how in STARTS:
            took = {}
            for side in order:
                place = work / side
                took[side] = timed(how, sources[side], place / "corpus", place / "out", place / "cache")
                time.sleep(1.0)
            (start_b, save_b), (start_a, save_a) = took["before"], took["after"]
            saves = (save_a / save_b) if save_a is not None and save_b is not None else float("nan")
            ratios.setdefault(how, []).append((start_a / start_b, saves))
            shown_b, shown_a = ("–" if s is None else f"{s:.2f} s" for s in (save_b, save_a))
            print(
                f"{how:15s} {number + 1:5d}  {start_b:14.2f} s {shown_b:>6s}  {start_a:13.2f} s {shown_a:>6s}"
                f"  {start_a / start_b:23.3f} {saves:6.3f}"
            )
    for how, found in ratios.items():
        starts, saves = [r[0] for r in found], [r[1] for r in found]
        print(
            f"{how}: median after ÷ before, to {'serving' if how == 'serve' else 'watching'} "
            f"{statistics.median(starts):.3f} ({min(starts):.3f} to {max(starts):.3f})"
            + ("" if how == "serve" else f", first save {statistics.median(saves):.3f}")
        )
    return ratios


def main() -> None:
    in_rounds(__doc__, 3, "primer-paired-start-", run)


if __name__ == "__main__":
    main()
