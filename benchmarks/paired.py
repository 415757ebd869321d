"""Two versions of primer, side by side at the same moment: which one builds a lesson with less CPU time.

Usage: `python benchmarks/paired.py [--before REV] [--after REV] [--topics 256] [--pairs 3] [--edit]`

A shared or throttled machine changes speed from one minute to the next (a cold build of 256 topics took
25.7 s, 34.9 s and 28.0 s in a row on the thirty-seventh round's), so timing one version, then the other,
compares the machine's moods as much as the versions. Here each pair runs both at once, each as one process
(`--jobs 1`) on a processor of its own, the processors swapped from one pair to the next, so that both see the
same drift; the ratio within a pair is what to read. `REV` is a git revision of this repository, or `.` for
the files as they are (the default of `--after`; `--before` defaults to `HEAD`). Each build starts from an empty
output folder and empty caches; with `--edit`, each version first builds the lesson, then one source's point is
edited (a new word each pair) and the rebuild is what is timed. The realistic corpus (`make_corpus.py
--realistic`) is written once. After each pair the two outputs are compared: a difference is reported, since a
change meant to be faster should usually write the same files. Everything is written to a temporary folder.
Needs two processors.
"""

from __future__ import annotations

import argparse
import filecmp
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from compare import CHILD_ENV
from speed import edits

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKING = "."


def source_of(rev: str, into: Path) -> Path:
    """The `src` folder of revision `rev` (`.`: the working files), extracted into `into` when it is a revision."""
    if rev == WORKING:
        return ROOT / "src"
    found = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src"], capture_output=True)
    if found.returncode != 0:
        sys.exit(f"cannot read revision {rev!r} of this repository: {found.stderr.decode(errors='replace').strip()}")
    archive = found.stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


@dataclass
class Build:
    """A build started on one processor, and when."""

    process: subprocess.Popen[bytes]
    started: float
    #: where the build's messages go (a file: a pipe nobody reads while it runs would stall a chatty build)
    log: Path

    @classmethod
    def start(cls, src: Path, corpus: Path, out: Path, cache: Path, cpu: int) -> Build:
        """`primer build` of `corpus` into `out` by the primer in `src` (caching in `cache`), on processor `cpu`."""
        env = {**CHILD_ENV, "PYTHONPATH": str(src), "PRIMER_CACHE_DIR": str(cache)}
        command = [sys.executable, "-m", "primer", "build", "--content", str(corpus), "--out", str(out)]
        command += ["--no-pdf", "-q", "--jobs", "1"]
        log = out.with_name(out.name + ".log")
        out.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as messages:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=messages,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),  # no threads here
            )
        return cls(process, time.monotonic(), log)

    def finished(self, status: int, usage: resource.struct_rusage) -> tuple[float, float]:
        """(CPU seconds, wall seconds) of the build, now that it ended with `status` and `usage` (the children's
        included); exits when it failed."""
        wall = time.monotonic() - self.started
        self.process.returncode = os.waitstatus_to_exitcode(status)
        if self.process.returncode != 0:
            sys.exit(f"a build failed ({self.process.returncode}):\n{self.log.read_text(errors='replace')}")
        return usage.ru_utime + usage.ru_stime, wall


def waited(builds: dict[str, Build]) -> dict[str, tuple[float, float]]:
    """What each of `builds` took, each timed as it ends (whichever ends first)."""
    by_pid = {build.process.pid: side for side, build in builds.items()}
    took = {}
    while by_pid:
        pid, status, usage = os.wait4(-1, 0)
        side = by_pid.pop(pid, None)
        if side is not None:
            took[side] = builds[side].finished(status, usage)
    return took


def _edit(corpus: Path, mark: str) -> None:
    """The speed table's source edit (`speed.edits`): one source's first point, with a new first word."""
    path, where = edits(corpus)["one source edited"]
    path.write_text(path.read_text(encoding="utf-8").replace(where, f"{where}{mark} ", 1), encoding="utf-8")


def differing(a: Path, b: Path) -> list[str]:
    """Files that differ between two output folders (by path and bytes)."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only + cmp.funny_files)
        for name in cmp.common_files:
            if not filecmp.cmp(Path(cmp.left) / name, Path(cmp.right) / name, shallow=False):
                found.append(prefix + name)
        for name, sub in sorted(cmp.subdirs.items()):
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(a, b), "")
    return sorted(found)


def run(before: str, after: str, topics: int, pairs: int, edit: bool, work: Path) -> list[tuple[float, float]]:
    """The pairs' (before, after) CPU seconds, printed as they come."""
    # each side's files in a folder of its own: primer locks an output's parent folder while it swaps a build in
    # (an older version gave up at once, rather than wait, when the other held it)
    sources = {side: source_of(rev, work / side) for side, rev in (("before", before), ("after", after))}
    cpus = sorted(os.sched_getaffinity(0))[:2]
    corpus = work / "corpus"
    subprocess.run(
        [sys.executable, str(HERE / "make_corpus.py"), "--realistic", str(topics), str(corpus)],
        check=True,
        capture_output=True,
    )
    # each side first builds a lesson of one topic, untimed: the first pair would otherwise time Python compiling
    # primer and its libraries
    small = work / "warm-up"
    subprocess.run(
        [sys.executable, str(HERE / "make_corpus.py"), "--realistic", "1", str(small)], check=True, capture_output=True
    )
    warming = {
        side: Build.start(src, small, work / side / "warm-up", work / side / "warm-up-cache", cpu)
        for (side, src), cpu in zip(sources.items(), cpus, strict=True)
    }
    waited(warming)
    what = "one source edited" if edit else "cold build"
    print(f"{topics} topics, {what}, --jobs 1 each: before = {before}, after = {after}")
    print("pair  before: CPU    wall   after: CPU    wall   after ÷ before (CPU)")
    found = []
    for pair in range(pairs):
        on = {"before": cpus[pair % 2], "after": cpus[1 - pair % 2]}
        for side in sources:
            for name in ("out", "cache"):
                shutil.rmtree(work / side / name, ignore_errors=True)

        def both(on: dict[str, int] = on) -> dict[str, tuple[float, float]]:
            started = {
                side: Build.start(src, corpus, work / side / "out", work / side / "cache", on[side])
                for side, src in sources.items()
            }
            return waited(started)

        if edit:  # each side's first build, then the edit whose rebuild is timed
            both()
            _edit(corpus, f"Pairmark{pair}")
        took = both()
        (cpu_b, wall_b), (cpu_a, wall_a) = took["before"], took["after"]
        found.append((cpu_b, cpu_a))
        print(f"{pair + 1:4d}  {cpu_b:11.2f} s {wall_b:6.2f} s  {cpu_a:10.2f} s {wall_a:6.2f} s  {cpu_a / cpu_b:8.3f}")
        differ = differing(work / "before" / "out", work / "after" / "out")
        if differ:
            print(f"      the outputs differ in {len(differ)} files, e.g. {', '.join(differ[:3])}")
    ratios = [a / b for b, a in found]
    print(f"median after ÷ before: {statistics.median(ratios):.3f} (from {min(ratios):.3f} to {max(ratios):.3f})")
    return found


def versions(doc: str, topics: int) -> argparse.ArgumentParser:
    """The command line of a benchmark of two versions (`doc`: its module's docstring): `--before`, `--after` and
    `--topics` (`topics` by default)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--before", default="HEAD", help="a git revision, or . for the working files")
    parser.add_argument("--after", default=WORKING, help="a git revision, or . for the working files")
    parser.add_argument("--topics", type=int, default=topics)
    return parser


def in_rounds(doc: str, rounds: int, prefix: str, run: Callable[[str, str, int, int, Path], object]) -> None:
    """Run `run(before, after, topics, rounds, work)` from the command line (`versions`, and `--rounds`, `rounds` by
    default), in a temporary folder named with `prefix`, where the versions' Python files are compiled once."""
    parser = versions(doc, 64)
    parser.add_argument("--rounds", type=int, default=rounds)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix=prefix) as work:
        CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(Path(work) / "pycache")
        run(args.before, args.after, args.topics, args.rounds, Path(work))


def main() -> None:
    parser = versions(__doc__, 256)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--edit", action="store_true", help="time a rebuild after one source's edit")
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("paired.py needs two processors: one for each version")
    with tempfile.TemporaryDirectory(prefix="primer-paired-") as work:
        CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(Path(work) / "pycache")  # compiled once for all the pairs' builds
        run(args.before, args.after, args.topics, args.pairs, args.edit, Path(work))


if __name__ == "__main__":
    main()
