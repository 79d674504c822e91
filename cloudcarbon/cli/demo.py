"""``cloudcarbon demo``: write one organisation's three months from every kind of source and estimate one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon._demo import DEMO_CONFIG, DEMO_MONTHS, DEMO_REQUESTS, write_demo
from cloudcarbon.cli._options import Format, FormatOpt, check_month
from cloudcarbon.cli._quiet import QuietOpt, notice, quietable
from cloudcarbon.cli.estimate import emit
from cloudcarbon.config import load_config
from cloudcarbon.pipeline import estimate

__all__ = ["DEMO_CONFIG", "DEMO_REQUESTS", "demo_command", "write_demo"]


def _demo_month(value: str | None) -> str | None:
    check_month(value)
    if value is not None and value not in DEMO_MONTHS:
        raise typer.BadParameter(f"the demo holds {', '.join(DEMO_MONTHS)}; pick one of those.")
    return value


@quietable
def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo data.")] = Path("demo-data"),
    month: Annotated[
        str,
        typer.Option(
            "--month", "-m", callback=_demo_month, help=f"Month to estimate: {', '.join(DEMO_MONTHS)}."
        ),
    ] = DEMO_MONTHS[-1],
    group_by: Annotated[
        list[str] | None, typer.Option("--group-by", "-g", help="Line keys (default: provider, project).")
    ] = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Write three months of AWS, GCP, Azure, FOCUS and inventory data and print one month's estimate.

    Every AWS month includes a restated delivery; the configuration written next to the data sets AI
    stages, training runs and request counts.

    Example: cloudcarbon demo --month 2026-09 --out demo-data --format json
    """
    sources, config_path = write_demo(out, month)
    if fmt is Format.table:
        notice(f"demo data for {', '.join(DEMO_MONTHS)} in {out}/ (config {config_path})")
    result = estimate(
        sources, month, config=load_config(config_path), group_by=tuple(group_by or ["provider", "project"])
    )
    emit(result, fmt)
