"""AWS CUR connector: the connector contract for every file flavour, plus CUR-specific behaviour.

Every expected value below is written by hand from the row that the test writes, the line-item
treatment in ``cloudcarbon/connectors/aws_cur.py``'s docstring and the classification rules in
``factors/2026.11/aws_usage_types.csv``; none is copied from a run of the code.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudcarbon import estimate
from cloudcarbon.config import Config, config_from_mapping
from cloudcarbon.connectors import aws_cur
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.engine import open_engine
from cloudcarbon.exceptions import SourceNotFound
from cloudcarbon.factors import FactorSet
from cloudcarbon.pipeline import coverage_row
from tests.conftest import CUR_COLUMNS, cur_row, write_cur
from tests.connectors.contract import ConnectorContract

ACCOUNT = "012345678901"
PAYER = "000011112222"
MONTH = "2026-10"

# Hand-worked in tests/test_handworked.py from the published factor rows: m5.large, 24 h, us-east-1
# = 0.213920051 kWh.
M5_LARGE_DAY_KWH = 0.213920051


# --------------------------------------------------------------------------------------------------
# One billing line, written in any of the flavours
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    usage_type: str
    amount: str
    cost: str
    unit: str
    line_item_type: str = "Usage"
    product: str = "AmazonEC2"
    region: str = "us-east-1"
    az: str = ""
    instance: str = ""
    vcpu: str = ""
    memory: str = ""
    account: str = ACCOUNT
    project: str = ""
    start: str = "2026-10-01T00:00:00Z"
    end: str = "2026-10-02T00:00:00Z"
    billing_entity: str = "AWS"


LEGACY_COLUMNS = [*CUR_COLUMNS, "bill/BillingEntity"]


def _legacy_dict(line: Line) -> dict[str, Any]:
    row = cur_row(
        line.usage_type,
        line.amount,
        line.cost,
        line.unit,
        line_item_type=line.line_item_type,
        product=line.product,
        region=line.region,
        instance=line.instance,
        account=line.account,
        project=line.project,
        start=line.start,
        end=line.end,
        vcpu=line.vcpu,
        memory=line.memory,
    )
    row["lineItem/AvailabilityZone"] = line.az
    row["bill/BillingEntity"] = line.billing_entity
    return row


def _legacy_text(lines: Sequence[Line]) -> str:
    out = io.StringIO(newline="")
    w = csv.DictWriter(out, fieldnames=LEGACY_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for i, line in enumerate(lines, 1):
        w.writerow({"identity/LineItemId": f"li-{i}", **_legacy_dict(line)})
    return out.getvalue()


def write_legacy_csv(path: Path, lines: Sequence[Line]) -> Path:
    return write_cur(path, [_legacy_dict(x) for x in lines], LEGACY_COLUMNS)


def write_legacy_gz(path: Path, lines: Sequence[Line]) -> Path:
    path.write_bytes(gzip.compress(_legacy_text(lines).encode("utf-8")))
    return path


def write_legacy_zip(path: Path, lines: Sequence[Line]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("report-1.csv", _legacy_text(lines))
    return path


CUR2_COLUMNS = [
    "bill_payer_account_id",
    "bill_billing_entity",
    "bill_billing_period_start_date",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_availability_zone",
    "line_item_usage_amount",
    "line_item_currency_code",
    "line_item_unblended_cost",
    "pricing_unit",
    "product",
    "resource_tags",
]


def _product_map(line: Line, region_key: str) -> dict[str, str]:
    attrs = {region_key: line.region, "instance_type": line.instance, "vcpu": line.vcpu}
    attrs["memory"] = line.memory
    return {k: v for k, v in attrs.items() if v}


def _tags_map(line: Line) -> dict[str, str]:
    return {"user_project": line.project} if line.project else {}


def _cur2_values(line: Line) -> dict[str, Any]:
    return {
        "bill_payer_account_id": PAYER,
        "bill_billing_entity": line.billing_entity,
        "bill_billing_period_start_date": "2026-10-01T00:00:00.000Z",
        "line_item_usage_account_id": line.account,
        "line_item_line_item_type": line.line_item_type,
        "line_item_usage_start_date": line.start,
        "line_item_usage_end_date": line.end,
        "line_item_product_code": line.product,
        "line_item_usage_type": line.usage_type,
        "line_item_operation": "RunInstances" if line.instance else "",
        "line_item_availability_zone": line.az,
        "line_item_usage_amount": line.amount,
        "line_item_currency_code": "USD",
        "line_item_unblended_cost": line.cost,
        "pricing_unit": line.unit,
    }


def write_cur2_csv(path: Path, lines: Sequence[Line]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CUR2_COLUMNS)
        w.writeheader()
        for line in lines:
            w.writerow(
                {
                    **_cur2_values(line),
                    "product": json.dumps(_product_map(line, "region")),
                    "resource_tags": json.dumps(_tags_map(line)),
                }
            )
    return path


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _opt(text: str) -> str | None:
    return text or None


_MAP = pa.map_(pa.string(), pa.string())


def write_cur2_parquet(path: Path, lines: Sequence[Line]) -> Path:
    """CUR 2.0 Parquet: decimals, zone-aware timestamps, real MAP<string,string> columns."""
    ts = pa.timestamp("ms", tz="UTC")
    vals = [_cur2_values(x) for x in lines]

    def strings(key: str) -> pa.Array:
        return pa.array([_opt(v[key]) for v in vals], pa.string())

    cols: dict[str, pa.Array] = {}
    for name in CUR2_COLUMNS:
        if name in (
            "bill_billing_period_start_date",
            "line_item_usage_start_date",
            "line_item_usage_end_date",
        ):
            cols[name] = pa.array([_ts(v[name]) for v in vals], ts)
        elif name == "line_item_usage_amount":
            cols[name] = pa.array([Decimal(v[name]) for v in vals], pa.decimal128(24, 10))
        elif name == "line_item_unblended_cost":
            cols[name] = pa.array([Decimal(v[name]) for v in vals], pa.decimal128(18, 10))
        elif name == "product":
            cols[name] = pa.array([list(_product_map(x, "region_code").items()) for x in lines], _MAP)
        elif name == "resource_tags":
            cols[name] = pa.array([list(_tags_map(x).items()) for x in lines], _MAP)
        else:
            cols[name] = strings(name)
    pq.write_table(pa.table(cols), path)
    return path


ATHENA_STRINGS = {
    "identity_line_item_id": None,
    "bill_payer_account_id": None,
    "bill_billing_entity": "billing_entity",
    "line_item_usage_account_id": "account",
    "line_item_line_item_type": "line_item_type",
    "line_item_product_code": "product",
    "line_item_usage_type": "usage_type",
    "line_item_operation": None,
    "line_item_availability_zone": "az",
    "line_item_currency_code": None,
    "product_region": "region",
    "product_instance_type": "instance",
    "product_vcpu": "vcpu",
    "product_memory": "memory",
    "pricing_unit": "unit",
    "resource_tags_user_project": "project",
    "resource_tags_user_team": None,
}


def write_athena_parquet(path: Path, lines: Sequence[Line]) -> Path:
    """Legacy CUR as Athena/Parquet delivers it: snake_case, doubles, naive timestamps."""
    ts = pa.timestamp("ms")

    def naive(text: str) -> datetime:
        return _ts(text).astimezone(UTC).replace(tzinfo=None)

    fixed = {
        "identity_line_item_id": [f"li-{i}" for i in range(1, len(lines) + 1)],
        "bill_payer_account_id": [PAYER] * len(lines),
        "line_item_operation": ["RunInstances" if x.instance else None for x in lines],
        "line_item_currency_code": ["USD"] * len(lines),
        "resource_tags_user_team": [None] * len(lines),
    }
    cols: dict[str, pa.Array] = {}
    for name, attr in ATHENA_STRINGS.items():
        values = fixed[name] if attr is None else [_opt(getattr(x, attr)) for x in lines]
        cols[name] = pa.array(values, pa.string())
    cols["bill_billing_period_start_date"] = pa.array([datetime(2026, 10, 1)] * len(lines), ts)
    cols["line_item_usage_start_date"] = pa.array([naive(x.start) for x in lines], ts)
    cols["line_item_usage_end_date"] = pa.array([naive(x.end) for x in lines], ts)
    cols["line_item_usage_amount"] = pa.array([float(x.amount) for x in lines], pa.float64())
    cols["line_item_unblended_cost"] = pa.array([float(x.cost) for x in lines], pa.float64())
    pq.write_table(pa.table(cols), path)
    return path


Writer = Callable[[Path, Sequence[Line]], Path]


# --------------------------------------------------------------------------------------------------
# The contract, once per flavour
# --------------------------------------------------------------------------------------------------

CONTRACT_LINES = [
    Line(
        "BoxUsage:m5.large",
        "24",
        "2.304",
        "Hrs",
        instance="m5.large",
        vcpu="2",
        memory="8 GiB",
        project="alpha",
    ),
    Line(
        "EUC1-EBS:VolumeUsage.gp3",
        "100",
        "9.52",
        "GB-Mo",
        region="eu-central-1",
        account="000000000042",
        start="2026-10-01T00:00:00.000Z",
        end="2026-11-01T00:00:00.000Z",
    ),
    Line("TimedStorage-ByteHrs", "1000", "23.00", "GB-Mo", product="AmazonS3", project="beta"),
    Line("", "0", "-5.1234567891", "", line_item_type="Credit", region=""),
    Line(
        "USW2-DataTransfer-Out-Bytes",
        "12.5",
        "1.125",
        "GB",
        region="",
        az="us-west-2b",
        start="2026-10-31T23:00:00Z",
        end="2026-11-01T00:00:00Z",
    ),
]
# 2.304 + 9.52 + 23.00 - 5.1234567891 + 1.125
CONTRACT_TOTAL = Decimal("30.8255432109")

_COMMON = {
    "ProviderName": "aws",
    "BillingAccountId": PAYER,
    "billing_month": "2026-10",
    "billing_period_hours": 744.0,
    "BillingCurrency": "USD",
}
CONTRACT_EXPECTED: list[dict[str, Any]] = [
    {
        **_COMMON,
        "SubAccountId": "012345678901",
        "usage_type": "BoxUsage:m5.large",
        "ServiceName": "AmazonEC2",
        "RegionId": "us-east-1",
        "instance_type": "m5.large",
        "line_item_type": "Usage",
        "charge_class": "usage",
        "ConsumedQuantity": 24.0,
        "ConsumedUnit": "Hrs",
        "BilledCost": Decimal("2.304"),
        "vcpu_hint": 2.0,
        "memory_gb_hint": 8.0,
        "ChargePeriodStart": datetime(2026, 10, 1),
        "ChargePeriodEnd": datetime(2026, 10, 2),
    },
    {
        **_COMMON,
        "SubAccountId": "000000000042",
        "usage_type": "EUC1-EBS:VolumeUsage.gp3",
        "ServiceName": "AmazonEC2",
        "RegionId": "eu-central-1",
        "instance_type": None,
        "charge_class": "usage",
        "ConsumedQuantity": 100.0,
        "ConsumedUnit": "GB-Mo",
        "BilledCost": Decimal("9.52"),
        "vcpu_hint": None,
        "ChargePeriodStart": datetime(2026, 10, 1),
        "ChargePeriodEnd": datetime(2026, 11, 1),
    },
    {
        **_COMMON,
        "SubAccountId": "012345678901",
        "usage_type": "TimedStorage-ByteHrs",
        "ServiceName": "AmazonS3",
        "RegionId": "us-east-1",
        "charge_class": "usage",
        "ConsumedQuantity": 1000.0,
        "BilledCost": Decimal("23.00"),
    },
    {
        **_COMMON,
        "SubAccountId": "012345678901",
        "usage_type": None,
        "RegionId": None,
        "line_item_type": "Credit",
        "charge_class": "credit",
        "ConsumedQuantity": 0.0,
        "ConsumedUnit": None,
        "BilledCost": Decimal("-5.1234567891"),
    },
    {
        **_COMMON,
        "usage_type": "USW2-DataTransfer-Out-Bytes",
        "RegionId": "us-west-2",  # from the AZ us-west-2b: the product region is empty
        "charge_class": "usage",
        "ConsumedQuantity": 12.5,
        "ConsumedUnit": "GB",
        "BilledCost": Decimal("1.125"),
        "ChargePeriodStart": datetime(2026, 10, 31, 23),
        "ChargePeriodEnd": datetime(2026, 11, 1),
    },
]


def test_contract_total_is_the_sum_of_the_written_costs() -> None:
    assert sum((Decimal(x.cost) for x in CONTRACT_LINES), Decimal(0)) == CONTRACT_TOTAL
    assert sum((r["BilledCost"] for r in CONTRACT_EXPECTED), Decimal(0)) == CONTRACT_TOTAL


class _AwsContract(ConnectorContract):
    connector = aws_cur
    writer: Writer
    filename: str

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return type(self).writer(tmp_path / self.filename, CONTRACT_LINES)

    @pytest.fixture
    def expected_rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in CONTRACT_EXPECTED]

    def test_total_is_known(self, expected_total: Decimal) -> None:
        assert expected_total == CONTRACT_TOTAL


class TestLegacyCsvContract(_AwsContract):
    writer = staticmethod(write_legacy_csv)
    filename = "cur.csv"


class TestLegacyCsvGzContract(_AwsContract):
    writer = staticmethod(write_legacy_gz)
    filename = "report-1.csv.gz"


class TestLegacyZipContract(_AwsContract):
    writer = staticmethod(write_legacy_zip)
    filename = "report-1.csv.zip"
    # the zip member is extracted to the engine's scratch folder while scanning (DuckDB cannot read
    # zip archives), so deleting the archive after the scan does not show whether rows were read
    reads_at_collect = False


class TestCur2CsvContract(_AwsContract):
    writer = staticmethod(write_cur2_csv)
    filename = "export-00001.csv"


class TestCur2ParquetContract(_AwsContract):
    writer = staticmethod(write_cur2_parquet)
    filename = "export-00001.snappy.parquet"


class TestAthenaParquetContract(_AwsContract):
    writer = staticmethod(write_athena_parquet)
    filename = "report-00001.snappy.parquet"


# --------------------------------------------------------------------------------------------------
# Helpers for the specific tests
# --------------------------------------------------------------------------------------------------


def _detail(
    tmp_path: Path,
    factors: FactorSet,
    lines: Sequence[Line],
    *,
    writer: Writer = write_legacy_csv,
    name: str = "cur.csv",
    config: Config | None = None,
) -> pl.DataFrame:
    path = writer(tmp_path / name, lines)
    result = estimate([Source(path, "aws")], MONTH, factor_set=factors, detail=True, config=config)
    assert result.detail is not None
    return result.detail.sort("source_row")


def _scan(path: Path, tag_keys: tuple[str, ...] = (), month: str | None = MONTH) -> pl.DataFrame:
    with open_engine() as engine:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir, tag_keys=tag_keys, month=month)
        lf = aws_cur.scan(Source(path, "aws"), ctx)
        return lf.collect(backend="polars").to_native().sort("source_file", "source_row")


# --------------------------------------------------------------------------------------------------
# Line item types
# --------------------------------------------------------------------------------------------------

_M5 = {"usage_type": "BoxUsage:m5.large", "amount": "24", "unit": "Hrs", "instance": "m5.large"}


@pytest.mark.parametrize(
    ("line", "charge_class", "fate", "reason"),
    [
        pytest.param(Line(**_M5, cost="2.304"), "usage", "estimated", None, id="Usage"),
        pytest.param(
            Line(**_M5, cost="0.0", line_item_type="DiscountedUsage"),
            "usage",
            "estimated",
            None,
            id="DiscountedUsage",
        ),
        pytest.param(
            Line(**_M5, cost="2.304", line_item_type="SavingsPlanCoveredUsage"),
            "usage",
            "estimated",
            None,
            id="SavingsPlanCoveredUsage",
        ),
        pytest.param(
            Line(**_M5, cost="-2.304", line_item_type="SavingsPlanNegation"),
            "commitment_negation",
            "excluded",
            "commitment_negation",
            id="SavingsPlanNegation",
        ),
        pytest.param(
            Line("HeavyUsage:m5.large", "744", "35.00", "Hrs", line_item_type="RIFee"),
            "commitment_fee",
            "excluded",
            "commitment_fee",
            id="RIFee",
        ),
        pytest.param(
            Line(
                "ComputeSP:1yrNoUpfront",
                "744",
                "74.40",
                "Hrs",
                product="ComputeSavingsPlans",
                line_item_type="SavingsPlanRecurringFee",
            ),
            "commitment_fee",
            "excluded",
            "commitment_fee",
            id="SavingsPlanRecurringFee",
        ),
        pytest.param(
            Line(
                "ComputeSP:1yrAllUpfront",
                "1",
                "876.00",
                "Quantity",
                product="ComputeSavingsPlans",
                line_item_type="SavingsPlanUpfrontFee",
            ),
            "commitment_fee",
            "excluded",
            "commitment_fee",
            id="SavingsPlanUpfrontFee",
        ),
        pytest.param(
            Line("", "0", "4.17", "", line_item_type="Tax", region=""),
            "tax",
            "excluded",
            "tax",
            id="Tax",
        ),
        pytest.param(
            Line("", "0", "-10.00", "", line_item_type="Credit", region=""),
            "credit",
            "excluded",
            "credit",
            id="Credit",
        ),
        pytest.param(
            Line("", "0", "-3.30", "", line_item_type="Refund", region=""),
            "refund",
            "excluded",
            "refund",
            id="Refund",
        ),
        pytest.param(
            Line("BoxUsage:m5.large", "0", "-0.23", "Hrs", line_item_type="EdpDiscount"),
            "discount",
            "excluded",
            "discount",
            id="EdpDiscount",
        ),
        pytest.param(
            Line("DataTransfer-Out-Bytes", "0", "-0.09", "GB", line_item_type="BundledDiscount"),
            "discount",
            "excluded",
            "discount",
            id="BundledDiscount",
        ),
        pytest.param(
            Line("BoxUsage:m5.large", "0", "-0.11", "Hrs", line_item_type="PrivateRateDiscount"),
            "discount",
            "excluded",
            "discount",
            id="PrivateRateDiscount",
        ),
        pytest.param(
            Line(
                "Dominion-registration",
                "1",
                "12.00",
                "",
                product="AmazonRoute53",
                line_item_type="Fee",
                region="",
            ),
            "fee",
            "excluded",
            "fee",
            id="Fee",
        ),
        pytest.param(
            Line("Dollar", "1", "100.00", "", product="AWSSupportBusiness", line_item_type="Fee", region=""),
            "support",
            "excluded",
            "support",
            id="Fee-AWSSupport",
        ),
        pytest.param(
            Line(
                "SoftwareUsage:m5.large",
                "24",
                "5.00",
                "Hrs",
                product="prod-4x2abcd3efgh",
                billing_entity="AWS Marketplace",
            ),
            "marketplace",
            "excluded",
            "marketplace",
            id="Marketplace",
        ),
    ],
)
def test_line_item_treatment(
    tmp_path: Path, factors: FactorSet, line: Line, charge_class: str, fate: str, reason: str | None
) -> None:
    d = _detail(tmp_path, factors, [line])
    r = d.row(0, named=True)
    assert r["line_item_type"] == line.line_item_type
    assert r["charge_class"] == charge_class
    assert r["fate"] == fate
    assert r["reason"] == reason
    assert r["BilledCost"] == Decimal(line.cost)
    if fate == "excluded":
        assert r["usage_class"] == "excluded"
        assert r["exclusion_reason"] == charge_class
        assert r["energy_kwh"] == 0.0
        assert r["co2e_kg"] == 0.0
    else:
        # the m5.large day of tests/test_handworked.py, whatever the row cost
        assert r["energy_kwh"] == pytest.approx(M5_LARGE_DAY_KWH, rel=1e-6)


def test_savings_plan_pair_counts_energy_once(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line(**_M5, cost="2.304", line_item_type="SavingsPlanCoveredUsage"),
        Line(**_M5, cost="-2.304", line_item_type="SavingsPlanNegation"),
        Line(
            "ComputeSP:1yrNoUpfront",
            "24",
            "1.50",
            "Hrs",
            product="ComputeSavingsPlans",
            line_item_type="SavingsPlanRecurringFee",
            region="",
        ),
    ]
    path = write_legacy_csv(tmp_path / "cur.csv", lines)
    result = estimate([Source(path, "aws")], MONTH, factor_set=factors, detail=True)
    assert result.detail is not None
    d = result.detail.sort("source_row")
    assert d["fate"].to_list() == ["estimated", "excluded", "excluded"]
    assert d["energy_kwh"].to_list()[1:] == [0.0, 0.0]
    # one m5.large day, not two
    assert d["energy_kwh"].sum() == pytest.approx(M5_LARGE_DAY_KWH, rel=1e-6)
    assert result.total("energy_kwh") == pytest.approx(M5_LARGE_DAY_KWH, rel=1e-6)
    # the covered usage and its negation cancel: what is billed is the plan's fee alone
    assert d["BilledCost"][0] + d["BilledCost"][1] == Decimal(0)
    cov = coverage_row(result)
    assert cov["billed_cost"] == Decimal("1.50")
    assert cov["estimated_cost"] == Decimal("2.304")
    assert cov["excluded_cost"] == Decimal("-0.804")  # -2.304 + 1.50
    assert cov["fallback_cost"] == Decimal(0)


def test_discounted_usage_at_zero_cost_is_estimated(tmp_path: Path, factors: FactorSet) -> None:
    d = _detail(tmp_path, factors, [Line(**_M5, cost="0", line_item_type="DiscountedUsage")])
    r = d.row(0, named=True)
    assert r["BilledCost"] == Decimal(0)
    assert r["fate"] == "estimated"
    assert r["usage_class"] == "compute"
    assert r["vcpu_hours"] == 48.0  # 24 h x 2 vCPU
    assert r["energy_kwh"] == pytest.approx(M5_LARGE_DAY_KWH, rel=1e-6)
    assert r["co2e_kg"] > 0.0


# --------------------------------------------------------------------------------------------------
# Usage type families
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    line: Line
    usage_class: str
    fate: str
    replication: float = 1.0
    reason: str | None = None
    instance_type: str | None = None
    activity: tuple[tuple[str, float], ...] = ()


_FAMILIES = {
    "p4d-from-usage-type": Family(
        Line("USW2-BoxUsage:p4d.24xlarge", "1", "32.7726", "Hrs", region="us-west-2"),
        "compute",
        "estimated",
        instance_type="p4d.24xlarge",
        activity=(("vcpu_hours", 96.0), ("memory_gb_hours", 1152.0)),
    ),
    "spot": Family(
        Line("SpotUsage:c5.large", "10", "0.35", "Hrs", instance="c5.large"),
        "compute",
        "estimated",
        instance_type="c5.large",
        activity=(("vcpu_hours", 20.0), ("memory_gb_hours", 40.0)),
    ),
    "dedicated": Family(
        Line(
            "EUC1-DedicatedUsage:m5.xlarge", "2", "0.50", "Hrs", instance="m5.xlarge", region="eu-central-1"
        ),
        "compute",
        "estimated",
        instance_type="m5.xlarge",
        activity=(("vcpu_hours", 8.0), ("memory_gb_hours", 32.0)),
    ),
    "host-box-excluded": Family(
        Line("HostBoxUsage:m5.large", "24", "0", "Hrs", instance="m5.large"),
        "excluded",
        "excluded",
        reason="double_count:runs_on_dedicated_host",
        instance_type="m5.large",
    ),
    "ebs-gp3": Family(
        Line("EBS:VolumeUsage.gp3", "100", "8.00", "GB-Mo"),
        "storage_ssd",
        "estimated",
        2.0,
        activity=(("storage_tb_hours", 100 * 744 / 1024),),
    ),
    "ebs-gp2": Family(
        Line("EBS:VolumeUsage.gp2", "50", "5.00", "GB-Mo"),
        "storage_ssd",
        "estimated",
        2.0,
        activity=(("storage_tb_hours", 50 * 744 / 1024),),
    ),
    "ebs-st1": Family(Line("EBS:VolumeUsage.st1", "500", "22.50", "GB-Mo"), "storage_hdd", "estimated", 2.0),
    "ebs-snapshot": Family(
        Line("EBS:SnapshotUsage", "200", "10.00", "GB-Mo"), "storage_hdd", "estimated", 3.0
    ),
    "s3-standard": Family(
        Line("TimedStorage-ByteHrs", "1000", "23.00", "GB-Mo", product="AmazonS3"),
        "storage_hdd",
        "estimated",
        6.0,
    ),
    "s3-one-zone": Family(
        Line("TimedStorage-ZIA-ByteHrs", "1000", "10.00", "GB-Mo", product="AmazonS3"),
        "storage_hdd",
        "estimated",
        2.0,
    ),
    "transfer-out": Family(
        Line("DataTransfer-Out-Bytes", "12.5", "1.125", "GB"),
        "network",
        "estimated",
        activity=(("network_gb", 12.5),),
    ),
    "inter-region": Family(
        Line("USE1-USW2-AWS-Out-Bytes", "40", "0.80", "GB"),
        "network",
        "estimated",
        activity=(("network_gb", 40.0),),
    ),
    "intra-region": Family(
        Line("DataTransfer-Regional-Bytes", "30", "0.30", "GB"),
        "network_intra_region",
        "estimated",
        activity=(("network_gb", 30.0),),
    ),
    "lambda-gb-s": Family(
        Line("Lambda-GB-Second", "3600", "0.06", "Lambda-GB-Second", product="AWSLambda"),
        "serverless",
        "estimated",
        activity=(("memory_gb_hours", 1.0),),
    ),
    "lambda-requests": Family(
        Line("Request", "1000000", "0.20", "Requests", product="AWSLambda"),
        "excluded",
        "excluded",
        reason="double_count:requests_of_metered_compute",
    ),
    "fargate-vcpu": Family(
        Line("Fargate-vCPU-Hours:perCPU", "10", "0.40", "vCPU-Hours", product="AmazonECS"),
        "container_cpu",
        "estimated",
        activity=(("vcpu_hours", 10.0),),
    ),
    "fargate-memory": Family(
        Line("Fargate-GB-Hours", "20", "0.09", "GB-Hours", product="AmazonECS"),
        "container_memory",
        "estimated",
        activity=(("memory_gb_hours", 20.0),),
    ),
    "rds-instance": Family(
        Line("InstanceUsage:db.r5.large", "24", "6.00", "Hrs", product="AmazonRDS", instance="db.r5.large"),
        "compute",
        "estimated",
        instance_type="r5.large",
        activity=(("vcpu_hours", 48.0), ("memory_gb_hours", 384.0)),
    ),
    "rds-multi-az": Family(
        Line("Multi-AZUsage:db.m5.large", "24", "8.21", "Hrs", product="AmazonRDS", instance="db.m5.large"),
        "compute",
        "estimated",
        2.0,
        instance_type="m5.large",
    ),
    "rds-gp2": Family(
        Line("RDS:GP2-Storage", "100", "11.50", "GB-Mo", product="AmazonRDS"),
        "storage_ssd",
        "estimated",
        1.0,
    ),
    "nat-gateway": Family(
        Line("NatGateway-Hours", "744", "33.48", "Hrs"),
        "unmodelled",
        "fallback",
        reason="unmodelled_usage_type",
    ),
    "unknown-instance-with-vcpu": Family(
        Line("BoxUsage:zz9.large", "10", "1.00", "Hrs", instance="zz9.large", vcpu="2"),
        "compute",
        "estimated",
        reason="unknown_instance_type",
        instance_type="zz9.large",
        activity=(("vcpu_hours", 20.0),),
    ),
    "unknown-instance-no-vcpu": Family(
        Line("BoxUsage:zz9.large", "10", "1.00", "Hrs", instance="zz9.large"),
        "compute",
        "fallback",
        reason="unknown_instance_type",
        instance_type="zz9.large",
    ),
}


@pytest.mark.parametrize("case", list(_FAMILIES.values()), ids=list(_FAMILIES))
def test_usage_type_families(tmp_path: Path, factors: FactorSet, case: Family) -> None:
    r = _detail(tmp_path, factors, [case.line]).row(0, named=True)
    assert r["charge_class"] == "usage"
    assert r["usage_class"] == case.usage_class
    assert r["fate"] == case.fate
    assert r["reason"] == case.reason
    assert r["replication_factor"] == case.replication
    if case.instance_type is not None or case.usage_class == "compute":
        assert r["instance_type"] == case.instance_type
    if case.reason == "unknown_instance_type":
        assert r["status_note"] == "unknown_instance_type"
    if case.fate == "excluded":
        assert r["exclusion_reason"] == case.reason
        assert r["energy_kwh"] == 0.0
    if case.usage_class == "network_intra_region":
        # coefficients.csv: network_intra_region_kwh_per_gb = 0 (intra-region transfer not counted)
        assert r["energy_kwh"] == 0.0
    elif case.fate == "estimated":
        assert r["energy_kwh"] > 0.0
    for column, value in case.activity:
        assert r[column] == pytest.approx(value, rel=1e-9), column


# --------------------------------------------------------------------------------------------------
# Values: accounts, regions, timestamps
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("writer", "name"),
    [
        (write_legacy_csv, "cur.csv"),
        (write_cur2_csv, "cur2.csv"),
        (write_cur2_parquet, "cur2.parquet"),
        (write_athena_parquet, "athena.parquet"),
    ],
)
def test_account_ids_keep_leading_zeros(
    tmp_path: Path, factors: FactorSet, writer: Writer, name: str
) -> None:
    lines = [
        Line(**_M5, cost="1.00", account="012345678901"),
        Line(**_M5, cost="1.00", account="000000000042"),
    ]
    d = _detail(tmp_path, factors, lines, writer=writer, name=name)
    assert d["SubAccountId"].to_list() == ["012345678901", "000000000042"]
    # without project rules a row's project is its account
    assert d["project"].to_list() == ["012345678901", "000000000042"]
    df = _scan(tmp_path / name)
    assert df["BillingAccountId"].to_list() == ["000011112222", "000011112222"]


@pytest.mark.parametrize(
    ("az", "region"),
    [
        ("us-west-2a", "us-west-2"),
        ("eu-central-1b", "eu-central-1"),
        ("ap-southeast-2c", "ap-southeast-2"),
        ("us-gov-west-1a", "us-gov-west-1"),
    ],
)
def test_region_from_availability_zone(tmp_path: Path, az: str, region: str) -> None:
    path = write_legacy_csv(tmp_path / "cur.csv", [Line(**_M5, cost="1.00", region="", az=az)])
    assert _scan(path)["RegionId"].to_list() == [region]


def test_product_region_wins_and_no_region_stays_empty(tmp_path: Path) -> None:
    path = write_legacy_csv(
        tmp_path / "cur.csv",
        [
            Line(**_M5, cost="1.00", region="us-east-1", az="us-east-1d"),
            Line("", "0", "1.00", "", line_item_type="Tax", region="", az=""),
        ],
    )
    assert _scan(path)["RegionId"].to_list() == ["us-east-1", None]


@pytest.mark.parametrize("sparse_first", [True, False])
def test_cur2_hints_do_not_depend_on_which_row_of_a_type_is_read(tmp_path: Path, sparse_first: bool) -> None:
    # A CUR 2.0 export with a product_instance_type column reads vcpu and memory from the product map
    # once per instance type. A fee row of the same type whose map has neither (as real reports have)
    # must not blank the hints of the usage rows, wherever it sits in the file: both usage rows keep the
    # 2 vCPU and 8 GiB written on them.
    usage = Line(**_M5, cost="1.00", vcpu="2", memory="8 GiB")
    sparse = Line("BoxUsage:m5.large", "0", "0.50", "Hrs", line_item_type="Fee", instance="m5.large")
    lines = [sparse, *[usage] * 3] if sparse_first else [*[usage] * 3, sparse]
    path = write_cur2_parquet(tmp_path / "cur2.parquet", lines)
    table = pq.read_table(path)
    pq.write_table(table.append_column("product_instance_type", pa.array(["m5.large"] * len(lines))), path)
    df = _scan(path)
    hints = df.filter(pl.col("line_item_type") == "Usage").select("vcpu_hint", "memory_gb_hint").rows()
    assert hints == [(2.0, 8.0)] * 3


@pytest.mark.parametrize(
    ("writer", "name"),
    [(write_legacy_csv, "cur.csv"), (write_cur2_csv, "cur2.csv"), (write_legacy_gz, "c.csv.gz")],
)
def test_timestamps_with_and_without_milliseconds(tmp_path: Path, writer: Writer, name: str) -> None:
    lines = [
        Line(**_M5, cost="1", start="2026-10-05T13:45:30Z", end="2026-10-05T14:00:00Z"),
        Line(**_M5, cost="1", start="2026-10-05T13:45:30.000Z", end="2026-10-05T14:00:00.000Z"),
        Line(**_M5, cost="1", start="2026-10-05T13:45:30.123Z", end="2026-10-05T14:00:00.999Z"),
        Line(**_M5, cost="1", start="2026-10-05 13:45:30", end="2026-10-05 14:00:00"),
    ]
    df = _scan(writer(tmp_path / name, lines))
    assert df["ChargePeriodStart"].to_list() == [
        datetime(2026, 10, 5, 13, 45, 30),
        datetime(2026, 10, 5, 13, 45, 30),
        datetime(2026, 10, 5, 13, 45, 30, 123000),
        datetime(2026, 10, 5, 13, 45, 30),
    ]
    assert df["ChargePeriodEnd"].to_list() == [
        datetime(2026, 10, 5, 14),
        datetime(2026, 10, 5, 14),
        datetime(2026, 10, 5, 14, 0, 0, 999000),
        datetime(2026, 10, 5, 14),
    ]
    assert df["billing_month"].to_list() == ["2026-10"] * 4


def test_zone_aware_parquet_timestamps_are_utc(tmp_path: Path) -> None:
    # 2026-10-01T00:30:00+00:00 stored zone-aware must come out as naive 00:30 UTC, whatever the
    # session time zone
    path = write_cur2_parquet(tmp_path / "x.parquet", [Line(**_M5, cost="1", start="2026-10-01T00:30:00Z")])
    assert _scan(path)["ChargePeriodStart"].to_list() == [datetime(2026, 10, 1, 0, 30)]


# --------------------------------------------------------------------------------------------------
# Report folders with manifests
# --------------------------------------------------------------------------------------------------

PERIOD = "20261001-20261101"
NEW_LINES = [
    Line(**_M5, cost="10.00"),
    Line("EBS:VolumeUsage.gp3", "100", "0.50", "GB-Mo"),
]
NEW_TOTAL = Decimal("10.50")  # 10.00 + 0.50
OLD_LINES = [
    Line(**_M5, cost="7.77"),
    Line("EBS:VolumeUsage.gp3", "90", "1.11", "GB-Mo"),
    Line("TimedStorage-ByteHrs", "10", "2.22", "GB-Mo", product="AmazonS3"),
]


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def _touch_later(path: Path, seconds: int = 3600) -> None:
    st = path.stat()
    os.utime(path, (st.st_atime + seconds, st.st_mtime + seconds))


def build_legacy_report(bucket: Path, *, prefix: str = "cur", report: str = "acme-cur") -> Path:
    """A legacy CUR folder as synced from S3: month manifest -> NEW; a stale OLD delivery beside it."""
    period_dir = bucket / prefix / report / PERIOD

    def manifest(assembly: str) -> dict[str, Any]:
        return {
            "assemblyId": assembly,
            "account": PAYER,
            "reportId": "a1b2c3",
            "reportName": report,
            "bucket": "acme-billing",
            "compression": "GZIP",
            "contentType": "text/csv",
            "billingPeriod": {"start": "20261001T000000.000Z", "end": "20261101T000000.000Z"},
            "reportKeys": [f"{prefix}/{report}/{PERIOD}/{assembly}/{report}-1.csv.gz"],
        }

    new, old = "7f1e2d3c-0000-4000-8000-000000000002", "7f1e2d3c-0000-4000-8000-000000000001"
    for assembly, lines in ((old, OLD_LINES), (new, NEW_LINES)):
        folder = period_dir / assembly
        folder.mkdir(parents=True)
        write_legacy_gz(folder / f"{report}-1.csv.gz", lines)
        _write_json(folder / f"{report}-Manifest.json", manifest(assembly))
    _write_json(period_dir / f"{report}-Manifest.json", manifest(new))
    # the stale per-assembly manifest copy is the newest file on disk (e.g. touched by a re-sync):
    # the month-level manifest must still decide
    _touch_later(period_dir / old / f"{report}-Manifest.json")
    _touch_later(period_dir / old / f"{report}-1.csv.gz")
    return period_dir / new


def build_cur2_export(bucket: Path, *, prefix: str = "exports", name: str = "acme-focus") -> Path:
    """A CUR 2.0 export: month manifest (dataFiles, s3:// URIs) -> NEW execution; OLD one left over."""
    root = bucket / prefix / name
    meta = root / "metadata" / "BILLING_PERIOD=2026-10"
    data = root / "data" / "BILLING_PERIOD=2026-10"

    def manifest(execution: str, n_files: int) -> dict[str, Any]:
        return {
            "executionId": execution,
            "exportArn": "arn:aws:bcm-data-exports:us-east-1:000011112222:export/acme-focus-1",
            "billingPeriod": {"start": "2026-10-01T00:00:00.000Z", "end": "2026-11-01T00:00:00.000Z"},
            "dataFiles": [
                f"s3://acme-billing/{prefix}/{name}/data/BILLING_PERIOD=2026-10/{execution}/"
                f"{name}-{i:05d}.snappy.parquet"
                for i in range(1, n_files + 1)
            ],
        }

    new, old = "exec-2026-11-03T0112", "exec-2026-10-28T0109"
    (data / old).mkdir(parents=True)
    write_cur2_parquet(data / old / f"{name}-00001.snappy.parquet", OLD_LINES)
    _write_json(meta / old / f"{name}-Manifest.json", manifest(old, 1))
    (data / new).mkdir(parents=True)
    # the new delivery is split over two files
    write_cur2_parquet(data / new / f"{name}-00001.snappy.parquet", NEW_LINES[:1])
    write_cur2_parquet(data / new / f"{name}-00002.snappy.parquet", NEW_LINES[1:])
    _write_json(meta / f"{name}-Manifest.json", manifest(new, 2))
    _touch_later(meta / old / f"{name}-Manifest.json")
    return data / new


@pytest.mark.parametrize("level", ["bucket", "report", "period"])
def test_legacy_manifest_reads_only_the_current_delivery(
    tmp_path: Path, factors: FactorSet, level: str
) -> None:
    bucket = tmp_path / "bucket"
    new_dir = build_legacy_report(bucket)
    source = {
        "bucket": bucket,
        "report": bucket / "cur" / "acme-cur",
        "period": bucket / "cur" / "acme-cur" / PERIOD,
    }[level]
    files = aws_cur.resolve_files(source, MONTH)
    assert files == [new_dir / "acme-cur-1.csv.gz"]
    df = _scan(source)
    assert df.height == 2
    assert set(df["source_file"]) == {str(new_dir / "acme-cur-1.csv.gz")}
    assert df["BilledCost"].sum() == NEW_TOTAL
    result = estimate([Source(source, "aws")], MONTH, factor_set=factors)
    cov = coverage_row(result)
    assert cov["billed_cost"] == NEW_TOTAL
    assert cov["rows"] == 2


def test_legacy_manifest_without_provider_is_detected(tmp_path: Path, factors: FactorSet) -> None:
    bucket = tmp_path / "bucket"
    build_legacy_report(bucket)
    result = estimate([bucket], MONTH, factor_set=factors)
    assert coverage_row(result)["billed_cost"] == NEW_TOTAL


def test_cur2_manifest_reads_only_the_current_execution(tmp_path: Path, factors: FactorSet) -> None:
    bucket = tmp_path / "bucket"
    new_dir = build_cur2_export(bucket)
    root = bucket / "exports" / "acme-focus"
    assert aws_cur.resolve_files(root, MONTH) == [
        new_dir / "acme-focus-00001.snappy.parquet",
        new_dir / "acme-focus-00002.snappy.parquet",
    ]
    df = _scan(root)
    assert df.height == 2
    assert df["source_row"].to_list() == [1, 1]  # one row in each of the two files
    assert df["BilledCost"].sum() == NEW_TOTAL
    cov = coverage_row(estimate([Source(bucket, "aws")], MONTH, factor_set=factors))
    assert cov["billed_cost"] == NEW_TOTAL
    assert cov["rows"] == 2


def test_manifest_listing_a_missing_file_names_the_key(tmp_path: Path, factors: FactorSet) -> None:
    bucket = tmp_path / "bucket"
    new_dir = build_legacy_report(bucket)
    (new_dir / "acme-cur-1.csv.gz").unlink()
    key = f"cur/acme-cur/{PERIOD}/{new_dir.name}/acme-cur-1.csv.gz"
    with pytest.raises(SourceNotFound, match=key):
        aws_cur.resolve_files(bucket, MONTH)
    with pytest.raises(SourceNotFound, match=key):
        estimate([Source(bucket, "aws")], MONTH, factor_set=factors)


def test_cur2_manifest_listing_a_missing_file_names_the_key(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    new_dir = build_cur2_export(bucket)
    (new_dir / "acme-focus-00002.snappy.parquet").unlink()
    with pytest.raises(SourceNotFound, match=r"acme-focus-00002\.snappy\.parquet"):
        aws_cur.resolve_files(bucket, MONTH)


# --------------------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------------------

PROJECT_CONFIG = config_from_mapping({"projects": {"rules": [{"tag": "user:project"}]}})
TAG_LINES = [
    Line(**_M5, cost="1.00", project="alpha"),
    Line("EBS:VolumeUsage.gp3", "10", "0.80", "GB-Mo", project="beta"),
    Line("EBS:VolumeUsage.gp2", "10", "1.00", "GB-Mo"),
]


@pytest.mark.parametrize(
    ("writer", "name", "tag_key"),
    [
        pytest.param(write_legacy_csv, "cur.csv", "user:project", id="legacy-resourceTags"),
        pytest.param(write_legacy_gz, "cur.csv.gz", "user:project", id="legacy-gz"),
        pytest.param(write_cur2_csv, "cur2.csv", "user_project", id="cur2-json"),
        pytest.param(write_cur2_parquet, "cur2.parquet", "user_project", id="cur2-map"),
        pytest.param(write_athena_parquet, "athena.parquet", "user_project", id="athena-column"),
    ],
)
def test_project_from_tag(
    tmp_path: Path, factors: FactorSet, writer: Writer, name: str, tag_key: str
) -> None:
    d = _detail(tmp_path, factors, TAG_LINES, writer=writer, name=name, config=PROJECT_CONFIG)
    assert d["project"].to_list() == ["alpha", "beta", "(unallocated)"]
    df = _scan(tmp_path / name, tag_keys=("user:project",))
    assert df["tag:user:project"].to_list() == ["alpha", "beta", None]
    tags = [json.loads(t) if t else {} for t in df["Tags"].to_list()]
    assert [t.get(tag_key) for t in tags] == ["alpha", "beta", None]


def test_project_tag_rule_with_value(tmp_path: Path, factors: FactorSet) -> None:
    config = config_from_mapping(
        {"projects": {"rules": [{"tag": "user:project", "value": "beta", "project": "b-team"}]}}
    )
    d = _detail(tmp_path, factors, TAG_LINES, writer=write_cur2_parquet, name="x.parquet", config=config)
    assert d["project"].to_list() == ["(unallocated)", "b-team", "(unallocated)"]
