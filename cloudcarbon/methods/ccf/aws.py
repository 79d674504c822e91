"""CCF's AWS rules: instance key from the usage type, classification by usage type and unit, vCPU-hours."""

from __future__ import annotations

from collections.abc import Callable

import narwhals as nw

from cloudcarbon.methods.ccf.common import contains_any, ends_any, is_in
from cloudcarbon.methods.ccf.tables import Tables

Lists = Callable[[str, str], list[str]]

__all__ = ["byte_hours", "instance_key", "kind", "vcpu_hours"]

_AWS_HOUR_UNITS = ("Hrs", "Hours", "hours", "vCPU-Hours", "DPU-Hour", "ACU-Hr")
_AWS_STORAGE_UNITS = ("GB-Mo", "GB-Month", "GB-Mp", "GB-month", "GB-Hours")
_AWS_SECONDS_UNITS = ("seconds", "Second", "Lambda-GB-Second")
_AWS_GB_UNITS = ("GB", "GigaBytes")


def instance_key(ut: nw.Expr) -> nw.Expr:
    # AWS: CCF:packages/aws/src/lib/CostAndUsageReportsRow.ts parseInstanceTypeFromUsageType /
    # extractInstanceTypeFromUsageType: text after the last ':', 'xl' -> 'xlarge', service prefixes dropped
    aws_key = (
        ut.str.replace_all(r"^.*:", "")
        .str.replace_all(r"xl$", "xlarge")
        .str.replace_all(r"^(db|cache|dax|dms|ml|mq|KernelGateway-ml|.+Kafka)\.", "")
    )
    return aws_key


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
    burst = ~nw.col("_c_burst").is_null()
    # CCF:packages/aws/src/lib/CostAndUsageReportsRow.ts getVCpuHours
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
        .then(nw.col("_c_vcpus") * nw.col("_c_burst") / (u * 100.0) * amt)
        .when(nw.col("vcpu_hint") > 0)
        .then(nw.col("vcpu_hint") * amt)
        .otherwise(nw.col("_c_vcpus") * amt)
    )
    return aws_vcpu_h
