"""Every renderer shows the market-based figure (and water): an estimate with a user residual mix,
recorded in a real ledger, rendered as terminal table, JSON, CSV, and as Markdown, HTML and XLSX
statements read back from their files.

Hand-worked (factor set 2026.12.1): one m5.large day in us-east-1 = 0.128495411 kWh
(whole-server: 2 x 2.3585795 W x 24 h x PUE 1.135); us-east-1 lies in eGRID SRVC; the user's
residual mix gives SRVC 2025 300 g/kWh, so market-based CO2e = 0.128495411 x 300 / 1000 = 0.0385486233 kg.
A second row in
eu-central-1 (Germany), for which the residual mix has no row, makes the market-based total null.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from rich.console import Console

from cloudcarbon import estimate
from cloudcarbon.config import Config, MarketOptions
from cloudcarbon.factors import load_factor_set
from cloudcarbon.ledger import Ledger
from cloudcarbon.recording import record_result
from cloudcarbon.report import render_table, to_csv, to_json
from cloudcarbon.residual_mix import read_residual_mix
from cloudcarbon.results import EstimateResult
from cloudcarbon.statements import render_html, render_markdown, render_xlsx
from cloudcarbon.statements.build import build_statement
from tests.conftest import cur_row, write_cur

MONTH = "2026-10"
MARKET_KG = 0.128495411 * 300 / 1000  # 0.0385486233


def _result(tmp_path: Path, *, germany: bool = False) -> EstimateResult:
    rows = [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")]
    if germany:
        rows.append(
            cur_row("EUC1-BoxUsage:m5.large", 24, "2.30", "Hrs", instance="m5.large", region="eu-central-1")
        )
    src = write_cur(tmp_path / "cur.csv", rows)
    rm = tmp_path / "residual.csv"
    rm.write_text("zone,year,g_co2e_per_kwh,source\nSRVC,2025,300,Green-e test edition\n", encoding="utf-8")
    mk = MarketOptions(residual_mix=str(rm), residual_rows=read_residual_mix(rm))
    return estimate([src], MONTH, factor_set=load_factor_set("2026.12.1"), config=Config(market=mk))


def test_terminal_json_and_csv_show_the_market_figure(tmp_path: Path) -> None:
    res = _result(tmp_path)
    assert res.total_or_none("market_co2e_kg") == pytest.approx(MARKET_KG, rel=1e-6)
    console = Console(file=io.StringIO(), width=200)
    console.print(render_table(res))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Market-based CO2e: 0.039 kg" in text
    assert "Water: " in text and "on-site" in text
    doc = json.loads(to_json(res))
    assert doc["totals"]["market_co2e_kg"] == pytest.approx(MARKET_KG, rel=1e-6)
    assert doc["lines"][0]["market_co2e_kg"] == pytest.approx(MARKET_KG, rel=1e-6)
    csv = pl.read_csv(io.StringIO(to_csv(res)))
    assert csv["market_co2e_kg"][0] == pytest.approx(MARKET_KG, rel=1e-6)
    assert csv["water_l"][0] > 0


def test_a_line_without_a_factor_makes_the_total_null_with_a_reason(tmp_path: Path) -> None:
    res = _result(tmp_path, germany=True)
    by_region = {r["project"]: r for r in res.lines.iter_rows(named=True)}
    assert len(by_region) == 1  # one project; the total covers only part of the energy
    t = res.totals.row(0, named=True)
    assert t["market_co2e_kg"] == pytest.approx(MARKET_KG, rel=1e-6)  # the covered part, stated as such
    assert 0 < t["market_kwh_share"] < 1
    assert "AWS" in t["market_reason"]
    console = Console(file=io.StringIO(), width=200)
    console.print(render_table(res))
    assert "covers 50.0% of the energy" in console.file.getvalue()  # type: ignore[attr-defined]
    # the statement refuses a partial sum: null, naming the region without a factor
    ledger = tmp_path / "ledger.db"
    with Ledger(ledger) as lg:
        record_result(lg, res)
        st = build_statement(lg, MONTH, organisation="demo")
    assert st.totals.market_co2e_kg is None
    assert st.totals.market_reason is not None and "aws eu-central-1" in st.totals.market_reason
    assert "aws eu-central-1" in render_markdown(st)


def test_statements_show_the_market_figure_read_back_from_html_and_xlsx(tmp_path: Path) -> None:
    res = _result(tmp_path)
    ledger = tmp_path / "ledger.db"
    with Ledger(ledger) as lg:
        record_result(lg, res)
        recorded = lg.current(MONTH)
        st = build_statement(lg, MONTH, organisation="demo")
    assert recorded.totals["market_co2e_kg"] == pytest.approx(Decimal(repr(MARKET_KG)), rel=Decimal("1e-6"))
    assert "water_l" in recorded.totals
    assert st.totals.market_co2e_kg == pytest.approx(Decimal("0.0385486233"), abs=Decimal("1e-8"))
    md = render_markdown(st)
    assert "| Market-based CO2e | 0.039" in md
    # water: 0.013585418 L on site + 0.297171851 L electricity (tests/methods/test_market_water.py)
    assert st.totals.water_l == pytest.approx(Decimal("0.310757"), abs=Decimal("1e-6"))
    assert "| Water (on-site + electricity) | 0.311 L" in md
    html_file = tmp_path / "statement.html"
    html_file.write_text(render_html(st), encoding="utf-8")
    html = html_file.read_text(encoding="utf-8")
    assert (
        "Market-based CO2e" in html
        and "0.039" in html
        and "not available" not in html.split("Market")[1][:200]
    )
    xlsx = tmp_path / "statement.xlsx"
    render_xlsx(st, xlsx)
    wb = openpyxl.load_workbook(xlsx)
    (totals,) = [ws for ws in wb.worksheets if ws.title == "Totals"]
    rows = {r[0]: r for r in totals.iter_rows(values_only=True) if r and isinstance(r[0], str)}
    assert rows["Market-based CO2e"][1] == pytest.approx(MARKET_KG, rel=1e-6)
    assert rows["Market-based CO2e"][2] == "kg"
    assert rows["Water (on-site + electricity)"][1] == pytest.approx(0.310757, abs=1e-6)


def test_terminal_line_table_has_market_and_water_columns(tmp_path: Path) -> None:
    # one line: market-based 0.0385486233 kg -> "0.039" (two significant digits below 1); water
    # 0.013585418 + 0.297171851 = 0.310757269 L -> "0.31"; the total row shows the same figures
    from tests.reports.test_table_widths import column, headers

    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(render_table(_result(tmp_path)))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    shown = headers(text)
    assert "Market CO2e kg" in shown and "Water L" in shown
    assert shown.index("Market CO2e kg") == shown.index("CO2e kg (range)") + 1  # beside CO2e
    market = column(text, shown.index("Market CO2e kg"))
    water = column(text, shown.index("Water L"))
    assert market.startswith("0.039") and water.startswith("0.31")
    assert "(part)" not in text.split("Market-based CO2e:")[0]


def test_terminal_line_table_marks_a_partial_market_total(tmp_path: Path) -> None:
    # with the eu-central-1 day, the residual mix covers half the energy: the total is the covered
    # 0.039 kg, marked "(part)" in the footer (the sentence below says it covers 50.0%)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(render_table(_result(tmp_path, germany=True)))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "0.039 (part)" in text.split("Market-based CO2e:")[0]
