"""``cloudcarbon baseline set|list|rebase``: fixed references recorded in the ledger, in versions."""

from __future__ import annotations

import importlib
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from cloudcarbon._escape import visible_controls
from cloudcarbon.cli._ledger_out import LedgerOpt, TableFormat, open_ledger, render_rows
from cloudcarbon.cli._options import check_month
from cloudcarbon.cli._quiet import QuietOpt, quietable
from cloudcarbon.ledger import Baseline, InputFile, LedgerError, RunRecord
from cloudcarbon.reports._fit import terminal_width

__all__ = ["app"]

app = typer.Typer(
    help="Set, list and recompute baselines (a month, or a year's monthly average).", no_args_is_help=True
)

NameOpt = Annotated[str, typer.Option("--name", "-n", help="Baseline name.")]


def _check_year(value: str | None) -> str | None:
    if value is not None and not (len(value) == 4 and value.isdigit()):
        raise typer.BadParameter(f"{value!r} is not a year of the form YYYY (e.g. 2025).")
    return value


def _check_opt_month(value: str | None) -> str | None:
    return None if value is None else check_month(value)


def _describe(b: Baseline) -> str:
    co2e = b.totals.get("co2e_kg")
    per = "n/a" if co2e is None else f"{co2e.quantize(Decimal('0.001')):,} kg CO2e per month"
    n = len(b.months)
    return visible_controls(
        f"baseline {b.name!r} version {b.version}: {b.period} ({n} month{'s' if n != 1 else ''}), "
        f"factor set {b.factor_set_version}, method {b.method}, {per}"
    )


@app.command("set")
def set_command(
    month: Annotated[
        str | None, typer.Option("--month", "-m", callback=_check_opt_month, help="A month, YYYY-MM.")
    ] = None,
    year: Annotated[
        str | None,
        typer.Option(
            "--year", "-y", callback=_check_year, help="A year: the monthly average of its recorded months."
        ),
    ] = None,
    name: NameOpt = "default",
    ledger: LedgerOpt = None,
) -> None:
    """Record a baseline from the ledger: one month, or the average of a year's recorded months.

    Example: cloudcarbon baseline set --year 2025 --name fy2025
    """
    if (month is None) == (year is None):
        raise typer.BadParameter("give exactly one of --month YYYY-MM or --year YYYY")
    with open_ledger(ledger) as led:
        if year is not None:
            months = [m for m in led.months() if m.startswith(f"{year}-")]
            if not months:
                raise LedgerError(f"no month of {year} is recorded; estimate its months first", led.path)
        else:
            assert month is not None
            months = [month]
        b = led.set_baseline_from_ledger(name, months)
    typer.echo(_describe(b))


@app.command("list")
def list_command(
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")] = TableFormat.table,
    ledger: LedgerOpt = None,
) -> None:
    """Every baseline version, oldest first: period, months, factor set, method, monthly CO2e.

    Example: cloudcarbon baseline list --format md
    """
    with open_ledger(ledger) as led:
        versions = led.baselines()
    rows: list[dict[str, Any]] = [
        {
            "name": b.name,
            "version": b.version,
            "period": b.period,
            "months": len(b.months),
            "factor_set": b.factor_set_version,
            "method": b.method,
            "co2e_kg_per_month": b.totals.get("co2e_kg"),
            "created_at": b.created_at,
        }
        for b in versions
    ]
    schema: dict[str, Any] = {
        "name": pl.String,
        "version": pl.Int64,
        "period": pl.String,
        "months": pl.Int64,
        "factor_set": pl.String,
        "method": pl.String,
        "co2e_kg_per_month": pl.Decimal(38, 6),
        "created_at": pl.String,
    }
    df = pl.DataFrame(rows, schema=schema, orient="row")
    typer.echo(render_rows(df, fmt, title="Baselines", width=terminal_width(sys.stdout, 200)), nl=False)


def _reestimator(factors: str | None, method: str | None) -> Any:
    """Re-estimate a recorded run from its recorded input files (which must be present and unchanged)."""

    def reestimate(run: RunRecord) -> RunRecord:
        if not run.inputs:
            raise LedgerError(f"cannot rebase: the estimate of {run.month} recorded no input files")
        for f in run.inputs:
            path = Path(f.path)
            if not path.is_file():
                raise LedgerError(
                    f"cannot rebase: {run.month}'s input {visible_controls(f.path)!r} is missing; "
                    "restore it where it was recorded"
                )
            now = InputFile.of(path)
            if (now.sha256, now.size) != (f.sha256, f.size):
                raise LedgerError(
                    f"cannot rebase: {run.month}'s input {visible_controls(f.path)!r} changed since it was "
                    f"recorded (sha256 {f.sha256[:12]}... recorded, {now.sha256[:12]}... now)"
                )
        try:  # the estimate's recording (result -> RunRecord)
            recording: Any = importlib.import_module("cloudcarbon.recording")
        except ImportError:
            recording = None
        convert = getattr(recording, "run_record", None)
        if convert is None:
            raise LedgerError(
                "cannot rebase: this cloudcarbon cannot turn an estimate into a ledger record "
                "(cloudcarbon.recording.run_record is missing)"
            )
        from cloudcarbon import estimate
        from cloudcarbon.config import config_from_mapping

        read_config = getattr(recording, "config_from_record", None) or (
            lambda text: config_from_mapping(json.loads(text or "{}"))
        )
        try:
            config = read_config(run.config_text)
        except Exception as exc:  # the recorded text predates this cloudcarbon's configuration
            raise LedgerError(
                f"cannot rebase: the configuration recorded with {run.month} cannot be read ({exc})"
            ) from exc
        # the --source arguments as recorded (report folders included), else the input files themselves
        sources: list[str] = [f.path for f in run.inputs]
        if "sources" in run.assumptions:
            try:
                recorded = json.loads(run.assumptions["sources"])
            except ValueError:
                recorded = None
            if isinstance(recorded, list) and recorded and all(isinstance(x, str) for x in recorded):
                sources = recorded
        result = estimate(sources, run.month, config=config, factor_set=factors, method=method or run.method)
        new = convert(result)
        if not isinstance(new, RunRecord):
            raise LedgerError("cannot rebase: cloudcarbon.recording.run_record did not return a RunRecord")
        return new

    return reestimate


@app.command("rebase")
@quietable
def rebase_command(
    name: NameOpt = "default",
    factors: Annotated[
        str | None, typer.Option("--factors", help="Factor-set version (default: newest shipped).")
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="Method (default: the baseline's method).")
    ] = None,
    ledger: LedgerOpt = None,
    quiet: QuietOpt = False,  # quietable: the re-read sources' warnings are silenced
) -> None:
    """Recompute a baseline under the current factor set and method from its months' recorded input files
    (present and unchanged), and record it as a new version; earlier versions are kept.

    Example: cloudcarbon baseline rebase --name fy2025 --factors 2026.11
    """
    from cloudcarbon.analysis import rebase_baseline

    with open_ledger(ledger) as led:
        b = rebase_baseline(led, name, _reestimator(factors, method))
    typer.echo(_describe(b))
