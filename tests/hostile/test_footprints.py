"""Hostile provider footprint files: each refused with one line naming the file (and row and column)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cloudcarbon.exceptions import SourceError
from cloudcarbon.footprint import read_footprints
from tests.conftest import CUR_COLUMNS, cur_row
from tests.footprint.fixtures import (
    AWS_COLUMNS,
    GCP_COLUMNS,
    aws_row,
    azure_document,
    azure_item,
    gcp_row,
    write_csv,
)
from tests.hostile._build import cli, one_line_error
from tests.test_errors import run_cli


def test_unknown_unit(tmp_path: Path) -> None:
    row = aws_row("0.4")
    row["total_lbm_emissions_unit"] = "kgCO2"
    f = write_csv(tmp_path / "a.csv", [aws_row("0.1", product="AmazonS3"), row], AWS_COLUMNS)
    with pytest.raises(
        SourceError, match=r"row 2, column 'total_lbm_emissions_unit': unit 'kgCO2' is not MTCO2e"
    ):
        read_footprints([f])


def test_month_outside_its_partition(tmp_path: Path) -> None:
    f = write_csv(
        tmp_path / "data" / "model_version=v3.0.0" / "usage_period=2026-10" / "a.csv",
        [aws_row("0.1"), aws_row("0.2", month="2026-11")],
        AWS_COLUMNS,
    )
    with pytest.raises(
        SourceError,
        match=r"row 2, column 'usage_period_start': month 2026-11 in a file under usage_period=2026-10",
    ):
        read_footprints([tmp_path / "data"])
    assert str(f)  # the file is named in the message (SourceError prefix)


def test_version_outside_its_partition(tmp_path: Path) -> None:
    write_csv(tmp_path / "model_version=v3.0.0" / "a.csv", [aws_row("0.1", version="v2.0.0")], AWS_COLUMNS)
    with pytest.raises(SourceError, match=r"'v2\.0\.0' in a file under model_version=v3\.0\.0"):
        read_footprints([tmp_path])


def test_record_repeated_within_a_file(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "cf.csv", [gcp_row("1"), gcp_row("1")], GCP_COLUMNS)
    with pytest.raises(SourceError, match="row 2 repeats row 1"):
        read_footprints([f])


def test_same_record_in_two_files_counted_once_or_refused(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", [gcp_row("7.5")], GCP_COLUMNS)
    b = write_csv(tmp_path / "b.csv", [gcp_row("7.5")], GCP_COLUMNS)
    fp = read_footprints([a, b])
    assert fp.table["location_kgco2e"].to_list() == [7.5]  # not 15
    assert fp.ignored["reason"][0].startswith("repeat delivery")
    c = write_csv(tmp_path / "c.csv", [gcp_row("9")], GCP_COLUMNS)
    with pytest.raises(SourceError, match="gives other figures for the record of"):
        read_footprints([a, c])


def test_not_gzip(tmp_path: Path) -> None:
    f = tmp_path / "a.csv.gz"
    f.write_text("usage_account_id\n1\n", encoding="utf-8")
    with pytest.raises(SourceError, match="not a readable gzip file"):
        read_footprints([f])


def test_azure_summary_report_and_multi_month_range(tmp_path: Path) -> None:
    f = azure_document(tmp_path / "a.json", [azure_item(1.0, dataType="MonthlySummaryData")])
    with pytest.raises(SourceError, match="'MonthlySummaryData' does not split emissions"):
        read_footprints([f])
    g = tmp_path / "b.json"
    g.write_text('{"value": [], "dateRange": {"start": "2026-09-01", "end": "2026-10-01"}}', encoding="utf-8")
    read_footprints([g])  # no items: nothing to misread
    h = azure_document(tmp_path / "c.json", [azure_item(1.0)])
    h.write_text(
        h.read_text(encoding="utf-8").replace('"end": "2026-10-01"', '"end": "2026-11-01"'), encoding="utf-8"
    )
    with pytest.raises(SourceError, match="spans more than one month"):
        read_footprints([h])


def test_bad_json_line(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text('{"subscriptionId": "a"}\n{"subscriptionId": \n', encoding="utf-8")
    with pytest.raises(SourceError, match="line 2 is not valid JSON"):
        read_footprints([f])


def _cur(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, CUR_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerow(cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large"))
    return path


def test_cli_bad_value_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cur = _cur(tmp_path / "cur.csv")
    row = aws_row("=1+1")
    fp = write_csv(tmp_path / "fp.csv", [row], AWS_COLUMNS)
    code, err = cli(
        ["reconcile", "-m", "2026-10", "-s", str(cur), "--provider-footprint", str(fp)], monkeypatch, capsys
    )
    one_line_error(code, err, 2, "fp.csv", "row 1", "total_lbm_emissions_value", "=1+1")


def test_cli_footprint_month_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cur = _cur(tmp_path / "cur.csv")
    fp = write_csv(tmp_path / "fp.csv", [aws_row("0.1", month="2026-09")], AWS_COLUMNS)
    code, err = cli(
        ["reconcile", "-m", "2026-10", "-s", str(cur), "--provider-footprint", str(fp)], monkeypatch, capsys
    )
    one_line_error(code, err, 3, "no figures for 2026-10", "2026-09")


def test_cli_calibrate_needs_a_footprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cur = _cur(tmp_path / "cur.csv")
    code, err = cli(
        ["estimate", "-m", "2026-10", "-s", str(cur), "--calibrate", "provider", "--no-record"],
        monkeypatch,
        capsys,
    )
    one_line_error(code, err, 2, "--provider-footprint")
    code, err = cli(
        ["estimate", "-m", "2026-10", "-s", str(cur), "--calibrate", "aws", "--no-record"],
        monkeypatch,
        capsys,
    )
    one_line_error(code, err, 2, "'aws' is not a calibration target")


def test_cli_missing_footprint_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cur = _cur(tmp_path / "cur.csv")
    code, err = cli(
        ["reconcile", "-m", "2026-10", "-s", str(cur), "--provider-footprint", str(tmp_path / "nope")],
        monkeypatch,
        capsys,
    )
    one_line_error(code, err, 2, "nope", "no such file or folder")


def test_cli_reconcile_escapes_provider_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # product codes and accounts from the provider's file are user data: shown as written, never run
    cur = _cur(tmp_path / "cur.csv")
    formula, markup = '=HYPERLINK("http://x","y")', "[red]x[/red]\x1b[31m"
    fp = write_csv(
        tmp_path / "fp.csv",
        [
            aws_row("0.1", account="012345678901", product=formula),
            aws_row("0.1", account="012345678901", product=markup),
        ],
        AWS_COLUMNS,
    )
    base = ["reconcile", "-m", "2026-10", "-s", str(cur), "--provider-footprint", str(fp)]
    code, out, err = run_cli([*base, "-f", "csv"], monkeypatch, capsys)
    assert code == 0, err
    cells = [c for line in csv.reader(out.splitlines()) for c in line]
    assert "'" + formula in cells and formula not in cells
    code, out, err = run_cli(base, monkeypatch, capsys)
    assert code == 0, err
    assert "\x1b" not in out and "[red]x[/red]" in out
