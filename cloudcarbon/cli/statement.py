"""``cloudcarbon statement``: a month's carbon statement, read from the ledger alone."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cloudcarbon._escape import safe_terminal
from cloudcarbon.cli._ledger import LedgerOpt, open_ledger
from cloudcarbon.cli._options import ConfigOpt, MonthOpt
from cloudcarbon.cli._quiet import QuietOpt, notice, quietable
from cloudcarbon.config import load_config
from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.ledger import Ledger
from cloudcarbon.reports._fit import terminal_width

if TYPE_CHECKING:
    from cloudcarbon.statements.model import Comparison, Trend

__all__ = ["NO_ORGANISATION", "StatementFormat", "statement_command"]

#: Organisation shown when the configuration names none.
NO_ORGANISATION = "(not set: [organisation] name in cloudcarbon.toml)"


class StatementFormat(StrEnum):
    table = "table"
    md = "md"
    html = "html"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


@quietable
def statement_command(
    month: MonthOpt,
    fmt: Annotated[
        StatementFormat, typer.Option("--format", "-f", help="Output format.")
    ] = StatementFormat.table,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (required for xlsx).")
    ] = None,
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="Also write the assurance pack to this folder: input hashes, factor rows, config, "
            "statement.json and a per-row lineage.csv.",
        ),
    ] = None,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="Compare with baseline[:NAME] or a month YYYY-MM (default: the default baseline, if set).",
        ),
    ] = None,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Print or write a month's carbon statement from the ledger (no input files needed).

    Example: cloudcarbon statement -m 2026-10 --format html --out statement.html
    """
    from cloudcarbon.statements.build import build_statement

    if fmt is StatementFormat.xlsx and out is None:
        raise typer.BadParameter("xlsx is a binary file: give --out FILE.xlsx", param_hint="--format")
    cfg = load_config(config)
    with open_ledger(ledger, cfg) as lg:
        comparison, trend = _comparison_and_trend(lg, month, against)
        st = build_statement(
            lg, month, organisation=cfg.organisation or NO_ORGANISATION, comparison=comparison, trend=trend
        )
        if evidence is not None:
            from cloudcarbon.statements.evidence import write_evidence

            ev = write_evidence(lg, month, st, evidence)
            notice(f"evidence pack for {month} in {evidence}/ ({', '.join(ev.files)})")
            for problem in ev.problems:
                notice(f"warning: {problem}")
    _write(st, fmt, out)


#: How many months before the statement's month its trend section shows (when recorded).
TREND_MONTHS = 12


def _comparison_and_trend(
    lg: Ledger, month: str, against: str | None
) -> tuple[Comparison | None, Trend | None]:
    """The baseline bridge and the trend up to ``month``. Without ``--against``, a default baseline
    recorded under another factor set or method is left out with a warning rather than failing the
    statement; with ``--against`` every problem is an error."""
    from cloudcarbon.analysis import baseline_comparison, trend_section

    try:
        comparison = baseline_comparison(lg, month, against)
    except CloudCarbonError as exc:
        if against is not None:
            raise
        notice(f"warning: no baseline comparison in the statement: {safe_terminal(str(exc))}")
        comparison = None
    earlier = [m for m in lg.months() if m <= month][-TREND_MONTHS:]
    trend = trend_section(lg, earlier[0], month, against=against) if len(earlier) > 1 else None
    return comparison, trend


def _fitted(group: Any, width: int) -> Any:
    """The statement's tables fitted to ``width`` (headers whole; a note after a table that lost columns)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from cloudcarbon.reports._fit import fit_rich_table

    parts: list[Any] = []
    for part in group.renderables:
        parts.append(part)
        if isinstance(part, Table):
            dropped = fit_rich_table(part, width)
            if dropped:
                parts.append(Text(f"Not shown at this width: {', '.join(dropped)} (see --format csv or md)."))
    return Group(*parts)


def _write(st: object, fmt: StatementFormat, out: Path | None) -> None:
    from cloudcarbon.statements import render_html, render_markdown, render_xlsx
    from cloudcarbon.statements.data import render_csv, render_json, render_table
    from cloudcarbon.statements.model import Statement

    assert isinstance(st, Statement)
    if fmt is StatementFormat.xlsx:
        assert out is not None
        render_xlsx(st, out)
        return
    if fmt is StatementFormat.table:
        from rich.console import Console

        if out is None:
            width = terminal_width(sys.stdout, 160)
            Console(highlight=False, soft_wrap=True, width=width).print(_fitted(render_table(st), width))
            return
        with out.open("w", encoding="utf-8") as fh:
            Console(file=fh, highlight=False, width=160).print(render_table(st))
        return
    text = {
        StatementFormat.md: render_markdown,
        StatementFormat.html: render_html,
        StatementFormat.csv: render_csv,
        StatementFormat.json: render_json,
    }[fmt](st)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8", newline="")
