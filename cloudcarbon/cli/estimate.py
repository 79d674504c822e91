"""``cloudcarbon estimate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from cloudcarbon.cli._options import (
    ConfigOpt,
    FactorsOpt,
    Format,
    FormatOpt,
    GroupByOpt,
    MonthOpt,
    SourcesOpt,
)
from cloudcarbon.config import load_config
from cloudcarbon.pipeline import SUMMED_COLUMNS, EstimateResult, estimate

__all__ = ["DETAIL_COLUMNS", "emit", "estimate_command", "write_detail"]


#: Per-row columns written by ``--detail``: the billing row, its fate, the factors used and the figures.
DETAIL_COLUMNS = (
    "source_file",
    "source_row",
    "ProviderName",
    "billing_month",
    "SubAccountId",
    "project",
    "stage",
    "run",
    "ServiceName",
    "RegionId",
    "usage_type",
    "instance_type",
    "charge_class",
    "usage_class",
    "rule_id",
    "fate",
    "reason",
    "ConsumedQuantity",
    "ConsumedUnit",
    "quantity",
    "unit_norm",
    "BilledCost",
    "BillingCurrency",
    "instance_key",
    "cpu_factor_status",
    "cpu_utilisation",
    "accelerator_model",
    "accelerator_utilisation",
    "replication_factor",
    "pue",
    "g_co2e_per_kwh",
    "grid_year",
    "grid_dataset",
    "grid_status",
    "factor_status",
    # activity, energy per component, energy, CO2e and embodied with their bounds, and band widths
    *SUMMED_COLUMNS,
)


def write_detail(result: EstimateResult, path: Path) -> None:
    """Write the per-row detail (CSV, or Parquet for a ``.parquet`` path)."""
    assert result.detail is not None
    df = result.detail.select([c for c in DETAIL_COLUMNS if c in result.detail.columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        df.write_parquet(path)
    else:
        df.with_columns(pl.col("BilledCost").cast(pl.String)).write_csv(path)


def emit(result: EstimateResult, fmt: Format) -> None:
    """Print a result in the chosen format."""
    from cloudcarbon.report import render_table, to_csv, to_json

    if fmt is Format.json:
        typer.echo(to_json(result))
    elif fmt is Format.csv:
        typer.echo(to_csv(result), nl=False)
    else:
        import sys

        from rich.console import Console

        # piped or redirected output gets a wide page instead of rich's 80-column default
        console = Console() if sys.stdout.isatty() else Console(width=160)
        console.print(render_table(result))


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
            help="Also write one row per billing row (figures, fate, factors used) to a .csv or .parquet.",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="cloudcarbon (default) or ccf: Cloud Carbon Footprint's published method, defects included.",
        ),
    ] = "cloudcarbon",
) -> None:
    """Estimate a month's energy and CO2e per project from billing exports."""
    cfg = load_config(config)
    result = estimate(
        source,
        month,
        config=cfg,
        factor_set=factors,
        group_by=tuple(group_by or ["project"]),
        method=method,
        detail=detail is not None,
    )
    if detail is not None:
        write_detail(result, detail)
    emit(result, fmt)
