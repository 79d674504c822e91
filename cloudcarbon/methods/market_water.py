"""Market-based CO2e and water beside the location-based figures (docs/method.md sections 3.5 and 3.6).

A method supplies one factor table per (``ProviderName``, ``RegionId``) of the month
(:data:`FACTOR_COLUMNS`); :func:`apply_market_water` turns a frame's energy into the figures, on the
aggregated groups (after the fallback has filled their energy) and on the per-row detail alike, so the
two add up. A group's provider and region fix its factors, so a group's figure is either computed or
NULL with a status and a reason; it is never the location-based figure.

* ``market_co2e_kg = energy_kwh x market g/kWh / 1000`` (bounds from the energy bounds);
* ``water_site_l = energy_kwh / PUE x WUE`` (IT kWh x on-site litres per IT kWh; bounds from the energy
  bounds and the WUE band); ``water_source_l = energy_kwh x EWF`` (facility kWh x litres consumed per kWh
  generated); ``water_l`` is their sum, NULL unless both parts are known.

Lines and totals (:func:`summed`) add the groups that have a figure and say which share of the energy
that covers (``market_kwh_share``, ``water_kwh_share``); with no group covered the figure is NULL and
``market_reason`` / ``water_reason`` say why.
"""

from __future__ import annotations

from typing import Any, TypeVar

import narwhals as nw
import polars as pl

from cloudcarbon.methods.base import ToLazy
from cloudcarbon.schema import MARKET_WATER_DETAIL, MARKET_WATER_FIGURES, MARKET_WATER_TEXT

__all__ = [
    "FACTOR_COLUMNS",
    "MARKET_WATER_DETAIL",
    "MARKET_WATER_FIGURES",
    "MARKET_WATER_TEXT",
    "apply_market_water",
    "factor_table",
    "no_factors",
    "summed",
]

#: The per-(provider, region) factor table a method supplies.
FACTOR_COLUMNS: dict[str, Any] = {
    "ProviderName": pl.String,
    "RegionId": pl.String,
    "market_g_co2e_per_kwh": pl.Float64,
    "market_status": pl.String,
    "market_reason": pl.String,
    "wue_l_per_kwh": pl.Float64,
    "wue_l_per_kwh_low": pl.Float64,
    "wue_l_per_kwh_high": pl.Float64,
    "water_pue": pl.Float64,
    "ewf_l_per_kwh": pl.Float64,
    "water_status": pl.String,
    "water_reason": pl.String,
}
F = TypeVar("F", nw.DataFrame[Any], nw.LazyFrame[Any])


def no_factors(pairs: pl.DataFrame, market_reason: str, water_reason: str, status: str) -> pl.DataFrame:
    """A factor table giving every (provider, region) of ``pairs`` NULL factors with these reasons."""
    n = pairs.height
    return pl.DataFrame(
        {
            "ProviderName": pairs["ProviderName"],
            "RegionId": pairs["RegionId"],
            "market_g_co2e_per_kwh": [None] * n,
            "market_status": [status] * n,
            "market_reason": [market_reason] * n,
            "wue_l_per_kwh": [None] * n,
            "wue_l_per_kwh_low": [None] * n,
            "wue_l_per_kwh_high": [None] * n,
            "water_pue": [None] * n,
            "ewf_l_per_kwh": [None] * n,
            "water_status": [status] * n,
            "water_reason": [water_reason] * n,
        },
        schema=FACTOR_COLUMNS,
    )


def factor_table(impl: Any, groups: pl.DataFrame, factors: Any, config: Any, month: str) -> pl.DataFrame:
    """The factor table of the (provider, region) pairs in ``groups``: the method's own
    (``impl.market_water``), or NULL factors with the reason that the method gives none."""
    pairs = (
        groups.select("ProviderName", "RegionId").unique().sort("ProviderName", "RegionId", nulls_last=True)
    )
    builder = getattr(impl, "market_water", None)
    if builder is None:
        reason = f"the {impl.NAME} method gives no market-based or water figures (use --method cloudcarbon)"
        return no_factors(pairs, reason, reason, "method")
    rows: list[dict[str, Any]] = builder(pairs, factors, config, month)
    table = pl.DataFrame(
        [{c: r.get(c) for c in FACTOR_COLUMNS if c not in ("ProviderName", "RegionId")} for r in rows],
        schema={c: t for c, t in FACTOR_COLUMNS.items() if c not in ("ProviderName", "RegionId")},
    )
    return pl.concat(
        [pairs.cast({"ProviderName": pl.String, "RegionId": pl.String}), table], how="horizontal"
    )


def apply_market_water(frame: F, table: pl.DataFrame, to_frame: ToLazy | None = None, *, keep: bool) -> F:
    """Add :data:`MARKET_WATER_FIGURES` and :data:`MARKET_WATER_TEXT` to ``frame`` (groups, eager; or
    per-row, lazy with the engine's ``to_lazy`` as ``to_frame``). ``keep`` keeps the factor columns
    (per-row detail); groups drop them, since shared-cost splits scale every float column."""
    other: Any = to_frame(table) if to_frame is not None else nw.from_native(table, eager_only=True)
    drop = [c for c in (*MARKET_WATER_FIGURES, *MARKET_WATER_TEXT) if c in frame.collect_schema().names()]
    joined = frame.drop(*drop).join(other, on=["ProviderName", "RegionId"], how="left")
    mg = nw.col("market_g_co2e_per_kwh")
    it = nw.col("water_pue")
    ewf = nw.col("ewf_l_per_kwh")
    site = [
        nw.col(e) / it * nw.col(w)
        for e, w in (
            ("energy_kwh", "wue_l_per_kwh"),
            ("energy_kwh_low", "wue_l_per_kwh_low"),
            ("energy_kwh_high", "wue_l_per_kwh_high"),
        )
    ]
    source = [nw.col(e) * ewf for e in ("energy_kwh", "energy_kwh_low", "energy_kwh_high")]
    sfx = ("", "_low", "_high")
    out = joined.with_columns(
        *[(nw.col(f"energy_kwh{s}") * mg / 1000.0).alias(f"market_co2e_kg{s}") for s in sfx],
        *[site[i].alias(f"water_site_l{s}") for i, s in enumerate(sfx)],
        *[source[i].alias(f"water_source_l{s}") for i, s in enumerate(sfx)],
        *[(site[i] + source[i]).alias(f"water_l{s}") for i, s in enumerate(sfx)],
        nw.col("market_status").fill_null("none"),
        nw.col("market_reason").fill_null("no market-based factor for this provider and region"),
        nw.col("water_status").fill_null("none"),
        nw.col("water_reason").fill_null("no water factor for this provider and region"),
    )
    if not keep:
        out = out.drop(
            *[c for c in FACTOR_COLUMNS if c not in ("ProviderName", "RegionId", *MARKET_WATER_TEXT)]
        )
    return out


def _covered(figure: str) -> pl.Expr:
    """The sum of ``figure`` over the rows that have it; NULL when none has it."""
    return (
        pl.when(pl.col(figure).is_not_null().any())
        .then(pl.col(figure).sum())
        .otherwise(pl.lit(None, pl.Float64))
        .alias(figure)
    )


def _share(figure: str, name: str) -> pl.Expr:
    kwh = pl.col("energy_kwh").sum()
    return (
        pl.when(kwh > 0)
        .then(pl.col("energy_kwh").filter(pl.col(figure).is_not_null()).sum() / kwh)
        .otherwise(pl.lit(None, pl.Float64))
        .alias(name)
    )


def _reasons(figure: str, reason: str) -> pl.Expr:
    """The distinct reasons of the rows without ``figure`` (and with energy), sorted, joined by "; "."""
    missing = pl.col(reason).filter(pl.col(figure).is_null() & (pl.col("energy_kwh") > 0))
    return missing.unique().sort().str.join("; ").alias(reason)


def summed(frame: pl.DataFrame) -> list[pl.Expr]:
    """Aggregations for lines and totals: the figures over the groups that have them, the share of the
    energy they cover, and the reasons of those without (empty when every group is covered)."""
    if "market_co2e_kg" not in frame.columns:
        return []
    return [
        *[_covered(f) for f in MARKET_WATER_FIGURES],
        _share("market_co2e_kg", "market_kwh_share"),
        _share("water_l", "water_kwh_share"),
        _reasons("market_co2e_kg", "market_reason"),
        _reasons("water_l", "water_reason"),
    ]
