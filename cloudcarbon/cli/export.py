"""``cloudcarbon export lca|benchmark``: a month as LCA activity data or as an anonymised benchmark."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.cli._options import ConfigOpt, FactorsOpt, MonthOpt, OnceCommand, SourcesOpt
from cloudcarbon.config import load_config
from cloudcarbon.exports import benchmark_groups, estimate_for_export, lca_activity, write_csv

__all__ = ["app", "benchmark_command", "lca_command"]

app = typer.Typer(
    help="Export a month's estimate for other tools: LCA activity data, an anonymised benchmark.",
    no_args_is_help=True,
)


def _csv_file(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() != ".csv":
        what = f"{value.suffix!r}" if value.suffix else "no suffix"
        raise typer.BadParameter(f"{value} has {what}; the export is CSV (name the file .csv)")
    return value


OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="CSV file to write (through a temporary file, renamed when complete); default: stdout.",
        callback=_csv_file,
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No notice on stderr.")]


def _k(value: int) -> int:
    if value < 1:
        raise typer.BadParameter(f"{value} is not a row count; give 1 or more (default 5).")
    return value


@app.command(name="lca", cls=OnceCommand)
def lca_command(
    month: MonthOpt,
    source: SourcesOpt,
    config: ConfigOpt = None,
    factors: FactorsOpt = None,
    out: OutOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write the month's LCA activity data: electricity kWh per grid zone and year, hardware-hours with the
    embodied factors used, storage TB-months and network GB, each with units, sources and the database
    process to map it to (docs/lca-mapping.md).

    Example: cloudcarbon export lca --month 2026-10 --source aws:demo-data/aws-cur --out lca-2026-10.csv
    """
    result = estimate_for_export(source, month, config=load_config(config), factor_set=factors)
    df = lca_activity(result)
    write_csv(df, out, sys.stdout)
    if not quiet and out is not None:
        kwh = float(df.filter(df["activity"] == "electricity")["amount"].sum())
        typer.echo(f"wrote {df.height} activity rows ({kwh:,.1f} kWh of electricity) to {out}", err=True)


@app.command(name="benchmark", cls=OnceCommand)
def benchmark_command(
    month: MonthOpt,
    source: SourcesOpt,
    config: ConfigOpt = None,
    factors: FactorsOpt = None,
    out: OutOpt = None,
    k: Annotated[
        int,
        typer.Option(
            "--k", help="Drop every metric resting on fewer than this many billing rows.", callback=_k
        ),
    ] = 5,
    quiet: QuietOpt = False,
) -> None:
    """Write anonymised intensity metrics (kgCO2e per vCPU-hour by instance family, per accelerator-hour by
    model, per TB-month by storage class; PUE and grid factor per region) with no account, project, tag or
    resource identifier; metrics resting on fewer than --k billing rows are left out.

    Example: cloudcarbon export benchmark --month 2026-10 --source aws:demo-data/aws-cur --k 5 --out bench.csv
    """
    result = estimate_for_export(source, month, config=load_config(config), factor_set=factors)
    every = benchmark_groups(result)
    kept = every.filter(every["n_rows"] >= k)
    write_csv(kept, out, sys.stdout)
    if not quiet:
        dropped = every.height - kept.height
        where = f" to {out}" if out is not None else ""
        typer.echo(
            f"wrote {kept.height} metrics{where}; left out {dropped} resting on fewer than {k} billing rows",
            err=True,
        )
