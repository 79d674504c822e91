"""Hand-built statements for the renderer tests (every total worked out by hand below)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cloudcarbon.statements import (
    BridgeLine,
    Comparison,
    Coverage,
    Exclusion,
    Header,
    Intensity,
    Methodology,
    Money,
    ProjectLine,
    Restatement,
    Source,
    Stage,
    Statement,
    Totals,
    Trend,
    TrendPoint,
    TrendSeries,
    ghg_mapping,
)

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
MARKUP = "[red]x[/red]"
GPU = "ml[gpu]"
CONTROL = "ctl\x1b[31m\x07|`name`"
HOSTILE = (GPU, SCRIPT, FORMULA, MARKUP, CONTROL)


def make_statement(names: tuple[str, str, str, str, str] = ("ml", "web", "etl", "docs", "ops")) -> Statement:
    """Five projects; figures chosen so every total is easy to check by hand.

    project  CO2e   low   high  embodied energy  cost        stages
    p0       120.5  100   150   30       300     1000 USD    training 100, inference 20.5, hardware 30
    p1        40     30    55   10       100      500 USD    data_processing 40, hardware 10
    p2         9.5    8    12    0        20      200 EUR    inference 9.5
    p3         0      0     0    0         0       60 USD    (none)
    p4         0      0     0    0         0       40 USD    (none)
    totals   170    138   217   40       420     1600 USD + 200 EUR
    USD coverage: billed 1600 = estimated 1400 + fallback 100 + excluded 100 (tax 60 + credit 40)
    EUR coverage: billed 200 = estimated 200
    intensity: USD rows 160.5 kg / 1600 USD = 0.1003125 kg per USD; EUR 9.5 / 200 = 0.0475 per EUR
    bridge: p0 100 +15 activity +3 mix -2 efficiency +4.5 grid = 120.5; p1 50 -10 grid = 40;
            p2 0 +9.5 activity = 9.5; totals 150 -> 170 (activity 24.5, mix 3, efficiency -2, grid -5.5)
    """
    p0, p1, p2, p3, p4 = names
    projects = (
        ProjectLine(p0, D("120.5"), D(100), D(150), D(30), D(300), (Money("USD", D(1000)),),
                    (Stage("training", D(100)), Stage("inference", D("20.5")), Stage("hardware", D(30)))),
        ProjectLine(p1, D(40), D(30), D(55), D(10), D(100), (Money("USD", D(500)),),
                    (Stage("data_processing", D(40)), Stage("hardware", D(10)))),
        ProjectLine(p2, D("9.5"), D(8), D(12), D(0), D(20), (Money("EUR", D(200)),),
                    (Stage("inference", D("9.5")),)),
        ProjectLine(p3, D(0), D(0), D(0), D(0), D(0), (Money("USD", D(60)),)),
        ProjectLine(p4, D(0), D(0), D(0), D(0), D(0), (Money("USD", D(40)),)),
    )  # fmt: skip
    totals = Totals(
        location_co2e_kg=D(170),
        location_co2e_kg_low=D(138),
        location_co2e_kg_high=D(217),
        market_co2e_kg=None,
        market_reason="no supplier-specific electricity data",
        embodied_co2e_kg=D(40),
        energy_kwh=D(420),
        billed=(Money("EUR", D(200)), Money("USD", D(1600))),
        intensity=(Intensity("EUR", D("9.5"), D(200)), Intensity("USD", D("160.5"), D(1600))),
    )
    coverage = (
        Coverage("EUR", D(200), D(200), D(0), D(0), rows=3),
        Coverage("USD", D(1600), D(1400), D(100), D(100), rows=12,
                 exclusions=(Exclusion("tax", D(60), 2), Exclusion(f"credit {p3}", D(40), 1))),
    )  # fmt: skip
    comparison = Comparison(
        baseline=f"baseline '{p4}' (2026-01)",
        basis="both periods under factor set 2026.11",
        lines=(
            BridgeLine(p0, D(100), (("activity", D(15)), ("mix", D(3)), ("efficiency", D(-2)),
                                    ("grid", D("4.5"))), D("120.5")),
            BridgeLine(p1, D(50), (("grid", D(-10)),), D(40)),
            BridgeLine(p2, D(0), (("activity", D("9.5")),), D("9.5")),
        ),
    )  # fmt: skip
    trend = Trend(
        series=(
            TrendSeries(
                p0,
                (
                    TrendPoint("2026-01", D(100)),
                    TrendPoint("2026-02", D(110)),
                    TrendPoint("2026-03", D("120.5")),
                ),
                baseline_kg=D(100),
            ),
            TrendSeries(p1, (TrendPoint("2026-01", D(50)), TrendPoint("2026-03", D(40))), baseline_kg=D(50)),
        ),
        baseline=f"{p4} 2026-01",
    )
    return Statement(
        header=Header(
            period="2026-03",
            organisation=f"Org {p3}",
            method="ccf-v3",
            factor_set_version="2026.11",
            factor_set_hash="ab" * 32,
            status="restated",
            restatements=1,
            version=2,
            generated_at="2026-04-02T10:00:00Z",
            tool_version="0.1.0",
        ),
        totals=totals,
        projects=projects,
        coverage=coverage,
        ghg=ghg_mapping(
            cloud_electricity_location_kg=D(170),
            cloud_electricity_market_kg=None,
            cloud_hardware_kg=D(40),
            market_reason="no supplier-specific electricity data",
        ),
        methodology=Methodology(
            paragraphs=(f"Energy from usage, per the method; tag {p2} maps to a project.",),
            sources=(
                Source(
                    "Cloud Carbon Footprint methodology",
                    "https://www.cloudcarbonfootprint.org/docs/methodology",
                    "Apache-2.0",
                ),
            ),
        ),
        restatements=(
            Restatement(2, "2026-04-02T10:00:00Z", ("new bill delivery",), D("5.5"), f"late rows {p1}"),
        ),
        comparison=comparison,
        trend=trend,
    )


@pytest.fixture
def statement() -> Statement:
    return make_statement()


@pytest.fixture
def hostile() -> Statement:
    return make_statement(HOSTILE)
