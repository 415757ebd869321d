"""The floor: a folder of Markdown pages through markdown-it-py and one compiled Jinja2 template, on 2 processes.

`python benchmarks/floor.py MARKDOWN_DIR OUT_DIR` — what any Python site generator must at least do to
write these pages; `speed.py` compares primer with it.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

from jinja2 import Environment
from markdown_it import MarkdownIt

PAGE = Environment(autoescape=True).from_string(
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ title }}</title></head>"
    "<body><nav><a href=/>Home</a></nav><main>{{ body | safe }}</main></body></html>\n"
)
MD = MarkdownIt("commonmark").enable("table")


def render(job: tuple[Path, Path]) -> None:
    source, target = job
    text = source.read_text(encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(PAGE.render(title=text.splitlines()[0].lstrip("# "), body=MD.render(text)), encoding="utf-8")


def main(root: Path, out: Path) -> None:
    jobs = [(p, out / p.relative_to(root).with_suffix(".html")) for p in sorted(root.rglob("*.md"))]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(render, jobs, chunksize=8)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
