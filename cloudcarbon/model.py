"""Classification and the energy / CO2e model, written once against Narwhals.

Every expression here runs unchanged on any lazy backend Narwhals supports (DuckDB by default, polars,
PySpark): the factor tables arrive as lazy frames of the same backend through ``to_lazy``.

Per row (METHOD.md section 2 and 3):

* CPU  ``kWh = vCPU-hours x (W_min + u x (W_max - W_min)) / 1000`` (W per vCPU of the microarchitecture)
* memory ``kWh = GB-hours x memory_kwh_per_gb_hour``
* accelerators ``kWh = device-hours x (W_idle + u_acc x (W_tdp - W_idle)) / 1000``
* storage ``kWh = TB-hours x Wh per TB-hour / 1000 x replication`` (GB-Mo -> TB-hours with the month's hours
  and 1 TB = 1024 GB, as AWS bills GiB)
* network ``kWh = GB x kWh per GB``
* ``energy_kwh = IT kWh x PUE``; ``co2e_kg = energy_kwh x grid g/kWh / 1000``
* embodied ``(host kgCO2e x vCPU / host vCPU + devices x device kgCO2e) x hours / lifespan``
  (the host figure excludes accelerators, which carry their own per-device share)

Low and high bounds come from the utilisation range, accelerator factor bands, grid-year substitution and
the embodied band; fallback rows get their energy from a cost ratio later (``pipeline``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.config import Config, UtilisationOverride
from cloudcarbon.factors import FactorSet
from cloudcarbon.schema import tag_column

__all__ = ["UNIT_ALIASES", "ModelInputs", "classify", "estimate_rows"]

ToLazy = Callable[[pl.DataFrame], nw.LazyFrame[Any]]

#: Billing units as providers write them -> the unit names used in the classification rules.
UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "hours": ("Hrs", "Hours", "hours", "Hour", "hour", "Hrs.", "hrs"),
    "gb_month": ("GB-Mo", "GB-Month", "GB-month", "GB-Mp", "GB-Months", "GiB-Mo"),
    "gb_hours": ("GB-Hours", "GB-Hrs", "GB-Hr", "GB-Hour", "GBHours", "GB-hours"),
    "gb_seconds": ("Lambda-GB-Second", "GB-Seconds", "GB-Second", "Lambda-GB-Second-ARM"),
    "vcpu_hours": ("vCPU-Hours", "vCPU-Hrs", "vCPU-Hour", "vCPU-hours"),
    "gb": ("GB", "GigaBytes", "Gigabytes", "GiB"),
}

_REGION_PREFIX = r"^([A-Z]{3}[0-9]|[A-Z]{2})-"


@dataclass(frozen=True)
class ModelInputs:
    """Scalars of the factor set and configuration the per-row model needs."""

    memory_kwh_per_gb_hour: float
    ssd_wh_per_tb_hour: float
    hdd_wh_per_tb_hour: float
    network_kwh_per_gb: float
    network_intra_region_kwh_per_gb: float
    lifespan_hours: float
    lambda_mb_per_vcpu: float
    cpu_u: float
    cpu_u_low: float
    cpu_u_high: float
    acc_u: float
    acc_u_low: float
    acc_u_high: float
    embodied_band_ratio: float
    grid_substitution_band_ratio: float

    @classmethod
    def from_factors(cls, factors: FactorSet, config: Config) -> ModelInputs:
        c = factors.coefficient
        return cls(
            memory_kwh_per_gb_hour=c("memory_kwh_per_gb_hour"),
            ssd_wh_per_tb_hour=c("ssd_wh_per_tb_hour"),
            hdd_wh_per_tb_hour=c("hdd_wh_per_tb_hour"),
            network_kwh_per_gb=c("network_kwh_per_gb"),
            network_intra_region_kwh_per_gb=c("network_intra_region_kwh_per_gb"),
            lifespan_hours=c("server_lifespan_hours"),
            lambda_mb_per_vcpu=c("lambda_mb_per_vcpu"),
            cpu_u=config.cpu_utilisation
            if config.cpu_utilisation is not None
            else c("cpu_utilisation_default"),
            cpu_u_low=c("cpu_utilisation_low"),
            cpu_u_high=c("cpu_utilisation_high"),
            acc_u=config.accelerator_utilisation
            if config.accelerator_utilisation is not None
            else c("accelerator_utilisation_default"),
            acc_u_low=c("accelerator_utilisation_low"),
            acc_u_high=c("accelerator_utilisation_high"),
            embodied_band_ratio=c("embodied_band_ratio"),
            grid_substitution_band_ratio=c("grid_substitution_band_ratio"),
        )


def _norm_unit() -> nw.Expr:
    unit = nw.col("ConsumedUnit")
    items = list(UNIT_ALIASES.items())
    chain = nw.when(unit.is_in(list(items[0][1]))).then(nw.lit(items[0][0]))
    for name, aliases in items[1:]:
        chain = chain.when(unit.is_in(list(aliases))).then(nw.lit(name))
    return chain.otherwise(nw.lit(None, nw.String())).alias("unit_norm")


def _rule_id(rules: pl.DataFrame) -> nw.Expr:
    core = nw.col("usage_type_core")
    exprs = []
    for r in rules.sort("priority").iter_rows(named=True):
        cond = core.str.contains(r["usage_type_regex"])
        if r["product_code"]:
            cond = (nw.col("ServiceName") == r["product_code"]) & cond
        exprs.append((cond, r["rule_id"]))
    chain = nw.when(exprs[0][0]).then(nw.lit(exprs[0][1]))
    for cond, rid in exprs[1:]:
        chain = chain.when(cond).then(nw.lit(rid))
    return chain.otherwise(nw.lit(None, nw.String()))


def classify(usage: nw.LazyFrame[Any], factors: FactorSet, to_lazy: ToLazy) -> nw.LazyFrame[Any]:
    """Give every row a usage class, the rule that decided it, and its fate's first cut.

    Adds ``usage_type_core`` (region prefix removed; usage rows only), ``rule_id``, ``usage_class``,
    ``quantity_unit``, ``replication_factor``, ``exclusion_reason`` and ``unit_norm``. Non-usage charges get
    ``usage_class = excluded`` with their ``charge_class`` as the reason.
    """
    rules = factors.table("aws_usage_types")
    rule_cols = to_lazy(
        rules.select(
            "rule_id",
            pl.col("usage_class").alias("_rule_class"),
            "quantity_unit",
            pl.col("replication_factor").cast(pl.Float64),
            pl.col("exclusion_reason").alias("_rule_reason"),
        )
    )
    is_usage = nw.col("charge_class") == "usage"
    # The rules depend only on (provider, service, usage type): evaluate the regexes once per distinct
    # combination (thousands) instead of once per billing row (millions), then join back.
    keyed = usage.with_columns(
        nw.col("ServiceName").fill_null("").alias("_svc"),
        nw.col("usage_type").fill_null("").alias("_ut"),
    )
    distinct = (
        keyed.filter(is_usage & (nw.col("ProviderName") == "aws"))
        .select("ProviderName", "_svc", "_ut")
        .unique()
        .with_columns(
            nw.col("_ut").str.replace_all(_REGION_PREFIX, "").alias("usage_type_core"),
            nw.col("_svc").alias("ServiceName"),
        )
        .with_columns(_rule_id(rules).alias("rule_id"))
        .select("ProviderName", "_svc", "_ut", "rule_id", "usage_type_core")
    )
    out = (
        keyed.join(distinct, on=["ProviderName", "_svc", "_ut"], how="left")
        .with_columns(
            nw.when(is_usage).then(nw.col("rule_id")).otherwise(nw.lit(None, nw.String())).alias("rule_id"),
            _norm_unit(),
        )
        .drop("_svc", "_ut")
    )
    out = out.join(rule_cols, on="rule_id", how="left")
    return out.with_columns(
        nw.when(~is_usage)
        .then(nw.lit("excluded"))
        .otherwise(nw.col("_rule_class").fill_null("unmodelled"))
        .alias("usage_class"),
        nw.when(~is_usage)
        .then(nw.col("charge_class"))
        .otherwise(nw.col("_rule_reason"))
        .alias("exclusion_reason"),
        nw.col("replication_factor").fill_null(1.0),
        nw.col("quantity_unit").fill_null("any"),
    ).drop("_rule_class", "_rule_reason")


def _utilisation(overrides: tuple[UtilisationOverride, ...], attr: str, default: float) -> nw.Expr:
    chosen = [o for o in overrides if getattr(o, attr) is not None]
    if not chosen:
        return nw.lit(default)

    def cond(o: UtilisationOverride) -> nw.Expr:
        if o.project is not None:
            return nw.col("project") == o.project
        if o.instance_family is not None:
            return nw.col("instance_family") == o.instance_family
        assert o.tag is not None
        return nw.col(tag_column(o.tag)) == o.value

    chain = nw.when(cond(chosen[0])).then(nw.lit(getattr(chosen[0], attr)))
    for o in chosen[1:]:
        chain = chain.when(cond(o)).then(nw.lit(getattr(o, attr)))
    return chain.otherwise(nw.lit(default))


def _f(name: str) -> nw.Expr:
    return nw.col(name).fill_null(0.0)


def estimate_rows(
    classified: nw.LazyFrame[Any],
    factors: FactorSet,
    config: Config,
    *,
    year: int,
    to_lazy: ToLazy,
) -> nw.LazyFrame[Any]:
    """Per-row energy, CO2e, embodied emissions, bounds, fate and factor status.

    ``classified`` is the output of :func:`classify` with a ``project`` column. The result adds
    ``fate`` (estimated / fallback / excluded), ``status_note`` (why a row fell back or which factor was
    substituted), the activity columns (``vcpu_hours``, ``memory_gb_hours``, ``accelerator_hours``,
    ``storage_tb_hours``, ``network_gb``), energy per component (IT, kWh), ``energy_kwh`` (x PUE) with
    ``_low``/``_high``, ``co2e_kg`` with bounds, ``embodied_co2e_kg`` with bounds, and the factors used.
    """
    p = ModelInputs.from_factors(factors, config)
    inst = to_lazy(
        factors.instance_power().rename({"provider": "ProviderName", "instance_type": "instance_key"})
    )
    prov = to_lazy(factors.provider_cpu_average().rename({"provider": "ProviderName"}))
    grid_all = factors.grid(year, config.grid_datasets)
    grid = to_lazy(
        grid_all.filter(pl.col("region") != "*").rename({"provider": "ProviderName", "region": "RegionId"})
    )
    grid_avg = to_lazy(
        grid_all.filter(pl.col("region") == "*").select(
            pl.col("provider").alias("ProviderName"),
            pl.col("g_co2e_per_kwh").alias("_g_avg"),
            pl.col("grid_year").alias("_g_avg_year"),
            pl.col("grid_dataset").alias("_g_avg_dataset"),
        )
    )
    pue_tab = factors.pue()
    pue = to_lazy(
        pue_tab.filter(pl.col("region") != "*").rename({"provider": "ProviderName", "region": "RegionId"})
    )
    pue_avg = to_lazy(
        pue_tab.filter(pl.col("region") == "*").select(
            pl.col("provider").alias("ProviderName"), pl.col("pue").alias("_pue_avg")
        )
    )

    is_compute = nw.col("usage_class") == "compute"
    instance_key = (
        nw.when(nw.col("rule_id") == "ec2-host")
        .then(nw.concat_str([nw.col("usage_type_core").str.replace_all("^HostUsage:", ""), nw.lit(".metal")]))
        .when(is_compute)
        .then(nw.col("instance_type"))
        .otherwise(nw.lit(None, nw.String()))
    )
    rows = (
        classified.with_columns(instance_key.alias("instance_key"))
        .join(inst, on=["ProviderName", "instance_key"], how="left")
        .join(prov, on="ProviderName", how="left")
        .join(grid, on=["ProviderName", "RegionId"], how="left")
        .join(grid_avg, on="ProviderName", how="left")
        .join(pue, on=["ProviderName", "RegionId"], how="left")
        .join(pue_avg, on="ProviderName", how="left")
    )
    known = ~nw.col("vcpu").is_null()
    hinted = ~nw.col("vcpu_hint").is_null() & (nw.col("vcpu_hint") > 0)
    unit_ok = (
        (nw.col("quantity_unit") == "any")
        | nw.col("unit_norm").is_null()
        | (nw.col("unit_norm") == nw.col("quantity_unit"))
    )
    excluded = nw.col("usage_class") == "excluded"
    rows = rows.with_columns(
        nw.when(excluded)
        .then(nw.lit("excluded"))
        .when(nw.col("usage_class") == "unmodelled")
        .then(nw.lit("fallback"))
        .when(~unit_ok)
        .then(nw.lit("fallback"))
        .when(is_compute & ~known & ~hinted)
        .then(nw.lit("fallback"))
        .otherwise(nw.lit("estimated"))
        .alias("fate"),
        nw.when(excluded)
        .then(nw.lit(None, nw.String()))
        .when(nw.col("usage_class") == "unmodelled")
        .then(nw.lit("unmodelled_usage_type"))
        .when(~unit_ok)
        .then(nw.lit("unit_mismatch"))
        .when(is_compute & ~known)
        .then(nw.lit("unknown_instance_type"))
        .otherwise(nw.lit(None, nw.String()))
        .alias("status_note"),
        nw.col("instance_key").str.split(".").list.get(0).alias("instance_family"),
        nw.col("g_co2e_per_kwh").is_null().alias("_grid_missing"),
    ).with_columns(
        nw.when(nw.col("_grid_missing"))
        .then(nw.col("_g_avg"))
        .otherwise(nw.col("g_co2e_per_kwh"))
        .alias("g_co2e_per_kwh"),
        nw.when(nw.col("_grid_missing"))
        .then(nw.lit("provider_average"))
        .otherwise(nw.col("grid_status"))
        .alias("grid_status"),
        nw.when(nw.col("_grid_missing"))
        .then(nw.col("_g_avg_year"))
        .otherwise(nw.col("grid_year"))
        .alias("grid_year"),
        nw.when(nw.col("_grid_missing"))
        .then(nw.col("_g_avg_dataset"))
        .otherwise(nw.col("grid_dataset"))
        .alias("grid_dataset"),
        nw.col("pue").fill_null(nw.col("_pue_avg")).alias("pue"),
    )

    est = nw.col("fate") == "estimated"
    q = nw.col("ConsumedQuantity")
    cls = nw.col("usage_class")
    hours = nw.when(est & is_compute).then(q).otherwise(nw.lit(0.0))
    vcpu = nw.col("vcpu").fill_null(nw.col("vcpu_hint"))
    mem_gb = nw.col("memory_gb").fill_null(nw.col("memory_gb_hint")).fill_null(0.0)
    serverless_hours = nw.when(est & (cls == "serverless")).then(q / 3600.0).otherwise(nw.lit(0.0))
    container_vcpu = nw.when(est & (cls == "container_cpu")).then(q).otherwise(nw.lit(0.0))
    container_mem = nw.when(est & (cls == "container_memory")).then(q).otherwise(nw.lit(0.0))
    tb_hours = (
        nw.when(nw.col("unit_norm") == "gb_hours")
        .then(q / 1024.0)
        .otherwise(q * nw.col("billing_period_hours") / 1024.0)
    )
    storage = est & cls.is_in(["storage_ssd", "storage_hdd"])
    rows = rows.with_columns(
        (hours * vcpu.fill_null(0.0)).alias("_inst_vcpu_hours"),
        (serverless_hours * 1024.0 / p.lambda_mb_per_vcpu + container_vcpu).alias("_generic_vcpu_hours"),
        (hours * mem_gb + serverless_hours + container_mem).alias("memory_gb_hours"),
        (hours * _f("accelerator_count")).alias("accelerator_hours"),
        nw.when(storage).then(tb_hours).otherwise(nw.lit(0.0)).alias("storage_tb_hours"),
        nw.when(est & cls.is_in(["network", "network_intra_region"]))
        .then(q)
        .otherwise(nw.lit(0.0))
        .alias("network_gb"),
        (hours * vcpu.fill_null(0.0)).alias("_emb_vcpu_hours"),
        nw.when(nw.col("burstable_baseline").is_null())
        .then(_utilisation(config.utilisation_overrides, "cpu", p.cpu_u))
        .otherwise(nw.col("burstable_baseline"))
        .alias("cpu_utilisation"),
        _utilisation(config.utilisation_overrides, "accelerator", p.acc_u).alias("accelerator_utilisation"),
    ).with_columns(
        (nw.col("_inst_vcpu_hours") + nw.col("_generic_vcpu_hours")).alias("vcpu_hours"),
        nw.col("cpu_min_w_per_vcpu").fill_null(nw.col("avg_cpu_min_w_per_vcpu")).alias("_wmin"),
        nw.col("cpu_max_w_per_vcpu").fill_null(nw.col("avg_cpu_max_w_per_vcpu")).alias("_wmax"),
        nw.min_horizontal(nw.lit(p.cpu_u_low), nw.col("cpu_utilisation")).alias("_u_low"),
        nw.max_horizontal(nw.lit(p.cpu_u_high), nw.col("cpu_utilisation")).alias("_u_high"),
        nw.min_horizontal(nw.lit(p.acc_u_low), nw.col("accelerator_utilisation")).alias("_ua_low"),
        nw.max_horizontal(nw.lit(p.acc_u_high), nw.col("accelerator_utilisation")).alias("_ua_high"),
    )

    def cpu_kwh(u: nw.Expr) -> nw.Expr:
        w = nw.col("_wmin") + u * (nw.col("_wmax") - nw.col("_wmin"))
        return (nw.col("vcpu_hours") * w / 1000.0 * nw.col("replication_factor")).fill_null(0.0)

    def acc_kwh(u: nw.Expr) -> nw.Expr:
        w = _f("accelerator_idle_w") + u * (_f("accelerator_tdp_w") - _f("accelerator_idle_w"))
        return nw.col("accelerator_hours") * w / 1000.0 * nw.col("replication_factor")

    tier_wh = (
        nw.when(cls == "storage_ssd")
        .then(nw.lit(p.ssd_wh_per_tb_hour))
        .otherwise(nw.lit(p.hdd_wh_per_tb_hour))
    )
    net_coef = (
        nw.when(cls == "network")
        .then(nw.lit(p.network_kwh_per_gb))
        .otherwise(nw.lit(p.network_intra_region_kwh_per_gb))
    )
    band = _f("accelerator_band_ratio")
    rows = (
        rows.with_columns(
            cpu_kwh(nw.col("cpu_utilisation")).alias("cpu_kwh"),
            (nw.col("memory_gb_hours") * p.memory_kwh_per_gb_hour * nw.col("replication_factor")).alias(
                "memory_kwh"
            ),
            acc_kwh(nw.col("accelerator_utilisation")).alias("accelerator_kwh"),
            (nw.col("storage_tb_hours") * tier_wh / 1000.0 * nw.col("replication_factor")).alias(
                "storage_kwh"
            ),
            (nw.col("network_gb") * net_coef).alias("network_kwh"),
            cpu_kwh(nw.col("_u_low")).alias("_cpu_low"),
            cpu_kwh(nw.col("_u_high")).alias("_cpu_high"),
            (acc_kwh(nw.col("_ua_low")) * (1.0 - band)).alias("_acc_low"),
            (acc_kwh(nw.col("_ua_high")) * (1.0 + band)).alias("_acc_high"),
        )
        .with_columns(
            (nw.col("memory_kwh") + nw.col("storage_kwh") + nw.col("network_kwh")).alias("_fixed_kwh"),
        )
        .with_columns(
            ((nw.col("cpu_kwh") + nw.col("accelerator_kwh") + nw.col("_fixed_kwh")) * nw.col("pue")).alias(
                "energy_kwh"
            ),
            ((nw.col("_cpu_low") + nw.col("_acc_low") + nw.col("_fixed_kwh")) * nw.col("pue")).alias(
                "energy_kwh_low"
            ),
            ((nw.col("_cpu_high") + nw.col("_acc_high") + nw.col("_fixed_kwh")) * nw.col("pue")).alias(
                "energy_kwh_high"
            ),
        )
    )
    grid_band = (
        nw.when(nw.col("grid_status") == "exact")
        .then(nw.lit(0.0))
        .otherwise(nw.lit(p.grid_substitution_band_ratio))
    )
    per_host_vcpu = (
        nw.when(known)
        .then(nw.col("embodied_host_kgco2e") / nw.col("host_vcpu"))
        .otherwise(nw.col("embodied_kgco2e_per_host_vcpu"))
    )
    embodied = (
        (
            nw.col("_emb_vcpu_hours") * per_host_vcpu
            + nw.col("_generic_vcpu_hours") * nw.col("embodied_kgco2e_per_host_vcpu")
            + nw.col("accelerator_hours") * _f("accelerator_embodied_kgco2e")
        )
        / p.lifespan_hours
        * nw.col("replication_factor")
    ).fill_null(0.0)
    factor_status = (
        nw.when(nw.col("fate") == "excluded")
        .then(nw.lit("excluded"))
        .when(nw.col("fate") == "fallback")
        .then(nw.lit("fallback"))
        .when((nw.col("grid_status") == "provider_average") | (is_compute & ~known))
        .then(nw.lit("provider_average"))
        .when(nw.col("cpu_factor_status") == "provider_average")
        .then(nw.lit("provider_average"))
        .when(nw.col("grid_status") == "year_substituted")
        .then(nw.lit("year_substituted"))
        .otherwise(nw.lit("exact"))
    )
    rows = rows.with_columns(
        (nw.col("energy_kwh") * nw.col("g_co2e_per_kwh") / 1000.0).alias("co2e_kg"),
        (nw.col("energy_kwh_low") * nw.col("g_co2e_per_kwh") * (1.0 - grid_band) / 1000.0).alias(
            "co2e_kg_low"
        ),
        (nw.col("energy_kwh_high") * nw.col("g_co2e_per_kwh") * (1.0 + grid_band) / 1000.0).alias(
            "co2e_kg_high"
        ),
        embodied.alias("embodied_co2e_kg"),
        (embodied * (1.0 - p.embodied_band_ratio)).alias("embodied_co2e_kg_low"),
        (embodied * (1.0 + p.embodied_band_ratio)).alias("embodied_co2e_kg_high"),
        factor_status.alias("factor_status"),
    )
    drop = [c for c in rows.collect_schema().names() if c.startswith("_")]
    return rows.drop(*drop)
