"""Shared fixtures: the pinned factor set, and a writer of small legacy CUR files."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from cloudcarbon.factors import FactorSet, load_factor_set

# Released factor sets are immutable (tests/factors checks their hashes), so hand-worked figures are
# pinned to this version's published rows.
PINNED_FACTORS = "2026.11"
#: The set an estimate uses when none is named (the newest shipped one): tests that go through the
#: command line without ``--factors`` record this version.
DEFAULT_FACTORS = "2026.12.1"

CUR_COLUMNS = [
    "identity/LineItemId",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/Operation",
    "lineItem/AvailabilityZone",
    "lineItem/UsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedCost",
    "product/region",
    "product/instanceType",
    "product/vcpu",
    "product/memory",
    "pricing/unit",
    "resourceTags/user:project",
    "resourceTags/user:team",
]


def cur_row(
    usage_type: str,
    amount: float | str,
    cost: str,
    unit: str,
    *,
    line_item_type: str = "Usage",
    product: str = "AmazonEC2",
    region: str = "us-east-1",
    instance: str = "",
    account: str = "012345678901",
    project: str = "",
    team: str = "",
    start: str = "2026-10-01T00:00:00Z",
    end: str = "2026-10-02T00:00:00Z",
    vcpu: str = "",
    memory: str = "",
) -> dict[str, Any]:
    """One legacy CUR line with sensible defaults (October 2026, us-east-1, one account)."""
    return {
        "bill/PayerAccountId": "000011112222",
        "bill/BillingPeriodStartDate": "2026-10-01T00:00:00.000Z",
        "lineItem/UsageAccountId": account,
        "lineItem/LineItemType": line_item_type,
        "lineItem/UsageStartDate": start,
        "lineItem/UsageEndDate": end,
        "lineItem/ProductCode": product,
        "lineItem/UsageType": usage_type,
        "lineItem/Operation": "RunInstances" if instance else "",
        "lineItem/AvailabilityZone": "",
        "lineItem/UsageAmount": str(amount),
        "lineItem/CurrencyCode": "USD",
        "lineItem/UnblendedCost": cost,
        "product/region": region,
        "product/instanceType": instance,
        "product/vcpu": vcpu,
        "product/memory": memory,
        "pricing/unit": unit,
        "resourceTags/user:project": project,
        "resourceTags/user:team": team,
    }


def write_cur(path: Path, rows: Iterable[dict[str, Any]], columns: list[str] | None = None) -> Path:
    cols = columns or CUR_COLUMNS
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for i, r in enumerate(rows, 1):
            w.writerow({"identity/LineItemId": f"li-{i}", **r})
    return path


@pytest.fixture(scope="session")
def factors() -> FactorSet:
    return load_factor_set(PINNED_FACTORS)


@pytest.fixture
def cur_file(tmp_path: Path) -> Callable[..., Path]:
    """``cur_file(rows, name="cur.csv")`` writes a legacy CUR CSV and returns its path."""

    def make(rows: Iterable[dict[str, Any]], name: str = "cur.csv", columns: list[str] | None = None) -> Path:
        return write_cur(tmp_path / name, rows, columns)

    return make


@pytest.fixture(autouse=True)
def _ledger_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cloudcarbon estimate` records in a ledger: never the user's own, a fresh file per test."""
    monkeypatch.setenv("CLOUDCARBON_LEDGER", str(tmp_path_factory.mktemp("ledger") / "ledger.sqlite"))
