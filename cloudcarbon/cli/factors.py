"""``cloudcarbon factors list|show``."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudcarbon.factors import available_factor_sets, load_factor_set, method_document

__all__ = ["app"]

app = typer.Typer(help="Inspect the shipped factor sets.", no_args_is_help=True)


@app.command("list")
def list_sets() -> None:
    """List the shipped factor sets, newest last.

    Example: cloudcarbon factors list
    """
    for v in available_factor_sets():
        typer.echo(v)


@app.command("show")
def show(
    version: Annotated[str | None, typer.Argument(help="Version (default: newest).")] = None,
) -> None:
    """Verify a factor set and list its tables with row counts and licences.

    Example: cloudcarbon factors show 2026.11
    """
    fs = load_factor_set(version)
    typer.echo(f"factor set {fs.label}  sha256 {fs.sha256}  ({fs.path})")
    for res in fs.descriptor.get("resources", []):
        name = res["path"].removesuffix(".csv")
        licences = ", ".join(
            lic.get("name", str(lic)) if isinstance(lic, dict) else str(lic)
            for lic in res.get("licenses", [])
        )
        typer.echo(f"  {res['path']:<28} {fs.table(name).height:>6} rows  {licences}")


@app.command("lookup")
def lookup(
    table: Annotated[
        str, typer.Argument(help="Table, e.g. instances, cpu_power, accelerators, grid_intensity.")
    ],
    key: Annotated[list[str], typer.Argument(help="Values to find in the row (all must match a column).")],
    version: Annotated[str | None, typer.Option("--version", help="Factor-set version.")] = None,
) -> None:
    """Print the factor rows whose columns contain all KEY values, with their source and licence, and
    where the method that uses them is documented.

    Example: cloudcarbon factors lookup instances aws m5.large

    Example: cloudcarbon factors lookup grid_intensity_odbl aws us-east-1 2025
    """
    import polars as pl

    from cloudcarbon._escape import safe_terminal

    fs = load_factor_set(version)
    try:
        df = fs.table(table.removesuffix(".csv"))
    except KeyError:
        names = sorted(r["path"].removesuffix(".csv") for r in fs.descriptor.get("resources", []))
        raise typer.BadParameter(f"no table {table!r}; tables: {', '.join(names)}") from None
    text = df.with_columns(pl.all().cast(pl.String))
    for k in key:
        text = text.filter(pl.any_horizontal(pl.all() == k))
    if text.height == 0:
        typer.echo(f"no row of {table} matches {' '.join(key)}", err=True)
        raise typer.Exit(1)
    for row in text.iter_rows(named=True):
        for col, val in row.items():
            typer.echo(f"{col:>28}: {val}")
        typer.echo("")
    typer.echo(f"how these factors are used: {safe_terminal(str(method_document()))}")
