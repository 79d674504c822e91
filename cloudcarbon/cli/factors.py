"""``cloudcarbon factors list|show``."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudcarbon.factors import available_factor_sets, load_factor_set

__all__ = ["app"]

app = typer.Typer(help="Inspect the shipped factor sets.", no_args_is_help=True)


@app.command("list")
def list_sets() -> None:
    """List the shipped factor sets, newest last."""
    for v in available_factor_sets():
        typer.echo(v)


@app.command("show")
def show(
    version: Annotated[str | None, typer.Argument(help="Version (default: newest).")] = None,
) -> None:
    """Verify a factor set and list its tables with row counts and licences."""
    fs = load_factor_set(version)
    typer.echo(f"factor set {fs.version}  sha256 {fs.sha256}  ({fs.path})")
    for res in fs.descriptor.get("resources", []):
        name = res["path"].removesuffix(".csv")
        licences = ", ".join(
            lic.get("name", str(lic)) if isinstance(lic, dict) else str(lic)
            for lic in res.get("licenses", [])
        )
        typer.echo(f"  {res['path']:<28} {fs.table(name).height:>6} rows  {licences}")
