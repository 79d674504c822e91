"""The variance bridge (exact Shapley split) and trends."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudcarbon.compare import BRIDGE_PARTS, bridge, shapley, trend

KEYS = ["project", "instance_type"]
DEC = pl.Decimal(20, 6)


def table(rows: list[tuple[Any, ...]], extra: dict[str, list[Any]] | None = None) -> pl.DataFrame:
    """Rows of (project, instance_type, activity, energy_kwh, co2e_kg) with exact decimal figures."""
    df = pl.DataFrame(
        {
            "project": [r[0] for r in rows],
            "instance_type": [r[1] for r in rows],
            "activity": [Decimal(str(r[2])) for r in rows],
            "energy_kwh": [Decimal(str(r[3])) for r in rows],
            "co2e_kg": [Decimal(str(r[4])) for r in rows],
        },
        schema={
            "project": pl.String,
            "instance_type": pl.String,
            "activity": DEC,
            "energy_kwh": DEC,
            "co2e_kg": DEC,
        },
    )
    if extra:
        df = df.with_columns([pl.Series(k, v) for k, v in extra.items()])
    return df


def one(df: pl.DataFrame, project: str) -> dict[str, Any]:
    rows = df.filter(pl.col("project") == project).to_dicts()
    assert len(rows) == 1
    return rows[0]


def parts_sum(row: dict[str, Any]) -> Decimal:
    return sum((row[f"{p}_kg"] for p in BRIDGE_PARTS), Decimal(0))


def test_hand_worked_two_keys() -> None:
    # Project P, two instance types, activity in vCPU-hours.
    #   base:    x: a=100, E=1 kWh, C=0.5 kg  (e=0.01 kWh/h, f=0.5 kg/kWh)
    #            y: a=100, E=2 kWh, C=0.4 kg  (e=0.02,       f=0.2)
    #            A0 = 200, shares 0.5 / 0.5, C0 = 0.9
    #   current: x: a=300, E=3, C=1.5         (e=0.01, f=0.5)
    #            y: a=100, E=2, C=0.2         (e=0.02, f=0.1)   -- a cleaner grid for y
    #            A1 = 400, shares 0.75 / 0.25, C1 = 1.7; change 0.8
    # Key x: only A and s change, C = A*s*k with k = e*f = 0.005:
    #   activity = 1/2 (A1-A0)(s0+s1) k = 1/2*200*1.25*0.005 = 0.625
    #   mix      = 1/2 (s1-s0)(A0+A1) k = 1/2*0.25*600*0.005 = 0.375        (sum 1.0 = 1.5-0.5)
    # Key y: A, s and f change (e = 0.02 fixed); V(S) = A*s*f*e with the factors in S at current values:
    #   V{}=0.4 V{A}=0.8 V{s}=0.2 V{f}=0.2 V{As}=0.4 V{Af}=0.4 V{sf}=0.1 V{Asf}=0.2
    #   Shapley weights for 3 factors: 1/3 (alone), 1/6 (after one other), 1/3 (last)
    #   activity = 1/3*0.4 + 1/6*0.2 + 1/6*0.2 + 1/3*0.1 = 7/30
    #   mix      = 1/3*(-0.2) + 1/6*(-0.4) + 1/6*(-0.1) + 1/3*(-0.2) = -13/60
    #   grid     = -13/60 (same pattern as mix: s and f both halve)   (sum -0.2 = 0.2-0.4)
    # Project: activity = 0.625 + 7/30 = 0.858333..., mix = 0.375 - 13/60 = 0.158333...,
    #          efficiency = 0, grid = -0.216666...;  sum 0.8.
    # Rounded to 6 places the floors sum to 0.799999; the missing 0.000001 goes to the largest
    # remainder (all three are 1/3 of a unit: the tie goes to the first in chain order, activity).
    base = table([("P", "x", 100, 1, "0.5"), ("P", "y", 100, 2, "0.4")])
    cur = table([("P", "x", 300, 3, "1.5"), ("P", "y", 100, 2, "0.2")])
    row = one(bridge(base, cur, KEYS), "P")
    assert row["base_co2e_kg"] == Decimal("0.9")
    assert row["current_co2e_kg"] == Decimal("1.7")
    assert row["change_kg"] == Decimal("0.8")
    assert row["activity_kg"] == Decimal("0.858334")
    assert row["mix_kg"] == Decimal("0.158333")
    assert row["efficiency_kg"] == 0
    assert row["grid_kg"] == Decimal("-0.216667")
    assert row["method_kg"] == row["restatement_kg"] == row["unattributed_kg"] == 0
    assert parts_sum(row) == row["change_kg"]


def test_shapley_exact_three_factor_values() -> None:
    # Key y of the hand-worked example, (A, s, e, f):
    parts = shapley(
        [Fraction(200), Fraction(1, 2), Fraction(1, 50), Fraction(1, 5)],
        [Fraction(400), Fraction(1, 4), Fraction(1, 50), Fraction(1, 10)],
    )
    assert parts == [Fraction(7, 30), Fraction(-13, 60), Fraction(0), Fraction(-13, 60)]


def _orders_average(x0: list[Fraction], x1: list[Fraction]) -> list[Fraction]:
    """Independent reference: average over all orders of the step of each factor when switched."""
    n = len(x0)
    total = [Fraction(0)] * n
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        cur = list(x0)
        for k in order:
            before = _prod(cur)
            cur[k] = x1[k]
            total[k] += _prod(cur) - before
    return [t / len(orders) for t in total]


def _prod(xs: list[Fraction]) -> Fraction:
    out = Fraction(1)
    for x in xs:
        out *= x
    return out


fractions_ = st.fractions(min_value=0, max_value=1000, max_denominator=97)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(fractions_, fractions_), min_size=1, max_size=5), st.randoms())
def test_shapley_is_order_free_and_exact(pairs: list[tuple[Fraction, Fraction]], rnd: random.Random) -> None:
    x0 = [p[0] for p in pairs]
    x1 = [p[1] for p in pairs]
    parts = shapley(x0, x1)
    assert sum(parts) == _prod(x1) - _prod(x0)
    assert parts == _orders_average(x0, x1)
    perm = list(range(len(pairs)))
    rnd.shuffle(perm)
    swapped = shapley([x0[i] for i in perm], [x1[i] for i in perm])
    assert swapped == [parts[i] for i in perm]


# Random tables: keys from a small pool so that keys are new, vanished or shared; zeros are frequent.
amount = st.one_of(st.just(0), st.integers(0, 5000), st.decimals("0", "500", places=3))


@st.composite
def tables(draw: st.DrawFn) -> pl.DataFrame:
    pool = [(p, t) for p in ("a", "b", "c") for t in ("m5", "c6", "gpu")]
    keys = draw(st.lists(st.sampled_from(pool), unique=True, max_size=len(pool)))
    rows = [(p, t, draw(amount), draw(amount), draw(amount)) for p, t in keys]
    return table(rows)


@settings(max_examples=150, deadline=None)
@given(tables(), tables(), st.one_of(st.none(), tables()), st.booleans())
def test_parts_sum_exactly_on_random_data(
    base: pl.DataFrame, cur: pl.DataFrame, restated: pl.DataFrame | None, with_deltas: bool
) -> None:
    deltas = None
    if with_deltas and cur.height:
        # restatement deltas: half of each current row was delivered late
        deltas = cur.select(
            "project",
            "instance_type",
            *[(pl.col(c) / 2).cast(DEC) for c in ("activity", "energy_kwh", "co2e_kg")],
        )
    out = bridge(base, cur, KEYS, base_restated=restated, restatements=deltas)
    projects = (
        set(base["project"])
        | set(cur["project"])
        | (set(restated["project"]) if restated is not None else set())
    )
    assert set(out["project"]) == projects
    for row in out.to_dicts():
        assert row["base_co2e_kg"] + parts_sum(row) == row["current_co2e_kg"]
        assert row["current_co2e_kg"] - row["base_co2e_kg"] == row["change_kg"]
        p = row["project"]
        want_base = sum(base.filter(pl.col("project") == p)["co2e_kg"].to_list(), Decimal(0))
        want_cur = sum(cur.filter(pl.col("project") == p)["co2e_kg"].to_list(), Decimal(0))
        assert row["base_co2e_kg"] == want_base.quantize(Decimal("0.000001"))
        assert row["current_co2e_kg"] == want_cur.quantize(Decimal("0.000001"))
        if restated is None:
            assert row["method_kg"] == 0
        if deltas is None:
            assert row["restatement_kg"] == 0
    # key order does not matter
    shuffled = bridge(
        base.reverse(),
        cur.sample(fraction=1.0, shuffle=True, seed=1),
        KEYS,
        base_restated=restated,
        restatements=deltas,
    )
    assert shuffled.equals(out)


def test_key_column_order_does_not_matter() -> None:
    base = table([("P", "x", 100, 1, "0.5"), ("P", "y", 100, 2, "0.4"), ("Q", "x", 5, 1, 1)])
    cur = table([("P", "x", 300, 3, "1.5"), ("P", "y", 100, 2, "0.2"), ("Q", "y", 7, 2, 3)])
    a = bridge(base, cur, ["project", "instance_type"])
    b = bridge(base.select(reversed(base.columns)), cur, ["project", "instance_type"])
    assert a.equals(b)


def test_new_project_is_all_activity_and_vanished_key_is_mix() -> None:
    base = table([("P", "x", 100, 10, 5), ("P", "y", 100, 10, 5)])
    cur = table([("P", "x", 100, 10, 5), ("N", "x", 50, 5, 2)])
    out = bridge(base, cur, KEYS)
    n = one(out, "N")
    # N did not exist: the whole 2 kg is activity (A_g goes 0 -> 50, the other factors are borrowed)
    assert (n["activity_kg"], n["mix_kg"], n["grid_kg"]) == (Decimal(2), 0, 0)
    p = one(out, "P")
    # P: A 200 -> 100 and x's share 0.5 -> 1, y's 0.5 -> 0; k = e*f = 0.05 for both keys.
    # x: activity = 1/2*(-100)*(0.5+1)*0.05 = -3.75, mix = 1/2*(0.5)*(300)*0.05 = 3.75
    # y: activity = 1/2*(-100)*(0.5+0)*0.05 = -1.25, mix = 1/2*(-0.5)*(300)*0.05 = -3.75
    assert p["activity_kg"] == Decimal("-5")
    assert p["mix_kg"] == 0
    assert p["change_kg"] == Decimal("-5")


def test_method_and_restatement_parts() -> None:
    base = table([("P", "x", 100, 10, 5)], {"factor_set": ["2025.01"] * 1})
    restated = table([("P", "x", 100, 10, 4)], {"factor_set": ["2026.11"]})
    cur = table([("P", "x", 100, 10, 6)], {"factor_set": ["2026.11"]})
    deltas = table([("P", "x", 0, 0, 1)])
    row = one(bridge(base, cur, KEYS, base_restated=restated, restatements=deltas), "P")
    # method = 4 - 5 = -1; restatement = +1; operational 4 -> (6 - 1) = 5: grid (f 0.4 -> 0.5) = +1
    assert row["method_kg"] == Decimal(-1)
    assert row["restatement_kg"] == Decimal(1)
    assert row["grid_kg"] == Decimal(1)
    assert row["change_kg"] == Decimal(1)


def test_not_like_for_like_is_refused() -> None:
    base = table([("P", "x", 100, 10, 5)], {"factor_set": ["2025.01"]})
    cur = table([("P", "x", 100, 10, 6)], {"factor_set": ["2026.11"]})
    with pytest.raises(ValueError, match=r"not like for like.*pass base_restated"):
        bridge(base, cur, KEYS)


def test_energyless_keys_and_activityless_co2e() -> None:
    # F: spend-based fallback (activity = cost, no energy): 2 kg on 10 units -> 3 kg on 10: grid +1
    # U: CO2e with no activity: 1 kg -> 4 kg: unattributed +3
    base = table([("F", "x", 10, 0, 2), ("U", "x", 0, 0, 1)])
    cur = table([("F", "x", 10, 0, 3), ("U", "x", 0, 0, 4)])
    out = bridge(base, cur, KEYS)
    assert one(out, "F")["grid_kg"] == Decimal(1)
    assert one(out, "U")["unattributed_kg"] == Decimal(3)


def test_activity_units_are_not_mixed() -> None:
    # vCPU-hours and TB-hours in one project: each unit is its own group, so doubling storage while
    # compute stays put is activity, not mix.
    base = table([("P", "x", 100, 10, 5), ("P", "s3", 100, 1, 1)], {"activity_unit": ["vcpu_h", "tb_h"]})
    cur = table([("P", "x", 100, 10, 5), ("P", "s3", 200, 2, 2)], {"activity_unit": ["vcpu_h", "tb_h"]})
    row = one(bridge(base, cur, KEYS), "P")
    assert (row["activity_kg"], row["mix_kg"]) == (Decimal(1), 0)


def test_bad_input_names_table_row_and_column() -> None:
    base = table([("P", "x", 100, 10, 5)])
    cur = table([("P", "x", 100, 10, -1)])
    with pytest.raises(ValueError, match=r"table 'current', row 1, column 'co2e_kg'.*negative"):
        bridge(base, cur, KEYS)
    with pytest.raises(ValueError, match="lacks column"):
        bridge(base.drop("energy_kwh"), cur, KEYS)


def test_trend_with_baseline() -> None:
    monthly = pl.DataFrame(
        {
            "month": ["2026-01", "2026-01", "2026-02", "2026-03"],
            "project": ["a", "b", "a", "b"],
            "co2e_kg": [10.0, 5.0, 12.0, 4.0],
        }
    )
    total = trend(monthly, baseline=pl.DataFrame({"co2e_kg": [10.0]}))
    # months 15, 12, 4 against 10: +5 (+50 %), +2 (+20 %), -6 (-60 %)
    assert total["co2e_kg"].to_list() == [15.0, 12.0, 4.0]
    assert total["change_co2e_kg"].to_list() == [5.0, 2.0, -6.0]
    assert total["change_pct"].to_list() == pytest.approx([50.0, 20.0, -60.0])
    per = trend(monthly, by=["project"], baseline=pl.DataFrame({"project": ["a"], "co2e_kg": [8.0]}))
    assert per.select("month", "project", "co2e_kg").rows() == [
        ("2026-01", "a", 10.0),
        ("2026-01", "b", 5.0),
        ("2026-02", "a", 12.0),
        ("2026-02", "b", 0.0),
        ("2026-03", "a", 0.0),
        ("2026-03", "b", 4.0),
    ]
    # a: baseline 8 -> 10, 12, 0 : +25 %, +50 %, -100 %; b has no baseline
    assert per["change_pct"].to_list() == pytest.approx([25.0, None, 50.0, None, -100.0, None], nan_ok=True)


def test_market_and_water_totals_beside_the_bridge() -> None:
    # by hand: project a: market 1.5 + 2.25 = 3.75 kg in the base, 4.0 kg now: change 0.25;
    # water 10 + 5 = 15 L, then 12 L: change -3. Project b: market 1.0 in the base, but one of its
    # current rows has none (null) -> current total null, change null, with the note naming the
    # period; its water 2 L -> 0 + 0 L: change -2
    def table(rows: list[tuple[str, str, float, float | None, float]]) -> pl.DataFrame:
        return pl.DataFrame(
            [
                {"project": p, "region": r, "activity": 1.0, "energy_kwh": 1.0, "co2e_kg": c,
                 "market_co2e_kg": m, "water_l": w}
                for p, r, c, m, w in rows
            ],
            schema_overrides={"market_co2e_kg": pl.Float64},
        )  # fmt: skip

    base = table([("a", "x", 1.0, 1.5, 10.0), ("a", "y", 1.0, 2.25, 5.0), ("b", "x", 1.0, 1.0, 2.0)])
    cur = table([("a", "x", 2.0, 4.0, 12.0), ("b", "x", 1.0, None, 0.0), ("b", "y", 1.0, 0.5, 0.0)])
    out = {r["project"]: r for r in bridge(base, cur, ["project", "region"]).iter_rows(named=True)}
    a, b = out["a"], out["b"]
    assert (a["base_market_co2e_kg"], a["current_market_co2e_kg"]) == (Decimal("3.75"), Decimal("4"))
    assert a["change_market_co2e_kg"] == Decimal("0.25") and a["market_co2e_kg_note"] is None
    assert a["change_water_l"] == Decimal("-3") and a["base_water_l"] == Decimal("15")
    assert b["base_market_co2e_kg"] == Decimal("1") and b["current_market_co2e_kg"] is None
    assert b["change_market_co2e_kg"] is None
    assert b["market_co2e_kg_note"] == "no market-based CO2e figure in the current period"
    assert b["change_water_l"] == Decimal("-2") and b["water_l_note"] is None
    # the bridge itself is unchanged: a's CO2e 2 -> 2, b's 1 -> 2
    assert a["change_kg"] == Decimal("0") and b["change_kg"] == Decimal("1")


def test_a_table_without_the_market_column_gives_null_change() -> None:
    base = pl.DataFrame({"project": ["a"], "activity": [1.0], "energy_kwh": [1.0], "co2e_kg": [1.0]})
    cur = base.with_columns(pl.lit(0.5).alias("market_co2e_kg"))
    (row,) = bridge(base, cur, ["project"]).iter_rows(named=True)
    assert row["base_market_co2e_kg"] is None and row["current_market_co2e_kg"] == Decimal("0.5")
    assert row["change_market_co2e_kg"] is None
    assert row["market_co2e_kg_note"] == "no market-based CO2e figure in the base period"
    assert "change_water_l" not in row  # neither table has water
