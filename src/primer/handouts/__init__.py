"""The handout target: printable student and teacher editions of each topic's quiz, in shuffled
versions A, B, C …, as HTML and as PDF (A4, Letter or both, as the lesson's `settings.paper` says) through
WeasyPrint.

`add_handouts` is what `primer build` calls: every topic with questions, three versions, both
editions, the lesson's paper sizes, into `handouts/TOPIC/` of the site. `write_handouts` is `primer handout`.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from jinja2 import Environment

from primer import reads
from primer.content.library import Library
from primer.content.models import Topic
from primer.content.terms import TermMatcher
from primer.derive import Derived
from primer.errors import ContentError
from primer.handouts import pdf as pdf_mod
from primer.handouts.plan import lesson_plan
from primer.handouts.sheet import handout_context, key_grid, passage_words
from primer.handouts.versions import DEFAULT_SEED, DEFAULT_VERSIONS, MAX_VERSIONS, make_versions, versions_json
from primer.reads import Reuse
from primer.render.safejson import script_json
from primer.write import Output

#: The paper sizes, editions and formats a handout comes in.
PAPERS = tuple(pdf_mod.PAPERS)
EDITIONS = ("student", "teacher")
FORMATS = ("pdf", "html")


#: What every handout template is given (`handout_context`, plus the creation date).
_COMMON = frozenset(
    {
        "topic",
        "site_title",
        "language",
        "licence",
        "passage",
        "sheets",
        "versions",
        "grid",
        "answers",
        "objectives",
        "plan",
        "prompts",
        "total_points",
        "count",
        "created",
    }
)
#: The variables each handout template is given, so that `primer check` knows a content pack's own versions.
TEMPLATE_VARIABLES: dict[str, frozenset[str]] = {
    "handout/student.html": _COMMON | {"current"},
    "handout/teacher.html": _COMMON | {"include_sheets", "sheet_links", "sheet_pages"},
}


@dataclass(frozen=True)
class Settings:
    """Which handouts to make."""

    versions: int = DEFAULT_VERSIONS
    seed: int = DEFAULT_SEED
    papers: tuple[str, ...] = PAPERS
    editions: tuple[str, ...] = EDITIONS
    formats: tuple[str, ...] = FORMATS


def file_name(topic_id: str, edition: str, letter: str | None, ext: str, paper: str | None = None) -> str:
    """'thaad-student-B-a4.pdf', 'thaad-teacher.html' …"""
    parts = [topic_id, edition, *([letter] if letter else []), *([paper] if paper else [])]
    return "-".join(parts) + "." + ext


def _created() -> str:
    """The creation date PDFs carry: SOURCE_DATE_EPOCH's, or none (never the clock)."""
    from primer.cache import source_date_epoch

    epoch = source_date_epoch()
    if epoch is None:
        return ""
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Rendered:
    """One topic's handouts in HTML, and the PDF tasks that turn them into PDFs."""

    topic: Topic
    codes: dict[str, str]
    html: dict[str, str]
    tasks: list[pdf_mod.Task]


def render_topic(
    lib: Library, derived: Derived, env: Environment, topic: Topic, settings: Settings, matcher: TermMatcher
) -> Rendered:
    """The HTML of one topic's handouts, and what to render as PDF."""
    from primer.targets.site import SiteRenderer, answer_text  # the site's wording of answers and sources

    quiz = derived.quizzes[topic.id]
    versions = make_versions(topic, quiz, settings.versions, settings.seed)
    refs = SiteRenderer(lib, derived, env).refs
    context = handout_context(lib, derived, topic, versions, matcher, refs, answer_text)
    context["created"] = _created()
    student = env.get_template("handout/student.html")
    teacher = env.get_template("handout/teacher.html")
    sheets = {s["letter"]: student.render(**context, current=s) for s in context["sheets"]}
    html: dict[str, str] = {}
    if "student" in settings.editions:
        for letter, text in sheets.items():
            html[file_name(topic.id, "student", letter, "html")] = text
    if "teacher" in settings.editions:
        # The web page links each version's sheet rather than repeating it (a page stays under 100 KB);
        # the PDF holds the sheets themselves, ready to copy.
        links = [{"letter": v, "href": file_name(topic.id, "student", v, "html")} for v in sheets]
        shown = links if "student" in settings.editions else []
        html[file_name(topic.id, "teacher", None, "html")] = teacher.render(
            **context, include_sheets=not shown, sheet_links=shown, sheet_pages=False
        )
    tasks = []
    if "pdf" in settings.formats:
        own = None
        if "teacher" in settings.editions:
            own = teacher.render(**context, include_sheets=False, sheet_links=[], sheet_pages=True)
        for paper in settings.papers:
            students = tuple((file_name(topic.id, "student", v, "pdf", paper), t) for v, t in sheets.items())
            teacher_task = (file_name(topic.id, "teacher", None, "pdf", paper), own) if own is not None else None
            tasks.append(pdf_mod.Task(paper, students, teacher_task))
    return Rendered(topic, {v.letter: v.code for v in versions}, html, tasks)


def _pdfs(rendered: list[Rendered], editions: tuple[str, ...]) -> dict[str, bytes] | None:
    """Every PDF of the rendered topics, or None (after a one-line notice) when WeasyPrint cannot load."""
    tasks = [task for r in rendered for task in r.tasks]
    if not tasks:
        return {}
    found = pdf_mod.render_all(tasks, cache=pdf_mod.cache_dir())
    if found is None:
        click.echo(
            f"notice: PDF handouts skipped, HTML handouts written — WeasyPrint cannot load "
            f"({pdf_mod.missing_reason()}); README.md, “Handouts”, lists what to install",
            err=True,
        )
        return None
    if "student" not in editions:  # the teacher edition was built from the student sheets' pages
        found = {name: data for name, data in found.items() if "-student-" not in name}
    return found


def add_handouts(
    lib: Library, derived: Derived, env: Environment, output: Output, *, pdf: bool = True, reuse: Reuse | None = None
) -> dict[str, Any]:
    """Write every topic's handouts into `handouts/TOPIC/` of the site (PDFs only when `pdf`).
    Returns what the teacher hub links: topic id → versions with their codes and files. With `reuse` (and
    no PDFs, which are made from the pages), what each topic's handouts read is recorded, and a topic's
    handouts that would read what they read in the last build are taken from it (see `primer.reads`)."""
    # without PDFs, nothing is laid out for them (the teacher's PDF edition, the sheets kept for it)
    formats = FORMATS if pdf else tuple(f for f in FORMATS if f != "pdf")
    settings = Settings(papers=lib.site.settings.papers(), formats=formats)
    mapped = reuse if reuse is not None and not pdf else None
    common = hashlib.sha256(reads.value_bytes([lib.site, dataclasses.asdict(settings), _created()])).digest()
    rendered = []
    for topic in lib.topics_in_order():
        quiz = derived.quizzes.get(topic.id)
        if not quiz:
            continue
        folder = f"handouts/{topic.id}/"
        own = mapped.describe(folder, "handout", topic.title, {"topic": topic}, common) if mapped else None
        taken = mapped.take(output, folder, own[0]) if mapped and own is not None else None
        if taken is not None:  # its version codes, as the last build made them
            rendered.append(Rendered(topic, dict(taken.result), {}, []))
            continue
        with reads.recording() as found:
            made = render_topic(lib, derived, env, topic, settings, lib.term_matcher())
        names = [folder + name for name in made.html]
        for name, text in made.html.items():  # added at once, not held: 27 MB of pages at 256 topics
            if not (mapped and folder + name in mapped.linked):  # taken from the last build already
                output.add(folder + name, text)
        made.html.clear()
        rendered.append(made)
        if mapped and own is not None:
            mapped.note(folder, own, found, names, made.codes)
    pdfs = _pdfs(rendered, settings.editions) if pdf else None
    hub: dict[str, Any] = {}
    for r in rendered:
        folder = f"handouts/{r.topic.id}/"
        for name in sorted(n for task in r.tasks for n in task.names() if n in (pdfs or {})):
            output.add(folder + name, (pdfs or {})[name])

        def files(edition: str, letter: str | None, r: Rendered = r, folder: str = folder) -> dict[str, str]:
            found = {"html": folder + file_name(r.topic.id, edition, letter, "html")}
            if pdfs:
                for paper in settings.papers:
                    found[paper] = folder + file_name(r.topic.id, edition, letter, "pdf", paper)
            return found

        hub[r.topic.id] = {
            "students": [{"letter": v, "code": c, "files": files("student", v)} for v, c in r.codes.items()],
            "teacher": files("teacher", None),
        }
    return hub


def choose_topics(lib: Library, names: list[str]) -> list[Topic]:
    """The topics named on the command line ('all' for every one), or a usage error with a did-you-mean."""
    if not names:
        raise click.UsageError("name one or more topics, or all (for example: primer handout all)")
    if "all" in names:
        return lib.topics_in_order()
    chosen = []
    for name in dict.fromkeys(names):
        if name not in lib.topics:
            near = difflib.get_close_matches(name, list(lib.topics), n=1, cutoff=0.5)
            near = near or [t for t in lib.topics if name.lower() in t]
            hint = f" — did you mean '{near[0]}'?" if near else f" — topics are: {', '.join(lib.topics)}, or all"
            raise click.BadParameter(f"no topic '{name}'{hint}", param_hint="TOPIC")
        chosen.append(lib.topics[name])
    return chosen


def write_handouts(
    lib: Library, derived: Derived, env: Environment, topics: list[Topic], settings: Settings, out: Path
) -> list[str]:
    """`primer handout`: the chosen topics' handouts, written flat into `out`. Returns the files written."""
    if not 1 <= settings.versions <= MAX_VERSIONS:
        raise click.BadParameter(f"{settings.versions} is not between 1 and {MAX_VERSIONS}", param_hint="--versions")
    empty = [t for t in topics if not derived.quizzes.get(t.id)]
    if empty:
        raise ContentError(
            [
                lib.origins[("topic", t.id)].problem(
                    (), f"the topic '{t.id}' has no questions, so it has no handout", "list questions under questions:"
                )
                for t in empty
            ]
        )
    rendered = [render_topic(lib, derived, env, topic, settings, lib.term_matcher()) for topic in topics]
    output = Output()
    if "html" in settings.formats:
        for r in rendered:
            for name, text in r.html.items():
                output.add(name, text)
    if "pdf" in settings.formats:
        pdfs = _pdfs(rendered, settings.editions)
        if pdfs is None:
            raise click.ClickException("no PDF written: WeasyPrint cannot load (see the notice above)")
        for name, data in sorted(pdfs.items()):
            output.add(name, data)
    from primer.cache import source_date_epoch

    output.commit(out, epoch=source_date_epoch())
    return output.paths()


def teacher_page(lib: Library, derived: Derived, topic: Topic) -> dict[str, Any]:
    """What a topic's page of the teacher hub shows beyond the topic itself: the versions the site's
    handouts and quiz use (letter, code), the key of each version, and the lesson plan."""
    quiz = derived.quizzes.get(topic.id, [])
    if not quiz:
        return {"versions": [], "grid": [], "plan": lesson_plan(lib, topic, quiz, [], 0)}
    versions = make_versions(topic, quiz, DEFAULT_VERSIONS, DEFAULT_SEED)
    grid = key_grid(quiz, versions)
    words = passage_words(topic)
    return {
        "versions": [{"letter": v.letter, "code": v.code} for v in versions],
        "grid": grid,
        "plan": lesson_plan(lib, topic, quiz, versions, words),
    }


def quiz_versions(topic: Topic, quiz: list[Any]) -> str:
    """The versions of a topic's quiz as JSON for the quiz page's script (`quiz.html?version=B`)."""
    if not quiz:
        return "{}"
    return script_json(versions_json(make_versions(topic, quiz, DEFAULT_VERSIONS, DEFAULT_SEED)), sort_keys=True)
