"""``--format table``: the lines with totals last, then coverage per currency, exclusions and flags.

User data (project names, tags, regions) is shown exactly as written: never read as rich markup, and
control characters are shown as ``\\xNN`` instead of reaching the terminal.
"""

from __future__ import annotations

import io
from typing import Any, TextIO

import polars as pl

from cloudcarbon.reports._fit import Col, fit_widths, terminal_width
from cloudcarbon.reports._market import market_water_text
from cloudcarbon.reports.base import cost, mostly_fallback, safe_text
from cloudcarbon.reports.base import short_figure as _fmt
from cloudcarbon.reports.tokens import render_tokens
from cloudcarbon.results import EstimateResult
from cloudcarbon.schema import FIGURES

__all__ = ["TableRenderer", "render_table"]


def _money(v: object) -> str:
    return f"{cost(v):,.2f}"


#: Columns left out, in this order, when the table does not fit the width (the note says so).
_OPTIONAL = ("Water L", "Embodied kg", "Energy kWh", "Market CO2e kg")

#: How a market-based or water figure with no factor shows (the sentence under the table says why).
NOT_AVAILABLE = "n/a"


def _na(v: float | None) -> str:
    return NOT_AVAILABLE if v is None else _fmt(v)


def _partial(v: float | None, share: float | None) -> str:
    """A total of a market-based or water figure; ``(part)`` when it covers only part of the energy."""
    if v is None:
        return NOT_AVAILABLE
    return _fmt(v) if share is None or share >= 1 - 1e-12 else f"{_fmt(v)} (part)"


def _columns(result: EstimateResult, *, range_below: bool) -> list[Col]:
    """The line table's columns (cells as shown, footer last); CO2e's range after it or on a line below."""
    from rich.text import Text

    cov = result.coverage
    currencies = [str(c) for c in cov["currency"].to_list()]
    single = len(currencies) == 1
    lines = list(result.lines.iter_rows(named=True))
    t = result.totals.row(0, named=True)
    sep = "\n" if range_below else " "

    def co2e(r: dict[str, Any]) -> str:
        return f"{_fmt(r['co2e_kg'])}{sep}({_fmt(r['co2e_kg_low'])}-{_fmt(r['co2e_kg_high'])})"

    cols = [
        Col(
            k,
            [Text(safe_text(r[k])) if r[k] is not None else "(none)" for r in lines],
            footer="Total" if i == 0 else "",
            folds=True,
        )
        for i, k in enumerate(result.group_by)
    ]
    if single:  # costs in different currencies are never added: the coverage lines give each total
        cols.append(Col(f"Cost {safe_text(currencies[0])}", [_money(r["cost"]) for r in lines],
                        footer=_money(cov["billed_cost"][0])))  # fmt: skip
    else:
        cols.append(Col("Cost", [_money(r["cost"]) for r in lines], footer="per currency below"))
        cols.append(Col("Currency", [Text(safe_text(r["currency"])) for r in lines], folds=True))
    cols.append(Col("Energy kWh", [_fmt(r["energy_kwh"]) for r in lines], footer=_fmt(t["energy_kwh"])))
    cols.append(Col("CO2e kg (range)", [co2e(r) for r in lines], footer=co2e(t)))
    if "market_co2e_kg" in result.lines.columns:  # results made before these figures have none
        cols.append(Col("Market CO2e kg", [_na(r["market_co2e_kg"]) for r in lines],
                        footer=_partial(t.get("market_co2e_kg"), t.get("market_kwh_share"))))  # fmt: skip
    cols.append(Col("Embodied kg", [_fmt(r["embodied_co2e_kg"]) for r in lines],
                    footer=_fmt(t["embodied_co2e_kg"])))  # fmt: skip
    if "water_l" in result.lines.columns:
        cols.append(Col("Water L", [_na(r["water_l"]) for r in lines],
                        footer=_partial(t.get("water_l"), t.get("water_kwh_share"))))  # fmt: skip
    return cols


def _layout(result: EstimateResult, width: int) -> tuple[list[Col], list[int] | None, list[str]]:
    """The richest layout that fits ``width``. With every column: each value on one line, then CO2e's
    range on a line below its value, then user values folded; only then without the optional columns,
    in the same order. Returns the columns, their widths and the headers left out."""
    variants = {below: _columns(result, range_below=below) for below in (False, True)}
    for n in range(len(_OPTIONAL) + 1):
        shown = {b: [c for c in cols if c.header not in _OPTIONAL[:n]] for b, cols in variants.items()}
        for squeeze in (False, True):
            for below in (False, True):
                widths = fit_widths(shown[below], width)
                if widths is not None and (squeeze or widths == [c.natural for c in shown[below]]):
                    return shown[below], widths, list(_OPTIONAL[:n])
    return variants[True], None, []  # not even the narrowest layout fits: rich decides (a tiny terminal)


def render_table(result: EstimateResult, width: int = 160) -> Any:
    """A rich renderable for a terminal ``width`` wide: lines with totals last, then coverage, exclusions
    and flags. Headers are never cut: user values fold, and columns are left out (with a note) before a
    header would have to be."""
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
    cols, widths, left_out = _layout(result, width)
    for i, c in enumerate(cols):
        table.add_column(
            c.header,
            footer=c.footer,
            justify="left" if c.folds else "right",
            overflow="fold",
            width=None if widths is None else widths[i],
        )
    for row in zip(*(c.cells for c in cols), strict=True):
        table.add_row(*row)
    parts: list[Any] = [table]
    if left_out:
        parts.append(
            Text(f"Not shown at this width: {', '.join(left_out)} (see --format csv or json).", style="dim")
        )
    for r in cov.iter_rows(named=True):
        parts.append(
            Text(
                f"Coverage {safe_text(r['currency'])}: billed {_money(r['billed_cost'])} = estimated "
                f"{_money(r['estimated_cost'])} + fallback {_money(r['fallback_cost'])} + excluded "
                f"{_money(r['excluded_cost'])}  ({r['rows']:,} billing rows)"
            )
        )
    for r in result.sharing.iter_rows(named=True):
        share = "" if r["share"] is None else f"{r['share']:.1%} of its {safe_text(r['currency'])} cost, "
        parts.append(
            Text(
                f"Shared (rule {r['rule']}, {safe_text(r['basis'])}): {safe_text(r['from_project'])} -> "
                f"{safe_text(r['to_project'])} {_money(r['cost'])} {safe_text(r['currency'])} ({share}"
                f"{_fmt(r['co2e_kg'])} kg CO2e)"
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
    parts.extend(Text(safe_text(line)) for line in market_water_text(result))
    parts.extend(render_tokens(result, width))
    cal = result.assumptions.get("calibration")
    if isinstance(cal, dict):
        parts.append(
            Text(
                f"Calibrated to the providers' own figures on {cal['matched_keys']} account x region x "
                f"service key(s) ({cal['ours_before_kg']:.6g} kg estimated -> {cal['provider_kg']:.6g} kg "
                f"published); {len(cal['ours_only'])} key(s) keep cloudcarbon's figure, "
                f"{len(cal['provider_only'])} provider-only key(s) (see `cloudcarbon reconcile`).",
                style="yellow",
            )
        )
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

        # the terminal's width ($COLUMNS first); piped or redirected output gets a wide page instead of
        # rich's 80-column default
        width = terminal_width(stream, 160)
        Console(file=stream, width=width).print(render_table(result, width))
