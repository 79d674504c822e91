"""Spark reads exports where they lie: sources named by URI are listed, detected, resolved through their
manifests and hashed through the session's Hadoop FileSystem (issue 10).

No cloud connector can be installed here, so the real Hadoop code path is exercised with ``file://``
URIs (Hadoop's local FileSystem): the same calls (``getFileStatus``, ``listFiles``, ``open``) that S3A,
ABFS and GCS answer on a cluster. Expected figures: the CUR folders are the hand-written ones of
``tests/connectors/test_aws_cur.py`` (the current delivery bills 10.00 + 0.50 = 10.50 in 2 rows; the
stale one, 7.77 + 1.11 + 2.22 in 3 rows, must not count); the GCP and FOCUS folders are compared with
the DuckDB engine reading the same files by local path.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

import cloudcarbon as cc
from cloudcarbon.connectors import aws_cur
from cloudcarbon.connectors._uri import HadoopPath, bind
from cloudcarbon.pipeline import estimate
from tests.connectors.test_aws_cur import (
    NEW_LINES,
    NEW_TOTAL,
    build_cur2_export,
    build_legacy_report,
    write_legacy_zip,
)
from tests.spark.conftest import MONTH, as_uri
from tests.spark.test_parity import assert_coverage_adds_up, assert_same_groups


def _billed(result: cc.EstimateResult) -> tuple[Any, int]:
    row = result.coverage.to_dicts()[0]
    return row["billed_cost"], int(row["rows"])


def test_legacy_cur_report_by_uri_reads_the_current_delivery(spark: Any, tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    new_dir = build_legacy_report(bucket)
    current = new_dir / "acme-cur-1.csv.gz"
    bind(spark)
    try:
        # the manifest rules on the Hadoop file system: the month manifest names the current delivery
        assert aws_cur.resolve_files(HadoopPath(as_uri(bucket)), MONTH) == [HadoopPath(as_uri(current))]
    finally:
        bind(None)
    for spec in (f"aws:{as_uri(bucket)}", as_uri(bucket)):  # named, and detected from the header
        result = estimate([spec], MONTH, spark=spark)
        assert _billed(result) == (NEW_TOTAL, 2), spec
        assert_coverage_adds_up(result)
    # the ledger's input record: the URI as given, the size and sha256 of the bytes, read through Hadoop
    # and checked here against the local file read directly
    (only,) = result.inputs
    data = current.read_bytes()
    assert (only.path, only.size, only.sha256) == (
        as_uri(current),
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def test_cur2_export_by_uri_reads_the_current_execution(spark: Any, tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    new_dir = build_cur2_export(bucket)
    result = estimate([f"aws:{as_uri(bucket / 'exports' / 'acme-focus')}"], MONTH, spark=spark)
    assert _billed(result) == (NEW_TOTAL, 2)  # two Parquet files of one row each
    assert sorted(f.path for f in result.inputs) == [
        as_uri(new_dir / f"acme-focus-0000{i}.snappy.parquet") for i in (1, 2)
    ]


def test_zipped_cur_by_uri(spark: Any, tmp_path: Path) -> None:
    """A zip member is opened through a seekable Hadoop stream and converted on the driver."""
    path = write_legacy_zip(tmp_path / "cur.zip", NEW_LINES)
    duck = estimate([f"aws:{path}"], MONTH)
    on_spark = estimate([f"aws:{as_uri(path)}"], MONTH, spark=spark)
    assert _billed(on_spark) == _billed(duck) == (NEW_TOTAL, 2)
    assert_same_groups(duck.groups, on_spark.groups)


@pytest.mark.parametrize("provider", ["gcp", "focus"])
def test_gcp_and_focus_folders_by_uri(spark: Any, demo: tuple[list[str], cc.Config], provider: str) -> None:
    sources, config = demo
    local = next(s for s in sources if s.startswith(f"{provider}:")).split(":", 1)[1]
    duck = estimate([f"{provider}:{local}"], MONTH, config=config, group_by=["provider", "project"])
    assert duck.coverage["rows"].sum() > 0
    for spec in (f"{provider}:{as_uri(Path(local))}", as_uri(Path(local))):  # named, and detected
        on_spark = estimate([spec], MONTH, config=config, group_by=["provider", "project"], spark=spark)
        assert_same_groups(duck.groups, on_spark.groups)
        assert on_spark.coverage["rows"].to_list() == duck.coverage["rows"].to_list()
        assert len(on_spark.inputs) == len(duck.inputs)
        assert sorted(f.sha256 for f in on_spark.inputs) == sorted(f.sha256 for f in duck.inputs)


def test_missing_uri_names_it(spark: Any, tmp_path: Path) -> None:
    uri = as_uri(tmp_path) + "/no-such-folder"
    with pytest.raises(cc.SourceNotFound, match="no-such-folder"):
        estimate([f"aws:{uri}"], MONTH, spark=spark)


def test_bad_value_by_uri_is_one_line(spark: Any, tmp_path: Path) -> None:
    """A cost that is not a number in a file named by URI: one error naming the file, row and column
    (diagnosed on Spark, since the embedded engine cannot read the URI)."""
    from tests.conftest import cur_row, write_cur

    ec2 = ("BoxUsage:m5.large", "1", "0.096", "Hrs")
    path = write_cur(
        tmp_path / "cur.csv",
        [cur_row(*ec2), cur_row("BoxUsage:m5.large", "one and a half", "0.096", "Hrs")],
    )
    with pytest.raises(cc.SourceError) as err:
        estimate([f"aws:{as_uri(path)}"], MONTH, spark=spark)
    text = str(err.value)
    assert "\n" not in text and str(path) in text
    assert "row 2" in text and "lineItem/UsageAmount" in text
