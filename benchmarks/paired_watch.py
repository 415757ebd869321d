"""Two versions of primer, each running `primer build --watch`, rebuilding after the same edits in turn: which
one has the output written sooner after a save, and with less CPU time.

Usage: `python benchmarks/paired_watch.py [--before REV] [--after REV] [--topics 64] [--rounds 6]`

A rebuild after a save uses both processors, so two versions cannot rebuild at once as `paired.py` builds them
cold. Here each version watches a copy of the realistic corpus of its own (`make_corpus.py --realistic`), with a
cache folder of its own, started (as `speed.py --watch` starts it) once `primer build` has built the lesson
into its output folder. In each round, each edit of the speed table (`speed.edits`: a source, a topic, a question, a
term) is made to one copy, then to the other (which goes first alternates from round to round), each timed from the
write to the watch's line that it built, and undone with an untimed build before the other version's turn; each edit
waits until both watches have been idle for a moment (`idle`). The two see the same minutes of a machine whose speed
drifts; the ratio within a pair (after ÷ before) is what to read. CPU time is the watch process's and its workers'
(`/proc/PID/stat`; `tree_cpu`: a helper that lives as long as the watch counted too), over the edit's rebuild and
its undo's. `REV` is a git revision
of this repository, or `.` for the files as they are (see `paired.py`). Everything is written to a temporary folder.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from compare import CHILD_ENV
from paired import in_rounds, source_of
from speed import edited, edits

HERE = Path(__file__).resolve().parent
#: The longest a build may take before the benchmark gives up.
PATIENCE = 900.0
#: The watch's clock ticks a second (its CPU time in /proc is counted in them).
TICKS = os.sysconf("SC_CLK_TCK")


class Running:
    """A `primer` command of one version (`command`, with `env`), launched now, and the lines it prints, as they come
    (with when)."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.launched = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not ignored, as in a background job
        )
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        stream = self.process.stdout
        assert stream is not None

        def read() -> None:
            for line in stream:
                self.lines.put((time.perf_counter(), line.rstrip("\n")))

        threading.Thread(target=read, daemon=True).start()

    def until(self, *starts: str) -> tuple[float, str]:
        """When it printed the next line that starts with one of `starts`, and the line."""
        while True:
            try:
                at, line = self.lines.get(timeout=PATIENCE)
            except queue.Empty:
                sys.exit(f"no line starting with {starts} in {PATIENCE:.0f} s")
            if line.startswith(starts):
                return at, line

    def stop(self) -> None:
        """Ctrl-C, as an author stops it."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Watch(Running):
    """`primer build --watch` of one version, of its copy of the lesson (`corpus`)."""

    def __init__(self, command: list[str], env: dict[str, str], corpus: Path) -> None:
        super().__init__(command, env)
        self.corpus = corpus

    @classmethod
    def start(cls, src: Path, corpus: Path, out: Path, cache: Path) -> Watch:
        """The watch of `corpus` into `out` by the primer in `src` (caching in `cache`), once its first build is
        written: as an author runs it after building once, which its first build finds up to date."""
        env = {**CHILD_ENV, "PYTHONPATH": str(src), "PRIMER_CACHE_DIR": str(cache)}
        command = [sys.executable, "-m", "primer", "build", "--content", str(corpus), "--out", str(out)]
        subprocess.run([*command, "--no-pdf", "-q"], env=env, check=True, capture_output=True)
        watch = cls([*command, "--no-pdf", "--watch"], env, corpus)
        watch.until("watching ")
        return watch

    def cpu(self) -> float:
        """CPU seconds of the watch and of its workers (`tree_cpu`)."""
        return tree_cpu(self.process.pid)

    def timed(self, label: str, number: int) -> tuple[float, float]:
        """(seconds from the write to the line that it built, CPU seconds of that build and the undo's) of one
        edit of `speed.edits`, as round `number` makes it (`speed.edited`), undone afterwards."""
        path, where = edits(self.corpus)[label]
        original = path.read_text(encoding="utf-8")
        time.sleep(1.0)  # idle, as an author is between saves
        cpu = self.cpu()
        written = time.perf_counter()
        path.write_text(edited(original, where, number), encoding="utf-8")
        at, line = self.until("built ", "Error: ", "nothing changed")
        if not line.startswith("built "):
            sys.exit(f"{label}: {line}")
        path.write_text(original, encoding="utf-8")
        self.until("built ", "Error: ", "nothing changed")
        time.sleep(0.5)  # its workers end and are counted
        return at - written, self.cpu() - cpu


def tree_cpu(pid: int) -> float:
    """CPU seconds of process `pid`, of its children that ended (`/proc/PID/stat`: utime, stime, cutime, cstime), and
    of those that still run, theirs counted alike: a watch's helper lives as long as the watch (0 once it ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        tasks = Path(f"/proc/{pid}/task").iterdir()
        children = {int(child) for task in tasks for child in (task / "children").read_text().split()}
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return sum(int(value) for value in fields[11:15]) / TICKS + sum(tree_cpu(child) for child in sorted(children))


def idle(watches: list[Watch], quiet: float = 0.3, patience: float = 60.0) -> None:
    """Wait until no watch has used the processors for `quiet` seconds (at most `patience` seconds): a watch
    goes on working after it says a build is written (its record, its caches), and an edit timed while the other
    version's watch still works shares the processors with it. (Waiting a second alone was not enough: at 256
    topics, a topic's edit took 0.3 s longer in whichever version went first, in every round.)"""
    deadline = time.perf_counter() + patience
    last = [watch.cpu() for watch in watches]
    while time.perf_counter() < deadline:
        time.sleep(quiet)
        now = [watch.cpu() for watch in watches]
        if all(after - before <= 2 / TICKS for before, after in zip(last, now, strict=True)):
            return
        last = now


def prepared(before: str, after: str, topics: int, work: Path) -> tuple[dict[str, Path], Path]:
    """The `src` folders of the two versions (by side, "before" and "after") and the realistic corpus of `topics`
    topics, in `work`."""
    sources = {side: source_of(rev, work / side) for side, rev in (("before", before), ("after", after))}
    corpus = work / "corpus"
    subprocess.run(
        [sys.executable, str(HERE / "make_corpus.py"), "--realistic", str(topics), str(corpus)],
        check=True,
        capture_output=True,
    )
    return sources, corpus


def run(before: str, after: str, topics: int, rounds: int, work: Path) -> dict[str, list[tuple[float, float]]]:
    """Each edit's ratios (after ÷ before) of wall and CPU time, round by round, printed as they come."""
    sources, corpus = prepared(before, after, topics, work)
    watches: dict[str, Watch] = {}
    try:
        for side, src in sources.items():
            mine = work / side / "corpus"
            shutil.copytree(corpus, mine)
            watches[side] = Watch.start(src, mine, work / side / "out", work / side / "cache")
        print(f"{topics} topics, primer build --watch: before = {before}, after = {after}")
        print("edit                 round  before: wall   CPU   after: wall   CPU   after ÷ before: wall   CPU")
        ratios: dict[str, list[tuple[float, float]]] = {}
        for number in range(rounds):
            order = ("before", "after") if number % 2 == 0 else ("after", "before")
            for label in edits(corpus):
                took = {}
                for side in order:
                    idle(list(watches.values()))
                    took[side] = watches[side].timed(label, number)
                ratios.setdefault(label, []).append(row(label, number, took))
    finally:
        for watch in watches.values():
            watch.stop()
    medians(ratios)
    return ratios


def row(label: str, number: int, took: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """Print an edit's row of round `number`: each version's (wall, CPU) seconds (`took`, by side) and their ratios
    (after ÷ before), which are returned."""
    (wall_b, cpu_b), (wall_a, cpu_a) = took["before"], took["after"]
    ratio = (wall_a / wall_b, cpu_a / cpu_b)
    print(
        f"{label:20s} {number + 1:5d}  {wall_b:11.2f} s {cpu_b:5.2f} s  {wall_a:10.2f} s {cpu_a:5.2f} s"
        f"  {ratio[0]:18.3f} {ratio[1]:6.3f}"
    )
    return ratio


def medians(ratios: dict[str, list[tuple[float, float]]]) -> None:
    """Print each edit's median ratios of wall time (with their range) and CPU time."""
    for label, found in ratios.items():
        walls, cpus = [r[0] for r in found], [r[1] for r in found]
        print(
            f"{label}: median after ÷ before, wall {statistics.median(walls):.3f} "
            f"({min(walls):.3f} to {max(walls):.3f}), CPU {statistics.median(cpus):.3f}"
        )


def main() -> None:
    in_rounds(__doc__, 6, "primer-paired-watch-", run)


if __name__ == "__main__":
    main()
