"""``cloudcarbon enrich``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.cli._options import ConfigOpt, FactorsOpt, MonthOpt, SourcesOpt
from cloudcarbon.cli.estimate import _method
from cloudcarbon.cli.reconcile import CalibrateOpt, FootprintOpt
from cloudcarbon.config import load_config

__all__ = ["enrich_command"]


def enrich_command(
    month: MonthOpt,
    source: SourcesOpt,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The .parquet (or .csv) file to write; its folder must exist. Written whole or not at all.",
        ),
    ],
    config: ConfigOpt = None,
    factors: FactorsOpt = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="cloudcarbon (default) or ccf: Cloud Carbon Footprint's published method, defects included.",
            callback=_method,
        ),
    ] = "cloudcarbon",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    provider_footprint: FootprintOpt = None,
    calibrate: CalibrateOpt = None,
) -> None:
    """Write every billing row of the month with carbon columns appended (FOCUS sustainability names).

    FOCUS inputs keep their own columns as read; other exports come out under FOCUS 1.2 names.

    Per row: x_PowerConsumption (kWh), x_CarbonEmissionEquivalentLocationBased (kgCO2e) with Low/High,
    x_GridEmissionFactor, x_PUE, x_EmbodiedEmissions, x_CloudCarbonDataQuality and its reason.

    With --provider-footprint and --calibrate provider, the CO2e of every row of a provider x account x
    region x service key the provider reports is scaled to the provider's own total (quality Calibrated).

    Nothing is recorded in the ledger. Example:

        cloudcarbon enrich -m 2026-10 -s focus:focus-2026-10.csv -o enriched.parquet

    Example: cloudcarbon enrich -m 2026-10 -s aws:cur -o e.csv --provider-footprint co2 --calibrate provider
    """
    from cloudcarbon._escape import safe_terminal
    from cloudcarbon.enrichment import enrich

    if calibrate is not None and not provider_footprint:
        raise typer.BadParameter(
            "--calibrate provider needs the providers' figures: add --provider-footprint FILE",
            param_hint="--calibrate",
        )
    result = enrich(
        source,
        month,
        out,
        config=load_config(config),
        factor_set=factors,
        method=method,
        calibrate=calibrate,
        provider_footprint=tuple(provider_footprint or ()),
    )
    if not quiet:
        kg = result.estimate.total("co2e_kg")
        typer.echo(
            safe_terminal(
                f"wrote {result.rows} rows of {month} to {result.path} "
                f"({result.columns} columns; {kg:,.3f} kgCO2e location-based"
                + ("; calibrated to the providers' figures" if result.estimate.calibrated else "")
                + ")"
            ),
            err=True,
        )
