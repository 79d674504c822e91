"""Grid factors with a declared boundary (factor set 2026.12.1): operational by default, lifecycle on
request, the other boundary only as a flagged fallback; older sets keep their original selection.

Figures worked out by hand from the public sources the rows cite:

* us-west-2 (Boardman, Oregon) lies in eGRID subregion NWPP (WECC Northwest). EPA eGRID2023 (GHG
  Emission Factors Hub 2025, Table 6): CO2 631.705, CH4 0.054, N2O 0.008 lb/MWh ->
  CO2e = 631.705 + 28 x 0.054 + 265 x 0.008 = 635.337 lb/MWh x 0.45359237 = 288.18 -> 288.2 g/kWh.
  Data year 2023, so a 2025 or 2026 month takes it as year_substituted.
* europe-west4 (Eemshaven): Google region-carbon-info data/yearly/2025.csv, grid carbon intensity
  194.35 gCO2eq/kWh ("average operational gross emissions"); lifecycle: Electricity Maps zone NL,
  2025 yearly average 253 g/kWh.
* aws eu-central-2 (Zurich) has no operational row in any dataset (CCF Appendix V predates the region,
  no eGRID, no Google figure), so the operational choice falls back to its lifecycle row: Electricity
  Maps zone CH, 2025, 50 g/kWh, flagged boundary_substituted; the band is widened by the set's
  grid_boundary_band_ratio 0.3 (lifecycle EM figures run ~30 % above operational ones: NL 253 vs 194.35).
* Factor set 2026.12 has no boundary column: us-west-2 keeps Electricity Maps US-NW-BPAT 2025, 129 g/kWh,
  whatever the boundary asked for.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from cloudcarbon import estimate
from cloudcarbon.config import DEFAULT_GRID_DATASETS, Config, config_from_mapping
from cloudcarbon.exceptions import ConfigError, FactorSetError
from cloudcarbon.factors import FactorSet, load_factor_set
from tests.conftest import cur_row
from tests.test_errors import run_cli

NEW = "2026.12.1"


@pytest.fixture(scope="module")
def new_set() -> FactorSet:
    return load_factor_set(NEW)


def _region(fs: FactorSet, provider: str, region: str, boundary: str | None) -> dict[str, object]:
    g = fs.grid(2025, DEFAULT_GRID_DATASETS, boundary)
    rows = g.filter((pl.col("provider") == provider) & (pl.col("region") == region))
    assert rows.height == 1
    return rows.row(0, named=True)


def test_every_grid_row_declares_its_boundary(new_set: FactorSet) -> None:
    for name in ("grid_intensity", "grid_intensity_odbl"):
        t = new_set.table(name)
        assert set(t["boundary"].unique()) <= {"operational", "lifecycle"}, name
        assert t["boundary"].null_count() == 0 and t["granularity"].null_count() == 0
        # the basis text and the boundary column say the same thing
        assert (t["basis"].str.split(",").list.first() == t["boundary"]).all(), name
    # Electricity Maps (ODbL) is lifecycle throughout and stays in its own table
    odbl = new_set.table("grid_intensity_odbl")
    assert set(odbl["boundary"]) == {"lifecycle"}
    assert "electricitymaps" not in set(new_set.table("grid_intensity")["dataset"])
    assert new_set.grid_boundaries
    assert not load_factor_set("2026.12").grid_boundaries


def test_us_west_2_takes_the_egrid_subregion(new_set: FactorSet) -> None:
    r = _region(new_set, "aws", "us-west-2", None)  # operational by default
    assert r["g_co2e_per_kwh"] == pytest.approx(288.2)  # eGRID2023 NWPP, see the module docstring
    assert (r["grid_dataset"], r["grid_year"], r["grid_boundary"]) == ("egrid", 2023, "operational")
    assert r["grid_status"] == "year_substituted"  # 2023 data for a 2025 month
    row = new_set.table("grid_intensity").filter(
        (pl.col("provider") == "aws") & (pl.col("region") == "us-west-2") & (pl.col("dataset") == "egrid")
    )
    assert row["zone"].to_list() == ["NWPP"] and row["licence"].to_list() == ["public domain"]
    assert "Boardman" in row["source"][0] and "epa.gov/egrid" in row["source"][0]


def test_europe_west4_takes_googles_operational_figure(new_set: FactorSet) -> None:
    r = _region(new_set, "gcp", "europe-west4", "operational")
    assert r["g_co2e_per_kwh"] == pytest.approx(194.35)
    assert (r["grid_dataset"], r["grid_year"], r["grid_status"]) == ("google-region-carbon", 2025, "exact")


def test_lifecycle_selection_takes_a_lifecycle_row(new_set: FactorSet) -> None:
    r = _region(new_set, "gcp", "europe-west4", "lifecycle")
    assert r["g_co2e_per_kwh"] == pytest.approx(253.0)  # Electricity Maps NL 2025
    assert (r["grid_dataset"], r["grid_boundary"], r["grid_status"]) == (
        "electricitymaps",
        "lifecycle",
        "exact",
    )
    r = _region(new_set, "aws", "us-west-2", "lifecycle")
    assert r["g_co2e_per_kwh"] == pytest.approx(129.0)  # Electricity Maps US-NW-BPAT 2025
    # without Electricity Maps the lifecycle choice takes Ember's US average (2024), never eGRID
    g = new_set.grid(2025, ("ember", "ccf-appendix-v", "google-region-carbon", "egrid"), "lifecycle")
    r = g.filter((pl.col("provider") == "aws") & (pl.col("region") == "us-west-2")).row(0, named=True)
    assert (r["grid_dataset"], r["grid_boundary"]) == ("ember", "lifecycle")


def test_a_region_without_an_operational_factor_falls_back_flagged(new_set: FactorSet) -> None:
    r = _region(new_set, "aws", "eu-central-2", "operational")
    assert r["g_co2e_per_kwh"] == pytest.approx(50.0)  # Electricity Maps CH 2025, lifecycle
    assert (r["grid_boundary"], r["grid_status"]) == ("lifecycle", "boundary_substituted")
    assert new_set.grid_boundary_band_ratio() == pytest.approx(0.3)


def test_an_old_set_keeps_its_selection_whatever_the_boundary() -> None:
    old = load_factor_set("2026.12")
    for boundary in ("operational", "lifecycle", None):
        r = _region(old, "aws", "us-west-2", boundary)
        assert r["g_co2e_per_kwh"] == pytest.approx(129.0)
        assert (r["grid_dataset"], r["grid_status"]) == ("electricitymaps", "exact")
        assert r["grid_boundary"] is None


def test_an_unknown_boundary_is_refused(new_set: FactorSet) -> None:
    with pytest.raises(FactorSetError, match="'upstream' is not one of operational, lifecycle"):
        new_set.grid(2025, DEFAULT_GRID_DATASETS, "upstream")


# --- through the estimate ----------------------------------------------------------------------------


def _row(path: Path, factors: FactorSet, config: Config | None = None) -> tuple[dict[str, object], object]:
    result = estimate([path], "2026-10", factor_set=factors, config=config, detail=True)
    assert result.detail is not None and result.detail.height == 1
    return result.detail.row(0, named=True), result


def test_estimate_us_west_2_operational(cur_file: Callable[..., Path], new_set: FactorSet) -> None:
    path = cur_file(
        [cur_row("USW2-BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", region="us-west-2")]
    )
    r, result = _row(path, new_set)
    assert r["g_co2e_per_kwh"] == pytest.approx(288.2) and r["grid_dataset"] == "egrid"
    assert r["co2e_kg"] == pytest.approx(r["energy_kwh"] * 288.2 / 1000, rel=1e-9)
    # eGRID 2023 for a 2026 month: year_substituted, band +-10 % (grid_substitution_band_ratio)
    assert r["factor_status"] == "year_substituted"
    assert r["co2e_kg_high"] == pytest.approx(r["energy_kwh_high"] * 288.2 * 1.1 / 1000, rel=1e-9)
    assert result.assumptions["grid_boundary"] == "operational"


def test_estimate_boundary_fallback_is_flagged_and_widened(
    cur_file: Callable[..., Path], new_set: FactorSet
) -> None:
    path = cur_file(
        [cur_row("EUC2-BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", region="eu-central-2")]
    )
    r, result = _row(path, new_set)
    assert r["g_co2e_per_kwh"] == pytest.approx(50.0)
    assert (r["grid_status"], r["factor_status"]) == ("boundary_substituted", "boundary_substituted")
    assert r["co2e_kg_high"] == pytest.approx(r["energy_kwh_high"] * 50.0 * 1.3 / 1000, rel=1e-9)
    assert r["co2e_kg_low"] == pytest.approx(r["energy_kwh_low"] * 50.0 * 0.7 / 1000, rel=1e-9)
    flags = result.flags.filter(pl.col("flag") == "grid_boundary_substituted")
    assert flags["subject"].to_list() == ["eu-central-2"]


def test_estimate_lifecycle_from_config(cur_file: Callable[..., Path], new_set: FactorSet) -> None:
    path = cur_file(
        [cur_row("USW2-BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", region="us-west-2")]
    )
    cfg = config_from_mapping({"grid": {"boundary": "lifecycle"}})
    r, result = _row(path, new_set, cfg)
    assert r["g_co2e_per_kwh"] == pytest.approx(129.0) and r["grid_dataset"] == "electricitymaps"
    assert r["grid_status"] == "year_substituted"  # 2025, the latest year, for a 2026 month
    assert result.assumptions["grid_boundary"] == "lifecycle"


def test_old_set_estimate_unchanged_and_records_no_boundary(
    cur_file: Callable[..., Path], factors: FactorSet
) -> None:
    path = cur_file(
        [cur_row("USW2-BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", region="us-west-2")]
    )
    r, result = _row(path, factors)  # the pinned 2026.12
    assert r["g_co2e_per_kwh"] == pytest.approx(129.0) and r["grid_dataset"] == "electricitymaps"
    assert "grid_boundary" not in result.assumptions
    lifecycle = dataclasses.replace(Config(), grid_boundary="lifecycle")
    r2, _ = _row(path, factors, lifecycle)
    assert r2["co2e_kg"] == r["co2e_kg"]


def test_config_rejects_an_unknown_boundary() -> None:
    with pytest.raises(ConfigError, match="boundary"):
        config_from_mapping({"grid": {"boundary": "upstream"}})


def test_cli_grid_boundary_option(
    cur_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cur_file(
        [cur_row("USW2-BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", region="us-west-2")]
    )
    args = ["estimate", "-m", "2026-10", "-s", f"aws:{path}", "--factors", NEW, "--no-record", "-f", "json"]
    code, out, err = run_cli([*args, "--grid-boundary", "lifecycle"], monkeypatch, capsys)
    assert code == 0, err
    assert '"grid_boundary": "lifecycle"' in out
    code, out, err = run_cli([*args, "--grid-boundary", "upstream"], monkeypatch, capsys)
    assert code == 2 and "'upstream' is not a grid boundary" in err


def test_statement_methodology_states_the_boundary(cur_file: Callable[..., Path], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cloudcarbon.cli import app

    runner = CliRunner(env={"COLUMNS": "400"})
    bill = cur_file([cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")])
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text('[grid]\nboundary = "lifecycle"\n', encoding="utf-8")

    def paragraphs(factors: str) -> list[str]:
        ledger = ["--ledger", str(tmp_path / f"ledger-{factors}.sqlite")]
        res = runner.invoke(
            app,
            ["estimate", "-m", "2026-10", "-s", f"aws:{bill}", "-c", str(cfg), "--factors", factors, *ledger],
        )
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["statement", "-m", "2026-10", "-c", str(cfg), "--format", "json", *ledger])
        assert res.exit_code == 0, res.output
        return list(json.loads(res.output)["methodology"]["paragraphs"])

    assert any(p.startswith("Grid intensities are lifecycle (") for p in paragraphs(NEW))
    # an old set declares no boundary: the statement says nothing about one
    assert not any("Grid intensities are" in p for p in paragraphs("2026.12"))


def test_inventory_locations_honour_the_boundary(tmp_path: Path, new_set: FactorSet) -> None:
    """Inventory servers: location "US" takes eGRID2023's US average (CO2 771.523, CH4 0.057, N2O 0.008
    lb/MWh -> 771.523 + 28 x 0.057 + 265 x 0.008 = 775.239 lb/MWh x 0.45359237 = 351.6 g/kWh), "NWPP" the
    subregion (288.2, as above); "DE" has lifecycle factors only (Electricity Maps DE 2025), so it falls
    back, flagged. Under lifecycle, "US" takes Electricity Maps' US country zone 2025, 414 g/kWh."""
    from cloudcarbon.connectors.base import Source

    servers = "".join(
        f'[[server]]\nname = "{name}"\nvcpus = 8\ncpu_microarchitecture = "Skylake"\nalways_on = true\n'
        f'location = "{loc}"\n\n'
        for name, loc in (("a", "US"), ("b", "NWPP"), ("c", "DE"))
    )
    path = tmp_path / "servers.toml"
    path.write_text(servers, encoding="utf-8")

    def rows(config: Config | None) -> dict[str, dict[str, object]]:
        result = estimate(
            [Source(path, "inventory")], "2026-10", factor_set=new_set, config=config, detail=True
        )
        assert result.detail is not None
        return {r["RegionId"]: r for r in result.detail.to_dicts()}

    op = rows(None)
    assert op["US"]["g_co2e_per_kwh"] == pytest.approx(351.6) and op["US"]["grid_dataset"] == "egrid"
    assert op["NWPP"]["g_co2e_per_kwh"] == pytest.approx(288.2)
    assert op["DE"]["grid_status"] == "boundary_substituted"
    assert op["DE"]["grid_dataset"] == "electricitymaps"
    life = rows(config_from_mapping({"grid": {"boundary": "lifecycle"}}))
    assert (
        life["US"]["g_co2e_per_kwh"] == pytest.approx(414.0)
        and life["US"]["grid_status"] == "year_substituted"
    )


def test_factors_lookup_shows_the_boundary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["factors", "lookup", "grid_intensity", "aws", "us-west-2", "egrid", "--version", NEW]
    code, out, err = run_cli(args, monkeypatch, capsys)
    assert code == 0, err
    assert "boundary: operational" in out and "zone: NWPP" in out and "g_co2e_per_kwh: 288.2" in out
    # an old set still answers, without the column
    args = ["factors", "lookup", "grid_intensity_odbl", "aws", "us-west-2", "2025", "--version", "2026.12"]
    code, out, err = run_cli(args, monkeypatch, capsys)
    assert code == 0, err
    assert "g_co2e_per_kwh: 129.0" in out and "boundary:" not in out


def test_lca_export_names_the_boundary_and_geography(
    cur_file: Callable[..., Path], new_set: FactorSet
) -> None:
    from cloudcarbon.exports import estimate_for_export, lca_activity

    path = cur_file(
        [cur_row("USW2-BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", region="us-west-2")]
    )
    df = lca_activity(estimate_for_export([path], "2026-10", factor_set=new_set))
    el = df.filter(pl.col("activity") == "electricity").row(0, named=True)
    # eGRID NWPP is in NERC region WECC (EPA: "WECC Northwest"): ecoinvent geography US-WECC
    assert (el["grid_zone"], el["geography"], el["grid_boundary"]) == ("NWPP", "US-WECC", "operational")
    assert el["grid_g_co2e_per_kwh"] == pytest.approx(288.2) and el["grid_licence"] == "public domain"
