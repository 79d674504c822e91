"""Reconciliation and calibration against hand-made provider figures, worked out by hand.

Our side (factor set 2026.11, worked in tests/test_handworked.py): one m5.large day in us-east-1 is
0.089418581 kg operational CO2e and 1610.79 x 24 / 35040 x 2 / 96 = 0.022985017 kg embodied, so
0.112403598 kg in all; two days are twice that.

Bills (October 2026): account 111111111111 runs m5.large 2 days for project web and 1 day for project
api; account 222222222222 runs 1 day for project etl.

  ours  111111111111 us-east-1 AmazonEC2: 3 x 0.112403598 = 0.337210795 kg
        222222222222 us-east-1 AmazonEC2: 0.112403598 kg

AWS CARBON_EMISSIONS (MTCO2e): 111111111111 / AmazonEC2 0.00045 t = 0.45 kg (market 0.0001 t = 0.1 kg);
111111111111 / AmazonS3 0.0001 t = 0.1 kg (we bill no S3: provider only); nothing for 222222222222.

  ratio (ours / provider location-based) = 0.337210795 / 0.45 = 0.749357322
  calibration factor 0.45 / 0.337210795 = 1.334477...: web 2/3 x 0.45 = 0.3 kg, api 1/3 x 0.45 = 0.15 kg,
  etl keeps 0.112403598 kg (not calibrated); calibrated total 0.45 + 0.112403598 = 0.562403598 kg.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cloudcarbon import estimate, load_config
from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.footprint import read_footprints
from cloudcarbon.reconcile import calibrate, reconcile, reconcile_sources
from tests.conftest import PINNED_FACTORS, cur_row, write_cur
from tests.footprint.fixtures import (
    AWS_COLUMNS,
    GCP_COLUMNS,
    aws_row,
    azure_document,
    azure_item,
    gcp_row,
    write_csv,
)
from tests.hostile._build import gcp_csv
from tests.hostile._build import gcp_row as bill_row

DAY = 0.089418581 + 1610.79 * 24 / 35040 * 2 / 96  # 0.112403598 kg
A, B = "111111111111", "222222222222"


@pytest.fixture
def bills(tmp_path: Path) -> tuple[Path, Path]:
    cur = tmp_path / "cur.csv"
    two_days = {"start": "2026-10-01T00:00:00Z", "end": "2026-10-03T00:00:00Z"}
    rows = [
        cur_row(
            "BoxUsage:m5.large", 48, "4.608", "Hrs", instance="m5.large", account=A, project="web", **two_days
        ),
        cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", account=A, project="api"),
        cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", account=B, project="etl"),
    ]
    write_cur(cur, rows)
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text('[[projects.rules]]\ntag = "user:project"\n', encoding="utf-8")
    return cur, cfg


@pytest.fixture
def aws_footprint(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "carbon" / "aws.csv",
        [aws_row("0.00045", mbm="0.0001", account=A), aws_row("0.0001", product="AmazonS3", account=A)],
        AWS_COLUMNS,
    )


def test_reconcile_figures(bills: tuple[Path, Path], aws_footprint: Path) -> None:
    cur, cfg = bills
    rec = reconcile_sources(
        [cur], "2026-10", [aws_footprint], config=load_config(cfg), factor_set=PINNED_FACTORS
    )
    lines = {(r["account_id"], r["service"]): r for r in rec.lines.iter_rows(named=True)}
    assert set(lines) == {(A, "AmazonEC2"), (A, "AmazonS3"), (B, "AmazonEC2")}
    ec2 = lines[(A, "AmazonEC2")]
    assert ec2["match"] == "matched"
    assert ec2["our_total_kg"] == pytest.approx(0.337210795, rel=1e-6)
    assert ec2["our_co2e_kg"] == pytest.approx(3 * 0.089418581, rel=1e-6)
    assert ec2["provider_location_kg"] == pytest.approx(0.45) and ec2["provider_market_kg"] == pytest.approx(
        0.1
    )
    assert ec2["ratio"] == pytest.approx(0.749357322, rel=1e-6)
    assert "aws_scope3" in ec2["reasons"] and "market_ppa" in ec2["reasons"]
    s3 = lines[(A, "AmazonS3")]
    assert (s3["match"], s3["our_total_kg"], s3["provider_location_kg"]) == (
        "provider_only",
        0.0,
        pytest.approx(0.1),
    )
    b = lines[(B, "AmazonEC2")]
    assert (b["match"], b["provider_location_kg"], b["ratio"]) == ("ours_only", None, None)
    assert b["our_total_kg"] == pytest.approx(DAY, rel=1e-6)
    assert set(rec.reasons) >= {"aws_scope3", "provider_only", "ours_only", "market_ppa"}


def test_calibrate_matches_provider_totals_and_keeps_the_split(
    bills: tuple[Path, Path], aws_footprint: Path
) -> None:
    cur, cfg = bills
    config = load_config(cfg)
    before = estimate([cur], "2026-10", config=config, factor_set=PINNED_FACTORS, detail=True)
    after = estimate(
        [cur], "2026-10", config=config, factor_set=PINNED_FACTORS, detail=True,
        calibrate="provider", provider_footprint=[aws_footprint],
    )  # fmt: skip
    total = {r["project"]: r["co2e_kg"] + r["embodied_co2e_kg"] for r in after.lines.iter_rows(named=True)}
    # web 2/3 and api 1/3 of the provider's 0.45 kg; etl unmatched keeps our figure
    assert total["web"] == pytest.approx(0.3, abs=1e-9)
    assert total["api"] == pytest.approx(0.15, abs=1e-9)
    assert total["etl"] == pytest.approx(DAY, rel=1e-6)
    # the calibrated total equals the provider's total over the matched keys exactly
    matched = after.groups.filter(pl.col("calibrated"))
    assert float((matched["co2e_kg"] + matched["embodied_co2e_kg"]).sum()) == pytest.approx(0.45, abs=1e-9)
    assert after.total("co2e_kg") + after.total("embodied_co2e_kg") == pytest.approx(0.45 + DAY, rel=1e-9)
    # the operational / embodied split and the bounds keep their proportions; energy is not scaled
    k = 0.45 / (3 * DAY)
    web_before = before.lines.filter(pl.col("project") == "web").row(0, named=True)
    web_after = after.lines.filter(pl.col("project") == "web").row(0, named=True)
    for f in ("co2e_kg", "co2e_kg_low", "co2e_kg_high", "embodied_co2e_kg", "band_grid_kg"):
        assert web_after[f] == pytest.approx(web_before[f] * k, rel=1e-6), f
    assert web_after["energy_kwh"] == pytest.approx(web_before["energy_kwh"], rel=1e-12)
    # flagged in every output: lines, groups, detail, flags, assumptions
    marks = dict(zip(after.lines["project"], after.lines["calibrated"], strict=True))
    assert marks == {"web": True, "api": True, "etl": False}
    assert after.detail is not None and after.detail["calibrated"].to_list().count(True) == 2
    flags = {
        (f["flag"], int(f["rows"])) for f in after.flags.iter_rows(named=True) if "calibrated" in f["flag"]
    }
    assert flags == {("calibrated", 2), ("not_calibrated", 1)}
    cal = after.assumptions["calibration"]
    assert cal["matched_keys"] == 1 and cal["provider_kg"] == pytest.approx(0.45)
    assert [x["service"] for x in cal["provider_only"]] == ["AmazonS3"]
    assert [x["account_id"] for x in cal["ours_only"]] == [B]
    assert after.calibrated and not before.calibrated
    # the footprint file is an input of the calibrated figures (hashed for the ledger and evidence)
    assert str(aws_footprint) in {i.path for i in after.inputs}
    assert str(aws_footprint) not in {i.path for i in before.inputs}
    # per-row: the 48 h row stays twice the 24 h row
    d = after.detail.filter(pl.col("SubAccountId") == A).sort("ConsumedQuantity")
    tot = (d["co2e_kg"] + d["embodied_co2e_kg"]).to_list()
    assert tot == pytest.approx([0.15, 0.3], abs=1e-9)


def test_estimate_needs_accounts_for_calibrate(bills: tuple[Path, Path], aws_footprint: Path) -> None:
    cur, _ = bills
    plain = estimate([cur], "2026-10", factor_set=PINNED_FACTORS)
    with pytest.raises(CloudCarbonError, match="per account"):
        calibrate(plain, read_footprints([aws_footprint]))
    with pytest.raises(CloudCarbonError, match="needs the providers' footprint"):
        estimate([cur], "2026-10", factor_set=PINNED_FACTORS, calibrate="provider")


def test_older_aws_model_says_scope_1_and_2(bills: tuple[Path, Path], tmp_path: Path) -> None:
    cur, _ = bills
    f = write_csv(tmp_path / "v2.csv", [aws_row("0.0002", account=A, version="v2.0.0")], AWS_COLUMNS)
    rec = reconcile(
        estimate([cur], "2026-10", factor_set=PINNED_FACTORS, provider_footprint=[f]), read_footprints([f])
    )
    line = rec.lines.filter(pl.col("account_id") == A).row(0, named=True)
    assert "aws_scope12" in line["reasons"] and "aws_scope3" not in line["reasons"]


def test_gcp_and_azure_keys(tmp_path: Path) -> None:
    # GCP: two zones of one region add up under the project x region x service key;
    # Azure: compared per subscription x region, all services together, ids and regions in lower case
    gcp_bill = gcp_csv(tmp_path / "gcp.csv", [bill_row("0.03")])  # proj-1, europe-west1, Compute Engine
    gcp_fp = write_csv(
        tmp_path / "cf.csv",
        [gcp_row("2.5", zone="europe-west1-b"), gcp_row("1.5", zone="europe-west1-c")],
        GCP_COLUMNS,
    )
    az_fp = azure_document(tmp_path / "az.json", [azure_item(12.7), azure_item(0.3, name="disk")])
    rec = reconcile_sources([gcp_bill], "2026-10", [gcp_fp, az_fp], factor_set=PINNED_FACTORS)
    gcp = rec.lines.filter(pl.col("provider") == "gcp").row(0, named=True)
    assert (gcp["account_id"], gcp["region"], gcp["service"], gcp["match"]) == (
        "proj-1", "europe-west1", "Compute Engine", "matched",
    )  # fmt: skip
    assert gcp["provider_location_kg"] == pytest.approx(4.0)  # 2.5 + 1.5
    assert gcp["ratio"] == pytest.approx(gcp["our_total_kg"] / 4.0)
    assert "gcp_hourly" in gcp["reasons"]
    az = rec.lines.filter(pl.col("provider") == "azure").row(0, named=True)
    assert (az["region"], az["service"], az["match"]) == ("eastus", "(all services)", "provider_only")
    assert az["provider_location_kg"] == pytest.approx(13.0)  # 12.7 + 0.3


def test_footprint_without_calibrate_leaves_the_figures(
    bills: tuple[Path, Path], aws_footprint: Path
) -> None:
    cur, cfg = bills
    config = load_config(cfg)
    plain = estimate([cur], "2026-10", config=config, factor_set=PINNED_FACTORS)
    beside = estimate(
        [cur], "2026-10", config=config, factor_set=PINNED_FACTORS, provider_footprint=[aws_footprint]
    )
    assert beside.total("co2e_kg") == pytest.approx(plain.total("co2e_kg"), rel=1e-12)
    assert "calibrated" not in beside.lines.columns and not beside.calibrated
    assert beside.reconciliation is not None
    assert beside.assumptions["reconciliation"]["lines"][0]["provider_location_kg"] == pytest.approx(0.45)


def test_provider_keys_without_a_figure_are_listed(bills: tuple[Path, Path], tmp_path: Path) -> None:
    # B's row has no figure (AWS leaves total_lbm_emissions_value empty): B stays ours only and is not
    # calibrated; C has a key but no figure and nothing of ours: listed as provider only, not dropped
    cur, cfg = bills
    f = write_csv(
        tmp_path / "gaps.csv",
        [aws_row("0.00045", account=A), aws_row("", account=B), aws_row("", account="333333333333")],
        AWS_COLUMNS,
    )
    cal = estimate(
        [cur], "2026-10", config=load_config(cfg), factor_set=PINNED_FACTORS,
        calibrate="provider", provider_footprint=[f],
    )  # fmt: skip
    assert cal.reconciliation is not None
    lines = {r["account_id"]: r for r in cal.reconciliation.lines.iter_rows(named=True)}
    assert (lines[A]["match"], lines[B]["match"], lines["333333333333"]["match"]) == (
        "matched", "ours_only", "provider_only",
    )  # fmt: skip
    assert lines[B]["provider_location_kg"] is None and lines["333333333333"]["provider_location_kg"] is None
    total = {r["project"]: r["co2e_kg"] + r["embodied_co2e_kg"] for r in cal.lines.iter_rows(named=True)}
    assert total["web"] + total["api"] == pytest.approx(0.45, abs=1e-9)
    assert total["etl"] == pytest.approx(DAY, rel=1e-6)
