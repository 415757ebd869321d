"""The command line: parse options, call one function, report. No logic lives here."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from primer import __version__
from primer import build as build_mod
from primer.schema import schema_files
from primer.write import Output

CONTENT = click.option(
    "--content",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("content"),
    show_default=True,
    help="Folder holding site.yaml, sources/, topics/ …",
)
STRICT = click.option("--strict", is_flag=True, help="Treat warnings as errors.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="primer")
@click.option("--debug", is_flag=True, help="Show a traceback for content errors too.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Turn sourced article summaries in YAML into a lesson: site, quizzes, handouts, exports."""
    ctx.obj = {"debug": debug}


def _report_warnings(result: build_mod.CheckResult) -> None:
    for warning in result.warnings:
        click.echo(warning.format(), err=True)


def _run(ctx: click.Context, func: Callable[[], None]) -> None:
    """Call `func`; with --debug a content error also prints its traceback."""
    try:
        func()
    except click.ClickException:
        if ctx.find_root().obj.get("debug"):
            traceback.print_exc()
        raise


@main.command()
@CONTENT
@STRICT
@click.pass_context
def check(ctx: click.Context, content: Path, strict: bool) -> None:
    """Validate all content; print one summary line when it is clean."""

    def go() -> None:
        result = build_mod.check(content, strict=strict)
        _report_warnings(result)
        click.echo(result.summary())

    _run(ctx, go)


@main.command()
@CONTENT
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("site"),
    show_default=True,
    help="Folder to write the site into (replaced whole).",
)
@STRICT
@click.pass_context
def build(ctx: click.Context, content: Path, out: Path, strict: bool) -> None:
    """Check the content, then write the site into --out."""

    def go() -> None:
        result, output = build_mod.build(content, out, strict=strict)
        _report_warnings(result)
        click.echo(f"built {len(output.paths())} files into {out}")

    _run(ctx, go)


@main.command()
@CONTENT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(build_mod.EXPORTS)),
    required=True,
    help="What to export: json, the whole question bank (schema/bank.schema.json).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write; by default the export goes to standard output.",
)
@STRICT
@click.pass_context
def export(ctx: click.Context, content: Path, fmt: str, out: Path | None, strict: bool) -> None:
    """Check the content, then export it (the whole question bank as JSON)."""

    def go() -> None:
        result, text = build_mod.export(content, fmt, out, strict=strict)
        _report_warnings(result)
        if out is None:
            click.echo(text, nl=False)
        else:
            click.echo(f"wrote {fmt} export into {out}")

    _run(ctx, go)


@main.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("schema"),
    show_default=True,
    help="Folder to write one JSON Schema per content file kind into.",
)
def schema(out: Path) -> None:
    """Write a JSON Schema per content file kind, for editor autocompletion."""
    output = Output()
    for name, text in sorted(schema_files().items()):
        output.add(name, text)
    output.commit(out)
    click.echo(f"wrote {len(output.paths())} schemas into {out}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
