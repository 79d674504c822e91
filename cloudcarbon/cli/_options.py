"""Options shared by several commands, declared once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["ConfigOpt", "FactorsOpt", "Format", "FormatOpt", "MonthOpt"]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


MonthOpt = Annotated[str, typer.Option("--month", "-m", help="Billing month, YYYY-MM.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="cloudcarbon.toml (default: ./cloudcarbon.toml if present)."),
]
FactorsOpt = Annotated[
    str | None, typer.Option("--factors", help="Factor-set version or folder (default: newest shipped).")
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
