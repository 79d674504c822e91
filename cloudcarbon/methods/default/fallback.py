"""The default method's fallback: energy per unit of billed cost, from the same provider's modelled rows.

For each provider and currency, ``ratio = kWh of the estimated rows / their billed cost``; a fallback
row's energy is its billed cost clipped at 0 times that ratio (applied by the shared
:func:`cloudcarbon.methods.fallback.apply_fallback`), with the factor set's ``fallback_band_low_ratio``
and ``fallback_band_high_ratio`` as bounds. The clip is per billing row, in the per-row query, so a
negative fallback row (a correction billed as usage) adds nothing and cancels nothing, and the lines and
``--detail`` add up to the same figure.
"""

from __future__ import annotations

import narwhals as nw
import polars as pl

from cloudcarbon.factors import FactorSet
from cloudcarbon.methods.base import FallbackRatios

__all__ = ["BASIS", "fallback_basis", "fallback_key", "fallback_kwh_per_cost", "fallback_ratios"]

BASIS = "billed cost of the row, clipped at 0"


def fallback_basis() -> nw.Expr:
    """Per billing row: the cost the ratio multiplies (``max(BilledCost, 0)``)."""
    cost = nw.col("BilledCost").cast(nw.Float64())
    return nw.when(cost > 0).then(cost).otherwise(nw.lit(0.0))


def fallback_key() -> nw.Expr:
    """The ratio a row takes: its provider's, in its billing currency (``aws/USD``)."""
    return nw.concat_str([nw.col("ProviderName"), nw.lit("/"), nw.col("BillingCurrency")])


def fallback_kwh_per_cost(groups: pl.DataFrame) -> dict[str, float]:
    """kWh per unit of billed cost of the estimated rows, per ``fallback_key`` (0 when their cost is not
    positive). The one place the default method's fallback ratio is computed."""
    est = (
        groups.filter(pl.col("fate") == "estimated")
        .group_by("fallback_key")
        .agg(pl.col("energy_kwh").sum(), pl.col("cost").cast(pl.Float64).sum().alias("_c"))
        .with_columns(
            pl.when(pl.col("_c") > 0).then(pl.col("energy_kwh") / pl.col("_c")).otherwise(0.0).alias("_ratio")
        )
    )
    return {
        str(r["fallback_key"]): float(r["_ratio"]) for r in est.iter_rows(named=True) if r["fallback_key"]
    }


def fallback_ratios(groups: pl.DataFrame, factors: FactorSet) -> FallbackRatios:
    """The ratios and band of the default method's fallback."""
    return FallbackRatios(
        ratios=fallback_kwh_per_cost(groups),
        low=factors.coefficient("fallback_band_low_ratio"),
        high=factors.coefficient("fallback_band_high_ratio"),
        basis=BASIS,
    )
