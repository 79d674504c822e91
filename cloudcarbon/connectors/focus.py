"""FinOps FOCUS 1.0 to 1.4 cost and usage datasets to the canonical usage table.

Reads CSV, CSV.gz, zip or Parquet; one file or a folder of files. Column names are those of FOCUS 1.0
to 1.4 and the pre-1.0 ("1.0-preview") spellings that some exporters still write: ``Provider``,
``ChargeType``, ``UsageQuantity``, ``UsageUnit``, ``AmortizedCost``. The statement reconciles
``BilledCost``; ``EffectiveCost`` (preview ``AmortizedCost``; the billed cost when the column or the
value is missing, and on a usage row whose ``EffectiveCost`` is exactly 0 while its ``BilledCost`` is
not: only purchases are amortised away, so that 0 is a truncated value, as in the anonymised FOCUS 1.0
sample) is carried as the canonical ``EffectiveCost``, the amortised cost the cost-ratio fallback
divides by (usage covered by a commitment is billed at about 0). Extra columns (``x_*``, an
anonymiser's ``Id``) are ignored unless listed below. The literal text ``NULL`` / ``null`` that some
exporters write for an empty value is read as empty.

Providers
    One file may hold several clouds. The provider of a row is the first non-empty of
    ``ServiceProviderName`` (1.3+, who sells the service; the successor of ``ProviderName``),
    ``ProviderName`` (removed in 1.4), ``Provider`` (preview) and ``HostProviderName`` (1.3+, who hosts
    it). A marketplace seller hosted on a cloud is therefore its own provider (no cloud rule applies to
    its charges). The name is normalised per row (``AWS`` / ``Amazon Web
    Services`` -> ``aws``, ``Microsoft`` / ``Azure`` -> ``azure``, ``Google Cloud`` / ``Google`` ->
    ``gcp``, ``Oracle`` -> ``oci``, ``IBM`` / ``IBM Cloud`` -> ``ibm``, ``OVHcloud`` -> ``ovhcloud``,
    ``Scaleway`` -> ``scaleway``, ``Intel`` / ``Intel Tiber AI Cloud`` -> ``intel``, ``Lambda`` /
    ``Lambda Labs`` -> ``lambda``, anything else lower-cased), so the provider's factor tables and
    classification rules (``<provider>_usage_types.csv``) apply to FOCUS rows as to the native
    exports.

Providers without rules
    For a provider with no ``<provider>_usage_types.csv`` in the factor set (every provider except those
    in :data:`PROVIDERS_WITH_RULES`), a ``Usage`` row whose ``SkuPriceDetails`` names an
    ``InstanceType`` and whose ``ConsumedUnit`` is hours (``Hours``, ``Hour``, ``Hrs``, ...) gets
    ``usage_class_hint = compute``: its quantity is instance-hours of that type, looked up in
    ``instances.csv`` (e.g. an OCI ``BM.GPU4.8`` or OVHcloud ``t2-45`` hour). Other rows of these
    providers stay unclassified (cost-ratio fallback, flagged).

Charges (``charge_class``)
    ``ChargeCategory`` ``Usage`` -> ``usage``, ``Purchase`` -> ``commitment_purchase``, ``Tax`` ->
    ``tax``, ``Credit`` -> ``credit``; ``Adjustment`` -> ``refund`` when it lowers the bill (negative
    ``BilledCost``) and ``other_non_usage`` otherwise (FOCUS does not say what an adjustment is for).
    ``ChargeClass = Correction`` rows correct an earlier billing period; they are excluded as
    ``correction`` (``line_item_type`` reads ``Correction:<ChargeCategory>``) because the
    statement of that period is restated from its corrected bill instead. Usage rows with
    ``CommitmentDiscountStatus = Unused`` are the unused part of a commitment: ``commitment_fee``, no
    consumption. A ``Usage`` row with no ``ConsumedQuantity`` stays usage with quantity 0 (its cost is
    still counted, and a rule may send it to the cost-ratio fallback).

Usage detail, per provider, so that the provider rules classify FOCUS rows like the native exports
    * AWS: ``ServiceName`` is the AWS product code: ``x_ServiceCode`` when the export has it, else the
      service's display name mapped by :data:`AWS_PRODUCT_CODES` (``Amazon Elastic Compute Cloud`` ->
      ``AmazonEC2``). ``usage_type`` is ``x_UsageType`` when present (the AWS rules strip its region
      prefix). Otherwise, for EC2 rows metered in hours, the instance type is recovered from
      ``SkuPriceDetails.InstanceType`` or from ``ChargeDescription`` (``$1.624 per On Demand Linux
      g5.4xlarge Instance Hour``, ``... per Linux/UNIX (Amazon VPC), c5.large reserved instance
      applied``, ``... m5.large Spot Instance-hour``) and ``usage_type`` is rebuilt as
      ``BoxUsage:<type>`` (``SpotUsage:<type>`` for spot, i.e. ``PricingCategory = Dynamic`` or
      "Spot" in the description): the same usage type the CUR would carry for that hour. Rows not
      metered in hours keep their description as ``usage_type`` (then usually unmodelled).
    * Azure: ``usage_type`` = ``{x_SkuMeterCategory}|{x_SkuMeterSubcategory}|{SkuMeter or
      x_SkuMeterName}``, the string the Azure connector builds from MeterCategory / MeterSubCategory /
      MeterName, and ``ServiceName`` = the meter category (as the Azure connector), so the Azure rules
      apply. Without the ``x_`` meter columns, a virtual-machine hour is recognised from Microsoft's
      product name in ``ChargeDescription`` (``Virtual Machines Dv2/DSv2 Series - D11 v2/DS11 v2 - US
      East 2`` -> ``Virtual Machines|Dv2/DSv2 Series|D11 v2/DS11 v2``; ``Virtual Machines Licenses``
      excluded), or from a VM / scale-set ``ResourceType`` / ``x_ResourceType`` metered in hours whose
      ``SkuMeter`` names a size (``D4s v3``). ``instance_type`` = ``SkuPriceDetails.InstanceType``, else
      ``x_SkuDetails.ServiceType`` (``Standard_...``), else ``x_SkuServiceType`` / ``x_ServiceType``,
      else the size the VM meter names (``D11 v2/DS11 v2`` -> ``Standard_D11_v2``, the Azure connector's
      derivation); ``vcpu_hint`` from ``x_SkuDetails.VCPUs``; ``project_hint`` = ``x_ResourceGroupName`` with
      ``[sources.focus] project = "resource_group"`` (else the sub-account is the project).
    * Google Cloud: ``usage_type`` = ``ChargeDescription`` (the SKU description in Google's FOCUS
      view), else ``SkuMeter``; core and RAM SKUs get ``machine_series`` from the description's series
      word (``N2D AMD Instance Ram running in EMEA`` -> ``n2d``), as in the GCP connector.
    * Every provider: ``SkuPriceDetails`` (1.1+; JSON text, or MAP/STRUCT in Parquet) gives
      ``InstanceType`` -> ``instance_type``, ``CoreCount`` -> ``vcpu_hint``, ``MemorySize`` (GiB) ->
      ``memory_gb_hint``, ``GpuCount`` -> ``accelerator_count_hint``, ``InstanceSeries`` ->
      ``machine_series``.

Other columns: ``RegionId`` (preview ``Region``), ``SubAccountId``, ``Tags`` (JSON object; ``tag:<key>``
columns look the key up, also as ``user:<key>``), ``BilledCost`` as an exact decimal,
``BillingCurrency``, ``billing_month`` from ``BillingPeriodStart`` (else ``ChargePeriodStart``),
``ChargePeriodStart`` / ``ChargePeriodEnd`` in both ``2024-09-18 22:00:00`` and RFC 3339 ``...Z`` forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import narwhals as nw

from cloudcarbon.connectors._io import (
    claim_files,
    data_files,
    empty_canonical,
    find_bad_value,
    open_relation,
    read_header,
    sql_ident,
    sql_str,
    union_all,
)
from cloudcarbon.connectors._sql import Header, json_lookup, num, query_on, text, ts, value_checks
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.connectors.gcp_billing import _COMPONENT_SKU as GCP_COMPONENT_SKU
from cloudcarbon.connectors.gcp_billing import _SERIES_WORD as GCP_SERIES_WORD
from cloudcarbon.exceptions import SchemaError
from cloudcarbon.schema import CANONICAL_USAGE, COST_SQL, duckdb_type, tag_column

__all__ = ["AWS_PRODUCT_CODES", "NAME", "PROVIDERS_WITH_RULES", "PROVIDER_NAMES", "diagnose", "scan", "sniff"]

NAME = "focus"

# logical field -> accepted column names (FOCUS 1.x first, then 1.0-preview); case-insensitive
_FIELDS: dict[str, tuple[str, ...]] = {
    # 1.3 adds ServiceProviderName (who sells; the successor of ProviderName) and HostProviderName (who
    # hosts); 1.4 removes ProviderName and PublisherName. Read per row, the first non-empty wins.
    "provider": ("ServiceProviderName", "ProviderName", "Provider", "HostProviderName"),
    "category": ("ChargeCategory", "ChargeType"),
    "charge_class": ("ChargeClass",),
    "commitment_status": ("CommitmentDiscountStatus",),
    "pricing_category": ("PricingCategory",),
    "quantity": ("ConsumedQuantity", "UsageQuantity"),
    "unit": ("ConsumedUnit", "UsageUnit"),
    "cost": ("BilledCost",),
    "effective_cost": ("EffectiveCost", "AmortizedCost"),
    "currency": ("BillingCurrency",),
    "billing_account": ("BillingAccountId",),
    "sub_account": ("SubAccountId",),
    "bp_start": ("BillingPeriodStart",),
    "cp_start": ("ChargePeriodStart",),
    "cp_end": ("ChargePeriodEnd",),
    "description": ("ChargeDescription",),
    "service": ("ServiceName",),
    "service_subcategory": ("ServiceSubcategory",),
    "service_category": ("ServiceCategory",),
    "region": ("RegionId", "Region"),
    "sku_meter": ("SkuMeter",),
    "sku_price_details": ("SkuPriceDetails",),
    "resource_type": ("ResourceType",),
    "x_resource_type": ("x_ResourceType",),
    "tags": ("Tags",),
    "x_usage_type": ("x_UsageType",),
    "x_service_code": ("x_ServiceCode",),
    "x_operation": ("x_Operation",),
    "x_meter_category": ("x_SkuMeterCategory",),
    "x_meter_subcategory": ("x_SkuMeterSubcategory",),
    "x_meter_name": ("x_SkuMeterName",),
    "x_sku_details": ("x_SkuDetails",),
    "x_service_type": ("x_SkuServiceType", "x_ServiceType"),
    "x_resource_group": ("x_ResourceGroupName",),
}
#: ``ResourceType`` / ``x_ResourceType`` values (lower case) of Azure virtual machines and scale sets
_AZURE_VM_RESOURCE_TYPES = (
    "virtual machine",
    "virtual machines",
    "virtual machine scale set",
    "virtual machine scale sets",
    "microsoft.compute/virtualmachines",
    "microsoft.compute/virtualmachinescalesets",
)
# ProviderName is mandatory in FOCUS, but the spec's own worked examples omit it: rows without it are
# read with provider "unknown" (their usage falls back to the cost ratio, flagged)
_REQUIRED = ("category", "cost", "cp_start")

#: ``ProviderName`` spellings (lower case) -> cloudcarbon provider; others are lower-cased.
PROVIDER_NAMES: dict[str, str] = {
    "aws": "aws",
    "amazon web services": "aws",
    "amazon web services, inc.": "aws",
    "amazon": "aws",
    "microsoft": "azure",
    "azure": "azure",
    "microsoft azure": "azure",
    "google cloud": "gcp",
    "google": "gcp",
    "google cloud platform": "gcp",
    "gcp": "gcp",
    "oracle": "oci",
    "oracle cloud infrastructure": "oci",
    "oci": "oci",
    "ibm": "ibm",
    "ibm cloud": "ibm",
    "ovhcloud": "ovhcloud",
    "ovh": "ovhcloud",
    "scaleway": "scaleway",
    "intel": "intel",
    "intel tiber ai cloud": "intel",
    "intel tiber developer cloud": "intel",
    "intel developer cloud": "intel",
    "lambda": "lambda",
    "lambda labs": "lambda",
}

#: Providers whose factor set ships a ``<provider>_usage_types.csv`` rule file (factors/2026.11). Usage
#: rows of every other provider that name an instance type and are metered in hours are instance-hours.
PROVIDERS_WITH_RULES: tuple[str, ...] = ("aws", "azure", "gcp")

#: AWS service display names (FOCUS ``ServiceName``) -> AWS product code (CUR ``lineItem/ProductCode``),
#: for exports without ``x_ServiceCode``. Names as in the AWS FOCUS export and the AWS Price List.
AWS_PRODUCT_CODES: dict[str, str] = {
    "Amazon Elastic Compute Cloud": "AmazonEC2",
    "Amazon Elastic Compute Cloud - Compute": "AmazonEC2",
    "EC2 - Other": "AmazonEC2",
    "Amazon Simple Storage Service": "AmazonS3",
    "Amazon Relational Database Service": "AmazonRDS",
    "Amazon SageMaker": "AmazonSageMaker",
    "Amazon ElastiCache": "AmazonElastiCache",
    "Amazon OpenSearch Service": "AmazonES",
    "Amazon Elasticsearch Service": "AmazonES",
    "Amazon Elastic File System": "AmazonEFS",
    "AWS Lambda": "AWSLambda",
    "Amazon Elastic Container Service": "AmazonECS",
    "Amazon Elastic Container Service for Kubernetes": "AmazonEKS",
    "Amazon Elastic Kubernetes Service": "AmazonEKS",
    "Amazon DynamoDB": "AmazonDynamoDB",
    "Amazon CloudFront": "AmazonCloudFront",
    "Amazon Virtual Private Cloud": "AmazonVPC",
    "Amazon Redshift": "AmazonRedshift",
    "Amazon Elastic MapReduce": "ElasticMapReduce",
    "Amazon EMR": "ElasticMapReduce",
    "Amazon Route 53": "AmazonRoute53",
    "AmazonCloudWatch": "AmazonCloudWatch",
    "Amazon CloudWatch": "AmazonCloudWatch",
    "AWS Data Transfer": "AWSDataTransfer",
    "Amazon Simple Queue Service": "AWSQueueService",
    "Amazon Simple Notification Service": "AmazonSNS",
    "AWS Key Management Service": "awskms",
    "Amazon Kinesis": "AmazonKinesis",
    "Amazon Athena": "AmazonAthena",
    "AWS Glue": "AWSGlue",
    "Amazon Elastic Container Registry": "AmazonECR",
    "Elastic Load Balancing": "AWSELB",
    "AWS Backup": "AWSBackup",
    "Amazon FSx": "AmazonFSx",
    "AWS Support (Business)": "AWSSupportBusiness",
    "AWS Support (Enterprise)": "AWSSupportEnterprise",
    "AWS Support (Developer)": "AWSSupportDeveloper",
}

# an EC2 instance type inside a charge description: family with a digit, then a size
_INSTANCE_IN_DESCRIPTION = (
    r"(?:^|[\s,(])([a-z][a-z0-9-]*[0-9][a-z0-9-]*\."
    r"(?:[0-9]*(?:nano|micro|small|medium|large|xlarge)|metal(?:-[0-9]+xl)?))(?:$|[\s,)])"
)


def _find(h: Header, field: str) -> str | None:
    return h.first(_FIELDS[field])


def sniff(columns: Sequence[str]) -> list[str]:
    """Required FOCUS columns missing from a header (empty: this is a FOCUS dataset)."""
    lower = {c.lower() for c in columns}
    return [_FIELDS[f][0] for f in _REQUIRED if not any(c.lower() in lower for c in _FIELDS[f])]


def _json_text(h: Header, column: str) -> str:
    """A JSON-ish column as JSON text: text as is, MAP/STRUCT serialised."""
    if h.is_text(column):
        return text(column)
    return f"CAST(to_json({sql_ident(column)}) AS VARCHAR)"


def _json_key(h: Header, field: str, key: str) -> str:
    col = _find(h, field)
    if col is None:
        return "NULL::VARCHAR"
    return json_lookup(_json_text(h, col), key)


def _azure_meter(h: Header, description: str, hours_unit: str) -> tuple[str, str, str]:
    """Azure meter category, subcategory and name of a FOCUS row (SQL expressions).

    ``x_SkuMeterCategory`` / ``x_SkuMeterSubcategory`` / ``SkuMeter`` (else ``x_SkuMeterName``) when the
    export has them. Otherwise a virtual-machine hour is recognised from Microsoft's product name in
    ``ChargeDescription`` (``Virtual Machines Dv2/DSv2 Series - D11 v2/DS11 v2 - US East 2``: category,
    subcategory, meter name) or from a VM / scale-set ``ResourceType`` (``x_ResourceType``
    ``microsoft.compute/virtualmachines``) metered in hours whose meter names a size (``D4s v3``).
    """

    def col(field: str) -> str:
        c = _find(h, field)
        return text(c) if c is not None else "NULL::VARCHAR"

    meter = f"coalesce({col('sku_meter')}, {col('x_meter_name')})"
    head = f"split_part(coalesce({description}, ''), ' - ', 1)"
    described = f"NULLIF(split_part(coalesce({description}, ''), ' - ', 2), '')"
    from_description = (
        f"({head} LIKE 'Virtual Machines %' AND {head} NOT LIKE 'Virtual Machines Licenses%' "
        f"AND {described} IS NOT NULL)"
    )
    kinds = ", ".join(sql_str(k) for k in _AZURE_VM_RESOURCE_TYPES)
    vm_resource = (
        f"(lower(coalesce({col('x_resource_type')}, '')) IN ({kinds}) "
        f"OR lower(coalesce({col('resource_type')}, '')) IN ({kinds}))"
    )
    sized = f"regexp_matches(coalesce({meter}, ''), '^[A-Z][A-Za-z]*[0-9]+')"
    category = f"""coalesce({col("x_meter_category")},
  CASE WHEN {from_description} THEN 'Virtual Machines'
    WHEN {vm_resource} AND {hours_unit} AND {sized} THEN 'Virtual Machines' END)"""
    subcategory = f"""coalesce({col("x_meter_subcategory")},
  CASE WHEN {col("x_meter_category")} IS NULL AND {from_description} THEN substr({head}, 18) END)"""
    name = f"coalesce({meter}, CASE WHEN {from_description} THEN {described} END)"
    return category, subcategory, name


def _azure_vm_size(meter: str) -> str:
    """The ARM VM size a ``Virtual Machines`` meter names (``D11 v2/DS11 v2`` -> ``Standard_D11_v2``).

    The derivation of the Azure cost-details connector: first name before ``/``, ``Spot`` / ``Low
    Priority`` dropped, series letters upper-cased, spaces to ``_``.
    """
    m = f"regexp_replace(trim(split_part({meter}, '/', 1)), '\\s+(Spot|Low Priority)$', '')"
    first = f"split_part({m}, ' ', 1)"
    letters = f"regexp_extract({first}, '^[A-Za-z]+')"
    rest = f"trim(substr({m}, length({first}) + 1))"
    return (
        f"CASE WHEN {letters} <> '' THEN 'Standard_' || upper({letters}) || lower(substr({first}, "
        f"length({letters}) + 1)) || CASE WHEN {rest} = '' THEN '' ELSE '_' || "
        f"regexp_replace({rest}, '\\s+', '_', 'g') END END"
    )


def _select_sql(
    h: Header, path: Path, tag_keys: Sequence[str], view: str, *, project_by_rg: bool = False
) -> str:
    missing = [_FIELDS[f][0] for f in _REQUIRED if _find(h, f) is None]
    if missing:
        raise SchemaError(path, "a FOCUS cost and usage dataset", missing)

    def col(field: str) -> str:
        c = _find(h, field)
        return text(c) if c is not None else "NULL::VARCHAR"

    def lit_map(mapping: dict[str, str]) -> str:
        # map(keys, values): the MAP {k: v} literal has no Spark form that sqlglot generates
        keys = ", ".join(sql_str(k) for k in mapping)
        values = ", ".join(sql_str(v) for v in mapping.values())
        return f"map([{keys}], [{values}])"

    present = [c for c in (h.raw(n) for n in _FIELDS["provider"]) if c is not None]
    raw_provider = f"coalesce({', '.join(text(c) for c in present)})" if present else "NULL::VARCHAR"
    provider = f"coalesce({lit_map(PROVIDER_NAMES)}[lower({raw_provider})], lower({raw_provider}), 'unknown')"
    start = ts(h, _find(h, "cp_start"))  # type: ignore[arg-type]
    end_col = _find(h, "cp_end")
    end = ts(h, end_col) if end_col else start
    bp_col = _find(h, "bp_start")
    period = f"date_trunc('month', {ts(h, bp_col) if bp_col else start})"
    category = col("category")
    cost = num(h, _find(h, "cost"), COST_SQL)  # type: ignore[arg-type]
    eff_col = _find(h, "effective_cost")
    effective = num(h, eff_col, COST_SQL) if eff_col else f"NULL::{COST_SQL}"
    qty_col = _find(h, "quantity")
    quantity = f"coalesce({num(h, qty_col, 'DOUBLE')}, 0.0)" if qty_col else "0.0"
    is_correction = f"coalesce(lower({col('charge_class')}) = 'correction', false)"
    charge_class = f"""CASE
  WHEN {is_correction} THEN 'correction'
  WHEN lower({category}) = 'usage' AND lower(coalesce({col("commitment_status")}, '')) = 'unused'
    THEN 'commitment_fee'
  WHEN lower({category}) = 'usage' THEN 'usage'
  WHEN lower({category}) = 'purchase' THEN 'commitment_purchase'
  WHEN lower({category}) = 'tax' THEN 'tax'
  WHEN lower({category}) = 'credit' THEN 'credit'
  WHEN lower({category}) = 'adjustment' AND coalesce({cost}, 0) < 0 THEN 'refund'
  ELSE 'other_non_usage'
END"""
    line_item_type = (
        f"CASE WHEN {is_correction} THEN 'Correction:' || coalesce({category}, '') ELSE {category} END"
    )
    service = col("service")
    aws_service = f"coalesce({col('x_service_code')}, {lit_map(AWS_PRODUCT_CODES)}[{service}], {service})"
    description = col("description")
    unit = col("unit")
    sku_instance = _json_key(h, "sku_price_details", "InstanceType")
    azure_instance = _json_key(h, "x_sku_details", "ServiceType")
    described = f"NULLIF(regexp_extract({description}, {sql_str(_INSTANCE_IN_DESCRIPTION)}, 1), '')"
    aws_instance = f"coalesce({sku_instance}, {described})"
    hours_unit = f"lower(coalesce({unit}, '')) IN ('hours', 'hour', 'hrs', 'hrs.', 'hr')"
    spot = (
        f"(lower(coalesce({col('pricing_category')}, '')) = 'dynamic' "
        f"OR coalesce({description}, '') ILIKE '%spot instance%')"
    )
    aws_usage_type = f"""coalesce({col("x_usage_type")},
  CASE WHEN {aws_service} = 'AmazonEC2' AND {hours_unit} AND {aws_instance} IS NOT NULL
    THEN CASE WHEN {spot} THEN 'SpotUsage:' ELSE 'BoxUsage:' END || {aws_instance} END,
  {col("sku_meter")}, {description})"""
    az_category, az_subcategory, az_meter = _azure_meter(h, description, hours_unit)
    azure_usage_type = (
        f"CASE WHEN {az_category} IS NULL AND {az_meter} IS NULL THEN {description} "
        f"ELSE concat_ws('|', coalesce({az_category}, ''), "
        f"coalesce({az_subcategory}, ''), coalesce({az_meter}, '')) END"
    )
    azure_service_type = (
        f"CASE WHEN regexp_matches(coalesce({azure_instance}, ''), '^(Standard|Basic)_') "
        f"THEN {azure_instance} END"
    )
    azure_size = (
        f"coalesce({sku_instance}, {azure_service_type}, {col('x_service_type')}, "
        f"CASE WHEN {az_category} = 'Virtual Machines' THEN {_azure_vm_size(az_meter)} END)"
    )
    gcp_series = (
        f"CASE WHEN regexp_matches(coalesce({description}, ''), {sql_str(GCP_COMPONENT_SKU)}) "
        f"THEN lower(NULLIF(regexp_extract({description}, {sql_str(GCP_SERIES_WORD)}, 1), '')) END"
    )
    p = "__provider"
    # providers without a rule file: an instance type metered in hours is an instance-hour (compute)
    ruled = ", ".join(sql_str(x) for x in PROVIDERS_WITH_RULES)
    compute_hint = (
        f"CASE WHEN {p} NOT IN ({ruled}) AND lower({category}) = 'usage' AND {hours_unit} "
        f"AND {sku_instance} IS NOT NULL THEN 'compute' END"
    )
    tags_col = _find(h, "tags")
    tags = _json_text(h, tags_col) if tags_col else "NULL::VARCHAR"

    def tag_expr(key: str) -> str:
        if tags_col is None:
            return "NULL::VARCHAR"
        keys = [key]
        keys.append(key[len("user:") :] if key.startswith("user:") else f"user:{key}")
        return f"coalesce({', '.join(json_lookup(tags, k) for k in keys)})"

    def number(expr: str) -> str:
        return f"TRY_CAST({expr} AS DOUBLE)"

    exprs = {
        "ProviderName": p,
        "BillingAccountId": f"coalesce({col('billing_account')}, {col('sub_account')})",
        "SubAccountId": col("sub_account"),
        "billing_month": f"strftime({period}, '%Y-%m')",
        "billing_period_hours": f"CAST(date_diff('hour', {period}, {period} + INTERVAL 1 MONTH) AS DOUBLE)",
        "ChargePeriodStart": start,
        "ChargePeriodEnd": f"coalesce({end}, {start})",
        "ServiceName": (
            f"CASE WHEN {p} = 'aws' THEN {aws_service} "
            f"WHEN {p} = 'azure' THEN coalesce({az_category}, {service}) ELSE {service} END"
        ),
        "RegionId": col("region"),
        "usage_type": (
            f"CASE WHEN {p} = 'aws' THEN {aws_usage_type} WHEN {p} = 'azure' THEN {azure_usage_type} "
            f"ELSE coalesce({description}, {col('sku_meter')}) END"
        ),
        "operation": col("x_operation"),
        "product_family": f"coalesce({col('service_subcategory')}, {col('service_category')})",
        "instance_type": (
            f"CASE WHEN {p} = 'aws' THEN {aws_instance} "
            f"WHEN {p} = 'azure' THEN {azure_size} ELSE {sku_instance} END"
        ),
        "line_item_type": line_item_type,
        "charge_class": charge_class,
        "ConsumedQuantity": quantity,
        "ConsumedUnit": unit,
        "BilledCost": f"coalesce({cost}, 0)",
        # a usage row billed non-zero cannot have an amortised cost of exactly 0 (only purchases are
        # amortised away): such a 0 is a truncated value (the anonymised FOCUS sample rounds it)
        "EffectiveCost": (
            f"CASE WHEN lower({category}) = 'usage' AND {effective} = 0 AND coalesce({cost}, 0) <> 0 "
            f"THEN {cost} ELSE coalesce({effective}, {cost}, 0) END"
        ),
        "BillingCurrency": f"coalesce({col('currency')}, 'USD')",
        "vcpu_hint": number(
            f"coalesce({_json_key(h, 'sku_price_details', 'CoreCount')}, "
            f"{_json_key(h, 'x_sku_details', 'VCPUs')})"
        ),
        "memory_gb_hint": number(_json_key(h, "sku_price_details", "MemorySize")),
        # Azure rows: the resource group is the project only when configured, as for the azure connector
        "project_hint": col("x_resource_group") if project_by_rg else "NULL::VARCHAR",
        "usage_class_hint": compute_hint,
        "machine_series": (
            f"coalesce(lower({_json_key(h, 'sku_price_details', 'InstanceSeries')}), "
            f"CASE WHEN {p} = 'gcp' THEN {gcp_series} END)"
        ),
        "cpu_microarchitecture_hint": "NULL::VARCHAR",
        "accelerator_model_hint": "NULL::VARCHAR",
        "accelerator_count_hint": number(_json_key(h, "sku_price_details", "GpuCount")),
        "pue_hint": "NULL::DOUBLE",
        "cpu_utilisation_hint": "NULL::DOUBLE",
        "embodied_kgco2e_hint": "NULL::DOUBLE",
        "pack_size": "NULL::DOUBLE",
        "billed_unit": "NULL::VARCHAR",
        "Tags": tags,
        "source_file": sql_str(str(path)),
        "source_row": "CAST(__row AS BIGINT)",
    }
    assert list(exprs) == list(CANONICAL_USAGE)
    select = [f"CAST({e} AS {duckdb_type(CANONICAL_USAGE[n])}) AS {sql_ident(n)}" for n, e in exprs.items()]
    select += [f"{tag_expr(k)} AS {sql_ident(tag_column(k))}" for k in tag_keys]
    inner = f"SELECT *, {provider} AS {p} FROM {view}"
    return "SELECT " + ",\n  ".join(select) + f"\nFROM ({inner})"


def _null_literals(rel: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """The relation with the literal text ``NULL`` / ``null`` in text columns read as NULL."""
    text_cols = [
        c for c, t in zip(rel.columns, rel.types, strict=True) if str(t).upper() == "VARCHAR" and c != "__row"
    ]
    if not text_cols:
        return rel
    repl = ", ".join(
        f"CASE WHEN upper(trim({sql_ident(c)})) = 'NULL' THEN NULL ELSE {sql_ident(c)} END AS {sql_ident(c)}"
        for c in text_cols
    )
    return query_on(rel, "raw", lambda v: f"SELECT * REPLACE ({repl}) FROM {v}")


def _relations(source: Source, ctx: ScanContext) -> list[tuple[Path, duckdb.DuckDBPyRelation, Header]]:
    out = []
    for f in claim_files(ctx.claims, data_files(source.path), str(source)):
        missing = sniff(read_header(f))
        if missing:
            raise SchemaError(f, "a FOCUS cost and usage dataset", missing)
        rel = _null_literals(open_relation(ctx.con, f, ctx.workdir))
        out.append((f, rel, Header(rel.columns, [str(t) for t in rel.types])))
    return out


def scan(source: Source, ctx: ScanContext) -> nw.LazyFrame[Any]:
    """The canonical usage table of a FOCUS file or folder (lazy)."""
    parts: list[duckdb.DuckDBPyRelation] = []
    for f, rel, h in _relations(source, ctx):
        by_rg = str(ctx.options.get("project", "account")).lower() == "resource_group"
        sql = partial(_select_sql, h, f, ctx.tag_keys, project_by_rg=by_rg)
        parts.append(query_on(rel, "focus", sql))
    if not parts:  # every file was read already by an earlier source of this run
        return empty_canonical(ctx.con, ctx.tag_keys)
    return union_all(parts)


def _checks(h: Header) -> list[tuple[str, str, str]]:
    kinds = (
        ("quantity", "number"),
        ("cost", "decimal"),
        ("effective_cost", "decimal"),
        ("cp_start", "ts"),
        ("cp_end", "ts"),
        ("bp_start", "ts"),
    )
    return value_checks(
        h, [(_find(h, f), k) for f, k in kinds], timestamp_text="an ISO-8601 / RFC 3339 timestamp"
    )


def diagnose(source: Source, ctx: ScanContext) -> None:
    """Raise :class:`~cloudcarbon.exceptions.ValueParseError` for the first unparseable value."""
    for f, rel, h in _relations(source, ctx):
        find_bad_value(rel, f, _checks(h))
