"""The default method's fallback: energy per unit of effective (amortised) cost, bounded by a reference.

For each provider, currency and service class (:func:`cloudcarbon.fallback_ratio.service_class`),
``ratio = kWh of the estimated rows / their EffectiveCost``, clamped into the factor set's
``fallback_reference_ratios`` band; a group with nothing modelled takes the reference ratio
(:func:`cloudcarbon.fallback_ratio.fallback_ratios`). Effective cost, not billed cost: usage covered by
a commitment is billed at (nearly) 0, so a ratio on billed cost explodes.

A fallback row's energy is its effective cost clipped at 0 times that ratio (applied by the shared
:func:`cloudcarbon.methods.fallback.apply_fallback`), with the factor set's ``fallback_band_low_ratio``
and ``fallback_band_high_ratio`` as bounds. The clip is per billing row, in the per-row query, so a
negative fallback row (a correction billed as usage) adds nothing and cancels nothing, and the lines and
``--detail`` add up to the same figure.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.factors import FactorSet
from cloudcarbon.fallback_ratio import _COMPUTE, _STORAGE
from cloudcarbon.fallback_ratio import fallback_ratios as bounded_ratios
from cloudcarbon.methods.base import FallbackRatios

__all__ = [
    "BASIS",
    "CLASS_COLUMN",
    "effective_cost",
    "fallback_basis",
    "fallback_class",
    "fallback_key",
    "fallback_kwh_per_cost",
    "fallback_ratios",
]

BASIS = "effective (amortised) cost of the row, clipped at 0"

#: Per-row column holding the row's service class (a key of the aggregation).
CLASS_COLUMN = "fallback_class"


def effective_cost() -> nw.Expr:
    """Per billing row: ``EffectiveCost``, or the billed cost when the export has no effective cost."""
    return nw.col("EffectiveCost").cast(nw.Float64()).fill_null(nw.col("BilledCost").cast(nw.Float64()))


def fallback_basis() -> nw.Expr:
    """Per billing row: the cost the ratio multiplies (``max(EffectiveCost, 0)``)."""
    cost = effective_cost()
    return nw.when(cost > 0).then(cost).otherwise(nw.lit(0.0))


def fallback_class() -> nw.Expr:
    """``compute`` / ``storage`` / ``*``: :func:`cloudcarbon.fallback_ratio.service_class` on any engine."""
    ut = nw.col("usage_type").cast(nw.String()).fill_null("")
    text = nw.concat_str(
        [
            nw.col("ServiceName").cast(nw.String()).fill_null(""),
            nw.col("product_family").cast(nw.String()).fill_null(""),
        ],
        separator=" ",
    )
    return (
        nw.when(ut.str.contains(r"(?i)\bEBS:|VolumeUsage|SnapshotUsage|TimedStorage"))
        .then(nw.lit("storage"))
        .when(text.str.contains(_STORAGE))
        .then(nw.lit("storage"))
        .when(text.str.contains(_COMPUTE))
        .then(nw.lit("compute"))
        .otherwise(nw.lit("*"))
    )


def fallback_key() -> nw.Expr:
    """The ratio a row takes: its provider's, in its billing currency, for its class (``aws/USD/compute``)."""
    return nw.concat_str(
        [
            nw.col("ProviderName").cast(nw.String()).fill_null(""),
            nw.lit("/"),
            nw.col("BillingCurrency").cast(nw.String()).fill_null(""),
            nw.lit("/"),
            nw.col(CLASS_COLUMN),
        ]
    )


def fallback_kwh_per_cost(groups: pl.DataFrame, reference: pl.DataFrame) -> pl.DataFrame:
    """The bounded ratio of every ``fallback_key`` that has fallback rows, with its basis. The one place
    the default method's fallback ratio is computed.

    ``groups`` is the aggregate (``fallback_key``, ``ProviderName``, ``BillingCurrency``,
    ``fallback_class``, ``fate``, ``energy_kwh``, ``effective_cost``); the observed ratio of a key is the
    modelled energy of its estimated rows over their effective cost.
    """
    keyed = groups.filter(pl.col("fallback_key").is_not_null())
    wanted = keyed.filter(pl.col("fate") == "fallback").select("fallback_key").unique()
    est = pl.col("fate") == "estimated"
    per_key = (
        keyed.join(wanted, on="fallback_key", how="semi")
        .group_by("fallback_key")
        .agg(
            pl.col("ProviderName").first(),
            pl.col("BillingCurrency").first(),
            pl.col(CLASS_COLUMN).first().alias("service_class"),
            pl.col("energy_kwh").filter(est).sum(),
            pl.col("effective_cost").filter(est).cast(pl.Float64).sum(),
        )
        .sort("fallback_key")
    )
    bounded = bounded_ratios(per_key.drop("fallback_key"), reference)
    return pl.concat([per_key.select("fallback_key"), bounded], how="horizontal")


def fallback_ratios(groups: pl.DataFrame, factors: FactorSet) -> FallbackRatios:
    """The ratios and band of the default method's fallback, with each key's basis in ``detail``."""
    try:
        reference = factors.table("fallback_reference_ratios")
    except KeyError:  # an older or user-made set without the table: observed ratios, unbounded
        reference = pl.DataFrame(
            schema={
                "provider": pl.String,
                "currency": pl.String,
                "service_class": pl.String,
                "kwh_per_cost": pl.Float64,
                "kwh_per_cost_low": pl.Float64,
                "kwh_per_cost_high": pl.Float64,
            }
        )
    table = fallback_kwh_per_cost(groups, reference)
    detail: dict[str, Any] = {
        str(r["fallback_key"]): {k: v for k, v in r.items() if k != "fallback_key"}
        for r in table.iter_rows(named=True)
    }
    return FallbackRatios(
        ratios={str(r["fallback_key"]): float(r["kwh_per_cost"]) for r in table.iter_rows(named=True)},
        low=factors.coefficient("fallback_band_low_ratio"),
        high=factors.coefficient("fallback_band_high_ratio"),
        basis=BASIS,
        detail=detail,
    )
