"""EstimateResult's notebook conveniences: totals as a one-row frame, total(), to_pandas()."""

from __future__ import annotations

import sys
from decimal import Decimal

import polars as pl
import pytest

from cloudcarbon.results import EstimateResult, FactorSetInfo, totals_of
from cloudcarbon.schema import FIGURES


def _result() -> EstimateResult:
    # two lines, figures chosen by hand: co2e 1.5 + 2.25 = 3.75, energy 10 + 0.5 = 10.5
    base = {f: [0.0, 0.0] for f in FIGURES}
    base |= {"co2e_kg": [1.5, 2.25], "energy_kwh": [10.0, 0.5], "co2e_kg_low": [1.0, 2.0]}
    lines = pl.DataFrame(
        {
            "project": ["=1+1", "<script>é"],
            "currency": ["USD", "EUR"],
            **base,
            "cost": [Decimal("1.10"), Decimal("2.20")],
        },
        schema_overrides={"cost": pl.Decimal(38, 2)},
    )
    empty = pl.DataFrame()
    return EstimateResult(
        month="2026-10",
        group_by=("project",),
        method="cloudcarbon",
        factor_set=FactorSetInfo("t", "ab" * 32),
        sources=(),
        lines=lines,
        totals=totals_of(lines),
        coverage=empty,
        excluded=empty,
        flags=empty,
        groups=empty,
    )


def test_totals_is_one_row_of_every_figure() -> None:
    r = _result()
    assert r.totals.shape == (1, len(FIGURES))  # one row, even with two currencies: kg have none
    assert r.totals.columns == list(FIGURES)
    assert all(dt == pl.Float64 for dt in r.totals.dtypes)
    assert r.total("co2e_kg") == 3.75
    assert r.total("energy_kwh") == 10.5
    assert r.total("co2e_kg_low") == 3.0
    assert r.totals.row(0, named=True)["embodied_co2e_kg"] == 0.0


def test_total_of_an_unknown_figure_names_the_choices() -> None:
    with pytest.raises(KeyError, match="'co2e' is not a total; choose from energy_kwh"):
        _result().total("co2e")


def test_to_pandas_keeps_values_and_exact_costs() -> None:
    pytest.importorskip("pandas")
    df = _result().to_pandas("lines")
    assert df["project"].tolist() == ["=1+1", "<script>é"]  # user data as written
    assert df["cost"].tolist() == [Decimal("1.10"), Decimal("2.20")]
    assert _result().to_pandas("totals")["co2e_kg"].tolist() == [3.75]


def test_to_pandas_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    r = _result()
    with pytest.raises(ValueError, match="'line' is not a frame of the result; choose from lines"):
        r.to_pandas("line")
    with pytest.raises(ValueError, match="detail=True"):
        r.to_pandas("detail")
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    with pytest.raises(ImportError, match=r"pip install .cloudcarbon\[pandas\]."):
        r.to_pandas()
