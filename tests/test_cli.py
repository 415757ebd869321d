"""The commands as a user runs them: exit codes, output, and what is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from primer.write import MARKER
from tools import ROOT, Invoke


def test_check_clean_prints_one_summary_line(mini: Path, cli: Invoke) -> None:
    result = cli("check", "--content", mini)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "ok: 1 sources, 3 points, 2 terms, 1 actors, 2 events, 1 places, 1 topics, 9 questions; 0 warnings"
    ]


def test_warnings_pass_unless_strict(mini: Path, cli: Invoke) -> None:
    topic = mini / "topics" / "radars.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("mini-single, mini-tf,", "mini-single,"))
    result = cli("check", "--content", mini)
    assert result.exit_code == 0
    assert "content/questions/radars.yaml:12:9: warning: question 'mini-tf' is in no topic's quiz" in result.stderr
    strict = cli("check", "--strict", "--content", mini)
    assert strict.exit_code == 1
    assert "content/questions/radars.yaml:12:9: question 'mini-tf' is in no topic's quiz" in strict.stderr


def test_build_replaces_its_own_files_and_keeps_the_users(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "site"
    first = cli("build", "--content", mini, "--out", out)
    assert first.exit_code == 0, first.output
    assert (out / "index.html").is_file()
    assert (out / "sources" / "mini-source.html").is_file()
    # A page an earlier build wrote (the marker lists it) that this build no longer writes …
    marker = json.loads((out / MARKER).read_text())
    (out / "stale.html").write_text("left over")
    (out / MARKER).write_text(json.dumps({**marker, "files": [*marker["files"], "stale.html"]}))
    # … and files the user added after the build.
    (out / "CNAME").write_text("lesson.example.org\n")
    (out / "notes").mkdir()
    (out / "notes" / "period-3.txt").write_text("collect receipts")
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    result = cli("build", "--content", mini, "--out", out)
    assert result.exit_code == 0
    assert "kept 3 files primer did not write" in result.stdout
    assert not (out / "stale.html").exists()
    assert (out / "CNAME").read_text() == "lesson.example.org\n"
    assert (out / "notes" / "period-3.txt").read_text() == "collect receipts"
    assert (out / ".git" / "HEAD").exists()
    assert "CNAME" not in json.loads((out / MARKER).read_text())["files"]
    # --clean drops what primer did not write, except dotfiles.
    assert cli("build", "--content", mini, "--out", out, "--clean").exit_code == 0
    assert not (out / "CNAME").exists() and not (out / "notes").exists()
    assert (out / ".git" / "HEAD").exists()


def test_failed_build_leaves_previous_site_untouched(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    out = tmp_path / "site"
    assert cli("build", "--content", mini, "--out", out).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (mini / "actors.yaml").write_text("actors: []\n")
    assert cli("build", "--content", mini, "--out", out).exit_code == 1
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "site"], "no staging folder left behind"


def test_build_refuses_to_replace_a_folder_it_did_not_write(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    result = cli("build", "--content", mini, "--out", precious)
    assert result.exit_code == 1
    assert "refusing to replace precious/" in result.stderr
    assert (precious / "thesis.txt").read_text() == "years of work"


def test_missing_content_folder(tmp_path: Path, cli: Invoke) -> None:
    result = cli("check", "--content", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "the content folder does not exist" in result.stderr


def test_missing_site_yaml(mini: Path, cli: Invoke) -> None:
    (mini / "site.yaml").unlink()
    result = cli("check", "--content", mini)
    assert result.exit_code == 1
    assert "content/site.yaml:1:1: site.yaml is missing" in result.stderr


def test_bad_command_line_exits_2(cli: Invoke) -> None:
    assert cli("check", "--no-such-option").exit_code == 2
    assert cli("no-such-command").exit_code == 2


def test_every_command_that_checks_takes_jobs(mini: Path, tmp_path: Path, cli: Invoke) -> None:
    """The commands that check the content first check on as many processes as --jobs says (see
    test_parallel for what they find there), and refuse fewer than one."""
    summary = "ok: 1 sources, 3 points, 2 terms, 1 actors, 2 events, 1 places, 1 topics, 9 questions; 0 warnings"
    assert cli("check", "--content", mini, "-j", "2").stdout.splitlines() == [summary]
    assert cli("check", "--content", mini, "--jobs", "1").stdout.splitlines() == [summary]
    assert cli("report", "--content", mini, "-j", "2", "--format", "json").exit_code == 0
    assert cli("export", "--content", mini, "-j", "2", "--format", "gift").exit_code == 0
    assert (
        cli("handout", "all", "--content", mini, "-j", "2", "--format", "html", "--out", tmp_path / "h").exit_code == 0
    )
    for command in ("check", "report", "export", "handout", "build"):
        refused = cli(command, "--content", mini, "--jobs", "0")
        assert refused.exit_code == 2 and "--jobs" in refused.stderr, command


def test_schema_command_writes_one_schema_per_kind(tmp_path: Path, cli: Invoke) -> None:
    result = cli("schema", "--out", tmp_path / "schema")
    assert result.exit_code == 0
    names = sorted(p.name for p in (tmp_path / "schema").glob("*.json"))
    assert names == [
        f"{k}.schema.json"
        for k in sorted(
            ["site", "source", "glossary", "actors", "timeline", "places", "topic", "questions", "bank", "report"]
        )
    ]


def test_python_dash_m_runs_the_cli(mini: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "primer", "check", "--content", str(mini)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: ")


def test_the_program_ends_at_once_after_a_build_yet_says_everything(mini: Path, tmp_path: Path) -> None:
    """`build` and `check` end the process without freeing the lesson object by object (`cli.entry`); what
    they print, to a pipe too, and their exit code are as before."""

    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "primer", *map(str, args)], capture_output=True, text=True, check=False, timeout=300
        )

    built = run("build", "--content", mini, "--out", tmp_path / "site", "--no-pdf", "--jobs", "1")
    assert built.returncode == 0, built.stderr
    files = [p for p in (tmp_path / "site").rglob("*") if p.is_file() and p.name != ".primer-output"]
    assert built.stdout.strip().splitlines()[-1] == f"built {len(files)} files into {tmp_path / 'site'}"
    assert (tmp_path / "site" / "index.html").is_file()
    (mini / "glossary.yaml").write_text("terms: [\n", encoding="utf-8")
    failed = run("check", "--content", mini)
    assert failed.returncode == 1
    assert failed.stderr.startswith("content/glossary.yaml:"), failed.stderr
    assert "Traceback" not in failed.stderr
    version = run("--version")  # a command that does not end that way
    assert version.returncode == 0 and version.stdout.startswith("primer, version")


#: Runs the `primer` program as `python -m primer` does, telling a file of each collection of the oldest
#: generation once the build has started (in this process or a worker forked from it).
_COUNTING_FULL_COLLECTIONS = """
import gc, sys
told, content, out = sys.argv[1:4]
started = []
def record(phase, info):
    if started and phase == "stop" and info["generation"] == 2:
        with open(told, "a", encoding="utf-8") as f:
            f.write("full\\n")
import primer.build, primer.cli
original = primer.build.build
def build(*args, **kwargs):
    started.append(True)
    return original(*args, **kwargs)
primer.build.build = build
gc.callbacks.append(record)
sys.argv = ["primer", "build", "--content", content, "--out", out, "--no-pdf", "-q"]
primer.cli.entry()
"""


def test_the_program_never_collects_in_full_while_it_builds_yet_a_test_process_does(
    tmp_path: Path, cli: Invoke
) -> None:
    """A build's processes keep what they read as they render, and each full collection walked all of it
    (at 1,024 topics, 5.7 s of a core): the program ends with the build and collects only the young
    generations (`cli._quick_exit`). The shipped lesson's build collected in full once before."""
    import gc

    from primer import cli as cli_mod

    told = tmp_path / "full-collections"
    proc = subprocess.run(
        [sys.executable, "-c", _COUNTING_FULL_COLLECTIONS, str(told), str(ROOT / "content"), str(tmp_path / "site")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "PRIMER_CACHE_DIR": "off"},
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert not told.exists(), f"{len(told.read_text().splitlines())} full collections during the build"
    # a command run in a process that goes on (a test, an editor's plugin) leaves its collector as it was
    thresholds = gc.get_threshold()
    assert cli("check", "--content", ROOT / "content").exit_code == 0
    assert gc.get_threshold() == thresholds and thresholds[2] != cli_mod.NEVER
