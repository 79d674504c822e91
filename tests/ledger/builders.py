"""Small hand-written runs for the ledger tests (no engine, no billing files)."""

from __future__ import annotations

import hashlib
from decimal import Decimal as D
from typing import Any

from cloudcarbon.ledger import CoverageRecord, FlagRecord, InputFile, LineRecord, RunRecord

FS_HASH = hashlib.sha256(b"factor set 2026.11").hexdigest()
CUR_SHA = hashlib.sha256(b"cur delivery 1").hexdigest()


def run(month: str = "2026-10", **overrides: Any) -> RunRecord:
    """A two-project run: search 10.5 kWh / 4.20 kg, ml 2 kWh / 0.80 kg, billed 100.00 EUR."""
    fields: dict[str, Any] = {
        "month": month,
        "method": "ccf-2026",
        "factor_set_version": "2026.11",
        "factor_set_hash": FS_HASH,
        "factor_set_user_made": False,
        "config_hash": hashlib.sha256(b'{"org":"Acme"}').hexdigest(),
        "config_text": '{"org":"Acme"}',
        "tool_version": "0.1.0",
        "recorded_at": f"{month}-28T09:00:00Z",
        "inputs": (InputFile("exports/cur.csv", 1234, CUR_SHA),),
        "lines": (
            LineRecord(
                (("project", "search"),),
                {"energy_kwh": D("10.5"), "co2e_kg": D("4.20"), "cost_EUR": D("80.00")},
            ),
            LineRecord(
                (("project", "ml"),), {"energy_kwh": D("2"), "co2e_kg": D("0.80"), "cost_EUR": D("15.00")}
            ),
        ),
        "totals": {"energy_kwh": D("12.5"), "co2e_kg": D("5.00"), "cost_EUR": D("95.00")},
        "coverage": (
            CoverageRecord(
                "EUR",
                D("100.00"),
                D("90.00"),
                D("5.00"),
                D("5.00"),
                7,
                {"tax": D("3.00"), "credit": D("2.00")},
            ),
        ),
        "flags": (FlagRecord("fallback_kwh_per_cost", "AWSSupport", 1, D("5.00"), "EUR", "fallback"),),
        "assumptions": {"utilisation": "0.5"},
    }
    fields.update(overrides)
    return RunRecord(**fields)


def big_run(month: str, i: int, lines: int) -> RunRecord:
    """A run with ``lines`` projects whose figures depend on ``i`` (so each ``i`` is a new estimate)."""
    figs = [
        LineRecord(
            (("project", f"p{n:04d}"), ("team", f"t{n % 7}")),
            {
                "energy_kwh": D(f"{n}.{i:03d}"),
                "co2e_kg": D(f"{i}.{n:04d}"),
                "co2e_kg_low": D(f"{i}.{n:03d}"),
                "cost_EUR": D(f"{n + i}.25"),
            },
        )
        for n in range(lines)
    ]
    return run(
        month,
        recorded_at=f"{month}-28T09:00:{i % 60:02d}Z",
        lines=tuple(figs),
        totals={"energy_kwh": D(i), "co2e_kg": D(f"{i}.5")},
        inputs=(InputFile("exports/cur.csv", 1000 + i, hashlib.sha256(str(i).encode()).hexdigest()),),
    )
