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
    figures = [c for c in rows.columns if c.endswith("_kg")]
    total = {by: "Total", **{c: sum(rows[c].to_list(), Decimal(0)) for c in figures}}
    width = terminal_width(sys.stdout, 200)
    text = render_rows(rows, fmt, title=title, notes=[f"Basis: {basis}."], total=total, width=width)
    typer.echo(text, nl=False)
