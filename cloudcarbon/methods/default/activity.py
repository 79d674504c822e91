"""Activity: vCPU-hours, memory GB-hours, accelerator-hours, storage TB-hours and network GB per row,
and the utilisation each row runs at."""

from __future__ import annotations

from typing import Any

import narwhals as nw

from cloudcarbon.config import Config
from cloudcarbon.methods.default.common import ModelInputs, first, per_stage, utilisation, zero_null

__all__ = ["activity"]


def activity(rows: nw.LazyFrame[Any], p: ModelInputs, config: Config) -> nw.LazyFrame[Any]:
    """Add the activity columns (estimated rows only; 0 otherwise) and the utilisations with bounds.

    GB-Mo -> TB-hours uses the month's hours and 1 TB = 1024 GB (AWS bills GiB); serverless GB-seconds
    become memory GB-hours and vCPU-hours at ``lambda_mb_per_vcpu``.
    """
    cls = nw.col("usage_class")
    is_compute = cls == "compute"
    est = nw.col("fate") == "estimated"
    q = nw.col("quantity")
    hours = nw.when(est & is_compute).then(q).otherwise(nw.lit(0.0))
    vcpu = first(nw.col("vcpu"), nw.col("vcpu_hint"), nw.lit(0.0))
    mem_gb = first(nw.col("memory_gb"), nw.col("memory_gb_hint"), nw.lit(0.0))
    serverless_hours = nw.when(est & (cls == "serverless")).then(q / 3600.0).otherwise(nw.lit(0.0))
    direct_vcpu = nw.when(est & cls.is_in(["container_cpu", "cpu"])).then(q).otherwise(nw.lit(0.0))
    direct_mem = nw.when(est & cls.is_in(["container_memory", "memory"])).then(q).otherwise(nw.lit(0.0))
    direct_acc = (
        nw.when(est & (cls == "accelerator")).then(q * nw.col("accelerators_per_unit")).otherwise(nw.lit(0.0))
    )
    tb_hours = (
        nw.when(nw.col("unit_norm") == "gb_hours")
        .then(q / 1024.0)
        .otherwise(q * nw.col("billing_period_hours") / 1024.0)
    )
    storage = est & cls.is_in(["storage_ssd", "storage_hdd"])
    # accelerator utilisation: per stage where the factor set has per-stage figures (and the config no
    # global value), else one default; the band is the stage's measured p10-p90 (or the set's range)
    acc_default: float | nw.Expr = p.acc_u
    acc_low: nw.Expr = nw.lit(p.acc_u_low)
    acc_high: nw.Expr = nw.lit(p.acc_u_high)
    if p.acc_stage:
        if config.accelerator_utilisation is None:
            acc_default = per_stage(p.acc_stage, 1)
        acc_low, acc_high = per_stage(p.acc_stage, 2), per_stage(p.acc_stage, 3)
    return rows.with_columns(
        (hours * vcpu + direct_vcpu + serverless_hours * 1024.0 / p.lambda_mb_per_vcpu).alias("vcpu_hours"),
        (hours * mem_gb + serverless_hours + direct_mem).alias("memory_gb_hours"),
        (hours * nw.col("_acc_count") + direct_acc).alias("accelerator_hours"),
        nw.when(storage).then(tb_hours).otherwise(nw.lit(0.0)).alias("storage_tb_hours"),
        nw.when(est & cls.is_in(["network", "network_intra_region"]))
        .then(q)
        .otherwise(nw.lit(0.0))
        .alias("network_gb"),
        (hours * zero_null("embodied_kgco2e_hint")).alias("_emb_hint_hours"),
        first(
            nw.col("cpu_utilisation_hint"),
            nw.col("burstable_baseline"),
            utilisation(config.utilisation_overrides, "cpu", p.cpu_u),
        ).alias("cpu_utilisation"),
        utilisation(config.utilisation_overrides, "accelerator", acc_default).alias(
            "accelerator_utilisation"
        ),
    ).with_columns(
        nw.min_horizontal(nw.lit(p.cpu_u_low), nw.col("cpu_utilisation")).alias("_u_low"),
        nw.max_horizontal(nw.lit(p.cpu_u_high), nw.col("cpu_utilisation")).alias("_u_high"),
        nw.min_horizontal(acc_low, nw.col("accelerator_utilisation")).alias("_ua_low"),
        nw.max_horizontal(acc_high, nw.col("accelerator_utilisation")).alias("_ua_high"),
    )
