"""CCF's unknown-usage ratios (CCF:packages/core/src/unknown/UnknownEstimator.ts).

AWS: kWh = cost x (kWh / cost) of the estimated rows of the same usage unit over all services, else 0
(ESTIMATE_UNKNOWN_USAGE_BY = cost): CCF's AWS and Azure code never passes the service into the unknown
estimate (CostAndUsageReports.ts / ConsumptionManagement.ts getEstimateForUnknownUsage), so the
per-service ratio of UnknownEstimator.ts never applies, and there is no provider-wide level.
Azure: the same with usageAmount instead of cost. GCP likewise (usageAmount): its UnknownUsage carries
no service either (BillingExportTable.ts getEstimateForUnknownUsage), so only the unit's ratio applies.
co2e = kWh x the row's grid factor. Only the compute (hour units), storage and networking branches
accumulate the totals. CCF estimates unknown rows only when some row was estimated.

The ratios are resolved here per ``fallback_key`` (provider, service, CCF unit) and applied by the
shared :func:`cloudcarbon.methods.fallback.apply_fallback`, like every method's.
"""

from __future__ import annotations

import narwhals as nw
import polars as pl

from cloudcarbon.methods.base import FallbackRatios

__all__ = ["BASIS", "fallback_basis", "fallback_key", "fallback_ratios", "level_ratios"]

BASIS = "CCF unknown usage: billed cost (AWS) or usage amount (GCP, Azure), not clipped"


def fallback_basis() -> nw.Expr:
    """Per row: cost for AWS, CCF's usage amount for GCP and Azure."""
    return (
        nw.when(nw.col("ProviderName") == "aws")
        .then(nw.col("BilledCost").cast(nw.Float64()))
        .otherwise(nw.col("ccf_usage_amount").cast(nw.Float64()))
    )


def fallback_key() -> nw.Expr:
    """``provider|service|unit`` (a missing service spelled ``None``, as CCF's lookup does)."""
    return nw.concat_str(
        [
            nw.col("ProviderName"),
            nw.lit("|"),
            nw.col("ServiceName").fill_null("None"),
            nw.lit("|"),
            nw.col("ccf_unit"),
        ]
    )


def level_ratios(groups: pl.DataFrame, amount: str, cost: str) -> dict[str, float]:
    acc = groups.filter(pl.col("ccf_accumulate").fill_null(False) & (pl.col("fate") == "estimated"))
    acc = acc.with_columns(
        pl.when(pl.col("ProviderName") == "aws")
        .then(pl.col(cost).cast(pl.Float64))
        .otherwise(pl.col(amount).cast(pl.Float64))
        .alias("_basis")
    )
    # GCP accumulates the compute kWh before the embodied kWh is added (BillingExportTable.ts
    # getComputeFootprintEstimate); AWS and Azure accumulate the row's total, embodied included
    acc = acc.with_columns(
        pl.when(pl.col("ProviderName") == "gcp")
        .then(pl.col("energy_kwh") - pl.col("ccf_embodied_kwh").fill_null(0.0))
        .otherwise(pl.col("energy_kwh"))
        .alias("energy_kwh")
    )
    out: dict[str, float] = {}
    levels = (
        ("svc", ["ProviderName", "ServiceName", "ccf_unit"]),
        ("unit", ["ProviderName", "ccf_unit"]),
        ("all", ["ProviderName"]),
    )
    for level, keys in levels:
        agg = acc.group_by(keys).agg(pl.col("energy_kwh").sum(), pl.col("_basis").sum())
        for r in agg.iter_rows(named=True):
            ratio = r["energy_kwh"] / r["_basis"] if r["_basis"] else 0.0
            out["|".join([level, *(str(r[k]) for k in keys)])] = ratio
    return out


def fallback_ratios(groups: pl.DataFrame) -> FallbackRatios:
    """Per fallback key: the ratio of the key's CCF unit, else 0."""
    levels = level_ratios(groups, "ccf_usage_amount", "cost")
    keys = groups.filter(pl.col("fate") == "fallback").select(
        "fallback_key", "ProviderName", "ServiceName", "ccf_unit"
    )
    resolved: dict[str, float] = {}
    for r in keys.unique().iter_rows(named=True):
        if r["fallback_key"] is None:
            continue
        p, unit = str(r["ProviderName"]), str(r["ccf_unit"])
        resolved[r["fallback_key"]] = levels.get(f"unit|{p}|{unit}", 0.0)
    return FallbackRatios(ratios=resolved, basis=BASIS, detail=levels)
