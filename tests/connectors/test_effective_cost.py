"""``EffectiveCost`` (amortised cost) from every connector, with hand-written fixtures.

CUR: ``DiscountedUsage`` -> ``reservation/EffectiveCost``, ``SavingsPlanCoveredUsage`` ->
``savingsPlan/SavingsPlanEffectiveCost``, ``SavingsPlanNegation`` -> 0, other rows -> unblended cost.
GCP: the usage row's cost, each credit its own amount. Azure: the row's cost (amortised in the amortized
view). Inventory: 0. The schema declares the column once.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from cloudcarbon.connectors import aws_cur, azure_cost, gcp_billing
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.engine import open_engine
from cloudcarbon.schema import CANONICAL_USAGE, COST_DTYPE
from tests.connectors import test_azure_cost as az
from tests.connectors import test_gcp_billing as gcp
from tests.connectors import test_inventory as inv


def _scan(module: Any, path: Path, kind: str) -> pl.DataFrame:
    with open_engine() as engine:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir, tag_keys=(), month="2026-10")
        lf = module.scan(Source(path, kind), ctx)
        return lf.collect(backend="polars").to_native().sort("source_row", "charge_class")


def test_schema_declares_effective_cost_after_billed_cost() -> None:
    names = list(CANONICAL_USAGE)
    assert names[names.index("BilledCost") + 1] == "EffectiveCost"
    col = CANONICAL_USAGE["EffectiveCost"]
    assert col.dtype == COST_DTYPE and col.focus and col.unit == "BillingCurrency"


CUR_COLUMNS = [
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/UsageAmount",
    "lineItem/UnblendedCost",
    "reservation/EffectiveCost",
    "savingsPlan/SavingsPlanEffectiveCost",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation/UnusedRecurringFee",
    "savingsPlan/TotalCommitmentToDate",
    "savingsPlan/UsedCommitment",
]


def test_aws_cur_effective_cost(tmp_path: Path) -> None:
    rows = [
        # type, unblended, RI effective, SP effective -> expected EffectiveCost
        ("Usage", "0.096", "", "", "0.096"),
        ("DiscountedUsage", "0", "0.0605", "", "0.0605"),
        ("SavingsPlanCoveredUsage", "0.096", "", "0.062", "0.062"),
        ("SavingsPlanNegation", "-0.096", "", "", "0"),
        ("SavingsPlanUpfrontFee", "1000", "", "", "0"),
        ("Tax", "1.5", "", "", "1.5"),
        # RI fee 744: unused upfront 10 + unused recurring 20 -> 30 (the used part is in DiscountedUsage)
        ("RIFee", "744", "", "", "30", ("10", "20", "", "")),
        # SP recurring fee 500: commitment to date 500 - used 450 -> 50
        ("SavingsPlanRecurringFee", "500", "", "", "50", ("", "", "500", "450")),
    ]
    path = tmp_path / "cur.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CUR_COLUMNS)
        for lit, unblended, ri, sp, _, *fees in rows:
            w.writerow(
                ["111122223333", lit, "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", "AmazonEC2",
                 "USE1-BoxUsage:m5.large", "1", unblended, ri, sp, *(fees[0] if fees else ("",) * 4)]
            )  # fmt: skip
    d = _scan(aws_cur, path, "aws")
    assert d["EffectiveCost"].to_list() == [Decimal(r[4]) for r in rows]
    assert d["BilledCost"].to_list() == [Decimal(r[1]) for r in rows]


def test_aws_cur_without_effective_cost_columns_uses_unblended(tmp_path: Path) -> None:
    path = tmp_path / "cur.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CUR_COLUMNS[:8])
        w.writerow(["111122223333", "DiscountedUsage", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z",
                    "AmazonEC2", "USE1-BoxUsage:m5.large", "1", "0.01"])  # fmt: skip
    d = _scan(aws_cur, path, "aws")
    assert d["EffectiveCost"].to_list() == [Decimal("0.01")]


def test_gcp_effective_cost_is_cost_and_credits_their_amount(tmp_path: Path) -> None:
    line = gcp.Line("N2 Instance Core running in Americas", "86400", "seconds", "2.5",
                    credits=(("COMMITTED_USAGE_DISCOUNT", "-1.0"),))  # fmt: skip
    d = _scan(gcp_billing, gcp.write_csv(tmp_path / "gcp.csv", [line]), "gcp")
    by_class = dict(zip(d["charge_class"], d["EffectiveCost"], strict=True))
    # usage 2.5 before credits; the credit row -1.0; together the billed 1.5
    assert by_class == {"usage": Decimal("2.5"), "credit": Decimal("-1.0")}
    assert sum(d["EffectiveCost"].to_list()) == sum(d["BilledCost"].to_list()) == Decimal("1.5")


def test_azure_effective_cost_is_the_row_cost(tmp_path: Path) -> None:
    rows = [az.row("Virtual Machines", "Dsv5 Series", "D4s v5", "24", "4.608", "1 Hour")]
    d = _scan(azure_cost, az.write_csv(tmp_path / "az.csv", rows), "azure")
    assert d["EffectiveCost"].to_list() == [Decimal("4.608")]


def test_inventory_effective_cost_is_zero(tmp_path: Path) -> None:
    rows = inv.scan_rows(inv.write(tmp_path, inv.SERVERS_TOML))
    assert rows and all(r["EffectiveCost"] == Decimal(0) for r in rows)
    assert [r for r in rows if r["BilledCost"] != 0] == []
