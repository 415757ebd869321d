"""Measure primer side by side with other tools, as ratios.

Usage: `python benchmarks/compare.py [--sizes 1,4,16] [--repeat 3] [--mkdocs PATH] [--profile]`.

For each size N it writes a synthetic content pack (`make_corpus.py N`) into a temporary folder, then:

a. times `primer build` against `mkdocs build` (default theme, no plugins) of a Markdown site generated
   from the same corpus, with the same number of HTML pages; reports primer/mkdocs ratios of wall
   time and peak memory. mkdocs is not a primer dependency: install it where this script runs
   (`pip install mkdocs`) or pass `--mkdocs PATH`; without it this comparison is skipped.
b. times loading every YAML file of the corpus with primer's loader (`primer.content.load.parse_file`:
   libyaml composes, primer keeps the line and column of every node), with PyYAML's C loader
   (`yaml.load(text, Loader=yaml.CSafeLoader)`) and with the pure-Python `yaml.safe_load`.
c. shows how primer's build time and output grow with the content: time per 100 KB of YAML, the
   marginal cost between sizes (constant when the build is linear), output bytes per content byte
   and the largest output file (which would balloon if a page listed every other page).
d. splits primer's build into its stages (load and validate, derive, lint, readability, site, bank,
   write), run in this process, to show where the time goes; --profile adds a cProfile listing.

Each command runs in a fresh child process, after one untimed run that fills the disk and bytecode
caches (bytecode is cached in the temporary folder even where PYTHONDONTWRITEBYTECODE is set, as an
installed package would have it); its wall time is the best of --repeat runs, and its peak
memory is the maximum resident set size of that child or of any process it started and waited for (a
build's workers: the largest of them, not their sum), read with os.wait4 (the kernel's rusage of that child, its
own children included; RUSAGE_CHILDREN cannot be used in deltas, since its ru_maxrss is a high-water mark over all
children ever waited for) by a launcher of a few MiB that starts it (`launched`: a child started straight from this
script would count this script's memory as its own). The two tools take turns, so load on the machine hits both.
Nothing is written inside the repository.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """The best wall time (seconds) and the peak RSS (bytes) of a command over its repeats."""

    seconds: float
    peak: int


#: The children's environment: bytecode is cached (in the temporary folder, see main), as after a
#: normal install, even where PYTHONDONTWRITEBYTECODE is set; otherwise every run would recompile.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


#: Runs the command in its arguments, its output thrown away and its messages passed on, and prints its wall time,
#: CPU time, peak RSS (as wait4 reports them: its children included) and exit status as JSON. The benchmarks start
#: every command they measure from it, a process of a few MiB, because Linux counts in a child's peak RSS the
#: memory of the process it was started from: Python starts a child by vfork, whose child runs in its parent's
#: memory until it calls exec, and exec carries the high-water mark of the memory it leaves into the child's. A
#: command started straight from a benchmark that holds a corpus and its twin sites in memory never showed less
#: than the benchmark's own peak (at 1,024 topics, 422 MiB for the floor's script).
_LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]))
"""


def launched(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, int, bytes]:
    """Run `cmd` (started from `_LAUNCHER`); its wall time, CPU time and peak RSS in bytes (the largest of its own
    and of the processes it waited for), its exit code, and what it wrote to stderr."""
    run = subprocess.run(
        [sys.executable, "-I", "-c", _LAUNCHER, *cmd], capture_output=True, env=env or CHILD_ENV, check=False
    )
    if run.returncode != 0:  # the launcher itself failed (the command could not be started)
        return 0.0, 0.0, 0, run.returncode, run.stderr
    wall, cpu, peak, code = json.loads(run.stdout)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is in bytes on macOS, KiB on Linux
    return wall, cpu, peak * scale, code, run.stderr


def run_once(cmd: list[str]) -> tuple[float, int]:
    """Run `cmd` in a child process; return its wall time and its peak resident set size (see `launched`)."""
    seconds, _, peak, code, errors = launched(cmd)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{errors.decode(errors='replace')}")
    return seconds, peak


def best_of(runs: list[tuple[float, int]]) -> Run:
    """The fastest time and the smallest peak of several runs (both are noise-free lower bounds)."""
    return Run(min(s for s, _ in runs), min(p for _, p in runs))


def in_process(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of one call of `fn`: each of `repeat` rounds calls it often enough to last at
    least 0.2 s. The garbage collector stays on, as in a real run (timeit would turn it off)."""
    timer = timeit.Timer(fn, setup="gc.enable()")
    number, _ = timer.autorange()
    return min(timer.repeat(repeat, number)) / number


def folder_bytes(folder: Path, suffix: str = "") -> int:
    return sum(p.stat().st_size for p in folder.rglob(f"*{suffix}") if p.is_file())


def set_aside(folder: Path, work: Path) -> None:
    """Move `folder` (a tool's last output, primer's caches) out of the way, into `work/set-aside/`, which
    goes when the benchmark's temporary folder does, after every measurement: never delete thousands of
    files just before a timed run. On a filesystem like this machine's (ext4 without a journal) the kernel
    does not reuse an inode freed in the last minute (five, while its table block is unwritten), and looks
    past each such one for every file it makes. Writing a 256-topic build's 6,185 files took 0.7 s of system
    time with none freed just before, and 2.3, 4.6 and 5.3 s after one, two and three earlier copies of them
    were deleted; in a build made right after its last output was deleted, `ext4_create` looking past freed
    inodes was a tenth of the CPU time (`perf record`). Deleting before each run charged each tool for the
    files it had made the run before, by their number times its own: primer most, as it makes the most."""
    if not folder.exists():
        return
    aside = work / "set-aside"
    aside.mkdir(exist_ok=True)
    number = sum(1 for _ in aside.iterdir()) + 1  # each folder set aside stays there: a name of its own
    folder.rename(aside / f"{number}-{folder.name}")


def largest_file(folder: Path) -> tuple[int, str]:
    return max((p.stat().st_size, p.relative_to(folder).as_posix()) for p in folder.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- the mkdocs twin

_LINK = re.compile(r"\[([^\]]*)\]\((point|term|event|source):([^)\s]*)\)")
_BLANK = re.compile(r"\[\[[^\]]*\]\]")
#: The pages a twin's menu lists with `every_page`: the top pages, as primer's menu and footer list them.
MENU = (
    "index.md",
    "topics/index.md",
    "sources/index.md",
    "glossary.md",
    "timeline.md",
    "actors.md",
    "places.md",
    "map.md",
    "search.md",
    "teacher/index.md",
    "about.md",
)
#: The handouts' student versions, as primer names them.
VERSIONS = ("A", "B", "C")
#: The receipts page: what primer's says, in short (primer's also holds the tables its script fills in).
RECEIPTS = (
    "# Read your class's quiz results\n\nAt the end of a quiz a student can download their results as a small file "
    "and hand it in. Collect the files, then open them here at once to see the class: the spread of scores, how "
    "many got each question right first time, the wrong answers chosen most, each objective, and the open answers "
    "side by side for marking. Nothing leaves this computer.\n"
)


class MarkdownSite:
    """A Markdown project for mkdocs with the corpus's text: the same pages primer writes, as far as
    a plain documentation site has them (no generated questions, no search script, no maps).

    With `every_page` (the default), a page for each HTML page primer writes: per topic its explainer,
    quiz and comparison of its sources, its source, its teacher page, its coverage and balance, and its
    four handouts (three student versions and the teacher edition); besides, the lists of everything,
    the teacher hub, the report, the receipts page and the map's table of places. Without it, only the
    pages the twins had up to the twenty-fifth round (topic, quiz and source pages and the lists), for
    comparison with the figures measured then."""

    def __init__(self, corpus: Path, every_page: bool = True) -> None:
        self.every_page = every_page

        def load(relative: str) -> Any:
            return yaml.load((corpus / relative).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        self.site = load("site.yaml")
        self.sources = [load(f"sources/{p.name}") for p in sorted((corpus / "sources").glob("*.yaml"))]
        self.terms = load("glossary.yaml")["terms"]
        self.actors = load("actors.yaml")["actors"]
        self.events = load("timeline.yaml")["events"]
        self.places = load("places.yaml")["places"]
        self.topics = sorted(
            (load(f"topics/{p.name}") for p in (corpus / "topics").glob("*.yaml")), key=lambda t: (t["order"], t["id"])
        )
        self.questions = {
            q["id"]: q
            for p in sorted((corpus / "questions").glob("*.yaml"))
            for q in load(f"questions/{p.name}")["questions"]
        }
        self.point_source = {p["id"]: s["id"] for s in self.sources for p in s["points"]}

    def links(self, text: str, up: str) -> str:
        """primer's content links as links between the Markdown pages (a cloze's blanks as lines)."""

        def target(match: re.Match[str]) -> str:
            label, kind, ident = match.groups()
            where = {
                "term": f"{up}glossary.md#{ident}",
                "event": f"{up}timeline.md#{ident}",
                "source": f"{up}sources/{ident}.md",
                "point": f"{up}sources/{self.point_source.get(ident, '')}.md#{ident}",
            }[kind]
            return f"[{label}]({where})"

        return _BLANK.sub("______", _LINK.sub(target, text))

    def pages(self) -> dict[str, str]:
        """Relative path → Markdown."""
        pages: dict[str, str] = {}
        site = self.site
        topic_list = "\n".join(f"- [{t['title']}](topics/{t['id']}.md): {t['lede']}" for t in self.topics)
        pages["index.md"] = f"# {site['title']}\n\n{site['description']}\n\n## Topics\n\n{topic_list}\n"
        pages["about.md"] = (
            f"# About\n\n{site['description']}\n\nAudience: {site['audience']}. Licence: {site['licence']}.\n\n"
            + "\n".join(f"- {a['name']}" for a in site["authors"])
            + "\n"
        )
        pages["topics/index.md"] = "# Topics\n\n" + topic_list.replace("(topics/", "(") + "\n"
        for topic in self.topics:
            pages[f"topics/{topic['id']}.md"] = self.topic(topic)
            pages[f"topics/{topic['id']}-quiz.md"] = self.quiz(topic)
        pages["sources/index.md"] = (
            "# Sources\n\n" + "\n".join(f"- [{s['title']}]({s['id']}.md) ({s['short']})" for s in self.sources) + "\n"
        )
        for source in self.sources:
            pages[f"sources/{source['id']}.md"] = self.source(source)
        pages["sources/compare.md"] = self.compare()
        pages["glossary.md"] = "# Glossary\n\n" + "\n".join(
            f"## {t['term']} {{#{t['id']}}}\n\n"
            + (f"*{t['expansion']}*. " if t.get("expansion") else "")
            + f"{t['definition']}\n\n"
            + (f"Also: {', '.join(t['aliases'])}.\n\n" if t.get("aliases") else "")
            + ("See also: " + ", ".join(f"[{s}](#{s})" for s in t["see_also"]) + ".\n" if t.get("see_also") else "")
            for t in sorted(self.terms, key=lambda t: t["term"].lower())
        )
        pages["timeline.md"] = "# Timeline\n\n" + "\n".join(
            f"## {e['date']}: {e['title']} {{#{e['id']}}}\n\n{e['text']}\n\n*Basis:* {e['basis']}\n"
            for e in sorted(self.events, key=lambda e: (str(e["date"]), e["id"]))
        )
        pages["actors.md"] = "# Actors\n\n" + "\n".join(
            f"## {a['name']} {{#{a['id']}}}\n\n{a['role']}\n\n"
            + "".join(f"- {i}\n" for i in a.get("interests", []))
            + "\n"
            + "".join(
                f"- {p['text']} ("
                + ", ".join(f"[{pid}](sources/{self.point_source[pid]}.md#{pid})" for pid in p["points"])
                + ")\n"
                for p in a.get("positions", [])
            )
            for a in self.actors
        )
        pages["places.md"] = "# Places\n\n" + "\n".join(
            f"## {p['name']} {{#{p['id']}}}\n\n{p['lat']}, {p['lon']} ({p['kind']}). {p['text']}\n" for p in self.places
        )
        pages["search.md"] = self.index()  # primer's search page holds an index of everything
        if not self.every_page:
            pages["teacher.md"] = "# For teachers\n\n" + "\n".join(self.teacher(t) for t in self.topics)
            return pages
        # as primer does, a lesson of few topics sets each topic's comparison and coverage out on the pages
        # that list them all, and a larger one gives each a page of its own
        from primer.targets.site import SHARED_ON_PAGE, TOPICS_ON_REPORT

        own_comparisons, own_reports = len(self.topics) > SHARED_ON_PAGE, len(self.topics) > TOPICS_ON_REPORT
        pages["teacher/index.md"] = self.teacher_hub()
        pages["teacher/report.md"] = self.report(own_reports)
        pages["teacher/receipts.md"] = RECEIPTS
        pages["map.md"] = "# Map\n\n| Place | Latitude | Longitude | Kind |\n|---|---|---|---|\n" + "".join(
            f"| [{p['name']}](places.md#{p['id']}) | {p['lat']} | {p['lon']} | {p['kind']} |\n" for p in self.places
        )
        for topic in self.topics:
            ident = topic["id"]
            if own_comparisons:
                pages[f"topics/{ident}-compare.md"] = self.compare_topic(topic, "../")
            else:
                pages["sources/compare.md"] += "\n" + self.compare_topic(topic, "").replace("# ", "## ", 1)
            if own_reports:
                pages[f"teacher/report/{ident}.md"] = self.report_topic(topic, "../../")
            else:
                pages["teacher/report.md"] += "\n" + self.report_topic(topic, "../").replace("# ", "## ", 1)
            pages[f"teacher/topics/{ident}.md"] = self.teacher_topic(topic)
            for turn, version in enumerate(VERSIONS):
                pages[f"handouts/{ident}/{ident}-student-{version}.md"] = self.handout(topic, turn)
            pages[f"handouts/{ident}/{ident}-teacher.md"] = self.handout_key(topic)
        return pages

    def menu(self) -> list[str] | None:
        """The pages a site's menu lists, as primer's menu lists its top pages (with `every_page`); None:
        every page, as MkDocs's and Pelican's menus do by default (the twins up to the twenty-fifth round,
        whose every page thus listed every other)."""
        return list(MENU) if self.every_page else None

    def index(self) -> str:
        out = ["# Index\n\n## Terms\n"]
        out += [f"- [{t['term']}](glossary.md#{t['id']}): {t['definition']}" for t in self.terms]
        out.append("\n## Events\n")
        out += [f"- [{e['title']}](timeline.md#{e['id']}): {e['text']}" for e in self.events]
        out.append("\n## Summary points\n")
        out += [
            f"- [{p['id']}](sources/{s['id']}.md#{p['id']}): {p['text']}" for s in self.sources for p in s["points"]
        ]
        out.append("\n## Questions\n")
        out += [
            f"- [{q['id']}](topics/{t['id']}-quiz.md#{q['id']}): {self.links(self.questions[q['id']]['stem'], '')}"
            for t in self.topics
            for q in (self.questions[qid] for qid in t["questions"])
        ]
        return "\n".join(out) + "\n"

    def topic(self, t: dict[str, Any]) -> str:
        out = [f"# {t['title']}\n\n{t['lede']}\n\n## Objectives\n"]
        out += [f"- {o['text']}" for o in t["objectives"]]
        out += ["\n## Takeaways\n", *(f"- {k}" for k in t["takeaways"])]
        for section in t["sections"]:
            out.append(f"\n## {section['title']}\n\n{self.links(section['body'], '../')}")
        out.append("\n## Perspectives\n")
        out += [f"- **{p['actor']}**: {p['text']}" for p in t.get("perspectives", [])]
        out.append("\n## What happened next\n")
        out += [f"- [{n['event']}](../timeline.md#{n['event']}): {n['text']}" for n in t.get("next", [])]
        out += ["\n## Discuss\n", *(f"- {p}" for p in t.get("prompts", []))]
        out.append(f"\n[Take the quiz]({t['id']}-quiz.md)\n")
        return "\n".join(out)

    def quiz(self, t: dict[str, Any]) -> str:
        out = [f"# Quiz: {t['title']}\n"]
        for n, qid in enumerate(t["questions"], start=1):
            q = self.questions[qid]
            out.append(f"## Question {n} {{#{qid}}}\n\n{self.links(q['stem'], '../')}\n")
            for choice in q.get("choices", []):
                out.append(f"- {choice['text']} — {choice['feedback']}")
            out += [f"1. {item}" for item in q.get("items", [])]
            out += [f"- {p['left']} → {p['right']}" for p in q.get("pairs", [])]
            out += [f"- {d}" for d in q.get("distractors", [])]
            for blank in q.get("blanks", []):
                out.append(f"- {blank['id']}: {', '.join(blank.get('choices') or blank.get('accept', []))}")
            for key in ("feedback_true", "feedback_false", "model_answer"):
                if key in q:
                    out.append(f"\n{q[key]}")
            out.append(f"\n*Explanation:* {q['explanation']}\n")
        return "\n".join(out)

    def source(self, s: dict[str, Any]) -> str:
        framing = s["framing"]
        out = [f"# {s['title']}\n\n{s['short']}, {s['published']['date']}. {s['outlet']['note']}\n\n## Framing\n"]
        out += [f"- Quoted: {q}" for q in framing.get("quoted", [])]
        out += [f"- Not quoted: {q}" for q in framing.get("not_quoted", [])]
        out += [
            f"- “{w['phrase']}” (paragraph {w['paragraph']}): {w['note']}" for w in framing.get("loaded_wording", [])
        ]
        out += [f"- Unattributed (paragraph {u['paragraph']}): {u['note']}" for u in framing.get("unattributed", [])]
        out.append(f"\n{framing['conclusion']}\n\n## Summary points\n")
        for p in s["points"]:
            out.append(f"### {p['id']} {{#{p['id']}}}\n\n{p['text']} (paragraphs {p['paragraphs']}; {p['status']})\n")
            for key in ("correction", "basis", "note"):
                if p.get(key):
                    out.append(f"*{key.capitalize()}:* {p[key]}\n")
        return "\n".join(out)

    def compare(self) -> str:
        head = "| | " + " | ".join(s["short"] for s in self.sources) + " |"
        rule = "|---" * (len(self.sources) + 1) + "|"
        rows = [
            "| Conclusion | " + " | ".join(s["framing"]["conclusion"] for s in self.sources) + " |",
            "| Quoted | " + " | ".join(", ".join(s["framing"].get("quoted", [])) for s in self.sources) + " |",
            "| Points | " + " | ".join(str(len(s["points"])) for s in self.sources) + " |",
        ]
        return "\n".join(["# The sources side by side\n", head, rule, *rows, ""])

    def teacher(self, t: dict[str, Any]) -> str:
        out = [f"## {t['title']}\n", *(f"- {o['id']}: {o['text']}" for o in t["objectives"]), ""]
        for qid in t["questions"]:
            q = self.questions[qid]
            out.append(f"- {qid} ({q['type']}): {self.answer(q)}")
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------- the pages the twins lacked

    def cited(self, t: dict[str, Any]) -> list[str]:
        """The points a topic cites (in its sections and perspectives) or its questions test, in order."""
        found = [m.group(3) for section in t["sections"] for m in _LINK.finditer(section["body"])]
        found += [m.group(3) for p in t.get("perspectives", []) for m in _LINK.finditer(p["text"])]
        found = [ident for ident in found if ident in self.point_source]
        found += [pid for p in t.get("perspectives", []) for pid in p.get("points", [])]
        found += [pid for qid in t["questions"] for pid in self.questions[qid].get("tests", {}).get("points", [])]
        return list(dict.fromkeys(found))

    def answer(self, q: dict[str, Any]) -> str:
        """A question's answer, as a key shows it."""
        if "answer" in q:  # true or false, a number
            return str(q["answer"])
        if q.get("pairs"):
            return "; ".join(f"{p['left']} → {p['right']}" for p in q["pairs"])
        if q.get("blanks"):
            return "; ".join(b.get("answer") or ", ".join(b.get("accept", [])) for b in q["blanks"])
        right = [c["text"] for c in q.get("choices", []) if c.get("correct")]
        found = right or q.get("accept") or q.get("items") or q.get("model_answer", "")
        return "; ".join(map(str, found)) if isinstance(found, list) else str(found)

    def compare_topic(self, t: dict[str, Any], up: str) -> str:
        """What each source the topic cites says on it, point by point, with its status (`up`: from the
        page to the site's root)."""
        cited = self.cited(t)
        out = [f"# Compare the sources: {t['title']}\n\n{t['lede']}\n"]
        for source in (s for s in self.sources if s["id"] in t.get("sources", [])):
            where = f"{up}sources/{source['id']}.md"
            out.append(f"### [{source['title']}]({where})\n\n{source['framing']['conclusion']}\n")
            out += [
                f"- {p['text']} (*{p['status']}*)" + (f" {p['correction']}" if p.get("correction") else "")
                for p in source["points"]
                if p["id"] in cited
            ]
            out.append("")
        return "\n".join(out)

    def teacher_topic(self, t: dict[str, Any]) -> str:
        """A topic's teacher page: objectives, lesson plan, and the answer key with each explanation."""
        ident = t["id"]
        out = [f"# Teacher: {t['title']}\n\n{t['lede']}\n\n## Objectives\n"]
        out += [f"- {o['text']}" for o in t["objectives"]]
        out.append("\n## Lesson plan\n")
        out += [f"1. Read “{section['title']}”." for section in t["sections"]]
        out += [f"1. Discuss: {prompt}" for prompt in t.get("prompts", [])]
        out.append("\n## Handouts\n")
        out += [f"- [Version {v}](../../handouts/{ident}/{ident}-student-{v}.md)" for v in VERSIONS]
        out.append(f"- [Teacher edition](../../handouts/{ident}/{ident}-teacher.md)\n\n## Answer key\n")
        for n, qid in enumerate(t["questions"], start=1):
            q = self.questions[qid]
            out.append(f"### Question {n}\n\n{self.links(q['stem'], '../../')}\n")
            out.append(f"**Answer:** {self.answer(q)}\n\n*Why:* {q['explanation']}\n")
        return "\n".join(out)

    def report_topic(self, t: dict[str, Any], up: str) -> str:
        """A topic's coverage (objectives and points by question) and balance (actors and their points);
        `up`: from the page to the site's root."""
        questions = [self.questions[qid] for qid in t["questions"]]
        out = [f"# Coverage and balance: {t['title']}\n\n## Objectives × questions\n"]
        out += ["| Objective | Questions |", "|---|---|"]
        for o in t["objectives"]:
            serving = [q["id"] for q in questions if q.get("objective") == o["id"]]
            out.append(f"| {o['text']} | {len(serving)}: {', '.join(serving)} |")
        out += ["\n## Points × questions\n", "| Point | Questions |", "|---|---|"]
        for pid in self.cited(t):
            testing = [q["id"] for q in questions if pid in q.get("tests", {}).get("points", [])]
            out.append(f"| [{pid}]({up}sources/{self.point_source[pid]}.md#{pid}) | {len(testing)} |")
        out += ["\n## Balance\n", "| Actor | Points |", "|---|---|"]
        out += [f"| {p['actor']} | {len(p.get('points', []))} |" for p in t.get("perspectives", [])]
        return "\n".join(out) + "\n"

    def handout(self, t: dict[str, Any], turn: int) -> str:
        """A student sheet: the topic's lede and takeaways, then its questions with no answers; each
        version takes the questions and the options in an order of its own."""
        questions = self.turned([self.questions[qid] for qid in t["questions"]], turn)
        out = [f"# {t['title']}\n\nVersion {VERSIONS[turn]}. Name: ______ Class: ______\n\n## Read first\n"]
        out += [t["lede"], "\n## Key points\n", *(f"- {k}" for k in t["takeaways"]), "\n## Questions\n"]
        for n, q in enumerate(questions, start=1):
            out.append(f"**{n}.** {self.links(q['stem'], '../../')}\n")
            out += [f"- [ ] {c['text']}" for c in self.turned(q.get("choices", []), turn)]
            out += [f"- ___ {item}" for item in self.turned(q.get("items", []), turn)]
            lefts = [p["left"] for p in q.get("pairs", [])]
            rights = self.turned([p["right"] for p in q.get("pairs", [])], turn + 1)
            out += [f"- {left} ___ {right}" for left, right in zip(lefts, rights, strict=True)]
            if not (q.get("choices") or q.get("items") or q.get("pairs")):
                out.append("Answer: ________________________")
            out.append("")
        return "\n".join(out)

    def handout_key(self, t: dict[str, Any]) -> str:
        """The teacher edition: each version's key, then each answer with why it is right and the feedback
        on every option."""
        questions = [self.questions[qid] for qid in t["questions"]]
        out = [f"# Teacher edition: {t['title']}\n\n## Keys\n", "| Question | " + " | ".join(VERSIONS) + " |"]
        out.append("|---" * (len(VERSIONS) + 1) + "|")
        orders = [self.turned(questions, turn) for turn in range(len(VERSIONS))]
        for n in range(len(questions)):
            out.append(f"| {n + 1} | " + " | ".join(self.answer(order[n])[:40] for order in orders) + " |")
        out.append("\n## Answers\n")
        for n, q in enumerate(questions, start=1):
            out.append(f"### {n}. {self.links(q['stem'], '../../')}\n\n**Answer:** {self.answer(q)}\n")
            out += [f"- {c['text']}: {c['feedback']}" for c in q.get("choices", [])]
            out.append(f"\n*Why:* {q['explanation']}\n")
        return "\n".join(out)

    @staticmethod
    def turned(items: list[Any], turn: int) -> list[Any]:
        """`items` in a version's order: turned by a third of their number per version."""
        if not items:
            return items
        step = (turn * max(1, len(items) // 3)) % len(items)
        return items[step:] + items[:step]

    def teacher_hub(self) -> str:
        """The teacher hub: a row per topic with its pages."""
        out = ["# Teacher hub\n\n| Topic | Objectives | Questions | Pages |", "|---|---|---|---|"]
        out += [
            f"| {t['title']} | {len(t['objectives'])} | {len(t['questions'])} | [teacher](topics/{t['id']}.md), "
            f"[handout](../handouts/{t['id']}/{t['id']}-teacher.md) |"
            for t in self.topics
        ]
        return "\n".join(out) + "\n"

    def report(self, own_reports: bool) -> str:
        """The report's summary: a row per topic, its objectives served and points tested (`own_reports`: each
        topic's name links its own page of coverage and balance)."""
        out = ["# Provenance and quality report\n", "| Topic | Objectives served | Points tested | Actors |"]
        out.append("|---|---|---|---|")
        for t in self.topics:
            questions = [self.questions[qid] for qid in t["questions"]]
            served = {q.get("objective") for q in questions}
            tested = {pid for q in questions for pid in q.get("tests", {}).get("points", [])}
            title = f"[{t['title']}](report/{t['id']}.md)" if own_reports else t["title"]
            out.append(
                f"| {title} | {sum(o['id'] in served for o in t['objectives'])} of "
                f"{len(t['objectives'])} | {len(tested)} of {len(self.cited(t))} | {len(t.get('perspectives', []))} |"
            )
        return "\n".join(out) + "\n"

    def write(self, folder: Path) -> Path:
        """Write the project; return its mkdocs.yml."""
        return write_mkdocs(self.pages(), self.site, folder, self.menu())


def page_title(text: str) -> str:
    """A Markdown page's title: its first line, less the heading's marks."""
    first = text.splitlines()[0] if text else ""
    return first.lstrip("# ").replace('"', "'") or "Page"


def write_mkdocs(pages: dict[str, str], site: dict[str, str], folder: Path, menu: list[str] | None = None) -> Path:
    """A MkDocs project of `pages` with its default theme and no plugins; its menu (`nav`) lists the pages of
    `menu`, as primer's lists its top pages, or every page (MkDocs's default) when None. Returns its
    mkdocs.yml."""
    for rel, text in pages.items():
        path = folder / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config: dict[str, object] = {
        "site_name": site["title"],
        "theme": {"name": "mkdocs"},
        "plugins": [],
        "markdown_extensions": ["attr_list"],
    }
    if menu is not None:
        config["nav"] = [{page_title(pages[rel]): rel} for rel in menu]
    yml = folder / "mkdocs.yml"
    yml.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return yml


# --------------------------------------------------------------------------- the comparisons


@dataclass
class Size:
    """Everything measured at one size."""

    n: int
    yaml_files: int
    yaml_bytes: int
    primer: Run
    primer_pages: int
    primer_out: int
    primer_html: int
    primer_largest: tuple[int, str]
    mkdocs: Run | None = None
    mkdocs_pages: int = 0
    mkdocs_html: int = 0
    markdown_bytes: int = 0
    load: dict[str, float] | None = None
    stages: dict[str, float] | None = None


def loaders() -> dict[str, Callable[[Path], object]]:
    """Ways to turn one YAML file into data; each reads the file itself."""
    from primer.content.load import parse_file

    def primer_load(path: Path) -> object:
        problems: list[Any] = []
        doc = parse_file(path.read_bytes(), path.name, path, problems)
        if doc is None:
            raise SystemExit(f"primer could not load {path}: {problems}")
        return doc.data

    return {
        "primer parse_file": primer_load,
        "yaml.compose (C)": lambda p: yaml.compose(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader),
        "yaml.load CSafeLoader": lambda p: yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader),
        "yaml.safe_load (Python)": lambda p: yaml.safe_load(p.read_text(encoding="utf-8")),
    }


def all_files(fn: Callable[[Path], object], files: list[Path]) -> None:
    """Load each file and drop the result, as a loader's caller would after converting it."""
    for path in files:
        fn(path)


def measure(n: int, work: Path, repeat: int, mkdocs: str | None) -> Size:
    corpus = work / f"corpus-{n}"
    subprocess.run(
        [sys.executable, str(HERE / "make_corpus.py"), str(n), str(corpus)], check=True, stdout=subprocess.DEVNULL
    )
    files = sorted(corpus.rglob("*.yaml"))
    primer_site, mkdocs_site = work / f"primer-site-{n}", work / f"mkdocs-site-{n}"
    primer_cmd = [sys.executable, "-m", "primer", "build", "--content", str(corpus), "--out", str(primer_site)]
    mkdocs_cmd: list[str] = []
    markdown_bytes = 0
    if mkdocs:
        project = work / f"mkdocs-{n}"
        yml = MarkdownSite(corpus).write(project)
        markdown_bytes = folder_bytes(project / "docs")
        mkdocs_cmd = [mkdocs, "build", "--quiet", "--clean", "-f", str(yml), "-d", str(mkdocs_site)]

    primer_runs, mkdocs_runs = [], []
    for cmd, site in ((primer_cmd, primer_site), (mkdocs_cmd, mkdocs_site)):
        if cmd:  # an untimed first run fills the bytecode and disk caches
            set_aside(site, work)
            run_once(cmd)
    for _ in range(repeat):  # take turns, and start each from an empty output folder
        set_aside(primer_site, work)
        primer_runs.append(run_once(primer_cmd))
        if mkdocs_cmd:
            set_aside(mkdocs_site, work)
            mkdocs_runs.append(run_once(mkdocs_cmd))

    size = Size(
        n=n,
        yaml_files=len(files),
        yaml_bytes=sum(p.stat().st_size for p in files),
        primer=best_of(primer_runs),
        primer_pages=len(list(primer_site.rglob("*.html"))),
        primer_out=folder_bytes(primer_site),
        primer_html=folder_bytes(primer_site, ".html"),
        primer_largest=largest_file(primer_site),
        markdown_bytes=markdown_bytes,
    )
    if mkdocs_runs:
        size.mkdocs = best_of(mkdocs_runs)
        size.mkdocs_pages = len(list(mkdocs_site.rglob("*.html")))
        size.mkdocs_html = folder_bytes(mkdocs_site, ".html")

    size.load = {
        name: in_process(lambda fn=fn: all_files(fn, files), repeat)  # type: ignore[misc]
        for name, fn in loaders().items()
    }
    size.stages = stages(corpus, work / f"stages-site-{n}", repeat)
    return size


def stages(corpus: Path, out: Path, repeat: int) -> dict[str, float]:
    """Best time of each stage of `primer.build.build`, run in this process."""
    from primer.build import BANK_PATH
    from primer.checks.readability import check_readability
    from primer.content.library import load_library
    from primer.derive import derive
    from primer.quiz.lint import lint
    from primer.render.env import make_env
    from primer.report import run_report
    from primer.targets.bank import bank_json
    from primer.targets.site import build_site
    from primer.write import Output

    def one_pass() -> dict[str, float]:
        times: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            times[name], clock = now - clock, now

        lib = load_library(corpus)
        lap("load+validate")
        derived = derive(lib)
        lap("derive")
        lint(lib, derived)
        lap("lint")
        check_readability(lib)
        lap("readability")
        output = Output()
        build_site(lib, derived, make_env(corpus / "templates"), output, run_report(lib, derived, corpus))
        lap("site")
        output.add(BANK_PATH, bank_json(lib, derived))
        lap("bank")
        output.commit(out, epoch=None)
        lap("write")
        return times

    best: dict[str, float] = {}
    for _ in range(repeat):
        set_aside(out, out.parent)  # its files are written in the last stage, which is timed
        for name, seconds in one_pass().items():
            best[name] = min(best.get(name, seconds), seconds)
    return best


def profile(n: int, work: Path, top: int) -> None:
    """Run one primer build in this process under cProfile and print where the time goes."""
    from primer.build import build

    corpus = work / f"corpus-{n}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), str(n), str(corpus)], check=True)
    out = work / f"profile-site-{n}"
    build(corpus, out)  # warm caches (templates, hyphenation dictionary) as a repeated run would have them
    set_aside(out, work)
    profiler = cProfile.Profile()
    profiler.enable()
    build(corpus, out)
    profiler.disable()
    print(f"\ncProfile of one in-process `primer build` at N={n}, top {top} by own time:")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    print(f"top {top} by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)


# --------------------------------------------------------------------------- the report


def table(title: str, head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([title, line(head), "  ".join("-" * w for w in widths), *map(line, rows), ""])


def mb(n: float) -> str:
    return f"{n / 1_000_000:.1f} MB"


def report(sizes: list[Size], startup: Run) -> str:
    parts = [
        f"primer's fixed cost, `python -m primer --version`: {startup.seconds:.2f} s, "
        f"{startup.peak / 2**20:.0f} MiB (imports; included in every build below)\n"
    ]
    mk = [s for s in sizes if s.mkdocs]
    if mk:
        rows = []
        for s in mk:
            assert s.mkdocs is not None
            rows.append(
                [
                    str(s.n),
                    f"{s.primer_pages} / {s.mkdocs_pages}",
                    f"{s.yaml_bytes / 1000:.0f} KB / {s.markdown_bytes / 1000:.0f} KB",
                    f"{s.primer.seconds:.2f} s",
                    f"{s.mkdocs.seconds:.2f} s",
                    f"{s.primer.seconds / s.mkdocs.seconds:.2f}",
                    f"{s.primer.peak / 2**20:.0f} MiB",
                    f"{s.mkdocs.peak / 2**20:.0f} MiB",
                    f"{s.primer.peak / s.mkdocs.peak:.2f}",
                    f"{mb(s.primer_html)} / {mb(s.mkdocs_html)}",
                ]
            )
        parts.append(
            table(
                "a. primer build vs mkdocs build (best wall time, peak RSS of the child process)",
                [
                    "N",
                    "html pages p/m",
                    "input YAML/Markdown",
                    "primer",
                    "mkdocs",
                    "time ratio",
                    "primer RSS",
                    "mkdocs RSS",
                    "RSS ratio",
                    "html bytes p/m",
                ],
                rows,
            )
        )
    rows = []
    for s in sizes:
        assert s.load is not None
        c_load = s.load["yaml.load CSafeLoader"]
        rows.append(
            [
                str(s.n),
                f"{s.yaml_files} / {s.yaml_bytes / 1000:.0f} KB",
                *(f"{seconds * 1000:.1f} ms" for seconds in s.load.values()),
                f"{s.load['primer parse_file'] / c_load:.2f}",
                f"{s.load['yaml.safe_load (Python)'] / c_load:.2f}",
                f"{s.load['primer parse_file'] / s.load['yaml.safe_load (Python)']:.2f}",
            ]
        )
    parts.append(
        table(
            "b. loading every YAML file of the corpus (in process, best of --repeat)",
            [
                "N",
                "files / bytes",
                *next(s.load for s in sizes if s.load),
                "primer/C",
                "safe_load/C",
                "primer/safe_load",
            ],
            rows,
        )
    )
    rows = []
    base = sizes[0]
    for i, s in enumerate(sizes):
        per = s.primer.seconds / (s.yaml_bytes / 100_000)
        if i:
            prev = sizes[i - 1]
            marginal = (s.primer.seconds - prev.primer.seconds) / ((s.yaml_bytes - prev.yaml_bytes) / 100_000)
            marginal_text = f"{marginal * 1000:.0f} ms"
        else:
            marginal_text = "–"
        rows.append(
            [
                str(s.n),
                f"{s.yaml_bytes / 1000:.0f} KB",
                f"{s.yaml_bytes / base.yaml_bytes:.1f}",
                f"{s.primer.seconds:.2f} s",
                f"{s.primer.seconds / base.primer.seconds:.1f}",
                f"{per * 1000:.0f} ms",
                marginal_text,
                mb(s.primer_out),
                f"{s.primer_out / s.yaml_bytes:.1f}",
                f"{s.primer_largest[0] / 1000:.0f} KB {s.primer_largest[1]}",
            ]
        )
    parts.append(
        table(
            "c. primer build scaling",
            [
                "N",
                "content",
                "×content",
                "build",
                "×time",
                "per 100 KB",
                "marginal per 100 KB",
                "output",
                "output/content",
                "largest output file",
            ],
            rows,
        )
    )
    rows = []
    for s in sizes:
        assert s.stages is not None
        total = sum(s.stages.values())
        rows.append([str(s.n), *(f"{t:.2f}" for t in s.stages.values()), f"{total:.2f} s"])
    parts.append(
        table(
            "d. primer build by stage (seconds, in process, best of --repeat; see --profile for functions)",
            ["N", *next(s.stages for s in sizes if s.stages), "total"],
            rows,
        )
    )
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="1,4,16", help="comma-separated corpus scales N (default 1,4,16)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts (default 3)")
    parser.add_argument("--mkdocs", default=shutil.which("mkdocs"), help="the mkdocs executable (default: on PATH)")
    parser.add_argument("--profile", action="store_true", help="also cProfile one primer build at the largest size")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(x) for x in args.sizes.split(",")})
    except ValueError:
        parser.error("--sizes takes numbers separated by commas, e.g. 1,4,16")
    if not sizes or sizes[0] < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be at least 1")
    try:
        import primer
    except ImportError:
        print("primer is not importable here: run `pip install -e .` in this environment first", file=sys.stderr)
        return 2

    mkdocs_version = "not found"
    if args.mkdocs:
        probe = subprocess.run([args.mkdocs, "--version"], capture_output=True, text=True, check=False)
        mkdocs_version = probe.stdout.strip() if probe.returncode == 0 else "not runnable"
        if probe.returncode != 0:
            args.mkdocs = None
    print(
        f"primer {primer.__version__}; Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs; PyYAML {yaml.__version__} "
        f"(libyaml: {yaml.__with_libyaml__}); mkdocs: {mkdocs_version}"
    )
    print(f"sizes {sizes}, best of {args.repeat}; memory: peak RSS of each child process (os.wait4 rusage)\n")
    if not args.mkdocs:
        print(
            "mkdocs is not installed, so comparison (a) is skipped. It is not a primer dependency: install it\n"
            "in this benchmark's environment (`pip install mkdocs`) or pass --mkdocs PATH.\n"
        )

    with tempfile.TemporaryDirectory(prefix="primer-bench-") as tmp:
        work = Path(tmp)
        CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        version = [sys.executable, "-m", "primer", "--version"]
        run_once(version)
        startup = best_of([run_once(version) for _ in range(args.repeat)])
        results = []
        for n in sizes:
            started = time.perf_counter()
            results.append(measure(n, work, args.repeat, args.mkdocs))
            print(f"measured N={n} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        print(report(results, startup))
        if args.profile:
            profile(sizes[-1], work, 25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
