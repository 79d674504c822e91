"""LCA activity export: what an LCA practitioner imports into SimaPro or openLCA for a month.

One row per activity, with its amount and unit, where it happened and the factor and source behind it:

* ``electricity``: facility kWh (IT energy x PUE, fallback rows included) per provider, region, grid
  dataset, year, factor and PUE, with the grid zone, its ecoinvent geography and the grid row's source
  and licence. The electricity rows add up to the estimate's total kWh.
* ``hardware``: vCPU-hours per instance (``cpu``) with the host's embodied kgCO2e, device-hours per
  accelerator model (``accelerator``) with theirs, and memory GB-hours. The embodied figures add up to
  the estimate's embodied total; each row gives the factor applied (kgCO2e per hour) and its source.
* ``storage``: TB-months per SSD/HDD class (TB-hours / hours of the month, replication included).
* ``network``: GB transferred.

``process_ecoinvent`` / ``process_openlca`` name the database process for each row, from the table
``lca_processes.csv`` shipped with this package (documented in ``docs/lca-mapping.md``); the geography
comes from the grid zone through ``lca_geographies.csv``. ecoinvent is licensed: only process names are
referenced, no ecoinvent data is used or shipped.
"""

from __future__ import annotations

import contextlib
import re
from importlib import resources

import polars as pl

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.exports._common import factors_of, month_hours, need_keys
from cloudcarbon.factors import FactorSet
from cloudcarbon.methods.default.emissions import EMBODIED_ACCELERATOR
from cloudcarbon.methods.default.inventory import LOCATION, PROVIDER
from cloudcarbon.results import EstimateResult

__all__ = ["LCA_COLUMNS", "lca_activity", "lca_geographies", "lca_processes"]

#: Columns of the LCA export, in order.
LCA_COLUMNS = (
    "month",
    "activity",
    "component",
    "model",
    "provider",
    "region",
    "amount",
    "unit",
    "unit_detail",
    "grid_zone",
    "geography",
    "grid_year",
    "grid_dataset",
    "grid_status",
    "grid_boundary",
    "grid_g_co2e_per_kwh",
    "grid_source",
    "grid_licence",
    "pue",
    "co2e_kg",
    # electricity rows: market-based CO2e and water (docs/method.md 3.5, 3.6); null where no factor
    "market_co2e_kg",
    "water_l",
    "embodied_kgco2e",
    "embodied_factor",
    "embodied_factor_unit",
    "embodied_source",
    "embodied_licence",
    "mapping",
    "process_ecoinvent",
    "process_openlca",
    "mapping_note",
    "billing_rows",
    "method",
    "factor_set",
)

_ISO_PREFIX = re.compile(r"^([A-Z]{2})(?:-|$)")


def _package_csv(name: str) -> pl.DataFrame:
    with resources.files(__package__ or "cloudcarbon.exports").joinpath(name).open("rb") as fh:
        return pl.read_csv(fh, infer_schema=False)


def lca_processes() -> pl.DataFrame:
    """The shipped mapping of each component to its database process names (``lca_processes.csv``)."""
    return _package_csv("lca_processes.csv")


def lca_geographies() -> pl.DataFrame:
    """The shipped grid-zone -> ecoinvent geography exceptions (``lca_geographies.csv``); other zones map
    to their leading ISO 3166-1 alpha-2 country code (``US-MIDA-PJM`` -> ``US``)."""
    return _package_csv("lca_geographies.csv")


def _geography(zone: pl.Expr) -> pl.Expr:
    table = lca_geographies()
    listed = dict(zip(table["zone"].to_list(), table["geography"].to_list(), strict=True))
    iso = zone.str.extract(_ISO_PREFIX.pattern, 1)
    return pl.when(zone.is_in(list(listed))).then(zone.replace_strict(listed, default=None)).otherwise(iso)


def _grid_rows(factors: FactorSet) -> pl.DataFrame:
    frames = [factors.table("grid_intensity")]
    with contextlib.suppress(KeyError):  # a set may ship without the ODbL table
        frames.append(factors.table("grid_intensity_odbl"))
    cols = ["provider", "region", "year", "dataset", "zone", "source", "licence"]
    # the factor's boundary (operational / lifecycle): declared from factor set 2026.12.1 on, else empty
    boundary = [
        pl.col("boundary") if "boundary" in f.columns else pl.lit(None, pl.String).alias("boundary")
        for f in frames
    ]
    return (
        pl.concat([f.select(*cols, b) for f, b in zip(frames, boundary, strict=True)])
        .unique(["provider", "region", "year", "dataset"], keep="first", maintain_order=True)
        .rename(
            {
                "provider": "_grid_provider",
                "region": "_grid_region",
                "year": "grid_year",
                "dataset": "grid_dataset",
                "zone": "grid_zone",
                "source": "grid_source",
                "licence": "grid_licence",
                "boundary": "grid_boundary",
            }
        )
    )


def _region_countries(factors: FactorSet) -> pl.DataFrame:
    """(provider, region) -> ISO country, from the set's Ember rows (whose zone is the country)."""
    return (
        _grid_rows(factors)
        .filter((pl.col("grid_dataset") == "ember") & (pl.col("_grid_region") != "*"))
        .select("_grid_provider", "_grid_region", pl.col("grid_zone").alias("_region_country"))
        .unique(["_grid_provider", "_grid_region"], keep="first", maintain_order=True)
    )


def _electricity(groups: pl.DataFrame, factors: FactorSet) -> pl.DataFrame:
    keys = ["ProviderName", "RegionId", "grid_status", "grid_dataset", "grid_year", "g_co2e_per_kwh", "pue"]
    el = (
        groups.filter(pl.col("energy_kwh") != 0)
        .group_by(keys)
        .agg(
            pl.col("energy_kwh").sum(),
            pl.col("co2e_kg").sum(),
            pl.col("rows").sum(),
            *[
                pl.when(pl.col(f).is_null().any())
                .then(pl.lit(None, pl.Float64))
                .otherwise(pl.col(f).sum())
                .alias(f)
                for f in ("market_co2e_kg", "water_l")
                if f in groups.columns
            ],
        )
        .with_columns(
            pl.when(pl.col("ProviderName") == PROVIDER)
            .then(pl.lit(LOCATION))
            .otherwise(pl.col("ProviderName"))
            .alias("_grid_provider"),
            # a region's own row, else the provider's mean row (`*`); the global mean has no one row
            pl.when(pl.col("grid_status").is_in(["exact", "year_substituted", "boundary_substituted"]))
            .then(pl.col("RegionId"))
            .otherwise(pl.lit("*"))
            .alias("_grid_region"),
        )
        .join(
            _grid_rows(factors),
            on=["_grid_provider", "_grid_region", "grid_year", "grid_dataset"],
            how="left",
        )
        .join(_region_countries(factors), on=["_grid_provider", "_grid_region"], how="left")
    )
    is_global = pl.col("grid_status") == "global_average"
    return (
        el.select(
            pl.lit("electricity").alias("activity"),
            pl.lit("electricity").alias("component"),
            pl.lit(None, pl.String).alias("model"),
            pl.col("ProviderName").alias("provider"),
            pl.col("RegionId").alias("region"),
            pl.col("energy_kwh").alias("amount"),
            pl.when(is_global).then(pl.lit("*")).otherwise(pl.col("grid_zone")).alias("grid_zone"),
            "grid_year",
            "grid_dataset",
            "grid_status",
            pl.when(is_global)
            .then(pl.lit(None, pl.String))
            .otherwise(pl.col("grid_boundary"))
            .alias("grid_boundary"),
            pl.col("g_co2e_per_kwh").alias("grid_g_co2e_per_kwh"),
            pl.when(is_global)
            .then(
                pl.lit("mean of the providers' '*' rows of the grid tables (global average, METHOD step 3)")
            )
            .otherwise(pl.col("grid_source"))
            .alias("grid_source"),
            pl.when(is_global)
            .then(pl.lit(None, pl.String))
            .otherwise(pl.col("grid_licence"))
            .alias("grid_licence"),
            "pue",
            "co2e_kg",
            *[
                pl.col(f) if f in el.columns else pl.lit(None, pl.Float64).alias(f)
                for f in ("market_co2e_kg", "water_l")
            ],
            pl.lit(0.0).alias("embodied_kgco2e"),
            pl.col("rows").alias("billing_rows"),
            "_region_country",
        )
        .with_columns(
            # a zone with no geography of its own (Google's region names) takes its region's country
            pl.coalesce(_geography(pl.col("grid_zone")), pl.col("_region_country")).alias("geography")
        )
        .drop("_region_country")
    )


def _instance_sources(factors: FactorSet) -> pl.DataFrame:
    return factors.table("instances").select(
        pl.col("provider").alias("ProviderName"),
        pl.col("instance_type").alias("instance_key"),
        pl.col("source").alias("_inst_source"),
        pl.col("licence").alias("_inst_licence"),
    )


def _hardware(groups: pl.DataFrame, factors: FactorSet) -> pl.DataFrame:
    acc_emb = pl.col(EMBODIED_ACCELERATOR) if EMBODIED_ACCELERATOR in groups.columns else pl.lit(0.0)
    g = groups.with_columns(
        acc_emb.alias("_emb_acc"), (pl.col("embodied_co2e_kg") - acc_emb).alias("_emb_host")
    )
    cpu = (
        g.filter((pl.col("vcpu_hours") != 0) | (pl.col("_emb_host") != 0))
        .group_by("ProviderName", "instance_key")
        .agg(pl.col("vcpu_hours").sum(), pl.col("_emb_host").sum(), pl.col("rows").sum())
        .join(_instance_sources(factors), on=["ProviderName", "instance_key"], how="left")
        .select(
            pl.lit("hardware").alias("activity"),
            pl.lit("cpu").alias("component"),
            pl.col("instance_key").alias("model"),
            pl.col("ProviderName").alias("provider"),
            pl.col("vcpu_hours").alias("amount"),
            pl.col("_emb_host").alias("embodied_kgco2e"),
            pl.lit("kgCO2e per vCPU-hour").alias("embodied_factor_unit"),
            pl.when(pl.col("ProviderName") == PROVIDER)
            .then(pl.lit("the inventory's embodied_kgco2e per machine, spread over its hours"))
            .when(pl.col("_inst_source").is_not_null())
            .then(
                pl.lit("instances.csv embodied_host_kgco2e / host_vcpu / server_lifespan_hours: ")
                + pl.col("_inst_source")
            )
            .otherwise(
                pl.lit(
                    "instances.csv family or provider mean of embodied_host_kgco2e per host vCPU / "
                    "server_lifespan_hours (instance type not in the table, or none billed)"
                )
            )
            .alias("embodied_source"),
            pl.col("_inst_licence").alias("embodied_licence"),
            pl.col("rows").alias("billing_rows"),
        )
    )
    acc_table = factors.table("accelerators").select(
        pl.col("model").alias("accelerator_model"),
        pl.col("source").alias("_acc_source"),
        pl.col("licence").alias("_acc_licence"),
    )
    acc = (
        g.filter((pl.col("accelerator_hours") != 0) | (pl.col("_emb_acc") != 0))
        .group_by("ProviderName", "accelerator_model")
        .agg(pl.col("accelerator_hours").sum(), pl.col("_emb_acc").sum(), pl.col("rows").sum())
        .join(acc_table, on="accelerator_model", how="left")
        .select(
            pl.lit("hardware").alias("activity"),
            pl.lit("accelerator").alias("component"),
            pl.col("accelerator_model").alias("model"),
            pl.col("ProviderName").alias("provider"),
            pl.col("accelerator_hours").alias("amount"),
            pl.col("_emb_acc").alias("embodied_kgco2e"),
            pl.lit("kgCO2e per device-hour").alias("embodied_factor_unit"),
            pl.when(pl.col("_acc_source").is_not_null())
            .then(
                pl.lit("accelerators.csv embodied_kgco2e / server_lifespan_hours: ") + pl.col("_acc_source")
            )
            .otherwise(pl.lit("no embodied factor (accelerator model not in accelerators.csv)"))
            .alias("embodied_source"),
            pl.col("_acc_licence").alias("embodied_licence"),
            pl.col("rows").alias("billing_rows"),
        )
    )
    mem = (
        g.filter(pl.col("memory_gb_hours") != 0)
        .group_by("ProviderName")
        .agg(pl.col("memory_gb_hours").sum(), pl.col("rows").sum())
        .select(
            pl.lit("hardware").alias("activity"),
            pl.lit("memory").alias("component"),
            pl.col("ProviderName").alias("provider"),
            pl.col("memory_gb_hours").alias("amount"),
            pl.lit(0.0).alias("embodied_kgco2e"),
            pl.col("rows").alias("billing_rows"),
        )
    )
    return pl.concat([cpu, acc, mem], how="diagonal_relaxed").with_columns(
        pl.when(pl.col("amount") > 0)
        .then(pl.col("embodied_kgco2e") / pl.col("amount"))
        .otherwise(None)
        .alias("embodied_factor")
    )


def _storage_network(groups: pl.DataFrame, month: str) -> pl.DataFrame:
    hours = month_hours(month)
    storage = (
        groups.filter(
            pl.col("usage_class").is_in(["storage_ssd", "storage_hdd"]) & (pl.col("storage_tb_hours") != 0)
        )
        .group_by("ProviderName", "usage_class")
        .agg(pl.col("storage_tb_hours").sum(), pl.col("rows").sum())
        .select(
            pl.lit("storage").alias("activity"),
            pl.col("usage_class").alias("component"),
            pl.col("ProviderName").alias("provider"),
            (pl.col("storage_tb_hours") / hours).alias("amount"),
            pl.col("rows").alias("billing_rows"),
        )
    )
    network = (
        groups.filter(pl.col("network_gb") != 0)
        .group_by("ProviderName", "usage_class")
        .agg(pl.col("network_gb").sum(), pl.col("rows").sum())
        .select(
            pl.lit("network").alias("activity"),
            pl.col("usage_class").alias("component"),
            pl.col("ProviderName").alias("provider"),
            pl.col("network_gb").alias("amount"),
            pl.col("rows").alias("billing_rows"),
        )
    )
    return pl.concat([storage, network], how="diagonal_relaxed").with_columns(
        pl.lit(0.0).alias("embodied_kgco2e")
    )


_ORDER = {"electricity": 0, "hardware": 1, "storage": 2, "network": 3}


def lca_activity(result: EstimateResult, factors: FactorSet | None = None) -> pl.DataFrame:
    """The month's LCA activity data, one row per activity (:data:`LCA_COLUMNS`).

    Parameters
    ----------
    result
        An estimate made with the factors kept as keys
        (:func:`~cloudcarbon.exports.estimate_for_export`), by the default method.
    factors
        The factor set the estimate used (default: the shipped set of its version, checked by hash);
        its tables give each row's source and licence.

    Returns
    -------
    polars.DataFrame
        ``electricity`` rows (their ``amount`` adds up to ``result.total("energy_kwh")``), ``hardware``
        rows (their ``embodied_kgco2e`` adds up to ``result.total("embodied_co2e_kg")``), ``storage``
        and ``network`` rows; each with its unit, source and database process hint.
    """
    if result.method != "cloudcarbon":
        raise CloudCarbonError(
            f"the LCA export reads the default method's figures, not {result.method!r}; estimate with "
            "method='cloudcarbon'"
        )
    groups = need_keys(result, "LCA")
    fs = factors_of(result, factors)
    parts = [_electricity(groups, fs), _hardware(groups, fs), _storage_network(groups, result.month)]
    rows = pl.concat(parts, how="diagonal_relaxed")
    procs = lca_processes().rename(
        {
            "note": "mapping_note",
            "ecoinvent_process": "process_ecoinvent",
            "openlca_elcd_name": "process_openlca",
        }
    )
    out = rows.join(procs, on="component", how="left").with_columns(
        pl.lit(result.month).alias("month"),
        pl.lit(result.method).alias("method"),
        pl.lit(result.factor_set.label).alias("factor_set"),
        pl.col("activity").replace_strict(_ORDER, return_dtype=pl.Int64).alias("_order"),
    )
    for c in LCA_COLUMNS:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, pl.String).alias(c))
    return (
        out.sort(
            "_order", "component", "provider", "region", "model", "grid_dataset", "grid_year", nulls_last=True
        )
        .select(LCA_COLUMNS)
        .with_columns(pl.col("billing_rows").cast(pl.Int64))
    )
