"""``cloudcarbon reconcile``: a month's estimate beside the providers' own carbon figures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from cloudcarbon.cli._ledger_out import TableFormat, render_rows
from cloudcarbon.cli._options import ConfigOpt, FactorsOpt, MonthOpt, SourcesOpt
from cloudcarbon.config import load_config
from cloudcarbon.reports._fit import terminal_width

__all__ = ["CalibrateOpt", "FootprintOpt", "calibrate_value", "reconcile_command"]

FootprintOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--provider-footprint",
        help="A provider's own carbon export (AWS CARBON_EMISSIONS export or CCFT CSV, Google Carbon "
        "Footprint export, Azure Carbon Optimization report): file or folder, repeatable; prefix with "
        "aws:, gcp: or azure: to skip detection.",
    ),
]


def calibrate_value(value: str | None) -> str | None:
    from cloudcarbon.reconcile import CALIBRATION_TARGETS

    if value is not None and value not in CALIBRATION_TARGETS:
        raise typer.BadParameter(
            f"{value!r} is not a calibration target; choose from {', '.join(CALIBRATION_TARGETS)}"
        )
    return value


CalibrateOpt = Annotated[
    str | None,
    typer.Option(
        "--calibrate",
        help="provider: scale CO2e to the providers' own totals per account x region x service (needs "
        "--provider-footprint), keeping cloudcarbon's split by project, tag, stage and instance.",
        callback=calibrate_value,
    ),
]


def reconcile_command(
    month: MonthOpt,
    source: SourcesOpt,
    provider_footprint: FootprintOpt = None,
    config: ConfigOpt = None,
    factors: FactorsOpt = None,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")] = TableFormat.table,
) -> None:
    """Set a month's estimate beside the providers' own figures per account x region x service: ours,
    theirs (location- and market-based, scopes), the ratio and why they differ. Nothing is recorded.

    Example: cloudcarbon reconcile -m 2026-10 -s aws:./cur --provider-footprint aws:./carbon-export/data
    """
    from cloudcarbon.reconcile import reconcile_sources

    if not provider_footprint:
        raise typer.BadParameter(
            "give at least one --provider-footprint FILE or FOLDER", param_hint="--provider-footprint"
        )
    rec = reconcile_sources(source, month, provider_footprint, config=load_config(config), factor_set=factors)
    rows = rec.lines.select(
        "provider", "account_id", "region", "service", "match", "ratio", "our_total_kg",
        "provider_location_kg", "our_co2e_kg", "our_embodied_kg", "provider_market_kg", "model_version",
        "reasons",
    )  # fmt: skip
    if fmt is TableFormat.table:  # six decimals on screen; csv, json and md keep every digit
        rows = rows.with_columns(pl.col(pl.Float64).round(6))
    matched = rec.lines.filter(rec.lines["match"] == "matched")
    ours, theirs = float(matched["our_total_kg"].sum()), float(matched["provider_location_kg"].sum())
    notes = [
        "Ratio = cloudcarbon total (operational + embodied) / the provider's location-based total.",
        f"Matched keys: cloudcarbon {ours:.6g} kg, providers {theirs:.6g} kg"
        + (f", ratio {ours / theirs:.4g}." if theirs else "."),
        *(f"{code}: {text}." for code, text in rec.reasons.items()),
        *(f"ignored: {line}" for line in _ignored(rec)),
    ]
    if rec.providers_without_footprint:
        notes.append(
            f"Not compared (no provider footprint given): {', '.join(rec.providers_without_footprint)}."
        )
    title = f"Reconciliation {month}: cloudcarbon beside the providers' own figures (kgCO2e)"
    typer.echo(
        render_rows(rows, fmt, title=title, notes=notes, width=terminal_width(sys.stdout, 200)), nl=False
    )


def _ignored(rec: object) -> list[str]:
    from cloudcarbon.reconcile import Reconciliation

    assert isinstance(rec, Reconciliation)
    return [
        f"{Path(r['source']).name} row {r['source_row']}: {r['reason']}"
        for r in rec.ignored.iter_rows(named=True)
    ]
