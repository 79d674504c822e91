"""The CUR connector's reduced scan (reduce first, classify after) gives the per-row path's groups.

The estimate's default path asks the connector for the month's rows already added up by the raw columns
the estimate reads; ``--detail`` reads every row. Both must give the same groups, row counts and
figures on bills with repeated resources, mixed cost signs, negative quantities and rows of other
months, in a legacy CSV (text columns) and a CUR 2.0 Parquet file (MAP columns, typed values).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

import cloudcarbon
from cloudcarbon.config import config_from_mapping
from cloudcarbon.connectors import aws_cur
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.engine import open_engine
from tests.conftest import PINNED_FACTORS, cur_row, write_cur

CONFIG = {"projects": {"rules": [{"tag": "user:project"}]}}
SEPT = {"bill/BillingPeriodStartDate": "2026-09-01T00:00:00.000Z"}


def _legacy_rows() -> list[dict[str, str]]:
    web = {"instance": "m5.large", "project": "web", "vcpu": "2", "memory": "8 GiB"}
    return [
        # one resource, four hourly lines, one of them a negative-cost adjustment
        cur_row("BoxUsage:m5.large", 1, "0.096", "Hrs", **web),
        cur_row("BoxUsage:m5.large", 1, "0.096", "Hrs", **web, start="2026-10-02T00:00:00Z"),
        cur_row("BoxUsage:m5.large", 1, "0.096", "Hrs", **web, start="2026-10-03T00:00:00Z"),
        cur_row("BoxUsage:m5.large", 1, "-0.040", "Hrs", **web, start="2026-10-04T00:00:00Z"),
        # a usage correction (negative quantity) of the same resource
        cur_row("BoxUsage:m5.large", -1, "-0.096", "Hrs", **web, start="2026-10-05T00:00:00Z"),
        # an RDS instance (prefixed type) and storage of another project
        cur_row("InstanceUsage:db.m5.large", 2, "0.342", "Hrs", product="AmazonRDS", instance="db.m5.large"),
        cur_row("TimedStorage-ByteHrs", 10, "1.00", "GB-Mo", product="AmazonS3", project="data"),
        cur_row("TimedStorage-ByteHrs", 10, "1.00", "GB-Mo", product="AmazonS3", project="data"),
        # non-usage lines of both signs
        cur_row("", 0, "-2.50", "", line_item_type="Credit", project="web"),
        cur_row("", 0, "3.10", "", line_item_type="Tax"),
        # the same resource in September: not part of the month
        {**cur_row("BoxUsage:m5.large", 1, "0.096", "Hrs", **web, start="2026-09-30T00:00:00Z"), **SEPT},
        {**cur_row("TimedStorage-ByteHrs", 10, "7.00", "GB-Mo", product="AmazonS3", project="data"), **SEPT},
    ]


def _ts(day: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def _cur2_file(path: Path) -> Path:
    """A CUR 2.0 Parquet file: MAP columns for the product and the tags, typed values."""
    big = [("vcpu", "4"), ("memory", "16 GiB"), ("instance_type", "c5.xlarge")]
    lines = [
        # (type, start day, usage type, amount, cost, product map, tags, period month)
        ("Usage", 1, "BoxUsage:c5.xlarge", 1.0, "0.17", big, [("user:project", "api")], 10),
        ("Usage", 2, "BoxUsage:c5.xlarge", 1.0, "0.17", big, [("user:project", "api")], 10),
        ("Usage", 3, "BoxUsage:c5.xlarge", 1.0, "0.17", big, [("user:project", "api")], 10),
        ("Usage", 4, "BoxUsage:c5.xlarge", 1.0, "-0.05", big, [("user:project", "api")], 10),
        ("Usage", 5, "BoxUsage:c5.xlarge", 1.0, "0.17", big, [("user_project", "api")], 10),
        # a fee line of the same instance type whose product map has no vcpu or memory
        ("Fee", 6, "BoxUsage:c5.xlarge", 0.0, "1.00", [("instance_type", "c5.xlarge")], [], 10),
        ("Usage", 7, "BoxUsage:c5.xlarge", -1.0, "-0.17", big, [("user:project", "api")], 10),
        ("Credit", 8, "", 0.0, "-4.00", [], [("user:project", "api")], 10),
        # another month: its vcpu hint still counts for the type (as on the per-row path), its cost not
        ("Usage", 30, "BoxUsage:c5.xlarge", 1.0, "9.00", big, [("user:project", "api")], 9),
    ]
    money = pa.decimal128(18, 10)
    cols = {
        "bill_billing_period_start_date": pa.array([_ts(1, m) for *_, m in lines], pa.timestamp("ms", "UTC")),
        "line_item_usage_account_id": ["111122223333"] * len(lines),
        "line_item_line_item_type": [t for t, *_ in lines],
        "line_item_usage_start_date": pa.array(
            [_ts(d, m) for _, d, *_, m in lines], pa.timestamp("ms", "UTC")
        ),
        "line_item_usage_end_date": pa.array(
            [_ts(d, m).replace(hour=1) for _, d, *_, m in lines], pa.timestamp("ms", "UTC")
        ),
        "line_item_product_code": ["AmazonEC2"] * len(lines),
        "line_item_usage_type": [u for _, _, u, *_ in lines],
        "line_item_availability_zone": ["eu-west-1a"] * len(lines),
        "line_item_usage_amount": pa.array([a for _, _, _, a, *_ in lines], pa.float64()),
        "line_item_unblended_cost": pa.array([Decimal(c) for _, _, _, _, c, *_ in lines], money),
        "line_item_currency_code": ["USD"] * len(lines),
        "pricing_unit": ["Hrs"] * len(lines),
        "product_instance_type": ["c5.xlarge" if u else None for _, _, u, *_ in lines],
        "product": pa.array([p for *_, p, _, _ in lines], pa.map_(pa.string(), pa.string())),
        "resource_tags": pa.array([t for *_, t, _ in lines], pa.map_(pa.string(), pa.string())),
    }
    pq.write_table(pa.table(cols), path)
    return path


def _groups(source: str, *, detail: bool) -> pl.DataFrame:
    res = cloudcarbon.estimate(
        [source],
        "2026-10",
        config=config_from_mapping(CONFIG),
        factor_set=PINNED_FACTORS,
        group_by=("project", "service", "region"),
        detail=detail,
    )
    keys = [c for c, t in res.groups.schema.items() if not t.is_float() and not t.is_decimal()]
    return res.groups.sort(keys, nulls_last=True)


@pytest.mark.parametrize("kind", ["legacy-csv", "cur2-parquet"])
def test_reduced_and_per_row_paths_give_the_same_groups(tmp_path: Path, kind: str) -> None:
    if kind == "legacy-csv":
        path = write_cur(tmp_path / "cur.csv", _legacy_rows())
        # in October: 10 lines; billed 0.096*3 - 0.040 - 0.096 + 0.342 + 1.00*2 - 2.50 + 3.10 = 3.094
        month_rows, billed = 10, Decimal("3.094")
    else:
        path = _cur2_file(tmp_path / "cur2.parquet")
        # in October: 8 lines; billed 0.17*3 - 0.05 + 0.17 + 1.00 - 0.17 - 4.00 = -2.54
        month_rows, billed = 8, Decimal("-2.54")
    reduced = _groups(f"aws:{path}", detail=False)
    per_row = _groups(f"aws:{path}", detail=True)
    assert reduced["rows"].sum() == month_rows
    assert Decimal(reduced["cost"].sum()) == billed
    assert_frame_equal(reduced, per_row, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)


def test_reduced_scan_adds_up_rows_of_one_sign_and_month(tmp_path: Path) -> None:
    """The connector's reduced rows: one per raw attribute set and cost sign, rows of the month only."""
    path = write_cur(tmp_path / "cur.csv", _legacy_rows())
    with open_engine(config_from_mapping(CONFIG).engine) as engine:
        ctx = ScanContext(
            con=engine.con, workdir=engine.workdir, tag_keys=("user:project",), month="2026-10", reduce=True
        )
        df = aws_cur.scan(Source(path, "aws"), ctx).to_native().pl()
    web = df.filter(pl.col("usage_type") == "BoxUsage:m5.large").sort("BilledCost")
    # three lines at 0.096 add up; the -0.040 line and the correction (negative quantity) stay apart
    assert web.select("source_rows", "ConsumedQuantity", "BilledCost").rows() == [
        (1, -1.0, Decimal("-0.096")),
        (1, 1.0, Decimal("-0.040")),
        (3, 3.0, Decimal("0.288")),
    ]
    assert web["charge_class"].to_list() == ["correction", "usage", "usage"]
    # September's lines are not read; October's S3 lines are one row of two
    s3 = df.filter(pl.col("ServiceName") == "AmazonS3")
    assert s3.select("source_rows", "BilledCost").rows() == [(2, Decimal("2.00"))]
    assert df["source_rows"].sum() == 10
