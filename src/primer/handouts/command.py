"""`primer handout`: check the content, then write the chosen topics' handouts into a folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from primer.build import CheckResult, check
from primer.handouts import Settings, choose_topics, write_handouts
from primer.render.env import make_env


def handout(
    content: Path, names: list[str], settings: Settings, out: Path, *, strict: bool = False, jobs: int = 1
) -> tuple[CheckResult, list[str]]:
    """Check the content (on up to `jobs` processes) and write the handouts of the named topics ('all':
    every topic) into `out`, on the lesson's paper when `settings` names none. Returns the check's result
    and the files written."""
    result = check(content, strict=strict, jobs=jobs)
    topics = choose_topics(result.library, names)
    if not settings.papers:  # no --paper: the lesson's paper, A4 when it has both
        settings = dataclasses.replace(settings, papers=result.library.site.settings.papers()[:1])
    written = write_handouts(result.library, result.derived, make_env(content / "templates"), topics, settings, out)
    return result, written
