"""``cloudcarbon export lca|benchmark``: files, stdout, notices and bad input."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.exports import BENCHMARK_COLUMNS, LCA_COLUMNS
from cloudcarbon.pipeline import estimate
from tests.conftest import cur_row

runner = CliRunner()


def _cur(cur_file: Callable[..., Path]) -> Path:
    # six m5.large days (one family, six billing rows) and one c5.large day
    rows = [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large") for _ in range(6)]
    rows.append(cur_row("BoxUsage:c5.large", 24, "2.04", "Hrs", instance="c5.large"))
    return cur_file(rows)


def test_lca_to_file(cur_file: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "lca.csv"
    src = _cur(cur_file)
    res = runner.invoke(app, ["export", "lca", "-m", "2026-10", "-s", f"aws:{src}", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "wrote" in res.stderr and "kWh of electricity" in res.stderr
    back = pl.read_csv(out)
    assert back.columns == list(LCA_COLUMNS)
    # one electricity row (all in us-east-1) holding the plain estimate's kWh
    (kwh,) = back.filter(pl.col("activity") == "electricity")["amount"].to_list()
    assert kwh == pytest.approx(estimate([src], "2026-10").total("energy_kwh"), rel=1e-9)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # the temporary file is gone


def test_benchmark_to_stdout_and_quiet(cur_file: Callable[..., Path]) -> None:
    args = ["export", "benchmark", "-m", "2026-10", "-s", str(_cur(cur_file))]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == list(BENCHMARK_COLUMNS)
    families = {r["subject"] for r in rows if r["metric"] == "co2e_per_vcpu_hour"}
    assert families == {"m5"}  # c5 rests on 1 billing row < 5
    assert "left out 1 resting on fewer than 5 billing rows" in res.stderr
    res = runner.invoke(app, [*args, "--k", "1", "--quiet"])
    assert res.exit_code == 0 and res.stderr == ""
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["subject"] for r in rows if r["metric"] == "co2e_per_vcpu_hour"} == {"c5", "m5"}


@pytest.mark.parametrize("command", ["lca", "benchmark"])
def test_help_has_an_example(command: str) -> None:
    res = runner.invoke(app, ["export", command, "--help"])
    assert res.exit_code == 0
    assert f"cloudcarbon export {command} --month 2026-10" in res.stdout


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cloudcarbon", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_bad_input_one_line_and_nothing_written(cur_file: Callable[..., Path], tmp_path: Path) -> None:
    src = str(_cur(cur_file))
    # a non-CSV --out is a usage error
    res = _run("export", "lca", "-m", "2026-10", "-s", src, "--out", str(tmp_path / "lca.xlsx"))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert "name the file .csv" in res.stderr
    # a folder that does not exist: named, exit 2, nothing written
    missing = tmp_path / "no-such-folder" / "lca.csv"
    res = _run("export", "benchmark", "-m", "2026-10", "-s", src, "--out", str(missing))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "no-such-folder" in res.stderr and "does not exist" in res.stderr
    assert not missing.parent.exists()
    # --k below 1, and --k given twice
    res = _run("export", "benchmark", "-m", "2026-10", "-s", src, "--k", "0")
    assert res.returncode == 2 and "give 1 or more" in res.stderr
    res = _run("export", "benchmark", "-m", "2026-10", "-s", src, "--k", "3", "--k", "7")
    assert res.returncode == 2 and "given more than once" in res.stderr
    # an unknown month: exit 3, and the existing file is left as it was
    out = tmp_path / "bench.csv"
    out.write_text("earlier export\n", encoding="utf-8")
    res = _run("export", "benchmark", "-m", "2026-07", "-s", src, "--out", str(out))
    assert res.returncode == 3 and len(res.stderr.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "earlier export\n"
