"""``cloudcarbon config schema|check``: the configuration's JSON Schema, and checking a file against it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.cli._options import OnceCommand
from cloudcarbon.config import load_config

__all__ = ["app"]

app = typer.Typer(help="Check cloudcarbon.toml, or print its JSON Schema.", no_args_is_help=True)


@app.command("schema", cls=OnceCommand)
def schema() -> None:
    """Print the JSON Schema (Draft 2020-12) of cloudcarbon.toml, for editors and validators.

    Example: cloudcarbon config schema > config.schema.json

    Then put "#:schema ./config.schema.json" on the first line of cloudcarbon.toml (taplo, Even Better
    TOML).
    """
    from cloudcarbon.config_model import schema_text

    typer.echo(schema_text(), nl=False)


@app.command("check", cls=OnceCommand)
def check(
    file: Annotated[Path, typer.Argument(help="The configuration file.")] = Path("cloudcarbon.toml"),
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing when the file is valid.")
    ] = False,
) -> None:
    """Validate a configuration file and the CLOUDCARBON_* environment variables as an estimate reads them.

    Prints ok (exit code 0), or one line naming the file or variable, the key and what to do (exit code 4).

    Example: cloudcarbon config check cloudcarbon.toml
    """
    load_config(file)
    if not quiet:
        typer.echo("ok")
