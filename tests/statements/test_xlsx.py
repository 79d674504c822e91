"""The XLSX statement, read back with openpyxl: one sheet per section, numbers as numbers, no formula."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cloudcarbon.statements import SHEETS, Statement, render_xlsx
from tests.statements.conftest import FORMULA, GPU, MARKUP, SCRIPT


def load(st: Statement, tmp_path: Path) -> Any:
    path = tmp_path / "statement.xlsx"
    render_xlsx(st, path)
    return openpyxl.load_workbook(path)


def cells(wb: Any) -> list[Any]:
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def row_of(ws: Any, first: str) -> list[Any]:
    for row in ws.iter_rows():
        if row[0].value == first:
            return list(row)
    raise AssertionError(f"no row starting with {first!r} in {ws.title}")


def test_one_sheet_per_section(statement: Statement, tmp_path: Path) -> None:
    wb = load(statement, tmp_path)
    assert wb.sheetnames == list(SHEETS)


def test_numbers_are_numbers_with_formats(statement: Statement, tmp_path: Path) -> None:
    wb = load(statement, tmp_path)
    loc = row_of(wb["Totals"], "Location-based CO2e")
    assert (loc[1].value, loc[1].data_type, loc[1].number_format) == (170, "n", "#,##0.000")
    usd = row_of(wb["Totals"], "USD")  # intensity: 160.5 kg / 1600 USD
    assert usd[3].value == pytest.approx(0.1003125) and usd[3].number_format == "0.000000"
    ml = row_of(wb["Projects"], "ml")
    assert [c.value for c in ml[1:6]] == [120.5, 100, 150, 30, 300]
    assert all(c.data_type == "n" for c in ml[1:])
    cov = row_of(wb["Coverage"], "USD")
    assert [c.value for c in cov[1:6]] == [1600, 1400, 100, 100, 12]
    assert cov[1].number_format == "#,##0.00" and cov[5].number_format == "0"
    total = row_of(wb["Comparison"], "Total")  # 150 -> 170: activity +24.5, mix +3, efficiency -2, grid -5.5
    assert [c.value for c in total[1:]] == [150, 0, 24.5, 3, -2, -5.5, 0, 0, 170, 20]
    trend = row_of(wb["Trend"], "2026-02")
    assert (trend[1].value, trend[2].value) == (110, None)  # the second project has no February
    ghg = row_of(wb["GHG Protocol"], "cloud usage")
    assert ghg[5].value == 170 and ghg[5].data_type == "n"


def test_hostile_text_is_string_never_formula(hostile: Statement, tmp_path: Path) -> None:
    wb = load(hostile, tmp_path)
    assert not [c.coordinate for c in cells(wb) if c.data_type == "f"]
    names = [c.value for c in wb["Projects"]["A"][3:8]]
    assert names == [GPU, SCRIPT, FORMULA, MARKUP, "ctl\\x1b[31m\\x07|`name`"]
    assert all(c.data_type == "s" for c in wb["Projects"]["A"][3:8])
    # the formula-like name also as a trend column header and in the comparison
    assert any(c.value == FORMULA and c.data_type == "s" for c in cells(wb) if c.parent.title == "Comparison")
    assert not any(isinstance(c.value, str) and ("\x1b" in c.value or "\x07" in c.value) for c in cells(wb))


def test_writes_to_a_binary_stream(statement: Statement) -> None:
    buf = io.BytesIO()
    render_xlsx(statement, buf)
    assert buf.getvalue()[:2] == b"PK"
    assert openpyxl.load_workbook(io.BytesIO(buf.getvalue())).sheetnames == list(SHEETS)
