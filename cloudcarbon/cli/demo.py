"""``cloudcarbon demo``: generate a realistic CUR month and estimate it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.cli._options import Format, FormatOpt
from cloudcarbon.cli.estimate import emit
from cloudcarbon.config import load_config
from cloudcarbon.pipeline import estimate

__all__ = ["DEMO_CONFIG", "DEMO_REQUESTS", "demo_command"]

#: The configuration written next to the demo data: projects from the ``user:project`` tag.
DEMO_CONFIG = """\
# cloudcarbon demo configuration
[projects]
rules = [
  { tag = "user:project" },
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
  { project = "data-lake", stage = "data_processing" },
]
run_tag = "user:run"
requests = "requests.csv"                       # requests per project and month (functional units)
functional_unit = "inference request"
"""

#: Request counts for the demo month (the ml-platform project serves inference).
DEMO_REQUESTS = """\
project,month,requests
ml-platform,2026-10,41800000
search,2026-10,125000000
"""


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the generated demo data.")] = Path(
        "demo-data"
    ),
    month: Annotated[str, typer.Option("--month", "-m", help="Month to generate.")] = "2026-10",
    fmt: FormatOpt = Format.table,
) -> None:
    """Generate a month of CUR data (with a restated delivery) and print its estimate."""
    from cloudcarbon.synthetic import generate_cur_month

    out.mkdir(parents=True, exist_ok=True)
    delivery = generate_cur_month(out / "aws-cur", month)
    config_path = out / "cloudcarbon.toml"
    config_path.write_text(DEMO_CONFIG, encoding="utf-8")
    (out / "requests.csv").write_text(DEMO_REQUESTS, encoding="utf-8")
    if fmt is Format.table:
        typer.echo(f"demo data: {delivery.root} (config {config_path})", err=True)
    result = estimate([f"aws:{delivery.root}"], month, config=load_config(config_path))
    emit(result, fmt)
