"""The command line: parse options, call one function, report. No logic lives here.

Each command imports what it needs when it runs: loading the content models, the renderers and their
libraries takes seconds, which `primer --version` or `--help` should not pay.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from primer import __version__
from primer.errors import Interrupted, bug
from primer.progress import Mode, Progress

if TYPE_CHECKING:
    from primer.build import CheckResult
    from primer.cache import Reused
    from primer.write import Output

CONTENT = click.option(
    "--content",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("content"),
    show_default=True,
    help="Folder holding site.yaml, sources/, topics/ …",
)


def _one_of(choices: Callable[[], Sequence[str]], unknown: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback that takes a value from `choices()`, or exits 2 with a did-you-mean (`unknown`
    starts the message, e.g. 'unknown format')."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or value in choices():
            return value
        close = difflib.get_close_matches(value, list(choices()), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise click.BadParameter(f"{unknown} '{value}' — {hint}choose one of {', '.join(choices())}")

    return check


def _export_formats_in_order() -> list[str]:
    from primer import exports

    return list(exports.FORMATS)


def _export_formats() -> list[str]:
    return sorted(_export_formats_in_order())


def _import_kinds() -> Sequence[str]:
    from primer import importer

    return importer.KINDS


def _new_kinds() -> Sequence[str]:
    from primer import scaffold

    return scaffold.KINDS_NEW


class _LateHelp(click.Option):
    """An option whose help text is made only when help is shown (it names what a module defines)."""

    def __init__(self, *args: Any, late_help: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.late_help = late_help

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = self.late_help()
        return super().get_help_record(ctx)


STRICT = click.option("--strict", is_flag=True, help="Treat warnings as errors.")


def _jobs(doing: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The --jobs option of a command that checks the content (`doing`: what the processes do)."""
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help=f"Processes to {doing} with [default: the number of processors].",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="primer")
@click.option("--debug", is_flag=True, help="Show a traceback for content errors too.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Turn sourced article summaries in YAML into a lesson: site, quizzes, handouts, exports."""
    ctx.obj = {"debug": debug}


#: Whether the process may end without freeing its objects one by one (see `entry`): set by the commands
#: that hold a whole lesson when they end, and start no thread or process that outlives them.
_QUICK_EXIT: list[bool] = []
#: Set by `entry`: this process is the `primer` program, which ends with its command (a test calls `main`).
_PROGRAM: list[bool] = []
#: A threshold of the oldest generation's collections that no command reaches (see `_quick_exit`).
NEVER = 1 << 30


def _quick_exit() -> None:
    """The command ends the process as soon as it is done (see `entry`), and, in the `primer` program, never
    collects the oldest generation meanwhile, in its own process or the workers it forks, only the young
    ones. The lesson is frozen out of the collector's sight once checked (`build.collector_paused`), but
    what the render's processes keep as they go (parsed texts, outlines, search entries) is not: each full
    collection walked all of it again, and they came the more often the more was kept. At 1,024 topics, 70
    of them cost 5.7 s of a core (29 in one worker, up to 0.3 s each, each finding next to nothing), 9
    to 13 times what they cost at 256 topics for 4 times the content. The young collections still free the
    cycles a page leaves behind; the few the full ones would have found go when the process ends."""
    _QUICK_EXIT.append(True)
    if _PROGRAM:
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)


def entry() -> None:
    """The `primer` program (and `python -m primer`): `main`, then, after `build` or `check`, the process ends
    as soon as its output is flushed. Python would otherwise free the lesson's millions of objects one by
    one first, which took 0.9 s of a 256-topic build; the system frees the memory at once."""
    # primer parallels with processes and does no linear algebra: numpy's OpenBLAS would start a thread per
    # processor on import, which spins 0.1 s of CPU for nothing (the map and the lint import numpy)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _PROGRAM.append(True)
    try:
        main()
    except SystemExit as exc:
        if not _QUICK_EXIT:
            raise
        code = exc.code
        if not isinstance(code, int):
            if code is not None:
                print(code, file=sys.stderr)
            code = 0 if code is None else 1
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
                stream.flush()
        os._exit(code)


def _report_warnings(result: CheckResult | Reused) -> None:
    for warning in result.warnings:
        click.echo(warning.format(), err=True)


def _run(ctx: click.Context, func: Callable[[], None]) -> None:
    """Call `func`: an error is one line (with --debug, also its traceback); an unexpected exception
    is one line saying it is a bug in primer; Ctrl-C leaves the output as it was."""
    debug = bool(ctx.find_root().obj.get("debug"))
    try:
        func()
    except click.ClickException:
        if debug:
            traceback.print_exc()
        raise
    except KeyboardInterrupt:
        raise Interrupted("interrupted — nothing was changed") from None
    except Exception as exc:
        raise bug(exc, debug=debug) from exc


@main.command()
@CONTENT
@STRICT
@click.option(
    "--explain-generated",
    is_flag=True,
    help="Also list, per topic, each generator's candidate questions and why each was chosen or skipped.",
)
@_jobs("check")
@click.pass_context
def check(ctx: click.Context, content: Path, strict: bool, explain_generated: bool, jobs: int | None) -> None:
    """Validate all content; print one summary line when it is clean."""

    def go() -> None:
        from primer.cache import CheckRecord

        # The last passing check's result, looked up before loading the rest of primer, which costs more than a
        # check that has nothing to do (never for --explain-generated, which reads the lesson itself).
        record = None if explain_generated else CheckRecord.open(content, strict)
        reused = record.load() if record is not None else None
        if reused is not None:
            _report_warnings(reused)
            click.echo(reused.summary())
            return

        from primer import build as build_mod
        from primer.parallel import cores

        _quick_exit()
        result = build_mod.check(content, strict=strict, jobs=jobs or cores(), record=record)
        _report_warnings(result)
        if explain_generated:
            from primer.quiz.explain import explain

            click.echo("\n".join(explain(result.library, result.derived)))
        click.echo(result.summary())

    _run(ctx, go)


def _watch(
    ctx: click.Context,
    content: Path,
    out: Path,
    *,
    strict: bool,
    clean: bool,
    mode: Mode,
    jobs: int | None,
    pdf: bool,
    built: Callable[..., None],
) -> None:
    """`primer build --watch` (see `primer.watch`): Ctrl-C ends it, with the last good build in `out`."""
    from primer import build as build_mod
    from primer.content.library import ParseCache
    from primer.parallel import cores
    from primer.report.helper import helping
    from primer.watch import Built, watch

    jobs_used = jobs or cores()

    def go() -> None:
        with helping(content, jobs_used) as helper:

            def one(parsed: ParseCache, progress: Progress, later: list[Callable[[], None]]) -> Built:
                made = build_mod.build(
                    content, out, strict=strict, clean=clean, progress=progress, jobs=jobs_used, pdf=pdf, cache=True,
                    parse_cache=parsed, record_later=later,
                )  # fmt: skip
                if helper is not None:  # it loads the lesson once the first build is written (then does nothing)
                    later.append(helper.warm)
                return made

            watch(
                content,
                out,
                one,
                built=lambda made, took: built(*made, took=took),
                progress=lambda: Progress(mode),
                warm=lambda parsed: build_mod.check_for_watch(content, strict, jobs_used, parsed, out, pdf),
                # a save: the helper loads the lesson as this process does (once warm)
                saving=helper.begin if helper is not None else None,
                echo=click.echo,
                debug=bool(ctx.find_root().obj.get("debug")),
            )

    _run(ctx, go)


@main.command()
@CONTENT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "json"]),
    default="text",
    show_default=True,
    help="text: a summary and one line per finding; html: the teacher hub's report page; json: see schema/.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when the report has error-level findings.")
@_jobs("check")
@click.pass_context
def report(ctx: click.Context, content: Path, fmt: str, strict: bool, jobs: int | None) -> None:
    """Report on provenance, keys, coverage, consistency, balance, loaded words and the quizzes."""

    def go() -> None:
        from primer.cache import ReportRecord

        # the last report on the same bytes, looked up before loading the rest of primer (see `check`)
        record = ReportRecord.open(content, fmt)
        kept = record.load() if record is not None else None
        if kept is not None:
            text, errors = kept
        else:
            from primer import report as report_mod
            from primer.parallel import cores

            found, text = report_mod.make(content, fmt, jobs or cores())
            errors = found.totals.errors
            if record is not None:
                record.save(text, errors)
        click.echo(text, nl=False)
        if strict and errors:
            from primer.report import ReportErrors

            raise ReportErrors(errors)

    _run(ctx, go)


@main.command()
@CONTENT
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("site"),
    show_default=True,
    help="Folder to write the site into (primer's files are replaced; others are kept).",
)
@STRICT
@click.option(
    "--clean",
    is_flag=True,
    help="Remove files in --out that primer did not write (dotfiles such as .git are always kept).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only problems: no progress, no summary.")
@click.option("--verbose", "-v", is_flag=True, help="Print each stage with its time, even when not on a terminal.")
@_jobs("check and render")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF handouts (the HTML handouts are still made).")
@click.option(
    "--watch",
    is_flag=True,
    help="Then build again each time the content changes, until Ctrl-C (errors are shown; --out keeps the last "
    "good build).",
)
@click.pass_context
def build(
    ctx: click.Context,
    content: Path,
    out: Path,
    strict: bool,
    clean: bool,
    quiet: bool,
    verbose: bool,
    jobs: int | None,
    no_pdf: bool,
    watch: bool,
) -> None:
    """Check the content, then write the site into --out, keeping files primer did not write.
    When nothing changed since the last build into --out, nothing is redone."""
    mode: Mode = "quiet" if quiet else "verbose" if verbose else "auto"
    progress = Progress(mode)

    def built(result: CheckResult | Reused, output: Output, kept: list[str], took: float | None = None) -> None:
        _report_warnings(result)
        extra = f"; kept {len(kept)} file{'s' * (len(kept) != 1)} primer did not write" if kept else ""
        if quiet:
            return
        if took is None:
            click.echo(f"built {len(output.paths())} files into {out}{extra}")
            return
        from primer.cache import Reused

        if isinstance(result, Reused):
            click.echo(f"nothing changed since the last build into {out}")
        else:
            click.echo(f"built {len(output.paths())} files into {out} in {took:.2f} s{extra}")

    if watch:
        _watch(ctx, content, out, strict=strict, clean=clean, mode=mode, jobs=jobs, pdf=not no_pdf, built=built)
        return

    def go() -> None:
        from primer.cache import REUSED, reuse, source_date_epoch

        # Checked before loading the rest of primer, which costs more than a build that has nothing to do.
        reused = reuse(content, out, strict=strict, pdf=not no_pdf, clean=clean, epoch=source_date_epoch())
        if reused is not None:
            progress(REUSED)
            built(*reused)
            return

        from primer import build as build_mod
        from primer.parallel import cores

        _quick_exit()
        jobs_used = jobs or cores()
        pdf = not no_pdf
        built(
            *build_mod.build(
                content, out, strict=strict, clean=clean, progress=progress, jobs=jobs_used, pdf=pdf, cache=True
            )
        )

    _run(ctx, go)


@main.command()
@CONTENT
@click.option(
    "--format",
    "fmt",
    metavar="FORMAT",
    callback=_one_of(_export_formats, "unknown format"),
    cls=_LateHelp,
    late_help=lambda: "What to export: " + ", ".join(_export_formats_in_order()) + " (see --list).",
)
@click.option("--topic", metavar="ID", default=None, help="A topic's id, or all for the whole bank (the default).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write (its loss report goes beside it); text formats go to standard output by default.",
)
@click.option("--list", "list_formats", is_flag=True, help="List the formats, one line each, and stop.")
@STRICT
@_jobs("check")
@click.pass_context
def export(
    ctx: click.Context,
    content: Path,
    fmt: str | None,
    topic: str | None,
    out: Path | None,
    list_formats: bool,
    strict: bool,
    jobs: int | None,
) -> None:
    """Check the content, then export a topic's quiz or the whole bank for Canvas, Moodle, Anki, Kahoot …"""
    from primer import exports

    if list_formats:
        click.echo(exports.format_list(), nl=False)
        return
    if fmt is None:
        raise click.UsageError("Missing option '--format' (see --list)")

    def go() -> None:
        from primer import build as build_mod
        from primer.parallel import cores

        result, data, report = build_mod.export(content, fmt, topic, out, strict=strict, jobs=jobs or cores())
        _report_warnings(result)
        if out is None:
            click.echo(data, nl=False)
        else:
            click.echo(f"wrote {fmt} export into {out}")
        if exports.FORMATS[fmt].lossy:
            click.echo(report.summary(), err=True)

    _run(ctx, go)


@main.command()
@CONTENT
@click.argument("topics", nargs=-1, metavar="TOPIC…")
@click.option("--topic", "more", multiple=True, help="A topic's id (repeatable), or all; the same as TOPIC….")
@click.option("--versions", type=click.IntRange(1, 26), default=3, show_default=True, help="Versions A, B, C …")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the shuffles (the site's quizzes use 1).")
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"]),
    help="PDF paper size [default: the lesson's settings.paper; a4 when it is both].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "html", "both"]),
    default="both",
    show_default=True,
    help="PDF files, web pages, or both.",
)
@click.option(
    "--edition",
    type=click.Choice(["student", "teacher", "both"]),
    default="both",
    show_default=True,
    help="A sheet per version for students; one edition with keys and plan for the teacher.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("handouts"),
    show_default=True,
    help="Folder to write the handouts into.",
)
@STRICT
@_jobs("check")
@click.pass_context
def handout(
    ctx: click.Context,
    content: Path,
    topics: tuple[str, ...],
    more: tuple[str, ...],
    versions: int,
    seed: int,
    paper: str | None,
    fmt: str,
    edition: str,
    out: Path,
    strict: bool,
    jobs: int | None,
) -> None:
    """Check the content, then write printable handouts of topics: student and teacher editions, versions A, B, C …"""
    from primer import handouts
    from primer.handouts import command as handout_command

    settings = handouts.Settings(
        versions=versions,
        seed=seed,
        papers=(paper,) if paper else (),
        editions=("student", "teacher") if edition == "both" else (edition,),
        formats=("pdf", "html") if fmt == "both" else (fmt,),
    )

    def go() -> None:
        from primer.parallel import cores

        result, written = handout_command.handout(
            content, [*topics, *more], settings, out, strict=strict, jobs=jobs or cores()
        )
        _report_warnings(result)
        click.echo(f"wrote {len(written)} handout files into {out}")

    _run(ctx, go)


@main.command("import")
@click.argument("kind", metavar="gift|moodle", callback=_one_of(_import_kinds, "unknown kind"))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("imported"),
    show_default=True,
    help="Folder to write the question YAML and the import report into.",
)
@click.pass_context
def import_(ctx: click.Context, kind: str, file: Path, out: Path) -> None:
    """Turn a GIFT or Moodle XML question bank into primer question YAML, with a report."""

    def go() -> None:
        from primer import importer

        written, report = importer.import_bank(kind, file, out)
        click.echo(report.summary(), err=True)
        click.echo(f"wrote {len(written)} questions into {out}")

    _run(ctx, go)


@main.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("schema"),
    show_default=True,
    help="Folder to write one JSON Schema per content file kind into.",
)
@click.pass_context
def schema(ctx: click.Context, out: Path) -> None:
    """Write a JSON Schema per content file kind, for editor autocompletion."""

    def go() -> None:
        from primer.schema import schema_files
        from primer.write import Output

        output = Output()
        for name, text in sorted(schema_files().items()):
            output.add(name, text)
        output.commit(out)
        click.echo(f"wrote {len(output.paths())} schemas into {out}")

    _run(ctx, go)


@main.command()
@click.argument("kind", metavar="lesson|source|topic|questions", callback=_one_of(_new_kinds, "cannot make"))
@click.argument("name")
@CONTENT
@click.pass_context
def new(ctx: click.Context, kind: str, name: str, content: Path) -> None:
    """Start a lesson in the folder NAME, or add a source, topic or questions file called NAME to --content."""

    def go() -> None:
        from primer import scaffold

        written = scaffold.new(kind, name, content)
        if kind == "lesson":
            click.echo(f"wrote a starter lesson into {name} ({len(written)} files); next: cd {name} && primer serve")
        else:
            click.echo(f"wrote {written[0]}")

    _run(ctx, go)


@main.command()
@CONTENT
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in the web browser.")
@click.pass_context
def serve(ctx: click.Context, content: Path, port: int, open_browser: bool) -> None:
    """Preview the lesson: build, serve on 127.0.0.1, rebuild and reload pages on every change."""
    from primer.serve import serve as serve_lesson  # watchfiles is loaded only when serving

    _run(ctx, lambda: serve_lesson(content, port, open_browser=open_browser))


if __name__ == "__main__":  # pragma: no cover
    entry()
