"""Paths are literal (glob characters in names read only that file); manifests stay in their folder."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudcarbon.exceptions import SourceError
from tests.hostile._build import billed, cur, gcp_jsonl, gcp_row, m5, run

D = Decimal


@pytest.mark.parametrize("name", ["cur[1].csv", "cur*.csv", "cur?.csv", "cur{1,2}.csv", "cur[!x].csv"])
def test_glob_characters_in_a_file_name(tmp_path: Path, name: str) -> None:
    target = cur(tmp_path / name, [m5("1.00")])
    # siblings a glob of the name would match: cur1.csv, curx.csv, cur2.csv
    for other, cost in (("cur1.csv", "100.00"), ("curx.csv", "200.00"), ("cur2.csv", "400.00")):
        cur(tmp_path / other, [m5(cost)])
    # only the named file: 1.00 (a glob would add 100, 200 or 400)
    assert billed(run([target])) == {"USD": D("1.00")}


def test_glob_characters_in_a_folder_name(tmp_path: Path) -> None:
    cur(tmp_path / "exp[1]" / "cur.csv", [m5("2.00")])
    cur(tmp_path / "exp1" / "cur.csv", [m5("300.00")])
    assert billed(run([tmp_path / "exp[1]"])) == {"USD": D("2.00")}


def test_glob_characters_in_a_zip_name(tmp_path: Path) -> None:
    inner = cur(tmp_path / "src" / "cur.csv", [m5("3.00")])
    z = tmp_path / "cur[a].zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(inner, "cur.csv")
    cur(tmp_path / "cura.csv", [m5("500.00")])
    assert billed(run([z])) == {"USD": D("3.00")}


def test_glob_characters_in_a_parquet_name(tmp_path: Path) -> None:
    def write(p: Path, cost: str) -> Path:
        table = pa.table(
            {
                "line_item_usage_account_id": ["012345678901"],
                "line_item_usage_type": ["BoxUsage:m5.large"],
                "line_item_usage_amount": ["24"],
                "line_item_unblended_cost": [cost],
                "line_item_usage_start_date": ["2026-10-01T00:00:00Z"],
                "line_item_line_item_type": ["Usage"],
                "line_item_product_code": ["AmazonEC2"],
                "product_instance_type": ["m5.large"],
                "product_region_code": ["us-east-1"],
                "pricing_unit": ["Hrs"],
            }
        )
        pq.write_table(table, p)
        return p

    target = write(tmp_path / "cur*.parquet", "4.00")
    write(tmp_path / "cur-other.parquet", "600.00")
    assert billed(run([target])) == {"USD": D("4.00")}


def test_glob_characters_in_a_gcp_jsonl_name(tmp_path: Path) -> None:
    target = gcp_jsonl(tmp_path / "b[1].jsonl", [gcp_row("0.05")])
    gcp_jsonl(tmp_path / "b1.jsonl", [gcp_row("9.00")])
    assert billed(run([f"gcp:{target}"])) == {"USD": D("0.05")}


A = "11111111-2222-3333-4444-555555555555"


def _manifest(path: Path, keys: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"assemblyId": A, "billingPeriod": {"start": "20261001T000000.000Z"}, "reportKeys": keys})
    )
    return path


@pytest.mark.parametrize(
    "key",
    [
        "../outside/cur.csv",
        "prefix/report/../../outside/cur.csv",
        "s3://bucket/../outside/cur.csv",
        "/etc/outside/cur.csv",
    ],
)
def test_manifest_naming_a_file_outside_its_folder_is_refused(tmp_path: Path, key: str) -> None:
    cur(tmp_path / "outside" / "cur.csv", [m5("700.00")])
    report = tmp_path / "report"
    m = _manifest(report / "20261001-20261101" / "report-Manifest.json", [key])
    with pytest.raises(SourceError, match="outside the report folder") as exc:
        run([f"aws:{report}"])
    assert str(m) in str(exc.value)


def test_manifest_inside_its_folder_is_read(tmp_path: Path) -> None:
    report = tmp_path / "report"
    cur(report / "20261001-20261101" / A / "cur.csv", [m5("5.00")])
    _manifest(
        report / "20261001-20261101" / "report-Manifest.json", [f"p/report/20261001-20261101/{A}/cur.csv"]
    )
    assert billed(run([f"aws:{report}"])) == {"USD": D("5.00")}


def test_cur2_manifest_passed_on_its_own_reads_its_report_folder(tmp_path: Path) -> None:
    export = tmp_path / "exports" / "cur2"
    cur(export / "data" / "BILLING_PERIOD=2026-10" / "part-0.csv", [m5("6.00")])
    m = _manifest(
        export / "metadata" / "BILLING_PERIOD=2026-10" / "cur2-Manifest.json",
        ["prefix/cur2/data/BILLING_PERIOD=2026-10/part-0.csv"],
    )
    assert billed(run([f"aws:{m}"])) == {"USD": D("6.00")}
