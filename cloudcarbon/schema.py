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
    "CANONICAL_USAGE",
    "CHARGE_CLASSES",
    "COST_DTYPE",
    "COST_SQL",
    "FATES",
    "HINT_COLUMNS",
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
