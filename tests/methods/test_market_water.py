"""Market-based CO2e and water beside the location-based figures (docs/method.md 3.5 and 3.6).

Factor rows used (factor set 2026.12.1, each citing its public source):

* PUE aws ``*`` = 1.135 (CCF AwsFootprintEstimationConstants);
* WUE aws us-east-1 = 0.12 L per IT kWh, eu-central-1 = 0.01 (AWS sustainability page, 2024, per region:
  band low = high = the region's own figure); azure ``*`` = 0.27 (Microsoft fleet 2025), band 0.27-0.49;
* electricity water: aws us-east-1 2.312704 L/kWh (WRI appendices, eGRID SRVC, as mapped by spruce);
* no residual mix ships: market-based figures come only from the user's [market] table.

The water and market steps multiply the row's energy, so the expected figures below take the row's
energy (m5.large, whole-server: 2 x 2.3585795 W x 24 h x PUE 1.135) and apply the published
factors by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudcarbon import estimate
from cloudcarbon.config import Config, Instrument, MarketOptions
from cloudcarbon.factors import load_factor_set
from cloudcarbon.residual_mix import read_residual_mix
from tests.conftest import cur_row, write_cur

NEW = "2026.12.1"
REL = 1e-9


def _cur(tmp_path: Path, region: str = "us-east-1") -> Path:
    ut = "BoxUsage:m5.large" if region == "us-east-1" else "EUC1-BoxUsage:m5.large"
    return write_cur(
        tmp_path / "cur.csv", [cur_row(ut, 24, "2.304", "Hrs", instance="m5.large", region=region)]
    )


def _row(path: Path, config: Config | None = None, factors: str = NEW, method: str = "cloudcarbon") -> dict:
    r = estimate(
        [path], "2026-10", factor_set=load_factor_set(factors), detail=True, config=config, method=method
    )
    assert r.detail is not None
    est = r.detail.filter(r.detail["fate"] == "estimated")
    assert est.height == 1
    return est.row(0, named=True)


def test_water_of_an_m5_large_day_in_us_east_1(tmp_path: Path) -> None:
    r = _row(_cur(tmp_path))
    e, lo, hi = r["energy_kwh"], r["energy_kwh_low"], r["energy_kwh_high"]
    assert e == pytest.approx(0.128495411, rel=1e-6)  # whole-server: 2 x 2.3585795 W x 24 h x PUE 1.135
    # on-site: IT kWh = 0.128495411 / 1.135 = 0.113211816; x 0.12 L/kWh = 0.013585418 L
    assert r["water_site_l"] == pytest.approx(0.128495411 / 1.135 * 0.12, rel=1e-6)
    assert r["water_site_l"] == pytest.approx(0.013585418, rel=1e-6)
    # electricity: 0.128495411 kWh x 2.312704 L/kWh = 0.297171851 L
    assert r["water_source_l"] == pytest.approx(0.297171851, rel=1e-6)
    assert r["water_l"] == pytest.approx(0.013585418 + 0.297171851, rel=1e-6)
    # bounds: the region's own WUE has no band of its own, so the energy bounds carry through
    assert r["water_site_l_low"] == pytest.approx(lo / 1.135 * 0.12, rel=REL)
    assert r["water_source_l_high"] == pytest.approx(hi * 2.312704, rel=REL)
    assert r["water_status"] == "site+source"


def test_no_market_factor_gives_null_and_the_reason_never_the_location_figure(tmp_path: Path) -> None:
    r = _row(_cur(tmp_path))
    assert r["co2e_kg"] > 0
    assert r["market_co2e_kg"] is None
    assert r["market_g_co2e_per_kwh"] is None
    assert r["market_status"] == "none"
    assert "AWS" in r["market_reason"] and "residual_mix" in r["market_reason"]
    res = estimate([_cur(tmp_path)], "2026-10", factor_set=load_factor_set(NEW))
    assert res.total_or_none("market_co2e_kg") is None
    assert "AWS" in res.totals["market_reason"][0]
    with pytest.raises(ValueError, match=r"market_co2e_kg has no value \(AWS publishes"):
        res.total("market_co2e_kg")
    assert res.lines["market_co2e_kg"].to_list() == [None]


def test_old_factor_sets_have_no_market_or_water_figures(tmp_path: Path) -> None:
    r = _row(_cur(tmp_path), factors="2026.12")
    assert r["market_co2e_kg"] is None and r["water_l"] is None and r["water_site_l"] is None
    assert r["market_reason"].startswith("factor set 2026.12 has no market-based factors")
    assert r["water_reason"].startswith("factor set 2026.12 has no water factors")


def test_ccf_mode_gives_null_market_and_water_with_a_reason(tmp_path: Path) -> None:
    res = estimate([_cur(tmp_path)], "2026-10", factor_set=load_factor_set(NEW), method="ccf")
    assert res.total("co2e_kg") > 0
    assert res.total_or_none("market_co2e_kg") is None
    assert res.total_or_none("water_l") is None
    assert "ccf method gives no market-based or water figures" in res.totals["market_reason"][0]


def _residual(tmp_path: Path, text: str) -> MarketOptions:
    f = tmp_path / "residual.csv"
    f.write_text(text, encoding="utf-8")
    return MarketOptions(residual_mix=str(f), residual_rows=read_residual_mix(f))


def test_user_residual_mix_matched_on_egrid_subregion_then_country(tmp_path: Path) -> None:
    mk = _residual(
        tmp_path,
        "zone,year,g_co2e_per_kwh,source\n"
        'US,2025,500,"national, should lose to the subregion"\n'
        "SRVC,2024,280,Green-e test edition\n"
        "SRVC,2025,300,Green-e test edition\n"
        "DE,2025,650,AIB test edition\n",
    )
    r = _row(_cur(tmp_path), Config(market=mk))
    # us-east-1 -> eGRID SRVC (grid_market_zones.csv); usage year 2026 has no row -> latest earlier, 2025
    # market = 0.128495411 kWh x 300 g/kWh / 1000 = 0.0385486233 kg
    assert r["market_co2e_kg"] == pytest.approx(0.0385486233, rel=1e-6)
    assert r["market_co2e_kg"] != pytest.approx(r["co2e_kg"])
    assert r["market_status"] == "residual_mix"
    assert "SRVC 2025" in r["market_reason"] and "year_substituted" in r["market_reason"]
    assert "row 4" in r["market_reason"]
    r = _row(_cur(tmp_path, "eu-central-1"), Config(market=mk))
    # eu-central-1 -> Germany: 0.128495411 x 650 / 1000 = 0.083522017 kg
    assert r["market_co2e_kg"] == pytest.approx(0.083522017, rel=1e-6)


def _inventory(tmp_path: Path) -> Path:
    f = tmp_path / "servers.csv"
    f.write_text(
        "name,cpu_microarchitecture,vcpus,always_on,location,pue\nrack1,Cascade Lake,32,true,DE,1.5\n",
        encoding="utf-8",
    )
    return f


def _inv_row(tmp_path: Path, market: MarketOptions) -> dict:
    res = estimate(
        [f"inventory:{_inventory(tmp_path)}"], "2026-10", factor_set=load_factor_set(NEW), detail=True,
        config=Config(market=market),
    )  # fmt: skip
    assert res.detail is not None and res.detail.height == 1
    return res.detail.row(0, named=True)


def test_ppa_for_an_inventory_site_with_the_residual_mix_for_the_rest(tmp_path: Path) -> None:
    mk = _residual(tmp_path, "zone,year,g_co2e_per_kwh,source\nDE,2025,600,AIB test edition\n")
    ppa = Instrument(
        location="DE", kind="ppa", share=0.6, g_co2e_per_kwh=0.0, reference="PPA-42", start="2026-01"
    )
    r = _inv_row(tmp_path, MarketOptions(mk.residual_mix, mk.residual_rows, (ppa,)))
    # factor = 0.6 x 0 + 0.4 x 600 = 240 g/kWh
    assert r["market_g_co2e_per_kwh"] == pytest.approx(240.0, rel=REL)
    assert r["market_co2e_kg"] == pytest.approx(r["energy_kwh"] * 0.240, rel=REL)
    assert r["market_status"] == "instruments+residual_mix"
    assert "PPA-42" in r["market_reason"]
    # inventory sites have no WUE; Germany's electricity water factor comes from the WRI rows
    assert r["water_site_l"] is None and r["water_l"] is None
    assert r["water_source_l"] == pytest.approx(r["energy_kwh"] * 1.946974, rel=1e-6)


def test_instruments_covering_everything_need_no_residual_mix(tmp_path: Path) -> None:
    full = Instrument(location="DE", kind="certificates", share=1.0, g_co2e_per_kwh=0.0, reference="GO-7")
    r = _inv_row(tmp_path, MarketOptions(instruments=(full,)))
    assert r["market_co2e_kg"] == 0.0 and r["market_status"] == "instruments"


def test_partial_instruments_without_a_residual_mix_give_null(tmp_path: Path) -> None:
    part = Instrument(location="DE", kind="ppa", share=0.6, g_co2e_per_kwh=0.0, reference="PPA-42")
    r = _inv_row(tmp_path, MarketOptions(instruments=(part,)))
    assert r["market_co2e_kg"] is None
    assert "no residual mix for the remaining 0.4" in r["market_reason"]


def test_an_instrument_outside_its_months_does_not_count(tmp_path: Path) -> None:
    old = Instrument(
        location="DE", kind="ppa", share=1.0, g_co2e_per_kwh=0.0, reference="PPA-1", end="2025-12"
    )
    r = _inv_row(tmp_path, MarketOptions(instruments=(old,)))
    assert r["market_co2e_kg"] is None
