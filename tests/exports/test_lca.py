"""The LCA activity export: totals reconcile to the estimate, rows worked by hand, read back as CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.exports import LCA_COLUMNS, estimate_for_export, lca_activity, lca_processes, write_csv
from cloudcarbon.pipeline import estimate
from cloudcarbon.results import EstimateResult
from tests.conftest import cur_row

REL = 1e-6
ELECTRICITY_ECOINVENT = "market for electricity, medium voltage | electricity, medium voltage | Cutoff, U"


def _read_back(df: pl.DataFrame, tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "lca.csv"
    write_csv(df, out)
    with out.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_demo_month_reconciles_read_back_with_csv_and_pandas(
    demo_result: EstimateResult, tmp_path: Path
) -> None:
    rows = _read_back(lca_activity(demo_result), tmp_path)
    assert list(rows[0]) == list(LCA_COLUMNS)
    electricity = [r for r in rows if r["activity"] == "electricity"]
    # every kWh of the estimate (estimated and fallback rows, all providers) is in the electricity rows
    assert sum(float(r["amount"]) for r in electricity) == pytest.approx(
        demo_result.total("energy_kwh"), rel=1e-9
    )
    assert sum(float(r["co2e_kg"]) for r in electricity) == pytest.approx(
        demo_result.total("co2e_kg"), rel=1e-9
    )
    # and every kg of embodied emissions in the hardware rows
    assert sum(float(r["embodied_kgco2e"]) for r in rows) == pytest.approx(
        demo_result.total("embodied_co2e_kg"), rel=1e-9
    )
    for r in electricity:
        assert r["unit"] == "kWh" and r["process_ecoinvent"] == ELECTRICITY_ECOINVENT
        assert r["grid_zone"] and r["geography"] and r["grid_year"] and r["grid_dataset"] and r["grid_source"]
        assert (
            r["grid_licence"] in {"ODbL-1.0", "CC-BY-4.0", "Apache-2.0", "public domain"}
            or r["grid_status"] == "global_average"
        ), r
    units = {(r["activity"], r["component"], r["unit"]) for r in rows}
    assert {
        ("hardware", "cpu", "h"),
        ("hardware", "accelerator", "h"),
        ("hardware", "memory", "GB-h"),
        ("storage", "storage_ssd", "TB-month"),
        ("storage", "storage_hdd", "TB-month"),
        ("network", "network", "GB"),
    } <= units
    for r in rows:
        if r["component"] in ("cpu", "accelerator") and float(r["embodied_kgco2e"]) > 0:
            assert r["embodied_factor"] and r["embodied_source"], r
    # pandas reads the same file with the same figures
    frame = pd.read_csv(tmp_path / "lca.csv")
    kwh = frame.loc[frame["activity"] == "electricity", "amount"].sum()
    assert kwh == pytest.approx(demo_result.total("energy_kwh"), rel=1e-9)


def test_rows_worked_by_hand(cur_file: Callable[..., Path]) -> None:
    path = cur_file(
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large"),
            cur_row("BoxUsage:p4d.24xlarge", 1, "32.7726", "Hrs", instance="p4d.24xlarge"),
            cur_row("EBS:VolumeUsage.gp3", 100, "8.00", "GB-Mo"),
            cur_row("DataTransfer-Out-Bytes", 50, "4.50", "GB"),
        ]
    )
    # the figures below are those of factor set 2026.12 (2026.12.1 takes operational grid factors)
    df = lca_activity(estimate_for_export([path], "2026-10", factor_set="2026.12"))
    rows = {(r["activity"], r["component"], r["model"]): r for r in df.iter_rows(named=True)}
    # electricity, all in us-east-1 (tests/test_handworked.py works each from the factor rows):
    #   m5.large day 0.213920051 + p4d hour 2.796358084 + gp3 month 0.197915625 kWh
    #   + 50 GB x 0.001 kWh/GB x PUE 1.135 = 0.05675 kWh  -> 3.264943760 kWh at 418 g/kWh
    el = rows[("electricity", "electricity", None)]
    assert el["amount"] == pytest.approx(0.213920051 + 2.796358084 + 0.197915625 + 0.05675, rel=REL)
    assert (el["region"], el["grid_zone"], el["geography"], el["grid_year"]) == (
        "us-east-1",
        "US-MIDA-PJM",
        "US",
        2025,
    )
    assert (el["grid_g_co2e_per_kwh"], el["pue"], el["grid_licence"]) == (418.0, 1.135, "ODbL-1.0")
    assert el["process_ecoinvent"] == ELECTRICITY_ECOINVENT
    assert el["process_openlca"] == "Electricity Mix; AC; consumption mix, at consumer; 1kV - 60kV"
    # hardware: m5.large 2 vCPU x 24 h = 48 vCPU-h, embodied 1610.79 x 48 / 96 / 35040 = 0.0229850 kg
    m5 = rows[("hardware", "cpu", "m5.large")]
    assert m5["amount"] == pytest.approx(48.0)
    assert m5["embodied_kgco2e"] == pytest.approx(1610.79 * 48 / 96 / 35040, rel=REL)
    assert m5["embodied_factor"] == pytest.approx(1610.79 / 96 / 35040, rel=REL)
    assert m5["embodied_factor_unit"] == "kgCO2e per vCPU-hour" and m5["embodied_licence"] == "Apache-2.0"
    # p4d host: 96 vCPU-h, 3476.79 x 96/96 / 35040 = 0.0992235 kg; 8 A100 device-h, 8 x 150 / 35040
    p4d = rows[("hardware", "cpu", "p4d.24xlarge")]
    assert p4d["amount"] == pytest.approx(96.0)
    assert p4d["embodied_kgco2e"] == pytest.approx(3476.79 / 35040, rel=REL)
    a100 = rows[("hardware", "accelerator", "NVIDIA A100 SXM4 40GB")]
    assert a100["amount"] == pytest.approx(8.0) and a100["unit"] == "h"
    assert a100["embodied_kgco2e"] == pytest.approx(8 * 150 / 35040, rel=REL)
    assert a100["embodied_factor"] == pytest.approx(150 / 35040, rel=REL)
    # memory: m5 8 GB x 24 h + p4d 1152 GB x 1 h = 1344 GB-h
    assert rows[("hardware", "memory", None)]["amount"] == pytest.approx(1344.0)
    # storage: 100 GB-month = 100 / 1024 TB-month (72.65625 TB-h / 744 h)
    gp3 = rows[("storage", "storage_ssd", None)]
    assert gp3["amount"] == pytest.approx(100 / 1024, rel=REL) and gp3["unit"] == "TB-month"
    assert rows[("network", "network", None)]["amount"] == pytest.approx(50.0)


def test_hostile_region_text_escaped(cur_file: Callable[..., Path], tmp_path: Path) -> None:
    hostile = ["=1+1", "<script>alert(1)</script>", "\x1b[31mred", "zürich-nord-1"]
    path = cur_file(
        [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", region=r) for r in hostile]
    )
    rows = _read_back(lca_activity(estimate_for_export([path], "2026-10")), tmp_path)
    regions = {r["region"] for r in rows if r["activity"] == "electricity"}
    # no live formula, no raw control character; HTML and non-ASCII text as written
    assert regions == {"'=1+1", "<script>alert(1)</script>", "\\x1b[31mred", "zürich-nord-1"}
    raw = (tmp_path / "lca.csv").read_bytes()
    assert b"\x1b" not in raw and b"\n=1+1" not in raw and b",=1+1" not in raw
    # unknown regions take the provider's mean grid factor: zone "*", ecoinvent geography GLO
    assert {r["geography"] for r in rows if r["activity"] == "electricity"} == {"GLO"}


def test_mapping_table_shipped_and_covering_every_component() -> None:
    procs = lca_processes()
    assert procs["component"].to_list() == [
        "electricity",
        "cpu",
        "memory",
        "accelerator",
        "storage_ssd",
        "storage_hdd",
        "network",
        "network_intra_region",
    ]
    assert (
        procs.filter(pl.col("component") == "electricity")["ecoinvent_process"].item()
        == ELECTRICITY_ECOINVENT
    )
    assert procs["note"].null_count() == 0
    doc = (Path(__file__).parents[2] / "docs" / "lca-mapping.md").read_text(encoding="utf-8")
    for component in procs["component"]:
        assert f"`{component}`" in doc


def test_result_without_factor_keys_refused(cur_file: Callable[..., Path]) -> None:
    path = cur_file([cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")])
    with pytest.raises(CloudCarbonError, match="estimate_for_export"):
        lca_activity(estimate([path], "2026-10"))
    with pytest.raises(CloudCarbonError, match="default method"):
        lca_activity(estimate([path], "2026-10", method="ccf", keys=("pue",)))


def test_electricity_rows_carry_market_based_co2e_and_water(tmp_path: Path) -> None:
    """Factor set 2026.12.1, one m5.large day in us-east-1 (0.128495411 kWh:
    whole-server: 2 x 2.3585795 W x 24 h x PUE 1.135):
    with a residual mix SRVC 2025 300 g/kWh the market-based CO2e is 0.128495411 x 0.300 = 0.0385486233
    kg; water 0.128495411 / 1.135 x 0.12 + 0.128495411 x 2.312704 = 0.310757269 L. Hardware rows have
    none. Without a residual mix the market-based figure is null, never the location-based one."""
    from cloudcarbon.config import Config, MarketOptions
    from cloudcarbon.residual_mix import read_residual_mix
    from tests.conftest import cur_row, write_cur

    src = write_cur(
        tmp_path / "cur.csv", [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")]
    )
    rm = tmp_path / "rm.csv"
    rm.write_text("zone,year,g_co2e_per_kwh,source\nSRVC,2025,300,Green-e test edition\n", encoding="utf-8")
    cfg = Config(market=MarketOptions(str(rm), read_residual_mix(rm)))
    rows = lca_activity(estimate_for_export([src], "2026-10", config=cfg, factor_set="2026.12.1"))
    (el,) = rows.filter(pl.col("activity") == "electricity").to_dicts()
    assert el["market_co2e_kg"] == pytest.approx(0.0385486233, rel=1e-6)
    assert el["water_l"] == pytest.approx(0.310757269, rel=1e-6)
    assert (
        rows.filter(pl.col("activity") == "hardware")["market_co2e_kg"].null_count()
        == rows.filter(pl.col("activity") == "hardware").height
    )
    plain = lca_activity(estimate_for_export([src], "2026-10", factor_set="2026.12.1"))
    (el,) = plain.filter(pl.col("activity") == "electricity").to_dicts()
    assert el["market_co2e_kg"] is None and el["co2e_kg"] > 0
