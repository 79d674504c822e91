"""Bringing a method's per-row output to the declared estimate schema (shared by every method)."""

from __future__ import annotations

from typing import Any

import narwhals as nw

from cloudcarbon.schema import ESTIMATE_ROW

__all__ = ["complete"]


def complete(rows: nw.LazyFrame[Any], *, fallback_basis: nw.Expr, fallback_key: nw.Expr) -> nw.LazyFrame[Any]:
    """Drop helper columns (``_*``); add ``reason``, the fallback basis and key, and every declared
    column the method does not model (figures as 0.0, labels as NULL), so every method yields the schema.

    ``fallback_basis`` is evaluated for ``fate == "fallback"`` rows (0 elsewhere); ``fallback_key`` names
    the ratio the row takes (see :class:`~cloudcarbon.methods.base.FallbackRatios`).
    """
    rows = rows.drop(*[c for c in rows.collect_schema().names() if c.startswith("_")])
    have = set(rows.collect_schema().names())
    fill: list[nw.Expr] = []
    if "reason" not in have:
        fill.append(nw.col("exclusion_reason").fill_null(nw.col("status_note")).alias("reason"))
    if "stage" not in have:
        fill.append(nw.lit("other").alias("stage"))
    for name, col in ESTIMATE_ROW.items():
        if name in have or name in ("reason", "stage") or name.startswith("fallback_basis"):
            continue
        if isinstance(col.dtype, nw.Float64):
            fill.append(nw.lit(0.0).alias(name))
        else:
            fill.append(nw.lit(None, col.dtype).alias(name))
    basis = nw.when(nw.col("fate") == "fallback").then(fallback_basis).otherwise(nw.lit(0.0)).fill_null(0.0)
    return rows.with_columns(
        *fill, basis.alias("fallback_basis"), fallback_key.alias("fallback_key")
    ).with_columns((nw.col("fallback_basis") * nw.col("g_co2e_per_kwh")).alias("fallback_basis_x_g"))
