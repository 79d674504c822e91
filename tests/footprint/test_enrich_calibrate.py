"""``enrich --calibrate provider``: per-row CO2e scaled to the provider's own figure, worked out by hand.

Our side (pinned factor set, worked in tests/test_handworked.py and tests/footprint/test_reconcile.py):
one m5.large day in us-east-1 is 0.089418581 kg operational CO2e and 1610.79 x 24 / 35040 x 2 / 96 =
0.022985017 kg embodied, so DAY = 0.112403598 kg in all.

CUR (October 2026), in file order:

  row 1  111111111111 AmazonEC2 m5.large 48 h, project web  ours 2 x DAY = 0.224807196 kg
  row 2  111111111111 AmazonEC2 m5.large 24 h, project api  ours DAY     = 0.112403598 kg
  row 3  222222222222 AmazonEC2 m5.large 24 h, project etl  ours DAY     (no provider figure)
  row 4  111111111111 AmazonEC2 Tax                         excluded: no figure

AWS CARBON_EMISSIONS: 111111111111 / us-east-1 / AmazonEC2 0.00045 MTCO2e = 0.45 kg location-based
(market 0.0001 t); 111111111111 / AmazonS3 0.0001 t (we bill no S3: provider only).

  key factor k = 0.45 / (3 x DAY) = 0.45 / 0.337210795 = 1.334477...
  row 1: 2 x DAY x k = 2/3 x 0.45 = 0.30 kg; row 2: DAY x k = 1/3 x 0.45 = 0.15 kg; sum 0.45 kg
  row 3 keeps DAY and its quality (Estimated); row 4 stays Excluded with null figures.
  Each of operational, low, high and embodied is multiplied by k (web operational 2 x 0.089418581 x k);
  IT energy, the grid factor and the PUE are not.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cloudcarbon import load_config
from cloudcarbon.enrichment import enrich
from tests.conftest import PINNED_FACTORS, cur_row, write_cur
from tests.footprint.fixtures import AWS_COLUMNS, aws_row, write_csv
from tests.hostile._build import cli, one_line_error

MONTH = "2026-10"
OPERATIONAL_DAY = 0.089418581
EMBODIED_DAY = 1610.79 * 24 / 35040 * 2 / 96  # 0.022985017 kg
DAY = OPERATIONAL_DAY + EMBODIED_DAY  # 0.112403598 kg
A, B = "111111111111", "222222222222"
K = 0.45 / (3 * DAY)  # 1.334477...


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
        cur_row("", 0, "0.50", "", line_item_type="Tax", account=A),
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


def _total(r: dict[str, float]) -> float:
    return r["x_CarbonEmissionEquivalentLocationBased"] + r["x_EmbodiedEmissions"]


def test_calibrated_rows_add_up_to_the_provider_total(
    bills: tuple[Path, Path], aws_footprint: Path, tmp_path: Path
) -> None:
    cur, cfg = bills
    config = load_config(cfg)
    plain = enrich(
        [f"aws:{cur}"], MONTH, tmp_path / "plain.parquet", config=config, factor_set=PINNED_FACTORS
    )
    out = tmp_path / "cal.parquet"
    res = enrich(
        [f"aws:{cur}"], MONTH, out, config=config, factor_set=PINNED_FACTORS,
        calibrate="provider", provider_footprint=[aws_footprint],
    )  # fmt: skip
    table = pq.read_table(out)
    rows = table.to_pylist()
    before = pq.read_table(plain.path).to_pylist()
    assert res.rows == len(rows) == len(before) == 4
    web, api, etl, tax = rows
    # the matched key's rows add up to the provider's 0.45 kg exactly, split 2:1 as ours
    assert _total(web) + _total(api) == pytest.approx(0.45, abs=1e-9)
    assert _total(web) == pytest.approx(0.30, abs=1e-9)
    assert _total(api) == pytest.approx(0.15, abs=1e-9)
    assert _total(web) / _total(api) == pytest.approx(_total(before[0]) / _total(before[1]), rel=1e-12)
    # every CO2e column scaled by the key's factor (0.45 kg / our uncalibrated rows of the key, which the
    # hand-worked K matches to 1e-6); energy, grid factor, PUE and market-based CO2e untouched
    k = 0.45 / (_total(before[0]) + _total(before[1]))
    assert k == pytest.approx(K, rel=1e-6)
    assert web["x_CarbonEmissionEquivalentLocationBased"] == pytest.approx(2 * OPERATIONAL_DAY * K, rel=1e-6)
    assert web["x_EmbodiedEmissions"] == pytest.approx(2 * EMBODIED_DAY * K, rel=1e-6)
    for col in (
        "x_CarbonEmissionEquivalentLocationBased",
        "x_CarbonEmissionEquivalentLocationBasedLow",
        "x_CarbonEmissionEquivalentLocationBasedHigh",
        "x_EmbodiedEmissions",
    ):
        assert web[col] == pytest.approx(before[0][col] * k, rel=1e-12), col
    for col in (
        "x_PowerConsumption",
        "x_GridEmissionFactor",
        "x_PUE",
        "x_CarbonEmissionEquivalentMarketBased",
    ):
        assert web[col] == before[0][col], col
    assert (web["x_CloudCarbonDataQuality"], api["x_CloudCarbonDataQuality"]) == ("Calibrated", "Calibrated")
    # the unmatched key keeps our figure and its quality; the excluded row stays excluded
    assert _total(etl) == pytest.approx(DAY, rel=1e-6)
    assert etl == before[2]
    assert (tax["x_CloudCarbonDataQuality"], tax["x_CarbonEmissionEquivalentLocationBased"]) == (
        "Excluded",
        None,
    )
    assert tax == before[3]
    # the calibration is in the file metadata, and the returned estimate is the calibrated one
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    cal = json.loads(meta["cloudcarbon.calibration"])
    assert cal["matched_keys"] == 1 and cal["provider_kg"] == pytest.approx(0.45)
    assert [x["service"] for x in cal["provider_only"]] == ["AmazonS3"]
    assert [x["account_id"] for x in cal["ours_only"]] == [B]
    assert "Calibrated" in meta["cloudcarbon.data_quality"]
    assert res.estimate.calibrated
    per_row = sum(_total(r) for r in rows if r["x_CarbonEmissionEquivalentLocationBased"] is not None)
    assert per_row == pytest.approx(0.45 + DAY, abs=1e-9)
    assert res.estimate.total("co2e_kg") + res.estimate.total("embodied_co2e_kg") == pytest.approx(
        per_row, abs=1e-12
    )


def test_uncalibrated_enrich_says_so(bills: tuple[Path, Path], tmp_path: Path) -> None:
    cur, _ = bills
    res = enrich([f"aws:{cur}"], MONTH, tmp_path / "o.parquet", factor_set=PINNED_FACTORS)
    assert "Calibrated" not in {r["x_CloudCarbonDataQuality"] for r in pq.read_table(res.path).to_pylist()}
    assert res.metadata["cloudcarbon.calibration"].startswith("none")


def test_cli_calibrates_and_needs_the_footprint(
    bills: tuple[Path, Path],
    aws_footprint: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cur, cfg = bills
    out = tmp_path / "cal.csv"
    base = [
        "enrich",
        "-m",
        MONTH,
        "-s",
        f"aws:{cur}",
        "-c",
        str(cfg),
        "-o",
        str(out),
        "--factors",
        PINNED_FACTORS,
    ]
    code, err = cli([*base, "--calibrate", "provider"], monkeypatch, capsys)
    one_line_error(code, err, 2, "--provider-footprint")
    assert not out.exists()
    code, err = cli(
        [*base, "--calibrate", "provider", "--provider-footprint", str(aws_footprint)], monkeypatch, capsys
    )
    assert code == 0, err
    assert "calibrated" in err
    with out.open(encoding="utf-8") as fh:
        quality = [r["x_CloudCarbonDataQuality"] for r in csv.DictReader(fh)]
    assert quality == ["Calibrated", "Calibrated", "Estimated", "Excluded"]


def test_focus_rows_are_calibrated_in_place(tmp_path: Path) -> None:
    # tests/test_enrich.py's small FOCUS file: two identical m5.large hours (0.003725774 kg operational +
    # 0.000957710 kg embodied each, worked there) of 012345678901 / us-east-1 / AmazonEC2, a tax and a
    # credit. AWS reports 0.00001 t = 0.01 kg for the key: each hour becomes 0.005 kg; the FOCUS file's
    # own columns come out as read, the tax and credit stay Excluded.
    from tests.test_enrich import _small_focus

    src = _small_focus(tmp_path / "focus.csv")
    fp = write_csv(tmp_path / "aws.csv", [aws_row("0.00001", account="012345678901")], AWS_COLUMNS)
    res = enrich(
        [f"focus:{src}"], MONTH, tmp_path / "o.parquet", factor_set=PINNED_FACTORS,
        calibrate="provider", provider_footprint=[fp],
    )  # fmt: skip
    rows = pq.read_table(res.path).to_pylist()
    assert [r["x_CloudCarbonDataQuality"] for r in rows] == [
        "Calibrated",
        "Excluded",
        "Calibrated",
        "Excluded",
    ]
    assert _total(rows[0]) == pytest.approx(0.005, abs=1e-12) and _total(rows[2]) == pytest.approx(
        0.005, abs=1e-12
    )
    # the operational / embodied split of the hour is kept: 0.003725774 / 0.000957710
    assert rows[0]["x_CarbonEmissionEquivalentLocationBased"] / rows[0][
        "x_EmbodiedEmissions"
    ] == pytest.approx(0.003725774 / 0.000957710, rel=1e-5)
    assert rows[1]["ChargeCategory"] == "Tax" and rows[1]["x_CarbonEmissionEquivalentLocationBased"] is None


def test_footprint_of_another_month_is_one_line_and_writes_nothing(
    bills: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cur, _ = bills
    fp = write_csv(tmp_path / "sept.csv", [aws_row("0.00045", account=A, month="2026-09")], AWS_COLUMNS)
    out = tmp_path / "cal.parquet"
    args = ["enrich", "-m", MONTH, "-s", f"aws:{cur}", "-o", str(out), "--factors", PINNED_FACTORS]
    code, err = cli([*args, "--provider-footprint", str(fp), "--calibrate", "provider"], monkeypatch, capsys)
    one_line_error(code, err, 3, "no figures for 2026-10", "2026-09")
    assert list(tmp_path.glob("*.parquet")) == [] and list(tmp_path.glob(".cal.parquet*")) == []
