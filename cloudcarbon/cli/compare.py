"""``cloudcarbon compare``: a month against a baseline or another month, as a variance bridge per project."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Annotated

import typer

from cloudcarbon.cli._ledger_out import LedgerOpt, TableFormat, open_ledger, render_rows
from cloudcarbon.cli._options import MonthOpt
from cloudcarbon.reports._fit import terminal_width

__all__ = ["compare_command"]


def compare_command(
    month: MonthOpt,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="baseline (the 'default' baseline), baseline:NAME, or a month YYYY-MM "
            "(default: the default baseline).",
        ),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Line key to explain per (default: project).")] = "project",
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")] = TableFormat.table,
    ledger: LedgerOpt = None,
) -> None:
    """The change of a month's CO2e (kg) against a reference, per project, with parts adding up exactly:
    method/factor set, activity, mix, efficiency, grid, unattributed and restatements.

    Example: cloudcarbon compare --month 2026-10 --against 2026-09 --by project
    """
    from cloudcarbon.analysis import bridge_table

    with open_ledger(ledger) as led:
        try:
            out = bridge_table(led, month, against, by=by)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        if out is None:
            typer.echo(
                f"error: no baseline to compare {month} with; set one with `cloudcarbon baseline set "
                "--month YYYY-MM` or pass --against YYYY-MM",
                err=True,
            )
            raise typer.Exit(8)
    rows, label, basis = out
    title = f"CO2e {month} against {label} (kg; base + parts = current)"
    from cloudcarbon.compare import SIDE_FIGURES

    side = [c for c in rows.columns if any(c.endswith((f, f"{f}_note")) for f in SIDE_FIGURES)]
    figures = [c for c in rows.columns if c != by and not c.endswith("_note")]
    # a market-based or water total is the whole or nothing: null when a project's figure is null
    total: dict[str, object] = {by: "Total"}
    for c in figures:
        total[c] = None if rows[c].null_count() else sum(rows[c].to_list(), Decimal(0))
    for c in (c for c in rows.columns if c.endswith("_note")):
        total[c] = "; ".join(sorted({str(v) for v in rows[c].to_list() if v is not None})) or None
    notes = [f"Basis: {basis}."]
    if fmt is TableFormat.table and side:  # the terminal keeps the bridge's columns; totals in words
        notes += _side_notes(total)
        rows = rows.drop(side)
        total = {k: v for k, v in total.items() if k not in side}
    width = terminal_width(sys.stdout, 200)
    text = render_rows(rows, fmt, title=title, notes=notes, total=total, width=width)
    typer.echo(text, nl=False)


def _side_notes(total: dict[str, object]) -> list[str]:
    """The market-based CO2e and water totals of both periods and their change, in words."""
    out = []
    for col, label, unit in (("market_co2e_kg", "Market-based CO2e", "kg"), ("water_l", "Water", "L")):
        if f"change_{col}" not in total:
            continue
        b, c, d = (total[f"{k}_{col}"] for k in ("base", "current", "change"))
        shown = [("n/a" if v is None else f"{v} {unit}") for v in (b, c)]
        change = f"n/a ({total[f'{col}_note']})" if d is None else f"{d} {unit}"
        out.append(f"{label}: base {shown[0]}, current {shown[1]}, change {change}.")
    return out
