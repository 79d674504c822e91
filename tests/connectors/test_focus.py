"""FOCUS connector: the contract for CSV 1.0, CSV 1.2 and Parquet, plus FOCUS-specific behaviour.

The fixtures are written by the tests, shaped like the anonymised FOCUS 1.0 sample (AWS, Microsoft and
Oracle rows; ``NULL`` written for empty values; an extra ``Id`` column) and the spec's commitment
examples. Expected values are written by hand from the rows and the treatment documented in
``cloudcarbon/connectors/focus.py``; none is copied from a run of the code.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudcarbon import estimate
from cloudcarbon.connectors import focus
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.engine import open_engine
from cloudcarbon.factors import FactorSet
from cloudcarbon.pipeline import coverage_row
from tests.connectors.contract import ConnectorContract

REL = 1e-6

# FOCUS 1.0 columns in the order of the real sample, with the anonymiser's extra ``Id`` column
FOCUS_10 = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus",
    "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "Id", "ServiceName",
    "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
]  # fmt: skip
FOCUS_12 = [
    *[c for c in FOCUS_10 if c != "Id"],
    "CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
    "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails",
    "BillingAccountType", "SubAccountType", "InvoiceId", "PricingCurrency",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
]  # fmt: skip
PREVIEW = [
    "BilledCost", "AmortizedCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart",
    "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "ChargeType", "Provider", "Publisher",
    "InvoiceIssuer", "Region", "ServiceName", "SubAccountId", "UsageQuantity", "UsageUnit",
    "ChargeDescription",
]  # fmt: skip

AWS_TAGS = '{"application": "BrightPathMatrix", "environment": "dev", "business_unit": "PeoriaData"}'


def aws_hour(
    instance: str = "g5.4xlarge",
    price: str = "1.624",
    cost: str = "1.624",
    qty: str = "1.0",
    start: str = "2026-10-27 15:00:00",
    end: str = "2026-10-27 16:00:00",
    **extra: str,
) -> dict[str, str]:
    """An AWS EC2 on-demand hour as the AWS FOCUS 1.0 export writes it (instance only in the text)."""
    return {
        "AvailabilityZone": "us-east-1b",
        "BilledCost": cost,
        "BillingAccountId": "1234567890123",
        "BillingCurrency": "USD",
        "BillingPeriodEnd": "2026-11-01 00:00:00",
        "BillingPeriodStart": "2026-10-01 00:00:00",
        "ChargeCategory": "Usage",
        "ChargeClass": "NULL",
        "ChargeDescription": f"${price} per On Demand Linux {instance} Instance Hour",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodEnd": end,
        "ChargePeriodStart": start,
        "CommitmentDiscountStatus": "NULL",
        "ConsumedQuantity": qty,
        "ConsumedUnit": "Hours",
        "PricingCategory": "Standard",
        "ProviderName": "AWS",
        "PublisherName": "Amazon Web Services, Inc.",
        "RegionId": "us-east-1",
        "RegionName": "US East (N. Virginia)",
        "ResourceId": "i-006f1e71a19b488a",
        "ResourceType": "instance",
        "ServiceCategory": "Compute",
        "Id": "1756931",
        "ServiceName": "Amazon Elastic Compute Cloud",
        "SkuId": "4GQWNPC9K2PZAY97",
        "SubAccountId": "11353890204",
        "Tags": AWS_TAGS,
        **extra,
    }


def azure_row(**extra: str) -> dict[str, str]:
    return {
        "BilledCost": "0.00001500000",
        "BillingAccountId": "/providers/Microsoft.Billing/billingAccounts/8611537",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-10-01T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": "NULL",
        "ChargeDescription": "Tiered Block Blob - LRS - List and Create Container Operations - US East",
        "ChargePeriodEnd": "2026-10-05T00:00:00Z",
        "ChargePeriodStart": "2026-10-04T00:00:00Z",
        "ConsumedQuantity": "0.0003",
        "ConsumedUnit": "Units",
        "ProviderName": "Microsoft",
        "RegionId": "eastus",
        "ServiceCategory": "Storage",
        "Id": "5201819",
        "ServiceName": "Storage Accounts",
        "SubAccountId": "/subscriptions/64e355d7-997c-491d-b0c1-8414dccfcf42",
        "Tags": '{"env": "prod", "Project": "Foo"}',
        **extra,
    }


def oracle_row(**extra: str) -> dict[str, str]:
    return {
        "BilledCost": "0.01200000000",
        "BillingAccountId": "20209880",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-10-01 00:00:00",
        "ChargeCategory": "Usage",
        "ChargeDescription": "Standard - E3 - Memory",
        "ChargePeriodEnd": "2026-10-21 18:00:00",
        "ChargePeriodStart": "2026-10-21 17:00:00",
        "ConsumedQuantity": "8.0",
        "ConsumedUnit": "GB Hours",
        "ProviderName": "Oracle",
        "RegionId": "us-sanjose-1",
        "ServiceName": "COMPUTE",
        "SubAccountId": "ocid1.tenancy.oc1..aaaa",
        **extra,
    }


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]], null: str = "NULL") -> Path:
    """A FOCUS CSV quoted like the sample, with ``null`` for every value a row does not set."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, null) for c in columns])
    return path


def write_parquet(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    """FOCUS Parquet: typed numbers and timestamps, NULLs as real nulls."""

    def val(r: dict[str, str], c: str) -> str | None:
        v = r.get(c)
        return None if v in (None, "NULL", "") else v

    arrays: dict[str, pa.Array] = {}
    for c in columns:
        values = [val(r, c) for r in rows]
        if c in ("BilledCost", "EffectiveCost"):
            arrays[c] = pa.array([None if v is None else Decimal(v) for v in values], pa.decimal128(28, 10))
        elif c == "ConsumedQuantity":
            arrays[c] = pa.array([None if v is None else float(v) for v in values], pa.float64())
        elif c.endswith(("PeriodStart", "PeriodEnd")):
            parsed = [
                None if v is None else datetime.fromisoformat(v.replace("Z", "+00:00")).replace(tzinfo=None)
                for v in values
            ]
            arrays[c] = pa.array(parsed, pa.timestamp("us", tz="UTC"))
        else:
            arrays[c] = pa.array(values, pa.string())
    pq.write_table(pa.table(arrays), path)
    return path


# --------------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------------

CONTRACT_ROWS: list[dict[str, str]] = [
    aws_hour(),
    aws_hour(
        "g3.4xlarge",
        price="1.14",
        cost="1.14",
        start="2026-10-24 02:00:00",
        end="2026-10-24 03:00:00",
        AvailabilityZone="us-east-1d",
        SkuId="SQ37ZQ2CZ2H95VDC",
    ),
    azure_row(),
    oracle_row(),
    aws_hour(
        ChargeCategory="Credit",
        ChargeDescription="AWS credit",
        BilledCost="-2.61370000000",
        ConsumedQuantity="NULL",
        ConsumedUnit="NULL",
        ServiceName="Amazon Elastic Compute Cloud",
    ),
]
# 1.624 + 1.14 + 0.000015 + 0.012 - 2.6137
CONTRACT_TOTAL = Decimal("0.162315")

_AWS = {
    "ProviderName": "aws",
    "BillingAccountId": "1234567890123",
    "SubAccountId": "11353890204",
    "billing_month": "2026-10",
    "billing_period_hours": 744.0,
    "BillingCurrency": "USD",
    "ServiceName": "AmazonEC2",
    "RegionId": "us-east-1",
}
CONTRACT_EXPECTED: list[dict[str, Any]] = [
    {
        **_AWS,
        "usage_type": "BoxUsage:g5.4xlarge",
        "instance_type": "g5.4xlarge",
        "charge_class": "usage",
        "line_item_type": "Usage",
        "ConsumedQuantity": 1.0,
        "ConsumedUnit": "Hours",
        "BilledCost": Decimal("1.624"),
        "ChargePeriodStart": datetime(2026, 10, 27, 15),
        "ChargePeriodEnd": datetime(2026, 10, 27, 16),
        "Tags": AWS_TAGS,
        "product_family": "Compute",
    },
    {
        **_AWS,
        "usage_type": "BoxUsage:g3.4xlarge",
        "instance_type": "g3.4xlarge",
        "charge_class": "usage",
        "ConsumedQuantity": 1.0,
        "BilledCost": Decimal("1.14"),
        "ChargePeriodStart": datetime(2026, 10, 24, 2),
    },
    {
        "ProviderName": "azure",
        "SubAccountId": "/subscriptions/64e355d7-997c-491d-b0c1-8414dccfcf42",
        "ServiceName": "Storage Accounts",
        "RegionId": "eastus",
        # no x_SkuMeter* columns in this export: the description stands in as usage type
        "usage_type": "Tiered Block Blob - LRS - List and Create Container Operations - US East",
        "instance_type": None,
        "charge_class": "usage",
        "ConsumedQuantity": 0.0003,
        "ConsumedUnit": "Units",
        "BilledCost": Decimal("0.000015"),
        "ChargePeriodStart": datetime(2026, 10, 4),
        "ChargePeriodEnd": datetime(2026, 10, 5),
    },
    {
        "ProviderName": "oci",
        "ServiceName": "COMPUTE",
        "usage_type": "Standard - E3 - Memory",
        "charge_class": "usage",
        "ConsumedQuantity": 8.0,
        "ConsumedUnit": "GB Hours",
        "BilledCost": Decimal("0.012"),
        "Tags": None,
    },
    {
        **_AWS,
        "charge_class": "credit",
        "line_item_type": "Credit",
        "ConsumedQuantity": 0.0,
        "ConsumedUnit": None,
        "instance_type": None,
        "BilledCost": Decimal("-2.6137"),
    },
]


def test_contract_total_is_the_sum_of_the_written_costs() -> None:
    assert sum((Decimal(r["BilledCost"]) for r in CONTRACT_ROWS), Decimal(0)) == CONTRACT_TOTAL
    assert sum((r["BilledCost"] for r in CONTRACT_EXPECTED), Decimal(0)) == CONTRACT_TOTAL


class _FocusContract(ConnectorContract):
    connector = focus
    columns: list[str]
    rows: list[dict[str, str]] = CONTRACT_ROWS
    expected: list[dict[str, Any]] = CONTRACT_EXPECTED

    @pytest.fixture
    def expected_rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.expected]


class TestFocus10CsvContract(_FocusContract):
    columns = FOCUS_10

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_csv(tmp_path / "focus-1.0.csv", self.columns, self.rows)


SKU_DETAILS = '{"InstanceType": "g5.4xlarge", "CoreCount": 16, "MemorySize": 64, "GpuCount": 1}'
ROWS_12 = [
    {**CONTRACT_ROWS[0], "SkuPriceDetails": SKU_DETAILS, "SkuMeter": "Compute", "ServiceSubcategory": ""},
    *CONTRACT_ROWS[1:],
]
EXPECTED_12 = [
    {
        **CONTRACT_EXPECTED[0],
        "vcpu_hint": 16.0,
        "memory_gb_hint": 64.0,
        "accelerator_count_hint": 1.0,
        "product_family": "Compute",  # ServiceSubcategory empty -> ServiceCategory
    },
    *CONTRACT_EXPECTED[1:],
]


class TestFocus12CsvContract(_FocusContract):
    columns = FOCUS_12
    rows = ROWS_12
    expected = EXPECTED_12

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_csv(tmp_path / "focus-1.2.csv", self.columns, self.rows, null="")


class TestFocusParquetContract(_FocusContract):
    columns = FOCUS_12
    rows = ROWS_12
    expected = EXPECTED_12

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_parquet(tmp_path / "focus-1.2.parquet", self.columns, self.rows)


class TestFocusCsvGzContract(_FocusContract):
    columns = FOCUS_10

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        import gzip

        plain = write_csv(tmp_path / "plain.csv", self.columns, self.rows)
        out = tmp_path / "focus-1.0.csv.gz"
        out.write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
        return out


# --------------------------------------------------------------------------------------------------
# FOCUS-specific behaviour
# --------------------------------------------------------------------------------------------------


def _estimate(path: Path, factors: FactorSet, month: str = "2026-10") -> tuple[pl.DataFrame, dict[str, Any]]:
    result = estimate([Source(path, "focus")], month, factor_set=factors, detail=True)
    assert result.detail is not None
    return result.detail.sort("source_row"), coverage_row(result)


def _scan(path: Path, tag_keys: tuple[str, ...] = ()) -> pl.DataFrame:
    with open_engine() as engine:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir, tag_keys=tag_keys, month="2026-10")
        lf = focus.scan(Source(path, "focus"), ctx)
        return lf.collect(backend="polars").to_native().sort("source_row")


def test_sample_shaped_gpu_hours_are_estimated_and_hand_worked(tmp_path: Path, factors: FactorSet) -> None:
    # Like the real sample's EC2 rows: the instance type is only in ChargeDescription, unit Hours,
    # ServiceName "Amazon Elastic Compute Cloud", a partial hour among full ones.
    rows = [
        aws_hour(),
        aws_hour(cost="0.480884264", qty="0.296111", start="2026-10-21 01:00:00", end="2026-10-21 02:00:00"),
        aws_hour("g3.4xlarge", price="1.14", cost="1.14"),
    ]
    path = write_csv(tmp_path / "sample-like.csv", FOCUS_10, rows)
    d, cov = _estimate(path, factors)
    assert d["fate"].to_list() == ["estimated"] * 3
    assert d["usage_class"].to_list() == ["compute"] * 3
    assert d["instance_key"].to_list() == ["g5.4xlarge", "g5.4xlarge", "g3.4xlarge"]
    assert cov["fallback_cost"] == 0 and cov["excluded_cost"] == 0
    r = d.row(0, named=True)
    # factor rows (set 2026.11): aws g5.4xlarge 16 vCPU, 64 GB, EPYC 2nd Gen, host 192 vCPU,
    # host embodied 2200 kg, 1 x NVIDIA A10G; aws EPYC 2nd Gen 0.474262 / 1.692962 W per vCPU;
    # A10G idle 18 W, TDP 150 W, 150 kg; memory 0.000392 kWh/GB-h; PUE aws * 1.135; utilisation 0.5
    # (CPU and accelerator); lifespan 35,040 h; us-east-1 for a 2026 month: no 2026 row, Electricity
    # Maps 2025 US-MIDA-PJM 418 g/kWh (year substituted), as in tests/test_handworked.py.
    # CPU W = 16 x (0.474262 + 0.5 x (1.692962 - 0.474262)) = 16 x 1.083612 = 17.337792 W
    # -> 1 h: 0.017337792 kWh
    # memory = 64 GB x 1 h x 0.000392 = 0.025088 kWh
    # A10G W = 18 + 0.5 x (150 - 18) = 84 W -> 0.084 kWh
    # energy = (0.017337792 + 0.025088 + 0.084) x 1.135 = 0.126425792 x 1.135 = 0.143493274 kWh
    # CO2e = 0.143493274 x 418 / 1000 = 0.059980189 kg
    # embodied = (16 x 2200 / 192 + 1 x 150) / 35040 = (183.333333 + 150) / 35040 = 0.009512938 kg
    assert r["cpu_kwh"] == pytest.approx(0.017337792, rel=REL)
    assert r["memory_kwh"] == pytest.approx(0.025088, rel=REL)
    assert r["accelerator_kwh"] == pytest.approx(0.084, rel=REL)
    assert r["accelerator_model"] == "NVIDIA A10G"
    assert r["energy_kwh"] == pytest.approx(0.143493274, rel=REL)
    assert r["co2e_kg"] == pytest.approx(0.059980189, rel=REL)
    assert r["embodied_co2e_kg"] == pytest.approx(0.009512938, rel=1e-5)
    assert r["grid_year"] == 2025
    # the partial hour scales linearly: 0.296111 h
    assert d.row(1, named=True)["energy_kwh"] == pytest.approx(0.143493274 * 0.296111, rel=REL)


def test_reserved_and_spot_descriptions_and_non_hour_rows(tmp_path: Path) -> None:
    rows = [
        aws_hour(ChargeDescription="USD 0.0 per Linux/UNIX (Amazon VPC), c5.large reserved instance applied"),
        aws_hour(
            ChargeDescription="$0.0361 per Linux/UNIX (Amazon VPC) m5.large Spot Instance-hour",
            PricingCategory="Dynamic",
        ),
        # not metered in hours: no BoxUsage reconstruction
        aws_hour(ConsumedUnit="GB-Mo", ChargeDescription="$0.08 per GB-month of General Purpose (gp3)"),
        # x_UsageType wins when the export carries it
        aws_hour(x_UsageType="USE1-BoxUsage:m6i.large", x_ServiceCode="AmazonEC2"),
        # SkuPriceDetails names the type even when the description does not
        aws_hour(ChargeDescription="Compute", SkuPriceDetails='{"InstanceType": "r5.xlarge"}'),
        aws_hour(
            ServiceName="Amazon Simple Storage Service", ChargeDescription="storage", ConsumedUnit="GB-Mo"
        ),
    ]
    cols = [*FOCUS_10, "x_UsageType", "x_ServiceCode", "SkuPriceDetails"]
    d = _scan(write_csv(tmp_path / "f.csv", cols, rows))
    assert d["usage_type"].to_list() == [
        "BoxUsage:c5.large",
        "SpotUsage:m5.large",
        "$0.08 per GB-month of General Purpose (gp3)",
        "USE1-BoxUsage:m6i.large",
        "BoxUsage:r5.xlarge",
        "storage",
    ]
    assert d["instance_type"].to_list()[:2] == ["c5.large", "m5.large"]
    assert d["ServiceName"].to_list()[-1] == "AmazonS3"


def test_mixed_providers_and_azure_gcp_detail(tmp_path: Path, factors: FactorSet) -> None:
    cols = [
        *FOCUS_10,
        "SkuMeter",
        "x_SkuMeterCategory",
        "x_SkuMeterSubcategory",
        "x_SkuDetails",
        "x_ResourceGroupName",
    ]
    rows = [
        aws_hour(ProviderName="Amazon Web Services"),
        azure_row(
            ProviderName="Microsoft",
            ServiceName="Virtual Machines",
            ChargeDescription="NC24ads A100 v4",
            ConsumedUnit="Hours",
            ConsumedQuantity="1",
            BilledCost="3.673",
            SkuMeter="NC24ads A100 v4",
            x_SkuMeterCategory="Virtual Machines",
            x_SkuMeterSubcategory="NCads A100 v4 Series",
            x_SkuDetails='{"ServiceType": "Standard_NC24ads_A100_v4", "VCPUs": 24}',
            x_ResourceGroupName="ml-rg",
        ),
        oracle_row(ProviderName="Google Cloud", ChargeDescription="N2 Instance Core running in Americas",
                   ServiceName="Compute Engine", ConsumedUnit="hour", RegionId="us-central1"),
        oracle_row(ProviderName="Alibaba Cloud"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "mixed.csv", cols, rows)
    d = _scan(path)
    assert d["ProviderName"].to_list() == ["aws", "azure", "gcp", "alibaba cloud"]
    az = d.row(1, named=True)
    assert az["usage_type"] == "Virtual Machines|NCads A100 v4 Series|NC24ads A100 v4"
    assert az["instance_type"] == "Standard_NC24ads_A100_v4"
    assert az["vcpu_hint"] == 24.0
    # the resource group is the project only with [sources.focus] project = "resource_group"
    assert az["project_hint"] is None
    assert d.row(2, named=True)["usage_type"] == "N2 Instance Core running in Americas"
    det, cov = _estimate(path, factors)
    total = Decimal("1.624") + Decimal("3.673") + Decimal("0.012") * 2
    assert cov["billed_cost"] == total
    assert cov["estimated_cost"] + cov["fallback_cost"] + cov["excluded_cost"] == total
    assert det.row(0, named=True)["fate"] == "estimated"


def test_unused_commitment_correction_and_non_usage_are_excluded(tmp_path: Path, factors: FactorSet) -> None:
    cols = [*FOCUS_10, "CommitmentDiscountQuantity", "CommitmentDiscountUnit"]
    rows = [
        # spec commitment scenario 3, in FOCUS 1.0 shape: a used hour and the unused remainder
        aws_hour(cost="0.00", PricingCategory="Committed", CommitmentDiscountStatus="Used",
                 CommitmentDiscountId="ri-1"),
        aws_hour(cost="0.25", ConsumedQuantity="null", ConsumedUnit="null", PricingCategory="Committed",
                 CommitmentDiscountStatus="Unused", CommitmentDiscountId="ri-1"),
        # a correction of September, billed in October
        aws_hour(cost="-1.624", ChargeClass="Correction", ChargePeriodStart="2026-09-10T00:00:00Z",
                 ChargePeriodEnd="2026-09-10T01:00:00Z"),
        aws_hour(cost="100.00", ChargeCategory="Purchase", ChargeFrequency="One-Time",
                 ConsumedQuantity="NULL", ConsumedUnit="NULL"),
        aws_hour(cost="0.50", ChargeCategory="Tax", ConsumedQuantity="NULL", ConsumedUnit="NULL"),
        aws_hour(cost="-0.30", ChargeCategory="Adjustment", ConsumedQuantity="NULL", ConsumedUnit="NULL"),
        aws_hour(cost="0.20", ChargeCategory="Adjustment", ConsumedQuantity="NULL", ConsumedUnit="NULL"),
        # usage without a quantity: usage, quantity 0
        aws_hour(cost="0.01", ConsumedQuantity="NULL"),
    ]  # fmt: skip
    path = write_csv(tmp_path / "commit.csv", cols, rows)
    d = _scan(path)
    assert d["charge_class"].to_list() == [
        "usage",
        "commitment_fee",
        "correction",
        "commitment_purchase",
        "tax",
        "refund",
        "other_non_usage",
        "usage",
    ]
    assert d["line_item_type"][2] == "Correction:Usage"
    assert d["ConsumedQuantity"][7] == 0.0
    det, cov = _estimate(path, factors)
    fates = det["fate"].to_list()
    assert fates[0] == "estimated" and fates[7] == "estimated"
    assert fates[1:7] == ["excluded"] * 6
    assert det["reason"].to_list()[1:3] == ["commitment_fee", "correction"]
    # reconciliation to the cent: 0 + 0.25 - 1.624 + 100 + 0.5 - 0.3 + 0.2 + 0.01 = 99.036
    total = Decimal("99.036")
    assert cov["billed_cost"] == total
    assert cov["excluded_cost"] == Decimal("0.25") - Decimal("1.624") + Decimal("100.4")
    assert cov["estimated_cost"] + cov["fallback_cost"] + cov["excluded_cost"] == total


def test_preview_column_names(tmp_path: Path, factors: FactorSet) -> None:
    rows = [
        {
            "BilledCost": "1.624",
            "AmortizedCost": "1.624",
            "BillingAccountId": "1234567890123",
            "BillingCurrency": "EUR",
            "BillingPeriodStart": "2026-10-01T00:00:00Z",
            "ChargePeriodStart": "2026-10-03T00:00:00Z",
            "ChargePeriodEnd": "2026-10-03T01:00:00Z",
            "ChargeType": "Usage",
            "Provider": "AWS",
            "Region": "us-east-1",
            "ServiceName": "Amazon Elastic Compute Cloud",
            "SubAccountId": "11353890204",
            "UsageQuantity": "1",
            "UsageUnit": "Hours",
            "ChargeDescription": "$1.624 per On Demand Linux g5.4xlarge Instance Hour",
        },
        {
            "BilledCost": "0.2",
            "BillingCurrency": "EUR",
            "ChargePeriodStart": "2026-10-03T00:00:00Z",
            "ChargeType": "Tax",
            "Provider": "AWS",
            "BillingPeriodStart": "2026-10-01T00:00:00Z",
        },
    ]
    path = write_csv(tmp_path / "preview.csv", PREVIEW, rows, null="")
    assert focus.sniff(PREVIEW) == []
    d = _scan(path)
    assert d["ProviderName"].to_list() == ["aws", "aws"]
    assert d["RegionId"][0] == "us-east-1"
    assert d["usage_type"][0] == "BoxUsage:g5.4xlarge"
    assert d["ConsumedQuantity"].to_list() == [1.0, 0.0]
    assert d["BillingCurrency"][0] == "EUR"
    assert d["charge_class"].to_list() == ["usage", "tax"]
    det, cov = _estimate(path, factors)
    assert det["fate"].to_list() == ["estimated", "excluded"]
    assert cov["billed_cost"] == Decimal("1.824")


def test_tags_and_tag_columns(tmp_path: Path) -> None:
    rows = [aws_hour(), aws_hour(Tags='{"user:team": "ml"}'), aws_hour(Tags="NULL")]
    d = _scan(write_csv(tmp_path / "t.csv", FOCUS_10, rows), tag_keys=("application", "team"))
    assert d["tag:application"].to_list() == ["BrightPathMatrix", None, None]
    assert d["tag:team"].to_list() == [None, "ml", None]
    assert json.loads(d["Tags"][0])["environment"] == "dev"


def test_sniff_reports_missing_required_columns() -> None:
    assert focus.sniff(["BilledCost", "ChargeCategory"]) == ["ChargePeriodStart"]
    # ProviderName is optional: the FOCUS spec's own worked examples have none
    assert focus.sniff(["BilledCost", "ChargeCategory", "ChargePeriodStart"]) == []


# --------------------------------------------------------------------------------------------------
# FOCUS 1.0 to 1.4 column sets, EffectiveCost
# --------------------------------------------------------------------------------------------------

FOCUS_11 = [
    *[c for c in FOCUS_10 if c != "Id"],
    "CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
    "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails",
]  # fmt: skip
# 1.3 adds ServiceProviderName / HostProviderName (and ContractApplied, Allocated* columns)
FOCUS_13 = [
    *FOCUS_12, "ServiceProviderName", "HostProviderName", "ContractApplied", "AllocatedMethodId",
]  # fmt: skip
# 1.4 removes ProviderName and PublisherName, adds CommitmentProgramEligibilityDetails, InvoiceDetailId
FOCUS_14 = [
    *[c for c in FOCUS_13 if c not in ("ProviderName", "PublisherName")],
    "CommitmentProgramEligibilityDetails", "InvoiceDetailId",
]  # fmt: skip
VERSIONS = {"1.0": FOCUS_10, "1.1": FOCUS_11, "1.2": FOCUS_12, "1.3": FOCUS_13, "1.4": FOCUS_14}


def _hosted(row: dict[str, str], name: str) -> dict[str, str]:
    """The row with the 1.3+ provider columns set (ProviderName is simply not written in 1.4)."""
    return {**row, "ServiceProviderName": name, "HostProviderName": name}


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_every_focus_version_reads_provider_and_instance(tmp_path: Path, version: str) -> None:
    cols = VERSIONS[version]
    rows = [
        _hosted(aws_hour(EffectiveCost="1.624"), "AWS"),
        _hosted(azure_row(EffectiveCost="0.000015"), "Microsoft"),
        _hosted(oracle_row(EffectiveCost="0.012"), "Oracle"),
    ]
    assert ("ProviderName" in cols) == (version != "1.4")
    assert ("ServiceProviderName" in cols) == (version in ("1.3", "1.4"))
    d = _scan(write_csv(tmp_path / f"focus-{version}.csv", cols, rows))
    assert d["ProviderName"].to_list() == ["aws", "azure", "oci"]
    assert d["instance_type"].to_list()[0] == "g5.4xlarge"
    assert d["usage_type"].to_list()[0] == "BoxUsage:g5.4xlarge"
    assert d["EffectiveCost"].to_list() == [Decimal("1.624"), Decimal("0.000015"), Decimal("0.012")]


def test_focus_14_is_estimated_like_focus_10(tmp_path: Path, factors: FactorSet) -> None:
    # the bug: a 1.4 file (no ProviderName) read every row as provider "unknown" -> 0 kg. The same rows
    # in 1.0 and 1.4 shape must give the same fates and the same energy.
    rows = [aws_hour(), aws_hour("g3.4xlarge", price="1.14", cost="1.14")]
    d10, cov10 = _estimate(write_csv(tmp_path / "v10.csv", FOCUS_10, rows), factors)
    d14, cov14 = _estimate(
        write_csv(tmp_path / "v14.csv", FOCUS_14, [_hosted(r, "AWS") for r in rows]), factors
    )
    assert d14["fate"].to_list() == ["estimated", "estimated"]
    assert d14["energy_kwh"].to_list() == pytest.approx(d10["energy_kwh"].to_list(), rel=REL)
    assert min(d14["energy_kwh"].to_list()) > 0
    assert cov14["estimated_cost"] == cov10["estimated_cost"] == Decimal("2.764")  # 1.624 + 1.14


def test_provider_columns_are_read_per_row(tmp_path: Path) -> None:
    rows = [
        # 1.3 with both: the service provider (ProviderName's successor) wins, they agree anyway
        {**aws_hour(), "ServiceProviderName": "AWS", "HostProviderName": "AWS"},
        # a row whose ServiceProviderName is empty falls back to ProviderName
        {**oracle_row(), "ServiceProviderName": "NULL", "HostProviderName": "NULL"},
        # only the host given: the host
        {**azure_row(ProviderName="NULL"), "ServiceProviderName": "", "HostProviderName": "Microsoft"},
        # a marketplace seller hosted on AWS: the seller (no AWS rule applies to its charges)
        {**aws_hour(ProviderName="NULL"), "ServiceProviderName": "Datadog", "HostProviderName": "AWS"},
    ]
    d = _scan(write_csv(tmp_path / "v13.csv", FOCUS_13, rows))
    assert d["ProviderName"].to_list() == ["aws", "oci", "azure", "datadog"]


def test_effective_cost_amortised_else_billed(tmp_path: Path) -> None:
    rows = [
        # commitment-covered hour: billed 0, its amortised share 0.9 in EffectiveCost
        aws_hour(
            cost="0.00", EffectiveCost="0.9", PricingCategory="Committed", CommitmentDiscountStatus="Used"
        ),
        # no EffectiveCost value: the billed cost stands in
        aws_hour(cost="1.624", EffectiveCost="NULL"),
        # a usage row billed 0.34 with EffectiveCost 0 (truncated, as in the anonymised sample): 0.34
        aws_hour(cost="0.34", EffectiveCost="0.00000000000"),
        # a purchase is amortised away: its 0 stays
        aws_hour(cost="100", EffectiveCost="0", ChargeCategory="Purchase", ConsumedQuantity="NULL"),
        # usage at a lower effective than billed cost keeps it
        aws_hour(cost="1.0", EffectiveCost="0.6"),
    ]
    d = _scan(write_csv(tmp_path / "eff.csv", FOCUS_10, rows))
    assert d["BilledCost"].to_list() == [Decimal(x) for x in ("0", "1.624", "0.34", "100", "1.0")]
    assert d["EffectiveCost"].to_list() == [Decimal(x) for x in ("0.9", "1.624", "0.34", "0", "0.6")]
    # a file without the column: EffectiveCost = BilledCost
    cols = [c for c in FOCUS_10 if c != "EffectiveCost"]
    d = _scan(write_csv(tmp_path / "noeff.csv", cols, [aws_hour(cost="0.5")]))
    assert d["EffectiveCost"].to_list() == [Decimal("0.5")]


def test_bad_effective_cost_names_the_column(tmp_path: Path) -> None:
    from cloudcarbon.exceptions import ValueParseError

    path = write_csv(tmp_path / "bad.csv", FOCUS_10, [aws_hour(EffectiveCost="1,5")])
    with open_engine() as engine:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir, tag_keys=(), month="2026-10")
        with pytest.raises(ValueParseError, match="EffectiveCost"):
            focus.diagnose(Source(path, "focus"), ctx)


# --------------------------------------------------------------------------------------------------
# Azure and GCP rows without the x_ meter columns
# --------------------------------------------------------------------------------------------------


def test_azure_vm_hour_from_the_product_name(tmp_path: Path, factors: FactorSet) -> None:
    # Microsoft's FOCUS 1.0 export without x_ columns (as the real sample): the VM size is only in
    # ChargeDescription = "<MeterCategory> <MeterSubcategory> - <MeterName> - <region>"
    vm = azure_row(
        ServiceName="Virtual Machine Scale Sets",
        ResourceType="Virtual machine scale set",
        ChargeDescription="Virtual Machines Dv2/DSv2 Series - D11 v2/DS11 v2 - US East 2",
        ConsumedUnit="Hours",
        ConsumedQuantity="10",
        BilledCost="1.49",
        RegionId="eastus2",
    )
    licence = azure_row(
        ChargeDescription="Virtual Machines Licenses - SQL Server Standard - 4 vCPU VM License",
        ConsumedUnit="Hours",
        ConsumedQuantity="10",
        BilledCost="0.5",
    )
    path = write_csv(tmp_path / "az.csv", FOCUS_10, [vm, licence])
    d = _scan(path)
    r = d.row(0, named=True)
    assert r["ServiceName"] == "Virtual Machines"
    assert r["usage_type"] == "Virtual Machines|Dv2/DSv2 Series|D11 v2/DS11 v2"
    assert r["instance_type"] == "Standard_D11_v2"
    # a licence meter is not a VM: it keeps its description and the FOCUS service name
    lic = d.row(1, named=True)
    assert lic["instance_type"] is None
    assert lic["ServiceName"] == "Storage Accounts"
    assert lic["usage_type"] == licence["ChargeDescription"]
    det, cov = _estimate(path, factors)
    assert det["fate"].to_list()[0] == "estimated"
    assert det["instance_key"].to_list()[0] == "Standard_D11_v2"
    assert cov["estimated_cost"] == Decimal("1.49")


def test_azure_vm_hour_from_resource_type_and_sku_meter(tmp_path: Path) -> None:
    cols = [*FOCUS_12, "x_ResourceType"]
    rows = [
        # 1.2 without x_SkuMeter* columns: a VM resource metered in hours whose meter names a size
        azure_row(ServiceName="Virtual Machines", ResourceType="Virtual machine", SkuMeter="D4s v3",
                  ConsumedUnit="Hours", ConsumedQuantity="1", ChargeDescription="NULL"),
        azure_row(ServiceName="Virtual Machines", x_ResourceType="Microsoft.Compute/virtualMachines",
                  SkuMeter="E8s v5 Spot", ConsumedUnit="Hours", ConsumedQuantity="1"),
        # same resource, a meter that names no size (a licence): not a VM hour
        azure_row(ServiceName="Virtual Machines", ResourceType="Virtual machine",
                  SkuMeter="4 vCPU VM License", ConsumedUnit="Hours", ConsumedQuantity="1"),
        # a size-like meter on a storage account is not a VM hour
        azure_row(ResourceType="Storage account", SkuMeter="P4 LRS Disk", ConsumedUnit="Hours"),
    ]  # fmt: skip
    d = _scan(write_csv(tmp_path / "az12.csv", cols, rows))
    assert d["usage_type"].to_list()[:2] == ["Virtual Machines||D4s v3", "Virtual Machines||E8s v5 Spot"]
    assert d["instance_type"].to_list() == ["Standard_D4s_v3", "Standard_E8s_v5", None, None]
    assert d["usage_type"].to_list()[2:] == ["||4 vCPU VM License", "||P4 LRS Disk"]


def test_gcp_core_and_ram_rows_get_their_series(tmp_path: Path, factors: FactorSet) -> None:
    rows = [
        oracle_row(ProviderName="Google Cloud", ServiceName="Compute Engine", RegionId="us-central1",
                   ChargeDescription=desc, ConsumedUnit=unit)
        for desc, unit in (
            ("N2 Instance Core running in Americas", "hour"),
            ("N2D AMD Instance Ram running in EMEA", "gibibyte hour"),
            ("Spot Preemptible E2 Instance Core running in Americas", "hour"),
            ("Nvidia Tesla T4 GPU running in Americas", "hour"),
        )
    ]  # fmt: skip
    path = write_csv(tmp_path / "gcp.csv", FOCUS_10, rows)
    d = _scan(path)
    assert d["machine_series"].to_list() == ["n2", "n2d", "e2", None]
    assert d["usage_type"].to_list()[0] == "N2 Instance Core running in Americas"
    det, _ = _estimate(path, factors)
    # core, RAM and GPU SKUs are modelled by the GCP rules, none falls back
    assert det["fate"].to_list() == ["estimated"] * 4
    assert det["usage_class"].to_list() == ["cpu", "memory", "cpu", "accelerator"]
