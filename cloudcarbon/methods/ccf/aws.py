"""CCF's AWS rules: instance key from the usage type, classification by usage type and unit, vCPU-hours."""

from __future__ import annotations

from collections.abc import Callable

import narwhals as nw

from cloudcarbon.engine import list_item, split_on
from cloudcarbon.methods.ccf.common import contains_any, ends_any, is_in
from cloudcarbon.methods.ccf.tables import Tables

Lists = Callable[[str, str], list[str]]

__all__ = ["amount", "byte_hours", "embodied_key", "instance_key", "kind", "unit", "vcpu_hours", "vcpu_key"]

_AWS_HOUR_UNITS = ("Hrs", "Hours", "hours", "vCPU-Hours", "DPU-Hour", "ACU-Hr")
_AWS_STORAGE_UNITS = ("GB-Mo", "GB-Month", "GB-Mp", "GB-month", "GB-Hours")
_AWS_SECONDS_UNITS = ("seconds", "Second", "Lambda-GB-Second")
_AWS_GB_UNITS = ("GB", "GigaBytes")


def instance_key(ut: nw.Expr) -> nw.Expr:
    """CCF's ``instanceType``: the key of processors, memory, GPU processors and embodied.

    CCF:packages/aws/src/lib/CostAndUsageReportsRow.ts parseInstanceTypeFromUsageType: a usage type ending
    ``xl`` gets ``arge``; when it contains ``db``, ``cache`` or ``Kafka`` (anywhere) the text after the last
    ``db.`` / ``cache.`` / ``Kafka.``, else the text after the last ``:``. So ``ml.``, ``dax.``, ``dms.``
    and ``mq.`` stay on the key and these rows get no processor, memory or embodied data.
    """
    full = nw.when(ut.str.ends_with("xl")).then(nw.concat_str([ut, nw.lit("arge")])).otherwise(ut)
    return (
        nw.when(ut.str.contains("db", literal=True))
        .then(full.str.replace_all(r"^.*db\.", ""))
        .when(ut.str.contains("cache", literal=True))
        .then(full.str.replace_all(r"^.*cache\.", ""))
        .when(ut.str.contains("Kafka", literal=True))
        .then(full.str.replace_all(r"^.*Kafka\.", ""))
        .otherwise(full.str.replace_all(r"^.*:", ""))
    )


def vcpu_key(ut: nw.Expr) -> nw.Expr:
    """CCF's key of the vCPU and GPU counts: ``family.size`` of the text after the last ``:``.

    CCF:packages/aws/src/lib/CostAndUsageReportsRow.ts extractInstanceTypeFromUsageType (service prefixes
    ``db|cache|dax|dms|ml|mq|KernelGateway-ml|...Kafka`` dropped, no ``xl`` -> ``xlarge``) and
    extractVCpuFromInstanceType (the first two ``.`` parts: ``m5.large.search`` -> ``m5.large``).
    """
    ext = ut.str.replace_all(r"^.*:", "").str.replace_all(
        r"^(db|cache|dax|dms|ml|mq|KernelGateway-ml|.+Kafka)\.", ""
    )
    parts = split_on(ext, ".")
    return nw.concat_str([list_item(parts, 0), nw.lit("."), list_item(parts, 1)])


def embodied_key(key: nw.Expr) -> nw.Expr:
    """The last two ``.`` parts of the instance key: CCF's getDataFromInstanceType (CostAndUsageReports.ts)
    reads family and size from the end (``ml.m5.xlarge`` -> ``m5.xlarge``), so embodied applies to prefixed
    rows whose processors and memory are unknown."""
    three = r"^[^.]*\.[^.]*\.[^.]*"
    once = nw.when(key.str.contains(three)).then(key.str.replace_all(r"^[^.]*\.", "")).otherwise(key)
    return nw.when(once.str.contains(three)).then(once.str.replace_all(r"^[^.]*\.", "")).otherwise(once)


def unit(ut: nw.Expr, svc: nw.Expr, raw_unit: nw.Expr) -> nw.Expr:
    """CCF's usageUnit (CostAndUsageReportsRow.ts cleanUsageUnit): Fargate-GB-Hours rows are GB-Hours,
    Redshift rows billed in seconds are Hrs."""
    return (
        nw.when(ut.str.contains("Fargate-GB-Hours", literal=True))
        .then(nw.lit("GB-Hours"))
        .when((svc == "AmazonRedshift") & (raw_unit == "seconds"))
        .then(nw.lit("Hrs"))
        .otherwise(raw_unit)
    )


def amount(svc: nw.Expr, raw_unit: nw.Expr, amt: nw.Expr) -> nw.Expr:
    """CCF's usageAmount (cleanUsageAmount): Redshift seconds / 3600."""
    return nw.when((svc == "AmazonRedshift") & (raw_unit == "seconds")).then(amt / 3600.0).otherwise(amt)


def kind(ut: nw.Expr, svc: nw.Expr, unit: nw.Expr, L: Lists) -> nw.Expr:
    """CCF's branch for an AWS usage row (``x:`` kinds are excluded, ``unknown`` falls back)."""
    # AWS: CCF:packages/aws/src/lib/CostAndUsageReports.ts getFootprintEstimateFromUsageRow and
    # getEstimateByUsageUnit, lists in CostAndUsageTypes.ts
    aws_unsupported = ends_any(ut, L("aws", "UNSUPPORTED_USAGE_TYPES")) | contains_any(
        ut, L("aws", "UNSUPPORTED_USAGE_TYPES")
    )
    aws_unknown = contains_any(ut, L("aws", "UNKNOWN_USAGE_TYPES")) | ~is_in(
        unit, L("aws", "KNOWN_USAGE_UNITS")
    )
    aws_ssd = ends_any(ut, L("aws", "SSD_USAGE_TYPES")) | (
        ends_any(svc, L("aws", "SSD_SERVICES")) & ~ut.str.contains("Backup", literal=True)
    )
    aws_hdd = ends_any(ut, L("aws", "HDD_USAGE_TYPES"))
    aws_net = ends_any(ut, L("aws", "NETWORKING_USAGE_TYPES")) & (svc != "AmazonCloudFront")
    aws_kind = (
        nw.when(aws_unsupported)
        .then(nw.lit("x:unsupported"))
        .when(aws_unknown)
        .then(nw.lit("unknown"))
        .when(is_in(unit, _AWS_HOUR_UNITS))
        .then(nw.lit("compute"))
        .when(is_in(unit, _AWS_STORAGE_UNITS) & aws_ssd)
        .then(nw.lit("storage_ssd"))
        .when(is_in(unit, _AWS_STORAGE_UNITS) & aws_hdd)
        .then(nw.lit("storage_hdd"))
        .when(is_in(unit, _AWS_SECONDS_UNITS))
        .then(nw.lit("seconds"))
        .when(is_in(unit, _AWS_GB_UNITS) & aws_net)
        .then(nw.lit("network"))
        .otherwise(nw.lit("x:no_estimate"))
    )
    return aws_kind


def byte_hours(ut: nw.Expr, L: Lists) -> nw.Expr:
    """Usage types CCF converts from byte-hours."""
    return ends_any(ut, L("aws", "BYTE_HOURS_USAGE_TYPES"))


def vcpu_hours(ut: nw.Expr, svc: nw.Expr, amt: nw.Expr, tab: Tables, u: float) -> nw.Expr:
    """vCPU-hours of an AWS hour-unit row."""
    burst = ~nw.col("_v_burst").is_null()
    # CCF:packages/aws/src/lib/CostAndUsageReportsRow.ts getVCpuHours; counts by vcpu_key. Redshift rows
    # without product_vcpu take REDSHIFT_INSTANCE_TYPES' vCPU / 3600 (CCF's defect, kept)
    aws_vcpu_h = (
        nw.when(svc == "AWSGlue")
        .then(amt * tab.const("aws", "GLUE_VCPUS_PER_USAGE"))
        .when(svc == "AmazonSimpleDB")
        .then(amt * tab.const("aws", "SIMPLE_DB_VCPUS_PER_USAGE"))
        .when(ut.str.contains("Aurora:ServerlessUsage", literal=True))
        .then(amt * tab.const("aws", "AURORA_SERVERLESS_ACU_TO_VCPU"))
        .when(contains_any(ut, ["Fargate-vCPU-Hours", "CPUCredits"]))
        .then(amt)
        .when(burst)
        .then(nw.col("_v_vcpus") * nw.col("_v_burst") / (u * 100.0) * amt)
        .when(nw.col("vcpu_hint") > 0)
        .then(nw.col("vcpu_hint") * amt)
        .when(svc == "AmazonRedshift")
        .then(nw.col("_v_rs_vcpus") / 3600.0 * amt)
        .otherwise(nw.col("_v_vcpus") * amt)
    )
    return aws_vcpu_h
