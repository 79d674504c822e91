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
    "FATES",
    "USAGE_CLASSES",
    "Column",
    "tag_column",
    "validate_usage",
]

#: Costs are exact decimals: the coverage reconciliation must add up to the cent.
COST_DTYPE = nw.Decimal(28, 10)


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
    "other_non_usage",
)

#: What happens to a billing row. The three add up to the billed total.
FATES = ("estimated", "fallback", "excluded")

#: ``usage_class`` values assigned by classification.
USAGE_CLASSES = (
    "compute",
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
