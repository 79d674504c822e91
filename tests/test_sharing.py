"""Shared-cost allocation (``[[allocation.shared]]``): fixed splits, proportional, by tag; exact parts."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from dataclasses import replace
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cloudcarbon import estimate
from cloudcarbon.cli import app, main
from cloudcarbon.config import UNALLOCATED, config_from_mapping, load_config
from cloudcarbon.exceptions import ConfigError
from cloudcarbon.factors import FactorSet
from cloudcarbon.pipeline import _lines as pipeline_lines
from cloudcarbon.recording import config_from_record, recorded_config, run_record
from cloudcarbon.reports.csv import CsvRenderer
from cloudcarbon.reports.json import to_json
from cloudcarbon.reports.table import TableRenderer
from cloudcarbon.results import EstimateResult
from cloudcarbon.sharing import SharePart, SharingRule, apportion, share_groups, sharing_rules
from tests.conftest import CUR_COLUMNS, cur_row, write_cur

CENT = Decimal("0.01")
TAGS = {"projects": {"rules": [{"tag": "user:project"}]}}


# -- apportion: hand-worked ------------------------------------------------------------------------


def test_thirds_of_100() -> None:
    # 100.00 = 10000 cents; each third is 3333.33.. cents -> floors 3333 each (9999), 1 cent left, all
    # remainders equal (0.33..), so the tie goes to the first: 33.34 / 33.33 / 33.33
    assert apportion(Decimal("100.00"), [1, 1, 1]) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_sixty_forty_and_a_half_cent_tie() -> None:
    # 10.00 at 60/40 is exact: 6.00 / 4.00
    assert apportion(Decimal("10.00"), [60, 40]) == [Decimal("6.00"), Decimal("4.00")]
    # 0.05 = 5 cents halved: 2.5 each -> floors 2 + 2, 1 cent left, tie to the first: 0.03 / 0.02
    assert apportion(Decimal("0.05"), [1, 1]) == [Decimal("0.03"), Decimal("0.02")]


def test_largest_remainder_wins_not_the_first() -> None:
    # 1.00 at weights 1:2:7 -> exact 10, 20, 70 cents: no rounding at all
    assert apportion(Decimal("1.00"), [1, 2, 7]) == [Decimal("0.10"), Decimal("0.20"), Decimal("0.70")]
    # 0.10 at 1:1:4 -> exact 1.666.., 1.666.., 6.666.. cents; floors 1+1+6 = 8, 2 cents left; the
    # remainders are all 0.666.. so the ties go in order: first and second -> 0.02 / 0.02 / 0.06
    assert apportion(Decimal("0.10"), [1, 1, 4]) == [Decimal("0.02"), Decimal("0.02"), Decimal("0.06")]
    # 0.10 at 1:3 -> exact 2.5 and 7.5 cents: tie, first wins -> 0.03 / 0.07
    assert apportion(Decimal("0.10"), [1, 3]) == [Decimal("0.03"), Decimal("0.07")]
    # 0.07 at 2:5 -> exact 2 and 5 cents
    assert apportion(Decimal("0.07"), [2, 5]) == [Decimal("0.02"), Decimal("0.05")]


def test_negative_amount_a_credit() -> None:
    # -100.00 in thirds: each exact share is -3333.33.. cents -> floor -3334 (remainder 0.66..), floors
    # add up to -10002, so 2 cents go back, to the first two: -33.33 / -33.33 / -33.34
    assert apportion(Decimal("-100.00"), [1, 1, 1]) == [
        Decimal("-33.33"),
        Decimal("-33.33"),
        Decimal("-33.34"),
    ]


def test_finer_unit_than_a_cent() -> None:
    # a CUR bills to 1e-10: 0.0000000010 halved in units of 1e-10 is 5e-10 each
    unit = Decimal("1e-10")
    assert apportion(Decimal("0.0000000010"), [1, 1], unit) == [Decimal("5e-10"), Decimal("5e-10")]
    with pytest.raises(ValueError, match="whole number"):
        apportion(Decimal("0.005"), [1, 1])


@settings(max_examples=200, deadline=None)
@given(
    cents=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(any),
)
def test_parts_add_up_to_the_whole(cents: int, weights: list[int]) -> None:
    amount = Decimal(cents) * CENT
    parts = apportion(amount, weights)
    assert sum(parts, Decimal(0)) == amount
    whole = sum(weights)
    for p, w in zip(parts, weights, strict=True):
        exact = Fraction(cents * w, whole)  # in cents
        assert abs(Fraction(p / CENT) - exact) < 1  # each part within a cent of its exact share
        assert p == p.quantize(CENT)


# -- configuration ---------------------------------------------------------------------------------


def _cfg(*shared: dict[str, Any]) -> Any:
    return config_from_mapping({**TAGS, "allocation": {"shared": list(shared)}})


def test_rules_parse() -> None:
    cfg = _cfg(
        {"project": "shared-services", "split": {"team-a": 60, "team-b": 40}},
        {"project": UNALLOCATED, "proportional_to": "cost", "among": ["team-a", "team-b"]},
        {"project": "platform", "by_tag": "user:cluster"},
    )
    assert cfg.sharing == (
        SharingRule("shared-services", split=(SharePart("team-a", 60.0), SharePart("team-b", 40.0))),
        SharingRule(UNALLOCATED, proportional_to="cost", among=("team-a", "team-b")),
        SharingRule("platform", by_tag="user:cluster"),
    )
    assert [r.basis for r in cfg.sharing] == ["split", "proportional:cost", "by_tag:user:cluster"]
    assert "user:cluster" in cfg.tag_keys()


def test_percentages_written_in_decimal_add_up_exactly() -> None:
    # 33.3 + 33.3 + 33.4 is 100 as written (as binary floats the sum would be 99.99999999999999)
    assert len(_cfg({"project": "s", "split": {"a": 33.3, "b": 33.3, "c": 33.4}}).sharing) == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"project": "s", "split": {"a": 60, "b": 39.9}},
            "[[allocation.shared]] 1 split: the percentages add up to 99.9, not 100",
        ),
        (
            {"project": "s", "split": {"a": 100, "b": 0}},
            "[allocation] shared[1].split.b must be above 0.0, got 0",
        ),
        ({"project": "s", "split": {"a": "60"}}, "[allocation] shared[1].split.a must be a number, got '60'"),
        ({"project": "s"}, "needs exactly one of split, proportional_to, by_tag"),
        ({"project": "s", "by_tag": "k", "proportional_to": "cost"}, "needs exactly one of"),
        ({"project": "s", "proportional_to": "money"}, "proportional_to must be one of cost, kgco2e, kwh"),
        ({"project": "s", "by_tag": "k", "among": ["a"]}, "among only goes with proportional_to"),
        ({"project": "s", "proportional_to": "cost", "among": []}, "among must be a non-empty list"),
        ({"project": "", "split": {"a": 100}}, "[allocation] shared[1].project must not be empty"),
        (
            {"project": "s", "split": {"a": 100}, "percent": 1},
            "unknown key 'percent' in [allocation] shared[1]; known: among, by_tag",
        ),
        ({"project": "s", "split": {"s": 100}}, "gives to 's', which is its own project"),
    ],
)
def test_bad_rules_are_one_clear_line(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        _cfg(rule)
    text = str(exc.value)
    assert message in text
    assert "\n" not in text


def test_a_cycle_or_a_chain_out_of_order_is_refused() -> None:
    # a -> b then b -> a: the second gives back to a project the first already split
    with pytest.raises(
        ConfigError, match=r"\[\[allocation.shared\]\] 2 \(project 'b'\) gives to 'a', which rule 1"
    ):
        _cfg({"project": "a", "split": {"b": 100}}, {"project": "b", "split": {"a": 100}})
    # the same chain in order is fine: a -> b, then b -> c
    assert (
        len(_cfg({"project": "a", "split": {"b": 100}}, {"project": "b", "split": {"c": 100}}).sharing) == 2
    )
    # out of order: b -> c first, then a -> b (b would get a's share after it was split)
    with pytest.raises(ConfigError, match="put the rule sharing a project after"):
        _cfg({"project": "b", "split": {"c": 100}}, {"project": "a", "split": {"b": 100}})


def test_bad_allocation_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'rules' in \[allocation\]; known: shared"):
        config_from_mapping({"allocation": {"rules": []}})
    with pytest.raises(ConfigError, match=r"\[allocation\] shared must be a list"):
        config_from_mapping({"allocation": {"shared": {"project": "x"}}})
    assert sharing_rules(None) == ()
    p = tmp_path / "cloudcarbon.toml"
    p.write_text('[[allocation.shared]]\nproject = "s"\nsplit = { a = 50, b = 49 }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{p}: .*add up to 99, not 100"):
        load_config(p)


def test_rules_survive_the_ledger_round_trip() -> None:
    cfg = _cfg(
        {"project": "s", "split": {"a": 33.3, "b": 66.7}},
        {"project": UNALLOCATED, "proportional_to": "kwh", "among": ["a"]},
        {"project": "p", "by_tag": "user:cluster"},
    )
    from dataclasses import asdict

    from cloudcarbon.ledger.records import canonical_json

    text = canonical_json(recorded_config(asdict(cfg)))
    assert config_from_record(text).sharing == cfg.sharing


# -- applied to an estimate ------------------------------------------------------------------------


def _m5(cost: str, **kw: Any) -> dict[str, Any]:
    return cur_row("BoxUsage:m5.large", 24, cost, "Hrs", instance="m5.large", **kw)


def _lines(result: EstimateResult) -> dict[str, dict[str, Any]]:
    return {str(r["project"]): r for r in result.lines.iter_rows(named=True)}


_RUNS: dict[str, EstimateResult] = {}


def _run(path: Path, factors: FactorSet, *shared: dict[str, Any]) -> EstimateResult:
    """The estimate of ``path`` with these rules (each one computed once per session: they are slow)."""
    key = repr((str(path), shared))
    if key not in _RUNS:
        _RUNS[key] = estimate([path], "2026-10", factor_set=factors, config=_cfg(*shared))
    return _RUNS[key]


def _shared(result: EstimateResult, *shared: dict[str, Any]) -> EstimateResult:
    """``result`` (estimated without rules) with these rules applied to its groups, as the estimate would
    (a fast check of the rules; the tests above and below run them through ``estimate`` itself)."""
    groups, sharing = share_groups(result.groups, _cfg(*shared).sharing)
    return replace(result, groups=groups, lines=pipeline_lines(groups, result.group_by), sharing=sharing)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """a 5.00, b 5.00, c 5.00 of their own; shared 100.00 (two rows: 50.00 + 50.00); 10.00 untagged."""
    return write_cur(
        tmp_path_factory.mktemp("sharing") / "cur.csv",
        [
            _m5("5.00", project="a"),
            _m5("5.00", project="b"),
            _m5("5.00", project="c"),
            _m5("50.00", project="shared"),
            _m5("50.00", project="shared", region="eu-west-1"),
            _m5("10.00"),
        ],
    )


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


def test_fixed_split_thirds_to_the_cent_unallocated_kept(month: Path, factors: FactorSet) -> None:
    plain = _lines(_run(month, factors))
    # 33.4 / 33.3 / 33.3 of 100.00 (two rows of 50.00: 16.70 / 16.65 / 16.65 each) -> 33.40 / 33.30 / 33.30
    result = _run(month, factors, {"project": "shared", "split": {"a": 33.4, "b": 33.3, "c": 33.3}})
    lines = _lines(result)
    assert "shared" not in lines  # fully covered
    assert lines[UNALLOCATED]["cost"] == Decimal("10.00")  # no rule covers it: the line stays
    assert {p: lines[p]["cost"] for p in "abc"} == {
        "a": Decimal("38.40"),
        "b": Decimal("38.30"),
        "c": Decimal("38.30"),
    }
    # figures: own + percentage x the shared project's figure (from the run without sharing)
    for p, pct in (("a", 0.334), ("b", 0.333), ("c", 0.333)):
        for f in ("energy_kwh", "co2e_kg", "co2e_kg_low", "co2e_kg_high", "embodied_co2e_kg"):
            assert _close(lines[p][f], plain[p][f] + pct * plain["shared"][f]), (p, f)
    # totals and coverage unchanged; the lines still add up to the totals
    base = _run(month, factors)
    assert result.totals == base.totals
    assert result.coverage.equals(base.coverage)
    assert sum(r["cost"] for r in lines.values()) == Decimal("125.00")
    for f in ("energy_kwh", "co2e_kg", "embodied_co2e_kg_high"):
        assert _close(float(result.lines[f].sum()), result.total(f))
    # the audit frame: from/to/basis/share/cost
    audit = {r["to_project"]: r for r in result.sharing.iter_rows(named=True)}
    assert {p: (r["from_project"], r["basis"], r["cost"]) for p, r in audit.items()} == {
        "a": ("shared", "split", Decimal("33.40")),
        "b": ("shared", "split", Decimal("33.30")),
        "c": ("shared", "split", Decimal("33.30")),
    }
    assert _close(audit["a"]["share"], 0.334)
    assert set(result.groups.filter(pl.col("shared_from") == "shared")["project"]) == {"a", "b", "c"}


def test_proportional_to_cost_thirds_carried_across_rows(month: Path, factors: FactorSet) -> None:
    # a, b, c each have 5.00 of their own, so the shared 100.00 (rows 50.00 + 50.00) goes 1:1:1.
    # Each row split alone: 5000 cents / 3 = 1666.67 -> floors 1666 x 3 = 4998, 2 cents to the first
    # two: 16.67 / 16.67 / 16.66, twice -> 33.34 / 33.34 / 33.32 (b one cent over its third).
    # Carried over the rows: after row 1 the running 50.00 is 16.67 / 16.67 / 16.66; after row 2 the
    # running 100.00 is 33.34 / 33.33 / 33.33 (10000 / 3 -> floors 3333, 1 cent to the first), so
    # row 2's parts are 16.67 / 16.66 / 16.67 and the totals are the split of the 100.00 itself
    result = _run(month, factors, {"project": "shared", "proportional_to": "cost", "among": ["a", "b", "c"]})
    lines = _lines(result)
    got = {p: lines[p]["cost"] - Decimal("5.00") for p in "abc"}
    assert got == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    assert lines[UNALLOCATED]["cost"] == Decimal("10.00")


def test_proportional_default_receivers_and_unallocated_covered(month: Path, factors: FactorSet) -> None:
    # without among: every project that is neither (unallocated) nor the project of a rule: a, b, c and
    # "shared" (no rule shares it here). (unallocated) 10.00 = 1000 cents at 5:5:5:100 (of 115):
    # a, b, c 43.48 cents each, shared 869.57 -> floors 43+43+43+869 = 998, 2 cents left; largest
    # remainders: shared (.57), then a (.48, first of the three ties) -> 0.44 / 0.43 / 0.43 / 8.70
    result = _shared(_run(month, factors), {"project": UNALLOCATED, "proportional_to": "cost"})
    lines = _lines(result)
    assert UNALLOCATED not in lines
    assert {p: lines[p]["cost"] for p in ("a", "b", "c", "shared")} == {
        "a": Decimal("5.44"),
        "b": Decimal("5.43"),
        "c": Decimal("5.43"),
        "shared": Decimal("108.70"),
    }


def test_proportional_to_kgco2e(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    # a runs one m5.large for a day, b three: b's kgCO2e is 3x a's (same region and type), so 10.00
    # goes 1:3 -> 2.50 / 7.50, and b gets 3/4 of the shared kWh
    path = cur_file(
        [
            cur_row("BoxUsage:m5.large", 24, "1.00", "Hrs", instance="m5.large", project="a"),
            cur_row("BoxUsage:m5.large", 72, "1.00", "Hrs", instance="m5.large", project="b"),
            cur_row("BoxUsage:m5.large", 24, "10.00", "Hrs", instance="m5.large", project="s"),
        ]
    )
    plain = _lines(_run(path, factors))
    assert _close(plain["b"]["co2e_kg"], 3 * plain["a"]["co2e_kg"])
    lines = _lines(_run(path, factors, {"project": "s", "proportional_to": "kgco2e"}))
    assert (lines["a"]["cost"], lines["b"]["cost"]) == (Decimal("3.50"), Decimal("8.50"))
    assert _close(lines["b"]["energy_kwh"], plain["b"]["energy_kwh"] + 0.75 * plain["s"]["energy_kwh"])
    assert "s" not in lines


def test_receivers_with_nothing_leave_the_line(month: Path, factors: FactorSet) -> None:
    # among names projects without any cost this month: nothing to weigh by, the line stays
    plain = _run(month, factors)
    result = _shared(plain, {"project": "shared", "proportional_to": "cost", "among": ["x", "y"]})
    assert _lines(result)["shared"]["cost"] == Decimal("100.00")
    assert result.sharing.height == 0
    # a rule for a project with no rows does nothing
    nobody = _shared(plain, {"project": "nobody", "split": {"a": 100}})
    assert _lines(nobody)["a"]["cost"] == Decimal("5.00")


def test_chain_resolved_in_order(month: Path, factors: FactorSet) -> None:
    # shared 100.00 -> b (all of it); then b (5.00 own + 100.00) -> x 50 / y 50 = 52.50 each
    result = _shared(
        _run(month, factors),
        {"project": "shared", "split": {"b": 100}},
        {"project": "b", "split": {"x": 50, "y": 50}},
    )
    lines = _lines(result)
    assert "shared" not in lines and "b" not in lines
    assert (lines["x"]["cost"], lines["y"]["cost"]) == (Decimal("52.50"), Decimal("52.50"))
    assert sorted(result.sharing["rule"].to_list()) == [1, 2, 2]


def _tagged(cur_file: Callable[..., Path], rows: list[tuple[str, str, str]]) -> Path:
    cols = [*CUR_COLUMNS, "resourceTags/user:cluster"]
    data = [
        {**_m5(cost, project=project), "resourceTags/user:cluster": cluster}
        for project, cluster, cost in rows
    ]
    return cur_file(data, columns=cols)


def test_by_tag(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = _tagged(
        cur_file,
        [
            ("platform", "c1", "12.00"),
            ("platform", "c2", "5.00"),
            ("platform", "", "2.00"),  # no value: stays on platform
            ("platform", "c9", "1.00"),  # a value no other project carries: stays
            ("team-a", "c1", "1.00"),
            ("team-b", "c1", "3.00"),
            ("team-c", "c2", "7.00"),
        ],
    )
    result = _run(path, factors, {"project": "platform", "by_tag": "user:cluster"})
    lines = _lines(result)
    # c1's 12.00 at team-a:team-b = 1.00:3.00 -> 3.00 / 9.00; c2's 5.00 all to team-c
    assert {p: lines[p]["cost"] for p in ("team-a", "team-b", "team-c", "platform")} == {
        "team-a": Decimal("4.00"),
        "team-b": Decimal("12.00"),
        "team-c": Decimal("12.00"),
        "platform": Decimal("3.00"),
    }
    assert sorted(result.sharing["basis"].unique()) == ["by_tag:user:cluster"]


HOSTILE = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "red\x1b[31mX",
    "Zürich-团队",
    "@SUM(A1)",
]


def test_hostile_names_shown_as_written_and_escaped(month: Path, factors: FactorSet, tmp_path: Path) -> None:
    split = {name: 100 / 4 for name in HOSTILE[:4]}
    result = _shared(
        _run(month, factors),
        {"project": "shared", "split": split},
        {"project": UNALLOCATED, "split": {HOSTILE[4]: 50, HOSTILE[5]: 50}},
    )
    lines = _lines(result)
    for name in HOSTILE[:4]:
        assert lines[name]["cost"] == Decimal("25.00")
    assert lines[HOSTILE[4]]["cost"] == lines[HOSTILE[5]]["cost"] == Decimal("5.00")
    csv_text = CsvRenderer().render(result)
    assert "\n=1+1," not in csv_text and "'=1+1" in csv_text
    assert "\n@SUM" not in csv_text and "'@SUM(A1)" in csv_text
    table = TableRenderer().render(result)
    assert "\x1b" not in table and "red\\x1b[31mX" in table
    assert "Zürich-团队" in table
    data = json.loads(to_json(result))
    assert {r["to_project"] for r in data["sharing"]} == set(HOSTILE)
    assert "\x1b" not in to_json(result)


def test_tag_values_hostile(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = _tagged(
        cur_file,
        [
            ("platform", "=HYPERLINK(1)", "4.00"),
            ("=team", "=HYPERLINK(1)", "1.00"),
            ("b", "\x07bell", "1.00"),
        ],
    )
    lines = _lines(_run(path, factors, {"project": "platform", "by_tag": "user:cluster"}))
    assert lines["=team"]["cost"] == Decimal("5.00") and "platform" not in lines


def test_ledger_record_adds_up(month: Path, factors: FactorSet) -> None:
    result = _run(month, factors, {"project": "shared", "split": {"a": 33.4, "b": 33.3, "c": 33.3}})
    rec = run_record(result)
    base = run_record(_run(month, factors))
    assert rec.totals["cost_USD"] == base.totals["cost_USD"] == Decimal("125.00")
    by_project: dict[str, Decimal] = {}
    for ln in rec.lines:
        p = str(dict(ln.key)["project"])
        by_project[p] = by_project.get(p, Decimal(0)) + ln.figures["cost"]
    assert by_project == {
        "a": Decimal("38.40"),
        "b": Decimal("38.30"),
        "c": Decimal("38.30"),
        UNALLOCATED: Decimal("10.00"),
    }


def test_cli_end_to_end(
    month: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text(
        '[projects]\nrules = [{ tag = "user:project" }]\n\n'
        '[[allocation.shared]]\nproject = "shared"\nsplit = { "a" = 60, "b" = 40 }\n\n'
        '[[allocation.shared]]\nproject = "(unallocated)"\nproportional_to = "cost"\namong = ["c"]\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["estimate", "-m", "2026-10", "-s", str(month), "-c", str(cfg), "--no-record", "-f", "json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    costs = {r["project"]: Decimal(str(r["cost"])) for r in data["lines"]}
    # a 5 + 60, b 5 + 40, c 5 + 10 (all of (unallocated))
    assert costs == {"a": Decimal("65"), "b": Decimal("45"), "c": Decimal("15")}
    assert [(r["from_project"], r["to_project"]) for r in data["sharing"]] == [
        ("shared", "a"),
        ("shared", "b"),
        (UNALLOCATED, "c"),
    ]
    # a bad configuration: exit 4, one line naming the file and the key, no traceback
    cfg.write_text(
        '[[allocation.shared]]\nproject = "shared"\nsplit = { "a" = 60, "b" = 30 }\n', encoding="utf-8"
    )
    monkeypatch.setattr(sys, "argv", ["cloudcarbon", *args])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 4
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert str(cfg) in err and "[[allocation.shared]] 1 split: the percentages add up to 90, not 100" in err


@st.composite
def _percentages(draw: st.DrawFn) -> list[int]:
    """2 to 6 positive whole percentages adding up to 100 (cut points of 1..99)."""
    cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=5)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]


@settings(max_examples=40, deadline=None)
@given(
    percents=_percentages(),
    cents=st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=8),
    kwh=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=8, max_size=8),
)
def test_split_groups_add_up(percents: list[int], cents: list[int], kwh: list[float]) -> None:
    n = len(cents)
    groups = pl.DataFrame(
        {
            "project": ["s"] * n + ["own"],
            "BillingCurrency": ["EUR"] * (n + 1),
            "ServiceName": [f"svc{i}" for i in range(n + 1)],
            "rows": pl.Series([Decimal(i + 1) for i in range(n + 1)], dtype=pl.Decimal(38, 0)),
            "cost": pl.Series([Decimal(c) * CENT for c in [*cents, 7]], dtype=pl.Decimal(38, 18)),
            "energy_kwh": [*kwh[:n], 1.0],
            **{f: [0.0] * (n + 1) for f in ("co2e_kg", "co2e_kg_low", "co2e_kg_high", "embodied_co2e_kg")},
        }
    )
    names = [f"p{i}" for i in range(len(percents))]
    rule = SharingRule("s", split=tuple(SharePart(p, float(v)) for p, v in zip(names, percents, strict=True)))
    out, audit = share_groups(groups, [rule])
    total = Decimal(sum(cents)) * CENT
    sums = out.group_by("project").agg(pl.col("cost", "rows", "energy_kwh").sum())
    by = {r["project"]: r for r in sums.iter_rows(named=True)}
    assert "s" not in by and by["own"]["cost"] == Decimal("0.07")
    # every receiver's cost is the largest-remainder split of the whole (carried over the rows)
    assert [by[p]["cost"] for p in names] == apportion(total, percents)
    assert sum(by[p]["rows"] for p in names) == sum(range(1, n + 1))
    # every shared row's parts add up to the row, to the cent
    parts = out.filter(pl.col("shared_from") == "s").group_by("ServiceName").agg(pl.col("cost").sum())
    assert dict(parts.iter_rows()) == {f"svc{i}": Decimal(c) * CENT for i, c in enumerate(cents)}
    whole = sum(kwh[:n])
    got = sum(by[p]["energy_kwh"] for p in names)
    assert math.isclose(got, whole, rel_tol=1e-9, abs_tol=1e-9)
    assert audit["to_project"].to_list() == sorted(names)


def test_large_costs_split_without_rounding() -> None:
    # 10^15 + 1e-18 has 34 significant digits (beyond decimal's default 28): split 50/50 in units of
    # 1e-18 -> 5*10^14 + 1e-18 and 5*10^14 (the odd unit to the first), adding up exactly
    amount = Decimal("1000000000000000.000000000000000001")
    unit = Decimal("1e-18")
    parts = apportion(amount, [1, 1], unit)
    assert parts == [Decimal("500000000000000.000000000000000001"), Decimal("500000000000000")]
    with localcontext(Context(prec=60)):  # the default 28 digits would round the sum itself
        assert parts[0] + parts[1] == amount
