"""Handout PDFs read back page by page with poppler (pdftotext -layout, pdfinfo, pdftoppm).

The PDFs are made once per session, for the shipped pack and the small example, through
`primer handout`; they share the PDF cache with every `primer build` of the same content.
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from primer.build import check
from primer.cli import main
from primer.content.terms import TermMatcher
from primer.handouts import Settings, render_topic
from primer.handouts import pdf as pdf_mod
from primer.handouts.sheet import passage
from primer.handouts.versions import make_versions
from primer.render.env import make_env
from tools import MINI, ROOT, need

SIZES = {"a4": "595.276 x 841.89", "letter": "612 x 792"}


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    need(f"{tool} (poppler-utils)", path)
    assert path is not None
    return path


def pages_of(pdf: Path) -> list[str]:
    """The text of each page, laid out as printed."""
    text = subprocess.run(
        [_poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces."""
    return " ".join(text.split())


def info(pdf: Path) -> dict[str, str]:
    """pdfinfo's fields."""
    out = subprocess.run([_poppler("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every handout of the shipped pack and of the small example, as PDF, on A4 and on Letter."""
    need("WeasyPrint with Pango", pdf_mod.loads())
    _poppler("pdftotext")
    folders = {}
    for name, content in (("shipped", ROOT / "content"), ("mini", MINI)):
        for paper in ("a4", "letter"):
            out = tmp_path_factory.mktemp(f"{name}-{paper}")
            args = ["handout", "--content", str(content), "all", "--paper", paper, "--format", "pdf", "--out", str(out)]
            result = CliRunner().invoke(main, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            folders[f"{name}-{paper}"] = out
    return folders


@pytest.fixture(scope="module")
def shipped() -> object:
    """The shipped content, checked."""
    return check(ROOT / "content")


def test_every_topic_has_three_versions_and_a_teacher_edition_on_both_papers(
    made: dict[str, Path], shipped: object
) -> None:
    lib = shipped.library  # type: ignore[attr-defined]
    for paper, size in SIZES.items():
        names = sorted(p.name for p in made[f"shipped-{paper}"].glob("*.pdf"))
        want = sorted(
            [f"{t}-student-{v}-{paper}.pdf" for t in lib.topics for v in "ABC"]
            + [f"{t}-teacher-{paper}.pdf" for t in lib.topics]
        )
        assert names == want
        for name in names:
            fields = info(made[f"shipped-{paper}"] / name)
            assert fields["Page size"].startswith(size), name
            assert int(fields["Pages"]) >= 2


def _question_pages(pages: list[str]) -> list[tuple[int, str]]:
    """The pages from the one where questions start, with their numbers."""
    first = next(i for i, page in enumerate(pages) if re.search(r"^\s*Question 1\b", page, re.M))
    return list(enumerate(pages))[first:]


def test_no_question_runs_over_a_page_break(made: dict[str, Path]) -> None:
    for folder in made.values():
        for pdf in sorted(folder.glob("*-student-*.pdf")):
            pages = pages_of(pdf)
            for number, page in _question_pages(pages)[1:]:
                lines = [line.strip() for line in page.splitlines() if line.strip()]
                assert lines[0].startswith("Question "), f"{pdf.name} page {number + 1} starts inside a question"
            numbers = [int(n) for page in pages for n in re.findall(r"^\s*Question (\d+)\b", page, re.M)]
            assert numbers == list(range(1, len(numbers) + 1)), f"{pdf.name}: every question once, in order"


def test_the_teacher_edition_keeps_each_answer_whole_and_the_key_on_one_page(made: dict[str, Path]) -> None:
    for folder in made.values():
        for pdf in sorted(folder.glob("*-teacher-*.pdf")):
            pages = pages_of(pdf)
            key = [i for i, page in enumerate(pages) if re.search(r"^\s*Answer key\s*$", page, re.M)]
            assert len(key) == 1, f"{pdf.name}: the key of all versions is on one page"
            answers = [i for i, page in enumerate(pages) if "Answers and why" in page]
            assert answers == [key[0] + 1]
            for page in pages[answers[0] + 1 :]:
                first = next(line.strip() for line in page.splitlines() if line.strip())
                if first.startswith("Learning objectives"):
                    break  # the lesson plan and prompts follow, and may run on
                assert first.startswith("Version A: question"), f"{pdf.name}: an answer runs over a page break"


def words_of(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Each page's words, each with the left and top of its box in points (pdftotext -bbox)."""
    out = subprocess.run(
        [_poppler("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>')
    return [
        [(float(x), float(y), html.unescape(text)) for x, y, text in word.findall(page)]
        for page in out.split("<page ")[1:]
    ]


def test_the_glossary_box_sets_its_entries_two_a_row(made: dict[str, Path], shipped: object) -> None:
    """Each row of the box: an entry at its left edge, the next one beside it at the same height (an entry's
    term is the first thing it prints). The rows are inline blocks that just fill the line, so a pair that
    wrapped would show here, each entry alone on its row."""
    lib = shipped.library  # type: ignore[attr-defined]
    matcher = TermMatcher(lib.terms.values())
    pairs = 0
    for paper in SIZES:
        for topic in lib.topics.values():
            terms = [entry["term"].split()[0] for entry in passage(lib, topic, matcher)["glossary"]]
            if not terms:
                continue
            pdf = made[f"shipped-{paper}"] / f"{topic.id}-student-A-{paper}.pdf"
            pages = words_of(pdf)
            start = next(i for i, words in enumerate(pages) if any(text == "Words" for _, _, text in words))
            # the box may run onto the next page: each page's heights after the last's
            page = [(x, i * 10_000 + y, text) for i, words in enumerate(pages[start:]) for x, y, text in words]
            edge, top = next((x, y) for x, y, text in page if text == "Words")
            width = max(x for x, _, _ in page) - edge
            for left, right in itertools.zip_longest(terms[::2], terms[1::2]):
                rows = [y for x, y, text in page if text == left and abs(x - edge) < 0.5 and y > top]
                beside = [
                    y
                    for y in rows
                    if right is None
                    or any(t == right and abs(v - y) < 0.5 and x > edge + width / 3 for x, v, t in page)
                ]
                assert beside, f"{pdf.name}: {left!r} and {right!r} side by side in the glossary box, below the last"
                top = beside[0]
                pairs += right is not None
    assert pairs >= 10, "the shipped pack's sheets have glossaries to read"


def test_each_answer_label_sits_beside_its_text(made: dict[str, Path]) -> None:
    """In the teacher's answers, each label ("Answer", "Why") starts a line at the left edge, and its text starts
    on the same line, 28 mm in (the label's 26 mm and a 2 mm gap)."""
    label, indent = 26 * 72 / 25.4, 28 * 72 / 25.4
    labels = 0
    for folder in made.values():
        for pdf in sorted(folder.glob("*-teacher-*.pdf")):
            pages = words_of(pdf)
            first = next(i for i, words in enumerate(pages) if any(w[2] == "why" for w in words[:8]))
            edge = min(x for x, _, _ in pages[first])
            for words in pages[first:]:
                if any(text == "Learning" for _, _, text in words[:2]):
                    break
                for x, y, text in words:
                    line = sorted(u for u, v, _ in words if abs(v - y) < 0.5 and u > x + 1)
                    if text in ("Answer", "Why") and abs(x - edge) < 0.5 and not (line and line[0] < edge + label):
                        # a label, not a sentence that starts with the word (a stem: "Why did …")
                        assert line and abs(line[0] - edge - indent) < 0.5, f"{pdf.name}: {text!r} at {y:.0f} pt"
                        labels += 1
    assert labels > 100


def test_student_editions_hold_no_answer_feedback_or_explanation(made: dict[str, Path], shipped: object) -> None:
    derived = shipped.derived  # type: ignore[attr-defined]
    for paper in SIZES:
        folder = made[f"shipped-{paper}"]
        for pdf in sorted(folder.glob("*-student-*.pdf")):
            topic = pdf.name.split("-student-")[0]
            text = flat("".join(pages_of(pdf)))
            for q in derived.quizzes[topic]:
                data = q.model_dump()
                secrets = [data["explanation"], data.get("model_answer") or "", data.get("feedback_true") or ""]
                secrets += [c["feedback"] for c in data.get("choices", [])] + [data.get("feedback_false") or ""]
                secrets += [c["criterion"] for c in data.get("rubric", [])]
                for secret in secrets:
                    if len(secret) > 15:
                        assert flat(secret) not in text, f"{pdf.name} shows {secret!r}"
            assert "Answer key" not in text and "Rests on" not in text


def _grid(page: str) -> dict[int, list[str]]:
    """Question number → the cell of each version, read by the columns of the header line."""
    lines = page.splitlines()
    header = next(line for line in lines if "Version A (" in line)
    starts = [m.start() for m in re.finditer(r"Version [A-Z] \(", header)]
    rows: dict[int, list[str]] = {}
    for line in lines[lines.index(header) + 1 :]:
        found = re.match(r"\s*(\d+)\s", line)
        if found:
            bounds = [*starts, len(line) + 1]
            rows[int(found.group(1))] = [line[a:b].strip() for a, b in itertools.pairwise(bounds)]
    return rows


def test_each_versions_key_matches_its_printed_order(made: dict[str, Path], shipped: object) -> None:
    lib, derived = shipped.library, shipped.derived  # type: ignore[attr-defined]
    folder = made["shipped-a4"]
    for topic in lib.topics_in_order():
        quiz = {q.id: q for q in derived.quizzes[topic.id]}
        teacher = pages_of(folder / f"{topic.id}-teacher-a4.pdf")
        grid = _grid(next(p for p in teacher if re.search(r"^\s*Answer key\s*$", p, re.M)))
        for column, v in enumerate(make_versions(topic, list(quiz.values()), 3, 1)):
            sheet = "\n".join(pages_of(folder / f"{topic.id}-student-{v.letter}-a4.pdf"))
            for number, qid in enumerate(v.order, start=1):
                q = quiz[qid]
                if q.type not in ("single", "multiple"):  # type: ignore[attr-defined]
                    continue
                block = sheet[re.search(rf"^\s*Question {number}\b", sheet, re.M).start() :]  # type: ignore[union-attr]
                end = re.search(rf"^\s*Question {number + 1}\b|Student edition ·", block[10:], re.M)
                block = block[: end.start() + 10] if end else block
                options = {m.group(1): m.group(2) for m in re.finditer(r"^\s+([A-Z]) (\S.*)$", block, re.M)}
                for letter in grid[number][column].split(", "):
                    right = [c.text for c in q.choices if c.correct]  # type: ignore[attr-defined]
                    assert any(flat(r).startswith(flat(options[letter])[:25]) for r in right), (
                        f"{topic.id} {v.letter} question {number}: key says {letter}"
                    )


def test_the_version_code_is_on_the_sheet_and_its_key(made: dict[str, Path], shipped: object) -> None:
    lib, derived = shipped.library, shipped.derived  # type: ignore[attr-defined]
    for topic in lib.topics_in_order():
        key = flat("".join(pages_of(made["shipped-letter"] / f"{topic.id}-teacher-letter.pdf")))
        for v in make_versions(topic, derived.quizzes[topic.id], 3, 1):
            sheet = flat("".join(pages_of(made["shipped-letter"] / f"{topic.id}-student-{v.letter}-letter.pdf")))
            assert f"Version {v.letter} · code {v.code}" in sheet
            assert f"Version {v.letter} ({v.code})" in key


def test_the_footer_names_page_edition_topic_and_version(made: dict[str, Path]) -> None:
    pages = pages_of(made["mini-a4"] / "radars-student-B-a4.pdf")
    for number, page in enumerate(pages, start=1):
        footer = [line for line in page.splitlines() if line.strip()][-1]
        assert re.search(
            rf"Student edition · Version B · code B-\w+ · How radars work\s+Page {number} of {len(pages)}", footer
        )


def test_page_one_renders_to_a_page_with_ink(made: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    for pdf in (made["mini-a4"] / "radars-student-A-a4.pdf", made["mini-letter"] / "radars-teacher-letter.pdf"):
        stem = tmp_path / pdf.stem
        subprocess.run(
            [_poppler("pdftoppm"), "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(stem)], check=True
        )
        png = next(tmp_path.glob(f"{pdf.stem}*.png"))
        with Image.open(png) as image:
            grey = image.convert("L")
            dark = sum(grey.histogram()[:128])
            assert grey.size[0] > 300
            assert dark > 800, f"page 1 of {pdf.name} is nearly blank"


def test_the_same_content_and_epoch_give_the_same_bytes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    need("WeasyPrint with Pango", pdf_mod.loads())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = check(MINI)
    lib, derived = result.library, result.derived
    settings = Settings(versions=1, papers=("letter",))
    tasks = [
        render_topic(
            lib, derived, make_env(None), lib.topics["radars"], settings, TermMatcher(lib.terms.values())
        ).tasks
        for _ in range(2)
    ]
    first = pdf_mod.render_all(tasks[0], cache=None)
    second = pdf_mod.render_all(tasks[1], cache=None)
    assert first is not None and second is not None
    assert first == second
    (tmp_path / "a.pdf").write_bytes(first["radars-teacher-letter.pdf"])
    assert info(tmp_path / "a.pdf")["CreationDate"].startswith("Tue Nov 14 22:13:20 2023")


def test_a_cached_pdf_is_reused_and_a_changed_handout_is_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("WeasyPrint with Pango", pdf_mod.loads())
    result = check(MINI)
    lib, derived = result.library, result.derived

    def tasks(seed: int) -> list[pdf_mod.Task]:
        settings = Settings(versions=1, seed=seed, papers=("a4",), editions=("student",))
        matcher = TermMatcher(lib.terms.values())
        return render_topic(lib, derived, make_env(None), lib.topics["radars"], settings, matcher).tasks

    first = pdf_mod.render_all(tasks(1), cache=tmp_path)

    def fail(task: pdf_mod.Task) -> dict[str, bytes]:
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf_mod, "run_task", fail)
    assert pdf_mod.render_all(tasks(1), cache=tmp_path) == first, "the same HTML comes from the cache"
    with pytest.raises(AssertionError, match="rendered again"):
        pdf_mod.render_all(tasks(2), cache=tmp_path)


def test_a_build_stopped_halfway_keeps_the_pdfs_it_laid_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each task's PDFs go into the cache as soon as they are laid out: a first build of a large lesson takes
    minutes, and one stopped with Ctrl-C after its first task lays out only the rest next time."""
    need("WeasyPrint with Pango", pdf_mod.loads())
    result = check(MINI)
    lib, derived = result.library, result.derived
    settings = Settings(versions=1, papers=("a4", "letter"), editions=("student",))
    tasks = render_topic(
        lib, derived, make_env(None), lib.topics["radars"], settings, TermMatcher(lib.terms.values())
    ).tasks
    assert len(tasks) == 2
    real = pdf_mod.run_task
    laid_out: list[str] = []

    def stopped_after_one(task: pdf_mod.Task) -> dict[str, bytes]:
        if laid_out:
            raise KeyboardInterrupt
        laid_out.append(task.paper)
        return real(task)

    monkeypatch.setattr(pdf_mod, "run_task", stopped_after_one)
    with pytest.raises(KeyboardInterrupt):
        pdf_mod.render_all(tasks, cache=tmp_path, jobs=1)
    assert laid_out == ["a4"]
    assert len([entry for entry in tmp_path.iterdir() if entry.is_dir()]) == 1

    def counted(task: pdf_mod.Task) -> dict[str, bytes]:
        laid_out.append(task.paper)
        return real(task)

    monkeypatch.setattr(pdf_mod, "run_task", counted)
    found = pdf_mod.render_all(tasks, cache=tmp_path, jobs=1)
    assert laid_out == ["a4", "letter"], "only the task the stop cut off is laid out again"
    assert found is not None and sorted(found) == sorted(name for task in tasks for name in task.names())


def test_one_topics_two_papers_are_laid_out_side_by_side() -> None:
    """A forked worker starts at once, with the WeasyPrint its parent loaded: the two tasks of a topic edited
    (its two papers) go to two processes, a single task stays in the build's own. Run in a process of its
    own, which has one thread (a forked child of a threaded parent can hang, so that one spawns)."""
    need("WeasyPrint with Pango", pdf_mod.loads())
    script = textwrap.dedent(
        """
        import os
        from primer.handouts import pdf

        def where(task):
            return {name: str(os.getpid()).encode() for name in task.names()}

        pdf.run_task = where
        os.cpu_count = lambda: 2  # as on a machine with two cores or more
        tasks = [pdf.Task("a4", (("a.pdf", "<p>a</p>"),)), pdf.Task("letter", (("b.pdf", "<p>b</p>"),))]
        print(os.getpid())
        for some in (tasks, tasks[:1]):
            print(sorted({data.decode() for data in pdf.render_all(some, cache=None, jobs=None).values()}))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    own, two, one = out.splitlines()
    assert own not in two, "two tasks: laid out in workers"
    assert one == repr([own]), "one task: laid out here"


def test_greek_cyrillic_and_cjk_text_gets_real_fonts(tmp_path: Path) -> None:
    need("WeasyPrint with Pango", pdf_mod.loads())
    css = (ROOT / "src" / "primer" / "templates" / "handout" / "handout.css").read_text(encoding="utf-8")
    words = "Ελληνικά Русский 日本語 한국어 中文"
    html = f"<!doctype html><html lang=en><head><style>{css}</style></head><body><h1>{words}</h1><p>{words}</p>"
    target = tmp_path / "scripts.pdf"
    target.write_bytes(pdf_mod._render(html, "a4").write_pdf())
    assert words in flat("".join(pages_of(target)))
    fonts = subprocess.run([_poppler("pdffonts"), str(target)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu" in fonts or "Noto-Serif" in fonts, fonts
    assert "CJK" in fonts, "a CJK font is installed (fonts-noto-cjk) and used"


def test_a_word_or_a_code_line_longer_than_a_line_wraps_and_prints_whole(tmp_path: Path) -> None:
    """A word or web address longer than a line (3,000 letters here), and a code block's line of 500, wrap onto
    the next lines: before, they ran off the page's edge, and the printed sheet kept their first 60 to 90."""
    need("WeasyPrint with Pango", pdf_mod.loads())
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    questions = content / "questions" / "radars.yaml"
    stem = "stem: Where was the first radar placed?"
    text = questions.read_text(encoding="utf-8")
    assert stem in text
    long = f"stem: |\n      Where was the {'w' * 3000} placed?\n\n      ```\n      {'c' * 500}\n      ```\n"
    questions.write_text(text.replace(stem + "\n", long, 1), encoding="utf-8")
    args = ["handout", "--content", str(content), "radars", "--versions", "1", "--edition", "student"]
    result = CliRunner().invoke(main, [*args, "--format", "pdf", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    pages = pages_of(tmp_path / "out" / "radars-student-A-a4.pdf")
    for letter, length in (("w", 3000), ("c", 500)):
        runs = [len(run) for page in pages for run in re.findall(letter + r"{20,}", page)]
        assert sum(runs) == length and len(runs) > 1, (letter, runs)


@pytest.mark.parametrize(
    ("edition", "file", "short"),
    [
        ("student", "glossary.yaml", "definition: A sensor that finds objects by bouncing radio waves off them."),
        ("teacher", "questions/radars.yaml", "explanation: The article and records agree it was in the north."),
    ],
)
def test_a_glossary_entry_or_an_answer_longer_than_a_page_prints_whole(
    tmp_path: Path, edition: str, file: str, short: str
) -> None:
    """The glossary box's entries are inline blocks, which WeasyPrint prints whole or cuts off; a definition
    of 1,500 words (taller than a page at half the box's width) takes the whole width and runs on instead. An
    answer's text beside its floated label runs on too."""
    need("WeasyPrint with Pango", pdf_mod.loads())
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    text = (content / file).read_text(encoding="utf-8")
    assert short in text
    words = " ".join(f"part{i}" for i in range(1500))
    (content / file).write_text(text.replace(short, f"{short} {words} Last.", 1), encoding="utf-8")
    args = ["handout", "--content", str(content), "radars", "--versions", "1", "--edition", edition]
    result = CliRunner().invoke(main, [*args, "--format", "pdf", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    pages = pages_of(next((tmp_path / "out").glob(f"radars-{edition}-*a4.pdf")))
    printed = [int(n) for page in pages for n in re.findall(r"\bpart(\d+)\b", page)]
    assert printed == list(range(1500)), "every word of the definition, in order, across the pages"
    assert sum("part" in page for page in pages) > 1 and "Last." in "".join(pages)


def test_the_primer_program_frees_each_laid_out_pdf() -> None:
    """The `primer` program makes no full collection of its own (`cli._quick_exit`), but a laid-out document
    is a web of cycles that only a full one frees: without them, each topic's PDFs stayed in memory, and a
    build's PDF worker grew to 11 GB over 256 topics. Run as the program runs, in a process of its own."""
    need("WeasyPrint with Pango", pdf_mod.loads())
    script = textwrap.dedent(
        f"""
        import gc
        from pathlib import Path
        from weasyprint.css import ComputedStyle
        from primer import cli
        from primer.build import check
        from primer.content.terms import TermMatcher
        from primer.handouts import Settings, render_topic
        from primer.handouts import pdf
        from primer.render.env import make_env

        result = check(Path({str(MINI)!r}))
        lib, derived = result.library, result.derived
        settings = Settings(versions=1, papers=("a4",))
        matcher = TermMatcher(lib.terms.values())
        (task,) = render_topic(lib, derived, make_env(None), lib.topics["radars"], settings, matcher).tasks
        cli._PROGRAM.append(True)
        cli._quick_exit()
        alive = []
        for _ in range(8):
            pdf.run_task(task)
            alive.append(sum(isinstance(o, ComputedStyle) for o in gc.get_objects()))
        print(gc.get_threshold()[2] == cli.NEVER, *alive)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    never, *alive = run.stdout.split()
    assert never == "True", "the program still makes no full collection of its own"
    first, *later = map(int, alive)
    # Left to themselves, the styles of each task's PDFs stay: the count only grows. A full collection now
    # and then takes all that the tasks before it left.
    assert first > 0
    assert min(later) < first, f"laid-out styles alive after each task: {alive}"


def _papers_built(out: Path) -> dict[str, list[str]]:
    """The PDFs of the mini lesson's one topic under `out`, by paper."""
    found: dict[str, list[str]] = {}
    for pdf in sorted(out.rglob("*.pdf")):
        found.setdefault(pdf.stem.rsplit("-", 1)[1], []).append(pdf.name)
    return found


def test_a_lesson_printed_on_one_paper_lays_out_and_links_only_that_paper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`settings: paper:` in site.yaml: a school that prints on one paper gets half the PDFs to wait for, the
    teacher's pages name only that paper, and a change of paper leaves no other paper's PDF behind."""
    need("WeasyPrint with Pango", pdf_mod.loads())
    _poppler("pdfinfo")
    monkeypatch.setenv("PRIMER_CACHE_DIR", str(tmp_path / "cache"))
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    site = content / "site.yaml"
    plain = site.read_text(encoding="utf-8")
    out = tmp_path / "site"

    def build(paper: str | None) -> None:
        site.write_text(plain + (f"settings:\n  paper: {paper}\n" if paper else ""), encoding="utf-8")
        result = CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(out)])
        assert result.exit_code == 0, result.output

    sheets = ["radars-student-A", "radars-student-B", "radars-student-C", "radars-teacher"]
    build("letter")
    assert _papers_built(out) == {"letter": [f"{name}-letter.pdf" for name in sheets]}
    assert info(out / "handouts" / "radars" / "radars-teacher-letter.pdf")["Page size"].startswith(SIZES["letter"])
    page = html.unescape((out / "teacher" / "topics" / "radars.html").read_text(encoding="utf-8"))
    assert "PDF, Letter" in page and "Student B, Letter" in page and "Teacher, Letter" in page
    assert "A4" not in page and "not built" not in page
    hub = html.unescape((out / "teacher" / "index.html").read_text(encoding="utf-8"))
    assert "radars-teacher-letter.pdf" in hub and "A4" not in hub
    assert "ready to print as PDF (Letter)." in hub

    build(None)  # the default: both
    assert _papers_built(out) == {
        "a4": [f"{name}-a4.pdf" for name in sheets],
        "letter": [f"{name}-letter.pdf" for name in sheets],
    }
    hub = html.unescape((out / "teacher" / "index.html").read_text(encoding="utf-8"))
    assert "ready to print as PDF (A4 or Letter)." in hub
    assert "radars-teacher-a4.pdf" in hub and "radars-teacher-letter.pdf" in hub

    build("a4")
    assert _papers_built(out) == {"a4": [f"{name}-a4.pdf" for name in sheets]}, "the Letter PDFs are gone"
    page = html.unescape((out / "teacher" / "topics" / "radars.html").read_text(encoding="utf-8"))
    assert "Teacher, A4" in page and "Letter" not in page.replace("Letters are the options", "")

    # `primer handout` without --paper: the lesson's
    handouts = tmp_path / "handouts"
    args = ["handout", "--content", str(content), "radars", "--format", "pdf", "--out", str(handouts)]
    site.write_text(plain + "settings:\n  paper: letter\n", encoding="utf-8")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert _papers_built(handouts) == {"letter": [f"{name}-letter.pdf" for name in sheets]}


def test_a_paper_the_handouts_cannot_be_laid_out_on_is_an_error_at_its_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    site = content / "site.yaml"
    lines = site.read_text(encoding="utf-8").count("\n")
    site.write_text(site.read_text(encoding="utf-8") + "settings:\n  paper: a3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 1
    assert f"site.yaml:{lines + 2}:10:" in result.stderr
    assert "'both', 'a4' or 'letter'" in result.stderr or "both, a4, letter" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
