"""The statement's provider figures section: recorded with the estimate (``--provider-footprint``,
``--calibrate provider``), rendered in every format with user text escaped, and checked in Chromium.

Bill (October 2026, account 012345678901, us-east-1): m5.large 24 h for project FORMULA, 12 h for
project MARKUP (half the CO2e of the first). AWS CARBON_EMISSIONS: AmazonEC2 0.0006 t = 0.6 kg
(market 0.0002 t = 0.2 kg); a product code written as SCRIPT 0.0001 t = 0.1 kg (we bill no such
service: provider only). Calibrated: the two projects' CO2e + embodied add up to 0.6 kg, split 2:1 as
estimated, so FORMULA 0.4 kg and MARKUP 0.2 kg.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from cloudcarbon.cli import app
from tests.conftest import cur_row, write_cur
from tests.footprint.fixtures import AWS_COLUMNS, aws_row, write_csv
from tests.statements import chromium
from tests.statements.test_html import Parsed

runner = CliRunner(env={"COLUMNS": "400"})
MONTH = "2026-10"
FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(1)</script>"
MARKUP = "[red]x[/red]"
ACCOUNT = "012345678901"


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[Path, Path]:
    bill = write_cur(
        tmp_path / "cur.csv",
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project=FORMULA),
            cur_row("BoxUsage:m5.large", 12, "1.152", "Hrs", instance="m5.large", project=MARKUP),
        ],
    )
    footprint = write_csv(
        tmp_path / "carbon.csv",
        [
            aws_row("0.0006", mbm="0.0002", account=ACCOUNT),
            aws_row("0.0001", account=ACCOUNT, product=SCRIPT),
        ],
        AWS_COLUMNS,
    )
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text('[projects]\nrules = [{ tag = "user:project" }]\n', encoding="utf-8")
    db = tmp_path / "ledger.sqlite"
    res = runner.invoke(
        app,
        ["estimate", "-m", MONTH, "-s", f"aws:{bill}", "-c", str(cfg), "--ledger", str(db),
         "--provider-footprint", f"aws:{footprint}", "--calibrate", "provider"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return db, cfg


def _statement(db: Path, cfg: Path, *args: str) -> str:
    res = runner.invoke(app, ["statement", "-m", MONTH, "--ledger", str(db), "-c", str(cfg), *args])
    assert res.exit_code == 0, res.output
    return res.output


def test_json_section_and_calibrated_totals(ledger: tuple[Path, Path]) -> None:
    doc = json.loads(_statement(*ledger, "--format", "json"))
    sec = doc["provider_figures"]
    assert sec["calibrated"] is True
    lines = {(ln["service"], ln["match"]): ln for ln in sec["lines"]}
    assert set(lines) == {("AmazonEC2", "matched"), (SCRIPT, "provider_only")}
    ec2 = lines[("AmazonEC2", "matched")]
    assert Decimal(ec2["provider_kg"]) == Decimal("0.600") and Decimal(ec2["provider_market_kg"]) == Decimal(
        "0.200"
    )
    assert Decimal(ec2["ratio"]) == pytest.approx(
        Decimal(ec2["ours_kg"]) / Decimal("0.6"), rel=Decimal("1e-3")
    )
    assert "aws_scope3" in ec2["reasons"] and "aws_scope3" in sec["reasons"]
    # the statement's figures are the calibrated ones: 0.4 + 0.2 kg, split 2:1 as estimated
    per = {p["project"]: Decimal(p["co2e_kg"]) + Decimal(p["embodied_co2e_kg"]) for p in doc["projects"]}
    assert per[FORMULA] == pytest.approx(Decimal("0.4"), abs=Decimal("0.0015"))
    assert per[MARKUP] == pytest.approx(Decimal("0.2"), abs=Decimal("0.0015"))
    assert any("Calibrated to the providers' own figures" in p for p in doc["methodology"]["paragraphs"])


def test_every_format_shows_the_section_escaped(ledger: tuple[Path, Path], tmp_path: Path) -> None:
    db, cfg = ledger
    md = _statement(db, cfg, "--format", "md")
    assert "## Provider figures" in md and SCRIPT not in md and r"\<script\>alert(1)\</script\>" in md
    html = _statement(db, cfg, "--format", "html")
    assert '<section id="provider-figures">' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = _statement(db, cfg, "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    prov = [r for r in rows if r[0] == "provider_figures"]
    assert ["provider_figures", "statement", "calibrated", "yes", ""] in prov
    assert any(SCRIPT in r[1] for r in prov)  # CSV is data: shown as written
    table = _statement(db, cfg, "--format", "table")
    assert "Provider figures" in table and "\x1b" not in table
    out = tmp_path / "st.xlsx"
    _statement(db, cfg, "--format", "xlsx", "--out", str(out))
    wb = openpyxl.load_workbook(out)
    ws = wb["Provider figures"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert SCRIPT in [c.value for c in cells]
    assert 0.6 in [c.value for c in cells if isinstance(c.value, float)]


def test_renders_in_headless_chromium(ledger: tuple[Path, Path], tmp_path: Path) -> None:
    db, cfg = ledger
    page = tmp_path / "statement.html"
    page.write_text(_statement(db, cfg, "--format", "html"), encoding="utf-8")
    dom = chromium.run(page, tmp_path / "profile", "--dump-dom")
    assert not dom.console, dom.console
    p = Parsed(dom.stdout)
    assert p.count("script") == 0
    text = "".join(p.text)
    assert "Provider figures" in text and SCRIPT in text and "provider_only" in text
