"""What keeping the check's work in memory can give a one-source edit: the whole check, stage by stage,
cold and then again after an edit, in one process with every memo on and the parse cache kept, as
`primer serve` checks (see `primer.memo`). Nothing inside the repository is written: the content is
copied to a temporary folder, whose first source file is edited before each check after the first.

    python benchmarks/recheck.py CONTENT_DIR [--edits 2]

A stage that takes as long warm as cold reads the whole lesson: a one-source edit could be faster there
only by a check made item by item (see benchmarks/README.md, "Ninth round").
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from primer import memo
from primer.checks.names import check_term_names
from primer.checks.readability import check_readability
from primer.content.library import Library, ParseCache, load_library
from primer.derive import Derived, derive
from primer.quiz.lint import lint_warnings, text_lint
from primer.report import PARTS, report_part


def check_once(content: Path, cache: ParseCache) -> dict[str, float]:
    """The check's stages (as `primer build` makes them, on one process), each with its wall time."""
    times: dict[str, float] = {}

    def timed(name: str, make: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        made = make()
        times[name] = time.perf_counter() - started
        return made

    lib: Library = timed("load and validate", lambda: load_library(content, cache))
    derived: Derived = timed("derive the questions", lambda: derive(lib))
    timed("lint the questions' text", lambda: text_lint(lib, derived))
    timed("lint the questions", lambda: lint_warnings(lib, derived))
    names = timed("term names", lambda: check_term_names(lib))
    timed("reading grade", lambda: check_readability(lib))
    for index, part in enumerate(PARTS):
        timed(f"report: {', '.join(part)}", lambda index=index: report_part(lib, derived, index, content, names))
    return times


def main() -> None:
    """Check the content cold, then after each edit, and print the stages side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--edits", type=int, default=2)
    args = parser.parse_args()
    memo.enable()
    cache = ParseCache()
    gc.disable()  # as a build does while it checks (`collector_paused`)
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(args.content, content)
        source = sorted((content / "sources").glob("*.yaml"))[0]
        runs = [check_once(content, cache)]
        for edit in range(args.edits):
            text = source.read_text(encoding="utf-8")
            source.write_text(text.replace("  text: ", f"  text: Edited {edit}, ", 1), encoding="utf-8")
            runs.append(check_once(content, cache))
    heads = ["cold", *(f"edit {i + 1}" for i in range(args.edits))]
    width = max(map(len, runs[0]))
    print(f"{'stage':<{width}}  " + "  ".join(f"{h:>8}" for h in heads))
    for stage in runs[0]:
        print(f"{stage:<{width}}  " + "  ".join(f"{run[stage]:>6.2f} s" for run in runs))
    print(f"{'whole check':<{width}}  " + "  ".join(f"{sum(run.values()):>6.2f} s" for run in runs))


if __name__ == "__main__":
    main()
