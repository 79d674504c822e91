"""The ``cloudcarbon`` command line: a thin typer layer over the library API."""

from __future__ import annotations

import sys

import typer

from cloudcarbon._version import __version__
from cloudcarbon.cli import demo, estimate, explain, factors, pull
from cloudcarbon.exceptions import CloudCarbonError

__all__ = ["app", "main"]

app = typer.Typer(
    name="cloudcarbon",
    help="Turn cloud bills into finance-grade carbon statements.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command(name="estimate")(estimate.estimate_command)
app.command(name="demo")(demo.demo_command)
app.command(name="pull")(pull.pull_command)
app.command(name="explain-diff")(explain.explain_command)
app.add_typer(factors.app, name="factors")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cloudcarbon {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """cloudcarbon: cloud bills in, carbon statements out."""


def main() -> None:
    """Console entry point: errors become one red line on stderr and a non-zero exit code."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app(standalone_mode=False)
    except CloudCarbonError as exc:
        if debug:
            raise
        from rich.console import Console
        from rich.markup import escape

        # messages quote config sections like [utilisation]: never let rich read them as markup
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:  # click's usage errors arrive here in standalone_mode=False
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
