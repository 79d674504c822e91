"""Synthetic AWS Cost and Usage Reports (legacy CUR and CUR 2.0) for tests, the demo data and benchmarks.

Not part of the installed package (it needs numpy for the benchmark generator); the demo exports the
package ships are built from it by ``scripts/build_demo.py``.

Everything here is self-contained: prices, instance specs, account ids and tag values are baked
into the module, and all randomness comes from a seeded generator, so the same arguments always
produce the same bytes (gzip headers carry no timestamp or file name).

Delivery layouts written by :func:`generate_cur_month` (``<out>`` plays the role of the S3 bucket
root, ``<P>`` is the billing period folder ``20261001-20261101``, ``<R>`` the report / export
name)::

    legacy  <out>/<R>/<P>/<R>-Manifest.json                  month manifest -> newest assembly
            <out>/<R>/<P>/<assemblyId>/<R>-Manifest.json     per-assembly copy of its manifest
            <out>/<R>/<P>/<assemblyId>/<R>-1.csv.gz          (or -1.csv / -00001.snappy.parquet)

    cur2    <out>/<R>/metadata/BILLING_PERIOD=2026-10/<R>-Manifest.json     -> newest execution
            <out>/<R>/data/BILLING_PERIOD=2026-10/<executionId>/<R>-00001.csv.gz
                                                     (or -00001.csv / -00001.snappy.parquet)

With ``restated=True`` two deliveries exist for the month: an older, preliminary one (data up to
four days before month end, no invoice id, no tax / credit / refund / EDP lines) whose files stay
on disk, and the final one the month manifest points at. Adding both double counts; readers must
follow the manifest.

Column conventions:

* legacy CSV: ``category/Name`` headers; the ``product/<attr>`` columns are exactly the attributes
  used by the delivery (``product/ProductName`` first, the rest sorted) and there is one
  ``resourceTags/user:<key>`` column per tag key (``user:project``, ``user:team``). Timestamps
  look like ``2026-10-01T00:00:00.000Z``; ``identity/TimeInterval`` like
  ``2026-10-01T00:00:00Z/2026-10-02T00:00:00Z``.
* legacy Parquet: the same columns, lower-snake-cased the way Athena CUR does it
  (``line_item_usage_type``, ``savings_plan_savings_plan_a_r_n``, ``resource_tags_user_team``).
* CUR 2.0: a fixed column set (:data:`CUR2_COLUMNS`, Arrow schema :data:`CUR2_SCHEMA`) with the
  remaining product attributes folded into the ``product`` map (keys like ``vcpu``, ``memory``,
  ``gpu``, ``product_name``) and tags into ``resource_tags`` (keys ``user_project``,
  ``user_team``). In Parquet these are ``MAP<string,string>``; in CSV they are JSON objects.
  CUR 2.0 CSV timestamps have no milliseconds (``2026-10-01T00:00:00Z``).
* Parquet numbers are ``decimal128(18, 10)`` (rates and costs) or ``decimal128(24, 10)`` (usage
  amounts); Parquet timestamps are ``timestamp[ms, tz=UTC]``. CSV numbers have at most 10
  decimals.

:func:`generate_large_cur_parquet` writes the CUR 2.0 Parquet schema at benchmark scale (millions
of rows), vectorised with numpy and streamed row group by row group.
"""

from __future__ import annotations

import base64
import calendar
import contextlib
import csv
import gzip
import hashlib
import io
import itertools
import json
import random
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "CUR2_COLUMNS",
    "CUR2_SCHEMA",
    "CurDelivery",
    "SplitDelivery",
    "generate_cur_month",
    "generate_large_cur_parquet",
    "generate_split_cur_month",
    "legacy_to_snake",
]

Flavour = Literal["legacy", "cur2"]
FileFormat = Literal["csv.gz", "csv", "parquet"]
Value = str | Decimal | datetime | None

_Q10 = Decimal("1E-10")
_CENT = Decimal("0.01")
_MONEY = pa.decimal128(18, 10)
_AMOUNT = pa.decimal128(24, 10)
_TS = pa.timestamp("ms", tz="UTC")
_MAP = pa.map_(pa.string(), pa.string())

# --------------------------------------------------------------------------------------------------
# Column sets
# --------------------------------------------------------------------------------------------------

_LEGACY_HEAD: tuple[str, ...] = (
    "identity/LineItemId",
    "identity/TimeInterval",
    "bill/InvoiceId",
    "bill/InvoicingEntity",
    "bill/BillingEntity",
    "bill/BillType",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/Operation",
    "lineItem/AvailabilityZone",
    "lineItem/ResourceId",
    "lineItem/UsageAmount",
    "lineItem/NormalizationFactor",
    "lineItem/NormalizedUsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedRate",
    "lineItem/UnblendedCost",
    "lineItem/BlendedRate",
    "lineItem/BlendedCost",
    "lineItem/LineItemDescription",
    "lineItem/TaxType",
    "lineItem/LegalEntity",
)
_LEGACY_TAIL: tuple[str, ...] = (
    "pricing/currency",
    "pricing/publicOnDemandCost",
    "pricing/publicOnDemandRate",
    "pricing/term",
    "pricing/unit",
    "reservation/EffectiveCost",
    "reservation/RecurringFeeForUsage",
    "reservation/ReservationARN",
    "savingsPlan/SavingsPlanARN",
    "savingsPlan/SavingsPlanRate",
    "savingsPlan/SavingsPlanEffectiveCost",
    "savingsPlan/UsedCommitment",
    "savingsPlan/TotalCommitmentToDate",
)
_TAG_KEYS: tuple[str, ...] = ("user:project", "user:team", "user:stage", "user:run")
_AMOUNT_COLS = frozenset(
    {"lineItem/UsageAmount", "lineItem/NormalizationFactor", "lineItem/NormalizedUsageAmount"}
)
_MONEY_COLS = frozenset(
    {
        "lineItem/UnblendedRate",
        "lineItem/UnblendedCost",
        "lineItem/BlendedRate",
        "lineItem/BlendedCost",
        "pricing/publicOnDemandCost",
        "pricing/publicOnDemandRate",
        "reservation/EffectiveCost",
        "reservation/RecurringFeeForUsage",
        "savingsPlan/SavingsPlanRate",
        "savingsPlan/SavingsPlanEffectiveCost",
        "savingsPlan/UsedCommitment",
        "savingsPlan/TotalCommitmentToDate",
    }
)
_TS_COLS = frozenset(
    {
        "bill/BillingPeriodStartDate",
        "bill/BillingPeriodEndDate",
        "lineItem/UsageStartDate",
        "lineItem/UsageEndDate",
    }
)

# product attributes that CUR 2.0 keeps as real columns (legacy attr name -> CUR 2.0 column)
_CUR2_PRODUCT_COLUMNS: dict[str, str] = {
    "feeCode": "product_fee_code",
    "feeDescription": "product_fee_description",
    "fromLocation": "product_from_location",
    "fromRegionCode": "product_from_region_code",
    "instanceFamily": "product_instance_family",
    "instanceType": "product_instance_type",
    "location": "product_location",
    "locationType": "product_location_type",
    "operation": "product_operation",
    "productFamily": "product_product_family",
    "regionCode": "product_region_code",
    "servicecode": "product_servicecode",
    "sku": "product_sku",
    "toLocation": "product_to_location",
    "toRegionCode": "product_to_region_code",
    "usagetype": "product_usagetype",
}

#: Fixed CUR 2.0 column set (name, Arrow type) shared by the small and the large generator.
CUR2_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("identity_line_item_id", pa.string()),
    ("identity_time_interval", pa.string()),
    ("bill_invoice_id", pa.string()),
    ("bill_invoicing_entity", pa.string()),
    ("bill_billing_entity", pa.string()),
    ("bill_bill_type", pa.string()),
    ("bill_payer_account_id", pa.string()),
    ("bill_payer_account_name", pa.string()),
    ("bill_billing_period_start_date", _TS),
    ("bill_billing_period_end_date", _TS),
    ("line_item_usage_account_id", pa.string()),
    ("line_item_usage_account_name", pa.string()),
    ("line_item_line_item_type", pa.string()),
    ("line_item_usage_start_date", _TS),
    ("line_item_usage_end_date", _TS),
    ("line_item_product_code", pa.string()),
    ("line_item_usage_type", pa.string()),
    ("line_item_operation", pa.string()),
    ("line_item_availability_zone", pa.string()),
    ("line_item_resource_id", pa.string()),
    ("line_item_usage_amount", _AMOUNT),
    ("line_item_normalization_factor", _AMOUNT),
    ("line_item_normalized_usage_amount", _AMOUNT),
    ("line_item_currency_code", pa.string()),
    ("line_item_unblended_rate", _MONEY),
    ("line_item_unblended_cost", _MONEY),
    ("line_item_blended_rate", _MONEY),
    ("line_item_blended_cost", _MONEY),
    ("line_item_line_item_description", pa.string()),
    ("line_item_tax_type", pa.string()),
    ("line_item_legal_entity", pa.string()),
    ("product", _MAP),
    *((col, pa.string()) for col in sorted(_CUR2_PRODUCT_COLUMNS.values())),
    ("pricing_currency", pa.string()),
    ("pricing_public_on_demand_cost", _MONEY),
    ("pricing_public_on_demand_rate", _MONEY),
    ("pricing_term", pa.string()),
    ("pricing_unit", pa.string()),
    ("reservation_effective_cost", _MONEY),
    ("reservation_recurring_fee_for_usage", _MONEY),
    ("reservation_reservation_a_r_n", pa.string()),
    ("savings_plan_savings_plan_a_r_n", pa.string()),
    ("savings_plan_savings_plan_rate", _MONEY),
    ("savings_plan_savings_plan_effective_cost", _MONEY),
    ("savings_plan_used_commitment", _MONEY),
    ("savings_plan_total_commitment_to_date", _MONEY),
    ("resource_tags", _MAP),
    ("cost_category", _MAP),
    ("discount", _MAP),
)
#: Arrow schema of CUR 2.0 Parquet files written by this module.
CUR2_SCHEMA: pa.Schema = pa.schema([pa.field(n, t) for n, t in CUR2_COLUMNS])

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _snake(word: str) -> str:
    return _CAMEL.sub("_", word).lower().replace(":", "_").replace("-", "_")


def legacy_to_snake(column: str) -> str:
    """Convert a legacy ``category/Name`` CUR header to its Athena / CUR 2.0 snake_case form.

    Parameters
    ----------
    column
        Legacy header such as ``lineItem/UsageAccountId`` or ``resourceTags/user:team``.

    Returns
    -------
    str
        ``line_item_usage_account_id``, ``resource_tags_user_team``; ``ARN`` becomes ``a_r_n`` as in
        real exports (``savings_plan_savings_plan_a_r_n``).
    """
    category, _, name = column.partition("/")
    return f"{_snake(category)}_{_snake(name)}"


# --------------------------------------------------------------------------------------------------
# Static catalogue for the demo month
# --------------------------------------------------------------------------------------------------

_PAYER = "310528746913"
_PAYER_NAME = "acme-management"
_ACCOUNTS: dict[str, str] = {
    "012345678901": "acme-ml-prod",
    "004412873350": "acme-data",
    "238640213765": "acme-web-prod",
    "561987432010": "acme-web-staging",
    "789456123078": "acme-shared-services",
}
_ACCOUNT_NAMES: dict[str, str] = {_PAYER: _PAYER_NAME, **_ACCOUNTS}
_ML, _DATA, _WEB, _STAGING, _SHARED = list(_ACCOUNTS)
_LEGAL_ENTITY = "Amazon Web Services, Inc."

_REGION_NAMES: dict[str, str] = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-central-1": "EU (Frankfurt)",
}

# name -> (instanceFamily, vcpu, memory, physicalProcessor, gpu, gpuMemory, normalization factor)
_INSTANCES: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "m5.large": ("General purpose", "2", "8 GiB", "Intel Xeon Platinum 8175", "", "", "4"),
    "m5.xlarge": ("General purpose", "4", "16 GiB", "Intel Xeon Platinum 8175", "", "", "8"),
    "m6g.large": ("General purpose", "2", "8 GiB", "AWS Graviton2 Processor", "", "", "4"),
    "c6i.2xlarge": ("Compute optimized", "8", "16 GiB", "Intel Xeon 8375C (Ice Lake)", "", "", "16"),
    "r5.large": ("Memory optimized", "2", "16 GiB", "Intel Xeon Platinum 8175", "", "", "4"),
    "r5.xlarge": ("Memory optimized", "4", "32 GiB", "Intel Xeon Platinum 8175", "", "", "8"),
    "t3.medium": ("General purpose", "2", "4 GiB", "Intel Skylake E5 2686 v5", "", "", "2"),
    "m7i.xlarge": ("General purpose", "4", "16 GiB", "Intel Xeon Scalable (Sapphire Rapids)", "", "", "8"),
    "p4d.24xlarge": ("GPU instance", "96", "1152 GiB", "Intel Xeon Platinum 8275L", "8", "320 GB", "192"),
    "g5.xlarge": ("GPU instance", "4", "16 GiB", "AMD EPYC 7R32", "1", "24 GB", "8"),
    "inf2.xlarge": ("Machine Learning ASIC Instances", "4", "16 GiB", "AMD EPYC 7R13", "", "", "8"),
    "zz9.large": ("General purpose", "2", "8 GiB", "", "", "", "4"),
    "db.r5.large": ("Memory optimized", "2", "16 GiB", "Intel Xeon Platinum 8175", "", "", "4"),
    "db.m5.large": ("General purpose", "2", "8 GiB", "Intel Xeon Platinum 8175", "", "", "4"),
}

_PRODUCTS: dict[str, tuple[str, str]] = {  # product code -> (ProductName, servicename)
    "AmazonEC2": ("Amazon Elastic Compute Cloud", "Amazon Elastic Compute Cloud"),
    "AmazonS3": ("Amazon Simple Storage Service", "Amazon Simple Storage Service"),
    "AWSLambda": ("AWS Lambda", "AWS Lambda"),
    "AmazonECS": ("Amazon Elastic Container Service", "Amazon Elastic Container Service"),
    "AmazonRDS": ("Amazon Relational Database Service", "Amazon Relational Database Service"),
    "AmazonCloudWatch": ("AmazonCloudWatch", "AmazonCloudWatch"),
    "AmazonEKS": ("Amazon Elastic Container Service for Kubernetes", "Amazon EKS"),
    "ComputeSavingsPlans": ("Savings Plans for AWS Compute usage", "Savings Plans"),
    "AWSSupportBusiness": ("AWS Support (Business)", "AWS Support (Business)"),
    "AmazonRoute53": ("Amazon Route 53", "Amazon Route 53"),
}


@dataclass(frozen=True)
class _Res:
    """One billable resource of the demo inventory (one line per day while active)."""

    key: str
    account: str
    product_code: str
    usage_type: str
    operation: str
    region: str
    unit: str
    rate: Decimal
    mode: Literal["hours", "gbmo", "flow"]
    base: Decimal
    family: str
    desc: str
    tags: Mapping[str, str]
    resource_id: str = ""
    az: str = ""
    instance: str = ""
    cover: Literal["none", "ri", "sp", "spot"] = "none"
    first_day: int = 1
    last_day: int = 31
    extra: Mapping[str, str] = field(default_factory=dict)
    servicecode: str = ""


def _tags(project: str | None, team: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if project:
        out["user:project"] = project
    if team:
        out["user:team"] = team
    return out


def _inventory() -> list[_Res]:
    d = Decimal
    ck, srch, mlp, lake = (
        _tags("checkout", "payments"),
        _tags("search", "discovery"),
        _tags("ml-platform", "ml-research"),
        _tags("data-lake", "data-eng"),
    )
    plat = _tags("internal-tools", "platform")
    none: dict[str, str] = {}

    def ec2(
        key: str,
        acct: str,
        ut: str,
        itype: str,
        region: str,
        az: str,
        rate: str,
        tags: Mapping[str, str],
        cover: Literal["none", "ri", "sp", "spot"] = "none",
        days: tuple[int, int] = (1, 31),
        op: str = "RunInstances",
    ) -> _Res:
        tenancy = "Dedicated" if "DedicatedUsage" in ut else "Shared"
        if cover == "spot":
            desc = f"${rate} per Linux/UNIX (Amazon VPC) Spot Instance-hour for {itype} in {az}"
        else:
            desc = f"${rate} per On Demand Linux {itype} Instance Hour"
            if tenancy == "Dedicated":
                desc = f"${rate} per Dedicated Linux {itype} Instance Hour"
        return _Res(
            key=key,
            account=acct,
            product_code="AmazonEC2",
            usage_type=ut,
            operation=op,
            region=region,
            unit="Hrs",
            rate=d(rate),
            mode="hours",
            base=d(1),
            family="Compute Instance",
            desc=desc,
            tags=tags,
            resource_id="i-" + hashlib.sha1(key.encode()).hexdigest()[:17],
            az=az,
            instance=itype,
            cover=cover,
            first_day=days[0],
            last_day=days[1],
            extra={
                "operatingSystem": "Linux",
                "tenancy": tenancy,
                "capacitystatus": "Used",
                "preInstalledSw": "NA",
                "licenseModel": "No License required",
            },
        )

    def simple(
        key: str,
        acct: str,
        code: str,
        ut: str,
        op: str,
        region: str,
        unit: str,
        rate: str,
        mode: Literal["hours", "gbmo", "flow"],
        base: str,
        family: str,
        desc: str,
        tags: Mapping[str, str],
        rid: str = "",
        cover: Literal["none", "ri", "sp", "spot"] = "none",
        extra: Mapping[str, str] | None = None,
        servicecode: str = "",
        az: str = "",
        instance: str = "",
    ) -> _Res:
        return _Res(
            key=key,
            account=acct,
            product_code=code,
            usage_type=ut,
            operation=op,
            region=region,
            unit=unit,
            rate=d(rate),
            mode=mode,
            base=d(base),
            family=family,
            desc=desc,
            tags=tags,
            resource_id=rid,
            cover=cover,
            extra=extra or {},
            servicecode=servicecode,
            az=az,
            instance=instance,
        )

    s3 = "arn:aws:s3:::"
    dt = {"servicecode": "AWSDataTransfer"}
    return [
        ec2("web-1", _WEB, "BoxUsage:m5.large", "m5.large", "us-east-1", "us-east-1a", "0.096", ck),
        ec2(
            "web-2", _WEB, "BoxUsage:m5.large", "m5.large", "us-east-1", "us-east-1b", "0.096", ck, cover="ri"
        ),
        ec2(
            "web-stg",
            _STAGING,
            "BoxUsage:m5.large",
            "m5.large",
            "us-east-1",
            "us-east-1c",
            "0.096",
            _tags("checkout", None),
            cover="ri",
        ),
        ec2(
            "api-arm-1",
            _WEB,
            "USW2-BoxUsage:m6g.large",
            "m6g.large",
            "us-west-2",
            "us-west-2a",
            "0.077",
            srch,
        ),
        ec2(
            "api-arm-2",
            _WEB,
            "USW2-BoxUsage:m6g.large",
            "m6g.large",
            "us-west-2",
            "us-west-2b",
            "0.077",
            srch,
        ),
        ec2(
            "batch-eu",
            _DATA,
            "EUC1-BoxUsage:c6i.2xlarge",
            "c6i.2xlarge",
            "eu-central-1",
            "eu-central-1a",
            "0.388",
            lake,
            cover="sp",
        ),
        ec2("cache-1", _WEB, "BoxUsage:r5.xlarge", "r5.xlarge", "us-east-1", "us-east-1a", "0.252", ck),
        ec2(
            "bastion",
            _SHARED,
            "USE2-BoxUsage:t3.medium",
            "t3.medium",
            "us-east-2",
            "us-east-2a",
            "0.0416",
            none,
        ),
        ec2(
            "app-eu",
            _WEB,
            "EU-BoxUsage:m7i.xlarge",
            "m7i.xlarge",
            "eu-west-1",
            "eu-west-1b",
            "0.2226",
            srch,
            cover="sp",
        ),
        ec2(
            "train-1",
            _ML,
            "USW2-BoxUsage:p4d.24xlarge",
            "p4d.24xlarge",
            "us-west-2",
            "us-west-2b",
            "32.7726",
            {**mlp, "user:stage": "training", "user:run": "llm-finetune-2026-10a"},
            days=(3, 14),
        ),
        ec2(
            "infer-gpu",
            _ML,
            "USE2-BoxUsage:g5.xlarge",
            "g5.xlarge",
            "us-east-2",
            "us-east-2b",
            "1.006",
            {**mlp, "user:stage": "inference"},
        ),
        ec2(
            "infer-asic",
            _ML,
            "BoxUsage:inf2.xlarge",
            "inf2.xlarge",
            "us-east-1",
            "us-east-1d",
            "0.7582",
            {**mlp, "user:stage": "inference"},
            days=(10, 31),
        ),
        ec2(
            "spot-1",
            _DATA,
            "SpotUsage:m5.xlarge",
            "m5.xlarge",
            "us-east-1",
            "us-east-1a",
            "0.192",
            lake,
            cover="spot",
            op="RunInstances:SV001",
        ),
        ec2(
            "spot-2",
            _DATA,
            "SpotUsage:m5.xlarge",
            "m5.xlarge",
            "us-east-1",
            "us-east-1b",
            "0.192",
            lake,
            cover="spot",
            op="RunInstances:SV001",
            days=(5, 27),
        ),
        ec2(
            "vault", _SHARED, "DedicatedUsage:r5.large", "r5.large", "us-east-1", "us-east-1a", "0.139", plat
        ),
        ec2(
            "lab-zz9",
            _STAGING,
            "BoxUsage:zz9.large",
            "zz9.large",
            "us-east-1",
            "us-east-1f",
            "0.085",
            _tags("labs", None),
        ),
        simple(
            "vol-web",
            _WEB,
            "AmazonEC2",
            "EBS:VolumeUsage.gp3",
            "CreateVolume-Gp3",
            "us-east-1",
            "GB-Mo",
            "0.08",
            "gbmo",
            "500",
            "Storage",
            "$0.08 per GB-month of General Purpose (gp3) provisioned storage - US East (Northern Virginia)",
            ck,
            rid="vol-0a1b2c3d4e5f60718",
            az="us-east-1a",
            extra={"volumeApiName": "gp3", "volumeType": "General Purpose", "storageMedia": "SSD-backed"},
        ),
        simple(
            "vol-api",
            _WEB,
            "AmazonEC2",
            "USW2-EBS:VolumeUsage.gp2",
            "CreateVolume-Gp2",
            "us-west-2",
            "GB-Mo",
            "0.10",
            "gbmo",
            "200",
            "Storage",
            "$0.10 per GB-month of General Purpose SSD (gp2) provisioned storage - US West (Oregon)",
            srch,
            rid="vol-0b2c3d4e5f6071829",
            az="us-west-2a",
            extra={"volumeApiName": "gp2", "volumeType": "General Purpose", "storageMedia": "SSD-backed"},
        ),
        simple(
            "vol-lake",
            _DATA,
            "AmazonEC2",
            "EBS:VolumeUsage.st1",
            "CreateVolume-St1",
            "us-east-1",
            "GB-Mo",
            "0.045",
            "gbmo",
            "2000",
            "Storage",
            "$0.045 per GB-month of Throughput Optimized HDD (st1) provisioned storage - US "
            "East (Northern Virginia)",
            lake,
            rid="vol-0c3d4e5f607182930",
            az="us-east-1a",
            extra={
                "volumeApiName": "st1",
                "volumeType": "Throughput Optimized HDD",
                "storageMedia": "HDD-backed",
            },
        ),
        simple(
            "vol-train",
            _ML,
            "AmazonEC2",
            "USW2-EBS:VolumeUsage.gp3",
            "CreateVolume-Gp3",
            "us-west-2",
            "GB-Mo",
            "0.08",
            "gbmo",
            "2000",
            "Storage",
            "$0.08 per GB-month of General Purpose (gp3) provisioned storage - US West (Oregon)",
            mlp,
            rid="vol-0d4e5f60718293a4b",
            az="us-west-2b",
            extra={"volumeApiName": "gp3", "volumeType": "General Purpose", "storageMedia": "SSD-backed"},
        ),
        simple(
            "snaps",
            _SHARED,
            "AmazonEC2",
            "EBS:SnapshotUsage",
            "CreateSnapshot",
            "us-east-1",
            "GB-Mo",
            "0.05",
            "gbmo",
            "1500",
            "Storage Snapshot",
            "$0.05 per GB-Month of snapshot data stored - US East (Northern Virginia)",
            none,
            rid="arn:aws:ec2:us-east-1:789456123078:snapshot/snap-0e5f6071829304a5b",
            extra={"storageMedia": "Amazon S3"},
        ),
        simple(
            "s3-lake",
            _DATA,
            "AmazonS3",
            "TimedStorage-ByteHrs",
            "StandardStorage",
            "us-east-1",
            "GB-Mo",
            "0.023",
            "gbmo",
            "40000",
            "Storage",
            "$0.023 per GB - first 50 TB / month of storage used",
            lake,
            rid=s3 + "acme-data-lake",
            extra={"storageClass": "General Purpose", "volumeType": "Standard"},
        ),
        simple(
            "s3-ckpt",
            _ML,
            "AmazonS3",
            "USW2-TimedStorage-ZIA-ByteHrs",
            "OneZoneIAStorage",
            "us-west-2",
            "GB-Mo",
            "0.01",
            "gbmo",
            "8000",
            "Storage",
            "$0.01 per GB-Month of storage used in One Zone-Infrequent Access",
            mlp,
            rid=s3 + "acme-ml-checkpoints",
            extra={"storageClass": "Infrequent Access", "volumeType": "One Zone - Infrequent Access"},
        ),
        simple(
            "s3-req",
            _DATA,
            "AmazonS3",
            "Requests-Tier1",
            "PutObject",
            "us-east-1",
            "Requests",
            "0.000005",
            "flow",
            "1500000",
            "API Request",
            "$0.005 per 1,000 PUT, COPY, POST, or LIST requests",
            lake,
            rid=s3 + "acme-data-lake",
            extra={"group": "S3-API-Tier1"},
        ),
        simple(
            "dt-out",
            _WEB,
            "AmazonEC2",
            "DataTransfer-Out-Bytes",
            "RunInstances",
            "us-east-1",
            "GB",
            "0.09",
            "flow",
            "300",
            "Data Transfer",
            "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier",
            ck,
            rid="i-" + hashlib.sha1(b"web-1").hexdigest()[:17],
            servicecode="AWSDataTransfer",
            extra={
                "transferType": "AWS Outbound",
                "fromLocation": "US East (N. Virginia)",
                "fromRegionCode": "us-east-1",
                "toLocation": "External",
            },
        ),
        simple(
            "dt-xreg",
            _DATA,
            "AmazonS3",
            "USE1-USW2-AWS-Out-Bytes",
            "GetObject",
            "us-east-1",
            "GB",
            "0.02",
            "flow",
            "150",
            "Data Transfer",
            "$0.020 per GB - US East (Northern Virginia) data transfer to US West (Oregon)",
            lake,
            rid=s3 + "acme-data-lake",
            servicecode="AWSDataTransfer",
            extra={
                "transferType": "InterRegion Outbound",
                "fromLocation": "US East (N. Virginia)",
                "fromRegionCode": "us-east-1",
                "toLocation": "US West (Oregon)",
                "toRegionCode": "us-west-2",
                **dt,
            },
        ),
        simple(
            "dt-reg",
            _WEB,
            "AmazonEC2",
            "DataTransfer-Regional-Bytes",
            "InterZone-Out",
            "us-east-1",
            "GB",
            "0.01",
            "flow",
            "500",
            "Data Transfer",
            "$0.010 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB",
            ck,
            servicecode="AWSDataTransfer",
            extra={
                "transferType": "IntraRegion",
                "fromLocation": "US East (N. Virginia)",
                "fromRegionCode": "us-east-1",
                "toLocation": "US East (N. Virginia)",
                "toRegionCode": "us-east-1",
            },
        ),
        simple(
            "lambda-gbs",
            _WEB,
            "AWSLambda",
            "Lambda-GB-Second",
            "Invoke",
            "us-east-1",
            "Lambda-GB-Second",
            "0.0000166667",
            "flow",
            "400000",
            "Serverless",
            "AWS Lambda - Total Compute - US East (Northern Virginia)",
            srch,
            rid="arn:aws:lambda:us-east-1:238640213765:function:search-indexer",
        ),
        simple(
            "lambda-req",
            _WEB,
            "AWSLambda",
            "Request",
            "Invoke",
            "us-east-1",
            "Requests",
            "0.0000002",
            "flow",
            "3000000",
            "Serverless",
            "AWS Lambda - Total Requests - US East (Northern Virginia)",
            srch,
            rid="arn:aws:lambda:us-east-1:238640213765:function:search-indexer",
        ),
        simple(
            "fg-cpu",
            _DATA,
            "AmazonECS",
            "USE1-Fargate-vCPU-Hours:perCPU",
            "FargateTask",
            "us-east-1",
            "vCPU-Hours",
            "0.04048",
            "hours",
            "16",
            "Compute",
            "AWS Fargate - vCPU - US East (N.Virginia)",
            lake,
            cover="sp",
            rid="arn:aws:ecs:us-east-1:004412873350:task/etl/6a1f0c2b9d8e4f7a",
        ),
        simple(
            "fg-mem",
            _DATA,
            "AmazonECS",
            "USE1-Fargate-GB-Hours",
            "FargateTask",
            "us-east-1",
            "GB-Hours",
            "0.004445",
            "hours",
            "64",
            "Compute",
            "AWS Fargate - Memory - US East (N.Virginia)",
            lake,
            rid="arn:aws:ecs:us-east-1:004412873350:task/etl/6a1f0c2b9d8e4f7a",
        ),
        simple(
            "rds-ck",
            _WEB,
            "AmazonRDS",
            "InstanceUsage:db.r5.large",
            "CreateDBInstance:0002",
            "us-east-1",
            "Hrs",
            "0.25",
            "hours",
            "1",
            "Database Instance",
            "$0.25 per RDS db.r5.large Single-AZ instance hour (or partial hour) running MySQL",
            ck,
            rid="arn:aws:rds:us-east-1:238640213765:db:checkout-db",
            az="us-east-1a",
            instance="db.r5.large",
            extra={"databaseEngine": "MySQL", "deploymentOption": "Single-AZ"},
        ),
        simple(
            "rds-srch",
            _WEB,
            "AmazonRDS",
            "Multi-AZUsage:db.m5.large",
            "CreateDBInstance:0002",
            "us-east-1",
            "Hrs",
            "0.342",
            "hours",
            "1",
            "Database Instance",
            "$0.342 per RDS db.m5.large Multi-AZ instance hour (or partial hour) running MySQL",
            srch,
            rid="arn:aws:rds:us-east-1:238640213765:db:search-db",
            instance="db.m5.large",
            extra={"databaseEngine": "MySQL", "deploymentOption": "Multi-AZ"},
        ),
        simple(
            "rds-gp2",
            _WEB,
            "AmazonRDS",
            "RDS:GP2-Storage",
            "CreateDBInstance:0002",
            "us-east-1",
            "GB-Mo",
            "0.115",
            "gbmo",
            "500",
            "Database Storage",
            "$0.115 per GB-month of provisioned gp2 storage running MySQL",
            ck,
            rid="arn:aws:rds:us-east-1:238640213765:db:checkout-db",
            extra={"volumeType": "General Purpose", "databaseEngine": "MySQL"},
        ),
        simple(
            "nat-h",
            _SHARED,
            "AmazonEC2",
            "NatGateway-Hours",
            "NatGateway",
            "us-east-1",
            "Hrs",
            "0.045",
            "hours",
            "1",
            "NAT Gateway",
            "$0.045 per NAT Gateway Hour",
            none,
            rid="arn:aws:ec2:us-east-1:789456123078:natgateway/nat-0f1e2d3c4b5a69788",
        ),
        simple(
            "nat-b",
            _SHARED,
            "AmazonEC2",
            "NatGateway-Bytes",
            "NatGateway",
            "us-east-1",
            "GB",
            "0.045",
            "flow",
            "200",
            "NAT Gateway",
            "$0.045 per GB Data Processed by NAT Gateways",
            none,
            rid="arn:aws:ec2:us-east-1:789456123078:natgateway/nat-0f1e2d3c4b5a69788",
        ),
        simple(
            "cw-metrics",
            _SHARED,
            "AmazonCloudWatch",
            "CW:MetricMonitorUsage",
            "MetricStorage",
            "us-east-1",
            "Metrics",
            "0.30",
            "gbmo",
            "1200",
            "Metric",
            "$0.30 per metric-month for the first 10,000 metrics - US East (N. Virginia)",
            none,
        ),
        simple(
            "eks",
            _ML,
            "AmazonEKS",
            "USE1-AmazonEKS-Hours:perCluster",
            "CreateOperation",
            "us-east-1",
            "Hrs",
            "0.10",
            "hours",
            "1",
            "Compute",
            "Amazon EKS cluster usage in US East (N. Virginia)",
            plat,
            rid="arn:aws:eks:us-east-1:012345678901:cluster/ml-platform",
        ),
    ]


_RI_RATE = {"m5.large": Decimal("0.060")}
_SP_DISCOUNT = {"batch-eu": Decimal("0.72"), "app-eu": Decimal("0.72"), "fg-cpu": Decimal("0.80")}
_SP_COMMITMENT_PER_HOUR = Decimal("1.00")
_TAX_RATE = Decimal("0.06")
_EDP_RATE = Decimal("0.04")

# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _q(value: Decimal) -> Decimal:
    return value.quantize(_Q10, rounding=ROUND_HALF_EVEN)


def _fmt_dec(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    return "0.0" if text in {"-0.0", "0"} else text


def _month_bounds(month: str) -> tuple[datetime, datetime, int]:
    year, mon = (int(p) for p in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=UTC)
    days = calendar.monthrange(year, mon)[1]
    return start, start + timedelta(days=days), days


def _sku(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return base64.b32encode(digest).decode()[:16].replace("=", "X")


def _line_id(assembly: str, index: int) -> str:
    digest = hashlib.sha256(f"{assembly}:{index}".encode()).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class _Line:
    core: dict[str, Value]
    product: dict[str, str]
    tags: dict[str, str]


@dataclass(frozen=True)
class CurDelivery:
    """What :func:`generate_cur_month` wrote.

    Attributes
    ----------
    root
        Report (legacy) or export (CUR 2.0) folder, ``<out>/<report_name>``.
    manifest_path
        Month-level manifest pointing at the newest delivery.
    data_files
        Data files of the newest delivery (what a correct reader loads).
    stale_files
        Files of the superseded delivery that remain on disk (empty when ``restated=False``).
    row_count
        Rows in the newest delivery.
    billed_cost
        Exact sum of ``UnblendedCost`` over the newest delivery.
    line_item_type_counts
        Rows per ``LineItemType`` in the newest delivery.
    assembly_id
        Assembly / execution id of the newest delivery.
    columns
        Column names of the newest delivery, in file order.
    """

    root: Path
    manifest_path: Path
    data_files: tuple[Path, ...]
    stale_files: tuple[Path, ...]
    row_count: int
    billed_cost: Decimal
    line_item_type_counts: Mapping[str, int]
    assembly_id: str = ""
    columns: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------
# Building the rows of one delivery
# --------------------------------------------------------------------------------------------------


def _region_attrs(region: str) -> dict[str, str]:
    if not region:
        return {}
    return {
        "location": _REGION_NAMES[region],
        "locationType": "AWS Region",
        "region": region,
        "regionCode": region,
    }


def _amount(res: _Res, day: int, hours_in_month: int, seed: int) -> Decimal:
    rng = random.Random(f"{seed}:{res.key}:{day}")
    if res.mode == "hours":
        hours = Decimal(24)
        if res.cover == "spot" and rng.random() < 0.3:
            hours = Decimal(rng.randint(6, 23)) + Decimal(rng.choice(("0", "0.25", "0.5")))
        if res.instance.startswith("p4d") and day in (res.first_day, res.last_day):
            hours = Decimal(rng.randint(3, 20)) + Decimal("0.5")
        return _q(hours * res.base)
    if res.mode == "gbmo":
        growth = Decimal(1) + Decimal(day - 1) * Decimal("0.004")
        return _q(res.base * growth * Decimal(24) / Decimal(hours_in_month))
    factor = Decimal(str(round(rng.uniform(0.6, 1.4), 4)))
    if res.unit == "Requests":
        return _q((res.base * factor).to_integral_value())
    return _q(res.base * factor)


def _build_lines(month: str, seed: int, *, last_day: int, final: bool) -> list[_Line]:
    start, end, days = _month_bounds(month)
    hours = days * 24
    invoice = f"{start:%Y%m}{seed % 1000:03d}7781" if final else ""
    lines: list[_Line] = []

    def base(acct: str, lit: str, t0: datetime, t1: datetime) -> dict[str, Value]:
        return {
            "identity/TimeInterval": f"{t0:%Y-%m-%dT%H:%M:%SZ}/{t1:%Y-%m-%dT%H:%M:%SZ}",
            "bill/InvoiceId": invoice,
            "bill/InvoicingEntity": _LEGAL_ENTITY,
            "bill/BillingEntity": "AWS",
            "bill/BillType": "Anniversary",
            "bill/PayerAccountId": _PAYER,
            "bill/PayerAccountName": _PAYER_NAME,
            "bill/BillingPeriodStartDate": start,
            "bill/BillingPeriodEndDate": end,
            "lineItem/UsageAccountId": acct,
            "lineItem/UsageAccountName": _ACCOUNT_NAMES[acct],
            "lineItem/LineItemType": lit,
            "lineItem/UsageStartDate": t0,
            "lineItem/UsageEndDate": t1,
            "lineItem/CurrencyCode": "USD",
            "lineItem/LegalEntity": _LEGAL_ENTITY,
            "pricing/currency": "USD",
        }

    ri_arn = f"arn:aws:ec2:us-east-1:{_WEB}:reserved-instances/" + str(
        uuid.UUID(int=int(hashlib.sha256(f"ri{seed}".encode()).hexdigest()[:32], 16), version=4)
    )
    sp_arn = f"arn:aws:savingsplans::{_SHARED}:savingsplan/" + str(
        uuid.UUID(int=int(hashlib.sha256(f"sp{seed}".encode()).hexdigest()[:32], 16), version=4)
    )
    inventory = _inventory()
    sp_used_per_day: dict[int, Decimal] = {}

    for day in range(1, last_day + 1):
        t0 = start + timedelta(days=day - 1)
        t1 = t0 + timedelta(days=1)
        for res in inventory:
            if not res.first_day <= day <= min(res.last_day, days):
                continue
            amount = _amount(res, day, hours, seed)
            rate = res.rate
            if res.cover == "spot":
                srng = random.Random(f"{seed}:{res.key}:{day}:price")
                rate = _q(res.rate * Decimal(str(round(srng.uniform(0.30, 0.42), 4))))
            public_cost = _q(res.rate * amount)
            cost = _q(rate * amount)
            product = {
                "ProductName": _PRODUCTS[res.product_code][0],
                "servicecode": res.servicecode or res.product_code,
                "servicename": _PRODUCTS[res.product_code][1],
                "productFamily": res.family,
                "usagetype": res.usage_type,
                "operation": res.operation,
                "sku": _sku(res.usage_type, res.operation, res.region),
                **_region_attrs(res.region),
                **res.extra,
            }
            if res.servicecode == "AWSDataTransfer":
                product["servicename"] = "AWS Data Transfer"
            nf = ""
            if res.instance:
                fam, vcpu, mem, cpu, gpu, gpu_mem, nf = _INSTANCES[res.instance]
                product |= {
                    "instanceType": res.instance,
                    "instanceFamily": fam,
                    "vcpu": vcpu,
                    "memory": mem,
                    "processorArchitecture": "64-bit",
                }
                if cpu:
                    product["physicalProcessor"] = cpu
                if gpu:
                    product |= {"gpu": gpu, "gpuMemory": gpu_mem}
            core = base(res.account, "Usage", t0, t1) | {
                "lineItem/ProductCode": res.product_code,
                "lineItem/UsageType": res.usage_type,
                "lineItem/Operation": res.operation,
                "lineItem/AvailabilityZone": res.az,
                "lineItem/ResourceId": res.resource_id,
                "lineItem/UsageAmount": amount,
                "lineItem/UnblendedRate": rate,
                "lineItem/UnblendedCost": cost,
                "lineItem/BlendedRate": rate,
                "lineItem/BlendedCost": cost,
                "lineItem/LineItemDescription": res.desc,
                "pricing/publicOnDemandRate": res.rate,
                "pricing/publicOnDemandCost": public_cost,
                "pricing/term": "Spot" if res.cover == "spot" else "OnDemand",
                "pricing/unit": res.unit,
            }
            if nf and not res.instance.startswith("db."):
                core["lineItem/NormalizationFactor"] = Decimal(nf)
                core["lineItem/NormalizedUsageAmount"] = _q(Decimal(nf) * amount)
            if res.cover == "ri":
                eff = _q(_RI_RATE[res.instance] * amount)
                core |= {
                    "lineItem/LineItemType": "DiscountedUsage",
                    "lineItem/UnblendedRate": Decimal(0),
                    "lineItem/UnblendedCost": Decimal(0),
                    "lineItem/BlendedRate": _RI_RATE[res.instance],
                    "lineItem/BlendedCost": eff,
                    "lineItem/LineItemDescription": (
                        f"USD 0.0 per Linux/UNIX (Amazon VPC), {res.instance} reserved instance applied"
                    ),
                    "pricing/term": "Reserved",
                    "reservation/ReservationARN": ri_arn,
                    "reservation/EffectiveCost": eff,
                    "reservation/RecurringFeeForUsage": eff,
                }
            lines.append(_Line(core, product, dict(res.tags)))
            if res.cover == "sp":
                sp_rate = _q(res.rate * _SP_DISCOUNT[res.key])
                sp_eff = _q(sp_rate * amount)
                sp_used_per_day[day] = sp_used_per_day.get(day, Decimal(0)) + sp_eff
                core |= {
                    "lineItem/LineItemType": "SavingsPlanCoveredUsage",
                    "savingsPlan/SavingsPlanARN": sp_arn,
                    "savingsPlan/SavingsPlanRate": sp_rate,
                    "savingsPlan/SavingsPlanEffectiveCost": sp_eff,
                }
                neg = dict(core) | {
                    "lineItem/LineItemType": "SavingsPlanNegation",
                    "lineItem/UnblendedRate": -rate,
                    "lineItem/UnblendedCost": -cost,
                    "lineItem/BlendedRate": -rate,
                    "lineItem/BlendedCost": -cost,
                    "lineItem/LineItemDescription": (
                        f"SavingsPlanNegation used by AccountId : {res.account} and UsageSku : "
                        f"{product['sku']}"
                    ),
                    "savingsPlan/SavingsPlanEffectiveCost": None,
                }
                lines.append(_Line(neg, dict(product), dict(res.tags)))

        # one Savings Plan recurring fee line per day (hourly commitment x 24)
        fee = _q(_SP_COMMITMENT_PER_HOUR * 24)
        lines.append(
            _Line(
                base(_SHARED, "SavingsPlanRecurringFee", t0, t1)
                | {
                    "lineItem/ProductCode": "ComputeSavingsPlans",
                    "lineItem/UsageType": "ComputeSP:1yrNoUpfront",
                    "lineItem/UsageAmount": Decimal(24),
                    "lineItem/UnblendedRate": _SP_COMMITMENT_PER_HOUR,
                    "lineItem/UnblendedCost": fee,
                    "lineItem/BlendedRate": _SP_COMMITMENT_PER_HOUR,
                    "lineItem/BlendedCost": fee,
                    "lineItem/LineItemDescription": "1 year No Upfront Compute Savings Plan",
                    "pricing/unit": "Hrs",
                    "savingsPlan/SavingsPlanARN": sp_arn,
                    "savingsPlan/TotalCommitmentToDate": fee,
                    "savingsPlan/UsedCommitment": sp_used_per_day.get(day, Decimal(0)),
                },
                {
                    "ProductName": _PRODUCTS["ComputeSavingsPlans"][0],
                    "servicecode": "ComputeSavingsPlans",
                    "servicename": "Savings Plans",
                },
                {},
            )
        )

    # ---- month-level lines ----------------------------------------------------------------
    def monthly(
        acct: str, lit: str, code: str, cost: Decimal, desc: str, extra: Mapping[str, Value] | None = None
    ) -> None:
        core = base(acct, lit, start, end) | {
            "lineItem/ProductCode": code,
            "lineItem/UsageAmount": Decimal(1),
            "lineItem/UnblendedCost": cost,
            "lineItem/BlendedCost": cost,
            "lineItem/LineItemDescription": desc,
        }
        core |= extra or {}
        product = {"ProductName": _PRODUCTS[code][0]} if code in _PRODUCTS else {}
        lines.append(_Line(core, product, {}))

    ri_hours = Decimal(hours * 2)
    ri_fee = _q(_RI_RATE["m5.large"] * ri_hours)
    monthly(
        _WEB,
        "RIFee",
        "AmazonEC2",
        ri_fee,
        "USD 0.06 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance",
        extra={
            "lineItem/UsageType": "HeavyUsage:m5.large",
            "lineItem/Operation": "RunInstances",
            "lineItem/UsageAmount": ri_hours,
            "lineItem/UnblendedRate": _RI_RATE["m5.large"],
            "lineItem/BlendedRate": _RI_RATE["m5.large"],
            "pricing/unit": "Hrs",
            "reservation/ReservationARN": ri_arn,
        },
    )

    usage_by: dict[tuple[str, str], Decimal] = {}
    usage_total = Decimal(0)
    for line in lines:
        if line.core["lineItem/LineItemType"] in {"Usage", "SavingsPlanCoveredUsage"}:
            c = line.core["lineItem/UnblendedCost"]
            assert isinstance(c, Decimal)
            k = (str(line.core["lineItem/UsageAccountId"]), str(line.core["lineItem/ProductCode"]))
            usage_by[k] = usage_by.get(k, Decimal(0)) + c
            usage_total += c
    support = max(Decimal(100), (usage_total * Decimal("0.10")).quantize(_CENT))
    monthly(
        _PAYER,
        "Fee",
        "AWSSupportBusiness",
        support,
        "AWS Support (Business) charges for the month",
        extra={
            "lineItem/UsageType": "Dollar",
            "lineItem/UnblendedRate": support,
            "lineItem/BlendedRate": support,
            "pricing/unit": "Dollar",
        },
    )
    monthly(
        _SHARED,
        "Fee",
        "AmazonRoute53",
        Decimal("14.0"),
        "Registration of acme-demo.com domain for one year",
        extra={
            "lineItem/UsageType": "Domain-Registration-com",
            "pricing/unit": "Domain",
            "lineItem/UnblendedRate": Decimal("14.0"),
            "lineItem/BlendedRate": Decimal("14.0"),
        },
    )
    if final:
        per_product: dict[str, tuple[Decimal, str]] = {}
        for (acct, code), c in sorted(usage_by.items()):
            total, top = per_product.get(code, (Decimal(0), acct))
            if c > usage_by.get((top, code), Decimal(0)):
                top = acct
            per_product[code] = (total + c, top)
        for code in ("AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda", "AmazonECS"):
            total, top = per_product[code]
            monthly(
                top,
                "Tax",
                code,
                (total * _TAX_RATE).quantize(_CENT),
                f"Tax for product code {code}",
                extra={"lineItem/TaxType": "Sales Tax"},
            )
        for (acct, code), c in sorted(usage_by.items()):
            if c >= Decimal(100):
                monthly(acct, "EdpDiscount", code, -_q(c * _EDP_RATE), "Enterprise Program Discount")
        monthly(_ML, "Credit", "AmazonEC2", Decimal("-250.0"), "AWS Credits - Promotional")
        monthly(_WEB, "Credit", "AWSLambda", Decimal("-12.34"), "AWS Credits - Promotional")
        monthly(
            _ML,
            "Refund",
            "AmazonEC2",
            Decimal("-57.6"),
            "Refund for p4d.24xlarge capacity interruption (case 1234567890)",
            extra={"bill/BillType": "Refund"},
        )
    return lines


# --------------------------------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------------------------------


def _legacy_columns(lines: Sequence[_Line]) -> list[str]:
    attrs = sorted({k for ln in lines for k in ln.product if k != "ProductName"})
    return [
        *_LEGACY_HEAD,
        "product/ProductName",
        *(f"product/{a}" for a in attrs),
        *_LEGACY_TAIL,
        *(f"resourceTags/{k}" for k in _TAG_KEYS),
    ]


def _legacy_value(line: _Line, column: str) -> Value:
    category, _, name = column.partition("/")
    if category == "product":
        return line.product.get(name)
    if category == "resourceTags":
        return line.tags.get(name)
    return line.core.get(column)


def _text(value: Value, *, millis: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _fmt_dec(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z" if millis else "%Y-%m-%dT%H:%M:%SZ")
    return value


def _cur2_record(line: _Line) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    for name, _ in CUR2_COLUMNS:
        rec[name] = None
    for column, value in line.core.items():
        rec[legacy_to_snake(column)] = value
    product_map: dict[str, str] = {}
    for attr, value in line.product.items():
        if attr in _CUR2_PRODUCT_COLUMNS:
            rec[_CUR2_PRODUCT_COLUMNS[attr]] = value
        else:
            product_map[_snake(attr)] = value
    rec["product"] = dict(sorted(product_map.items()))
    rec["resource_tags"] = {_snake(k): v for k, v in sorted(line.tags.items())}
    rec["cost_category"] = {}
    rec["discount"] = {}
    return rec


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]], gz: bool) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    raw = buf.getvalue().encode("utf-8")
    if not gz:
        return raw
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as fh:
        fh.write(raw)
    return out.getvalue()


def _arrow_type(column: str) -> pa.DataType:
    if column in _AMOUNT_COLS:
        return _AMOUNT
    if column in _MONEY_COLS:
        return _MONEY
    if column in _TS_COLS:
        return _TS
    return pa.string()


def _arrow_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _q(value)
    if isinstance(value, str) and value == "":
        return None
    return value


def _write_table(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="snappy", row_group_size=1_000_000)


def _write_legacy(
    path: Path, lines: Sequence[_Line], columns: Sequence[str], file_format: FileFormat
) -> None:
    if file_format == "parquet":
        arrays = [
            pa.array([_arrow_value(_legacy_value(ln, c)) for ln in lines], type=_arrow_type(c))
            for c in columns
        ]
        names = [legacy_to_snake(c) for c in columns]
        _write_table(path, pa.Table.from_arrays(arrays, names=names))
        return
    rows = ([_text(_legacy_value(ln, c), millis=True) for c in columns] for ln in lines)
    _write_bytes(path, _csv_bytes(columns, rows, gz=file_format == "csv.gz"))


def _write_cur2(path: Path, lines: Sequence[_Line], file_format: FileFormat) -> None:
    records = [_cur2_record(ln) for ln in lines]
    if file_format == "parquet":
        arrays = []
        for name, typ in CUR2_COLUMNS:
            if typ == _MAP:
                arrays.append(pa.array([list(r[name].items()) for r in records], type=_MAP))
            else:
                arrays.append(pa.array([_arrow_value(r[name]) for r in records], type=typ))
        _write_table(path, pa.Table.from_arrays(arrays, schema=CUR2_SCHEMA))
        return
    header = [n for n, _ in CUR2_COLUMNS]

    def cell(value: Any) -> str:
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return _text(value, millis=False)

    rows = ([cell(r[n]) for n in header] for r in records)
    _write_bytes(path, _csv_bytes(header, rows, gz=file_format == "csv.gz"))


def _manifest_type(column: str) -> str:
    if column == "identity/LineItemId":
        return "String"
    if column == "identity/TimeInterval":
        return "Interval"
    if column in _TS_COLS:
        return "DateTime"
    if column in _AMOUNT_COLS or column in _MONEY_COLS:
        return "OptionalBigDecimal"
    return "OptionalString"


def _cur2_manifest_type(typ: pa.DataType) -> str:
    if typ == _MAP:
        return "Map"
    if pa.types.is_decimal(typ):
        return "OptionalBigDecimal"
    if pa.types.is_timestamp(typ):
        return "DateTime"
    return "OptionalString"


_EXT = {
    "csv.gz": ("csv.gz", "GZIP", "text/csv"),
    "csv": ("csv", "NONE", "text/csv"),
    "parquet": ("snappy.parquet", "Parquet", "Parquet"),
}


def generate_cur_month(
    out_dir: Path,
    month: str = "2026-10",
    *,
    flavour: Flavour = "legacy",
    file_format: FileFormat = "csv.gz",
    seed: int = 7,
    restated: bool = True,
    report_name: str = "cloudcarbon-demo",
) -> CurDelivery:
    """Write one synthetic month of AWS CUR data laid out like an S3 delivery.

    Parameters
    ----------
    out_dir
        Folder standing in for the S3 bucket root; created if missing. An existing
        ``<out_dir>/<report_name>`` folder is removed first.
    month
        Billing period as ``YYYY-MM``.
    flavour
        ``"legacy"`` (``lineItem/UsageType`` headers, assembly folders) or ``"cur2"`` (Data Exports
        snake_case columns with ``product`` / ``resource_tags`` maps, ``BILLING_PERIOD=`` folders).
    file_format
        ``"csv.gz"``, ``"csv"`` or ``"parquet"``.
    seed
        Seed for everything random (ids, spot prices, usage jitter); same seed, same bytes.
    restated
        When true, also write an older preliminary delivery that the manifest no longer points at.
    report_name
        Legacy report name / CUR 2.0 export name.

    Returns
    -------
    CurDelivery
        Paths, row count, exact billed cost and line-item-type counts of the newest delivery.
    """
    out_dir = Path(out_dir)
    root = out_dir / report_name
    if root.exists():
        shutil.rmtree(root)
    start, end, days = _month_bounds(month)
    rng = random.Random(f"cloudcarbon-synthetic:{seed}:{month}:{flavour}")
    report_id = _uuid(rng)
    deliveries: list[tuple[str, list[_Line]]] = []
    if restated:
        deliveries.append((_uuid(rng), _build_lines(month, seed, last_day=days - 4, final=False)))
    deliveries.append((_uuid(rng), _build_lines(month, seed, last_day=days, final=True)))

    ext, compression, content_type = _EXT[file_format]
    bucket = f"{report_name}-billing"
    period = f"{start:%Y%m%d}-{end:%Y%m%d}"
    billing_period = {"start": f"{start:%Y%m%dT%H%M%S}.000Z", "end": f"{end:%Y%m%dT%H%M%S}.000Z"}
    written: list[tuple[list[Path], Path]] = []
    columns: list[str] = []
    manifest_path = root
    for assembly, lines in deliveries:
        for i, ln in enumerate(lines):
            ln.core["identity/LineItemId"] = _line_id(assembly, i)
        files: list[Path] = []
        if flavour == "legacy":
            columns = _legacy_columns(lines)
            number = "00001" if file_format == "parquet" else "1"
            data = root / period / assembly / f"{report_name}-{number}.{ext}"
            _write_legacy(data, lines, columns, file_format)
            manifest: dict[str, Any] = {
                "assemblyId": assembly,
                "account": _PAYER,
                "columns": [
                    {"category": c.partition("/")[0], "name": c.partition("/")[2], "type": _manifest_type(c)}
                    for c in columns
                ],
                "charset": "UTF-8",
                "compression": compression,
                "contentType": content_type,
                "reportId": report_id,
                "reportName": report_name,
                "billingPeriod": billing_period,
                "bucket": bucket,
                "reportKeys": [data.relative_to(out_dir).as_posix()],
                "additionalArtifactKeys": [],
            }
            text = json.dumps(manifest, indent=2) + "\n"
            copy = data.parent / f"{report_name}-Manifest.json"
            _write_bytes(copy, text.encode())
            manifest_path = root / period / f"{report_name}-Manifest.json"
            _write_bytes(manifest_path, text.encode())
            files = [data, copy]
            if file_format == "parquet":
                columns = [legacy_to_snake(c) for c in columns]
        else:
            columns = [n for n, _ in CUR2_COLUMNS]
            part = f"BILLING_PERIOD={start:%Y-%m}"
            data = root / "data" / part / assembly / f"{report_name}-00001.{ext}"
            _write_cur2(data, lines, file_format)
            key = data.relative_to(out_dir).as_posix()
            manifest = {
                "assemblyId": assembly,
                "executionId": assembly,
                "account": _PAYER,
                "columns": [{"name": n, "type": _cur2_manifest_type(t)} for n, t in CUR2_COLUMNS],
                "charset": "UTF-8",
                "compression": compression,
                "contentType": content_type,
                "reportId": report_id,
                "reportName": report_name,
                "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{_PAYER}:export/{report_name}-"
                + report_id[:8],
                "billingPeriod": billing_period,
                "bucket": bucket,
                "reportKeys": [key],
                "dataFiles": [f"s3://{bucket}/{key}"],
                "additionalArtifactKeys": [],
                "schema": "2",
                "timeFormat": "YYYY-MM-DDTHH:mm:ssZ",
            }
            manifest_path = root / "metadata" / part / f"{report_name}-Manifest.json"
            _write_bytes(manifest_path, (json.dumps(manifest, indent=2) + "\n").encode())
            files = [data]
        written.append((files, data))

    latest_assembly, latest_lines = deliveries[-1]
    billed = sum(
        (v for ln in latest_lines if isinstance(v := ln.core["lineItem/UnblendedCost"], Decimal)),
        Decimal(0),
    )
    counts = Counter(str(ln.core["lineItem/LineItemType"]) for ln in latest_lines)
    stale = tuple(p for files, _ in written[:-1] for p in files)
    return CurDelivery(
        root=root,
        manifest_path=manifest_path,
        data_files=(written[-1][1],),
        stale_files=stale,
        row_count=len(latest_lines),
        billed_cost=billed,
        line_item_type_counts=dict(sorted(counts.items())),
        assembly_id=latest_assembly,
        columns=tuple(columns),
    )


# --------------------------------------------------------------------------------------------------
# Large CUR 2.0 Parquet for benchmarks (vectorised, streamed)
# --------------------------------------------------------------------------------------------------

_LARGE_REGIONS: tuple[tuple[str, str, str, float], ...] = (  # code, usage-type prefix, name, factor
    ("us-east-1", "USE1", "US East (N. Virginia)", 1.00),
    ("us-east-2", "USE2", "US East (Ohio)", 1.00),
    ("us-west-1", "USW1", "US West (N. California)", 1.17),
    ("us-west-2", "USW2", "US West (Oregon)", 1.00),
    ("ca-central-1", "CAN1", "Canada (Central)", 1.11),
    ("ca-west-1", "CAW1", "Canada West (Calgary)", 1.11),
    ("sa-east-1", "SAE1", "South America (Sao Paulo)", 1.59),
    ("mx-central-1", "MXC1", "Mexico (Central)", 1.18),
    ("eu-west-1", "EU", "EU (Ireland)", 1.11),
    ("eu-west-2", "EUW2", "EU (London)", 1.16),
    ("eu-west-3", "EUW3", "EU (Paris)", 1.17),
    ("eu-central-1", "EUC1", "EU (Frankfurt)", 1.20),
    ("eu-central-2", "EUC2", "EU (Zurich)", 1.32),
    ("eu-north-1", "EUN1", "EU (Stockholm)", 1.06),
    ("eu-south-1", "EUS1", "EU (Milan)", 1.17),
    ("eu-south-2", "EUS2", "EU (Spain)", 1.11),
    ("ap-northeast-1", "APN1", "Asia Pacific (Tokyo)", 1.29),
    ("ap-northeast-2", "APN2", "Asia Pacific (Seoul)", 1.23),
    ("ap-northeast-3", "APN3", "Asia Pacific (Osaka)", 1.29),
    ("ap-southeast-1", "APS1", "Asia Pacific (Singapore)", 1.25),
    ("ap-southeast-2", "APS2", "Asia Pacific (Sydney)", 1.25),
    ("ap-south-1", "APS3", "Asia Pacific (Mumbai)", 1.05),
    ("ap-southeast-3", "APS4", "Asia Pacific (Jakarta)", 1.25),
    ("ap-south-2", "APS5", "Asia Pacific (Hyderabad)", 1.05),
    ("ap-southeast-4", "APS6", "Asia Pacific (Melbourne)", 1.25),
    ("ap-east-1", "APE1", "Asia Pacific (Hong Kong)", 1.38),
    ("me-south-1", "MES1", "Middle East (Bahrain)", 1.22),
    ("me-central-1", "MEC1", "Middle East (UAE)", 1.22),
    ("il-central-1", "ILC1", "Israel (Tel Aviv)", 1.23),
    ("af-south-1", "AFS1", "Africa (Cape Town)", 1.33),
)

# family -> (instanceFamily, GiB per vCPU, $ per vCPU-hour in us-east-1, processor, gpu per 4 vCPU)
_FAMILIES: dict[str, tuple[str, float, float, str, float]] = {
    "m5": ("General purpose", 4, 0.048, "Intel Xeon Platinum 8175", 0),
    "m5a": ("General purpose", 4, 0.043, "AMD EPYC 7571", 0),
    "m5d": ("General purpose", 4, 0.0565, "Intel Xeon Platinum 8175", 0),
    "m5n": ("General purpose", 4, 0.0595, "Intel Xeon Platinum 8259 (Cascade Lake)", 0),
    "m6g": ("General purpose", 4, 0.0385, "AWS Graviton2 Processor", 0),
    "m6gd": ("General purpose", 4, 0.0452, "AWS Graviton2 Processor", 0),
    "m6i": ("General purpose", 4, 0.048, "Intel Xeon 8375C (Ice Lake)", 0),
    "m6id": ("General purpose", 4, 0.0593, "Intel Xeon 8375C (Ice Lake)", 0),
    "m6a": ("General purpose", 4, 0.0432, "AMD EPYC 7R13 Processor", 0),
    "m7i": ("General purpose", 4, 0.0504, "Intel Xeon Scalable (Sapphire Rapids)", 0),
    "m7g": ("General purpose", 4, 0.0408, "AWS Graviton3 Processor", 0),
    "m7a": ("General purpose", 4, 0.05796, "AMD EPYC 9R14 Processor", 0),
    "c5": ("Compute optimized", 2, 0.0425, "Intel Xeon Platinum 8124M", 0),
    "c5a": ("Compute optimized", 2, 0.0385, "AMD EPYC 7R32", 0),
    "c5d": ("Compute optimized", 2, 0.048, "Intel Xeon Platinum 8124M", 0),
    "c5n": ("Compute optimized", 2.625, 0.054, "Intel Xeon Platinum 8124M", 0),
    "c6g": ("Compute optimized", 2, 0.034, "AWS Graviton2 Processor", 0),
    "c6gn": ("Compute optimized", 2, 0.0432, "AWS Graviton2 Processor", 0),
    "c6i": ("Compute optimized", 2, 0.0425, "Intel Xeon 8375C (Ice Lake)", 0),
    "c6id": ("Compute optimized", 2, 0.0504, "Intel Xeon 8375C (Ice Lake)", 0),
    "c6a": ("Compute optimized", 2, 0.0383, "AMD EPYC 7R13 Processor", 0),
    "c7g": ("Compute optimized", 2, 0.03625, "AWS Graviton3 Processor", 0),
    "c7i": ("Compute optimized", 2, 0.04463, "Intel Xeon Scalable (Sapphire Rapids)", 0),
    "c7a": ("Compute optimized", 2, 0.05133, "AMD EPYC 9R14 Processor", 0),
    "r5": ("Memory optimized", 8, 0.063, "Intel Xeon Platinum 8175", 0),
    "r5a": ("Memory optimized", 8, 0.0565, "AMD EPYC 7571", 0),
    "r5d": ("Memory optimized", 8, 0.072, "Intel Xeon Platinum 8175", 0),
    "r5n": ("Memory optimized", 8, 0.0745, "Intel Xeon Platinum 8259 (Cascade Lake)", 0),
    "r6g": ("Memory optimized", 8, 0.0504, "AWS Graviton2 Processor", 0),
    "r6i": ("Memory optimized", 8, 0.063, "Intel Xeon 8375C (Ice Lake)", 0),
    "r6id": ("Memory optimized", 8, 0.0756, "Intel Xeon 8375C (Ice Lake)", 0),
    "r6a": ("Memory optimized", 8, 0.0567, "AMD EPYC 7R13 Processor", 0),
    "r7g": ("Memory optimized", 8, 0.05355, "AWS Graviton3 Processor", 0),
    "r7i": ("Memory optimized", 8, 0.06615, "Intel Xeon Scalable (Sapphire Rapids)", 0),
    "r7a": ("Memory optimized", 8, 0.07607, "AMD EPYC 9R14 Processor", 0),
    "t3": ("General purpose", 4, 0.0208, "Intel Skylake E5 2686 v5", 0),
    "t3a": ("General purpose", 4, 0.0188, "AMD EPYC 7571", 0),
    "t4g": ("General purpose", 4, 0.0168, "AWS Graviton2 Processor", 0),
    "i3": ("Storage optimized", 7.625, 0.078, "Intel Xeon E5-2686 v4 (Broadwell)", 0),
    "i4i": ("Storage optimized", 8, 0.0858, "Intel Xeon 8375C (Ice Lake)", 0),
    "d3": ("Storage optimized", 8, 0.1248, "Intel Xeon Platinum 8259 (Cascade Lake)", 0),
    "x2idn": ("Memory optimized", 16, 0.1667, "Intel Xeon 8375C (Ice Lake)", 0),
    "z1d": ("Memory optimized", 8, 0.093, "Intel Xeon Platinum 8151", 0),
    "g4dn": ("GPU instance", 4, 0.1315, "Intel Xeon Family", 0.25),
    "g5": ("GPU instance", 4, 0.2515, "AMD EPYC 7R32", 0.25),
    "g6": ("GPU instance", 4, 0.201, "AMD EPYC 7R13 Processor", 0.25),
    "p3": ("GPU instance", 7.625, 0.3825, "Intel Xeon E5-2686 v4 (Broadwell)", 0.5),
    "p4d": ("GPU instance", 12, 0.3414, "Intel Xeon Platinum 8275L", 0.333),
    "p5": ("GPU instance", 10.667, 0.5119, "AMD EPYC 7R13 Processor", 0.333),
    "inf2": ("Machine Learning ASIC Instances", 4, 0.1896, "AMD EPYC 7R13 Processor", 0),
    "trn1": ("Machine Learning ASIC Instances", 4, 0.2093, "Intel Xeon 8375C (Ice Lake)", 0),
}
_SIZES: tuple[tuple[str, int], ...] = (
    ("medium", 1),
    ("large", 2),
    ("xlarge", 4),
    ("2xlarge", 8),
    ("4xlarge", 16),
    ("8xlarge", 32),
    ("12xlarge", 48),
    ("16xlarge", 64),
    ("24xlarge", 96),
    ("32xlarge", 128),
    ("48xlarge", 192),
    ("metal", 96),
)
_GPU_MEM = {"g4dn": 16, "g5": 24, "g6": 24, "p3": 16, "p4d": 40, "p5": 80}


def _instance_catalogue() -> list[tuple[str, str, int, float, str, int, int, float]]:
    """About 500 plausible instance types.

    Each entry is (name, family label, vcpu, GiB, cpu, gpus, GPU GB, $/h in us-east-1).
    """
    out: list[tuple[str, str, int, float, str, int, int, float]] = []
    for fam, (label, gib, price, cpu, gpu_ratio) in _FAMILIES.items():
        for size, vcpu in _SIZES:
            if size == "medium" and not fam.startswith(("t", "m6g", "c6g", "m7g", "c7g")):
                continue
            if fam in {"p4d", "p5"} and size not in {"24xlarge", "48xlarge"}:
                continue
            gpus = round(vcpu * gpu_ratio / 4) if gpu_ratio else 0
            if fam in {"p4d"}:
                gpus = 8
            out.append(
                (
                    f"{fam}.{size}",
                    label,
                    vcpu,
                    vcpu * gib,
                    cpu,
                    gpus,
                    gpus * _GPU_MEM.get(fam, 0),
                    round(vcpu * price, 4),
                )
            )
    return out


# kind -> (line item type, product code, usage type body, unit, rate, amount lo, hi, prob,
#          product family, operation, resource prefix, map key group)
_K = tuple[str, str, str, str, float, float, float, float, str, str, str, str]
_LARGE_KINDS: tuple[_K, ...] = (
    ("Usage", "AmazonEC2", "BoxUsage:", "Hrs", 0, 24, 24, 0.37, "Compute Instance", "RunInstances", "i-", "ec2"),  # noqa: E501
    ("Usage", "AmazonEC2", "SpotUsage:", "Hrs", 0, 1, 24, 0.03, "Compute Instance", "RunInstances:SV001", "i-", "ec2"),  # noqa: E501
    ("DiscountedUsage", "AmazonEC2", "BoxUsage:", "Hrs", 0, 24, 24, 0.06, "Compute Instance", "RunInstances", "i-", "ec2"),  # noqa: E501
    ("SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:", "Hrs", 0, 24, 24, 0.065, "Compute Instance", "RunInstances", "i-", "ec2"),  # noqa: E501
    ("SavingsPlanNegation", "AmazonEC2", "BoxUsage:", "Hrs", 0, 24, 24, 0.065, "Compute Instance", "RunInstances", "i-", "ec2"),  # noqa: E501
    ("Usage", "AmazonEC2", "EBS:VolumeUsage.gp3", "GB-Mo", 0.08, 0.5, 70, 0.05, "Storage", "CreateVolume-Gp3", "vol-", "ebs"),  # noqa: E501
    ("Usage", "AmazonEC2", "EBS:VolumeUsage.gp2", "GB-Mo", 0.10, 0.5, 70, 0.02, "Storage", "CreateVolume-Gp2", "vol-", "ebs"),  # noqa: E501
    ("Usage", "AmazonEC2", "EBS:VolumeUsage.st1", "GB-Mo", 0.045, 16, 500, 0.01, "Storage", "CreateVolume-St1", "vol-", "ebs"),  # noqa: E501
    ("Usage", "AmazonEC2", "EBS:SnapshotUsage", "GB-Mo", 0.05, 1, 300, 0.02, "Storage Snapshot", "CreateSnapshot", "snap-", "ebs"),  # noqa: E501
    ("Usage", "AmazonS3", "TimedStorage-ByteHrs", "GB-Mo", 0.023, 1, 5000, 0.04, "Storage", "StandardStorage", "bucket-", "s3"),  # noqa: E501
    ("Usage", "AmazonS3", "TimedStorage-ZIA-ByteHrs", "GB-Mo", 0.01, 1, 2000, 0.01, "Storage", "OneZoneIAStorage", "bucket-", "s3"),  # noqa: E501
    ("Usage", "AmazonS3", "Requests-Tier1", "Requests", 0.000005, 100, 2_000_000, 0.03, "API Request", "PutObject", "bucket-", "s3"),  # noqa: E501
    ("Usage", "AmazonEC2", "DataTransfer-Out-Bytes", "GB", 0.09, 0.01, 500, 0.03, "Data Transfer", "RunInstances", "i-", "dt"),  # noqa: E501
    ("Usage", "AmazonEC2", "AWS-Out-Bytes", "GB", 0.02, 0.01, 300, 0.02, "Data Transfer", "RunInstances", "i-", "dt"),  # noqa: E501
    ("Usage", "AmazonEC2", "DataTransfer-Regional-Bytes", "GB", 0.01, 0.01, 800, 0.02, "Data Transfer", "InterZone-Out", "i-", "dt"),  # noqa: E501
    ("Usage", "AWSLambda", "Lambda-GB-Second", "Lambda-GB-Second", 0.0000166667, 10, 900_000, 0.02, "Serverless", "Invoke", "fn-", "basic"),  # noqa: E501
    ("Usage", "AmazonECS", "Fargate-vCPU-Hours:perCPU", "vCPU-Hours", 0.04048, 0.25, 384, 0.02, "Compute", "FargateTask", "task-", "basic"),  # noqa: E501
    ("Usage", "AmazonRDS", "InstanceUsage:db.r5.large", "Hrs", 0.25, 24, 24, 0.02, "Database Instance", "CreateDBInstance:0002", "db-", "basic"),  # noqa: E501
    ("Usage", "AmazonEC2", "NatGateway-Hours", "Hrs", 0.045, 24, 24, 0.01, "NAT Gateway", "NatGateway", "nat-", "basic"),  # noqa: E501
    ("Tax", "AmazonEC2", "", "", 0, 1, 1, 0.025, "", "", "", "none"),
    ("Credit", "AmazonEC2", "", "", 0, 1, 1, 0.015, "", "", "", "none"),
    ("Fee", "AWSSupportBusiness", "Dollar", "Dollar", 0, 1, 1, 0.01, "", "", "", "none"),
    ("Refund", "AmazonEC2", "", "", 0, 1, 1, 0.005, "", "", "", "none"),
    ("EdpDiscount", "AmazonEC2", "", "", 0, 1, 1, 0.02, "", "", "", "none"),
    ("SavingsPlanRecurringFee", "ComputeSavingsPlans", "ComputeSP:1yrNoUpfront", "Hrs", 0, 24, 24, 0.01, "", "", "", "none"),  # noqa: E501
    ("RIFee", "AmazonEC2", "HeavyUsage:", "Hrs", 0, 720, 744, 0.005, "", "RunInstances", "", "none"),
)  # fmt: skip
_K_SP, _K_NEG = 3, 4
_INSTANCE_KINDS = (0, 1, 2, 3, 4, 25)
_GLOBAL_KINDS = (19, 20, 21, 22, 23, 24)
_MAP_KEYS = (
    "product_name",
    "servicename",
    "region",
    "vcpu",
    "memory",
    "gpu",
    "gpu_memory",
    "physical_processor",
    "processor_architecture",
    "operating_system",
    "tenancy",
    "storage_class",
    "volume_api_name",
    "transfer_type",
)


def _const(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def _s(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, type=pa.string())


def _take(vocab: pa.Array, idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """``vocab[idx]``; rows where ``null`` is true become null without copying any string data."""
    return vocab.take(pa.array(idx, mask=null))


def _dict(vocab: pa.Array, idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Dictionary-encoded ``vocab[idx]`` (4 bytes a row in memory; written as plain STRING)."""
    if vocab.null_count:
        invalid = vocab.is_null().to_numpy(zero_copy_only=False)[idx]
        null = invalid if null is None else (null | invalid)
        vocab = vocab.fill_null("")
    indices = pa.array(idx.astype(np.int32), type=pa.int32(), mask=null)
    return pa.DictionaryArray.from_arrays(indices, vocab)


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    import pyarrow.compute as pc

    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


def _decimal(values: np.ndarray, typ: pa.DataType, null: np.ndarray | None = None) -> pa.Array:
    unscaled = np.rint(values * 1e10).astype(np.int64)
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = unscaled >> 63
    arr = pa.Array.from_buffers(typ, len(unscaled), [None, pa.py_buffer(words.tobytes())])
    return arr if null is None else _null_where(arr, null)


def _fixed_strings(chars: np.ndarray) -> pa.Array:
    n, width = chars.shape
    offsets = (np.arange(n + 1, dtype=np.int32) * width).tobytes()
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes())])


def _map_array(mask: np.ndarray, keys: pa.Array, values: Sequence[pa.Array]) -> pa.Array:
    n = mask.shape[0]
    rows, cols = np.nonzero(mask)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(mask.sum(axis=1), out=offsets[1:])
    if values:
        flat = pa.concat_arrays([v.cast(pa.string()) for v in values])
        items = flat.take(pa.array(cols.astype(np.int64) * n + rows))
    else:
        items = pa.array([], type=pa.string())
    return pa.MapArray.from_arrays(pa.array(offsets), keys.take(pa.array(cols)), items, type=_MAP)


class _LargeCatalogue:
    """Static vocabularies for :func:`generate_large_cur_parquet` (built once per call)."""

    def __init__(self, month: str, seed: int) -> None:
        self.seed = seed
        rng = np.random.default_rng([seed, 99])
        self.start, self.end, self.days = _month_bounds(month)
        self.types = _instance_catalogue()
        self.regions = _LARGE_REGIONS
        t_count, r_count = len(self.types), len(self.regions)
        ids = rng.choice(10**12, size=200, replace=False)
        ids[:20] %= 10**11  # some ids with leading zeros
        self.accounts = [f"{int(v):012d}" for v in ids]
        self.projects = [f"project-{i:02d}" for i in range(40)]
        self.teams = [
            "payments",
            "discovery",
            "ml-research",
            "data-eng",
            "platform",
            "security",
            "mobile",
            "growth",
            "finance-it",
            "sre",
            "analytics",
            "web",
        ]
        # resource slots: each slot is one resource with a fixed account / region / type / tags
        self.n_slots = 60_000
        self.slot_account = rng.integers(0, 200, self.n_slots)
        weights = np.array(
            [6.0 if r[0] in {"us-east-1", "us-west-2", "eu-west-1"} else 1.0 for r in self.regions]
        )
        self.slot_region = rng.choice(r_count, self.n_slots, p=weights / weights.sum())
        self.slot_type = rng.integers(0, t_count, self.n_slots)
        self.slot_project = np.where(rng.random(self.n_slots) < 0.076, -1, rng.integers(0, 40, self.n_slots))
        self.slot_team = np.where(
            rng.random(self.n_slots) < 0.12, -1, rng.integers(0, len(self.teams), self.n_slots)
        )
        self.slot_az = rng.integers(0, 3, self.n_slots)
        self.slot_hex = rng.integers(0, 16, (self.n_slots, 17), dtype=np.uint8)
        self.price = np.array([t[7] for t in self.types])
        self.factor = np.array([r[3] for r in self.regions])
        self.nf = np.array([{1: 2, 2: 4, 4: 8}.get(t[2], 2 * t[2]) for t in self.types], dtype=np.float64)
        prefix = [("" if r[0] == "us-east-1" else r[1] + "-") for r in self.regions]
        always = [r[1] + "-" for r in self.regions]
        pair = [f"{a[1]}-{b[1]}-" for a in self.regions for b in self.regions]
        self.prefix = _s([*prefix, *always, *pair, ""])
        self.n_regions = r_count
        self.region_code = _s([r[0] for r in self.regions])
        self.region_name = _s([r[2] for r in self.regions])
        self.az = _s([f"{r[0]}{c}" for r in self.regions for c in "abc"])
        self.type_name = _s([t[0] for t in self.types])
        self.type_family = _s([t[1] for t in self.types])
        self.type_vcpu = _s([str(t[2]) for t in self.types])
        self.type_mem = _s([f"{t[3]:g} GiB" for t in self.types])
        self.type_cpu = _s([t[4] for t in self.types])
        self.type_gpu = _s([str(t[5]) if t[5] else None for t in self.types])
        self.type_gpu_mem = _s([f"{t[6]} GB" if t[5] else None for t in self.types])
        self.type_has_gpu = np.array([t[5] > 0 for t in self.types])
        kinds = _LARGE_KINDS
        self.k_lit = _s([k[0] for k in kinds])
        self.k_code = _s([k[1] for k in kinds])
        self.k_body = _s([k[2] for k in kinds])
        self.k_unit = _s([k[3] or None for k in kinds])
        self.k_family = _s([k[8] or None for k in kinds])
        self.k_op = _s([k[9] or None for k in kinds])
        self.k_product = _s([_PRODUCTS.get(k[1], ("Amazon " + k[1], ""))[0] for k in kinds])
        self.k_service = _s(
            [("AWS Data Transfer" if k[11] == "dt" else _PRODUCTS.get(k[1], ("", ""))[1]) for k in kinds]
        )
        self.k_servicecode = _s([("AWSDataTransfer" if k[11] == "dt" else k[1]) for k in kinds])
        self.k_rate = np.array([k[4] for k in kinds])
        self.k_lo = np.array([k[5] for k in kinds])
        self.k_hi = np.array([k[6] for k in kinds])
        self.k_group = [k[11] for k in kinds]
        self.k_is_inst = np.isin(np.arange(len(kinds)), _INSTANCE_KINDS)
        self.k_is_global = np.isin(np.arange(len(kinds)), _GLOBAL_KINDS)
        self.k_prefix_mode = np.array(
            [
                2 if k[2] == "AWS-Out-Bytes" else 1 if k[1] == "AmazonECS" else 3 if i in _GLOBAL_KINDS else 0
                for i, k in enumerate(kinds)
            ]
        )
        res_prefixes = sorted({k[10] for k in kinds if k[10]})
        self.k_res = np.array([res_prefixes.index(k[10]) if k[10] else -1 for k in kinds])
        self.res_prefix = _s(res_prefixes)
        desc_kind = {
            0: "per On Demand Linux",
            1: "per Linux/UNIX Spot Instance-hour for",
            2: "reserved instance applied",
            3: "per On Demand Linux",
            4: "SavingsPlanNegation",
            25: "hourly fee per Linux/UNIX (Amazon VPC),",
        }
        desc: list[str] = []
        for k in range(len(kinds)):
            if k in desc_kind:
                for t in self.types:
                    if k == 2:
                        desc.append(f"USD 0.0 per Linux/UNIX (Amazon VPC), {t[0]} {desc_kind[k]}")
                    elif k == 4:
                        desc.append(f"SavingsPlanNegation used by UsageType BoxUsage:{t[0]}")
                    else:
                        desc.append(f"${t[7]:g} {desc_kind[k]} {t[0]} Instance Hour")
            else:
                desc.extend(
                    [
                        {
                            19: "Tax for product code AmazonEC2",
                            20: "AWS Credits - Promotional",
                            21: "AWS Support (Business) charges",
                            22: "Refund for service issue",
                            23: "Enterprise Program Discount",
                            24: "1 year No Upfront Compute Savings Plan",
                        }.get(k, f"{kinds[k][2]} {kinds[k][3]} at ${kinds[k][4]:g}")
                    ]
                    * t_count
                )
        self.desc = _s(desc)
        self.n_types = t_count
        self.sku = _s([_sku(str(i)) for i in range(len(kinds) * r_count)])
        self.accounts_arr = _s(self.accounts)
        self.account_names = _s([f"acct-{i:03d}" for i in range(200)])
        self.ri_arn = _s(
            [
                f"arn:aws:ec2:us-east-1:{a}:reserved-instances/{uuid.UUID(int=i * 7919 + seed, version=4)}"
                for i, a in enumerate(self.accounts)
            ]
        )
        self.sp_arn = _s(
            [
                f"arn:aws:savingsplans::{a}:savingsplan/{uuid.UUID(int=i * 104729 + seed, version=4)}"
                for i, a in enumerate(self.accounts)
            ]
        )
        self.projects_arr = _s(self.projects)
        self.teams_arr = _s(self.teams)
        days = [self.start + timedelta(days=i) for i in range(self.days + 1)]
        self.intervals = _s(
            [f"{a:%Y-%m-%dT%H:%M:%SZ}/{b:%Y-%m-%dT%H:%M:%SZ}" for a, b in itertools.pairwise(days)]
            + [f"{self.start:%Y-%m-%dT%H:%M:%SZ}/{self.end:%Y-%m-%dT%H:%M:%SZ}"]
        )
        self.probs = np.array([k[7] for k in kinds])
        self.probs /= self.probs.sum()


def _large_chunk(
    cat: _LargeCatalogue, n: int, rng: np.random.Generator, offset: int, *, fixed_resources: bool = False
) -> pa.Table:
    import pyarrow.compute as pc

    kinds_n = len(_LARGE_KINDS)
    # ---- drivers: kinds; every SavingsPlanCoveredUsage row gets a mirrored Negation row ----
    probs = cat.probs.copy()
    p_pair = probs[_K_SP] + probs[_K_NEG]
    n_pairs = round(n * p_pair / 2)
    probs[_K_SP] = probs[_K_NEG] = 0.0
    probs /= probs.sum()
    if fixed_resources:
        # each resource (slot) keeps one usage kind all month, as a real resource does
        base_slot = rng.integers(0, cat.n_slots, n - 2 * n_pairs)
        slot_kind = np.random.default_rng(cat.seed).choice(kinds_n, size=cat.n_slots, p=probs)
        base_kind = slot_kind[base_slot]
    else:
        base_kind = rng.choice(kinds_n, size=n - 2 * n_pairs, p=probs)
    kind = np.concatenate([base_kind, np.full(n_pairs, _K_SP)])
    m = len(kind)
    slot = rng.integers(0, cat.n_slots, m)
    if fixed_resources:
        slot[: len(base_slot)] = base_slot
    day = rng.integers(0, cat.days, m)
    u = rng.random(m)
    lo, hi = cat.k_lo[kind], cat.k_hi[kind]
    amount = np.round(lo + (hi - lo) * u, 4)
    amount = np.where((kind == 1) & (u > 0.4), 24.0, amount)  # most spot instances run all day
    itype = cat.slot_type[slot]
    region = cat.slot_region[slot]
    od_rate = np.where(cat.k_is_inst[kind], cat.price[itype], cat.k_rate[kind])
    od_rate = np.round(od_rate * cat.factor[region], 8)
    rate = np.where(kind == 1, np.round(od_rate * (0.3 + 0.12 * u), 8), od_rate)
    rate = np.where(kind == 2, 0.0, rate)
    rate = np.where(kind == 25, np.round(od_rate * 0.62, 8), rate)
    rate = np.where(kind == 24, np.round(0.5 + 20 * u, 2), rate)
    cost = np.round(rate * amount, 10)
    monthly = cat.k_is_global[kind] & (kind != 24)
    fixed = np.round(1 + 499 * u, 2)
    sign = np.where(np.isin(kind, (20, 22, 23)), -1.0, 1.0)
    cost = np.where(monthly, sign * fixed, cost)
    rate = np.where(monthly, np.nan, rate)
    amount = np.where(kind == 25, np.round(744.0 * (1 + (u > 0.5)), 4), amount)
    cost = np.where(kind == 25, np.round(rate * amount, 10), cost)
    # negation rows mirror the covered rows
    cov = np.arange(m - n_pairs, m)
    order = np.concatenate([np.arange(m - n_pairs), np.column_stack([cov, cov]).ravel()])
    kind, slot, day, amount, rate, od_rate, cost, itype, region = (
        a[order] for a in (kind, slot, day, amount, rate, od_rate, cost, itype, region)
    )
    neg = np.zeros(n, dtype=bool)
    neg[m - n_pairs :][1::2] = True
    kind = np.where(neg, _K_NEG, kind)
    cost = np.where(neg, -cost, cost)
    rate = np.where(neg, -rate, rate)
    perm = rng.permutation(n)
    kind, slot, day, amount, rate, od_rate, cost, itype, region, neg = (
        a[perm] for a in (kind, slot, day, amount, rate, od_rate, cost, itype, region, neg)
    )
    acct = cat.slot_account[slot]
    inst = cat.k_is_inst[kind]
    glob = cat.k_is_global[kind]
    usage = ~glob & (kind != _K_NEG)
    regional = ~glob

    # ---- columns ----
    ids = rng.integers(0, 32, (n, 52), dtype=np.uint8)
    alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)
    ms0 = int(cat.start.timestamp() * 1000)
    ms_end = int(cat.end.timestamp() * 1000)
    start_ms = np.where(glob, ms0, ms0 + day.astype(np.int64) * 86_400_000)
    end_ms = np.where(glob, ms_end, start_ms + 86_400_000)
    day_idx = np.where(glob, cat.days, day)
    pmode = cat.k_prefix_mode[kind]
    dest = (region + 1 + slot % (cat.n_regions - 1)) % cat.n_regions
    r_n = cat.n_regions
    prefix_idx = np.select(
        [pmode == 0, pmode == 1, pmode == 2],
        [region, r_n + region, 2 * r_n + region * r_n + dest],
        default=2 * r_n + r_n * r_n,
    )
    tail = _take(cat.type_name, itype, ~inst)
    tail = pc.fill_null(tail, "")
    usage_type = pc.binary_join_element_wise(_take(cat.prefix, prefix_idx), _take(cat.k_body, kind), tail, "")
    usage_type = _null_where(usage_type, np.isin(kind, (19, 20, 22, 23)))
    hexchars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[cat.slot_hex[slot]]
    res_kind = cat.k_res[kind]
    resource = pc.binary_join_element_wise(
        _take(cat.res_prefix, np.maximum(res_kind, 0)), _fixed_strings(hexchars), ""
    )
    resource = _null_where(resource, res_kind < 0)
    az_idx = region * 3 + cat.slot_az[slot]
    tax = kind == 19
    ebs_or_inst = inst | np.isin(kind, (5, 6, 7))

    def ts(values: np.ndarray) -> pa.Array:
        return pa.array(values.astype(np.int64), type=_TS)

    region_code = _take(cat.region_code, region, glob)
    sku = _take(cat.sku, kind * r_n + region, glob)
    nf = np.where(inst, cat.nf[itype], np.nan)
    dt = np.isin(kind, (12, 13, 14))
    sp_rate = np.round(od_rate * 0.72, 8)
    sp_cols = (kind == _K_SP) | neg
    ri_eff = np.round(od_rate * 0.62 * amount, 10)

    # product map
    mask = np.zeros((n, len(_MAP_KEYS)), dtype=bool)
    mask[:, 0] = True
    mask[:, 1] = ~glob
    mask[:, 2] = regional
    for j in range(3, 11):
        mask[:, j] = inst & (kind != 25)
    mask[:, 5] &= cat.type_has_gpu[itype]
    mask[:, 6] &= cat.type_has_gpu[itype]
    mask[:, 11] = np.isin(kind, (9, 10))
    mask[:, 12] = np.isin(kind, (5, 6, 7))
    mask[:, 13] = dt
    const = {"processor_architecture": "64-bit", "operating_system": "Linux", "tenancy": "Shared"}
    kind_vals = {
        "storage_class": _s(["General Purpose" if i == 9 else "Infrequent Access" for i in range(kinds_n)]),
        "volume_api_name": _s([_LARGE_KINDS[i][2].rpartition(".")[2] for i in range(kinds_n)]),
        "transfer_type": _s(
            [
                "AWS Outbound" if i == 12 else "InterRegion Outbound" if i == 13 else "IntraRegion"
                for i in range(kinds_n)
            ]
        ),
    }
    values: list[pa.Array] = [
        _take(cat.k_product, kind),
        _take(cat.k_service, kind),
        _take(cat.region_code, region),
        _take(cat.type_vcpu, itype),
        _take(cat.type_mem, itype),
        _take(cat.type_gpu, itype),
        _take(cat.type_gpu_mem, itype),
        _take(cat.type_cpu, itype),
    ]
    values += [_const(const[k], n) if k in const else _take(kind_vals[k], kind) for k in _MAP_KEYS[8:]]
    product = _map_array(mask, _s(list(_MAP_KEYS)), values)
    proj = cat.slot_project[slot]
    team = cat.slot_team[slot]
    tag_mask = np.column_stack([(proj >= 0) & ~glob, (team >= 0) & ~glob])
    tags = _map_array(
        tag_mask,
        _s(["user_project", "user_team"]),
        [_take(cat.projects_arr, np.maximum(proj, 0)), _take(cat.teams_arr, np.maximum(team, 0))],
    )
    empty = np.zeros((n, 0), dtype=bool)
    zeros = np.zeros(n, dtype=np.int32)
    no_rate = np.isnan(rate)
    nan_to_0 = np.nan_to_num
    from_loc = _take(cat.region_name, region, ~dt)
    to_loc = _take(cat.region_name, dest, ~np.isin(kind, (13, 14)))
    lit = _take(cat.k_lit, kind)
    term = pc.if_else(pa.array(kind == 1), "Spot", pc.if_else(pa.array(kind == 2), "Reserved", "OnDemand"))
    cols: dict[str, pa.Array] = {
        "identity_line_item_id": _fixed_strings(alphabet[ids]),
        "identity_time_interval": _dict(cat.intervals, day_idx),
        "bill_invoice_id": _dict(_s([f"{cat.start:%Y%m}7781"]), zeros),
        "bill_invoicing_entity": _dict(_s([_LEGAL_ENTITY]), zeros),
        "bill_billing_entity": _dict(_s(["AWS"]), zeros),
        "bill_bill_type": pc.if_else(pa.array(kind == 22), "Refund", "Anniversary"),
        "bill_payer_account_id": _dict(_s([_PAYER]), zeros),
        "bill_payer_account_name": _dict(_s([_PAYER_NAME]), zeros),
        "bill_billing_period_start_date": ts(np.full(n, ms0)),
        "bill_billing_period_end_date": ts(np.full(n, ms_end)),
        "line_item_usage_account_id": _dict(cat.accounts_arr, acct),
        "line_item_usage_account_name": _dict(cat.account_names, acct),
        "line_item_line_item_type": lit,
        "line_item_usage_start_date": ts(start_ms),
        "line_item_usage_end_date": ts(end_ms),
        "line_item_product_code": _dict(cat.k_code, kind),
        "line_item_usage_type": usage_type,
        "line_item_operation": _dict(cat.k_op, kind),
        "line_item_availability_zone": _dict(cat.az, az_idx, ~ebs_or_inst | (kind == 25)),
        "line_item_resource_id": resource,
        "line_item_usage_amount": _decimal(amount, _AMOUNT),
        "line_item_normalization_factor": _decimal(nan_to_0(nf), _AMOUNT, ~inst),
        "line_item_normalized_usage_amount": _decimal(nan_to_0(nf * amount), _AMOUNT, ~inst),
        "line_item_currency_code": _dict(_s(["USD"]), zeros),
        "line_item_unblended_rate": _decimal(nan_to_0(rate), _MONEY, no_rate),
        "line_item_unblended_cost": _decimal(cost, _MONEY),
        "line_item_blended_rate": _decimal(nan_to_0(rate), _MONEY, no_rate),
        "line_item_blended_cost": _decimal(np.where(kind == 2, ri_eff, cost), _MONEY),
        "line_item_line_item_description": _dict(cat.desc, kind * cat.n_types + itype),
        "line_item_tax_type": _dict(_s(["Sales Tax"]), zeros, ~tax),
        "line_item_legal_entity": _dict(_s([_LEGAL_ENTITY]), zeros),
        "product": product,
        "product_fee_code": pa.nulls(n, pa.string()),
        "product_fee_description": pa.nulls(n, pa.string()),
        "product_from_location": from_loc,
        "product_from_region_code": _dict(cat.region_code, region, ~dt),
        "product_instance_family": _dict(cat.type_family, itype, ~inst),
        "product_instance_type": _dict(cat.type_name, itype, ~inst),
        "product_location": _dict(cat.region_name, region, glob),
        "product_location_type": _dict(_s(["AWS Region"]), zeros, glob),
        "product_operation": _dict(cat.k_op, kind, glob),
        "product_product_family": _dict(cat.k_family, kind),
        "product_region_code": region_code,
        "product_servicecode": _dict(cat.k_servicecode, kind),
        "product_sku": sku,
        "product_to_location": to_loc,
        "product_to_region_code": _dict(cat.region_code, dest, kind != 13),
        "product_usagetype": _null_where(usage_type, glob),
        "pricing_currency": _dict(_s(["USD"]), zeros),
        "pricing_public_on_demand_cost": _decimal(np.round(od_rate * amount, 10), _MONEY, glob),
        "pricing_public_on_demand_rate": _decimal(od_rate, _MONEY, glob),
        "pricing_term": _null_where(term, glob),
        "pricing_unit": _dict(cat.k_unit, kind),
        "reservation_effective_cost": _decimal(ri_eff, _MONEY, kind != 2),
        "reservation_recurring_fee_for_usage": _decimal(ri_eff, _MONEY, kind != 2),
        "reservation_reservation_a_r_n": _dict(cat.ri_arn, acct, ~np.isin(kind, (2, 25))),
        "savings_plan_savings_plan_a_r_n": _dict(cat.sp_arn, acct, ~(sp_cols | (kind == 24))),
        "savings_plan_savings_plan_rate": _decimal(sp_rate, _MONEY, ~sp_cols),
        "savings_plan_savings_plan_effective_cost": _decimal(
            np.round(sp_rate * amount, 10), _MONEY, kind != _K_SP
        ),
        "savings_plan_used_commitment": _decimal(np.round(cost * 0.93, 10), _MONEY, kind != 24),
        "savings_plan_total_commitment_to_date": _decimal(cost, _MONEY, kind != 24),
        "resource_tags": tags,
        "cost_category": _map_array(empty, _s([]), []),
        "discount": _map_array(empty, _s([]), []),
    }
    del usage, offset
    return pa.Table.from_arrays([cols[name] for name in CUR2_SCHEMA.names], names=CUR2_SCHEMA.names)


_SUB_BATCH = 50_000


def generate_large_cur_parquet(
    path: Path,
    rows: int = 10_000_000,
    *,
    month: str = "2026-10",
    seed: int = 1,
    row_group_rows: int = 500_000,
    fixed_resources: bool = False,
) -> Path:
    """Write a large CUR 2.0 Parquet file (schema :data:`CUR2_SCHEMA`) for benchmarks.

    Rows are generated with numpy one row group at a time and streamed through
    :class:`pyarrow.parquet.ParquetWriter`, so memory stays bounded by the row-group size rather
    than by ``rows``. The data covers about 500 instance types, 30 regions and 200 linked accounts;
    about 85% of rows are usage lines (``Usage`` / ``DiscountedUsage`` /
    ``SavingsPlanCoveredUsage``: EC2, EBS, S3, data transfer, Lambda, Fargate, RDS, NAT) and the
    rest are Savings Plan negations (each paired with a covered row), taxes, credits, fees,
    refunds, EDP discounts and commitment fees. About 15% of rows carry no ``user_project`` tag.

    Parameters
    ----------
    path
        Output ``.parquet`` file; parent folders are created.
    rows
        Exact number of rows to write.
    month
        Billing period ``YYYY-MM``.
    seed
        Random seed; the same arguments give the same data.
    row_group_rows
        Rows per generated chunk / Parquet row group.
    fixed_resources
        ``False`` (adversarial): every row draws its usage kind at random, so almost every row has its
        own attribute set. ``True`` (realistic): each of the 60,000 simulated resources keeps one usage
        kind, account, region, type and tags all month, as in a real report, where the same attributes
        repeat on every hourly or daily line of a resource.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cat = _LargeCatalogue(month, seed)
    rng = np.random.default_rng(seed)
    step = max(1, int(row_group_rows))
    writer: pq.ParquetWriter | None = None
    done = 0
    try:
        while done < rows or writer is None:
            n = min(step, rows - done)
            parts = [
                _large_chunk(cat, min(_SUB_BATCH, n - i), rng, done + i, fixed_resources=fixed_resources)
                for i in range(0, n, _SUB_BATCH)
            ]
            table = pa.concat_tables(parts)
            if writer is None:
                # low-cardinality columns are dictionary arrays in memory; without the stored Arrow
                # schema they are plain STRING columns on disk, so readers see CUR2_SCHEMA
                writer = pq.ParquetWriter(path, table.schema, compression="snappy", store_schema=False)
            writer.write_table(table, row_group_size=max(n, 1))
            del parts, table
            done += n
    finally:
        if writer is not None:
            writer.close()
    return path


# --------------------------------------------------------------------------------------------------
# A large month split over many files, with its manifest, as AWS delivers it
# --------------------------------------------------------------------------------------------------

#: Legacy CUR category of each CUR 2.0 column prefix (legacy headers are ``category/Name``).
_LEGACY_CATEGORY = (
    ("identity_", "identity"),
    ("bill_", "bill"),
    ("line_item_", "lineItem"),
    ("product_", "product"),
    ("pricing_", "pricing"),
    ("reservation_", "reservation"),
    ("savings_plan_", "savingsPlan"),
)
_TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _legacy_name(column: str) -> str:
    """``line_item_usage_type`` -> ``lineItem/UsageType``; ``product_instance_type`` ->
    ``product/instanceType`` (product and pricing attributes are lower camel case in legacy headers);
    ``savings_plan_savings_plan_a_r_n`` -> ``savingsPlan/SavingsPlanARN``."""
    for prefix, category in _LEGACY_CATEGORY:
        if column.startswith(prefix):
            words = column[len(prefix) :].split("_")
            name = "".join(w[:1].upper() + w[1:] for w in words)
            if category in ("product", "pricing"):
                name = name[:1].lower() + name[1:]
            return f"{category}/{name}"
    raise ValueError(f"no legacy category for {column!r}")


def _legacy_table(table: pa.Table) -> pa.Table:
    """A CUR 2.0 chunk as legacy CSV columns: maps flattened to ``product/<attr>`` and
    ``resourceTags/user:<key>`` columns, timestamps as ``2026-10-01T00:00:00Z`` text."""
    import pyarrow.compute as pc

    def lookup(col: pa.ChunkedArray, keys: Sequence[str]) -> list[pa.Array]:
        # one pass over the flattened map for all keys (pc.map_lookup scans the map once per key)
        arr = col.combine_chunks()
        offsets = arr.offsets.to_numpy()
        first, last = int(offsets[0]), int(offsets[-1])
        parents = np.repeat(np.arange(len(arr)), np.diff(offsets))
        flat_keys = arr.keys.slice(first, last - first)
        flat_items = arr.items.slice(first, last - first)
        out = []
        for key in keys:
            hit = pc.equal(flat_keys, key).to_numpy(zero_copy_only=False)
            pos = np.full(len(arr), -1, dtype=np.int64)
            pos[parents[hit]] = np.nonzero(hit)[0]
            out.append(flat_items.take(pa.array(pos, mask=pos < 0)))
        return out

    names: list[str] = []
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for column in table.column_names:
        col = table.column(column)
        if column == "product":
            keys = [k for k in _MAP_KEYS if k != "region"]  # product_region_code is a column of its own
            names += [_legacy_name(f"product_{key}") for key in keys]
            arrays += lookup(col, keys)
        elif column == "resource_tags":
            names += ["resourceTags/user:project", "resourceTags/user:team"]
            arrays += lookup(col, ["user_project", "user_team"])
        elif column in ("cost_category", "discount"):
            continue
        else:
            if pa.types.is_timestamp(col.type):
                # few distinct instants: format each once
                coded = col.combine_chunks().dictionary_encode()
                col = pc.strftime(coded.dictionary, format=_TS_FORMAT).take(coded.indices)
            elif pa.types.is_dictionary(col.type):
                col = col.cast(pa.string())
            names.append(_legacy_name(column))
            arrays.append(col)
    return pa.Table.from_arrays(arrays, names=names)


@dataclass(frozen=True)
class SplitDelivery:
    """What :func:`generate_split_cur_month` wrote.

    Attributes
    ----------
    root
        Export (CUR 2.0) or report (legacy) folder, ``<out>/<prefix>/<name>``.
    manifest_path
        The month's manifest; its ``reportKeys`` (and, for CUR 2.0, ``dataFiles``) list every data file.
    data_files
        The data files in order (``...-00001.snappy.parquet`` or ``...-1.csv.gz`` onwards).
    row_count
        Rows written over all files.
    billed_cost
        Exact sum of the unblended cost over all rows (``line_item_unblended_cost`` /
        ``lineItem/UnblendedCost``), summed from the written columns.
    bytes_written
        Total size of the data files.
    """

    root: Path
    manifest_path: Path
    data_files: tuple[Path, ...]
    row_count: int
    billed_cost: Decimal
    bytes_written: int


def _write_split_file(job: tuple[Path, int, str, str, int, int, bool, int]) -> tuple[int, Decimal]:
    """Write one data file of :func:`generate_split_cur_month`; returns its rows and billed total.

    Each file draws from its own generator (seeded by ``seed`` and the file's index), so files can be
    written in any order or in parallel and the same arguments still give the same rows.
    """
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    path, n_file, flavour, month, seed, index, fixed_resources, chunk_rows = job
    cat = _LargeCatalogue(month, seed)
    rng = np.random.default_rng([seed, index])
    billed = Decimal(0)
    written = 0
    with contextlib.ExitStack() as closing:
        parquet: pq.ParquetWriter | None = None
        csv_writer: pacsv.CSVWriter | None = None
        while written < n_file or (parquet is None and csv_writer is None):
            n = min(chunk_rows, n_file - written)
            parts = [
                _large_chunk(cat, min(_SUB_BATCH, n - i), rng, written + i, fixed_resources=fixed_resources)
                for i in range(0, n, _SUB_BATCH)
            ]
            table = pa.concat_tables(parts) if parts else CUR2_SCHEMA.empty_table()
            total = pc.sum(table.column("line_item_unblended_cost")).as_py()
            billed += Decimal(total) if total is not None else Decimal(0)
            if flavour == "cur2":
                if parquet is None:
                    parquet = pq.ParquetWriter(path, table.schema, compression="snappy", store_schema=False)
                    closing.callback(parquet.close)
                parquet.write_table(table, row_group_size=max(n, 1))
            else:
                legacy = _legacy_table(table)
                if csv_writer is None:
                    # gzip level 1: several times faster than Arrow's default level, same format
                    gz = closing.enter_context(gzip.open(path, "wb", compresslevel=1))
                    csv_writer = pacsv.CSVWriter(pa.PythonFile(gz, mode="w"), legacy.schema)
                    closing.callback(csv_writer.close)
                csv_writer.write_table(legacy)
            written += n
            del parts, table
    return written, billed


def generate_split_cur_month(
    out_dir: Path,
    rows: int,
    *,
    files: int = 10,
    flavour: Literal["cur2", "legacy"] = "cur2",
    month: str = "2026-10",
    seed: int = 1,
    fixed_resources: bool = True,
    name: str = "cloudcarbon-large",
    prefix: str = "cur",
    chunk_rows: int = 500_000,
    workers: int = 1,
) -> SplitDelivery:
    """Write a large month split over ``files`` data files with its manifest, as AWS delivers it.

    The rows are those of :func:`generate_large_cur_parquet` (same generator; by default its realistic
    shape, ``fixed_resources=True``), made ``chunk_rows`` at a time and streamed to the files, so
    memory stays bounded by the chunk size whatever ``rows`` is. Layouts (``<out>`` plays the bucket)::

        cur2    <out>/<prefix>/<name>/data/BILLING_PERIOD=2026-10/<name>-00001.snappy.parquet ... -0000N
                <out>/<prefix>/<name>/metadata/BILLING_PERIOD=2026-10/<name>-Manifest.json
        legacy  <out>/<prefix>/<name>/20261001-20261101/<assemblyId>/<name>-1.csv.gz ... -N.csv.gz
                <out>/<prefix>/<name>/20261001-20261101/<name>-Manifest.json  (month manifest)

    CUR 2.0 files are snappy Parquet with :data:`CUR2_SCHEMA`; legacy files are gzip CSV with
    ``category/Name`` headers (the ``product`` map spread to ``product/<attr>`` columns, tags to
    ``resourceTags/user:project`` and ``resourceTags/user:team``). Rows are spread evenly: each file
    holds ``rows // files`` rows, the first ``rows % files`` one more, drawn from its own seeded
    generator; ``workers`` processes write files in parallel (same rows whatever ``workers`` is). An
    existing ``<name>`` folder is removed first.

    Returns
    -------
    SplitDelivery
        The manifest, the files, the row count and the exact billed total.
    """

    if rows < 0 or files < 1:
        raise ValueError("rows must be >= 0 and files >= 1")
    out_dir = Path(out_dir)
    root = out_dir / prefix / name
    if root.exists():
        shutil.rmtree(root)
    start, end, _ = _month_bounds(month)
    assembly = str(uuid.UUID(int=seed * 7919 + rows, version=4))
    if flavour == "cur2":
        part = f"BILLING_PERIOD={start:%Y-%m}"
        folder = root / "data" / part
        paths = [folder / f"{name}-{i:05d}.snappy.parquet" for i in range(1, files + 1)]
    else:
        period = f"{start:%Y%m%d}-{end:%Y%m%d}"
        folder = root / period / assembly
        paths = [folder / f"{name}-{i}.csv.gz" for i in range(1, files + 1)]
    folder.mkdir(parents=True, exist_ok=True)
    quota = [rows // files + (1 if i < rows % files else 0) for i in range(files)]

    jobs = [
        (path, n_file, flavour, month, seed, index, fixed_resources, chunk_rows)
        for index, (path, n_file) in enumerate(zip(paths, quota, strict=True))
    ]
    if workers > 1 and files > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            written = list(pool.map(_write_split_file, jobs))
    else:
        written = [_write_split_file(job) for job in jobs]
    done = sum(n for n, _ in written)
    billed = sum((b for _, b in written), Decimal(0))

    keys = [p.relative_to(out_dir).as_posix() for p in paths]
    bucket = f"{name}-billing"
    billing_period = {"start": f"{start:%Y%m%dT%H%M%S}.000Z", "end": f"{end:%Y%m%dT%H%M%S}.000Z"}
    manifest: dict[str, Any] = {
        "assemblyId": assembly,
        "account": _PAYER,
        "charset": "UTF-8",
        "compression": "Parquet" if flavour == "cur2" else "GZIP",
        "contentType": "Parquet" if flavour == "cur2" else "text/csv",
        "reportName": name,
        "billingPeriod": billing_period,
        "bucket": bucket,
        "reportKeys": keys,
        "additionalArtifactKeys": [],
    }
    if flavour == "cur2":
        manifest |= {
            "executionId": assembly,
            "dataFiles": [f"s3://{bucket}/{k}" for k in keys],
            "schema": "2",
            "columns": [{"name": n, "type": _cur2_manifest_type(t)} for n, t in CUR2_COLUMNS],
        }
        manifest_path = root / "metadata" / f"BILLING_PERIOD={start:%Y-%m}" / f"{name}-Manifest.json"
    else:
        manifest_path = root / f"{start:%Y%m%d}-{end:%Y%m%d}" / f"{name}-Manifest.json"
    _write_bytes(manifest_path, (json.dumps(manifest, indent=2) + "\n").encode())
    return SplitDelivery(
        root=root,
        manifest_path=manifest_path,
        data_files=tuple(paths),
        row_count=done,
        billed_cost=billed,
        bytes_written=sum(p.stat().st_size for p in paths),
    )
