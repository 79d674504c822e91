"""The three providers' footprint readers, on hand-made files (figures converted by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from cloudcarbon.exceptions import SourceError, ValueParseError
from cloudcarbon.footprint import PROVIDER_FOOTPRINT, read_footprints
from tests.footprint.fixtures import (
    AWS_COLUMNS,
    GCP_COLUMNS,
    SUB,
    aws_row,
    azure_document,
    azure_item,
    gcp_row,
    nested,
    write_csv,
    write_csv_gz,
)


def test_aws_export_csv_tonnes_to_kg(tmp_path: Path) -> None:
    f = write_csv(
        tmp_path / "x.csv", [aws_row("0.412", mbm="0.118", s1="0.003", s2="0.270", s3="0.139")], AWS_COLUMNS
    )
    fp = read_footprints([f])
    assert fp.table.schema == pl.Schema(PROVIDER_FOOTPRINT)
    r = fp.table.row(0, named=True)
    # 0.412 t = 412 kg; 0.118 t = 118 kg; scopes 3 kg, 270 kg, 139 kg (3 + 270 + 139 = 412)
    assert r["provider"] == "aws" and r["billing_period"] == "2026-10"
    assert (r["account_id"], r["billing_account_id"], r["region"], r["service"]) == (
        "111111111111", "000011112222", "us-east-1", "AmazonEC2",
    )  # fmt: skip
    assert r["location_kgco2e"] == pytest.approx(412.0)
    assert r["market_kgco2e"] == pytest.approx(118.0)
    assert (r["scope1_kgco2e"], r["scope2_location_kgco2e"], r["scope3_kgco2e"]) == pytest.approx(
        (3.0, 270.0, 139.0)
    )
    assert r["scope2_market_kgco2e"] is None
    assert r["model_version"] == "v3.0.0" and r["source_row"] == 1
    assert r["refreshed_at"] == "2026-11-19 07:12:44Z"


def test_aws_export_gz_and_parquet_read_the_same(tmp_path: Path) -> None:
    rows = [aws_row("0.5"), aws_row("0.25", product="AmazonS3")]
    gz = write_csv_gz(tmp_path / "a" / "part.csv.gz", rows, AWS_COLUMNS)
    pq = tmp_path / "b" / "part.parquet"
    pq.parent.mkdir()
    pl.DataFrame(rows).with_columns(
        pl.col("total_lbm_emissions_value").cast(pl.Float64),
        pl.col("total_mbm_emissions_value").cast(pl.Float64),
    ).write_parquet(pq)
    for f in (gz, pq):
        t = read_footprints([f]).table
        assert t["location_kgco2e"].to_list() == pytest.approx([500.0, 250.0]), f


def test_aws_folder_picks_the_highest_model_version_per_month(tmp_path: Path) -> None:
    data = tmp_path / "carbon" / "data"
    # October delivered under v2 and v3 (the three-month overlap), November only under v3
    write_csv(
        data / "model_version=v2.0.0" / "usage_period=2026-10" / "a.csv",
        [aws_row("0.3", version="v2.0.0")],
        AWS_COLUMNS,
    )
    write_csv(data / "model_version=v3.0.0" / "usage_period=2026-10" / "a.csv", [aws_row("0.4")], AWS_COLUMNS)
    write_csv(
        data / "model_version=v3.0.0" / "usage_period=2026-11" / "a.csv",
        [aws_row("0.1", month="2026-11")],
        AWS_COLUMNS,
    )
    (data.parent / "metadata").mkdir()
    (data.parent / "metadata" / "carbon-Manifest.json").write_text("{}", encoding="utf-8")
    fp = read_footprints([tmp_path / "carbon"])
    by_month = dict(zip(fp.table["billing_period"], fp.table["location_kgco2e"], strict=True))
    # never 0.3 + 0.4 t: October is v3's 400 kg
    assert by_month == pytest.approx({"2026-10": 400.0, "2026-11": 100.0})
    assert fp.ignored.height == 1
    ign = fp.ignored.row(0, named=True)
    assert ign["model_version"] == "v2.0.0" and ign["location_kgco2e"] == pytest.approx(300.0)
    assert "v3.0.0" in ign["reason"]
    # version order is numeric, not text: v10 is above v9
    write_csv(
        data / "model_version=v10.0.0" / "usage_period=2026-11" / "a.csv",
        [aws_row("0.2", month="2026-11", version="v10.0.0")],
        AWS_COLUMNS,
    )
    write_csv(
        data / "model_version=v9.0.0" / "usage_period=2026-11" / "a.csv",
        [aws_row("0.9", month="2026-11", version="v9.0.0")],
        AWS_COLUMNS,
    )
    nov = read_footprints([tmp_path / "carbon"]).table.filter(pl.col("billing_period") == "2026-11")
    assert nov["model_version"].to_list() == ["v10.0.0"]


def test_aws_restated_delivery_keeps_the_latest_refresh(tmp_path: Path) -> None:
    old = write_csv(
        tmp_path / "d1" / "a.csv", [aws_row("0.4", refreshed="2026-11-05 01:00:00Z")], AWS_COLUMNS
    )
    new = write_csv(
        tmp_path / "d2" / "a.csv", [aws_row("0.45", refreshed="2026-11-20 01:00:00Z")], AWS_COLUMNS
    )
    fp = read_footprints([old, new])
    assert fp.table["location_kgco2e"].to_list() == pytest.approx([450.0])
    assert fp.ignored["source"].to_list() == [str(old)]
    assert "restated" in fp.ignored["reason"][0]


def test_aws_console_csv(tmp_path: Path) -> None:
    f = tmp_path / "ccft.csv"
    f.write_text(
        "usage_year,service,region,total_lbm_emissions,total_mbm_emissions,total_scope_1_emissions_value,"
        "total_scope_2_lbm_emissions_value,total_scope_2_mbm_emissions_value,total_scope_3_lbm_emissions_value,"
        "total_scope_3_mbm_emissions_value,cfe_savings_value,model_version\n"
        "2025,EC2,US East (N. Virginia),1.5,0.25,0.01,0.99,0,0.5,0.24,0,v3.0.1\n",
        encoding="utf-8",
    )
    r = read_footprints([f]).table.row(0, named=True)
    # 1.5 t = 1500 kg; no account; the long region name kept as the label
    assert r["billing_period"] == "2025" and r["account_id"] is None
    assert r["region"] is None and r["location_label"] == "US East (N. Virginia)"
    assert r["location_kgco2e"] == pytest.approx(1500.0) and r["scope3_kgco2e"] == pytest.approx(500.0)


def test_gcp_flat_csv_nested_jsonl_and_parquet(tmp_path: Path) -> None:
    rows = [
        gcp_row("52.31", market_kg="31.07", scopes=("0.42", "30.11", "21.78")),
        gcp_row("10", zone="us-central1-a", region="", project="proj-2", service="Cloud Storage"),
    ]
    flat = write_csv(tmp_path / "cf.csv", rows, GCP_COLUMNS)
    jl = tmp_path / "cf.jsonl"
    jl.write_text("".join(json.dumps(nested(r)) + "\n" for r in rows), encoding="utf-8")
    pq = tmp_path / "cf.parquet"
    pl.DataFrame([nested(r) for r in rows]).write_parquet(pq)
    for f in (flat, jl, pq):
        t = read_footprints([f]).table
        a, b = t.row(0, named=True), t.row(1, named=True)
        assert (a["account_id"], a["region"], a["service"], a["location_label"]) == (
            "proj-1", "europe-west1", "Compute Engine", "europe-west1-b",
        ), f  # fmt: skip
        assert a["location_kgco2e"] == pytest.approx(52.31) and a["market_kgco2e"] == pytest.approx(31.07)
        assert a["scope2_location_kgco2e"] == pytest.approx(30.11) and a["model_version"] == "14"
        # no location.region: the zone's region
        assert b["region"] == "us-central1", f


def test_azure_document_array_lines_and_csv(tmp_path: Path) -> None:
    items = [azure_item(12.7), azure_item(3.3, name="vm-web-02", location="west europe")]
    doc = azure_document(tmp_path / "doc.json", items)
    arr = tmp_path / "arr.json"
    arr.write_text(json.dumps([{**i, "date": "2026-10-01"} for i in items]), encoding="utf-8")
    lines = tmp_path / "items.jsonl"
    lines.write_text("".join(json.dumps({**i, "date": "2026-10-01"}) + "\n" for i in items), encoding="utf-8")
    flat = write_csv(tmp_path / "items.csv", [{**i, "date": "2026-10-01"} for i in items])
    for f in (doc, arr, lines, flat):
        t = read_footprints([f]).table
        assert t["billing_period"].to_list() == ["2026-10", "2026-10"], f
        assert t["region"].to_list() == ["eastus", "westeurope"], f
        assert t["location_label"].to_list() == ["east us", "west europe"], f
        assert t["account_id"].to_list() == [SUB, SUB], f
        assert t["location_kgco2e"].to_list() == pytest.approx([12.7, 3.3]), f
        assert t["market_kgco2e"].to_list() == [None, None], f
        assert t["resource_id"][1].endswith("/vm-web-02"), f


def test_azure_items_without_a_month_take_the_month_asked_for(tmp_path: Path) -> None:
    f = azure_document(tmp_path / "doc.json", [azure_item(1.0)], month=None)
    with pytest.raises(SourceError, match="no 'date'"):
        read_footprints([f])
    assert read_footprints([f], month="2026-10").table["billing_period"].to_list() == ["2026-10"]


def test_named_provider_and_detection_errors(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "cf.csv", [gcp_row("1")], GCP_COLUMNS)
    assert read_footprints([f"gcp:{f}"]).table.height == 1
    with pytest.raises(SourceError, match="named as aws but lacks"):
        read_footprints([f"aws:{f}"])
    other = tmp_path / "sales.csv"
    other.write_text("date,amount\n2026-10-01,3\n", encoding="utf-8")
    with pytest.raises(SourceError, match="not a recognised provider carbon export"):
        read_footprints([other])


def test_bad_number_names_file_row_and_column(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "cf.csv", [gcp_row("1"), gcp_row("1,5", project="p2")], GCP_COLUMNS)
    with pytest.raises(ValueParseError) as exc:
        read_footprints([f])
    msg = str(exc.value)
    assert (
        str(f) in msg
        and "row 2" in msg
        and "carbon_footprint_total_kgCO2e.location_based" in msg
        and "'1,5'" in msg
    )


def test_aws_parquet_with_typed_columns(tmp_path: Path) -> None:
    # Data Exports' Parquet types the timestamps and values (Glue/Athena schema), not text
    from datetime import datetime

    pq = tmp_path / "data" / "model_version=v3.0.0" / "usage_period=2026-10" / "part-0.snappy.parquet"
    pq.parent.mkdir(parents=True)
    pl.DataFrame(
        {
            "usage_account_id": ["111111111111"],
            "payer_account_id": ["000011112222"],
            "product_code": ["AmazonEC2"],
            "region_code": ["us-east-1"],
            "location": ["US East (N. Virginia)"],
            "model_version": ["v3.0.0"],
            "usage_period_start": [datetime(2026, 10, 1)],
            "usage_period_end": [datetime(2026, 11, 1)],
            "last_refresh_timestamp": [datetime(2026, 11, 19, 7, 12, 44)],
            "total_lbm_emissions_value": [0.0125],
            "total_lbm_emissions_unit": ["MTCO2e"],
            "total_mbm_emissions_value": [None],
            "total_mbm_emissions_unit": [None],
        },
        schema_overrides={"total_mbm_emissions_value": pl.Float64, "total_mbm_emissions_unit": pl.String},
    ).write_parquet(pq)
    r = read_footprints([tmp_path / "data"]).table.row(0, named=True)
    # 0.0125 t = 12.5 kg; no market-based figure
    assert (r["billing_period"], r["location_kgco2e"], r["market_kgco2e"]) == (
        "2026-10",
        pytest.approx(12.5),
        None,
    )
