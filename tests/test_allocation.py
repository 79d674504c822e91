"""Projects from accounts, tags and rules; untagged usage goes to an explicit line."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from cloudcarbon import estimate
from cloudcarbon.config import config_from_mapping
from cloudcarbon.factors import FactorSet
from tests.conftest import cur_row


def _rows() -> list[dict[str, object]]:
    return [
        cur_row(
            "BoxUsage:m5.large",
            24,
            "1.00",
            "Hrs",
            instance="m5.large",
            account="012345678901",
            project="search",
        ),
        cur_row(
            "BoxUsage:m5.large", 24, "2.00", "Hrs", instance="m5.large", account="012345678901", team="ml"
        ),
        cur_row("BoxUsage:m5.large", 24, "4.00", "Hrs", instance="m5.large", account="999999999999"),
        cur_row("BoxUsage:m5.large", 24, "8.00", "Hrs", instance="m5.large", account="555555555555"),
        cur_row("", 0, "0.50", "", line_item_type="Tax", account="012345678901"),
    ]


def _costs(result: object) -> dict[str, Decimal]:
    lines = result.lines  # type: ignore[attr-defined]
    return {r["project"]: r["cost"] for r in lines.iter_rows(named=True)}


def test_default_is_the_linked_account(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    result = estimate([cur_file(_rows())], "2026-10", factor_set=factors)
    # 1 + 2 + 0.5 (tax) on 012345678901, 4 on 999..., 8 on 555...; account ids keep their leading zero
    assert _costs(result) == {
        "012345678901": Decimal("3.5"),
        "999999999999": Decimal("4"),
        "555555555555": Decimal("8"),
    }


def test_tag_and_account_rules_with_unallocated_line(
    cur_file: Callable[..., Path], factors: FactorSet
) -> None:
    config = config_from_mapping(
        {
            "projects": {
                "rules": [
                    {"tag": "user:project"},
                    {"tag": "user:team", "value": "ml", "project": "ml-platform"},
                    {"account": "999999999999", "project": "shared-services"},
                ]
            }
        }
    )
    result = estimate([cur_file(_rows())], "2026-10", factor_set=factors, config=config)
    assert _costs(result) == {
        "search": Decimal("1"),
        "ml-platform": Decimal("2"),
        "shared-services": Decimal("4"),
        # the untagged instance of 555... and the tax row match no rule: kept, on an explicit line
        "(unallocated)": Decimal("8.5"),
    }
    assert result.lines["rows"].sum() == 5


def test_unmatched_to_account_and_tag_prefix(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    config = config_from_mapping(
        {"projects": {"rules": [{"tag": "user:project", "prefix": "p-"}], "unmatched": "account"}}
    )
    result = estimate([cur_file(_rows())], "2026-10", factor_set=factors, config=config)
    assert _costs(result) == {
        "p-search": Decimal("1"),
        "012345678901": Decimal("2.5"),
        "999999999999": Decimal("4"),
        "555555555555": Decimal("8"),
    }


def test_utilisation_override_per_project(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    rows = [cur_row("BoxUsage:m5.large", 24, "1.00", "Hrs", instance="m5.large", project="batch")]
    base = estimate([cur_file(rows)], "2026-10", factor_set=factors, detail=True)
    config = config_from_mapping(
        {
            "projects": {"rules": [{"tag": "user:project"}]},
            "utilisation": {"overrides": [{"project": "batch", "cpu": 0.9}]},
        }
    )
    hot = estimate([cur_file(rows, name="b.csv")], "2026-10", factor_set=factors, config=config, detail=True)
    assert base.detail is not None and hot.detail is not None
    # Skylake: 24 h x 2 vCPU x (0.612989 + u x 3.491181) / 1000
    # u 0.5 -> 0.113211816; u 0.9 -> 24 x 2 x 3.7550519 / 1000 = 0.180242491
    assert base.detail["cpu_kwh"][0] == pytest.approx(0.113211816, rel=1e-6)
    assert hot.detail["cpu_kwh"][0] == pytest.approx(0.180242491, rel=1e-6)
