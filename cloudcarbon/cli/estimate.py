"""``cloudcarbon estimate``."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudcarbon.cli._options import ConfigOpt, FactorsOpt, Format, FormatOpt, MonthOpt
from cloudcarbon.config import load_config
from cloudcarbon.pipeline import GROUP_KEYS, EstimateResult, estimate

__all__ = ["emit", "estimate_command"]


def emit(result: EstimateResult, fmt: Format) -> None:
    """Print a result in the chosen format."""
    from cloudcarbon.report import render_table, to_csv, to_json

    if fmt is Format.json:
        typer.echo(to_json(result))
    elif fmt is Format.csv:
        typer.echo(to_csv(result), nl=False)
    else:
        from rich.console import Console

        Console().print(render_table(result))


def estimate_command(
    month: MonthOpt,
    source: Annotated[
        list[str],
        typer.Option(
            "--source", "-s", help="Export file or report folder; prefix with aws: to skip detection."
        ),
    ],
    config: ConfigOpt = None,
    group_by: Annotated[
        list[str] | None,
        typer.Option("--group-by", "-g", help=f"Line keys, repeatable: {', '.join(GROUP_KEYS)}."),
    ] = None,
    fmt: FormatOpt = Format.table,
    factors: FactorsOpt = None,
) -> None:
    """Estimate a month's energy and CO2e per project from billing exports."""
    cfg = load_config(config)
    result = estimate(source, month, config=cfg, factor_set=factors, group_by=tuple(group_by or ["project"]))
    emit(result, fmt)
