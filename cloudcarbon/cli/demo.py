"""``cloudcarbon demo``: generate one organisation's month from every kind of source and estimate it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.cli._options import Format, FormatOpt
from cloudcarbon.cli.estimate import emit
from cloudcarbon.config import load_config
from cloudcarbon.pipeline import estimate

__all__ = ["DEMO_CONFIG", "DEMO_REQUESTS", "demo_command", "write_demo"]

#: The configuration written next to the demo data.
DEMO_CONFIG = """\
# cloudcarbon demo configuration
[projects]
# AWS tags are user:<key>; GCP labels and Azure / FOCUS tags are plain keys
rules = [
  { tag = "user:project" },
  { tag = "project" },
]
unmatched = "unallocated"

[utilisation]
overrides = [
  { stage = "training", accelerator = 0.85 },   # training fleets run accelerators near TDP
  { stage = "inference", accelerator = 0.3 },   # inference fleets far below
]

[ai]
stages = [
  { tag = "user:stage" },                       # the tag's value names the stage
  { tag = "stage" },
  { project = "data-lake", stage = "data_processing" },
  { project = "analytics", stage = "data_processing" },
  { project = "vision-train", stage = "training" },
]
run_tag = ["user:run", "run"]
requests = "requests.csv"                       # requests per project and month (functional units)
functional_unit = "inference request"
"""

#: Request counts for the demo month, per serving project.
DEMO_REQUESTS = """\
project,month,requests
ml-platform,2026-10,41800000
recsys-serving,2026-10,930000000
llm-chat,2026-10,12500000
acme-vision,2026-10,3100000
"""


def write_demo(out: Path, month: str = "2026-10") -> tuple[list[str], Path]:
    """Write the demo month's exports and configuration under ``out``; return the sources and config."""
    from cloudcarbon.synthetic import generate_cur_month
    from cloudcarbon.synthetic_clouds import (
        generate_azure_month,
        generate_focus_month,
        generate_gcp_month,
        generate_inventory,
    )

    out.mkdir(parents=True, exist_ok=True)
    cur = generate_cur_month(out / "aws-cur", month)
    gcp = generate_gcp_month(out / "gcp", month)
    azure = generate_azure_month(out / "azure", month)
    focus = generate_focus_month(out / "focus", month)
    servers = generate_inventory(out / "inventory")
    config_path = out / "cloudcarbon.toml"
    config_path.write_text(DEMO_CONFIG, encoding="utf-8")
    (out / "requests.csv").write_text(DEMO_REQUESTS, encoding="utf-8")
    sources = [
        f"aws:{cur.root}",
        f"gcp:{gcp.path}",
        f"azure:{azure.path}",
        f"focus:{focus.path}",
        f"inventory:{servers}",
    ]
    return sources, config_path


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the generated demo data.")] = Path(
        "demo-data"
    ),
    month: Annotated[str, typer.Option("--month", "-m", help="Month to generate.")] = "2026-10",
    group_by: Annotated[
        list[str] | None, typer.Option("--group-by", "-g", help="Line keys (default: provider, project).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Generate a month of AWS, GCP, Azure, FOCUS and inventory data and print its estimate.

    The AWS report includes a restated delivery; the configuration written next to the data sets AI
    stages, training runs and request counts.
    """
    sources, config_path = write_demo(out, month)
    if fmt is Format.table:
        typer.echo(f"demo data in {out}/ (config {config_path})", err=True)
    result = estimate(
        sources, month, config=load_config(config_path), group_by=tuple(group_by or ["provider", "project"])
    )
    emit(result, fmt)
