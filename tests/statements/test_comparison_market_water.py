"""The comparison section of a monthly statement carries both months' market-based CO2e and water
totals and their change, "not available" with the reason where a month lacks the figure (never the
location-based figure), in Markdown, HTML and XLSX read back from their files, JSON, CSV and terminal.

Hand-worked (factor set 2026.12.1, the fixtures of tests/statements/test_market_water_outputs.py):
one m5.large day in us-east-1 = 0.128495411 kWh; the user's residual mix gives eGRID SRVC 300 g/kWh,
so market-based CO2e = 0.128495411 x 300 / 1000 = 0.0385486233 kg; water = 0.013585418 L on site
+ 0.297171851 L electricity = 0.310757269 L (tests/methods/test_market_water.py).

September (baseline): one such day.  October (current): two such days.
  market: 0.0385486233 -> 0.0770972466 kg, change +0.0385486233 kg  (shown 0.039 / 0.077 / +0.039)
  water:  0.310757269  -> 0.621514538 L,   change +0.310757269 L    (shown 0.311 / 0.622 / +0.311)
With an eu-central-1 day added to September, for which the residual mix has no row, September has no
market-based total: baseline and change "not available", the reason naming the base period.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console

from cloudcarbon import estimate
from cloudcarbon.analysis import baseline_comparison
from cloudcarbon.config import Config, MarketOptions
from cloudcarbon.factors import load_factor_set
from cloudcarbon.ledger import Ledger
from cloudcarbon.recording import record_result
from cloudcarbon.residual_mix import read_residual_mix
from cloudcarbon.statements import render_html, render_markdown, render_xlsx
from cloudcarbon.statements.build import build_statement
from cloudcarbon.statements.data import render_csv, render_json, render_table
from cloudcarbon.statements.model import Statement
from tests.conftest import cur_row, write_cur

D = Decimal
DAY_MARKET = D("0.0385486233")
DAY_WATER = D("0.310757269")


def _day(month: str, day: int, region: str = "us-east-1") -> dict[str, str]:
    usage = "BoxUsage:m5.large" if region == "us-east-1" else "EUC1-BoxUsage:m5.large"
    r = cur_row(
        usage, 24, "2.304", "Hrs", instance="m5.large", region=region,
        start=f"{month}-{day:02d}T00:00:00Z", end=f"{month}-{day + 1:02d}T00:00:00Z",
    )  # fmt: skip
    r["bill/BillingPeriodStartDate"] = f"{month}-01T00:00:00.000Z"
    return r


def _statement(tmp_path: Path, *, germany_in_base: bool = False) -> Statement:
    rm = tmp_path / "residual.csv"
    rm.write_text("zone,year,g_co2e_per_kwh,source\nSRVC,2025,300,Green-e test edition\n", encoding="utf-8")
    cfg = Config(market=MarketOptions(residual_mix=str(rm), residual_rows=read_residual_mix(rm)))
    fs = load_factor_set("2026.12.1")
    sep = [_day("2026-09", 1)] + ([_day("2026-09", 2, "eu-central-1")] if germany_in_base else [])
    oct_ = [_day("2026-10", 1), _day("2026-10", 2)]
    with Ledger(tmp_path / "ledger.db") as lg:
        for month, rows in (("2026-09", sep), ("2026-10", oct_)):
            src = write_cur(tmp_path / f"cur-{month}.csv", rows)
            record_result(lg, estimate([src], month, factor_set=fs, config=cfg))
        comparison = baseline_comparison(lg, "2026-10", "2026-09")
        assert comparison is not None
        return build_statement(lg, "2026-10", organisation="demo", comparison=comparison)


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_both_months_and_the_change_in_every_format(tmp_path: Path) -> None:
    st = _statement(tmp_path)
    assert st.comparison is not None
    market, water = st.comparison.side_totals()
    assert market.base == pytest.approx(DAY_MARKET, abs=D("1e-6"))
    assert market.current == pytest.approx(2 * DAY_MARKET, abs=D("1e-6"))
    assert market.change == pytest.approx(DAY_MARKET, abs=D("1e-6")) and market.note is None
    assert water.base == pytest.approx(DAY_WATER, abs=D("1e-6"))
    assert water.current == pytest.approx(2 * DAY_WATER, abs=D("1e-6"))
    assert water.change == pytest.approx(DAY_WATER, abs=D("1e-6")) and water.note is None

    md = _section(render_markdown(st), "## Comparison with the baseline", "## Trend")
    assert "| Market-based CO2e | kg | 0.039 | 0.077 | +0.039 |" in md
    assert "| Water | L | 0.311 | 0.622 | +0.311 |" in md
    assert "not available" not in md

    html_file = tmp_path / "statement.html"
    html_file.write_text(render_html(st), encoding="utf-8")
    html = _section(html_file.read_text(encoding="utf-8"), '<section id="comparison">', "</section>")
    assert "<td>Market-based CO2e</td><td>kg</td>" in html
    for shown in ("0.039", "0.077", "+0.039", "0.311", "0.622", "+0.311"):
        assert shown in html

    xlsx = tmp_path / "statement.xlsx"
    render_xlsx(st, xlsx)
    ws = openpyxl.load_workbook(xlsx)["Comparison"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str)}
    assert rows["Market-based CO2e"][1] == "kg"
    assert rows["Market-based CO2e"][2:5] == pytest.approx((0.0385486, 0.0770972, 0.0385486), abs=1e-6)
    assert rows["Water"][2:5] == pytest.approx((0.310757, 0.621515, 0.310757), abs=1e-6)

    doc = json.loads(render_json(st))["comparison"]
    by = {s["figure"]: s for s in doc["sides"]}
    assert D(by["market-based CO2e"]["change"]) == pytest.approx(DAY_MARKET, abs=D("1e-6"))
    assert D(by["water"]["current"]) == pytest.approx(2 * DAY_WATER, abs=D("1e-6"))
    assert doc["lines"][0]["sides"][0]["note"] is None

    csv_rows = {(r[1], r[2]): r for r in csv.reader(io.StringIO(render_csv(st))) if r[0] == "comparison"}
    change = csv_rows[("total water", "change")]
    assert D(change[3]) == pytest.approx(DAY_WATER, abs=D("1e-6")) and change[4] == "L"

    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(render_table(st))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Market-based CO2e and water (totals, not bridged)" in text
    assert "+0.311" in text.split("not bridged")[1]


def test_a_month_without_the_market_figure_says_not_available_with_the_reason(tmp_path: Path) -> None:
    st = _statement(tmp_path, germany_in_base=True)
    assert st.comparison is not None
    market, water = st.comparison.side_totals()
    assert market.base is None and market.change is None
    assert market.current == pytest.approx(2 * DAY_MARKET, abs=D("1e-6"))
    assert market.note == "no market-based CO2e figure in the base period"
    # water has a factor in both regions: September is two days' water in two grids, not null
    assert water.base is not None and water.change is not None and water.note is None
    # the location-based baseline (non-null) must not stand in for the missing market-based one
    location_base = f"{st.comparison.base_kg:,.3f}"

    reason = "not available: no market-based CO2e figure in the base period"
    md = _section(render_markdown(st), "## Comparison with the baseline", "## Trend")
    assert f"| Market-based CO2e | kg | not available | 0.077 | {reason} |" in md

    html_file = tmp_path / "statement.html"
    html_file.write_text(render_html(st), encoding="utf-8")
    html = _section(html_file.read_text(encoding="utf-8"), '<section id="comparison">', "</section>")
    market_row = html.split("<td>Market-based CO2e</td>", 1)[1].split("</tr>", 1)[0]
    assert "not available" in market_row and reason in market_row
    assert location_base not in market_row

    xlsx = tmp_path / "statement.xlsx"
    render_xlsx(st, xlsx)
    ws = openpyxl.load_workbook(xlsx)["Comparison"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str)}
    assert rows["Market-based CO2e"][2] == "not available"
    assert rows["Market-based CO2e"][4] == reason

    doc = json.loads(render_json(st))["comparison"]
    by = {s["figure"]: s for s in doc["sides"]}
    assert by["market-based CO2e"]["base"] is None and by["market-based CO2e"]["change"] is None
    assert by["market-based CO2e"]["note"] == "no market-based CO2e figure in the base period"

    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(render_table(st))
    assert reason in console.file.getvalue()  # type: ignore[attr-defined]
