"""The default method under the method contract, and the one fallback rule worked by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from cloudcarbon import estimate
from cloudcarbon.config import Config
from cloudcarbon.factors import FactorSet
from tests.conftest import cur_row, write_cur
from tests.methods.contract import MONTH, MethodContract


class TestDefaultMethod(MethodContract):
    method = "cloudcarbon"

    def expected_assumptions(self, config: Config, factors: FactorSet) -> dict[str, Any]:
        # [utilisation] cpu = 0.3 in the contract's configuration; the band and the fallback band are
        # the 2026.11 set's published coefficients (cpu 0.1-0.9; fallback x0.5 to x2)
        return {
            "cpu_utilisation": 0.3,
            "cpu_utilisation_source": "config",
            "cpu_utilisation_band": [0.1, 0.9],
            "fallback_band": [0.5, 2.0],
            # the documented rule since issue 7: the ratio multiplies effective (amortised) cost
            "fallback_basis": "effective (amortised) cost of the row, clipped at 0",
        }


def test_negative_fallback_row_neither_adds_nor_cancels(tmp_path: Path, factors: FactorSet) -> None:
    """Two fallback rows of +10 and -4 USD in one group, beside one m5.large day (2.304 USD).

    ratio = 0.213920051 kWh (the m5.large day, test_handworked) / 2.304 USD = 0.0928472444 kWh/USD.
    Documented rule: the ratio applies to each row's cost clipped at 0, so the group's fallback energy is
    10 x 0.0928472444 + 0 = 0.928472444 kWh (the old line clipped the sum: 6 x ratio = 0.557 kWh, while
    its detail rows said 0.928), and the detail rows add up to exactly that.
    """
    f = write_cur(
        tmp_path / "cur.csv",
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large"),
            cur_row("NatGateway-Hours", 24, "10", "Hrs"),
            cur_row("NatGateway-Hours", 24, "-4", "Hrs"),
        ],
    )
    for detail in (False, True):  # reduced rows (lines only) and per-row rows must agree
        result = estimate([f], MONTH, factor_set=factors, detail=detail)
        fb = result.groups.filter(pl.col("fate") == "fallback")
        assert float(fb["energy_kwh"].sum()) == pytest.approx(0.928472444, rel=1e-6)
        assert result.total("energy_kwh") == pytest.approx(0.213920051 + 0.928472444, rel=1e-6)
        if detail:
            assert result.detail is not None
            nat = result.detail.filter(pl.col("fate") == "fallback").sort("source_row")
            assert nat["energy_kwh"].to_list() == pytest.approx([0.928472444, 0.0], rel=1e-6)
            assert float(nat["energy_kwh"].sum()) == pytest.approx(float(fb["energy_kwh"].sum()), rel=1e-12)


def test_assumptions_without_config_are_the_factor_set_defaults(tmp_path: Path, factors: FactorSet) -> None:
    f = write_cur(
        tmp_path / "cur.csv", [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")]
    )
    result = estimate([f], MONTH, factor_set=factors)
    # 2026.11 coefficients.csv: cpu_utilisation_default 0.5
    assert result.assumptions["cpu_utilisation"] == 0.5
    assert result.assumptions["cpu_utilisation_source"] == "factor_set"


def test_detail_to_refuses_formats_it_does_not_write(tmp_path: Path, factors: FactorSet) -> None:
    from cloudcarbon.pipeline import DetailFormatError

    f = write_cur(
        tmp_path / "cur.csv", [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")]
    )
    with pytest.raises(
        DetailFormatError, match=r"x\.xlsx: --detail writes \.csv or \.parquet files, not '\.xlsx'"
    ) as e:
        estimate([f], MONTH, factor_set=factors, detail_to=tmp_path / "x.xlsx")
    assert e.value.exit_code == 2
    assert not (tmp_path / "x.xlsx").exists()
