"""The command line: formats, the demo, factor-set inspection."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloudcarbon.cli import app, main
from scripts.synth import generate_cur_month
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
    # the default factor set is the newest shipped one, named with its pinned content hash
    from cloudcarbon.factors import SHIPPED_SHA256, available_factor_sets

    newest = available_factor_sets()[-1]
    assert doc["factor_set"]["version"] == newest and doc["factor_set"]["sha256"] == SHIPPED_SHA256[newest]
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
    from scripts.synth import generate_azure_month, generate_focus_month, generate_gcp_month

    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output, parse_float=Decimal)
    # the same generators write the same month again; each returns its exact billed total: the CUR's is
    # the latest delivery only (the restated, older delivery stays on disk and must not be added)
    again = tmp_path / "again"
    cur = generate_cur_month(again / "cur", "2026-10")
    assert cur.stale_files, "the demo month must include a restated delivery"
    # the demo's 2026-10 CUR is that very delivery: same files under the same report folder
    report = tmp_path / "demo" / "aws-cur" / "cloudcarbon-demo"
    for path in (*cur.data_files, *cur.stale_files):
        assert (report / path.relative_to(cur.root)).read_bytes() == path.read_bytes()
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
    # factor set 2026.12's grid rows (2026.12.1 takes operational grid factors)
    args = [
        "estimate",
        "-m",
        "2026-10",
        "-s",
        str(f),
        "--detail",
        str(out),
        "-f",
        "json",
        "--factors",
        "2026.12",
    ]
    res = runner.invoke(app, args)
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


def test_demo_writes_three_months_each_with_a_restated_cur(tmp_path: Path) -> None:
    from scripts.synth.demo import write_exports

    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--out", str(out), "--month", "2026-09", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output, parse_float=Decimal)
    assert doc["month"] == "2026-09"
    # every month: a month manifest and two deliveries (preliminary + final), one report folder
    report = out / "aws-cur" / "cloudcarbon-demo"
    periods = sorted(p.name for p in report.iterdir())
    assert periods == ["20260801-20260901", "20260901-20261001", "20261001-20261101"]
    for period in periods:
        assert len([p for p in (report / period).iterdir() if p.is_dir()]) == 2
    for month in ("2026-08", "2026-09", "2026-10"):
        for path in (
            f"gcp/gcp-billing-{month}.jsonl",
            f"azure/azure-cost-{month}-actual.csv",
            f"focus/focus-{month}.csv",
        ):
            assert (out / path).is_file()
    # the generators' exact totals for September; the estimate adds the final CUR delivery only
    totals = write_exports(tmp_path / "again")
    assert set(totals) == {"2026-08", "2026-09", "2026-10"} and all(t.restated for t in totals.values())
    september = totals["2026-09"]
    assert doc["coverage"]["billed_cost"] == september.billed_cost
    assert len({t.billed_cost for t in totals.values()}) == 3  # three different months, not one copied


def _main(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """Run the console entry point in-process; return its exit code, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["cloudcarbon", *argv])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 1), out, err


_USAGE_ERRORS = {
    "missing month": (["estimate"], "Missing option '--"),  # older click names --source first
    "missing source": (["estimate", "-m", "2026-10"], "Missing option '--source'"),
    "unknown option": (["estimate", "-m", "2026-10", "-s", "x.csv", "--bogus"], "No such option"),
    "unknown command": (["estimat"], "No such command 'estimat'"),
    "month 13": (
        ["estimate", "-m", "2026-13", "-s", "x.csv"],
        "'2026-13' is not a month of the form YYYY-MM",
    ),
    "day-first month": (["estimate", "-m", "10-2026", "-s", "x.csv"], "'10-2026' is not a month"),
    "month with day": (["explain-diff", "-m", "2026-10-01", "-s", "x.csv"], "'2026-10-01' is not a month"),
    "pull month": (["pull", "aws", "-m", "2026-1", "-d", "out"], "'2026-1' is not a month"),
    "repeated month": (
        ["estimate", "-m", "2026-09", "--month", "2026-10", "-s", "x.csv"],
        "given more than once ('2026-09', '2026-10')",
    ),
    "repeated month, joined forms": (
        ["estimate", "-m2026-09", "--month=2026-10", "-s", "x.csv"],
        "given more than once ('2026-09', '2026-10')",
    ),
    "repeated format": (
        ["estimate", "-m", "2026-10", "-s", "x.csv", "-f", "csv", "--format", "json"],
        "'--format' / '-f': given more than once ('csv', 'json')",
    ),
    "demo month": (["demo", "--month", "2026-07"], "the demo holds 2026-08, 2026-09, 2026-10"),
    "pull aws bucket": (["pull", "aws", "-m", "2026-10", "-d", "out"], "'--bucket'"),
    "pull aws report": (
        ["pull", "aws", "-m", "2026-10", "-d", "out", "--bucket", "b"],
        "exactly one of --report (legacy CUR) or --export (CUR 2.0)",
    ),
    "pull gcp table": (["pull", "gcp", "-m", "2026-10", "-d", "out"], "'--table'"),
    "pull azure scope": (["pull", "azure", "-m", "2026-10", "-d", "out"], "'--scope'"),
}


@pytest.mark.parametrize("argv,expected", list(_USAGE_ERRORS.values()), ids=list(_USAGE_ERRORS))
def test_usage_errors_are_one_line_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _main(argv, capsys, monkeypatch)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    assert expected in err and "Traceback" not in err
    assert "--help'" in err  # says where to look
    if expected == "No such option":  # click words it "No such option: --x" or "No such option '--x'."
        assert argv[-1] in err


@pytest.mark.filterwarnings("default::cloudcarbon.exceptions.CloudCarbonWarning")
def test_repeatable_options_and_values_that_look_like_options(
    cur_file: Callable[..., Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    f = cur_file(_rows())
    # --source and --group-by are repeatable: given twice is not an error
    argv = [
        "estimate",
        "-m",
        "2026-10",
        "-s",
        str(f),
        "-s",
        str(f),
        "-g",
        "service",
        "-g",
        "project",
        "-f",
        "csv",
    ]
    # the same file twice is read once, with a warning (the hostile-input rule on double counting)
    code, out, err = _main(argv, capsys, monkeypatch)
    assert code == 0 and out.startswith("service,project,")
    assert "read once, not twice" in err
    # "-m" as the value of --source is a path, not a second month: the error is about that file
    code, out, err = _main(["estimate", "-m", "2026-10", "-s", "-m"], capsys, monkeypatch)
    assert code == 2 and "given more than once" not in err and "-m" in err


def test_control_characters_in_a_bad_value_are_shown_escaped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _main(["estimate", "-m", "2026\x1b[31m\n-10", "-s", "x.csv"], capsys, monkeypatch)
    assert code == 2 and "\x1b" not in err and err.count("\n") == 1
    assert "2026\\x1b[31m\\n-10" in err


def test_exit_codes_of_other_outcomes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _main(["--version"], capsys, monkeypatch)
    assert code == 0 and out.startswith("cloudcarbon ")
    # typer.Exit(1) from a command (a lookup that matches nothing) keeps its code in the entry point
    code, _, err = _main(["factors", "lookup", "instances", "aws", "no-such-type"], capsys, monkeypatch)
    assert code == 1 and "no row of instances matches aws no-such-type" in err
    # no command at all: the help; click >= 8.2 (and typer's copy of it) exits 2 there, older click 0
    code, out, err = _main([], capsys, monkeypatch)
    assert code in (0, 2) and "Usage" in out + err and "Traceback" not in out + err


def test_console_entry_point_in_a_fresh_process(tmp_path: Path) -> None:
    """The same checks through ``python -m cloudcarbon``, i.e. a new interpreter and no test harness."""
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "cloudcarbon",
            "estimate",
            "--month",
            "2026-10",
            "--month",
            "2026-11",
            "-s",
            "x",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.splitlines() == [
        "error: Invalid value for '--month' / '-m': "
        "given more than once ('2026-10', '2026-11'); give it once. "
        "(see 'python -m cloudcarbon estimate --help')"
    ]


def test_engine_never_draws_a_progress_bar_on_stdout() -> None:
    """duckdb draws one for queries slower than 2 s; on a loaded machine it landed inside --format json."""
    from cloudcarbon.engine import open_engine

    with open_engine() as eng:
        (setting,) = eng.con.execute("SELECT current_setting('enable_progress_bar')").fetchone() or (None,)
    assert setting is False
