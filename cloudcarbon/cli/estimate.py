"""``cloudcarbon estimate``."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Literal, cast

import typer

from cloudcarbon.cli._ledger import LedgerOpt, resolve_ledger
from cloudcarbon.cli._options import (
    ConfigOpt,
    FactorsOpt,
    Format,
    FormatOpt,
    GroupByOpt,
    MonthOpt,
    SourcesOpt,
)
from cloudcarbon.cli._progress import scan_progress
from cloudcarbon.cli._quiet import QuietOpt, notice, quietable
from cloudcarbon.cli.reconcile import CalibrateOpt, FootprintOpt
from cloudcarbon.config import load_config
from cloudcarbon.factors import GRID_BOUNDARIES
from cloudcarbon.methods import METHODS
from cloudcarbon.pipeline import DETAIL_FORMATS, estimate
from cloudcarbon.results import EstimateResult
from cloudcarbon.schema import ESTIMATE_DETAIL

__all__ = ["DETAIL_COLUMNS", "emit", "estimate_command"]

Boundary = Literal["operational", "lifecycle"]

#: Per-row columns written by ``--detail`` (declared in :mod:`cloudcarbon.schema`).
DETAIL_COLUMNS = ESTIMATE_DETAIL


def emit(result: EstimateResult, fmt: Format | str) -> None:
    """Print a result in the chosen format (a renderer of :mod:`cloudcarbon.reports`)."""
    from cloudcarbon.reports import write

    write(result, fmt.value if isinstance(fmt, Format) else fmt, sys.stdout)


def _detail_file(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in DETAIL_FORMATS:
        what = f"{value.suffix!r}" if value.suffix else "no suffix"
        raise typer.BadParameter(
            f"{value} has {what}; --detail writes {' or '.join(DETAIL_FORMATS)} "
            "(name the file .csv or .parquet)"
        )
    return value


def _boundary(value: str | None) -> str | None:
    if value is not None and value not in GRID_BOUNDARIES:
        raise typer.BadParameter(f"{value!r} is not a grid boundary; choose {' or '.join(GRID_BOUNDARIES)}")
    return value


def _tokens_file(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() != ".csv":
        raise typer.BadParameter(f"{value}: --tokens writes a .csv file (name it .csv)")
    return value


def _engine(value: str | None) -> str | None:
    from cloudcarbon.engine import ENGINES

    if value is not None and value not in ENGINES:
        raise typer.BadParameter(f"{value!r} is not an engine; choose from {', '.join(ENGINES)}")
    return value


def _method(value: str) -> str:
    if value not in METHODS:
        raise typer.BadParameter(f"{value!r} is not a method; choose from {', '.join(METHODS)}")
    return value


@quietable
def estimate_command(
    month: MonthOpt,
    source: SourcesOpt,
    config: ConfigOpt = None,
    group_by: GroupByOpt = None,
    fmt: FormatOpt = Format.table,
    factors: FactorsOpt = None,
    detail: Annotated[
        Path | None,
        typer.Option(
            "--detail",
            help="Also write one row per billing row (figures, fate, factors used) to a .csv or .parquet; "
            "streamed to the file within the engine's memory limit.",
            callback=_detail_file,
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="cloudcarbon (default) or ccf: Cloud Carbon Footprint's published method, defects included.",
            callback=_method,
        ),
    ] = "cloudcarbon",
    grid_boundary: Annotated[
        str | None,
        typer.Option(
            "--grid-boundary",
            help="operational (default: combustion emissions, GHG Protocol scope 2 location-based) or "
            "lifecycle grid factors; overrides [grid] boundary. Factor sets before 2026.12.1 ignore it.",
            callback=_boundary,
        ),
    ] = None,
    tokens: Annotated[
        Path | None,
        typer.Option(
            "--tokens",
            help="Also write the model-API token figures (per provider, project and model: tokens, kWh, "
            "kgCO2e with bounds, kgCO2e per million tokens) to a .csv.",
            callback=_tokens_file,
        ),
    ] = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not record the estimate in the ledger.")
    ] = False,
    ledger: LedgerOpt = None,
    quiet: QuietOpt = False,
    provider_footprint: FootprintOpt = None,
    calibrate: CalibrateOpt = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="duckdb (embedded, default) or spark: read and reduce the exports on PySpark (a local "
            "session, or the active one); needs pip install 'cloudcarbon[spark]'. Overrides [engine] kind.",
            callback=_engine,
        ),
    ] = None,
) -> None:
    """Estimate a month's energy and CO2e per project from billing exports, and record it in the ledger.

    An open month keeps every estimate; a closed month estimated again records a restatement.

    Example: cloudcarbon estimate -m 2026-10 -s aws:exports/cur -g service

    Example: cloudcarbon estimate -m 2026-10 -s aws:./cur -c cloudcarbon.toml --tokens tokens.csv

    Example: cloudcarbon estimate -m 2026-10 -s gcp:export.jsonl --grid-boundary lifecycle

    Example: cloudcarbon estimate -m 2026-10 -s aws:./cur --provider-footprint ./carbon --calibrate provider

    Example: cloudcarbon estimate -m 2026-10 -s aws:./cur --engine spark
    """
    if calibrate is not None and not provider_footprint:
        raise typer.BadParameter(
            "--calibrate provider needs the providers' figures: add --provider-footprint FILE",
            param_hint="--calibrate",
        )
    cfg = load_config(config)
    if grid_boundary is not None:
        cfg = dataclasses.replace(cfg, grid_boundary=cast(Boundary, grid_boundary))
    with scan_progress(table_output=fmt is Format.table) as progress:
        result = estimate(
            source,
            month,
            config=cfg,
            factor_set=factors,
            group_by=tuple(group_by or ["project"]),
            method=method,
            detail_to=detail,
            calibrate=calibrate,
            provider_footprint=tuple(provider_footprint or ()),
            progress=progress,
            engine=engine,
        )
    if tokens is not None:
        from cloudcarbon.reports.tokens import write_tokens_csv

        write_tokens_csv(result, tokens)
    if not no_record:
        _record(
            result, resolve_ledger(ledger, cfg), quiet=fmt is not Format.table and not sys.stdout.isatty()
        )
    emit(result, fmt)


def _record(result: EstimateResult, path: Path, *, quiet: bool) -> None:
    """Record the estimate; say on stderr what was recorded (unless ``quiet``)."""
    from cloudcarbon.ledger import Ledger
    from cloudcarbon.recording import record_result

    with Ledger(path) as lg:
        done = record_result(lg, result)
    if quiet:
        return
    if done.kind == "estimate":
        what = f"estimate of open month {result.month} (entry #{done.seq})"
    elif done.kind == "restatement":
        assert done.restatement is not None
        causes = ", ".join(c.cause for c in done.restatement.causes)
        what = f"restatement of closed month {result.month}: version {done.version} ({causes})"
    else:
        what = f"nothing: closed month {result.month} is unchanged at version {done.version}"
    notice(f"recorded {what} in ledger {path}")
