"""Anonymised benchmark export: intensity metrics organisations can pool, with nothing that names them.

Metrics (estimated rows only: fallback and excluded rows carry no activity to divide by):

* ``co2e_per_vcpu_hour`` per provider and instance family (instances without accelerators);
* ``co2e_per_accelerator_hour`` per accelerator model, over all providers (the whole instance's CO2e
  per device-hour, as the AI lens reports it);
* ``co2e_per_tb_month`` per provider and storage class (SSD / HDD, replication included);
* ``pue`` and ``grid_g_co2e_per_kwh`` per provider and region: the factors the estimate used.

Beside each location-based ``value``: ``market_value`` (the market-based CO2e in the same unit; on a
``grid_g_co2e_per_kwh`` row the market-based gCO2e/kWh) and ``water_l_per_unit`` (litres, on-site plus
electricity, per unit; on a grid row litres per kWh). Each is null when any row behind the metric has
no market-based or water factor (a partial sum would understate it), and on ``pue`` rows.

Every metric gives ``n_rows``, the billing rows behind it; a metric with fewer than ``k`` rows (default
5) is dropped. No account, project, tag, resource, run or instance-type value is written: the labels
come only from the factor set's own vocabulary (providers, instance families and accelerator models of
its tables, storage classes) and from regions that matched a grid-table row; anything else is
``(other)``. Intensity metrics are not split by region: a region combined with a rare instance family
or accelerator could single out one organisation, and the region's own factors (PUE, grid) are published
anyway and reported on their own rows.
"""

from __future__ import annotations

import polars as pl

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.exports._common import factors_of, month_hours, need_keys
from cloudcarbon.factors import FactorSet
from cloudcarbon.results import EstimateResult

__all__ = ["BENCHMARK_COLUMNS", "DEFAULT_K", "benchmark", "benchmark_groups"]

#: Smallest number of billing rows a published metric may rest on (``--k``).
DEFAULT_K = 5

#: Columns of the benchmark export, in order.
BENCHMARK_COLUMNS = (
    "month",
    "method",
    "factor_set",
    "factor_set_sha256",
    "metric",
    "provider",
    "subject_kind",
    "subject",
    "grid_dataset",
    "grid_year",
    "value",
    "unit",
    "kwh_per_unit",
    "embodied_kg_per_unit",
    "market_value",
    "water_l_per_unit",
    "activity_amount",
    "activity_unit",
    "n_rows",
)

OTHER = "(other)"


def _per(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None)


def _whole_sum(frame: pl.DataFrame, col: str) -> pl.Expr:
    """Sum of ``col`` in a group, null when any row has none (or the result has no such column)."""
    if col not in frame.columns:
        return pl.lit(None, pl.Float64)
    return pl.when(pl.col(col).is_null().any()).then(None).otherwise(pl.col(col).sum()).cast(pl.Float64)


def _vocabulary(factors: FactorSet) -> tuple[list[str], pl.DataFrame, list[str]]:
    providers: set[str] = set()
    for name in ("instances", "pue", "grid_intensity"):
        providers.update(factors.table(name)["provider"].unique().to_list())
    providers.add("inventory")
    families = factors.table("instances").select(
        pl.col("provider").alias("ProviderName"),
        pl.col("instance_type").alias("instance_key"),
        pl.col("family").alias("_family"),
    )
    models = factors.table("accelerators")["model"].to_list()
    return sorted(p for p in providers if p != "*"), families, models


def _metric(
    frame: pl.DataFrame,
    *,
    metric: str,
    keys: list[str],
    subject_kind: str,
    amount: pl.Expr,
    activity_unit: str,
    unit: str,
) -> pl.DataFrame:
    agg = frame.group_by(keys).agg(
        amount.sum().alias("activity_amount"),
        pl.col("co2e_kg").sum(),
        pl.col("energy_kwh").sum(),
        pl.col("embodied_co2e_kg").sum(),
        _whole_sum(frame, "market_co2e_kg").alias("market_co2e_kg"),
        _whole_sum(frame, "water_l").alias("water_l"),
        pl.col("rows").sum().alias("n_rows"),
    )
    return agg.select(
        pl.lit(metric).alias("metric"),
        pl.col("provider"),
        pl.lit(subject_kind).alias("subject_kind"),
        pl.col("subject"),
        _per(pl.col("co2e_kg"), pl.col("activity_amount")).alias("value"),
        pl.lit(unit).alias("unit"),
        _per(pl.col("energy_kwh"), pl.col("activity_amount")).alias("kwh_per_unit"),
        _per(pl.col("embodied_co2e_kg"), pl.col("activity_amount")).alias("embodied_kg_per_unit"),
        _per(pl.col("market_co2e_kg"), pl.col("activity_amount")).alias("market_value"),
        _per(pl.col("water_l"), pl.col("activity_amount")).alias("water_l_per_unit"),
        "activity_amount",
        pl.lit(activity_unit).alias("activity_unit"),
        "n_rows",
    )


def benchmark_groups(result: EstimateResult, factors: FactorSet | None = None) -> pl.DataFrame:
    """Every benchmark metric with its ``n_rows``, before suppression (:func:`benchmark` drops those
    resting on fewer than ``k`` billing rows). Same columns as :data:`BENCHMARK_COLUMNS`."""
    groups = need_keys(result, "benchmark")
    fs = factors_of(result, factors)
    providers, families, models = _vocabulary(fs)
    est = groups.filter(pl.col("fate") == "estimated").with_columns(
        pl.when(pl.col("ProviderName").is_in(providers))
        .then(pl.col("ProviderName"))
        .otherwise(pl.lit(OTHER))
        .alias("provider"),
        pl.when(pl.col("grid_status").is_in(["exact", "year_substituted", "boundary_substituted"]))
        .then(pl.col("RegionId"))
        .otherwise(pl.lit(OTHER))
        .alias("_region"),
    )
    cpu = (
        est.filter(
            (pl.col("usage_class") == "compute")
            & (pl.col("vcpu_hours") > 0)
            & (pl.col("accelerator_hours") == 0)
        )
        .join(families, on=["ProviderName", "instance_key"], how="left")
        .with_columns(pl.col("_family").fill_null(OTHER).alias("subject"))
    )
    acc = est.filter(pl.col("accelerator_hours") > 0).with_columns(
        pl.when(pl.col("accelerator_model").is_in(models))
        .then(pl.col("accelerator_model"))
        .otherwise(pl.lit(OTHER))
        .alias("subject"),
        pl.lit("(all)").alias("provider"),
    )
    hours = month_hours(result.month)
    storage = est.filter(
        pl.col("usage_class").is_in(["storage_ssd", "storage_hdd"]) & (pl.col("storage_tb_hours") > 0)
    ).with_columns(pl.col("usage_class").str.replace("storage_", "").alias("subject"))
    metrics = [
        _metric(
            cpu,
            metric="co2e_per_vcpu_hour",
            keys=["provider", "subject"],
            subject_kind="instance_family",
            amount=pl.col("vcpu_hours"),
            activity_unit="vCPU-h",
            unit="kgCO2e/vCPU-h",
        ),
        _metric(
            acc,
            metric="co2e_per_accelerator_hour",
            keys=["provider", "subject"],
            subject_kind="accelerator_model",
            amount=pl.col("accelerator_hours"),
            activity_unit="device-h",
            unit="kgCO2e/device-h",
        ),
        _metric(
            storage,
            metric="co2e_per_tb_month",
            keys=["provider", "subject"],
            subject_kind="storage_class",
            amount=pl.col("storage_tb_hours") / hours,
            activity_unit="TB-month",
            unit="kgCO2e/TB-month",
        ),
    ]
    powered = est.filter(pl.col("energy_kwh") > 0).with_columns(pl.col("_region").alias("subject"))
    pue = powered.group_by("provider", "subject").agg(
        # the kWh-weighted PUE: facility kWh over IT kWh
        _per(pl.col("energy_kwh").sum(), (pl.col("energy_kwh") / pl.col("pue")).sum()).alias("value"),
        pl.col("energy_kwh").sum().alias("activity_amount"),
        pl.col("rows").sum().alias("n_rows"),
    )
    grid = powered.group_by("provider", "subject", "grid_dataset", "grid_year").agg(
        # the kWh-weighted grid factor: g = kg x 1000 / kWh
        _per(pl.col("co2e_kg").sum() * 1000.0, pl.col("energy_kwh").sum()).alias("value"),
        _per(_whole_sum(powered, "market_co2e_kg") * 1000.0, pl.col("energy_kwh").sum()).alias(
            "market_value"
        ),
        _per(_whole_sum(powered, "water_l"), pl.col("energy_kwh").sum()).alias("water_l_per_unit"),
        pl.col("energy_kwh").sum().alias("activity_amount"),
        pl.col("rows").sum().alias("n_rows"),
    )
    factor_rows = [
        pue.with_columns(pl.lit("pue").alias("metric"), pl.lit("ratio").alias("unit")),
        grid.with_columns(pl.lit("grid_g_co2e_per_kwh").alias("metric"), pl.lit("gCO2e/kWh").alias("unit")),
    ]
    factor_rows = [
        f.with_columns(pl.lit("region").alias("subject_kind"), pl.lit("kWh").alias("activity_unit"))
        for f in factor_rows
    ]
    out = pl.concat([*metrics, *factor_rows], how="diagonal_relaxed").with_columns(
        pl.lit(result.month).alias("month"),
        pl.lit(result.method).alias("method"),
        pl.lit(result.factor_set.label).alias("factor_set"),
        pl.lit(result.factor_set.sha256).alias("factor_set_sha256"),
    )
    for c in BENCHMARK_COLUMNS:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, pl.String).alias(c))
    return (
        out.select(BENCHMARK_COLUMNS)
        .with_columns(pl.col("n_rows").cast(pl.Int64))
        .sort("metric", "provider", "subject", "grid_dataset", nulls_last=True)
    )


def benchmark(result: EstimateResult, k: int = DEFAULT_K, factors: FactorSet | None = None) -> pl.DataFrame:
    """The anonymised benchmark: :func:`benchmark_groups` without the metrics resting on fewer than ``k``
    billing rows.

    Parameters
    ----------
    result
        An estimate made with the factors kept as keys (:func:`~cloudcarbon.exports.estimate_for_export`).
    k
        Smallest number of billing rows a metric may rest on (at least 1).
    factors
        The factor set the estimate used (default: the shipped set of its version, checked by hash).
    """
    if k < 1:
        raise CloudCarbonError(f"k must be at least 1, not {k}")
    return benchmark_groups(result, factors).filter(pl.col("n_rows") >= k)
