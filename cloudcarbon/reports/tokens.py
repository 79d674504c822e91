"""The token lens and the SCI for AI in outputs: a table section, and the per-model CSV.

Model ids and project names are user-visible text taken from billing files: the table shows them with
control characters made visible (never as rich markup), the CSV with formula-like cells neutralised.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from cloudcarbon.reports.base import safe_text
from cloudcarbon.reports.base import short_figure as _fmt
from cloudcarbon.reports.csv import _visible, neutralise
from cloudcarbon.results import EstimateResult

__all__ = ["render_tokens", "tokens_csv", "write_tokens_csv"]


def _mtok(v: float) -> str:
    return _fmt(v / 1e6)


def render_tokens(result: EstimateResult, width: int = 160) -> list[Any]:
    """Rich renderables for ``result.ai["tokens"]`` and ``result.ai["sci"]`` (empty when neither), the
    table fitted to a terminal ``width`` wide: headers whole, columns that cannot fit left out and named."""
    from rich.table import Table
    from rich.text import Text

    from cloudcarbon.reports._fit import fit_rich_table

    parts: list[Any] = []
    tokens = result.ai.get("tokens")
    if tokens is not None and tokens.height:
        table = Table(
            title=Text("Model-API tokens (per-token estimate; the lines above carry these rows by fallback)"),
            title_justify="left",
        )
        # the per-token intensity first: at a narrow width the last columns are left out
        for name in ("provider", "project", "model"):
            table.add_column(name)
        for name in (
            "kgCO2e per Mtok (range)",
            "CO2e kg (range)",
            "Energy kWh",
            "Output Mtok",
            "Input Mtok",
            "Cached Mtok",
        ):
            table.add_column(name, justify="right")
        table.add_column("parameters")
        for r in tokens.iter_rows(named=True):
            params = f"{r['model_class']}{' (estimate)' if r['params_basis'] == 'estimate' else ''}"
            if r["model_status"] == "unknown_model":
                params = "unknown model (wide band)"
            table.add_row(
                Text(safe_text(r["provider"])),
                Text(safe_text(r["project"])),
                Text(safe_text(r["model"])),
                f"{_fmt(r['kgco2e_per_mtok'])} ({_fmt(r['kgco2e_per_mtok_low'])}-"
                f"{_fmt(r['kgco2e_per_mtok_high'])})",
                f"{_fmt(r['co2e_kg'])} ({_fmt(r['co2e_kg_low'])}-{_fmt(r['co2e_kg_high'])})",
                _fmt(r["energy_kwh"]),
                _mtok(r["output_tokens"]),
                _mtok(r["input_tokens"]),
                _mtok(r["cached_input_tokens"]),
                Text(params),
            )
        left_out = fit_rich_table(table, width)
        parts.append(table)
        if left_out:
            parts.append(
                Text(f"Not shown at this width: {', '.join(left_out)} (see --tokens FILE.csv).", style="dim")
            )
    unknown = result.ai.get("tokens_unrecognised")
    if unknown is not None and unknown.height:
        items = "; ".join(
            f"{safe_text(r['usage_type'])} (unit {safe_text(r['unit'])}, {r['rows']} rows)"
            for r in unknown.head(5).iter_rows(named=True)
        )
        parts.append(Text(f"Token rows with an unknown unit, not estimated: {items}", style="yellow"))
    sci = result.ai.get("sci")
    if sci is not None and sci.height:
        lines = []
        for r in sci.iter_rows(named=True):
            unit = r["functional_unit"]
            if r["operational_kg"] is None:
                lines.append(
                    f"  {r['boundary']:<8} {safe_text(r['project'])}: no usage in these sources"
                    f"{'' if unit is None else ' for its ' + safe_text(unit) + ' count'}"
                )
                continue
            if r["sci_kg_per_unit"] is None:
                what = (
                    f"no {safe_text(unit)} count"
                    if unit
                    else "no functional unit count (set [ai] provider_units)"
                )
                lines.append(
                    f"  {r['boundary']:<8} {safe_text(r['project'])}: "
                    f"{_fmt(r['operational_kg'] + r['embodied_kg'])} kgCO2e, {what}"
                )
                continue
            per = "million tokens" if unit == "token" else safe_text(unit)
            scale = 1e6 if unit == "token" else 1.0
            lines.append(
                f"  {r['boundary']:<8} {safe_text(r['project'])}: "
                f"{_fmt(r['sci_kg_per_unit'] * scale)} kgCO2e per {per} "
                f"({_fmt(r['sci_kg_per_unit_low'] * scale)}-{_fmt(r['sci_kg_per_unit_high'] * scale)})"
            )
        parts.append(
            Text(
                "SCI for AI = (E x I + M) / R (Green Software Foundation; consumer: runtime, per token or "
                "request; provider: data engineering and training):\n" + "\n".join(lines)
            )
        )
    return parts


def tokens_csv(result: EstimateResult) -> str:
    """``result.ai["tokens"]`` as CSV text (formula-like text neutralised, controls made visible)."""
    tokens = result.ai.get("tokens")
    if tokens is None:
        tokens = pl.DataFrame(schema={"provider": pl.String, "project": pl.String, "model": pl.String})
    return _visible(neutralise(tokens)).write_csv()


def write_tokens_csv(result: EstimateResult, path: Path) -> None:
    """Write :func:`tokens_csv` to ``path`` (a temporary file in the same folder, then renamed)."""
    text = tokens_csv(result)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
