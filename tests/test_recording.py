"""From an estimate to its ledger record: exact decimals, float noise kept out, config round trip."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from cloudcarbon.config import load_config
from cloudcarbon.ledger import LineRecord, RunRecord
from cloudcarbon.recording import config_from_record, exact, recorded_config, stabilise

KEY = (("project", "web"), ("currency", "USD"))


def _run(co2e: str, cost: str = "2.304", ratio: str = "0.1") -> RunRecord:
    lines = (LineRecord(KEY, {"co2e_kg": Decimal(co2e), "cost": Decimal(cost), "rows": Decimal(1)}),)
    return RunRecord(
        month="2026-10", method="cloudcarbon", factor_set_version="2026.11", factor_set_hash="0" * 64,
        factor_set_user_made=False, config_hash="1" * 64, config_text="{}", tool_version="0",
        recorded_at="2026-11-02T09:00:00Z", lines=lines,
        totals={"co2e_kg": Decimal(co2e), "cost_USD": Decimal(cost), "rows": Decimal(1)},
        assumptions={"fallback_kwh_per_basis": f'{{"aws/USD":{ratio}}}'},
    )  # fmt: skip


def test_exact_takes_the_shortest_repr() -> None:
    assert exact(0.1) == Decimal("0.1") and str(exact(0.1)) == "0.1"  # not 0.1000000000000000055...
    assert exact(Decimal("2.3040000000")) == Decimal("2.304") and exact(3) == Decimal(3)
    with pytest.raises(ValueError):
        exact(float("nan"))


def test_stabilise_keeps_noise_out_and_real_changes_in() -> None:
    before = _run("1.2345678901234567", ratio="0.09767367686228509")
    # the last binary digits differ (a sum in another order): the recorded figure stands
    noisy = _run("1.2345678901234569", ratio="0.09767367686228512")
    same = stabilise(noisy, before)
    assert same.lines[0].figures["co2e_kg"] == Decimal("1.2345678901234567")
    assert same.totals["co2e_kg"] == Decimal("1.2345678901234567")
    assert same.assumptions == before.assumptions
    # a change of 1e-6 relative is real: kept, and the total follows the line
    moved = stabilise(_run("1.2345691246913468"), before)
    assert moved.lines[0].figures["co2e_kg"] == Decimal("1.2345691246913468")
    assert moved.totals["co2e_kg"] == Decimal("1.2345691246913468")
    # costs are exact: never snapped, however small the difference
    cents = stabilise(_run("1.2345678901234567", cost="2.3040000001"), before)
    assert cents.lines[0].figures["cost"] == Decimal("2.3040000001")
    assert stabilise(before, None) is before


def test_config_round_trip(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "cloudcarbon.toml"  # type: ignore[operator]
    path.write_text(
        '[projects]\nrules = [{ tag = "user:project" }]\n[utilisation]\ncpu = 0.35\n'
        'overrides = [{ stage = "training", accelerator = 0.85 }]\n[ledger]\npath = "l.sqlite"\n'
        '[organisation]\nname = "Acme"\n'
    )
    cfg = load_config(path)
    assert cfg.ledger_path == "l.sqlite" and cfg.organisation == "Acme"
    recorded = recorded_config(dataclasses.asdict(cfg))
    assert "ledger_path" not in recorded and "organisation" not in recorded and "engine" not in recorded
    import json

    back = config_from_record(json.dumps(recorded))
    assert back == dataclasses.replace(cfg, path=None, ledger_path=None, organisation=None)
