"""The method contract as a reusable test class: every estimation method inherits it.

A method test module subclasses :class:`MethodContract` once and supplies:

``method``
    Class attribute: the registry name (``--method``).
``expected_assumptions(config, factors)``
    What the method must report as used for ``config`` (worked out by hand in the subclass).

The contract checks, on a small CUR month written here (estimated, fallback and excluded rows, a
negative fallback row, two projects, two regions):

* ``--detail`` rows add up exactly (1e-9 relative) to the lines and to the totals, for every figure;
* low <= central <= high, per line and per detail row;
* the assumptions are the ones the configuration asked for;
* the coverage parts add up to the billed cost exactly (``Decimal``), and the billed cost is the sum of
  the fixture's costs;
* the result does not depend on row order or on how the rows are split across files;
* the streamed ``--detail`` file holds the same figures as the in-memory detail.

The class has no ``Test`` prefix, so pytest only collects its subclasses.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pytest

from cloudcarbon import estimate
from cloudcarbon.config import Config, config_from_mapping
from cloudcarbon.factors import FactorSet
from cloudcarbon.results import EstimateResult
from cloudcarbon.schema import ESTIMATE_DETAIL, FIGURES
from tests.conftest import cur_row, write_cur

__all__ = ["MONTH", "MethodContract", "fixture_rows"]

MONTH = "2026-10"
REL = 1e-9
_TRIPLES = [(f, f"{f}_low", f"{f}_high") for f in ("energy_kwh", "co2e_kg", "embodied_co2e_kg")]


def fixture_rows() -> list[dict[str, Any]]:
    """A small month: modelled instances, storage, unmodelled usage (+10 and -4), tax and a credit."""
    return [
        cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="web"),
        cur_row("BoxUsage:m5.xlarge", 48, "9.216", "Hrs", instance="m5.xlarge", project="web"),
        cur_row(
            "EUW1-BoxUsage:c5.large",
            10,
            "0.96",
            "Hrs",
            instance="c5.large",
            region="eu-west-1",
            project="batch",
        ),
        cur_row("EBS:VolumeUsage.gp2", 100, "10.00", "GB-Mo", project="batch"),
        cur_row("BoxUsage:zz9.large", 24, "1.00", "Hrs", instance="zz9.large", vcpu="2", memory="8 GiB"),
        cur_row("NatGateway-Hours", 24, "10", "Hrs", project="web"),
        cur_row("NatGateway-Hours", 24, "-4", "Hrs", project="web"),
        cur_row("", 0, "0.42", "", line_item_type="Tax"),
        cur_row("", 0, "-1.50", "", line_item_type="Credit", project="web"),
    ]


#: The fixture's billed total, added by hand: 2.304 + 9.216 + 0.96 + 10.00 + 1.00 + 10 - 4 + 0.42 - 1.50
BILLED = Decimal("28.400")

_CONFIG = {"projects": {"rules": [{"tag": "user:project"}]}, "utilisation": {"cpu": 0.3}}


class MethodContract:
    method: ClassVar[str]

    # ---- what a subclass supplies -------------------------------------------------------------------

    def expected_assumptions(self, config: Config, factors: FactorSet) -> dict[str, Any]:
        raise NotImplementedError

    # ---- fixtures -----------------------------------------------------------------------------------

    @pytest.fixture
    def config(self) -> Config:
        return config_from_mapping(_CONFIG)

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_cur(tmp_path / "cur.csv", fixture_rows())

    @pytest.fixture
    def result(self, source: Path, config: Config, factors: FactorSet) -> EstimateResult:
        return estimate([source], MONTH, config=config, factor_set=factors, detail=True, method=self.method)

    # ---- the contract -------------------------------------------------------------------------------

    def test_detail_adds_up_to_lines_and_totals(self, result: EstimateResult) -> None:
        assert result.detail is not None
        d = result.detail
        assert d.height == len(fixture_rows())
        for fig in FIGURES:
            assert float(d[fig].sum()) == pytest.approx(result.total(fig), rel=REL, abs=1e-12), fig
        by_project = d.group_by("project").agg(*[pl.col(f).sum() for f in FIGURES])
        joined = result.lines.join(by_project, on="project", how="full", suffix="_detail")
        assert joined.height == result.lines.height
        for fig in FIGURES:
            for line, det in zip(joined[fig].to_list(), joined[f"{fig}_detail"].to_list(), strict=True):
                assert det == pytest.approx(line, rel=REL, abs=1e-12), fig

    def test_fallback_rows_add_up_to_the_fallback_lines(self, result: EstimateResult) -> None:
        assert result.detail is not None
        fb = result.detail.filter(pl.col("fate") == "fallback")
        groups = result.groups.filter(pl.col("fate") == "fallback")
        assert fb.height >= 2  # at least the two NAT gateway rows (+10 and -4)
        for fig in (*FIGURES, "band_fallback_kg"):
            assert float(fb[fig].sum()) == pytest.approx(float(groups[fig].sum()), rel=REL, abs=1e-12), fig

    def test_bounds_are_ordered(self, result: EstimateResult) -> None:
        assert result.detail is not None
        for frame in (result.lines, result.detail):
            for central, low, high in _TRIPLES:
                bad = frame.filter((pl.col(low) > pl.col(central)) | (pl.col(central) > pl.col(high)))
                assert bad.height == 0, (central, bad.select(low, central, high))
        for central, low, high in _TRIPLES:
            assert result.total(low) <= result.total(central) <= result.total(high)

    def test_assumptions_are_the_config_used(
        self, result: EstimateResult, config: Config, factors: FactorSet
    ) -> None:
        expected = self.expected_assumptions(config, factors)
        for k, v in expected.items():
            assert result.assumptions[k] == v, k
        assert result.assumptions["method"] == self.method
        assert result.config["cpu_utilisation"] == 0.3

    def test_coverage_adds_up_to_the_billed_cost(self, result: EstimateResult) -> None:
        (row,) = result.coverage.iter_rows(named=True)
        assert row["currency"] == "USD" and row["rows"] == len(fixture_rows())
        assert row["billed_cost"] == BILLED
        assert row["estimated_cost"] + row["fallback_cost"] + row["excluded_cost"] == row["billed_cost"]
        lines = result.lines
        assert lines["cost"].sum() == BILLED
        assert (
            lines["estimated_cost"] + lines["fallback_cost"] + lines["excluded_cost"] == lines["cost"]
        ).all()

    def test_independent_of_row_order_and_file_split(
        self, tmp_path: Path, result: EstimateResult, config: Config, factors: FactorSet
    ) -> None:
        rows = fixture_rows()
        rev = write_cur(tmp_path / "reversed.csv", rows[::-1])
        a = write_cur(tmp_path / "part-a.csv", rows[::2])
        b = write_cur(tmp_path / "part-b.csv", rows[1::2])
        for sources in ([rev], [a, b], [b, a]):
            other = estimate(sources, MONTH, config=config, factor_set=factors, method=self.method)
            assert other.coverage.equals(result.coverage)
            for fig in FIGURES:
                assert other.total(fig) == pytest.approx(result.total(fig), rel=REL, abs=1e-12), fig
            mine = result.lines.sort("project")
            theirs = other.lines.sort("project")
            assert theirs["project"].to_list() == mine["project"].to_list()
            assert theirs["cost"].to_list() == mine["cost"].to_list()
            for fig in FIGURES:
                for x, y in zip(theirs[fig].to_list(), mine[fig].to_list(), strict=True):
                    assert x == pytest.approx(y, rel=REL, abs=1e-12), fig

    @pytest.mark.parametrize("suffix", [".csv", ".parquet"])
    def test_streamed_detail_file_matches(
        self,
        suffix: str,
        tmp_path: Path,
        source: Path,
        result: EstimateResult,
        config: Config,
        factors: FactorSet,
    ) -> None:
        out = tmp_path / "out" / f"detail{suffix}"
        streamed = estimate(
            [source], MONTH, config=config, factor_set=factors, method=self.method, detail_to=out
        )
        assert streamed.detail is None and streamed.detail_path == out
        df = pl.read_parquet(out) if suffix == ".parquet" else pl.read_csv(out, infer_schema_length=None)
        assert df.columns == [c for c in ESTIMATE_DETAIL if c in df.columns]
        assert df["source_row"].to_list() == list(range(1, len(fixture_rows()) + 1))
        assert result.detail is not None
        for fig in FIGURES:
            for x, y in zip(df[fig].to_list(), result.detail[fig].to_list(), strict=True):
                assert x == pytest.approx(y, rel=REL, abs=1e-12), fig
            assert float(df[fig].sum()) == pytest.approx(streamed.total(fig), rel=REL, abs=1e-12)
