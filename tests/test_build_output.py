"""Built output: deterministic, links rewritten, raw HTML neutralised."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import Invoke, add_sources


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


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
