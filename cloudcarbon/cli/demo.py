"""``cloudcarbon demo``: generate a realistic CUR month and estimate it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.cli._options import Format, FormatOpt
from cloudcarbon.cli.estimate import emit
from cloudcarbon.config import load_config
from cloudcarbon.pipeline import estimate

__all__ = ["DEMO_CONFIG", "demo_command"]

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
  { instance_family = "p4d", accelerator = 0.8 },
]
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
    if fmt is Format.table:
        typer.echo(f"demo data: {delivery.root} (config {config_path})", err=True)
    result = estimate([f"aws:{delivery.root}"], month, config=load_config(config_path))
    emit(result, fmt)
