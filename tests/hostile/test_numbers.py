"""Numbers: non-finite or overflowing values are errors naming the row; costs keep every decimal;
negative usage is a correction (excluded with that reason); a duplicated column is refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudcarbon.exceptions import SourceError, ValueParseError
from cloudcarbon.schema import COST_DTYPE, COST_SQL
from tests.conftest import CUR_COLUMNS
from tests.hostile._build import (
    AZURE_COLUMNS,
    az_row,
    azure,
    billed,
    cli,
    coverage,
    cur,
    gcp_csv,
    gcp_row,
    m5,
    one_line_error,
    run,
)

D = Decimal


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-inf", "Infinity", "1e400", "-1e999"])
def test_non_finite_quantity_names_row_and_column(tmp_path: Path, value: str) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5("2.00", amount=value)])
    with pytest.raises(SourceError) as exc:
        run([f])
    msg = str(exc.value)
    assert str(f) in msg and "row 2" in msg and "lineItem/UsageAmount" in msg


@pytest.mark.parametrize("value", ["NaN", "inf", "1e30", "12,50", "1.0.0"])
def test_unreadable_cost_names_row_and_column(tmp_path: Path, value: str) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5(value)])
    with pytest.raises(ValueParseError) as exc:
        run([f])
    assert exc.value.row == 2 and exc.value.column == "lineItem/UnblendedCost"


def test_non_finite_quantity_cli_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    f = cur(tmp_path / "cur.csv", [m5("2.00", amount="NaN")])
    code, err = cli(["estimate", "--source", str(f), "--month", "2026-10"], monkeypatch, capsys)
    one_line_error(code, err, 2, str(f), "row 1", "lineItem/UsageAmount")


def test_azure_nan_quantity(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("1.00", qty="NaN")])
    with pytest.raises(SourceError) as exc:
        run([f"azure:{f}"])
    assert "row 1" in str(exc.value) and "Quantity" in str(exc.value)


def test_gcp_infinite_amount(tmp_path: Path) -> None:
    f = gcp_csv(tmp_path / "g.csv", [gcp_row("0.10"), gcp_row("0.10", amount="inf")])
    with pytest.raises(SourceError) as exc:
        run([f"gcp:{f}"])
    assert "row 2" in str(exc.value) and "usage.amount" in str(exc.value)


def test_parquet_nan_quantity(tmp_path: Path) -> None:
    p = tmp_path / "cur.parquet"
    pq.write_table(
        pa.table(
            {
                "line_item_usage_account_id": ["012345678901"] * 2,
                "line_item_usage_type": ["BoxUsage:m5.large"] * 2,
                "line_item_usage_amount": pa.array([24.0, float("nan")], pa.float64()),
                "line_item_unblended_cost": pa.array([0.1, 0.2], pa.float64()),
                "line_item_usage_start_date": ["2026-10-01T00:00:00Z"] * 2,
                "product_instance_type": ["m5.large"] * 2,
                "pricing_unit": ["Hrs"] * 2,
            }
        ),
        p,
    )
    with pytest.raises(SourceError) as exc:
        run([p])
    assert "row 2" in str(exc.value) and "line_item_usage_amount" in str(exc.value)


def test_parquet_float_costs_are_the_decimals_written(tmp_path: Path) -> None:
    p = tmp_path / "cur.parquet"
    pq.write_table(
        pa.table(
            {
                "line_item_usage_account_id": ["012345678901"] * 3,
                "line_item_usage_type": ["BoxUsage:m5.large"] * 3,
                "line_item_usage_amount": pa.array([24.0, 24.0, 24.0], pa.float64()),
                "line_item_unblended_cost": pa.array([0.1, 0.2, 0.3], pa.float64()),
                "line_item_usage_start_date": ["2026-10-01T00:00:00Z"] * 3,
                "product_instance_type": ["m5.large"] * 3,
                "pricing_unit": ["Hrs"] * 3,
            }
        ),
        p,
    )
    # 0.1 + 0.2 + 0.3 = 0.6 exactly (binary floats would give 0.600000000000000033...)
    assert billed(run([p])) == {"USD": D("0.6")}


def test_fifteen_decimals_are_kept(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("0.123456789012345"), m5("0.000000000000001", account="111111111111")])
    # 0.123456789012345 + 0.000000000000001 = 0.123456789012346 (rounded at 1e-10 it was 0.1234567890)
    assert billed(run([f])) == {"USD": D("0.123456789012346")}


def test_eighteen_decimals_are_kept(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.000000000000000001"), m5("2.000000000000000002", account="1")])
    assert billed(run([f])) == {"USD": D("3.000000000000000003")}


def test_cost_type_is_38_18_in_duckdb_and_polars(tmp_path: Path) -> None:
    assert COST_SQL == "DECIMAL(38,18)"
    assert str(COST_DTYPE) == "Decimal(precision=38, scale=18)"
    f = cur(tmp_path / "cur.csv", [m5("0.123456789012345")])
    r = run([f])
    assert r.coverage.schema["billed_cost"] == pl.Decimal(38, 18)


def test_cost_of_a_quadrillion_in_one_row_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 9e19 fits DECIMAL(38,18) (20 integer digits) but three of them overflow any total: the row is
    # refused (no billing row carries 10^15 or more), so no sum can overflow
    big = "90000000000000000000"
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5(big, account="1"), m5(big, account="2")])
    code, err = cli(["estimate", "--source", str(f), "--month", "2026-10"], monkeypatch, capsys)
    one_line_error(code, err, 2, str(f), "row 2", "lineItem/UnblendedCost", "quadrillion")


def test_cost_just_under_the_row_bound_is_read(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("999999999999999.99"), m5("0.01", account="1")])
    # 999,999,999,999,999.99 + 0.01 = 1,000,000,000,000,000.00 (the bound is per row, not per total)
    assert billed(run([f])) == {"USD": D("1000000000000000.00")}


def test_negative_usage_is_a_correction(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("10.00"), m5("-2.50", amount=-6, account="1")])
    r = run([f])
    # 10.00 estimated; -2.50 on -6 hours is a correction: excluded with that reason; billed 7.50
    assert coverage(r) == {"USD": (D("7.50"), D("10.00"), D("0"), D("-2.50"))}
    ex = r.excluded.filter(pl.col("reason") == "correction")
    assert ex["rows"].to_list() == [1] and ex["cost"].to_list() == [D("-2.50")]
    # no negative energy reaches the totals
    assert r.total("energy_kwh") > 0
    positive = run([cur(tmp_path / "only.csv", [m5("10.00")])])
    assert r.total("energy_kwh") == pytest.approx(positive.total("energy_kwh"))


def test_negative_usage_azure(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("4.80"), az_row("-1.20", qty="-6", resource="/b")])
    r = run([f"azure:{f}"])
    billed_, est, fb, excl = coverage(r)["USD"]
    # 4.80 - 1.20 = 3.60 billed; the -1.20 row is excluded as a correction
    assert billed_ == D("3.60") and excl == D("-1.20") and est + fb == D("4.80")
    assert "correction" in r.excluded["reason"].to_list()


def test_negative_usage_gcp(tmp_path: Path) -> None:
    f = gcp_csv(tmp_path / "g.csv", [gcp_row("0.40"), gcp_row("-0.10", amount="-900")])
    r = run([f"gcp:{f}"])
    assert coverage(r)["USD"][0] == D("0.30") and coverage(r)["USD"][3] == D("-0.10")


def test_duplicated_cost_column_cur(tmp_path: Path) -> None:
    f = tmp_path / "cur.csv"
    cols = [*CUR_COLUMNS, "lineItem/UnblendedCost"]
    f.write_text(",".join(cols) + "\n" + ",".join(["x"] * len(cols)) + "\n")
    with pytest.raises(SourceError) as exc:
        run([f])
    assert "'lineItem/UnblendedCost' appears twice" in str(exc.value) and str(f) in str(exc.value)


def test_duplicated_cost_column_azure_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    f = azure(tmp_path / "az.csv", [az_row("1.00")], columns=[*AZURE_COLUMNS, "CostInBillingCurrency"])
    code, err = cli(["estimate", "--source", f"azure:{f}", "--month", "2026-10"], monkeypatch, capsys)
    one_line_error(code, err, 2, str(f), "CostInBillingCurrency", "appears twice")


def test_non_finite_quantity_in_a_split_parquet_delivery_names_its_file_and_row(tmp_path: Path) -> None:
    """A delivery split over several Parquet files is read as one scan (one aggregate for the month):
    a bad value still names the file it is in and its row in that file, not the first file's."""
    folder = tmp_path / "export"
    folder.mkdir()
    for name, rows in (("part-1", [m5("1.00")]), ("part-2", [m5("1.00"), m5("2.00", amount="NaN")])):
        csv_file = cur(tmp_path / f"{name}.csv", rows)
        frame = pl.read_csv(csv_file, infer_schema=False)  # every column as text, as a CUR CSV is read
        frame.write_parquet(folder / f"{name}.parquet")
    with pytest.raises(SourceError) as exc:
        run([folder])
    msg = str(exc.value)
    assert str(folder / "part-2.parquet") in msg and "row 2" in msg, msg
    assert "part-1.parquet" not in msg


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_non_finite_quantity_in_a_split_csv_delivery_names_its_file_and_row(
    tmp_path: Path, suffix: str
) -> None:
    """A delivery split over several CSV files is read as one scan over the list, which numbers no rows
    per file: the diagnosis then reads each file on its own, so the message still names the file the bad
    value is in and its row there (row 2: the second data row of part-2), not the first file's."""
    import gzip

    folder = tmp_path / "export"
    folder.mkdir()
    for name, rows in (("part-1", [m5("1.00")]), ("part-2", [m5("1.00"), m5("2.00", amount="NaN")])):
        text = cur(tmp_path / f"{name}.csv", rows).read_bytes()
        target = folder / f"{name}{suffix}"
        target.write_bytes(gzip.compress(text) if suffix.endswith(".gz") else text)
    with pytest.raises(SourceError) as exc:
        run([folder])
    msg = str(exc.value)
    assert str(folder / f"part-2{suffix}") in msg and "row 2" in msg, msg
    assert "part-1" not in msg
