"""Energy: IT kWh per component from activity and power factors, then x PUE, with low and high bounds.

* CPU  ``kWh = vCPU-hours x (W_min + u x (W_max - W_min)) / 1000``
* memory ``kWh = GB-hours x memory_kwh_per_gb_hour``
* accelerators ``kWh = device-hours x (W_idle + u_acc x (W_tdp - W_idle)) / 1000``
* storage ``kWh = TB-hours x Wh per TB-hour / 1000 x replication``; network ``kWh = GB x kWh per GB``

Bounds: utilisation swept over its band (CPU, accelerators), the accelerator factor band, the storage
and network coefficients' own low/high values (``*_low`` / ``*_high`` coefficients; equal to the central
value in factor sets that have none), and, under the whole-server boundary, the memory above the
boundary's own GB per vCPU at the high end (``memory_kwh_per_gb_hour_high``).
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from cloudcarbon.methods.default.common import ModelInputs, zero_null

__all__ = ["energy"]


def _cpu_kwh(u: nw.Expr) -> nw.Expr:
    w = nw.col("_wmin") + u * (nw.col("_wmax") - nw.col("_wmin"))
    return (nw.col("vcpu_hours") * w / 1000.0 * nw.col("replication_factor")).fill_null(0.0)


def _acc_kwh(u: nw.Expr) -> nw.Expr:
    w = zero_null("accelerator_idle_w") + u * (
        zero_null("accelerator_tdp_w") - zero_null("accelerator_idle_w")
    )
    return nw.col("accelerator_hours") * w / 1000.0 * nw.col("replication_factor")


def _storage_kwh(ssd: float, hdd: float) -> nw.Expr:
    tier_wh = nw.when(nw.col("usage_class") == "storage_ssd").then(nw.lit(ssd)).otherwise(nw.lit(hdd))
    return nw.col("storage_tb_hours") * tier_wh / 1000.0 * nw.col("replication_factor")


def _network_kwh(inter_region: float, intra_region: float) -> nw.Expr:
    coef = (
        nw.when(nw.col("usage_class") == "network").then(nw.lit(inter_region)).otherwise(nw.lit(intra_region))
    )
    return nw.col("network_gb") * coef


def energy(rows: nw.LazyFrame[Any], p: ModelInputs) -> nw.LazyFrame[Any]:
    """Add component kWh, ``energy_kwh`` with bounds (x PUE) and the band widths in IT kWh."""
    intra = p.network_intra_region_kwh_per_gb
    # memory above what the whole-server watts contain (the boundary's GB per vCPU): the high bound
    excess_gb_hours = nw.max_horizontal(
        nw.col("memory_gb_hours") - p.memory_gb_per_vcpu_in_boundary * nw.col("vcpu_hours"), nw.lit(0.0)
    )
    memory_high = excess_gb_hours * p.memory_kwh_per_gb_hour_high * nw.col("replication_factor")
    band = zero_null("accelerator_band_ratio")
    return (
        rows.with_columns(
            _cpu_kwh(nw.col("cpu_utilisation")).alias("cpu_kwh"),
            (nw.col("memory_gb_hours") * p.memory_kwh_per_gb_hour * nw.col("replication_factor")).alias(
                "memory_kwh"
            ),
            _acc_kwh(nw.col("accelerator_utilisation")).alias("accelerator_kwh"),
            _storage_kwh(p.ssd_wh_per_tb_hour, p.hdd_wh_per_tb_hour).alias("storage_kwh"),
            _network_kwh(p.network_kwh_per_gb, intra).alias("network_kwh"),
            _storage_kwh(p.ssd_wh_per_tb_hour_low, p.hdd_wh_per_tb_hour_low).alias("_stor_low"),
            _storage_kwh(p.ssd_wh_per_tb_hour_high, p.hdd_wh_per_tb_hour_high).alias("_stor_high"),
            _network_kwh(p.network_kwh_per_gb_low, intra).alias("_net_low"),
            _network_kwh(p.network_kwh_per_gb_high, intra).alias("_net_high"),
            memory_high.alias("_mem_high"),
            _cpu_kwh(nw.col("_u_low")).alias("_cpu_low"),
            _cpu_kwh(nw.col("_u_high")).alias("_cpu_high"),
            (_acc_kwh(nw.col("_ua_low")) * (1.0 - band)).alias("_acc_low"),
            (_acc_kwh(nw.col("_ua_high")) * (1.0 + band)).alias("_acc_high"),
            # widths of the band by named source (kWh before PUE), for attributing the range
            (
                _cpu_kwh(nw.col("_u_high"))
                - _cpu_kwh(nw.col("_u_low"))
                + _acc_kwh(nw.col("_ua_high"))
                - _acc_kwh(nw.col("_ua_low"))
            ).alias("_w_util_kwh"),
            (_acc_kwh(nw.col("accelerator_utilisation")) * 2.0 * band).alias("_w_acc_kwh"),
        )
        .with_columns(
            (nw.col("memory_kwh") + nw.col("storage_kwh") + nw.col("network_kwh")).alias("_fixed_kwh"),
            # same order of addition as the central sum, so sets without bands give identical bounds
            (nw.col("memory_kwh") + nw.col("_stor_low") + nw.col("_net_low")).alias("_fixed_low"),
            (
                nw.max_horizontal(nw.col("memory_kwh"), nw.col("_mem_high"))
                + nw.col("_stor_high")
                + nw.col("_net_high")
            ).alias("_fixed_high"),
        )
        .with_columns(
            (nw.col("_fixed_high") - nw.col("_fixed_low")).alias("_w_comp_kwh"),
        )
        .with_columns(
            ((nw.col("cpu_kwh") + nw.col("accelerator_kwh") + nw.col("_fixed_kwh")) * nw.col("pue")).alias(
                "energy_kwh"
            ),
            ((nw.col("_cpu_low") + nw.col("_acc_low") + nw.col("_fixed_low")) * nw.col("pue")).alias(
                "energy_kwh_low"
            ),
            ((nw.col("_cpu_high") + nw.col("_acc_high") + nw.col("_fixed_high")) * nw.col("pue")).alias(
                "energy_kwh_high"
            ),
        )
    )
