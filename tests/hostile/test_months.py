"""Rows never vanish or change month silently: empty periods are errors naming the row, offsets are
converted to UTC, day-first Azure dates are detected or refused with the format to use."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cloudcarbon.config import config_from_mapping
from cloudcarbon.exceptions import (
    CloudCarbonWarning,
    ConfigError,
    MonthNotFound,
    SourceError,
    ValueParseError,
)
from tests.conftest import CUR_COLUMNS
from tests.hostile._build import (
    GCP_COLUMNS,
    az_row,
    azure,
    billed,
    cli,
    cur,
    gcp_csv,
    gcp_row,
    m5,
    one_line_error,
    run,
)

D = Decimal
NO_BP = [c for c in CUR_COLUMNS if c != "bill/BillingPeriodStartDate"]


def test_cur_row_without_any_date_is_an_error_naming_the_row(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5("2.00", start="", end=""), m5("3.00")])
    # blank the billing period of row 2 too
    text = f.read_text().splitlines()
    text[2] = text[2].replace("2026-10-01T00:00:00.000Z", "")
    f.write_text("\n".join(text) + "\n")
    with pytest.raises(SourceError) as exc:
        run([f])
    msg = str(exc.value)
    assert (
        str(f) in msg and "row 2" in msg and "lineItem/UsageStartDate" in msg and "no billing period" in msg
    )


def test_cur_row_without_any_date_cli_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00", start="", end="")], columns=NO_BP)
    code, err = cli(["estimate", "--source", str(f), "--month", "2026-10"], monkeypatch, capsys)
    one_line_error(code, err, 2, str(f), "row 1")


def test_cur_empty_billing_period_falls_back_to_the_usage_date(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5("2.00")])
    text = f.read_text().splitlines()
    text[2] = text[2].replace("2026-10-01T00:00:00.000Z", "")
    f.write_text("\n".join(text) + "\n")
    # row 2 has no billing period but starts 2026-10-01: October, 1.00 + 2.00
    assert billed(run([f])) == {"USD": D("3.00")}


@pytest.mark.parametrize(
    ("start", "month"),
    [
        # 23:30 at UTC-5 is 04:30 UTC on 1 November
        ("2026-10-31T23:30:00-05:00", "2026-11"),
        ("2026-10-31 23:30:00 -0500", "2026-11"),
        # 01:00 at UTC+2 is 23:00 UTC on 31 October
        ("2026-11-01T01:00:00+02:00", "2026-10"),
        ("2026-11-01T00:30:00+01", "2026-10"),
        # an explicit zero offset changes nothing
        ("2026-10-31T23:30:00+00:00", "2026-10"),
        ("2026-10-31T23:30:00Z", "2026-10"),
    ],
)
def test_cur_offsets_are_converted_to_utc(tmp_path: Path, start: str, month: str) -> None:
    f = cur(tmp_path / "cur.csv", [m5("7.00", start=start, end=start, amount=1)], columns=NO_BP)
    assert billed(run([f], month=month)) == {"USD": D("7.00")}
    other = "2026-10" if month == "2026-11" else "2026-11"
    with pytest.raises(MonthNotFound):
        run([f], month=other)


def test_gcp_offset_without_invoice_month(tmp_path: Path) -> None:
    cols = [c for c in GCP_COLUMNS if c != "invoice.month"]
    f = gcp_csv(
        tmp_path / "g.csv",
        [gcp_row("0.40", start="2026-11-01T01:00:00+02:00", end="2026-11-01T02:00:00+02:00")],
        columns=cols,
    )
    # 2026-10-31 23:00 UTC: October
    assert billed(run([f"gcp:{f}"])) == {"USD": D("0.40")}


def test_gcp_row_without_invoice_month_or_start_is_an_error(tmp_path: Path) -> None:
    f = gcp_csv(tmp_path / "g.csv", [gcp_row("0.40"), gcp_row("0.50", start="", invoice="")])
    with pytest.raises(SourceError) as exc:
        run([f"gcp:{f}"])
    assert str(f) in str(exc.value) and "row 2" in str(exc.value) and "no billing period" in str(exc.value)


def test_azure_day_first_dates_detected(tmp_path: Path) -> None:
    f = azure(
        tmp_path / "az.csv",
        [
            az_row("4.80", date="31/10/2026", bp="01/10/2026"),
            az_row("1.20", date="05/10/2026", bp="01/10/2026"),
        ],
    )
    with pytest.warns(CloudCarbonWarning, match="day first"):
        r = run([f"azure:{f}"])
    # both rows are October (31/10 can only be day-first): 4.80 + 1.20
    assert billed(r) == {"USD": D("6.00")}


def test_azure_mixed_date_orders_refused(tmp_path: Path) -> None:
    f = azure(
        tmp_path / "az.csv",
        [
            az_row("1.00", date="31/10/2026", bp="10/01/2026"),
            az_row("1.00", date="10/31/2026", bp="10/01/2026"),
        ],
    )
    with pytest.raises(SourceError) as exc:
        run([f"azure:{f}"])
    msg = str(exc.value)
    assert str(f) in msg and "'Date'" in msg and "row 1" in msg and "row 2" in msg and "date_format" in msg


def test_azure_ambiguous_dates_read_in_us_order(tmp_path: Path) -> None:
    # 10/05/2026 is 5 October in Azure's MM/DD/YYYY
    f = azure(tmp_path / "az.csv", [az_row("2.00", date="10/05/2026")])
    assert billed(run([f"azure:{f}"])) == {"USD": D("2.00")}


def test_azure_date_format_option_reads_ambiguous_day_first(tmp_path: Path) -> None:
    # 05/10/2026 with day first is 5 October; billing period 01/10/2026 is 1 October
    f = azure(tmp_path / "az.csv", [az_row("2.00", date="05/10/2026", bp="01/10/2026")])
    cfg = config_from_mapping({"sources": {"azure": {"date_format": "DD/MM/YYYY"}}})
    assert billed(run([f"azure:{f}"], config=cfg)) == {"USD": D("2.00")}
    # read in US order the same file is May 2026
    assert billed(run([f"azure:{f}"], month="2026-01")) == {"USD": D("2.00")}


def test_azure_forced_us_order_names_the_row_and_suggests_the_format(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("2.00"), az_row("2.00", date="31/10/2026")])
    cfg = config_from_mapping({"sources": {"azure": {"date_format": "MM/DD/YYYY"}}})
    with pytest.raises(ValueParseError) as exc:
        run([f"azure:{f}"], config=cfg)
    msg = str(exc.value)
    assert str(f) in msg and "row 2" in msg and "'Date'" in msg and 'date_format = "DD/MM/YYYY"' in msg


def test_azure_bad_date_format_option(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("2.00")])
    cfg = config_from_mapping({"sources": {"azure": {"date_format": "YYYY/DD/MM"}}})
    with pytest.raises(ConfigError, match="date_format"):
        run([f"azure:{f}"], config=cfg)


def test_azure_empty_date_is_an_error_naming_the_row(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("2.00"), az_row("3.00", date="", bp="")])
    with pytest.raises(SourceError) as exc:
        run([f"azure:{f}"])
    assert str(f) in str(exc.value) and "row 2" in str(exc.value) and "Date" in str(exc.value)
