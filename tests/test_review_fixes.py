"""Issue 8, engine half: claim questions key their point's status, glossary names inside longer
names are not linked (and `check` says so), the audience reads right, answer keys are plain text,
and every question count comes from one place."""

from __future__ import annotations

import html as html_module
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from primer.build import CheckResult, build, check
from primer.content.models import SingleChoice, Term
from primer.content.terms import TermMatcher
from primer.quiz.generate import STATUSES, citations, generate, question_id
from primer.render import markdown
from primer.render.glossary import GlossaryLinker
from tools import ROOT, Invoke

CONTENT = ROOT / "content"
LABELS = dict(STATUSES)


@pytest.fixture(scope="module")
def shipped() -> CheckResult:
    return check(CONTENT)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site8") / "site"
    build(CONTENT, out)
    return out


# --------------------------------------------------------------------------- 1. claim questions


def _all_claim_candidates(result: CheckResult) -> list[SingleChoice]:
    """Every claim question the generators offer (not only those a quiz took), built."""
    lib = result.library
    matcher = TermMatcher(lib.terms.values())
    cites = {t.id: citations(lib, t, matcher) for t in lib.topics_in_order()}
    built = [
        c.build(lib.topics_in_order()[0].objectives[0].id) for c in generate(lib, cites) if c.id.startswith("gen-claim")
    ]
    assert all(isinstance(q, SingleChoice) for q in built)
    return [q for q in built if isinstance(q, SingleChoice)]


def test_every_claim_question_keys_its_points_status(shipped: CheckResult) -> None:
    lib = shipped.library
    offered = _all_claim_candidates(shipped)
    in_quizzes = [q for q in shipped.derived.generated.values() if q.id.startswith("gen-claim")]
    assert offered and in_quizzes
    statuses = set()
    for question in [*offered, *in_quizzes]:
        assert isinstance(question, SingleChoice)
        (point_id,) = question.tests.points
        point = lib.points[point_id]
        statuses.add(point.status)
        assert [c.text for c in question.choices] == list(LABELS.values())
        (right,) = [c.text for c in question.choices if c.correct]
        assert right == LABELS[point.status], f"{question.id} keys {right!r}; point {point_id} is {point.status}"
        # the explanation says the same status the key does, and no other
        said = re.match(r"The claim in .+? is (accurate|partly accurate|wrong|unverified)\b", question.explanation)
        assert said and said.group(1) == LABELS[point.status].lower(), question.explanation
        if point.status != "accurate":
            assert point.correction and point.correction.strip() in question.explanation
        assert question.id == question_id("claim", f"claim|{point_id}"), "ids stay as before for the same point"
    assert statuses == {"accurate", "partly-accurate", "wrong", "unverified"}


def test_a_partly_accurate_claim_is_not_keyed_false(shipped: CheckResult) -> None:
    """The point that started the issue: $700 million matched early reports, so it is partly accurate."""
    lib = shipped.library
    partly = [pid for pid, p in lib.points.items() if p.status == "partly-accurate"]
    offered = {q.tests.points[0]: q for q in _all_claim_candidates(shipped)}
    assert partly and all(pid in offered for pid in partly)
    for pid in partly:
        question = offered[pid]
        assert [c.text for c in question.choices if c.correct] == ["Partly accurate"]
        for choice in question.choices:
            if not choice.correct:
                assert choice.feedback.startswith("No: the claim is partly accurate, not ")


def test_claim_questions_read_as_sentences(shipped: CheckResult) -> None:
    for question in _all_claim_candidates(shipped):
        (point_id,) = question.tests.points
        source = shipped.library.source_of(point_id)
        ask, quoted = question.stem.split("\n\n")
        assert ask == f"How accurate is this claim from {source.short}, summarised in our words?"
        assert quoted.startswith("> ") and not quoted.rstrip().endswith(("..", " ."))
        for choice in question.choices:
            assert choice.feedback.endswith(".") and ".." not in choice.feedback
        assert ".." not in question.explanation.replace("...", "")


# --------------------------------------------------------------------------- 2. names inside longer names


def _term(term_id: str, term: str, aliases: list[str], not_in: list[str] | None = None) -> Term:
    return Term(
        id=term_id, term=term, aliases=aliases, category="organisation", definition="A body.", not_in=not_in or []
    )


UNSC = _term("un-security-council", "UN Security Council", ["Security Council", "United Nations Security Council"])
RESOLUTIONS = _term("resolutions", "UN Security Council resolutions", ["Resolution 2397"])
MD = _term("missile-defense", "missile defense", ["ballistic missile defense"])


def _found(text: str, *terms: Term) -> list[tuple[str, list[str]]]:
    return [(m.group(0), ids) for m, ids in TermMatcher(terms).matches(text)]


@pytest.mark.parametrize(
    "text",
    [
        "On 24 June 2020 Japan's National Security Council confirmed the cancellation.",
        "the National Security Council met",
        "Japan's National\nSecurity Council met",
    ],
)
def test_a_name_inside_a_longer_capitalised_name_is_not_matched(text: str) -> None:
    assert _found(text, UNSC) == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("the UN Security Council banned coal", "UN Security Council"),
        ("In 2017 the Security Council banned coal", "Security Council"),
        ("The Security Council voted.", "Security Council"),
        ("Security Council members voted.", "Security Council"),
        ("(the United Nations Security Council)", "United Nations Security Council"),
        ("the UN\nSecurity Council voted", "UN\nSecurity Council"),
    ],
)
def test_the_name_itself_still_matches(text: str, shown: str) -> None:
    assert _found(text, UNSC) == [(shown, ["un-security-council"])]


def test_two_known_names_side_by_side_both_match() -> None:
    found = _found("UN Security Council Resolution 2397 capped oil.", UNSC, RESOLUTIONS)
    assert found == [("UN Security Council", ["un-security-council"]), ("Resolution 2397", ["resolutions"])]


def test_a_longer_name_after_the_match_counts_too() -> None:
    assert _found("the US Missile Defense Agency said", MD) == []
    assert _found("the US Ballistic Missile Defense Review (2010)", MD) == []
    assert _found("US missile defense in Asia", MD) == [("missile defense", ["missile-defense"])]


def test_not_in_excludes_a_phrase_in_any_case_and_position() -> None:
    unsc = _term("un-security-council", "UN Security Council", ["Security Council"], ["National Security Council"])
    assert _found("National Security Council members met.", UNSC) == [("Security Council", ["un-security-council"])]
    assert _found("National Security Council members met.", unsc) == []
    assert _found("a national security council met", unsc) == []
    assert _found("The Security Council met.", unsc) == [("Security Council", ["un-security-council"])]


def test_the_glossary_linker_skips_longer_names_across_markdown_line_breaks() -> None:
    linker = GlossaryLinker({UNSC.id: UNSC})

    def render(text: str) -> str:
        seen: set[str] = set()
        return markdown.render(text, lambda kind, item: None, gloss=lambda t: linker.link(t, seen, lambda i: f"#{i}"))

    html = render("On 24 June 2020 Japan's National\nSecurity Council confirmed it.\nLater the Security Council met.")
    assert html.count('class="term"') == 1
    assert "National\nSecurity Council confirmed" in html
    assert 'href="#un-security-council" data-def="def-un-security-council">Security Council</a>' in html


def test_the_shipped_site_never_links_national_security_council(site: Path) -> None:
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"National\s+<span class=\"gloss\">", text), page.relative_to(site)
    topic = (site / "topics" / "japan-aegis-ashore" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"Japan&#39;s National\s+Security Council confirmed", topic)


def _write(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _with_council(mini: Path) -> Path:
    """The mini tree with a UN Security Council term and a topic that mentions Japan's council."""
    with (mini / "glossary.yaml").open("a", encoding="utf-8") as glossary:
        glossary.write(
            "  - id: un-security-council\n"
            "    term: UN Security Council\n"
            "    aliases: [Security Council]\n"
            "    category: concept\n"
            "    definition: The UN body that can order sanctions.\n"
        )
    topic = mini / "topics" / "radars.yaml"
    _write(topic, "      <script>alert(1)</script>\n", "      Japan's National Security Council met on it.\n")
    return topic


def test_check_warns_about_a_name_inside_a_longer_name(mini: Path, cli: Invoke) -> None:
    topic = _with_council(mini)
    result = cli("check", "--content", mini)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "longer name" in line]
    assert len(lines) == 1, result.output
    source = topic.read_text(encoding="utf-8").splitlines()
    line_no = next(i for i, line in enumerate(source, 1) if "National Security Council met" in line)
    col = source[line_no - 1].index("Security Council") + 1
    assert lines[0].startswith(f"content/topics/radars.yaml:{line_no}:{col}: warning: ")
    assert (
        ": warning: “Security Council” (glossary term 'un-security-council') sits inside the longer name " in lines[0]
    )
    assert "“National Security Council”" in lines[0]
    assert " — if “National Security Council” is something else, add it to the term's not_in:" in lines[0]
    strict = cli("check", "--content", mini, "--strict")
    assert strict.exit_code == 1 and "longer name" in strict.output


def test_the_glossarys_own_names_are_not_text_that_a_name_sits_inside(mini: Path, cli: Invoke) -> None:
    """A term's not_in phrase (like its names, aliases and expansion) is no text a reader sees: another term's name
    at the start of it ("Japan" in "Japan National Security Council") is no name inside a longer one."""
    with (mini / "glossary.yaml").open("a", encoding="utf-8") as glossary:
        glossary.write(
            "  - id: security-council\n"
            "    term: Security Council\n"
            "    not_in: [Japan National Security Council]\n"
            "    category: concept\n"
            "    definition: A council that keeps the peace.\n"
            "  - id: japan\n"
            "    term: Japan\n"
            "    category: concept\n"
            "    definition: An island country in East Asia.\n"
        )
    result = cli("check", "--content", mini)
    assert result.exit_code == 0, result.output
    assert "longer name" not in result.output, result.output


def test_not_in_settles_the_warning_and_the_link(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    _with_council(mini)
    _write(
        mini / "glossary.yaml",
        "    aliases: [Security Council]\n",
        "    aliases: [Security Council]\n    not_in: [National Security Council]\n",
    )
    result = cli("check", "--content", mini)
    assert result.exit_code == 0 and "longer name" not in result.output, result.output
    out = tmp_path / "site"
    build(mini, out)
    page = (out / "topics" / "radars" / "index.html").read_text(encoding="utf-8")
    assert "Japan&#39;s National Security Council met on it." in page


def test_a_not_in_phrase_without_the_terms_name_warns(mini: Path, cli: Invoke) -> None:
    _write(mini / "glossary.yaml", "    aliases: [radars]\n", "    aliases: [radars]\n    not_in: [Radio Council]\n")
    result = cli("check", "--content", mini)
    assert "warning: the not_in phrase “Radio Council” contains none of the term's names" in result.output


def test_the_shipped_content_has_no_unsettled_longer_names(shipped: CheckResult) -> None:
    assert [w.format() for w in shipped.warnings if "longer name" in w.message] == []


# --------------------------------------------------------------------------- 3. audience


class _Text(HTMLParser):
    """Text of a page, and of the elements with given classes."""

    def __init__(self, *classes: str) -> None:
        super().__init__()
        self.classes = classes
        self.parts: list[str] = []
        self.by_class: dict[str, list[str]] = {c: [] for c in classes}
        self.open: list[tuple[str, str | None]] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        if tag in ("br", "input", "meta", "link", "img"):
            return
        found = next((c for c in self.classes if c in (dict(attrs).get("class") or "").split()), None)
        self.open.append((tag, found))
        if found:
            self.by_class[found].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.parts.append(data)
        for name in {c for _, c in self.open if c}:
            self.by_class[name][-1] += data


def _text(path: Path, *classes: str) -> _Text:
    parsed = _Text(*classes)
    parsed.feed(path.read_text(encoding="utf-8"))
    return parsed


@pytest.mark.parametrize(
    "audience",
    [
        "Secondary-school students aged 14–18 and their teachers, in history and civics classes.",
        "Teachers of History at the International School",
        "students and their teachers",
    ],
)
def test_any_audience_reads_right(mini: Path, tmp_path: Path, audience: str) -> None:
    _write(mini / "site.yaml", "audience: test readers", f"audience: {audience}")
    out = tmp_path / "site"
    build(mini, out)
    for page in (out / "index.html", out / "about" / "index.html"):
        parsed = _text(page, "audience")
        assert [" ".join(t.split()) for t in parsed.by_class["audience"]] == [f"Written for: {audience}"]
        whole = " ".join("".join(parsed.parts).split())
        assert ".." not in whole.replace("...", "")


# --------------------------------------------------------------------------- 4 and 5. the teacher hub


def _quiz_pages(site: Path) -> dict[str, tuple[int, list[str]]]:
    """Topic → (the count the quiz page states, the ids of the questions on it)."""
    found = {}
    for page in sorted((site / "topics").glob("*/quiz.html")):
        html = page.read_text(encoding="utf-8")
        stated = re.search(r"<p>(\d+) questions?\.", html)
        assert stated, page
        ids = re.findall(r'<section class="question" id="([^"]+)"', html)
        found[page.parent.name] = (int(stated.group(1)), ids)
    return found


def test_answer_keys_hold_plain_text_only(site: Path, shipped: CheckResult) -> None:
    # The answer keys are on the teacher hub's page of each topic.
    pages = sorted((site / "teacher" / "topics").glob("*.html"))
    html = "".join(page.read_text(encoding="utf-8") for page in pages)
    keys = re.findall(r'<ol class="key">(.*?)</ol>', html, re.DOTALL)
    assert keys
    entries = [li for key in keys for li in re.findall(r"<li>(.*?)</li>", key, re.DOTALL)]
    assert len(entries) == sum(len(quiz) for quiz in shipped.derived.quizzes.values())
    bank = shipped.derived.bank
    for entry in entries:
        assert "term-def" not in entry and 'class="gloss' not in entry, entry
        link = re.match(r'<a href="[^"#]*#([^"]+)">(.*?)</a>', entry)
        assert link, entry
        # what the key shows is the start of the stem's plain text, with nothing glued in
        plain = " ".join(
            html_module.unescape(
                re.sub(r"<[^>]+>", "", markdown.render(bank[link.group(1)].stem, lambda k, i: None))
            ).split()
        )
        shown = " ".join(html_module.unescape(link.group(2)).split()).removesuffix("...")
        assert plain.startswith(shown), (shown, plain)
    text = " ".join("".join(part for page in pages for part in _text(page).parts).split())
    assert "What is Aegis Ashore?" in text
    assert "Aegis AshoreAegis Ashore" not in text and "&gt;" not in text


def test_every_count_agrees(site: Path, shipped: CheckResult) -> None:
    parsed = _text(site / "teacher" / "index.html", "bank-count", "quiz-count")
    (bank_count,) = map(int, parsed.by_class["bank-count"])
    (quiz_count,) = map(int, parsed.by_class["quiz-count"])
    quizzes = _quiz_pages(site)
    assert len(quizzes) == len(shipped.library.topics)
    for stated, ids in quizzes.values():
        assert stated == len(ids)
    on_pages = [qid for _, ids in quizzes.values() for qid in ids]
    bank = json.loads((site / "exports" / "question-bank.json").read_text(encoding="utf-8"))["questions"]
    assert quiz_count == len(on_pages) == sum(stated for stated, _ in quizzes.values())
    in_no_quiz = set(shipped.library.questions) - set(on_pages)
    assert bank_count == len(bank) == len(set(on_pages) | in_no_quiz)
    counts = shipped.derived.counts()
    assert (counts.bank, counts.placements, counts.in_quizzes) == (bank_count, quiz_count, len(set(on_pages)))
    repeated = len(on_pages) - len(set(on_pages))
    if repeated:
        text = " ".join("".join(parsed.parts).split())
        assert f"{repeated} question{'s appear' if repeated != 1 else ' appears'} in more than one quiz" in text


def test_counts_on_a_tree_with_a_question_in_no_quiz(mini: Path, tmp_path: Path) -> None:
    topic = mini / "topics" / "radars.yaml"
    _write(topic, "questions: [mini-single, ", "questions: [")
    out = tmp_path / "site"
    build(mini, out)
    parsed = _text(out / "teacher" / "index.html", "bank-count", "quiz-count")
    bank = json.loads((out / "exports" / "question-bank.json").read_text(encoding="utf-8"))["questions"]
    assert int(parsed.by_class["bank-count"][0]) == len(bank)
    assert int(parsed.by_class["quiz-count"][0]) == sum(s for s, _ in _quiz_pages(out).values())
    assert "1 hand-written question is in the bank but in no quiz" in " ".join("".join(parsed.parts).split())


def test_a_line_break_inside_a_sentence_does_not_start_one() -> None:
    """Content Markdown wraps sentences over lines: a capital at the start of a line is no sentence start."""
    assert _found("Japan's\nNational Security Council met.", UNSC) == []
    assert _found("It met.\n\nSecurity Council members voted.", UNSC) == [("Security Council", ["un-security-council"])]
    assert _found("- Security Council members voted.", UNSC) == [("Security Council", ["un-security-council"])]


def test_answer_text_never_glues_punctuation(shipped: CheckResult) -> None:
    from primer.targets.site import answer_text

    for question in shipped.derived.bank.values():
        text = answer_text(question)
        assert ".;" not in text and ".." not in text.replace("...", ""), (question.id, text)


def test_generators_do_not_count_a_longer_name_as_a_mention(mini: Path) -> None:
    """Topics are offered questions on the terms they mention; "National Security Council" mentions no UN body."""
    _with_council(mini)
    assert "un-security-council" not in check(mini).derived.term_topics
    _write(mini / "topics" / "radars.yaml", "National Security Council met", "UN Security Council met")
    assert check(mini).derived.term_topics["un-security-council"] == ["radars"]


def test_claim_options_are_the_sites_status_labels() -> None:
    from primer.targets.site import STATUS_LABELS

    assert LABELS == STATUS_LABELS
