"""Water factors of the default method (docs/method.md section 3.6), per provider and region.

* on-site: WUE (litres per IT kWh) from ``water_wue.csv``: the region's row, else the provider's ``*``
  row (a stand-in, with the provider's range as band);
* source: litres consumed per kWh generated from ``water_electricity.csv`` (inventory locations under
  provider ``location``);
* the PUE that turns facility kWh back into IT kWh: the region's ``pue.csv`` row, else the provider's.

A factor set without these tables (2026.11, 2026.12) gives NULL with that reason.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from cloudcarbon.factors import FactorSet

__all__ = ["water_factors"]


def water_factors(pairs: pl.DataFrame, factors: FactorSet) -> list[dict[str, Any]]:
    """One dict per (``ProviderName``, ``RegionId``) of ``pairs``: WUE with its band, ``water_pue``,
    ``ewf_l_per_kwh``, ``water_status`` (site+source, site, source or none) and ``water_reason``."""
    if not (factors.has_table("water_wue") and factors.has_table("water_electricity")):
        reason = f"factor set {factors.label} has no water factors (factor sets from 2026.12.1 have them)"
        return [{"water_status": "not_in_factor_set", "water_reason": reason} for _ in range(pairs.height)]
    wue = {(r["provider"], r["region"]): r for r in factors.table("water_wue").iter_rows(named=True)}
    ewf = {(r["provider"], r["region"]): r for r in factors.table("water_electricity").iter_rows(named=True)}
    pue = {(r["provider"], r["region"]): r["pue"] for r in factors.pue().iter_rows(named=True)}
    out: list[dict[str, Any]] = []
    for provider, region in pairs.iter_rows():
        provider, region = str(provider or ""), str(region or "")
        key = "location" if provider == "inventory" else provider
        notes: list[str] = []
        row: dict[str, Any] = {}
        w = wue.get((provider, region)) or wue.get((provider, "*"))
        p = pue.get((provider, region)) or pue.get((provider, "*"))
        if w is not None and p is not None and provider != "inventory":
            row.update(
                wue_l_per_kwh=w["wue_l_per_kwh"],
                wue_l_per_kwh_low=w["wue_l_per_kwh_low"],
                wue_l_per_kwh_high=w["wue_l_per_kwh_high"],
                water_pue=p,
            )
            notes.append(f"WUE {w['wue_l_per_kwh']:g} L/kWh ({w['basis']} {w['year']})")
        else:
            notes.append(f"no WUE published for {provider or 'this provider'} in this factor set")
        e = ewf.get((key, region))
        if e is not None:
            row["ewf_l_per_kwh"] = e["l_per_kwh"]
            notes.append(f"electricity {e['l_per_kwh']:g} L/kWh ({e['zone'] or region}, WRI)")
        else:
            notes.append(f"no electricity water factor for {region or 'this region'} in this factor set")
        site, src = "wue_l_per_kwh" in row, "ewf_l_per_kwh" in row
        row["water_status"] = (
            "site+source" if site and src else "site" if site else "source" if src else "none"
        )
        row["water_reason"] = "; ".join(notes)
        out.append(row)
    return out
