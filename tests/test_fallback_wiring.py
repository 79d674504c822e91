"""The cost-ratio fallback on provider-realistic FOCUS months (issue 7, section 4, last bullet).

End to end through :func:`cloudcarbon.estimate` and the CLI on FOCUS files written here. Expected values
are worked out by hand from the rows and from the 2026.11 factor set's ``fallback_reference_ratios.csv``
rows quoted in the comments; none is copied from a run of the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
import pytest

from cloudcarbon import estimate
from cloudcarbon.cli import main
from cloudcarbon.connectors.base import Source
from cloudcarbon.exceptions import FactorNotFound
from cloudcarbon.factors import FactorSet
from cloudcarbon.reports import get_renderer
from tests.connectors.test_focus import FOCUS_10, aws_hour, azure_row, write_csv

MONTH = "2026-10"
REL = 1e-6

# One g5.4xlarge hour in us-east-1 (set 2026.11), worked by hand in
# tests/connectors/test_focus.py::test_sample_shaped_gpu_hours_are_estimated_and_hand_worked:
# (CPU 0.017337792 + memory 0.025088 + A10G 0.084) kWh x PUE 1.135 = 0.143493274 kWh
G5_HOUR_KWH = 0.143493274


def _aws_month(tmp_path: Path, covered_effective: str) -> Path:
    """A commitment-covered g5.4xlarge hour (billed 0.000333 USD, amortised ``covered_effective``) and
    10 USD of EC2 usage of an instance type the factor set does not know (a fallback row)."""
    rows = [
        aws_hour(
            cost="0.000333",
            EffectiveCost=covered_effective,
            PricingCategory="Committed",
            CommitmentDiscountStatus="Used",
        ),
        aws_hour("zz9.mega", price="10", cost="10", EffectiveCost="10"),
    ]
    return write_csv(tmp_path / "aws-focus.csv", FOCUS_10, rows)


def _ratios(result: object) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = result.assumptions["fallback_ratios"]  # type: ignore[attr-defined]
    return out


def test_aws_commitment_covered_month_prices_fallback_at_the_effective_cost_ratio(
    tmp_path: Path, factors: FactorSet
) -> None:
    path = _aws_month(tmp_path, covered_effective="1.0")
    result = estimate([Source(path, "focus")], MONTH, factor_set=factors, detail=True)
    assert result.detail is not None
    d = result.detail.sort("source_row")
    assert d["fate"].to_list() == ["estimated", "fallback"]
    # the modelled hour keeps its modelled energy, whatever it was billed
    assert d["energy_kwh"][0] == pytest.approx(G5_HOUR_KWH, rel=REL)
    # ratio on effective cost: 0.143493274 kWh / 1.0 USD = 0.143493274 kWh/USD, inside the aws/USD/compute
    # band [0.027287, 0.42799] -> observed. On billed cost it was 0.143493274 / 0.000333 = 430.9 kWh/USD.
    r = _ratios(result)["aws/USD/compute"]
    assert r["ratio_basis"] == "observed"
    assert r["kwh_per_cost"] == pytest.approx(0.143493274, rel=REL)
    # fallback: 10 USD effective x 0.143493274 = 1.43493274 kWh (not 10 x 430.9 = 4,309 kWh)
    assert d["energy_kwh"][1] == pytest.approx(1.43493274, rel=REL)
    assert result.total("energy_kwh") == pytest.approx(0.143493274 + 1.43493274, rel=REL)
    # --detail shows the effective cost each row was priced on
    assert [float(x) for x in d["EffectiveCost"]] == [1.0, 10.0]


def test_aws_observed_ratio_above_the_band_is_clamped(tmp_path: Path, factors: FactorSet) -> None:
    # the covered hour amortised at 0.1 USD: observed 0.143493274 / 0.1 = 1.43493274 kWh/USD, above the
    # aws/USD/compute high bound 0.42799 -> clamped to 0.42799; fallback 10 x 0.42799 = 4.2799 kWh
    path = _aws_month(tmp_path, covered_effective="0.1")
    result = estimate([Source(path, "focus")], MONTH, factor_set=factors)
    r = _ratios(result)["aws/USD/compute"]
    assert r["ratio_basis"] == "clamped"
    assert r["observed_kwh_per_cost"] == pytest.approx(1.43493274, rel=REL)
    assert r["kwh_per_cost"] == pytest.approx(0.42799, rel=REL)
    fb = result.groups.filter(pl.col("fate") == "fallback")
    assert float(fb["energy_kwh"].sum()) == pytest.approx(4.2799, rel=REL)


def _azure_month(tmp_path: Path, currency: str = "USD") -> Path:
    """An Azure FOCUS month where nothing is modelled: 100 of blob storage and 50 of Cosmos DB."""
    rows = [
        azure_row(BilledCost="100", EffectiveCost="100", BillingCurrency=currency),
        azure_row(
            ServiceName="Azure Cosmos DB",
            ServiceCategory="Databases",
            ChargeDescription="Cosmos DB RU/s",
            BilledCost="50",
            EffectiveCost="50",
            BillingCurrency=currency,
        ),
    ]
    return write_csv(tmp_path / "azure-focus.csv", FOCUS_10, rows)


def test_azure_month_with_nothing_modelled_takes_the_reference_ratio(
    tmp_path: Path, factors: FactorSet
) -> None:
    path = _azure_month(tmp_path)
    result = estimate([Source(path, "focus")], MONTH, factor_set=factors, detail=True)
    assert result.detail is not None
    d = result.detail.sort("source_row")
    assert d["fate"].to_list() == ["fallback", "fallback"]
    ratios = _ratios(result)
    # fallback_reference_ratios.csv (2026.11): azure,USD,storage kwh_per_cost 0.091676;
    # azure,USD,* 0.045771
    assert ratios["azure/USD/storage"]["ratio_basis"] == "reference"
    assert ratios["azure/USD/storage"]["kwh_per_cost"] == pytest.approx(0.091676, rel=REL)
    assert ratios["azure/USD/*"]["ratio_basis"] == "reference"
    # 100 x 0.091676 = 9.1676 kWh; 50 x 0.045771 = 2.28855 kWh; total 11.45615 kWh (not 0)
    assert d["energy_kwh"].to_list() == pytest.approx([9.1676, 2.28855], rel=REL)
    assert result.total("energy_kwh") == pytest.approx(11.45615, rel=REL)
    # all of the usage cost rests on the fallback: flagged, in every output
    (flag,) = result.flags.filter(pl.col("flag") == "mostly_fallback").iter_rows(named=True)
    assert flag["currency"] == "USD" and flag["subject"] == "100.0% of the effective usage cost"
    table = get_renderer("table").render(result)
    assert (
        "Warning: 100.0% of the USD usage cost rests on the cost-ratio fallback; these figures depend more "
        "on the reference ratio than on the model." in table
    )
    doc = json.loads(get_renderer("json").render(result))
    assert doc["mostly_fallback"] == [{"currency": "USD", "fallback_share": 1.0}]
    assert doc["coverage"]["mostly_fallback"] is True
    csv = pl.read_csv(get_renderer("csv").render(result).encode())
    assert csv["mostly_fallback"].to_list() == [True] * csv.height
    assert csv["fallback_share"].to_list() == [1.0] * csv.height


def test_strict_mode_refuses_a_mostly_fallback_month(tmp_path: Path, factors: FactorSet) -> None:
    from cloudcarbon.config import Config

    path = _azure_month(tmp_path)
    with pytest.raises(FactorNotFound, match="most of the cost rests on the cost-ratio fallback"):
        estimate([Source(path, "focus")], MONTH, factor_set=factors, config=Config(strict=True))


def test_strict_mode_cli_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _azure_month(tmp_path)
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text("[estimate]\nstrict = true\n", encoding="utf-8")
    argv = ["cloudcarbon", "estimate", "-m", MONTH, "-s", f"focus:{path}", "-c", str(cfg)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as done:
        main()
    _, err = capsys.readouterr()
    # FactorNotFound is a FactorSetError: exit code 5, as the other strict-mode errors
    assert done.value.code == 5
    assert "strict mode: most of the cost rests on the cost-ratio fallback (USD: 100.0% of the" in err
    assert "Traceback" not in err


def test_no_ratio_at_all_is_flagged_never_silent(tmp_path: Path, factors: FactorSet) -> None:
    # CHF has no row in fallback_reference_ratios.csv (only EUR, GBP, USD) and nothing is modelled:
    # basis none, 0 kWh, and a fallback_ratio_none flag per key
    path = _azure_month(tmp_path, currency="CHF")
    result = estimate([Source(path, "focus")], MONTH, factor_set=factors)
    ratios = _ratios(result)
    assert {k: v["ratio_basis"] for k, v in ratios.items()} == {
        "azure/CHF/storage": "none",
        "azure/CHF/*": "none",
    }
    none = result.flags.filter(pl.col("flag") == "fallback_ratio_none")
    assert sorted(none["subject"].to_list()) == ["azure/CHF/*", "azure/CHF/storage"]
    table = get_renderer("table").render(result)
    assert "fallback_ratio_none: 2 item(s), 2 rows" in table
