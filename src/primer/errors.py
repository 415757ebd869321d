"""One error type for author mistakes: every problem knows its file, line and column."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import click

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, at a place, with how to fix it."""

    path: str
    line: int
    col: int
    message: str
    fix: str = ""
    severity: Severity = "error"

    def format(self) -> str:
        """`path:line:col: what is wrong — how to fix it` (warnings say so)."""
        label = "warning: " if self.severity == "warning" else ""
        text = f"{self.path}:{self.line}:{self.col}: {label}{self.message}"
        return f"{text} — {self.fix}" if self.fix else text


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as the author should see it: relative to `root`'s parent when possible, with '/'."""
    if root is not None:
        try:
            return path.relative_to(root.parent).as_posix()
        except ValueError:
            pass
    return path.as_posix()


class ContentError(click.ClickException):
    """Raised when content has problems; prints one line per problem and exits 1."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        summary = f"{errors} error{'s' * (errors != 1)}"
        if warnings:
            summary += f", {warnings} warning{'s' * (warnings != 1)}"
        super().__init__(summary)

    def show(self, file: IO[str] | None = None) -> None:
        """Print every problem on its own line, then the count; nothing else."""
        for problem in self.problems:
            click.echo(problem.format(), file=file, err=True)
        click.echo(f"Error: {self.message}; nothing was written.", file=file, err=True)


def no_content_folder(content: Path) -> ContentError:
    """The error of a command given a content folder that does not exist."""
    return ContentError([Problem(str(content), 1, 1, "the content folder does not exist", "pass --content DIR")])


#: Where to report a bug in primer.
REPORT_TO = "the project's issue tracker"


class BugError(click.ClickException):
    """An unexpected failure inside primer: one line that says so, where the traceback is, how to report it."""

    exit_code = 1


def bug(exc: BaseException, *, debug: bool = False) -> BugError:
    """Save the traceback of an unexpected exception to a file and describe it in one line."""
    text = "".join(traceback.format_exception(exc))
    if debug:
        sys.stderr.write(text)
    try:
        handle, name = tempfile.mkstemp(prefix="primer-bug-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        saved = f"the traceback is in {name}"
    except OSError:
        saved = "run again with --debug to see the traceback"
    what = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    return BugError(
        f"this is a bug in primer, not in your content ({what}); {saved} — please report it to {REPORT_TO} "
        "with that file (nothing was written)"
    )


class Interrupted(click.ClickException):
    """The user stopped primer (Ctrl-C); whatever it was writing was left as it was before."""

    exit_code = 130
