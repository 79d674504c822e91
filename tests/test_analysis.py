"""Comparisons, baselines and trends read from the ledger (cloudcarbon.analysis), worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudcarbon.analysis import (
    activity_table,
    baseline_comparison,
    bridge_table,
    parse_against,
    rebase_baseline,
    trend_section,
    trend_table,
)
from cloudcarbon.ledger import Ledger, LedgerError, LineRecord, RunRecord
from tests.analysis_builders import FS1, FS2, line, run

D = Decimal


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "ledger.sqlite")


def parts(c: object) -> dict[str, Decimal]:
    from cloudcarbon.statements import BRIDGE_STEPS, Comparison

    assert isinstance(c, Comparison)
    return {p: c.part(p) for p in BRIDGE_STEPS}


def nonzero(c: object) -> dict[str, Decimal]:
    return {k: v for k, v in parts(c).items() if v != 0}


# ------------------------------------------------------------------ activity table


def test_activity_unit_per_row_class() -> None:
    r = run(
        "2026-01",
        [
            line("a", "p4d", accelerator_hours=8, vcpu_hours=96, energy_kwh=30, co2e_kg=9, cost=100),
            line("a", "m5.large", vcpu_hours=100, memory_gb_hours=400, energy_kwh=1, co2e_kg=1, cost=5),
            line("a", "lambda", memory_gb_hours=50, energy_kwh=1, co2e_kg=1, cost=1),
            line("a", "gp3", storage_tb_hours=7, energy_kwh=1, co2e_kg=1, cost=1),
            line("a", "transfer", network_gb=20, energy_kwh=1, co2e_kg=1, cost=1),
            line("a", "support", cost=12, energy_kwh=1, co2e_kg=1),
            line("a", "x", fate="fallback", vcpu_hours=3, cost=40, energy_kwh=2, co2e_kg=1, currency="EUR"),
            line("a", "y", fate="excluded", cost=9),
        ],
    )
    t = activity_table(r)
    got = dict(zip(t["instance_type"], zip(t["activity_unit"], t["activity"], strict=True), strict=True))
    assert got == {
        "p4d": ("accelerator_hours", D(8)),
        "m5.large": ("vcpu_hours", D(100)),
        "lambda": ("memory_gb_hours", D(50)),
        "gp3": ("storage_tb_hours", D(7)),
        "transfer": ("network_gb", D(20)),
        "support": ("cost_USD", D(12)),
        "x": ("cost_EUR", D(40)),  # fallback rows: their cost, even with vCPU-hours
    }  # the excluded line is left out
    assert set(t["factor_set"]) == {f"{FS1[0]}|{FS1[1]}"}


def test_parse_against() -> None:
    assert parse_against(None) is None
    assert parse_against("baseline").name == "default"  # type: ignore[union-attr]
    assert parse_against("baseline:fy2025").name == "fy2025"  # type: ignore[union-attr]
    assert parse_against("2026-03").month == "2026-03"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="baseline:NAME"):
        parse_against("last year")


# ------------------------------------------------------------------ hand-worked bridges


def test_same_instance_double_hours_is_all_activity(ledger: Ledger) -> None:
    # Jan: 100 vCPU-h, 10 kWh (0.1 kWh/vCPU-h), 4 kg (0.4 kg/kWh). Feb: 200 vCPU-h, 20 kWh, 8 kg.
    # share 1 -> 1, energy/activity 0.1 -> 0.1, kg/kWh 0.4 -> 0.4: the +4 kg is all activity.
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.record(run("2026-02", [line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=8)]))
    c = baseline_comparison(ledger, "2026-02", "2026-01")
    assert c is not None
    assert nonzero(c) == {"activity": D(4)}
    assert (c.base_kg, c.current_kg) == (D(4), D(8))
    assert "like for like" in c.basis


def test_same_kwh_new_grid_intensity_is_all_grid(ledger: Ledger) -> None:
    # 10 kWh both months; 0.4 -> 0.6 kg/kWh: 4 kg -> 6 kg, the +2 kg is all grid.
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.record(run("2026-02", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=6)]))
    c = baseline_comparison(ledger, "2026-02", "2026-01")
    assert c is not None and nonzero(c) == {"grid": D(2)}


def test_shift_of_instance_type_at_equal_vcpu_hours_is_mix(ledger: Ledger) -> None:
    # Jan: m5.large 100 vCPU-h, 10 kWh, 4 kg.  Feb: c5.large 100 vCPU-h, 8 kWh, 3.2 kg (0.4 kg/kWh both).
    # Project activity 100 -> 100; m5's share 1 -> 0 (its kWh/vCPU-h and kg/kWh carry over: -4 kg),
    # c5's share 0 -> 1 (+3.2 kg): mix = -0.8 kg, nothing else.
    ledger.record(run("2026-01", [line("web", "m5.large", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.record(run("2026-02", [line("web", "c5.large", vcpu_hours=100, energy_kwh=8, co2e_kg="3.2")]))
    c = baseline_comparison(ledger, "2026-02", "2026-01")
    assert c is not None and nonzero(c) == {"mix": D("-0.8")}


def test_per_project_lines_and_new_project(ledger: Ledger) -> None:
    # web doubles (+4 activity); "ml" is new: a whole new project moves through activity (+9).
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.record(
        run(
            "2026-02",
            [
                line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=8),
                line("ml", "p4d", accelerator_hours=8, vcpu_hours=96, energy_kwh=30, co2e_kg=9),
            ],
        )
    )
    c = baseline_comparison(ledger, "2026-02", "2026-01")
    assert c is not None
    by = {ln.project: (ln.base_kg, ln.part("activity"), ln.current_kg) for ln in c.lines}
    assert by == {"ml": (D(0), D(9), D(9)), "web": (D(4), D(4), D(8))}


def test_restatement_since_close_is_its_own_part(ledger: Ledger) -> None:
    # Jan 4 kg. Feb closed at 200 vCPU-h / 20 kWh / 8 kg, then restated (new bill delivery) to
    # 250 vCPU-h / 25 kWh / 10 kg. Change 4 -> 10 = +6: restatement = 10 - 8 = +2 (recorded deltas),
    # and Jan -> Feb as first reported = +4, all activity.
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.record(run("2026-02", [line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=8)]))
    ledger.close("2026-02")
    rec = ledger.record(
        run("2026-02", [line("web", vcpu_hours=250, energy_kwh=25, co2e_kg=10)], at="2026-12-01T00:00:00Z")
    )
    assert rec.kind == "restatement"
    c = baseline_comparison(ledger, "2026-02", "2026-01")
    assert c is not None
    assert nonzero(c) == {"activity": D(4), "restatement": D(2)}
    assert "restated 1 time" in c.basis


def test_restatement_that_adds_a_line(ledger: Ledger) -> None:
    # Feb closed with web only (8 kg); the restatement adds a late-billed "etl" line of 3 kg.
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.record(run("2026-02", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.close("2026-02")
    ledger.record(
        run(
            "2026-02",
            [
                line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4),
                line("etl", vcpu_hours=10, energy_kwh=5, co2e_kg=3),
            ],
            at="2026-12-01T00:00:00Z",
        )
    )
    c = baseline_comparison(ledger, "2026-02", "2026-01")
    assert c is not None
    assert {ln.project: dict(ln.parts)["restatement"] for ln in c.lines} == {"etl": D(3), "web": D(0)}
    assert sum(ln.part("activity") for ln in c.lines) == 0


# ------------------------------------------------------------------ baselines and like for like


def test_no_default_baseline_gives_none(ledger: Ledger) -> None:
    ledger.record(run("2026-01", [line("web", vcpu_hours=1, energy_kwh=1, co2e_kg=1)]))
    assert baseline_comparison(ledger, "2026-01") is None
    with pytest.raises(LedgerError, match="no baseline 'default'"):
        baseline_comparison(ledger, "2026-01", "baseline")


def test_year_baseline_is_the_monthly_average(ledger: Ledger) -> None:
    # 2025-01..03: 3, 4 and 8 kg (vCPU-h 30, 40, 80; kWh 7.5, 10, 20): average 5 kg, 50 vCPU-h, 12.5 kWh.
    for m, h, e, c in (("2025-01", 30, "7.5", 3), ("2025-02", 40, 10, 4), ("2025-03", 80, 20, 8)):
        ledger.record(run(m, [line("web", vcpu_hours=h, energy_kwh=e, co2e_kg=c)]))
    b = ledger.set_baseline_from_ledger("default", ["2025-01", "2025-02", "2025-03"])
    assert b.totals["co2e_kg"] == D(5)
    # 2026-01: 100 vCPU-h, 25 kWh, 10 kg: same kWh/vCPU-h (0.25) and kg/kWh (0.4) -> +5 kg, all activity
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=25, co2e_kg=10)]))
    c = baseline_comparison(ledger, "2026-01")  # None -> the default baseline
    assert c is not None
    assert (c.base_kg, nonzero(c)) == (D(5), {"activity": D(5)})
    assert "2025-01..2025-03" in c.baseline or "2025" in c.baseline


def _recompute(r: RunRecord) -> RunRecord:
    """The month under factor set FS2, whose grid intensity is 0.5 kg/kWh instead of 0.4."""
    lines = [
        LineRecord(ln.key, {**ln.figures, "co2e_kg": ln.figures["energy_kwh"] * D("0.5")}) for ln in r.lines
    ]
    return run(r.month, lines, fs=FS2)


def test_like_for_like_with_two_factor_sets(ledger: Ledger) -> None:
    # Baseline: Jan under FS1: 10 kWh at 0.4 -> 4 kg. Feb under FS2: 20 kWh at 0.5 -> 10 kg.
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.set_baseline_from_ledger("default", ["2026-01"])
    ledger.record(run("2026-02", [line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=10)], fs=FS2))
    with pytest.raises(LedgerError, match="baseline rebase --name default"):
        baseline_comparison(ledger, "2026-02", "baseline")

    # the caller supplies the recomputation: base 4, method part 5 - 4 = +1, then activity +5
    supplied = _recompute(ledger.current("2026-01"))
    c = baseline_comparison(ledger, "2026-02", "baseline", base_restated=supplied)
    assert c is not None
    assert (c.base_kg, nonzero(c)) == (D(4), {"method": D(1), "activity": D(5)})
    assert "supplied by the caller" in c.basis

    # re-baselining keeps both versions; the comparison then uses version 2 (5 kg under FS2)
    rebased = rebase_baseline(ledger, "default", _recompute)
    assert rebased.version == 2 and rebased.factor_set_version == FS2[0]
    versions = ledger.baselines("default")
    assert [(b.version, b.factor_set_version, b.totals["co2e_kg"]) for b in versions] == [
        (1, FS1[0], D(4)),
        (2, FS2[0], D(5)),
    ]
    c2 = baseline_comparison(ledger, "2026-02")
    assert c2 is not None
    assert (c2.base_kg, nonzero(c2)) == (D(5), {"activity": D(5)})
    assert "version 2" in c2.baseline and "2026.2" in c2.baseline
    assert "like for like" in c2.basis and "v1 (2026.1" in c2.basis


def test_month_reference_under_another_factor_set_uses_its_recorded_recomputation(ledger: Ledger) -> None:
    # Jan estimated under FS2 (5 kg), then again under FS1 (4 kg, now current). Feb under FS2 (10 kg).
    # Against Jan as stated (4): method = 5 - 4 = +1 from Jan's FS2 estimate, activity = 10 - 5 = +5.
    jan = run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)])
    ledger.record(_recompute(jan))
    ledger.record(jan)
    ledger.record(run("2026-02", [line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=10)], fs=FS2))
    c = baseline_comparison(ledger, "2026-02", "2026-01")
    assert c is not None
    assert nonzero(c) == {"method": D(1), "activity": D(5)}
    assert "recorded under it" in c.basis


def test_month_reference_without_recomputation_is_refused(ledger: Ledger) -> None:
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)]))
    ledger.record(run("2026-02", [line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=10)], fs=FS2))
    with pytest.raises(LedgerError, match="estimate 2026-01 again"):
        baseline_comparison(ledger, "2026-02", "2026-01")


# ------------------------------------------------------------------ property: parts add up


_PROJECTS = ["web", "ml", '=HYPERLINK("x")', None]
_TYPES = ["m5.large", "c5.large", "p4d", "gp3"]


@st.composite
def _lines(draw: st.DrawFn) -> list[LineRecord]:
    out: dict[tuple[object, ...], LineRecord] = {}
    for _ in range(draw(st.integers(0, 6))):
        project = draw(st.sampled_from(_PROJECTS))
        itype = draw(st.sampled_from(_TYPES))
        fate = draw(st.sampled_from(["estimated", "estimated", "fallback"]))
        figs = {
            name: draw(st.decimals(min_value=0, max_value=10_000, places=draw(st.integers(0, 9))))
            for name in (
                "vcpu_hours",
                "accelerator_hours",
                "storage_tb_hours",
                "energy_kwh",
                "co2e_kg",
                "cost",
            )
        }
        key_line = line("x", itype, fate=fate)
        key = tuple((k, project if k == "project" else v) for k, v in key_line.key)
        out[key] = LineRecord(key, figs)  # type: ignore[arg-type]
    return list(out.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=_lines(), b=_lines(), restated=_lines(), close=st.booleans())
def test_parts_sum_exactly_to_the_change_per_project(
    tmp_path_factory: pytest.TempPathFactory,
    a: list[LineRecord],
    b: list[LineRecord],
    restated: list[LineRecord],
    close: bool,
) -> None:
    ledger = Ledger(tmp_path_factory.mktemp("p") / "l.sqlite")
    ledger.record(run("2026-01", a))
    ledger.record(run("2026-02", b))
    if close:
        ledger.close("2026-02")
        ledger.record(run("2026-02", restated, at="2026-12-01T00:00:00Z"))
    rows, _, _ = bridge_table(ledger, "2026-02", "2026-01")  # type: ignore[misc]
    cur = ledger.current("2026-02")
    expected: dict[object, list[Decimal]] = {}
    for side, r in ((0, ledger.current("2026-01")), (1, cur)):
        for ln in r.lines:
            if dict(ln.key)["fate"] == "excluded":
                continue
            expected.setdefault(dict(ln.key)["project"], [D(0), D(0)])[side] += ln.figures.get(
                "co2e_kg", D(0)
            )
    if close:  # a project only in the version first closed has a line: 0 -> 0 through the restatement
        for ln in ledger.version("2026-02", 1).lines:
            expected.setdefault(dict(ln.key)["project"], [D(0), D(0)])
    got = {r["project"]: r for r in rows.to_dicts()}
    assert set(got) == set(expected)
    names = ("method", "activity", "mix", "efficiency", "grid", "unattributed", "restatement")
    for p, (base, current) in expected.items():
        r = got[p]
        assert r["base_co2e_kg"] == base.quantize(D("1e-6"))
        assert r["current_co2e_kg"] == current.quantize(D("1e-6"))
        assert r["base_co2e_kg"] + sum(r[f"{n}_kg"] for n in names) == r["current_co2e_kg"]
        assert r["change_kg"] == r["current_co2e_kg"] - r["base_co2e_kg"]
        if not close:
            assert r["restatement_kg"] == 0


# ------------------------------------------------------------------ trends


def test_trend_month_by_month_with_the_baseline(ledger: Ledger) -> None:
    # web: 4, 6, 5 kg; ml: -, 2, 3 kg. Baseline = Jan: web 4, ml absent.
    ledger.record(run("2026-01", [line("web", vcpu_hours=1, energy_kwh=1, co2e_kg=4)]))
    ledger.record(
        run(
            "2026-02",
            [line("web", vcpu_hours=1, energy_kwh=1, co2e_kg=6), line("ml", energy_kwh=1, co2e_kg=2)],
        )
    )
    ledger.record(
        run(
            "2026-03",
            [line("web", vcpu_hours=1, energy_kwh=1, co2e_kg=5), line("ml", energy_kwh=1, co2e_kg=3)],
        )
    )
    ledger.record(run("2026-04", [line("web", vcpu_hours=1, energy_kwh=1, co2e_kg=99)]))
    ledger.set_baseline_from_ledger("default", ["2026-01"])
    df, label = trend_table(ledger, "2026-01", "2026-03", by="project")
    assert "baseline 'default' version 1" in label
    got = {(r["month"], r["project"]): (r["co2e_kg"], r["change_co2e_kg"]) for r in df.to_dicts()}
    assert got[("2026-02", "web")] == (D(6), D(2))
    assert got[("2026-03", "web")] == (D(5), D(1))
    assert got[("2026-01", "ml")] == (D(0), None)  # absent that month: 0; no baseline for ml
    assert {m for m, _ in got} == {"2026-01", "2026-02", "2026-03"}  # April is outside

    total = trend_section(ledger, "2026-01", "2026-03")
    assert [s.name for s in total.series] == ["Total"]
    assert [p.co2e_kg for p in total.series[0].points] == [D(4), D(8), D(8)]
    assert total.series[0].baseline_kg == D(4)

    per = trend_section(ledger, "2026-01", "2026-03", by="project", against="2026-02")
    assert {s.name: s.baseline_kg for s in per.series} == {"ml": D(2), "web": D(6)}
    with pytest.raises(LedgerError, match="no month recorded"):
        trend_table(ledger, "2027-01", "2027-02")


def test_restatement_under_a_new_factor_set_is_not_mixed_into_the_operational_parts(ledger: Ledger) -> None:
    # Baseline (FS2): 100 vCPU-h, 10 kWh, 5 kg. The month: v1 (FS1) 200 / 20 / 8 kg; v2 (FS2, new factor
    # set) 200 / 20 / 10 kg; v3 (FS2, new bill delivery) 250 / 25 / 12.5 kg.
    # Like for like the month starts from v2, the first version under FS2: activity 5 -> 10 (+5, same
    # kWh per vCPU-h and kg per kWh), then the restatement since v2: 10 -> 12.5 (+2.5). Change +7.5.
    ledger.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=5)], fs=FS2))
    ledger.set_baseline_from_ledger("default", ["2026-01"])
    ledger.record(run("2026-02", [line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=8)]))
    ledger.close("2026-02")
    ledger.record(run("2026-02", [line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=10)], fs=FS2))
    c = baseline_comparison(ledger, "2026-02")
    assert c is not None and nonzero(c) == {"activity": D(10) - D(5)}  # v2 compared as restated
    assert "version 2, compared as restated" in c.basis
    ledger.record(run("2026-02", [line("web", vcpu_hours=250, energy_kwh=25, co2e_kg="12.5")], fs=FS2))
    c = baseline_comparison(ledger, "2026-02")
    assert c is not None and nonzero(c) == {"activity": D(5), "restatement": D("2.5")}
    assert "restated 2 times" in c.basis and "since version 2" in c.basis
