"""``cloudcarbon reconcile`` and ``estimate --calibrate provider`` through the command line.

Figures as worked in tests/footprint/test_reconcile.py: account 111111111111 us-east-1 AmazonEC2 is
0.337210795 kg ours against AWS's 0.45 kg (ratio 0.749357322); AmazonS3 0.1 kg provider only;
account 222222222222 0.112403598 kg ours only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PINNED_FACTORS
from tests.footprint.test_reconcile import DAY, A, B, aws_footprint, bills  # noqa: F401  # fixtures
from tests.test_errors import run_cli


def test_reconcile_json(
    bills: tuple[Path, Path],  # noqa: F811
    aws_footprint: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cur, cfg = bills
    args = ["reconcile", "-m", "2026-10", "-s", f"aws:{cur}", "-c", str(cfg), "--factors", PINNED_FACTORS]
    code, out, err = run_cli(
        [*args, "--provider-footprint", f"aws:{aws_footprint}", "-f", "json"], monkeypatch, capsys
    )
    assert code == 0, err
    doc = json.loads(out)
    rows = {(r["account_id"], r["service"]): r for r in doc["rows"]}
    assert rows[(A, "AmazonEC2")]["ratio"] == pytest.approx(0.749357322, rel=1e-6)
    assert rows[(A, "AmazonS3")]["match"] == "provider_only"
    assert rows[(B, "AmazonEC2")]["our_total_kg"] == pytest.approx(DAY, rel=1e-6)
    assert any(n.startswith("aws_scope3:") for n in doc["notes"])
    # the table fits, and the figures are rounded on screen only
    code, out, err = run_cli([*args, "--provider-footprint", str(aws_footprint)], monkeypatch, capsys)
    assert code == 0, err
    assert "0.749357" in out and "provider_only" in out


def test_reconcile_needs_a_footprint(
    bills: tuple[Path, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cur, _ = bills
    code, _, err = run_cli(["reconcile", "-m", "2026-10", "-s", str(cur)], monkeypatch, capsys)
    assert code == 2 and "--provider-footprint" in err and "Traceback" not in err


def test_estimate_calibrated_csv_is_flagged(
    bills: tuple[Path, Path],  # noqa: F811
    aws_footprint: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cur, cfg = bills
    code, out, err = run_cli(
        ["estimate", "-m", "2026-10", "-s", str(cur), "-c", str(cfg), "--factors", PINNED_FACTORS,
         "--no-record", "--provider-footprint", str(aws_footprint), "--calibrate", "provider", "-f", "csv"],
        monkeypatch, capsys,
    )  # fmt: skip
    assert code == 0, err
    header, *lines = out.strip().splitlines()
    cols = header.split(",")
    rows = {ln.split(",")[0]: dict(zip(cols, ln.split(","), strict=True)) for ln in lines}
    assert {p: rows[p]["calibrated"] for p in rows} == {"web": "true", "api": "true", "etl": "false"}
    web = float(rows["web"]["co2e_kg"]) + float(rows["web"]["embodied_co2e_kg"])
    assert web == pytest.approx(0.3, abs=1e-9)


def test_estimate_calibrated_table_and_json_say_so(
    bills: tuple[Path, Path],  # noqa: F811
    aws_footprint: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cur, cfg = bills
    args = ["estimate", "-m", "2026-10", "-s", str(cur), "-c", str(cfg), "--factors", PINNED_FACTORS,
            "--no-record", "--provider-footprint", str(aws_footprint), "--calibrate", "provider"]  # fmt: skip
    code, out, err = run_cli(args, monkeypatch, capsys)
    assert code == 0, err
    assert "Calibrated to the providers' own figures on 1 account x region x service key(s)" in " ".join(
        out.split()
    )
    code, out, err = run_cli([*args, "-f", "json"], monkeypatch, capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["assumptions"]["calibration"]["provider_kg"] == pytest.approx(0.45)
    assert {ln["match"] for ln in doc["assumptions"]["reconciliation"]["lines"]} == {
        "matched", "provider_only", "ours_only",
    }  # fmt: skip
