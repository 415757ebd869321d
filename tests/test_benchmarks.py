"""The benchmark's corpus generator writes content that `primer check` accepts.

No timing here: speed and memory are measured by `benchmarks/compare.py`, never by a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools import ROOT, Invoke


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


def test_the_other_generators_get_the_same_pages(tmp_path: Path) -> None:
    """The MkDocs, Hugo and Pelican twins of the corpus hold the same Markdown pages (no tool runs here)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import speed
        from compare import MarkdownSite
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--realistic", "2", str(corpus)], check=True
    )
    twin = MarkdownSite(corpus)
    pages = twin.pages()
    speed.write_mkdocs(pages, twin.site, tmp_path / "mkdocs")
    speed.write_hugo(pages, twin.site, tmp_path / "hugo")
    speed.write_pelican(pages, twin.site, tmp_path / "pelican")
    for folder in (
        tmp_path / "mkdocs" / "docs",
        tmp_path / "hugo" / "content",
        tmp_path / "pelican" / "content" / "pages",
    ):
        assert len(list(folder.rglob("*.md"))) == len(pages), folder
    # each rebuild's edit finds its place in the corpus, and the edited lesson still checks
    for label, (path, where) in speed.edits(corpus).items():
        text = path.read_text(encoding="utf-8")
        assert where in text, label
        path.write_text(text.replace(where, f"{where}Edited, ", 1), encoding="utf-8")
    from primer.build import check

    assert not [w for w in check(corpus).warnings if w.severity == "error"]


def test_the_command_line_starts_without_loading_the_content_models() -> None:
    """`primer --version` and `--help` load click, not pydantic, the renderers or their libraries."""
    heavy = ("pydantic", "jinja2", "markdown_it", "yaml")
    code = f"import sys, primer.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert found.strip() == "[]"
