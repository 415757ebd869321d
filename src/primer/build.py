"""The whole build in one readable place: load and validate, derive, render targets, write."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from primer.checks.readability import check_readability
from primer.content.library import Library, load_library
from primer.derive import Derived, derive
from primer.errors import ContentError, Problem
from primer.quiz.lint import lint
from primer.render.env import make_env
from primer.targets.bank import bank_json
from primer.targets.site import build_site
from primer.write import Output, write_file

#: Where the site offers the question bank for download (the teacher hub links it).
BANK_PATH = "exports/question-bank.json"


@dataclass(frozen=True)
class CheckResult:
    """What `primer check` found: the Library, its warnings, and what derives from it."""

    library: Library
    warnings: list[Problem]
    derived: Derived = field(default_factory=Derived)

    def summary(self) -> str:
        """One line: what was checked, and how many warnings."""
        lib = self.library
        counts = (
            f"{len(lib.sources)} sources, {len(lib.points)} points, {len(lib.terms)} terms, "
            f"{len(lib.actors)} actors, {len(lib.events)} events, {len(lib.places)} places, "
            f"{len(lib.topics)} topics, {len(lib.questions)} questions"
        )
        warned = f"{len(self.warnings)} warning{'s' * (len(self.warnings) != 1)}"
        return f"ok: {counts}; {warned}"


def check(content: Path, *, strict: bool = False) -> CheckResult:
    """Validate all content; raise ContentError on errors (and on warnings when strict)."""
    lib = load_library(content)
    derived = derive(lib)
    warnings = sorted([*lib.warnings, *derived.warnings, *lint(lib, derived), *check_readability(lib)])
    if strict and warnings:
        raise ContentError([Problem(**{**w.__dict__, "severity": "error"}) for w in warnings])
    return CheckResult(lib, warnings, derived)


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH from the environment, the only clock a build may read."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    return int(value) if value and value.isdigit() else None


def build(content: Path, out: Path, *, strict: bool = False) -> tuple[CheckResult, Output]:
    """Check the content, render every target in memory, then swap the result into `out`."""
    result = check(content, strict=strict)
    env = make_env(content / "templates")
    output = Output()
    build_site(result.library, result.derived, env, output)
    output.add(BANK_PATH, bank_json(result.library, result.derived))
    output.commit(out, epoch=source_date_epoch())
    return result, output


#: Export formats: name → function from the checked content to the file's text.
EXPORTS = {"json": bank_json}


def export(content: Path, fmt: str, out: Path | None, *, strict: bool = False) -> tuple[CheckResult, str]:
    """Check the content and render one export; write it to `out` when given. Returns the text."""
    result = check(content, strict=strict)
    text = EXPORTS[fmt](result.library, result.derived)
    if out is not None:
        write_file(out, text)
    return result, text
