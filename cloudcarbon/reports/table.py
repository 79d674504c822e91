"""``--format table``: the lines with totals last, then coverage per currency, exclusions and flags.

User data (project names, tags, regions) is shown exactly as written: never read as rich markup, and
control characters are shown as ``\\xNN`` instead of reaching the terminal.
"""

from __future__ import annotations

import io
from typing import Any, TextIO

import polars as pl

from cloudcarbon.reports.base import cost, mostly_fallback, safe_text
from cloudcarbon.reports.tokens import render_tokens
from cloudcarbon.results import EstimateResult
from cloudcarbon.schema import FIGURES

__all__ = ["TableRenderer", "render_table"]


def _fmt(v: float) -> str:
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:,.1f}"
    return f"{v:.2g}"


def _money(v: object) -> str:
    return f"{cost(v):,.2f}"


def render_table(result: EstimateResult) -> Any:
    """A rich renderable: lines with totals last, then coverage, exclusions and flags."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    fs = result.factor_set
    cov = result.coverage
    currencies = [str(c) for c in cov["currency"].to_list()]
    single = len(currencies) == 1
    table = Table(
        title=Text(
            f"cloudcarbon estimate {result.month}  (method {result.method}, factor set "
            f"{safe_text(fs.label)}, sha256 {fs.sha256[:12]})"
        ),
        title_justify="left",
        show_footer=True,
    )
    keys = list(result.group_by)
    for i, k in enumerate(keys):
        table.add_column(k, footer="Total" if i == 0 else "", no_wrap=True)
    if single:
        tot_cost = _money(cov["billed_cost"][0])
        table.add_column(f"Cost {safe_text(currencies[0])}", justify="right", footer=tot_cost)
    else:
        # costs in different currencies are never added: the coverage lines below give each total
        table.add_column("Cost", justify="right", footer="per currency below")
        table.add_column("Currency", footer="")
    t = result.totals
    table.add_column("Energy kWh", justify="right", footer=_fmt(t["energy_kwh"]))
    table.add_column(
        "CO2e kg (range)",
        justify="right",
        footer=f"{_fmt(t['co2e_kg'])} ({_fmt(t['co2e_kg_low'])}-{_fmt(t['co2e_kg_high'])})",
    )
    table.add_column("Embodied kg", justify="right", footer=_fmt(t["embodied_co2e_kg"]))
    for row in result.lines.iter_rows(named=True):
        cells: list[Any] = [Text(safe_text(row[k])) if row[k] is not None else "(none)" for k in keys]
        cells.append(_money(row["cost"]))
        if not single:
            cells.append(Text(safe_text(row["currency"])))
        cells += [
            _fmt(row["energy_kwh"]),
            f"{_fmt(row['co2e_kg'])} ({_fmt(row['co2e_kg_low'])}-{_fmt(row['co2e_kg_high'])})",
            _fmt(row["embodied_co2e_kg"]),
        ]
        table.add_row(*cells)
    parts: list[Any] = [table]
    for r in cov.iter_rows(named=True):
        parts.append(
            Text(
                f"Coverage {safe_text(r['currency'])}: billed {_money(r['billed_cost'])} = estimated "
                f"{_money(r['estimated_cost'])} + fallback {_money(r['fallback_cost'])} + excluded "
                f"{_money(r['excluded_cost'])}  ({r['rows']:,} billing rows)"
            )
        )
    for m in mostly_fallback(result):
        parts.append(
            Text(
                f"Warning: {m['fallback_share']:.1%} of the {safe_text(m['currency'])} usage cost rests "
                "on the cost-ratio fallback; these figures depend more on the reference ratio than on "
                "the model.",
                style="bold yellow",
            )
        )
    if result.excluded.height:
        ex = ", ".join(
            f"{safe_text(r['reason'])} {_money(r['cost'])}{'' if single else ' ' + safe_text(r['currency'])}"
            f" ({r['rows']} rows)"
            for r in result.excluded.iter_rows(named=True)
        )
        parts.append(Text(f"Excluded: {ex}"))
    if result.flags.height:
        summary = (
            result.flags.group_by("flag").agg(pl.col("subject").n_unique(), pl.col("rows").sum()).sort("flag")
        )
        fl = "; ".join(
            f"{r['flag']}: {r['subject']} item(s), {r['rows']} rows" for r in summary.iter_rows(named=True)
        )
        parts.append(Text(f"Flagged (see --format json): {fl}", style="yellow"))
    parts.extend(render_tokens(result))
    parts.append(
        Text(
            f"Figures: {', '.join(FIGURES[:1])} includes PUE; CO2e is location-based; "
            "ranges from the utilisation band and factor bands.",
            style="dim",
        )
    )
    return Group(*parts)


class TableRenderer:
    NAME = "table"
    SUFFIX = ".txt"

    def render(self, result: EstimateResult) -> str:
        from rich.console import Console

        buf = io.StringIO()
        Console(file=buf, width=160, color_system=None).print(render_table(result))
        return buf.getvalue()

    def write(self, result: EstimateResult, stream: TextIO) -> None:
        from rich.console import Console

        # piped or redirected output gets a wide page instead of rich's 80-column default
        tty = stream.isatty()
        console = Console(file=stream) if tty else Console(file=stream, width=160)
        console.print(render_table(result))
