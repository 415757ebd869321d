"""`primer export` for every format (--list, --topic, --out, the loss report beside the file and its
summary), bad command lines, and `primer build` writing every export with the teacher hub linking them."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from primer.exports import FORMATS
from tools import Invoke


def test_list_prints_one_line_per_format(cli: Invoke) -> None:
    result = cli("export", "--list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(FORMATS)
    assert all(len(line.split(None, 1)) == 2 for line in lines)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_writes_its_file_and_loss_report(fmt: str, mini: Path, tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "out" / f"radars.{fmt}"
    result = cli("export", "--format", fmt, "--topic", "radars", "--content", mini, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {fmt} export into {out}\n"
    assert out.stat().st_size > 0
    loss = out.with_name(out.name + ".loss.txt")
    if FORMATS[fmt].lossy:
        assert result.stderr.startswith(f"{loss.read_text(encoding='utf-8').splitlines()[2]}\n")
        summary = r"[\w ]+: \d+ questions( and \d+ glossary cards)? exported; \d+ could not be carried"
        assert re.match(summary, result.stderr)
    else:
        assert not loss.exists() and result.stderr == ""
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name] + ([loss.name] if loss.exists() else []))


def test_text_formats_go_to_standard_output(mini: Path, cli: Invoke) -> None:
    result = cli("export", "--format", "gift", "--content", mini)
    assert result.exit_code == 0
    assert result.stdout.startswith("// ")
    assert "::mini-single::" in result.stdout
    assert result.stderr.startswith("GIFT: ")
    assert cli("export", "--format", "gift", "--content", mini, "--topic", "all").stdout == result.stdout


def test_bad_command_lines_say_what_to_do(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    wrong = cli("export", "--format", "moodel", "--content", mini)
    assert wrong.exit_code == 2
    assert "unknown format 'moodel' — did you mean 'moodle'?" in wrong.stderr
    topic = cli("export", "--format", "gift", "--topic", "radar", "--content", mini)
    assert topic.exit_code == 2
    assert "no topic 'radar' — did you mean 'radars'?" in topic.stderr
    binary = cli("export", "--format", "qti", "--content", mini)
    assert binary.exit_code == 2 and "name it with --out FILE" in binary.stderr
    missing = cli("export", "--content", mini)
    assert missing.exit_code == 2 and "--format" in missing.stderr


def test_an_unwritable_out_is_one_line_and_writes_nothing(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    result = cli("export", "--format", "moodle", "--content", mini, "--out", blocker / "quiz.xml")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and "cannot write quiz.xml" in result.stderr
    assert blocker.read_text() == "a file, not a folder"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def test_build_writes_every_export_and_the_teacher_hub_links_each(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "site"
    assert cli("build", "--content", mini, "--out", out).exit_code == 0
    exports = sorted(p.relative_to(out).as_posix() for p in (out / "exports").rglob("*") if p.is_file())
    for scope, name in (("all", "question-bank"), ("radars", "radars")):
        for fmt in FORMATS.values():
            assert f"exports/{scope}/{name}{fmt.suffix}" in exports
            assert (f"exports/{scope}/{name}-{fmt.name}-loss.txt" in exports) == fmt.lossy
    parser = _Links()
    hub = (out / "teacher" / "index.html").read_text(encoding="utf-8")
    parser.feed(hub)
    linked = {href.removeprefix("../") for href in parser.hrefs if "exports/" in href}
    files = {p for p in exports if not p.endswith("-loss.txt") or p.startswith("exports/all/")}
    assert files <= linked, "the hub links every export, and the whole lesson's loss report per format"
    assert all((out / path).is_file() for path in linked)
    for fmt in FORMATS.values():
        assert fmt.how in hub.replace("&#39;", "'").replace("&amp;", "&")
    assert "download>How radars work</a>" in hub, "a link per topic, named by its title"


def test_every_export_is_byte_identical_from_build_to_build(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for out in (one, two):
        assert cli("build", "--content", mini, "--out", out).exit_code == 0
    files = sorted(p.relative_to(one) for p in (one / "exports").rglob("*") if p.is_file())
    assert any(p.suffix in (".zip", ".apkg", ".xlsx") for p in files)
    assert [p for p in files if (one / p).read_bytes() != (two / p).read_bytes()] == []
