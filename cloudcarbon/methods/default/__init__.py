"""cloudcarbon's own method (docs/method.md): factor resolution, activity, energy, emissions, cost-ratio
fallback.

Per row::

    classified -> join_factors -> resolve_factors -> decide_fate -> activity -> energy -> emissions

Low and high bounds come from the utilisation range, accelerator factor bands, grid-year substitution and
the embodied band; fallback rows get their energy from the shared ratio estimate
(:mod:`cloudcarbon.methods.default.fallback`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.config import Config
from cloudcarbon.factors import FactorSet
from cloudcarbon.methods.base import FallbackRatios, ToLazy
from cloudcarbon.methods.default.activity import activity
from cloudcarbon.methods.default.classify import classify
from cloudcarbon.methods.default.common import ModelInputs
from cloudcarbon.methods.default.emissions import EMBODIED_ACCELERATOR, emissions
from cloudcarbon.methods.default.energy import energy
from cloudcarbon.methods.default.factors import join_factors, resolve_factors
from cloudcarbon.methods.default.fallback import (
    BASIS,
    CLASS_COLUMN,
    fallback_basis,
    fallback_class,
    fallback_key,
    fallback_ratios,
)
from cloudcarbon.methods.default.fate import decide_fate
from cloudcarbon.methods.default.market import market_factors
from cloudcarbon.methods.default.water import water_factors
from cloudcarbon.methods.rows import complete

__all__ = ["DefaultMethod", "ModelInputs", "classify", "estimate_rows"]


def estimate_rows(
    classified: nw.LazyFrame[Any], factors: FactorSet, config: Config, *, year: int, to_lazy: ToLazy
) -> nw.LazyFrame[Any]:
    """Per-row energy, CO2e, embodied emissions, bounds, fate and factor status (before the schema's
    completion: helper columns are still present)."""
    p = ModelInputs.from_factors(factors, config)
    rows = join_factors(classified, factors, config, year=year, to_lazy=to_lazy)
    rows = resolve_factors(rows, factors, config, year=year)
    rows = decide_fate(rows)
    rows = activity(rows, p, config)
    rows = energy(rows, p)
    return emissions(rows, p)


class DefaultMethod:
    """cloudcarbon's method (docs/method.md)."""

    NAME = "cloudcarbon"
    #: the service class keys the fallback ratio (compute / storage / other)
    EXTRA_KEYS: tuple[str, ...] = (CLASS_COLUMN,)
    #: the accelerators' part of the embodied figure (read by :mod:`cloudcarbon.exports`)
    EXTRA_SUMS: tuple[str, ...] = (EMBODIED_ACCELERATOR,)

    def rows(
        self, classified: nw.LazyFrame[Any], factors: FactorSet, config: Config, *, year: int, to_lazy: ToLazy
    ) -> nw.LazyFrame[Any]:
        rows = estimate_rows(classified, factors, config, year=year, to_lazy=to_lazy)
        rows = rows.with_columns(fallback_class().alias(CLASS_COLUMN))
        return complete(rows, fallback_basis=fallback_basis(), fallback_key=fallback_key())

    def fallback_ratios(self, groups: pl.DataFrame, factors: FactorSet) -> FallbackRatios:
        return fallback_ratios(groups, factors)

    def market_water(
        self, pairs: pl.DataFrame, factors: FactorSet, config: Config, month: str
    ) -> list[dict[str, Any]]:
        """Market-based and water factors per (provider, region) of the month (sections 3.5, 3.6),
        applied after the emissions by :func:`cloudcarbon.methods.market_water.apply_market_water`."""
        market = market_factors(pairs, factors, config, month)
        water = water_factors(pairs, factors)
        return [{**m, **w} for m, w in zip(market, water, strict=True)]

    def assumptions(self, factors: FactorSet, config: Config) -> dict[str, Any]:
        p = ModelInputs.from_factors(factors, config)
        extra: dict[str, Any] = {}
        if p.whole_server:  # factor set 2026.12.1 onwards: one declared power boundary
            extra["power_boundary"] = "whole_server"
        if p.acc_stage:  # per-stage accelerator utilisation defaults (central, low, high)
            extra["accelerator_utilisation_by_stage"] = {s: [c, lo, hi] for s, c, lo, hi in p.acc_stage}
        return {
            "cpu_utilisation": p.cpu_u,
            "cpu_utilisation_source": "config" if config.cpu_utilisation is not None else "factor_set",
            "cpu_utilisation_band": [p.cpu_u_low, p.cpu_u_high],
            "accelerator_utilisation": p.acc_u,
            "accelerator_utilisation_source": (
                "config" if config.accelerator_utilisation is not None else "factor_set"
            ),
            "accelerator_utilisation_band": [p.acc_u_low, p.acc_u_high],
            "utilisation_overrides": [
                {k: v for k, v in asdict(o).items() if v is not None} for o in config.utilisation_overrides
            ],
            "grid_datasets": list(config.grid_datasets),
            # only sets that declare a boundary per grid row honour it (older sets: the old selection)
            **(
                {
                    "grid_boundary": config.grid_boundary,
                    "grid_boundary_fallback": "the region's factor of the other boundary "
                    "(grid_status boundary_substituted, band widened by grid_boundary_band_ratio), "
                    "then the provider's mean of the chosen boundary",
                }
                if factors.grid_boundaries
                else {}
            ),
            "fallback_basis": BASIS,
            "fallback_band": [
                factors.coefficient("fallback_band_low_ratio"),
                factors.coefficient("fallback_band_high_ratio"),
            ],
            **extra,
        }
