"""The statement model checks what must reconcile; the bridge converts from compare.bridge."""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest

from cloudcarbon.compare import bridge
from cloudcarbon.statements import (
    BridgeLine,
    Comparison,
    Coverage,
    Exclusion,
    Header,
    Intensity,
    ProjectLine,
    Stage,
    Statement,
    Totals,
    ghg_mapping,
)


def test_fixture_totals_add_up(statement: Statement) -> None:
    # the hand-worked totals of conftest.make_statement
    assert sum(p.co2e_kg for p in statement.projects) == statement.totals.location_co2e_kg == D(170)
    assert sum(p.embodied_co2e_kg for p in statement.projects) == statement.totals.embodied_co2e_kg
    usd = next(i for i in statement.totals.intensity if i.currency == "USD")
    assert usd.kg_per_unit == D("0.1003125")
    c = statement.comparison
    assert c is not None
    assert (c.base_kg, c.current_kg, c.part("activity"), c.part("grid")) == (
        D(150),
        D(170),
        D("24.5"),
        D("-5.5"),
    )


def test_coverage_must_add_up_to_the_bill() -> None:
    Coverage("USD", D(10), D(6), D(3), D(1), exclusions=(Exclusion("tax", D(1), 1),))
    with pytest.raises(ValueError, match="!= billed"):
        Coverage("USD", D(10), D(6), D(3), D("0.99"))
    with pytest.raises(ValueError, match=r"exclusion reasons add up to 0\.5"):
        Coverage("USD", D(10), D(6), D(3), D(1), exclusions=(Exclusion("tax", D("0.5"), 1),))


def test_statement_billed_must_match_coverage(statement: Statement) -> None:
    with pytest.raises(ValueError, match="billed totals"):
        Statement(
            header=statement.header,
            totals=statement.totals,
            projects=statement.projects,
            coverage=statement.coverage[:1],
            ghg=statement.ghg,
            methodology=statement.methodology,
        )


def test_header_status() -> None:
    h = Header("2026-03", "Org", "ccf", "2026.11", "00", "restated", restatements=3, version=4)
    assert h.status_text == "closed, restated 3 times"
    assert Header("2026-03", "Org", "ccf", "2026.11", "00", "closed").status_text == "closed"
    with pytest.raises(ValueError, match="restated"):
        Header("2026-03", "Org", "ccf", "2026.11", "00", "closed", restatements=1)


def test_totals_need_a_reason_without_market_figure() -> None:
    with pytest.raises(ValueError, match="market_reason"):
        Totals(D(1), D(1), D(1), None, None, D(0), D(0), ())
    with pytest.raises(ValueError, match="within its low and high"):
        Totals(D(5), D(1), D(4), D(1), None, D(0), D(0), ())
    assert Intensity("USD", D(1), D(0)).kg_per_unit is None


def test_project_stages_must_match_figures() -> None:
    with pytest.raises(ValueError, match="stages sum"):
        ProjectLine(
            "p", D(10), D(9), D(11), D(2), D(1), (), (Stage("training", D(9)), Stage("hardware", D(2)))
        )


def test_bridge_line_must_add_up() -> None:
    with pytest.raises(ValueError, match="base \\+ parts != current"):
        BridgeLine("p", D(1), (("activity", D(1)),), D(3))
    with pytest.raises(ValueError, match="unknown part"):
        BridgeLine("p", D(1), (("weather", D(2)),), D(3))


def test_comparison_from_compare_bridge() -> None:
    dec = pl.Decimal(20, 6)
    base = pl.DataFrame(
        {
            "project": ["a", "b"],
            "k": ["x", "x"],
            "activity": [10, 10],
            "energy_kwh": [1, 1],
            "co2e_kg": [1, 2],
        }
    ).with_columns(pl.col("activity", "energy_kwh", "co2e_kg").cast(dec))
    cur = base.with_columns((pl.col("activity") * 2).cast(dec), (pl.col("co2e_kg") * 2).cast(dec))
    # activity doubles with the energy kept: energy per activity halves, so the CO2e doubling is
    # activity +100 % then efficiency -50 % and grid +100 %; the total change is a: +1, b: +2
    rows = bridge(base, cur, ["project", "k"]).to_dicts()
    comp = Comparison.from_rows(rows, baseline="2026-01", basis="same factor set")
    assert [ln.project for ln in comp.lines] == ["a", "b"]
    assert (comp.base_kg, comp.current_kg) == (D(3), D(6))
    assert sum((comp.part(p) for p in ("activity", "efficiency", "grid")), D(0)) == D(3)


def test_ghg_mapping_scopes() -> None:
    lines = ghg_mapping(
        cloud_electricity_location_kg=D(10),
        cloud_electricity_market_kg=None,
        cloud_hardware_kg=D(2),
        market_reason="no contract data",
        onprem_location_kg=D(5),
        onprem_market_kg=D(4),
        onprem_embodied_kg=D(1),
    )
    got = [(g.owner, g.scope, g.category.split(":")[0], g.basis, g.co2e_kg) for g in lines]
    assert got == [
        ("cloud usage", "Scope 3", "Category 1", "location-based", D(10)),
        ("cloud usage", "Scope 3", "Category 1", "market-based", None),
        ("cloud usage", "Scope 3", "Category 1", "", D(2)),
        ("on-premises", "Scope 2", "Purchased electricity", "location-based", D(5)),
        ("on-premises", "Scope 2", "Purchased electricity", "market-based", D(4)),
        ("on-premises", "Scope 3", "Category 2", "", D(1)),
    ]
    assert lines[1].note == "no contract data"
    assert len(ghg_mapping(cloud_electricity_location_kg=D(1), cloud_electricity_market_kg=D(1),
                           cloud_hardware_kg=D(0))) == 3  # fmt: skip


def test_trend_from_compare_trend() -> None:
    from cloudcarbon.compare import trend
    from cloudcarbon.statements import Trend

    monthly = pl.DataFrame({"month": ["2026-02", "2026-01", "2026-02"], "project": ["a", "a", "b"],
                            "co2e_kg": [2.0, 1.0, 3.0]})  # fmt: skip
    rows = trend(
        monthly, by=["project"], baseline=pl.DataFrame({"project": ["a"], "co2e_kg": [1.5]})
    ).to_dicts()
    t = Trend.from_rows(rows, series="project", baseline="2025 average")
    assert t.months == ("2026-01", "2026-02")
    a, b = t.series
    assert (a.name, [p.co2e_kg for p in a.points], a.baseline_kg) == ("a", [D(1), D(2)], D("1.5"))
    assert (b.name, [p.co2e_kg for p in b.points], b.baseline_kg) == (
        "b",
        [D(0), D(3)],
        None,
    )  # b absent in Jan
    total = Trend.from_rows(trend(monthly).to_dicts())
    assert [(p.month, p.co2e_kg) for p in total.series[0].points] == [("2026-01", D(1)), ("2026-02", D(5))]
