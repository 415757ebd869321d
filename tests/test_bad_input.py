"""Every kind of bad input gives `path:line:col: what — how to fix`, exit 1, no traceback, no output."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tools import Invoke

SITE_OK = (Path(__file__).parent / "data" / "mini" / "site.yaml").read_text(encoding="utf-8")


def _write(content: Path, rel: str, data: str | bytes) -> None:
    path = content / rel
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


def _mini_with(rel: str, old: str, new: str) -> str:
    """The mini lesson's file `rel` with `old` replaced by `new` (once)."""
    text = (Path(__file__).parent / "data" / "mini" / rel).read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


# Each case: (file to write, its content, the exact 'path:line:col: ' prefix, words the message must hold)
CASES = {
    "yaml-syntax": (
        "site.yaml",
        'title: "never closed\nlanguage: en\n',
        "content/site.yaml:1:8: ",
        'YAML syntax error: the quote (") that starts this value is never closed',
    ),
    "tab-indent": ("glossary.yaml", "terms:\n\t- id: x\n", "content/glossary.yaml:2:1: ", "tab character"),
    "duplicate-key": (
        "site.yaml",
        SITE_OK.replace("language: en\n", "language: en\nlanguage: fr\n"),
        "content/site.yaml:5:1: ",
        "duplicate key 'language' (first at line 4)",
    ),
    "wrong-type": (
        "site.yaml",
        SITE_OK.replace("reading_grade: 10", "reading_grade: ten"),
        "content/site.yaml:6:16: ",
        "reading_grade",
    ),
    "missing-field": (
        "site.yaml",
        SITE_OK.replace("title: Mini Lesson\n", ""),
        "content/site.yaml:2:1: ",
        "missing required key 'title'",
    ),
    "unknown-key": (
        "site.yaml",
        SITE_OK.replace("licence:", "licnce:"),
        "content/site.yaml:7:1: ",
        "unknown key 'licnce' in the file — did you mean 'licence'?",
    ),
    "empty-file": ("actors.yaml", "# only a comment\n", "content/actors.yaml:1:1: ", "the file is empty"),
    "not-utf8": ("actors.yaml", b"actors:\n  - name: Caf\xe9\n", "content/actors.yaml:2:14: ", "not valid UTF-8"),
    "binary": ("actors.yaml", b"\x89PNG\r\n\x1a\n\x00\x00", "content/actors.yaml:1:1: ", "binary file"),
    "python-tag": (
        "glossary.yaml",
        "terms: !!python/object/apply:os.system ['echo pwned']\n",
        "content/glossary.yaml:1:8: ",
        "the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    ),
    "custom-tag": (
        "glossary.yaml",
        "terms:\n  - !term {id: x}\n",
        "content/glossary.yaml:2:5: ",
        "the tag '!term' is not allowed",
    ),
    "single-two-correct": (
        "questions/radars.yaml",
        _mini_with(
            "questions/radars.yaml", "{text: In the south, feedback", "{text: In the south, correct: true, feedback"
        ),
        "content/questions/radars.yaml:2:5: ",
        "a single-choice question needs exactly one correct option; this one has 2",
    ),
    "unknown-question-type": (
        "questions/extra.yaml",
        "questions:\n  - id: q\n    type: essay\n",
        "content/questions/extra.yaml:3:11: ",
        "unknown or missing question 'type' — set type: to one of",
    ),
    "dangling-reference": (
        "actors.yaml",
        "actors:\n  - id: ministry\n    name: M\n    kind: organisation\n    role: R\n"
        "    positions:\n      - text: T\n        points: [m-radar-nort]\n",
        "content/actors.yaml:8:18: ",
        "no point has the id 'm-radar-nort' — did you mean 'm-radar-north'?",
    ),
    "duplicate-id": (
        "glossary.yaml",
        "terms:\n  - {id: radar, term: a, category: sensor, definition: d}\n"
        "  - {id: radar, term: b, category: sensor, definition: d}\n"
        "  - {id: thaad, term: T, category: system, definition: d}\n",
        "content/glossary.yaml:3:10: ",
        "duplicate term id 'radar' (first defined at content/glossary.yaml:2)",
    ),
    "paragraph-past-end": (
        "sources/mini-source.yaml",
        _mini_with("sources/mini-source.yaml", "paragraphs: [2]", "paragraphs: [7]"),
        "content/sources/mini-source.yaml:30:18: ",
        "paragraph 7 is past the end of the source, which has 3",
    ),
    "point-without-correction": (
        "sources/mini-source.yaml",
        _mini_with(
            "sources/mini-source.yaml",
            "    correction: Public estimates are far lower.\n    basis: Published estimates.\n",
            "",
        ),
        "content/sources/mini-source.yaml:28:5: ",
        "a point marked 'wrong' needs a 'correction'",
    ),
    "bad-date": (
        "timeline.yaml",
        _mini_with("timeline.yaml", "'2006-06'", "'2006-13'"),
        "content/timeline.yaml:3:11: ",
        "has month 13",
    ),
    "control-character": (
        "questions/radars.yaml",
        _mini_with(
            "questions/radars.yaml",
            "stem: Where was the first radar placed?",
            'stem: "Where was the first\\vradar placed?"',
        ),
        "content/questions/radars.yaml:4:11: ",
        "this value holds the invisible character U+000B, which web pages and the LMS exports cannot carry",
    ),
    "citation-no-link": (
        "topics/radars.yaml",
        _mini_with("topics/radars.yaml", "([Article M](point:m-radar-north))", "([Article M] (point:m-radar-north))"),
        "content/topics/radars.yaml:13:64: ",
        "'point:m-radar-north' reads as a citation, but it is no link: students would see the brackets and the id "
        "as typed — write it as [text](point:m-radar-north), with nothing between ']' and '(' and no space after",
    ),
    "citation-no-link-in-a-stem": (  # the quiz lint said only "a content reference", and to cite in the stem
        "questions/radars.yaml",
        _mini_with(
            "questions/radars.yaml",
            "stem: Where was the first radar placed?",
            "stem: Where was the first radar placed ([Article M] (point:m-radar-north))?",
        ),
        "content/questions/radars.yaml:4:55: ",
        "'point:m-radar-north' reads as a citation, but it is no link: students would see the brackets and the id "
        "as typed — write it as [text](point:m-radar-north), with nothing between ']' and '(' and no space after",
    ),
    "citation-in-plain-text": (
        "topics/radars.yaml",
        _mini_with(
            "topics/radars.yaml", "Radars see missiles from far away.", "Radars see far [M] (point:m-radar-north)."
        ),
        "content/topics/radars.yaml:4:",
        "reads as a citation, but it is no link: students would see the brackets and the id as typed — plain text",
    ),
    "nesting-too-deep": (
        "questions/radars.yaml",
        _mini_with(
            "questions/radars.yaml",
            "stem: Where was the first radar placed?",
            "stem: |\n      Where was it?\n\n" + "".join(f"      {'  ' * i}- level {i}\n" for i in range(10)),
        ),
        "content/questions/radars.yaml:16:25: ",
        "lists and quotes nest too deeply here for the pages to show",
    ),
    "later-than-wrong": (
        "timeline.yaml",
        _mini_with("timeline.yaml", "'2020-06-15'", "'2014-12-20'"),
        "content/timeline.yaml:15:18: ",
        "does not come after 'mini-source' was published",
    ),
}


@pytest.mark.parametrize(
    "written",
    [
        "[Article M]( point:m-radar-north)",  # a space before the target: still a link
        "<point:m-radar-north>",  # an autolink
        "Article M; see (topic: the radars) too",  # a sentence, with no id after the colon
        '[Article M](point:m-radar-north "the point")',  # a link with a title
    ],
)
def test_what_is_a_link_or_a_sentence_is_no_stray_citation(written: str, mini: Path, cli: Invoke) -> None:
    _write(mini, "topics/radars.yaml", _mini_with("topics/radars.yaml", "[Article M](point:m-radar-north)", written))
    result = cli("check", "--content", mini)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_at_its_line(case: str, mini: Path, tmp_path: Path, cli: Invoke) -> None:
    rel, data, prefix, words = CASES[case]
    _write(mini, rel, data)
    out = tmp_path / "site"
    result = cli("build", "--content", mini, "--out", out)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    hits = [line for line in lines if line.startswith(prefix)]
    assert hits, f"expected a line starting {prefix!r}, got:\n{result.stderr}"
    assert any(words in line for line in hits), result.stderr
    assert all(" — " in line for line in lines[:-1]), "every problem line says how to fix it"
    assert "Traceback" not in result.output
    assert lines[-1].startswith("Error: ") and lines[-1].endswith("nothing was written.")
    assert not out.exists(), "a failed build must write nothing"


def test_oversized_file_is_refused_before_parsing(mini: Path, cli: Invoke) -> None:
    _write(mini, "glossary.yaml", "terms:\n" + "# padding\n" * 600_000)
    result = cli("check", "--content", mini)
    assert result.exit_code == 1
    assert "content/glossary.yaml:1:1: the file is 5.7 MB; the limit is 5 MB — split it" in result.stderr


def test_alias_bomb_fails_fast(mini: Path, cli: Invoke) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    _write(mini, "glossary.yaml", "\n".join(lines) + "\n")
    started = time.process_time()
    result = cli("check", "--content", mini)
    assert time.process_time() - started < 5, "expanding a billion laughs must stop early"
    assert result.exit_code == 1
    assert "alias bomb" in result.stderr


def test_recursive_alias_is_an_error(mini: Path, cli: Invoke) -> None:
    _write(mini, "glossary.yaml", "terms: &t\n  - *t\n")
    result = cli("check", "--content", mini)
    assert result.exit_code == 1
    assert "content/glossary.yaml:" in result.stderr


def test_python_tag_is_never_executed(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    marker = tmp_path / "pwned"
    _write(mini, "glossary.yaml", f"terms: !!python/object/apply:os.system ['touch {marker}']\n")
    result = cli("check", "--content", mini)
    assert result.exit_code == 1
    assert not marker.exists()


def test_all_problems_of_all_files_in_one_run(mini: Path, cli: Invoke) -> None:
    _write(mini, "site.yaml", SITE_OK.replace("licence:", "licnce:"))
    _write(mini, "actors.yaml", "")
    _write(mini, "glossary.yaml", "terms:\n\t- x\n")
    result = cli("check", "--content", mini)
    assert result.exit_code == 1
    files = {line.split(":")[0] for line in result.stderr.splitlines()[:-1]}
    assert files == {"content/site.yaml", "content/actors.yaml", "content/glossary.yaml"}


def test_debug_shows_a_traceback(mini: Path, cli: Invoke) -> None:
    _write(mini, "actors.yaml", "")
    result = cli("--debug", "check", "--content", mini)
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "content/actors.yaml:1:1: the file is empty" in result.stderr


def test_positions_deep_in_a_long_file_are_exact(tmp_path: Path) -> None:
    """Every value's and key's place is kept packed in one number (`Document.places`): far down a long
    file and far along a long line, they still come back exact."""
    from primer.content.load import parse_file
    from primer.errors import Problem

    padding = "#\n" * 120_000
    text = f"{padding}a:\n  - x\n  - k: [{'y' * 70_000}, 2]\n    b: |\n      text\n"
    problems: list[Problem] = []
    doc = parse_file(text.encode(), "long.yaml", tmp_path / "long.yaml", problems)
    assert doc is not None and problems == []
    top = 120_001
    assert doc.where(("a",), key=True) == (top, 1)
    assert doc.where(("a",)) == (top + 1, 3)  # the list starts at its first '- '
    assert doc.where(("a", 0)) == (top + 1, 5)
    assert doc.where(("a", 0), key=True) == (top + 1, 5), "a list item has no key: its value's place"
    assert doc.where(("a", 1, "k"), key=True) == (top + 2, 5)
    assert doc.where(("a", 1, "k", 1)) == (top + 2, 70_011)
    assert doc.where(("a", 1, "b"), key=True) == (top + 3, 5)
    assert doc.where(("a", 1, "b", "not", "there")) == (top + 3, 8), "the deepest known place on the way"
    assert doc.has(("a", 1, "b")) and not doc.has(("a", 2)) and not doc.has(("c",))


def test_a_document_keeps_its_places_and_lines_packed_until_a_problem_is_placed_in_it(tmp_path: Path) -> None:
    """A large lesson's places and lines took 70 MB as objects: a document holds them packed, unpacks them
    when a problem is placed in it, and lets go of them again once a few other documents were opened; a
    pickled document (a parse cache entry) never carries them unpacked. The places are the same throughout."""
    import pickle

    from primer.content import load
    from primer.errors import Problem

    def parsed(name: str) -> load.Document:
        text = f"title: {name}\nbody: |\n  First line.\n  Second line says {name}.\nitems:\n  - a\n  - k: 2\n"
        problems: list[Problem] = []
        doc = load.parse_file(text.encode(), f"{name}.yaml", tmp_path / f"{name}.yaml", problems)
        assert doc is not None and problems == []
        return doc

    doc = parsed("first")
    lines = doc.text.decode().splitlines()
    assert doc._open == {} and doc.packed_places and doc.extent() == (7, sum(map(len, lines)))
    assert doc._open == {}, "its extent is counted while it is parsed"
    assert doc.where(("items", 1, "k")) == (7, 8) and doc.has(("body",)) and not doc.has(("nothing",))
    assert doc.within(("body",), 1, "says") == (4, 15)
    assert set(doc._open) == {"places", "lines"}
    copy = pickle.loads(pickle.dumps(doc))
    assert copy._open == {} and copy == doc and copy.where(("items", 1, "k")) == (7, 8)
    others = [parsed(f"other{i}") for i in range(load._OPEN_AT_ONCE)]
    for other in others:
        assert other.where(("title",)) == (1, 8)
    assert doc._open == {}, "let go of once others were opened"
    assert doc.where(("items", 1, "k")) == (7, 8) and doc.within(("body",), 1, "says") == (4, 15)
    assert len(load._OPENED) == load._OPEN_AT_ONCE


def test_a_kinds_files_are_its_yaml_files_and_links_by_name_never_dotfiles_or_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files of a kind whose files are a folder's (`_files`, listed by the entries' kinds as the system gives
    them) are those the plain rule finds: a name that ends in .yaml or .yml and is not a dotfile's, of a file or of
    a link (whatever it points to, or nothing: its load says what is wrong), in the order of their names; a folder
    that is not there, or is a file, has none. A load lists each folder once (`_Builder.listed`)."""
    from primer.content import library

    folder = tmp_path / "sources"
    folder.mkdir()
    for name in ["b.yaml", "a.yml", "A.yaml", "._a.yaml", ".hidden.yml", "c.YAML", "d.yaml.bak", "e.txt", "yaml"]:
        (folder / name).write_text("title: x\n", encoding="utf-8")
    (folder / "dir.yaml").mkdir()
    (folder / "to-file.yaml").symlink_to(folder / "e.txt")
    (folder / "to-dir.yaml").symlink_to(folder / "dir.yaml", target_is_directory=True)
    (folder / "nowhere.yml").symlink_to(folder / "missing")
    (folder / ".link.yaml").symlink_to(folder / "b.yaml")

    def plain(content: Path) -> list[Path]:
        where = content / "sources"
        if not where.is_dir():
            return []
        found = [
            p
            for p in where.iterdir()
            if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and (p.is_file() or p.is_symlink())
        ]
        return sorted(found, key=lambda p: p.name)

    files = library._files(tmp_path, "sources/*.yaml")
    assert files == plain(tmp_path)
    assert [p.name for p in files] == ["A.yaml", "a.yml", "b.yaml", "nowhere.yml", "to-dir.yaml", "to-file.yaml"]
    assert library._files(tmp_path / "nothing", "sources/*.yaml") == []
    (tmp_path / "file").mkdir()
    (tmp_path / "file" / "sources").write_text("", encoding="utf-8")
    assert library._files(tmp_path / "file", "sources/*.yaml") == []

    listings: list[str] = []
    real = library._files
    monkeypatch.setattr(library, "_files", lambda content, pattern: listings.append(pattern) or real(content, pattern))
    builder = library._Builder(tmp_path)
    assert builder.listed("sources/*.yaml") == files and builder.listed("sources/*.yaml") == files
    assert listings == ["sources/*.yaml"]
