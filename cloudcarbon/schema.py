"""The canonical usage table and the estimate tables, defined once.

Every connector produces the canonical usage table: one row per billing row, with FOCUS column names
where FOCUS has the column (PascalCase) and cloudcarbon's own columns in snake_case with their unit in
the name. The estimation pipeline reads only these columns, so a new connector only has to produce them.

Tag values that configuration rules refer to are carried as extra columns named ``tag:<key>`` (see
:func:`tag_column`); the full tag set of a row is in ``Tags`` as a JSON object string, as in FOCUS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import narwhals as nw
from narwhals.typing import IntoDType

from cloudcarbon.exceptions import SchemaError

__all__ = [
    "BAND_SOURCES",
    "CANONICAL_USAGE",
    "CHARGE_CLASSES",
    "COST_DTYPE",
    "COST_SQL",
    "ESTIMATE_DETAIL",
    "ESTIMATE_KEYS",
    "ESTIMATE_ROW",
    "ESTIMATE_SUMS",
    "FALLBACK_BASIS",
    "FATES",
    "FIGURES",
    "HINT_COLUMNS",
    "MARKET_WATER_DETAIL",
    "MARKET_WATER_FIGURES",
    "MARKET_WATER_TEXT",
    "USAGE_CLASSES",
    "Column",
    "duckdb_type",
    "tag_column",
    "validate_usage",
]

#: Costs are exact decimals: the coverage reconciliation must add up to the cent. 18 decimals keep every
#: digit providers write (AWS and Azure write up to 15-16), 20 integer digits leave room for any sum.
COST_DTYPE = nw.Decimal(38, 18)
#: The same type in DuckDB SQL (connectors parse costs with it).
COST_SQL = "DECIMAL(38,18)"


@dataclass(frozen=True)
class Column:
    """One column of a declared table: name, dtype, unit and meaning."""

    name: str
    dtype: IntoDType
    unit: str
    description: str
    focus: bool = False


def _cols(*columns: Column) -> Mapping[str, Column]:
    return {c.name: c for c in columns}


CANONICAL_USAGE: Mapping[str, Column] = _cols(
    Column("ProviderName", nw.String(), "", "cloud or source: aws, gcp, azure, inventory", True),
    Column("BillingAccountId", nw.String(), "", "payer / billing account id (text, zeros kept)", True),
    Column("SubAccountId", nw.String(), "", "linked account, project or subscription id", True),
    Column("billing_month", nw.String(), "YYYY-MM", "billing period the row belongs to"),
    Column("billing_period_hours", nw.Float64(), "h", "hours in the billing period (month)"),
    Column("ChargePeriodStart", nw.Datetime("us"), "UTC", "start of the usage the row covers", True),
    Column("ChargePeriodEnd", nw.Datetime("us"), "UTC", "end of the usage the row covers", True),
    Column("ServiceName", nw.String(), "", "provider service code, e.g. AmazonEC2", True),
    Column("RegionId", nw.String(), "", "provider region code, e.g. us-east-1", True),
    Column("usage_type", nw.String(), "", "provider usage type / SKU description"),
    Column("operation", nw.String(), "", "provider operation code"),
    Column("product_family", nw.String(), "", "provider product family"),
    Column("instance_type", nw.String(), "", "instance / machine / VM size as billed"),
    Column("line_item_type", nw.String(), "", "provider line item / charge type as billed"),
    Column("charge_class", nw.String(), "", "usage or the kind of non-usage charge (CHARGE_CLASSES)"),
    Column("ConsumedQuantity", nw.Float64(), "ConsumedUnit", "usage amount as billed", True),
    Column("ConsumedUnit", nw.String(), "", "unit of ConsumedQuantity as billed", True),
    Column("BilledCost", COST_DTYPE, "BillingCurrency", "cost as invoiced", True),
    Column(
        "EffectiveCost",
        COST_DTYPE,
        "BillingCurrency",
        "amortised cost: the cost of the usage including its share of commitments",
        True,
    ),
    Column("BillingCurrency", nw.String(), "", "ISO currency code", True),
    Column("vcpu_hint", nw.Float64(), "vCPU", "vCPU count stated on the billing row, if any"),
    Column("memory_gb_hint", nw.Float64(), "GB", "memory stated on the billing row, if any"),
    Column("project_hint", nw.String(), "", "the source's own project (e.g. Azure resource group)"),
    Column("usage_class_hint", nw.String(), "", "usage class decided by the connector (skips the rules)"),
    Column("machine_series", nw.String(), "", "machine family/series, e.g. GCP n2 (component rows)"),
    Column("cpu_microarchitecture_hint", nw.String(), "", "CPU microarchitecture stated by the input"),
    Column("accelerator_model_hint", nw.String(), "", "accelerator model stated by the input"),
    Column(
        "accelerator_count_hint", nw.Float64(), "devices", "accelerators per instance stated by the input"
    ),
    Column("pue_hint", nw.Float64(), "ratio", "PUE stated by the input (inventory)"),
    Column("cpu_utilisation_hint", nw.Float64(), "fraction", "CPU utilisation stated by the input"),
    Column(
        "embodied_kgco2e_hint", nw.Float64(), "kgCO2e", "whole-machine embodied emissions stated by the input"
    ),
    Column(
        "pack_size",
        nw.Float64(),
        "ratio",
        "billed unit's pack multiplier: ConsumedQuantity = billed quantity x pack_size (Azure '100 Hours')",
    ),
    Column("billed_unit", nw.String(), "", "unit as written on the bill, pack size included (Azure)"),
    Column("Tags", nw.String(), "", "all tags of the row as a JSON object string", True),
    Column("source_file", nw.String(), "", "file the row was read from"),
    Column("source_row", nw.Int64(), "", "1-based data row number in source_file"),
)

#: ``charge_class`` values. Only ``usage`` rows are estimated; the others are excluded with that reason.
CHARGE_CLASSES = (
    "usage",
    "commitment_negation",
    "commitment_fee",
    "commitment_purchase",
    "tax",
    "credit",
    "refund",
    "discount",
    "fee",
    "support",
    "marketplace",
    "rounding",
    "correction",
    "other_non_usage",
)

#: What happens to a billing row. The three add up to the billed total.
FATES = ("estimated", "fallback", "excluded")

#: ``usage_class`` values assigned by classification. ``compute`` rows are instance-hours (the instance
#: type gives vCPU, memory and accelerators); ``cpu``, ``memory`` and ``accelerator`` rows are the
#: per-resource rows some providers bill (GCP core-seconds, RAM byte-seconds, GPU-seconds).
USAGE_CLASSES = (
    "compute",
    "cpu",
    "memory",
    "accelerator",
    "serverless",
    "container_cpu",
    "container_memory",
    "storage_ssd",
    "storage_hdd",
    "network",
    "network_intra_region",
    "unmodelled",
    "excluded",
)


#: Columns a connector may leave NULL when its source does not state them.
HINT_COLUMNS = (
    "vcpu_hint",
    "memory_gb_hint",
    "project_hint",
    "usage_class_hint",
    "machine_series",
    "cpu_microarchitecture_hint",
    "accelerator_model_hint",
    "accelerator_count_hint",
    "pue_hint",
    "cpu_utilisation_hint",
    "embodied_kgco2e_hint",
    "pack_size",
    "billed_unit",
)


def duckdb_type(column: Column) -> str:
    """The DuckDB SQL type of a declared column (for connectors that build SQL)."""
    dt = column.dtype
    if isinstance(dt, nw.Float64):
        return "DOUBLE"
    if isinstance(dt, nw.Int64):
        return "BIGINT"
    if isinstance(dt, nw.Datetime):
        return "TIMESTAMP"
    if isinstance(dt, nw.Decimal):
        return COST_SQL
    return "VARCHAR"


def tag_column(key: str) -> str:
    """Name of the canonical column carrying the value of tag ``key`` (e.g. ``tag:user:project``)."""
    return f"tag:{key}"


def validate_usage(lf: nw.LazyFrame[Any], *, source: str, tag_keys: Iterable[str] = ()) -> None:
    """Raise :class:`SchemaError` if ``lf`` lacks a canonical column.

    Parameters
    ----------
    lf
        A connector's output.
    source
        The input it came from, named in the error.
    tag_keys
        Tag keys whose ``tag:<key>`` columns must be present too.
    """
    have = set(lf.collect_schema().names())
    need = [*CANONICAL_USAGE, *(tag_column(k) for k in tag_keys)]
    missing = [c for c in need if c not in have]
    if missing:
        raise SchemaError(source, "the canonical usage table", missing)


# ------------------------------------------------------------------------------------------------
# The per-row estimate: what every method (``cloudcarbon.methods``) returns for each billing row.
#
# A method maps the classified usage table to one estimate row per usage row. The row keeps the
# canonical columns and adds the columns below; the pipeline groups by :data:`ESTIMATE_KEYS`, sums
# :data:`ESTIMATE_SUMS`, and ``--detail`` writes :data:`ESTIMATE_DETAIL`. Fallback rows carry their
# ``fallback_basis`` (what the method's ratio multiplies); one shared function turns basis x ratio into
# their figures, on the aggregate and on the per-row detail alike, so the two add up by construction.

#: Named sources of spread; each line reports its width (kg) per source and the dominant one.
BAND_SOURCES = ("utilisation", "accelerator_factor", "grid", "fallback", "embodied", "component_factor")

#: Figures reported per line and in the totals (central value and bounds).
FIGURES = (
    "energy_kwh",
    "energy_kwh_low",
    "energy_kwh_high",
    "co2e_kg",
    "co2e_kg_low",
    "co2e_kg_high",
    "embodied_co2e_kg",
    "embodied_co2e_kg_low",
    "embodied_co2e_kg_high",
)

#: Per-row columns a fallback row's figures are made from: the basis its method's ratio multiplies
#: (default method: the row's billed cost clipped at 0; ccf: CCF's cost or usage amount) and that basis
#: times the row's grid factor (g/kWh), so that CO2e sums exactly over rows with different grids.
FALLBACK_BASIS = ("fallback_basis", "fallback_basis_x_g")

ESTIMATE_ROW: Mapping[str, Column] = _cols(
    # keys (besides the canonical ProviderName, BillingCurrency, ServiceName, RegionId, instance_type)
    Column("project", nw.String(), "", "project the row is allocated to ([allocation] rules)"),
    Column("stage", nw.String(), "", "AI lifecycle stage ([ai] stages), else other"),
    Column("run", nw.String(), "", "training run ([ai] run_tags), else NULL"),
    Column("usage_class", nw.String(), "", "usage class (USAGE_CLASSES, or the method's own)"),
    Column("fate", nw.String(), "", "estimated, fallback or excluded (FATES)"),
    Column("reason", nw.String(), "", "why the row was excluded or fell back"),
    Column("factor_status", nw.String(), "", "exact, year_substituted, provider_average, fallback..."),
    Column("grid_status", nw.String(), "", "how the grid factor was found"),
    Column("fallback_key", nw.String(), "", "which of the method's fallback ratios the row takes"),
    # factors used (detail)
    Column("rule_id", nw.String(), "", "classification rule that decided the usage class"),
    Column("quantity", nw.Float64(), "unit_norm", "usage in the rule's canonical unit"),
    Column("unit_norm", nw.String(), "", "canonical unit of quantity"),
    Column("instance_key", nw.String(), "", "key the instance factors were looked up by"),
    Column("cpu_factor_status", nw.String(), "", "how the CPU watts were found"),
    Column("cpu_utilisation", nw.Float64(), "fraction", "CPU utilisation used"),
    Column("accelerator_model", nw.String(), "", "accelerator model used"),
    Column("accelerator_utilisation", nw.Float64(), "fraction", "accelerator utilisation used"),
    Column("replication_factor", nw.Float64(), "ratio", "storage / service replication"),
    Column("pue", nw.Float64(), "ratio", "power usage effectiveness"),
    Column("g_co2e_per_kwh", nw.Float64(), "gCO2e/kWh", "grid carbon intensity"),
    Column("grid_year", nw.Int64(), "year", "year of the grid factor"),
    Column("grid_dataset", nw.String(), "", "dataset of the grid factor"),
    # summed figures
    Column("vcpu_hours", nw.Float64(), "vCPU-h", "vCPU-hours"),
    Column("memory_gb_hours", nw.Float64(), "GB-h", "memory GB-hours"),
    Column("accelerator_hours", nw.Float64(), "device-h", "accelerator device-hours"),
    Column("storage_tb_hours", nw.Float64(), "TB-h", "storage TB-hours"),
    Column("network_gb", nw.Float64(), "GB", "network transfer"),
    Column("cpu_kwh", nw.Float64(), "kWh", "CPU energy (IT, before PUE)"),
    Column("memory_kwh", nw.Float64(), "kWh", "memory energy (IT)"),
    Column("accelerator_kwh", nw.Float64(), "kWh", "accelerator energy (IT)"),
    Column("storage_kwh", nw.Float64(), "kWh", "storage energy (IT)"),
    Column("network_kwh", nw.Float64(), "kWh", "network energy (IT)"),
    *(Column(f, nw.Float64(), "kWh" if f.startswith("energy") else "kgCO2e", f) for f in FIGURES),
    *(Column(f"band_{b}_kg", nw.Float64(), "kgCO2e", f"width of the {b} band") for b in BAND_SOURCES),
    Column(FALLBACK_BASIS[0], nw.Float64(), "method", "what the fallback ratio multiplies (0 if none)"),
    Column(FALLBACK_BASIS[1], nw.Float64(), "method x g/kWh", "fallback_basis x g_co2e_per_kwh"),
)

#: Keys of the one aggregation every output is derived from (lines, coverage, flags, AI figures). The
#: grid factor, PUE and dataset follow from provider and region and are not keys (fallback CO2e uses the
#: summed ``fallback_basis_x_g``); the account is added only when lines are grouped by it.
ESTIMATE_KEYS = (
    "billing_month",
    "ProviderName",
    "BillingCurrency",
    "project",
    "ServiceName",
    "RegionId",
    "instance_type",
    "usage_class",
    "fate",
    "reason",
    "factor_status",
    "grid_status",
    "stage",
    "run",
    "fallback_key",
)

#: Per-row figures the aggregation sums (activity, component kWh, figures, band widths, fallback basis).
ESTIMATE_SUMS = (
    "vcpu_hours",
    "memory_gb_hours",
    "accelerator_hours",
    "storage_tb_hours",
    "network_gb",
    "cpu_kwh",
    "memory_kwh",
    "accelerator_kwh",
    "storage_kwh",
    "network_kwh",
    *FIGURES,
    *(f"band_{b}_kg" for b in BAND_SOURCES),
    *FALLBACK_BASIS,
)

#: Market-based CO2e and water figures (docs/method.md 3.5, 3.6), added after the fallback from the
#: method's factors per provider and region (:mod:`cloudcarbon.methods.market_water`): on groups, lines,
#: totals and the per-row detail. NULL where no factor exists (never the location-based figure).
MARKET_WATER_FIGURES = (
    "market_co2e_kg",
    "market_co2e_kg_low",
    "market_co2e_kg_high",
    "water_l",
    "water_l_low",
    "water_l_high",
    "water_site_l",
    "water_site_l_low",
    "water_site_l_high",
    "water_source_l",
    "water_source_l_low",
    "water_source_l_high",
)
#: Status and reason of the market-based and water figures (the reason says why a figure is NULL, or
#: which factor and source made it).
MARKET_WATER_TEXT = ("market_status", "market_reason", "water_status", "water_reason")
#: ``--detail`` columns of the market-based and water figures: the factors used, status, figures.
MARKET_WATER_DETAIL = (
    "market_g_co2e_per_kwh",
    "market_status",
    "market_reason",
    "wue_l_per_kwh",
    "ewf_l_per_kwh",
    "water_status",
    "water_reason",
    *MARKET_WATER_FIGURES,
)

#: Per-row columns written by ``--detail``: the billing row, its fate, the factors used and the figures.
ESTIMATE_DETAIL = (
    "source_file",
    "source_row",
    "ProviderName",
    "billing_month",
    "SubAccountId",
    "project",
    "stage",
    "run",
    "ServiceName",
    "RegionId",
    "usage_type",
    "instance_type",
    "charge_class",
    "usage_class",
    "rule_id",
    "fate",
    "reason",
    "ConsumedQuantity",
    "ConsumedUnit",
    "quantity",
    "unit_norm",
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "instance_key",
    "cpu_factor_status",
    "cpu_utilisation",
    "accelerator_model",
    "accelerator_utilisation",
    "replication_factor",
    "pue",
    "g_co2e_per_kwh",
    "grid_year",
    "grid_dataset",
    "grid_status",
    "factor_status",
    *ESTIMATE_SUMS,
    *MARKET_WATER_DETAIL,
)
