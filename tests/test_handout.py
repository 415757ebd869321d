"""Handouts without PDFs: versions, the student and teacher editions in HTML, the lesson plan, the CLI."""

from __future__ import annotations

import re
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from primer.build import check
from primer.handouts import Settings, render_topic, versions
from primer.handouts import pdf as pdf_mod
from primer.handouts.plan import exit_ticket
from primer.handouts.versions import content_hash, is_scale, known_hashes, make_versions
from primer.render.env import make_env
from tools import MINI, ROOT, Invoke


class _Text(HTMLParser):
    """The visible text of an HTML page (no style element), white space collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """The visible words of `html`, single-spaced."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture(scope="module")
def shipped() -> object:
    """The shipped content, checked once."""
    return check(ROOT / "content")


@pytest.fixture(scope="module")
def mini_result() -> object:
    """The small example content, checked once."""
    return check(MINI)


def _rendered(result: object, topic_id: str, settings: Settings | None = None) -> object:
    from primer.content.terms import TermMatcher

    lib, derived = result.library, result.derived  # type: ignore[attr-defined]
    matcher = TermMatcher(lib.terms.values())
    return render_topic(lib, derived, make_env(None), lib.topics[topic_id], settings or Settings(), matcher)


def test_versions_are_fixed_by_content_seed_and_letter(shipped: object) -> None:
    lib, derived = shipped.library, shipped.derived  # type: ignore[attr-defined]
    for topic in lib.topics_in_order():
        quiz = derived.quizzes[topic.id]
        first = make_versions(topic, quiz, 3, 1)
        assert first == make_versions(topic, quiz, 3, 1)
        assert [v.letter for v in first] == ["A", "B", "C"]
        assert len({v.code for v in first}) == 3
        assert all(re.fullmatch(r"[A-C]-[2-9A-Z]{6}", v.code) for v in first)
        assert len({tuple(v.order) for v in first}) == 3, "each version has its own order"
        for v in first:
            assert sorted(v.order) == sorted(q.id for q in quiz), "every question, once"
            kinds = [next(q for q in quiz if q.id == qid).type for qid in v.order]  # type: ignore[attr-defined]
            assert "open" not in kinds or kinds.index("open") >= len(kinds) - kinds.count("open"), "open ones last"
        other = make_versions(topic, quiz, 3, 2)
        assert [v.code for v in other] != [v.code for v in first], "the seed changes the code"
        assert [v.order for v in other] != [v.order for v in first]


def test_an_ordering_question_is_never_printed_in_its_right_order(shipped: object) -> None:
    lib, derived = shipped.library, shipped.derived  # type: ignore[attr-defined]
    for topic in lib.topics_in_order():
        quiz = derived.quizzes[topic.id]
        for v in make_versions(topic, quiz, 26, 1):
            for q in quiz:
                if q.type == "ordering":  # type: ignore[attr-defined]
                    assert v.parts[q.id] != sorted(v.parts[q.id])


def test_a_scale_keeps_its_order_on_every_version_and_sheet(shipped: object) -> None:
    """A claim question's options are a scale (Accurate … Unverified): shuffled, they would read as a riddle."""
    lib, derived = shipped.library, shipped.derived  # type: ignore[attr-defined]
    scales = 0
    for topic in lib.topics_in_order():
        quiz = derived.quizzes[topic.id]
        for v in make_versions(topic, quiz, 26, 1):
            for q in quiz:
                if is_scale(q):
                    scales += 1
                    assert v.parts[q.id] == list(range(len(q.choices)))  # type: ignore[attr-defined]
        rendered = _rendered(shipped, topic.id)
        for v in make_versions(topic, quiz, 3, 1):
            sheet = rendered.html[f"{topic.id}-student-{v.letter}.html"]  # type: ignore[attr-defined]
            for number, qid in enumerate(v.order, start=1):
                q = next(q for q in quiz if q.id == qid)
                if not is_scale(q):
                    continue
                block = sheet[sheet.index(f'id="q-{v.letter}-{number}"') :].split('<div class="q ')[0]
                printed = re.findall(r'<span class="letter">[A-Z]</span><span>(.*?)</span>', block)
                assert [unescape(t) for t in printed] == [c.text for c in q.choices]  # type: ignore[attr-defined]
    assert scales, "the shipped lesson has claim questions"


def test_the_key_says_how_many_more_written_answers_are_accepted(mini_result: object) -> None:
    rendered = _rendered(mini_result, "radars")
    teacher = rendered.html["radars-teacher.html"]  # type: ignore[attr-defined]
    grid = teacher[teacher.index('class="key-grid"') : teacher.index("</table>", teacher.index('class="key-grid"'))]
    short = next(q for q in mini_result.derived.quizzes["radars"] if q.type == "short")  # type: ignore[attr-defined]
    assert len(short.accept) > 1
    assert f"(+{len(short.accept) - 1})</td>" in grid
    assert "“(+2)” means two more are accepted" in teacher
    answers = teacher[teacher.index('id="answers-title"') :]
    assert all(text in unescape(answers) for text in short.accept), "the answers pages list every accepted answer"


def test_the_code_changes_with_the_content(mini_result: object) -> None:
    lib, derived = mini_result.library, mini_result.derived  # type: ignore[attr-defined]
    topic = lib.topics["radars"]
    quiz = derived.quizzes["radars"]
    changed = topic.model_copy(update={"title": "Radars, again"})
    assert content_hash(topic, quiz) != content_hash(changed, quiz)
    assert make_versions(topic, quiz, 1, 1)[0].code != make_versions(changed, quiz, 1, 1)[0].code


def test_a_topics_hash_is_worked_out_once_and_is_its_contents(
    mini_result: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quiz page, teacher page and handouts of a topic ask for its hash on up to three processes: a first build
    works it out before they fork (`known_hashes`); an equal topic, another object, hashes the same."""
    lib, derived = mini_result.library, mini_result.derived  # type: ignore[attr-defined]
    topic = lib.topics["radars"]
    quiz = list(derived.quizzes["radars"])
    again = topic.model_copy()
    assert again is not topic
    expected = content_hash(again, quiz)
    known_hashes([(topic, quiz)])

    def dumps(*args: object, **kwargs: object) -> str:
        raise AssertionError("hashed again")

    monkeypatch.setattr(versions.json, "dumps", dumps)
    assert content_hash(topic, quiz) == expected
    assert make_versions(topic, quiz, 3, 1) == make_versions(again, quiz, 3, 1)
    with pytest.raises(AssertionError, match="hashed again"):  # other questions: another hash
        content_hash(topic, quiz[:-1])


def test_the_student_edition_holds_no_answer_feedback_or_explanation(shipped: object) -> None:
    lib, derived = shipped.library, shipped.derived  # type: ignore[attr-defined]
    for topic in lib.topics_in_order():
        rendered = _rendered(shipped, topic.id)
        for name, html in rendered.html.items():  # type: ignore[attr-defined]
            if "-student-" not in name:
                continue
            text = text_of(html)
            for q in derived.quizzes[topic.id]:
                data = q.model_dump()
                secrets = [data["explanation"], data.get("model_answer") or ""]
                secrets += [c["feedback"] for c in data.get("choices", [])]
                secrets += [data.get("feedback_true") or "", data.get("feedback_false") or ""]
                secrets += [c["criterion"] for c in data.get("rubric", [])]
                for secret in secrets:
                    if len(secret) > 15:  # "Right." may well occur in a passage
                        assert " ".join(secret.split()) not in text, f"{name} shows {secret!r}"
            assert "Answer key" not in text and "Rests on" not in text


def test_the_teacher_edition_has_every_part(mini_result: object) -> None:
    rendered = _rendered(mini_result, "radars")
    html = rendered.html["radars-teacher.html"]  # type: ignore[attr-defined]
    text = text_of(html)
    for part in ("Answer key", "Answers and why", "Learning objectives", "Lesson plan", "Discussion prompts"):
        assert part in text
    for letter in "ABC":  # the web page links each sheet; the PDF holds them (tests/test_handout_pdf.py)
        assert f'<a href="radars-student-{letter}.html">version {letter}</a>' in html
    assert "It arrived in June 2006." in text, "an explanation"
    assert "Rests on" in text
    assert re.search(r"Marking .*\(\d+(\.\d+)? points?\)", text), "the rubric with its points"


def test_the_key_matches_each_versions_order(shipped: object) -> None:
    """Row N of version L's column names the option letters that the sheet of L prints beside the right options."""
    lib, derived = shipped.library, shipped.derived  # type: ignore[attr-defined]
    for topic in lib.topics_in_order():
        quiz = {q.id: q for q in derived.quizzes[topic.id]}
        rendered = _rendered(shipped, topic.id)
        teacher = rendered.html[f"{topic.id}-teacher.html"]  # type: ignore[attr-defined]
        grid = teacher[teacher.index('class="key-grid"') :]
        rows = {
            int(n): re.findall(r"<td>(.*?)</td>", cells)
            for n, cells in re.findall(r'<tr><th scope="row">(\d+)</th>(.*?)</tr>', grid)
        }
        assert sorted(rows) == list(range(1, len(quiz) + 1))
        for column, v in enumerate(make_versions(topic, list(quiz.values()), 3, 1)):
            sheet = rendered.html[f"{topic.id}-student-{v.letter}.html"]  # type: ignore[attr-defined]
            for number, qid in enumerate(v.order, start=1):
                q = quiz[qid]
                if q.type not in ("single", "multiple"):  # type: ignore[attr-defined]
                    continue
                block = sheet[sheet.index(f'id="q-{v.letter}-{number}"') :]
                block = block.split('<div class="q ')[0]
                printed = dict(re.findall(r'<span class="letter">([A-Z])</span><span>(.*?)</span>', block))
                ticked = sorted(unescape(printed[x]) for x in rows[number][column].split(", "))
                right = sorted(c.text for c in q.choices if c.correct)  # type: ignore[attr-defined]
                assert ticked == right, f"{topic.id} version {v.letter} question {number}"


def test_a_topics_own_lesson_plan_wins(tmp_path: Path, mini_result: object) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    topic = content / "topics" / "radars.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8")
        + "lesson_plan:\n  - {minutes: 12, activity: Walk to the radar museum.}\n"
        + "  - {minutes: 30, activity: Write a letter to the mayor.}\n",
        encoding="utf-8",
    )
    result = check(content)
    text = text_of(_rendered(result, "radars").html["radars-teacher.html"])  # type: ignore[attr-defined]
    assert "12 min — Walk to the radar museum." in text
    assert "about 42 minutes" in text
    assert "Warm-up" not in text


def test_the_plan_is_written_from_the_content(shipped: object) -> None:
    lib, derived = shipped.library, shipped.derived  # type: ignore[attr-defined]
    plans = set()
    for topic in lib.topics_in_order():
        text = text_of(_rendered(shipped, topic.id).html[f"{topic.id}-teacher.html"])  # type: ignore[attr-defined]
        plan = text[text.index("Lesson plan") : text.index("Discussion prompts")]
        sections = [s.title for s in topic.sections]
        positions = [plan.index(title) for title in sections]
        assert positions == sorted(positions), "the sections to read, in their order"
        assert topic.prompts[0] in plan, "a prompt to discuss"
        assert re.search(r"Exit ticket: every student answers questions version A: \d+, \d+, \d+; version B", plan)
        minutes = int(re.search(r"Lesson plan \(about (\d+) minutes\)", plan).group(1))  # type: ignore[union-attr]
        assert minutes <= lib.site.settings.lesson_minutes, "the plan fits the lesson; the rest is homework"
        ticket = exit_ticket(topic, derived.quizzes[topic.id])
        assert len(ticket) == 3 and all(q.type != "open" for q in ticket)  # type: ignore[attr-defined]
        plans.add(re.sub(r"\d+", "N", plan.replace(topic.title, "")))
    assert len(plans) == len(lib.topics), "no two topics get the same boilerplate"


def test_the_teacher_page_counts_the_words_of_the_passage_the_handout_prints(shipped: object) -> None:
    """The teacher hub's plan rests on the passage's length, counted without laying the passage out: the
    same count as the handout's passage, on a lesson whose sections link, cite and run to several paragraphs."""
    from primer.content.terms import TermMatcher
    from primer.handouts.sheet import passage, passage_words

    lib = shipped.library  # type: ignore[attr-defined]
    matcher = TermMatcher(lib.terms.values())
    counts = [passage(lib, topic, matcher)["words"] for topic in lib.topics_in_order()]
    assert [passage_words(topic) for topic in lib.topics_in_order()] == counts
    assert all(count > 50 for count in counts)


# --------------------------------------------------------------------------- the command line


def test_handout_html_only_writes_each_edition(cli: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "handouts"
    result = cli("handout", "--content", MINI, "radars", "--format", "html", "--out", out)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == [
        "radars-student-A.html",
        "radars-student-B.html",
        "radars-student-C.html",
        "radars-teacher.html",
    ]
    assert "wrote 4 handout files" in result.stdout


def test_handout_versions_seed_and_edition(cli: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "h"
    result = cli(
        "handout", "--content", MINI, "--topic", "all", "--format", "html", "--edition", "student", "--versions", "5",
        "--seed", "9", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.html")) == [f"radars-student-{v}.html" for v in "ABCDE"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["radar"], "no topic 'radar' — did you mean 'radars'?"),
        (["radars", "--versions", "0"], "0 is not in the range 1<=x<=26"),
        (["radars", "--versions", "27"], "27 is not in the range 1<=x<=26"),
        (["radars", "--paper", "a3"], "'a3' is not one of 'a4', 'letter'"),
        ([], "name one or more topics, or all"),
    ],
)
def test_bad_command_lines_write_nothing(cli: Invoke, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "h"
    result = cli("handout", "--content", MINI, *args, "--out", out)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("Error:") == 1
    assert not out.exists()


def test_a_topic_without_questions_is_an_error(cli: Invoke, mini: Path, tmp_path: Path) -> None:
    topic = mini / "topics" / "radars.yaml"
    text = topic.read_text(encoding="utf-8")
    text = re.sub(r"questions: \[.*\]", "questions: []", text)
    topic.write_text(text + "generate: {max: 0}\n", encoding="utf-8")
    out = tmp_path / "h"
    result = cli("handout", "--content", mini, "radars", "--format", "html", "--out", out)
    assert result.exit_code == 1
    assert "topics/radars.yaml:" in result.stderr
    assert "has no questions" in result.stderr
    assert not out.exists()


def test_build_without_a_pdf_library_writes_html_handouts_and_one_notice(
    cli: Invoke, mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_mod, "loads", lambda: False)
    monkeypatch.setattr(pdf_mod, "missing_reason", lambda: "cannot load library 'libpango-1.0-0'")
    monkeypatch.setenv("PRIMER_CACHE_DIR", pdf_mod.CACHE_OFF)
    out = tmp_path / "site"
    result = cli("build", "--content", mini, "--out", out)
    assert result.exit_code == 0, result.output
    notices = [line for line in result.stderr.splitlines() if line.startswith("notice:")]
    assert len(notices) == 1
    assert "WeasyPrint cannot load (cannot load library 'libpango-1.0-0')" in notices[0]
    assert (out / "handouts" / "radars" / "radars-teacher.html").is_file()
    assert not list(out.rglob("*.pdf"))
    hub = (out / "teacher" / "topics" / "radars.html").read_text(encoding="utf-8")
    assert "radars-teacher.html" in hub and ".pdf" not in hub


def test_a_content_packs_own_handout_template_is_checked_and_used(cli: Invoke, mini: Path, tmp_path: Path) -> None:
    folder = mini / "templates" / "handout"
    folder.mkdir(parents=True)
    (folder / "student.html").write_text(
        '{% extends "default:handout/student.html" %}\n'
        "{% block title %}Sheet {{ current.letter }} of {{ topic.title }} ({{ passage.words }} words){% endblock %}\n",
        encoding="utf-8",
    )
    assert cli("check", "--content", mini).exit_code == 0
    out = tmp_path / "h"
    assert cli("handout", "--content", mini, "all", "--format", "html", "--out", out).exit_code == 0
    assert "<title>Sheet B of How radars work (" in (out / "radars-student-B.html").read_text(encoding="utf-8")
    (folder / "student.html").write_text("{{ answers_for_students }}\n", encoding="utf-8")
    result = cli("check", "--content", mini)
    assert result.exit_code == 1
    assert "templates/handout/student.html:1:1: the template uses 'answers_for_students'" in result.stderr


def test_without_pdfs_nothing_is_laid_out_for_them_and_the_pages_are_the_same(
    mini_result: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build without PDFs (`--no-pdf`, `primer serve`) neither renders the teacher's PDF edition nor
    keeps the sheets for PDFs, and writes the same HTML handouts as a build with them."""
    import primer.handouts as handouts
    from primer.write import Output

    made: list[object] = []
    real = handouts.render_topic
    monkeypatch.setattr(handouts, "render_topic", lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    monkeypatch.setattr(
        pdf_mod, "render_all", lambda tasks, cache=None: {n: b"%PDF-" for t in tasks for n in t.names()}
    )
    lib, derived = mini_result.library, mini_result.derived  # type: ignore[attr-defined]
    written: dict[bool, dict[str, bytes | None]] = {}
    for pdf in (True, False):
        made.clear()
        out = Output()
        handouts.add_handouts(lib, derived, make_env(None), out, pdf=pdf)
        written[pdf] = {path: out.get(path) for path in out.paths()}
        assert made and any(r.tasks for r in made) == pdf  # type: ignore[attr-defined]
    pages = {path: data for path, data in written[True].items() if path.endswith(".html")}
    assert pages and pages == written[False]
    assert len(written[True]) > len(pages)  # the PDFs, with them
