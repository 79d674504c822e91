"""``cloudcarbon explain-diff``: exit code, legend, JSON keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.explain import CAUSES
from tests.conftest import cur_row

runner = CliRunner()

ROWS = [
    cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", vcpu="2"),
    cur_row("TimedStorage-ByteHrs", 1000, "23", "GB-Mo", product="AmazonS3"),
]


def test_explain_diff_table_prints_legend(cur_file: Callable[..., Path]) -> None:
    f = cur_file(ROWS)
    res = runner.invoke(
        app,
        ["explain-diff", "--month", "2026-10", "--source", f"aws:{f}", "-g", "service"],
        env={"COLUMNS": "250"},
    )
    assert res.exit_code == 0, res.output
    assert "Legend" in res.output
    assert "s3_gb_month_as_bytes" in res.output and "AmazonS3" in res.output


def test_explain_diff_json_keys(cur_file: Callable[..., Path]) -> None:
    f = cur_file(ROWS)
    res = runner.invoke(
        app, ["explain-diff", "-m", "2026-10", "-s", f"aws:{f}", "-g", "service", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert set(doc) == {"month", "group_by", "lines", "legend"}
    line = doc["lines"][0]
    assert {
        "service",
        "default_co2e_kg",
        "default_embodied_co2e_kg",
        "ccf_co2e_kg",
        "ccf_embodied_co2e_kg",
        "gap_kg",
        "cause",
        "cause_kg",
        "default_energy_kwh",
        "ccf_energy_kwh",
        "energy_cause",
    } <= set(line)
    assert all(c in CAUSES for c in doc["legend"])
