"""The ledger through the real command line: estimate records, close, restate, verify, history."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.factors import factor_set_root
from cloudcarbon.ledger import Ledger
from tests.conftest import DEFAULT_FACTORS, PINNED_FACTORS, cur_row, write_cur

runner = CliRunner()
MONTH = "2026-10"
CONFIG = '[projects]\nrules = [{ tag = "user:project" }]\n'


def _bill(path: Path, web_hours: int = 24) -> Path:
    """web: m5.large (2 vCPU) at 0.096 USD an hour; ops: a NAT gateway (fallback); a tax row."""
    return write_cur(
        path,
        [
            cur_row("BoxUsage:m5.large", web_hours, f"{Decimal('0.096') * web_hours}", "Hrs",
                    instance="m5.large", project="web"),
            cur_row("NatGateway-Hours", 24, "1.08", "Hrs", project="ops"),
            cur_row("", 0, "0.42", "", line_item_type="Tax"),
        ],
    )  # fmt: skip


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    bill = _bill(tmp_path / "cur.csv")
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    return bill, cfg, tmp_path / "ledger.sqlite"


def _estimate(bill: Path, cfg: Path, ledger: Path, *extra: str) -> str:
    res = runner.invoke(
        app,
        ["estimate", "-m", MONTH, "-s", f"aws:{bill}", "-c", str(cfg), "--ledger", str(ledger), *extra],
    )
    assert res.exit_code == 0, res.output
    return res.output


def _line(run: object, **key: str) -> dict[str, Decimal]:
    for ln in run.lines:  # type: ignore[attr-defined]
        k = dict(ln.key)
        if all(k.get(n) == v for n, v in key.items()):
            return dict(ln.figures)
    raise AssertionError(f"no line {key}")


def test_estimate_records_lines_totals_and_inputs(setup: tuple[Path, Path, Path]) -> None:
    bill, cfg, ledger = setup
    out = _estimate(bill, cfg, ledger)
    assert f"recorded estimate of open month {MONTH}" in out and str(ledger) in out
    with Ledger(ledger, create=False) as lg:
        run = lg.current(MONTH)
        assert lg.status(MONTH).label == "open"
    web = _line(run, project="web", instance_type="m5.large")
    # 24 hours x 0.096 USD = 2.304 USD; m5.large has 2 vCPUs: 48 vCPU-hours, 8 GiB: 192 GB-hours
    assert web["cost"] == Decimal("2.304") and web["vcpu_hours"] == 48 and web["memory_gb_hours"] == 192
    assert web["rows"] == 1
    assert set(web) >= {"energy_kwh", "co2e_kg", "co2e_kg_low", "co2e_kg_high", "embodied_co2e_kg"}
    # the bill: 2.304 + 1.08 + 0.42 = 3.804 USD; the tax row is excluded with its reason
    assert run.totals["cost_USD"] == Decimal("3.804")
    (cov,) = run.coverage
    assert (cov.billed, cov.estimated, cov.fallback, cov.excluded) == (
        Decimal("3.804"), Decimal("2.304"), Decimal("1.08"), Decimal("0.42"))  # fmt: skip
    assert dict(cov.exclusion_reasons) == {"tax": Decimal("0.42")}
    (inp,) = run.inputs
    assert inp.path == str(bill) and inp.size == bill.stat().st_size
    assert run.factor_set_version == DEFAULT_FACTORS and not run.factor_set_user_made
    # each figure is exact decimal text in the file, never a float
    con = sqlite3.connect(ledger)
    types = {t for (t,) in con.execute("SELECT DISTINCT typeof(value) FROM line_figures")}
    con.close()
    assert types == {"text"}


def test_no_record_and_json_quiet(setup: tuple[Path, Path, Path]) -> None:
    bill, cfg, ledger = setup
    _estimate(bill, cfg, ledger, "--no-record")
    assert not ledger.exists()
    out = _estimate(bill, cfg, ledger, "--format", "json")
    json.loads(out)  # nothing but the document (the recorded line is quiet when piped)
    assert ledger.exists()


def test_open_month_keeps_history(setup: tuple[Path, Path, Path]) -> None:
    bill, cfg, ledger = setup
    _estimate(bill, cfg, ledger)
    _bill(bill, web_hours=48)
    _estimate(bill, cfg, ledger)
    with Ledger(ledger, create=False) as lg:
        events = lg.history(MONTH)
        assert [e.kind for e in events] == ["estimate", "estimate"]
        assert lg.restatements(MONTH) == []
        assert _line(lg.current(MONTH), project="web")["cost"] == Decimal("4.608")  # 48 x 0.096


def test_closed_month_restated_with_cause_and_delta(setup: tuple[Path, Path, Path]) -> None:
    bill, cfg, ledger = setup
    _estimate(bill, cfg, ledger)
    res = runner.invoke(app, ["close", "-m", MONTH, "--ledger", str(ledger)])
    assert res.exit_code == 0 and f"closed {MONTH}" in res.output
    # the same bill again: nothing is written
    assert "unchanged at version 1" in _estimate(bill, cfg, ledger)
    # a new delivery: web ran 48 hours instead of 24
    _bill(bill, web_hours=48)
    out = _estimate(bill, cfg, ledger)
    assert "restatement of closed month 2026-10: version 2 (new bill delivery)" in out
    with Ledger(ledger, create=False) as lg:
        (r,) = lg.restatements(MONTH)
        v1 = lg.version(MONTH, 1)
        assert lg.status(MONTH).label == "restated 1 time"
    assert [c.cause for c in r.causes] == ["new bill delivery"]
    deltas = {d.name: d for d in r.line_deltas if dict(d.key or ()).get("project") == "web"}
    # hand-computed: 24 more hours x 0.096 USD = 2.304 USD; x 2 vCPUs = 48 vCPU-hours; x 8 GiB = 192
    assert deltas["cost"].delta == Decimal("2.304")
    assert deltas["vcpu_hours"].delta == 48 and deltas["memory_gb_hours"].delta == 192
    # twice the hours of the same instance: twice the CO2e, so the delta equals version 1's figure
    before = _line(v1, project="web")["co2e_kg"]
    assert deltas["co2e_kg"].before == before
    assert abs(deltas["co2e_kg"].delta - before) <= before * Decimal("1e-12")
    # only web changed: no delta on ops or on the tax line
    assert {dict(d.key or ()).get("project") for d in r.line_deltas} == {"web"}
    hist = runner.invoke(app, ["history", "-m", MONTH, "--ledger", str(ledger)])
    assert hist.exit_code == 0
    assert "new bill delivery" in hist.output and "cost: 2.304" in hist.output and "(+2.304" in hist.output
    doc = json.loads(
        runner.invoke(app, ["history", "-m", MONTH, "--ledger", str(ledger), "-f", "json"]).output
    )
    assert doc["status"] == "restated 1 time" and doc["restatements"][0]["version"] == 2


def test_factor_set_and_config_causes(setup: tuple[Path, Path, Path], tmp_path: Path) -> None:
    bill, cfg, ledger = setup
    _estimate(bill, cfg, ledger)
    assert runner.invoke(app, ["close", "-m", MONTH, "--ledger", str(ledger)]).exit_code == 0
    # a configuration change: CPU utilisation 0.9 instead of the factor set's default
    cfg.write_text(CONFIG + "[utilisation]\ncpu = 0.9\n", encoding="utf-8")
    assert "version 2 (config change)" in _estimate(bill, cfg, ledger)
    # a factor set under another version (same tables): a new factor set
    fs = tmp_path / "fs"
    shutil.copytree(factor_set_root() / PINNED_FACTORS, fs)
    desc = json.loads((fs / "datapackage.json").read_text())
    desc["version"] = "2026.11-local"
    (fs / "datapackage.json").write_text(json.dumps(desc))
    assert "version 3 (new factor set)" in _estimate(bill, cfg, ledger, "--factors", str(fs))
    with Ledger(ledger, create=False) as lg:
        causes = [[c.cause for c in r.causes] for r in lg.restatements(MONTH)]
    assert causes == [["config change"], ["new factor set"]]


def test_verify_intact_and_tampered(setup: tuple[Path, Path, Path]) -> None:
    bill, cfg, ledger = setup
    _estimate(bill, cfg, ledger)
    assert runner.invoke(app, ["close", "-m", MONTH, "--ledger", str(ledger)]).exit_code == 0
    res = runner.invoke(app, ["verify", "--ledger", str(ledger)])
    assert res.exit_code == 0 and "is intact: 2 entries" in res.output
    con = sqlite3.connect(ledger)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    con.execute("UPDATE line_figures SET value = '999' WHERE entry_seq = 1 AND name = 'co2e_kg'")
    con.commit()
    con.close()
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run(
        [sys.executable, "-m", "cloudcarbon", "verify", "--ledger", str(ledger)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 9, proc.stderr
    assert "entry #1" in proc.stderr and "altered" in proc.stderr and "Traceback" not in proc.stderr


def test_ledger_location_precedence(setup: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    bill, cfg, ledger = setup
    env_ledger = ledger.parent / "env.sqlite"
    monkeypatch.setenv("CLOUDCARBON_LEDGER", str(env_ledger))
    cfg.write_text(CONFIG + '[ledger]\npath = "books/ledger.sqlite"\n', encoding="utf-8")
    run = ["estimate", "-m", MONTH, "-s", f"aws:{bill}", "-c", str(cfg)]
    assert runner.invoke(app, [*run, "--ledger", str(ledger)]).exit_code == 0
    assert ledger.exists() and not env_ledger.exists()
    assert runner.invoke(app, run).exit_code == 0
    assert env_ledger.exists()
    monkeypatch.delenv("CLOUDCARBON_LEDGER")
    assert runner.invoke(app, run).exit_code == 0
    assert (cfg.parent / "books" / "ledger.sqlite").exists()  # relative to the config file's folder


def test_missing_ledger_is_one_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["close", "-m", MONTH, "--ledger", str(tmp_path / "none.sqlite")])
    assert res.exit_code != 0 and not (tmp_path / "none.sqlite").exists()
