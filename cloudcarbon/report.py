"""Rendering an :class:`~cloudcarbon.pipeline.EstimateResult`: JSON document, CSV lines, terminal table."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import polars as pl

from cloudcarbon._version import __version__
from cloudcarbon.pipeline import FIGURES, EstimateResult

__all__ = ["render_table", "to_csv", "to_json", "to_json_dict"]

_DEC = "\x00dec:"


def _cost(v: object) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(0) if v is None else Decimal(str(v))


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else float(f"{f:.10g}")  # 10 significant digits, tiny values kept


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in df.iter_rows(named=True):
        rec: dict[str, Any] = {}
        for k, v in row.items():
            if isinstance(v, Decimal):
                rec[k] = _cost(v)
            elif isinstance(v, float):
                rec[k] = _num(v)
            else:
                rec[k] = v
        out.append(rec)
    return out


def to_json_dict(result: EstimateResult) -> dict[str, Any]:
    """The estimate as a JSON-ready dict (costs as :class:`~decimal.Decimal`)."""
    cov = _records(result.coverage)
    first = cov[0] if cov else {"currency": None, "billed_cost": Decimal(0)}
    coverage = {
        "billed_cost": first.get("billed_cost", Decimal(0)),
        "estimated_cost": first.get("estimated_cost", Decimal(0)),
        "fallback_cost": first.get("fallback_cost", Decimal(0)),
        "excluded_cost": first.get("excluded_cost", Decimal(0)),
        "currency": first.get("currency"),
        "rows": first.get("rows", 0),
    }
    flags = _records(result.flags)
    fs = result.factor_set
    return {
        "month": result.month,
        "tool": {"name": "cloudcarbon", "version": __version__},
        "factor_set": {"version": fs.version, "sha256": fs.sha256, "user_made": fs.user_made},
        "method": result.method,
        "sources": list(result.sources),
        "group_by": list(result.group_by),
        "usage_period": {
            "start": None if result.usage_period[0] is None else str(result.usage_period[0]),
            "end": None if result.usage_period[1] is None else str(result.usage_period[1]),
        },
        "coverage": coverage,
        "coverage_by_currency": cov,
        "totals": {k: _num(v) or 0.0 for k, v in result.totals.items()},
        "lines": _records(result.lines),
        "excluded": _records(result.excluded),
        "flags": flags,
        "unknown_instance_types": sorted(
            {f["subject"] for f in flags if f["flag"] == "unknown_instance_type"}
        ),
        "unknown_regions": sorted({f["subject"] for f in flags if f["flag"] == "unknown_region"}),
        "ai": {name: _records(df) for name, df in result.ai.items()},
        "band_sources": [
            "utilisation: CPU and accelerator utilisation swept over the band (coefficients.csv)",
            "accelerator_factor: accelerator TDP/idle band (accelerators.csv band_ratio; wider when derived)",
            "grid: grid factor of an earlier year or a provider/global mean (grid_substitution_band_ratio)",
            "fallback: cost-ratio estimate of unmodelled usage (fallback_band_low/high_ratio)",
            "embodied: embodied-emissions band (embodied_band_ratio)",
        ],
        "assumptions": {
            "cpu_utilisation": fs.coefficient("cpu_utilisation_default"),
            "cpu_utilisation_band": [
                fs.coefficient("cpu_utilisation_low"),
                fs.coefficient("cpu_utilisation_high"),
            ],
            "accelerator_utilisation": fs.coefficient("accelerator_utilisation_default"),
            "fallback_kwh_per_cost": result.fallback_kwh_per_cost,
            "fallback_band": [
                fs.coefficient("fallback_band_low_ratio"),
                fs.coefficient("fallback_band_high_ratio"),
            ],
        },
    }


def to_json(result: EstimateResult, *, indent: int | None = 2) -> str:
    """JSON text. Costs are written as exact decimal numbers (no float rounding)."""

    def default(o: object) -> object:
        if isinstance(o, Decimal):
            return f"{_DEC}{o:f}"
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    text = json.dumps(to_json_dict(result), indent=indent, default=default, ensure_ascii=False)
    return re.sub(r'"\\u0000dec:(-?[0-9.E+-]+)"', r"\1", text)


def to_csv(result: EstimateResult) -> str:
    """The lines as CSV (costs as exact decimals)."""
    df = result.lines.with_columns(
        [pl.col(c).cast(pl.String) for c, t in result.lines.schema.items() if isinstance(t, pl.Decimal)]
    )
    return df.write_csv()


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
    return f"{_cost(v):,.2f}"


def render_table(result: EstimateResult) -> Any:
    """A rich renderable: lines with totals last, then coverage, exclusions and flags."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    fs = result.factor_set
    cov = result.coverage
    currency = cov["currency"][0] if cov.height else ""
    table = Table(
        title=f"cloudcarbon estimate {result.month}  (factor set {fs.label}, sha256 {fs.sha256[:12]})",
        title_justify="left",
        show_footer=True,
    )
    keys = list(result.group_by)
    for i, k in enumerate(keys):
        table.add_column(k, footer="Total" if i == 0 else "", no_wrap=True)
    tot_cost = result.lines["cost"].sum() if result.lines.height else Decimal(0)
    t = result.totals
    table.add_column(f"Cost {currency}", justify="right", footer=_money(tot_cost))
    table.add_column("Energy kWh", justify="right", footer=_fmt(t["energy_kwh"]))
    table.add_column(
        "CO2e kg (range)",
        justify="right",
        footer=f"{_fmt(t['co2e_kg'])} ({_fmt(t['co2e_kg_low'])}-{_fmt(t['co2e_kg_high'])})",
    )
    table.add_column("Embodied kg", justify="right", footer=_fmt(t["embodied_co2e_kg"]))
    for row in result.lines.iter_rows(named=True):
        table.add_row(
            *[str(row[k]) if row[k] is not None else "(none)" for k in keys],
            _money(row["cost"]),
            _fmt(row["energy_kwh"]),
            f"{_fmt(row['co2e_kg'])} ({_fmt(row['co2e_kg_low'])}-{_fmt(row['co2e_kg_high'])})",
            _fmt(row["embodied_co2e_kg"]),
        )
    parts: list[Any] = [table]
    for r in cov.iter_rows(named=True):
        parts.append(
            Text(
                f"Coverage {r['currency']}: billed {_money(r['billed_cost'])} = estimated "
                f"{_money(r['estimated_cost'])} + fallback {_money(r['fallback_cost'])} + excluded "
                f"{_money(r['excluded_cost'])}  ({r['rows']:,} billing rows)"
            )
        )
    if result.excluded.height:
        ex = ", ".join(
            f"{r['reason']} {_money(r['cost'])} ({r['rows']} rows)"
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
    parts.append(
        Text(
            f"Figures: {', '.join(FIGURES[:1])} includes PUE; CO2e is location-based; "
            "ranges from the utilisation band and factor bands.",
            style="dim",
        )
    )
    return Group(*parts)
