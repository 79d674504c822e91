"""Factor resolution: join each row to the factor tables and pick, per factor, the first that applies.

Instance row (provider, instance type) -> family row (provider, machine series) -> a microarchitecture
the input names -> the provider's average -> the mean over providers (each step flagged in a status).
The grid factor is the region's for the year, else the provider's average, else the global average; PUE
is the input's, the region's, the provider's, else the global average.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.config import Config
from cloudcarbon.engine import list_item, split_on
from cloudcarbon.factors import FactorSet
from cloudcarbon.methods.base import ToLazy
from cloudcarbon.methods.default import aws, inventory
from cloudcarbon.methods.default.common import first, global_defaults, stage_expr
from cloudcarbon.schema import tag_column

__all__ = ["KNOWN", "acc_count", "described", "hinted", "join_factors", "resolve_factors"]

#: the instance type is in the factor set
KNOWN = ~nw.col("vcpu").is_null()


def hinted() -> nw.Expr:
    """The input states the row's vCPU count."""
    return ~nw.col("vcpu_hint").is_null() & (nw.col("vcpu_hint") > 0)


def described() -> nw.Expr:
    """A machine the input fully describes (inventory: vCPUs and a known microarchitecture) is not an
    unknown instance type: its factors are the input's own."""
    return hinted() & ~nw.col("_hint_min").is_null()


def acc_count() -> nw.Expr:
    """Accelerators per instance: the instance table's, else the input's."""
    return (
        nw.when(nw.col("_inst_acc_count") > 0)
        .then(nw.col("_inst_acc_count"))
        .otherwise(nw.col("accelerator_count_hint").fill_null(0.0))
    )


def _lookups(factors: FactorSet, config: Config, year: int) -> dict[str, pl.DataFrame]:
    """The factor tables shaped for joining (small polars frames)."""
    ip = factors.instance_power().select(
        pl.col("provider").alias("ProviderName"),
        pl.col("instance_type").alias("instance_key"),
        pl.col("family").alias("_inst_family"),
        "vcpu",
        "memory_gb",
        "host_vcpu",
        "burstable_baseline",
        pl.col("accelerator_model").alias("_inst_acc_model"),
        pl.col("accelerator_count").alias("_inst_acc_count"),
        "embodied_host_kgco2e",
        "cpu_min_w_per_vcpu",
        "cpu_max_w_per_vcpu",
        "cpu_factor_status",
    )
    fam = factors.family_power().rename({"provider": "ProviderName", "family": "machine_series"})
    # a microarchitecture named by the input (inventory) takes the AWS row, the fullest SPECpower-
    # derived table; one AWS lacks takes the mean over the providers that have it
    hint_cpu = (
        factors.table("cpu_power")
        .filter(pl.col("microarchitecture") != "*")
        .with_columns((pl.col("provider") == "aws").alias("_aws"))
        .sort("_aws", descending=True)
        .group_by("microarchitecture")
        .agg(
            pl.when(pl.col("_aws").any())
            .then(pl.col("min_w_per_vcpu").first())
            .otherwise(pl.col("min_w_per_vcpu").mean())
            .alias("_hint_min"),
            pl.when(pl.col("_aws").any())
            .then(pl.col("max_w_per_vcpu").first())
            .otherwise(pl.col("max_w_per_vcpu").mean())
            .alias("_hint_max"),
        )
        .rename({"microarchitecture": "cpu_microarchitecture_hint"})
    )
    acc = factors.table("accelerators").select(
        pl.col("model").alias("accelerator_model"),
        pl.col("idle_w").alias("accelerator_idle_w"),
        pl.col("tdp_w").alias("accelerator_tdp_w"),
        pl.col("band_ratio").alias("accelerator_band_ratio"),
        pl.col("embodied_kgco2e").alias("accelerator_embodied_kgco2e"),
    )
    prov = factors.provider_cpu_average().rename({"provider": "ProviderName"})
    grid_all = factors.grid(year, config.grid_datasets, config.grid_boundary)
    grid = grid_all.filter(pl.col("region") != "*").rename(
        {"provider": "_grid_provider", "region": "RegionId"}
    )
    grid_avg = grid_all.filter(pl.col("region") == "*").select(
        pl.col("provider").alias("_grid_provider"),
        pl.col("g_co2e_per_kwh").alias("_g_avg"),
        pl.col("grid_year").alias("_g_avg_year"),
        pl.col("grid_dataset").alias("_g_avg_dataset"),
    )
    pue_tab = factors.pue()
    pue = pue_tab.filter(pl.col("region") != "*").rename({"provider": "ProviderName", "region": "RegionId"})
    pue_avg = pue_tab.filter(pl.col("region") == "*").select(
        pl.col("provider").alias("ProviderName"), pl.col("pue").alias("_pue_avg")
    )
    return {
        "instances": ip,
        "families": fam,
        "hint_cpu": hint_cpu,
        "accelerators": acc,
        "provider_cpu": prov,
        "grid": grid,
        "grid_avg": grid_avg,
        "pue": pue,
        "pue_avg": pue_avg,
    }


def join_factors(
    classified: nw.LazyFrame[Any], factors: FactorSet, config: Config, *, year: int, to_lazy: ToLazy
) -> nw.LazyFrame[Any]:
    """Join every factor table a row may draw from; add accelerator model, instance family, stage, run."""
    t = _lookups(factors, config, year)
    cls = nw.col("usage_class")
    is_instance_row = cls.is_in(["compute", "cpu", "memory"])
    host, host_key = aws.host_instance_key()
    instance_key = (
        nw.when(host)
        .then(host_key)
        .when(is_instance_row)
        .then(nw.col("instance_type"))
        .otherwise(nw.lit(None, nw.String()))
    )
    rows = (
        classified.with_columns(
            instance_key.alias("instance_key"), inventory.grid_provider().alias("_grid_provider")
        )
        .join(to_lazy(t["instances"]), on=["ProviderName", "instance_key"], how="left")
        .join(to_lazy(t["families"]), on=["ProviderName", "machine_series"], how="left")
        .join(to_lazy(t["hint_cpu"]), on="cpu_microarchitecture_hint", how="left")
        .join(to_lazy(t["provider_cpu"]), on="ProviderName", how="left")
        .join(to_lazy(t["grid"]), on=["_grid_provider", "RegionId"], how="left")
        .join(to_lazy(t["grid_avg"]), on="_grid_provider", how="left")
        .join(to_lazy(t["pue"]), on=["ProviderName", "RegionId"], how="left")
        .join(to_lazy(t["pue_avg"]), on="ProviderName", how="left")
    )
    rows = rows.with_columns(
        first(
            nw.col("_inst_acc_model"), nw.col("rule_accelerator_model"), nw.col("accelerator_model_hint")
        ).alias("accelerator_model"),
        first(
            nw.col("_inst_family"),
            nw.col("machine_series"),
            list_item(split_on(nw.col("instance_key"), "."), 0),
        ).alias("instance_family"),
    ).join(to_lazy(t["accelerators"]), on="accelerator_model", how="left")
    run: nw.Expr = nw.lit(None, nw.String())
    if config.ai.run_tags:
        run = first(*(nw.col(tag_column(k)) for k in config.ai.run_tags))
    return rows.with_columns(stage_expr(config.ai.stages).alias("stage"), run.alias("run"))


def resolve_factors(
    rows: nw.LazyFrame[Any], factors: FactorSet, config: Config, *, year: int
) -> nw.LazyFrame[Any]:
    """Pick each factor by its fallback chain, with its status: grid, PUE, CPU watts, embodied share."""
    g = global_defaults(factors, year, config.grid_datasets, config.grid_boundary)
    rows = rows.with_columns(
        acc_count().alias("_acc_count"),
        nw.col("g_co2e_per_kwh").is_null().alias("_grid_missing"),
        nw.col("_g_avg").is_null().alias("_grid_global"),
    )
    return rows.with_columns(
        nw.when(nw.col("_grid_missing"))
        .then(first(nw.col("_g_avg"), nw.lit(g["grid"])))
        .otherwise(nw.col("g_co2e_per_kwh"))
        .alias("g_co2e_per_kwh"),
        nw.when(~nw.col("_grid_missing"))
        .then(nw.col("grid_status"))
        .when(nw.col("_grid_global"))
        .then(nw.lit("global_average"))
        .otherwise(nw.lit("provider_average"))
        .alias("grid_status"),
        nw.when(nw.col("_grid_missing"))
        .then(nw.col("_g_avg_year"))
        .otherwise(nw.col("grid_year"))
        .alias("grid_year"),
        nw.when(nw.col("_grid_missing"))
        .then(nw.col("_g_avg_dataset"))
        .otherwise(nw.col("grid_dataset"))
        .alias("grid_dataset"),
        first(nw.col("pue_hint"), nw.col("pue"), nw.col("_pue_avg"), nw.lit(g["pue"])).alias("pue"),
        first(
            nw.col("cpu_min_w_per_vcpu"),
            nw.col("_hint_min"),
            nw.col("fam_cpu_min_w_per_vcpu"),
            nw.col("avg_cpu_min_w_per_vcpu"),
            nw.lit(g["cpu_min"]),
        ).alias("_wmin"),
        first(
            nw.col("cpu_max_w_per_vcpu"),
            nw.col("_hint_max"),
            nw.col("fam_cpu_max_w_per_vcpu"),
            nw.col("avg_cpu_max_w_per_vcpu"),
            nw.lit(g["cpu_max"]),
        ).alias("_wmax"),
        nw.when(KNOWN)
        .then(nw.col("cpu_factor_status"))
        .when(~nw.col("_hint_min").is_null())
        .then(nw.lit("input"))
        .when(~nw.col("fam_cpu_min_w_per_vcpu").is_null())
        .then(nw.col("fam_cpu_factor_status"))
        .otherwise(nw.lit("provider_average"))
        .alias("cpu_factor_status"),
        first(
            nw.col("embodied_host_kgco2e") / nw.col("host_vcpu"),
            nw.col("fam_embodied_kgco2e_per_host_vcpu"),
            nw.col("embodied_kgco2e_per_host_vcpu"),
            nw.lit(g["emb"]),
        ).alias("_emb_per_host_vcpu"),
    )
