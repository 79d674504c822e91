"""Currencies: case-normalised, empty is UNKNOWN (its own coverage line), never added to another."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.pipeline import coverage_row
from cloudcarbon.report import to_json_dict
from tests.conftest import CUR_COLUMNS
from tests.hostile._build import (
    AZURE_COLUMNS,
    GCP_COLUMNS,
    az_row,
    azure,
    billed,
    coverage,
    cur,
    gcp_csv,
    gcp_row,
    m5,
    run,
    tax,
)

D = Decimal


def _cur(currency: str, cost: str, **kw: str) -> dict[str, str]:
    r = m5(cost, **kw)
    r["lineItem/CurrencyCode"] = currency
    return r


def test_one_file_two_currencies(tmp_path: Path) -> None:
    t = tax("0.50")
    t["lineItem/CurrencyCode"] = "EUR"
    f = cur(tmp_path / "cur.csv", [_cur("USD", "10.00"), _cur("EUR", "8.00"), t])
    r = run([f])
    # USD: 10.00 estimated; EUR: 8.00 estimated + 0.50 tax excluded
    assert coverage(r) == {
        "USD": (D("10.00"), D("10.00"), D("0"), D("0")),
        "EUR": (D("8.50"), D("8.00"), D("0"), D("0.50")),
    }
    with pytest.raises(CloudCarbonError, match="mix currencies"):
        coverage_row(r)


def test_two_sources_in_different_currencies(tmp_path: Path) -> None:
    a = cur(tmp_path / "cur.csv", [_cur("USD", "10.00")])
    z = azure(tmp_path / "az.csv", [az_row("4.00", currency="EUR")])
    assert billed(run([a, f"azure:{z}"])) == {"USD": D("10.00"), "EUR": D("4.00")}


def test_currency_case_is_normalised(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [_cur("USD", "1.00"), _cur("usd", "2.00"), _cur(" Usd ", "4.00")])
    # one currency: 1 + 2 + 4
    assert billed(run([f])) == {"USD": D("7.00")}


def test_azure_currency_case_is_normalised(tmp_path: Path) -> None:
    f = azure(
        tmp_path / "az.csv", [az_row("1.00", currency="eur"), az_row("2.00", currency="EUR", resource="/b")]
    )
    assert billed(run([f"azure:{f}"])) == {"EUR": D("3.00")}


def test_empty_currency_is_unknown(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [_cur("USD", "1.00"), _cur("", "2.00")])
    # the empty one is not guessed as USD
    assert billed(run([f])) == {"USD": D("1.00"), "UNKNOWN": D("2.00")}


def test_cur_without_currency_column_is_usd(tmp_path: Path) -> None:
    cols = [c for c in CUR_COLUMNS if c != "lineItem/CurrencyCode"]
    f = cur(tmp_path / "cur.csv", [m5("3.00")], columns=cols)
    assert billed(run([f])) == {"USD": D("3.00")}


def test_azure_without_currency_column_is_unknown(tmp_path: Path) -> None:
    cols = [c for c in AZURE_COLUMNS if c != "BillingCurrency"]
    f = azure(tmp_path / "az.csv", [az_row("3.00")], columns=cols)
    assert billed(run([f"azure:{f}"])) == {"UNKNOWN": D("3.00")}


def test_gcp_without_currency_column_is_usd(tmp_path: Path) -> None:
    cols = [c for c in GCP_COLUMNS if c != "currency"]
    f = gcp_csv(tmp_path / "g.csv", [gcp_row("0.30")], columns=cols)
    assert billed(run([f"gcp:{f}"])) == {"USD": D("0.30")}


def test_gcp_mixed_case_and_empty(tmp_path: Path) -> None:
    f = gcp_csv(tmp_path / "g.csv", [gcp_row("0.30", currency="jpy"), gcp_row("0.20", currency="")])
    assert billed(run([f"gcp:{f}"])) == {"JPY": D("0.30"), "UNKNOWN": D("0.20")}


def test_json_report_lists_every_currency(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [_cur("USD", "10.00"), _cur("EUR", "8.00")])
    doc = to_json_dict(run([f]))
    text = repr(doc)
    assert "EUR" in text and "USD" in text
