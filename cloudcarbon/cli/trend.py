"""``cloudcarbon trend``: CO2e month by month, with the baseline, in every format (HTML with its chart)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.cli._ledger_out import LedgerOpt, TableFormat, open_ledger, render_rows
from cloudcarbon.cli._options import check_month
from cloudcarbon.cli._quiet import QuietOpt, notice, quietable
from cloudcarbon.reports._fit import terminal_width

__all__ = ["TrendFormat", "trend_command"]


class TrendFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"
    html = "html"


def trend_html(df_rows: list[dict[str, object]], trend: object, title: str, columns: list[str]) -> str:
    """One self-contained HTML page: the trend chart (inline SVG) and the table, user text escaped."""
    from cloudcarbon._escape import safe_html as esc
    from cloudcarbon.statements.html import _CSP, _CSS
    from cloudcarbon.statements.model import Trend
    from cloudcarbon.statements.svg import line_chart

    assert isinstance(trend, Trend)
    months = list(trend.months)
    series = []
    for s in trend.series:
        by_month = {p.month: float(p.co2e_kg) for p in s.points}
        series.append((s.name, [by_month.get(m) for m in months]))
    bases = [s.baseline_kg for s in trend.series]
    single = float(bases[0]) if len(bases) == 1 and bases[0] is not None else None
    chart = line_chart(months, series, baseline=single, title="CO2e per month") if months else ""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for r in df_rows:
        cells = []
        for c in columns:
            v = r[c]
            text = "" if v is None else format(v, "f") if hasattr(v, "as_tuple") else str(v)
            cells.append(f"<td>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f"<p>Baseline: {esc(trend.baseline)}.</p>" if trend.baseline else "<p>No baseline.</p>"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{esc(title)}</h1>{note}<section id="trend">{chart}'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></section>"
        "</body></html>\n"
    )


@quietable
def trend_command(
    start: Annotated[str, typer.Option("--from", callback=check_month, help="First month, YYYY-MM.")],
    end: Annotated[str, typer.Option("--to", callback=check_month, help="Last month, YYYY-MM.")],
    by: Annotated[
        str | None, typer.Option("--by", help="One series per value of this key (e.g. project).")
    ] = None,
    against: Annotated[
        str | None,
        typer.Option("--against", help="baseline, baseline:NAME or a month (default: the default baseline)."),
    ] = None,
    fmt: Annotated[TrendFormat, typer.Option("--format", "-f", help="Output format.")] = TrendFormat.table,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
    ledger: LedgerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """CO2e, embodied CO2e and energy month by month (each month's current version), against the baseline.

    Example: cloudcarbon trend --from 2026-08 --to 2026-10 --by project -f md
    """
    from cloudcarbon.analysis import trend_table
    from cloudcarbon.statements.model import Trend

    with open_ledger(ledger) as led:
        try:
            df, label = trend_table(led, start, end, by=by, against=against)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    title = f"CO2e trend {start} to {end}" + (f" by {by}" if by else "")
    notes = [f"Baseline: {label}." if label else "No baseline."]
    if fmt is TrendFormat.html:
        rows = df.to_dicts()
        named = [{**r, by: "(none)" if r[by] is None else r[by]} for r in rows] if by else rows
        text = trend_html(rows, Trend.from_rows(named, series=by, baseline=label), title, df.columns)
    else:
        width = 200 if out is not None else terminal_width(sys.stdout, 200)  # a file gets a wide page
        text = render_rows(df, TableFormat(fmt.value), title=title, notes=notes, width=width)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        notice(f"wrote {out}")
