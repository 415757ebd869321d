"""Built output: deterministic, links rewritten, raw HTML neutralised."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from tools import Invoke, add_sources


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every file under `root` with its bytes, and every folder (None): a build leaves no folder it did not fill."""
    return {p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None for p in sorted(root.rglob("*"))}


def test_same_content_gives_byte_identical_output(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert cli("build", "--content", mini, "--out", tmp_path / "one").exit_code == 0
    assert cli("build", "--content", mini, "--out", tmp_path / "two").exit_code == 0
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert one == two
    assert all(p.stat().st_mtime == 1700000000 for p in (tmp_path / "one").rglob("*.html"))


def test_content_links_and_raw_html(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    assert cli("build", "--content", mini, "--out", tmp_path / "site").exit_code == 0
    page = (tmp_path / "site" / "topics" / "radars" / "index.html").read_text()
    assert 'href="../../glossary/index.html#radar"' in page
    assert 'href="../../sources/mini-source.html#m-radar-north"' in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_glossary_term_actor_or_place_shows_the_basis_it_gives(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    """A term's, an actor's or a place's `basis` shows under its text as "Rests on: …", escaped; an entry without
    one shows none."""
    for name, after, basis in [
        ("glossary.yaml", "see_also: [radar]", "The maker's fact sheet <2016>."),
        ("actors.yaml", "role: A government ministry.", "The ministry's founding law."),
        ("places.yaml", "events: [radar-arrives]", "Measured on a map."),
    ]:
        path = mini / name
        text = path.read_text(encoding="utf-8")
        assert after in text
        path.write_text(text.replace(after, f"{after}\n    basis: {basis}", 1), encoding="utf-8")
    assert cli("build", "--content", mini, "--out", tmp_path / "site").exit_code == 0
    glossary = (tmp_path / "site" / "glossary" / "index.html").read_text(encoding="utf-8")
    actors = (tmp_path / "site" / "actors" / "index.html").read_text(encoding="utf-8")
    places = (tmp_path / "site" / "places" / "index.html").read_text(encoding="utf-8")
    assert glossary.count("Rests on:") == 1 and "Rests on: The maker&#39;s fact sheet &lt;2016&gt;.</p>" in glossary
    thaad = glossary[glossary.index('id="thaad"') :]
    assert thaad.index("Rests on:") < thaad.index("</dd>")
    assert '<p class="basis">Rests on: The ministry&#39;s founding law.</p>' in actors
    assert '<span class="basis">Rests on: Measured on a map.</span> Events: <a href=' in places, "under its text"


def test_the_compare_page_sets_up_to_four_sources_side_by_side_and_more_a_row_each(
    mini: Path, tmp_path: Path, cli: Invoke
) -> None:
    """Four sources fit a laptop's screen a column each; a lesson of more (a publisher's hundreds) gets a table
    with a row per source, which reads down the page and stacks into a card per source on a phone."""

    def table(site: Path) -> str:
        page = (site / "sources" / "compare.html").read_text(encoding="utf-8")
        return page[page.index("<table") : page.index("</table>")]

    add_sources(mini, 3)
    assert cli("build", "--content", mini, "--out", tmp_path / "four").exit_code == 0
    four = table(tmp_path / "four")
    assert four.count('<th scope="col">') == 5 and four.count("<tr>") == 9, "an aspect a row, a source a column"
    add_sources(mini, 4)
    assert cli("build", "--content", mini, "--out", tmp_path / "five").exit_code == 0
    five = table(tmp_path / "five")
    assert "<caption>How the sources are made: 5 sources, one row each</caption>" in five
    rows = five.split("<tr>")[2:]
    assert len(rows) == 5 and all(r.count("<td data-label=") == 8 for r in rows), "a source a row, an aspect a cell"
    first = rows[0]
    assert first.startswith('<th scope="row"><a href="extra-0.html">Article X0</a></th>'), first
    assert '<td data-label="Loaded wording"><ul><li>“sinister build-up” (¶2)</li></ul></td>' in first


def test_a_lesson_of_many_topics_gives_each_topics_comparison_a_page_of_its_own(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to `SHARED_ON_PAGE` topics, the compare page sets out what each source says on each topic itself; with
    more (at 256 topics that was 2.2 MB of a 2.4 MB page), each topic's comparison is a page of its own, which
    the compare page lists with its sources and the topic page links. A rebuild drops the page of a topic that
    no longer draws on two sources, as a clean build would."""
    add_sources(mini, 1)
    topic = mini / "topics" / "radars.yaml"
    one_source = topic.read_text(encoding="utf-8")
    assert "points: [m-spokesperson]" in one_source
    topic.write_text(one_source.replace("[m-spokesperson]", "[m-spokesperson, x0-radar-north]"), encoding="utf-8")
    own = Path("topics", "radars", "compare.html")

    assert cli("build", "--content", mini, "--out", tmp_path / "few").exit_code == 0
    compare = (tmp_path / "few" / "sources" / "compare.html").read_text(encoding="utf-8")
    assert '<h3 id="issue-radars">' in compare and compare.count('<div class="side-by-side">') == 1
    assert "<h4>Article M</h4>" in compare and "<h4>Article X0</h4>" in compare
    assert not (tmp_path / "few" / own).exists()
    assert "Compare what the sources say" not in (tmp_path / "few" / own.parent / "index.html").read_text("utf-8")

    monkeypatch.setattr("primer.targets.site.SHARED_ON_PAGE", 0)  # as if the lesson had more topics than fit
    site = tmp_path / "many"
    assert cli("build", "--content", mini, "--out", site).exit_code == 0
    compare = (site / "sources" / "compare.html").read_text(encoding="utf-8")
    assert 'class="side-by-side"' not in compare
    assert "<p>1 topic draws on two sources or more." in compare
    link = '<li><a href="../topics/radars/compare.html">How radars work</a>'
    assert f"{link}: Article X0 (1 point), Article M (2 points)</li>" in compare, (
        "its sources in the order of their ids, as the side-by-side has them"
    )
    page = (site / own).read_text(encoding="utf-8")
    assert "<h1>How the sources cover “How radars work”</h1>" in page
    crumbs = '<li><a href="index.html">How radars work</a></li><li><span aria-current="page">Compare the sources'
    assert crumbs in page and page.count('<div class="side-by-side">') == 1
    assert "<h2>Article M</h2>" in page and "<h2>Article X0</h2>" in page
    for target in ("mini-source.html#m-radar-north", "mini-source.html#m-spokesperson", "extra-0.html#x0-radar-north"):
        assert f'<a href="../../sources/{target}">' in page
    explainer = (site / own.parent / "index.html").read_text(encoding="utf-8")
    assert '<p><a href="compare.html">Compare what the sources say on this topic</a></p>' in explainer

    topic.write_text(one_source, encoding="utf-8")  # one source again: nothing to compare
    assert cli("build", "--content", mini, "--out", site).exit_code == 0
    assert not (site / own).exists()
    assert "Compare what the sources say" not in (site / own.parent / "index.html").read_text(encoding="utf-8")
    assert cli("build", "--content", mini, "--out", tmp_path / "clean").exit_code == 0
    assert _tree(site) == _tree(tmp_path / "clean")


@pytest.mark.parametrize(
    ("template", "used", "misspelt"),
    [("compare_topic.html", "shared|length", "shraed"), ("report_topic.html", "coverage.title", "coverrage")],
)
def test_a_lesson_of_few_topics_may_override_the_templates_of_a_topics_own_pages(
    mini: Path, cli: Invoke, template: str, used: str, misspelt: str
) -> None:
    """No page of a small lesson uses `site/compare_topic.html` (a topic's comparison) or
    `site/report_topic.html` (its coverage and balance), yet its own copy is checked against what the page
    would give it: its variables pass, a misspelt one is an error at its line."""
    (mini / "templates" / "site").mkdir(parents=True)
    own = mini / "templates" / "site" / template
    own.write_text(f'{{% extends "default:site/{template}" %}}{{% block main %}}{{{{ {used} }}}}{{% endblock %}}')
    assert cli("check", "--content", mini).exit_code == 0
    own.write_text(f'{{% extends "default:site/{template}" %}}{{% block main %}}{{{{ {misspelt} }}}}{{% endblock %}}')
    result = cli("check", "--content", mini)
    assert result.exit_code == 1 and f"{template}:1:1: the template uses '{misspelt}'" in result.output


def test_a_lesson_of_many_topics_gives_each_topics_coverage_and_balance_a_page_of_its_own(
    mini: Path, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to `TOPICS_ON_REPORT` topics, the report sets out each topic's coverage and balance itself; with more
    (at 256 topics that was 2.1 MB of a 4.5 MB page), it lists the topics a row each, and each topic's tables
    are a page of their own, which the topic's teacher page links. A rebuild as a lesson of few drops those
    pages, as a clean build would. Its notes are counted per file, not listed (8,045 of the 9,171 findings at
    256 topics were notes)."""
    glossary = mini / "glossary.yaml"
    unused = "  - id: sonar\n    term: sonar\n    category: sensor\n    definition: It finds objects by sound.\n"
    glossary.write_text(glossary.read_text(encoding="utf-8") + unused, encoding="utf-8")  # a note: P502
    own = Path("teacher", "report", "radars.html")
    assert cli("build", "--content", mini, "--out", tmp_path / "few").exit_code == 0
    report = (tmp_path / "few" / "teacher" / "report.html").read_text(encoding="utf-8")
    assert "<td>P502</td><td>info</td>" in report and "Notes per file" not in report
    assert '<h3 id="coverage-radars">How radars work</h3>' in report and "Objectives × questions" in report
    assert '<h3 id="balance-radars">How radars work</h3>' in report and "<caption>Actors in How radars work" in report
    assert not (tmp_path / "few" / own.parent).exists()
    assert "Coverage and balance" not in (tmp_path / "few" / "teacher" / "topics" / "radars.html").read_text("utf-8")

    monkeypatch.setattr("primer.targets.site.TOPICS_ON_REPORT", 0)  # as if the lesson had more topics than fit
    site = tmp_path / "many"
    assert cli("build", "--content", mini, "--out", site).exit_code == 0
    report = (site / "teacher" / "report.html").read_text(encoding="utf-8")
    assert "Objectives × questions" not in report and "<caption>Actors in" not in report
    assert 'id="chart-coverage"' not in report and "chart-balance" not in report, "no chart a bar a topic"
    assert "<td>P502</td><td>info</td>" not in report and "<td>P104</td><td>warning</td>" in report
    assert '<tr><th scope="row">content/glossary.yaml</th><td>1</td><td>P502: 1</td></tr>' in report
    link = '<th scope="row"><a href="report/radars.html">How radars work</a></th>'
    assert f'<tr id="coverage-radars">{link}<td>3 of 3</td><td>2 of 2</td></tr>' in report
    row = '<tr id="balance-radars"><th scope="row"><a href="report/radars.html#balance">How radars work</a></th>'
    assert f"{row}<td>1</td><td>The Ministry (1 point)</td><td>Article M: 5</td></tr>" in report
    page = (site / own).read_text(encoding="utf-8")
    assert "<h1>Coverage and balance: How radars work</h1>" in page
    crumbs = '<li><a href="../report.html">Provenance and quality report</a></li><li><span aria-current="page">How'
    assert crumbs in page
    assert "<td>2: mini-short, mini-matching</td>" in page, "the topic's objectives and their questions"
    assert '<a href="../../sources/mini-source.html#m-radar-north">m-radar-north</a>' in page
    assert '<desc id="chart-balance-radars-desc">The Ministry: 1 point</desc>' in page
    assert '<a href="../topics/radars.html">teacher page</a>' in page
    teacher = (site / "teacher" / "topics" / "radars.html").read_text(encoding="utf-8")
    assert '<a href="../report/radars.html">Coverage and balance</a>' in teacher

    monkeypatch.setattr("primer.targets.site.TOPICS_ON_REPORT", 1)  # a second topic tips the lesson over
    second = mini / "topics" / "radars-again.yaml"
    text = (mini / "topics" / "radars.yaml").read_text(encoding="utf-8")
    second.write_text(text.replace("id: radars", "id: again").replace("radars-", "again-"), encoding="utf-8")
    assert cli("build", "--content", mini, "--out", site).exit_code == 0
    assert (site / own).is_file() and (site / "teacher" / "report" / "again.html").is_file()
    second.unlink()  # a lesson of few again: the pages go, as from a clean build
    assert cli("build", "--content", mini, "--out", site).exit_code == 0
    assert not (site / own.parent).exists()
    assert cli("build", "--content", mini, "--out", tmp_path / "clean").exit_code == 0
    assert _tree(site) == _tree(tmp_path / "clean")


def test_user_templates_override_packaged_ones(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    (mini / "templates" / "site").mkdir(parents=True)
    (mini / "templates" / "site" / "index.html").write_text(
        '{% extends "default:site/index.html" %}{% block title %}Custom home{% endblock %}'
    )
    assert cli("build", "--content", mini, "--out", tmp_path / "site").exit_code == 0
    assert "<title>Custom home — Mini Lesson</title>" in (tmp_path / "site" / "index.html").read_text()


def test_the_render_reads_none_of_the_caches_that_only_the_checks_fill(tmp_path: Path) -> None:
    """A build empties the caches only the checks read (the report's sentences and dates, the lint's
    readings of answers) before the render's workers fork, which then start that much smaller: the render,
    here in this process, must not fill them again."""
    from primer import memo
    from primer.build import build
    from tools import ROOT

    assert memo._CHECK_ONLY
    build(ROOT / "content", tmp_path / "site", jobs=1, pdf=False)
    filled = {repr(cached): cached.cache_info().currsize for cached in memo._CHECK_ONLY}
    assert set(filled.values()) == {0}, filled


def test_an_output_folder_inside_the_lesson_is_not_taken_for_the_lesson(
    mini: Path, cli: Invoke, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`primer build --content .` from the lesson's folder writes the site into it (`--out site`, the
    default): the next build neither warns of each of its files nor takes them for an edit of the lesson,
    while a folder that is not primer's output is still reported, and an edit still builds."""
    monkeypatch.chdir(mini)
    first = cli("build", "--content", ".", "--no-pdf")
    assert first.exit_code == 0, first.output
    assert (mini / "site" / "index.html").is_file()
    again = cli("build", "--content", ".", "--no-pdf", "--verbose")
    assert again.exit_code == 0, again.output
    assert "does not read" not in again.output
    assert "nothing changed since the last build" in again.output

    (mini / "notes").mkdir()
    (mini / "notes" / "todo.txt").write_text("ask about the map\n", encoding="utf-8")
    (mini / "topics" / ".primer-output").write_text("{}\n", encoding="utf-8")  # never hides the lesson's own
    (mini / "glossary.yaml").write_text((mini / "glossary.yaml").read_text(encoding="utf-8") + "\n")
    edited = cli("build", "--content", ".", "--no-pdf", "--verbose")
    assert edited.exit_code == 0, edited.output
    assert "nothing changed" not in edited.output
    unread = [line for line in edited.output.splitlines() if "does not read this file" in line]
    assert [line.split(":")[0] for line in unread] == ["notes/todo.txt"]
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("title:", "title: Edited", 1), encoding="utf-8")
    changed = cli("build", "--content", ".", "--no-pdf", "--verbose")
    assert changed.exit_code == 0, changed.output
    assert "nothing changed" not in changed.output
    assert "Edited" in (mini / "site" / "topics" / "radars" / "index.html").read_text(encoding="utf-8")


def test_a_folder_primer_reads_content_from_is_never_taken_for_an_output() -> None:
    """`outputs_within` leaves out the folders the loader reads (a stray marker there hides no edit)."""
    from primer.content import LESSON_FOLDERS
    from primer.content.library import _KNOWN

    assert {name for name in _KNOWN if "." not in name} == LESSON_FOLDERS


def test_a_build_without_pdfs_offers_the_teacher_none(mini: Path, tmp_path: Path, cli: Invoke, own_cache: Path) -> None:
    """`--no-pdf` (a quick build, `primer serve`): the teacher's pages neither say that the handouts are ready
    to print as PDF nor show columns of PDFs that were not built; they say to print the web pages."""
    out = tmp_path / "site"
    assert cli("build", "--content", mini, "--out", out, "--no-pdf").exit_code == 0
    hub = html.unescape((out / "teacher" / "index.html").read_text(encoding="utf-8"))
    assert "ready to print as PDF" not in hub and ".pdf" not in hub
    assert "built without the handouts’ PDFs: print their web pages above from your browser" in hub
    page = html.unescape((out / "teacher" / "topics" / "radars.html").read_text(encoding="utf-8"))
    assert "not built" not in page and "PDF, A4" not in page and ".pdf" not in page
    assert "built without their PDFs: print the web pages from your browser" in page
    assert "Teacher, web page" in page


def test_the_site_question_bank_is_the_whole_banks_json_export_itself(
    mini: Path, tmp_path: Path, cli: Invoke, own_cache: Path
) -> None:
    """`exports/question-bank.json` holds the bytes of the whole bank's JSON export, written once: the same file
    under two names (a hard link), in a first build and in a rebuild that takes the export from the last one;
    a build into memory (`primer serve`) holds the same bytes twice."""
    from primer.build import check
    from primer.targets.bank import bank_json
    from primer.write import Output

    out = tmp_path / "site"
    whole, site_bank = out / "exports" / "all" / "question-bank.json", out / "exports" / "question-bank.json"
    topic = mini / "topics" / "radars.yaml"
    for step in range(2):  # a first build, then a rebuild after an edit that leaves the questions as they were
        if step:
            topic.write_text(topic.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), "utf-8")
        assert cli("build", "--content", mini, "--out", out, "--no-pdf").exit_code == 0
        assert site_bank.stat().st_ino == whole.stat().st_ino and site_bank.stat().st_nlink >= 2
        result = check(mini)
        assert site_bank.read_bytes() == bank_json(result.library, result.derived).encode("utf-8")
    memory = Output()
    memory.add("exports/all/question-bank.json", b"{}")
    memory.same_as("exports/question-bank.json", "exports/all/question-bank.json")
    assert memory.get("exports/question-bank.json") == b"{}"
