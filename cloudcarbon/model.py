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

from cloudcarbon.config import STAGES, Config, StageRule, UtilisationOverride
from cloudcarbon.factors import FactorSet
from cloudcarbon.schema import tag_column

__all__ = ["ModelInputs", "classify", "estimate_rows"]

ToLazy = Callable[[pl.DataFrame], nw.LazyFrame[Any]]

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


def _rule_id(rules: pl.DataFrame) -> nw.Expr:
    core = nw.col("usage_type_core")
    conds = []
    for r in rules.sort("provider", "priority").iter_rows(named=True):
        cond = (nw.col("ProviderName") == r["provider"]) & core.str.contains(r["usage_type_regex"])
        if r["product_code"]:
            cond = (nw.col("ServiceName") == r["product_code"]) & cond
        conds.append((cond, r["rule_id"]))
    chain = nw.when(conds[0][0]).then(nw.lit(conds[0][1]))
    for cond, rid in conds[1:]:
        chain = chain.when(cond).then(nw.lit(rid))
    return chain.otherwise(nw.lit(None, nw.String()))


def _instance_in_usage_type() -> nw.Expr:
    """``BoxUsage:m5.large`` -> ``m5.large``; ``InstanceUsage:db.r5.large`` -> ``r5.large`` (AWS only)."""
    after = nw.col("usage_type_core").str.split(":").list.get(1)
    stripped = after.str.replace_all(r"^(db|ml|cache)\.", "").str.replace_all(
        r"\.(search|elasticsearch)$", ""
    )
    looks_like_type = after.str.contains(r"^[a-z][a-z0-9-]*\.[0-9a-z-]+")
    return (
        nw.when((nw.col("ProviderName") == "aws") & looks_like_type)
        .then(stripped)
        .otherwise(nw.lit(None, nw.String()))
    )


def classify(usage: nw.LazyFrame[Any], factors: FactorSet, to_lazy: ToLazy) -> nw.LazyFrame[Any]:
    """Give every row a usage class, the rule that decided it, and its quantity in canonical units.

    Adds ``usage_type_core`` (region prefix removed; rule-classified rows only), ``rule_id``,
    ``usage_class``, ``quantity_unit``, ``replication_factor``, ``exclusion_reason``,
    ``rule_accelerator_model``, ``accelerators_per_unit``, ``unit_norm`` and ``quantity`` (in
    ``unit_norm``). Non-usage charges get ``usage_class = excluded`` with their ``charge_class`` as the
    reason; rows whose connector set ``usage_class_hint`` keep that class.
    """
    rules = factors.usage_rules()
    rule_cols = to_lazy(
        rules.select(
            pl.concat_str("provider", pl.lit(":"), "rule_id").alias("rule_id"),
            pl.col("usage_class").alias("_rule_class"),
            "quantity_unit",
            "replication_factor",
            pl.col("exclusion_reason").alias("_rule_reason"),
            pl.col("accelerator_model").alias("rule_accelerator_model"),
            "accelerators_per_unit",
        )
    )
    rules = rules.with_columns(pl.concat_str("provider", pl.lit(":"), "rule_id").alias("rule_id"))
    units = to_lazy(
        factors.units().rename(
            {"unit": "ConsumedUnit", "canonical_unit": "unit_norm", "multiplier": "_unit_multiplier"}
        )
    )
    is_usage = nw.col("charge_class") == "usage"
    by_rules = is_usage & nw.col("usage_class_hint").is_null()
    # The rules depend only on (provider, service, usage type): evaluate the regexes once per distinct
    # combination (thousands) instead of once per billing row (millions), then join back.
    keyed = usage.with_columns(
        nw.col("ServiceName").fill_null("").alias("_svc"),
        nw.col("usage_type").fill_null("").alias("_ut"),
    )
    distinct = (
        keyed.filter(by_rules)
        .select("ProviderName", "_svc", "_ut")
        .unique()
        .with_columns(
            # AWS usage types carry a region prefix (USW2-BoxUsage:...); other providers' do not
            nw.when(nw.col("ProviderName") == "aws")
            .then(nw.col("_ut").str.replace_all(_REGION_PREFIX, ""))
            .otherwise(nw.col("_ut"))
            .alias("usage_type_core"),
            nw.col("_svc").alias("ServiceName"),
        )
        .with_columns(_rule_id(rules).alias("rule_id"), _instance_in_usage_type().alias("_ut_instance"))
        .select("ProviderName", "_svc", "_ut", "rule_id", "usage_type_core", "_ut_instance")
    )
    out = (
        keyed.join(distinct, on=["ProviderName", "_svc", "_ut"], how="left")
        .with_columns(
            nw.when(by_rules).then(nw.col("rule_id")).otherwise(nw.lit(None, nw.String())).alias("rule_id")
        )
        .drop("_svc", "_ut")
        .join(rule_cols, on="rule_id", how="left")
        .join(units, on="ConsumedUnit", how="left")
    )
    out = out.with_columns(
        nw.when(~is_usage)
        .then(nw.lit("excluded"))
        .when(~nw.col("usage_class_hint").is_null())
        .then(nw.col("usage_class_hint"))
        .otherwise(nw.col("_rule_class").fill_null("unmodelled"))
        .alias("usage_class"),
        nw.when(~is_usage)
        .then(nw.col("charge_class"))
        .otherwise(nw.col("_rule_reason"))
        .alias("exclusion_reason"),
        nw.col("replication_factor").fill_null(1.0),
        nw.col("quantity_unit").fill_null("any"),
        nw.col("accelerators_per_unit").fill_null(1.0),
        (nw.col("ConsumedQuantity") * nw.col("_unit_multiplier").fill_null(1.0)).alias("quantity"),
    ).drop("_rule_class", "_rule_reason", "_unit_multiplier")
    # instance-hour rows whose export names no instance type carry it in the usage type
    return out.with_columns(
        nw.when(nw.col("instance_type").is_null() & (nw.col("usage_class") == "compute"))
        .then(nw.col("_ut_instance"))
        .otherwise(nw.col("instance_type"))
        .alias("instance_type")
    ).drop("_ut_instance")


def _utilisation(overrides: tuple[UtilisationOverride, ...], attr: str, default: float) -> nw.Expr:
    chosen = [o for o in overrides if getattr(o, attr) is not None]
    if not chosen:
        return nw.lit(default)

    def cond(o: UtilisationOverride) -> nw.Expr:
        if o.project is not None:
            return nw.col("project") == o.project
        if o.instance_family is not None:
            return nw.col("instance_family") == o.instance_family
        if o.stage is not None:
            return nw.col("stage") == o.stage
        assert o.tag is not None
        return nw.col(tag_column(o.tag)) == o.value

    chain = nw.when(cond(chosen[0])).then(nw.lit(getattr(chosen[0], attr)))
    for o in chosen[1:]:
        chain = chain.when(cond(o)).then(nw.lit(getattr(o, attr)))
    return chain.otherwise(nw.lit(default))


def _stage_expr(rules: tuple[StageRule, ...]) -> nw.Expr:
    """Lifecycle stage per row from the ``[ai] stages`` rules; ``other`` when none matches."""
    other = nw.lit("other")
    if not rules:
        return other

    def one(r: StageRule) -> tuple[nw.Expr, nw.Expr]:
        if r.tag is not None:
            tag = nw.col(tag_column(r.tag))
            if r.value is None:  # the tag's value names the stage
                return tag.is_in(list(STAGES)), tag
            return tag == r.value, nw.lit(r.stage)
        if r.project is not None:
            return nw.col("project") == r.project, nw.lit(r.stage)
        if r.instance_family is not None:
            return nw.col("instance_family") == r.instance_family, nw.lit(r.stage)
        return nw.col("ServiceName") == r.service, nw.lit(r.stage)

    cond, value = one(rules[0])
    chain = nw.when(cond).then(value)
    for r in rules[1:]:
        cond, value = one(r)
        chain = chain.when(cond).then(value)
    return chain.otherwise(other)


def _f(name: str) -> nw.Expr:
    return nw.col(name).fill_null(0.0)


def _first(*exprs: nw.Expr) -> nw.Expr:
    out = exprs[0]
    for e in exprs[1:]:
        out = out.fill_null(e)
    return out


def _global_defaults(factors: FactorSet, year: int, datasets: tuple[str, ...]) -> dict[str, float]:
    """Provider-independent last resorts: means over the providers' ``*`` rows (flagged when used)."""
    avg = factors.provider_cpu_average()
    grid = factors.grid(year, datasets).filter(pl.col("region") == "*")
    pue = factors.pue().filter(pl.col("region") == "*")
    return {
        "cpu_min": float(avg["avg_cpu_min_w_per_vcpu"].mean()),  # type: ignore[arg-type]
        "cpu_max": float(avg["avg_cpu_max_w_per_vcpu"].mean()),  # type: ignore[arg-type]
        "emb": float(avg["embodied_kgco2e_per_host_vcpu"].mean()),  # type: ignore[arg-type]
        "grid": float(grid["g_co2e_per_kwh"].mean()),  # type: ignore[arg-type]
        "pue": float(pue["pue"].mean()),  # type: ignore[arg-type]
    }


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
    ``fate`` (estimated / fallback / excluded), ``status_note`` (why a row fell back), the activity
    columns (``vcpu_hours``, ``memory_gb_hours``, ``accelerator_hours``, ``storage_tb_hours``,
    ``network_gb``), energy per component (IT, kWh), ``energy_kwh`` (x PUE) with ``_low``/``_high``,
    ``co2e_kg`` with bounds, ``embodied_co2e_kg`` with bounds, and the factors used with their status.
    """
    p = ModelInputs.from_factors(factors, config)
    g = _global_defaults(factors, year, config.grid_datasets)
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
    grid_all = factors.grid(year, config.grid_datasets)
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

    cls = nw.col("usage_class")
    is_compute = cls == "compute"
    is_instance_row = cls.is_in(["compute", "cpu", "memory"])
    instance_key = (
        nw.when(nw.col("rule_id") == "aws:ec2-host")
        .then(nw.concat_str([nw.col("usage_type_core").str.replace_all("^HostUsage:", ""), nw.lit(".metal")]))
        .when(is_instance_row)
        .then(nw.col("instance_type"))
        .otherwise(nw.lit(None, nw.String()))
    )
    rows = (
        classified.with_columns(
            instance_key.alias("instance_key"),
            # on-premises inventory rows are located by country or grid zone
            nw.when(nw.col("ProviderName") == "inventory")
            .then(nw.lit("location"))
            .otherwise(nw.col("ProviderName"))
            .alias("_grid_provider"),
        )
        .join(to_lazy(ip), on=["ProviderName", "instance_key"], how="left")
        .join(to_lazy(fam), on=["ProviderName", "machine_series"], how="left")
        .join(to_lazy(hint_cpu), on="cpu_microarchitecture_hint", how="left")
        .join(to_lazy(prov), on="ProviderName", how="left")
        .join(to_lazy(grid), on=["_grid_provider", "RegionId"], how="left")
        .join(to_lazy(grid_avg), on="_grid_provider", how="left")
        .join(to_lazy(pue), on=["ProviderName", "RegionId"], how="left")
        .join(to_lazy(pue_avg), on="ProviderName", how="left")
    )
    known = ~nw.col("vcpu").is_null()
    hinted = ~nw.col("vcpu_hint").is_null() & (nw.col("vcpu_hint") > 0)
    # a machine the input fully describes (inventory: vCPUs and a known microarchitecture) is not
    # an unknown instance type: its factors are the input's own
    described = hinted & ~nw.col("_hint_min").is_null()
    rows = rows.with_columns(
        _first(
            nw.col("_inst_acc_model"), nw.col("rule_accelerator_model"), nw.col("accelerator_model_hint")
        ).alias("accelerator_model"),
        _first(
            nw.col("_inst_family"),
            nw.col("machine_series"),
            nw.col("instance_key").str.split(".").list.get(0),
        ).alias("instance_family"),
    ).join(to_lazy(acc), on="accelerator_model", how="left")
    run: nw.Expr = nw.lit(None, nw.String())
    if config.ai.run_tags:
        run = _first(*(nw.col(tag_column(k)) for k in config.ai.run_tags))
    rows = rows.with_columns(_stage_expr(config.ai.stages).alias("stage"), run.alias("run"))

    # a row with no unit at all is taken to be in the rule's unit; a unit we do not know is not
    unit_ok = (
        (nw.col("quantity_unit") == "any")
        | nw.col("ConsumedUnit").is_null()
        # an unknown unit has no unit_norm: NULL == x is NULL, which must count as a mismatch
        | (nw.col("unit_norm") == nw.col("quantity_unit")).fill_null(False)
    )
    acc_count = (
        nw.when(nw.col("_inst_acc_count") > 0)
        .then(nw.col("_inst_acc_count"))
        .otherwise(nw.col("accelerator_count_hint").fill_null(0.0))
    )
    needs_acc = (cls == "accelerator") | (is_compute & (acc_count > 0))
    acc_unknown = needs_acc & nw.col("accelerator_tdp_w").is_null()
    excluded = cls == "excluded"
    rows = rows.with_columns(
        nw.when(excluded)
        .then(nw.lit("excluded"))
        .when(cls == "unmodelled")
        .then(nw.lit("fallback"))
        .when(~unit_ok)
        .then(nw.lit("fallback"))
        .when(is_compute & ~known & ~hinted)
        .then(nw.lit("fallback"))
        .when(acc_unknown)
        .then(nw.lit("fallback"))
        .otherwise(nw.lit("estimated"))
        .alias("fate"),
        nw.when(excluded)
        .then(nw.lit(None, nw.String()))
        .when(cls == "unmodelled")
        .then(nw.lit("unmodelled_usage_type"))
        .when(~unit_ok)
        .then(nw.lit("unit_mismatch"))
        .when(is_compute & ~known & ~described)
        .then(nw.lit("unknown_instance_type"))
        .when(acc_unknown)
        .then(nw.lit("unknown_accelerator"))
        .otherwise(nw.lit(None, nw.String()))
        .alias("status_note"),
        acc_count.alias("_acc_count"),
        nw.col("g_co2e_per_kwh").is_null().alias("_grid_missing"),
        nw.col("_g_avg").is_null().alias("_grid_global"),
    ).with_columns(
        nw.when(nw.col("_grid_missing"))
        .then(_first(nw.col("_g_avg"), nw.lit(g["grid"])))
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
        _first(nw.col("pue_hint"), nw.col("pue"), nw.col("_pue_avg"), nw.lit(g["pue"])).alias("pue"),
        _first(
            nw.col("cpu_min_w_per_vcpu"),
            nw.col("_hint_min"),
            nw.col("fam_cpu_min_w_per_vcpu"),
            nw.col("avg_cpu_min_w_per_vcpu"),
            nw.lit(g["cpu_min"]),
        ).alias("_wmin"),
        _first(
            nw.col("cpu_max_w_per_vcpu"),
            nw.col("_hint_max"),
            nw.col("fam_cpu_max_w_per_vcpu"),
            nw.col("avg_cpu_max_w_per_vcpu"),
            nw.lit(g["cpu_max"]),
        ).alias("_wmax"),
        nw.when(known)
        .then(nw.col("cpu_factor_status"))
        .when(~nw.col("_hint_min").is_null())
        .then(nw.lit("input"))
        .when(~nw.col("fam_cpu_min_w_per_vcpu").is_null())
        .then(nw.col("fam_cpu_factor_status"))
        .otherwise(nw.lit("provider_average"))
        .alias("cpu_factor_status"),
        _first(
            nw.col("embodied_host_kgco2e") / nw.col("host_vcpu"),
            nw.col("fam_embodied_kgco2e_per_host_vcpu"),
            nw.col("embodied_kgco2e_per_host_vcpu"),
            nw.lit(g["emb"]),
        ).alias("_emb_per_host_vcpu"),
    )

    est = nw.col("fate") == "estimated"
    q = nw.col("quantity")
    hours = nw.when(est & is_compute).then(q).otherwise(nw.lit(0.0))
    vcpu = _first(nw.col("vcpu"), nw.col("vcpu_hint"), nw.lit(0.0))
    mem_gb = _first(nw.col("memory_gb"), nw.col("memory_gb_hint"), nw.lit(0.0))
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
    rows = rows.with_columns(
        (hours * vcpu + direct_vcpu + serverless_hours * 1024.0 / p.lambda_mb_per_vcpu).alias("vcpu_hours"),
        (hours * mem_gb + serverless_hours + direct_mem).alias("memory_gb_hours"),
        (hours * nw.col("_acc_count") + direct_acc).alias("accelerator_hours"),
        nw.when(storage).then(tb_hours).otherwise(nw.lit(0.0)).alias("storage_tb_hours"),
        nw.when(est & cls.is_in(["network", "network_intra_region"]))
        .then(q)
        .otherwise(nw.lit(0.0))
        .alias("network_gb"),
        (hours * _f("embodied_kgco2e_hint")).alias("_emb_hint_hours"),
        _first(
            nw.col("cpu_utilisation_hint"),
            nw.col("burstable_baseline"),
            _utilisation(config.utilisation_overrides, "cpu", p.cpu_u),
        ).alias("cpu_utilisation"),
        _utilisation(config.utilisation_overrides, "accelerator", p.acc_u).alias("accelerator_utilisation"),
    ).with_columns(
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
            # widths of the band by named source (kWh before PUE), for attributing the range
            (
                cpu_kwh(nw.col("_u_high"))
                - cpu_kwh(nw.col("_u_low"))
                + acc_kwh(nw.col("_ua_high"))
                - acc_kwh(nw.col("_ua_low"))
            ).alias("_w_util_kwh"),
            (acc_kwh(nw.col("accelerator_utilisation")) * 2.0 * band).alias("_w_acc_kwh"),
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
    # an input that states the machine's embodied emissions replaces the host-share estimate
    embodied = (
        nw.when(~nw.col("embodied_kgco2e_hint").is_null() & is_compute)
        .then(nw.col("_emb_hint_hours"))
        .otherwise(
            nw.col("vcpu_hours") * nw.col("_emb_per_host_vcpu")
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
        .when(
            nw.col("grid_status").is_in(["provider_average", "global_average"])
            | (is_compute & ~known & ~described)
        )
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
        (nw.col("_w_util_kwh") * nw.col("pue") * nw.col("g_co2e_per_kwh") / 1000.0).alias(
            "band_utilisation_kg"
        ),
        (nw.col("_w_acc_kwh") * nw.col("pue") * nw.col("g_co2e_per_kwh") / 1000.0).alias(
            "band_accelerator_factor_kg"
        ),
        (nw.col("energy_kwh") * nw.col("g_co2e_per_kwh") / 1000.0 * 2.0 * grid_band).alias("band_grid_kg"),
        (embodied * 2.0 * p.embodied_band_ratio).alias("band_embodied_kg"),
    )
    drop = [c for c in rows.collect_schema().names() if c.startswith("_")]
    return rows.drop(*drop)
