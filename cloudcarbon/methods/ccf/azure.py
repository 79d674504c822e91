"""CCF's Azure rules: meter units, classification by meter, managed-disk sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.methods.ccf.common import contains_word, is_in
from cloudcarbon.methods.ccf.tables import Tables

Lists = Callable[[str, str], list[str]]

__all__ = ["disk_size_gb", "kind", "memory_type", "unit"]


def unit(cu: nw.Expr) -> nw.Expr:
    """CCF's UnitOfMeasure rebuilt from our (pack-split) unit: the fallback when the canonical table has
    no ``billed_unit`` (a canonical table made before that column existed)."""
    az_unit = (
        nw.when(cu.is_in(["Hours", "Hour"]))
        .then(nw.lit("1 Hour"))
        .when(cu == "GB/Month")
        .then(nw.lit("1 GB/Month"))
        .when(cu == "TB/Month")
        .then(nw.lit("1 TB/Month"))
        .when((cu == "Units/Month") | cu.str.ends_with("Disk/Month"))
        .then(nw.lit("1 /Month"))
        .when(cu == "GB")
        .then(nw.lit("1 GB"))
        .when(cu == "TB")
        .then(nw.lit("1 TB"))
        .when(cu.is_in(["GB Seconds", "GB Second"]))
        .then(nw.lit("1 GB Second"))
        .when(cu.is_in(["GB Hours", "GB Hour"]))
        .then(nw.lit("1 GB Hour"))
        .otherwise(cu)
    )
    return az_unit


def memory_type(ut: nw.Expr, L: Lists) -> nw.Expr:
    return contains_word(ut, L("azure", "MEMORY_USAGE_TYPES"))


def kind(ut: nw.Expr, svc: nw.Expr, unit: nw.Expr, L: Lists, tab: Tables) -> nw.Expr:
    """CCF's branch for an Azure usage row."""
    # Azure: CCF:packages/azure/src/lib/ConsumptionManagement.ts getFootprintEstimateFromUsageRow,
    # getEstimateByPricingUnit; lists in ConsumptionTypes.ts, matched whole-word (containsAny); the
    # branch is chosen by the exact unit, and a unit listed by word but not handled gets a zero estimate
    az_units = [
        *L("azure", "COMPUTE_USAGE_UNITS"),
        *L("azure", "STORAGE_USAGE_UNITS"),
        *L("azure", "NETWORKING_USAGE_UNITS"),
        *L("azure", "MEMORY_USAGE_UNITS"),
    ]
    ssd_disks = tab.azure_sizes.filter(pl.col("table") == "SSD_MANAGED_DISKS_STORAGE_GB")
    hdd_disks = tab.azure_sizes.filter(pl.col("table") == "HDD_MANAGED_DISKS_STORAGE_GB")
    az_ssd = contains_word(ut, ssd_disks["key"].to_list()) | contains_word(
        ut, L("azure", "STORAGE_USAGE_TYPES")
    )
    az_hdd = contains_word(ut, hdd_disks["key"].to_list())
    az_memory_type = contains_word(ut, L("azure", "MEMORY_USAGE_TYPES"))
    az_net = contains_word(ut, L("azure", "NETWORKING_USAGE_TYPES")) & ~ut.str.contains(
        "To Any", literal=True
    )
    azure_kind = (
        nw.when(contains_word(ut, L("azure", "UNSUPPORTED_USAGE_TYPES")))
        .then(nw.lit("x:unsupported"))
        .when(
            contains_word(svc, L("azure", "UNKNOWN_SERVICES"))
            | contains_word(ut, L("azure", "UNKNOWN_USAGE_TYPES"))
            | ~contains_word(unit, az_units)
        )
        .then(nw.lit("unknown"))
        .when(is_in(unit, L("azure", "COMPUTE_USAGE_UNITS")) & az_memory_type)
        .then(nw.lit("memory"))
        .when(is_in(unit, L("azure", "COMPUTE_USAGE_UNITS")))
        .then(nw.lit("compute"))
        .when(is_in(unit, L("azure", "STORAGE_USAGE_UNITS")) & az_ssd)
        .then(nw.lit("storage_ssd"))
        .when(is_in(unit, L("azure", "STORAGE_USAGE_UNITS")) & az_hdd)
        .then(nw.lit("storage_hdd"))
        .when(is_in(unit, L("azure", "STORAGE_USAGE_UNITS")))
        .then(nw.lit("x:no_estimate"))
        .when(is_in(unit, L("azure", "NETWORKING_USAGE_UNITS")) & az_net)
        .then(nw.lit("network"))
        .when(is_in(unit, L("azure", "NETWORKING_USAGE_UNITS")))
        .then(nw.lit("x:no_estimate"))
        .when(is_in(unit, L("azure", "MEMORY_USAGE_UNITS")))
        .then(nw.lit("memory"))
        .otherwise(nw.lit("zero"))  # CCF's default branch: a zero estimate
    )
    return azure_kind


def disk_size_gb(ut: nw.Expr, tab: Tables) -> nw.Expr:
    """The managed disk tier's size in GB (CCF takes it instead of the usage)."""
    ssd_disks = tab.azure_sizes.filter(pl.col("table") == "SSD_MANAGED_DISKS_STORAGE_GB")
    hdd_disks = tab.azure_sizes.filter(pl.col("table") == "HDD_MANAGED_DISKS_STORAGE_GB")
    disk_gb = ssd_disks.vstack(hdd_disks)
    disk_rows = list(disk_gb.sort(pl.col("key").str.len_chars(), descending=True).iter_rows(named=True))
    az_disk_chain: Any = None
    for r in disk_rows:
        cond = ut.str.contains(rf"\b{r['key']}\b")
        val = nw.lit(float(r["value"]))
        az_disk_chain = (
            nw.when(cond).then(val) if az_disk_chain is None else az_disk_chain.when(cond).then(val)
        )
    az_disk: nw.Expr = az_disk_chain.otherwise(nw.lit(None, nw.Float64()))
    return az_disk
