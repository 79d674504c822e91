"""Renderers: one registry, each reads only the result object, coverage per currency, user data escaped.

The results here are built by hand (no estimate runs, no factor set is loaded), which is the point:
a renderer that reached for anything but the result could not render them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.cli._options import Format
from cloudcarbon.factors import FactorSet
from cloudcarbon.reports import FORMATS, get_renderer, render
from cloudcarbon.results import EstimateResult, FactorSetInfo, InputFile, totals_of
from cloudcarbon.schema import BAND_SOURCES, FIGURES

_DEC = pl.Decimal(28, 10)


def _line(project: str, currency: str, cost: str, co2e: float) -> dict[str, Any]:
    figs = {f: co2e if "co2e" in f else 2 * co2e for f in FIGURES}
    figs.update({"co2e_kg_low": co2e / 2, "co2e_kg_high": co2e * 2})
    return {
        "project": project,
        "rows": 1,
        "cost": Decimal(cost),
        "estimated_cost": Decimal(cost),
        "fallback_cost": Decimal(0),
        "excluded_cost": Decimal(0),
        **figs,
        "accelerator_hours": 0.0,
        **{f"band_{b}_kg": 0.0 for b in BAND_SOURCES},
        "band_dominant": "none",
        "currency": currency,
    }


def _result(lines: list[dict[str, Any]]) -> EstimateResult:
    df = pl.DataFrame(
        lines,
        schema_overrides={c: _DEC for c in ("cost", "estimated_cost", "fallback_cost", "excluded_cost")},
    )
    coverage = (
        df.group_by("currency")
        .agg(
            pl.col("cost").sum().alias("billed_cost"),
            pl.col("estimated_cost").sum(),
            pl.col("fallback_cost").sum(),
            pl.col("excluded_cost").sum(),
            pl.col("rows").sum(),
        )
        .sort("currency")
    )
    empty = pl.DataFrame(schema={"reason": pl.String, "currency": pl.String, "rows": pl.Int64, "cost": _DEC})
    flags = pl.DataFrame(
        schema={
            "flag": pl.String,
            "subject": pl.String,
            "fate": pl.String,
            "currency": pl.String,
            "rows": pl.Int64,
            "cost": _DEC,
            "grid_year": pl.Int64,
        }
    )
    return EstimateResult(
        month="2026-10",
        group_by=("project",),
        method="cloudcarbon",
        factor_set=FactorSetInfo(version="test-set", sha256="ab" * 32),
        sources=("aws:cur.csv",),
        lines=df,
        totals=totals_of(df),
        coverage=coverage,
        excluded=empty,
        flags=flags,
        groups=pl.DataFrame(),
        assumptions={"method": "cloudcarbon", "cpu_utilisation": 0.3, "fallback_band": [0.5, 2.0]},
        inputs=(InputFile(path="cur.csv", size=10, sha256="cd" * 32),),
        config={"cpu_utilisation": 0.3},
    )


def test_one_registry_behind_every_format() -> None:
    assert FORMATS == ("table", "json", "csv")
    # the command line offers exactly the registered formats
    assert tuple(f.value for f in Format) == FORMATS
    for name in FORMATS:
        assert name == get_renderer(name).NAME


def test_unknown_format_is_an_error() -> None:
    from cloudcarbon.exceptions import CloudCarbonError

    with pytest.raises(CloudCarbonError, match="unknown format 'xlsx'; choose from table, json, csv"):
        get_renderer("xlsx")


def test_json_reads_only_the_result() -> None:
    doc = json.loads(render(_result([_line("web", "USD", "12.50", 1.0)]), "json"), parse_float=Decimal)
    assert doc["factor_set"] == {"version": "test-set", "sha256": "ab" * 32, "user_made": False}
    assert doc["inputs"] == [{"path": "cur.csv", "size": 10, "sha256": "cd" * 32}]
    # the assumptions are the run's, not a factor set's defaults
    assert doc["assumptions"]["cpu_utilisation"] == Decimal("0.3")
    assert doc["coverage"]["billed_cost"] == Decimal("12.50") and doc["coverage"]["currency"] == "USD"
    assert doc["band_sources"][3] == "fallback: ratio estimate of unmodelled usage (x0.5 to x2)"


def test_two_currencies_are_never_added() -> None:
    result = _result([_line("web", "USD", "12.50", 1.0), _line("shop", "EUR", "7.25", 3.0)])
    doc = json.loads(render(result, "json"), parse_float=Decimal)
    # no headline total across currencies; each currency's coverage on its own
    assert "billed_cost" not in doc["coverage"] and doc["coverage"]["currencies"] == ["EUR", "USD"]
    by = {c["currency"]: c["billed_cost"] for c in doc["coverage_by_currency"]}
    assert by == {"EUR": Decimal("7.25"), "USD": Decimal("12.50")}
    text = render(result, "table")
    assert "Coverage EUR: billed 7.25" in text and "Coverage USD: billed 12.50" in text
    assert "19.75" not in text  # 12.50 + 7.25 is never printed
    assert "per currency below" in text
    csv = pl.read_csv(render(result, "csv").encode(), infer_schema=False)
    assert dict(zip(csv["project"], csv["currency"], strict=True)) == {"web": "USD", "shop": "EUR"}


def test_names_are_shown_exactly_and_escaped() -> None:
    names = ["=HYPERLINK(1)", "+1", "@sum", "\tx", "[red]ml[gpu][/]", "a\x1b[31mb", "-neg"]
    result = _result([_line(n, "USD", "-1.00" if n == "-neg" else "1.00", 1.0) for n in names])
    csv = pl.read_csv(render(result, "csv").encode(), infer_schema=False)
    got = set(csv["project"].to_list())
    # formula-like text cells get a leading quote; costs (numbers) never do; the ESC of a report printed
    # to a terminal is written visibly as \x1b (issue 7: control characters never reach the terminal)
    assert {"'=HYPERLINK(1)", "'+1", "'@sum", "'\tx", "[red]ml[gpu][/]", "a\\x1b[31mb", "'-neg"} == got
    assert "-1.0000000000" in csv["cost"].to_list()
    table = render(result, "table")
    assert "[red]ml[gpu][/]" in table  # markup shown as written, not interpreted (and no crash on [/])
    assert "\x1b" not in table and "a\\x1b[31mb" in table
    doc = json.loads(render(result, "json"))
    assert {line["project"] for line in doc["lines"]} == set(names)


def test_detail_with_an_unknown_suffix_is_a_usage_error(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "x.xlsx"
    res = runner.invoke(
        app, ["estimate", "-m", "2026-10", "-s", str(tmp_path / "missing.csv"), "--detail", str(out)]
    )
    assert res.exit_code == 2
    assert "--detail writes .csv or .parquet" in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_detail_csv_neutralises_formulas(tmp_path: Path, factors: FactorSet) -> None:
    from cloudcarbon import estimate
    from cloudcarbon.config import config_from_mapping
    from tests.conftest import cur_row, write_cur

    f = write_cur(
        tmp_path / "cur.csv",
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="=SUM(A1)"),
            cur_row("NatGateway-Hours", 24, "-4", "Hrs", project="ml[gpu]"),
        ],
    )
    cfg = config_from_mapping({"projects": {"rules": [{"tag": "user:project"}]}})
    out = tmp_path / "d.csv"
    estimate([f], "2026-10", config=cfg, factor_set=factors, detail_to=out)
    d = pl.read_csv(out, infer_schema=False)
    assert d["project"].to_list() == ["'=SUM(A1)", "ml[gpu]"]
    # numbers are not text: no leading quote on -4, and the exact decimal value kept
    assert [Decimal(v) for v in d["BilledCost"].to_list()] == [Decimal("2.304"), Decimal("-4")]
    # Parquet keeps the value as written
    pq = tmp_path / "d.parquet"
    estimate([f], "2026-10", config=cfg, factor_set=factors, detail_to=pq)
    assert pl.read_parquet(pq)["project"].to_list() == ["=SUM(A1)", "ml[gpu]"]
