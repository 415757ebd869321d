"""The README's two commands stay true, and CI runs the test command it gives."""

from __future__ import annotations

import re

from tools import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"```sh\n(.+?)\n```", README)


def test_readme_opens_with_the_two_commands() -> None:
    assert COMMANDS[:2] == ["pip install . && primer build", 'pip install -e ".[test]" && python -m pytest']
    assert README.index("```sh") < README.index("## What primer is")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert COMMANDS[1] in ci.splitlines()


def test_every_command_is_documented() -> None:
    from primer.cli import main

    for name in main.commands:
        assert f"`primer {name}" in README, f"document `primer {name}` in README.md"
