"""The ``cloudcarbon`` command line: a thin typer layer over the library API."""

from __future__ import annotations

import sys

import typer

from cloudcarbon._version import __version__
from cloudcarbon.cli import (
    baseline,
    compare,
    config,
    demo,
    enrich,
    estimate,
    explain,
    export,
    factors,
    ledger,
    mlflow,
    pull,
    reconcile,
    statement,
    trend,
)
from cloudcarbon.cli._options import OnceCommand
from cloudcarbon.exceptions import CloudCarbonError

__all__ = ["app", "main"]

# Usage errors (unknown option, missing option, bad value) are click exceptions: click's own before typer
# 0.26, typer's vendored copy since. typer.BadParameter is one of them in every version, so its bases are
# found through it and neither click nor typer._click is imported.
_CLICK_ERROR: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

app = typer.Typer(
    name="cloudcarbon",
    help="Turn cloud bills into finance-grade carbon statements.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
app.command(name="estimate", cls=OnceCommand)(estimate.estimate_command)
app.command(name="demo", cls=OnceCommand)(demo.demo_command)
app.command(name="pull", cls=OnceCommand)(pull.pull_command)
app.command(name="explain-diff", cls=OnceCommand)(explain.explain_command)
app.command(name="close", cls=OnceCommand)(ledger.close_command)
app.command(name="verify", cls=OnceCommand)(ledger.verify_command)
app.command(name="history", cls=OnceCommand)(ledger.history_command)
app.command(name="statement", cls=OnceCommand)(statement.statement_command)
app.add_typer(factors.app, name="factors")
app.add_typer(baseline.app, name="baseline")
app.add_typer(config.app, name="config")
app.command(name="compare", cls=OnceCommand)(compare.compare_command)
app.command(name="trend", cls=OnceCommand)(trend.trend_command)
app.add_typer(export.app, name="export")
app.add_typer(mlflow.app, name="mlflow")
app.command(name="enrich", cls=OnceCommand)(enrich.enrich_command)
app.command(name="reconcile", cls=OnceCommand)(reconcile.reconcile_command)


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


def _one_line(text: str) -> str:
    """``text`` on one line, with control characters (a user's value may hold them) shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip())


def _usage_error(exc: Exception) -> int:
    """Print a click usage error as one line on stderr; return its exit code (2)."""
    ctx = getattr(exc, "ctx", None)
    code = int(getattr(exc, "exit_code", 2))
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help is the answer
        help_text = exc.format_message()  # type: ignore[attr-defined]  # typer >= 0.26 printed it already
        if help_text.strip():
            typer.echo(help_text, err=True)
        return code
    where = ctx.command_path if ctx is not None else "cloudcarbon"
    message = _one_line(exc.format_message())  # type: ignore[attr-defined]
    typer.echo(f"error: {message} (see '{where} --help')", err=True)
    return code


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    """A warning as one line on stderr, with control characters (from a user's value) shown escaped."""
    typer.echo(f"warning: {_one_line(str(message))}", err=True)


def main() -> None:
    """Console entry point: errors become one line on stderr and the documented exit code, never a traceback.

    ``--debug`` anywhere on the command line re-raises cloudcarbon's own errors with their traceback.
    """
    import warnings

    warnings.showwarning = _show_warning
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        code = app(standalone_mode=False)
    except CloudCarbonError as exc:
        if debug:
            raise
        from rich.console import Console

        from cloudcarbon._escape import safe_terminal

        # messages quote config sections like [utilisation] and user values (paths, manifest keys, tags):
        # never let rich read them as markup, nor a control character reach the terminal
        message = safe_terminal(str(exc))
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {message}")
        sys.exit(exc.exit_code)
    except _CLICK_ERROR as exc:
        sys.exit(_usage_error(exc))
    except typer.Abort:
        sys.exit(130)
    # in standalone_mode=False a typer.Exit(code) raised by a command comes back as the return value
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)
