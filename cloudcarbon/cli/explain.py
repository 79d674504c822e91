"""``cloudcarbon explain-diff``: default vs CCF-compatible figures per line, and what explains the gap."""

from __future__ import annotations

import json
import sys

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
from cloudcarbon.cli._quiet import QuietOpt, quietable
from cloudcarbon.config import load_config

__all__ = ["explain_command"]

_FIGURES = (
    "default_co2e_kg",
    "default_embodied_co2e_kg",
    "ccf_co2e_kg",
    "ccf_embodied_co2e_kg",
    "gap_kg",
    "cause_kg",
    "default_energy_kwh",
    "ccf_energy_kwh",
)


@quietable
def explain_command(
    month: MonthOpt,
    source: SourcesOpt,
    config: ConfigOpt = None,
    group_by: GroupByOpt = None,
    fmt: FormatOpt = Format.table,
    factors: FactorsOpt = None,
    quiet: QuietOpt = False,  # quietable: the sources' warnings are silenced
) -> None:
    """Per line: the default and the CCF-compatible figure, and the documented difference behind the gap.

    Example: cloudcarbon explain-diff --month 2026-10 --source aws:exports/cur
    """
    from cloudcarbon.explain import CAUSES, explain_diff

    keys = tuple(group_by or ["project"])
    df = explain_diff(source, month, config=load_config(config), factor_set=factors, group_by=keys)
    if fmt is Format.json:
        used = sorted({*df["cause"].to_list(), *df["energy_cause"].to_list()})
        payload = {
            "month": month,
            "group_by": list(keys),
            "lines": df.to_dicts(),
            "legend": {c: CAUSES.get(c, "") for c in used},
        }
        typer.echo(json.dumps(payload, indent=2, default=str))
        return
    if fmt is Format.csv:
        typer.echo(df.write_csv(), nl=False)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from cloudcarbon._escape import safe_terminal
    from cloudcarbon.reports._fit import Col, fitted_table, terminal_width

    rows = list(df.iter_rows(named=True))
    cols = [
        Col(c, [f"{r[c]:,.4f}" if r[c] is not None else "None" for r in rows])
        if c in _FIGURES
        else Col(c, [Text(safe_terminal(str(r[c]))) for r in rows], folds=True)
        for c in df.columns
    ]
    title = f"Default vs CCF-compatible, {month} (kgCO2e; gap = CCF total - default total)"
    width = terminal_width(sys.stdout, 200)
    console = Console(width=width)
    table, left_out = fitted_table(title, cols, width, right=[c in _FIGURES for c in df.columns])
    console.print(table)
    if left_out:
        console.print(Text(f"Not shown at this width: {', '.join(left_out)} (see --format csv or json)."))
    legend = Table(title="Legend: documented differences (docs/method.md section 4)", show_header=True)
    legend.add_column("cause")
    legend.add_column("meaning")
    for code, text in CAUSES.items():
        legend.add_row(code, escape(text))
    console.print(legend)
