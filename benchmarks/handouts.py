"""Time the handouts of a content pack: HTML, PDFs cold on one core and on all cores, and a warm rebuild.

    python benchmarks/handouts.py [--content content] [--repeat 1]

Everything is written to a temporary folder (the PDF cache too); nothing inside the repository.
Prints the number of PDFs and their pages per edition, and where the time goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from primer.build import check
from primer.content.terms import TermMatcher
from primer.handouts import Settings, render_topic
from primer.handouts import pdf as pdf_mod
from primer.render.env import make_env


def _pages(data: bytes) -> int:
    """Pages of a PDF, from pdfinfo when it is there, else by counting page objects."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        try:
            out = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return data.count(b"/Type /Page\n") or data.count(b"/Type /Page>")
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each cold measurement (best is shown)")
    args = parser.parse_args()
    if not pdf_mod.loads():
        sys.exit(f"WeasyPrint cannot load: {pdf_mod.missing_reason()}")
    cores = os.cpu_count() or 1
    result = check(args.content)
    lib, derived = result.library, result.derived
    env = make_env(args.content / "templates")

    start = time.perf_counter()
    matcher = TermMatcher(lib.terms.values())
    rendered = [
        render_topic(lib, derived, env, topic, Settings(), matcher)
        for topic in lib.topics_in_order()
        if derived.quizzes.get(topic.id)
    ]
    html_time = time.perf_counter() - start
    tasks = [task for r in rendered for task in r.tasks]

    def cold(jobs: int) -> tuple[float, dict[str, bytes]]:
        best, files = float("inf"), {}
        for _ in range(args.repeat):
            begin = time.perf_counter()
            files = pdf_mod.render_all(tasks, cache=None, jobs=jobs) or {}
            best = min(best, time.perf_counter() - begin)
        return best, files

    one, files = cold(1)
    many, _ = cold(cores)
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        pdf_mod.render_all(tasks, cache=cache, jobs=cores)
        begin = time.perf_counter()
        pdf_mod.render_all(tasks, cache=cache, jobs=cores)
        warm = time.perf_counter() - begin

    pages: dict[str, list[int]] = {"student": [], "teacher": []}
    for name, data in files.items():
        pages["teacher" if "-teacher-" in name else "student"].append(_pages(data))
    print(f"{args.content}: {len(rendered)} topics, {len(tasks)} PDF tasks (topic × paper), {len(files)} PDFs")
    print(f"HTML of every handout (4 per topic):     {html_time:6.2f} s")
    print(f"every PDF, cold, 1 process:              {one:6.2f} s  ({one / max(1, len(files)) * 1000:.0f} ms per PDF)")
    print(f"every PDF, cold, {cores} processes:             {many:6.2f} s  (speed-up {one / many:.2f}×)")
    print(f"every PDF, from the cache:               {warm:6.2f} s")
    for edition, counts in pages.items():
        if counts:
            print(
                f"{edition} edition pages: min {min(counts)}, median {statistics.median(counts):g}, "
                f"max {max(counts)}, total {sum(counts)} ({len(counts)} PDFs)"
            )


if __name__ == "__main__":
    main()
