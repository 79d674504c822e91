"""Market-based grid factors of the default method (docs/method.md section 3.5), per provider and region.

Order for one (provider, region) of the month:

1. inventory locations: the contractual instruments active that month (``[[market.instruments]]``)
   cover their ``share`` at their own factor; the rest takes the residual mix;
2. the user's residual mix (``[market] residual_mix``), matched on the region's eGRID subregion, then its
   country (cloud regions, through ``grid_market_zones.csv``), or on the inventory location as written,
   then its country; the usage year, else the latest earlier year, else the earliest later one;
3. nothing: the factor is NULL and the reason is the provider's row of ``grid_market.csv`` (why this
   set ships no market-based factor for it). The location-based factor is never used in its place.

A factor set without ``grid_market.csv`` (2026.11, 2026.12) gives NULL with that reason.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from cloudcarbon.config import Config
from cloudcarbon.exceptions import ConfigError
from cloudcarbon.factors import FactorSet
from cloudcarbon.residual_mix import ResidualMixRow

__all__ = ["market_factors"]

INVENTORY = "inventory"


def _residual(rows: tuple[ResidualMixRow, ...], zones: list[str], year: int) -> ResidualMixRow | None:
    for zone in zones:
        cands = [r for r in rows if r.zone.upper() == zone.upper()]
        if not cands:
            continue
        exact = [r for r in cands if r.year == year]
        earlier = sorted((r for r in cands if r.year < year), key=lambda r: r.year)
        later = sorted((r for r in cands if r.year > year), key=lambda r: r.year)
        return (exact or earlier[-1:] or later[:1])[0]
    return None


def _zones(provider: str, region: str, table: dict[tuple[str, str], tuple[str, str]]) -> list[str]:
    if provider == INVENTORY:
        country = region[:2] if len(region) > 2 and region[2] == "-" else ""
        return [z for z in (region, country) if z]
    egrid, country = table.get((provider, region), ("", ""))
    return [z for z in (egrid, country) if z]


def market_factors(
    pairs: pl.DataFrame, factors: FactorSet, config: Config, month: str
) -> list[dict[str, Any]]:
    """One dict per (``ProviderName``, ``RegionId``) of ``pairs``: ``market_g_co2e_per_kwh`` (None when
    there is no factor), ``market_status`` and ``market_reason``."""
    if not factors.has_table("grid_market"):
        reason = (
            f"factor set {factors.label} has no market-based factors (factor sets from 2026.12.1 have them)"
        )
        none = {"market_g_co2e_per_kwh": None, "market_status": "not_in_factor_set", "market_reason": reason}
        return [dict(none) for _ in range(pairs.height)]
    why = {row["provider"]: row["reason"] for row in factors.table("grid_market").iter_rows(named=True)}
    zone_table = {
        (z["provider"], z["region"]): (z["egrid_subregion"] or "", z["country"] or "")
        for z in factors.table("grid_market_zones").iter_rows(named=True)
    }
    year = int(month[:4])
    mk = config.market
    source = mk.residual_mix or "[market] residual_mix"
    out: list[dict[str, Any]] = []
    for provider, region in pairs.iter_rows():
        provider, region = str(provider or ""), str(region or "")
        key = "location" if provider == INVENTORY else provider
        active = [
            i
            for i in mk.instruments
            if provider == INVENTORY and i.location.upper() == region.upper() and i.active(month)
        ]
        share = sum(i.share for i in active)
        if share > 1 + 1e-9:
            raise ConfigError(
                config.path,
                f"[[market.instruments]] for location {region}: the shares active in {month} add up to "
                f"{share:g}, more than 1; lower the shares or the months they cover",
            )
        res = _residual(mk.residual_rows, _zones(provider, region, zone_table), year)
        parts: list[str] = []
        g = sum(i.share * i.g_co2e_per_kwh for i in active)
        if active:
            parts.append(
                "; ".join(
                    f"{i.kind} {i.reference} ({i.share:g} at {i.g_co2e_per_kwh:g} g/kWh)" for i in active
                )
            )
        remainder = 1.0 - share
        if remainder > 1e-9:
            if res is None:
                if active:
                    reason = (
                        f"instruments cover {share:g} of {region}; no residual mix for the remaining "
                        f"{remainder:g} (add {region} to [market] residual_mix)"
                    )
                else:
                    reason = why.get(key, f"no market-based factor for provider {provider}")
                out.append({"market_g_co2e_per_kwh": None, "market_status": "none", "market_reason": reason})
                continue
            g += remainder * res.g_co2e_per_kwh
            flag = "" if res.year == year else f", year_substituted from {year}"
            parts.append(f"residual mix {res.zone} {res.year}{flag} ({res.source}; {source} row {res.row})")
        status = "+".join(
            s for s, on in (("instruments", bool(active)), ("residual_mix", remainder > 1e-9)) if on
        )
        out.append({"market_g_co2e_per_kwh": g, "market_status": status, "market_reason": "; ".join(parts)})
    return out
