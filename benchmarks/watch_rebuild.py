"""Save → written with `primer build --watch`: how long after an edit the output folder holds its build.

Starts `primer build --watch --no-pdf` on a content folder (by default on a copy of the shipped lesson;
with `--in-place`, on the folder itself, which is edited and put back), waits for its first build, then,
for each edit of `speed.edits` in turn, writes the edit and times until the watch says it built, then puts
the file back and waits for that build too (untimed). Prints one line per edit and the medians.

    python benchmarks/watch_rebuild.py [--content DIR] [--out DIR] [--repeat 3] [--in-place]

Run with the same `PRIMER_CACHE_DIR` as the cold build it is compared with, and into the same output folder,
as an author who runs `primer build --watch` after building once.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import edited, edits  # noqa: E402 - the benchmark's own module, beside this one

#: The longest a build may take before the benchmark gives up (a 1,024-topic lesson's first build).
PATIENCE = 900.0


def timed(content: Path, out: Path, repeat: int) -> dict[str, list[float]]:
    """Seconds from each edit's write to the watch's line that it built, by edit."""
    cmd = [sys.executable, "-m", "primer", "build", "--content", str(content), "--out", str(out), "--no-pdf"]
    process = subprocess.Popen(
        [*cmd, "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not ignored, as in a background job
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    assert process.stdout is not None
    stream = process.stdout

    def read() -> None:
        for line in stream:
            lines.put((time.perf_counter(), line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def until(*starts: str) -> tuple[float, str]:
        while True:
            at, line = lines.get(timeout=PATIENCE)
            if line.startswith(starts):
                return at, line

    found: dict[str, list[float]] = {}
    try:
        until("watching ")
        for number in range(repeat):
            for label, (path, where) in edits(content).items():
                original = path.read_text(encoding="utf-8")
                time.sleep(1.0)  # idle, as an author is between saves
                written = time.perf_counter()
                path.write_text(edited(original, where, number), encoding="utf-8")
                at, line = until("built ", "Error: ", "nothing changed")
                if not line.startswith("built "):
                    raise SystemExit(f"{label}: {line}")
                found.setdefault(label, []).append(at - written)
                path.write_text(original, encoding="utf-8")
                until("built ", "Error: ", "nothing changed")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(10)
        stream.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--out", type=Path, default=None, help="the output folder (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--in-place", action="store_true", help="edit --content itself (each edit is undone)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="primer-watch-") as tmp:
        content = args.content
        if not args.in_place:
            content = Path(tmp) / "content"
            shutil.copytree(args.content, content)
        found = timed(content, args.out or Path(tmp) / "site", args.repeat)
    for label, times in found.items():
        each = ", ".join(f"{t:.2f}" for t in times)
        print(f"{label}: median {statistics.median(times):.2f} s ({each})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
