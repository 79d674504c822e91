"""Emissions: operational CO2e at the grid factor, embodied CO2e by host share, bounds, band widths.

* ``co2e_kg = energy_kwh x grid g/kWh / 1000`` (bounds widened by the grid-substitution band)
* embodied ``(host kgCO2e x vCPU / host vCPU + devices x device kgCO2e) x hours / lifespan`` (the host
  figure excludes accelerators, which carry their own per-device share)
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from cloudcarbon.methods.default.common import ModelInputs, zero_null
from cloudcarbon.methods.default.factors import KNOWN, described

__all__ = ["EMBODIED_ACCELERATOR", "emissions"]

#: The accelerators' share of ``embodied_co2e_kg`` (kgCO2e), summed per group (an extra figure of the
#: default method; the rest is the host's vCPU share).
EMBODIED_ACCELERATOR = "embodied_accelerator_co2e_kg"


def emissions(rows: nw.LazyFrame[Any], p: ModelInputs) -> nw.LazyFrame[Any]:
    """Add ``co2e_kg``, ``embodied_co2e_kg`` with bounds (and its accelerator part), ``factor_status``
    and the band widths (kg)."""
    is_compute = nw.col("usage_class") == "compute"
    grid_band = (
        nw.when(nw.col("grid_status") == "exact")
        .then(nw.lit(0.0))
        .when(nw.col("grid_status") == "boundary_substituted")
        .then(nw.lit(p.grid_boundary_band_ratio))
        .otherwise(nw.lit(p.grid_substitution_band_ratio))
    )
    # an input that states the machine's embodied emissions replaces the host-share estimate
    embodied = (
        nw.when(~nw.col("embodied_kgco2e_hint").is_null() & is_compute)
        .then(nw.col("_emb_hint_hours"))
        .otherwise(
            nw.col("vcpu_hours") * nw.col("_emb_per_host_vcpu")
            + nw.col("accelerator_hours") * zero_null("accelerator_embodied_kgco2e")
        )
        / p.lifespan_hours
        * nw.col("replication_factor")
    ).fill_null(0.0)
    # the accelerators' part of it (0 where the input's whole-machine figure replaced the estimate)
    embodied_acc = (
        nw.when(~nw.col("embodied_kgco2e_hint").is_null() & is_compute)
        .then(nw.lit(0.0))
        .otherwise(nw.col("accelerator_hours") * zero_null("accelerator_embodied_kgco2e"))
        / p.lifespan_hours
        * nw.col("replication_factor")
    ).fill_null(0.0)
    factor_status = (
        nw.when(nw.col("fate") == "excluded")
        .then(nw.lit("excluded"))
        .when(nw.col("fate") == "fallback")
        .then(nw.lit("fallback"))
        .when(
            nw.col("grid_status").is_in(["provider_average", "global_average"])
            | (is_compute & ~KNOWN & ~described())
        )
        .then(nw.lit("provider_average"))
        .when(nw.col("cpu_factor_status") == "provider_average")
        .then(nw.lit("provider_average"))
        .when(nw.col("grid_status") == "boundary_substituted")
        .then(nw.lit("boundary_substituted"))
        .when(nw.col("grid_status") == "year_substituted")
        .then(nw.lit("year_substituted"))
        .otherwise(nw.lit("exact"))
    )
    return rows.with_columns(
        (nw.col("energy_kwh") * nw.col("g_co2e_per_kwh") / 1000.0).alias("co2e_kg"),
        (nw.col("energy_kwh_low") * nw.col("g_co2e_per_kwh") * (1.0 - grid_band) / 1000.0).alias(
            "co2e_kg_low"
        ),
        (nw.col("energy_kwh_high") * nw.col("g_co2e_per_kwh") * (1.0 + grid_band) / 1000.0).alias(
            "co2e_kg_high"
        ),
        embodied.alias("embodied_co2e_kg"),
        embodied_acc.alias(EMBODIED_ACCELERATOR),
        (embodied * (1.0 - p.embodied_band_ratio)).alias("embodied_co2e_kg_low"),
        (embodied * (1.0 + p.embodied_band_ratio)).alias("embodied_co2e_kg_high"),
        factor_status.alias("factor_status"),
        (nw.col("_w_util_kwh") * nw.col("pue") * nw.col("g_co2e_per_kwh") / 1000.0).alias(
            "band_utilisation_kg"
        ),
        (nw.col("_w_acc_kwh") * nw.col("pue") * nw.col("g_co2e_per_kwh") / 1000.0).alias(
            "band_accelerator_factor_kg"
        ),
        (nw.col("energy_kwh") * nw.col("g_co2e_per_kwh") / 1000.0 * 2.0 * grid_band).alias("band_grid_kg"),
        (nw.col("_w_comp_kwh") * nw.col("pue") * nw.col("g_co2e_per_kwh") / 1000.0).alias(
            "band_component_factor_kg"
        ),
        (embodied * 2.0 * p.embodied_band_ratio).alias("band_embodied_kg"),
    )
