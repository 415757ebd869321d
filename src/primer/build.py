"""The whole build in one readable place: load and validate, derive, render targets, write."""

from __future__ import annotations

import contextlib
import contextvars
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from primer import parallel
from primer.cache import REUSED, BuildCache, Reused, build_key, content_digest, source_date_epoch
from primer.checks.names import check_term_names
from primer.checks.readability import check_readability
from primer.content.library import Library, load_library
from primer.derive import Derived, derive
from primer.errors import ContentError, Problem, display_path
from primer.exports import FORMATS, add_exports, export_one
from primer.exports.common import LossReport
from primer.handouts import add_handouts
from primer.quiz.lint import lint
from primer.render.env import check_templates, make_env, template_problem
from primer.report import Report, check_problems, run_report
from primer.targets.bank import bank_json
from primer.targets.site import build_site, template_variables
from primer.write import Output

#: Where the site offers the question bank for download (the teacher hub links it).
BANK_PATH = "exports/question-bank.json"


@dataclass(frozen=True)
class CheckResult:
    """What `primer check` found: the Library, its warnings, and what derives from it."""

    library: Library
    warnings: list[Problem]
    derived: Derived
    #: The provenance and quality report, run once: `check` takes its errors, the site shows it whole.
    report: Report

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


#: How many processes the running build may use (`build(jobs=…)`; the checks read it too).
_JOBS: contextvars.ContextVar[int] = contextvars.ContextVar("jobs", default=1)


def _validate(content: Path, strict: bool) -> CheckResult:
    lib = load_library(content)
    derived = derive(lib)
    # The report runs in a worker while this process lints (both only read the content).
    reporting = parallel.start(partial(run_report, lib, derived, content), _JOBS.get())
    found = [*lib.warnings, *derived.warnings, *lint(lib, derived), *check_readability(lib), *check_term_names(lib)]
    report = reporting.result()
    # the report's error-level findings are warnings here, so that `--strict` fails on them
    warnings = sorted([*found, *check_problems(report)])
    templates = content / "templates"
    template_errors = []
    if templates.is_dir():  # the pages' variables cost a render's worth of context: only for a lesson's own templates
        template_errors = check_templates(
            templates,
            lambda path: display_path(path, content.absolute()),
            template_variables(lib, derived, make_env(templates), report),
        )
    if template_errors or any(w.severity == "error" for w in warnings):  # the question-text lint's errors
        raise ContentError(template_errors + warnings)
    if strict and warnings:
        raise ContentError([Problem(**{**w.__dict__, "severity": "error"}) for w in warnings])
    return CheckResult(lib, warnings, derived, report)


def _exports(result: CheckResult) -> tuple[object, dict[str, bytes]]:
    """The exports (apart from the rest, so that they can be made in a worker): their links and files."""
    own = Output()
    links = add_exports(result.library, result.derived, own)
    return links, {path: own.get(path) or b"" for path in own.paths()}


def _render(result: CheckResult, content: Path, *, pdf: bool = True, jobs: int = 1) -> Output:
    """Every target of the build, in memory (handout PDFs only when `pdf`), on up to `jobs` processes. A
    content pack's template that fails while rendering is reported at its line; any other failure is a bug
    in primer and propagates."""
    templates = content / "templates"
    env = make_env(templates)
    output = Output()
    # The exports go to a worker while this process makes the handouts (whose PDFs have workers of their own).
    exporting = parallel.start(partial(_exports, result), jobs)
    try:
        try:
            env.globals["handouts"] = add_handouts(result.library, result.derived, env, output, pdf=pdf)  # hub links
        finally:
            export_links, export_files = exporting.result()
        for path, data in export_files.items():
            output.add(path, data)
        env.globals["exports"] = export_links  # the teacher hub links them
        build_site(result.library, result.derived, env, output, result.report, jobs)
    except Exception as exc:
        shown = partial(display_path, root=content.absolute())
        problem = template_problem(exc, templates if templates.is_dir() else None, shown)
        if problem is None and isinstance(exc, OSError):  # a template that vanished or cannot be read
            where = shown(Path(exc.filename)) if exc.filename else shown(templates.absolute())
            reason = exc.strerror or str(exc)
            problem = Problem(where, 1, 1, f"cannot read a template ({reason})", "check it exists, then build again")
        if problem is None:
            raise
        raise ContentError([problem]) from exc
    output.add(BANK_PATH, bank_json(result.library, result.derived))
    return output


def preview(content: Path) -> tuple[CheckResult, Output]:
    """Check and render everything in memory for `primer serve`, without PDF handouts (slow to make);
    nothing is written. Raises ContentError like `build`."""
    result = _validate(content, False)
    return result, _render(result, content, pdf=False)


def check(content: Path, *, strict: bool = False) -> CheckResult:
    """Validate all content; raise ContentError on errors (and on warnings when strict). A content
    pack with its own templates is also rendered in memory, since a template can fail only then."""
    result = _validate(content, strict)
    if (content / "templates").is_dir():
        _render(result, content, pdf=False)
    return result


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep the garbage collector from walking the content again and again: paused while loading (which
    makes millions of objects that all stay alive), then with what was loaded set aside ("frozen") while
    rendering. Everything is as before afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def build(
    content: Path,
    out: Path,
    *,
    strict: bool = False,
    clean: bool = False,
    progress: Callable[[str], None] = lambda stage: None,
    jobs: int = 1,
    pdf: bool = True,
    cache: bool = False,
) -> tuple[CheckResult | Reused, Output, list[str]]:
    """Check the content, render every target in memory (on up to `jobs` processes; handout PDFs only
    when `pdf`), then swap the result into `out`; `progress` hears of each stage as it ends. Returns the
    check's result, the output, and the files in `out` that primer kept (not its own).

    With `cache`, a build whose inputs and output folder are exactly as the last build into `out` left
    them reuses it (see `primer.cache`): the result is then a `Reused`, with the warnings and summary."""
    epoch = source_date_epoch()
    store = BuildCache.open(out) if cache else None
    options = {"strict": strict, "pdf": pdf}
    key = build_key(content, options) if store else None
    digest = content_digest(content) if store else None
    if store and key:
        reused = store.again(key, epoch, clean)
        if reused is not None:
            progress(REUSED)
            return reused
        store.forget()
    with _collector_paused():
        token = _JOBS.set(jobs)
        try:
            result = _validate(content, strict)
        finally:
            _JOBS.reset(token)
        progress("checked " + result.summary().removeprefix("ok: "))
        progress("rendering the site, exports and handouts (PDFs take longest) …")
        gc.freeze()
        gc.enable()
        output = _render(result, content, pdf=pdf, jobs=jobs)
    pages = sum(path.endswith(".html") for path in output.paths())
    progress(f"rendered {len(output.paths())} files ({pages} pages)")
    kept = output.commit(out, epoch=epoch, clean=clean)
    progress(f"wrote {out}")
    if store and key and content_digest(content) == digest:  # not edited while it built
        store.save(key, result.summary(), result.warnings, output.paths())
    return result, output, kept


#: Export formats: name → its description, file and renderer (`primer export --list`).
EXPORTS = FORMATS


def export(
    content: Path, fmt: str, topic: str | None, out: Path | None, *, strict: bool = False
) -> tuple[CheckResult, bytes, LossReport]:
    """Check the content and render one export of a topic (None or 'all': the whole bank); write it
    and its loss report beside it to `out` when given. Returns the bytes and the loss report."""
    result = check(content, strict=strict)
    data, report = export_one(result.library, result.derived, fmt, topic, out)
    return result, data, report
