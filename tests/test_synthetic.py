"""Tests for the synthetic AWS CUR generator (scripts/synth/cur.py)."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scripts.synth.cur import (
    CUR2_SCHEMA,
    CurDelivery,
    generate_cur_month,
    generate_large_cur_parquet,
)

USAGE_TYPE_FAMILIES = [
    "BoxUsage:m5.large",
    "USW2-BoxUsage:m6g.large",
    "EUC1-BoxUsage:c6i.2xlarge",
    "BoxUsage:r5.xlarge",
    "BoxUsage:t3.medium",
    "BoxUsage:m7i.xlarge",
    "USW2-BoxUsage:p4d.24xlarge",
    "USE2-BoxUsage:g5.xlarge",
    "BoxUsage:inf2.xlarge",
    "SpotUsage:",
    "DedicatedUsage:",
    "BoxUsage:zz9.large",
    "EBS:VolumeUsage.gp3",
    "EBS:VolumeUsage.gp2",
    "EBS:VolumeUsage.st1",
    "EBS:SnapshotUsage",
    "TimedStorage-ByteHrs",
    "TimedStorage-ZIA-ByteHrs",
    "Requests-Tier1",
    "DataTransfer-Out-Bytes",
    "USE1-USW2-AWS-Out-Bytes",
    "DataTransfer-Regional-Bytes",
    "Lambda-GB-Second",
    "Request",
    "Fargate-vCPU-Hours:perCPU",
    "Fargate-GB-Hours",
    "InstanceUsage:db.r5.large",
    "Multi-AZUsage:db.m5.large",
    "RDS:GP2-Storage",
    "NatGateway-Hours",
    "NatGateway-Bytes",
    "CW:MetricMonitorUsage",
    "AmazonEKS-Hours:perCluster",
]
LINE_ITEM_TYPES = {
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanRecurringFee",
    "RIFee",
    "Fee",
    "Tax",
    "Credit",
    "Refund",
    "EdpDiscount",
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CurDelivery]:
    out = tmp_path_factory.mktemp("legacy")
    return out, generate_cur_month(out)


@pytest.fixture(scope="module")
def legacy_rows(legacy: tuple[Path, CurDelivery]) -> list[dict[str, str]]:
    delivery = legacy[1]
    return _read_csv(delivery.data_files[0])


def test_legacy_layout_manifest_points_at_newest_assembly(legacy: tuple[Path, CurDelivery]) -> None:
    out, delivery = legacy
    d = delivery
    period = out / "cloudcarbon-demo" / "20261001-20261101"
    assert d.manifest_path == period / "cloudcarbon-demo-Manifest.json"
    manifest = json.loads(d.manifest_path.read_text())
    for key in (
        "assemblyId",
        "account",
        "columns",
        "charset",
        "compression",
        "contentType",
        "reportId",
        "reportName",
        "billingPeriod",
        "bucket",
        "reportKeys",
        "additionalArtifactKeys",
    ):
        assert key in manifest
    assert manifest["billingPeriod"] == {"start": "20261001T000000.000Z", "end": "20261101T000000.000Z"}
    assert manifest["reportKeys"] == [
        f"cloudcarbon-demo/20261001-20261101/{manifest['assemblyId']}/cloudcarbon-demo-1.csv.gz"
    ]
    assert (out / manifest["reportKeys"][0]) == d.data_files[0]
    assemblies = sorted(p.name for p in period.iterdir() if p.is_dir())
    assert len(assemblies) == 2 and manifest["assemblyId"] in assemblies
    assert (period / manifest["assemblyId"] / "cloudcarbon-demo-Manifest.json").exists()
    assert d.stale_files and all(p.exists() for p in d.stale_files)
    stale_data = next(p for p in d.stale_files if p.name.endswith(".csv.gz"))
    assert manifest["assemblyId"] not in str(stale_data)
    header = list(_read_csv(d.data_files[0])[0])
    assert [f"{c['category']}/{c['name']}" for c in manifest["columns"]] == header
    # the stale delivery has fewer rows and a different total
    stale_rows = _read_csv(stale_data)
    assert len(stale_rows) < d.row_count


def test_legacy_content(legacy: tuple[Path, CurDelivery], legacy_rows: list[dict[str, str]]) -> None:
    delivery = legacy[1]
    rows = legacy_rows
    assert len(rows) == delivery.row_count
    usage_types = {r["lineItem/UsageType"] for r in rows}
    for family in USAGE_TYPE_FAMILIES:
        assert any(family in ut for ut in usage_types), family
    types = Counter(r["lineItem/LineItemType"] for r in rows)
    assert set(types) == LINE_ITEM_TYPES
    assert dict(types) == dict(delivery.line_item_type_counts)
    assert 1 <= types["Tax"] <= 10
    for lit in ("Credit", "Refund", "EdpDiscount"):
        assert all(
            Decimal(r["lineItem/UnblendedCost"]) < 0 for r in rows if r["lineItem/LineItemType"] == lit
        )
    for r in rows:
        if r["lineItem/LineItemType"] == "DiscountedUsage":
            assert Decimal(r["lineItem/UnblendedCost"]) == 0
            assert Decimal(r["reservation/EffectiveCost"]) > 0
        if "BoxUsage" in r["lineItem/UsageType"] and r["lineItem/LineItemType"] == "Usage":
            assert r["pricing/unit"] == "Hrs"
        assert r["lineItem/CurrencyCode"] == "USD"
        for col in ("lineItem/UnblendedCost", "lineItem/UsageAmount"):
            if r[col]:
                assert len(r[col].partition(".")[2]) <= 10
                assert "E" not in r[col].upper()
    zz9 = next(r for r in rows if r["lineItem/UsageType"] == "BoxUsage:zz9.large")
    assert zz9["product/vcpu"] == "2" and zz9["product/memory"] == "8 GiB"
    ebs = next(r for r in rows if r["lineItem/UsageType"] == "EBS:SnapshotUsage")
    assert ebs["pricing/unit"] == "GB-Mo" and Decimal(ebs["lineItem/UsageAmount"]) < 100
    fargate = next(r for r in rows if "Fargate-vCPU" in r["lineItem/UsageType"])
    assert fargate["pricing/unit"] == "vCPU-Hours"
    # daily granularity
    assert {r["identity/TimeInterval"][:10] for r in rows} >= {"2026-10-01", "2026-10-31"}
    assert all(r["lineItem/UsageStartDate"].endswith(".000Z") for r in rows)
    # tags: most resources tagged, some not
    tagged = sum(1 for r in rows if r["resourceTags/user:project"])
    usage = [r for r in rows if r["lineItem/LineItemType"] == "Usage"]
    assert 0.5 * len(usage) < tagged
    assert any(not r["resourceTags/user:project"] for r in usage)


def test_savings_plan_pairs_cancel(legacy_rows: list[dict[str, str]]) -> None:
    covered: Counter[tuple[str, str, str]] = Counter()
    for r in legacy_rows:
        key = (r["lineItem/UsageAccountId"], r["lineItem/UsageType"], r["lineItem/UsageStartDate"])
        if r["lineItem/LineItemType"] == "SavingsPlanCoveredUsage":
            covered[key] += 1
            cost = Decimal(r["lineItem/UnblendedCost"])
            neg = [
                n
                for n in legacy_rows
                if n["lineItem/LineItemType"] == "SavingsPlanNegation"
                and (n["lineItem/UsageAccountId"], n["lineItem/UsageType"], n["lineItem/UsageStartDate"])
                == key
            ]
            assert len(neg) == 1
            assert Decimal(neg[0]["lineItem/UnblendedCost"]) == -cost
    assert covered
    total = sum(
        (
            Decimal(r["lineItem/UnblendedCost"])
            for r in legacy_rows
            if r["lineItem/LineItemType"] in {"SavingsPlanCoveredUsage", "SavingsPlanNegation"}
        ),
        Decimal(0),
    )
    assert total == 0


def test_billed_cost_is_exact(legacy: tuple[Path, CurDelivery], legacy_rows: list[dict[str, str]]) -> None:
    expected = sum((Decimal(r["lineItem/UnblendedCost"]) for r in legacy_rows), Decimal(0))
    assert legacy[1].billed_cost == expected
    assert isinstance(legacy[1].billed_cost, Decimal)


def test_account_ids_keep_leading_zeros(legacy_rows: list[dict[str, str]]) -> None:
    accounts = {r["lineItem/UsageAccountId"] for r in legacy_rows}
    assert "012345678901" in accounts
    assert all(len(a) == 12 and a.isdigit() for a in accounts)
    assert len({r["bill/PayerAccountId"] for r in legacy_rows}) == 1
    assert len(accounts) >= 5


def test_deterministic_bytes(tmp_path: Path) -> None:
    a = generate_cur_month(tmp_path / "a", seed=11)
    b = generate_cur_month(tmp_path / "b", seed=11)
    c = generate_cur_month(tmp_path / "c", seed=12)
    assert a.data_files[0].read_bytes() == b.data_files[0].read_bytes()
    assert a.manifest_path.read_bytes() == b.manifest_path.read_bytes()
    assert a.billed_cost == b.billed_cost
    assert a.data_files[0].read_bytes() != c.data_files[0].read_bytes()
    pa_ = generate_cur_month(tmp_path / "pa", flavour="cur2", file_format="parquet", seed=11)
    pb = generate_cur_month(tmp_path / "pb", flavour="cur2", file_format="parquet", seed=11)
    assert pa_.data_files[0].read_bytes() == pb.data_files[0].read_bytes()


def test_not_restated_has_single_delivery(tmp_path: Path) -> None:
    d = generate_cur_month(tmp_path, restated=False, file_format="csv")
    assert d.stale_files == ()
    assert d.data_files[0].name == "cloudcarbon-demo-1.csv"


def test_cur2_csv_layout_and_maps(tmp_path: Path) -> None:
    d = generate_cur_month(tmp_path, flavour="cur2")
    manifest_path = (
        tmp_path
        / "cloudcarbon-demo"
        / "metadata"
        / "BILLING_PERIOD=2026-10"
        / "cloudcarbon-demo-Manifest.json"
    )
    assert d.manifest_path == manifest_path
    manifest = json.loads(manifest_path.read_text())
    assert tmp_path / manifest["reportKeys"][0] == d.data_files[0]
    assert d.data_files[0].parent.parent.name == "BILLING_PERIOD=2026-10"
    assert d.data_files[0].parent.parent.parent.name == "data"
    assert d.stale_files and all(p.exists() for p in d.stale_files)
    rows = _read_csv(d.data_files[0])
    assert list(rows[0]) == CUR2_SCHEMA.names
    assert [c["name"] for c in manifest["columns"]] == CUR2_SCHEMA.names
    total = sum((Decimal(r["line_item_unblended_cost"]) for r in rows), Decimal(0))
    assert total == d.billed_cost
    gpu = next(r for r in rows if r["line_item_usage_type"] == "USW2-BoxUsage:p4d.24xlarge")
    product = json.loads(gpu["product"])
    assert product["gpu"] == "8" and product["vcpu"] == "96"
    assert gpu["product_instance_type"] == "p4d.24xlarge"
    assert json.loads(gpu["resource_tags"]) == {
        "user_project": "ml-platform",
        "user_team": "ml-research",
        "user_stage": "training",
        "user_run": "llm-finetune-2026-10a",
    }
    assert "012345678901" in {r["line_item_usage_account_id"] for r in rows}


def test_cur2_and_legacy_parquet(tmp_path: Path) -> None:
    d = generate_cur_month(tmp_path / "c2", flavour="cur2", file_format="parquet")
    # the file alone: older pyarrow also reads BILLING_PERIOD=... in its path as a partition column
    table = pq.read_table(d.data_files[0], partitioning=None)
    assert table.schema.remove_metadata().equals(CUR2_SCHEMA)
    assert table.num_rows == d.row_count
    costs = table.column("line_item_unblended_cost").to_pylist()
    assert sum(costs, Decimal(0)) == d.billed_cost
    assert pa.types.is_map(table.schema.field("product").type)
    legacy = generate_cur_month(tmp_path / "lg", file_format="parquet")
    lt = pq.read_table(legacy.data_files[0])
    assert "line_item_usage_type" in lt.column_names
    assert "resource_tags_user_project" in lt.column_names
    assert "savings_plan_savings_plan_a_r_n" in lt.column_names
    assert lt.num_rows == legacy.row_count


def test_large_parquet(tmp_path: Path) -> None:
    path = generate_large_cur_parquet(tmp_path / "large.parquet", rows=50_000, row_group_rows=20_000)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == 50_000
    assert meta.num_row_groups == 3
    schema = pq.read_schema(path).remove_metadata()
    assert schema.equals(CUR2_SCHEMA)
    table = pq.read_table(
        path,
        columns=[
            "line_item_line_item_type",
            "line_item_usage_type",
            "line_item_unblended_cost",
            "resource_tags",
            "product_instance_type",
            "product_region_code",
            "line_item_usage_account_id",
        ],
    )
    types = Counter(table.column("line_item_line_item_type").to_pylist())
    assert types["SavingsPlanCoveredUsage"] == types["SavingsPlanNegation"] > 0
    usage = types["Usage"] + types["DiscountedUsage"] + types["SavingsPlanCoveredUsage"]
    assert 0.80 < usage / 50_000 < 0.90
    assert {"Tax", "Credit", "Fee", "Refund", "EdpDiscount"} <= set(types)
    tags = table.column("resource_tags").to_pylist()
    no_project = sum(1 for t in tags if not any(k == "user_project" for k, _ in t))
    assert 0.10 < no_project / 50_000 < 0.20
    uts = set(table.column("line_item_usage_type").drop_null().to_pylist())
    assert any("EBS:VolumeUsage" in u for u in uts)
    assert any("TimedStorage-ByteHrs" in u for u in uts)
    assert any("DataTransfer-Out-Bytes" in u for u in uts)
    assert len(set(table.column("product_instance_type").drop_null().to_pylist())) > 300
    assert len(set(table.column("product_region_code").drop_null().to_pylist())) == 30
    accounts = set(table.column("line_item_usage_account_id").to_pylist())
    assert len(accounts) == 200 and all(len(a) == 12 for a in accounts)
    again = generate_large_cur_parquet(tmp_path / "again.parquet", rows=50_000, row_group_rows=20_000)
    assert pq.read_table(again).equals(pq.read_table(path))
