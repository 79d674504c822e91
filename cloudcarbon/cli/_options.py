"""Options shared by several commands, declared once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.pipeline import GROUP_KEYS

__all__ = ["ConfigOpt", "FactorsOpt", "Format", "FormatOpt", "GroupByOpt", "MonthOpt", "SourcesOpt"]


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
SourcesOpt = Annotated[
    list[str],
    typer.Option(
        "--source",
        "-s",
        help="Export file, report folder or inventory; repeatable. Prefix with aws:, gcp:, azure:, focus: "
        "or inventory: to skip format detection.",
    ),
]
GroupByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--group-by",
        "-g",
        help=f"Line keys, repeatable: {', '.join(GROUP_KEYS)}.",
    ),
]
