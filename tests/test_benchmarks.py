"""The benchmark's corpus generator writes content that `primer check` accepts.

No timing here: speed and memory are measured by `benchmarks/compare.py`, never by a test."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import ROOT, Invoke


def _benchmark(name: str) -> Any:
    """A module of `benchmarks/` (not a package: its modules import each other by name)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


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


def test_the_realistic_corpus_is_valid_content_too(tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--realistic", "3", str(out)],
        check=True,
        capture_output=True,
    )
    assert len(list((out / "sources").glob("*.yaml"))) == 3, "one source a topic"
    result = cli("check", "--strict", "--content", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 3 sources, ") and ", 3 topics, 45 questions; 0 warnings" in result.output


@pytest.mark.parametrize("split", [False, True], ids=["few topics", "a page per topic's comparison and coverage"])
def test_the_other_generators_get_the_same_pages(
    tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    """The MkDocs, Hugo and Pelican twins of the corpus hold the same Markdown pages, a page for each HTML page
    primer writes but its 404 page (which MkDocs and Hugo make of their own), in a lesson of few topics and
    in one of more than fit on the compare page and the report (no other tool runs here)."""
    speed = _benchmark("speed")
    MarkdownSite = _benchmark("compare").MarkdownSite
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--realistic", "2", str(corpus)], check=True
    )
    if split:  # as if the lesson had more topics than the compare page and the report set out themselves
        monkeypatch.setattr("primer.targets.site.SHARED_ON_PAGE", 1)
        monkeypatch.setattr("primer.targets.site.TOPICS_ON_REPORT", 1)
    twin = MarkdownSite(corpus)
    pages = twin.pages()
    assert cli("build", "-q", "--no-pdf", "--content", corpus, "--out", tmp_path / "site").exit_code == 0
    made = sorted(str(p.relative_to(tmp_path / "site")) for p in (tmp_path / "site").rglob("*.html"))
    assert len(pages) == len(made) - 1, made
    assert ("topics/topic-1-compare.md" in pages) is split and ("teacher/report/topic-1.md" in pages) is split
    assert ("topics/topic-1/compare.html" in made) is split and ("teacher/report/topic-1.html" in made) is split
    key = pages["handouts/topic-1/topic-1-teacher.md"]
    assert "[[" not in key and "| 1 |" in key, "a cloze's blanks are lines, and the key has a row per question"
    # the student versions hold the same questions, in orders of their own
    sheets = [pages[f"handouts/topic-1/topic-1-student-{v}.md"] for v in "ABC"]
    assert len(set(sheets)) == 3 and len({sheet.count("**") for sheet in sheets}) == 1
    if not split:
        assert "## Compare the sources: " in pages["sources/compare.md"]
        assert "## Coverage and balance: " in pages["teacher/report.md"]
    speed.write_mkdocs(pages, twin.site, tmp_path / "mkdocs", twin.menu())
    speed.write_hugo(pages, twin.site, tmp_path / "hugo")
    speed.write_pelican(pages, twin.site, tmp_path / "pelican", twin.menu())
    for folder in (
        tmp_path / "mkdocs" / "docs",
        tmp_path / "hugo" / "content",
        tmp_path / "pelican" / "content" / "pages",
    ):
        assert len(list(folder.rglob("*.md"))) == len(pages), folder
    # their menus list the top pages, as primer's does, not every page (which made each page list all the others)
    nav = yaml.safe_load((tmp_path / "mkdocs" / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    assert [next(iter(item.values())) for item in nav] == twin.menu() and len(nav) == 11
    assert all(rel in pages for rel in twin.menu() or [])
    config = (tmp_path / "pelican" / "pelicanconf.py").read_text(encoding="utf-8")
    assert "DISPLAY_PAGES_ON_MENU = False" in config and "('Glossary', '/glossary.html')" in config
    old = MarkdownSite(corpus, every_page=False)
    assert len(old.pages()) == 11 + 2 * 3 and old.menu() is None, "the twins as they were: 3 pages a topic"
    # each rebuild's edit finds its place in the corpus, and the edited lesson still checks
    for number, (label, (path, where)) in enumerate(speed.edits(corpus).items()):
        text = path.read_text(encoding="utf-8")
        assert where in text, label
        path.write_text(speed.edited(text, where, number), encoding="utf-8")
        assert path.read_text(encoding="utf-8") != text, label
    from primer.build import check

    assert not [w for w in check(corpus).warnings if w.severity == "error"]


def test_the_command_line_starts_without_loading_the_content_models() -> None:
    """`primer --version` and `--help` load click, not pydantic, the renderers or their libraries."""
    heavy = ("pydantic", "jinja2", "markdown_it", "yaml")
    code = f"import sys, primer.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert found.strip() == "[]"


def test_the_benchmark_sets_the_last_output_aside(tmp_path: Path) -> None:
    """Before a timed run, a tool's last output is moved aside, each to a name of its own, and nothing is
    deleted (deleting thousands of files slows the next run's own file making on this machine)."""
    set_aside = _benchmark("compare").set_aside
    work = tmp_path / "work"
    out = work / "out" / "primer"
    for run in range(3):
        out.mkdir(parents=True)
        (out / "index.html").write_text(f"run {run}", encoding="utf-8")
        set_aside(out, work)
        assert not out.exists()
    set_aside(out, work)  # nothing there: nothing to do
    kept = sorted((work / "set-aside").iterdir())
    assert [p.name for p in kept] == ["1-primer", "2-primer", "3-primer"]
    assert [(p / "index.html").read_text(encoding="utf-8") for p in kept] == ["run 0", "run 1", "run 2"]


def test_a_commands_peak_memory_is_its_own_not_the_benchmarks() -> None:
    """Linux counts the memory of the process a child was started from in the child's peak RSS; the benchmarks
    start each command from a small launcher (`compare.launched`), so a small command shows little however
    much the benchmark holds, and a large one all it used."""
    compare = _benchmark("compare")
    held = bytearray(256 << 20)  # what the benchmark holds: a corpus and its twin sites
    held[:: 1 << 12] = b"\1" * len(held[:: 1 << 12])  # touched, so it is resident
    small = compare.launched([sys.executable, "-c", "pass"])
    large = compare.launched([sys.executable, "-c", "x = bytearray(160 << 20); x[:: 1 << 12] = b'1' * (40 << 10)"])
    failed = compare.launched([sys.executable, "-c", "import sys; sys.exit('no')"])
    del held
    assert small[3] == 0 and small[2] < 100 << 20, "a small command: not the benchmark's 256 MiB"
    assert large[3] == 0 and 160 << 20 <= large[2] < 256 << 20
    assert failed[3] == 1 and failed[4].strip().endswith(b"no")
    assert all(run[0] > 0 and run[1] > 0 for run in (small, large))


def test_the_loaders_compared_read_the_same_data(tmp_path: Path) -> None:
    """`compare.py`'s loaders (primer's parser and PyYAML's) each read a corpus file to the same data."""
    loaders = _benchmark("compare").loaders
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "1", str(corpus)], check=True)
    path = sorted((corpus / "sources").glob("*.yaml"))[0]
    read = {name: load(path) for name, load in loaders().items()}
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert read.pop("yaml.compose (C)") is not None
    assert all(data == expected for data in read.values()), sorted(read)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the paired benchmark runs each version on a processor")
def test_the_paired_benchmark_times_both_versions_at_once_and_compares_their_outputs(tmp_path: Path) -> None:
    """`paired.py` builds the same lesson with two versions at the same moment, one on each processor, and
    reports each pair's CPU times and their ratio; with `--edit`, the rebuild after a source's edit. Two builds
    by the same primer write the same files, and a file that differs is found."""
    paired = [sys.executable, str(ROOT / "benchmarks" / "paired.py")]
    run = subprocess.run(
        [*paired, "--before", ".", "--topics", "2", "--pairs", "2", "--edit"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "2 topics, one source edited, --jobs 1 each: before = ., after = ."
    rows = [line.split() for line in lines[2:4]]
    assert [row[0] for row in rows] == ["1", "2"]
    for row in rows:
        before, after, ratio = float(row[1]), float(row[5]), float(row[-1])
        assert before > 0 and after > 0 and ratio == pytest.approx(after / before, rel=0.03)  # printed rounded
    assert lines[4].startswith("median after ÷ before: ") and len(lines) == 5, run.stdout  # no difference reported
    same = _benchmark("paired").differing
    for side in ("a", "b"):
        (tmp_path / side / "topics").mkdir(parents=True)
        (tmp_path / side / "topics" / "one.html").write_text("same", encoding="utf-8")
        (tmp_path / side / "index.html").write_text(f"index {side}", encoding="utf-8")
    (tmp_path / "b" / "extra.html").write_text("", encoding="utf-8")
    assert same(tmp_path / "a", tmp_path / "b") == ["extra.html", "index.html"]


def _paired(script: str) -> list[str]:
    """What a benchmark of two versions (`paired_watch.py`, `paired_start.py`, `paired_rebuild.py`) prints for the
    working files against themselves, one round at 2 topics."""
    command = [sys.executable, str(ROOT / "benchmarks" / script), "--before", ".", "--topics", "2", "--rounds", "1"]
    run = subprocess.run(command, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.splitlines()


@pytest.mark.parametrize(
    ("script", "what"),
    [("paired_watch.py", "primer build --watch"), ("paired_rebuild.py", "primer build after an edit")],
)
def test_the_paired_save_benchmarks_time_each_edit_by_both_versions_in_turn(script: str, what: str) -> None:
    """`paired_watch.py` runs `primer build --watch` of each version on a copy of the lesson of its own, and times
    each edit of the speed table by both, one after the other; `paired_rebuild.py` times `primer build` of each
    version's copy after each edit likewise: each row's wall and CPU times and their ratios, then each edit's
    medians (and no difference between the versions' outputs)."""
    lines = _paired(script)
    assert lines[0] == f"2 topics, {what}: before = ., after = ."
    labels = ["one source edited", "one topic edited", "one question edited", "one term edited"]
    rows = lines[2:6]
    for label, row in zip(labels, rows, strict=True):
        assert row.startswith(label), row
        numbers = [float(cell) for cell in row[len(label) :].replace(" s", "").split()]
        _, wall_b, cpu_b, wall_a, cpu_a, ratio_wall, ratio_cpu = numbers
        # times only, no relation between them: on a busy machine a save's wall time can pass the CPU time of the
        # save and its undo (that the workers' CPU time is counted is `tree_cpu`'s test, below)
        assert min(wall_b, cpu_b, wall_a, cpu_a) > 0, row
        # the ratios of the times before they were rounded to the hundredth shown (at 2 topics, a save takes 0.1 s)
        for ratio, after, before in ((ratio_wall, wall_a, wall_b), (ratio_cpu, cpu_a, cpu_b)):
            assert (after - 0.005) / (before + 0.005) - 0.001 <= ratio <= (after + 0.005) / (before - 0.005) + 0.001
    assert [line.split(":")[0] for line in lines[6:]] == labels, lines


def test_the_paired_start_benchmark_starts_each_version_in_turn_each_way() -> None:
    """`paired_start.py` starts `primer build --watch` of each version on an output up to date, on a missing output
    and with an empty cache folder, then `primer serve`, one version after the other: each row's times to watching
    (or serving), the first save's, and their ratios, then each way's medians."""
    lines = _paired("paired_start.py")
    assert lines[0] == "2 topics: before = ., after = ."
    starts = ["up to date", "output missing", "cache empty", "serve"]
    for how, row in zip(starts, lines[2:6], strict=True):
        assert row.startswith(how), row
        cells = row[len(how) :].replace(" s", "").split()
        if how == "serve":
            _, start_b, no_b, start_a, no_a, ratio, no_ratio = cells
            assert (no_b, no_a, no_ratio) == ("–", "–", "nan"), row
        else:
            _, start_b, save_b, start_a, save_a, ratio, save_ratio = cells
            assert min(float(save_b), float(save_a)) > 0 and float(save_ratio) > 0, row
        assert min(float(start_b), float(start_a)) > 0, row
        assert abs(float(ratio) - float(start_a) / float(start_b)) <= 0.1 * float(ratio) + 0.01, row
    assert [line.split(":")[0] for line in lines[6:]] == starts, lines
    assert "first save" not in lines[-1] and "to serving" in lines[-1]


def test_time_per_page_takes_the_sizes_in_turn_and_compares_each_large_build_with_its_neighbours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`speed.py --per-page`: small, large, small, … so that a drift of the machine falls on both sizes; each
    large build's time per page against the mean of the small builds either side of it (no tool runs here)."""
    speed = _benchmark("speed")
    pages = {4: 2, 16: 8}  # HTML pages each fake tool writes at each size
    built: list[tuple[str, int]] = []
    # the machine slows down steadily: 1 s a page more at each build, whatever its size
    clock = iter(range(1, 100))

    def prepare(n: int, work: Path, *rest: object) -> tuple[dict[str, tuple[list[str], Path]], dict[str, str]]:
        commands = {}
        for name in ("primer", "floor", "mkdocs"):
            folder = work / f"{name}-{n}"
            folder.mkdir(parents=True)
            for i in range(pages[n]):
                (folder / f"{i}.html").write_text("page", encoding="utf-8")
            commands[name] = ([name], folder)
        return commands, {}

    def cold(name: str, commands: dict[str, Any], env: dict[str, str], n: int, work: Path) -> Any:
        built.append((name, n))
        return speed.Run(wall=pages[n] * next(clock), cpu=0.0, peak=0)

    monkeypatch.setattr(speed, "prepare", prepare)
    monkeypatch.setattr(speed, "cold", cold)
    report = speed.per_page((4, 16), tmp_path, 2, {}, "realistic")
    untimed = [(name, n) for n in (4, 16) for name in ("primer", "floor")]
    timed = [(name, n) for n in (4, 16, 4, 16, 4) for name in ("primer", "floor")]
    assert built == untimed + timed, "each size's untimed build first, then the sizes in turn; no other tool"
    # primer's timed builds took 5, 7, 9, 11 and 13 s a page (the floor's one more each): each large build is
    # the mean of its neighbours, so time per page holds at 1.00 whatever the drift
    primer, floor = report.splitlines()
    assert primer.startswith("primer: 4 topics 5000.0/9000.0/13000.0 ms a page (2 pages), 16 topics 7000.0/11000.0")
    assert primer.endswith("either side of it: 1.00, 1.00 (median 1.00)")
    assert floor.startswith("floor: 4 topics 6000.0/10000.0/14000.0 ms a page") and floor.endswith("(median 1.00)")


def test_the_watch_benchmark_times_each_edit_and_puts_the_lesson_back(tmp_path: Path) -> None:
    """`watch_rebuild.py`: each of the rebuilds' edits is saved, built by `primer build --watch` and undone;
    the lesson ends as it began (no timing is checked here)."""
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--realistic", "1", str(corpus)],
        check=True,
        capture_output=True,
    )
    before = {p: p.read_bytes() for p in sorted(corpus.rglob("*.yaml"))}
    env = {**os.environ, "PRIMER_CACHE_DIR": str(tmp_path / "cache")}
    args = ["--content", str(corpus), "--in-place", "--repeat", "1", "--out", str(tmp_path / "site")]
    probe = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "watch_rebuild.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    labels = [line.split(": median ")[0] for line in probe.stdout.splitlines()]
    assert labels == list(_benchmark("speed").edits(corpus)), probe.stdout
    assert {p: p.read_bytes() for p in sorted(corpus.rglob("*.yaml"))} == before
    assert (tmp_path / "site" / "index.html").is_file()


def test_the_paired_watch_waits_until_both_watches_are_idle_before_an_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    """`paired_watch.idle` returns once no watch's CPU time grew over a quiet spell: not while one still works
    after its build (its record, its caches), and not for ever when one never stops (its patience)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import paired_watch
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    clock = {"now": 0.0}
    monkeypatch.setattr(paired_watch.time, "sleep", lambda seconds: clock.__setitem__("now", clock["now"] + seconds))
    monkeypatch.setattr(paired_watch.time, "perf_counter", lambda: clock["now"])

    class Working:
        def __init__(self, until: float) -> None:
            self.until = until

        def cpu(self) -> float:  # a second of CPU time a second until `until`
            return min(clock["now"], self.until)

    paired_watch.idle([Working(0.0), Working(2.0)], quiet=0.3)  # type: ignore[list-item]
    assert 2.0 <= clock["now"] <= 2.7
    clock["now"] = 0.0
    paired_watch.idle([Working(99.0)], quiet=0.3, patience=5.0)  # type: ignore[list-item]
    assert 5.0 <= clock["now"] <= 5.4


def test_the_paired_watch_counts_the_cpu_time_of_workers_that_still_run() -> None:
    """`paired_watch.tree_cpu` counts a child that still runs (the watch's helper lives as long as the watch) with
    the process itself; a process that ended counts nothing."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import paired_watch
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    # a second of the processor by its own clock, which /proc counts in ticks, rounded: 0.8 s at least
    busy = "import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end: pass\ntime.sleep(60)\n"
    spawn = f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {busy!r}])\ntime.sleep(60)\n"
    parent = subprocess.Popen([sys.executable, "-c", spawn])
    try:
        deadline = time.monotonic() + 60
        while paired_watch.tree_cpu(parent.pid) < 0.8 and time.monotonic() < deadline:
            time.sleep(0.1)
        own = sum(int(v) for v in Path(f"/proc/{parent.pid}/stat").read_text().rpartition(")")[2].split()[11:15])
        assert own / paired_watch.TICKS < 0.5, "the parent itself idles: the time is its child's"
        assert paired_watch.tree_cpu(parent.pid) >= 0.8
    finally:
        for child in paired_watch.Path(f"/proc/{parent.pid}/task").glob("*/children"):
            for pid in child.read_text().split():
                os.kill(int(pid), signal.SIGKILL)
        parent.kill()
        parent.wait()
    assert paired_watch.tree_cpu(parent.pid) == 0.0
