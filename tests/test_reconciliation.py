"""Every billing row ends up estimated, fallback or excluded, and the three add up to the bill exactly."""

from __future__ import annotations

import csv
import random
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudcarbon import estimate
from cloudcarbon.factors import FactorSet
from tests.conftest import cur_row, write_cur

# (usage type, unit, product, instance) drawn by the property tests
USAGE_KINDS = [
    ("BoxUsage:m5.large", "Hrs", "AmazonEC2", "m5.large"),
    ("USW2-BoxUsage:p4d.24xlarge", "Hrs", "AmazonEC2", "p4d.24xlarge"),
    ("SpotUsage:c5.large", "Hrs", "AmazonEC2", "c5.large"),
    ("BoxUsage:zz9.large", "Hrs", "AmazonEC2", "zz9.large"),
    ("EBS:VolumeUsage.gp3", "GB-Mo", "AmazonEC2", ""),
    ("TimedStorage-ByteHrs", "GB-Mo", "AmazonS3", ""),
    ("DataTransfer-Out-Bytes", "GB", "AmazonEC2", ""),
    ("NatGateway-Hours", "Hrs", "AmazonEC2", ""),
    ("Lambda-GB-Second", "Lambda-GB-Second", "AWSLambda", ""),
    ("Request", "Requests", "AWSLambda", ""),
]
LINE_ITEM_TYPES = [
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "Tax",
    "Credit",
    "Refund",
    "Fee",
    "RIFee",
    "SavingsPlanRecurringFee",
    "EdpDiscount",
]

cost_st = st.decimals(min_value=Decimal("-500"), max_value=Decimal("5000"), places=10, allow_nan=False)
row_st = st.tuples(
    st.sampled_from(USAGE_KINDS),
    st.sampled_from(LINE_ITEM_TYPES),
    st.floats(min_value=0, max_value=10_000, allow_nan=False),
    cost_st,
    st.sampled_from(["", "alpha", "beta"]),
)


def _write(path: Path, rows: list[tuple]) -> Decimal:  # type: ignore[type-arg]
    out = []
    for (ut, unit, product, inst), lit, amount, cost, project in rows:
        out.append(
            cur_row(
                ut,
                repr(amount),
                str(cost),
                unit,
                line_item_type=lit,
                product=product,
                instance=inst,
                project=project,
            )
        )
    write_cur(path, out)
    # the independent total: read the file back with the csv module and add Decimals
    with path.open(encoding="utf-8") as fh:
        return sum((Decimal(r["lineItem/UnblendedCost"]) for r in csv.DictReader(fh)), Decimal(0))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_st, min_size=1, max_size=40))
def test_fates_add_up_to_the_bill(rows: list[tuple], tmp_path: Path, factors: FactorSet) -> None:  # type: ignore[type-arg]
    f = tmp_path / "cur.csv"
    billed = _write(f, rows)
    result = estimate([f], "2026-10", factor_set=factors)
    cov = result.coverage.row(0, named=True)
    assert cov["billed_cost"] == billed
    assert cov["estimated_cost"] + cov["fallback_cost"] + cov["excluded_cost"] == billed
    assert cov["rows"] == len(rows)
    assert result.lines["cost"].sum() == billed
    assert result.lines["rows"].sum() == len(rows)
    # non-usage line item types are never estimated
    non_usage = sum(1 for r in rows if r[1] not in ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"))
    assert result.excluded["rows"].sum() >= non_usage if non_usage else True
    t = result.totals.row(0, named=True)
    assert 0 <= t["energy_kwh_low"] <= t["energy_kwh"] <= t["energy_kwh_high"]
    assert 0 <= t["co2e_kg_low"] <= t["co2e_kg"] <= t["co2e_kg_high"]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_st, min_size=1, max_size=25), seed=st.integers(0, 10_000))
def test_row_order_does_not_matter_and_scaling_is_linear(
    rows: list[tuple],
    seed: int,
    tmp_path: Path,
    factors: FactorSet,  # type: ignore[type-arg]
) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    _write(a, rows)
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    _write(b, shuffled)
    doubled = [(k, lit, amount * 2, cost * 2, p) for k, lit, amount, cost, p in rows]
    _write(c, doubled)
    ra, rb, rc = (estimate([p], "2026-10", factor_set=factors) for p in (a, b, c))
    for key in ("energy_kwh", "co2e_kg", "embodied_co2e_kg", "co2e_kg_high"):
        assert rb.total(key) == pytest.approx(ra.total(key), rel=1e-9, abs=1e-12)
        assert rc.total(key) == pytest.approx(2 * ra.total(key), rel=1e-9, abs=1e-12)


def test_reconciliation_to_the_cent_with_every_line_item_type(tmp_path: Path, factors: FactorSet) -> None:
    rows = [
        cur_row("BoxUsage:m5.large", 24, "2.3040000000", "Hrs", instance="m5.large"),
        cur_row("BoxUsage:m5.large", 24, "0", "Hrs", instance="m5.large", line_item_type="DiscountedUsage"),
        cur_row(
            "BoxUsage:c5.large",
            24,
            "2.0400000000",
            "Hrs",
            instance="c5.large",
            line_item_type="SavingsPlanCoveredUsage",
        ),
        cur_row(
            "BoxUsage:c5.large",
            24,
            "-2.0400000000",
            "Hrs",
            instance="c5.large",
            line_item_type="SavingsPlanNegation",
        ),
        cur_row(
            "ComputeSP:1yrNoUpfront", 720, "1.5000000000", "Hrs", line_item_type="SavingsPlanRecurringFee"
        ),
        cur_row("HeavyUsage:m5.large", 720, "40.3200000000", "Hrs", line_item_type="RIFee"),
        cur_row("NatGateway-Hours", 24, "1.0800000000", "Hrs"),
        cur_row("", 0, "3.1400000000", "", line_item_type="Tax"),
        cur_row("", 0, "-10.0000000000", "", line_item_type="Credit"),
        cur_row("", 0, "-0.5000000000", "", line_item_type="Refund"),
        cur_row("", 0, "29.0000000000", "", line_item_type="Fee", product="AWSSupportBusiness"),
        cur_row("", 0, "-0.7500000000", "", line_item_type="EdpDiscount"),
    ]
    f = write_cur(tmp_path / "cur.csv", rows)
    result = estimate([f], "2026-10", factor_set=factors)
    cov = result.coverage.row(0, named=True)
    # billed: 2.304 + 0 + 2.04 - 2.04 + 1.5 + 40.32 + 1.08 + 3.14 - 10 - 0.5 + 29 - 0.75 = 66.094
    assert cov["billed_cost"] == Decimal("66.094")
    # estimated: the three usage rows 2.304 + 0 + 2.04 = 4.344; fallback: NAT gateway 1.08
    assert cov["estimated_cost"] == Decimal("4.344")
    assert cov["fallback_cost"] == Decimal("1.08")
    # excluded: -2.04 + 1.5 + 40.32 + 3.14 - 10 - 0.5 + 29 - 0.75 = 60.67 (4.344 + 1.08 + 60.67 = 66.094)
    assert cov["excluded_cost"] == Decimal("60.67")
    reasons = dict(result.excluded.select("reason", "cost").iter_rows())
    assert reasons == {
        "commitment_negation": Decimal("-2.04"),
        "commitment_fee": Decimal("41.82"),
        "tax": Decimal("3.14"),
        "credit": Decimal("-10"),
        "refund": Decimal("-0.5"),
        "support": Decimal("29"),
        "discount": Decimal("-0.75"),
    }
    # the savings-plan pair counts its usage once: energy equals one c5.large day
    one = estimate(
        [
            write_cur(
                tmp_path / "one.csv", [cur_row("BoxUsage:c5.large", 24, "2.04", "Hrs", instance="c5.large")]
            )
        ],
        "2026-10",
        factor_set=factors,
    )
    pair = estimate([write_cur(tmp_path / "pair.csv", rows[2:4])], "2026-10", factor_set=factors)
    assert pair.total("energy_kwh") == pytest.approx(one.total("energy_kwh"), rel=1e-12)
    assert pair.coverage["billed_cost"][0] == Decimal(0)


def test_fallback_energy_uses_cost_ratio_of_estimated_rows(tmp_path: Path, factors: FactorSet) -> None:
    f = write_cur(
        tmp_path / "cur.csv",
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large"),
            cur_row("NatGateway-Hours", 24, "1.08", "Hrs"),
        ],
    )
    result = estimate([f], "2026-10", factor_set=factors, detail=True)
    assert result.detail is not None
    d = {r["usage_type"]: r for r in result.detail.iter_rows(named=True)}
    # ratio = 0.213920051 kWh (the m5.large day, see test_handworked) / 2.304 USD = 0.092847244 kWh/USD
    # NAT gateway: 1.08 USD x 0.092847244 = 0.100275024 kWh; band 0.5x .. 2x
    nat = d["NatGateway-Hours"]
    assert nat["fate"] == "fallback" and nat["status_note"] == "unmodelled_usage_type"
    assert nat["energy_kwh"] == pytest.approx(0.100275024, rel=1e-6)
    assert nat["energy_kwh_low"] == pytest.approx(0.100275024 * 0.5, rel=1e-6)
    assert nat["energy_kwh_high"] == pytest.approx(0.100275024 * 2, rel=1e-6)
    fb = result.groups.filter(pl.col("fate") == "fallback")
    assert fb["energy_kwh"].sum() == pytest.approx(0.100275024, rel=1e-6)
