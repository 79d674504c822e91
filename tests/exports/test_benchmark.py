"""The anonymised benchmark: no identifier survives, small groups are suppressed, values worked by hand."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from cloudcarbon.config import load_config
from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.exports import BENCHMARK_COLUMNS, benchmark, benchmark_groups, estimate_for_export, write_csv
from cloudcarbon.results import EstimateResult
from tests.conftest import CUR_COLUMNS, cur_row

COLUMNS = [*CUR_COLUMNS, "lineItem/ResourceId"]
REL = 1e-6


def _marked(i: int, kind: str) -> dict[str, str]:
    """Unique marker strings for one billing row's account, project tag, team tag and resource id."""
    return {
        "account": f"ACCTMARK{kind}{i}",
        "project": f"PROJMARK-{kind}-{i}",
        "team": f"TEAMMARK-{kind}-{i}",
        "resource": f"arn:aws:ec2:us-east-1:RESMARK{kind}{i}:instance/i-RESMARK{kind}{i}",
    }


def _row(usage_type: str, instance: str, cost: str, m: dict[str, str], **kw: str) -> dict[str, object]:
    row = cur_row(
        usage_type,
        24,
        cost,
        "Hrs",
        instance=instance,
        account=m["account"],
        project=m["project"],
        team=m["team"],
    )
    row.update(kw)
    row["lineItem/ResourceId"] = m["resource"]
    return row


@pytest.fixture
def marked_month(cur_file: Callable[..., Path], tmp_path: Path) -> tuple[EstimateResult, list[str]]:
    """A month whose every identifier is a unique marker string.

    * 5 rows of m5.large, one day each in us-east-1 (family m5: 5 billing rows, kept at k = 5);
    * 4 rows of c5.large, one day each in us-east-1 (family c5: 4 billing rows, suppressed at k = 5);
    * 1 row of an instance type and 1 row in a region that are themselves marker strings.
    """
    rows: list[dict[str, object]] = []
    markers: list[str] = []
    for i in range(5):
        m = _marked(i, "m")
        markers += m.values()
        rows.append(_row("BoxUsage:m5.large", "m5.large", "2.304", m))
    for i in range(4):
        m = _marked(i, "c")
        markers += m.values()
        rows.append(_row("BoxUsage:c5.large", "c5.large", "2.04", m))
    m = _marked(0, "x")
    markers += [*m.values(), "zzMARKTYPE.large", "MARKREGION-north-9"]
    rows.append(_row("BoxUsage:zzMARKTYPE.large", "zzMARKTYPE.large", "1.00", m, **{"product/vcpu": "2"}))
    m = _marked(0, "r")
    markers += m.values()
    rows.append(_row("BoxUsage:m5.large", "m5.large", "2.304", m, **{"product/region": "MARKREGION-north-9"}))
    path = cur_file(rows, columns=COLUMNS)
    config = tmp_path / "cloudcarbon.toml"
    config.write_text('[projects]\nrules = [{ tag = "user:project" }]\n', encoding="utf-8")
    result = estimate_for_export([f"aws:{path}"], "2026-10", config=load_config(config))
    # the markers did reach the estimate: the projects are the tag values
    assert {f"PROJMARK-m-{i}" for i in range(5)} <= set(result.groups["project"].to_list())
    return result, markers


def _csv_bytes(df: pl.DataFrame, tmp_path: Path) -> bytes:
    out = tmp_path / "bench.csv"
    write_csv(df, out)
    return out.read_bytes()


@pytest.mark.parametrize("k", [1, 5])
def test_no_identifier_survives(
    marked_month: tuple[EstimateResult, list[str]], tmp_path: Path, k: int
) -> None:
    result, markers = marked_month
    data = _csv_bytes(benchmark(result, k=k), tmp_path)
    assert data.startswith(b"month,method,factor_set,")
    for marker in markers:
        assert marker.encode() not in data, marker
    # nor any shorter fragment that would still single the rows out
    for fragment in (b"ACCTMARK", b"PROJMARK", b"TEAMMARK", b"RESMARK", b"MARKTYPE", b"MARKREGION"):
        assert fragment not in data


def test_groups_below_k_suppressed(marked_month: tuple[EstimateResult, list[str]], tmp_path: Path) -> None:
    result, _ = marked_month
    rows = list(csv.DictReader(io.StringIO(_csv_bytes(benchmark(result, k=5), tmp_path).decode())))
    assert list(rows[0]) == list(BENCHMARK_COLUMNS)
    per_family = {r["subject"]: r for r in rows if r["metric"] == "co2e_per_vcpu_hour"}
    # m5 in us-east-1: 5 billing rows (hand-counted above) -> kept; the m5 row in the marker region counts
    # too (families are not split by region): 6 rows. c5: 4 rows -> suppressed. The marker instance type
    # is one row of "(other)" -> suppressed.
    assert set(per_family) == {"m5"}
    assert per_family["m5"]["n_rows"] == "6"
    every = benchmark_groups(result)
    c5 = every.filter((pl.col("metric") == "co2e_per_vcpu_hour") & (pl.col("subject") == "c5"))
    assert c5["n_rows"].to_list() == [4]
    kept_at_4 = benchmark(result, k=4)
    assert "c5" in kept_at_4.filter(pl.col("metric") == "co2e_per_vcpu_hour")["subject"].to_list()
    # the unlisted region's own PUE / grid rows are "(other)", one row each -> suppressed at k = 5
    regions = {r["subject"] for r in rows if r["metric"] in ("pue", "grid_g_co2e_per_kwh")}
    assert regions == {"us-east-1"}


def test_m5_intensity_worked_by_hand(cur_file: Callable[..., Path]) -> None:
    # five m5.large days in us-east-1 (tests/test_handworked.py works one out from the factor rows):
    #   one day: CPU 0.113211816 kWh + memory 0.075264 kWh, x PUE 1.135 = 0.213920051 kWh
    #            x 418 g/kWh (Electricity Maps 2025, US-MIDA-PJM) = 0.089418581 kg
    #            embodied 1610.79 kg x 24 h / 35040 h x 2 / 96 vCPU = 0.0229850 kg
    #   per vCPU-hour (48 vCPU-h a day): 0.089418581 / 48 = 0.00186288710 kg; 0.213920051 / 48 =
    #   0.00445666773 kWh; embodied 1610.79 / 35040 / 96 = 0.000478852 kg
    rows = [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large") for _ in range(5)]
    # the figures above are factor set 2026.12's (2026.12.1 takes operational grid factors)
    result = estimate_for_export([cur_file(rows)], "2026-10", factor_set="2026.12")
    df = benchmark(result)
    m5 = df.filter(pl.col("metric") == "co2e_per_vcpu_hour").row(0, named=True)
    assert (m5["provider"], m5["subject"], m5["n_rows"]) == ("aws", "m5", 5)
    assert m5["activity_amount"] == pytest.approx(240.0)
    assert m5["value"] == pytest.approx(0.00186288710, rel=REL)
    assert m5["kwh_per_unit"] == pytest.approx(0.00445666773, rel=REL)
    assert m5["embodied_kg_per_unit"] == pytest.approx(1610.79 / 35040 / 96, rel=REL)
    by_metric = {r["metric"]: r for r in df.iter_rows(named=True) if r["subject_kind"] == "region"}
    assert by_metric["pue"]["value"] == pytest.approx(1.135, rel=REL)
    assert by_metric["grid_g_co2e_per_kwh"]["value"] == pytest.approx(418.0, rel=REL)
    assert (
        by_metric["grid_g_co2e_per_kwh"]["grid_dataset"],
        by_metric["grid_g_co2e_per_kwh"]["grid_year"],
    ) == (
        "electricitymaps",
        2025,
    )
    assert set(df["method"]) == {"cloudcarbon"} and set(df["factor_set"]) == {"2026.12"}


def test_demo_month_read_back_with_polars(demo_result: EstimateResult, tmp_path: Path) -> None:
    out = tmp_path / "bench.csv"
    write_csv(benchmark(demo_result), out)
    back = pl.read_csv(out)
    assert back.columns == list(BENCHMARK_COLUMNS)
    assert back.height > 0 and back["n_rows"].min() >= 5  # type: ignore[operator]
    assert set(back["metric"]) == {
        "co2e_per_vcpu_hour",
        "co2e_per_accelerator_hour",
        "co2e_per_tb_month",
        "pue",
        "grid_g_co2e_per_kwh",
    }
    # none of the demo's projects (tag values and account ids) is written
    text = out.read_text(encoding="utf-8")
    projects = [p for p in demo_result.groups["project"].unique().to_list() if p]
    assert projects
    for p in projects:
        assert f",{p}," not in text and f",{p}\n" not in text, p


def test_k_below_one_refused(demo_result: EstimateResult) -> None:
    with pytest.raises(CloudCarbonError, match="k must be at least 1"):
        benchmark(demo_result, k=0)


def _market_result(tmp_path: Path, *, germany: bool) -> EstimateResult:
    from cloudcarbon.config import Config, MarketOptions
    from cloudcarbon.factors import load_factor_set
    from cloudcarbon.residual_mix import read_residual_mix
    from tests.conftest import write_cur

    rows = [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large") for _ in range(5)]
    if germany:
        rows.append(
            cur_row("EUC1-BoxUsage:m5.large", 24, "2.30", "Hrs", instance="m5.large", region="eu-central-1")
        )
    rm = tmp_path / "residual.csv"
    rm.write_text("zone,year,g_co2e_per_kwh,source\nSRVC,2025,300,Green-e test edition\n", encoding="utf-8")
    mk = MarketOptions(residual_mix=str(rm), residual_rows=read_residual_mix(rm))
    return estimate_for_export(
        [write_cur(tmp_path / "cur.csv", rows)],
        "2026-10",
        config=Config(market=mk),
        factor_set=load_factor_set("2026.12.1"),
    )


def test_market_and_water_beside_location_worked_by_hand(tmp_path: Path) -> None:
    # factor set 2026.12.1 (tests/statements/test_market_water_outputs.py): one m5.large day in
    # us-east-1 = 0.128495411 kWh; the residual mix gives SRVC 300 g/kWh, so market-based
    # 0.128495411 x 300 / 1000 = 0.0385486233 kg a day; water 0.013585418 L on site + 0.297171851 L
    # electricity = 0.310757269 L a day. Five days, 48 vCPU-h each: per vCPU-h market
    # 0.0385486233 / 48 = 0.000803096319 kg, water 0.310757269 / 48 = 0.00647410977 L; on the grid
    # row market 300 g/kWh and water 0.310757269 / 0.128495411 = 2.41842 L/kWh
    df = benchmark(_market_result(tmp_path, germany=False))
    m5 = df.filter(pl.col("metric") == "co2e_per_vcpu_hour").row(0, named=True)
    assert m5["n_rows"] == 5
    assert m5["market_value"] == pytest.approx(0.000803096319, rel=1e-6)
    assert m5["water_l_per_unit"] == pytest.approx(0.00647410977, rel=1e-6)
    grid = df.filter(pl.col("metric") == "grid_g_co2e_per_kwh").row(0, named=True)
    assert grid["market_value"] == pytest.approx(300.0, rel=1e-6)
    assert grid["water_l_per_unit"] == pytest.approx(0.310757269 / 0.128495411, rel=1e-6)
    pue = df.filter(pl.col("metric") == "pue").row(0, named=True)
    assert pue["market_value"] is None and pue["water_l_per_unit"] is None


def test_market_null_where_a_row_has_no_factor(tmp_path: Path) -> None:
    # an eu-central-1 day joins the m5 family: the residual mix has no row for Germany, so the
    # family's market-based intensity is null (not the us-east-1 part over all vCPU-hours), while
    # the us-east-1 grid row keeps its 300 g/kWh
    df = benchmark(_market_result(tmp_path, germany=True), k=1)
    m5 = df.filter(pl.col("metric") == "co2e_per_vcpu_hour").row(0, named=True)
    assert m5["n_rows"] == 6 and m5["value"] is not None
    assert m5["market_value"] is None
    grids = {
        r["subject"]: r for r in df.filter(pl.col("metric") == "grid_g_co2e_per_kwh").iter_rows(named=True)
    }
    assert grids["us-east-1"]["market_value"] == pytest.approx(300.0, rel=1e-6)
    assert grids["eu-central-1"]["market_value"] is None
