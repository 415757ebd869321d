"""The site target: Library + Derived → HTML pages, the search index, and static assets."""

from __future__ import annotations

import contextlib
import hashlib
import random
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from jinja2 import Environment
from markupsafe import Markup

from primer import memo, parallel, reads
from primer.content.library import LINK, Library
from primer.content.models import QuestionBase, Refs, Source, Topic
from primer.derive import Derived
from primer.figures import draw_figure
from primer.figures.timeline import timeline_context
from primer.handouts import TEMPLATE_VARIABLES as HANDOUT_VARIABLES
from primer.handouts import quiz_versions, teacher_page
from primer.handouts.versions import is_scale
from primer.maps import lesson_map, topic_map
from primer.memo import Memo
from primer.render import markdown
from primer.render.clip import clip as _clip
from primer.render.glossary import GlossaryLinker
from primer.render.safejson import script_json
from primer.render.sidenotes import Sidenotes, describer
from primer.render.urls import PAGES, item_path, relative
from primer.report import REPORT_PAGE, Report
from primer.report.model import Balance
from primer.report.render import balance_chart, page_findings
from primer.report.render import charts as report_charts
from primer.search import made_ahead, search_index
from primer.targets import navigation
from primer.targets.assets import static_assets
from primer.targets.printing import references
from primer.write import Output, Spool

#: The header's menus: the main links, then those of the "More" menu (see `primer.targets.navigation`).
NAV = navigation.PRIMARY + navigation.SECONDARY

STATUS_LABELS = {
    "accurate": "Accurate",
    "partly-accurate": "Partly accurate",
    "wrong": "Wrong",
    "unverified": "Unverified",
}

TYPE_LABELS = {
    "single": "Choose one answer",
    "multiple": "Choose all that apply",
    "true-false": "True or false",
    "short": "Type a short answer",
    "numeric": "Type a number",
    "ordering": "Put in order",
    "matching": "Match each item",
    "cloze": "Fill in the blanks",
    "open": "Write an answer (marked by your teacher)",
}

#: The teacher hub's page of one topic (in a folder of its own, so that no topic id meets the hub's index).
TEACHER_TOPIC = "teacher/topics/{id}.html"
#: The teacher hub's page that reads the receipts students download at the end of a quiz.
RECEIPTS_PAGE = "teacher/receipts.html"
#: The most sources the compare page sets side by side, a column each (what a laptop's screen holds); with more,
#: each source is a row, so that a lesson of hundreds of sources gets a table that reads down the page.
SIDE_BY_SIDE = 4
#: The most topics whose issues the compare page sets out itself, each source's points side by side; with
#: more, each topic's comparison is a page of its own (`topics/ID/compare.html`, linked from the compare
#: page and the topic page), so that a lesson of hundreds of topics does not make one page of megabytes.
SHARED_ON_PAGE = 12
#: The template of a topic's comparison, and what its page gives it besides what every page gets.
COMPARISON_TEMPLATE = "site/compare_topic.html"
COMPARISON_VARIABLES = ("topic", "shared")
#: Up to this many topics, the report page sets out each topic's coverage and balance itself; with more (at
#: 256 topics they were 2.1 MB of a 4.5 MB page, and the coverage chart a bar a topic), each topic's is a page of
#: its own (`teacher/report/ID.html`), which the report lists a row each and the topic's teacher page links.
TOPICS_ON_REPORT = 12
#: The template of a topic's coverage and balance, and what its page gives it besides what every page gets.
TOPIC_REPORT_TEMPLATE = "site/report_topic.html"
TOPIC_REPORT_VARIABLES = ("topic", "teacher_page", "coverage", "balance", "chart")
#: The symbol for each place marker (shown beside the kind of place, hidden from screen readers).
MARKERS = {"circle": "●", "square": "■", "triangle": "▲", "diamond": "◆", "star": "★", "cross": "✕", "hexagon": "⬢"}

#: How many questions the "check your understanding" box on a topic page shows.
CHECK_QUESTIONS = 3


@dataclass(frozen=True)
class Page:
    """One page to render: where it goes, which template, and its own context: `context` at once, and
    what `later` makes (costly: maps, indexes) when the page renders, so that making the list of pages
    costs nothing and each page's share is made where it renders (in a worker, on several processes)."""

    path: str
    template: str
    title: str
    context: dict[str, Any]
    later: Callable[[], dict[str, Any]] | None = None
    #: whether what the page reads is the lesson and its own context (see `primer.reads`): not the report's
    #: page while its report is still to be made (`primer serve` makes it on first use)
    mapped: bool = True
    #: what a rebuild in a process that keeps memos makes of the page ahead, before the workers fork: in effect
    #: within the block (see `build_site`)
    ahead: Callable[[], AbstractContextManager[None]] | None = None
    #: of the items that a list in `context` holds, what the page reads: the view of those items it is named
    #: by (see `primer.content.library.VIEWS`), by the list's name. The page's map notes that view for the
    #: list, not each item (a page that lists the topics by title is not made again when a topic's text
    #: changes); the context holds the items themselves, which a lesson's own templates may read whole.
    facets: Mapping[str, str] = field(default_factory=dict)

    def described(self) -> dict[str, Any]:
        """The page's own context as its map describes it (`primer.reads.PageMap.own`): each list of `facets` by
        its view."""
        if not self.facets:
            return self.context
        return {**self.context, **{name: reads.Viewed(view) for name, view in self.facets.items()}}

    def full_context(self) -> dict[str, Any]:
        """The page's own context, all of it."""
        return {**self.context, **self.later()} if self.later is not None else self.context


def shared_points(lib: Library, topic: Topic) -> dict[str, list[str]]:
    """Source id → the points of that source the topic cites (sections and perspectives), by source id."""
    found: dict[str, list[str]] = {}
    for pid in _CITED_POINTS.get(id(topic), partial(_cited_points, topic), keep=topic):
        if pid in lib.points:
            found.setdefault(lib.point_source[pid], []).append(pid)
    return dict(sorted(found.items()))


#: `_cited_points` by the topic (as an object: see `primer.memo`): `primer serve` reads again only a changed topic.
_CITED_POINTS: Memo[int, list[str]] = Memo()


def _cited_points(topic: Topic) -> list[str]:
    """The ids of the points the topic cites, in its sections and then its perspectives, each once."""
    cited = [m.group(2) for s in topic.sections for m in LINK.finditer(s.body) if m.group(1) == "point"]
    cited += [p for perspective in topic.perspectives for p in perspective.points]
    return list(dict.fromkeys(cited))


def shuffled_order(question_id: str, count: int) -> list[int]:
    """A fixed, seeded shuffle of range(count) that differs from the identity when it can."""
    seed = int.from_bytes(hashlib.sha256(question_id.encode()).digest()[:8], "big")
    order = list(range(count))
    rng = random.Random(seed)
    for _ in range(8):
        rng.shuffle(order)
        if order != sorted(order):
            break
    return order


class SiteRenderer:
    """Renders pages of one Library with links relative to each page."""

    def __init__(self, lib: Library, derived: Derived, env: Environment) -> None:
        self.lib = lib
        self.derived = derived
        self.env = env
        #: The site's pages, once known: the menus leave out a page the site does not have.
        self.paths: frozenset[str] | None = None
        #: the handouts' and exports' links its environment's globals hold (see `_linked_page`)
        self.linked: object = None
        # made when a page first needs them (the handouts borrow only `refs`); each page that uses them
        # reads what they were made from (`remembered`)
        self._linker = reads.remembered(lambda: GlossaryLinker(self.lib.terms, self.lib.term_matcher()))

    @property
    def linker(self) -> GlossaryLinker:
        """The glossary linker."""
        return self._linker()

    def url(self, kind: str, item_id: str) -> str:
        """The site path of an item."""
        owner = None
        if kind == "point":
            owner = self.lib.point_source[item_id]
        elif kind == "question":
            owner = self.derived.question_topics[item_id][0]  # the first quiz it is in
        return item_path(kind, item_id, owner=owner)

    def refs(self, refs: Refs) -> list[tuple[str, str]]:
        """(label, site path) for each reference, for 'rests on' lists."""
        found = []
        for pid in refs.points:
            point = self.lib.points[pid]
            where = f"{self.lib.source_heading(pid).label}, ¶{', '.join(map(str, point.paragraphs))}"
            found.append((f"{where}: {_clip(point.text, 90)}", self.url("point", pid)))
        for tid in refs.terms:
            found.append((f"Glossary: {self.lib.terms[tid].term}", self.url("term", tid)))
        for eid in refs.events:
            event = self.lib.events[eid]
            found.append((f"Timeline: {event.date.human()}, {event.title}", self.url("event", eid)))
        return found

    def quiz_topics(self, question_ids: list[str]) -> list[str]:
        """The topics whose quizzes hold any of these questions, in topic order."""
        wanted = {t for q in question_ids for t in self.derived.question_topics.get(q, [])}
        return [t for t in self.lib.topic_order() if t in wanted]

    def status_counts(self, source: Source) -> list[tuple[int, str]]:
        """How many of the source's points have each status, with the status's label, in the labels' order (a
        template that counts them itself filters every point once per status: a fifth of the comparison page's
        time at 256 topics). Read off the source's card (`Library.source_card`), by its id: none of its points."""
        counts = self.lib.source_card(source.id).statuses
        return [(counts.get(status, 0), label) for status, label in STATUS_LABELS.items()]

    def shared_points(self, topic: Topic) -> dict[str, list[str]]:
        """Source id → the points of that source the topic cites (`shared_points`)."""
        return shared_points(self.lib, topic)

    def context(self, here: str, page: Page | None = None) -> dict[str, Any]:
        """What every page's template sees, with links relative to the page at `here` (`page`: its breadcrumbs)."""
        seen: set[str] = set()
        notes = Sidenotes(describer(self.lib))

        def resolve(kind: str, item_id: str) -> str | None:
            return relative(here, self.url(kind, item_id))

        def gloss(text: str) -> Markup:
            return self.linker.link(text, seen, lambda term_id: relative(here, item_path("term", term_id)))

        def md(text: str, inline: bool = False, link_terms: bool = True) -> Markup:
            return Markup(markdown.render(text, resolve, inline=inline, gloss=gloss if link_terms else None))

        def cited(text: str) -> Markup:
            return notes.annotate(md(text))

        return {
            "site": self.lib.site,
            "lib": self.lib,
            "derived": self.derived,
            "path": here,
            "nav": navigation.menus(here, self.paths),
            "crumbs": navigation.crumbs(here, page.title, page.context) if page else [],
            "cited": cited,
            "link": partial(relative, here),
            "url": self.url,
            "refs": self.refs,
            "md": md,
            "gloss": gloss,
            "status_labels": STATUS_LABELS,
            "type_labels": TYPE_LABELS,
            "shuffled": shuffled_order,
            "qdata": question_json,
            "plain_feedback": plain_feedback,
            "quiz_topics": self.quiz_topics,
            "shared_points": self.shared_points,
            "status_counts": self.status_counts,
        }

    def render(self, page: Page) -> str:
        """Render one page to HTML text."""
        template = self.env.get_template(page.template)
        return template.render(**self.context(page.path, page), title=page.title, **page.full_context())

    def render_bytes(self, page: Page) -> bytes:
        """Render one page to UTF-8. (A worker sends the bytes: a page held as text takes two or four bytes a
        character once it holds a curly quote or a dash, and pickling text encodes and decodes it again.)"""
        return self.render(page).encode("utf-8")


def template_variables(lib: Library, derived: Derived, env: Environment, report: Report) -> dict[str, set[str]]:
    """The variables each page template is given ('*': those every template is given)."""
    common = {*SiteRenderer(lib, derived, env).context(PAGES["home"]), "title"}
    found: dict[str, set[str]] = {"*": common}
    for page in pages(lib, derived, report):
        found.setdefault(page.template, set(common)).update(page.full_context())
    # a lesson of few topics has no page of a topic's comparison (`SHARED_ON_PAGE`): its template's are these
    found.setdefault(COMPARISON_TEMPLATE, set(common)).update(COMPARISON_VARIABLES)
    found.setdefault(TOPIC_REPORT_TEMPLATE, set(common)).update(TOPIC_REPORT_VARIABLES)  # likewise
    found.update({name: set(names) for name, names in HANDOUT_VARIABLES.items()})
    return found


#: What the quiz script does not need: it reads stems and explanations from the page itself.
_NOT_FOR_SCRIPT = {"stem", "explanation", "tests", "tags", "objective", "difficulty"}


def question_json(question: QuestionBase) -> str:
    """The data the quiz script scores with: the question's YAML shape, less what the page shows anyway
    (an option's text and feedback are on the page: the script reads them from there)."""
    data = question.model_dump(mode="json", exclude=_NOT_FOR_SCRIPT)
    if "choices" in data:
        data["choices"] = [{"correct": c["correct"]} for c in data["choices"]]
    return script_json(data, sort_keys=True)


_VERDICT = re.compile(r"^(?:(right|correct|yes)|no|wrong|incorrect|not quite|not right)\s*[.:;,!]\s*", re.IGNORECASE)


def plain_feedback(feedback: str, correct: bool) -> str:
    """An option's feedback without a leading verdict that agrees with the option ('Right: …' on a right
    option, 'No; …' on a wrong one): the page already says which options are right."""
    found = _VERDICT.match(feedback)
    if not found or bool(found.group(1)) != correct:
        return feedback
    rest = feedback[found.end() :]
    return rest[:1].upper() + rest[1:]


def quiz_version(quiz: list[QuestionBase]) -> str:
    """A short id of this build of a quiz: it changes whenever a question is added, removed, reordered or edited."""
    data = [q.model_dump(mode="json") for q in quiz]
    return hashlib.sha256(script_json(data, sort_keys=True).encode()).hexdigest()[:12]


def short_quiz(topic: Topic, quiz: list[QuestionBase], length: int) -> list[int]:
    """Positions of the questions of the short quiz, in quiz order: the first question of each objective
    (in the topic's order of objectives), then the rest in quiz order, up to `length` questions."""
    if length >= len(quiz):
        return list(range(len(quiz)))
    picked: list[int] = []
    for objective in topic.objectives:
        first = next((k for k, q in enumerate(quiz) if q.objective == objective.id), None)
        if first is not None and len(picked) < length:
            picked.append(first)
    for k in range(len(quiz)):
        if len(picked) >= length:
            break
        if k not in picked:
            picked.append(k)
    return sorted(picked)


def quiz_meta(lib: Library, topic: Topic, quiz: list[QuestionBase]) -> str:
    """What the quiz page's script needs beyond each question's data, as JSON for a script element."""
    objectives = [o.id for o in topic.objectives]
    meta = {
        "site": lib.site.title,
        "title": topic.title,
        "short": short_quiz(topic, quiz, topic.quiz_length or lib.site.settings.quiz_length),
        "objectives": [[o.id, o.text] for o in topic.objectives],
        "of": [objectives.index(q.objective) if q.objective in objectives else -1 for q in quiz],
        "scales": [k for k, q in enumerate(quiz) if is_scale(q)],
    }
    return script_json(meta)


def answer_text(question: QuestionBase) -> str:
    """The right answer in words, for answer keys."""
    data = question.model_dump(mode="json")
    kind = data["type"]
    if kind in ("single", "multiple"):
        right = [c["text"] for c in data["choices"] if c["correct"]]
        # options that are sentences read as sentences ("A. B."), others as a list ("A; B"), never "A.; B."
        return " ".join(right) if all(t.endswith((".", "!", "?")) for t in right) else "; ".join(right)
    if kind == "true-false":
        return "True" if data["answer"] else "False"
    if kind == "short":
        return " / ".join(data["accept"])
    if kind == "numeric":
        tol = data["tolerance"]
        spread = ""
        if tol:
            spread = f" (± {tol * 100:g}%)" if data["tolerance_kind"] == "relative" else f" (± {tol:g})"
        unit = f" {data['unit']}" if data.get("unit") else ""
        return f"{data['answer']:g}{unit}{spread}"
    if kind == "ordering":
        return " → ".join(data["items"])
    if kind == "matching":
        return "; ".join(f"{p['left']} → {p['right']}" for p in data["pairs"])
    if kind == "cloze":
        return "; ".join(
            f"Blank {k}: {b['answer'] if b.get('choices') else ' / '.join(b['accept'])}"
            for k, b in enumerate(data["blanks"], 1)
        )
    return str(data["model_answer"])


def _report_context(report: Report | Callable[[], Report], split: bool) -> dict[str, Any]:
    made = report() if callable(report) else report
    charts = report_charts(made, TYPE_LABELS, topics=not split)
    return {"report": made, "charts": charts, "findings": page_findings(made, split)}


def _topic_report_context(report: Callable[[], Report], topic_id: str) -> dict[str, Any]:
    """A topic's coverage and balance, from the report made now (`primer serve` makes it on first use)."""
    made = report()
    balance = next(b for b in made.balance if b.topic == topic_id)
    coverage = next(c for c in made.coverage if c.topic == topic_id)
    return {"coverage": coverage, "balance": balance, **_balance_chart(balance)}


def _balance_chart(balance: Balance) -> dict[str, Any]:
    return {"chart": balance_chart(balance)}


def topic_report_pages(topics: list[Topic], report: Report | Callable[[], Report]) -> list[Page]:
    """In a lesson of more than `TOPICS_ON_REPORT` topics, each topic's coverage and balance on a page of its
    own; none in a smaller one. A report made already gives each page its topic's parts as its own context,
    so that a rebuild takes again the page of every topic whose parts came out the same."""
    if len(topics) <= TOPICS_ON_REPORT:
        return []
    made = None if callable(report) else report
    coverage = {c.topic: c for c in made.coverage} if made else {}
    balance = {b.topic: b for b in made.balance} if made else {}
    found = []
    for topic in topics:
        path, title = item_path("topic report", topic.id), f"Coverage and balance: {topic.title}"
        context = {"topic": topic, "teacher_page": TEACHER_TOPIC.format(id=topic.id)}
        if callable(report):  # not made yet: what it holds cannot describe the page
            later = partial(_topic_report_context, report, topic.id)
            found.append(Page(path, TOPIC_REPORT_TEMPLATE, title, context, later, False))
        else:
            context.update(coverage=coverage[topic.id], balance=balance[topic.id])
            found.append(Page(path, TOPIC_REPORT_TEMPLATE, title, context, partial(_balance_chart, balance[topic.id])))
    return found


def report_page(report: Report | Callable[[], Report], topic_reports: dict[str, str]) -> Page:
    """The provenance and quality report, on the teacher hub (never in the students' navigation);
    `report` may be a function that makes it; `topic_reports`, the page of each topic's coverage and balance,
    in a lesson of many (`topic_report_pages`). A report made already is the page's own context: a rebuild
    whose report came out the same, and whose other reads did not change, takes the page as it was (at
    1,024 topics it renders for 3 s)."""
    title = "Provenance and quality report"
    later = partial(_report_context, report, bool(topic_reports))
    if callable(report):  # not made yet: what it holds cannot describe the page
        return Page(REPORT_PAGE, "site/report.html", title, {"topic_reports": topic_reports}, later, False)
    return Page(REPORT_PAGE, "site/report.html", title, {"report": report, "topic_reports": topic_reports}, later)


def _icons(lib: Library) -> dict[str, dict[str, Any]]:
    return {"icons": {card.id: card.icon for card in lib.topic_cards()}}


def _topics_context(lib: Library, derived: Derived) -> dict[str, Any]:
    return {**_icons(lib), "quiz_sizes": derived.quiz_sizes()}


def _topic_context(lib: Library, derived: Derived, topic: Topic) -> dict[str, Any]:
    quiz = derived.quizzes[topic.id]
    return {
        "check": quiz[:CHECK_QUESTIONS],
        "quiz": quiz,
        "references": references(lib, topic),
        "topic_map": topic_map(lib, topic),
        "figure": draw_figure,
        **navigation.explainer_context(lib, topic),
    }


def _quiz_context(lib: Library, derived: Derived, topic: Topic) -> dict[str, Any]:
    quiz = derived.quizzes[topic.id]
    return {
        "quiz": quiz,
        "versions": quiz_versions(topic, quiz),
        "quiz_version": quiz_version(quiz),
        "meta": quiz_meta(lib, topic, quiz),
    }


def _teacher_topic_context(lib: Library, derived: Derived, topic: Topic) -> dict[str, Any]:
    return {"quiz": derived.quizzes[topic.id], **teacher_page(lib, derived, topic)}


def pages(lib: Library, derived: Derived, report: Report | Callable[[], Report]) -> list[Page]:
    """Every page of the site, in a fixed order (`report`: the build's one run of the report, or a function
    that makes it). What costs more than a look-up is made when the page renders (`Page.later`)."""
    topics = lib.topics_in_order()
    sources = list(lib.sources.values())
    places = list(lib.places.values())
    terms = sorted(lib.terms.values(), key=lambda t: (t.term.casefold(), t.id))
    # the topics where two sources or more meet, and, in a lesson of many, the page of each one's comparison
    shared = {topic.id: cited for topic in topics if len(cited := shared_points(lib, topic)) > 1}
    compared = {tid: item_path("comparison", tid) for tid in shared} if len(shared) > SHARED_ON_PAGE else {}
    reported = topic_report_pages(topics, report)  # each topic's coverage and balance, in a lesson of many
    topic_reports = {page.context["topic"].id: page.path for page in reported}
    found = [
        Page(
            PAGES["home"],
            "site/index.html",
            "Home",
            {"topics": topics, "sources": sources},
            partial(_icons, lib),
            facets={"topics": "topic cards", "sources": "source cards"},
        ),
        Page(
            PAGES["topics"],
            "site/topics.html",
            "Topics",
            {"topics": topics},
            partial(_topics_context, lib, derived),
            facets={"topics": "topic cards"},
        ),
        Page(
            PAGES["sources"],
            "site/sources.html",
            "Sources",
            {"sources": sources},
            lambda: {"cards": lib.source_cards()},
            facets={"sources": "source cards"},
        ),
        Page(
            PAGES["compare"],
            "site/compare.html",
            "Compare the sources",
            {
                "sources": sources,
                "topics": topics,
                "side_by_side": SIDE_BY_SIDE,
                "shared": shared,
                "compared": compared,
            },
            facets={"sources": "source cards", "topics": "topic cards"},
        ),
        Page(PAGES["glossary"], "site/glossary.html", "Glossary", {"terms": terms}),
        Page(PAGES["timeline"], "site/timeline.html", "Timeline", {}, partial(timeline_context, lib)),
        Page(PAGES["actors"], "site/actors.html", "Actors", {"actors": list(lib.actors.values())}),
        Page(PAGES["places"], "site/places.html", "Places", {"places": places, "markers": MARKERS}),
        Page(PAGES["map"], "site/map.html", "Map", {"places": places}, lambda: {"map": lesson_map(lib)}),
        Page(
            PAGES["teacher"],
            "site/teacher.html",
            "Teacher hub",
            {"topics": topics, "teacher_pages": {t.id: TEACHER_TOPIC.format(id=t.id) for t in topics}},
            lambda: {"counts": derived.counts()},
        ),
        Page(
            PAGES["search"],
            "site/search.html",
            "Search",
            {},
            lambda: {"index": search_index(lib, TEACHER_TOPIC)},
            ahead=partial(made_ahead, lib, TEACHER_TOPIC),
        ),
        Page(
            PAGES["about"],
            "site/about.html",
            "About this site",
            {"sources": sources},
            facets={"sources": "source cards"},
        ),
        Page("404.html", "site/404.html", "Page not found", {}),
        report_page(report, topic_reports),
        *reported,
        Page(RECEIPTS_PAGE, "site/teacher_receipts.html", "Read your class’s quiz results", {}),
    ]
    for source in sources:
        found.append(Page(item_path("source", source.id), "site/source.html", source.title, {"source": source}))
    for topic in topics:
        found.append(
            Page(
                item_path("topic", topic.id),
                "site/topic.html",
                topic.title,
                {"topic": topic, "comparison": compared.get(topic.id)},
                partial(_topic_context, lib, derived, topic),
            )
        )
        if topic.id in compared:
            title = f"How the sources cover “{topic.title}”"
            context = dict(zip(COMPARISON_VARIABLES, (topic, shared[topic.id]), strict=True))
            found.append(Page(compared[topic.id], COMPARISON_TEMPLATE, title, context))
        found.append(
            Page(
                item_path("quiz", topic.id),
                "site/quiz.html",
                f"Quiz: {topic.title}",
                {"topic": topic},
                partial(_quiz_context, lib, derived, topic),
            )
        )
        found.append(
            Page(
                TEACHER_TOPIC.format(id=topic.id),
                "site/teacher_topic.html",
                f"Teacher: {topic.title}",
                {"topic": topic, "topic_report": topic_reports.get(topic.id)},
                partial(_teacher_topic_context, lib, derived, topic),
            )
        )
    return found


def sitemap(base_url: str, paths: list[str]) -> str:
    """sitemap.xml listing every HTML page under `base_url`."""
    urls = "".join(
        f"  <url><loc>{xml_escape(base_url + p.removesuffix('index.html'))}</loc></url>\n"
        for p in paths
        if p.endswith(".html") and p != "404.html"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def site_plan(
    lib: Library, derived: Derived, env: Environment, report: Report | Callable[[], Report]
) -> tuple[SiteRenderer, list[Page]]:
    """What renders the site's pages in `env`, and the pages, none rendered yet (`primer serve` renders
    each when it is first asked for)."""
    env.globals["answer_text"] = answer_text
    renderer = SiteRenderer(lib, derived, env)
    site_pages = pages(lib, derived, report)
    renderer.paths = frozenset(page.path for page in site_pages)
    return renderer, site_pages


def _page(
    renderer: SiteRenderer, page: Page, spool: Spool | None, record: bool
) -> tuple[bytes | None, frozenset[reads.Token] | None]:
    """`page` rendered to UTF-8: written into `spool` when there is one (from the worker that rendered
    it: the bytes need not travel back), else returned; with what it read from the lesson, when `record`."""
    found: set[reads.Token] | None = None
    if record:
        with reads.recording() as found:
            data = renderer.render_bytes(page)
    else:
        data = renderer.render_bytes(page)
    if spool is not None:
        spool.write(page.path, data)
    return (None if spool is not None else data), (None if found is None else frozenset(found))


#: The name under which the pages' reads of the handouts' links (by topic) are recorded.
HANDOUTS = "downloads.handouts"
#: primer's templates that show the links to the handouts and exports (`handouts`, `exports`): the pages
#: made from them wait for those; every other page can be rendered before the downloads are made.
LINKING_TEMPLATES = frozenset({"site/teacher.html", "site/teacher_topic.html"})


def _linked_page(
    renderer: SiteRenderer,
    page: Page,
    spool: Spool | None,
    record: bool,
    watched: bool,
    links: tuple[Any, Any],
) -> tuple[bytes | None, frozenset[reads.Token] | None]:
    """`_page` for a page that shows the handouts' and exports' links (`LINKING_TEMPLATES`), which are made
    after the workers fork: `links` brings them (the handouts' by topic, and the exports'), and they go into
    the renderer's globals first, as `build_site` put them into this process's (`watched`: the build records
    what its pages read, the handouts' links included)."""
    if renderer.linked is not links:
        handouts, exports = links
        if watched and isinstance(handouts, dict):
            handouts = reads.Recorded(HANDOUTS, handouts)
        renderer.env.globals.update(handouts=handouts, exports=exports)
        renderer.linked = links
    return _page(renderer, page, spool, record)


#: The most pages a worker is given at once in a rebuild.
_AT_ONCE = 16
#: A rebuild in a process that builds again (`memo.here()`: `primer build --watch`) makes its pages in that
#: process, forking no worker, while they weigh no more than this (`Reuse.weight`: the size of the files the last
#: build made of them, about 0.1 s a megabyte at 256 topics). The exports' worker has a processor of the two
#: then, the process has what the last build's pages made at hand (a page took a third of the time a worker took),
#: and the page workers' forks, copied memory and sent pages cost more than they made: to the build written at
#: 256 topics, a source's edit (8 pages, 2.8 MB) took 1.40–1.43 s against 1.46–1.52 s, a topic's (14 pages,
#: 4.6 MB) 1.67–1.69 s against 1.70–1.85 s, a question's (7, 1.1 MB) 2.07–2.13 s against 2.24–2.25 s, a term's
#: (10, 5.4 MB) 2.82–2.87 s against 2.85–2.93 s. A process that builds once has nothing at hand: its workers
#: made a source's edit at 64 topics sooner (1.46–1.59 s against 1.51–1.69 s, from the start of `primer build`).
LIGHT = 8_000_000


def rebuild_chunk(found: int, jobs: int) -> int:
    """How many pages a rebuild gives a worker at once, once it has found `found` pages to make: one at a time
    at first (the largest, each alone), then more as it finds more, up to `_AT_ONCE`. A rebuild finds its pages
    as it goes, so it cannot cut them into shrinking chunks as a cold build does (`parallel.chunks`); the pages
    come largest first, so the chunks grow as the pages shrink. Sixteen at once after the first two left one
    worker alone with all but two of a source edit's 20 pages at 64 topics, for 0.18 s, while the other had
    nothing to do."""
    return min(_AT_ONCE, max(1, found // (4 * jobs)))


class _Render:
    """The site's pages rendered on one set of workers (`parallel.Pool`), in two batches: the pages that do not
    show the links to the handouts and exports first, then, once those are made, the pages that do, given the
    links (`_linked_page`) rather than waiting for workers forked after them. A cold build gives each batch to
    the workers in chunks that shrink as it runs out (`parallel.chunks`); a rebuild takes each page from the last
    build when it reads what it read there, and gives the others to a worker at once, the largest first (see
    `Reuse.weight`). With `reuse`, what each page reads is noted once it is made."""

    def __init__(
        self,
        out: Output,
        renderer: SiteRenderer,
        batches: tuple[list[Page], list[Page]],
        jobs: int,
        reuse: reads.Reuse | None,
    ) -> None:
        self.out, self.reuse = out, reuse
        self.again = reuse is not None and reuse.earlier is not None
        first, second = batches
        if self.again:
            assert reuse is not None
            # the largest pages first (stable: the site's order among equals)
            first, second = (sorted(pages, key=lambda page: -reuse.weight(page.path)) for pages in (first, second))
        self.order = [*first, *second]
        self.batches = (range(len(first)), range(len(first), len(self.order)))
        record = reuse is not None
        work = [partial(_page, renderer, page, out.spool, record and page.mapped) for page in first]
        work += [partial(_linked_page, renderer, page, out.spool, record and page.mapped, record) for page in second]
        self.pool = parallel.Pool(work, jobs)
        #: each page to be made here or by a worker, with its description (None: not recorded)
        self.todo: list[tuple[int, tuple[bytes, set[reads.Token]] | None]] = []
        #: a rebuild's pages to make so far, by weight (`LIGHT`), while they are made here, and those made
        self.weighed = 0
        self.light = memo.here()
        self.made: dict[int, tuple[bytes | None, frozenset[reads.Token] | None]] = {}

    def submit(self, batch: int, extra: bytes, given: object = None) -> None:
        """Give the workers the pages of `batch` (0, 1) that are not taken from the last build (`extra`: what
        every page of the batch reads besides the lesson; `given`: what its pages are given, see `Pool`)."""
        numbers = self.batches[batch]
        if not self.again:
            for number in numbers:
                page = self.order[number]
                own = None
                if self.reuse is not None and page.mapped:
                    own = self.reuse.describe(page.path, page.template, page.title, page.described(), extra)
                self.todo.append((number, own))
            for start, stop in parallel.chunks(len(numbers), self.pool.jobs):
                self.pool.submit(numbers[start:stop], given)
            return
        assert self.reuse is not None
        waiting: list[int] = []
        made_before = len(self.todo)
        for number in numbers:
            page, own = self.order[number], None
            if page.mapped:
                own = self.reuse.describe(page.path, page.template, page.title, page.described(), extra)
                if own is not None and self.reuse.take(self.out, page.path, own[0]) is not None:
                    continue
            self.todo.append((number, own))
            waiting.append(number)
            if self.light:  # made here, unless the pages to make weigh more than `LIGHT`
                self.weighed += self.reuse.weight(page.path)
                if self.weighed <= LIGHT:
                    continue
                self.light = False
                for held in waiting:  # the largest first, each alone
                    self.pool.submit([held], given)
                waiting = []
            if len(waiting) >= rebuild_chunk(len(self.todo) - made_before, self.pool.jobs):
                self.pool.submit(waiting, given)
                waiting = []
        if self.light:  # made now: the exports' worker makes the exports meanwhile, which this process waits for
            self.pool.here(waiting, given)
            self.made.update((number, self.pool.result(number)) for number in waiting)
        else:
            self.pool.submit(waiting, given)

    def finish(self) -> None:
        """Add each page made to the output, in the order given, noting what it read."""
        for number, own in self.todo:
            data, found = self.made.pop(number) if number in self.made else self.pool.result(number)
            page = self.order[number]
            self.out.received(page.path, data)
            if self.reuse is not None and own is not None and found is not None:
                self.reuse.note(page.path, own, found, [page.path])


def build_site(
    lib: Library,
    derived: Derived,
    env: Environment,
    out: Output,
    report: Report,
    jobs: int = 1,
    links: Callable[[], None] = lambda: None,
    *,
    own_templates: bool = False,
    meanwhile: Callable[[], None] | None = None,
    reuse: reads.Reuse | None = None,
) -> None:
    """Render every page (the report page from `report`) and copy the static assets into `out`; the
    pages are rendered on up to `jobs` processes, with the same bytes as on one. `links` puts the links to
    the handouts and exports into `env`'s globals: it is called once the pages that do not show them are given
    to the workers, and before those that do (`LINKING_TEMPLATES`; all pages, when the lesson has its
    `own_templates`, which may show them anywhere) are given to the same workers with the links (see `_Render`).
    `meanwhile` is called in this process first, while the first pages render on other processes. With
    `reuse`, what each page reads is recorded, and a page that would read what it read in the last build is
    taken from it (see `Reuse`)."""
    renderer, site_pages = site_plan(lib, derived, env, report)
    for name in sorted({page.template for page in site_pages}):  # compiled once, before the workers fork
        with contextlib.suppress(Exception):  # a broken template fails below, when its page renders
            env.get_template(name)
    waits = [own_templates or page.template in LINKING_TEMPLATES for page in site_pages]
    # what every page reads besides the lesson's collections: the site's settings and its list of pages (the menus)
    common = hashlib.sha256(reads.value_bytes([lib.site, sorted(renderer.paths or ())])).digest()
    first = [page for page, w in zip(site_pages, waits, strict=True) if not w]
    second = [page for page, w in zip(site_pages, waits, strict=True) if w]
    render = _Render(out, renderer, (first, second), jobs, reuse)
    with render.pool, contextlib.ExitStack() as ahead:
        if reuse is not None and reuse.earlier is not None and memo.here():
            for page in site_pages:  # made here from what this process keeps, for the workers it forks next
                if page.ahead is not None and reuse.pagemap.may_change(page.path):
                    ahead.enter_context(page.ahead())
        render.submit(0, common)
        if meanwhile is not None:
            meanwhile()
        links()
        handouts, exports = env.globals.get("handouts"), env.globals.get("exports")
        given = (handouts, exports)
        renderer.linked = given  # this process's globals hold them (see `_linked_page`)
        if reuse is not None and isinstance(handouts, dict):
            # a teacher's topic page shows its own topic's handouts: it reads those, as it reads an item
            env.globals["handouts"] = reuse.pagemap.watch(HANDOUTS, handouts)
            handouts = None
        linking = hashlib.sha256(common + reads.value_bytes([handouts, exports])).digest()
        render.submit(1, linking, given)
        render.finish()
    for path, data in site_files(lib, [p.path for p in site_pages]):
        out.add(path, data)


def site_files(lib: Library, pages: list[str]) -> list[tuple[str, bytes]]:
    """The site's files that are not pages: the static assets, and sitemap.xml of `pages` when the lesson
    has a base URL."""
    found = list(static_assets())
    if lib.site.base_url:
        found.append(("sitemap.xml", sitemap(lib.site.base_url, pages).encode()))
    return found
