"""Statements built from the ledger alone, through the real command line, in every format; the
evidence pack; hostile project names in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from cloudcarbon._demo import write_demo
from cloudcarbon.cli import app
from cloudcarbon.ledger import Ledger
from cloudcarbon.results import file_sha256
from cloudcarbon.statements.build import build_statement
from tests.conftest import DEFAULT_FACTORS, cur_row, write_cur

runner = CliRunner(env={"COLUMNS": "400"})
MONTH = "2026-10"
FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(1)</script>"
MARKUP = "[red]x[/red]"
ORG = "Acme <b>&amp; Co"


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A closed month recorded from a small CUR whose project tags are hostile.

    FORMULA: m5.large 24 h, 2.304 USD; MARKUP: m5.large 12 h, 1.152 USD (same region: half the CO2e);
    SCRIPT: a NAT gateway, 1.08 USD (fallback); a tax row, 0.42 USD (excluded).
    Bill 2.304 + 1.152 + 1.08 + 0.42 = 4.956 USD = estimated 3.456 + fallback 1.08 + excluded 0.42.
    """
    bill = write_cur(
        tmp_path / "cur.csv",
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project=FORMULA),
            cur_row("BoxUsage:m5.large", 12, "1.152", "Hrs", instance="m5.large", project=MARKUP),
            cur_row("NatGateway-Hours", 24, "1.08", "Hrs", project=SCRIPT),
            cur_row("", 0, "0.42", "", line_item_type="Tax"),
        ],
    )
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text(
        f'[projects]\nrules = [{{ tag = "user:project" }}]\n[organisation]\nname = "{ORG}"\n',
        encoding="utf-8",
    )
    ledger = tmp_path / "ledger.sqlite"
    base = ["--ledger", str(ledger)]
    res = runner.invoke(app, ["estimate", "-m", MONTH, "-s", f"aws:{bill}", "-c", str(cfg), *base])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["close", "-m", MONTH, *base]).exit_code == 0
    return bill, cfg, ledger


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _statement(ledger: Path, cfg: Path, *args: str) -> str:
    res = runner.invoke(app, ["statement", "-m", MONTH, "--ledger", str(ledger), "-c", str(cfg), *args])
    assert res.exit_code == 0, res.output
    return res.output


def test_statement_from_the_ledger_alone(recorded: tuple[Path, Path, Path]) -> None:
    bill, cfg, ledger = recorded
    bill.unlink()  # no input file is needed
    doc = json.loads(_statement(ledger, cfg, "--format", "json"))
    h = doc["header"]
    assert (h["period"], h["organisation"], h["status"], h["version"]) == (MONTH, ORG, "closed", 1)
    assert h["factor_set_version"] == DEFAULT_FACTORS and len(h["factor_set_sha256"]) == 64
    t = doc["totals"]
    assert t["market_co2e_kg"] is None
    assert t["market_reason"] == f"no market-based factors in factor set {DEFAULT_FACTORS}"
    assert [(b["currency"], Decimal(b["amount"])) for b in t["billed"]] == [("USD", Decimal("4.956"))]
    (cov,) = doc["coverage"]
    assert [Decimal(cov[k]) for k in ("billed", "estimated", "fallback", "excluded")] == [
        Decimal("4.956"), Decimal("3.456"), Decimal("1.08"), Decimal("0.42")]  # fmt: skip
    assert [(e["reason"], Decimal(e["cost"]), e["rows"]) for e in cov["exclusions"]] == [
        ("tax", Decimal("0.42"), 1)
    ]
    projects = {p["project"]: p for p in doc["projects"]}
    assert set(projects) >= {FORMULA, MARKUP, SCRIPT}
    assert [Decimal(c["amount"]) for c in projects[FORMULA]["cost"]] == [Decimal("2.304")]
    full, half = Decimal(projects[FORMULA]["co2e_kg"]), Decimal(projects[MARKUP]["co2e_kg"])
    assert full > 0 and abs(half * 2 - full) <= Decimal("2e-9")  # 12 h of the same instance: half
    # totals are the sums of the project lines; the range holds the central figure
    co2e = Decimal(t["location_co2e_kg"])
    assert co2e == sum(Decimal(p["co2e_kg"]) for p in doc["projects"])
    assert Decimal(t["location_co2e_kg_low"]) <= co2e <= Decimal(t["location_co2e_kg_high"])
    # the ledger keeps the unrounded total: the statement rounds each line to 1e-9
    with Ledger(ledger, create=False) as lg:
        exact = lg.current(MONTH).totals["co2e_kg"]
    assert abs(co2e - exact) <= Decimal("1e-8")
    # intensity: operational CO2e per USD billed
    (it,) = t["intensity"]
    assert Decimal(it["kg_per_unit"]) == co2e / Decimal("4.956")
    # cloud usage only: scope 3 category 1, electricity location and market, hardware
    ghg = doc["ghg"]
    assert [(g["scope"], g["component"], g["basis"]) for g in ghg] == [
        ("Scope 3", "Provider electricity", "location-based"),
        ("Scope 3", "Provider electricity", "market-based"),
        ("Scope 3", "Provider hardware (embodied)", ""),
    ]
    assert Decimal(ghg[0]["co2e_kg"]) == co2e and ghg[1]["co2e_kg"] is None
    assert doc["restatements"] == [] and doc["comparison"] is None and doc["trend"] is None
    assert any("cloudcarbon/methods/default" in s["title"] for s in doc["methodology"]["sources"])


def test_every_format_escapes_hostile_names(recorded: tuple[Path, Path, Path], tmp_path: Path) -> None:
    bill, cfg, ledger = recorded
    bill.unlink()
    md = _statement(ledger, cfg, "--format", "md")
    assert SCRIPT not in md and r"\<script\>" in md and r"\[red\]x\[/red\]" in md
    html = _statement(ledger, cfg, "--format", "html")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Acme &lt;b&gt;&amp;amp; Co" in html
    text = _statement(ledger, cfg, "--format", "csv")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + FORMULA in cells and not any(c.startswith(("=", "+", "@")) for c in cells)
    assert SCRIPT in cells  # CSV is data: shown exactly as written
    table = _statement(ledger, cfg, "--format", "table")
    assert MARKUP in table and "\x1b" not in table  # markup printed literally, no escape codes
    doc = json.loads(_statement(ledger, cfg, "--format", "json"))
    assert {FORMULA, MARKUP, SCRIPT} <= {p["project"] for p in doc["projects"]}
    out = tmp_path / "statement.xlsx"
    _statement(ledger, cfg, "--format", "xlsx", "--out", str(out))
    wb = openpyxl.load_workbook(out)
    cells_x = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells_x if c.data_type == "f"]
    assert FORMULA in [c.value for c in cells_x if c.data_type == "s"]
    cov = wb["Coverage"]
    header = [c.value for c in cov[3]]
    billed = cov.cell(row=4, column=header.index("Billed") + 1).value
    assert isinstance(billed, float) and billed == pytest.approx(4.956)
    projects = wb["Projects"]
    row = next(r for r in projects.iter_rows(min_row=4) if r[0].value == FORMULA)
    want = next(p["co2e_kg"] for p in doc["projects"] if p["project"] == FORMULA)
    assert isinstance(row[1].value, float) and row[1].value == pytest.approx(float(want), rel=1e-12)


def test_xlsx_needs_out(recorded: tuple[Path, Path, Path]) -> None:
    _, cfg, ledger = recorded
    res = runner.invoke(
        app, ["statement", "-m", MONTH, "--ledger", str(ledger), "-c", str(cfg), "-f", "xlsx"]
    )
    assert res.exit_code == 2


def test_restatement_in_the_statement(recorded: tuple[Path, Path, Path]) -> None:
    bill, cfg, ledger = recorded
    text = bill.read_text().replace(",0.42,", ",0.50,")  # the tax line re-delivered: 0.50 USD
    bill.write_text(text)
    res = runner.invoke(
        app, ["estimate", "-m", MONTH, "-s", f"aws:{bill}", "-c", str(cfg), "--ledger", str(ledger)]
    )
    assert res.exit_code == 0 and "version 2 (new bill delivery)" in res.output
    doc = json.loads(_statement(ledger, cfg, "-f", "json"))
    assert doc["header"]["status"] == "restated" and doc["header"]["version"] == 2
    (r,) = doc["restatements"]
    assert r["causes"] == ["new bill delivery"] and Decimal(r["delta_co2e_kg"]) == 0  # tax has no CO2e
    assert Decimal(doc["coverage"][0]["billed"]) == Decimal("5.036")  # 4.956 - 0.42 + 0.50


def test_evidence_pack_with_lineage(recorded: tuple[Path, Path, Path], tmp_path: Path) -> None:
    bill, cfg, ledger = recorded
    pack = tmp_path / "pack"
    res = runner.invoke(
        app,
        [
            "statement",
            "-m",
            MONTH,
            "--ledger",
            str(ledger),
            "-c",
            str(cfg),
            "-f",
            "json",
            "--evidence",
            str(pack),
        ],
    )
    assert res.exit_code == 0, res.output
    names = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}
    assert {"README.txt", "inputs.csv", "config.json", "statement.json", "lineage.csv"} <= names
    assert "factors/instances.csv" in names and "factors/coefficients.csv" in names
    (inp,) = _rows(pack / "inputs.csv")
    assert inp == {"path": str(bill), "size": str(bill.stat().st_size), "sha256": file_sha256(bill)}
    inst = _rows(pack / "factors" / "instances.csv")
    assert [r["instance_type"] for r in inst] == ["m5.large"] and inst[0]["source"] and inst[0]["licence"]
    assert json.loads((pack / "config.json").read_text())["project_rules"][0]["tag"] == "user:project"
    lineage = _rows(pack / "lineage.csv")
    assert len(lineage) == 4  # one row per billing row
    assert sum(Decimal(r["BilledCost"]) for r in lineage) == Decimal("4.956")
    assert {r["fate"] for r in lineage} == {"estimated", "fallback", "excluded"}
    st = json.loads((pack / "statement.json").read_text())
    co2e = sum(float(r["co2e_kg"]) for r in lineage)
    # statement figures are kg quantized to 1e-9 (statements.build.QUANTUM): half a quantum apart at most
    assert co2e == pytest.approx(float(st["totals"]["location_co2e_kg"]), abs=1e-9)
    assert "lineage.csv totals match the recorded totals" in (pack / "README.txt").read_text()


def test_evidence_pack_without_inputs(recorded: tuple[Path, Path, Path], tmp_path: Path) -> None:
    bill, cfg, ledger = recorded
    bill.write_text(bill.read_text() + "\n")  # changed since it was recorded
    pack = tmp_path / "pack"
    args = ["statement", "-m", MONTH, "--ledger", str(ledger), "-c", str(cfg), "-f", "json", "--evidence"]
    res = runner.invoke(app, [*args, str(pack)])
    assert res.exit_code == 0, res.output
    assert not (pack / "lineage.csv").exists() and (pack / "statement.json").exists()
    readme = (pack / "README.txt").read_text()
    assert re.search(r"lineage\.csv not written: input file .*cur\.csv has changed", readme)
    assert "warning: lineage.csv not written" in res.output
    bill.unlink()
    res = runner.invoke(app, [*args, str(tmp_path / "pack2")])
    assert "is missing" in (tmp_path / "pack2" / "README.txt").read_text()


def test_demo_month_statement_maps_inventory_to_scope_2(tmp_path: Path) -> None:
    sources, config = write_demo(tmp_path / "demo", MONTH)
    ledger = tmp_path / "ledger.sqlite"
    args = ["estimate", "-m", MONTH, "-c", str(config), "--ledger", str(ledger)]
    for s in sources:
        args += ["-s", s]
    assert runner.invoke(app, args).exit_code == 0
    with Ledger(ledger, create=False) as lg:
        st = build_statement(lg, MONTH, organisation="demo")
        run = lg.current(MONTH)
    owners = {(g.owner, g.scope, g.category) for g in st.ghg}
    assert ("on-premises", "Scope 2", "Purchased electricity") in owners
    assert ("on-premises", "Scope 3", "Category 2: Capital goods") in owners
    inventory = [ln for ln in run.lines if dict(ln.key)["provider"] == "inventory"]
    onprem = next(g for g in st.ghg if g.owner == "on-premises" and g.basis == "location-based")
    assert onprem.co2e_kg is not None and onprem.co2e_kg > 0
    assert abs(onprem.co2e_kg - sum(ln.figures["co2e_kg"] for ln in inventory)) <= Decimal("1e-8")
    stages = {s.stage for p in st.projects for s in p.stages}
    assert {"training", "inference", "data_processing", "hardware"} <= stages
    assert st.header.status == "open" and st.header.version == 1
    for c in st.coverage:
        assert c.estimated + c.fallback + c.excluded == c.billed
