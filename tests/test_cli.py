"""The command line: formats, the demo, factor-set inspection."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.synthetic import generate_cur_month
from tests.conftest import cur_row

runner = CliRunner()


def _rows() -> list[dict[str, object]]:
    return [
        cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="web"),
        cur_row("BoxUsage:zz9.large", 24, "1.00", "Hrs", instance="zz9.large", vcpu="2", memory="8 GiB"),
        cur_row("NatGateway-Hours", 24, "1.08", "Hrs"),
        cur_row("", 0, "0.42", "", line_item_type="Tax"),
    ]


def test_json_document(cur_file: Callable[..., Path]) -> None:
    f = cur_file(_rows())
    res = runner.invoke(app, ["estimate", "--month", "2026-10", "--source", str(f), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output, parse_float=Decimal)
    assert doc["month"] == "2026-10"
    assert doc["factor_set"]["version"] == "2026.11" and len(doc["factor_set"]["sha256"]) == 64
    cov = doc["coverage"]
    # billed 2.304 + 1.00 + 1.08 + 0.42 = 4.804; estimated m5 + zz9 = 3.304; fallback NAT 1.08; tax 0.42
    assert cov["billed_cost"] == Decimal("4.804") and cov["currency"] == "USD"
    assert (cov["estimated_cost"], cov["fallback_cost"], cov["excluded_cost"]) == (
        Decimal("3.304"),
        Decimal("1.08"),
        Decimal("0.42"),
    )
    assert cov["estimated_cost"] + cov["fallback_cost"] + cov["excluded_cost"] == cov["billed_cost"]
    assert set(doc["totals"]) >= {"energy_kwh", "co2e_kg", "co2e_kg_low", "co2e_kg_high", "embodied_co2e_kg"}
    # no configuration: the project is the linked account, so one line carries the whole bill
    (line,) = doc["lines"]
    assert line["project"] == "012345678901" and line["cost"] == Decimal("4.804")
    assert set(line) >= {"cost", "energy_kwh", "co2e_kg", "co2e_kg_low", "co2e_kg_high", "embodied_co2e_kg"}
    assert doc["excluded"] == [{"reason": "tax", "rows": 1, "cost": Decimal("0.42")}]
    assert doc["unknown_instance_types"] == ["zz9.large"]


def test_csv_and_table(cur_file: Callable[..., Path]) -> None:
    f = cur_file(_rows())
    res = runner.invoke(app, ["estimate", "-m", "2026-10", "-s", f"aws:{f}", "-f", "csv", "-g", "service"])
    assert res.exit_code == 0, res.output
    header, *lines = res.output.strip().splitlines()
    assert header.startswith("service,rows,cost,estimated_cost,fallback_cost,excluded_cost,energy_kwh")
    assert len(lines) == 1 and lines[0].startswith("AmazonEC2,4,4.804")
    res = runner.invoke(app, ["estimate", "-m", "2026-10", "-s", str(f)])
    assert res.exit_code == 0, res.output
    assert "Total" in res.output and "Coverage USD: billed 4.80 = estimated 3.30" in res.output
    assert "unknown_instance_type" in res.output


def test_demo_month_covers_every_source(tmp_path: Path) -> None:
    from cloudcarbon.synthetic_clouds import generate_azure_month, generate_focus_month, generate_gcp_month

    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output, parse_float=Decimal)
    # the same generators write the same month again; each returns its exact billed total: the CUR's is
    # the latest delivery only (the restated, older delivery stays on disk and must not be added)
    again = tmp_path / "again"
    cur = generate_cur_month(again / "cur", "2026-10")
    assert cur.stale_files, "the demo month must include a restated delivery"
    parts = [
        cur.billed_cost,
        generate_gcp_month(again / "gcp").billed_cost,
        generate_azure_month(again / "azure").billed_cost,
        generate_focus_month(again / "focus").billed_cost,
    ]
    cov = doc["coverage"]
    assert cov["billed_cost"] == sum(parts, Decimal(0))
    assert cov["estimated_cost"] + cov["fallback_cost"] + cov["excluded_cost"] == cov["billed_cost"]
    providers = {line["provider"] for line in doc["lines"]}
    assert providers == {"aws", "gcp", "azure", "inventory"}  # FOCUS rows keep their provider (aws)
    projects = {line["project"] for line in doc["lines"]}
    assert {
        "(unallocated)",
        "ml-platform",
        "vision-train",
        "llm-chat",
        "acme-vision",
        "legacy-erp",
    } <= projects
    reasons = {e["reason"] for e in doc["excluded"]}
    assert {"tax", "credit", "refund", "commitment_negation", "commitment_fee", "discount"} <= reasons
    # the AI lens: training and inference stages, runs on AWS (p4d) and GCP (TPU v4), per-request figures
    stages = {s["stage"] for s in doc["ai"]["stages"]}
    assert {"training", "inference", "data_processing", "other"} <= stages
    runs = {r["run"]: r for r in doc["ai"]["runs"]}
    assert set(runs) == {"llm-finetune-2026-10a", "tpu-pretrain-7"}
    for r in runs.values():
        assert r["co2e_kg_low"] <= r["co2e_kg"] <= r["co2e_kg_high"]
        assert r["co2e_kg_per_accelerator_hour"] > 0
    assert {r["project"] for r in doc["ai"]["requests"]} >= {"recsys-serving", "llm-chat"}


def test_factors_commands() -> None:
    res = runner.invoke(app, ["factors", "list"])
    assert res.exit_code == 0 and "2026.11" in res.output
    res = runner.invoke(app, ["factors", "show"])
    assert res.exit_code == 0 and "instances.csv" in res.output and "ODbL-1.0" in res.output
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.startswith("cloudcarbon ")


def test_detail_file_and_factor_lookup(cur_file: Callable[..., Path], tmp_path: Path) -> None:
    import polars as pl

    f = cur_file(_rows())
    out = tmp_path / "detail.csv"
    res = runner.invoke(app, ["estimate", "-m", "2026-10", "-s", str(f), "--detail", str(out), "-f", "json"])
    assert res.exit_code == 0, res.output
    detail = pl.read_csv(out, infer_schema=False)
    # one row per billing row, in file order, each with its fate and the factor keys it used
    assert detail["source_row"].to_list() == ["1", "2", "3", "4"]
    assert detail["fate"].to_list() == ["estimated", "estimated", "fallback", "excluded"]
    m5 = detail.row(0, named=True)
    assert (m5["instance_key"], m5["grid_dataset"], m5["grid_year"]) == (
        "m5.large",
        "electricitymaps",
        "2025",
    )
    res = runner.invoke(app, ["factors", "lookup", "instances", "aws", "m5.large"])
    assert res.exit_code == 0 and "Skylake" in res.output and "licence: Apache-2.0" in res.output
    res = runner.invoke(app, ["factors", "lookup", "grid_intensity_odbl", "aws", "us-east-1", "2025"])
    assert res.exit_code == 0 and "g_co2e_per_kwh: 418" in res.output and "ODbL-1.0" in res.output
